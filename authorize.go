package s3auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/sigv4"
)

// Decision is the outcome of [Auth.Authorize], with its reasons.
type Decision struct {
	// Allowed is true only when every check of the operation is allowed.
	Allowed bool
	// Result is the iam decision of the check that decided: the first
	// check that was denied, or the last check when all were allowed.
	Result iam.Decision
	// Operation is the S3 operation the request was classified as; nil
	// when classification failed (then Err says why).
	Operation *iam.Operation
	// Check is the action and resource that decided.
	Check iam.Check
	// Reason is a one-line explanation, safe to show the caller.
	Reason string
	// Trace explains the decision statement by statement; set by
	// AuthorizeTrace only.
	Trace *iam.Trace
	// Err is set when the request could not be classified (an unknown
	// operation, an invalid bucket name): it carries the S3 error code.
	Err error
}

// S3Error returns the error to send the client: nil when allowed,
// AccessDenied for a denial, the classification error's own code otherwise.
func (d *Decision) S3Error() *sigv4.Error {
	if d.Allowed {
		return nil
	}
	if d.Err != nil {
		var coded interface {
			S3Code() string
			HTTPStatus() int
		}
		if errors.As(d.Err, &coded) {
			return &sigv4.Error{Code: coded.S3Code(), Message: d.Err.Error(), StatusCode: coded.HTTPStatus()}
		}
		return sigv4Error(sigv4.ErrCodeInvalidRequest, d.Err.Error())
	}
	return sigv4Error(sigv4.ErrCodeAccessDenied, "Access Denied. "+d.Reason)
}

// DecisionRecord is what the decision hook and the log receive for each
// decision. It holds no secret.
type DecisionRecord struct {
	Time      time.Time
	RequestID string
	Kind      string // principal kind
	AccessKey string
	User      string
	Operation string
	Action    string
	Resource  string
	Decision  string // "allowed", "explicitDeny", "implicitDeny"
	Reason    string
	AuthType  string
	SourceIP  string
}

type requestIDKey struct{}

// ContextWithRequestID attaches a request id to ctx for decision records.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the id set by ContextWithRequestID.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Authorize decides whether p may perform the S3 request r: it classifies r
// into an operation (iam.ClassifyS3Request) and evaluates every check of it
// against p's policies, the service-account and session policies, and the
// bucket policy. Any error denies. Operations that name objects in the body
// (DeleteObjects, POST uploads) need [Auth.AuthorizeChecks] per key too.
func (a *Auth) Authorize(ctx context.Context, p *Principal, r *http.Request) *Decision {
	return a.authorize(ctx, p, r, false)
}

// AuthorizeTrace is Authorize with a statement-by-statement trace in
// Decision.Trace, for "why was I denied?".
func (a *Auth) AuthorizeTrace(ctx context.Context, p *Principal, r *http.Request) *Decision {
	return a.authorize(ctx, p, r, true)
}

func (a *Auth) authorize(ctx context.Context, p *Principal, r *http.Request, trace bool) *Decision {
	sc := newScratch(p)
	d := &sc.d
	op := &sc.op
	if err := iam.ClassifyS3RequestInto(op, r, &a.classify); err != nil {
		d.Err, d.Reason = err, err.Error()
		a.record(ctx, p, r, d, nil)
		return d
	}
	ic := contextPool.Get().(*iam.Context)
	defer func() { ic.Reset(); contextPool.Put(ic) }()
	a.fillContext(ic, p, r)
	for _, k := range op.Keys {
		ic.Set(k.Name, k.Values...)
	}
	if len(op.Checks) == 0 && len(op.PerKey) > 0 {
		// DeleteObjects and POST uploads name their objects in the body: the
		// host authorizes each key with AuthorizeChecks. The request itself
		// needs a principal that could be allowed something.
		a.admitPerKey(p, op, d)
	} else {
		a.decide(ctx, p, op.Bucket, op.Checks, ic, trace, sc)
	}
	d.Operation = op
	a.record(ctx, p, r, d, ic)
	return d
}

