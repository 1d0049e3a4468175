package sigv4

import (
	"crypto/sha256"
	"time"

	"github.com/s3auth/s3auth/internal/wordwise"
)

const (
	algorithmV4   = "AWS4-HMAC-SHA256"
	algorithmV4A  = "AWS4-ECDSA-P256-SHA256"
	scopeTerminal = "aws4_request"
	amzDateLayout = "20060102T150405Z"
)

// authorization is a parsed SigV4 Authorization header or the equivalent
// presigned query parameters. Strings are substrings of the request.
type authorization struct {
	accessKey     string
	scope         string // date/region/service/aws4_request; "" when only the parts are at hand
	date          string // YYYYMMDD
	region        string
	service       string
	signedHeaders string      // h1;h2;...
	names         []string    // signedHeaders split
	list          *signedList // the same, remembered by the Verifier (nil if not)
	signatureHex  string
	signature     [sha256.Size]byte
}

// parseAuthorization parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex
//
// strictly: the algorithm, one or more spaces, then exactly the three
// components (any order, each once), separated by commas with optional
// spaces. Errors are AuthorizationHeaderMalformed (or InvalidRequest /
// InvalidArgument for another scheme).
//
// The signed header names are appended to names (scratch the caller owns);
// lists, if not nil, remembers parsed lists.
func parseAuthorization(h string, names []string, lists *signedListCache) (authorization, *Error) {
	if a, ok := parseSDKAuthorization(h, names, lists); ok {
		return a, nil
	}
	return parseAnyAuthorization(h, names, lists)
}

// parseAnyAuthorization is the general parser behind parseAuthorization.
func parseAnyAuthorization(h string, names []string, lists *signedListCache) (authorization, *Error) {
	var a authorization
	alg, rest, _ := cut(h, ' ')
	switch alg {
	case algorithmV4:
	case algorithmV4A:
		return a, errUnsupportedMechanism()
	case "AWS":
		return a, errUnsupportedMechanism()
	default:
		return a, errUnsupportedAuthType()
	}
	rest = trimOWS(rest)
	if rest == "" {
		return a, malformedHeader("missing Credential, SignedHeaders and Signature")
	}
	var haveCred, haveSH, haveSig bool
	for rest != "" {
		var comp string
		comp, rest, _ = cut(rest, ',')
		comp = trimOWS(comp)
		key, val, ok := cut(comp, '=')
		if !ok || key == "" {
			return a, malformedHeader("the component \"" + clip(comp) + "\" is not of the form Key=Value")
		}
		switch key {
		case "Credential":
			if haveCred {
				return a, malformedHeader("Credential appears more than once")
			}
			haveCred = true
			if e := a.parseCredential(val); e != "" {
				return a, malformedHeader(e)
			}
		case "SignedHeaders":
			if haveSH {
				return a, malformedHeader("SignedHeaders appears more than once")
			}
			haveSH = true
			var e string
			if a.names, a.list, e = lists.parse(names, val); e != "" {
				return a, malformedHeader(e)
			}
			a.signedHeaders = val
		case "Signature":
			if haveSig {
				return a, malformedHeader("Signature appears more than once")
			}
			haveSig = true
			if !a.parseSignature(val) {
				return a, malformedHeader("Signature must be 64 lower-case hex characters")
			}
		default:
			return a, malformedHeader("unknown component \"" + clip(key) + "\"; expecting Credential, SignedHeaders and Signature")
		}
	}
	switch {
	case !haveCred:
		return a, malformedHeader("missing Credential field")
	case !haveSH:
		return a, malformedHeader("missing SignedHeaders field")
	case !haveSig:
		return a, malformedHeader("missing Signature field")
	}
	return a, nil
}

// parseSDKAuthorization parses the layout every SDK sends,
//
//	AWS4-HMAC-SHA256 Credential=C, SignedHeaders=H, Signature=S
//
// (with or without the spaces after the commas) without the general
// loop. ok is false for anything else, valid or not, and then
// parseAuthorization's general parser decides; when ok is true the general
// parser would have returned the same authorization, because every part
// it would trim or reject has passed the same checks here.
func parseSDKAuthorization(h string, names []string, lists *signedListCache) (a authorization, ok bool) {
	const credPrefix = algorithmV4 + " Credential="
	if len(h) < len(credPrefix) || h[:len(credPrefix)] != credPrefix {
		return a, false
	}
	rest := h[len(credPrefix):]
	cred, rest, _ := cut(rest, ',')
	rest = skipSpace(rest)
	const shPrefix = "SignedHeaders="
	if len(rest) < len(shPrefix) || rest[:len(shPrefix)] != shPrefix {
		return a, false
	}
	sh, rest, _ := cut(rest[len(shPrefix):], ',')
	rest = skipSpace(rest)
	const sigPrefix = "Signature="
	if len(rest) != len(sigPrefix)+2*sha256.Size || rest[:len(sigPrefix)] != sigPrefix {
		return a, false
	}
	if a.parseCredential(cred) != "" || !a.parseSignature(rest[len(sigPrefix):]) {
		return a, false
	}
	var msg string
	if a.names, a.list, msg = lists.parse(names, sh); msg != "" {
		return a, false
	}
	a.signedHeaders = sh
	return a, true
}

