package sigv4_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3auth/s3auth/sigv4"
)

var testTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	testAK     = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func testVerifier(opts ...func(*sigv4.Options)) *sigv4.Verifier {
	l := staticLookup{secrets: map[string]string{testAK: testSecret}, values: map[string]any{testAK: testAK}}
	return sigv4.NewVerifier(l, append([]func(*sigv4.Options){sigv4.WithClock(clockAt(testTime))}, opts...)...)
}

// signed returns a GET (or PUT with body) signed by aws-sdk-go-v2 at
// testTime after prepare ran on the unsigned request.
func signed(t testing.TB, method, target, body, payloadHash string, prepare func(*http.Request)) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body == "" {
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	if payloadHash == "" {
		payloadHash = hexSHA256([]byte(body))
	}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if prepare != nil {
		prepare(r)
	}
	if err := newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}, r, payloadHash, "s3", "us-east-1", testTime); err != nil {
		t.Fatal(err)
	}
	return r
}

func presigned(t testing.TB, method, target string, signingTime time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	u, _, err := newSDKSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1", signingTime)
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewRequest(method, u, nil)
}

const validAuth = "AWS4-HMAC-SHA256 Credential=" + testAK + "/20240102/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"

// rawHeaderRequest is an unsigned GET carrying auth as given.
func rawHeaderRequest(auth string) *http.Request {
	r := httptest.NewRequest("GET", "http://bucket.example.com/key", nil)
	r.Header.Set("Authorization", auth)
	r.Header.Set("X-Amz-Date", "20240102T030405Z")
	r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
	return r
}

