package s3auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/store/memstore"
)

// The whole request path: a host creates the facade on its store, manages
// identities through the directory, and for every request authenticates
// (signature, credential, payload) and then authorizes (policies).
func Example() {
	ctx := context.Background()
	auth, err := s3auth.New(ctx, memstore.New())
	if err != nil {
		panic(err)
	}
	defer auth.Close()

	// A user (access key = username, secret key = password) with the
	// built-in read-only policy. Without a policy it could do nothing.
	dir := auth.Directory()
	if _, err := dir.AddUser(ctx, "alice", "alice-secret-1"); err != nil {
		panic(err)
	}
	if err := dir.AttachPolicy(ctx, "readonly", s3auth.Target{User: "alice"}); err != nil {
		panic(err)
	}

	// Requests signed as an AWS SDK signs them.
	signed := func(method, target, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		hash := "UNSIGNED-PAYLOAD"
		r.Header.Set("X-Amz-Content-Sha256", hash)
		creds := aws.Credentials{AccessKeyID: "alice", SecretAccessKey: "alice-secret-1"}
		if err := v4.NewSigner().SignHTTP(ctx, creds, r, hash, "s3", "us-east-1", time.Now()); err != nil {
			panic(err)
		}
		w := httptest.NewRecorder()
		// The host's handler behind the middleware.
		auth.Middleware(hostHandler{}).ServeHTTP(w, r)
		return w
	}
	get := signed("GET", "http://127.0.0.1:9000/photos/cat.jpg", "")
	fmt.Println("GET:", get.Code, get.Body.String())
	put := signed("PUT", "http://127.0.0.1:9000/photos/dog.jpg", "woof")
	fmt.Println("PUT:", put.Code, strings.Contains(put.Body.String(), "<Code>AccessDenied</Code>"))
	// Output:
	// GET: 200 GetObject by alice
	// PUT: 403 true
}

// hostHandler is the host's S3 handler: it finds who is asking and what
// was allowed in the request context, and reads bodies only through r.Body.
type hostHandler struct{}

func (hostHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, d, _ := s3auth.FromContext(r.Context())
	if _, err := io.Copy(io.Discard, r.Body); err != nil { // verifies the payload
		return
	}
	fmt.Fprintf(w, "%s by %s", d.Operation.Name, p.User)
}
