package sigv4_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth/sigv4"
)

// The AWS SigV4 suite (aws-c-auth layout) uses service "service". S3
// never normalizes the path, so the cases signed over a normalized path do
// not apply: the verifier must reject them, which shows it does not
// normalize.
var suiteNotForS3 = map[string]bool{
	"get-relative-normalized":            true,
	"get-relative-relative-normalized":   true,
	"get-slash-dot-slash-normalized":     true,
	"get-slash-normalized":               true,
	"get-slash-pointless-dot-normalized": true,
	"get-slashes-normalized":             true,
}

// suiteRejected are cases a strict S3-style verifier refuses on purpose.
var suiteRejected = map[string]string{
	// X-Amz-Security-Token is sent but not signed; every x-amz-* header must be.
	"post-sts-header-after/header": sigv4.ErrCodeAccessDenied,
	// The token is added to the URL after signing; S3 requires it to be part
	// of the canonical query string.
	"post-sts-header-after/query": sigv4.ErrCodeSignatureDoesNotMatch,
}

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration int       `json:"expiration_in_seconds"`
	Normalize  bool      `json:"normalize"`
	Region     string    `json:"region"`
	Service    string    `json:"service"`
	Timestamp  time.Time `json:"timestamp"`
}

// parseSuiteRequest reads the suite's request format: request line,
// Name:value lines (a line starting with white space continues the previous
// one), blank line, body. Raw spaces and UTF-8 in the path are escaped the
// way a client puts them on the wire.
func parseSuiteRequest(t *testing.T, raw []byte) *http.Request {
	t.Helper()
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	first := lines[0]
	sp := strings.IndexByte(first, ' ')
	end := strings.LastIndex(first, " HTTP/1.1")
	if sp < 0 || end < sp {
		t.Fatalf("bad request line %q", first)
	}
	method, target := first[:sp], first[sp+1:end]
	path, query, _ := strings.Cut(target, "?")
	var esc strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == ' ' || c >= 0x80 {
			esc.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		} else {
			esc.WriteByte(c)
		}
	}
	u := &url.URL{Scheme: "https", Host: "example.amazonaws.com", RawQuery: query}
	if err := u.UnmarshalBinary([]byte("https://example.amazonaws.com" + esc.String())); err != nil {
		t.Fatalf("path %q: %v", path, err)
	}
	u.RawQuery = query
	r := &http.Request{Method: method, URL: u, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	var last string
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			vs := r.Header[last]
			vs[len(vs)-1] += "\n" + l
			continue
		}
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		last = http.CanonicalHeaderKey(name)
		if last == "Host" {
			r.Host = val
			continue
		}
		r.Header[last] = append(r.Header[last], val)
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	} else {
		r.Body = http.NoBody
	}
	return r
}

func readSuiteFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func suiteVerifier(ctx suiteContext) *sigv4.Verifier {
	l := staticLookup{secrets: map[string]string{ctx.Credentials.AccessKeyID: ctx.Credentials.SecretAccessKey}}
	if ctx.Credentials.Token != "" {
		l.tokens = map[string]string{ctx.Credentials.AccessKeyID: ctx.Credentials.Token}
	}
	return sigv4.NewVerifier(l, sigv4.WithRegions(ctx.Region), sigv4.WithClock(clockAt(ctx.Timestamp)))
}

