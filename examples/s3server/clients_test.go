package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	a, ts := startApp(t, dir, map[string]string{"S3AUTH_ROOT_ACCESS_KEY": rootAK, "S3AUTH_ROOT_SECRET_KEY": rootSK}, nil)
	return a, dir, clienttest.Target{Endpoint: ts.URL, Region: "us-east-1", AccessKey: rootAK, SecretKey: rootSK}
}

// TestClients runs every real client (AWS CLI, boto3, s3cmd, rclone,
// aws-sdk-go-v2, minio-go) through the whole suite against the reference
// server, and checks each stored object byte for byte on disk. External
// programs skip when missing; `make test` installs them and runs all.
func TestClients(t *testing.T) {
	_, dir, target := startClientServer(t)
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
	ts := httptest.NewTLSServer(a.handler)
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
