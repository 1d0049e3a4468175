package sigv4_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth/sigv4"
)

type exampleClock struct{ t time.Time }

func (c exampleClock) Now() time.Time { return c.t }

func Example() {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	lookup := sigv4.CredentialsLookupFunc(func(_ context.Context, accessKey, _ string) (sigv4.Credentials, error) {
		if accessKey != "AKIDEXAMPLE" {
			return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Credentials{SecretKey: "secret", Value: "alice"}, nil
	})
	v := sigv4.NewVerifier(lookup, sigv4.WithClock(exampleClock{now}))

	// A client signs a request, as the AWS SDK does.
	r := httptest.NewRequest("GET", "http://bucket.example.com/photo.jpg", nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	_ = awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
			r, emptySHA256, "s3", "us-east-1", now)

	res, err := v.Verify(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Type, res.AccessKey, res.Credentials.Value, res.IsSigned("x-amz-date"))

	// One changed header and the signature no longer matches.
	r.Header.Set("X-Amz-Date", "20240102T030406Z")
	_, err = v.Verify(r)
	fmt.Println(err.(*sigv4.Error).Code)
	// Output:
	// REST-HEADER AKIDEXAMPLE alice true
	// SignatureDoesNotMatch
}
