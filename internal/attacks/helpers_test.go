package attacks_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Root credentials of the reference server started by startRefServer.
const (
	refRootAK = "attackroot"
	refRootSK = "attack-root-secret-1"
	region    = "us-east-1"
)

// moduleRoot walks up from the package directory to go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("attacks: go.mod not found above the package directory")
		}
		dir = parent
	}
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildBin != "" {
		os.RemoveAll(filepath.Dir(buildBin))
	}
	os.Exit(code)
}

// serverBinary builds examples/s3server once per test run.
func serverBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "s3auth-attacks-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "s3server")
		// go test puts its own GOROOT/bin first in PATH.
		cmd := exec.Command("go", "build", "-o", buildBin, "./examples/s3server")
		cmd.Dir = moduleRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("attacks: building the reference server (go build ./examples/s3server): %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// refServer is a running reference server (examples/s3server) on a
// loopback port with its own data directory.
type refServer struct {
	URL  string
	Data string
}

var listenRE = regexp.MustCompile(`addr=(127\.0\.0\.1:[0-9]+)`)

// startRefServer starts the reference server and creates the buckets.
func startRefServer(t *testing.T, buckets ...string) *refServer {
	t.Helper()
	bin := serverBinary(t)
	data := filepath.Join(t.TempDir(), "data") // the parent shows escapes
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data", data, "--log-level", "info")
	cmd.Env = append(os.Environ(), "S3AUTH_ROOT_ACCESS_KEY="+refRootAK, "S3AUTH_ROOT_SECRET_KEY="+refRootSK)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	var logMu sync.Mutex
	var log bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
	}()
	var s *refServer
	select {
	case a := <-addr:
		s = &refServer{URL: "http://" + a, Data: data}
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("attacks: the reference server did not start within 30 s:\n%s", log.String())
	}
	for _, b := range buckets {
		resp := s.do(t, signed(t, http.MethodPut, s.URL+"/"+b, nil, refRootAK, refRootSK, "", time.Now()))
		if resp.status != 200 {
			t.Fatalf("CreateBucket %s: %d %s", b, resp.status, resp.body)
		}
	}
	return s
}

// response is a read HTTP response.
type response struct {
	status int
	code   string // S3 error code, "" when the body is not an error
	body   string
}

// errorCode extracts <Code> from an S3 or STS XML error.
func errorCode(body []byte) string {
	var e struct {
		Code  string `xml:"Code"`
		Inner struct {
			Code string `xml:"Code"`
		} `xml:"Error"`
	}
	if xml.Unmarshal(body, &e) != nil {
		return ""
	}
	if e.Code != "" {
		return e.Code
	}
	return e.Inner.Code
}

func (s *refServer) do(t testing.TB, r *http.Request) response {
	t.Helper()
	return doRequest(t, r)
}

func doRequest(t testing.TB, r *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, code: errorCode(b), body: string(b)}
}

