package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/clienttest"
	"github.com/s3auth/s3auth/internal/testenv"
	"github.com/s3auth/s3auth/posix"
)

const (
	posixUID = 4242
	posixGID = 4343
)

// ownedBy checks that the object file exists, holds data and is owned by
// uid:gid.
func ownedBy(t *testing.T, dir, who, bucket, key string, data []byte, uid, gid uint32) {
	t.Helper()
	checkStored(t, dir, who, bucket, key, data)
	p := filepath.Join(dir, "buckets", bucket, filepath.FromSlash(key))
	fi, err := os.Stat(p)
	if err != nil {
		t.Errorf("%s: %v", who, err)
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no syscall.Stat_t for %s", p)
	}
	if st.Uid != uid || st.Gid != gid {
		t.Errorf("%s: %s/%s is owned by %d:%d, want %d:%d", who, bucket, key, st.Uid, st.Gid, uid, gid)
	}
}

// TestPosixOwnershipThroughClients checks that objects uploaded by a user
// with POSIX ids, by its service account and by its STS sessions are
// files owned by that uid:gid, whatever client and upload path (single,
// aws-chunked, multipart) created them. It needs root to chown.
func TestPosixOwnershipThroughClients(t *testing.T) {
	if os.Geteuid() != 0 {
		if testenv.Integration() {
			t.Fatal("POSIX ownership test needs root to chown object files, and S3AUTH_INTEGRATION=1 forbids skipping: run `sudo make test`")
		}
		t.Skip("integration test skipped: POSIX ownership needs root to chown object files; run `sudo make test`")
	}
	a, dir, root := startClientServer(t)
	ctx := context.Background()
	d := a.auth.Directory()
	if _, err := d.AddUser(ctx, "puser", "puser-secret-key-1", s3auth.UserPosix(posix.Owner{UID: posixUID, GID: posixGID, Set: true})); err != nil {
		t.Fatal(err)
	}
	if err := d.AttachPolicy(ctx, "readwrite", s3auth.Target{User: "puser"}); err != nil {
		t.Fatal(err)
	}
	svc, err := d.AddServiceAccount(ctx, "puser", s3auth.ServiceAccountOptions{Name: "posix-svc"})
	if err != nil {
		t.Fatal(err)
	}
	user := root.With("puser", "puser-secret-key-1", "")
	sess, code := sessionCreds(t, "awscli", user, "")
	if code != "" {
		t.Fatalf("aws sts assume-role as puser: %s", code)
	}
	owned := func(who string) func(t *testing.T, client, bucket, key string, data []byte) {
		return func(t *testing.T, client, bucket, key string, data []byte) {
			ownedBy(t, dir, who+" via "+client, bucket, key, data, posixUID, posixGID)
		}
	}
	t.Run("user", func(t *testing.T) {
		t.Parallel()
		// The AWS CLI took part as the STS client that minted the
		// session; its full suite runs in TestClients (each CLI start
		// costs about a second of CPU).
		clienttest.Run(t, user, clienttest.WithOptions(clienttest.Options{
			Clients: []string{"boto3", "s3cmd", "rclone", "sdk", "minio"}, BucketPrefix: "user", Stored: owned("user"), LargeSize: 8 << 20}))
	})
	t.Run("service-account", func(t *testing.T) {
		t.Parallel()
		clienttest.Run(t, root.With(svc.AccessKey, svc.SecretKey, ""), clienttest.WithOptions(clienttest.Options{
			Clients: []string{"boto3", "minio"}, BucketPrefix: "svc", Stored: owned("service account"), LargeSize: 8 << 20}))
	})
	t.Run("session", func(t *testing.T) {
		t.Parallel()
		clienttest.Run(t, sess, clienttest.WithOptions(clienttest.Options{
			Clients: []string{"boto3", "sdk", "rclone"}, BucketPrefix: "sess", Stored: owned("session"), LargeSize: 8 << 20}))
	})
}
