package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RequestFunc builds the next request of a worker (numbered from 0). It is
// called concurrently by different workers.
type RequestFunc func(ctx context.Context, worker int) (*http.Request, error)

// Options bounds and shapes a run. Every zero value has a default.
type Options struct {
	// Workers is the number of concurrent clients. 0 means 4.
	Workers int
	// Requests is the most requests sent in all. 0 means 10000.
	Requests int
	// Duration is the longest the run lasts. 0 means 10 seconds.
	Duration time.Duration
	// Client sends the requests. nil means a client with keep-alive
	// connections (one per worker) and no compression.
	Client *http.Client
	// Check, when set, judges each response (its body is already read);
	// an error counts the request as failed. nil means any 2xx succeeds.
	Check func(*http.Response) error
}

// Option sets a field of Options.
type Option func(*Options)

// WithOptions replaces the options wholesale; later options still apply.
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// WithWorkers sets [Options.Workers].
func WithWorkers(n int) Option { return func(o *Options) { o.Workers = n } }

// WithRequests sets [Options.Requests].
func WithRequests(n int) Option { return func(o *Options) { o.Requests = n } }

// WithDuration sets [Options.Duration].
func WithDuration(d time.Duration) Option { return func(o *Options) { o.Duration = d } }

// Result is what a run measured.
type Result struct {
	// Requests is the number of requests sent; Errors of them failed
	// (transport error, or refused by Options.Check).
	Requests, Errors int
	// Status counts responses by HTTP status.
	Status map[int]int
	// FirstError describes the first failure, "" when none.
	FirstError string
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Latency percentiles of all requests (successful or not), and the
	// mean.
	P50, P90, P99, Max, Mean time.Duration
}

// RequestsPerSecond is Requests divided by Elapsed.
func (r *Result) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// String is a one-line summary.
func (r *Result) String() string {
	return fmt.Sprintf("%d requests (%d errors) in %v: %.0f req/s; latency p50 %v p90 %v p99 %v max %v",
		r.Requests, r.Errors, r.Elapsed.Round(time.Millisecond), r.RequestsPerSecond(),
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// ErrNotLoopback is returned when a request is not addressed to a loopback
// host.
var ErrNotLoopback = errors.New("loadgen: requests may only go to a loopback address (127.0.0.1, ::1 or localhost)")

// IsLoopback reports whether host (with or without a port) is a loopback
// address or "localhost". Names other than localhost are not resolved.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Run sends requests from newRequest until Options.Requests were sent or
// Options.Duration passed (or ctx ended) and reports what it measured. An
// error from newRequest, or a request to a non-loopback host, stops the
// run and is returned.
func Run(ctx context.Context, newRequest RequestFunc, opts ...Option) (*Result, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Requests <= 0 {
		o.Requests = 10000
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if newRequest == nil {
		return nil, errors.New("loadgen: no RequestFunc")
	}
	client := o.Client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.Workers
		tr.DisableCompression = true
		tr.Proxy = nil
		client = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	check := o.Check
	if check == nil {
		check = func(r *http.Response) error {
			if r.StatusCode/100 != 2 {
				return fmt.Errorf("status %d", r.StatusCode)
			}
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	var (
		next     atomic.Int64 // tickets: a worker sends only with a ticket ≤ Requests
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, min(o.Requests, 1<<20))
		status   = map[int]int{}
		errs     int
		firstErr string
		fatal    error
		wg       sync.WaitGroup
	)
	record := func(d time.Duration, code int, err error) {
		mu.Lock()
		defer mu.Unlock()
		lat = append(lat, d)
		if code != 0 {
			status[code]++
		}
		if err != nil {
			errs++
			if firstErr == "" {
				firstErr = err.Error()
			}
		}
	}
	stop := func(err error) {
		mu.Lock()
		if fatal == nil {
			fatal = err
		}
		mu.Unlock()
		cancel()
	}
	start := time.Now()
	for w := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(o.Requests) {
				req, err := newRequest(ctx, w)
				if err != nil {
					stop(fmt.Errorf("loadgen: building a request: %w", err))
					return
				}
				if req.URL == nil || !IsLoopback(req.URL.Host) {
					stop(ErrNotLoopback)
					return
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return // the run ended mid-request: not counted
					}
					record(time.Since(t0), 0, err)
					continue
				}
				_, rerr := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if rerr == nil {
					rerr = check(resp)
				}
				record(d, resp.StatusCode, rerr)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if fatal != nil {
		return nil, fatal
	}
	res := &Result{Requests: len(lat), Errors: errs, Status: status, FirstError: firstErr, Elapsed: elapsed}
	if len(lat) > 0 {
		slices.Sort(lat)
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		res.Mean = sum / time.Duration(len(lat))
		res.P50, res.P90, res.P99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
		res.Max = lat[len(lat)-1]
	}
	return res, nil
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
