package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/internal/fsobj"
)

func benchServer(b *testing.B) *server.Server {
	be, err := fsobj.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	srv, err := server.New(be, server.AllowAll{})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []*http.Request{httptest.NewRequest("PUT", "/bench", nil),
		httptest.NewRequest("PUT", "/bench/obj", bytes.NewReader(bytes.Repeat([]byte("x"), 1024)))} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("setup: %d %s", w.Code, w.Body)
		}
	}
	return srv
}

// BenchmarkGetSmallObject is the hot path of the load test: a 1 KiB GET
// through the handler (no network, AllowAll auth).
func BenchmarkGetSmallObject(b *testing.B) {
	srv := benchServer(b)
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/bench/obj", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkPutSmallObject writes a 1 KiB object (temp file, fsync, rename,
// metadata sidecar).
func BenchmarkPutSmallObject(b *testing.B) {
	srv := benchServer(b)
	data := bytes.Repeat([]byte("y"), 1024)
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("PUT", "/bench/put", bytes.NewReader(data)))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkListObjects lists a bucket of 200 keys in 10 directories.
func BenchmarkListObjects(b *testing.B) {
	srv := benchServer(b)
	for i := range 200 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("PUT", "/bench/d"+string(rune('0'+i%10))+"/k"+string(rune('a'+i/10)), bytes.NewReader([]byte("v"))))
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/bench?list-type=2", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
