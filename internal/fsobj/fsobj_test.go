package fsobj_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

var keyCases = []struct {
	key string
	ok  bool
}{
	{"a", true}, {"a/b/c.txt", true}, {"with space", true}, {"ü/日本", true}, {"a..b", true}, {".hidden", true},
	{"", false}, {"..", false}, {"a/../b", false}, {"./a", false}, {"a/.", false}, {"/a", false}, {"a/", false},
	{"a//b", false}, {"a\\b", false}, {"a\x00b", false}, {strings.Repeat("x", 1025), false},
	{strings.Repeat("x", 256), false}, {"\xff", false},
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	for _, tc := range keyCases {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			err := fsobj.ValidateKey(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
			}
			var e *s3api.Error
			if err != nil && (!errors.As(err, &e) || e.HTTPStatus() != 400) {
				t.Fatalf("error %#v is not a 400 S3 error", err)
			}
		})
	}
}

// FuzzValidateKey checks that every accepted key stays inside the bucket
// directory when joined as a path.
func FuzzValidateKey(f *testing.F) {
	for _, tc := range keyCases {
		f.Add(tc.key)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if fsobj.ValidateKey(key) != nil {
			return
		}
		p := "buckets/b/" + key
		if path.Clean(p) != p || !strings.HasPrefix(p, "buckets/b/") || strings.ContainsAny(key, "\x00\\") {
			t.Fatalf("accepted key %q escapes or is not canonical: %q", key, path.Clean(p))
		}
	})
}

func newBackend(t *testing.T, opts ...func(*fsobj.Options)) (*fsobj.Backend, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := fsobj.New(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	return b, dir
}

func TestSidecarMismatchRecomputesETag(t *testing.T) {
	t.Parallel()
	b, dir := newBackend(t)
	if _, err := b.Put("bkt", "k", strings.NewReader("one"), fsobj.PutInput{Metadata: fsobj.Metadata{ContentType: "text/one"}}); err != nil {
		t.Fatal(err)
	}
	// Replace the file behind the backend's back (as a crash between the
	// data and metadata renames would leave it).
	if err := os.WriteFile(filepath.Join(dir, "buckets/bkt/k"), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := b.Stat("bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte("other"))
	if info.ETag != hex.EncodeToString(sum[:]) || info.ContentType != "" || info.Size != 5 {
		t.Fatalf("info %+v", info)
	}
}

func TestChownHook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls []string
	b, _ := newBackend(t, func(o *fsobj.Options) {
		o.Chown = func(p string, uid, gid int) error {
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(p, string(filepath.Separator)+"tmp"+string(filepath.Separator)) {
				t.Errorf("chown of %s, want a file in tmp/", p)
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("chown of missing file: %v", err)
			}
			calls = append(calls, p)
			if uid == 666 {
				return errors.New("no")
			}
			return nil
		}
	})
	if _, err := b.Put("bkt", "owned", strings.NewReader("x"), fsobj.PutInput{Owner: &fsobj.POSIXOwner{UID: 1000, GID: 1000}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put("bkt", "anon", strings.NewReader("x"), fsobj.PutInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put("bkt", "refused", strings.NewReader("x"), fsobj.PutInput{Owner: &fsobj.POSIXOwner{UID: 666}}); err == nil {
		t.Fatal("a failing chown must fail the write")
	}
	if len(calls) != 2 {
		t.Fatalf("chown calls %v", calls)
	}
	if _, err := b.Stat("bkt", "refused"); err == nil {
		t.Fatal("object stored despite chown failure")
	}
}

type errAfter struct {
	r   io.Reader
	err error
}

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestPutCommitsOnlyOnEOF(t *testing.T) {
	t.Parallel()
	b, dir := newBackend(t)
	bad := errors.New("verifier: chunk signature mismatch")
	_, err := b.Put("bkt", "k", errAfter{bytes.NewReader(make([]byte, 1<<20)), bad}, fsobj.PutInput{})
	if !errors.Is(err, bad) {
		t.Fatalf("Put error %v, want the body's error unchanged", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(ents) != 0 {
		t.Fatalf("tmp not cleaned: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets/bkt/k")); !os.IsNotExist(err) {
		t.Fatalf("object exists: %v", err)
	}
}

func TestDeleteRemovesEmptyDirectories(t *testing.T) {
	t.Parallel()
	b, dir := newBackend(t)
	for _, k := range []string{"a/b/c", "a/d"} {
		if _, err := b.Put("bkt", k, strings.NewReader(k), fsobj.PutInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete("bkt", "a/b/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets/bkt/a/b")); !os.IsNotExist(err) {
		t.Fatal("empty directory a/b kept")
	}
	if err := b.Delete("bkt", "a/d"); err != nil {
		t.Fatal(err)
	}
	// Now "a" may be an object again.
	if _, err := b.Put("bkt", "a", strings.NewReader("x"), fsobj.PutInput{}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteBucket("bkt"); err == nil {
		t.Fatal("DeleteBucket of a non-empty bucket succeeded")
	}
	_ = b.Delete("bkt", "a")
	if err := b.DeleteBucket("bkt"); err != nil {
		t.Fatal(err)
	}
}

func TestNewCleansTmp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp", "stale"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := fsobj.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := os.Stat(filepath.Join(dir, "tmp", "stale")); !os.IsNotExist(err) {
		t.Fatal("stale temporary file kept")
	}
}

func BenchmarkPutSmallObject(b *testing.B) {
	be, _ := newBackendB(b)
	data := bytes.Repeat([]byte("x"), 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := be.Put("bkt", "small", bytes.NewReader(data), fsobj.PutInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatObject(b *testing.B) {
	be, _ := newBackendB(b)
	if _, err := be.Put("bkt", "dir/small", strings.NewReader("hello"), fsobj.PutInput{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := be.Stat("bkt", "dir/small"); err != nil {
			b.Fatal(err)
		}
	}
}

func newBackendB(b *testing.B) (*fsobj.Backend, string) {
	dir := b.TempDir()
	be, err := fsobj.New(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	if err := be.CreateBucket("bkt"); err != nil {
		b.Fatal(err)
	}
	return be, dir
}
