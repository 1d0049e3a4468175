package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/sigv4/sigv4test"
)

// The upstream of these tests is the reference server (examples/s3server),
// built once and started as a child process per test on a loopback port:
// its package is a command, so it cannot be linked into this test binary.

const (
	upstreamAK = "upstreamroot"
	upstreamSK = "upstream-root-secret-1"
	proxyAK    = "proxyroot"
	proxySK    = "proxy-root-secret-1"
)

var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "s3proxy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin = filepath.Join(dir, "s3server")
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3proxy tests: the go command is not on PATH; it builds the reference server the tests run as upstream")
		os.Exit(1)
	}
	cmd := exec.Command(goTool, "build", "-o", serverBin, "github.com/s3auth/s3auth/examples/s3server")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "s3proxy tests: building the reference server (go build ./examples/s3server) failed: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// upstream is a running reference server.
type upstream struct {
	URL  string
	Data string
}

var listenRE = regexp.MustCompile(`s3server: listening" addr=(\S+)`)

func startUpstream(t testing.TB) *upstream {
	t.Helper()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, serverBin, "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "S3AUTH_ROOT_ACCESS_KEY="+upstreamAK, "S3AUTH_ROOT_SECRET_KEY="+upstreamSK)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the reference server: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("the reference server exited before listening")
		}
		return &upstream{URL: "http://" + a, Data: data}
	case <-time.After(30 * time.Second):
		t.Fatal("the reference server did not start within 30s")
	}
	return nil
}

// countingTransport counts the requests that reach the upstream.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// env is an upstream reference server with the proxy in front of it.
type env struct {
	up    *upstream
	app   *app
	proxy *httptest.Server
	count *countingTransport
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvLog(t, slog.New(slog.DiscardHandler))
}

// newEnvLog is newEnv with the proxy logging to log.
func newEnvLog(t testing.TB, log *slog.Logger) *env {
	t.Helper()
	up := startUpstream(t)
	c, err := parseFlags([]string{"--data", t.TempDir(), "--upstream", up.URL}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ct := &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	ct.next.(*http.Transport).DisableCompression = true
	c.transport = ct
	vars := map[string]string{
		"S3AUTH_ROOT_ACCESS_KEY": proxyAK, "S3AUTH_ROOT_SECRET_KEY": proxySK,
		"S3PROXY_UPSTREAM_ACCESS_KEY": upstreamAK, "S3PROXY_UPSTREAM_SECRET_KEY": upstreamSK,
	}
	a, err := build(context.Background(), c, func(k string) string { return vars[k] }, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.handler)
	t.Cleanup(func() { ts.Close(); a.Close() })
	return &env{up: up, app: a, proxy: ts, count: ct}
}

// addUser creates a proxy user with the named policies.
func (e *env) addUser(t testing.TB, name, secret string, policies ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.app.auth.Directory().AddUser(ctx, name, secret); err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		if err := e.app.auth.Directory().AttachPolicy(ctx, p, s3auth.Target{User: name}); err != nil {
			t.Fatal(err)
		}
	}
}

