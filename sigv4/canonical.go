package sigv4

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// S3 canonicalization (aws-spec §1.2). Everything here appends to caller
// buffers so that a verification allocates nothing on the hot path.

// canonBufs are the scratch buffers of one signature check: the canonical
// request followed by the string to sign, and room for sorting the query.
type canonBufs struct{ b, tmp []byte }

// canonPool recycles canonBufs.
var canonPool = sync.Pool{New: func() any {
	return &canonBufs{b: make([]byte, 0, 1024), tmp: make([]byte, 0, 1024)}
}}

func getCanonBufs() *canonBufs { return canonPool.Get().(*canonBufs) }

// put returns the buffers to the pool, unless a huge request grew them.
func (c *canonBufs) put() {
	if cap(c.b) > 64<<10 || cap(c.tmp) > 64<<10 {
		return
	}
	c.b, c.tmp = c.b[:0], c.tmp[:0]
	canonPool.Put(c)
}

const upperHex = "0123456789ABCDEF"

// uriKeep classifies the bytes UriEncode leaves as they are: keepQuery for
// the unreserved characters, keepPath for those and '/'.
var uriKeep = func() (t [256]uint8) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") {
		t[c] = keepQuery | keepPath
	}
	t['/'] = keepPath
	return t
}()

const (
	keepQuery = 1 << iota
	keepPath
)

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendCanonicalURI appends the S3 canonical URI for the escaped path as
// sent: no dot-segment removal, no slash collapsing, each byte
// percent-decoded once and re-encoded with UriEncode keeping '/'. An
// escaped slash (%2F) stays escaped so that a key containing "/" is not
// confused with a path separator. An empty path is "/".
func appendCanonicalURI(b []byte, escaped string) ([]byte, bool) {
	if escaped == "" {
		return append(b, '/'), true
	}
	for i := 0; i < len(escaped); i++ {
		if b, i = appendKept(b, escaped, i, keepPath); i == len(escaped) {
			break
		}
		c := escaped[i]
		if c == '%' {
			if i+2 >= len(escaped) {
				return b, false
			}
			hi, ok1 := unhex(escaped[i+1])
			lo, ok2 := unhex(escaped[i+2])
			if !ok1 || !ok2 {
				return b, false
			}
			c = hi<<4 | lo
			i += 2
			if c == '/' {
				b = append(b, "%2F"...)
				continue
			}
		}
		if uriKeep[c]&keepPath != 0 {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b, true
}

// appendKept appends the run of bytes of s from i that the mask (keepPath
// or keepQuery) leaves as they are, in one go, and returns where it ends.
func appendKept(b []byte, s string, i int, mask uint8) ([]byte, int) {
	j := i
	for j < len(s) && uriKeep[s[j]]&mask != 0 {
		j++
	}
	return append(b, s[i:j]...), j
}

// appendEncodedPath appends the S3 canonical URI of a decoded path that
// net/url can re-escape by itself (URL.RawPath empty): each byte UriEncoded
// keeping '/'. It equals appendCanonicalURI(b, url.EscapedPath()) then,
// because that escaping keeps '/' literal and decoding it gives the path
// back, without escaping the path only to decode it again.
func appendEncodedPath(b []byte, path string) []byte {
	if path == "" {
		return append(b, '/')
	}
	for i := 0; i < len(path); i++ {
		if b, i = appendKept(b, path, i, keepPath); i == len(path) {
			break
		}
		c := path[i]
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// appendDecodedEncoded percent-decodes the raw query component s ('+' is a
// space, as in every SDK's own canonicalization) and appends its UriEncode.
func appendDecodedEncoded(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if b, i = appendKept(b, s, i, keepQuery); i == len(s) {
			break
		}
		c := s[i]
		switch c {
		case '%':
			if i+2 >= len(s) {
				return b, false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return b, false
			}
			c = hi<<4 | lo
			i += 2
		case '+':
			c = ' '
		}
		if uriKeep[c]&keepQuery != 0 {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b, true
}

// queryUnescape percent-decodes s ('+' is a space) into a new string; it returns s
// itself when nothing needs decoding.
func queryUnescape(s string) (string, bool) {
	needs := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			needs = true
			break
		}
	}
	if !needs {
		return s, true
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); i++ {
		j := i
		for j < len(s) && s[j] != '%' && s[j] != '+' {
			j++
		}
		sb.WriteString(s[i:j])
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		switch c {
		case '%':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			c = hi<<4 | lo
			i += 2
		case '+':
			c = ' '
		}
		sb.WriteByte(c)
	}
	return sb.String(), true
}

// qpair locates one encoded query parameter inside a scratch buffer.
type qpair struct{ n0, n1, v1 int32 }

// maxQueryParams bounds the number of query parameters we canonicalize.
const maxQueryParams = 1000

// appendCanonicalQuery appends the canonical query string for raw: every
// parameter name and value decoded once and UriEncoded, sorted by name then
// value, joined with '&'; a parameter without '=' gets an empty value.
// skipSignature drops X-Amz-Signature (presigned URLs). tmp is scratch
// space and is returned for reuse.
func appendCanonicalQuery(b, tmp []byte, raw string, skipSignature bool) (out, scratch []byte, ok bool) {
	if raw == "" {
		return b, tmp, true
	}
	var arr [24]qpair
	pairs := arr[:0]
	tmp = tmp[:0]
	for rest := raw; rest != ""; {
		var part string
		part, rest, _ = cut(rest, '&')
		if part == "" {
			continue
		}
		name, val, _ := cut(part, '=')
		if skipSignature && name == "X-Amz-Signature" {
			continue
		}
		if len(pairs) >= maxQueryParams {
			return b, tmp, false
		}
		var p qpair
		p.n0 = int32(len(tmp))
		if tmp, ok = appendDecodedEncoded(tmp, name); !ok {
			return b, tmp, false
		}
		p.n1 = int32(len(tmp))
		if tmp, ok = appendDecodedEncoded(tmp, val); !ok {
			return b, tmp, false
		}
		p.v1 = int32(len(tmp))
		pairs = append(pairs, p)
	}
	less := func(x, y qpair) int {
		if c := compareBytes(tmp[x.n0:x.n1], tmp[y.n0:y.n1]); c != 0 {
			return c
		}
		return compareBytes(tmp[x.n1:x.v1], tmp[y.n1:y.v1])
	}
	if len(pairs) <= 16 {
		for i := 1; i < len(pairs); i++ {
			for j := i; j > 0 && less(pairs[j-1], pairs[j]) > 0; j-- {
				pairs[j-1], pairs[j] = pairs[j], pairs[j-1]
			}
		}
	} else {
		slices.SortFunc(pairs, less)
	}
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, tmp[p.n0:p.n1]...)
		b = append(b, '=')
		b = append(b, tmp[p.n1:p.v1]...)
	}
	return b, tmp, true
}

func compareBytes(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// cut is strings.Cut for one byte.
func cut(s string, sep byte) (before, after string, found bool) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// appendCanonicalHeaderValue appends one header's canonical value: each
// value trimmed of surrounding spaces and tabs, inner runs of spaces (and
// folded line breaks) collapsed to one space, values joined with ','.
func appendCanonicalHeaderValue(b []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		v = trimOWS(v)
		if clean(v) {
			b = append(b, v...)
			continue
		}
		space := false
		for j := 0; j < len(v); j++ {
			c := v[j]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				space = true
				continue
			}
			if space {
				b = append(b, ' ')
				space = false
			}
			b = append(b, c)
		}
	}
	return b
}

