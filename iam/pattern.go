package iam

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// keyRef is a compiled reference to a condition key or policy variable.
type keyRef struct {
	name string // lower case
	id   keyID
}

type tokKind uint8

const (
	tLit   tokKind = iota // literal text
	tStar                 // '*': any run of characters
	tQuest                // '?': exactly one character
	tVar                  // ${key} or ${key, 'default'}
)

type token struct {
	s      string // literal text, or the default of a variable
	key    keyRef
	kind   tokKind
	hasDef bool
}

type patKind uint8

const (
	pExact  patKind = iota // lit only
	pPrefix                // lit then '*'
	pAny                   // '*'
	pGlob                  // tokens
)

// pattern is a compiled string with optional wildcards and variables.
type pattern struct {
	lit    string
	toks   []token
	kind   patKind
	hasVar bool
}

// srcPattern is a pattern with the text it was compiled from: an action,
// or one of the first five components of an ARN.
type srcPattern struct {
	pattern
	src string
}

// templateError describes a bad variable in a template.
type templateError string

// Classes of the bytes that may start a token other than a literal.
const (
	tmplVar  = 1 // '$', with vars
	tmplWild = 2 // '*' and '?', with wild
)

var tmplSpecial = [256]uint8{'$': tmplVar, '*': tmplWild, '?': tmplWild}

// compileTemplate splits s into tokens. With vars, ${...} is a policy
// variable (or one of the escapes ${*} ${?} ${$}); with wild, '*' and '?'
// are wildcards.
func compileTemplate(s string, vars, wild bool) (pattern, templateError) {
	var c compiler
	var p pattern
	err := c.template(&p, s, vars, wild)
	return p, err
}

// template is compileTemplate into *p, which must be zero (a fresh slab
// element: only the fields that differ from zero are written), with the
// tokens taken from c's slab. Literal tokens are substrings of s unless an
// escape joins two pieces. *p is written only on success.
func (c *compiler) template(p *pattern, s string, vars, wild bool) templateError {
	// Fast paths without allocation: plain literals and "literal*".
	var special uint8 // the tmplSpecial classes that are special here
	if vars {
		special |= tmplVar
	}
	if wild {
		special |= tmplWild
	}
	j := firstSpecial(s, vars, wild)
	if j == len(s) || wild && j == len(s)-1 && s[j] == '*' {
		if wild && len(s) > 0 && s[len(s)-1] == '*' {
			if len(s) == 1 {
				p.kind = pAny
				return ""
			}
			p.kind, p.lit = pPrefix, s[:len(s)-1]
			return ""
		}
		p.lit = s // pExact
		return ""
	}
	var buf [maxStackToks]token
	toks := buf[:0]
	// The literal being gathered: s[litStart:litEnd], or joined when
	// an escape made it non-contiguous.
	litStart, litEnd := 0, 0
	var joined []byte
	lit := func(a, b int) {
		switch {
		case joined != nil:
			joined = append(joined, s[a:b]...)
		case litStart == litEnd:
			litStart, litEnd = a, b
		case litEnd == a:
			litEnd = b
		default:
			joined = append(append(make([]byte, 0, litEnd-litStart+b-a+8), s[litStart:litEnd]...), s[a:b]...)
		}
	}
	flush := func() {
		switch {
		case joined != nil:
			toks = append(toks, token{kind: tLit, s: string(joined)})
			joined = nil
		case litEnd > litStart:
			toks = append(toks, token{kind: tLit, s: s[litStart:litEnd]})
		}
		litStart, litEnd = 0, 0
	}
	hasVar := false
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case vars && ch == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "unterminated policy variable \"${\"; close it with '}' or write a literal '$' as ${$}"
			}
			inner := s[i+2 : i+end]
			switch inner {
			case "*", "?", "$":
				lit(i+2, i+end)
				i += end + 1
				continue
			}
			i += end + 1
			tok, err := parseVariable(inner)
			if err != "" {
				return err
			}
			flush()
			toks = append(toks, tok)
			hasVar = true
		case wild && ch == '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tStar {
				toks = append(toks, token{kind: tStar})
			}
			i++
		case wild && ch == '?':
			flush()
			toks = append(toks, token{kind: tQuest})
			i++
		default:
			j := i + 1
			for j < len(s) && tmplSpecial[s[j]]&special == 0 {
				j++
			}
			lit(i, j)
			i = j
		}
	}
	flush()
	kind := pGlob
	switch {
	case hasVar:
	case len(toks) == 0:
		kind = pExact
	case len(toks) == 1 && toks[0].kind == tLit:
		kind, p.lit = pExact, toks[0].s
	case len(toks) == 1 && toks[0].kind == tStar:
		kind = pAny
	case len(toks) == 2 && toks[0].kind == tLit && toks[1].kind == tStar:
		kind, p.lit = pPrefix, toks[0].s
	}
	p.kind, p.hasVar = kind, hasVar
	if kind == pGlob {
		p.toks = take(&c.toks, len(toks))
		copy(p.toks, toks)
	}
	return ""
}