// admitPerKey admits an operation whose checks depend on its body. Root is
// admitted; others need an identity policy (or, anonymous, a bucket policy);
// every key is then checked with AuthorizeChecks.
func (a *Auth) admitPerKey(p *Principal, op *iam.Operation, d *Decision) {
	d.Allowed, d.Result, d.Reason = true, iam.Allowed, "admitted; every key in the body is checked with "+strings.Join(op.PerKey, ", ")
	switch {
	case p.Kind == PrincipalRoot:
	case p.Kind == PrincipalAnonymous:
		if a.opts.BucketPolicy == nil {
			d.Allowed, d.Result, d.Reason = false, iam.ImplicitDeny, "anonymous requests need a bucket policy"
		}
	case len(p.Policies) == 0:
		d.Allowed, d.Result, d.Reason = false, iam.ImplicitDeny, "no policy is attached to "+describe(p)+"; attach one (s3admin policy attach)"
	}
}

// AuthorizeChecks decides explicit checks for p in the context of r (for
// the keys of a DeleteObjects body or a POST upload's key field: see
// iam.Operation.KeyChecks). bucket selects the bucket policy.
func (a *Auth) AuthorizeChecks(ctx context.Context, p *Principal, r *http.Request, bucket string, checks []iam.Check) *Decision {
	ic := contextPool.Get().(*iam.Context)
	defer func() { ic.Reset(); contextPool.Put(ic) }()
	a.fillContext(ic, p, r)
	sc := newScratch(p)
	a.decide(ctx, p, bucket, checks, ic, false, sc)
	a.record(ctx, p, r, &sc.d, ic)
	return &sc.d
}

var contextPool = sync.Pool{New: func() any { return new(iam.Context) }}

// fillContext sets the server facts of the request context.
func (a *Auth) fillContext(ic *iam.Context, p *Principal, r *http.Request) {
	now := a.opts.Clock.Now()
	ic.CurrentTime = now
	ic.SecureTransport = r.TLS != nil
	ic.SourceIP = a.sourceIP(r)
	// r.UserAgent() and r.Referer() without canonicalizing the names.
	ic.UserAgent = firstValue(r.Header, "User-Agent")
	ic.Referer = firstValue(r.Header, "Referer")
	ic.PrincipalAccount = a.opts.Account
	switch p.Kind {
	case PrincipalAnonymous:
		ic.PrincipalType = "Anonymous"
		ic.UserID = "anonymous"
		ic.PrincipalAccount = "anonymous"
	case PrincipalRoot:
		ic.PrincipalType = "Account"
		ic.UserID = a.opts.Account
	case PrincipalUser, PrincipalServiceAccount:
		ic.PrincipalType = "User"
		ic.Username = p.User
		ic.UserID = p.User
		ic.PrincipalARN = p.ARN()
	case PrincipalSession, PrincipalLDAPSession:
		ic.PrincipalType = "AssumedRole"
		ic.Username = p.User
		ic.UserID = p.sessionUserID()
		ic.PrincipalARN = p.ARN()
		ic.TokenIssueTime = p.TokenIssued
	}
	if res := p.Auth; res != nil && res.Type != sigv4.AuthAnonymous {
		switch res.Type {
		case sigv4.AuthHeader:
			ic.AuthType = "REST-HEADER"
		case sigv4.AuthPresigned:
			ic.AuthType = "REST-QUERY-STRING"
		case sigv4.AuthPostForm:
			ic.AuthType = "POST"
		}
		ic.SignatureVersion = "AWS4-HMAC-SHA256"
		ic.ContentSHA256 = res.ContentSHA256
		ic.SignatureAge = now.Sub(res.SignedAt).Milliseconds()
	}
}

// decisionScratch holds a Decision with the Operation and identity
// policies that making it needs, so a decision costs at most one
// allocation (none when the principal's own scratch is free). The policy
// set itself stays on decide's stack (iam leaks only its contents).
type decisionScratch struct {
	d  Decision
	op iam.Operation
	// ids is room for two identity policies (more are appended): with
	// it, resolved fits the 704-byte size class.
	ids [2]iam.NamedPolicy
}

