// Package posix maps s3auth identities to POSIX user and group ids and
// applies them to files a host creates.
//
// # Ids
//
// [UID] and [GID] are 32-bit ids. Valid ids are 0 … 4294967294
// ([MaxID]); 4294967295 is rejected because chown(2) reads it as "leave
// unchanged". Id 0 (root) is rejected unless the host opts in with
// [Policy.AllowRoot]: a mapping mistake must not make objects root-owned.
//
// An [Owner] is a uid and gid pair. Its zero value is "unset": the identity
// is not mapped and the host decides (typically it keeps the server
// process's own ids).
//
// # Inheritance
//
// Service accounts and STS sessions take their parent's ids ([Inherit]).
// LDAP users take theirs from LDAP attributes (uidNumber, gidNumber) or,
// when the directory has none, from a configured default ([FromAttributes]).
// Local users carry the ids an administrator set, or none.
//
// # Applying ownership
//
// [Chown] and [ApplyToFile] give a file the owner's ids after the host
// created it. An unset owner is a no-op. When the process may not chown
// the error wraps [ErrNotPermitted] and says that the process must run as
// root or hold CAP_CHOWN.
//
// # Not supported
//
// Supplementary groups, user and group names (only numeric ids), ACLs,
// file modes, and Windows (Chown there always fails with the operating
// system's error).
package posix
