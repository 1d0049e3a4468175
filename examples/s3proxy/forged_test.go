package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3auth/s3auth/sigv4/sigv4test"
)

// unsignedTrailerRequest builds a STREAMING-UNSIGNED-PAYLOAD-TRAILER upload
// (as aws-sdk-go-v2 sends over TLS) with a CRC32 trailer: the trailer is the
// payload's real checksum when trailer is "", or trailer itself (a forgery).
func unsignedTrailerRequest(t *testing.T, url string, body []byte, trailer string) *http.Request {
	t.Helper()
	if trailer == "" {
		sum := crc32.ChecksumIEEE(body)
		trailer = base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	}
	var enc bytes.Buffer
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 64<<10)
		fmt.Fprintf(&enc, "%x\r\n", n)
		enc.Write(rest[:n])
		enc.WriteString("\r\n")
		rest = rest[n:]
	}
	fmt.Fprintf(&enc, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", trailer)
	r, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(enc.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	const mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(body)))
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	r.Header.Set("Content-Type", "application/octet-stream")
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: proxyAK, SecretAccessKey: proxySK}
	if err := signer.SignHTTP(context.Background(), creds, r, mode, "s3", "us-east-1", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	return r
}

// signedStreamingRequest builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// upload (as minio-go sends) and, when forge is set, changes one byte of
// the second chunk after signing.
func signedStreamingRequest(t *testing.T, url string, body []byte, forge bool) *http.Request {
	t.Helper()
	r := sigv4test.NewRequest(t, http.MethodPut, url, body)
	r = sigv4test.SignStreaming(t, r, sigv4test.Credentials{AccessKey: proxyAK, SecretKey: proxySK})
	enc, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if forge {
		// The second chunk starts after the first 64 KiB chunk and its
		// header line; change a byte well inside it.
		i := bytes.Index(enc[64<<10:], []byte(";chunk-signature="))
		enc[64<<10+i+200] ^= 1
	}
	out, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(enc))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range r.Header {
		out.Header[k] = vs
	}
	out.Header.Del("Content-Length")
	out.ContentLength = int64(len(enc))
	return out
}

// TestForgedBodyNeverStoredUpstream sends uploads whose payload fails
// verification only after bytes have streamed (a forged chunk, a wrong
// trailing checksum, a wrong signed hash) and checks that the client gets
// the verification error and the upstream stored nothing.
func TestForgedBodyNeverStoredUpstream(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	root := s3Client(e.proxy.URL, proxyAK, proxySK, "")
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	body := payload(3<<20+17, 7)
	obj := func(key string) string { return e.proxy.URL + "/bkt/" + key }
	cases := []struct {
		name string
		key  string
		req  func(key string) *http.Request
		want string // "" = success
	}{
		{"unsigned trailer genuine", "trailer-ok", func(k string) *http.Request { return unsignedTrailerRequest(t, obj(k), body, "") }, ""},
		{"unsigned trailer forged checksum", "trailer-forged", func(k string) *http.Request {
			return unsignedTrailerRequest(t, obj(k), body, "AAAAAA==")
		}, "BadDigest"},
		{"signed chunks genuine", "chunks-ok", func(k string) *http.Request { return signedStreamingRequest(t, obj(k), body, false) }, ""},
		{"signed chunks forged second chunk", "chunks-forged", func(k string) *http.Request { return signedStreamingRequest(t, obj(k), body, true) }, "SignatureDoesNotMatch"},
		{"signed hash forged body", "hash-forged", func(k string) *http.Request {
			r := sigv4test.Sign(t, sigv4test.NewRequest(t, http.MethodPut, obj(k), body), sigv4test.Credentials{AccessKey: proxyAK, SecretKey: proxySK})
			forged := bytes.Clone(body)
			forged[len(forged)-1] ^= 1
			out, _ := http.NewRequest(http.MethodPut, obj(k), bytes.NewReader(forged))
			out.Header = r.Header.Clone()
			out.Header.Del("Content-Length")
			return out
		}, "XAmzContentSHA256Mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(c.req(c.key))
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if c.want == "" {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, msg)
				}
				got := getAll(t, s3Client(e.up.URL, upstreamAK, upstreamSK, ""), "bkt", c.key, "")
				if !bytes.Equal(got, body) {
					t.Fatalf("upstream has %d bytes, want %d", len(got), len(body))
				}
				return
			}
			if resp.StatusCode/100 != 4 || !strings.Contains(string(msg), "<Code>"+c.want+"</Code>") {
				t.Fatalf("status %d, body %s; want %s", resp.StatusCode, msg, c.want)
			}
			// Give the upstream time to finish (or abort) the request.
			deadline := time.Now().Add(2 * time.Second)
			for time.Now().Before(deadline) {
				if e.upstreamFile("bkt", c.key) {
					t.Fatal("the forged upload was stored upstream")
				}
				time.Sleep(100 * time.Millisecond)
			}
			_, err = s3Client(e.up.URL, upstreamAK, upstreamSK, "").HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(c.key)})
			if errCode(err) != "NotFound" {
				t.Fatalf("upstream HeadObject of the forged key: %v", err)
			}
			if left := filesUnder(t, filepath.Join(e.up.Data, "tmp")); len(left) > 0 {
				t.Fatalf("temporary files left upstream: %v", left)
			}
		})
	}
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