// flipSignature changes one hex digit of the signature in the request.
func flipSignature(r *http.Request) {
	flip := func(s string) string {
		i := strings.LastIndex(s, "Signature=") + len("Signature=")
		c := byte('0')
		if s[i] == '0' {
			c = '1'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	if a := r.Header.Get("Authorization"); a != "" {
		r.Header.Set("Authorization", flip(a))
		return
	}
	r.URL.RawQuery = flip(r.URL.RawQuery)
}

func TestAWSSigV4Suite(t *testing.T) {
	t.Parallel()
	root := testdataPath(t, "aws-sigv4-suite", "v4")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 38 {
		t.Fatalf("suite has %d cases, want 38", len(entries))
	}
	for _, ent := range entries {
		for _, variant := range []string{"header", "query"} {
			name := ent.Name()
			dir := filepath.Join(root, name)
			t.Run(name+"/"+variant, func(t *testing.T) {
				t.Parallel()
				var ctx suiteContext
				if err := json.Unmarshal(readSuiteFile(t, dir, "context.json"), &ctx); err != nil {
					t.Fatal(err)
				}
				v := suiteVerifier(ctx)
				build := func() *http.Request {
					return parseSuiteRequest(t, readSuiteFile(t, dir, variant+"-signed-request.txt"))
				}
				res, err := v.VerifyService(build(), ctx.Service)
				switch {
				case suiteNotForS3[name]:
					if got := s3Code(err); got != sigv4.ErrCodeSignatureDoesNotMatch {
						t.Fatalf("normalized-path case: got %q, want SignatureDoesNotMatch (S3 does not normalize)", got)
					}
					return
				case suiteRejected[name+"/"+variant] != "":
					if want := suiteRejected[name+"/"+variant]; s3Code(err) != want {
						t.Fatalf("got %v, want %s", err, want)
					}
					return
				case err != nil:
					t.Fatalf("Verify: %v", err)
				}
				if res.AccessKey != ctx.Credentials.AccessKeyID || res.Region != ctx.Region || res.Service != ctx.Service {
					t.Errorf("result = %+v", res)
				}
				if !res.SignedAt.Equal(ctx.Timestamp) {
					t.Errorf("SignedAt = %v, want %v", res.SignedAt, ctx.Timestamp)
				}
				if res.Body != nil {
					if _, err := io.Copy(io.Discard, res.Body); err != nil {
						t.Fatalf("reading verified body: %v", err)
					}
				}

				// The canonical request and string to sign reported on a
				// mismatch are the suite's, byte for byte.
				r := build()
				flipSignature(r)
				_, err = v.VerifyService(r, ctx.Service)
				var e *sigv4.Error
				if !errors.As(err, &e) || e.Code != sigv4.ErrCodeSignatureDoesNotMatch {
					t.Fatalf("flipped signature: got %v", err)
				}
				if want := string(readSuiteFile(t, dir, variant+"-canonical-request.txt")); e.CanonicalRequest != want {
					t.Errorf("canonical request:\n%s\nwant:\n%s", e.CanonicalRequest, want)
				}
				if want := string(readSuiteFile(t, dir, variant+"-string-to-sign.txt")); e.StringToSign != want {
					t.Errorf("string to sign:\n%s\nwant:\n%s", e.StringToSign, want)
				}

				for _, m := range suiteMutations(variant) {
					r := build()
					m.mutate(r)
					if _, err := v.VerifyService(r, ctx.Service); s3Code(err) != m.code {
						t.Errorf("%s: got %v, want %s", m.name, err, m.code)
					}
				}
			})
		}
	}
}

type mutation struct {
	name   string
	mutate func(*http.Request)
	code   string
}

func suiteMutations(variant string) []mutation {
	ms := []mutation{
		{"method", func(r *http.Request) {
			if r.Method == "GET" {
				r.Method = "PUT"
			} else {
				r.Method = "GET"
			}
		}, sigv4.ErrCodeSignatureDoesNotMatch},
		{"path", func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" }, sigv4.ErrCodeSignatureDoesNotMatch},
		{"query added", func(r *http.Request) {
			if r.URL.RawQuery != "" {
				r.URL.RawQuery += "&"
			}
			r.URL.RawQuery += "extra=1"
		}, sigv4.ErrCodeSignatureDoesNotMatch},
		{"host", func(r *http.Request) { r.Host = "x" + r.Host }, sigv4.ErrCodeSignatureDoesNotMatch},
		{"signature", flipSignature, sigv4.ErrCodeSignatureDoesNotMatch},
		{"unknown key", func(r *http.Request) { replaceEverywhere(r, "AKIDEXAMPLE", "AKIDEXAMPLF") }, sigv4.ErrCodeInvalidAccessKeyID},
	}
	if variant == "header" {
		ms = append(ms,
			mutation{"date one second later", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20150830T123601Z") }, sigv4.ErrCodeSignatureDoesNotMatch},
			mutation{"unsigned x-amz header added", func(r *http.Request) { r.Header.Add("X-Amz-Meta-New", "x") }, sigv4.ErrCodeAccessDenied},
			mutation{"date beyond skew", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20150830T130000Z") }, sigv4.ErrCodeRequestTimeTooSkewed},
		)
	} else {
		ms = append(ms,
			mutation{"date one second later", func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Date=20150830T123600Z", "X-Amz-Date=20150830T123601Z", 1)
			}, sigv4.ErrCodeSignatureDoesNotMatch},
			mutation{"unsigned x-amz header added", func(r *http.Request) { r.Header.Add("X-Amz-Meta-New", "x") }, sigv4.ErrCodeAccessDenied},
			mutation{"expires changed", func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=3600", "X-Amz-Expires=3601", 1)
			}, sigv4.ErrCodeSignatureDoesNotMatch},
		)
	}
	return ms
}

func replaceEverywhere(r *http.Request, old, new string) {
	r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, old, new)
	for k, vs := range r.Header {
		for i := range vs {
			r.Header[k][i] = strings.ReplaceAll(vs[i], old, new)
		}
	}
}
