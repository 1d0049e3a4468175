// Command loadgen measures the reference S3 server under a load of small
// authenticated GETs on loopback: requests per second, latency
// percentiles, and — when it starts the server itself — the share of the
// server's CPU spent in authentication (packages sigv4, iam and the s3auth
// facade), read from a CPU profile of the run.
//
// Usage:
//
//	go run ./examples/s3server/loadgen [-n 20000] [-d 20s] [-c 4] [-size 1024]
//	    [-cpuprofile FILE] [-endpoint http://127.0.0.1:9000 -access-key K -secret-key S]
//
// Without -endpoint it starts the reference server in this process on
// 127.0.0.1 with a fresh data folder, creates a user with the readonly
// policy and one object, and loads it. With -endpoint it loads a running
// server on a loopback address with the given credentials (which must be
// able to create the bucket and object); no CPU share is reported then.
// The run stops after -n requests or -d, whichever comes first.
//
// Each request is signed in the header with SigV4 by aws-sdk-go-v2's
// signer, as SDKs send it. The client runs in the same process: its CPU is
// outside the server's goroutines and is reported apart.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/loadgen"
)

// config is the command line.
type config struct {
	Requests   int
	Duration   time.Duration
	Workers    int
	Size       int
	CPUProfile string
	Endpoint   string
	AccessKey  string
	SecretKey  string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.Requests, "n", 20000, "number of requests (the run stops at -n or -d)")
	fs.DurationVar(&c.Duration, "d", 20*time.Second, "longest duration of the run")
	fs.IntVar(&c.Workers, "c", 4, "concurrent workers (keep-alive connections)")
	fs.IntVar(&c.Size, "size", 1024, "object size in bytes")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "also write the CPU profile of the run to this file")
	fs.StringVar(&c.Endpoint, "endpoint", "", "load a running server at this loopback URL instead of starting one")
	fs.StringVar(&c.AccessKey, "access-key", "", "access key for -endpoint")
	fs.StringVar(&c.SecretKey, "secret-key", "", "secret key for -endpoint")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("loadgen: unexpected argument %q; all settings are flags (see -h)", fs.Arg(0))
	}
	if c.Requests <= 0 || c.Workers <= 0 || c.Duration <= 0 || c.Size < 0 {
		return c, errors.New("loadgen: -n, -c and -d must be positive and -size not negative")
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || u.Scheme != "http" || !loadgen.IsLoopback(u.Host) {
			return c, fmt.Errorf("loadgen: -endpoint %q must be an http:// URL on a loopback address (127.0.0.1, ::1, localhost)", c.Endpoint)
		}
		if c.AccessKey == "" || c.SecretKey == "" {
			return c, errors.New("loadgen: -endpoint needs -access-key and -secret-key")
		}
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rep, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
}

// report is what a run measured.
type report struct {
	Result        *loadgen.Result
	CPU           *loadgen.CPUReport // nil when the server is not in-process
	Workers       int
	LoadBefore    string
	LoadAfter     string
	GOMAXPROCS    int
	ObjectSize    int
	ServerInProc  bool
	ProfileFailed string
}

// Classes CPU time is charged to. The auth classes are the brief's: the
// packages sigv4 and iam and the root package facade (sts too, for
// sessions).
const (
	classSigV4  = "sigv4"
	classIAM    = "iam"
	classFacade = "s3auth facade"
	classSTS    = "sts"
	classObject = "object server"
)

var classes = []loadgen.Class{
	loadgen.PackageClass(classSigV4, "github.com/s3auth/s3auth/sigv4"),
	loadgen.PackageClass(classIAM, "github.com/s3auth/s3auth/iam"),
	loadgen.PackageClass(classFacade, "github.com/s3auth/s3auth"),
	loadgen.PackageClass(classSTS, "github.com/s3auth/s3auth/sts"),
	loadgen.PackageClass(classObject, "github.com/s3auth/s3auth/examples/s3server/internal/server",
		"github.com/s3auth/s3auth/internal/fsobj", "github.com/s3auth/s3auth/internal/s3api"),
}

// AuthShare is the fraction of the server's CPU charged to auth.
func (r *report) AuthShare() float64 {
	if r.CPU == nil {
		return 0
	}
	return r.CPU.Share(classSigV4) + r.CPU.Share(classIAM) + r.CPU.Share(classFacade) + r.CPU.Share(classSTS)
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "load average before: %s; after: %s; GOMAXPROCS %d; %d workers; %d-byte objects\n",
		r.LoadBefore, r.LoadAfter, r.GOMAXPROCS, r.Workers, r.ObjectSize)
	fmt.Fprintln(w, r.Result)
	if r.Result.Errors > 0 {
		fmt.Fprintf(w, "first error: %s\n", r.Result.FirstError)
	}
	if r.CPU == nil {
		if r.ProfileFailed != "" {
			fmt.Fprintf(w, "no CPU share: %s\n", r.ProfileFailed)
		}
		return
	}
	c := r.CPU
	fmt.Fprintf(w, "process CPU %v, of which server goroutines %v (%.0f%%); the rest is the in-process client, GC and runtime\n",
		c.Total.Round(time.Millisecond), c.Scoped.Round(time.Millisecond), pct(c.Scoped, c.Total))
	fmt.Fprintf(w, "server CPU per request: %v\n", (c.Scoped / time.Duration(max(r.Result.Requests, 1))).Round(100*time.Nanosecond))
	fmt.Fprintf(w, "auth share of server CPU: %.1f%% (sigv4 %.1f%%, iam %.1f%%, facade %.1f%%, sts %.1f%%); object server %.1f%%; net/http, runtime and other %.1f%%\n",
		100*r.AuthShare(), 100*c.Share(classSigV4), 100*c.Share(classIAM), 100*c.Share(classFacade), 100*c.Share(classSTS),
		100*c.Share(classObject), 100*(1-r.AuthShare()-c.Share(classObject)))
}

