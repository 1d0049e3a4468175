package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/internal/s3api"
	"github.com/s3auth/s3auth/sigv4"
)

// Options configures a [Proxy]. Every zero value has a documented default,
// except Upstream and Credentials, which are required.
type Options struct {
	// Upstream is the base URL of the upstream S3 endpoint: scheme and
	// host, no path. Required.
	Upstream *url.URL
	// Region is the upstream's signing region. "" means "us-east-1".
	Region string
	// Credentials sign every upstream request. Required.
	Credentials aws.CredentialsProvider
	// Transport sends upstream requests. nil means a clone of
	// http.DefaultTransport with compression disabled, so that responses
	// pass through byte for byte.
	Transport http.RoundTripper
	// Domain is the base domain of virtual-hosted-style client requests
	// ("<bucket>.<domain>"); the s3auth facade must be given the same
	// domain. "" means path-style only. Upstream requests are always
	// path-style.
	Domain string
	// MaxDeleteBody bounds the XML body of DeleteObjects, which the proxy
	// reads whole to authorize every key. 0 means 2 MiB.
	MaxDeleteBody int64
	// Clock is the time upstream requests are signed at. nil means the
	// system clock.
	Clock s3auth.Clock
	// Logger receives one record per forwarded request and operational
	// messages, never secrets. nil means discard.
	Logger *slog.Logger
}

// Option sets a field of Options.
type Option func(*Options)

// WithOptions replaces the options wholesale; later options still apply.
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// Proxy is an http.Handler that authenticates, authorizes and forwards S3
// requests. It is safe for concurrent use.
type Proxy struct {
	auth   *s3auth.Auth
	opts   Options
	signer *v4.Signer
	s3     http.Handler
	sts    http.Handler
	log    *slog.Logger
}

var _ http.Handler = (*Proxy)(nil)

// New returns a proxy that authenticates with auth and forwards to the
// upstream named in the options.
func New(auth *s3auth.Auth, opts ...Option) (*Proxy, error) {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if auth == nil {
		return nil, errors.New("proxy: no s3auth facade; build one with s3auth.New")
	}
	if o.Upstream == nil || o.Upstream.Host == "" || (o.Upstream.Scheme != "http" && o.Upstream.Scheme != "https") {
		return nil, errors.New("proxy: the upstream URL must be http:// or https:// with a host, e.g. http://127.0.0.1:9000")
	}
	if p := strings.TrimSuffix(o.Upstream.Path, "/"); p != "" || o.Upstream.RawQuery != "" {
		return nil, fmt.Errorf("proxy: the upstream URL %q has a path or query; give only scheme and host", o.Upstream.Redacted())
	}
	if o.Credentials == nil {
		return nil, errors.New("proxy: no upstream credentials; set the upstream access key and secret key")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		t.MaxIdleConnsPerHost = 64
		o.Transport = t
	}
	if o.MaxDeleteBody <= 0 {
		o.MaxDeleteBody = 2 << 20
	}
	if o.Clock == nil {
		o.Clock = s3auth.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{auth: auth, opts: o, log: o.Logger, sts: auth.STSHandler()}
	p.signer = v4.NewSigner(func(so *v4.SignerOptions) {
		so.DisableURIPathEscaping = true // S3 signs the path as sent
	})
	p.s3 = auth.Middleware(http.HandlerFunc(p.forward))
	return p, nil
}

// ServeHTTP serves STS itself and forwards authorized S3 requests.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s3auth.IsSTSRequest(r) {
		p.sts.ServeHTTP(w, r)
		return
	}
	p.s3.ServeHTTP(w, r)
}

// Header names the proxy treats specially (canonical form).
const (
	hdrContentSHA256   = "X-Amz-Content-Sha256"
	hdrDecodedLength   = "X-Amz-Decoded-Content-Length"
	hdrContentEncoding = "Content-Encoding"
)

