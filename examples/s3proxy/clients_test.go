package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3auth/s3auth/internal/clienttest"
)

// TestClientsThroughProxy runs the shared real-client suite (AWS CLI,
// boto3, s3cmd, rclone, aws-sdk-go-v2, minio-go) against the proxy in
// front of the reference server, as a proxy user with the readwrite
// policy, and checks that each uploaded object arrived upstream byte for
// byte. External clients missing from the machine are skipped under a plain
// go test (make test installs them and fails when one is missing).
func TestClientsThroughProxy(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "clients", "clients-secret-1", "readwrite")
	clienttest.Run(t, clienttest.Target{Endpoint: e.proxy.URL, AccessKey: "clients", SecretKey: "clients-secret-1"},
		func(o *clienttest.Options) {
			o.LargeSize = 8 << 20
			o.Stored = func(t *testing.T, client, bucket, key string, data []byte) {
				got, err := os.ReadFile(filepath.Join(e.up.Data, "buckets", bucket, filepath.FromSlash(key)))
				if err != nil {
					t.Errorf("%s: %s/%s is not stored upstream: %v", client, bucket, key, err)
				} else if !bytes.Equal(got, data) {
					t.Errorf("%s: upstream %s/%s has %d bytes that differ from the %d sent", client, bucket, key, len(got), len(data))
				}
			}
		})
}
