package sigv4

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type floorClock time.Time

func (c floorClock) Now() time.Time { return time.Time(c) }

// BenchmarkFloor_HeaderGET is the cryptographic work no verifier of
// BenchmarkVerify_HeaderGET's request can avoid, with the signing key
// cached: SHA-256 of its canonical request and one HMAC-SHA256 of the
// string to sign. Verify's cost above this is parsing, the header checks
// and building the canonical request. The request is built as in
// bench_test.go's typicalGET.
func BenchmarkFloor_HeaderGET(b *testing.B) {
	r, v := floorRequest(b)

	// The canonical request and string to sign, as Verify builds them.
	var names [12]string
	a, perr := parseAuthorization(r.Header["Authorization"][0], names[:0], nil)
	if perr != nil {
		b.Fatal(perr)
	}
	var vbuf [maxStackNames][]string
	sv := signedValues{vals: vbuf[:len(a.names)]}
	if _, e := checkSignedHeaderRules(r, a.names, nil, &sv); e != nil {
		b.Fatal(e)
	}
	key := v.signingKey(a.accessKey, floorSecret, a.date, a.region, a.service)
	c := &canonBufs{}
	if e := v.checkSignatureWith(c, r, &a, &sv, r.Header.Get("X-Amz-Date"), emptySHA256, false, key); e != nil {
		b.Fatal(e)
	}
	stsLen := len(algorithmV4) + 1 + 16 + 1 + len(a.scope) + 1 + 64
	canonical, sts := c.b[:len(c.b)-stsLen], c.b[len(c.b)-stsLen:]

	var out [sha256.Size]byte
	b.ReportAllocs()
	defer reportCPUFloor(b)()
	for b.Loop() {
		sum := sha256.Sum256(canonical)
		_ = sum
		key.sum(sts, out[:0])
	}
	b.ReportMetric(float64(len(canonical)), "canonical-bytes")
}

// floorSecret is floorRequest's secret key.
const floorSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// floorRequest is BenchmarkVerify_HeaderGET's request (bench_test.go's
// typicalGET), signed by aws-sdk-go-v2, and a Verifier that has verified it
// once.
func floorRequest(tb testing.TB) (*http.Request, *Verifier) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	r := httptest.NewRequest("GET", "http://bucket.s3.us-east-1.amazonaws.com/photos/2024/img_0001.jpg?versionId=3HL4kqtJlcpXroDTDmJ", nil)
	r.Body = http.NoBody
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/s3#1.114.10")
	r.Header.Set("Accept-Encoding", "identity")
	r.Header.Set("Amz-Sdk-Invocation-Id", "b0a7e5c1-6f5d-4a57-8a4b-0d6a8e3c9f11")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	r.Header.Set("Range", "bytes=0-1023")
	signer := awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: floorSecret}, r, emptySHA256, "s3", "us-east-1", at); err != nil {
		tb.Fatal(err)
	}
	v := NewVerifier(CredentialsLookupFunc(func(context.Context, string, string) (Credentials, error) {
		return Credentials{SecretKey: floorSecret}, nil
	}), WithClock(floorClock(at)))
	if _, err := v.Verify(r); err != nil {
		tb.Fatal(err)
	}
	return r, v
}

func reportCPUFloor(b *testing.B) func() {
	start := payloadProcessCPU()
	return func() {
		if d := payloadProcessCPU() - start; d > 0 && b.N > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