// skipSpace drops the one space SDKs put after a comma.
func skipSpace(s string) string {
	if s != "" && s[0] == ' ' {
		return s[1:]
	}
	return s
}

// clip bounds client text echoed in an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func malformedHeader(msg string) *Error {
	return newError(ErrCodeAuthorizationHeaderMalformed, "The authorization header is malformed; %s.", msg)
}

func malformedQuery(msg string) *Error {
	return newError(ErrCodeAuthorizationQueryParametersError, "%s", msg)
}

func errUnsupportedMechanism() *Error {
	return newError(ErrCodeInvalidRequest, "The authorization mechanism you have provided is not supported. Please use "+algorithmV4+".")
}

func errUnsupportedAuthType() *Error {
	e := newError(ErrCodeInvalidArgument, "Unsupported Authorization Type")
	return e
}

const credentialForm = "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\""

// parseCredential splits AKID/date/region/service/aws4_request. It checks
// only the shape; the values are checked against the request by checkScope.
func (a *authorization) parseCredential(c string) string {
	ak, rest, ok := cut(c, '/')
	if !ok || ak == "" {
		return credentialForm
	}
	a.accessKey = ak
	a.scope = rest
	var term string
	a.date, rest, _ = cut(rest, '/')
	a.region, rest, _ = cut(rest, '/')
	a.service, term, _ = cut(rest, '/')
	if len(a.date) != 8 || a.region == "" || a.service == "" || term == "" {
		return credentialForm
	}
	for i := 0; i < 8; i++ {
		if a.date[i] < '0' || a.date[i] > '9' {
			return credentialForm
		}
	}
	if term != scopeTerminal {
		return "incorrect terminal \"" + clip(term) + "\". This endpoint uses \"" + scopeTerminal + "\""
	}
	return ""
}

// parseEscapedCredential is parseCredential for an X-Amz-Credential value
// as a query carries it, its '/' sent as %2F (any case) or literally,
// without unescaping it into a new string. It returns false, and leaves a
// alone, unless the value is well formed and escapes nothing else; then
// queryUnescape and parseCredential decide (and report), as they would
// have anyway. When it returns true they would have produced the same
// parts, because nothing but the separators is escaped.
func (a *authorization) parseEscapedCredential(raw string) bool {
	var parts [5]string
	n, start, escaped := 0, 0, false
	for i := 0; i < len(raw); {
		sep := 0
		switch raw[i] {
		case '+':
			return false
		case '%':
			if i+2 >= len(raw) || raw[i+1] != '2' || raw[i+2] != 'F' && raw[i+2] != 'f' {
				return false
			}
			sep, escaped = 3, true
		case '/':
			sep = 1
		default:
			i++
			continue
		}
		if n == 4 {
			return false // a fifth separator: the terminal cannot match
		}
		parts[n], n = raw[start:i], n+1
		i += sep
		start = i
	}
	if n != 4 {
		return false
	}
	parts[4] = raw[start:]
	ak, date, region, service := parts[0], parts[1], parts[2], parts[3]
	if ak == "" || len(date) != 8 || region == "" || service == "" || parts[4] != scopeTerminal {
		return false
	}
	for i := 0; i < 8; i++ {
		if date[i] < '0' || date[i] > '9' {
			return false
		}
	}
	a.accessKey, a.date, a.region, a.service = ak, date, region, service
	a.scope = ""
	if !escaped {
		a.scope = raw[len(ak)+1:]
	}
	return true
}

// appendScope appends date/region/service/aws4_request.
func (a *authorization) appendScope(b []byte) []byte {
	if a.scope != "" {
		return append(b, a.scope...)
	}
	b = append(b, a.date...)
	b = append(b, '/')
	b = append(b, a.region...)
	b = append(b, '/')
	b = append(b, a.service...)
	b = append(b, '/')
	return append(b, scopeTerminal...)
}

// scopeString returns the scope as a string, building it (an allocation)
// only when the credential was split from its escaped form.
func (a *authorization) scopeString() string {
	if a.scope != "" {
		return a.scope
	}
	return string(a.appendScope(nil))
}

