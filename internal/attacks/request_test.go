package attacks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth/s3authtest"
)

const (
	aliceAK = "alice"
	aliceSK = "alice-secret-1"
)

// newEnv is an s3authtest.Env with alice (readwrite) and an object
// secret/k that only root wrote.
func newEnv(t *testing.T) *s3authtest.Env {
	t.Helper()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, aliceAK, aliceSK, "readwrite")
	r := signed(t, http.MethodPut, e.URL()+"/secret/k", []byte("top secret"), s3authtest.RootAccessKey, s3authtest.RootSecretKey, "", e.Clock.Now())
	if got := doRequest(t, r); got.status != 200 {
		t.Fatalf("seeding secret/k: %d %s", got.status, got.body)
	}
	return e
}

// TestAttack_UnsignedAmzHeaders: x-amz-* headers that change what an
// operation does (copy source, ACL, encryption, tagging) must be signed;
// added to a presigned URL or to a header-signed request they are refused
// with AccessDenied, and nothing is written.
func TestAttack_UnsignedAmzHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	headers := []struct{ name, value string }{
		{"X-Amz-Copy-Source", "/secret/k"},
		{"X-Amz-Acl", "public-read-write"},
		{"X-Amz-Server-Side-Encryption", "AES256"},
		{"X-Amz-Tagging", "owner=mallory"},
		{"X-Amz-Meta-Injected", "1"},
		{"X-Amz-Date", "20300101T000000Z"},
	}
	body := []byte("payload")
	for _, h := range headers {
		t.Run("header-signed/"+h.name, func(t *testing.T) {
			t.Parallel()
			key := "bkt/hs-" + strings.ToLower(h.name)
			r := signed(t, http.MethodPut, e.URL()+"/"+key, body, aliceAK, aliceSK, "", e.Clock.Now())
			if h.name == "X-Amz-Date" {
				r.Header.Add(h.name, h.value) // a second, unsigned value
			} else {
				r.Header.Set(h.name, h.value)
			}
			got := doRequest(t, r)
			want := "AccessDenied"
			if h.name == "X-Amz-Date" {
				want = "InvalidArgument" // a second X-Amz-Date is refused outright
			}
			if got.code != want {
				t.Fatalf("got %d %q, want %s\n%s", got.status, got.code, want, got.body)
			}
			if _, ok := e.Object("bkt", strings.TrimPrefix(key, "bkt/")); ok {
				t.Fatal("the object was written")
			}
		})
		t.Run("presigned/"+h.name, func(t *testing.T) {
			t.Parallel()
			key := "bkt/ps-" + strings.ToLower(h.name)
			u, _ := presign(t, http.MethodPut, e.URL()+"/"+key, aliceAK, aliceSK, "", e.Clock.Now(), time.Hour)
			r, err := http.NewRequest(http.MethodPut, u, strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set(h.name, h.value)
			got := doRequest(t, r)
			if got.code != "AccessDenied" {
				t.Fatalf("got %d %q, want AccessDenied\n%s", got.status, got.code, got.body)
			}
			if _, ok := e.Object("bkt", strings.TrimPrefix(key, "bkt/")); ok {
				t.Fatal("the object was written")
			}
		})
	}
	t.Run("presigned/query-parameter-added", func(t *testing.T) {
		t.Parallel()
		u, _ := presign(t, http.MethodPut, e.URL()+"/bkt/ps-query", aliceAK, aliceSK, "", e.Clock.Now(), time.Hour)
		r, err := http.NewRequest(http.MethodPut, u+"&x-amz-acl=public-read", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		if got := doRequest(t, r); got.code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %q, want SignatureDoesNotMatch\n%s", got.status, got.code, got.body)
		}
		if _, ok := e.Object("bkt", "ps-query"); ok {
			t.Fatal("the object was written")
		}
	})
	t.Run("control/signed-headers-accepted", func(t *testing.T) {
		t.Parallel()
		r := signed(t, http.MethodPut, e.URL()+"/bkt/control", body, aliceAK, aliceSK, "", e.Clock.Now(),
			"X-Amz-Server-Side-Encryption", "AES256", "X-Amz-Tagging", "a=b", "X-Amz-Meta-Ok", "1")
		if got := doRequest(t, r); got.status != 200 {
			t.Fatalf("signed headers refused: %d %s", got.status, got.body)
		}
		u, _ := presign(t, http.MethodPut, e.URL()+"/bkt/control-ps", aliceAK, aliceSK, "", e.Clock.Now(), time.Hour, "X-Amz-Acl", "private")
		r, _ = http.NewRequest(http.MethodPut, u, strings.NewReader("x"))
		r.Header.Set("X-Amz-Acl", "private")
		if got := doRequest(t, r); got.status != 200 {
			t.Fatalf("presigned with a signed header refused: %d %s", got.status, got.body)
		}
	})
}