func presignQuery(over map[string]string) string {
	p := [][2]string{
		{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
		{"X-Amz-Credential", testAK + "%2F20240102%2Fus-east-1%2Fs3%2Faws4_request"},
		{"X-Amz-Date", "20240102T030405Z"},
		{"X-Amz-Expires", "3600"},
		{"X-Amz-SignedHeaders", "host"},
		{"X-Amz-Signature", strings.Repeat("0", 64)},
	}
	var b strings.Builder
	for _, kv := range p {
		v, ok := over[kv[0]]
		if !ok {
			v = kv[1]
		}
		if v == "-" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[0] + "=" + v)
	}
	return b.String()
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		req  func(t *testing.T) *http.Request
		opts []func(*sigv4.Options)
		code string
	}
	hdr := func(auth string) func(t *testing.T) *http.Request {
		return func(*testing.T) *http.Request { return rawHeaderRequest(auth) }
	}
	query := func(over map[string]string) func(t *testing.T) *http.Request {
		return func(*testing.T) *http.Request {
			return httptest.NewRequest("GET", "http://bucket.example.com/key?"+presignQuery(over), nil)
		}
	}
	tests := []tc{
		// classification
		{"two Authorization headers", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Add("Authorization", validAuth)
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"header and query auth", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.URL.RawQuery = presignQuery(nil)
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"SigV2 header", hdr("AWS " + testAK + ":frJIUN8DYpKDtOLCwo//yllqDzg="), nil, sigv4.ErrCodeInvalidRequest},
		{"SigV4A header", hdr("AWS4-ECDSA-P256-SHA256 Credential=" + testAK + "/20240102/s3/aws4_request, SignedHeaders=host, Signature=3045"), nil, sigv4.ErrCodeInvalidRequest},
		{"Bearer", hdr("Bearer abc"), nil, sigv4.ErrCodeInvalidArgument},
		{"empty Authorization", hdr(""), nil, sigv4.ErrCodeInvalidArgument},
		{"SigV2 query", func(*testing.T) *http.Request {
			return httptest.NewRequest("GET", "http://b.example.com/k?AWSAccessKeyId="+testAK+"&Expires=1&Signature=abc", nil)
		}, nil, sigv4.ErrCodeInvalidRequest},
		// Authorization header grammar
		{"no components", hdr("AWS4-HMAC-SHA256"), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"missing Signature", hdr(strings.Split(validAuth, ", Signature")[0]), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"missing SignedHeaders", hdr(strings.Replace(validAuth, " SignedHeaders=host;x-amz-content-sha256;x-amz-date,", "", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"missing Credential", hdr("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + strings.Repeat("0", 64)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"short signature", hdr(validAuth[:len(validAuth)-1]), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"upper-case signature", hdr(strings.Replace(validAuth, "Signature=0", "Signature=A", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"unknown component", hdr(validAuth + ", Foo=bar"), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"duplicate component", hdr(validAuth + ", SignedHeaders=host"), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"component without =", hdr(validAuth + ", junk"), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"credential too short", hdr(strings.Replace(validAuth, "/us-east-1/s3", "/s3", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"empty access key", hdr(strings.Replace(validAuth, testAK, "", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"bad terminator", hdr(strings.Replace(validAuth, "aws4_request", "aws4_reqest", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"unsorted SignedHeaders", hdr(strings.Replace(validAuth, "host;x-amz-content-sha256", "x-amz-content-sha256;host", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"upper-case SignedHeaders", hdr(strings.Replace(validAuth, "host;", "Host;", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"empty signed header name", hdr(strings.Replace(validAuth, "host;", "host;;", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"trailing ; in SignedHeaders", hdr(strings.Replace(validAuth, "x-amz-date,", "x-amz-date;,", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"duplicate signed header", hdr(strings.Replace(validAuth, "host;", "host;host;", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"non-hex last signature digit", hdr(validAuth[:len(validAuth)-1] + "g"), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"signature one digit short", hdr(validAuth[:len(validAuth)-1]), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		// scope and time
		{"scope date differs", hdr(strings.Replace(validAuth, "/20240102/", "/20240101/", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"wrong region", hdr(strings.Replace(validAuth, "us-east-1", "eu-west-1", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"wrong service", hdr(strings.Replace(validAuth, "/s3/", "/sts/", 1)), nil, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"missing date", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Del("X-Amz-Date")
			return r
		}, nil, sigv4.ErrCodeAccessDenied},
		{"RFC 1123 Date only", func(*testing.T) *http.Request {
			r := rawHeaderRequest(strings.Replace(validAuth, "host;x-amz-content-sha256;x-amz-date", "date;host;x-amz-content-sha256", 1))
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "Tue, 02 Jan 2024 03:04:05 GMT")
			return r
		}, nil, sigv4.ErrCodeAccessDenied},
		{"date not signed", hdr(strings.Replace(validAuth, ";x-amz-date", "", 1)), nil, sigv4.ErrCodeAccessDenied},
		{"two X-Amz-Date", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Add("X-Amz-Date", "20240102T030405Z")
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"invalid date", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Date", "20240230T030405Z")
			return r
		}, nil, sigv4.ErrCodeAccessDenied},
		{"clock 16 minutes ahead", hdr(validAuth), []func(*sigv4.Options){sigv4.WithClock(clockAt(testTime.Add(16 * time.Minute)))}, sigv4.ErrCodeRequestTimeTooSkewed},
		{"clock 16 minutes behind", hdr(validAuth), []func(*sigv4.Options){sigv4.WithClock(clockAt(testTime.Add(-16 * time.Minute)))}, sigv4.ErrCodeRequestTimeTooSkewed},
		{"custom skew", hdr(validAuth), []func(*sigv4.Options){sigv4.WithClock(clockAt(testTime.Add(61 * time.Second))), sigv4.WithMaxClockSkew(time.Minute)}, sigv4.ErrCodeRequestTimeTooSkewed},
		// signed-header rules
		{"host not signed", hdr(strings.Replace(validAuth, "host;", "", 1)), nil, sigv4.ErrCodeAccessDenied},
		{"x-amz header not signed", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Acl", "public-read")
			return r
		}, nil, sigv4.ErrCodeAccessDenied},
		{"missing x-amz-content-sha256", func(*testing.T) *http.Request {
			r := rawHeaderRequest(strings.Replace(validAuth, "x-amz-content-sha256;", "", 1))
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}, nil, sigv4.ErrCodeInvalidRequest},
		{"bad x-amz-content-sha256", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Content-Sha256", "abc")
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"upper-case x-amz-content-sha256 hash", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Content-Sha256", strings.ToUpper(hexSHA256(nil)))
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"SigV4A streaming payload", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
			return r
		}, nil, sigv4.ErrCodeInvalidRequest},
		{"unsigned payload rejected by option", func(*testing.T) *http.Request {
			r := rawHeaderRequest(validAuth)
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return r
		}, []func(*sigv4.Options){func(o *sigv4.Options) { o.RejectUnsignedPayload = true }}, sigv4.ErrCodeAccessDenied},
		{"two session tokens", func(*testing.T) *http.Request {
			r := rawHeaderRequest(strings.Replace(validAuth, "x-amz-date", "x-amz-date;x-amz-security-token", 1))
			r.Header.Add("X-Amz-Security-Token", "a")
			r.Header.Add("X-Amz-Security-Token", "b")
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		// credentials
		{"unknown access key", hdr(strings.Replace(validAuth, testAK, "AKIAOTHER", 1)), nil, sigv4.ErrCodeInvalidAccessKeyID},
		{"lookup fails", hdr(validAuth), []func(*sigv4.Options){}, ""}, // replaced below
		// signature
		{"wrong signature", hdr(validAuth), nil, sigv4.ErrCodeSignatureDoesNotMatch},
		{"malformed query escape", func(t *testing.T) *http.Request {
			r := signed(t, "GET", "http://b.example.com/k", "", "", nil)
			r.URL.RawQuery = "a=%zz"
			return r
		}, nil, sigv4.ErrCodeInvalidArgument},
		{"signed hash but no body", func(t *testing.T) *http.Request {
			return signed(t, "GET", "http://b.example.com/k", "", hexSHA256([]byte("x")), nil)
		}, nil, sigv4.ErrCodeXAmzContentSHA256Mismatch},
		// presigned
		{"presign missing signature", query(map[string]string{"X-Amz-Signature": "-"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign missing expires", query(map[string]string{"X-Amz-Expires": "-"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign duplicate date", func(*testing.T) *http.Request {
			return httptest.NewRequest("GET", "http://b.example.com/k?"+presignQuery(nil)+"&X-Amz-Date=20240102T030405Z", nil)
		}, nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign other algorithm", query(map[string]string{"X-Amz-Algorithm": "HMAC-SHA1"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign SigV4A", query(map[string]string{"X-Amz-Algorithm": "AWS4-ECDSA-P256-SHA256"}), nil, sigv4.ErrCodeInvalidRequest},
		{"presign expires 0", query(map[string]string{"X-Amz-Expires": "0"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign expires over a week", query(map[string]string{"X-Amz-Expires": "604801"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign expires negative", query(map[string]string{"X-Amz-Expires": "-5"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign expires not a number", query(map[string]string{"X-Amz-Expires": "1h"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign expires empty", query(map[string]string{"X-Amz-Expires": ""}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign bad date", query(map[string]string{"X-Amz-Date": "2024-01-02T03:04:05Z"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign bad credential", query(map[string]string{"X-Amz-Credential": testAK + "%2F20240102"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign bad signature", query(map[string]string{"X-Amz-Signature": "zz"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign bad signed headers", query(map[string]string{"X-Amz-SignedHeaders": "x-amz-date%3Bhost"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign bad escape", query(map[string]string{"X-Amz-Credential": "%G1"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign wrong region", query(map[string]string{"X-Amz-Credential": testAK + "%2F20240102%2Feu-west-1%2Fs3%2Faws4_request"}), nil, sigv4.ErrCodeAuthorizationQueryParametersError},
		{"presign expired", query(nil), []func(*sigv4.Options){sigv4.WithClock(clockAt(testTime.Add(3601 * time.Second)))}, sigv4.ErrCodeAccessDenied},
		{"presign not yet valid", query(nil), []func(*sigv4.Options){sigv4.WithClock(clockAt(testTime.Add(-16 * time.Minute)))}, sigv4.ErrCodeAccessDenied},
		{"presign host not signed", query(map[string]string{"X-Amz-SignedHeaders": "x-amz-date"}), nil, sigv4.ErrCodeAccessDenied},
		{"presign header conflicts with query", func(*testing.T) *http.Request {
			r := httptest.NewRequest("GET", "http://b.example.com/k?"+presignQuery(map[string]string{"X-Amz-SignedHeaders": "host%3Bx-amz-date"}), nil)
			r.Header.Set("X-Amz-Date", "20240102T030406Z")
			return r
		}, nil, sigv4.ErrCodeInvalidRequest},
		{"presign unsigned x-amz header", func(*testing.T) *http.Request {
			r := httptest.NewRequest("GET", "http://b.example.com/k?"+presignQuery(nil), nil)
			r.Header.Set("X-Amz-Meta-A", "1")
			return r
		}, nil, sigv4.ErrCodeAccessDenied},
		{"presign wrong signature", query(nil), nil, sigv4.ErrCodeSignatureDoesNotMatch},
		{"presign bad content sha", query(map[string]string{"X-Amz-Signature": strings.Repeat("0", 64) + "&X-Amz-Content-Sha256=nope"}), nil, sigv4.ErrCodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := testVerifier(tt.opts...)
			code := tt.code
			if tt.name == "lookup fails" {
				v = sigv4.NewVerifier(sigv4.CredentialsLookupFunc(func(context.Context, string, string) (sigv4.Credentials, error) {
					return sigv4.Credentials{}, errors.New("database password=hunter2 unreachable")
				}), sigv4.WithClock(clockAt(testTime)))
				code = sigv4.ErrCodeServiceUnavailable
			}
			res, err := v.Verify(tt.req(t))
			if got := s3Code(err); got != code {
				t.Fatalf("got %v (result %+v), want %s", err, res, code)
			}
			var e *sigv4.Error
			errors.As(err, &e)
			if !strings.HasPrefix(err.Error(), "sigv4: ") || e.StatusCode != sigv4.StatusCode(code) {
				t.Errorf("error %q status %d", err, e.StatusCode)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks a secret: %v", err)
			}
			if res != nil {
				t.Errorf("result on error: %+v", res)
			}
		})
	}
}

// panickyError is an error type whose nil pointer panics in Error.
type panickyError struct{ msg string }

func (e *panickyError) Error() string { return e.msg }

func TestVerifyLookupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"passes *Error through", &sigv4.Error{Code: sigv4.ErrCodeExpiredToken, Message: "The provided token has expired.", StatusCode: 400}, sigv4.ErrCodeExpiredToken},
		{"wrapped unknown key", errors.Join(errors.New("no such user"), sigv4.ErrUnknownAccessKey), sigv4.ErrCodeInvalidAccessKeyID},
		{"other error", io.ErrUnexpectedEOF, sigv4.ErrCodeServiceUnavailable},
		// A typed nil is a non-nil error: it must fail closed as a usable
		// *Error, not come back as a nil *Error whose Error method panics.
		{"typed nil *Error", (*sigv4.Error)(nil), sigv4.ErrCodeServiceUnavailable},
		// Any other error value whose methods panic fails closed too.
		{"typed nil of another type", (*panickyError)(nil), sigv4.ErrCodeServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotToken string
			v := sigv4.NewVerifier(sigv4.CredentialsLookupFunc(func(_ context.Context, _, token string) (sigv4.Credentials, error) {
				gotToken = token
				return sigv4.Credentials{}, tt.err
			}), sigv4.WithClock(clockAt(testTime)))
			r := signed(t, "GET", "http://b.example.com/k", "", "", func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "tok") })
			_, err := v.Verify(r)
			if s3Code(err) != tt.code || gotToken != "tok" {
				t.Fatalf("got %v token %q, want %s", err, gotToken, tt.code)
			}
		})
	}
}

func TestVerifySuccess(t *testing.T) {
	t.Parallel()
	v := testVerifier()
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		r := signed(t, "PUT", "http://b.example.com/k?tagging", "data", "", func(r *http.Request) {
			r.Header.Set("X-Amz-Meta-A", "b")
		})
		res, err := v.Verify(r)
		if err != nil {
			t.Fatal(err)
		}
		if res.Type != sigv4.AuthHeader || res.Payload != sigv4.PayloadSigned || res.Body == nil || r.Body != io.ReadCloser(res.Body) {
			t.Fatalf("result %+v", res)
		}
		if !res.IsSigned("X-Amz-Meta-A") || !res.IsSigned("host") || res.IsSigned("user-agent") || (*sigv4.Result)(nil).IsSigned("host") {
			t.Errorf("IsSigned wrong for %v", res.SignedHeaders)
		}
		if got, err := io.ReadAll(r.Body); err != nil || string(got) != "data" {
			t.Errorf("body %q %v", got, err)
		}
		if res.Credentials.Value != testAK || !res.SignedAt.Equal(testTime) || res.Region != "us-east-1" {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("presigned at the edges of validity", func(t *testing.T) {
		t.Parallel()
		for _, now := range []time.Time{testTime.Add(-15 * time.Minute), testTime, testTime.Add(15 * time.Minute)} {
			v := testVerifier(sigv4.WithClock(clockAt(now)))
			res, err := v.Verify(presigned(t, "GET", "http://b.example.com/k?X-Amz-Expires=900", testTime))
			if err != nil {
				t.Fatalf("now %v: %v", now, err)
			}
			if res.Type != sigv4.AuthPresigned || !res.Expires.Equal(testTime.Add(15*time.Minute)) || res.Payload != sigv4.PayloadUnsigned {
				t.Fatalf("result %+v", res)
			}
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		t.Parallel()
		res, err := v.Verify(httptest.NewRequest("GET", "http://b.example.com/k?acl", nil))
		if err != nil || res.Type != sigv4.AuthAnonymous || res.Type.String() != "ANONYMOUS" {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestVerifyServiceInto(t *testing.T) {
	t.Parallel()
	v := testVerifier()
	reqs := map[string]func() *http.Request{
		"header": func() *http.Request {
			return signed(t, "GET", "http://bucket.s3.us-east-1.amazonaws.com/key?versionId=1", "", "", nil)
		},
		"presigned": func() *http.Request {
			return presigned(t, "GET", "http://bucket.s3.us-east-1.amazonaws.com/key?X-Amz-Expires=60", testTime)
		},
		"anonymous": func() *http.Request { return httptest.NewRequest("GET", "http://bucket.example.com/key", nil) },
	}
	var reused sigv4.Result
	for name, req := range reqs {
		want, err := v.Verify(req())
		if err != nil {
			t.Fatalf("%s: Verify: %v", name, err)
		}
		if err := v.VerifyServiceInto(&reused, req(), "s3"); err != nil {
			t.Fatalf("%s: VerifyServiceInto: %v", name, err)
		}
		if reused.Type != want.Type || reused.AccessKey != want.AccessKey || reused.ContentSHA256 != want.ContentSHA256 ||
			!reused.SignedAt.Equal(want.SignedAt) || !reused.Expires.Equal(want.Expires) ||
			strings.Join(reused.SignedHeaders, ";") != strings.Join(want.SignedHeaders, ";") ||
			reused.Credentials != want.Credentials || reused.Payload != want.Payload {
			t.Errorf("%s: VerifyServiceInto filled %+v, Verify returned %+v", name, reused, *want)
		}
	}

	// An error leaves the Result zero, whatever it held before.
	bad := signed(t, "GET", "http://bucket.s3.us-east-1.amazonaws.com/key", "", "", nil)
	bad.Header.Set("X-Amz-Date", "20240102T030406Z")
	if err := v.VerifyServiceInto(&reused, bad, "s3"); err == nil {
		t.Fatal("a request with a changed date verified")
	}
	if reused.Type != 0 || reused.AccessKey != "" || reused.SignedHeaders != nil {
		t.Errorf("after an error the Result holds %+v", reused)
	}

	var e *sigv4.Error
	if err := v.VerifyServiceInto(nil, bad, "s3"); !errors.As(err, &e) || e.Code != sigv4.ErrCodeInternalError {
		t.Errorf("VerifyServiceInto(nil, ...) = %v, want InternalError", err)
	}
}

// TestHostNotSignedNamesHost: a header-signed request that does not sign
// host is refused for that reason, even though the headers the later
// checks read (X-Amz-Date and friends) are gathered in the same walk.
func TestHostNotSignedNamesHost(t *testing.T) {
	t.Parallel()
	r := rawHeaderRequest(strings.Replace(validAuth, "host;", "", 1))
	_, err := testVerifier().Verify(r)
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Code != sigv4.ErrCodeAccessDenied || e.Err == nil || !strings.Contains(e.Err.Error(), "not signed: host") {
		t.Fatalf("got %v (%v), want AccessDenied naming host as not signed", err, e)
	}
}
