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
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3proxy/internal/proxy"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/boltstore"
	"github.com/s3auth/s3auth/store/etcdstore"
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
	closers []func() error
}

func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

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
	seal, err := masterKey(getenv)
	if err != nil {
		return nil, err
	}
	st, err := openStore(c)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, st.Close)
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
	a.closers = append(a.closers, auth.Close)
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

// openStore opens the identity store: the embedded bbolt file inside the
// data folder, or etcd for --store etcd://HOST:PORT[,HOST:PORT...].
func openStore(c config) (store.Store, error) {
	if c.Store == "" {
		if err := os.MkdirAll(c.Data, 0o750); err != nil {
			return nil, fmt.Errorf("s3proxy: creating the data folder %s: %w", c.Data, err)
		}
		return boltstore.Open(filepath.Join(c.Data, "s3auth.db"))
	}
	rest, ok := strings.CutPrefix(c.Store, "etcd://")
	if !ok || rest == "" {
		return nil, fmt.Errorf("s3proxy: --store %q: use etcd://HOST:PORT[,HOST:PORT...] or leave it empty for the embedded store", c.Store)
	}
	var eps []string
	for hp := range strings.SplitSeq(rest, ",") {
		if hp = strings.TrimSpace(hp); hp != "" {
			eps = append(eps, "http://"+hp)
		}
	}
	return etcdstore.Dial(etcdstore.Config{Endpoints: eps})
}

// masterKey reads S3AUTH_MASTER_KEY as the reference server does: 32
// bytes in base64 or hex, or a passphrase of at least 16 characters.
func masterKey(getenv func(string) string) ([]s3auth.SealKey, error) {
	v := getenv("S3AUTH_MASTER_KEY")
	if v == "" {
		return nil, nil
	}
	var key []byte
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == 32 {
		key = b
	} else if b, err := hex.DecodeString(v); err == nil && len(b) == 32 {
		key = b
	} else {
		if len(v) < 16 {
			return nil, errors.New("s3proxy: S3AUTH_MASTER_KEY is too short; use 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least 16 characters")
		}
		sum := sha256.Sum256([]byte(v))
		key = sum[:]
	}
	id := sha256.Sum256(key)
	return []s3auth.SealKey{{ID: "master-" + hex.EncodeToString(id[:4]), Key: key}}, nil
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
	hs := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("s3proxy: cannot listen on %s (is another proxy running? choose another with --addr): %w", c.Addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("s3proxy: listening", "addr", ln.Addr().String(), "upstream", c.Upstream, "region", c.Region, "store", storeName(c))
	select {
	case err := <-errc:
		return fmt.Errorf("s3proxy: %w", err)
	case <-ctx.Done():
	}
	log.Info("s3proxy: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("s3proxy: shutdown: %w", err)
	}
	return nil
}

func storeName(c config) string {
	if c.Store == "" {
		return "embedded (" + filepath.Join(c.Data, "s3auth.db") + ")"
	}
	return c.Store
}
