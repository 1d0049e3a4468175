// Command s3proxy is an authenticating S3 reverse proxy: it verifies every
// request with s3auth (signatures, its own users, service accounts, STS
// sessions and policies), serves STS itself, and forwards allowed requests
// to an upstream S3 endpoint, re-signed with the upstream's credentials.
// Bodies stream through; a body that fails verification never completes an
// upstream upload. See internal/proxy for the request path.
//
// Usage:
//
//	S3AUTH_ROOT_ACCESS_KEY=... S3AUTH_ROOT_SECRET_KEY=... \
//	S3PROXY_UPSTREAM_ACCESS_KEY=... S3PROXY_UPSTREAM_SECRET_KEY=... \
//	go run ./examples/s3proxy --upstream http://127.0.0.1:9000 \
//	    [--addr 127.0.0.1:9100] [--data ./s3proxy-data] [--store etcd://HOST:PORT,...]
//	    [--region us-east-1] [--domain localhost] [--upstream-region us-east-1]
//	    [--upstream-access-key K --upstream-secret-key S]
//
// The proxy keeps its identities in its own store (an embedded bbolt file
// in --data, or etcd), separate from the upstream's. Its root credentials
// come from S3AUTH_ROOT_ACCESS_KEY and S3AUTH_ROOT_SECRET_KEY; secrets at
// rest and the STS key ring are sealed when S3AUTH_MASTER_KEY is set. The
// admin API (/s3auth/admin/v1/) is served when the facade provides one and
// is never forwarded upstream.
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
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/internal/serverkit"
	"github.com/s3auth/s3auth/examples/s3proxy/internal/proxy"
	"github.com/s3auth/s3auth/sigv4"
)

