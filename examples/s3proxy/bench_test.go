package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/loadgen"
)

// BenchmarkProxy_SmallGET loads the proxy (in this process) in front of the
// reference server (a child process) with 1 KiB GETs signed in the header
// by a readonly proxy user, from 4 keep-alive workers, b.N requests in all
// (bounded to one minute), and reports requests per second and latency
// percentiles of the whole chain: client → proxy (verify, authorize,
// re-sign) → reference server (verify, authorize, read) and back.
//
//	go test ./examples/s3proxy -run '^$' -bench BenchmarkProxy_SmallGET -benchtime 10000x -count 1
func BenchmarkProxy_SmallGET(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	root := s3Client(e.proxy.URL, proxyAK, proxySK, "")
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj"), Body: bytes.NewReader(bytes.Repeat([]byte("x"), 1024))}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.app.auth.Directory().AddUser(ctx, "reader", "reader-secret-1"); err != nil {
		b.Fatal(err)
	}
	if err := e.app.auth.Directory().AttachPolicy(ctx, "readonly", s3auth.Target{User: "reader"}); err != nil {
		b.Fatal(err)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: "reader", SecretAccessKey: "reader-secret-1"}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	url := e.proxy.URL + "/bench/obj"
	newReq := func(ctx context.Context, _ int) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		return req, signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", "us-east-1", time.Now().UTC())
	}
	b.ReportAllocs()
	res, err := loadgen.Run(ctx, newReq, loadgen.WithWorkers(4), loadgen.WithRequests(b.N), loadgen.WithDuration(time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 {
		b.Fatalf("%d of %d requests failed: %s", res.Errors, res.Requests, res.FirstError)
	}
	b.ReportMetric(res.RequestsPerSecond(), "req/s")
	b.ReportMetric(float64(res.P50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(res.P99.Microseconds()), "p99-µs")
}
