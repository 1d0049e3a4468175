package proxy

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/sigv4"
)

func TestOutgoingRequest(t *testing.T) {
	t.Parallel()
	up, _ := url.Parse("http://upstream:9000")
	p := &Proxy{opts: Options{Upstream: up, Domain: "s3.local"}}
	for _, c := range []struct {
		name      string
		target    string
		host      string
		auth      sigv4.AuthType
		signed    []string
		header    map[string]string
		wantURL   string
		wantHdr   map[string]string
		wantNoHdr []string
	}{
		{
			name: "header-signed aws-chunked upload", target: "/bkt/a%20b/c+d?uploadId=1&partNumber=2", auth: sigv4.AuthHeader,
			signed: []string{"content-encoding", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length", "x-amz-meta-color", "x-amz-trailer", "x-hop"},
			header: map[string]string{
				"Authorization": "AWS4-HMAC-SHA256 ...", "X-Amz-Date": "20250101T000000Z", "X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
				"X-Amz-Decoded-Content-Length": "10", "X-Amz-Trailer": "x-amz-checksum-crc32", "Content-Encoding": "aws-chunked,gzip",
				"X-Amz-Meta-Color": "blue", "X-Unsigned": "dropped", "Content-Type": "text/plain", "Connection": "close, X-Hop", "X-Hop": "1",
				"Expect": "100-continue", "X-Forwarded-For": "10.0.0.1",
			},
			wantURL:   "http://upstream:9000/bkt/a%20b/c+d?partNumber=2&uploadId=1",
			wantHdr:   map[string]string{"Content-Encoding": "gzip", "X-Amz-Meta-Color": "blue", "Content-Type": "text/plain"},
			wantNoHdr: []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer", "X-Unsigned", "Connection", "X-Hop", "Expect", "X-Forwarded-For"},
		},
		{
			name: "presigned URL", target: "/bkt/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=20250101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Security-Token=tok&response-content-type=text%2Fplain",
			auth: sigv4.AuthPresigned, signed: []string{"host"},
			header:    map[string]string{"Range": "bytes=0-1", "X-Custom": "no"},
			wantURL:   "http://upstream:9000/bkt/key?response-content-type=text%2Fplain",
			wantHdr:   map[string]string{"Range": "bytes=0-1"},
			wantNoHdr: []string{"X-Custom"},
		},
		{
			name: "virtual-hosted style becomes path style", target: "/dir/key", host: "bkt.s3.local:9100", auth: sigv4.AuthHeader, signed: []string{"host"},
			wantURL: "http://upstream:9000/bkt/dir/key",
		},
		{
			name: "aws-chunked only encoding is dropped", target: "/bkt/k", auth: sigv4.AuthHeader, signed: []string{"content-encoding", "host"},
			header: map[string]string{"Content-Encoding": "aws-chunked"}, wantURL: "http://upstream:9000/bkt/k", wantNoHdr: []string{"Content-Encoding"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("PUT", c.target, nil)
			if c.host != "" {
				r.Host = c.host
			}
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			pr := &s3auth.Principal{Kind: s3auth.PrincipalUser, Auth: &sigv4.Result{Type: c.auth, SignedHeaders: c.signed}}
			out, err := p.outgoing(r, pr)
			if err != nil {
				t.Fatal(err)
			}
			if got := out.URL.String(); got != c.wantURL {
				t.Errorf("URL %s, want %s", got, c.wantURL)
			}
			for k, v := range c.wantHdr {
				if got := out.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			for _, k := range c.wantNoHdr {
				if _, ok := out.Header[k]; ok {
					t.Errorf("%s was forwarded", k)
				}
			}
		})
	}
}

func TestWithoutAWSChunked(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want []string
	}{
		{[]string{"aws-chunked"}, nil},
		{[]string{"aws-chunked, gzip"}, []string{"gzip"}},
		{[]string{"gzip", "AWS-CHUNKED"}, []string{"gzip"}},
		{[]string{"br,aws-chunked,gzip"}, []string{"br,gzip"}},
	} {
		if got := withoutAWSChunked(c.in); !slices.Equal(got, c.want) {
			t.Errorf("withoutAWSChunked(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