// authScratch is a Principal's room for its first decision.
type authScratch struct {
	taken atomic.Bool
	sc    decisionScratch
}

// newScratch returns p's own scratch the first time (it was allocated with
// p by the credential lookup) and a new one after that: a Decision is the
// caller's to keep, so a scratch is never used twice.
func newScratch(p *Principal) *decisionScratch {
	if s := p.scratch; s != nil && !s.taken.Load() && s.taken.CompareAndSwap(false, true) {
		return &s.sc
	}
	return new(decisionScratch)
}

// decide evaluates checks in order into sc.d; the first that is not
// allowed decides.
func (a *Auth) decide(ctx context.Context, p *Principal, bucket string, checks []iam.Check, ic *iam.Context, trace bool, sc *decisionScratch) {
	d := &sc.d
	if p.Kind == PrincipalRoot {
		d.Allowed, d.Result, d.Reason = true, iam.Allowed, "root is allowed everything"
		if len(checks) > 0 {
			d.Check = checks[len(checks)-1]
		}
		return
	}
	var policies iam.PolicySet
	set := &policies
	if err := a.policySet(ctx, p, bucket, set, sc.ids[:0], ic.PrincipalARN); err != nil {
		d.Reason = err.Error()
		return
	}
	if p.Kind != PrincipalAnonymous && len(set.Identity) == 0 {
		d.Reason = "no policy is attached to " + describe(p) + "; attach one (s3admin policy attach)"
		if len(checks) > 0 {
			d.Check = checks[0]
		}
		return
	}
	if len(checks) == 0 {
		d.Reason = "nothing to authorize"
		return
	}
	req := iam.Request{Context: ic}
	for _, c := range checks {
		req.Action, req.Resource = c.Action, c.Resource
		d.Check = c
		if trace {
			d.Result, d.Trace = iam.Explain(&req, set)
		} else {
			d.Result = iam.Evaluate(&req, set)
		}
		if d.Result != iam.Allowed {
			if d.Result == iam.ExplicitDeny {
				d.Reason = c.Action + " on " + c.Resource + " is explicitly denied"
			} else {
				d.Reason = "no policy allows " + c.Action + " on " + c.Resource + narrowedBy(set)
			}
			return
		}
	}
	d.Allowed = true
	d.Reason = "allowed"
}

// narrowedBy names the policies that may have narrowed an implicit deny, so
// a denied session or service account is told where to look.
func narrowedBy(set *iam.PolicySet) string {
	switch {
	case set.Session != nil && set.ServiceAccount != nil:
		return " (the session policy and the service account's policy can only narrow the user's policies)"
	case set.Session != nil:
		return " (the session policy can only narrow the user's policies)"
	case set.ServiceAccount != nil:
		return " (the service account's policy can only narrow its parent's policies)"
	}
	return ""
}

func describe(p *Principal) string {
	switch p.Kind {
	case PrincipalServiceAccount:
		return "the parent user " + p.User + " of this service account"
	case PrincipalSession:
		return "the user " + p.User + " of this session"
	case PrincipalLDAPSession:
		return "the LDAP user " + p.DN + " or its groups"
	}
	return "the user " + p.User
}

