package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		err  string
	}{
		{"defaults", nil, ""},
		{"remote endpoint refused", []string{"-endpoint", "http://example.com:9000", "-access-key", "a", "-secret-key", "b"}, "loopback"},
		{"endpoint without keys", []string{"-endpoint", "http://127.0.0.1:9000"}, "-access-key"},
		{"zero workers", []string{"-c", "0"}, "positive"},
		{"stray argument", []string{"x"}, "unexpected argument"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseFlags(c.args, io.Discard)
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("got %v, want %q", err, c.err)
			}
		})
	}
}

// TestRunSmall loads the in-process reference server briefly and checks
// that every request succeeded and the CPU report makes sense.
func TestRunSmall(t *testing.T) {
	rep, err := run(context.Background(), config{Requests: 300, Duration: 20 * time.Second, Workers: 2, Size: 512})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Requests != 300 || rep.Result.Errors != 0 || rep.Result.Status[200] != 300 {
		t.Fatalf("got %v (first error %q)", rep.Result, rep.Result.FirstError)
	}
	var sb strings.Builder
	rep.print(&sb)
	if rep.CPU != nil && (rep.AuthShare() < 0 || rep.AuthShare() > 1 || rep.CPU.Scoped > rep.CPU.Total) {
		t.Fatalf("CPU report out of range: %s", sb.String())
	}
	t.Log(sb.String())
}

// BenchmarkServer_SmallGET loads the reference server (in this process, on
// 127.0.0.1) with 1 KiB GETs signed in the header, from 4 keep-alive
// workers, b.N requests in all (bounded to one minute), and reports
// requests per second, latency percentiles and the share of the server's
// CPU spent in sigv4, iam and the s3auth facade. Run it alone, without
// -cpuprofile (it profiles itself):
//
//	go test ./examples/s3server/loadgen -run '^$' -bench BenchmarkServer_SmallGET -benchtime 20000x -count 1
//
// The load generator hands b.N to loadgen.Run (a count and a time bound),
// so it does not use b.Loop.
func BenchmarkServer_SmallGET(b *testing.B) {
	b.ReportAllocs()
	rep, err := run(context.Background(), config{Requests: b.N, Duration: time.Minute, Workers: 4, Size: 1024})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Result.Errors > 0 {
		b.Fatalf("%d of %d requests failed: %s", rep.Result.Errors, rep.Result.Requests, rep.Result.FirstError)
	}
	b.ReportMetric(rep.Result.RequestsPerSecond(), "req/s")
	b.ReportMetric(float64(rep.Result.P50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(rep.Result.P99.Microseconds()), "p99-µs")
	if rep.CPU != nil {
		b.ReportMetric(100*rep.AuthShare(), "auth-cpu-%")
		b.ReportMetric(float64(rep.CPU.Scoped.Microseconds())/float64(max(rep.Result.Requests, 1)), "server-cpu-µs/req")
	}
	if b.N >= 1000 {
		var sb strings.Builder
		rep.print(&sb)
		b.Log("\n" + sb.String())
	}
}
