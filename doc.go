// Package s3auth is the authentication and authorization layer of S3 for
// any S3-compatible object server, proxy or test suite: SigV4 signature
// verification, IAM policy evaluation, STS temporary credentials, service
// accounts, LDAP login and POSIX identity mapping. Hosts embed it; it owns
// no objects and no sockets.
//
// # Package map
//
//   - s3auth (this package): the identity [Directory] — local users, named
//     policy documents and their attachments to users and LDAP DNs,
//     service accounts — kept in a [store.Store] and served from an
//     in-process cache; the [Clock]; and the facade a host calls for each
//     request (authenticate, then authorize).
//   - sigv4: parsing and verifying SigV4 requests (header, presigned query,
//     POST form) and their payloads (signed, unsigned, aws-chunked, trailers).
//   - iam: the policy language (parse, validate, evaluate), canned policies
//     and the S3 operation catalog.
//   - sts: sealed session tokens and the STS wire protocol.
//   - ldapauth: LDAP login and group lookup.
//   - store: the small key/value contract identities live in, with
//     store/memstore, store/boltstore, store/etcdstore and the conformance
//     suite store/storetest.
//   - posix: UID/GID validation, inheritance and file ownership.
//   - s3authtest: fixtures for tests: a fake [Clock] and an in-process
//     environment with an S3+STS test server.
//
// Dependencies point down this list; sigv4 and iam know nothing of stores,
// LDAP or HTTP servers.
//
// # Trust model
//
// Nothing in a request is trusted until sigv4 has verified its signature
// with the secret the Directory holds for its access key
// ([Directory.LookupCredential]); the payload is trusted only when the
// verifying body reader has returned io.EOF. A credential whose Enabled is
// false — disabled itself, or a service account whose parent is disabled
// or being removed — must be refused, and an STS session issued before its
// parent's SessionsValidAfter is invalid. After authentication, iam decides:
// explicit deny wins; otherwise a request is allowed only if the identity's
// attached policies allow it and the service account's own policy (if any)
// and the session policy (if any) allow it too. An identity with no
// attached policy has no access at all.
//
// The host must: keep the [store.Store] (and the seal keys given to
// [WithSealKeys]) where only it can reach them; restrict the
// administration calls of [Directory] to administrators (a service
// account is managed only by its parent); read request bodies only
// through the verifying reader; and apply the principal's POSIX owner to
// what it creates (package posix). Secrets are held in clear in the
// process's memory; at rest they are sealed with AES-256-GCM when seal
// keys are configured, each bound to its record's key.
//
// # Request path
//
// [New] builds the facade, an [Auth], on a store. For each request:
//
//  1. [Auth.Authenticate] verifies the signature (package sigv4: header,
//     presigned URL or POST form; scope, clock skew through the [Clock]),
//     resolves the access key — root, a local user, a service account, or
//     an STS session whose sealed token is opened without a store read and
//     whose parent must still exist, be enabled and not have revoked its
//     sessions — and replaces r.Body with the verifying reader. The result
//     is a [Principal].
//  2. [Auth.Authorize] classifies the request into an S3 operation (package
//     iam's catalog), fills the request context with server facts that a
//     client can never supply, and evaluates every check: explicit deny
//     wins; otherwise the identity policies must allow AND the
//     service-account policy (if any) AND the session policy (if any); a
//     bucket policy can grant on its own. The [Decision] carries its reason
//     and, from [Auth.AuthorizeTrace], the deciding statements.
//  3. The host runs the operation, reading the body to a clean io.EOF
//     before it commits, and gives what it creates the principal's POSIX
//     owner.
//
// [Auth.Middleware] does steps 1 and 2 for net/http and answers failures
// with S3 XML errors; [Auth.STSHandler] serves AssumeRole,
// AssumeRoleWithLDAPIdentity and GetCallerIdentity on the same address
// ([IsSTSRequest] routes), and [Auth.AdminHandler] serves the JSON admin
// API under [AdminPrefix] that the s3admin command uses (root manages users
// and policies; a user manages only its own service accounts). Every
// decision goes to
// [Options.DecisionHook] and the logger, without secrets.
//
// # Identity directory
//
// [NewDirectory] loads every identity from the store into the cache and,
// when the store implements [store.Watcher], follows its changes, so that
// several nodes sharing one store see each other's changes. Without a
// watcher only this Directory's own changes reach its cache.
//
// Every change is a read-modify-write under revision preconditions,
// retried on conflict, so concurrent changes never lose an update, and the
// cache changes only after the store accepted the write. Limits such as
// [MaxServiceAccountsPerUser] are exact under any concurrency. The store
// key layout is described in directory_records.go; the prefix sts/ belongs
// to the STS key ring.
//
// Access keys (also usernames) are 3–128 characters of A–Z a–z 0–9 _ . @
// = + - ([ValidateAccessKey]); secret keys are 8–128 printable ASCII
// characters without spaces ([ValidateSecretKey]). Errors are [*Error]
// values whose Code is matched with the ErrX sentinels and errors.Is.
//
// # Not supported
//
//   - Service accounts of LDAP users (a service account's parent is a
//     local user), and service accounts owning service accounts.
//   - Inline user policies and groups of local users: policies are named
//     documents attached to users or LDAP DNs.
//   - Reading the store per request, or a cache that is consistent across
//     nodes at every instant: other nodes' changes arrive through the
//     watch, in order, shortly after they happen.
//   - Renaming a user (the access key is the username) or recovering a
//     secret sealed with a key that is no longer configured.
package s3auth