// firstSpecial returns the index of the first byte of s that starts a
// token other than a literal ('$' with vars, '*' and '?' with wild), or
// len(s). It looks at eight bytes at a time.
func firstSpecial(s string, vars, wild bool) int {
	const (
		dollars = '$' * wordwise.Ones
		stars   = '*' * wordwise.Ones
		quests  = '?' * wordwise.Ones
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := wordwise.Load8(s[i:])
		var m uint64 // its lowest set bit is exact (see zeroBytes)
		if wild {
			m = wordwise.ZeroBytes(x^stars) | wordwise.ZeroBytes(x^quests)
		}
		if vars {
			m |= wordwise.ZeroBytes(x ^ dollars)
		}
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	var special uint8
	if vars {
		special |= tmplVar
	}
	if wild {
		special |= tmplWild
	}
	for ; i < len(s); i++ {
		if tmplSpecial[s[i]]&special != 0 {
			return i
		}
	}
	return len(s)
}

// parseVariable parses the inside of ${...}: a key, optionally followed by
// ", 'default'".
func parseVariable(inner string) (token, templateError) {
	name, def, hasDef := inner, "", false
	if i := strings.IndexByte(inner, ','); i >= 0 {
		name = strings.TrimSpace(inner[:i])
		rest := strings.TrimSpace(inner[i+1:])
		if len(rest) < 2 || rest[0] != '\'' || rest[len(rest)-1] != '\'' || strings.IndexByte(rest[1:len(rest)-1], '\'') >= 0 {
			return token{}, templateError("policy variable ${" + inner + "} has a malformed default; write ${key, 'default'}")
		}
		def, hasDef = rest[1:len(rest)-1], true
	}
	k, err := resolveKey(name, true)
	if err != "" {
		return token{}, templateError("policy variable ${" + inner + "}: " + string(err))
	}
	return token{kind: tVar, key: k, s: def, hasDef: hasDef}, ""
}

// resolveKey validates a condition key or variable name.
func resolveKey(name string, variable bool) (keyRef, templateError) {
	k, _, err := resolveKeyInfo(name, variable)
	return k, err
}

// resolveKeyInfo is resolveKey that also returns the server key's
// description (zero for a request key).
func resolveKeyInfo(name string, variable bool) (keyRef, serverKey, templateError) {
	var lower string
	var sk serverKey
	var server bool
	if kk, ok := knownKeyInfo[name]; ok {
		lower, sk, server = kk.lower, kk.sk, kk.server
	} else {
		lower = lowerKey(name)
		if !validKeyName(lower) {
			return keyRef{}, serverKey{}, templateError("malformed key " + quote(name) + "; keys look like \"service:name\", e.g. \"aws:username\" or \"s3:prefix\"")
		}
		sk, server = serverKeys[lower]
	}
	if server {
		if sk.families == 0 || (variable && !sk.variable) {
			return keyRef{}, serverKey{}, templateError("key " + quote(name) + " is not supported by this server")
		}
		return keyRef{id: sk.id, name: lower}, sk, ""
	}
	if strings.HasPrefix(lower, "aws:") {
		return keyRef{}, serverKey{}, templateError("key " + quote(name) + " is not supported by this server; supported aws: keys are " + supportedAWSKeys())
	}
	return keyRef{id: kRequest, name: lower}, serverKey{}, ""
}

// knownKeys maps the usual spellings of common keys, all valid, to their
// lower case, so that most keys are resolved with one lookup and no
// allocation.
var knownKeys = map[string]string{
	"aws:username": "aws:username", "aws:userid": "aws:userid",
	"aws:PrincipalType": "aws:principaltype", "aws:principaltype": "aws:principaltype",
	"aws:PrincipalArn": "aws:principalarn", "aws:principalarn": "aws:principalarn",
	"aws:PrincipalAccount": "aws:principalaccount", "aws:principalaccount": "aws:principalaccount",
	"aws:SourceIp": "aws:sourceip", "aws:sourceip": "aws:sourceip",
	"aws:SecureTransport": "aws:securetransport", "aws:securetransport": "aws:securetransport",
	"aws:CurrentTime": "aws:currenttime", "aws:currenttime": "aws:currenttime",
	"aws:EpochTime": "aws:epochtime", "aws:epochtime": "aws:epochtime",
	"aws:TokenIssueTime": "aws:tokenissuetime", "aws:tokenissuetime": "aws:tokenissuetime",
	"aws:UserAgent": "aws:useragent", "aws:useragent": "aws:useragent",
	"aws:Referer": "aws:referer", "aws:referer": "aws:referer",
	"s3:authType": "s3:authtype", "s3:authtype": "s3:authtype",
	"s3:signatureversion": "s3:signatureversion",
	"s3:signatureAge":     "s3:signatureage", "s3:signatureage": "s3:signatureage",
	"s3:x-amz-content-sha256": "s3:x-amz-content-sha256",
	"s3:TlsVersion":           "s3:tlsversion", "s3:tlsversion": "s3:tlsversion",
	"s3:prefix": "s3:prefix", "s3:delimiter": "s3:delimiter", "s3:max-keys": "s3:max-keys",
	"s3:VersionId": "s3:versionid", "s3:versionid": "s3:versionid",
	"s3:RequestObjectTagKeys": "s3:requestobjecttagkeys", "s3:requestobjecttagkeys": "s3:requestobjecttagkeys",
	"s3:LocationConstraint": "s3:locationconstraint", "s3:locationconstraint": "s3:locationconstraint",
	"s3:x-amz-acl": "s3:x-amz-acl", "s3:x-amz-copy-source": "s3:x-amz-copy-source",
	"s3:x-amz-metadata-directive":                    "s3:x-amz-metadata-directive",
	"s3:x-amz-server-side-encryption":                "s3:x-amz-server-side-encryption",
	"s3:x-amz-server-side-encryption-aws-kms-key-id": "s3:x-amz-server-side-encryption-aws-kms-key-id",
	"s3:x-amz-storage-class":                         "s3:x-amz-storage-class",
}

// knownKey is what resolveKeyInfo needs of a known spelling of a key.
type knownKey struct {
	lower  string
	sk     serverKey
	server bool // sk is set: the key is in serverKeys
}

// knownKeyInfo is knownKeys with each key's serverKeys entry: a common key
// is resolved with one lookup.
var knownKeyInfo = func() map[string]knownKey {
	m := make(map[string]knownKey, len(knownKeys))
	for name, lower := range knownKeys {
		sk, server := serverKeys[lower]
		m[name] = knownKey{lower: lower, sk: sk, server: server}
	}
	return m
}()

// lowerKey returns strings.ToLower(name), without allocating when name is
// lower case already.
func lowerKey(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c-'A' < 26 || c >= utf8.RuneSelf {
			return strings.ToLower(name)
		}
	}
	return name
}

