// Command s3server is the reference S3 server of s3auth: it keeps objects
// as plain files under <data>/buckets/<bucket>/<key> and serves the S3 API
// (path-style and virtual-hosted-style) on one address.
//
// Usage:
//
//	go run ./examples/s3server [--addr 127.0.0.1:9000] [--data ./s3data]
//	    [--region us-east-1] [--domain localhost] [--store etcd://HOST:PORT,...]
//	    [--ldap-url ldap://HOST:389 --ldap-bind-dn DN --ldap-bind-password PW
//	     --ldap-user-base DN --ldap-user-filter F --ldap-group-base DN
//	     --ldap-group-filter F --ldap-starttls]
//
// The object side lives in internal/fsobj (storage) and
// examples/s3server/internal/server (HTTP); internal/s3api holds the S3 wire
// types shared with the proxy. Authentication is plugged in through
// server.Auth; until the s3auth facade is wired in, this command refuses to
// start without it rather than serve unauthenticated (see newAuth).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/internal/serverkit"
	"github.com/s3auth/s3auth/examples/s3server/internal/facade"
	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/internal/fsobj"
)

// ldapConfig holds the --ldap-* flags.
type ldapConfig struct {
	URL          string
	BindDN       string
	BindPassword string
	UserBase     string
	UserFilter   string
	GroupBase    string
	GroupFilter  string
	StartTLS     bool
}

// config is everything the command line sets.
type config struct {
	Addr   string
	Data   string
	Region string
	Domain string
	// Store is "" (the embedded store inside Data) or
	// "etcd://HOST:PORT[,HOST:PORT...]".
	Store    string
	LDAP     ldapConfig
	LogLevel slog.Level
	// Insecure serves without authentication (local experiments only).
	Insecure bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("s3server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:9000", "listen address")
	fs.StringVar(&c.Data, "data", "./s3data", "data directory (objects, metadata, embedded store)")
	fs.StringVar(&c.Region, "region", "us-east-1", "region of the server")
	fs.StringVar(&c.Domain, "domain", "", "base domain for virtual-hosted-style requests (e.g. localhost); empty = path-style only")
	fs.StringVar(&c.Store, "store", "", "identity store: empty = embedded file in --data, or etcd://HOST:PORT[,HOST:PORT...]")
	fs.StringVar(&c.LDAP.URL, "ldap-url", "", "LDAP server URL (ldap:// or ldaps://); empty disables LDAP")
	fs.StringVar(&c.LDAP.BindDN, "ldap-bind-dn", "", "DN of the LDAP lookup (service) account")
	fs.StringVar(&c.LDAP.BindPassword, "ldap-bind-password", "", "password of the LDAP lookup account")
	fs.StringVar(&c.LDAP.UserBase, "ldap-user-base", "", "base DN of user searches")
	fs.StringVar(&c.LDAP.UserFilter, "ldap-user-filter", "", "user search filter, e.g. (uid=%s)")
	fs.StringVar(&c.LDAP.GroupBase, "ldap-group-base", "", "base DN of group searches")
	fs.StringVar(&c.LDAP.GroupFilter, "ldap-group-filter", "", "group search filter, e.g. (member=%d)")
	fs.BoolVar(&c.LDAP.StartTLS, "ldap-starttls", false, "use StartTLS on ldap:// connections")
	fs.BoolVar(&c.Insecure, "insecure-no-auth", false, "DANGER: serve without any authentication (local experiments only)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("s3server: unexpected argument %q; all settings are flags (see -h)", fs.Arg(0))
	}
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return c, fmt.Errorf("s3server: --log-level %q: use debug, info, warn or error", *logLevel)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("s3server: --addr %q is not HOST:PORT: %v", c.Addr, err)
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// app is a configured server: the handler and what must be closed.
type app struct {
	handler http.Handler
	auth    *s3auth.Auth
	closers serverkit.Closers
}

func (a *app) Close() error { return a.closers.Close() }

// build wires the object backend, the identity store, the s3auth facade,
// STS, the admin API and LDAP into one handler. getenv reads the
// S3AUTH_* variables; out receives the root credentials when they are
// generated.
func build(ctx context.Context, c config, getenv func(string) string, out io.Writer, log *slog.Logger) (*app, error) {
	a := &app{}
	fail := func(err error) (*app, error) { a.Close(); return nil, err }
	be, err := fsobj.New(c.Data, func(o *fsobj.Options) { o.Logger = log })
	if err != nil {
		return nil, err
	}
	a.closers.Add(be.Close)
	if c.Insecure {
		log.Warn("s3server: serving WITHOUT authentication (--insecure-no-auth); every request is allowed")
		srv, err := server.New(be, server.AllowAll{Principal: server.Principal{ID: "anonymous"}}, func(o *server.Options) {
			o.Region, o.Domain, o.Logger = c.Region, c.Domain, log
		})
		if err != nil {
			return fail(err)
		}
		a.handler = srv
		return a, nil
	}
	st, err := serverkit.OpenStore("s3server", c.Data, c.Store)
	if err != nil {
		return fail(err)
	}
	a.closers.Add(st.Close)
	seal, err := serverkit.MasterKey("s3server", getenv)
	if err != nil {
		return fail(err)
	}
	la, err := newLDAP(c, log)
	if err != nil {
		return fail(err)
	}
	if la != nil {
		a.closers.Add(la.Close)
	}
	bp := &facade.BucketPolicies{Backend: be}
	opts := s3auth.Options{
		Regions:      []string{c.Region},
		Logger:       log,
		BucketPolicy: bp.Get,
		Directory:    []s3auth.DirectoryOption{s3auth.WithSealKeys(seal...)},
	}
	if c.Domain != "" {
		opts.Domains = []string{c.Domain}
	}
	if c.Store != "" {
		// A remote store: probe it, serve from the cache through short
		// outages, fail closed after 30 s.
		opts.Directory = append(opts.Directory, s3auth.WithHealthCheck(time.Second, 30*time.Second))
	}
	if la != nil {
		opts.LDAP = la
	}
	// The directory comes first (root credentials may be sealed with its
	// keys); the facade is rebuilt on it with the root keys.
	probe, err := s3auth.NewDirectory(ctx, st, s3auth.WithSealKeys(seal...))
	if err != nil {
		return fail(err)
	}
	ak, sk, err := rootCredentials(ctx, st, probe, getenv, out)
	probe.Close()
	if err != nil {
		return fail(err)
	}
	opts.RootAccessKey, opts.RootSecretKey = ak, sk
	auth, err := s3auth.New(ctx, st, s3auth.WithOptions(opts))
	if err != nil {
		return fail(err)
	}
	a.auth = auth
	a.closers.Add(auth.Close)
	srv, err := server.New(be, facade.Auth{A: auth}, func(o *server.Options) {
		o.Region, o.Domain, o.Logger = c.Region, c.Domain, log
		o.STSHandler = auth.STSHandler()
		o.AdminHandler = adminHandler(auth)
		o.PolicyValidator = func(_ string, doc []byte) error {
			_, err := facade.ParseBucketPolicy(doc)
			return err
		}
	})
	if err != nil {
		return fail(err)
	}
	a.handler = srv
	return a, nil
}

func run(c config) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := build(ctx, c, os.Getenv, os.Stdout, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return serverkit.Serve(ctx, "s3server", c.Addr, a.handler, log,
		"data", c.Data, "region", c.Region, "domain", c.Domain, "store", serverkit.StoreName(c.Data, c.Store))
}
