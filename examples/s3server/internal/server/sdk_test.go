package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestAWSSDKClient drives the server with aws-sdk-go-v2 (path-style, any
// credentials: AllowAll does not check them).
func TestAWSSDKClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.ts.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   e.ts.Client(),
	})
	bucket := aws.String("sdk-bucket")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	small := []byte("small object body")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("dir/small.txt"),
		Body: bytes.NewReader(small), ContentType: aws.String("text/plain"), Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/small.txt")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(body, small) || aws.ToString(got.ContentType) != "text/plain" || got.Metadata["k"] != "v" {
		t.Fatalf("GetObject = %q %v %v", body, aws.ToString(got.ContentType), got.Metadata)
	}

	// 10 MiB through a manual multipart upload (feature/s3/manager is not a dependency).
	big := make([]byte, 10<<20)
	_, _ = rand.Read(big)
	key := aws.String("big.bin")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	const partSize = 5 << 20
	for i, off := int32(1), 0; off < len(big); i, off = i+1, off+partSize {
		end := min(off+partSize, len(big))
		pr, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: key, UploadId: up.UploadId,
			PartNumber: aws.Int32(i), Body: bytes.NewReader(big[off:end])})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{ETag: pr.ETag, PartNumber: aws.Int32(i)})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: bucket, Key: key, UploadId: up.UploadId})
	if err != nil || len(lp.Parts) != 2 {
		t.Fatalf("ListParts: %v %v", err, lp)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key,
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key, Range: aws.String("bytes=5242870-5242889")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(rg.Body)
	rg.Body.Close()
	if !bytes.Equal(body, big[5242870:5242890]) || aws.ToString(rg.ContentRange) != "bytes 5242870-5242889/10485760" {
		t.Fatalf("ranged GET: %d bytes, %s", len(body), aws.ToString(rg.ContentRange))
	}
	full, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(full.Body)
	full.Body.Close()
	if !bytes.Equal(body, big) {
		t.Fatal("multipart object differs")
	}

	ls, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Contents) != 1 || aws.ToString(ls.Contents[0].Key) != "big.bin" || aws.ToInt64(ls.Contents[0].Size) != 10<<20 ||
		len(ls.CommonPrefixes) != 1 || aws.ToString(ls.CommonPrefixes[0].Prefix) != "dir/" {
		t.Fatalf("ListObjectsV2 = %+v", ls)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy.txt"),
		CopySource: aws.String("sdk-bucket/dir/small.txt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("dir/small.txt")}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: key}, {Key: aws.String("copy.txt")}}}})
	if err != nil || len(del.Deleted) != 2 {
		t.Fatalf("DeleteObjects: %v %+v", err, del)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Fatalf("GetObject after delete: %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket})
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("HeadBucket after delete: %v", err)
	}
}