// clean reports whether v (already trimmed) has no run of white space and
// no white space other than single spaces, so it canonicalizes to itself.
// It looks at eight bytes at a time and at single bytes only around a
// byte <= ' '.
func clean(v string) bool {
	for i := 0; i < len(v); {
		var x uint64
		if i+8 <= len(v) {
			x = wordwise.Load8(v[i:])
		} else {
			x = wordwise.LoadTail(v, i, 'a')
		}
		if (x-0x21*wordwise.Ones)&^x&wordwise.Highs == 0 { // no byte < 0x21 among the eight
			i += 8
			continue
		}
		for end := min(i+8, len(v)); i < end; i++ {
			if c := v[i]; c <= ' ' {
				if c == '\t' || c == '\r' || c == '\n' || c == ' ' && v[i+1] == ' ' { // v is trimmed, so i+1 < len(v)
					return false
				}
			}
		}
	}
	return true
}

func trimOWS(s string) string {
	i, j := 0, len(s)
	for i < j && isOWS(s[i]) {
		i++
	}
	for j > i && isOWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// headerValues returns the received values of the lower-case header name,
// given what the header map holds for it (vals, found). host comes from
// r.Host; content-length and transfer-encoding fall back to the fields
// net/http moves them into.
func headerValues(r *http.Request, name string, vals []string, found bool, one *[1]string, num *[20]byte) []string {
	switch name {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		one[0] = h
		return one[:]
	case "content-length":
		if found {
			return vals
		}
		if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Body != nil) {
			one[0] = string(strconv.AppendInt(num[:0], r.ContentLength, 10))
			return one[:]
		}
		return nil
	case "transfer-encoding":
		if found {
			return vals
		}
		return r.TransferEncoding
	}
	return vals
}

// lookupHeader finds a lower-case header name in h without allocating:
// first under its canonical MIME form, then as written, then by a
// case-insensitive scan.
func lookupHeader(h http.Header, name string) ([]string, bool) {
	if len(name) <= 128 {
		var kb [128]byte
		k := kb[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v, true
		}
	}
	if v, ok := h[name]; ok {
		return v, true
	}
	for k, v := range h {
		if equalFoldASCII(k, name) {
			return v, true
		}
	}
	return nil, false
}
