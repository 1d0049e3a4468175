package clienttest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Minio returns a minio-go client for target: path style, no retries,
// trailing checksums enabled. Over plain HTTP uploads of known size use
// aws-chunked signed streaming; over HTTPS unsigned payloads with
// trailers.
func Minio(t testing.TB, target Target) *minio.Client {
	t.Helper()
	c, err := minio.New(target.hostPort(), &minio.Options{
		Creds:        credentials.NewStaticV4(target.AccessKey, target.SecretKey, target.SessionToken),
		Secure:       strings.HasPrefix(target.Endpoint, "https://"),
		Region:       target.region(),
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
		// Checksums travel in trailers (signed chunks over HTTP,
		// unsigned with TLS).
		TrailingHeaders: true,
		Transport:       target.transport(),
	})
	if err != nil {
		t.Fatalf("clienttest: minio.New: %v", err)
	}
	return c
}

// MinioCode is the S3 error code of a minio-go error.
func MinioCode(err error) string {
	if err == nil {
		return ""
	}
	if c := minio.ToErrorResponse(err).Code; c != "" {
		return c
	}
	return err.Error()
}

func runMinio(t *testing.T, s *suite) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	c := Minio(t, s.target)
	b := s.bucket
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("minio %s: %v", what, err)
		}
	}
	must("MakeBucket", c.MakeBucket(ctx, b, minio.MakeBucketOptions{Region: s.target.region()}))
	ok, err := c.BucketExists(ctx, b)
	must("BucketExists", err)
	if !ok {
		t.Fatalf("BucketExists(%s) = false after MakeBucket", b)
	}
	put := func(key string, data []byte, size int64, o minio.PutObjectOptions) {
		t.Helper()
		info, err := c.PutObject(ctx, b, key, bytes.NewReader(data), size, o)
		must("PutObject "+key, err)
		if info.Size != int64(len(data)) {
			t.Errorf("PutObject %s: size %d, want %d", key, info.Size, len(data))
		}
	}
	// Known size, single request: STREAMING-AWS4-HMAC-SHA256-PAYLOAD.
	put("small.txt", s.small, int64(len(s.small)), minio.PutObjectOptions{DisableMultipart: true})
	put("single-large.bin", s.large, int64(len(s.large)), minio.PutObjectOptions{DisableMultipart: true})
	// Unknown size (-1): multipart, every part streamed and signed.
	put("dir/large.bin", s.large, -1, minio.PutObjectOptions{PartSize: 5 << 20})
	// Known size, multipart with CRC32C checksums (signed chunks with a
	// trailer).
	put("crc-large.bin", s.large, int64(len(s.large)), minio.PutObjectOptions{PartSize: 5 << 20, Checksum: minio.ChecksumCRC32C})
	// Single request with a trailing checksum.
	put("crc-small.txt", s.small, int64(len(s.small)), minio.PutObjectOptions{DisableMultipart: true, Checksum: minio.ChecksumCRC32C})

	get := func(key string, o minio.GetObjectOptions) []byte {
		t.Helper()
		obj, err := c.GetObject(ctx, b, key, o)
		must("GetObject "+key, err)
		defer obj.Close()
		data, err := io.ReadAll(obj)
		must("reading "+key, err)
		return data
	}
	for _, k := range []string{"single-large.bin", "dir/large.bin", "crc-large.bin"} {
		SameBytes(t, "minio GetObject "+k, get(k, minio.GetObjectOptions{}), s.large)
	}
	SameBytes(t, "minio GetObject small", get("small.txt", minio.GetObjectOptions{}), s.small)
	SameBytes(t, "minio GetObject crc-small", get("crc-small.txt", minio.GetObjectOptions{}), s.small)
	var ro minio.GetObjectOptions
	must("SetRange", ro.SetRange(7<<20, 7<<20+12345))
	SameBytes(t, "minio GetObject SetRange", get("dir/large.bin", ro), s.large[7<<20:7<<20+12346])

	var keys []string
	for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
		must("ListObjects", o.Err)
		keys = append(keys, o.Key)
	}
	want := []string{"crc-large.bin", "crc-small.txt", "dir/large.bin", "single-large.bin", "small.txt"}
	if !slices.Equal(keys, want) {
		t.Errorf("ListObjects = %v, want %v", keys, want)
	}
	var v1 []string
	for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{UseV1: true, Prefix: "dir/"}) {
		must("ListObjects v1", o.Err)
		v1 = append(v1, o.Key)
	}
	if !slices.Equal(v1, []string{"dir/large.bin"}) {
		t.Errorf("ListObjects v1 dir/ = %v", v1)
	}

	u, err := c.PresignedGetObject(ctx, b, "small.txt", 5*time.Minute, nil)
	must("PresignedGetObject", err)
	if st, body := fetch(t, s.target.client(), u.String(), ""); st != 200 {
		t.Errorf("GET presigned %s: %d %s", u, st, body)
	} else {
		SameBytes(t, "minio presigned GET", body, s.small)
	}

	s.stored(t, "small.txt", s.small)
	s.stored(t, "single-large.bin", s.large)
	s.stored(t, "dir/large.bin", s.large)

	must("RemoveObject", c.RemoveObject(ctx, b, "small.txt", minio.RemoveObjectOptions{}))
	objs := make(chan minio.ObjectInfo, len(want))
	for _, k := range want[:4] {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for e := range c.RemoveObjects(ctx, b, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects %s: %v", e.ObjectName, e.Err)
	}
	must("RemoveBucket", c.RemoveBucket(ctx, b))
}
