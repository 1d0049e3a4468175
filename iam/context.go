package iam

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// keyID names a condition key the server owns, or kRequest for a key whose
// values come from [Context.Set].
type keyID uint8

const (
	kRequest keyID = iota
	kUsername
	kUserID
	kPrincipalType
	kPrincipalARN
	kPrincipalAccount
	kSourceIP
	kSecureTransport
	kCurrentTime
	kEpochTime
	kTokenIssueTime
	kUserAgent
	kReferer
	kAuthType
	kSignatureVersion
	kSignatureAge
	kContentSHA256
)

// Operator families, as bits, so each server key can say which ones make
// sense for it.
type family uint8

const (
	fString family = 1 << iota
	fNumeric
	fDate
	fBool
	fBinary
	fIP
	fARN
	fNull
)

// serverKey describes a key whose value is a server fact.
type serverKey struct {
	name     string // canonical spelling
	id       keyID
	families family
	variable bool // usable as a policy variable
}

// serverKeys maps the lower-case name of each server-owned key.
var serverKeys = map[string]serverKey{
	"aws:username":            {"aws:username", kUsername, fString | fNull, true},
	"aws:userid":              {"aws:userid", kUserID, fString | fNull, true},
	"aws:principaltype":       {"aws:PrincipalType", kPrincipalType, fString | fNull, true},
	"aws:principalarn":        {"aws:PrincipalArn", kPrincipalARN, fString | fARN | fNull, true},
	"aws:principalaccount":    {"aws:PrincipalAccount", kPrincipalAccount, fString | fNull, true},
	"aws:sourceip":            {"aws:SourceIp", kSourceIP, fIP | fNull, true},
	"aws:securetransport":     {"aws:SecureTransport", kSecureTransport, fBool | fNull, true},
	"aws:currenttime":         {"aws:CurrentTime", kCurrentTime, fDate | fNull, true},
	"aws:epochtime":           {"aws:EpochTime", kEpochTime, fDate | fNumeric | fNull, true},
	"aws:tokenissuetime":      {"aws:TokenIssueTime", kTokenIssueTime, fDate | fNull, true},
	"aws:useragent":           {"aws:UserAgent", kUserAgent, fString | fNull, true},
	"aws:referer":             {"aws:Referer", kReferer, fString | fNull, true},
	"s3:authtype":             {"s3:authType", kAuthType, fString | fNull, true},
	"s3:signatureversion":     {"s3:signatureversion", kSignatureVersion, fString | fNull, true},
	"s3:signatureage":         {"s3:signatureAge", kSignatureAge, fNumeric | fNull, true},
	"s3:x-amz-content-sha256": {"s3:x-amz-content-sha256", kContentSHA256, fString | fNull, true},
	"s3:tlsversion":           {"s3:TlsVersion", kRequest, 0, false}, // server-owned, not supported yet
}

// serverOwned reports whether a (lower-case) key may only be set by the
// server: the whole aws: namespace and the s3: keys derived from
// authentication.
func serverOwned(lower string) bool {
	if strings.HasPrefix(lower, "aws:") {
		return true
	}
	_, ok := serverKeys[lower]
	return ok
}

// Context is the request context a policy's conditions and variables read.
//
// Server facts are typed fields that only the host sets, from what it
// verified itself; a client can never supply them. An empty string, an
// invalid SourceIP or a zero time means "not present" for that key.
// Request keys (s3:prefix, s3:x-amz-acl, s3:RequestObjectTag/<k>, ...) are
// added with [Context.Set], which refuses every server-owned key.
//
// A Context is not safe for concurrent modification; once filled it may be
// read by any number of concurrent evaluations. Reset it to reuse it (for
// example from a sync.Pool).
type Context struct {
	Username         string     // aws:username (local and LDAP users)
	UserID           string     // aws:userid
	PrincipalType    string     // aws:PrincipalType: "User", "AssumedRole", "Anonymous", ...
	PrincipalARN     string     // aws:PrincipalArn
	PrincipalAccount string     // aws:PrincipalAccount
	SourceIP         netip.Addr // aws:SourceIp; see [SourceIP] for X-Forwarded-For
	SecureTransport  bool       // aws:SecureTransport (always present)
	CurrentTime      time.Time  // aws:CurrentTime and aws:EpochTime
	TokenIssueTime   time.Time  // aws:TokenIssueTime (temporary credentials only)
	UserAgent        string     // aws:UserAgent (client-controlled: not a security control)
	Referer          string     // aws:Referer (client-controlled: not a security control)
	AuthType         string     // s3:authType: "REST-HEADER", "REST-QUERY-STRING", "POST"
	SignatureVersion string     // s3:signatureversion: "AWS4-HMAC-SHA256" or "AWS"
	ContentSHA256    string     // s3:x-amz-content-sha256 (as verified by sigv4)
	// SignatureAge is s3:signatureAge in milliseconds. It is present only
	// when SignatureVersion is set (the request was signed).
	SignatureAge int64

	keys []ctxKey
}

