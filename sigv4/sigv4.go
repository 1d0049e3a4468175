package sigv4

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Clock tells the time. It is the same one-method shape as s3auth.Clock.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Credentials is what a [CredentialsLookup] returns for an access key.
type Credentials struct {
	// SecretKey is the secret access key used to verify the signature.
	SecretKey string
	// Value is opaque to sigv4 and handed back in [Result.Credentials], so
	// the host can carry its principal through verification.
	Value any
}

// CredentialsLookup resolves an access key (and the session token the
// request carried, "" if none) to its credentials.
//
// Return an error wrapping [ErrUnknownAccessKey] for an unknown key (the
// client gets InvalidAccessKeyId). An [*Error] is passed to the client
// unchanged, which is how a host reports ExpiredToken or InvalidToken for a
// bad session token. Any other error becomes ServiceUnavailable with a
// generic message; its text never reaches the client.
//
// LookupCredentials is called concurrently.
type CredentialsLookup interface {
	LookupCredentials(ctx context.Context, accessKey, sessionToken string) (Credentials, error)
}

// CredentialsLookupFunc adapts a function to [CredentialsLookup].
type CredentialsLookupFunc func(ctx context.Context, accessKey, sessionToken string) (Credentials, error)

// LookupCredentials calls f.
func (f CredentialsLookupFunc) LookupCredentials(ctx context.Context, accessKey, sessionToken string) (Credentials, error) {
	return f(ctx, accessKey, sessionToken)
}

var _ CredentialsLookup = CredentialsLookupFunc(nil)

// ErrUnknownAccessKey is returned (wrapped) by a [CredentialsLookup] for an
// access key it does not know.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key")

// Options configures a [Verifier]. Every zero value has a documented default.
type Options struct {
	// Regions lists the regions accepted in the credential scope.
	// nil or empty means ["us-east-1"].
	Regions []string
	// MaxClockSkew is how far a header-signed request's time may be from the
	// Clock, in either direction. 0 means 15 minutes.
	MaxClockSkew time.Duration
	// Clock is the source of time. nil means the system clock.
	Clock Clock
	// KeyCacheSize bounds the number of cached signing keys. 0 means 1024.
	KeyCacheSize int
	// MaxChunkSize bounds one aws-chunked chunk. 0 means 16 MiB.
	MaxChunkSize int64
	// MaxTrailerSize bounds the trailer section of an aws-chunked body.
	// 0 means 16 KiB.
	MaxTrailerSize int
	// MaxPostFormSize bounds the bytes of a browser POST form before the
	// file part (all other fields). 0 means 1 MiB.
	MaxPostFormSize int64
	// RejectUnsignedPayload makes UNSIGNED-PAYLOAD and
	// STREAMING-UNSIGNED-PAYLOAD-TRAILER header-signed requests fail with
	// AccessDenied. false (the default) accepts them, as S3 does; presigned
	// URLs are always unsigned-payload and are not affected.
	RejectUnsignedPayload bool
	// Logger receives debug records about rejected requests (never
	// secrets). nil means discard.
	Logger *slog.Logger
}

// WithRegions sets [Options.Regions].
func WithRegions(regions ...string) func(*Options) {
	return func(o *Options) { o.Regions = append([]string(nil), regions...) }
}

// WithClock sets [Options.Clock].
func WithClock(c Clock) func(*Options) { return func(o *Options) { o.Clock = c } }

// WithMaxClockSkew sets [Options.MaxClockSkew].
func WithMaxClockSkew(d time.Duration) func(*Options) {
	return func(o *Options) { o.MaxClockSkew = d }
}

// WithLogger sets [Options.Logger].
func WithLogger(l *slog.Logger) func(*Options) { return func(o *Options) { o.Logger = l } }

// Verifier verifies SigV4-signed requests. Create it with [NewVerifier]; it
// is safe for concurrent use and must not be copied.
type Verifier struct {
	lookup CredentialsLookup
	opts   Options
	keys   *keyCache
	lists  signedListCache
	log    *slog.Logger
}

