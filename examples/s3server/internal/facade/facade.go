// Package facade adapts the s3auth facade to the reference server's Auth
// seam: it hands the server the verifying body (its failures as S3 errors),
// authorizes every request (and each key of a DeleteObjects body), and
// serves bucket policies from the object backend, compiled once.
package facade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
	"github.com/s3auth/s3auth/sigv4"
)

// MaxBucketPolicySize is S3's limit on bucket policies (20 KB).
const MaxBucketPolicySize = 20 << 10

// BucketPolicies reads bucket policies from the object backend and keeps
// them compiled; Get is the facade's Options.BucketPolicy.
type BucketPolicies struct {
	Backend *fsobj.Backend
	mu      sync.Mutex
	m       map[string]compiledPolicy
}

type compiledPolicy struct {
	doc string
	pol *iam.Policy
}

// ParseBucketPolicy validates and compiles a bucket policy (S3's 20 KB
// limit); the server uses it to refuse invalid PutBucketPolicy bodies.
func ParseBucketPolicy(doc []byte) (*iam.Policy, error) {
	return iam.Parse(doc, iam.WithResourcePolicy(), iam.WithMaxSize(MaxBucketPolicySize))
}

func (b *BucketPolicies) Get(_ context.Context, bucket string) (*iam.Policy, error) {
	doc, err := b.Backend.BucketPolicy(bucket)
	if err != nil {
		if e := s3api.AsError(err); e != nil && (e.Code == "NoSuchBucketPolicy" || e.Code == s3api.CodeNoSuchBucket) {
			return nil, nil
		}
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.m[bucket]; ok && c.doc == string(doc) {
		return c.pol, nil
	}
	pol, err := ParseBucketPolicy(doc)
	if err != nil {
		return nil, fmt.Errorf("the stored policy of bucket %s no longer validates: %w", bucket, err)
	}
	if b.m == nil {
		b.m = make(map[string]compiledPolicy)
	}
	b.m[bucket] = compiledPolicy{doc: string(doc), pol: pol}
	return pol, nil
}

// Auth adapts the s3auth facade to the server's Auth seam.
type Auth struct{ A *s3auth.Auth }

var _ server.Auth = Auth{}

// s3Error turns a facade error into the server's S3 error.
func s3Error(err error) error {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return &s3api.Error{Code: e.Code, Message: e.Message, Status: e.StatusCode, Err: err}
	}
	return err
}

// Authenticate verifies the request and hands the server the verifying body.
func (f Auth) Authenticate(r *http.Request) (server.Principal, io.ReadCloser, error) {
	p, err := f.A.Authenticate(r)
	if err != nil {
		return server.Principal{}, nil, s3Error(err)
	}
	sp := server.Principal{ID: p.User, Value: p}
	if p.Kind == s3auth.PrincipalAnonymous {
		sp.ID = ""
	}
	if p.Posix.Set {
		sp.POSIX = &server.POSIXIDs{UID: int(p.Posix.UID), GID: int(p.Posix.GID)}
	}
	var body io.ReadCloser
	if b := p.Body(); b != nil {
		body = codedBody{b}
	}
	return sp, body, nil
}

// codedBody gives the server the verifying reader's failures as S3 errors
// (BadDigest, IncompleteBody, SignatureDoesNotMatch, ...) instead of errors
// it does not know, which it would answer with InternalError.
type codedBody struct{ io.ReadCloser }

func (b codedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = s3Error(err)
	}
	return n, err
}

// WriteTo keeps the verifying reader's copy without an extra buffer.
func (b codedBody) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := b.ReadCloser.(io.WriterTo); ok {
		n, err := wt.WriteTo(w)
		return n, s3Error(err)
	}
	return io.Copy(w, struct{ io.Reader }{b})
}

// Authorize decides the request; one key of a DeleteObjects body is
// checked on its own.
func (f Auth) Authorize(ctx context.Context, sp server.Principal, r *http.Request, op server.Operation) error {
	p, ok := sp.Value.(*s3auth.Principal)
	if !ok {
		return &s3api.Error{Code: "AccessDenied", Message: "Access Denied.", Status: http.StatusForbidden}
	}
	var d *s3auth.Decision
	if op.Name == "DeleteObject" && r.URL.Query().Has("delete") {
		// One key of a DeleteObjects body.
		check := iam.Check{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::" + op.Bucket + "/" + op.Key}
		d = f.A.AuthorizeChecks(ctx, p, r, op.Bucket, []iam.Check{check})
	} else {
		d = f.A.Authorize(ctx, p, r)
	}
	if d.Allowed {
		return nil
	}
	return s3Error(d.S3Error())
}