type ctxKey struct {
	name string // lower case
	vals []string
}

// Set adds the request condition key with its values, replacing earlier
// values of the same key. Key names are case-insensitive. Set refuses, and
// returns false for, any key of the aws: namespace, the server-owned s3:
// keys (s3:authType, s3:signatureversion, s3:signatureAge,
// s3:x-amz-content-sha256, s3:TlsVersion) and malformed names
// ("service:name" is required), so a client can never spoof a server fact.
// Set with no values makes the key present with an empty value set.
func (c *Context) Set(key string, values ...string) bool {
	lower := key
	if hasUpperASCII(key) {
		lower = strings.ToLower(key)
	}
	if !validKeyName(lower) || serverOwned(lower) {
		return false
	}
	for i := range c.keys {
		if c.keys[i].name == lower {
			c.keys[i].vals = append(c.keys[i].vals[:0], values...)
			return true
		}
	}
	if len(c.keys) < cap(c.keys) {
		c.keys = c.keys[:len(c.keys)+1]
		k := &c.keys[len(c.keys)-1]
		k.name = lower
		k.vals = append(k.vals[:0], values...)
		return true
	}
	c.keys = append(c.keys, ctxKey{name: lower, vals: append([]string(nil), values...)})
	return true
}

// Get returns the values of a request key set with [Context.Set].
func (c *Context) Get(key string) ([]string, bool) {
	lower := key
	if hasUpperASCII(key) {
		lower = strings.ToLower(key)
	}
	v, ok := c.request(lower)
	return v, ok
}

// Reset clears every field and request key, keeping allocated capacity.
func (c *Context) Reset() {
	keys := c.keys[:0]
	*c = Context{keys: keys}
}

func (c *Context) request(lower string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.keys {
		if c.keys[i].name == lower {
			return c.keys[i].vals, true
		}
	}
	return nil, false
}

// vals is the value set of one key in a request: absent when n == 0 and
// !present.
type vals struct {
	present bool
	one     string
	many    []string
	multi   bool
}

func (v vals) len() int {
	if !v.present {
		return 0
	}
	if v.multi {
		return len(v.many)
	}
	return 1
}

func (v vals) at(i int) string {
	if v.multi {
		return v.many[i]
	}
	return v.one
}

