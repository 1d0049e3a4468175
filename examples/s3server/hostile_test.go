package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3auth/s3auth/internal/clienttest"
)

const (
	hostileBucket = "hostile"
	emptySHA256   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	streamingHash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
)

// signed returns a request signed by root with payload hash hash (the
// SHA-256 of body when hash is "").
func signed(t *testing.T, method, url string, body []byte, hash string, hdr map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: rootAK, SecretAccessKey: rootSK}, req, hash, "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// chunk is one aws-chunked chunk as sent: its data, the size line
// written (default: hex of len(data)) and whether its signature is
// corrupted.
type chunk struct {
	data    []byte
	size    string
	badSig  bool
	omitSig bool
}

// chunkedPut builds a signed STREAMING-AWS4-HMAC-SHA256-PAYLOAD PUT of
// chunks, declaring decoded as x-amz-decoded-content-length.
func chunkedPut(t *testing.T, url string, decoded int, chunks []chunk) *http.Request {
	t.Helper()
	now := time.Now().UTC()
	req := signed(t, http.MethodPut, url, nil, streamingHash, map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": fmt.Sprint(decoded),
		"X-Amz-Date":                   now.Format("20060102T150405Z"),
	})
	auth := req.Header.Get("Authorization")
	prev := auth[strings.LastIndex(auth, "Signature=")+len("Signature="):]
	amzDate := req.Header.Get("X-Amz-Date")
	day := amzDate[:8]
	scope := day + "/us-east-1/s3/aws4_request"
	key := []byte("AWS4" + rootSK)
	for _, p := range []string{day, "us-east-1", "s3", "aws4_request"} {
		key = hmacSHA256(key, p)
	}
	var body bytes.Buffer
	for _, c := range chunks {
		sum := sha256.Sum256(c.data)
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum[:])
		sig := hex.EncodeToString(hmacSHA256(key, sts))
		prev = sig
		if c.badSig {
			sig = strings.Repeat("0", 64)
		}
		size := c.size
		if size == "" {
			size = fmt.Sprintf("%x", len(c.data))
		}
		if c.omitSig {
			fmt.Fprintf(&body, "%s\r\n", size)
		} else {
			fmt.Fprintf(&body, "%s;chunk-signature=%s\r\n", size, sig)
		}
		body.Write(c.data)
		body.WriteString("\r\n")
	}
	req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	req.ContentLength = int64(body.Len())
	return req
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// s3ErrorBody is the XML error every refusal must carry.
type s3ErrorBody struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
}

