package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithycreds "github.com/aws/smithy-go/aws-http-auth/credentials"
	smithysigv4 "github.com/aws/smithy-go/aws-http-auth/sigv4"
	smithyv4 "github.com/aws/smithy-go/aws-http-auth/v4"
	miniosigner "github.com/minio/minio-go/v7/pkg/signer"

	"github.com/s3auth/s3auth/sigv4"
)

const (
	clientAK     = "AKIACLIENTTEST"
	clientSecret = "client/secret+key/0123456789abcdefghij"
	clientToken  = "session-token/with+odd=chars"
	clientAKTok  = "ASIACLIENTTEST"
	clientRegion = "eu-west-1"
)

// echoServer runs sigv4.Middleware in front of a handler that reads the
// verified body to EOF and reports what it saw.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	v := sigv4.NewVerifier(staticLookup{
		secrets: map[string]string{clientAK: clientSecret, clientAKTok: clientSecret},
		tokens:  map[string]string{clientAKTok: clientToken},
	}, sigv4.WithRegions("us-east-1", clientRegion))
	srv := httptest.NewServer(sigv4.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := sigv4.FromContext(r.Context())
		if !ok {
			http.Error(w, "no result in context", 500)
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			sigv4.WriteError(w, err, r.URL.Path, "")
			return
		}
		fmt.Fprintf(w, "%s %s %s %d %v", res.Type, res.AccessKey, res.Payload, n, res.IsSigned("host"))
	})))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// objectPath has characters that SDKs escape, to exercise the canonical URI.
const objectPath = "/bucket/dir/a%20b%2Bc~%24%C3%A9%3D%26.txt"

func newClientRequest(t *testing.T, srv *httptest.Server, method, query string, body []byte) *http.Request {
	t.Helper()
	u, err := url.Parse(srv.URL + objectPath)
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = query
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newSDKSigner returns a fresh aws-sdk-go-v2 signer set up as its S3 client
// does. Fresh because the SDK caches derived keys by access key, not secret,
// and the negative tests sign with wrong secrets.
func newSDKSigner() *awsv4.Signer {
	return awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true })
}

