package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth/sigv4"
)

// A host stages the body it reads from the verifying [sigv4.Body] and
// commits the object only after a clean io.EOF.
func ExampleBody() {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	lookup := sigv4.CredentialsLookupFunc(func(_ context.Context, accessKey, _ string) (sigv4.Credentials, error) {
		return sigv4.Credentials{SecretKey: "secret"}, nil
	})
	v := sigv4.NewVerifier(lookup, sigv4.WithClock(exampleClock{now}))

	put := func(sent, signed string) {
		r := httptest.NewRequest("PUT", "http://bucket.example.com/hello.txt", strings.NewReader(sent))
		sum := sha256.Sum256([]byte(signed))
		r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		_ = awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true }).
			SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
				r, hex.EncodeToString(sum[:]), "s3", "us-east-1", now)

		res, err := v.Verify(r)
		if err != nil {
			fmt.Println("rejected:", err.(*sigv4.Error).Code)
			return
		}
		var staged bytes.Buffer // a temporary file in a real server
		if _, err := io.Copy(&staged, r.Body); err != nil {
			fmt.Println("discarded:", err.(*sigv4.Error).Code)
			return
		}
		info := res.Body.Verified()
		fmt.Printf("stored %q (%d bytes, complete %v)\n", staged.String(), info.DecodedLength, info.Complete)
	}
	put("hello, world", "hello, world")
	put("hello, w0rld", "hello, world") // altered in flight
	// Output:
	// stored "hello, world" (12 bytes, complete true)
	// discarded: XAmzContentSHA256Mismatch
}