// NewVerifier returns a Verifier that resolves access keys with lookup.
func NewVerifier(lookup CredentialsLookup, opts ...func(*Options)) *Verifier {
	var o Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if len(o.Regions) == 0 {
		o.Regions = []string{"us-east-1"}
	}
	if o.MaxClockSkew <= 0 {
		o.MaxClockSkew = 15 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.KeyCacheSize <= 0 {
		o.KeyCacheSize = 1024
	}
	if o.MaxChunkSize <= 0 {
		o.MaxChunkSize = 16 << 20
	}
	if o.MaxTrailerSize <= 0 {
		o.MaxTrailerSize = 16 << 10
	}
	if o.MaxPostFormSize <= 0 {
		o.MaxPostFormSize = 1 << 20
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{lookup: lookup, opts: o, keys: newKeyCache(o.KeyCacheSize), log: log}
}

func (v *Verifier) now() time.Time { return v.opts.Clock.Now() }

// AuthType says how a request was authenticated.
type AuthType int

// Authentication types.
const (
	// AuthAnonymous: the request carried no authentication at all.
	AuthAnonymous AuthType = iota
	// AuthHeader: SigV4 in the Authorization header.
	AuthHeader
	// AuthPresigned: SigV4 in the query string (presigned URL).
	AuthPresigned
	// AuthPostForm: SigV4 over a browser POST policy.
	AuthPostForm
)

// String returns the s3:authType condition value ("REST-HEADER",
// "REST-QUERY-STRING", "POST") or "ANONYMOUS".
func (t AuthType) String() string {
	switch t {
	case AuthHeader:
		return "REST-HEADER"
	case AuthPresigned:
		return "REST-QUERY-STRING"
	case AuthPostForm:
		return "POST"
	default:
		return "ANONYMOUS"
	}
}

// PayloadMode says how the request body is protected.
type PayloadMode int

// Payload modes, from the x-amz-content-sha256 value.
const (
	// PayloadNone: no body is expected to be verified (anonymous, or no body).
	PayloadNone PayloadMode = iota
	// PayloadSigned: x-amz-content-sha256 is the hex SHA-256 of the body.
	PayloadSigned
	// PayloadUnsigned: UNSIGNED-PAYLOAD (also every presigned URL without
	// X-Amz-Content-Sha256).
	PayloadUnsigned
	// PayloadStreamingSigned: STREAMING-AWS4-HMAC-SHA256-PAYLOAD.
	PayloadStreamingSigned
	// PayloadStreamingSignedTrailer: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.
	PayloadStreamingSignedTrailer
	// PayloadStreamingUnsignedTrailer: STREAMING-UNSIGNED-PAYLOAD-TRAILER.
	PayloadStreamingUnsignedTrailer
)

// x-amz-content-sha256 literals.
const (
	unsignedPayload                 = "UNSIGNED-PAYLOAD"
	streamingSignedPayload          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedPayloadTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	emptySHA256                     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// String returns the x-amz-content-sha256 literal of the mode, "SHA256"
// for a signed payload and "" for PayloadNone.
func (m PayloadMode) String() string {
	switch m {
	case PayloadSigned:
		return "SHA256"
	case PayloadUnsigned:
		return unsignedPayload
	case PayloadStreamingSigned:
		return streamingSignedPayload
	case PayloadStreamingSignedTrailer:
		return streamingSignedPayloadTrailer
	case PayloadStreamingUnsignedTrailer:
		return streamingUnsignedPayloadTrailer
	default:
		return ""
	}
}

// Result describes a verified request. A host must treat it as read-only.
type Result struct {
	// Type says how the request was authenticated.
	Type AuthType
	// AccessKey is the access key from the credential scope.
	AccessKey string
	// SessionToken is x-amz-security-token (header, query or form), if any.
	SessionToken string
	// Credentials is what the CredentialsLookup returned.
	Credentials Credentials
	// Region and Service are from the credential scope.
	Region, Service string
	// SignedAt is the request's X-Amz-Date.
	SignedAt time.Time
	// Expires is when a presigned URL or POST policy expires (zero otherwise).
	Expires time.Time
	// SignedHeaders are the lower-case names of the signed headers, sorted.
	SignedHeaders []string
	// ContentSHA256 is the x-amz-content-sha256 value the signature covers
	// (hex hash or literal such as UNSIGNED-PAYLOAD).
	ContentSHA256 string
	// Payload says how the body is protected.
	Payload PayloadMode
	// Body is the verifying body reader (also set as r.Body), nil when the
	// request has no body. Only a clean io.EOF from it means the payload
	// verified.
	Body *Body
	// Form is the parsed browser POST form (AuthPostForm only).
	Form *PostForm

	// names backs SignedHeaders for typical requests, so that a
	// verification allocates the Result and nothing else.
	names [12]string
}

// IsSigned reports whether the named header (any case) was covered by the
// signature. Proxies use it to know which headers they may trust or must
// not change. "host" is always signed for SigV4.
func (r *Result) IsSigned(header string) bool {
	if r == nil {
		return false
	}
	for _, h := range r.SignedHeaders {
		if equalFoldASCII(h, header) {
			return true
		}
	}
	return false
}

// Verify authenticates r as an S3 request (service "s3"). See
// [Verifier.VerifyService].
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	return v.VerifyService(r, "s3")
}

// VerifyService authenticates r for service (e.g. "s3" or "sts").
//
// An anonymous request (no Authorization header, no X-Amz-* signature
// query, no POST policy) returns a Result of [AuthAnonymous] and no error:
// the host decides whether anonymous access is allowed.
//
// On success for a request with a body, r.Body is replaced by the
// verifying [Body] (also in [Result.Body]). The host must read it to a
// clean io.EOF before it commits anything. Every error is an [*Error].
func (v *Verifier) VerifyService(r *http.Request, service string) (*Result, error) {
	res := new(Result)
	if err := v.VerifyServiceInto(res, r, service); err != nil {
		return nil, err
	}
	return res, nil
}

// VerifyServiceInto is [Verifier.VerifyService] writing the Result into
// res, which the caller owns: a host that keeps per-request state can embed
// a Result in it, and then verifying a typical request allocates nothing.
// res is overwritten; after an error it is zero. The Result refers to the
// request (and the Body reads it), so res must not be reused for another
// request while the host still uses this one's. Its SignedHeaders may point
// into res itself: a copy of the Result by value keeps seeing what res
// holds, so copy SignedHeaders too (slices.Clone) if res will be reused.
func (v *Verifier) VerifyServiceInto(res *Result, r *http.Request, service string) error {
	if res == nil {
		return newError(ErrCodeInternalError, "sigv4: VerifyServiceInto needs a Result to fill")
	}
	*res = Result{}
	if r == nil || r.URL == nil {
		return newError(ErrCodeInvalidRequest, "no request to verify")
	}
	var err error
	switch kind, authorization, cerr := classify(r); {
	case cerr != nil:
		return cerr
	case kind == AuthHeader:
		err = v.verifyHeader(res, r, service, authorization)
	case kind == AuthPresigned:
		err = v.verifyPresigned(res, r, service)
	case kind == AuthPostForm:
		var form *Result
		if form, err = v.verifyPostForm(r); err == nil {
			*res = *form
		}
	default:
		res.Type = AuthAnonymous
	}
	if err != nil {
		*res = Result{}
		return err
	}
	return nil
}

// lookupCredentials calls the lookup and maps its errors.
func (v *Verifier) lookupCredentials(ctx context.Context, accessKey, token string) (Credentials, error) {
	if v.lookup == nil {
		return Credentials{}, newError(ErrCodeInvalidAccessKeyID, "The AWS access key Id you provided does not exist in our records.")
	}
	c, err := v.lookup.LookupCredentials(ctx, accessKey, token)
	if err == nil {
		return c, nil
	}
	return Credentials{}, v.lookupError(ctx, err)
}

// lookupError maps a lookup's error to the client's. An error value whose
// methods panic (a typed nil pointer of some other type) fails closed as
// ServiceUnavailable too.
func (v *Verifier) lookupError(ctx context.Context, err error) (mapped *Error) {
	defer func() {
		if recover() != nil {
			v.log.LogAttrs(ctx, slog.LevelWarn, "sigv4: credentials lookup returned an error value that panics")
			mapped = newError(ErrCodeServiceUnavailable, "Please reduce your request rate or try again later.")
		}
	}()
	var e *Error
	switch {
	case errors.As(err, &e):
		if e == nil {
			// A typed nil *Error: fail closed without calling its Error
			// method (it would panic), rather than hand the nil on.
			v.log.LogAttrs(ctx, slog.LevelWarn, "sigv4: credentials lookup returned a nil *sigv4.Error as its error")
			return newError(ErrCodeServiceUnavailable, "Please reduce your request rate or try again later.")
		}
		return e
	case errors.Is(err, ErrUnknownAccessKey):
		return newError(ErrCodeInvalidAccessKeyID, "The AWS access key Id you provided does not exist in our records.")
	default:
		v.log.LogAttrs(ctx, slog.LevelWarn, "sigv4: credentials lookup failed", slog.String("error", err.Error()))
		return newError(ErrCodeServiceUnavailable, "Please reduce your request rate or try again later.")
	}
}

var _ io.ReadCloser = (*Body)(nil)
