package server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

// env is one server on a fresh data directory.
type env struct {
	t    *testing.T
	dir  string
	be   *fsobj.Backend
	srv  *server.Server
	ts   *httptest.Server
	auth server.Auth
}

func newEnv(t *testing.T, opts ...func(*server.Options)) *env {
	return newEnvAuth(t, server.AllowAll{Principal: server.Principal{ID: "tester"}}, opts...)
}

func newEnvAuth(t *testing.T, auth server.Auth, opts ...func(*server.Options)) *env {
	t.Helper()
	dir := t.TempDir()
	be, err := fsobj.New(dir, func(o *fsobj.Options) { o.MinPartSize = 1024 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	srv, err := server.New(be, auth, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, dir: dir, be: be, srv: srv, ts: ts, auth: auth}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// code returns the S3 error code of an error response.
func (r resp) code() string {
	var e struct {
		Code string `xml:"Code"`
	}
	_ = xml.Unmarshal(r.body, &e)
	return e.Code
}

func (e *env) do(method, path string, body []byte, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) must(want int, method, path string, body []byte, hdr ...string) resp {
	e.t.Helper()
	r := e.do(method, path, body, hdr...)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	return r
}

func (e *env) wantErr(status int, code, method, path string, body []byte, hdr ...string) resp {
	e.t.Helper()
	r := e.do(method, path, body, hdr...)
	if r.status != status || (method != http.MethodHead && r.code() != code) {
		e.t.Fatalf("%s %s: got %d %q, want %d %q; body %s", method, path, r.status, r.code(), status, code, r.body)
	}
	return r
}

// files lists every regular file under the data directory, relative.
func (e *env) files() []string {
	e.t.Helper()
	var out []string
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(e.dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func (e *env) objectFiles() []string {
	var out []string
	for _, f := range e.files() {
		if strings.HasPrefix(f, "buckets/") {
			out = append(out, f)
		}
	}
	return out
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func TestBuckets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/photos", nil)
	e.wantErr(409, "BucketAlreadyOwnedByYou", "PUT", "/photos", nil)
	e.wantErr(400, "InvalidBucketName", "PUT", "/Bad_Name", nil)
	e.wantErr(400, "InvalidBucketName", "PUT", "/192.168.1.1", nil)
	e.must(200, "HEAD", "/photos", nil)
	e.wantErr(404, "", "HEAD", "/nothere", nil)
	e.wantErr(404, "NoSuchBucket", "GET", "/nothere", nil)
	e.must(200, "PUT", "/docs", []byte(`<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`))
	e.wantErr(400, "IllegalLocationConstraintException", "PUT", "/other",
		[]byte(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`))
	e.wantErr(400, "MalformedXML", "PUT", "/other", []byte(`<CreateBucketConfiguration>`))

	var list s3api.ListAllMyBucketsResult
	if err := xml.Unmarshal(e.must(200, "GET", "/", nil).body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Buckets) != 2 || list.Buckets[0].Name != "docs" || list.Buckets[1].Name != "photos" {
		t.Fatalf("ListBuckets = %+v", list.Buckets)
	}
	loc := e.must(200, "GET", "/photos?location", nil)
	if !bytes.Contains(loc.body, []byte(`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`)) {
		t.Fatalf("location body %s", loc.body)
	}
	e.must(200, "PUT", "/photos/a.jpg", []byte("x"))
	e.wantErr(409, "BucketNotEmpty", "DELETE", "/photos", nil)
	e.must(204, "DELETE", "/photos/a.jpg", nil)
	e.must(204, "DELETE", "/photos", nil)
	e.wantErr(404, "NoSuchBucket", "DELETE", "/photos", nil)
	e.wantErr(501, "NotImplemented", "GET", "/docs?acl", nil)
	e.wantErr(501, "NotImplemented", "PUT", "/docs/k?tagging", nil)
	e.wantErr(405, "MethodNotAllowed", "DELETE", "/", nil)
}

func TestPutGetHeadObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bk1", nil)
	data := []byte("hello, world")
	sum := md5.Sum(data)
	r := e.must(200, "PUT", "/bk1/dir/hello.txt", data,
		"Content-Type", "text/plain", "X-Amz-Meta-Color", "blue", "Content-MD5", base64.StdEncoding.EncodeToString(sum[:]),
		"Cache-Control", "no-cache")
	if got, want := r.header.Get("ETag"), `"`+md5hex(data)+`"`; got != want {
		t.Fatalf("ETag %s, want %s", got, want)
	}
	g := e.must(200, "GET", "/bk1/dir/hello.txt", nil)
	if !bytes.Equal(g.body, data) || g.header.Get("Content-Type") != "text/plain" ||
		g.header.Get("X-Amz-Meta-Color") != "blue" || g.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET = %q %v", g.body, g.header)
	}
	h := e.must(200, "HEAD", "/bk1/dir/hello.txt", nil)
	if h.header.Get("Content-Length") != "12" || len(h.body) != 0 {
		t.Fatalf("HEAD header %v", h.header)
	}
	if got, err := os.ReadFile(filepath.Join(e.dir, "buckets/bk1/dir/hello.txt")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object file: %q %v", got, err)
	}
	g = e.must(200, "GET", "/bk1/dir/hello.txt?response-content-type=application/json", nil)
	if g.header.Get("Content-Type") != "application/json" {
		t.Fatalf("override: %v", g.header)
	}
	// Bad digests store nothing.
	e.wantErr(400, "BadDigest", "PUT", "/bk1/bad", data, "Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16)))
	e.wantErr(400, "InvalidDigest", "PUT", "/bk1/bad", data, "Content-MD5", "nope")
	e.wantErr(400, "BadDigest", "PUT", "/bk1/bad", data, "x-amz-checksum-crc32", "AAAAAA==")
	e.must(200, "PUT", "/bk1/crc", data, "x-amz-checksum-crc32", crc32b64(data))
	e.wantErr(404, "NoSuchKey", "GET", "/bk1/bad", nil)
	e.wantErr(404, "NoSuchKey", "GET", "/bk1/dir", nil)
	e.wantErr(404, "NoSuchBucket", "GET", "/nobkt/x", nil)
	e.wantErr(400, "MetadataTooLarge", "PUT", "/bk1/meta", data, "X-Amz-Meta-Big", strings.Repeat("x", 2100))
	e.wantErr(404, "NoSuchVersion", "GET", "/bk1/dir/hello.txt?versionId=abc", nil)
	// Conditional write.
	e.wantErr(412, "PreconditionFailed", "PUT", "/bk1/dir/hello.txt", data, "If-None-Match", "*")
	e.must(200, "PUT", "/bk1/new", data, "If-None-Match", "*")
	for _, f := range e.files() {
		if strings.Contains(f, "bad") || strings.HasPrefix(f, "tmp/") || strings.Contains(f, "meta/bk1/objects") && false {
			t.Errorf("leftover file %s", f)
		}
	}
}

func TestRangeAndConditionals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	data := []byte("0123456789")
	etag := `"` + md5hex(data) + `"`
	e.must(200, "PUT", "/bkt/k", data)
	lm := e.must(200, "HEAD", "/bkt/k", nil).header.Get("Last-Modified")
	tests := []struct {
		name   string
		hdr    []string
		status int
		body   string
		crange string
	}{
		{"whole", nil, 200, "0123456789", ""},
		{"closed", []string{"Range", "bytes=2-4"}, 206, "234", "bytes 2-4/10"},
		{"open", []string{"Range", "bytes=7-"}, 206, "789", "bytes 7-9/10"},
		{"suffix", []string{"Range", "bytes=-3"}, 206, "789", "bytes 7-9/10"},
		{"suffixTooLong", []string{"Range", "bytes=-30"}, 206, "0123456789", "bytes 0-9/10"},
		{"endPastSize", []string{"Range", "bytes=8-100"}, 206, "89", "bytes 8-9/10"},
		{"startPastSize", []string{"Range", "bytes=10-"}, 416, "", "bytes */10"},
		{"suffixZero", []string{"Range", "bytes=-0"}, 416, "", "bytes */10"},
		{"malformedIgnored", []string{"Range", "bytes=x-y"}, 200, "0123456789", ""},
		{"multiIgnored", []string{"Range", "bytes=0-1,3-4"}, 200, "0123456789", ""},
		{"ifMatch", []string{"If-Match", etag}, 200, "0123456789", ""},
		{"ifMatchFails", []string{"If-Match", `"abc"`}, 412, "", ""},
		{"ifNoneMatch", []string{"If-None-Match", etag}, 304, "", ""},
		{"ifNoneMatchOther", []string{"If-None-Match", `"abc"`}, 200, "0123456789", ""},
		{"ifModifiedSince", []string{"If-Modified-Since", lm}, 304, "", ""},
		{"ifModifiedSinceOld", []string{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 200, "0123456789", ""},
		{"ifUnmodifiedSinceOld", []string{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 412, "", ""},
		{"ifMatchBeatsUnmodified", []string{"If-Match", etag, "If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 200, "0123456789", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/bkt/k", nil, tc.hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status < 300 && string(r.body) != tc.body {
				t.Fatalf("body %q, want %q", r.body, tc.body)
			}
			if got := r.header.Get("Content-Range"); got != tc.crange {
				t.Fatalf("Content-Range %q, want %q", got, tc.crange)
			}
			if tc.status == 416 && r.code() != "InvalidRange" {
				t.Fatalf("code %q", r.code())
			}
			if tc.status == 412 && r.code() != "PreconditionFailed" {
				t.Fatalf("code %q", r.code())
			}
		})
	}
}

func TestListObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	keys := []string{"a-c", "a/b", "a/c/d", "a/c/e", "b", "c d", "photos/2024/x.jpg", "photos/2025/y.jpg", "photos/z.jpg", "zeta", "ü"}
	for _, k := range keys {
		e.must(200, "PUT", "/bkt/"+escapePath(k), []byte(k))
	}
	type listing struct {
		Contents []struct {
			Key  string
			ETag string
			Size int64
		}
		CommonPrefixes        []struct{ Prefix string }
		IsTruncated           bool
		NextMarker            string
		NextContinuationToken string
		KeyCount              int
	}
	list := func(q string) listing {
		t.Helper()
		var l listing
		if err := xml.Unmarshal(e.must(200, "GET", "/bkt?"+q, nil).body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	names := func(l listing) []string {
		var out []string
		for _, c := range l.Contents {
			out = append(out, c.Key)
		}
		for _, p := range l.CommonPrefixes {
			out = append(out, p.Prefix+"(P)")
		}
		return out
	}
	// Full listing is in UTF-8 binary order (a-c before a/b).
	all := list("")
	if got := strings.Join(names(all), ","); got != strings.Join(keys, ",") {
		t.Fatalf("full listing %s", got)
	}
	if all.Contents[0].ETag != `"`+md5hex([]byte("a-c"))+`"` || all.Contents[0].Size != 3 {
		t.Fatalf("entry %+v", all.Contents[0])
	}
	tests := []struct{ name, q, want string }{
		{"delimiter", "delimiter=/", "a-c,b,c d,zeta,ü,a/(P),photos/(P)"},
		{"prefixDelimiter", "prefix=photos/&delimiter=/", "photos/z.jpg,photos/2024/(P),photos/2025/(P)"},
		{"prefix", "prefix=a/c", "a/c/d,a/c/e"},
		{"marker", "marker=b", "c d,photos/2024/x.jpg,photos/2025/y.jpg,photos/z.jpg,zeta,ü"},
		{"v2StartAfter", "list-type=2&start-after=photos/z.jpg", "zeta,ü"},
		{"noMatch", "prefix=nothing", ""},
		{"maxKeysZero", "max-keys=0", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(names(list(tc.q)), ","); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	// Pagination with every page size returns the same items once each.
	for _, delim := range []string{"", "/"} {
		full := names(list("delimiter=" + delim + "&max-keys=1000"))
		sort.Strings(full)
		for size := 1; size <= 4; size++ {
			for _, v2 := range []bool{false, true} {
				var got []string
				marker, token := "", ""
				for page := 0; page < 50; page++ {
					q := fmt.Sprintf("max-keys=%d&delimiter=%s", size, delim)
					if v2 {
						q += "&list-type=2"
						if token != "" {
							q += "&continuation-token=" + token
						}
					} else if marker != "" {
						q += "&marker=" + escapeQuery(marker)
					}
					l := list(q)
					got = append(got, names(l)...)
					if v2 && l.KeyCount != len(l.Contents)+len(l.CommonPrefixes) {
						t.Fatalf("KeyCount %d", l.KeyCount)
					}
					if !l.IsTruncated {
						break
					}
					marker, token = l.NextMarker, l.NextContinuationToken
					if !v2 && delim == "" {
						marker = l.Contents[len(l.Contents)-1].Key
					}
				}
				sort.Strings(got)
				if strings.Join(got, ",") != strings.Join(full, ",") {
					t.Fatalf("delim %q size %d v2 %v: got %v, want %v", delim, size, v2, got, full)
				}
			}
		}
	}
	enc := e.must(200, "GET", "/bkt?encoding-type=url&prefix=c", nil)
	if !bytes.Contains(enc.body, []byte("<Key>c+d</Key>")) || !bytes.Contains(enc.body, []byte("<EncodingType>url</EncodingType>")) {
		t.Fatalf("encoded listing %s", enc.body)
	}
	e.wantErr(400, "InvalidArgument", "GET", "/bkt?encoding-type=base64", nil)
	e.wantErr(400, "InvalidArgument", "GET", "/bkt?max-keys=-1", nil)
	e.wantErr(400, "InvalidArgument", "GET", "/bkt?list-type=2&continuation-token=!!", nil)
}

func escapePath(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, " ", "%20"), "?", "%3F")
}

func escapeQuery(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, " ", "%20"), "&", "%26")
}

func TestDeleteObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	for _, k := range []string{"x", "y", "d/z"} {
		e.must(200, "PUT", "/bkt/"+k, []byte(k))
	}
	body := []byte(`<Delete><Object><Key>x</Key></Object><Object><Key>d/z</Key></Object><Object><Key>missing</Key></Object><Object><Key>y</Key><VersionId>v1</VersionId></Object></Delete>`)
	var res s3api.DeleteResult
	if err := xml.Unmarshal(e.must(200, "POST", "/bkt?delete", body).body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 3 || len(res.Errors) != 1 || res.Errors[0].Key != "y" || res.Errors[0].Code != "NoSuchVersion" {
		t.Fatalf("result %+v", res)
	}
	quiet := []byte(`<Delete><Quiet>true</Quiet><Object><Key>y</Key></Object></Delete>`)
	r := e.must(200, "POST", "/bkt?delete", quiet)
	if bytes.Contains(r.body, []byte("<Deleted>")) {
		t.Fatalf("quiet result lists deletions: %s", r.body)
	}
	if got := e.objectFiles(); len(got) != 0 {
		t.Fatalf("objects left: %v", got)
	}
	e.wantErr(400, "MalformedXML", "POST", "/bkt?delete", []byte(`<Delete><Object>`))
	e.wantErr(400, "MalformedXML", "POST", "/bkt?delete", []byte(`<Delete></Delete>`))
	e.wantErr(400, "MaxMessageLengthExceeded", "POST", "/bkt?delete", bytes.Repeat([]byte(" "), 1<<20+1))
	e.wantErr(400, "BadDigest", "POST", "/bkt?delete", quiet, "Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16)))
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	e.must(200, "PUT", "/ckt", nil)
	data := []byte("copy me")
	e.must(200, "PUT", "/bkt/src key", data, "Content-Type", "text/x", "X-Amz-Meta-A", "1")
	r := e.must(200, "PUT", "/ckt/dst", nil, "x-amz-copy-source", "/bkt/src%20key")
	var res s3api.CopyObjectResult
	if err := xml.Unmarshal(r.body, &res); err != nil || res.ETag != `"`+md5hex(data)+`"` {
		t.Fatalf("copy result %s %v", r.body, err)
	}
	g := e.must(200, "GET", "/ckt/dst", nil)
	if string(g.body) != "copy me" || g.header.Get("Content-Type") != "text/x" || g.header.Get("X-Amz-Meta-A") != "1" {
		t.Fatalf("copied object %q %v", g.body, g.header)
	}
	e.must(200, "PUT", "/ckt/dst2", nil, "x-amz-copy-source", "bkt/src%20key", "x-amz-metadata-directive", "REPLACE", "X-Amz-Meta-B", "2")
	g = e.must(200, "GET", "/ckt/dst2", nil)
	if g.header.Get("X-Amz-Meta-A") != "" || g.header.Get("X-Amz-Meta-B") != "2" {
		t.Fatalf("replaced metadata %v", g.header)
	}
	e.wantErr(400, "InvalidRequest", "PUT", "/bkt/src%20key", nil, "x-amz-copy-source", "/bkt/src%20key")
	e.must(200, "PUT", "/bkt/src%20key", nil, "x-amz-copy-source", "/bkt/src%20key", "x-amz-metadata-directive", "REPLACE")
	e.wantErr(404, "NoSuchKey", "PUT", "/ckt/x", nil, "x-amz-copy-source", "/bkt/nothing")
	e.wantErr(400, "InvalidArgument", "PUT", "/ckt/x", nil, "x-amz-copy-source", "nokey")
	e.wantErr(412, "PreconditionFailed", "PUT", "/ckt/x", nil, "x-amz-copy-source", "/bkt/src%20key", "x-amz-copy-source-if-match", `"nope"`)
	e.wantErr(400, "InvalidArgument", "PUT", "/ckt/x", nil, "x-amz-copy-source", "/bkt/src%20key", "x-amz-metadata-directive", "MERGE")
}

type partXML struct {
	N    int
	ETag string
}

func completeBody(parts ...partXML) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for _, p := range parts {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p.N, p.ETag)
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

func (e *env) createUpload(path string) string {
	e.t.Helper()
	var res s3api.InitiateMultipartUploadResult
	if err := xml.Unmarshal(e.must(200, "POST", path+"?uploads", nil, "Content-Type", "text/big").body, &res); err != nil {
		e.t.Fatal(err)
	}
	return res.UploadID
}

func TestMultipart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	id := e.createUpload("/bkt/big")
	p1 := bytes.Repeat([]byte("a"), 2000)
	p2 := bytes.Repeat([]byte("b"), 1500)
	p3 := []byte("tail")
	var parts []partXML
	for i, p := range [][]byte{p1, p2, p3} {
		r := e.must(200, "PUT", fmt.Sprintf("/bkt/big?partNumber=%d&uploadId=%s", i+1, id), p)
		parts = append(parts, partXML{i + 1, r.header.Get("ETag")})
	}
	var lp s3api.ListPartsResult
	if err := xml.Unmarshal(e.must(200, "GET", "/bkt/big?uploadId="+id+"&max-parts=2", nil).body, &lp); err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 2 || !lp.IsTruncated || lp.NextPartNumberMarker != 2 || lp.Parts[1].Size != 1500 {
		t.Fatalf("ListParts %+v", lp)
	}
	tests := []struct {
		name, code string
		status     int
		body       []byte
	}{
		{"order", "InvalidPartOrder", 400, completeBody(parts[1], parts[0], parts[2])},
		{"duplicate", "InvalidPartOrder", 400, completeBody(parts[0], parts[0])},
		{"wrongETag", "InvalidPart", 400, completeBody(parts[0], partXML{2, `"00000000000000000000000000000000"`})},
		{"missingPart", "InvalidPart", 400, completeBody(parts[0], partXML{7, parts[1].ETag})},
		{"tooSmall", "EntityTooSmall", 400, completeBody(parts[0], parts[2], partXML{4, parts[1].ETag})},
		{"malformed", "MalformedXML", 400, []byte("<CompleteMultipartUpload><Part>")},
		{"empty", "MalformedXML", 400, completeBody()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.wantErr(tc.status, tc.code, "POST", "/bkt/big?uploadId="+id, tc.body)
		})
	}
	e.wantErr(404, "NoSuchUpload", "POST", "/bkt/big?uploadId=00000000000000000000000000000000", completeBody(parts...))
	e.wantErr(404, "NoSuchUpload", "POST", "/bkt/other?uploadId="+id, completeBody(parts...))
	e.wantErr(400, "InvalidArgument", "PUT", "/bkt/big?partNumber=0&uploadId="+id, []byte("x"))
	e.wantErr(400, "InvalidArgument", "PUT", "/bkt/big?partNumber=x&uploadId="+id, []byte("x"))

	var ups s3api.ListMultipartUploadsResult
	if err := xml.Unmarshal(e.must(200, "GET", "/bkt?uploads", nil).body, &ups); err != nil || len(ups.Uploads) != 1 {
		t.Fatalf("uploads %+v %v", ups, err)
	}
	var done s3api.CompleteMultipartUploadResult
	if err := xml.Unmarshal(e.must(200, "POST", "/bkt/big?uploadId="+id, completeBody(parts...)).body, &done); err != nil {
		t.Fatal(err)
	}
	var cat []byte
	for _, p := range parts {
		s, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
		cat = append(cat, s...)
	}
	if want := `"` + md5hex(cat) + `-3"`; done.ETag != want {
		t.Fatalf("ETag %s, want %s", done.ETag, want)
	}
	g := e.must(200, "GET", "/bkt/big", nil)
	if !bytes.Equal(g.body, append(append(append([]byte{}, p1...), p2...), p3...)) || g.header.Get("Content-Type") != "text/big" {
		t.Fatalf("assembled object wrong: %d bytes, %v", len(g.body), g.header)
	}
	e.wantErr(404, "NoSuchUpload", "GET", "/bkt/big?uploadId="+id, nil)

	// Abort removes the parts.
	id2 := e.createUpload("/bkt/aborted")
	e.must(200, "PUT", "/bkt/aborted?partNumber=1&uploadId="+id2, p1)
	e.must(204, "DELETE", "/bkt/aborted?uploadId="+id2, nil)
	e.wantErr(404, "NoSuchUpload", "PUT", "/bkt/aborted?partNumber=1&uploadId="+id2, p1)
	for _, f := range e.files() {
		if strings.HasPrefix(f, "multipart/") || strings.HasPrefix(f, "tmp/") {
			t.Errorf("leftover %s", f)
		}
	}
	// UploadPartCopy with a range.
	id3 := e.createUpload("/bkt/copied")
	r := e.must(200, "PUT", "/bkt/copied?partNumber=1&uploadId="+id3, nil, "x-amz-copy-source", "/bkt/big", "x-amz-copy-source-range", "bytes=0-1999")
	var cp s3api.CopyPartResult
	if err := xml.Unmarshal(r.body, &cp); err != nil || cp.ETag != `"`+md5hex(p1)+`"` {
		t.Fatalf("UploadPartCopy %s", r.body)
	}
}

func TestPathTricksRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	e.must(200, "PUT", "/victim", nil)
	tests := []struct {
		name, path, code string
	}{
		{"dotdot", "/bkt/../victim/x", "InvalidObjectName"},
		{"dotdotEncoded", "/bkt/%2E%2E/victim/x", "InvalidObjectName"},
		{"dotdotSlashEncoded", "/bkt/a%2F..%2F..%2Fvictim%2Fx", "InvalidObjectName"},
		{"dot", "/bkt/./x", "InvalidObjectName"},
		{"doubleSlash", "/bkt/a//x", "InvalidObjectName"},
		{"leadingSlash", "/bkt//x", "InvalidObjectName"},
		{"backslash", "/bkt/a%5C..%5Cx", "InvalidObjectName"},
		{"nul", "/bkt/a%00x", "InvalidObjectName"},
		{"trailingSlash", "/bkt/dir/", "InvalidObjectName"},
		{"tooLong", "/bkt/" + strings.Repeat("k", 1025), "KeyTooLongError"},
		{"segmentTooLong", "/bkt/" + strings.Repeat("k", 300), "InvalidObjectName"},
		{"invalidUTF8", "/bkt/%FF", "InvalidObjectName"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.wantErr(400, tc.code, "PUT", tc.path, []byte("evil"))
		})
	}
	// A key that is a file and a prefix at once.
	e.must(200, "PUT", "/bkt/a", []byte("file"))
	e.wantErr(409, "ObjectPathConflict", "PUT", "/bkt/a/b", []byte("x"))
	e.must(200, "PUT", "/bkt/d/e", []byte("x"))
	e.wantErr(409, "ObjectPathConflict", "PUT", "/bkt/d", []byte("x"))
	if g := e.must(200, "GET", "/bkt/a", nil); string(g.body) != "file" {
		t.Fatalf("a = %q", g.body)
	}
	want := []string{"buckets/bkt/a", "buckets/bkt/d/e"}
	if got := e.objectFiles(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("object files %v, want %v", got, want)
	}
	for _, f := range e.files() {
		if strings.HasPrefix(f, "tmp/") {
			t.Errorf("leftover %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.dir), "victim")); err == nil {
		t.Fatal("file written outside the data directory")
	}
}

// failingBody returns some bytes and then an error instead of io.EOF, like a
// verifying reader that found a forged chunk.
type failingBody struct {
	data []byte
	err  error
}

func (f *failingBody) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func (f *failingBody) Close() error { return nil }

// forgingAuth hands out a body that fails before EOF.
type forgingAuth struct{ server.AllowAll }

func (forgingAuth) Authenticate(r *http.Request) (server.Principal, io.ReadCloser, error) {
	if r.Header.Get("X-Forge") != "" {
		return server.Principal{}, &failingBody{data: bytes.Repeat([]byte("z"), 100000),
			err: &s3api.Error{Code: "SignatureDoesNotMatch", Status: 403, Message: "chunk signature mismatch"}}, nil
	}
	return server.Principal{}, r.Body, nil
}

func TestForgedBodyStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnvAuth(t, forgingAuth{})
	e.must(200, "PUT", "/bkt", nil)
	e.must(200, "PUT", "/bkt/forged-before", []byte("old"))
	e.wantErr(403, "SignatureDoesNotMatch", "PUT", "/bkt/forged-before", []byte("new"), "X-Forge", "1")
	e.wantErr(403, "SignatureDoesNotMatch", "PUT", "/bkt/forged", []byte("new"), "X-Forge", "1")
	id := e.createUpload("/bkt/mp")
	e.wantErr(403, "SignatureDoesNotMatch", "PUT", "/bkt/mp?partNumber=1&uploadId="+id, []byte("x"), "X-Forge", "1")
	e.wantErr(403, "SignatureDoesNotMatch", "POST", "/bkt?delete", []byte("<Delete><Object><Key>forged-before</Key></Object></Delete>"), "X-Forge", "1")
	if g := e.must(200, "GET", "/bkt/forged-before", nil); string(g.body) != "old" {
		t.Fatalf("object replaced by a forged upload: %q", g.body)
	}
	e.wantErr(404, "NoSuchKey", "GET", "/bkt/forged", nil)
	for _, f := range e.files() {
		if strings.HasPrefix(f, "tmp/") || strings.Contains(f, "part-") || f == "buckets/bkt/forged" {
			t.Errorf("leftover %s", f)
		}
	}
}

func TestConcurrentPutsNeverTorn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(200, "PUT", "/bkt", nil)
	const writers, size = 8, 256 << 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() { // a reader checking every version it sees
		defer close(readErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", e.ts.URL+"/bkt/k", nil)
			res, err := e.ts.Client().Do(req)
			if err != nil {
				readErr <- err
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 404 {
				continue
			}
			if len(body) != size || !bytes.Equal(body, bytes.Repeat(body[:1], size)) {
				readErr <- fmt.Errorf("torn read: %d bytes", len(body))
				return
			}
			if et := res.Header.Get("ETag"); et != `"`+md5hex(body)+`"` {
				readErr <- fmt.Errorf("ETag %s does not describe the body", et)
				return
			}
		}
	}()
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i)}, size)
			for range 5 {
				req, _ := http.NewRequest("PUT", e.ts.URL+"/bkt/k", bytes.NewReader(data))
				res, err := e.ts.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("PUT status %d", res.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	g := e.must(200, "GET", "/bkt/k", nil)
	if len(g.body) != size || !bytes.Equal(g.body, bytes.Repeat(g.body[:1], size)) || g.header.Get("ETag") != `"`+md5hex(g.body)+`"` {
		t.Fatal("final object torn")
	}
}

func TestBucketPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *server.Options) {
		o.PolicyValidator = func(_ string, doc []byte) error {
			if bytes.Contains(doc, []byte("Deny-me")) {
				return errors.New("iam: Effect must be Allow or Deny")
			}
			return nil
		}
	})
	e.must(200, "PUT", "/bkt", nil)
	e.wantErr(404, "NoSuchBucketPolicy", "GET", "/bkt?policy", nil)
	doc := []byte(`{"Version":"2012-10-17","Statement":[]}`)
	e.must(204, "PUT", "/bkt?policy", doc)
	if g := e.must(200, "GET", "/bkt?policy", nil); !bytes.Equal(g.body, doc) {
		t.Fatalf("policy %s", g.body)
	}
	e.wantErr(400, "MalformedPolicy", "PUT", "/bkt?policy", []byte(`{"Effect":"Deny-me"}`))
	e.wantErr(400, "MalformedPolicy", "PUT", "/bkt?policy", []byte(`not json`))
	e.wantErr(400, "MalformedPolicy", "PUT", "/bkt?policy", bytes.Repeat([]byte(" "), 30<<10))
	e.must(204, "DELETE", "/bkt?policy", nil)
	e.wantErr(404, "NoSuchBucketPolicy", "GET", "/bkt?policy", nil)
	e.wantErr(404, "NoSuchBucket", "PUT", "/nobkt?policy", doc)
}

func TestVirtualHostedStyle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *server.Options) { o.Domain = "s3.local" })
	e.must(200, "PUT", "/", nil, "Host", "vbucket.s3.local")
	e.must(200, "PUT", "/dir/k", []byte("v"), "Host", "vbucket.s3.local:9000")
	if g := e.must(200, "GET", "/vbucket/dir/k", nil); string(g.body) != "v" {
		t.Fatalf("path-style read %q", g.body)
	}
	if g := e.must(200, "GET", "/?list-type=2", nil, "Host", "vbucket.s3.local"); !bytes.Contains(g.body, []byte("<Key>dir/k</Key>")) {
		t.Fatalf("listing %s", g.body)
	}
}

type codedErr struct{}

func (codedErr) Error() string       { return "sigv4: the access key is unknown" }
func (codedErr) S3ErrorCode() string { return "InvalidAccessKeyId" }
func (codedErr) HTTPStatus() int     { return 403 }

// denyAuth denies DeleteObject on keys starting with "keep" and fails
// authentication for requests with header X-Bad.
type denyAuth struct{}

func (denyAuth) Authenticate(r *http.Request) (server.Principal, io.ReadCloser, error) {
	if r.Header.Get("X-Bad") != "" {
		return server.Principal{}, nil, codedErr{}
	}
	if r.Header.Get("X-Panic") != "" {
		panic("boom")
	}
	return server.Principal{ID: "u"}, nil, nil
}

func (denyAuth) Authorize(_ context.Context, _ server.Principal, _ *http.Request, op server.Operation) error {
	if (op.Name == "DeleteObject" || op.Name == "PutObject") && strings.HasPrefix(op.Key, "keep") {
		return &s3api.Error{Code: "AccessDenied", Message: "Access Denied"}
	}
	if op.Name == "CopyObject" && op.SourceKey == "secret" {
		return &s3api.Error{Code: "AccessDenied", Message: "Access Denied"}
	}
	return nil
}

func TestAuthSeam(t *testing.T) {
	t.Parallel()
	e := newEnvAuth(t, denyAuth{})
	e.must(200, "PUT", "/bkt", nil)
	e.wantErr(403, "InvalidAccessKeyId", "GET", "/bkt", nil, "X-Bad", "1")
	r := e.wantErr(500, "InternalError", "GET", "/bkt", nil, "X-Panic", "1")
	if bytes.Contains(r.body, []byte("boom")) {
		t.Fatal("panic text leaked")
	}
	e.wantErr(403, "AccessDenied", "PUT", "/bkt/keep1", []byte("x"))
	e.wantErr(404, "NoSuchKey", "GET", "/bkt/keep1", nil)
	e.must(200, "PUT", "/bkt/secret", []byte("s"))
	e.wantErr(403, "AccessDenied", "PUT", "/bkt/copy", nil, "x-amz-copy-source", "/bkt/secret")
	e.must(200, "PUT", "/bkt/x", []byte("x"))
	var res s3api.DeleteResult
	body := []byte(`<Delete><Object><Key>keep2</Key></Object><Object><Key>x</Key></Object></Delete>`)
	if err := xml.Unmarshal(e.must(200, "POST", "/bkt?delete", body).body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Code != "AccessDenied" || len(res.Deleted) != 1 || res.Deleted[0].Key != "x" {
		t.Fatalf("DeleteObjects %+v", res)
	}
	if r := e.do("GET", "/bkt", nil); r.header.Get("x-amz-request-id") == "" {
		t.Fatal("no request id")
	}
}

func TestSTSAndAdminRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.wantErr(501, "NotImplemented", "POST", "/", []byte("Action=AssumeRole&Version=2011-06-15"), "Content-Type", "application/x-www-form-urlencoded")
	e.wantErr(501, "NotImplemented", "GET", "/s3auth/admin/v1/users", nil)
	hit := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name+" "+r.URL.Path) })
	}
	e2 := newEnv(t, func(o *server.Options) { o.STSHandler, o.AdminHandler = hit("sts"), hit("admin") })
	if r := e2.must(200, "POST", "/", []byte("Action=GetCallerIdentity")); string(r.body) != "sts /" {
		t.Fatalf("sts: %s", r.body)
	}
	if r := e2.must(200, "GET", "/?Action=GetCallerIdentity", nil); string(r.body) != "sts /" {
		t.Fatalf("sts GET: %s", r.body)
	}
	if r := e2.must(200, "GET", "/s3auth/admin/v1/users", nil); string(r.body) != "admin /s3auth/admin/v1/users" {
		t.Fatalf("admin: %s", r.body)
	}
	e2.must(200, "GET", "/", nil) // ListBuckets still works
}

func TestNewRequiresAuth(t *testing.T) {
	t.Parallel()
	be, err := fsobj.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if _, err := server.New(be, nil); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
		t.Fatalf("New without auth: %v", err)
	}
}