// policySet compiles (from cache) every policy that bears on p; arn is
// p.ARN(), computed once per request by the caller.
func (a *Auth) policySet(ctx context.Context, p *Principal, bucket string, set *iam.PolicySet, buf []iam.NamedPolicy, arn string) error {
	for _, name := range p.Policies {
		pol, err := a.policies.named(a.dir, name)
		if err != nil {
			return err
		}
		if pol != nil {
			buf = append(buf, iam.NamedPolicy{Name: name, Policy: pol})
		}
	}
	set.Identity = buf
	if p.ServiceAccountPolicy != nil {
		pol, err := a.policies.inline(cachedPolicyKey{kindServiceAccount, p.AccessKey}, p.ServiceAccountPolicy)
		if err != nil {
			return err
		}
		set.ServiceAccount = pol
	}
	if p.SessionPolicy != nil {
		pol, err := a.policies.inline(cachedPolicyKey{kindSession, p.AccessKey}, p.SessionPolicy)
		if err != nil {
			return err
		}
		set.Session = pol
	}
	if bucket != "" && a.opts.BucketPolicy != nil {
		bp, err := a.opts.BucketPolicy(ctx, bucket)
		if err != nil {
			// The host's error may name files or hosts: log it, tell the
			// caller only what failed (the reason is sent to the client).
			a.log.Error("s3auth: reading a bucket policy failed; denying", "requestId", RequestIDFromContext(ctx), "bucket", bucket, "err", err)
			return errors.New("the policy of bucket " + bucket + " could not be read (the server log has the details under this request id)")
		}
		set.Resource = bp
	}
	set.ResourcePrincipal = arn
	return nil
}

// policyCache keeps compiled built-in and inline policies (service
// accounts, sessions), the latter keyed by their owner's access key and
// document. Stored named policies keep their compilation on the
// directory's entry (policyEntry.compiled).
type policyCache struct {
	mu sync.RWMutex
	m  map[cachedPolicyKey]*compiled
}

// cachedPolicyKey names a cached policy: a built-in or stored policy by its name,
// an inline one by its owner's access key.
type cachedPolicyKey struct {
	kind cachedPolicyKind
	name string
}

type cachedPolicyKind uint8

const (
	kindBuiltin cachedPolicyKind = iota
	kindNamed
	kindServiceAccount
	kindSession
)

func (k cachedPolicyKind) String() string {
	switch k {
	case kindServiceAccount:
		return "service account"
	case kindSession:
		return "session"
	}
	return "named"
}

type compiled struct {
	doc []byte // a private copy of the document, to compare against
	pol *iam.Policy
	err error
}

// get returns the cached compilation of doc under key. Inline documents
// come from the caller's Principal, which may rewrite them in place: they
// are always compared.
func (c *policyCache) get(key cachedPolicyKey, doc []byte) (*compiled, bool) {
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	if e == nil || len(e.doc) != len(doc) {
		return nil, false
	}
	if len(doc) == 0 || bytes.Equal(e.doc, doc) {
		return e, true
	}
	return nil, false
}

func (c *policyCache) put(key cachedPolicyKey, doc []byte, pol *iam.Policy, err error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[cachedPolicyKey]*compiled)
	}
	if len(c.m) > 100_000 {
		clear(c.m) // inline policies of many sessions: start over
	}
	c.m[key] = &compiled{doc: bytes.Clone(doc), pol: pol, err: err}
	c.mu.Unlock()
}

// named returns the compiled policy of a name; a name that no longer exists
// contributes nothing (nil), a document that no longer validates is an
// error (fail closed).
func (c *policyCache) named(d *Directory, name string) (*iam.Policy, error) {
	if IsBuiltinPolicy(name) {
		// iam.Canned parses on every call: keep the compiled policy.
		if e, ok := c.get(cachedPolicyKey{kindBuiltin, name}, nil); ok {
			return e.pol, e.err
		}
		pol, _, ok := iam.Canned(name)
		if !ok {
			return nil, errors.New("built-in policy " + name + " is unknown to the iam package")
		}
		c.put(cachedPolicyKey{kindBuiltin, name}, nil, pol, nil)
		return pol, nil
	}
	d.mu.RLock()
	pe := d.cache.policies[name]
	d.mu.RUnlock()
	if pe == nil {
		return nil, nil
	}
	// The entry's document never changes (an update replaces the entry), so
	// its compilation is kept on the entry itself.
	if e := pe.compiled.Load(); e != nil {
		return e.pol, e.err
	}
	pol, err := iam.Parse(pe.doc)
	if err != nil {
		err = errors.New("policy " + name + " no longer validates: " + strings.TrimPrefix(err.Error(), "iam: "))
	}
	pe.compiled.Store(&compiled{pol: pol, err: err})
	return pol, err
}

