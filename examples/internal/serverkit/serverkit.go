// Package serverkit holds what the example programs (the reference server
// and the proxy) share: opening the identity store from the --data and
// --store flags, reading S3AUTH_MASTER_KEY, and serving HTTP with a graceful
// shutdown. It is promised to nobody outside examples/.
package serverkit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/boltstore"
	"github.com/s3auth/s3auth/store/etcdstore"
)

// OpenStore opens the identity store: the embedded bbolt file
// <data>/s3auth.db when spec is empty, or etcd for
// spec "etcd://HOST:PORT[,HOST:PORT...]". prog prefixes error messages.
func OpenStore(prog, data, spec string) (store.Store, error) {
	if spec == "" {
		if err := os.MkdirAll(data, 0o750); err != nil {
			return nil, fmt.Errorf("%s: creating the data folder %s: %w", prog, data, err)
		}
		return boltstore.Open(filepath.Join(data, "s3auth.db"))
	}
	rest, ok := strings.CutPrefix(spec, "etcd://")
	if !ok || rest == "" {
		return nil, fmt.Errorf("%s: --store %q: use etcd://HOST:PORT[,HOST:PORT...] or leave it empty for the embedded store", prog, spec)
	}
	var eps []string
	for hp := range strings.SplitSeq(rest, ",") {
		if hp = strings.TrimSpace(hp); hp != "" {
			eps = append(eps, "http://"+hp)
		}
	}
	return etcdstore.Dial(etcdstore.Config{Endpoints: eps})
}

// StoreName describes the store for logs.
func StoreName(data, spec string) string {
	if spec == "" {
		return "embedded (" + filepath.Join(data, "s3auth.db") + ")"
	}
	return spec
}

// MasterKey reads S3AUTH_MASTER_KEY: 32 bytes in base64 or hex, or any
// other string of at least 16 characters (a passphrase), hashed with
// SHA-256. The key id is derived from the key, so a changed master key is
// reported by name when a sealed record does not open. Unset means no
// sealing.
func MasterKey(prog string, getenv func(string) string) ([]s3auth.SealKey, error) {
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
			return nil, fmt.Errorf("%s: S3AUTH_MASTER_KEY is too short; use 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least 16 characters", prog)
		}
		sum := sha256.Sum256([]byte(v))
		key = sum[:]
	}
	id := sha256.Sum256(key)
	return []s3auth.SealKey{{ID: "master-" + hex.EncodeToString(id[:4]), Key: key}}, nil
}

// Serve listens on addr and serves h until ctx is done, then shuts down
// gracefully (30 s). attrs are logged with the "listening" line.
func Serve(ctx context.Context, prog, addr string, h http.Handler, log *slog.Logger, attrs ...any) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: cannot listen on %s (is another one running? choose another with --addr): %w", prog, addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info(prog+": listening", append([]any{"addr", ln.Addr().String()}, attrs...)...)
	select {
	case err := <-errc:
		return fmt.Errorf("%s: %w", prog, err)
	case <-ctx.Done():
	}
	log.Info(prog + ": shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s: shutdown: %w", prog, err)
	}
	return nil
}

// Closers closes what a program opened, in reverse order.
type Closers []func() error

// Add appends a closer.
func (c *Closers) Add(f func() error) { *c = append(*c, f) }

// Close runs every closer, last first, and joins their errors.
func (c Closers) Close() error {
	var errs []error
	for i := len(c) - 1; i >= 0; i-- {
		errs = append(errs, c[i]())
	}
	return errors.Join(errs...)
}