// s3Client is an aws-sdk-go-v2 S3 client with the SDK's default checksum
// behaviour (config.LoadDefaultConfig sets WhenSupported; s3.New alone
// does not).
func s3Client(url, ak, sk, token string, opts ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, token),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported}, opts...)
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func getAll(t *testing.T, c *s3.Client, bucket, key string, rng string) []byte {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s/%s %s: %v", bucket, key, rng, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upstreamFile reports whether the reference server has a file for the key.
func (e *env) upstreamFile(bucket, key string) bool {
	_, err := os.Stat(filepath.Join(e.up.Data, "buckets", bucket, filepath.FromSlash(key)))
	return err == nil
}

func TestAWSSDKThroughProxy(t *testing.T) {
	rec := &modeRecorder{modes: map[string]int{}}
	e := newEnvLog(t, slog.New(rec))
	e.addUser(t, "alice", "alice-secret-1", "readwrite")
	ctx := context.Background()
	alice := s3Client(e.proxy.URL, "alice", "alice-secret-1", "")
	direct := s3Client(e.up.URL, upstreamAK, upstreamSK, "")
	if _, err := alice.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	small := []byte("hello through the proxy")
	big := payload(6<<20+123, 1)
	for _, c := range []struct {
		name string
		key  string
		body []byte
		opt  func(*s3.Options)
	}{
		{"small default checksum", "small.txt", small, nil},
		{"big default checksum", "dir/big.bin", big, nil},
		{"big checksum when required", "big-nochk.bin", big, func(o *s3.Options) {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var opts []func(*s3.Options)
			if c.opt != nil {
				opts = append(opts, c.opt)
			}
			if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(c.key),
				Body: bytes.NewReader(c.body), ContentType: aws.String("application/x-test")}, opts...); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if got := getAll(t, direct, "bkt", c.key, ""); !bytes.Equal(got, c.body) {
				t.Fatalf("upstream has %d bytes, want %d", len(got), len(c.body))
			}
			if got := getAll(t, alice, "bkt", c.key, ""); !bytes.Equal(got, c.body) {
				t.Fatalf("through the proxy: %d bytes, want %d", len(got), len(c.body))
			}
			if got := getAll(t, alice, "bkt", c.key, "bytes=3-9"); !bytes.Equal(got, c.body[3:10]) {
				t.Fatalf("ranged GET: %q", got)
			}
			h, err := alice.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(c.key)})
			if err != nil || aws.ToInt64(h.ContentLength) != int64(len(c.body)) || aws.ToString(h.ContentType) != "application/x-test" {
				t.Fatalf("HeadObject: %v %+v", err, h)
			}
		})
	}

	// Over TLS the SDK sends its default trailing checksums
	// (STREAMING-UNSIGNED-PAYLOAD-TRAILER, aws-chunked).
	tlsProxy := httptest.NewTLSServer(e.app.handler)
	t.Cleanup(tlsProxy.Close)
	aliceTLS := s3Client(tlsProxy.URL, "alice", "alice-secret-1", "", func(o *s3.Options) { o.HTTPClient = tlsProxy.Client() })
	for _, body := range [][]byte{small, big} {
		// An unseekable body of known length: the SDK streams it with a
		// trailing CRC32 instead of hashing it first.
		unseekable := struct{ io.Reader }{bytes.NewReader(body)}
		if _, err := aliceTLS.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("tls.bin"),
			Body: unseekable, ContentLength: aws.Int64(int64(len(body)))}); err != nil {
			t.Fatalf("PutObject over TLS: %v", err)
		}
		if got := getAll(t, direct, "bkt", "tls.bin", ""); !bytes.Equal(got, body) {
			t.Fatalf("upstream has %d bytes, want %d", len(got), len(body))
		}
	}
	if modes := rec.seen(); !slices.Contains(modes, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
		t.Fatalf("the SDK's trailing-checksum upload did not go through the proxy; modes seen: %v", modes)
	}
	if _, err := aliceTLS.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("tls.bin")}); err != nil {
		t.Fatal(err)
	}

	// Multipart: two parts (5 MiB + rest).
	mp, err := alice.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("multi.bin")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var parts []types.CompletedPart
	for i, chunk := range [][]byte{big[:5<<20], big[5<<20:]} {
		n := int32(i + 1)
		up, err := alice.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("multi.bin"),
			UploadId: mp.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(chunk)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(n)})
	}
	lp, err := alice.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("multi.bin"), UploadId: mp.UploadId})
	if err != nil || len(lp.Parts) != 2 {
		t.Fatalf("ListParts: %v %+v", err, lp)
	}
	if _, err := alice.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("multi.bin"),
		UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if got := getAll(t, direct, "bkt", "multi.bin", ""); !bytes.Equal(got, big) {
		t.Fatalf("multipart object: %d bytes, want %d", len(got), len(big))
	}

	// List.
	l, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var keys []string
	for _, o := range l.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if strings.Join(keys, ",") != "big-nochk.bin,multi.bin,small.txt" || len(l.CommonPrefixes) != 1 {
		t.Fatalf("ListObjectsV2: keys %v prefixes %d", keys, len(l.CommonPrefixes))
	}

	// Presigned GET and PUT, verified by the proxy and re-signed in the header.
	ps := s3.NewPresignClient(alice)
	pg, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("small.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, small) {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}
	pp, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("presigned.txt")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, pp.URL, bytes.NewReader(small))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}
	if got := getAll(t, direct, "bkt", "presigned.txt", ""); !bytes.Equal(got, small) {
		t.Fatalf("presigned PUT stored %q", got)
	}

	// Delete one, then several.
	if _, err := alice.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("presigned.txt")}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	del, err := alice.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("small.txt")}, {Key: aws.String("dir/big.bin")}, {Key: aws.String("big-nochk.bin")}, {Key: aws.String("multi.bin")},
	}}})
	if err != nil || len(del.Deleted) != 4 {
		t.Fatalf("DeleteObjects: %v %+v", err, del)
	}
	for _, k := range []string{"presigned.txt", "small.txt", "dir/big.bin", "multi.bin"} {
		if e.upstreamFile("bkt", k) {
			t.Errorf("%s still stored upstream", k)
		}
	}
	if _, err := alice.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	t.Logf("payload modes forwarded: %v", rec.seen())
	// Upstream errors pass through.
	_, err = alice.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bkt")})
	if errCode(err) != "NotFound" {
		t.Fatalf("HeadBucket of a deleted bucket: %v", err)
	}
	_, err = alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("x")})
	if errCode(err) != "NoSuchBucket" {
		t.Fatalf("GetObject in a deleted bucket: %v", err)
	}
}

