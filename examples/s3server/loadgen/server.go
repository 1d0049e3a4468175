package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3server/internal/facade"
	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/store/boltstore"
)

// refServer is the reference server assembled in this process the way
// examples/s3server's build does it (object backend in a folder, embedded
// bbolt identity store, the s3auth facade with bucket policies through the
// server's own facade adapter, STS), listening on a loopback port.
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
	bp := &facade.BucketPolicies{Backend: be}
	auth, err := s3auth.New(ctx, st, s3auth.WithOptions(s3auth.Options{
		Regions: []string{"us-east-1"}, Logger: log, BucketPolicy: bp.Get,
		RootAccessKey: rootAK, RootSecretKey: rootSK,
	}))
	if err != nil {
		return fail(err)
	}
	s.Auth = auth
	s.stop = append(s.stop, auth.Close)
	srv, err := server.New(be, facade.Auth{A: auth}, func(o *server.Options) {
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
