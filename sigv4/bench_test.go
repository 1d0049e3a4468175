package sigv4_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3auth/s3auth/sigv4"
)

// typicalGET is what aws-sdk-go-v2's S3 GetObject sends (header names and
// counts as on the wire), signed at testTime.
func typicalGET(b testing.TB) *http.Request {
	return signed(b, "GET", "http://bucket.s3.us-east-1.amazonaws.com/photos/2024/img_0001.jpg?versionId=3HL4kqtJlcpXroDTDmJ", "", "", func(r *http.Request) {
		r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/s3#1.114.10")
		r.Header.Set("Accept-Encoding", "identity")
		r.Header.Set("Amz-Sdk-Invocation-Id", "b0a7e5c1-6f5d-4a57-8a4b-0d6a8e3c9f11")
		r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
		r.Header.Set("Range", "bytes=0-1023")
	})
}

func BenchmarkVerify_HeaderGET(b *testing.B) {
	v := testVerifier()
	r := typicalGET(b)
	if _, err := v.Verify(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify_HeaderGETInto is BenchmarkVerify_HeaderGET with the
// Result owned by the caller, as a host that embeds it in its own
// per-request state does.
func BenchmarkVerify_HeaderGETInto(b *testing.B) {
	v := testVerifier()
	r := typicalGET(b)
	var res sigv4.Result
	if err := v.VerifyServiceInto(&res, r, "s3"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if err := v.VerifyServiceInto(&res, r, "s3"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify_Presigned(b *testing.B) {
	v := testVerifier()
	r := presigned(b, "GET", "http://bucket.s3.us-east-1.amazonaws.com/photos/2024/img_0001.jpg?versionId=3HL4kqtJlcpXroDTDmJ&X-Amz-Expires=3600", testTime)
	if _, err := v.Verify(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaseline_SDKSign is aws-sdk-go-v2 signing the same request as
// BenchmarkVerify_HeaderGET: the yardstick for the verifier's cost.
func BenchmarkBaseline_SDKSign(b *testing.B) {
	r := typicalGET(b)
	s := newSDKSigner()
	creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if err := s.SignHTTP(ctx, creds, r, emptyHash, "s3", "us-east-1", testTime); err != nil {
			b.Fatal(err)
		}
	}
}

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// reportCPU reports process CPU time per operation as "cpu-ns/op".
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if d := processCPU() - start; d > 0 && b.N > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkRatio_SDKSign alternates, operation by operation, aws-sdk-go-v2
// signing the typical GET (as BenchmarkBaseline_SDKSign) and verifying it
// (header and presigned, as BenchmarkVerify_HeaderGET and _Presigned), and
// reports verification's cost as a fraction of signing's ("of-sdk-sign").
// Interleaving cancels the drift of a shared machine's speed.
func BenchmarkRatio_SDKSign(b *testing.B) {
	for _, c := range []struct {
		name string
		req  func(testing.TB) *http.Request
	}{
		{"HeaderGET", typicalGET},
		{"Presigned", func(t testing.TB) *http.Request {
			return presigned(t, "GET", "http://bucket.s3.us-east-1.amazonaws.com/photos/2024/img_0001.jpg?versionId=3HL4kqtJlcpXroDTDmJ&X-Amz-Expires=3600", testTime)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			v := testVerifier()
			r := c.req(b)
			toSign := typicalGET(b)
			s := newSDKSigner()
			creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}
			ctx := context.Background()
			var sign, verify time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := s.SignHTTP(ctx, creds, toSign, emptyHash, "s3", "us-east-1", testTime); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := v.Verify(r); err != nil {
					b.Fatal(err)
				}
				verify += time.Since(t1)
				sign += t1.Sub(t0)
			}
			if sign > 0 {
				b.ReportMetric(float64(verify)/float64(sign), "of-sdk-sign")
			}
		})
	}
}
