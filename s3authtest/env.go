package s3authtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store/memstore"
)

// Fixed values of every Env.
const (
	Region        = "us-east-1"
	RootAccessKey = "ROOTACCESSKEY"
	RootSecretKey = "ROOTSECRETKEY-for-tests-only"
)

// Env is an in-process s3auth environment for tests: a memory store, a fake
// clock, an Auth facade with root credentials, and an httptest server that
// speaks S3 authentication and STS on one address, with a tiny in-memory
// object store behind it (buckets are implicit; PUT, GET, HEAD and DELETE of
// objects, and a flat ListObjectsV2).
type Env struct {
	Clock  *Clock
	Store  *memstore.Store
	Auth   *s3auth.Auth
	Server *httptest.Server

	mu      sync.Mutex
	objects map[string][]byte
}

// NewEnv starts an Env. The clock starts at the current time (so real SDK
// clients, which sign with the system clock, are within the allowed skew).
// Extra options are applied after the Env's own. Everything stops at the
// end of the test.
func NewEnv(t testing.TB, opts ...s3auth.Option) *Env {
	t.Helper()
	e := &Env{Clock: NewClock(time.Now()), Store: memstore.New(), objects: map[string][]byte{}}
	all := append([]s3auth.Option{
		s3auth.WithAuthClock(e.Clock),
		s3auth.WithRoot(RootAccessKey, RootSecretKey),
	}, opts...)
	a, err := s3auth.New(context.Background(), e.Store, all...)
	if err != nil {
		t.Fatalf("s3authtest: %v", err)
	}
	e.Auth = a
	s3 := a.Middleware(http.HandlerFunc(e.serveS3))
	sts := a.STSHandler()
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s3auth.IsSTSRequest(r) {
			sts.ServeHTTP(w, r)
			return
		}
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.Server.Close()
		a.Close()
		e.Store.Close()
	})
	return e
}

// URL is the server's base URL.
func (e *Env) URL() string { return e.Server.URL }

// AddUser creates a user with the given secret and attaches the named
// policies (built-in names or ones added with PutPolicy).
func (e *Env) AddUser(t testing.TB, accessKey, secretKey string, policies ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.Auth.Directory().AddUser(ctx, accessKey, secretKey); err != nil {
		t.Fatalf("s3authtest: AddUser(%s): %v", accessKey, err)
	}
	for _, p := range policies {
		if err := e.Auth.Directory().AttachPolicy(ctx, p, s3auth.Target{User: accessKey}); err != nil {
			t.Fatalf("s3authtest: AttachPolicy(%s, %s): %v", p, accessKey, err)
		}
	}
}

// PutPolicy stores a named policy document.
func (e *Env) PutPolicy(t testing.TB, name, doc string) {
	t.Helper()
	if err := e.Auth.Directory().PutPolicy(context.Background(), name, []byte(doc)); err != nil {
		t.Fatalf("s3authtest: PutPolicy(%s): %v", name, err)
	}
}

// Object returns a stored object's bytes.
func (e *Env) Object(bucket, key string) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.objects[bucket+"/"+key]
	return b, ok
}

// NewRequest builds a request to the Env's server signed in the header with
// SigV4 as SDKs do (x-amz-content-sha256 is the body's hash; token may be
// "").
func (e *Env) NewRequest(t testing.TB, method, path string, body []byte, accessKey, secretKey, token string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, e.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	Sign(t, r, body, accessKey, secretKey, token, e.Clock.Now())
	return r
}

// Sign signs r in place for service s3 in Region at time at.
func Sign(t testing.TB, r *http.Request, body []byte, accessKey, secretKey, token string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hash, "s3", Region, at); err != nil {
		t.Fatalf("s3authtest: signing: %v", err)
	}
}

// serveS3 is the tiny object store behind the middleware.
func (e *Env) serveS3(w http.ResponseWriter, r *http.Request) {
	_, d, _ := s3auth.FromContext(r.Context())
	op := d.Operation
	key := op.Bucket + "/" + op.Key
	reqID := s3auth.RequestIDFromContext(r.Context())
	switch op.Name {
	case "PutObject":
		body, err := io.ReadAll(r.Body) // the verifying reader
		if err != nil {
			sigv4.WriteError(w, err, r.URL.Path, reqID)
			return
		}
		e.mu.Lock()
		e.objects[key] = body
		e.mu.Unlock()
		sum := sha256.Sum256(body)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	case "GetObject", "HeadObject":
		b, ok := e.Object(op.Bucket, op.Key)
		if !ok {
			sigv4.WriteError(w, &sigv4.Error{Code: "NoSuchKey", Message: "The specified key does not exist.", StatusCode: 404}, r.URL.Path, reqID)
			return
		}
		sum := sha256.Sum256(b)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		w.Header().Set("Last-Modified", e.Clock.Now().UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if op.Name == "GetObject" {
			_, _ = w.Write(b)
		}
	case "DeleteObject":
		e.mu.Lock()
		delete(e.objects, key)
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "CreateBucket", "HeadBucket", "DeleteBucket":
	case "ListObjectsV2", "ListObjects":
		type content struct {
			Key  string
			Size int
		}
		var out struct {
			XMLName  xml.Name `xml:"ListBucketResult"`
			Name     string
			Prefix   string
			KeyCount int
			Contents []content
		}
		out.Name = op.Bucket
		out.Prefix = r.URL.Query().Get("prefix")
		e.mu.Lock()
		for k, v := range e.objects {
			if b, name, _ := strings.Cut(k, "/"); b == op.Bucket && strings.HasPrefix(name, out.Prefix) {
				out.Contents = append(out.Contents, content{Key: name, Size: len(v)})
			}
		}
		e.mu.Unlock()
		sort.Slice(out.Contents, func(i, j int) bool { return out.Contents[i].Key < out.Contents[j].Key })
		out.KeyCount = len(out.Contents)
		w.Header().Set("Content-Type", "application/xml")
		_ = xml.NewEncoder(w).Encode(&out)
	default:
		sigv4.WriteError(w, &sigv4.Error{Code: "NotImplemented", Message: op.Name + " is not implemented by the s3authtest server.", StatusCode: 501}, r.URL.Path, reqID)
	}
}