func pct(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signer signs requests as aws-sdk-go-v2's S3 client does.
type signer struct {
	s     *v4.Signer
	creds aws.Credentials
}

func newSigner(ak, sk string) *signer {
	return &signer{s: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		creds: aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}}
}

func (s *signer) request(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	var rd io.Reader
	hash := emptySHA256
	if body != nil {
		rd = bytes.NewReader(body)
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := s.s.SignHTTP(ctx, s.creds, req, hash, "s3", "us-east-1", time.Now().UTC()); err != nil {
		return nil, err
	}
	return req, nil
}

// do sends a signed request and fails unless the status is in ok.
func (s *signer) do(ctx context.Context, method, url string, body []byte, ok ...int) error {
	req, err := s.request(ctx, method, url, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, c := range ok {
		if resp.StatusCode == c {
			return nil
		}
	}
	return fmt.Errorf("loadgen: setup %s %s: status %d: %s", method, url, resp.StatusCode, msg)
}

const (
	bucket    = "loadgen"
	objectKey = "small-object"
)

// run sets up the server and the object, loads it, and reports.
func run(ctx context.Context, c config) (*report, error) {
	rep := &report{Workers: c.Workers, GOMAXPROCS: runtime.GOMAXPROCS(0), ObjectSize: c.Size}
	endpoint, ak, sk := c.Endpoint, c.AccessKey, c.SecretKey
	setup := newSigner(ak, sk)
	if endpoint == "" {
		dir, err := os.MkdirTemp("", "s3auth-loadgen-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		const rootAK, rootSK = "loadgenroot", "loadgen-root-secret-1"
		srv, err := startServer(ctx, dir, rootAK, rootSK, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		endpoint = srv.URL
		rep.ServerInProc = true
		// A plain user with the readonly policy: the request path runs the
		// whole of authentication and policy evaluation (root would skip
		// the policies).
		ak, sk = "loadgen-reader", "loadgen-reader-secret-1"
		if _, err := srv.Auth.Directory().AddUser(ctx, ak, sk); err != nil {
			return nil, err
		}
		if err := srv.Auth.Directory().AttachPolicy(ctx, "readonly", s3auth.Target{User: ak}); err != nil {
			return nil, err
		}
		setup = newSigner(rootAK, rootSK)
	}
	if err := setup.do(ctx, http.MethodPut, endpoint+"/"+bucket, nil, 200, 409); err != nil {
		return nil, err
	}
	if err := setup.do(ctx, http.MethodPut, endpoint+"/"+bucket+"/"+objectKey, bytes.Repeat([]byte("x"), c.Size), 200); err != nil {
		return nil, err
	}
	signers := make([]*signer, c.Workers)
	for i := range signers {
		signers[i] = newSigner(ak, sk)
	}
	url := endpoint + "/" + bucket + "/" + objectKey
	newReq := func(ctx context.Context, w int) (*http.Request, error) {
		return signers[w].request(ctx, http.MethodGet, url, nil)
	}
	var prof bytes.Buffer
	profiling := false
	if rep.ServerInProc {
		if err := pprof.StartCPUProfile(&prof); err != nil {
			rep.ProfileFailed = "another CPU profile is running (-cpuprofile of go test?): " + err.Error()
		} else {
			profiling = true
		}
	}
	rep.LoadBefore = loadAvg()
	res, err := loadgen.Run(ctx, newReq, loadgen.WithWorkers(c.Workers), loadgen.WithRequests(c.Requests), loadgen.WithDuration(c.Duration))
	if profiling {
		pprof.StopCPUProfile()
	}
	rep.LoadAfter = loadAvg()
	if err != nil {
		return nil, err
	}
	rep.Result = res
	if profiling {
		if c.CPUProfile != "" {
			if err := os.WriteFile(c.CPUProfile, prof.Bytes(), 0o644); err != nil {
				return nil, fmt.Errorf("loadgen: writing -cpuprofile: %w", err)
			}
		}
		cpu, err := loadgen.AnalyzeCPU(prof.Bytes(), classes, loadgen.AnalyzeOptions{})
		if err != nil {
			return nil, err
		}
		rep.CPU = cpu
	}
	return rep, nil
}
