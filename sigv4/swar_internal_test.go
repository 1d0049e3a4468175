package sigv4

import (
	"math/rand/v2"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// The word-at-a-time helpers are checked against byte-by-byte references
// on every byte value and on random strings built from the bytes where
// case folding and range tests can go wrong.

// edgyBytes are letters of both cases and their neighbours, the bytes that
// case folding by OR-ing 0x20 would confuse ('@' '`', '[' '{', '_' DEL),
// white space, separators, and bytes with the high bit set.
const edgyBytes = "aAzZmMxX@`[{\\|]}^~_\x7f-;:/09 \t\r\n\x00\x80\xc1\xff.!#$%&'*+"

func randomString(rng *rand.Rand, alphabet string, maxLen int) string {
	var b strings.Builder
	for range rng.IntN(maxLen + 1) {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func TestHasXAmzPrefix(t *testing.T) {
	t.Parallel()
	for x := 0; x < 256; x++ {
		for pos := 0; pos < 6; pos++ {
			k := []byte("X-Amz-Date")
			k[pos] = byte(x)
			want := len(k) > 6 && strings.EqualFold(string(k[:6]), "x-amz-")
			if got := hasXAmzPrefix(string(k)); got != want {
				t.Fatalf("hasXAmzPrefix(%q) = %v, want %v", k, got, want)
			}
		}
	}
	for _, k := range []string{"", "x-amz-", "X-AMZ-", "x-amz-a", "X-Amz-Meta-A"} {
		if got, want := hasXAmzPrefix(k), len(k) > 6 && strings.EqualFold(k[:6], "x-amz-"); got != want {
			t.Errorf("hasXAmzPrefix(%q) = %v, want %v", k, got, want)
		}
	}
}

func refClean(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\t' || c == '\r' || c == '\n':
			return false
		case c == ' ' && i+1 < len(v) && v[i+1] == ' ':
			return false
		}
	}
	return true
}

func TestCleanRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		v := trimOWS(randomString(rng, "ab  \t\r\n\x00\x1f!\x7f\xff", 40))
		if got, want := clean(v), refClean(v); got != want {
			t.Fatalf("clean(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestParseSignedHeadersFastPath checks that the word-at-a-time parser
// agrees with the byte-by-byte one (names and message) whenever it
// decides, and that it decides for the lists signers send.
func TestParseSignedHeadersFastPath(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	names := []string{"a", "b", "content-md5", "host", "x-amz-date", "x-amz-content-sha256", "range", "amz-sdk-request", "x-amz-meta-9"}
	decided := 0
	for i := range 300000 {
		var s string
		if i%2 == 0 {
			// A plausible list: some names, maybe out of order or with
			// an odd byte.
			var parts []string
			for range 1 + rng.IntN(8) {
				parts = append(parts, names[rng.IntN(len(names))])
			}
			s = strings.Join(parts, ";")
			if rng.IntN(4) == 0 && len(s) > 0 {
				b := []byte(s)
				b[rng.IntN(len(b))] = edgyBytes[rng.IntN(len(edgyBytes))]
				s = string(b)
			}
		} else {
			s = randomString(rng, "abz09-;;_A. ", 30)
		}
		var d1, d2 [4]string
		got, gotMsg, ok := parseCommonSignedHeaders(d1[:0], s)
		if !ok {
			if len(got) != 0 {
				t.Fatalf("%q: undecided, but appended %q", s, got)
			}
			continue
		}
		decided++
		want, wantMsg := parseAnySignedHeaders(d2[:0], s)
		if gotMsg != wantMsg || (wantMsg == "" && strings.Join(got, ";") != strings.Join(want, ";")) {
			t.Fatalf("%q: fast (%q, %q), byte by byte (%q, %q)", s, got, gotMsg, want, wantMsg)
		}
	}
	if decided < 100000 {
		t.Fatalf("the fast parser decided only %d of 300000 lists", decided)
	}
	if _, _, ok := parseCommonSignedHeaders(nil, "amz-sdk-invocation-id;amz-sdk-request;host;range;x-amz-content-sha256;x-amz-date"); !ok {
		t.Fatal("the fast parser does not decide an SDK's list")
	}
}

// TestParseSDKAuthorizationAgrees checks that whenever the fast parser
// accepts a header, the general parser accepts it with the same result,
// on mutations of SDK-shaped headers.
func TestParseSDKAuthorizationAgrees(t *testing.T) {
	t.Parallel()
	const sig = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
	bases := []string{
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=" + sig,
	}
	rng := rand.New(rand.NewPCG(7, 8))
	accepted := 0
	for i := range 300000 {
		b := []byte(bases[i%len(bases)])
		for range rng.IntN(3) {
			switch p := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				b[p] = edgyBytes[rng.IntN(len(edgyBytes))]
			case 1:
				b = append(b[:p], b[p+1:]...)
			default:
				b = append(b[:p], append([]byte{edgyBytes[rng.IntN(len(edgyBytes))]}, b[p:]...)...)
			}
		}
		h := string(b)
		var n1, n2 [12]string
		fast, ok := parseSDKAuthorization(h, n1[:0], nil)
		if !ok {
			continue
		}
		accepted++
		general, err := parseAnyAuthorization(h, n2[:0], nil)
		if err != nil {
			t.Fatalf("%q: fast parser accepts, general parser says %v", h, err)
		}
		if strings.Join(fast.names, ";") != strings.Join(general.names, ";") {
			t.Fatalf("%q: names %q vs %q", h, fast.names, general.names)
		}
		if fast.accessKey != general.accessKey || fast.scope != general.scope ||
			fast.date != general.date || fast.region != general.region || fast.service != general.service ||
			fast.signedHeaders != general.signedHeaders || fast.signatureHex != general.signatureHex || fast.signature != general.signature {
			t.Fatalf("%q: fast %+v, general %+v", h, fast, general)
		}
	}
	if accepted < 1000 {
		t.Fatalf("the fast parser accepted only %d mutated headers", accepted)
	}
}

// FuzzAuthorizationFastPath: whenever the fast parsers decide, the general
// ones agree.
func FuzzAuthorizationFastPath(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
	f.Add("AWS4-HMAC-SHA256 Credential=A/20130524/r/s3/aws4_request,SignedHeaders=a;b;c,Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
	f.Fuzz(func(t *testing.T, h string) {
		var n1, n2 [12]string
		if fast, ok := parseSDKAuthorization(h, n1[:0], nil); ok {
			general, err := parseAnyAuthorization(h, n2[:0], nil)
			if err != nil || strings.Join(fast.names, ";") != strings.Join(general.names, ";") ||
				fast.accessKey != general.accessKey || fast.signedHeaders != general.signedHeaders || fast.signature != general.signature {
				t.Fatalf("%q: fast %+v, general %+v (%v)", h, fast, general, err)
			}
		}
		_, sh, _ := strings.Cut(h, "SignedHeaders=")
		sh, _, _ = strings.Cut(sh, ",")
		if sh == "" {
			return
		}
		if got, msg, ok := parseCommonSignedHeaders(n1[:0], sh); ok {
			want, wantMsg := parseAnySignedHeaders(n2[:0], sh)
			if msg != wantMsg || (msg == "" && strings.Join(got, ";") != strings.Join(want, ";")) {
				t.Fatalf("%q: fast (%q, %q), byte by byte (%q, %q)", sh, got, msg, want, wantMsg)
			}
		}
	})
}

// TestParseEscapedCredentialAgrees checks the presigned credential split
// against unescaping and parsing, on mutations of escaped credentials.
func TestParseEscapedCredentialAgrees(t *testing.T) {
	t.Parallel()
	bases := []string{
		"AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request",
		"AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
		"AK%2f20130524/eu-west-1%2Fsts%2Faws4_request",
	}
	rng := rand.New(rand.NewPCG(9, 10))
	decided := 0
	for i := range 300000 {
		b := []byte(bases[i%len(bases)])
		for range rng.IntN(3) {
			c := "%2Ff/+0a"[rng.IntN(8)]
			switch p := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				b[p] = c
			case 1:
				b = append(b[:p], b[p+1:]...)
			default:
				b = append(b[:p], append([]byte{c}, b[p:]...)...)
			}
		}
		if checkEscapedCredential(t, string(b)) {
			decided++
		}
	}
	if decided < 1000 {
		t.Fatalf("the escaped split decided only %d credentials", decided)
	}
}

// checkEscapedCredential reports whether parseEscapedCredential decided
// raw, failing t if it disagrees with queryUnescape and parseCredential.
func checkEscapedCredential(t *testing.T, raw string) bool {
	var fast authorization
	if !fast.parseEscapedCredential(raw) {
		return false
	}
	c, ok := queryUnescape(raw)
	if !ok {
		t.Fatalf("%q: split, but does not unescape", raw)
	}
	var slow authorization
	if msg := slow.parseCredential(c); msg != "" {
		t.Fatalf("%q: split, but parseCredential says %s", raw, msg)
	}
	if fast.accessKey != slow.accessKey || fast.date != slow.date || fast.region != slow.region ||
		fast.service != slow.service || fast.scopeString() != slow.scope || string(fast.appendScope(nil)) != slow.scope {
		t.Fatalf("%q: split %+v, parsed %+v", raw, fast, slow)
	}
	return true
}

func FuzzEscapedCredential(f *testing.F) {
	f.Add("AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request")
	f.Add("A/20130524/r/s/aws4_request")
	f.Fuzz(func(t *testing.T, raw string) { checkEscapedCredential(t, raw) })
}

// refParseAmzDate is parseAmzDate as it was written first, digit by digit.
func refParseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	var n [6]int
	widths := [6]int{4, 2, 2, 2, 2, 2}
	pos := [6]int{0, 4, 6, 9, 11, 13}
	for i := range n {
		for j := 0; j < widths[i]; j++ {
			c := s[pos[i]+j]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 || n[3] > 23 || n[4] > 59 || n[5] > 59 || n[2] > daysIn(n[0], n[1]) {
		return time.Time{}, false
	}
	return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC), true
}

func TestParseAmzDateAgrees(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 14))
	check := func(s string) {
		got, ok := parseAmzDate(s)
		want, wantOK := refParseAmzDate(s)
		if ok != wantOK || ok && !got.Equal(want) {
			t.Fatalf("parseAmzDate(%q) = %v %v, want %v %v", s, got, ok, want, wantOK)
		}
	}
	for _, s := range []string{"20240229T235959Z", "20230229T000000Z", "19700101T000000Z", "00000101T000000Z", "99991231T235959Z", "20241301T000000Z", "20240100T000000Z", "20240101T240000Z", "20240101T236000Z", "20240101T235960Z"} {
		check(s)
	}
	for range 300000 {
		b := []byte(time.Unix(rng.Int64N(1<<36)-1<<35, 0).UTC().Format(amzDateLayout))
		if len(b) != 16 {
			continue
		}
		for range rng.IntN(3) {
			b[rng.IntN(16)] = "0123456789/:TZ\x00\xff"[rng.IntN(16)]
		}
		check(string(b))
	}
}

