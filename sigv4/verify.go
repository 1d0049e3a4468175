package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxGenericBody bounds the body buffered to hash it for a non-S3 service
// (such as STS) that signs the body hash without an x-amz-content-sha256
// header.
const maxGenericBody = 1 << 20

// maxPresignExpires is the longest X-Amz-Expires S3 accepts: 7 days.
const maxPresignExpires = 604800

// classify decides how r claims to be authenticated, without trusting
// anything yet.
// For AuthHeader it also returns the Authorization header's value.
func classify(r *http.Request) (AuthType, string, error) {
	auths := r.Header["Authorization"]
	if len(auths) > 1 {
		return 0, "", newError(ErrCodeInvalidArgument, "Only one Authorization header is allowed.")
	}
	v4, v2 := scanQueryAuth(r.URL.RawQuery)
	if len(auths) == 1 {
		if v4 || v2 {
			return 0, "", newError(ErrCodeInvalidArgument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified.")
		}
		return AuthHeader, auths[0], nil
	}
	if v4 {
		return AuthPresigned, "", nil
	}
	if v2 {
		return 0, "", errUnsupportedMechanism()
	}
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if len(ct) >= 19 && equalFoldASCII(ct[:19], "multipart/form-data") {
			return AuthPostForm, "", nil
		}
	}
	return AuthAnonymous, "", nil
}

// scanQueryAuth reports whether the raw query carries SigV4 presigned
// parameters (v4) or SigV2 ones (v2).
func scanQueryAuth(raw string) (v4, v2 bool) {
	for rest := raw; rest != ""; {
		var part string
		part, rest, _ = cut(rest, '&')
		name, _, _ := cut(part, '=')
		switch name {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			v4 = true
		case "AWSAccessKeyId":
			v2 = true
		}
	}
	return v4, v2
}

// single returns the only value of a header; more than one value is an
// error because the value steers verification.
func single(h http.Header, key string) (string, bool, *Error) {
	return singleOf(h[key], key)
}

// singleOf is single for the values vs of the header key.
func singleOf(vs []string, key string) (string, bool, *Error) {
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return vs[0], true, nil
	}
	return "", true, newError(ErrCodeInvalidArgument, "The %s header may appear only once.", key)
}

