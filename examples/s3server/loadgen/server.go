package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store/boltstore"
)

// refServer is the reference server assembled in this process the way
// examples/s3server's build does it (object backend in a folder, embedded
// bbolt identity store, the s3auth facade with bucket policies, STS),
// listening on a loopback port. The command's own wiring lives in package
// main of examples/s3server and cannot be imported, so the adapter below
// mirrors its facadeAuth.
type refServer struct {
	URL  string
	Auth *s3auth.Auth
	stop []func() error
}

func (s *refServer) Close() error {
	var errs []error
	for i := len(s.stop) - 1; i >= 0; i-- {
		errs = append(errs, s.stop[i]())
	}
	return errors.Join(errs...)
}

// startServer starts the reference server on 127.0.0.1:0 with its data in
// dir and the given root credentials.
func startServer(ctx context.Context, dir, rootAK, rootSK string, log *slog.Logger) (*refServer, error) {
	s := &refServer{}
	fail := func(err error) (*refServer, error) { s.Close(); return nil, err }
	be, err := fsobj.New(dir, func(o *fsobj.Options) { o.Logger = log })
	if err != nil {
		return nil, err
	}
	s.stop = append(s.stop, be.Close)
	st, err := boltstore.Open(filepath.Join(dir, "s3auth.db"))
	if err != nil {
		return fail(err)
	}
	s.stop = append(s.stop, st.Close)
	bp := &bucketPolicies{be: be}
	auth, err := s3auth.New(ctx, st, s3auth.WithOptions(s3auth.Options{
		Regions: []string{"us-east-1"}, Logger: log, BucketPolicy: bp.get,
		RootAccessKey: rootAK, RootSecretKey: rootSK,
	}))
	if err != nil {
		return fail(err)
	}
	s.Auth = auth
	s.stop = append(s.stop, auth.Close)
	srv, err := server.New(be, facadeAuth{auth}, func(o *server.Options) {
		o.Logger = log
		o.STSHandler = auth.STSHandler()
	})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	hs := &http.Server{Handler: srv, MaxHeaderBytes: 64 << 10}
	go hs.Serve(ln)
	s.stop = append(s.stop, hs.Close)
	s.URL = "http://" + ln.Addr().String()
	return s, nil
}

// bucketPolicies reads bucket policies from the backend per request and
// keeps them compiled, as the reference server does.
type bucketPolicies struct {
	be *fsobj.Backend
	mu sync.Mutex
	m  map[string]*iam.Policy
	d  map[string]string
}

func (b *bucketPolicies) get(_ context.Context, bucket string) (*iam.Policy, error) {
	doc, err := b.be.BucketPolicy(bucket)
	if err != nil {
		if e := s3api.AsError(err); e != nil && (e.Code == "NoSuchBucketPolicy" || e.Code == s3api.CodeNoSuchBucket) {
			return nil, nil
		}
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.d[bucket] == string(doc) {
		return b.m[bucket], nil
	}
	pol, err := iam.Parse(doc, iam.WithResourcePolicy(), iam.WithMaxSize(20<<10))
	if err != nil {
		return nil, fmt.Errorf("the stored policy of bucket %s no longer validates: %w", bucket, err)
	}
	if b.m == nil {
		b.m, b.d = map[string]*iam.Policy{}, map[string]string{}
	}
	b.m[bucket], b.d[bucket] = pol, string(doc)
	return pol, nil
}

// facadeAuth adapts the s3auth facade to the server's Auth seam (a copy of
// examples/s3server's adapter, reduced to what GET and PUT need).
type facadeAuth struct{ a *s3auth.Auth }

var _ server.Auth = facadeAuth{}

func s3Error(err error) error {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return &s3api.Error{Code: e.Code, Message: e.Message, Status: e.StatusCode, Err: err}
	}
	return err
}

func (f facadeAuth) Authenticate(r *http.Request) (server.Principal, io.ReadCloser, error) {
	p, err := f.a.Authenticate(r)
	if err != nil {
		return server.Principal{}, nil, s3Error(err)
	}
	sp := server.Principal{ID: p.User, Value: p}
	if p.Kind == s3auth.PrincipalAnonymous {
		sp.ID = ""
	}
	return sp, p.Body(), nil
}

func (f facadeAuth) Authorize(ctx context.Context, sp server.Principal, r *http.Request, _ server.Operation) error {
	p, ok := sp.Value.(*s3auth.Principal)
	if !ok {
		return &s3api.Error{Code: "AccessDenied", Message: "Access Denied.", Status: http.StatusForbidden}
	}
	if d := f.a.Authorize(ctx, p, r); !d.Allowed {
		return s3Error(d.S3Error())
	}
	return nil
}
