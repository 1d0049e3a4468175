package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3auth/s3auth/internal/loadgen"
)

func get(url string) loadgen.RequestFunc {
	return func(ctx context.Context, _ int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
}

func TestRunCountBound(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	defer ts.Close()
	res, err := loadgen.Run(context.Background(), get(ts.URL), loadgen.WithWorkers(3), loadgen.WithRequests(50), loadgen.WithDuration(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || hits.Load() != 50 || res.Status[200] != 50 || res.Errors != 0 {
		t.Fatalf("got %+v, server saw %d", res, hits.Load())
	}
	if !(res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max && res.P50 > 0) {
		t.Fatalf("percentiles out of order: %v", res)
	}
	if res.RequestsPerSecond() <= 0 || res.String() == "" {
		t.Fatalf("rate %v", res.RequestsPerSecond())
	}
}

func TestRunDurationBound(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond)
	}))
	defer ts.Close()
	start := time.Now()
	res, err := loadgen.Run(context.Background(), get(ts.URL), loadgen.WithWorkers(2), loadgen.WithRequests(1_000_000), loadgen.WithDuration(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second || res.Requests == 0 || res.Requests >= 1_000_000 {
		t.Fatalf("took %v for %d requests", took, res.Requests)
	}
}

func TestRunCountsFailures(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer ts.Close()
	res, err := loadgen.Run(context.Background(), get(ts.URL), loadgen.WithWorkers(1), loadgen.WithRequests(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 5 || res.Status[403] != 5 || res.Status[200] != 5 || res.FirstError == "" {
		t.Fatalf("got %+v", res)
	}
}

func TestRunRefusesRemoteHosts(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"http://192.0.2.1/", "http://example.com/", "http://10.0.0.1:9000/x"} {
		t.Run(url, func(t *testing.T) {
			t.Parallel()
			_, err := loadgen.Run(context.Background(), get(url), loadgen.WithRequests(1), loadgen.WithDuration(time.Second))
			if !errors.Is(err, loadgen.ErrNotLoopback) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestRunStopsOnRequestError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	_, err := loadgen.Run(context.Background(), func(context.Context, int) (*http.Request, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if _, err := loadgen.Run(context.Background(), nil); err == nil {
		t.Fatal("nil RequestFunc accepted")
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"127.0.0.1:9000", true}, {"127.1.2.3:80", true}, {"[::1]:9000", true}, {"::1", true},
		{"localhost", true}, {"LOCALHOST:9000", true}, {"localhost.", true}, {"[::ffff:127.0.0.1]:1", true},
		{"10.0.0.1", false}, {"example.com", false}, {"localhost.example.com", false}, {"", false}, {"0.0.0.0:9000", false},
	} {
		if got := loadgen.IsLoopback(c.host); got != c.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", c.host, got, c.want)
		}
	}
}

func ExampleIsLoopback() {
	fmt.Println(loadgen.IsLoopback("127.0.0.1:9000"), loadgen.IsLoopback("[::1]:80"), loadgen.IsLoopback("s3.amazonaws.com"))
	// Output: true true false
}
