package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// modeRecorder is a slog handler that keeps the payload modes of the
// requests the proxy forwarded.
type modeRecorder struct {
	mu    sync.Mutex
	modes map[string]int
}

func (m *modeRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (m *modeRecorder) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m *modeRecorder) WithGroup(string) slog.Handler            { return m }
func (m *modeRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "proxy: forwarded" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "payload" {
			m.mu.Lock()
			m.modes[a.Value.String()]++
			m.mu.Unlock()
		}
		return true
	})
	return nil
}

func (m *modeRecorder) seen() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.modes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func minioClient(t *testing.T, endpoint, ak, sk string, trailing bool) *minio.Client {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(ak, sk, ""), Secure: false,
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath, TrailingHeaders: trailing})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMinioThroughProxy(t *testing.T) {
	rec := &modeRecorder{modes: map[string]int{}}
	e := newEnvLog(t, slog.New(rec))
	e.addUser(t, "alice", "alice-secret-1", "readwrite")
	ctx := context.Background()
	mc := minioClient(t, e.proxy.URL, "alice", "alice-secret-1", false)
	mct := minioClient(t, e.proxy.URL, "alice", "alice-secret-1", true)
	direct := s3Client(e.up.URL, upstreamAK, upstreamSK, "")
	if err := mc.MakeBucket(ctx, "mbkt", minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	small := []byte("minio through the proxy")
	big := payload(7<<20+5, 3)
	cases := []struct {
		name string
		key  string
		body []byte
		size int64
		opts minio.PutObjectOptions
		// trailing uses the client with TrailingHeaders (signed trailers).
		trailing bool
	}{
		{"small known size", "small", small, int64(len(small)), minio.PutObjectOptions{}, false},
		{"big known size", "big", big, int64(len(big)), minio.PutObjectOptions{}, false},
		{"unknown size streams multipart", "nolen", big, -1, minio.PutObjectOptions{PartSize: 5 << 20}, false},
		{"small unknown size", "nolen-small", small, -1, minio.PutObjectOptions{PartSize: 5 << 20}, false},
		{"multipart with CRC32C trailers", "trailer", big, int64(len(big)), minio.PutObjectOptions{PartSize: 5 << 20, Checksum: minio.ChecksumCRC32C}, true},
		{"unknown size with CRC32C trailers", "trailer-nolen", small, -1, minio.PutObjectOptions{PartSize: 5 << 20, Checksum: minio.ChecksumCRC32C}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := mc
			if c.trailing {
				cl = mct
			}
			info, err := cl.PutObject(ctx, "mbkt", c.key, bytes.NewReader(c.body), c.size, c.opts)
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if info.Size != int64(len(c.body)) {
				t.Fatalf("PutObject size %d, want %d", info.Size, len(c.body))
			}
			if got := getAll(t, direct, "mbkt", c.key, ""); !bytes.Equal(got, c.body) {
				t.Fatalf("upstream has %d bytes, want %d", len(got), len(c.body))
			}
			o, err := mc.GetObject(ctx, "mbkt", c.key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 7)
			if _, err := o.ReadAt(buf, 3); err != nil || !bytes.Equal(buf, c.body[3:10]) {
				t.Fatalf("ranged read: %v %q", err, buf)
			}
			o.Close()
		})
	}
	var keys []string
	for o := range mc.ListObjects(ctx, "mbkt", minio.ListObjectsOptions{}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"big", "nolen", "nolen-small", "small", "trailer", "trailer-nolen"}) {
		t.Fatalf("ListObjects: %v", keys)
	}
	u, err := mc.PresignedGetObject(ctx, "mbkt", "small", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, small) {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}
	objs := make(chan minio.ObjectInfo, len(keys))
	for _, k := range keys {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for rerr := range mc.RemoveObjects(ctx, "mbkt", objs, minio.RemoveObjectsOptions{}) {
		t.Fatalf("RemoveObjects: %v", rerr.Err)
	}
	if err := mc.RemoveBucket(ctx, "mbkt"); err != nil {
		t.Fatalf("RemoveBucket: %v", err)
	}
	// minio-go streams uploads with signed aws-chunked payloads over plain
	// HTTP; make sure that is what went through the proxy.
	modes := rec.seen()
	for _, want := range []string{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"} {
		if !slices.Contains(modes, want) {
			t.Errorf("no %s upload went through the proxy; modes seen: %v", want, modes)
		}
	}
	{
		t.Logf("payload modes forwarded: %v", modes)
	}
}
