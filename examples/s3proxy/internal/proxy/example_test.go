package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3proxy/internal/proxy"
	"github.com/s3auth/s3auth/store/memstore"
)

// A client signs for the proxy with the proxy's own keys; the upstream
// sees the request re-signed with the upstream's keys.
func ExampleNew() {
	ctx := context.Background()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, _, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="), "/")
		fmt.Fprintf(w, "upstream got %s %s signed by %s", r.Method, r.URL.Path, cred)
	}))
	defer upstream.Close()

	st := memstore.New()
	defer st.Close()
	auth, err := s3auth.New(ctx, st, s3auth.WithRoot("proxyroot", "proxy-root-secret"))
	if err != nil {
		panic(err)
	}
	defer auth.Close()
	up, _ := url.Parse(upstream.URL)
	px, err := proxy.New(auth, func(o *proxy.Options) {
		o.Upstream = up
		o.Credentials = credentials.NewStaticCredentialsProvider("UPSTREAMKEY", "upstream-secret", "")
	})
	if err != nil {
		panic(err)
	}
	front := httptest.NewServer(px)
	defer front.Close()

	req, _ := http.NewRequest(http.MethodGet, front.URL+"/bkt/key", nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	_ = signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: "proxyroot", SecretAccessKey: "proxy-root-secret"}, req, emptySHA256, "s3", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 upstream got GET /bkt/key signed by UPSTREAMKEY
}