// dropped are client headers never sent upstream: hop-by-hop headers
// (RFC 9110 section 7.6.1 and the de-facto ones), the client's
// authentication, aws-chunked framing, and forwarding headers the upstream
// should not believe.
var dropped = map[string]bool{
	"Connection":                   true,
	"Keep-Alive":                   true,
	"Proxy-Connection":             true,
	"Proxy-Authenticate":           true,
	"Proxy-Authorization":          true,
	"Te":                           true,
	"Trailer":                      true,
	"Transfer-Encoding":            true,
	"Upgrade":                      true,
	"Expect":                       true,
	"Host":                         true,
	"Content-Length":               true,
	"Authorization":                true,
	"X-Amz-Date":                   true,
	"X-Amz-Content-Sha256":         true,
	"X-Amz-Security-Token":         true,
	"X-Amz-Decoded-Content-Length": true,
	"X-Amz-Trailer":                true,
	"X-Forwarded-For":              true,
	"X-Forwarded-Host":             true,
	"X-Forwarded-Proto":            true,
	"Forwarded":                    true,
}

// unsignedKept are standard headers passed on even when the client did not
// sign them (presigned URLs sign only the host). None of them is an
// x-amz-* header: the verifier refuses unsigned x-amz-* headers.
var unsignedKept = map[string]bool{
	"Accept-Encoding":     true,
	"Cache-Control":       true,
	"Content-Disposition": true,
	"Content-Encoding":    true,
	"Content-Language":    true,
	"Content-Md5":         true,
	"Content-Type":        true,
	"Expires":             true,
	"If-Match":            true,
	"If-Modified-Since":   true,
	"If-None-Match":       true,
	"If-Unmodified-Since": true,
	"Range":               true,
}

// presignParams are the query parameters of a presigned URL's signature.
var presignParams = []string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
	"X-Amz-Content-Sha256",
}

// hopByHopResponse are response headers not passed back to the client.
var hopByHopResponse = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// failure answers the client with an S3 error from the proxy itself.
func failure(w http.ResponseWriter, r *http.Request, code, msg string) {
	sigv4.WriteError(w, &sigv4.Error{Code: code, Message: msg, StatusCode: sigv4.StatusCode(code)}, r.URL.Path, s3auth.RequestIDFromContext(r.Context()))
}