// TestAttack_Scope: a credential scope for another date, region or
// service, a request dated far from now, and a presigned URL replayed after
// it expired are all refused, with the codes S3 uses.
func TestAttack_Scope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.Clock.Now()
	get := func(at time.Time, region, service string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, e.URL()+"/secret/k", nil)
		if err != nil {
			t.Fatal(err)
		}
		signInPlace(t, r, nil, s3authtest.RootAccessKey, s3authtest.RootSecretKey, "", at, region, service)
		return r
	}
	tests := []struct {
		name string
		req  func() *http.Request
		code string
	}{
		{"control", func() *http.Request { return get(now, region, "s3") }, ""},
		{"region-mismatch", func() *http.Request { return get(now, "eu-west-1", "s3") }, "AuthorizationHeaderMalformed"},
		{"service-mismatch", func() *http.Request { return get(now, region, "sts") }, "AuthorizationHeaderMalformed"},
		{"service-iam", func() *http.Request { return get(now, region, "iam") }, "AuthorizationHeaderMalformed"},
		{"scope-date-differs-from-x-amz-date", func() *http.Request {
			r := get(now, region, "s3")
			day := now.UTC().Format("20060102")
			prev := now.UTC().Add(-24 * time.Hour).Format("20060102")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/"+day+"/", "/"+prev+"/", 1))
			return r
		}, "AuthorizationHeaderMalformed"},
		{"date-far-in-the-future", func() *http.Request { return get(now.Add(24*time.Hour), region, "s3") }, "RequestTimeTooSkewed"},
		{"date-just-beyond-skew", func() *http.Request { return get(now.Add(16*time.Minute), region, "s3") }, "RequestTimeTooSkewed"},
		{"date-far-in-the-past", func() *http.Request { return get(now.Add(-30*24*time.Hour), region, "s3") }, "RequestTimeTooSkewed"},
		{"presigned-from-the-future", func() *http.Request {
			u, _ := presign(t, http.MethodGet, e.URL()+"/secret/k", s3authtest.RootAccessKey, s3authtest.RootSecretKey, "", now.Add(24*time.Hour), time.Hour)
			r, _ := http.NewRequest(http.MethodGet, u, nil)
			return r
		}, "AccessDenied"},
		{"presigned-expires-too-long", func() *http.Request {
			u, _ := presign(t, http.MethodGet, e.URL()+"/secret/k", s3authtest.RootAccessKey, s3authtest.RootSecretKey, "", now, 8*24*time.Hour)
			r, _ := http.NewRequest(http.MethodGet, u, nil)
			return r
		}, "AuthorizationQueryParametersError"},
		{"presigned-expires-changed", func() *http.Request {
			u, _ := presign(t, http.MethodGet, e.URL()+"/secret/k", s3authtest.RootAccessKey, s3authtest.RootSecretKey, "", now, time.Minute)
			r, _ := http.NewRequest(http.MethodGet, strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=600000", 1), nil)
			return r
		}, "SignatureDoesNotMatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := doRequest(t, tc.req())
			if tc.code == "" {
				if got.status != 200 || got.body != "top secret" {
					t.Fatalf("control: %d %s", got.status, got.body)
				}
				return
			}
			if got.code != tc.code || got.status == 200 {
				t.Fatalf("got %d %q, want %q\n%s", got.status, got.code, tc.code, got.body)
			}
		})
	}
	// Replay after expiry, on the fake clock. (Not parallel: it moves the
	// clock, so it runs after the table.)
	t.Run("presigned-replayed-after-expiry", func(t *testing.T) {
		at := e.Clock.Now()
		u, _ := presign(t, http.MethodGet, e.URL()+"/secret/k", aliceAK, aliceSK, "", at, time.Minute)
		replay := func() response {
			r, _ := http.NewRequest(http.MethodGet, u, nil)
			return doRequest(t, r)
		}
		if got := replay(); got.status != 200 {
			t.Fatalf("fresh presigned URL: %d %s", got.status, got.body)
		}
		e.Clock.Set(at.Add(59 * time.Second))
		if got := replay(); got.status != 200 {
			t.Fatalf("presigned URL within its lifetime: %d %s", got.status, got.body)
		}
		for _, d := range []time.Duration{time.Minute, time.Minute + time.Second, 24 * time.Hour} {
			e.Clock.Set(at.Add(d))
			if got := replay(); got.code != "AccessDenied" || !strings.Contains(got.body, "expired") {
				t.Fatalf("replay %v after signing: %d %q, want AccessDenied (expired)\n%s", d, got.status, got.code, got.body)
			}
		}
	})
}