// TestHostileRequests sends malformed, forged and tricky requests: each
// must get a 4xx S3 XML error, the server must keep serving, and nothing
// partial may be left on disk.
func TestHostileRequests(t *testing.T) {
	dir := t.TempDir()
	c, err := parseFlags([]string{"--data", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), c, env(map[string]string{"S3AUTH_ROOT_ACCESS_KEY": rootAK, "S3AUTH_ROOT_SECRET_KEY": rootSK}), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(a.handler)
	ts.Config.MaxHeaderBytes = 64 << 10 // as run() serves
	ts.Start()
	t.Cleanup(func() { ts.Close(); a.Close() })
	root := clienttest.Target{Endpoint: ts.URL, AccessKey: rootAK, SecretKey: rootSK}
	sdk := clienttest.SDK(root)
	ctx := context.Background()
	if _, err := sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(hostileBucket)}); err != nil {
		t.Fatal(err)
	}
	keep := []byte("the one object that must survive")
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(hostileBucket), Key: aws.String("keep.txt"), Body: bytes.NewReader(keep)}); err != nil {
		t.Fatal(err)
	}
	up, err := sdk.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(hostileBucket), Key: aws.String("mp.bin")})
	if err != nil {
		t.Fatal(err)
	}
	base := ts.URL + "/" + hostileBucket
	obj := base + "/victim.bin"
	data := []byte("0123456789abcdef0123456789abcdef")
	raw := func(method, url, authz string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			req, err := http.NewRequest(method, url, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return req
		}
	}
	scope := rootAK + "/" + time.Now().UTC().Format("20060102") + "/us-east-1/s3/aws4_request"
	cases := []struct {
		name string
		req  func(t *testing.T) *http.Request
		code string // "" = any code
	}{
		{"garbage-authorization", raw("PUT", obj, "garbage"), "InvalidArgument"},
		{"algorithm-only", raw("PUT", obj, "AWS4-HMAC-SHA256"), ""},
		{"empty-fields", raw("PUT", obj, "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature="), "AuthorizationHeaderMalformed"},
		{"short-credential", raw("PUT", obj, "AWS4-HMAC-SHA256 Credential="+rootAK+"/20200101, SignedHeaders=host, Signature=00"), ""},
		{"non-hex-signature", raw("PUT", obj, "AWS4-HMAC-SHA256 Credential="+scope+", SignedHeaders=host;x-amz-date, Signature=zz"), ""},
		{"binary-junk", raw("PUT", obj, "AWS4-HMAC-SHA256 \xff\xfe\x80 Credential=\t,,,=="), ""},
		{"huge-authorization", raw("PUT", obj, "AWS4-HMAC-SHA256 Credential="+scope+", SignedHeaders=host, Signature="+strings.Repeat("a", 40<<10)), ""},
		{"sigv2-header", raw("PUT", obj, "AWS "+rootAK+":frJIUN8DYpKDtOLCwo//yllqDzg="), "InvalidRequest"},
		{"sigv2-query", raw("GET", base+"/keep.txt?AWSAccessKeyId="+rootAK+"&Expires=9999999999&Signature=abc", ""), ""},
		{"header-and-presigned", func(t *testing.T) *http.Request {
			req := signed(t, "PUT", obj+"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+scope+"&X-Amz-Signature=00", data, "", nil)
			return req
		}, "InvalidArgument"},
		{"wrong-secret", func(t *testing.T) *http.Request {
			req := signed(t, "PUT", obj, data, "", nil)
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=0", 1)[:len(req.Header.Get("Authorization"))])
			return req
		}, "SignatureDoesNotMatch"},
		{"payload-hash-mismatch", func(t *testing.T) *http.Request {
			req := signed(t, "PUT", obj, data, strings.Repeat("ab", 32), nil)
			return req
		}, "XAmzContentSHA256Mismatch"},
		{"chunk-bad-size", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data, size: "zz"}, {}})
		}, ""},
		{"chunk-size-too-big", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data, size: "ffffffffffffffff"}, {}})
		}, ""},
		{"chunk-bad-signature", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data, badSig: true}, {}})
		}, "SignatureDoesNotMatch"},
		{"chunk-missing-signature", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data, omitSig: true}, {}})
		}, ""},
		{"chunk-final-bad-signature", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data}, {badSig: true}})
		}, "SignatureDoesNotMatch"},
		{"chunk-missing-final", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data), []chunk{{data: data}})
		}, "IncompleteBody"},
		{"chunk-decoded-length-short", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data)-1, []chunk{{data: data}, {}})
		}, ""},
		{"chunk-decoded-length-long", func(t *testing.T) *http.Request {
			return chunkedPut(t, obj, len(data)+100, []chunk{{data: data}, {}})
		}, ""},
		{"chunk-truncated", func(t *testing.T) *http.Request {
			req := chunkedPut(t, obj, len(data), []chunk{{data: data}, {}})
			b, _ := io.ReadAll(req.Body)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b[:len(b)/2])), int64(len(b)/2)
			return req
		}, ""},
		{"oversized-metadata", func(t *testing.T) *http.Request {
			return signed(t, "PUT", obj, data, "", map[string]string{"X-Amz-Meta-Big": strings.Repeat("m", 16<<10)})
		}, ""},
		{"delete-objects-bad-xml", func(t *testing.T) *http.Request {
			body := []byte("<Delete><Object><Key>keep.txt</Key></Object")
			return signed(t, "POST", base+"?delete", body, "", map[string]string{"Content-MD5": md5b64(body)})
		}, "MalformedXML"},
		{"delete-objects-not-xml", func(t *testing.T) *http.Request {
			body := []byte("\x00\x01 definitely not xml")
			return signed(t, "POST", base+"?delete", body, "", map[string]string{"Content-MD5": md5b64(body)})
		}, "MalformedXML"},
		{"delete-objects-too-many", func(t *testing.T) *http.Request {
			var b strings.Builder
			b.WriteString("<Delete>")
			for i := range 1001 {
				fmt.Fprintf(&b, "<Object><Key>k%d</Key></Object>", i)
			}
			b.WriteString("</Delete>")
			body := []byte(b.String())
			return signed(t, "POST", base+"?delete", body, "", map[string]string{"Content-MD5": md5b64(body)})
		}, "MalformedXML"},
		{"complete-multipart-bad-xml", func(t *testing.T) *http.Request {
			return signed(t, "POST", base+"/mp.bin?uploadId="+aws.ToString(up.UploadId), []byte("<CompleteMultipartUpload><Part>"), "", nil)
		}, "MalformedXML"},
		{"complete-multipart-unknown-part", func(t *testing.T) *http.Request {
			body := []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"00000000000000000000000000000000"</ETag></Part></CompleteMultipartUpload>`)
			return signed(t, "POST", base+"/mp.bin?uploadId="+aws.ToString(up.UploadId), body, "", nil)
		}, "InvalidPart"},
		{"complete-multipart-unknown-upload", func(t *testing.T) *http.Request {
			body := []byte(`<CompleteMultipartUpload></CompleteMultipartUpload>`)
			return signed(t, "POST", base+"/mp.bin?uploadId=nosuchupload", body, "", nil)
		}, "NoSuchUpload"},
		{"path-dotdot", func(t *testing.T) *http.Request { return signed(t, "PUT", base+"/../escape.txt", data, "", nil) }, "InvalidObjectName"},
		{"path-dotdot-get-store", func(t *testing.T) *http.Request { return signed(t, "GET", base+"/../../s3auth.db", nil, "", nil) }, ""},
		{"path-encoded-slash-dotdot", func(t *testing.T) *http.Request {
			// Signed for the decoded key, sent with %2F (the server
			// canonicalizes the path as sent, so this is refused before
			// it reaches the object store).
			req := signed(t, "PUT", base+"/a//../../escape.txt", data, "", nil)
			req.URL.RawPath = "/" + hostileBucket + "/a/%2F../../escape.txt"
			return req
		}, ""},
		{"path-encoded-slash-dotdot-signed-raw", func(t *testing.T) *http.Request {
			return signed(t, "PUT", base+"/a/%2F../../escape.txt", data, "", nil)
		}, ""},
		{"path-encoded-dotdot", func(t *testing.T) *http.Request {
			return signed(t, "GET", base+"/%2E%2E/%2E%2E/s3auth.db", nil, "", nil)
		}, ""},
		{"path-nul", func(t *testing.T) *http.Request { return signed(t, "PUT", base+"/a%00b", data, "", nil) }, "InvalidObjectName"},
		{"path-backslash", func(t *testing.T) *http.Request { return signed(t, "PUT", base+"/a%5C..%5Cb", data, "", nil) }, "InvalidObjectName"},
		{"bucket-dotdot", func(t *testing.T) *http.Request { return signed(t, "PUT", ts.URL+"/..", nil, "", nil) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := c.req(t)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request failed at the transport: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e s3ErrorBody
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d, want 4xx: %s", resp.StatusCode, body)
			} else if err := xml.Unmarshal(body, &e); err != nil || e.Code == "" {
				t.Errorf("status %d without an S3 XML error (%v): %q", resp.StatusCode, err, body)
			} else if c.code != "" && e.Code != c.code {
				t.Errorf("code %s (%s), want %s", e.Code, e.Message, c.code)
			}
			t.Logf("%d %s", resp.StatusCode, e.Code)
			// The server keeps serving.
			got, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(hostileBucket), Key: aws.String("keep.txt")})
			if err != nil {
				t.Fatalf("follow-up GetObject: %v", err)
			}
			b, _ := io.ReadAll(got.Body)
			got.Body.Close()
			clienttest.SameBytes(t, "follow-up GetObject", b, keep)
		})
	}
	// Headers beyond the server's limit are refused by net/http itself
	// (431, not an S3 document), and the server keeps serving.
	t.Run("header-over-limit", func(t *testing.T) {
		req := raw("GET", base+"/keep.txt", "")(t)
		req.Header.Set("X-Pad", strings.Repeat("p", 80<<10))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("status %d, want 431", resp.StatusCode)
			}
		}
		if _, err := sdk.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(hostileBucket)}); err != nil {
			t.Fatalf("follow-up HeadBucket: %v", err)
		}
	})

	// Nothing partial on disk: the bucket holds keep.txt only, tmp/ is
	// empty, and nothing escaped the data folder.
	var files []string
	for _, sub := range []string{"buckets", "tmp"} {
		root := filepath.Join(dir, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if want := []string{"buckets/hostile/keep.txt"}; strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("files on disk = %v, want %v", files, want)
	}
	for _, p := range []string{filepath.Join(dir, "escape.txt"), filepath.Join(filepath.Dir(dir), "escape.txt"), filepath.Join(dir, "buckets", "escape.txt")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a path trick created %s", p)
		}
	}
}

func md5b64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}
