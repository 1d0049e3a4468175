// Package etcdtest starts a real etcd server for integration tests: a
// single member on free loopback ports with a temporary data directory,
// killed when the test ends.
//
// The etcd binary comes from the Debian package etcd-server. Tests find it
// through [testenv.LookPath]: under a plain `go test` they skip with a
// how-to when it is missing; under `make test` (S3AUTH_INTEGRATION=1) they
// fail.
//
// # Not supported
//
// Clusters of several members, TLS and authentication on the test server.
package etcdtest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/s3auth/s3auth/internal/testenv"
)

// startTimeout bounds how long a start waits for the server to be healthy.
const startTimeout = 30 * time.Second

// Server is a running etcd. Its methods are safe for concurrent use.
type Server struct {
	t       testing.TB
	bin     string
	args    []string
	client  string
	mu      sync.Mutex
	cmd     *exec.Cmd
	waitErr chan error
	log     *syncBuffer
}

// Options configures a test server.
type Options struct {
	// OnDisk keeps the data directory on the test's temporary directory,
	// so that every commit pays a real fsync (for write-latency
	// benchmarks). False means /dev/shm when it exists: etcd 3.4 has no
	// switch to skip fsync, and conformance tests issue thousands of
	// commits.
	OnDisk bool
}

// Option changes [Options].
type Option func(*Options)

// OnDisk sets [Options.OnDisk].
func OnDisk() Option { return func(o *Options) { o.OnDisk = true } }

// Start starts etcd and returns its client endpoints.
func Start(t testing.TB, opts ...Option) []string {
	t.Helper()
	return StartServer(t, opts...).Endpoints()
}

// StartServer starts etcd and returns a handle that can stop and restart
// it (for outage tests). Cleanup kills it.
func StartServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	bin := testenv.LookPath(t, "etcd")
	dir := dataDir(t, o.OnDisk)
	cport, pport := freePort(t), freePort(t)
	client := "http://127.0.0.1:" + strconv.Itoa(cport)
	peer := "http://127.0.0.1:" + strconv.Itoa(pport)
	s := &Server{
		t:      t,
		bin:    bin,
		client: client,
		log:    &syncBuffer{},
		args: []string{
			"--name", "s3auth-test",
			"--data-dir", dir,
			"--listen-client-urls", client,
			"--advertise-client-urls", client,
			"--listen-peer-urls", peer,
			"--initial-advertise-peer-urls", peer,
			"--initial-cluster", "s3auth-test=" + peer,
			"--initial-cluster-state", "new",
			"--logger", "zap",
			"--log-level", "warn",
		},
	}
	t.Cleanup(s.Stop)
	if err := s.start(); err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	return s
}

// Endpoints returns the client URLs.
func (s *Server) Endpoints() []string { return []string{s.client} }

// Stop kills the server (SIGKILL) and waits for it to exit. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.waitErr
	s.cmd = nil
}

// Restart starts a stopped server again on the same ports and data, and
// waits until it is healthy. It fails the test if it cannot.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("etcdtest: restart: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a port may still be in use right after a kill
		cmd := exec.Command(s.bin, s.args...)
		cmd.Stdout, cmd.Stderr = s.log, s.log
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", s.bin, err)
		}
		waitErr := make(chan error, 1)
		go func() { waitErr <- cmd.Wait() }()
		s.cmd, s.waitErr = cmd, waitErr
		if lastErr = s.waitHealthy(waitErr); lastErr == nil {
			return nil
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-waitErr
		s.cmd = nil
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("etcd did not become healthy: %v\netcd log:\n%s", lastErr, s.log.String())
}

func (s *Server) waitHealthy(exited <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("etcd exited: %v", err)
		default:
		}
		resp, err := hc.Get(s.client + "/health")
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(b.Bytes(), []byte(`"health":"true"`)) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not healthy after %v", startTimeout)
}

func dataDir(t testing.TB, onDisk bool) string {
	t.Helper()
	if !onDisk {
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			if dir, err := os.MkdirTemp("/dev/shm", "s3auth-etcdtest-"); err == nil {
				t.Cleanup(func() { os.RemoveAll(dir) })
				return dir
			}
		}
	}
	return t.TempDir()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("etcdtest: finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		b.b.Reset()
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