func TestAppendEncodedPathAgrees(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 16))
	compared := 0
	for i := range 200000 {
		raw := "/" + randomString(rng, "ab/%2F7e~-._!$&'()*+,;=:@ \x00\x7f\xc3\xa9?#[]", 20)
		u, err := url.Parse("http://h" + raw)
		if err != nil {
			continue
		}
		if i%3 == 0 {
			u = &url.URL{Path: randomString(rng, "ab/%~ *\xff", 12)}
		}
		if u.RawPath != "" {
			continue
		}
		want, ok := appendCanonicalURI(nil, u.EscapedPath())
		if got := appendEncodedPath(nil, u.Path); !ok || string(got) != string(want) {
			t.Fatalf("path %q: appendEncodedPath = %q, appendCanonicalURI(EscapedPath) = %q (%v)", u.Path, got, want, ok)
		}
		compared++
	}
	if compared < 40000 {
		t.Fatalf("only %d paths compared", compared)
	}
}

// TestSignedListAgrees checks a remembered list against the plain parse
// and its index against indexNameFold, for lists and header keys built
// from the bytes where folding and lengths go wrong.
func TestSignedListAgrees(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 18))
	pool := []string{"host", "x-amz-date", "x-amz-content-sha256", "content-md5", "range", "a", "b_c", "x-amz-meta-k", "amz-sdk-request", "x~y", "content-type"}
	var cache signedListCache
	hits := 0
	for i := range 100000 {
		var parts []string
		for range 1 + rng.IntN(6) {
			parts = append(parts, pool[rng.IntN(len(pool))])
		}
		if i%5 == 0 {
			parts = append(parts, strings.Repeat("z", 120+rng.IntN(12)))
		}
		slices.Sort(parts)
		s := strings.Join(slices.Compact(parts), ";")
		if i%7 == 0 && len(s) > 1 {
			b := []byte(s)
			b[rng.IntN(len(b))] = edgyBytes[rng.IntN(len(edgyBytes))]
			s = string(b)
		}
		var d1, d2, d3 [4]string
		want, wantMsg := parseSignedHeaders(d1[:0], s)
		got, l, msg := cache.parse(d2[:0], s)
		if msg != wantMsg || strings.Join(got, ";") != strings.Join(want, ";") {
			t.Fatalf("%q: cached parse (%q, %q), plain (%q, %q)", s, got, msg, want, wantMsg)
		}
		if l == nil {
			if msg != "" {
				continue
			}
			// As after a verified request: remembered, then found.
			cache.remember(s)
			if got, l, msg = cache.parse(d3[:0], s); l == nil {
				if len(s) <= maxCachedList {
					t.Fatalf("%q: not found after remember", s)
				}
				continue
			}
			if msg != "" || strings.Join(got, ";") != strings.Join(want, ";") {
				t.Fatalf("%q: remembered parse (%q, %q), plain (%q, %q)", s, got, msg, want, wantMsg)
			}
		} else {
			hits++
		}
		for range 8 {
			var k string
			switch rng.IntN(4) {
			case 0:
				k = textproto.CanonicalMIMEHeaderKey(want[rng.IntN(len(want))])
			case 1:
				k = strings.ToUpper(want[rng.IntN(len(want))])
			case 2:
				k = mutate(rng, want[rng.IntN(len(want))])
			default:
				k = randomString(rng, edgyBytes, 12)
			}
			gi, gk := l.index(k)
			wi, wk := indexNameFold(want, k)
			if gi != wi || gk != wk {
				t.Fatalf("list %q, key %q: index (%d, %v), indexNameFold (%d, %v)", s, k, gi, gk, wi, wk)
			}
		}
	}
	if hits < 1000 {
		t.Fatalf("only %d lists were found again in the cache", hits)
	}
}

// mutate changes, inserts or deletes one byte of s.
func mutate(rng *rand.Rand, s string) string {
	b := []byte(s)
	c := edgyBytes[rng.IntN(len(edgyBytes))]
	switch p := rng.IntN(len(b) + 1); {
	case p == len(b):
		b = append(b, c)
	case rng.IntN(2) == 0:
		b[p] = c
	default:
		b = append(b[:p], b[p+1:]...)
	}
	return string(b)
}

func TestIsLowerHex64(t *testing.T) {
	t.Parallel()
	ref := func(s string) bool {
		if len(s) != 64 {
			return false
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	base := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	for pos := 0; pos < 64; pos++ {
		for c := 0; c < 256; c++ {
			b := slices.Clone(base)
			b[pos] = byte(c)
			if got, want := isLowerHex64(string(b)), ref(string(b)); got != want {
				t.Fatalf("isLowerHex64(%q) = %v, want %v", b, got, want)
			}
		}
	}
	for _, s := range []string{"", "0", string(base[:63]), string(base) + "0"} {
		if isLowerHex64(s) {
			t.Errorf("isLowerHex64(%q) = true", s)
		}
	}
}
