// Package clienttest drives an S3 endpoint with the real clients people use:
// the AWS CLI, boto3, s3cmd, rclone, aws-sdk-go-v2 and minio-go. It is
// shared by the reference server's and the proxy's integration tests:
// [Run] runs the whole client suite against any endpoint URL and
// credentials, and [NewTool] gives a test one external client in a clean,
// isolated environment for its own checks (denials, STS).
//
// # The suite
//
// For each client [Run] creates a bucket, uploads a small and a
// multi-megabyte object through the client's default upload path (so the
// server sees single-chunk signed, aws-chunked signed, unsigned payloads
// with trailing checksums and multipart uploads, as each client chooses),
// downloads with a range where the client can, lists, presigns a GET and
// fetches it with net/http, deletes, and checks that every byte round-trips.
// Clients run as parallel subtests, each in its own bucket.
//
// # Isolation
//
// Every external program runs with exec.CommandContext and a timeout, a
// temporary HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE pointing
// at files written for the test, AWS_EC2_METADATA_DISABLED=true and no
// proxy variables, so nothing configured on the machine leaks in.
//
// # Missing programs
//
// Programs are found with [testenv.LookPath]: under a plain go test a
// missing client skips its subtest with a how-to message; under make test
// (S3AUTH_INTEGRATION=1) it fails.
//
// # Not supported
//
// HTTPS endpoints with private certificates (the suite talks plain HTTP to
// loopback servers), virtual-hosted-style addressing (every client is set
// to path style), and presigning with s3cmd: s3cmd signurl only produces
// Signature Version 2 URLs, which s3auth does not accept, so the suite
// checks that such a URL is refused with an S3 error instead.
//
// [testenv.LookPath]: github.com/s3auth/s3auth/internal/testenv.LookPath
package clienttest
