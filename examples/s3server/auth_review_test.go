package main

import (
	"github.com/s3auth/s3auth/examples/s3server/internal/facade"

	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3auth/s3auth/internal/fsobj"
)

// A bucket policy that exists but cannot be read is an error (the facade
// then denies), never "no policy": that would drop its Deny statements.
func TestBucketPolicyReadErrorIsNotNoPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	be, err := fsobj.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	for _, b := range []string{"plain", "broken"} {
		if err := be.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	bp := &facade.BucketPolicies{Backend: be}
	if pol, err := bp.Get(context.Background(), "plain"); pol != nil || err != nil {
		t.Fatalf("bucket without a policy: %v, %v; want nil, nil", pol, err)
	}
	// A directory where the policy file should be: reading it fails with
	// something other than "does not exist".
	if err := os.MkdirAll(filepath.Join(dir, "meta", "broken", "policy.json"), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := bp.Get(context.Background(), "broken"); err == nil {
		t.Fatal("unreadable bucket policy: no error; it would be treated as no policy (fail open)")
	}
}
