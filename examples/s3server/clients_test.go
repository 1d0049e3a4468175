package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/s3auth/s3auth/internal/clienttest"
)

const (
	rootAK = "rootkey"
	rootSK = "rootsecret-clients-123"
)

// startClientServer starts the reference server on a loopback port with a
// fresh data folder and root credentials from the getenv func.
func startClientServer(t *testing.T) (*app, string, clienttest.Target) {
	t.Helper()
	dir := t.TempDir()
	a, ts := startApp(t, dir, map[string]string{"S3AUTH_ROOT_ACCESS_KEY": rootAK, "S3AUTH_ROOT_SECRET_KEY": rootSK}, io.Discard)
	return a, dir, clienttest.Target{Endpoint: ts.URL, Region: "us-east-1", AccessKey: rootAK, SecretKey: rootSK}
}

// payloadModes records how uploads arrived (x-amz-content-sha256, per
// single or multipart request), so a test can check that the clients
// exercised every payload path.
type payloadModes struct {
	mu   sync.Mutex
	seen map[string]int
}

func (m *payloadModes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path != "/" && strings.Count(strings.Trim(r.URL.Path, "/"), "/") > 0 {
			mode := r.Header.Get("X-Amz-Content-Sha256")
			switch {
			case r.URL.Query().Has("X-Amz-Signature"):
				mode = "presigned"
			case len(mode) == 64:
				mode = "signed-hash"
			}
			if r.URL.Query().Has("partNumber") {
				mode += " (part)"
			}
			m.mu.Lock()
			if m.seen == nil {
				m.seen = map[string]int{}
			}
			m.seen[mode]++
			m.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (m *payloadModes) check(t *testing.T, want ...string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Logf("upload payload modes seen: %v", m.seen)
	for _, w := range want {
		if m.seen[w] == 0 {
			t.Errorf("no upload arrived as %q; seen: %v", w, m.seen)
		}
	}
}

// TestClients runs every real client (AWS CLI, boto3, s3cmd, rclone,
// aws-sdk-go-v2, minio-go) through the whole suite against the reference
// server, and checks each stored object byte for byte on disk. External
// programs skip when missing; `make test` installs them and runs all.
func TestClients(t *testing.T) {
	a, dir, target := startClientServer(t)
	var modes payloadModes
	ts := httptest.NewServer(modes.wrap(a.handler))
	t.Cleanup(ts.Close)
	target.Endpoint = ts.URL
	t.Cleanup(func() {
		if !t.Failed() {
			modes.check(t, "signed-hash", "signed-hash (part)", "UNSIGNED-PAYLOAD", "presigned",
				"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD (part)",
				"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
		}
	})
	clienttest.Run(t, target, clienttest.WithOptions(clienttest.Options{
		LargeSize: 12 << 20,
		Stored: func(t *testing.T, client, bucket, key string, data []byte) {
			checkStored(t, dir, client, bucket, key, data)
		},
	}))
}

// TestClientsTLS runs the Go clients over TLS, where they choose other
// upload paths: aws-sdk-go-v2 streams an unsigned payload with a trailing
// checksum, minio-go sends UNSIGNED-PAYLOAD-TRAILER.
func TestClientsTLS(t *testing.T) {
	a, dir, target := startClientServer(t)
	var modes payloadModes
	ts := httptest.NewTLSServer(modes.wrap(a.handler))
	t.Cleanup(func() {
		if !t.Failed() {
			modes.check(t, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-UNSIGNED-PAYLOAD-TRAILER (part)")
		}
	})
	t.Cleanup(ts.Close)
	target.Endpoint, target.HTTPClient = ts.URL, ts.Client()
	clienttest.Run(t, target, clienttest.WithOptions(clienttest.Options{
		Clients: []string{"sdk", "minio"}, BucketPrefix: "tls",
		Stored: func(t *testing.T, client, bucket, key string, data []byte) {
			checkStored(t, dir, client, bucket, key, data)
		},
	}))
}

func checkStored(t *testing.T, dir, client, bucket, key string, data []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, "buckets", bucket, filepath.FromSlash(key)))
	if err != nil {
		t.Errorf("%s: object %s/%s not on disk: %v", client, bucket, key, err)
	} else if !bytes.Equal(got, data) {
		t.Errorf("%s: file of %s/%s differs from what was uploaded (%d bytes, want %d)", client, bucket, key, len(got), len(data))
	}
}
