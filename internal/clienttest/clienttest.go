package clienttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth/internal/testenv"
)

// Target is an S3 endpoint and the credentials a client uses on it.
type Target struct {
	// Endpoint is the base URL, e.g. http://127.0.0.1:9000.
	Endpoint string
	// Region is the signing region; "" means us-east-1.
	Region string
	// AccessKey and SecretKey are the client's keys.
	AccessKey, SecretKey string
	// SessionToken is set for STS credentials.
	SessionToken string
	// HTTPClient sends the Go clients' and the suite's own requests, e.g.
	// the client of an httptest TLS server. nil means
	// http.DefaultClient. External programs cannot use it: run them
	// against plain HTTP endpoints.
	HTTPClient *http.Client
}

func (t Target) client() *http.Client {
	if t.HTTPClient != nil {
		return t.HTTPClient
	}
	return http.DefaultClient
}

func (t Target) transport() http.RoundTripper {
	if t.HTTPClient != nil && t.HTTPClient.Transport != nil {
		return t.HTTPClient.Transport
	}
	return nil
}

func (t Target) region() string {
	if t.Region == "" {
		return "us-east-1"
	}
	return t.Region
}

// hostPort returns the endpoint without its scheme.
func (t Target) hostPort() string {
	h := strings.TrimPrefix(strings.TrimPrefix(t.Endpoint, "http://"), "https://")
	return strings.TrimSuffix(h, "/")
}

// With returns t with other credentials.
func (t Target) With(accessKey, secretKey, sessionToken string) Target {
	t.AccessKey, t.SecretKey, t.SessionToken = accessKey, secretKey, sessionToken
	return t
}

// Options tune [Run].
type Options struct {
	// Clients names the clients to run: "awscli", "boto3", "s3cmd",
	// "rclone", "sdk", "minio". nil means all of them.
	Clients []string
	// LargeSize is the size of the multi-megabyte object. 0 means 12 MiB.
	LargeSize int
	// Timeout bounds every external command. 0 means 2 minutes.
	Timeout time.Duration
	// BucketPrefix starts every bucket name the suite creates. "" means
	// "ct".
	BucketPrefix string
	// Stored, when not nil, is called after each object has been uploaded
	// and before it is deleted, with the client name, bucket, key and the
	// bytes sent; hosts use it to check what they stored (file contents,
	// ownership).
	Stored func(t *testing.T, client, bucket, key string, data []byte)
}

// Option changes [Options].
type Option func(*Options)

// WithOptions replaces all options at once.
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

func (o *Options) defaults() {
	if o.LargeSize <= 0 {
		o.LargeSize = 12 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.BucketPrefix == "" {
		o.BucketPrefix = "ct"
	}
}

// AllClients are the client names [Run] knows, in the order it starts them.
var AllClients = []string{"awscli", "boto3", "s3cmd", "rclone", "sdk", "minio"}

// Run runs the client suite against target, one parallel subtest per
// client. Each client works in its own bucket, named BucketPrefix-client.
func Run(t *testing.T, target Target, opts ...Option) {
	t.Helper()
	var o Options
	for _, f := range opts {
		f(&o)
	}
	o.defaults()
	clients := o.Clients
	if clients == nil {
		clients = AllClients
	}
	small := []byte("hello from s3auth clienttest\n")
	large := RandomBytes(t, o.LargeSize)
	for _, name := range clients {
		fn, ok := suites[name]
		if !ok {
			t.Errorf("clienttest: unknown client %q; use one of %v", name, AllClients)
			continue
		}
		if _, external := programs[name]; external && strings.HasPrefix(target.Endpoint, "https://") {
			t.Errorf("clienttest: %s is an external program and cannot trust the test's TLS certificate; run it against a plain-HTTP endpoint", name)
			continue
		}
		s := &suite{name: name, target: target, opts: o, small: small, large: large,
			bucket: o.BucketPrefix + "-" + name}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, s)
		})
	}
}

// suite is one client's run.
type suite struct {
	name   string
	target Target
	opts   Options
	bucket string
	small  []byte
	large  []byte
}