// files lists every regular file under the data directory (relative,
// slash-separated), except the embedded store.
func (s *refServer) files(t testing.TB) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(s.Data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(s.Data, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "s3auth.db") {
			return nil
		}
		out[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertNoNewFiles fails when a file appeared under the data directory
// since before was taken (temporary files are given a moment to go).
func (s *refServer) assertNoNewFiles(t testing.TB, before map[string]bool) {
	t.Helper()
	var extra []string
	for range 50 {
		extra = extra[:0]
		for f := range s.files(t) {
			if !before[f] {
				extra = append(extra, f)
			}
		}
		if len(extra) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the attack left files behind: %v", extra)
}

// objectExists reports whether <data>/buckets/<bucket>/<key> exists.
func (s *refServer) objectExists(bucket, key string) bool {
	_, err := os.Stat(filepath.Join(s.Data, "buckets", bucket, filepath.FromSlash(key)))
	return err == nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// signed returns a request signed in the header by aws-sdk-go-v2's signer,
// with x-amz-content-sha256 the hash of body unless the caller preset the
// header (then that value is signed as the payload hash). extra headers are
// set before signing (so they are signed).
func signed(t testing.TB, method, url string, body []byte, ak, sk, token string, at time.Time, extra ...string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		r.Header.Set(extra[i], extra[i+1])
	}
	signInPlace(t, r, body, ak, sk, token, at, region, "s3")
	return r
}

// signInPlace signs r as the AWS SDK does for service and region.
func signInPlace(t testing.TB, r *http.Request, body []byte, ak, sk, token string, at time.Time, region, service string) {
	t.Helper()
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		hash = sha256Hex(body)
		r.Header.Set("X-Amz-Content-Sha256", hash)
	}
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hash, service, region, at); err != nil {
		t.Fatalf("signing: %v", err)
	}
}

// presign returns a presigned URL for method and url (UNSIGNED-PAYLOAD),
// valid for expires, as aws-sdk-go-v2's presigner builds it; the
// headers in extra are signed.
func presign(t testing.TB, method, url string, ak, sk, token string, at time.Time, expires time.Duration, extra ...string) (string, http.Header) {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	r.URL.RawQuery = q.Encode()
	for i := 0; i+1 < len(extra); i += 2 {
		r.Header.Set(extra[i], extra[i+1])
	}
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: token}
	u, h, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", "s3", region, at)
	if err != nil {
		t.Fatal(err)
	}
	return u, h
}

// authField extracts "Name=value" from an Authorization header.
func authField(auth, name string) string {
	i := strings.Index(auth, name+"=")
	if i < 0 {
		return ""
	}
	v := auth[i+len(name)+1:]
	if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	return v
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// chunkSigner computes aws-chunked chunk and trailer signatures chained
// from a request's seed signature (the attacker knows the secret here: the
// attacks are on the framing, not on the key).
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
}

func newChunkSigner(r *http.Request, secret string) *chunkSigner {
	auth := r.Header.Get("Authorization")
	cred := authField(auth, "Credential")
	scope := cred[strings.IndexByte(cred, '/')+1:]
	amzDate := r.Header.Get("X-Amz-Date")
	return &chunkSigner{
		key:     signingKey(secret, amzDate[:8], region, "s3"),
		amzDate: amzDate,
		scope:   scope,
		prev:    authField(auth, "Signature"),
	}
}

var emptySHA256 = sha256Hex(nil)

// chunk returns the signature of the next chunk and advances the chain.
func (c *chunkSigner) chunk(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + emptySHA256 + "\n" + sha256Hex(data)
	c.prev = hex.EncodeToString(hmacSHA256(c.key, sts))
	return c.prev
}

// trailer returns the signature of trailer lines ("name:value\n" each).
func (c *chunkSigner) trailer(lines string) string {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + sha256Hex([]byte(lines))
	return hex.EncodeToString(hmacSHA256(c.key, sts))
}

// frame writes one signed chunk.
func frame(data []byte, sig string) []byte {
	return []byte(fmt.Sprintf("%x;chunk-signature=%s\r\n%s\r\n", len(data), sig, data))
}

// streamingRequest builds a header-signed aws-chunked PUT whose body the
// caller frames with the returned signer. mode is the x-amz-content-sha256
// value; decoded is x-amz-decoded-content-length; trailer (may be "") is
// x-amz-trailer.
func streamingRequest(t testing.TB, url string, mode string, decoded int, trailer string, at time.Time) (*http.Request, *chunkSigner) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	r.Header.Set("Content-Encoding", "aws-chunked")
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	signInPlace(t, r, nil, refRootAK, refRootSK, "", at, region, "s3")
	return r, newChunkSigner(r, refRootSK)
}

// withBody sets the wire body of r (and its Content-Length).
func withBody(r *http.Request, wire []byte) *http.Request {
	r.Body = io.NopCloser(bytes.NewReader(wire))
	r.ContentLength = int64(len(wire))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(wire)), nil }
	return r
}