func TestRealClients(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	body := []byte("hello, verified world\n")
	sdkCreds := aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret}
	sdkTokCreds := aws.Credentials{AccessKeyID: clientAKTok, SecretAccessKey: clientSecret, SessionToken: clientToken}
	smithy := smithysigv4.New(func(o *smithyv4.SignerOptions) {
		o.DisableDoublePathEscape = true
		o.AddPayloadHashHeader = true
	})
	const query = "list-type=2&prefix=a%20b%2Fc&marker=%E2%82%AC&empty"

	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
		want string
	}{
		{"sdk header GET", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", query, nil)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
			r.Header.Set("Range", "bytes=0-9")
			if err := newSDKSigner().SignHTTP(context.Background(), sdkCreds, r, hexSHA256(nil), "s3", clientRegion, time.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, "REST-HEADER AKIACLIENTTEST SHA256 0 true"},
		{"sdk header PUT signed payload", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", "", body)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(body))
			r.Header.Set("X-Amz-Meta-Note", "  two   spaces  ")
			r.Header.Set("Content-Type", "text/plain")
			if err := newSDKSigner().SignHTTP(context.Background(), sdkCreds, r, hexSHA256(body), "s3", clientRegion, time.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, fmt.Sprintf("REST-HEADER AKIACLIENTTEST SHA256 %d true", len(body))},
		{"sdk header PUT unsigned payload with session token", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", "", body)
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			if err := newSDKSigner().SignHTTP(context.Background(), sdkTokCreds, r, "UNSIGNED-PAYLOAD", "s3", clientRegion, time.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, fmt.Sprintf("REST-HEADER ASIACLIENTTEST UNSIGNED-PAYLOAD %d true", len(body))},
		{"sdk presign GET", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "versionId=v1", nil)
			r.URL.RawQuery += "&X-Amz-Expires=900"
			u, hdr, err := newSDKSigner().PresignHTTP(context.Background(), sdkTokCreds, r, "UNSIGNED-PAYLOAD", "s3", clientRegion, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			out, _ := http.NewRequest("GET", u, nil)
			for k, vs := range hdr {
				if !strings.EqualFold(k, "host") {
					out.Header[k] = vs
				}
			}
			return out
		}, "REST-QUERY-STRING ASIACLIENTTEST UNSIGNED-PAYLOAD 0 true"},
		{"sdk presign PUT", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", "X-Amz-Expires=60", nil)
			u, _, err := newSDKSigner().PresignHTTP(context.Background(), sdkCreds, r, "UNSIGNED-PAYLOAD", "s3", clientRegion, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			out, _ := http.NewRequest("PUT", u, bytes.NewReader(body))
			return out
		}, fmt.Sprintf("REST-QUERY-STRING AKIACLIENTTEST UNSIGNED-PAYLOAD %d true", len(body))},
		{"minio SignV4 PUT", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", "uploadId=1&partNumber=2", body)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(body))
			r.Header.Set("Content-Md5", "") // present but empty: must still canonicalize
			r.Header.Del("Content-Md5")
			return miniosigner.SignV4(*r, clientAK, clientSecret, "", clientRegion)
		}, fmt.Sprintf("REST-HEADER AKIACLIENTTEST SHA256 %d true", len(body))},
		{"minio SignV4 GET with session token", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", query, nil)
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return miniosigner.SignV4(*r, clientAKTok, clientSecret, clientToken, clientRegion)
		}, "REST-HEADER ASIACLIENTTEST UNSIGNED-PAYLOAD 0 true"},
		{"minio PreSignV4 GET", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "response-content-type=text%2Fplain", nil)
			return miniosigner.PreSignV4(*r, clientAKTok, clientSecret, clientToken, clientRegion, 600)
		}, "REST-QUERY-STRING ASIACLIENTTEST UNSIGNED-PAYLOAD 0 true"},
		{"smithy header PUT", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", query, body)
			sum := sha256.Sum256(body)
			if err := smithy.SignRequest(&smithysigv4.SignRequestInput{
				Request: r, PayloadHash: sum[:], Service: "s3", Region: clientRegion,
				Credentials: smithycreds.Credentials{AccessKeyID: clientAKTok, SecretAccessKey: clientSecret, SessionToken: clientToken},
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}, fmt.Sprintf("REST-HEADER ASIACLIENTTEST SHA256 %d true", len(body))},
		{"smithy query GET", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "X-Amz-Expires=300&acl", nil)
			if err := smithy.SignRequest(&smithysigv4.SignRequestInput{
				Request: r, Service: "s3", Region: clientRegion, SignatureType: smithyv4.SignatureTypeQueryString,
				Credentials: smithycreds.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret},
			}, func(o *smithyv4.SignerOptions) { o.AddPayloadHashHeader = false }); err != nil {
				t.Fatal(err)
			}
			r.Header.Del("Host")
			return r
		}, "REST-QUERY-STRING AKIACLIENTTEST UNSIGNED-PAYLOAD 0 true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, got := do(t, tt.req(t))
			if code != 200 || got != tt.want {
				t.Fatalf("status %d body %q, want 200 %q", code, got, tt.want)
			}
		})
	}
}

// TestRealClientsRejected checks the wire-level errors a client sees.
func TestRealClientsRejected(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	body := []byte("payload")
	tests := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		status int
		code   string
	}{
		{"wrong secret", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "", nil)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
			_ = newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: "wrong"}, r, hexSHA256(nil), "s3", clientRegion, time.Now())
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unknown key", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "", nil)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
			_ = newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"}, r, hexSHA256(nil), "s3", clientRegion, time.Now())
			return r
		}, 403, "InvalidAccessKeyId"},
		{"tampered body", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "PUT", "", []byte("PAYLOAD"))
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(body))
			_ = newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret}, r, hexSHA256(body), "s3", clientRegion, time.Now())
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"skewed clock", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "", nil)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
			_ = newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret}, r, hexSHA256(nil), "s3", clientRegion, time.Now().Add(-20*time.Minute))
			return r
		}, 403, "RequestTimeTooSkewed"},
		{"wrong region", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "", nil)
			r.Header.Set("X-Amz-Content-Sha256", hexSHA256(nil))
			_ = newSDKSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret}, r, hexSHA256(nil), "s3", "ap-south-1", time.Now())
			return r
		}, 400, "AuthorizationHeaderMalformed"},
		{"expired presign", func(t *testing.T) *http.Request {
			r := newClientRequest(t, srv, "GET", "X-Amz-Expires=60", nil)
			u, _, _ := newSDKSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: clientAK, SecretAccessKey: clientSecret}, r, "UNSIGNED-PAYLOAD", "s3", clientRegion, time.Now().Add(-2*time.Minute))
			out, _ := http.NewRequest("GET", u, nil)
			return out
		}, 403, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := do(t, tt.req(t))
			var doc struct {
				Code     string
				Resource string
			}
			if err := xml.Unmarshal([]byte(got), &doc); err != nil {
				t.Fatalf("status %d, body %q: %v", status, got, err)
			}
			if status != tt.status || doc.Code != tt.code {
				t.Fatalf("got %d %s, want %d %s (%s)", status, doc.Code, tt.status, tt.code, got)
			}
		})
	}
}