var suites = map[string]func(*testing.T, *suite){
	"awscli": runAWSCLI,
	"boto3":  runBoto3,
	"s3cmd":  runS3cmd,
	"rclone": runRclone,
	"sdk":    runSDK,
	"minio":  runMinio,
}

func (s *suite) stored(t *testing.T, key string, data []byte) {
	t.Helper()
	if s.opts.Stored != nil {
		s.opts.Stored(t, s.name, s.bucket, key, data)
	}
}

// RandomBytes returns n random bytes.
func RandomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Tool is one external client program run in a clean environment: a
// temporary HOME and configuration files written for one [Target].
type Tool struct {
	// Path is the program.
	Path string
	// Dir is the temporary home; commands run in it.
	Dir string
	// Env is the complete environment of every command.
	Env []string
	// Timeout bounds every command.
	Timeout time.Duration
}

// Result is what a command printed and how it ended.
type Result struct {
	Stdout, Stderr string
	Err            error
	// Took is how long the command ran.
	Took time.Duration
}

// Code is the S3 or STS error code in the command's output ("" when none
// is found); see [ErrorCode].
func (r Result) Code() string { return ErrorCode(r.Stderr + "\n" + r.Stdout) }

// String describes the result for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("err=%v (after %v)\nstdout:\n%s\nstderr:\n%s", r.Err, r.Took.Round(time.Millisecond), clip(r.Stdout), clip(r.Stderr))
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n...\n" + s[len(s)-2000:]
	}
	return s
}

// Run runs the program with args (and stdin, which may be nil).
func (tl *Tool) Run(stdin io.Reader, args ...string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), tl.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.Path, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = tl.Dir, tl.Env, stdin
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if ctx.Err() != nil {
		err = fmt.Errorf("clienttest: %s timed out after %v: %w", filepath.Base(tl.Path), tl.Timeout, err)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Err: err, Took: took}
}

// MustRun runs the program and fails the test unless it exits cleanly.
func (tl *Tool) MustRun(t testing.TB, args ...string) string {
	t.Helper()
	r := tl.Run(nil, args...)
	if r.Err != nil {
		t.Fatalf("%s %s: %s", filepath.Base(tl.Path), strings.Join(args, " "), r)
	}
	return r.Stdout
}