// config is everything the command line sets.
type config struct {
	Addr           string
	Data           string
	Store          string
	Region         string
	Domain         string
	Upstream       string
	UpstreamRegion string
	UpstreamAK     string
	UpstreamSK     string
	LogLevel       slog.Level

	// transport replaces the upstream transport (tests).
	transport http.RoundTripper
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("s3proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:9100", "listen address")
	fs.StringVar(&c.Data, "data", "./s3proxy-data", "folder of the embedded identity store")
	fs.StringVar(&c.Store, "store", "", "identity store: empty = embedded file in --data, or etcd://HOST:PORT[,HOST:PORT...]")
	fs.StringVar(&c.Region, "region", "us-east-1", "region clients sign for")
	fs.StringVar(&c.Domain, "domain", "", "base domain for virtual-hosted-style requests (e.g. localhost); empty = path-style only")
	fs.StringVar(&c.Upstream, "upstream", "", "upstream S3 endpoint, e.g. http://127.0.0.1:9000 (required)")
	fs.StringVar(&c.UpstreamRegion, "upstream-region", "us-east-1", "region to sign upstream requests for")
	fs.StringVar(&c.UpstreamAK, "upstream-access-key", "", "upstream access key (default $S3PROXY_UPSTREAM_ACCESS_KEY)")
	fs.StringVar(&c.UpstreamSK, "upstream-secret-key", "", "upstream secret key (default $S3PROXY_UPSTREAM_SECRET_KEY)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("s3proxy: unexpected argument %q; all settings are flags (see -h)", fs.Arg(0))
	}
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return c, fmt.Errorf("s3proxy: --log-level %q: use debug, info, warn or error", *logLevel)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("s3proxy: --addr %q is not HOST:PORT: %v", c.Addr, err)
	}
	if c.Upstream == "" {
		return c, errors.New("s3proxy: --upstream is required, e.g. --upstream http://127.0.0.1:9000")
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

// app is a configured proxy: the handler and what must be closed.
type app struct {
	handler http.Handler
	auth    *s3auth.Auth
	closers serverkit.Closers
}

func (a *app) Close() error { return a.closers.Close() }

// build opens the identity store, the s3auth facade and the proxy. getenv
// reads S3AUTH_* and S3PROXY_* variables.
func build(ctx context.Context, c config, getenv func(string) string, log *slog.Logger) (*app, error) {
	a := &app{}
	fail := func(err error) (*app, error) { a.Close(); return nil, err }
	up, err := url.Parse(c.Upstream)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return nil, fmt.Errorf("s3proxy: --upstream %q is not an http:// or https:// URL with a host", c.Upstream)
	}
	uak, usk := c.UpstreamAK, c.UpstreamSK
	if uak == "" {
		uak = getenv("S3PROXY_UPSTREAM_ACCESS_KEY")
	}
	if usk == "" {
		usk = getenv("S3PROXY_UPSTREAM_SECRET_KEY")
	}
	if uak == "" || usk == "" {
		return nil, errors.New("s3proxy: the upstream credentials are missing; set --upstream-access-key and --upstream-secret-key or S3PROXY_UPSTREAM_ACCESS_KEY and S3PROXY_UPSTREAM_SECRET_KEY")
	}
	rak, rsk := getenv("S3AUTH_ROOT_ACCESS_KEY"), getenv("S3AUTH_ROOT_SECRET_KEY")
	if rak == "" || rsk == "" {
		return nil, errors.New("s3proxy: set S3AUTH_ROOT_ACCESS_KEY and S3AUTH_ROOT_SECRET_KEY: the proxy's root credentials (they manage its users and policies)")
	}
	if err := s3auth.ValidateAccessKey(rak); err != nil {
		return nil, fmt.Errorf("s3proxy: S3AUTH_ROOT_ACCESS_KEY: %w", err)
	}
	if err := s3auth.ValidateSecretKey(rsk); err != nil {
		return nil, fmt.Errorf("s3proxy: S3AUTH_ROOT_SECRET_KEY: %w", err)
	}
	seal, err := serverkit.MasterKey("s3proxy", getenv)
	if err != nil {
		return nil, err
	}
	st, err := serverkit.OpenStore("s3proxy", c.Data, c.Store)
	if err != nil {
		return nil, err
	}
	a.closers.Add(st.Close)
	opts := s3auth.Options{
		Regions:       []string{c.Region},
		Logger:        log,
		RootAccessKey: rak,
		RootSecretKey: rsk,
		Directory:     []s3auth.DirectoryOption{s3auth.WithSealKeys(seal...)},
	}
	if c.Domain != "" {
		opts.Domains = []string{c.Domain}
	}
	auth, err := s3auth.New(ctx, st, s3auth.WithOptions(opts))
	if err != nil {
		return fail(err)
	}
	a.auth = auth
	a.closers.Add(auth.Close)
	px, err := proxy.New(auth, func(o *proxy.Options) {
		o.Upstream = up
		o.Region = c.UpstreamRegion
		o.Credentials = credentials.NewStaticCredentialsProvider(uak, usk, "")
		o.Domain = c.Domain
		o.Logger = log
		o.Transport = c.transport
	})
	if err != nil {
		return fail(err)
	}
	a.handler = withAdmin(auth, px)
	return a, nil
}

// adminPrefix is the admin API's path; it is never forwarded upstream.
const adminPrefix = "/s3auth/admin/"

// withAdmin serves the facade's admin API (when it has one) in front of the
// proxy, and refuses the admin path otherwise.
func withAdmin(a *s3auth.Auth, next http.Handler) http.Handler {
	var admin http.Handler
	if h, ok := any(a).(interface{ AdminHandler() http.Handler }); ok {
		admin = h.AdminHandler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, adminPrefix) {
			if admin != nil {
				admin.ServeHTTP(w, r)
				return
			}
			sigv4.WriteError(w, &sigv4.Error{Code: sigv4.ErrCodeNotImplemented, Message: "This proxy has no admin API.", StatusCode: http.StatusNotImplemented}, r.URL.Path, s3auth.NewRequestID())
			return
		}
		next.ServeHTTP(w, r)
	})
}

func run(c config) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := build(ctx, c, os.Getenv, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return serverkit.Serve(ctx, "s3proxy", c.Addr, a.handler, log,
		"upstream", c.Upstream, "region", c.Region, "store", serverkit.StoreName(c.Data, c.Store))
}
