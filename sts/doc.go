// Package sts mints and opens session tokens and speaks the STS wire
// protocol (Query API in, XML out) for AssumeRole,
// AssumeRoleWithLDAPIdentity and GetCallerIdentity.
//
// # Tokens
//
// A session token is sealed, not signed: [KeyRing.Seal] encrypts and
// authenticates a [Session] (temporary access key and secret, parent,
// session policy, issue and expiry times, LDAP groups and POSIX ids) with
// AES-256-GCM under the ring's active key, whose id travels in the token.
// Any node holding the ring opens it with no store read ([KeyRing.Open]).
// The temporary secret is inside the ciphertext, so holding a token does not
// reveal it, and no key is derived from a user's secret: rotating a user's
// secret or the root credentials does not touch sessions, and rotating the
// ring is adding a new active key while old ones remain able to open.
//
// The token binds everything: changing any byte fails with [ErrInvalidToken];
// an expired session gives [ErrExpiredToken]. The host must also check that
// the access key a request was signed with equals [Session.AccessKey] and
// that the parent still exists, is enabled and has not revoked its sessions
// after [Session.IssuedAt].
//
// # Wire protocol
//
// [ParseForm] reads and checks Action, Version and the parameters;
// [ParseAssumeRole] and [ParseLDAPIdentity] validate each action's
// parameters; WriteAssumeRole, WriteLDAPIdentity, WriteCallerIdentity and
// WriteError produce the XML shapes AWS SDKs parse. Authentication and
// authorization of the caller belong to the host (the s3auth facade).
//
// # Not supported
//
// AssumeRoleWithWebIdentity, AssumeRoleWithSAML, GetSessionToken,
// GetFederationToken, PolicyArns, Tags, TransitiveTagKeys, ExternalId, MFA
// parameters (SerialNumber, TokenCode), SourceIdentity and
// ProvidedContexts: they are refused by name with ValidationError, never
// ignored. Role trust policies: RoleArn is format-checked and otherwise
// informational — a session's permissions come from its parent's policies.
package sts
