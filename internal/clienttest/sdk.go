package clienttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// SDK returns an aws-sdk-go-v2 S3 client for target: path style, no
// retries, default checksum behaviour (CRC32 on every upload).
func SDK(target Target) *s3.Client {
	return s3.New(s3.Options{
		Region:       target.region(),
		BaseEndpoint: aws.String(target.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(target.AccessKey, target.SecretKey, target.SessionToken),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   target.client(),
	})
}

// APICode is the error code of an SDK error ("" for nil, the error text
// when it carries no code).
func APICode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

// onlyReader hides every method but Read (no Seek, no Len), so the SDK
// cannot compute a payload hash up front and must stream.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func runSDK(t *testing.T, s *suite) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	c := SDK(s.target)
	b := aws.String(s.bucket)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("sdk %s: %v", what, err)
		}
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	must("CreateBucket", err)
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	must("HeadBucket", err)
	// Default path: seekable body, CRC32 checksum.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("small.txt"), Body: bytes.NewReader(s.small)})
	must("PutObject small", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("put-large.bin"), Body: bytes.NewReader(s.large)})
	must("PutObject large", err)
	// A stream of known length: over TLS the SDK sends an unsigned
	// payload with the checksum in a trailer (aws-chunked); over plain
	// HTTP it refuses, so the stream is buffered there.
	var body io.Reader = onlyReader{bytes.NewReader(s.large)}
	if !strings.HasPrefix(s.target.Endpoint, "https://") {
		body = bytes.NewReader(s.large)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("stream-large.bin"),
		Body: body, ContentLength: aws.Int64(int64(len(s.large))),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c})
	must("PutObject stream with trailing checksum", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("sha256.txt"), Body: bytes.NewReader(s.small),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	must("PutObject SHA-256 checksum", err)

	// Manual multipart upload, 5 MiB parts.
	key := aws.String("dir/large.bin")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: key})
	must("CreateMultipartUpload", err)
	var parts []types.CompletedPart
	for i, off := int32(1), 0; off < len(s.large); i, off = i+1, off+5<<20 {
		end := min(off+5<<20, len(s.large))
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(i),
			Body: bytes.NewReader(s.large[off:end])})
		must("UploadPart", err)
		parts = append(parts, types.CompletedPart{ETag: p.ETag, PartNumber: aws.Int32(i), ChecksumCRC32: p.ChecksumCRC32})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: key, UploadId: up.UploadId})
	must("ListParts", err)
	if len(lp.Parts) != len(parts) {
		t.Errorf("ListParts: %d parts, want %d", len(lp.Parts), len(parts))
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	must("CompleteMultipartUpload", err)
	// An aborted upload leaves nothing.
	ab, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("aborted.bin")})
	must("CreateMultipartUpload", err)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("aborted.bin"), UploadId: ab.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(s.small)})
	must("UploadPart", err)
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("aborted.bin"), UploadId: ab.UploadId})
	must("AbortMultipartUpload", err)

	get := func(key, rng string) []byte {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: b, Key: aws.String(key)}
		if rng != "" {
			in.Range = aws.String(rng)
		}
		o, err := c.GetObject(ctx, in)
		must("GetObject "+key, err)
		defer o.Body.Close()
		data, err := io.ReadAll(o.Body)
		must("reading GetObject "+key, err)
		return data
	}
	for _, k := range []string{"put-large.bin", "stream-large.bin", "dir/large.bin"} {
		SameBytes(t, "sdk GetObject "+k, get(k, ""), s.large)
	}
	SameBytes(t, "sdk GetObject small", get("small.txt", ""), s.small)
	SameBytes(t, "sdk GetObject sha256", get("sha256.txt", ""), s.small)
	SameBytes(t, "sdk GetObject Range", get("dir/large.bin", "bytes=5242000-5243000"), s.large[5242000:5243001])
	SameBytes(t, "sdk GetObject suffix Range", get("dir/large.bin", "bytes=-100"), s.large[len(s.large)-100:])

	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	must("ListObjectsV2", err)
	var keys []string
	for _, o := range l.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	want := []string{"dir/large.bin", "put-large.bin", "sha256.txt", "small.txt", "stream-large.bin"}
	if !slices.Equal(keys, want) {
		t.Errorf("ListObjectsV2 = %v, want %v", keys, want)
	}

	ps, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("small.txt")},
		s3.WithPresignExpires(5*time.Minute))
	must("PresignGetObject", err)
	if st, body := fetch(t, s.target.client(), ps.URL, ""); st != 200 {
		t.Errorf("GET presigned %s: %d %s", ps.URL, st, body)
	} else {
		SameBytes(t, "sdk presigned GET", body, s.small)
	}
	// A presigned PUT works too.
	pp, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("presigned-put.txt")})
	must("PresignPutObject", err)
	req, _ := newPut(ctx, pp.URL, s.small)
	if resp, err := httpDo(s.target.client(), req); err != nil || resp != 200 {
		t.Errorf("PUT to presigned URL: %d %v", resp, err)
	} else {
		SameBytes(t, "presigned PUT", get("presigned-put.txt", ""), s.small)
	}

	s.stored(t, "small.txt", s.small)
	s.stored(t, "dir/large.bin", s.large)
	s.stored(t, "stream-large.bin", s.large)

	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("small.txt")})
	must("DeleteObject", err)
	var ids []types.ObjectIdentifier
	for _, k := range append(want, "presigned-put.txt") {
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(k)})
	}
	d, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: ids}})
	must("DeleteObjects", err)
	if len(d.Errors) != 0 {
		t.Errorf("DeleteObjects errors: %v", d.Errors)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	must("DeleteBucket", err)
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("small.txt")}); APICode(err) != "NoSuchBucket" {
		t.Errorf("GetObject after DeleteBucket: %v, want NoSuchBucket", err)
	}
}
