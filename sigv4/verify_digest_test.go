package sigv4_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/sigv4/sigv4test"
)

// An empty body that claims a digest is still checked (a second body
// verification path must never be skipped).
func TestEmptyBodyDigestChecked(t *testing.T) {
	t.Parallel()
	for name, hdr := range map[string][2]string{
		"content-md5": {"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}, // md5("hello")
		"checksum":    {"X-Amz-Checksum-Crc32", "NhCmhg=="},        // crc32("hello")
	} {
		t.Run(name, func(t *testing.T) {
			r := sigv4test.NewRequest(t, http.MethodPut, "http://127.0.0.1:9000/bkt/empty", nil)
			r.Header.Set(hdr[0], hdr[1])
			r = sigv4test.Sign(t, r, sigv4test.ExampleCredentials())
			v := sigv4.NewVerifier(sigv4test.Lookup(sigv4test.ExampleCredentials()))
			res, err := v.Verify(r)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if res.Body == nil {
				t.Fatal("an empty body with a digest header was not wrapped")
			}
			_, err = io.ReadAll(r.Body)
			var e *sigv4.Error
			if !errors.As(err, &e) || (e.Code != sigv4.ErrCodeBadDigest && e.Code != sigv4.ErrCodeInvalidDigest) {
				t.Fatalf("read: %v, want BadDigest", err)
			}
		})
	}
}
