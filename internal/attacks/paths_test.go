package attacks_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// rawSigned builds a request for an exact escaped path (sent as is) and
// signs it as S3 clients do (the path is not escaped a second time).
func rawSigned(t *testing.T, method, base, rawPath string, body []byte, extra ...string) *http.Request {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := url.PathUnescape(rawPath)
	if err != nil {
		t.Fatal(err)
	}
	u.Path, u.RawPath = dec, rawPath
	if u.EscapedPath() != rawPath {
		// Go would send another spelling: force it through Opaque.
		u.RawPath = ""
		u.Opaque = "//" + u.Host + rawPath
	}
	r, err := http.NewRequest(method, u.String(), strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if u.Opaque != "" {
		r.URL.Opaque = u.Opaque
	}
	for i := 0; i+1 < len(extra); i += 2 {
		r.Header.Set(extra[i], extra[i+1])
	}
	hash := sha256Hex(body)
	r.Header.Set("X-Amz-Content-Sha256", hash)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: refRootAK, SecretAccessKey: refRootSK}
	// Escaped unreserved characters (%2E) are signed as the server
	// canonicalizes them (AWS UriEncode leaves '.' alone), sent as given.
	sent := r.URL.Opaque
	if strings.Contains(rawPath, "%2E") {
		r.URL.Opaque = "//" + u.Host + strings.ReplaceAll(rawPath, "%2E", ".")
	}
	if err := signer.SignHTTP(context.Background(), creds, r, hash, "s3", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.URL.Opaque = sent
	return r
}

// TestAttack_PathTricks: object keys spelled to climb out of their bucket
// (.., escaped slashes, //, NUL, backslash) never create or read anything
// outside <data>/buckets/<bucket>/ of the reference server.
func TestAttack_PathTricks(t *testing.T) {
	t.Parallel()
	s := startRefServer(t, "paths", "other")
	outside := filepath.Dir(s.Data)
	// A file outside the data directory and one in another bucket that a
	// read must not reach.
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := s.do(t, rawSigned(t, http.MethodPut, s.URL, "/other/victim", []byte("victim"))); got.status != 200 {
		t.Fatalf("seeding other/victim: %d %s", got.status, got.body)
	}
	// Each key and the code its PUT gets ("" = stored, inside the bucket).
	keys := []struct{ path, code string }{
		{"/paths/..%2F..%2F..%2Fescape", "InvalidObjectName"},
		{"/paths/%2F..%2F..%2F..%2Fescape", "InvalidObjectName"},
		{"/paths/a%2F..%2F..%2F..%2Fescape", "InvalidObjectName"},
		{"/paths/..%2Fother%2Fvictim", "InvalidObjectName"},
		{"/paths/..%2F..%2Fs3auth.db", "InvalidObjectName"},
		{"/paths/../../escape", "InvalidObjectName"},
		{"/paths/a/../../other/victim", "InvalidObjectName"},
		{"/paths/%2E%2E/%2E%2E/escape", "InvalidObjectName"},
		{"/paths/./escape", "InvalidObjectName"},
		{"/paths//escape", "InvalidObjectName"},
		{"/paths/a//b", "InvalidObjectName"},
		{"/paths/a/", "InvalidObjectName"},
		{"/paths/%00escape", "InvalidObjectName"},
		{"/paths/a%00/../../escape", "InvalidObjectName"},
		{"/paths/..%5C..%5Cescape", "InvalidObjectName"},
		{"/paths/a%5C..%5C..%5C..%5Cescape", "InvalidObjectName"},
		{"/paths/..%252F..%252Fescape", ""},
		{"/paths%2F..%2Fother/victim", "InvalidBucketName"},
		{"/..%2Fbuckets%2Fother/victim", "InvalidBucketName"},
		{"/../../escape", "InvalidBucketName"},
	}
	before := s.files(t)
	for _, tc := range keys {
		k := tc.path
		t.Run(strings.ReplaceAll(k, "/", "|"), func(t *testing.T) {
			put := s.do(t, rawSigned(t, http.MethodPut, s.URL, k, []byte("attack")))
			if put.code != tc.code || (tc.code == "" && put.status != 200) {
				t.Errorf("PUT %s: %d %q, want %q\n%s", k, put.status, put.code, tc.code, put.body)
			}
			get := s.do(t, rawSigned(t, http.MethodGet, s.URL, k, nil))
			if tc.code != "" && get.code != tc.code && get.code != "NoSuchKey" {
				t.Errorf("GET %s: %d %q, want %q or NoSuchKey", k, get.status, get.code, tc.code)
			}
			if get.status == 200 && (strings.Contains(get.body, "outside") || strings.Contains(get.body, "victim") || strings.Contains(get.body, "bolt")) {
				t.Errorf("GET %s read a file outside its bucket: %q", k, get.body)
			}
			// Copy with a source that climbs out of its bucket.
			cp := s.do(t, rawSigned(t, http.MethodPut, s.URL, "/paths/copied", nil, "X-Amz-Copy-Source", strings.TrimPrefix(k, "/")))
			if cp.status == 200 {
				if b, err := os.ReadFile(filepath.Join(s.Data, "buckets", "paths", "copied")); err == nil && (strings.Contains(string(b), "outside") || strings.Contains(string(b), "bolt")) {
					t.Errorf("CopyObject from %s copied a file outside the buckets: %q", k, b)
				}
			}
		})
	}
	// Nothing new outside buckets/paths/ and meta/paths/ (and the copy),
	// nothing in tmp/, nothing next to the data directory.
	for f := range s.files(t) {
		if before[f] {
			continue
		}
		if !strings.HasPrefix(f, "buckets/paths/") && !strings.HasPrefix(f, "meta/paths/") {
			t.Errorf("a path trick created %s outside buckets/paths/", f)
		}
	}
	if b, err := os.ReadFile(filepath.Join(s.Data, "buckets", "other", "victim")); err != nil || string(b) != "victim" {
		t.Errorf("other/victim changed: %q %v", b, err)
	}
	_ = filepath.WalkDir(outside, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == s.Data {
			return filepath.SkipDir
		}
		if !d.IsDir() && filepath.Base(p) != "secret.txt" {
			t.Errorf("a path trick created %s outside the data directory", p)
		}
		return nil
	})
}