// WriteFile writes a file in the tool's home and returns its path.
func (tl *Tool) WriteFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(tl.Dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Programs the clients need. The AWS CLI and Python are taken from
// /usr/bin first (the Debian awscli v2 and python3-boto3 that make deps
// installs) so a user's own installation elsewhere on PATH does not change
// what is tested.
var programs = map[string]string{
	"awscli": "aws",
	"boto3":  "python3",
	"s3cmd":  "s3cmd",
	"rclone": "rclone",
}

func lookPath(t testing.TB, name string) string {
	t.Helper()
	for _, dir := range []string{"/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return testenv.LookPath(t, name)
}

// NewTool prepares client ("awscli", "boto3", "s3cmd" or "rclone") for
// target: it finds the program (skipping or failing the test as
// [testenv.LookPath] does), makes a temporary home and writes the
// client's configuration files into it.
//
// [testenv.LookPath]: github.com/s3auth/s3auth/internal/testenv.LookPath
func NewTool(t testing.TB, client string, target Target) *Tool {
	t.Helper()
	prog, ok := programs[client]
	if !ok {
		t.Fatalf("clienttest: no external program for client %q", client)
	}
	path := lookPath(t, prog)
	dir := t.TempDir()
	tl := &Tool{Path: path, Dir: dir, Timeout: 2 * time.Minute}
	tl.Env = []string{
		"HOME=" + dir,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
		"TMPDIR=" + dir,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"AWS_CLI_AUTO_PROMPT=off",
		"NO_PROXY=*",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONNOUSERSITE=1",
		"RCLONE_CONFIG=" + filepath.Join(dir, "rclone.conf"),
	}
	tl.WriteFile(t, "aws-config", []byte(fmt.Sprintf(
		"[default]\nregion = %s\noutput = json\ns3 =\n    addressing_style = path\n", target.region())))
	creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", target.AccessKey, target.SecretKey)
	if target.SessionToken != "" {
		creds += "aws_session_token = " + target.SessionToken + "\n"
	}
	tl.WriteFile(t, "aws-credentials", []byte(creds))
	switch client {
	case "s3cmd":
		cfg := fmt.Sprintf("[default]\naccess_key = %s\nsecret_key = %s\naccess_token = %s\n"+
			"host_base = %s\nhost_bucket = %s\nbucket_location = %s\nuse_https = False\n"+
			"signature_v2 = False\ncheck_ssl_certificate = False\nmultipart_chunk_size_mb = 5\n"+
			"proxy_host = \nproxy_port = 0\nhuman_readable_sizes = False\nprogress_meter = False\n",
			target.AccessKey, target.SecretKey, target.SessionToken, target.hostPort(), target.hostPort(), target.region())
		tl.WriteFile(t, ".s3cfg", []byte(cfg))
	case "rclone":
		cfg := fmt.Sprintf("[s3]\ntype = s3\nprovider = Other\nenv_auth = false\naccess_key_id = %s\n"+
			"secret_access_key = %s\nsession_token = %s\nregion = %s\nendpoint = %s\nv2_auth = false\n"+
			"force_path_style = true\nupload_cutoff = 5Mi\nchunk_size = 5Mi\n",
			target.AccessKey, target.SecretKey, target.SessionToken, target.region(), target.Endpoint)
		tl.WriteFile(t, "rclone.conf", []byte(cfg))
	}
	return tl
}

var (
	// AWS CLI and botocore: "An error occurred (AccessDenied) when calling ...".
	codeRe = regexp.MustCompile(`An error occurred \(([A-Za-z0-9.]+)\)`)
	// S3 XML error bodies printed by s3cmd or rclone.
	xmlCodeRe = regexp.MustCompile(`<Code>([A-Za-z0-9.]+)</Code>`)
	// s3cmd: "ERROR: S3 error: 403 (AccessDenied): Access Denied."
	s3cmdRe = regexp.MustCompile(`S3 error: \d+ \(([A-Za-z0-9.]+)\)`)
	// rclone: "AccessDenied: Access Denied." at the start of a message part.
	rcloneRe = regexp.MustCompile(`(?:^|[:\s])([A-Z][A-Za-z]+): [^\n]*\n?\s*status code: \d+`)
	// boto3 scripts written by this package print "ERRORCODE <code>".
	scriptRe = regexp.MustCompile(`ERRORCODE ([A-Za-z0-9.]+)`)
)

// ErrorCode finds the S3 or STS error code in a client's output: the
// AWS CLI's and botocore's "An error occurred (Code)", s3cmd's "S3 error:
// 403 (Code)", an XML <Code>, rclone's "Code: ... status code: N" or the
// "ERRORCODE Code" lines of this package's scripts. It returns "" when
// there is none.
func ErrorCode(out string) string {
	for _, re := range []*regexp.Regexp{scriptRe, codeRe, s3cmdRe, xmlCodeRe, rcloneRe} {
		if m := re.FindStringSubmatch(out); m != nil {
			return m[1]
		}
	}
	return ""
}

// Fetch GETs url with net/http (optionally a Range) and returns the status
// and body.
func Fetch(t testing.TB, url, rangeHeader string) (int, []byte) {
	t.Helper()
	return fetch(t, http.DefaultClient, url, rangeHeader)
}

func fetch(t testing.TB, hc *http.Client, url, rangeHeader string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("clienttest: bad URL %q: %v", url, err)
	}
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("clienttest: GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("clienttest: reading GET %s: %v", url, err)
	}
	return resp.StatusCode, body
}

// SameBytes fails the test when got differs from want, without printing
// megabytes.
func SameBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Errorf("%s: got %d bytes, want %d; first difference at offset %d", what, len(got), len(want), i)
}

func newPut(ctx context.Context, url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	return req, nil
}

// httpDo sends req and returns the status, draining the body.
func httpDo(hc *http.Client, req *http.Request) (int, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