// signedNameChar holds the bytes allowed in a signed header name: the
// RFC 9110 token characters, letters in lower case only.
var signedNameChar = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~") {
		t[c] = true
	}
	return t
}()

// parseSignedHeaders splits the ';'-separated list s, appending the names
// to dst. It requires lower-case, non-empty names, strictly ascending and
// without duplicates, as every signer produces them.
func parseSignedHeaders(dst []string, s string) ([]string, string) {
	if s == "" {
		return dst, "SignedHeaders is empty"
	}
	if out, msg, ok := parseCommonSignedHeaders(dst, s); ok {
		return out, msg
	}
	return parseAnySignedHeaders(dst, s)
}

// parseAnySignedHeaders is parseSignedHeaders byte by byte, for any list.
func parseAnySignedHeaders(dst []string, s string) ([]string, string) {
	prev, start := "", 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ';' {
			if !signedNameChar[s[i]] {
				return dst, "SignedHeaders must list lower-case header names separated by ';'"
			}
			continue
		}
		name := s[start:i]
		if msg := checkNextName(prev, name); msg != "" {
			return dst, msg
		}
		dst = append(dst, name)
		prev, start = name, i+1
	}
	return dst, ""
}

// parseCommonSignedHeaders is parseSignedHeaders for the lists signers
// send: only a-z, 0-9, '-' and ';', checked eight bytes at a time. ok is
// false (and dst is returned as it came) when s holds any other byte; then
// the byte-by-byte parser decides. A fault found here lies before any
// uncommon byte, so the byte-by-byte parser would report the same one.
func parseCommonSignedHeaders(dst []string, s string) (_ []string, msg string, ok bool) {
	in, prev, start := dst, "", 0
	for i := 0; i < len(s); i += 8 {
		var x uint64
		if i+8 <= len(s) {
			x = wordwise.Load8(s[i:])
		} else {
			x = wordwise.LoadTail(s, i, 'a')
		}
		semis, common := commonNameBytes(x)
		if !common {
			return in, "", false
		}
		for semis != 0 {
			end := i + nextMark(&semis)
			name := s[start:end]
			if msg := checkNextName(prev, name); msg != "" {
				return dst, msg, true
			}
			dst = append(dst, name)
			prev, start = name, end+1
		}
	}
	name := s[start:]
	if msg := checkNextName(prev, name); msg != "" {
		return dst, msg, true
	}
	return append(dst, name), "", true
}

// checkNextName checks a signed header name against the one before it.
func checkNextName(prev, name string) string {
	if name == "" {
		return "SignedHeaders has an empty name"
	}
	if prev != "" && name[0] <= prev[0] && name <= prev {
		return "SignedHeaders must be sorted and free of duplicates"
	}
	return ""
}

func (a *authorization) parseSignature(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	bad := byte(0)
	for i := range a.signature {
		hi, lo := lowerHexValue[s[2*i]], lowerHexValue[s[2*i+1]]
		bad |= hi | lo
		a.signature[i] = hi<<4 | lo&0x0f
	}
	if bad&0x80 != 0 {
		return false
	}
	a.signatureHex = s
	return true
}

// lowerHexValue maps '0'-'9' and 'a'-'f' to their value and every other
// byte to 0xff.
var lowerHexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("0123456789abcdef") {
		t[c] = byte(i)
	}
	return t
}()

// parseAmzDate parses an ISO 8601 basic timestamp, yyyyMMdd'T'HHmmss'Z'.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	// Every other byte must be a digit: check them all at once.
	bad := 0
	d := func(i int) int {
		c := int(s[i]) - '0'
		bad |= c | (9 - c) // negative when c is not 0-9
		return c
	}
	y := d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	mo, dd := d(4)*10+d(5), d(6)*10+d(7)
	h, mi, se := d(9)*10+d(10), d(11)*10+d(12), d(13)*10+d(14)
	if bad < 0 || mo < 1 || mo > 12 || dd < 1 || dd > 31 || h > 23 || mi > 59 || se > 59 {
		return time.Time{}, false
	}
	if dd > daysIn(y, mo) { // 31 February and friends
		return time.Time{}, false
	}
	secs := daysSinceEpoch(y, mo, dd)*86400 + int64(h*3600+mi*60+se)
	return time.Unix(secs, 0).UTC(), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch counts the days from 1970-01-01 to the proleptic
// Gregorian date y-m-d (a valid date with y >= 0), counting years from
// March so that the leap day comes last.
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= -1 here; year -1 only for January/February of year 0
	if y < 0 {
		era = -1
	}
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468
}