// payloadModeOf maps an x-amz-content-sha256 value to its mode.
func payloadModeOf(v string) (PayloadMode, *Error) {
	switch v {
	case unsignedPayload:
		return PayloadUnsigned, nil
	case streamingSignedPayload:
		return PayloadStreamingSigned, nil
	case streamingSignedPayloadTrailer:
		return PayloadStreamingSignedTrailer, nil
	case streamingUnsignedPayloadTrailer:
		return PayloadStreamingUnsignedTrailer, nil
	case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
		return 0, errUnsupportedMechanism()
	}
	if isLowerHex64(v) {
		return PayloadSigned, nil
	}
	return 0, newError(ErrCodeInvalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid lower-case hex sha256 value.")
}

// checkScope compares the credential scope with the request.
func (v *Verifier) checkScope(a *authorization, amzDate, service string, query bool) *Error {
	bad := func(msg string) *Error {
		if query {
			return malformedQuery("Error parsing the X-Amz-Credential parameter; " + msg + ".")
		}
		return malformedHeader(msg)
	}
	if a.date != amzDate[:8] {
		return bad("Invalid credential date. Date is not the same as X-Amz-Date")
	}
	ok := false
	for _, reg := range v.opts.Regions {
		if a.region == reg {
			ok = true
			break
		}
	}
	if !ok {
		e := bad("the region '" + clip(a.region) + "' is wrong; expecting '" + v.opts.Regions[0] + "'")
		return e
	}
	if a.service != service {
		return bad("incorrect service \"" + clip(a.service) + "\". This endpoint belongs to \"" + service + "\"")
	}
	return nil
}

// hasName reports whether the signed names (lower case, as
// parseSignedHeaders guarantees) hold the lower-case name.
func hasName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// indexNameFold returns the index of name (in any case) in the sorted
// lower-case list names, or -1. known is false when name is longer than
// 128 bytes: such a name is never found (as hasName always had it), and
// the caller must look it up in the header map itself.
func indexNameFold(names []string, name string) (i int, known bool) {
	if len(name) > 128 {
		// Checked first so that such a name is treated alike whatever
		// the number of signed names.
		return -1, false
	}
	if len(names) <= 16 {
		// A typical request signs a handful of names: comparing lengths
		// first rejects almost all of them without looking at a byte.
		for i, n := range names {
			if len(n) == len(name) && equalFoldASCII(n, name) {
				return i, true
			}
		}
		return -1, true
	}
	var kb [128]byte
	k := kb[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		k[i] = c
	}
	return indexName(names, string(k)), true
}

// indexName returns the index of the lower-case name in the sorted list
// names, or -1.
func indexName(names []string, name string) int {
	lo, hi := 0, len(names)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if names[m] < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(names) && names[lo] == name {
		return lo
	}
	return -1
}

func errNotSigned(names []string) *Error {
	e := newError(ErrCodeAccessDenied, "There were headers present in the request which were not signed")
	e.Err = errors.New("headers not signed: " + strings.Join(names, ", "))
	return e
}

// signedValues are the request's values of the signed headers, parallel to
// the names, gathered while checkSignedHeaderRules walks the header map so
// that building the canonical request needs no further map lookups.
type signedValues struct {
	vals  [][]string // len(names); callers back it with a stack array
	exact bool       // false: some names were ambiguous or too long; look them up

	// The values under the exact keys X-Amz-Date, X-Amz-Security-Token and
	// X-Amz-Content-Sha256 (what single would look up), seen on the way.
	amzDate, token, contentSHA256 []string
}

// maxStackNames is how many signed names a verification handles without
// allocating for their values.
const maxStackNames = 12

// checkSignedHeaderRules enforces: host is signed, every x-amz-* header
// present is signed. In the same pass over the headers it gathers the
// signed headers' values into sv and reports whether the request carries a
// digest of its body (Content-MD5 or a value of x-amz-checksum-*): then
// even an empty body goes through the verifying reader, which checks the
// digest at EOF.
//
// list, when not nil, is names as the Verifier remembers them, which
// matches header keys faster.
func checkSignedHeaderRules(r *http.Request, names []string, list *signedList, sv *signedValues) (digest bool, _ *Error) {
	// The walk completes even when host is not signed: verifyHeader reads
	// the values it gathers before it reports this function's verdict.
	hostSigned := hasName(names, "host")
	if len(sv.vals) != len(names) {
		sv.vals = make([][]string, len(names))
	} else {
		clear(sv.vals)
	}
	sv.exact = true
	var missing []string
	for k, v := range r.Header {
		xamz := hasXAmzPrefix(k)
		var i int
		var known bool
		if list != nil {
			i, known = list.index(k)
		} else {
			i, known = indexNameFold(names, k)
		}
		switch {
		case !known:
			sv.exact = false
			if xamz {
				missing = append(missing, strings.ToLower(k))
			}
		case i >= 0 && (v == nil || sv.vals[i] != nil):
			// A nil value (present but not found by the scan) or two
			// spellings of one name: lookupHeader decides.
			sv.exact = false
		case i >= 0:
			sv.vals[i] = v
		case xamz:
			missing = append(missing, strings.ToLower(k))
		}
		if xamz {
			digest = digest || isChecksumValueHeader(k)
			switch k {
			case "X-Amz-Date":
				sv.amzDate = v
			case "X-Amz-Security-Token":
				sv.token = v
			case "X-Amz-Content-Sha256":
				sv.contentSHA256 = v
			}
		} else {
			digest = digest || k == "Content-Md5" // the key contentMD5 reads
		}
	}
	if !hostSigned {
		return false, errNotSigned([]string{"host"})
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return false, errNotSigned(missing)
	}
	return digest, nil
}

// hasXAmzPrefix reports whether the header name k is "x-amz-" (any case)
// followed by at least one byte. c|0x20 folds exactly the two cases of a
// letter onto the lower one, and no other byte onto a letter.
func hasXAmzPrefix(k string) bool {
	return len(k) > 6 && k[0]|0x20 == 'x' && k[1] == '-' && k[2]|0x20 == 'a' &&
		k[3]|0x20 == 'm' && k[4]|0x20 == 'z' && k[5] == '-'
}

// isChecksumValueHeader reports whether the x-amz-* header k carries a
// checksum value (x-amz-checksum-crc32 and friends, not -algorithm or -type).
func isChecksumValueHeader(k string) bool {
	const prefix = "X-Amz-Checksum-"
	return len(k) > len(prefix) && equalFoldASCII(k[:len(prefix)], prefix) &&
		!equalFoldASCII(k, "X-Amz-Checksum-Algorithm") && !equalFoldASCII(k, "X-Amz-Checksum-Type")
}

// verifyHeader verifies an Authorization-header request.
// It fills res, which is zero.
func (v *Verifier) verifyHeader(res *Result, r *http.Request, service, authorization string) error {
	a, perr := parseAuthorization(authorization, res.names[:0], &v.lists)
	if perr != nil {
		return perr
	}
	// One walk over the headers checks the signed-header rules and gathers
	// the values the checks below need; its verdict is reported after the
	// date and scope checks, in the order clients have always seen.
	names := a.names
	var vbuf [maxStackNames][]string
	sv := signedValues{vals: vbuf[:min(len(names), maxStackNames)]}
	digest, rulesErr := checkSignedHeaderRules(r, names, a.list, &sv)
	amzDate, has, err := singleOf(sv.amzDate, "X-Amz-Date")
	if err != nil {
		return err
	}
	dateHeader := "x-amz-date"
	if !has {
		if amzDate, _, err = single(r.Header, "Date"); err != nil {
			return err
		}
		dateHeader = "date"
	}
	signedAt, ok := parseAmzDate(amzDate)
	if !ok {
		return newError(ErrCodeAccessDenied, "AWS authentication requires a valid Date or x-amz-date header")
	}
	if !hasName(names, dateHeader) {
		return errNotSigned([]string{dateHeader})
	}
	if e := v.checkScope(&a, amzDate, service, false); e != nil {
		return e
	}
	if now := v.now(); signedAt.Sub(now) > v.opts.MaxClockSkew || now.Sub(signedAt) > v.opts.MaxClockSkew {
		e := newError(ErrCodeRequestTimeTooSkewed, "The difference between the request time and the current time is too large.")
		return e
	}
	if rulesErr != nil {
		return rulesErr
	}
	token, _, err := singleOf(sv.token, "X-Amz-Security-Token")
	if err != nil {
		return err
	}

	cs, has, err := singleOf(sv.contentSHA256, "X-Amz-Content-Sha256")
	if err != nil {
		return err
	}
	var mode PayloadMode
	switch {
	case has:
		var e *Error
		if mode, e = payloadModeOf(cs); e != nil {
			return e
		}
		if v.opts.RejectUnsignedPayload && (mode == PayloadUnsigned || mode == PayloadStreamingUnsignedTrailer) {
			return newError(ErrCodeAccessDenied, "Unsigned payloads are not allowed; sign the payload (x-amz-content-sha256).")
		}
	case service == "s3":
		return newError(ErrCodeInvalidRequest, "Missing required header for this request: x-amz-content-sha256")
	default:
		var e *Error
		if cs, e = hashGenericBody(r); e != nil {
			return e
		}
		mode = PayloadSigned
	}

	return v.checkAndFill(res, r, AuthHeader, &a, &sv, signedRequest{amzDate: amzDate, token: token, contentSHA256: cs, mode: mode, signedAt: signedAt, digest: digest})
}

// signedRequest is what header and presigned verification establish
// before they check the signature.
type signedRequest struct {
	amzDate, token, contentSHA256 string
	mode                          PayloadMode
	signedAt                      time.Time
	digest                        bool // a Content-MD5 or checksum header is present
}

// checkAndFill ends header and presigned verification: it looks up the
// credentials, checks the signature, remembers the signed-header list of
// a request that verified, fills res and installs the verifying body.
func (v *Verifier) checkAndFill(res *Result, r *http.Request, t AuthType, a *authorization, sv *signedValues, s signedRequest) error {
	creds, lerr := v.lookupCredentials(r.Context(), a.accessKey, s.token)
	if lerr != nil {
		return lerr
	}
	key := v.signingKey(a.accessKey, creds.SecretKey, a.date, a.region, a.service)
	if e := v.checkSignature(r, a, sv, s.amzDate, s.contentSHA256, t == AuthPresigned, key); e != nil {
		return e
	}
	if a.list == nil {
		v.lists.remember(a.signedHeaders)
	}
	res.verified(t, a, s.token, creds, s.signedAt, s.contentSHA256, s.mode)
	if e := v.wrapBody(r, res, key, s.digest, s.amzDate, a); e != nil {
		return e
	}
	return nil
}

// hashGenericBody reads a small body (non-S3 services sign its hash),
// replaces r.Body with a re-reader and returns the hex SHA-256.
func hashGenericBody(r *http.Request) (string, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxGenericBody+1))
	if err != nil {
		e := newError(ErrCodeIncompleteBody, "The request body could not be read.")
		return "", e
	}
	if len(data) > maxGenericBody {
		return "", newError(ErrCodeMaxMessageLengthExceeded, "Your request was too big.")
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{bytes.NewReader(data), r.Body}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// checkSignature builds the canonical request and string to sign in a
// pooled buffer and compares the HMAC with the one provided, in constant
// time.
func (v *Verifier) checkSignature(r *http.Request, a *authorization, sv *signedValues, amzDate, payloadHash string, presigned bool, key *macKey) *Error {
	c := getCanonBufs()
	e := v.checkSignatureWith(c, r, a, sv, amzDate, payloadHash, presigned, key)
	c.put()
	return e
}

// checkSignatureWith is checkSignature with its scratch buffers, which it
// leaves (possibly grown) in c.
func (v *Verifier) checkSignatureWith(c *canonBufs, r *http.Request, a *authorization, sv *signedValues, amzDate, payloadHash string, presigned bool, key *macKey) *Error {
	b, tmp := c.b[:0], c.tmp[:0]
	defer func() { c.b, c.tmp = b, tmp }()

	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	b = append(b, method...)
	b = append(b, '\n')
	var ok bool
	if r.URL.RawPath == "" {
		b = appendEncodedPath(b, r.URL.Path)
	} else if b, ok = appendCanonicalURI(b, r.URL.EscapedPath()); !ok {
		return newError(ErrCodeInvalidURI, "Couldn't parse the specified URI.")
	}
	b = append(b, '\n')
	if b, tmp, ok = appendCanonicalQuery(b, tmp, r.URL.RawQuery, presigned); !ok {
		return newError(ErrCodeInvalidArgument, "The query string is malformed or has too many parameters.")
	}
	b = append(b, '\n')
	var one [1]string
	var num [20]byte
	for i, name := range a.names {
		b = append(b, name...)
		b = append(b, ':')
		vals, found := sv.vals[i], sv.vals[i] != nil
		if !sv.exact {
			vals, found = lookupHeader(r.Header, name)
		}
		b = appendCanonicalHeaderValue(b, headerValues(r, name, vals, found, &one, &num))
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, a.signedHeaders...)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	crLen := len(b)
	crSum := sha256.Sum256(b)

	b = append(b, algorithmV4+"\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = a.appendScope(b)
	b = append(b, '\n')
	b = appendHex(b, crSum[:])
	tmp = key.sum(b[crLen:], tmp)
	if hmac.Equal(tmp, a.signature[:]) {
		return nil
	}
	e := newError(ErrCodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	e.CanonicalRequest = string(b[:crLen])
	e.StringToSign = string(b[crLen:])
	v.log.LogAttrs(r.Context(), slog.LevelDebug, "sigv4: signature does not match",
		slog.String("access_key", a.accessKey), slog.String("canonical_request", e.CanonicalRequest))
	return e
}

// verified fills in what a header or presigned verification established.
// res already holds the signed header names (a.names lives in res.names).
func (res *Result) verified(t AuthType, a *authorization, token string, creds Credentials, signedAt time.Time, contentSHA256 string, mode PayloadMode) {
	res.Type = t
	res.AccessKey = a.accessKey
	res.SessionToken = token
	res.Credentials = creds
	res.Region, res.Service = a.region, a.service
	res.SignedAt = signedAt
	res.SignedHeaders = a.names
	res.ContentSHA256 = contentSHA256
	res.Payload = mode
}

// wrapBody installs the verifying body reader for requests with a body.
// digest says whether the request has a Content-MD5 or checksum header.
func (v *Verifier) wrapBody(r *http.Request, res *Result, key *macKey, digest bool, amzDate string, a *authorization) *Error {
	hasBody := r.Body != nil && r.Body != http.NoBody
	streaming := res.Payload >= PayloadStreamingSigned
	if !hasBody && !streaming && !digest {
		if res.Payload == PayloadSigned && res.ContentSHA256 != emptySHA256 && r.ContentLength <= 0 {
			return newError(ErrCodeXAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return nil
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	pb, err := newPayloadReader(body, payloadParams{
		mode:           res.Payload,
		contentSHA256:  res.ContentSHA256,
		header:         r.Header,
		contentLength:  r.ContentLength,
		signingKey:     key,
		seedSignature:  a.signatureHex,
		amzDate:        amzDate,
		scope:          a.scopeString(),
		noDigest:       !digest, // checkSignedHeaderRules saw every header key
		maxChunkSize:   v.opts.MaxChunkSize,
		maxTrailerSize: v.opts.MaxTrailerSize,
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return newError(ErrCodeInvalidRequest, "The request body framing is invalid.")
	}
	r.Body = pb
	res.Body = pb
	return nil
}

// presignParams are the raw (still escaped) presigned query values.
type presignParams struct {
	algorithm, credential, date, expires, signedHeaders, signature, token, contentSHA256 string
	haveToken, haveContentSHA256                                                         bool
}

func scanPresignParams(raw string) (presignParams, *Error) {
	var p presignParams
	var seen uint16
	for rest := raw; rest != ""; {
		var part string
		part, rest, _ = cut(rest, '&')
		name, val, _ := cut(part, '=')
		var dst *string
		var bit uint16
		switch name {
		case "X-Amz-Algorithm":
			dst, bit = &p.algorithm, 1
		case "X-Amz-Credential":
			dst, bit = &p.credential, 2
		case "X-Amz-Date":
			dst, bit = &p.date, 4
		case "X-Amz-Expires":
			dst, bit = &p.expires, 8
		case "X-Amz-SignedHeaders":
			dst, bit = &p.signedHeaders, 16
		case "X-Amz-Signature":
			dst, bit = &p.signature, 32
		case "X-Amz-Security-Token":
			dst, bit = &p.token, 64
			p.haveToken = true
		case "X-Amz-Content-Sha256":
			dst, bit = &p.contentSHA256, 128
			p.haveContentSHA256 = true
		default:
			continue
		}
		if seen&bit != 0 {
			return p, malformedQuery("The " + name + " parameter may appear only once.")
		}
		seen |= bit
		*dst = val
	}
	if seen&63 != 63 {
		return p, malformedQuery("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	return p, nil
}

// verifyPresigned verifies a presigned-URL request.
// It fills res, which is zero.
func (v *Verifier) verifyPresigned(res *Result, r *http.Request, service string) error {
	p, perr := scanPresignParams(r.URL.RawQuery)
	if perr != nil {
		return perr
	}
	var a authorization
	alg, ok1 := queryUnescape(p.algorithm)
	// SDKs escape only the credential's slashes: split it as sent.
	cred, ok2, credParsed := "", true, a.parseEscapedCredential(p.credential)
	if !credParsed {
		cred, ok2 = queryUnescape(p.credential)
	}
	amzDate, ok3 := queryUnescape(p.date)
	sh, ok4 := queryUnescape(p.signedHeaders)
	sig, ok5 := queryUnescape(p.signature)
	token, ok6 := queryUnescape(p.token)
	cs, ok7 := queryUnescape(p.contentSHA256)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return malformedQuery("The query string has an invalid percent-encoding.")
	}
	switch alg {
	case algorithmV4:
	case algorithmV4A:
		return errUnsupportedMechanism()
	default:
		return malformedQuery("X-Amz-Algorithm only supports \"" + algorithmV4 + "\"")
	}
	if !credParsed {
		if msg := a.parseCredential(cred); msg != "" {
			return malformedQuery("Error parsing the X-Amz-Credential parameter; " + msg + ".")
		}
	}
	var msg string
	if a.names, a.list, msg = v.lists.parse(res.names[:0], sh); msg != "" {
		return malformedQuery("X-Amz-SignedHeaders is invalid: " + msg + ".")
	}
	a.signedHeaders = sh
	if !a.parseSignature(sig) {
		return malformedQuery("X-Amz-Signature must be 64 lower-case hex characters.")
	}
	signedAt, ok := parseAmzDate(amzDate)
	if !ok {
		return malformedQuery("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	expires, e := parseExpires(p.expires)
	if e != nil {
		return e
	}
	if e := v.checkScope(&a, amzDate, service, true); e != nil {
		return e
	}
	now := v.now()
	if signedAt.Sub(now) > v.opts.MaxClockSkew {
		return newError(ErrCodeAccessDenied, "Request is not valid yet")
	}
	expiresAt := signedAt.Add(time.Duration(expires) * time.Second)
	if now.After(expiresAt) {
		return newError(ErrCodeAccessDenied, "Request has expired")
	}
	names := a.names
	var vbuf [maxStackNames][]string
	sv := signedValues{vals: vbuf[:min(len(names), maxStackNames)]}
	digest, e := checkSignedHeaderRules(r, names, a.list, &sv)
	if e != nil {
		return e
	}
	// A signed header that repeats a signed query parameter must agree.
	for _, c := range [...]struct{ header, value string }{
		{"X-Amz-Date", amzDate}, {"X-Amz-Security-Token", token}, {"X-Amz-Content-Sha256", cs},
	} {
		if hv, has := r.Header[c.header]; has && (len(hv) != 1 || (c.value != "" && hv[0] != c.value)) {
			return newError(ErrCodeInvalidRequest, "The %s header does not match the query parameter of the same name.", c.header)
		}
	}
	if !p.haveToken {
		if hv, has := r.Header["X-Amz-Security-Token"]; has {
			token = hv[0]
		}
	}

	var mode PayloadMode
	switch {
	case p.haveContentSHA256:
	case r.Header["X-Amz-Content-Sha256"] != nil:
		cs = r.Header["X-Amz-Content-Sha256"][0]
	case service == "s3":
		cs = unsignedPayload
	default:
		var e *Error
		if cs, e = hashGenericBody(r); e != nil {
			return e
		}
	}
	if mode, e = payloadModeOf(cs); e != nil {
		return e
	}

	res.Expires = expiresAt // kept by checkAndFill; the whole Result is zeroed after an error
	return v.checkAndFill(res, r, AuthPresigned, &a, &sv, signedRequest{amzDate: amzDate, token: token, contentSHA256: cs, mode: mode, signedAt: signedAt, digest: digest})
}

// parseExpires parses X-Amz-Expires: decimal seconds, 1 to 604800.
func parseExpires(s string) (int, *Error) {
	if s == "" {
		return 0, malformedQuery("X-Amz-Expires should be a number")
	}
	if s[0] == '-' {
		return 0, malformedQuery("X-Amz-Expires must be non-negative")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, malformedQuery("X-Amz-Expires should be a number")
		}
		n = n*10 + int(c-'0')
		if n > maxPresignExpires {
			return 0, malformedQuery("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
	}
	if n < 1 {
		return 0, malformedQuery("X-Amz-Expires must be at least 1 second")
	}
	return n, nil
}
