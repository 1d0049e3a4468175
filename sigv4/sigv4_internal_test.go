package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func TestDeriveSigningKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, date, region, service, want string
	}{
		{"suite iam", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam", "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"},
		{"s3 docs", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"},
		{"s3 post example", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20151229", "us-east-1", "s3", "cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := hex.EncodeToString(deriveSigningKey(tt.secret, tt.date, tt.region, tt.service)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			v := NewVerifier(nil)
			k1 := v.signingKey("AKID", tt.secret, tt.date, tt.region, tt.service)
			k2 := v.signingKey("AKID", tt.secret, tt.date, tt.region, tt.service)
			if hex.EncodeToString(k1.key) != tt.want || k1 != k2 {
				t.Fatalf("cache did not return the cached key")
			}
		})
	}
}

func TestKeyCacheBoundedAndConcurrent(t *testing.T) {
	t.Parallel()
	c := newKeyCache(8)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				secret := fmt.Sprintf("secret-%d-%d", g, i)
				if got, want := c.get(fmt.Sprintf("AK%d", i%10), secret, "20240102", "us-east-1", "s3").key, deriveSigningKey(secret, "20240102", "us-east-1", "s3"); string(got) != string(want) {
					t.Errorf("wrong key for %s", secret)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(c.keys); n > 8 {
		t.Fatalf("cache holds %d keys, bound is 8", n)
	}
	// Two caches seed their fingerprints independently.
	if c.fingerprint("secret") == newKeyCache(8).fingerprint("secret") {
		t.Fatal("fingerprints are not seeded per cache")
	}
}

// TestKeyCacheIdentityAndRotation: an entry serves only its own access key
// and scope, and a changed secret is derived afresh (the old one's key is
// never served for the new secret).
func TestKeyCacheIdentityAndRotation(t *testing.T) {
	t.Parallel()
	c := newKeyCache(8)
	const date, region, service = "20240102", "us-east-1", "s3"
	check := func(ak, secret string) {
		t.Helper()
		if got, want := c.get(ak, secret, date, region, service).key, deriveSigningKey(secret, date, region, service); string(got) != string(want) {
			t.Fatalf("%s with %s: wrong signing key", ak, secret)
		}
	}
	check("ALICE", "old-secret")
	check("ALICE", "new-secret") // rotated: not the cached key of old-secret
	check("ALICE", "old-secret")
	check("BOB", "bob-secret")
	check("ALICE", "new-secret")
	if k1, k2 := c.get("ALICE", "s", date, region, service), c.get("ALICE", "s", "20240103", region, service); k1 == k2 {
		t.Fatal("two dates share an entry")
	}
	// The entry does not alias the request's strings (which would keep the
	// whole request alive).
	header := strings.Clone("CAROL/20240102/us-east-1/s3/aws4_request")
	c.get(header[:5], "carol", header[6:14], header[15:24], header[25:27])
	for id := range c.keys {
		if id.accessKey == "CAROL" && (unsafe.StringData(id.accessKey) == unsafe.StringData(header) || unsafe.StringData(id.date) == unsafe.StringData(header[6:])) {
			t.Fatal("the cache keeps a request's string")
		}
	}
}

// TestMacKeySum checks the precomputed-pad HMAC against crypto/hmac, for
// keys and messages of every length class, and the fallback taken when a
// state cannot be restored.
func TestMacKeySum(t *testing.T) {
	t.Parallel()
	msgs := [][]byte{nil, []byte("a"), bytes.Repeat([]byte("x"), 55), bytes.Repeat([]byte("y"), 64), bytes.Repeat([]byte("z"), 1000)}
	for _, key := range [][]byte{[]byte("k"), bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 64)} {
		k := newMacKey(key)
		broken := &macKey{key: key, inner: []byte("not a state"), outer: k.outer}
		for _, msg := range msgs {
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			want := m.Sum(nil)
			if got := k.sum(msg, make([]byte, 0, 32)); !bytes.Equal(got, want) {
				t.Fatalf("key %d bytes, msg %d bytes: got %x, want %x", len(key), len(msg), got, want)
			}
			if got := broken.sum(msg, nil); !bytes.Equal(got, want) {
				t.Fatalf("fallback: key %d bytes, msg %d bytes: got %x, want %x", len(key), len(msg), got, want)
			}
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "/"},
		{"root", "/", "/"},
		{"no normalization", "/a//b/../c/./d", "/a//b/../c/./d"},
		{"dollar", "/test$file.text", "/test%24file.text"},
		{"escaped once, not twice", "/a%20b", "/a%20b"},
		{"lower-case escape normalized", "/%7e%2a", "/~%2A"},
		{"escaped slash stays escaped", "/a%2Fb", "/a%2Fb"},
		{"utf8", "/\xe1\x88\xb4", "/%E1%88%B4"},
		{"plus is literal in a path", "/a+b", "/a%2Bb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := appendCanonicalURI(nil, tt.in)
			if !ok || string(got) != tt.want {
				t.Fatalf("got %q %v, want %q", got, ok, tt.want)
			}
		})
	}
	for _, bad := range []string{"/%", "/%4", "/%zz"} {
		if _, ok := appendCanonicalURI(nil, bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		skip     bool
		want     string
	}{
		{"empty", "", false, ""},
		{"sub-resource", "acl", false, "acl="},
		{"sorted by name then value", "b=2&a=2&a=1&B=0", false, "B=0&a=1&a=2&b=2"},
		{"encoding", "prefix=a%2Fb c&k~=%7E", false, "k~=~&prefix=a%2Fb%20c"},
		{"plus is a space", "q=a+b", false, "q=a%20b"},
		{"signature dropped when presigned", "X-Amz-Signature=abc&x=1", true, "x=1"},
		{"signature kept otherwise", "X-Amz-Signature=abc", false, "X-Amz-Signature=abc"},
		{"empty parts ignored", "&&a=1&", false, "a=1"},
		{"many params", "p17=1&p16=1&p15=1&p14=1&p13=1&p12=1&p11=1&p10=1&p9=1&p8=1&p7=1&p6=1&p5=1&p4=1&p3=1&p2=1&p1=1&p0=1", false,
			"p0=1&p1=1&p10=1&p11=1&p12=1&p13=1&p14=1&p15=1&p16=1&p17=1&p2=1&p3=1&p4=1&p5=1&p6=1&p7=1&p8=1&p9=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, ok := appendCanonicalQuery(nil, nil, tt.in, tt.skip)
			if !ok || string(got) != tt.want {
				t.Fatalf("got %q %v, want %q", got, ok, tt.want)
			}
		})
	}
	if _, _, ok := appendCanonicalQuery(nil, nil, "a=%G0", false); ok {
		t.Error("bad escape accepted")
	}
}

func TestCanonicalHeaderValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"trim", []string{"  value1  "}, "value1"},
		{"collapse", []string{"a   b\t c"}, "a b c"},
		{"quoted collapsed too", []string{`"a   b"`}, `"a b"`},
		{"multi value in order", []string{"value2", "value2", "value1"}, "value2,value2,value1"},
		{"folded", []string{"value1\n  value2\n     value3"}, "value1 value2 value3"},
		{"empty", []string{""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendCanonicalHeaderValue(nil, tt.in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHeaderValuesFallbacks(t *testing.T) {
	t.Parallel()
	r, _ := http.NewRequest("PUT", "http://h.example/k", http.NoBody)
	r.ContentLength = 12
	r.TransferEncoding = []string{"chunked"}
	r.Header["x-lower"] = []string{"raw"}
	r.Header["X-mIxEd"] = []string{"odd"}
	var one [1]string
	var num [20]byte
	names := []string{"absent", "content-length", "host", "transfer-encoding", "x-lower", "x-mixed"}
	var sv signedValues
	if _, err := checkSignedHeaderRules(r, names, nil, &sv); err != nil {
		t.Fatal(err)
	}
	if !sv.exact {
		t.Fatal("the header scan gave up on unambiguous names")
	}
	want := map[string]string{"host": "h.example", "content-length": "12", "transfer-encoding": "chunked", "x-lower": "raw", "x-mixed": "odd", "absent": ""}
	for i, name := range names {
		vals, found := lookupHeader(r.Header, name)
		if got := string(appendCanonicalHeaderValue(nil, headerValues(r, name, vals, found, &one, &num))); got != want[name] {
			t.Errorf("%s by lookup: got %q, want %q", name, got, want[name])
		}
		if got := string(appendCanonicalHeaderValue(nil, headerValues(r, name, sv.vals[i], sv.vals[i] != nil, &one, &num))); got != want[name] {
			t.Errorf("%s by scan: got %q, want %q", name, got, want[name])
		}
	}
	// Two spellings of one signed name make the scan defer to lookupHeader.
	r.Header["X-Lower"] = []string{"canonical"}
	sv = signedValues{}
	if _, err := checkSignedHeaderRules(r, names, nil, &sv); err != nil || sv.exact {
		t.Fatalf("ambiguous spellings: exact=%v err=%v", sv.exact, err)
	}
}

// TestParseAmzDateMatchesTimeDate compares the arithmetic with time.Date
// over every day of four centuries and a spread of times of day.
func TestParseAmzDateMatchesTimeDate(t *testing.T) {
	t.Parallel()
	for day := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2401; day = day.AddDate(0, 0, 1) {
		want := day.Add(time.Duration(day.YearDay()%24)*time.Hour + time.Duration(day.Day()*59/31)*time.Minute + 59*time.Second)
		got, ok := parseAmzDate(want.Format("20060102T150405Z"))
		if !ok || !got.Equal(want) || got != want {
			t.Fatalf("%s: got %v %v, want %v", want.Format("20060102T150405Z"), got, ok, want)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	t.Parallel()
	for s, ok := range map[string]bool{
		"20240229T235959Z": true, "20230229T000000Z": false, "20240102T030405": false,
		"2024010xT030405Z": false, "20241302T000000Z": false, "20240102T240000Z": false, "20240102 030405Z": false,
	} {
		if _, got := parseAmzDate(s); got != ok {
			t.Errorf("%s: got %v, want %v", s, got, ok)
		}
	}
}

// TestSignedHeaderScanManyNames covers the binary-search path (more than
// 16 signed names), a name too long for it, and the short linear path with
// the same headers.
func TestSignedHeaderScanManyNames(t *testing.T) {
	t.Parallel()
	long := "x-amz-meta-" + strings.Repeat("l", 130)
	for _, n := range []int{3, 20} {
		r, _ := http.NewRequest("GET", "http://h.example/k", http.NoBody)
		names := []string{"host"}
		for i := range n - 1 {
			name := fmt.Sprintf("x-amz-meta-%02d", i)
			names = append(names, name)
			r.Header.Set(name, "v"+name[len(name)-2:])
		}
		slices.Sort(names)
		sv := signedValues{vals: make([][]string, len(names))}
		if _, err := checkSignedHeaderRules(r, names, nil, &sv); err != nil || !sv.exact {
			t.Fatalf("%d names: exact=%v err=%v", n, sv.exact, err)
		}
		for i, name := range names {
			if name == "host" {
				continue
			}
			if want := "v" + name[len(name)-2:]; len(sv.vals[i]) != 1 || sv.vals[i][0] != want {
				t.Fatalf("%d names: %s = %q, want %q", n, name, sv.vals[i], want)
			}
		}
		r.Header.Set("X-Amz-Meta-Unsigned", "x")
		r.Header[long] = []string{"y"}
		_, err := checkSignedHeaderRules(r, names, nil, &sv)
		if err == nil || err.Code != ErrCodeAccessDenied || !strings.Contains(err.Err.Error(), "x-amz-meta-unsigned") || !strings.Contains(err.Err.Error(), long) {
			t.Fatalf("%d names: unsigned headers not reported: %v", n, err)
		}
	}
}

// TestCleanMatchesBytewise compares the eight-bytes-at-a-time clean with a
// byte-by-byte definition, for white space and high bytes at every offset.
func TestCleanMatchesBytewise(t *testing.T) {
	t.Parallel()
	slow := func(v string) bool {
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '\t', '\r', '\n':
				return false
			case ' ':
				if v[i+1] == ' ' {
					return false
				}
			}
		}
		return true
	}
	for _, special := range []string{" ", "  ", "\t", "\r", "\n", "\x01", "\x20\x21", "\xff", "\x80 ", "!"} {
		for n := 1; n <= 24; n++ {
			for at := 0; at < n; at++ {
				b := []byte(strings.Repeat("a", n))
				copy(b[at:], special)
				v := trimOWS(string(b))
				if got, want := clean(v), slow(v); got != want {
					t.Fatalf("clean(%q) = %v, want %v", v, got, want)
				}
			}
		}
	}
}

// TestEscapingMatchesReference checks the run-copying decoders and
// encoders against net/url and a byte-by-byte UriEncode on random strings
// drawn from the characters that matter.
func TestEscapingMatchesReference(t *testing.T) {
	t.Parallel()
	uriEncode := func(s string, keepSlash bool) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 || keepSlash && c == '/' {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	const alphabet = "aZ09-._~/%+ 2Ff!*\xc3\xa9"
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		buf := make([]byte, rng.IntN(12))
		for i := range buf {
			buf[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(buf)
		want, err := url.QueryUnescape(s)
		got, ok := queryUnescape(s)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("queryUnescape(%q) = %q %v, want %q %v", s, got, ok, want, err)
		}
		enc, ok := appendDecodedEncoded(nil, s)
		if ok != (err == nil) || ok && string(enc) != uriEncode(want, false) {
			t.Fatalf("appendDecodedEncoded(%q) = %q %v, want %q", s, enc, ok, uriEncode(want, false))
		}
		if !strings.Contains(s, "%2F") && !strings.Contains(s, "%2f") {
			path, perr := url.PathUnescape(s)
			uri, ok := appendCanonicalURI(nil, s)
			if ok != (perr == nil) || ok && s != "" && string(uri) != uriEncode(path, true) {
				t.Fatalf("appendCanonicalURI(%q) = %q %v, want %q", s, uri, ok, uriEncode(path, true))
			}
		}
	}
}

// TestSignedHeaderScanAgreesWithLookup checks that the one-pass header scan
// decides like the per-name lookups it replaced: a signed x-amz-* name
// longer than 128 bytes is still reported as not signed whatever the
// number of signed names, and a header map entry with a nil value makes
// the canonical request use lookupHeader (found, empty) instead of a value
// picked by map order or the Content-Length fallback. (Found in review.)
func TestSignedHeaderScanAgreesWithLookup(t *testing.T) {
	t.Parallel()
	long := "x-amz-meta-" + strings.Repeat("l", 130)
	t.Run("long signed x-amz name", func(t *testing.T) {
		t.Parallel()
		r, _ := http.NewRequest("GET", "http://h.example/k", http.NoBody)
		r.Header[http.CanonicalHeaderKey(long)] = []string{"v"}
		names := []string{"host", long}
		var sv signedValues
		if _, err := checkSignedHeaderRules(r, names, nil, &sv); err == nil || err.Code != ErrCodeAccessDenied {
			t.Fatalf("got %v, want AccessDenied (headers not signed)", err)
		}
	})
	cases := map[string]struct {
		header http.Header
		names  []string
	}{
		"nil content-length": {http.Header{"Content-Length": nil}, []string{"content-length", "host"}},
		"nil and valued spellings": {
			http.Header{"X-Amz-Meta-A": nil, "x-amz-meta-a": {"v"}}, []string{"host", "x-amz-meta-a"},
		},
		"nil value": {http.Header{"X-Amz-Meta-A": nil}, []string{"host", "x-amz-meta-a"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for range 64 { // map order varies between scans
				r, _ := http.NewRequest("GET", "http://h.example/k", http.NoBody)
				r.Header = tc.header
				var sv signedValues
				if _, err := checkSignedHeaderRules(r, tc.names, nil, &sv); err != nil {
					t.Fatal(err)
				}
				var one [1]string
				var num [20]byte
				for i, n := range tc.names {
					vals, found := sv.vals[i], sv.vals[i] != nil
					if !sv.exact {
						vals, found = lookupHeader(r.Header, n)
					}
					got := string(appendCanonicalHeaderValue(nil, headerValues(r, n, vals, found, &one, &num)))
					lv, lf := lookupHeader(r.Header, n)
					want := string(appendCanonicalHeaderValue(nil, headerValues(r, n, lv, lf, &one, &num)))
					if got != want {
						t.Fatalf("%s: scan gives %q, lookup %q", n, got, want)
					}
				}
			}
		})
	}
}

// TestDigestHeaderSpelling: only the canonical Content-Md5 key (the one
// contentMD5 reads) and x-amz-checksum-* values in any case send a request
// without a body through the verifying reader, as hasDigestHeader had it.
// (Found in review.)
func TestDigestHeaderSpelling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"Content-Md5", true}, {"content-md5", false}, {"CONTENT-MD5", false},
		{"X-Amz-Checksum-Crc32", true}, {"x-amz-checksum-crc32", true},
		{"X-Amz-Checksum-Algorithm", false}, {"X-Amz-Checksum-Type", false}, {"Content-Type", false},
	} {
		r, _ := http.NewRequest("GET", "http://h.example/k", http.NoBody)
		r.Header[tc.key] = []string{"x"}
		names := []string{"host", strings.ToLower(tc.key)}
		slices.Sort(names)
		var sv signedValues
		digest, err := checkSignedHeaderRules(r, names, nil, &sv)
		if err != nil || digest != tc.want {
			t.Errorf("%s: digest=%v err=%v, want %v", tc.key, digest, err, tc.want)
		}
	}
}
