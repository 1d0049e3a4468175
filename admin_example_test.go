package s3auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// A host mounts the admin API at s3auth.AdminPrefix; administrators call it
// with SigV4-signed JSON requests (this is what s3admin does).
func ExampleAuth_AdminHandler() {
	ctx := context.Background()
	st := memstore.New()
	defer st.Close()
	a, err := s3auth.New(ctx, st, s3auth.WithRoot("ROOTKEY", "root-secret-key"))
	if err != nil {
		panic(err)
	}
	defer a.Close()
	mux := http.NewServeMux()
	mux.Handle(s3auth.AdminPrefix, a.AdminHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, body string) {
		r, _ := http.NewRequest(method, srv.URL+s3auth.AdminPrefix+path, strings.NewReader(body))
		sum := sha256.Sum256([]byte(body))
		hash := hex.EncodeToString(sum[:])
		r.Header.Set("X-Amz-Content-Sha256", hash)
		creds := aws.Credentials{AccessKeyID: "ROOTKEY", SecretAccessKey: "root-secret-key"}
		if err := v4.NewSigner().SignHTTP(ctx, creds, r, hash, "s3", "us-east-1", time.Now()); err != nil {
			panic(err)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e s3auth.AdminError
		if resp.StatusCode >= 400 && json.Unmarshal(b, &e) == nil {
			fmt.Println(resp.StatusCode, e.Code+":", e.Message) // e.RequestID varies
			return
		}
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", string(b))))
	}
	call("POST", "users", `{"accessKey":"alice","secretKey":"alice-secret-1"}`)
	call("POST", "policies/readonly/attach", `{"user":"alice"}`)
	call("POST", "users", `{"accessKey":"alice"}`)
	// Output:
	// 201 {"accessKey":"alice","secretKey":"alice-secret-1"}
	// 204
	// 409 UserExists: user "alice" already exists; choose another access key or change the existing user
}