func TestDenialsDecidedByProxy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	root := s3Client(e.proxy.URL, proxyAK, proxySK, "")
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("root CreateBucket: %v", err)
	}
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("home/bob/a"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("other/b"), Body: strings.NewReader("b")}); err != nil {
		t.Fatal(err)
	}
	e.addUser(t, "nopolicy", "nopolicy-secret-1")
	e.addUser(t, "reader", "reader-secret-1", "readonly")
	prefix := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::bkt/home/bob/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt"}]}`
	if err := e.app.auth.Directory().PutPolicy(ctx, "bobhome", []byte(prefix)); err != nil {
		t.Fatal(err)
	}
	e.addUser(t, "bob", "bob-secret-12", "bobhome")
	e.addUser(t, "carol", "carol-secret-1", "readwrite")

	// A session of carol narrowed to reads.
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.proxy.URL),
		Credentials: credentials.NewStaticCredentialsProvider("carol", "carol-secret-1", "")})
	ar, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("sess"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatalf("AssumeRole through the proxy: %v", err)
	}
	session := s3Client(e.proxy.URL, *ar.Credentials.AccessKeyId, *ar.Credentials.SecretAccessKey, *ar.Credentials.SessionToken)
	if got := getAll(t, session, "bkt", "other/b", ""); string(got) != "b" {
		t.Fatalf("session GET: %q", got)
	}

	put := func(c *s3.Client, key string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader("x")})
		return err
	}
	cases := []struct {
		name string
		do   func() error
		want string
	}{
		{"no policy", func() error { return put(s3Client(e.proxy.URL, "nopolicy", "nopolicy-secret-1", ""), "k") }, "AccessDenied"},
		{"read-only put", func() error { return put(s3Client(e.proxy.URL, "reader", "reader-secret-1", ""), "k") }, "AccessDenied"},
		{"prefix outside", func() error { return put(s3Client(e.proxy.URL, "bob", "bob-secret-12", ""), "other/k") }, "AccessDenied"},
		{"session policy", func() error { return put(session, "k") }, "AccessDenied"},
		{"unknown key", func() error { return put(s3Client(e.proxy.URL, "nobody", "nobody-secret-1", ""), "k") }, "InvalidAccessKeyId"},
		{"wrong secret", func() error { return put(s3Client(e.proxy.URL, "bob", "bob-secret-wrong", ""), "home/bob/k") }, "SignatureDoesNotMatch"},
		{"upstream keys are not proxy keys", func() error { return put(s3Client(e.proxy.URL, upstreamAK, upstreamSK, ""), "k") }, "InvalidAccessKeyId"},
		{"DeleteObjects with a key outside the prefix", func() error {
			_, err := s3Client(e.proxy.URL, "bob", "bob-secret-12", "").DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"),
				Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("home/bob/a")}, {Key: aws.String("other/b")}}}})
			return err
		}, "AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.count.n.Load()
			if err := c.do(); errCode(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
			if n := e.count.n.Load() - before; n != 0 {
				t.Fatalf("%d request(s) reached the upstream", n)
			}
		})
	}
	if e.upstreamFile("bkt", "k") || e.upstreamFile("bkt", "other/k") || !e.upstreamFile("bkt", "other/b") || !e.upstreamFile("bkt", "home/bob/a") {
		t.Fatal("a denied request changed the upstream")
	}
	// The prefix user works inside the prefix, and the admin path is never
	// forwarded.
	if err := put(s3Client(e.proxy.URL, "bob", "bob-secret-12", ""), "home/bob/k"); err != nil {
		t.Fatalf("bob inside the prefix: %v", err)
	}
	before := e.count.n.Load()
	resp, err := http.Get(e.proxy.URL + "/s3auth/admin/v1/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || e.count.n.Load() != before {
		t.Fatalf("unsigned admin call: status %d, upstream requests %d", resp.StatusCode, e.count.n.Load()-before)
	}
	// Signed by the proxy's root, the admin API answers with the proxy's
	// users, not the upstream's.
	req := sigv4test.Sign(t, sigv4test.NewRequest(t, http.MethodGet, e.proxy.URL+"/s3auth/admin/v1/users", nil), sigv4test.Credentials{AccessKey: proxyAK, SecretKey: proxySK})
	req.RequestURI = ""
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	users, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(users), "bob") || e.count.n.Load() != before {
		t.Fatalf("root admin call: status %d, body %s, upstream requests %d", resp.StatusCode, users, e.count.n.Load()-before)
	}
}
