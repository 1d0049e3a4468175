package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/internal/fsobj"
)

// Example serves the S3 API on a temporary directory with the AllowAll
// test Auth, stores an object and reads part of it back.
func Example() {
	dir, _ := os.MkdirTemp("", "s3server-example")
	defer os.RemoveAll(dir)
	be, err := fsobj.New(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer be.Close()
	srv, _ := server.New(be, server.AllowAll{})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	do := func(method, path, body string, hdr ...string) *http.Response {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		return res
	}
	fmt.Println(do("PUT", "/demo", "").Status)
	fmt.Println(do("PUT", "/demo/greeting.txt", "hello, s3").Status)
	res := do("GET", "/demo/greeting.txt", "", "Range", "bytes=7-")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status, string(b), res.Header.Get("Content-Range"))
	// Output:
	// 200 OK
	// 200 OK
	// 206 Partial Content s3 bytes 7-8/9
}
