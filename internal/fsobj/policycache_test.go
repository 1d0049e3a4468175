package fsobj_test

import (
	"testing"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

// Bucket policies are cached in memory; every write through the Backend
// must be seen by the next read.
func TestBucketPolicyCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	be, err := fsobj.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if err := be.CreateBucket("pol"); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		doc, err := be.BucketPolicy("pol")
		if e := s3api.AsError(err); e != nil && e.Code == s3api.CodeNoSuchBucketPolicy {
			return "none"
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(doc)
	}
	if got := get(); got != "none" {
		t.Fatalf("new bucket: %q", got)
	}
	for _, doc := range []string{`{"a":1}`, `{"b":2}`} {
		if err := be.PutBucketPolicy("pol", []byte(doc)); err != nil {
			t.Fatal(err)
		}
		if got := get(); got != doc {
			t.Fatalf("after put: %q, want %q", got, doc)
		}
	}
	if err := be.DeleteBucketPolicy("pol"); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "none" {
		t.Fatalf("after delete: %q", got)
	}
	if err := be.PutBucketPolicy("pol", []byte(`{"c":3}`)); err != nil {
		t.Fatal(err)
	}
	_ = get()
	if err := be.DeleteBucket("pol"); err != nil {
		t.Fatal(err)
	}
	if err := be.CreateBucket("pol"); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "none" {
		t.Fatalf("a re-created bucket inherited the old policy: %q", got)
	}
}