// lookup returns a key's values as strings. Typed server facts are
// formatted (this allocates, but only for policies that read them as
// strings or variables).
func (c *Context) lookup(k keyRef) vals {
	if c == nil {
		return vals{}
	}
	str := func(s string) vals { return vals{present: s != "", one: s} }
	switch k.id {
	case kRequest:
		v, ok := c.request(k.name)
		return vals{present: ok, many: v, multi: true}
	case kUsername:
		return str(c.Username)
	case kUserID:
		return str(c.UserID)
	case kPrincipalType:
		return str(c.PrincipalType)
	case kPrincipalARN:
		return str(c.PrincipalARN)
	case kPrincipalAccount:
		return str(c.PrincipalAccount)
	case kUserAgent:
		return str(c.UserAgent)
	case kReferer:
		return str(c.Referer)
	case kAuthType:
		return str(c.AuthType)
	case kSignatureVersion:
		return str(c.SignatureVersion)
	case kContentSHA256:
		return str(c.ContentSHA256)
	case kSourceIP:
		if !c.SourceIP.IsValid() {
			return vals{}
		}
		return str(c.SourceIP.Unmap().String())
	case kSecureTransport:
		if c.SecureTransport {
			return str("true")
		}
		return str("false")
	case kCurrentTime:
		if c.CurrentTime.IsZero() {
			return vals{}
		}
		return str(c.CurrentTime.UTC().Format(time.RFC3339))
	case kEpochTime:
		if c.CurrentTime.IsZero() {
			return vals{}
		}
		return str(strconv.FormatInt(c.CurrentTime.Unix(), 10))
	case kTokenIssueTime:
		if c.TokenIssueTime.IsZero() {
			return vals{}
		}
		return str(c.TokenIssueTime.UTC().Format(time.RFC3339))
	case kSignatureAge:
		if c.SignatureVersion == "" {
			return vals{}
		}
		return str(strconv.FormatInt(c.SignatureAge, 10))
	}
	return vals{}
}

// has reports whether a key is present (for Null and IfExists).
func (c *Context) has(k keyRef) bool {
	if c == nil {
		return false
	}
	switch k.id {
	case kRequest:
		v, ok := c.request(k.name)
		return ok && len(v) > 0
	case kSourceIP:
		return c.SourceIP.IsValid()
	case kSecureTransport:
		return true
	case kCurrentTime, kEpochTime:
		return !c.CurrentTime.IsZero()
	case kTokenIssueTime:
		return !c.TokenIssueTime.IsZero()
	case kSignatureAge:
		return c.SignatureVersion != ""
	}
	return c.lookup(k).present
}

func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// validKeyName checks "service:name" with a lower-case service of letters,
// digits and '-' and a non-empty name of printable ASCII without spaces,
// quotes or '$', '{', '}'.
func validKeyName(k string) bool {
	i := strings.IndexByte(k, ':')
	if i <= 0 || i == len(k)-1 || len(k) > 256 {
		return false
	}
	for j := 0; j < i; j++ {
		if !inSet(keyServiceChars, k[j]) {
			return false
		}
	}
	for j := i + 1; j < len(k); j++ {
		if !inSet(keyNameChars, k[j]) {
			return false
		}
	}
	return true
}

// Bytes allowed in the service (letters, digits, '-') and in the name
// (printable ASCII but space, the double and single quotes, '$', ',', '{'
// and '}') of a key, as bit sets over 0-127.
var (
	keyServiceChars = [2]uint64{0x03ff200000000000, 0x07fffffe07fffffe}
	keyNameChars    = [2]uint64{0xffffef6a00000000, 0x57ffffffffffffff}
)

func inSet(set [2]uint64, c byte) bool {
	return c < 128 && set[c>>6]&(1<<(c&63)) != 0
}

// SourceIP returns the address to use as aws:SourceIp. remoteAddr is the
// connection's peer ("host:port" or a bare address, as in
// http.Request.RemoteAddr), forwardedFor the X-Forwarded-For header values
// in order. X-Forwarded-For is honoured only when the peer is one of the
// trusted proxies: the list is walked from the right, skipping trusted
// proxies, and the first untrusted hop is the client. A malformed hop stops
// the walk at the last trusted address. The result is invalid when
// remoteAddr cannot be parsed.
func SourceIP(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) netip.Addr {
	peer, err := netip.ParseAddrPort(remoteAddr)
	var addr netip.Addr
	if err == nil {
		addr = peer.Addr()
	} else if a, err := netip.ParseAddr(remoteAddr); err == nil {
		addr = a
	} else {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(addr) {
		return addr
	}
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		hops := strings.Split(forwardedFor[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			h := strings.TrimSpace(hops[j])
			a, err := netip.ParseAddr(h)
			if err != nil {
				if ap, err2 := netip.ParseAddrPort(h); err2 == nil {
					a = ap.Addr()
				} else {
					return addr
				}
			}
			a = a.Unmap()
			if !isTrusted(a) {
				return a
			}
			addr = a
		}
	}
	return addr
}