func supportedAWSKeys() string {
	return "aws:username, aws:userid, aws:PrincipalType, aws:PrincipalArn, aws:PrincipalAccount, aws:SourceIp, aws:SecureTransport, aws:CurrentTime, aws:EpochTime, aws:TokenIssueTime, aws:UserAgent, aws:Referer"
}

// resolveVar returns the value of a variable token: the single value of its
// key, else its default. ok is false when it has neither.
func resolveVar(t *token, ctx *Context) (string, bool) {
	v := ctx.lookup(t.key)
	if v.len() == 1 {
		return v.at(0), true
	}
	if t.hasDef {
		return t.s, true
	}
	return "", false
}

const maxStackToks = 16

// match reports whether s matches the pattern. fold compares ASCII letters
// case-insensitively (the pattern is then lower case). ok is false when a
// policy variable had no value: the pattern then matches nothing.
func (p *pattern) match(s string, fold bool, ctx *Context) (matched, ok bool) {
	switch p.kind {
	case pAny:
		return true, true
	case pExact:
		if fold {
			return wordwise.EqualFold(s, p.lit), true
		}
		return s == p.lit, true
	case pPrefix:
		return len(s) >= len(p.lit) && (fold && wordwise.EqualFold(s[:len(p.lit)], p.lit) || !fold && s[:len(p.lit)] == p.lit), true
	}
	if !p.hasVar {
		return globMatch(p.toks, s, fold), true
	}
	var buf [maxStackToks]token
	toks := buf[:0]
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tVar {
			toks = append(toks, *t)
			continue
		}
		v, found := resolveVar(t, ctx)
		if !found {
			return false, false
		}
		toks = append(toks, token{kind: tLit, s: v})
	}
	return globMatch(toks, s, fold), true
}

