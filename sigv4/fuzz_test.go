package sigv4_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/sigv4"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers (and dates)
// to Verify: it must never panic, every error must be an *Error with a
// known status, and no request without the right signature may pass.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(validAuth, "20240102T030405Z")
	f.Add(strings.Replace(validAuth, ", ", ",", -1), "20240102T030405Z")
	f.Add("AWS AKID:sig", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e", "x")
	f.Add("AWS4-HMAC-SHA256   Credential=,,SignedHeaders=;;,Signature==", "20240102T030405Z")
	f.Add("AWS4-ECDSA-P256-SHA256 Credential=x", "20240102T030405Z")
	v := testVerifier()
	f.Fuzz(func(t *testing.T, auth, date string) {
		r := httptest.NewRequest("GET", "http://b.example.com/k?x=1", nil)
		r.Header["Authorization"] = []string{auth}
		r.Header["X-Amz-Date"] = []string{date}
		r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
		res, err := v.Verify(r)
		checkFuzzOutcome(t, res, err)
	})
}

// FuzzPresignedQuery feeds arbitrary query strings to Verify.
func FuzzPresignedQuery(f *testing.F) {
	f.Add(presignQuery(nil))
	f.Add(presignQuery(map[string]string{"X-Amz-Expires": "604801"}))
	f.Add(presignQuery(map[string]string{"X-Amz-Credential": "%zz"}))
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Algorithm=x")
	f.Add("AWSAccessKeyId=a&Signature=b&Expires=1")
	f.Add(presignQuery(nil) + "&a=%F0%9F%98%80+b&&=&acl")
	v := testVerifier()
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "http://b.example.com/k", nil)
		r.URL.RawQuery = query
		res, err := v.Verify(r)
		checkFuzzOutcome(t, res, err)
	})
}

func checkFuzzOutcome(t *testing.T, res *sigv4.Result, err error) {
	t.Helper()
	if err == nil {
		// Nobody can produce a valid signature by chance; only anonymous
		// requests get through.
		if res == nil || res.Type != sigv4.AuthAnonymous {
			t.Fatalf("accepted: %+v", res)
		}
		return
	}
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Code == "" || e.StatusCode != sigv4.StatusCode(e.Code) || e.StatusCode == http.StatusInternalServerError {
		t.Fatalf("bad error %#v", err)
	}
	if res != nil {
		t.Fatalf("result with error")
	}
}
