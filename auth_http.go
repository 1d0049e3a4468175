package s3auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/sts"
)

type principalKey struct{}

type authResult struct {
	p *Principal
	d *Decision
}

// NewContext returns ctx carrying the principal and decision of a request.
func NewContext(ctx context.Context, p *Principal, d *Decision) context.Context {
	return context.WithValue(ctx, principalKey{}, authResult{p, d})
}

// FromContext returns what Middleware established for the request.
func FromContext(ctx context.Context) (*Principal, *Decision, bool) {
	v, ok := ctx.Value(principalKey{}).(authResult)
	return v.p, v.d, ok
}

// NewRequestID returns a random request id (16 hex characters, upper case,
// as S3 spells them).
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// Middleware authenticates and authorizes every request before next sees
// it, answering failures with S3 XML errors. next finds the principal and
// decision with FromContext and reads the body only through r.Body (the
// verifying reader). STS requests (POST / with an Action form field) must be
// routed to STSHandler before this middleware.
//
// Operations that name their objects in the body (DeleteObjects, POST
// uploads: Decision.Operation.PerKey is not empty) are only admitted here:
// next must authorize every key with [Auth.AuthorizeChecks] before acting
// on it, or any admitted caller could delete or write any key.
func (a *Auth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := NewRequestID()
		w.Header().Set("x-amz-request-id", reqID)
		ctx := ContextWithRequestID(r.Context(), reqID)
		r = r.WithContext(ctx)
		p, err := a.Authenticate(r)
		if err != nil {
			sigv4.WriteError(w, err, r.URL.Path, reqID)
			return
		}
		d := a.Authorize(ctx, p, r)
		if !d.Allowed {
			sigv4.WriteError(w, d.S3Error(), r.URL.Path, reqID)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(ctx, p, d)))
	})
}