// forward runs after the middleware allowed the request.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	pr, d, ok := s3auth.FromContext(r.Context())
	if !ok || pr == nil || d == nil || !d.Allowed {
		failure(w, r, sigv4.ErrCodeAccessDenied, "Access Denied.")
		return
	}
	if pr.Auth != nil && pr.Auth.Type == sigv4.AuthPostForm {
		failure(w, r, sigv4.ErrCodeNotImplemented, "The proxy does not forward browser POST uploads; use PUT.")
		return
	}
	out, err := p.outgoing(r, pr)
	if err != nil {
		failure(w, r, sigv4.ErrCodeInternalError, "We encountered an internal error. Please try again.")
		p.log.Error("proxy: building the upstream request", "err", err)
		return
	}
	payloadHash := "UNSIGNED-PAYLOAD"
	var hb *holdBack
	length, known := bodyLength(r, pr)
	body := io.Reader(r.Body)
	if pb := pr.Body(); pb != nil {
		body = pb
	}
	switch {
	case d.Operation != nil && len(d.Operation.PerKey) > 0:
		// DeleteObjects: authorize every key of the (small) body.
		buf, ok := p.authorizeKeys(w, r, pr, d.Operation, body)
		if !ok {
			return
		}
		sum := sha256.Sum256(buf)
		payloadHash = hex.EncodeToString(sum[:])
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(buf)), int64(len(buf))
	case known && length == 0:
		// Nothing to stream, but a body that was promised and not sent (or
		// an empty body under a wrong hash) must still fail verification.
		if _, err := io.Copy(io.Discard, body); err != nil {
			sigv4.WriteError(w, err, r.URL.Path, s3auth.RequestIDFromContext(r.Context()))
			return
		}
		out.Body, out.ContentLength = http.NoBody, 0
		payloadHash = emptySHA256
	default:
		hb = &holdBack{r: body}
		out.Body = io.NopCloser(hb)
		out.ContentLength = -1
		if known {
			out.ContentLength = length
		}
		if pr.Auth != nil && pr.Auth.Payload == sigv4.PayloadSigned && isHexSHA256(pr.Auth.ContentSHA256) {
			payloadHash = pr.Auth.ContentSHA256
		}
	}
	out.Header.Set(hdrContentSHA256, payloadHash)
	creds, err := p.opts.Credentials.Retrieve(r.Context())
	if err != nil {
		failure(w, r, sigv4.ErrCodeServiceUnavailable, "The proxy cannot get its upstream credentials; retry later.")
		p.log.Error("proxy: upstream credentials", "err", err)
		return
	}
	if err := p.signer.SignHTTP(r.Context(), creds, out, payloadHash, "s3", p.opts.Region, p.opts.Clock.Now().UTC()); err != nil {
		failure(w, r, sigv4.ErrCodeInternalError, "We encountered an internal error. Please try again.")
		p.log.Error("proxy: signing the upstream request", "err", err)
		return
	}
	start := time.Now()
	resp, err := p.opts.Transport.RoundTrip(out)
	if hb != nil {
		if berr := hb.failure(); berr != nil {
			// The client's body failed verification: the upstream got at
			// most all but one byte and the connection was closed.
			if resp != nil {
				resp.Body.Close()
			}
			p.log.Info("proxy: client body failed verification; upstream request aborted", "method", r.Method, "path", r.URL.Path, "user", pr.User, "err", berr)
			sigv4.WriteError(w, berr, r.URL.Path, s3auth.RequestIDFromContext(r.Context()))
			return
		}
	}
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away
		}
		p.log.Warn("proxy: upstream request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		failure(w, r, sigv4.ErrCodeServiceUnavailable, "The upstream S3 endpoint cannot be reached; retry later.")
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	for _, k := range hopByHopResponse {
		h.Del(k)
	}
	for _, k := range resp.Header.Values("Connection") {
		for f := range strings.SplitSeq(k, ",") {
			h.Del(strings.TrimSpace(f))
		}
	}
	if resp.ContentLength >= 0 && r.Method != http.MethodHead {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	n, cerr := copyBuffered(w, resp.Body)
	mode := sigv4.PayloadNone
	if pr.Auth != nil {
		mode = pr.Auth.Payload
	}
	p.log.Debug("proxy: forwarded", "method", r.Method, "path", r.URL.Path, "user", pr.User,
		"payload", mode.String(), "status", resp.StatusCode, "bytes", n, "took", time.Since(start))
	if cerr != nil {
		// Headers are gone: abort the response so the client sees a
		// truncated body rather than a complete-looking one.
		p.log.Warn("proxy: streaming the response failed", "method", r.Method, "path", r.URL.Path, "err", cerr)
		panic(http.ErrAbortHandler)
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// bodyLength returns the number of payload bytes the upstream will get:
// the decoded length of an aws-chunked body, or the Content-Length.
func bodyLength(r *http.Request, pr *s3auth.Principal) (int64, bool) {
	if pr.Auth != nil {
		switch pr.Auth.Payload {
		case sigv4.PayloadStreamingSigned, sigv4.PayloadStreamingSignedTrailer, sigv4.PayloadStreamingUnsignedTrailer:
			v := r.Header.Get(hdrDecodedLength)
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return 0, false
			}
			return n, true
		}
	}
	if r.ContentLength >= 0 {
		return r.ContentLength, true
	}
	return 0, false
}

// outgoing builds the upstream request without body and signature.
func (p *Proxy) outgoing(r *http.Request, pr *s3auth.Principal) (*http.Request, error) {
	u := *p.opts.Upstream
	path, rawPath := r.URL.Path, r.URL.EscapedPath()
	if p.opts.Domain != "" {
		if bucket, _ := s3api.Locate(r, p.opts.Domain); bucket != "" && !strings.HasPrefix(path, "/"+bucket+"/") && isVirtualHost(r.Host, bucket, p.opts.Domain) {
			path, rawPath = "/"+bucket+path, "/"+bucket+rawPath
		}
	}
	if path == "" {
		path, rawPath = "/", "/"
	}
	u.Path, u.RawPath = path, rawPath
	if u.EscapedPath() != rawPath {
		u.RawPath = "" // not a valid encoding of path: let net/url escape it
	}
	q := r.URL.Query()
	if pr.Auth != nil && pr.Auth.Type == sigv4.AuthPresigned {
		for _, k := range presignParams {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	out.URL.Path, out.URL.RawPath = u.Path, u.RawPath
	signedOnly := pr.Auth != nil && pr.Auth.Type != sigv4.AuthAnonymous
	connHeaders := map[string]bool{}
	for _, v := range r.Header.Values("Connection") {
		for f := range strings.SplitSeq(v, ",") {
			connHeaders[http.CanonicalHeaderKey(strings.TrimSpace(f))] = true
		}
	}
	for k, vs := range r.Header {
		ck := http.CanonicalHeaderKey(k)
		if dropped[ck] || connHeaders[ck] {
			continue
		}
		if signedOnly && !unsignedKept[ck] && !pr.Auth.IsSigned(ck) {
			continue
		}
		if ck == hdrContentEncoding {
			vs = withoutAWSChunked(vs)
			if len(vs) == 0 {
				continue
			}
		}
		out.Header[ck] = append([]string(nil), vs...)
	}
	return out, nil
}

func isVirtualHost(host, bucket, domain string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.EqualFold(strings.TrimSuffix(host, "."), bucket+"."+strings.TrimSuffix(domain, "."))
}

// withoutAWSChunked removes the aws-chunked coding from Content-Encoding
// values.
func withoutAWSChunked(vs []string) []string {
	var out []string
	for _, v := range vs {
		var keep []string
		for c := range strings.SplitSeq(v, ",") {
			c = strings.TrimSpace(c)
			if c != "" && !strings.EqualFold(c, "aws-chunked") {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			out = append(out, strings.Join(keep, ","))
		}
	}
	return out
}

// authorizeKeys reads a DeleteObjects body (verified, bounded) and checks
// every key; it answers the client itself and returns false on any
// failure.
func (p *Proxy) authorizeKeys(w http.ResponseWriter, r *http.Request, pr *s3auth.Principal, op *iam.Operation, body io.Reader) ([]byte, bool) {
	reqID := s3auth.RequestIDFromContext(r.Context())
	buf, err := io.ReadAll(io.LimitReader(body, p.opts.MaxDeleteBody+1))
	if err != nil {
		sigv4.WriteError(w, err, r.URL.Path, reqID)
		return nil, false
	}
	if int64(len(buf)) > p.opts.MaxDeleteBody {
		failure(w, r, "MaxMessageLengthExceeded", fmt.Sprintf("The DeleteObjects request body is larger than %d bytes.", p.opts.MaxDeleteBody))
		return nil, false
	}
	var del s3api.Delete
	if err := xml.Unmarshal(buf, &del); err != nil || len(del.Objects) == 0 {
		failure(w, r, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
		return nil, false
	}
	var checks []iam.Check
	for _, o := range del.Objects {
		c, err := op.KeyChecks(o.Key, o.VersionID)
		if err != nil {
			failure(w, r, sigv4.ErrCodeInvalidArgument, "An object key of the DeleteObjects body is invalid.")
			return nil, false
		}
		checks = append(checks, c...)
	}
	d := p.auth.AuthorizeChecks(r.Context(), pr, r, op.Bucket, checks)
	if !d.Allowed {
		sigv4.WriteError(w, d.S3Error(), r.URL.Path, reqID)
		return nil, false
	}
	return buf, true
}

// copyBufPool holds the buffers responses are copied with.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func copyBuffered(w io.Writer, r io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	return io.CopyBuffer(writerOnly{w}, r, *bp)
}

// writerOnly hides ReadFrom so that CopyBuffer uses the pooled buffer.
type writerOnly struct{ io.Writer }
