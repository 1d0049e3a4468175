// Package attacks is the attack regression suite of s3auth: a test-only
// package whose tests replay, on every change, each class of attack that
// S3 authentication layers are known to have fallen to, and check that the
// attack fails with the right error code and leaves no state behind.
//
// # What runs
//
//   - TestAttack_SecondBodyPath, TestAttack_Chunks, TestAttack_PathTricks:
//     raw HTTP requests against the reference server (examples/s3server,
//     built once per run and started on a loopback port with a temporary
//     data directory); afterwards nothing exists outside
//     <data>/buckets/<bucket>/ and no temporary file is left.
//   - TestAttack_UnsignedAmzHeaders, TestAttack_Scope, TestAttack_Widening,
//     TestAttack_SpoofedConditionKeys, TestAttack_TokenForgery: the facade
//     through an s3authtest.Env (memory store, fake clock).
//   - TestAttack_PolicyParserDifferentials: documents iam.Parse must refuse.
//   - TestAttack_LDAP: injection, enumeration and brute force against a real
//     slapd (internal/ldaptest). Under a plain `go test` it is skipped when
//     slapd is missing; `make test` (S3AUTH_INTEGRATION=1) runs it.
//   - TestFaultInjection_Directory: a store failure at every step of every
//     identity operation leaves store and cache consistent and the
//     operation retryable.
//
// Run it with `go test ./internal/attacks/`. SECURITY.md at the repository
// root describes the threat model these tests defend.
//
// # Not supported
//
// Load and denial-of-service testing, and fuzzing: the fuzz targets live
// beside the code they fuzz (see SECURITY.md for the list and `make fuzz`).
// This package has no API; nothing outside its tests may import it.
package attacks