// IsSTSRequest reports whether r looks like an STS call (POST / with a form
// body, or an Action query parameter at /), so a server can route it to
// STSHandler on the same address as S3.
func IsSTSRequest(r *http.Request) bool {
	if r.URL.Path != "/" && r.URL.Path != "" {
		return false
	}
	if r.URL.Query().Get("Action") != "" {
		return true
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// STSHandler serves AssumeRole, AssumeRoleWithLDAPIdentity and
// GetCallerIdentity (Query API in, XML out).
func (a *Auth) STSHandler() http.Handler {
	return http.HandlerFunc(a.serveSTS)
}

func (a *Auth) serveSTS(w http.ResponseWriter, r *http.Request) {
	reqID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	ctx := ContextWithRequestID(r.Context(), reqID)
	r = r.WithContext(ctx)
	var p *Principal
	if hasSignature(r) {
		var err error
		if p, err = a.authenticate(r, "sts"); err != nil {
			sts.WriteError(w, stsErrorFromSigV4(err), reqID)
			return
		}
	}
	action, form, err := sts.ParseForm(r)
	if err != nil {
		var e *sigv4.Error
		if errors.As(err, &e) {
			err = stsErrorFromSigV4(err)
		}
		sts.WriteError(w, err, reqID)
		return
	}
	switch action {
	case sts.ActionAssumeRoleWithLDAPIdentity:
		out, err := a.assumeRoleWithLDAP(ctx, r, form)
		if err != nil {
			sts.WriteError(w, a.stsFailure(err, reqID), reqID)
			return
		}
		sts.WriteLDAPIdentity(w, out, reqID)
		return
	}
	if p == nil || p.Kind == PrincipalAnonymous {
		sts.WriteError(w, sts.Errorf(sts.CodeMissingAuthToken, "%s must be signed with SigV4 (service sts)", action), reqID)
		return
	}
	switch action {
	case sts.ActionGetCallerIdentity:
		sts.WriteCallerIdentity(w, a.callerIdentity(p), reqID)
	case sts.ActionAssumeRole:
		in, err := sts.ParseAssumeRole(form, int(a.opts.MaxSessionDuration/time.Second))
		if err != nil {
			sts.WriteError(w, err, reqID)
			return
		}
		out, err := a.assumeRole(ctx, p, in, r)
		if err != nil {
			sts.WriteError(w, a.stsFailure(err, reqID), reqID)
			return
		}
		sts.WriteAssumeRole(w, out, reqID)
	}
}

func (a *Auth) stsFailure(err error, reqID string) error {
	var e *sts.Error
	if errors.As(err, &e) {
		return e
	}
	a.log.Error("s3auth: STS request failed", "requestId", reqID, "err", err)
	return err
}

func hasSignature(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Signature") != ""
}

// stsErrorFromSigV4 maps a signature failure to STS's codes.
func stsErrorFromSigV4(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	var out *sts.Error
	switch e.Code {
	case sigv4.ErrCodeInvalidAccessKeyID:
		out = sts.Errorf(sts.CodeInvalidClientTokenID, "%s", e.Message)
	case sigv4.ErrCodeInvalidToken:
		// STS's word for a session token that does not open.
		out = sts.Errorf(sts.CodeInvalidClientTokenID, "%s", e.Message)
	case sigv4.ErrCodeRequestTimeTooSkewed:
		out = sts.Errorf(sts.CodeRequestExpired, "%s", e.Message)
	case sigv4.ErrCodeAuthorizationHeaderMalformed:
		out = sts.Errorf(sts.CodeIncompleteSignature, "%s", e.Message)
	default:
		out = sts.Errorf(e.Code, "%s", e.Message)
		out.StatusCode = e.StatusCode
		out.Sender = e.StatusCode < 500
	}
	return out
}

func (a *Auth) callerIdentity(p *Principal) *sts.CallerIdentity {
	id := &sts.CallerIdentity{Account: a.opts.Account, ARN: p.ARN(), UserID: p.AccessKey}
	switch p.Kind {
	case PrincipalSession, PrincipalLDAPSession:
		id.UserID = p.AccessKey + ":" + p.SessionName
	case PrincipalRoot:
		id.UserID = a.opts.Account // as AWS answers for an account's root
	}
	return id
}

// sessionPolicy validates a session policy with the iam size rule.
func sessionPolicy(doc []byte) (*iam.Policy, int, error) {
	if doc == nil {
		return nil, 0, nil
	}
	pol, err := iam.Parse(doc)
	if err != nil {
		var se *iam.SizeError
		if errors.As(err, &se) {
			return nil, 0, sts.Errorf(sts.CodePackedPolicyTooLarge, "the session policy is %d%% of the allowed size (%d of %d bytes without whitespace); make it smaller", se.Size*100/se.Limit, se.Size, se.Limit)
		}
		return nil, 0, sts.Errorf(sts.CodeMalformedPolicyDocument, "the session policy is invalid: %s", strings.TrimPrefix(err.Error(), "iam: "))
	}
	return pol, pol.Size() * 100 / iam.DefaultMaxSize, nil
}

// AssumeRole issues temporary credentials to p, a local user with at least
// one attached policy. The session's permissions are the user's current
// policies, narrowed by in.Policy when given. Service accounts, sessions
// and root cannot assume roles; an explicit Deny of sts:AssumeRole in the
// user's policies is honoured; without the HTTP request, its conditions see
// no source address, user agent or TLS state (STSHandler supplies them).
func (a *Auth) AssumeRole(ctx context.Context, p *Principal, in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	return a.assumeRole(ctx, p, in, nil)
}

// assumeRole is AssumeRole; r, when not nil, supplies the request's
// condition keys (aws:SourceIp, aws:SecureTransport, ...) to the check of
// sts:AssumeRole, as S3 requests have them.
func (a *Auth) assumeRole(ctx context.Context, p *Principal, in *sts.AssumeRoleInput, r *http.Request) (*sts.AssumeRoleOutput, error) {
	switch p.Kind {
	case PrincipalUser:
	case PrincipalServiceAccount:
		return nil, sts.Errorf(sts.CodeAccessDenied, "service accounts cannot call AssumeRole; use the parent user's credentials")
	case PrincipalSession, PrincipalLDAPSession:
		return nil, sts.Errorf(sts.CodeAccessDenied, "temporary credentials cannot call AssumeRole (no role chaining)")
	case PrincipalRoot:
		return nil, sts.Errorf(sts.CodeAccessDenied, "the root credentials cannot call AssumeRole; sign with the credentials of a user that has an attached policy")
	default:
		return nil, sts.Errorf(sts.CodeAccessDenied, "only users with an attached policy can call AssumeRole")
	}
	if len(p.Policies) == 0 {
		return nil, sts.Errorf(sts.CodeAccessDenied, "user %s has no attached policy, so a session would have no permissions; attach a policy first", p.User)
	}
	resource := in.RoleARN
	if resource == "" {
		resource = "*"
	}
	ic := new(iam.Context)
	if r != nil {
		a.fillContext(ic, p, r)
	} else {
		ic.CurrentTime = a.opts.Clock.Now()
		ic.PrincipalAccount = a.opts.Account
		ic.Username, ic.UserID, ic.PrincipalType, ic.PrincipalARN = p.User, p.User, "User", p.ARN()
	}
	var set iam.PolicySet
	if err := a.policySet(ctx, p, "", &set, nil, ic.PrincipalARN); err != nil {
		return nil, sts.Errorf(sts.CodeAccessDenied, "the user's policies cannot be evaluated: %v", err)
	}
	if iam.Evaluate(&iam.Request{Action: "sts:AssumeRole", Resource: resource, Context: ic}, &set) == iam.ExplicitDeny {
		return nil, sts.Errorf(sts.CodeAccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s with an explicit deny", p.ARN(), resource)
	}
	_, pct, err := sessionPolicy(in.Policy)
	if err != nil {
		return nil, err
	}
	name := in.RoleSessionName
	if name == "" {
		name = "session-" + strings.ToLower(NewRequestID()[:8])
	}
	s := &sts.Session{Parent: p.User, ParentKind: sts.ParentUser, SessionName: name, RoleARN: in.RoleARN, Policy: compactPolicy(in.Policy)}
	creds, err := a.mintSession(s, in.Duration)
	if err != nil {
		return nil, err
	}
	// The session's IssuedAt is now fixed: a revocation from here on
	// invalidates it. One that landed after the caller was authenticated
	// must refuse it (p.Auth is nil for a principal the host built itself),
	// and so must a removal followed by a new user of the same name, whose
	// own the session would otherwise be.
	if p.Auth != nil {
		c, x, ok := a.dir.lookupCredential(p.User)
		if !ok || c.Kind != CredentialUser || !c.Enabled || !c.SessionsValidAfter.Equal(p.validAfter) || x.created != p.created {
			return nil, sts.Errorf(sts.CodeAccessDenied, "user %s was disabled, removed or had its sessions revoked while this request was being served", p.User)
		}
	}
	return &sts.AssumeRoleOutput{
		Credentials:      creds,
		AssumedRoleID:    p.User + ":" + name,
		ARN:              "arn:aws:sts::" + a.opts.Account + ":assumed-role/" + p.User + "/" + name,
		PackedPolicySize: pct,
	}, nil
}

func compactPolicy(doc []byte) []byte {
	if doc == nil {
		return nil
	}
	pol, err := iam.Parse(doc)
	if err != nil {
		return doc
	}
	if b, err := pol.MarshalJSON(); err == nil {
		return b
	}
	return doc
}

// assumeRoleWithLDAP logs an LDAP user in and issues temporary credentials
// whose policies come from the mappings of the user's DN and groups.
func (a *Auth) assumeRoleWithLDAP(ctx context.Context, r *http.Request, form map[string][]string) (*sts.AssumeRoleOutput, error) {
	if a.opts.LDAP == nil {
		return nil, sts.Errorf(sts.CodeInvalidAction, "AssumeRoleWithLDAPIdentity is not enabled on this server (no LDAP configuration)")
	}
	in, err := sts.ParseLDAPIdentity(form, int(a.opts.MaxSessionDuration/time.Second))
	if err != nil {
		return nil, err
	}
	if _, _, err := sessionPolicy(in.Policy); err != nil {
		return nil, err
	}
	src := iam.SourceIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), a.opts.TrustedProxies)
	id, err := a.opts.LDAP.Login(ctx, in.Username, in.Password, src.String())
	if err != nil {
		var tm *ldapauth.TooManyFailuresError
		switch {
		case errors.As(err, &tm):
			return nil, sts.Errorf(sts.CodeAccessDenied, "%s", tm.Error())
		case errors.Is(err, ldapauth.ErrUnavailable):
			return nil, sts.Errorf(sts.CodeServiceUnavailable, "the LDAP directory cannot be reached; retry later")
		default:
			return nil, sts.Errorf(sts.CodeAccessDenied, "LDAP login failed: invalid username or password")
		}
	}
	st := a.rememberLDAP(id, a.opts.Clock.Now())
	if len(st.policies) == 0 {
		return nil, sts.Errorf(sts.CodeAccessDenied, "no policy is mapped to the LDAP user %s or its groups; an administrator must attach one (s3admin policy attach NAME --ldap-dn DN)", id.DN)
	}
	s := &sts.Session{Parent: id.DN, ParentKind: sts.ParentLDAP, SessionName: id.Username, LDAPUsername: id.Username,
		Groups: id.Groups, Policy: compactPolicy(in.Policy)}
	if o := st.posix; o.Set {
		s.UID, s.GID, s.HasPosix = uint32(o.UID), uint32(o.GID), true
	}
	creds, err := a.mintSession(s, in.Duration)
	if err != nil {
		return nil, err
	}
	return &sts.AssumeRoleOutput{Credentials: creds}, nil
}
