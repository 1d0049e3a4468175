// Package sigv4test provides fixtures for tests of code that sits behind
// [sigv4.Verifier]: requests signed exactly as real clients sign them
// (aws-sdk-go-v2 for header and presigned requests, minio-go for aws-chunked
// uploads), a static credentials lookup and a fixed clock. It is in the
// spirit of net/http/httptest: every helper takes a testing.TB, calls
// t.Helper() and fails the test on a setup error.
//
// Signing is done by the SDKs, never by sigv4 itself, so a test that passes
// shows interoperability, not self-consistency.
//
// # Not supported
//
// SigV2 and SigV4A signing, and browser POST policies (build those with
// minio-go's PostPolicy).
package sigv4test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	miniosigner "github.com/minio/minio-go/v7/pkg/signer"

	"github.com/s3auth/s3auth/sigv4"
)

// Credentials are the keys a test client signs with.
type Credentials struct {
	AccessKey, SecretKey string
	// SessionToken is sent as X-Amz-Security-Token when not empty.
	SessionToken string
}

// ExampleCredentials returns the access key pair of the AWS documentation
// (AKIAIOSFODNN7EXAMPLE).
func ExampleCredentials() Credentials {
	return Credentials{AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
}

// Options says how to sign. Every zero value has a default.
type Options struct {
	// Region of the credential scope. "" means "us-east-1".
	Region string
	// Service of the credential scope. "" means "s3".
	Service string
	// Time of the signature. Zero means time.Now().
	Time time.Time
	// UnsignedPayload signs x-amz-content-sha256: UNSIGNED-PAYLOAD instead
	// of the body's hash (header signing only).
	UnsignedPayload bool
}

// Option changes Options.
type Option func(*Options)

// WithRegion sets [Options.Region].
func WithRegion(region string) Option { return func(o *Options) { o.Region = region } }

// WithService sets [Options.Service].
func WithService(service string) Option { return func(o *Options) { o.Service = service } }

// WithTime sets [Options.Time].
func WithTime(t time.Time) Option { return func(o *Options) { o.Time = t } }

// WithUnsignedPayload sets [Options.UnsignedPayload].
func WithUnsignedPayload() Option { return func(o *Options) { o.UnsignedPayload = true } }

func resolve(opts []Option) Options {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Service == "" {
		o.Service = "s3"
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	return o
}

// NewRequest returns a server-side style request (as httptest.NewRequest)
// with body as its body (nil for none).
func NewRequest(t testing.TB, method, target string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body == nil {
		r.Body = http.NoBody
	}
	return r
}

func signer() *awsv4.Signer {
	// As the S3 client configures it: S3 paths are escaped once.
	return awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true })
}

func readBody(t testing.TB, r *http.Request) []byte {
	t.Helper()
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("sigv4test: reading the request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return b
}

// Sign signs r in place with an Authorization header as aws-sdk-go-v2's S3
// client does: it sets X-Amz-Content-Sha256 (the body's hash, or
// UNSIGNED-PAYLOAD), X-Amz-Date and, with a session token,
// X-Amz-Security-Token. Set every other header before calling Sign. It
// returns r.
func Sign(t testing.TB, r *http.Request, c Credentials, opts ...Option) *http.Request {
	t.Helper()
	o := resolve(opts)
	body := readBody(t, r)
	hash := "UNSIGNED-PAYLOAD"
	if !o.UnsignedPayload {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	r.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey, SessionToken: c.SessionToken}
	if err := signer().SignHTTP(context.Background(), creds, r, hash, o.Service, o.Region, o.Time); err != nil {
		t.Fatalf("sigv4test: signing: %v", err)
	}
	return r
}

// Presign returns a new request for the presigned URL of r (same method and
// body), valid for expires, as aws-sdk-go-v2's PresignClient builds it
// (UNSIGNED-PAYLOAD).
func Presign(t testing.TB, r *http.Request, c Credentials, expires time.Duration, opts ...Option) *http.Request {
	t.Helper()
	o := resolve(opts)
	body := readBody(t, r)
	u := *r.URL
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	q := u.RawQuery
	if q != "" {
		q += "&"
	}
	u.RawQuery = q + "X-Amz-Expires=" + strconv.FormatInt(int64(expires/time.Second), 10)
	pr := r.Clone(context.Background())
	pr.URL = &u
	pr.Body = http.NoBody
	creds := aws.Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey, SessionToken: c.SessionToken}
	signedURL, hdr, err := signer().PresignHTTP(context.Background(), creds, pr, "UNSIGNED-PAYLOAD", o.Service, o.Region, o.Time)
	if err != nil {
		t.Fatalf("sigv4test: presigning: %v", err)
	}
	out := NewRequest(t, r.Method, signedURL, body)
	for k, vs := range hdr {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	return out
}

type sha256Hasher struct{ hash.Hash }

func (sha256Hasher) Close() {}

// SignStreaming signs r in place for an aws-chunked upload
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 64 KiB chunks) as minio-go does,
// replacing its body with the chunk-signed encoding of the original body.
func SignStreaming(t testing.TB, r *http.Request, c Credentials, opts ...Option) *http.Request {
	t.Helper()
	o := resolve(opts)
	body := readBody(t, r)
	r.Body = io.NopCloser(bytes.NewReader(body))
	out := miniosigner.StreamingSignV4(r, c.AccessKey, c.SecretKey, c.SessionToken, o.Region, int64(len(body)), o.Time.UTC(), sha256Hasher{sha256.New()})
	// minio-go sets Content-Length on the request field; mirror it in the
	// header as a server would see it.
	out.Header.Set("Content-Length", strconv.FormatInt(out.ContentLength, 10))
	return out
}

// Lookup returns a [sigv4.CredentialsLookup] that knows creds. A key with
// a SessionToken only verifies when the request carries that token
// (InvalidToken otherwise). Credentials.Value is the access key.
func Lookup(creds ...Credentials) sigv4.CredentialsLookup {
	m := make(map[string]Credentials, len(creds))
	for _, c := range creds {
		m[c.AccessKey] = c
	}
	return sigv4.CredentialsLookupFunc(func(_ context.Context, ak, token string) (sigv4.Credentials, error) {
		c, ok := m[ak]
		if !ok {
			return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
		}
		if c.SessionToken != "" && token != c.SessionToken {
			return sigv4.Credentials{}, &sigv4.Error{Code: sigv4.ErrCodeInvalidToken, Message: "The provided token is malformed or otherwise invalid.", StatusCode: http.StatusBadRequest}
		}
		return sigv4.Credentials{SecretKey: c.SecretKey, Value: c.AccessKey}, nil
	})
}

// Clock is a [sigv4.Clock] that always returns T.
type Clock struct{ T time.Time }

// Now returns c.T.
func (c Clock) Now() time.Time { return c.T }

var _ sigv4.Clock = Clock{}