func (c *policyCache) inline(key cachedPolicyKey, doc []byte) (*iam.Policy, error) {
	if e, ok := c.get(key, doc); ok {
		return e.pol, e.err
	}
	pol, err := iam.Parse(doc)
	if err != nil {
		err = errors.New("the " + key.kind.String() + " policy does not validate: " + err.Error())
	}
	c.put(key, doc, pol, err)
	return pol, err
}

// record sends a decision to the hook and the log. ic is the request
// context fillContext filled, nil when there is none.
func (a *Auth) record(ctx context.Context, p *Principal, r *http.Request, d *Decision, ic *iam.Context) {
	if a.opts.DecisionHook == nil && !a.log.Enabled(ctx, levelFor(d)) {
		return
	}
	rec := DecisionRecord{
		Time:      a.opts.Clock.Now(),
		RequestID: RequestIDFromContext(ctx),
		Kind:      p.Kind.String(),
		AccessKey: p.AccessKey,
		User:      p.User,
		Action:    d.Check.Action,
		Resource:  d.Check.Resource,
		Decision:  d.Result.String(),
		Reason:    d.Reason,
	}
	if ic != nil {
		rec.SourceIP = ic.SourceIP.String()
	} else {
		rec.SourceIP = a.sourceIP(r).String()
	}
	if d.Allowed {
		rec.Decision = "allowed"
	}
	if d.Operation != nil {
		rec.Operation = d.Operation.Name
	}
	if p.Auth != nil {
		rec.AuthType = p.Auth.Type.String()
	}
	if a.opts.DecisionHook != nil {
		a.opts.DecisionHook(ctx, rec)
	}
	a.log.Log(ctx, levelFor(d), "s3auth: decision",
		"requestId", rec.RequestID, "principal", rec.Kind, "accessKey", rec.AccessKey, "user", rec.User,
		"operation", rec.Operation, "action", rec.Action, "resource", rec.Resource,
		"decision", rec.Decision, "reason", rec.Reason, "auth", rec.AuthType, "sourceIp", rec.SourceIP)
}

func levelFor(d *Decision) slog.Level {
	if d.Allowed {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// sourceIP is iam.SourceIP of r (X-Forwarded-For counts only from a
// trusted proxy) with a fast path for the usual "a.b.c.d:port" peer.
func (a *Auth) sourceIP(r *http.Request) netip.Addr {
	if addr, ok := parseIPv4Port(r.RemoteAddr); ok && !trusted(addr, a.opts.TrustedProxies) {
		return addr // what iam.SourceIP returns for an untrusted peer
	}
	var forwardedFor []string
	if len(a.opts.TrustedProxies) > 0 { // only a trusted proxy's header counts
		forwardedFor = r.Header.Values("X-Forwarded-For")
	}
	return iam.SourceIP(r.RemoteAddr, forwardedFor, a.opts.TrustedProxies)
}

func trusted(addr netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseIPv4Port parses the canonical "a.b.c.d:port" form of an IPv4 peer
// address (no leading zeros, port at most 65535) in one pass. ok is false
// for anything else, which the caller leaves to netip; when ok, the address
// is the one netip.ParseAddrPort gives.
func parseIPv4Port(s string) (addr netip.Addr, ok bool) {
	var ip [4]byte
	n, v, digits := 0, 0, 0 // field (0-3 octets, 4 port), its value and length
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits > 0 && v == 0 { // a leading zero
				return addr, false
			}
			v = v*10 + int(c-'0')
			digits++
			if digits > 5 {
				return addr, false
			}
		case c == '.' && n < 3, c == ':' && n == 3:
			if digits == 0 || v > 255 {
				return addr, false
			}
			ip[n] = byte(v)
			n, v, digits = n+1, 0, 0
		default:
			return addr, false
		}
	}
	if n != 4 || digits == 0 || v > 65535 {
		return addr, false
	}
	return netip.AddrFrom4(ip), true
}

// firstValue is http.Header.Get for a name already in canonical form.
func firstValue(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}
