// Package testenv decides whether integration tests run. They talk to real
// servers and clients (slapd, etcd, the AWS CLI, boto3, s3cmd, rclone)
// started on loopback ports.
//
// Under `make test` the variable S3AUTH_INTEGRATION=1 is set, every tool is
// installed, and nothing may skip: a missing tool fails the test. Under a
// plain `go test ./...` an integration test whose tool is missing skips and
// says how to run it.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Integration reports whether integration tests are required to run.
func Integration() bool { return os.Getenv("S3AUTH_INTEGRATION") == "1" }

// LookPath returns the absolute path of the named program. When it is
// missing, the test skips (plain go test) or fails (S3AUTH_INTEGRATION=1).
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	// Debian puts some daemons outside PATH.
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin"} {
		cand := dir + "/" + name
		if st, err := os.Stat(cand); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return cand
		}
	}
	if Integration() {
		t.Fatalf("integration test needs %q, which is not installed (S3AUTH_INTEGRATION=1 forbids skipping; `make deps` installs it)", name)
	}
	t.Skipf("integration test skipped: %q is not installed; run `make test` (installs it and runs everything) or install it and set S3AUTH_INTEGRATION=1", name)
	return ""
}

// Short skips a long test under `go test -short` unless integration tests
// are required.
func Short(t testing.TB) {
	t.Helper()
	if testing.Short() && !Integration() {
		t.Skip("integration test skipped under -short; run `make test` or `go test` without -short")
	}
}