// globMatch matches s against tokens: literal runs, '*' (any run of
// characters, possibly empty) and '?' (exactly one character). It
// backtracks only to the most recent '*', which is enough for glob
// patterns and runs in O(len(s) * len(pattern)) in the worst case.
func globMatch(toks []token, s string, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tQuest:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			default:
				if hasPrefix(s[si:], t.s, fold) {
					si += len(t.s)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '*' swallow one more character.
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return wordwise.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// arnPattern is a compiled ARN with wildcards: either "*", or six
// components matched separately, so that wildcards never cross a ':' of the
// first five components. The sixth (resource) component is the rest of the
// ARN, colons included.
type arnPattern struct {
	comps *[5]srcPattern // when the first five components are not literal
	res   pattern
	src   string
	// prefixLen: when the first five components are literal, their
	// length in src with the colons ("arn:aws:s3:::"); see prefix.
	prefixLen int32
	// flat: the resource part is pExact or pPrefix and src begins with
	// prefix+res.lit (flatLen bytes), so one comparison with src decides.
	flatLen int32
	flat    bool
	any     bool
}

// prefix returns the literal first five components with their colons, or
// "" when they are not literal.
func (ap *arnPattern) prefix() string { return ap.src[:ap.prefixLen] }

// compileARN compiles a Resource element or an ARN condition value.
func compileARN(s string, vars bool) (arnPattern, templateError) {
	var c compiler
	var ap arnPattern
	err := c.arn(&ap, s, vars)
	return ap, err
}

// s3ARNHead is the first five components of every ARN of the aws
// partition's S3 buckets and objects.
const s3ARNHead = "arn:aws:s3:::"

// arn is compileARN into *ap, which must be zero (a fresh slab element),
// with the slices taken from c's slabs.
func (c *compiler) arn(ap *arnPattern, s string, vars bool) templateError {
	ap.src = s
	if s == "*" {
		ap.any = true
		return ""
	}
	// One pass finds the first five colons and whether the components
	// before them hold a '*', '?' or '$'.
	var parts [6]string
	var special uint8
	k, start := 0, 0
	if len(s) > len(s3ARNHead) && s[:len(s3ARNHead)] == s3ARNHead {
		// The usual head, split without a scan.
		parts[0], parts[1], parts[2] = "arn", "aws", "s3"
		k, start = 5, len(s3ARNHead)
	}
	for i := start; i < len(s) && k < 5; i++ {
		c := s[i]
		if c == ':' {
			parts[k], start = s[start:i], i+1
			k++
			continue
		}
		special |= tmplSpecial[c]
	}
	if k < 5 {
		return templateError("malformed ARN " + quote(s) + "; expected \"arn:partition:service:region:account:resource\" (e.g. \"arn:aws:s3:::bucket/key\") or \"*\"")
	}
	rest := s[start:]
	parts[5] = rest
	if parts[0] != "arn" {
		return templateError("malformed ARN " + quote(s) + ": it must start with \"arn:\"")
	}
	if parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return templateError("malformed ARN " + quote(s) + ": partition, service and resource must not be empty")
	}
	if strings.IndexByte(parts[2], '*') >= 0 || strings.IndexByte(parts[2], '?') >= 0 {
		return templateError("malformed ARN " + quote(s) + ": wildcards are not allowed in the service component")
	}
	prefix := s[:start]
	if special == 0 { // no '*', '?' or '$' in the first five components
		ap.prefixLen = int32(len(prefix))
		err := c.template(&ap.res, parts[5], vars, true)
		if res := &ap.res; err == "" && (res.kind == pExact || res.kind == pPrefix) {
			n := len(prefix) + len(res.lit)
			ap.flat = n <= len(s) && s[len(prefix):n] == res.lit
			ap.flatLen = int32(n)
		}
		return err
	}
	var comps [5]pattern
	literal := true
	for i := 0; i < 5; i++ {
		if strings.Contains(parts[i], "${") {
			return templateError("ARN " + quote(s) + ": policy variables are allowed only in the resource part (after the fifth ':')")
		}
		if err := c.template(&comps[i], parts[i], false, true); err != "" {
			return err
		}
		if comps[i].kind != pExact {
			literal = false
		}
	}
	if literal {
		ap.prefixLen = int32(len(s) - len(rest))
	} else {
		ap.comps = (*[5]srcPattern)(take(&c.pats, len(comps)))
		for i := range comps {
			ap.comps[i] = srcPattern{comps[i], parts[i]}
		}
	}
	return c.template(&ap.res, parts[5], vars, true)
}

// match reports whether the ARN s matches. ok is false when a variable had
// no value.
func (ap *arnPattern) match(s string, ctx *Context) (matched, ok bool) {
	if ap.any {
		return true, true
	}
	if ap.flat {
		n := int(ap.flatLen)
		if ap.res.kind == pExact {
			return len(s) == n && s == ap.src[:n], true
		}
		return len(s) >= n && s[:n] == ap.src[:n], true
	}
	if prefix := ap.prefix(); prefix != "" {
		if len(s) < len(prefix) || s[:len(prefix)] != prefix {
			return false, true
		}
		return ap.res.match(s[len(prefix):], false, ctx)
	}
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false, true
		}
		if m, _ := ap.comps[i].match(rest[:j], false, ctx); !m {
			return false, true
		}
		rest = rest[j+1:]
	}
	return ap.res.match(rest, false, ctx)
}

func quote(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:77]) + "..."
	}
	return strconv.Quote(s)
}
