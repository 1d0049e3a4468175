package s3api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/internal/s3api"
)

func TestValidateBucketName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true}, {"my-bucket.example", true}, {"a1b", true}, {strings.Repeat("a", 63), true},
		{"ab", false}, {strings.Repeat("a", 64), false}, {"Abc", false}, {"a_b", false},
		{"-ab", false}, {"ab-", false}, {"a..b", false}, {"a.-b", false}, {"192.168.5.4", false},
		{"xn--abc", false}, {"abc-s3alias", false}, {"abc--ol-s3", false}, {"a b", false}, {"", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := s3api.ValidateBucketName(tc.name)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateBucketName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
			}
			var e *s3api.Error
			if err != nil && (!errors.As(err, &e) || e.Code != s3api.CodeInvalidBucketName || e.HTTPStatus() != 400) {
				t.Fatalf("error %#v", err)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, host, target, domain, bucket, key string
	}{
		{"root", "localhost:9000", "/", "", "", ""},
		{"pathBucket", "localhost:9000", "/b1", "", "b1", ""},
		{"pathBucketSlash", "localhost:9000", "/b1/", "", "b1", ""},
		{"pathKey", "localhost:9000", "/b1/a/b%20c", "", "b1", "a/b c"},
		{"encodedSlash", "h", "/b1/a%2Fb", "", "b1", "a/b"},
		{"virtual", "photos.localhost:9000", "/a/b", "localhost", "photos", "a/b"},
		{"virtualRoot", "photos.localhost", "/", "localhost", "photos", ""},
		{"domainItself", "localhost:9000", "/b1/k", "localhost", "b1", "k"},
		{"otherHost", "example.com", "/b1/k", "localhost", "b1", "k"},
		{"dottedBucket", "my.bucket.s3.local", "/k", "s3.local", "my.bucket", "k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.target, nil)
			r.Host = tc.host
			b, k := s3api.Locate(r, tc.domain)
			if b != tc.bucket || k != tc.key {
				t.Fatalf("Locate = %q %q, want %q %q", b, k, tc.bucket, tc.key)
			}
		})
	}
}

type coded struct{}

func (coded) Error() string       { return "sigv4: expired" }
func (coded) S3ErrorCode() string { return "ExpiredToken" }
func (coded) HTTPStatus() int     { return 400 }

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method string
		err          error
		status       int
		body         string
		absent       string
	}{
		{"s3", "GET", s3api.Errorf(s3api.CodeNoSuchKey, "The key <x> does not exist."), 404,
			`<Error><Code>NoSuchKey</Code><Message>The key &lt;x&gt; does not exist.</Message><Resource>/b/k</Resource><RequestId>RID</RequestId></Error>`, ""},
		{"coded", "GET", coded{}, 400, `<Code>ExpiredToken</Code><Message>sigv4: expired</Message>`, ""},
		{"plain", "GET", errors.New("disk on fire /secret/path"), 500, `<Code>InternalError</Code>`, "secret"},
		{"head", "HEAD", s3api.Errorf(s3api.CodeNoSuchKey, "x"), 404, "", "Error"},
		{"extra", "GET", &s3api.Error{Code: "InvalidArgument", Message: "m", Extra: [][2]string{{"ArgumentName", "max-keys"}}}, 400,
			`<ArgumentName>max-keys</ArgumentName>`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			s3api.WriteError(w, httptest.NewRequest(tc.method, "/b/k", nil), tc.err, "/b/k", "RID")
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			body := w.Body.String()
			if !strings.Contains(body, tc.body) || (tc.absent != "" && strings.Contains(body, tc.absent)) {
				t.Fatalf("body %s", body)
			}
			if tc.method != "HEAD" && w.Header().Get("Content-Type") != "application/xml" {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
		})
	}
	if s3api.StatusOf("Whatever") != http.StatusBadRequest || s3api.StatusOf(s3api.CodeNoSuchUpload) != 404 {
		t.Fatal("StatusOf")
	}
}

func FuzzValidateBucketName(f *testing.F) {
	for _, s := range []string{"abc", "a..b", "192.168.0.1", "xn--a", "Abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if s3api.ValidateBucketName(name) == nil {
			if len(name) < 3 || len(name) > 63 || strings.ContainsAny(name, "/\\ _") || strings.Contains(name, "..") {
				t.Fatalf("accepted %q", name)
			}
		}
	})
}
