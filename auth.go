package s3auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/sts"
)

// Options configures an [Auth]. Every zero value has a documented default.
type Options struct {
	// Regions accepted in credential scopes. nil means ["us-east-1"].
	Regions []string
	// Clock is the source of time for every expiry, skew and token
	// decision. nil means the system clock.
	Clock Clock
	// Logger receives decision records and operational messages, never
	// secrets. nil means discard.
	Logger *slog.Logger
	// MaxClockSkew for header-signed requests. 0 means 15 minutes.
	MaxClockSkew time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For header is
	// believed for aws:SourceIp. nil means none: the connection's peer is
	// the source.
	TrustedProxies []netip.Prefix
	// Domains are the base domains of virtual-hosted-style requests (a Host
	// of "<bucket>.<domain>"). nil means path-style only.
	Domains []string
	// Account is the 12-digit account id used in ARNs and
	// GetCallerIdentity. "" means "000000000000".
	Account string
	// RootAccessKey and RootSecretKey, when both set, define the root
	// principal: it is allowed everything, like an AWS account's root user,
	// and manages users and policies. It cannot assume roles.
	RootAccessKey, RootSecretKey string
	// KeyRing seals and opens STS session tokens. nil means the ring kept in
	// the store under "sts/keyring" (created on first use, sealed with the
	// directory's seal keys when configured), shared by every node of the
	// store.
	KeyRing *sts.KeyRing
	// MaxSessionDuration caps DurationSeconds of AssumeRole and
	// AssumeRoleWithLDAPIdentity. 0 means 12 hours.
	MaxSessionDuration time.Duration
	// RejectUnsignedPayload refuses UNSIGNED-PAYLOAD header-signed
	// requests. false accepts them, as S3 does.
	RejectUnsignedPayload bool
	// BucketPolicy returns the bucket policy of a bucket (parsed with
	// iam.WithResourcePolicy), nil when it has none. nil means no bucket
	// policies.
	BucketPolicy func(ctx context.Context, bucket string) (*iam.Policy, error)
	// DecisionHook, when set, receives every authorization decision.
	// It is called synchronously: keep it fast.
	DecisionHook func(ctx context.Context, rec DecisionRecord)
	// LDAP enables AssumeRoleWithLDAPIdentity. nil disables it.
	LDAP LDAPAuthenticator
	// LDAPRevalidateInterval is how often an LDAP session's user is checked
	// again in the directory (still present, still matching the filter,
	// current groups). 0 means 5 minutes.
	LDAPRevalidateInterval time.Duration
	// Directory holds options for the identity directory.
	Directory []DirectoryOption
}

// Option sets a field of Options.
type Option func(*Options)

// WithOptions replaces the options wholesale; later options still apply.
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// WithRoot sets the root credentials.
func WithRoot(accessKey, secretKey string) Option {
	return func(o *Options) { o.RootAccessKey, o.RootSecretKey = accessKey, secretKey }
}

// WithAuthClock sets the clock of the facade and of its directory.
func WithAuthClock(c Clock) Option { return func(o *Options) { o.Clock = c } }

// WithAuthLogger sets the logger of the facade and of its directory.
func WithAuthLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// LDAPAuthenticator logs users in against a directory; *ldapauth.Authenticator
// implements it.
type LDAPAuthenticator interface {
	Login(ctx context.Context, username, password, sourceAddr string) (*ldapauth.Identity, error)
	Revalidate(ctx context.Context, dn, username string) (*ldapauth.Identity, error)
}

var _ LDAPAuthenticator = (*ldapauth.Authenticator)(nil)

// Auth is the facade a host calls: [Auth.Authenticate] tells who sent a
// request, [Auth.Authorize] whether they may, [Auth.Middleware] does both for
// net/http, and [Auth.STSHandler] serves STS. Identities are managed through
// [Auth.Directory]. Auth is safe for concurrent use.
type Auth struct {
	dir      *Directory
	opts     Options
	verifier *sigv4.Verifier
	log      *slog.Logger
	classify iam.ClassifyOptions

	ring        atomic.Pointer[sts.KeyRing]
	ringLoad    sync.Mutex
	ringSeen    time.Time
	ringChecked atomic.Int64 // Clock Unix ns of the last periodic ring read

	policies policyCache
	sessions sessionCache
	ldap     ldapCache
}

// New builds the facade on a store: it loads the identity directory (see
// [NewDirectory]) and the STS key ring. Close releases it.
func New(ctx context.Context, st store.Store, opts ...Option) (*Auth, error) {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Account == "" {
		o.Account = "000000000000"
	}
	if o.MaxSessionDuration <= 0 {
		o.MaxSessionDuration = sts.MaxDuration * time.Second
	}
	if o.LDAPRevalidateInterval <= 0 {
		o.LDAPRevalidateInterval = 5 * time.Minute
	}
	if (o.RootAccessKey == "") != (o.RootSecretKey == "") {
		return nil, errorf(CodeInvalidArgument, "root credentials need both an access key and a secret key")
	}
	dirOpts := append([]DirectoryOption{WithClock(o.Clock), WithLogger(o.Logger), WithPolicyValidator(validatePolicy)}, o.Directory...)
	dirOpts = append(dirOpts, withARNAccount(o.Account))
	dir, err := NewDirectory(ctx, st, dirOpts...)
	if err != nil {
		return nil, err
	}
	a := &Auth{dir: dir, opts: o, log: o.Logger}
	a.classify = iam.ClassifyOptions{Domains: o.Domains}
	a.verifier = sigv4.NewVerifier(sigv4.CredentialsLookupFunc(a.lookup), func(vo *sigv4.Options) {
		vo.Regions = o.Regions
		vo.Clock = o.Clock
		vo.MaxClockSkew = o.MaxClockSkew
		vo.RejectUnsignedPayload = o.RejectUnsignedPayload
		vo.Logger = o.Logger
	})
	a.sessions.init(4096)
	a.ldap.m = make(map[string]*ldapState)
	if o.KeyRing != nil {
		a.ring.Store(o.KeyRing)
	} else if err := a.loadRing(ctx, true); err != nil {
		dir.Close()
		return nil, err
	}
	a.ringChecked.Store(o.Clock.Now().UnixNano())
	return a, nil
}

// Directory returns the identity directory: users, policies, attachments
// and service accounts.
func (a *Auth) Directory() *Directory { return a.dir }

// Close stops the directory's watch. It does not close the store.
func (a *Auth) Close() error { return a.dir.Close() }

// validatePolicy is the directory's policy validator: the iam parser.
func validatePolicy(name string, doc []byte) error {
	if _, err := iam.Parse(doc); err != nil {
		return fmt.Errorf("policy %q: %w", name, err)
	}
	return nil
}

// PrincipalKind says what kind of identity sent a request.
type PrincipalKind uint8

// Principal kinds.
const (
	PrincipalAnonymous PrincipalKind = iota
	PrincipalRoot
	PrincipalUser
	PrincipalServiceAccount
	PrincipalSession     // STS session of a local user
	PrincipalLDAPSession // STS session of an LDAP user
)

// String names the kind as decision records spell it ("user", "session", …).
func (k PrincipalKind) String() string {
	switch k {
	case PrincipalAnonymous:
		return "anonymous"
	case PrincipalRoot:
		return "root"
	case PrincipalUser:
		return "user"
	case PrincipalServiceAccount:
		return "serviceAccount"
	case PrincipalSession:
		return "session"
	case PrincipalLDAPSession:
		return "ldapSession"
	}
	return "unknown"
}

// Principal is who sent a request, as Authenticate established it. Treat it
// as read-only.
type Principal struct {
	Kind PrincipalKind
	// AccessKey is the key the request was signed with ("" for anonymous).
	AccessKey string
	// User is the user the request acts for: the user itself, a service
	// account's or a local session's parent, an LDAP session's login name.
	User string
	// DN and Groups: the LDAP user's DN and group DNs (LDAP sessions).
	DN     string
	Groups []string
	// Policies are the names of the identity policies in force (the
	// user's, the parent's, or the LDAP DN's and groups' mappings).
	Policies []string
	// ServiceAccountPolicy is a service account's own restricting policy.
	ServiceAccountPolicy []byte
	// SessionPolicy is an STS session's policy.
	SessionPolicy []byte
	// SessionName, TokenIssued and Expires describe an STS session.
	SessionName string
	TokenIssued time.Time
	Expires     time.Time
	// Posix is the owner of objects this principal creates; service
	// accounts and sessions carry their parent's.
	Posix posix.Owner
	// Auth is what signature verification established; nil for anonymous
	// requests handled without a verifier. Its Credentials.SecretKey is
	// cleared once the signature has verified.
	Auth *sigv4.Result

	account string
	// validAfter is the user's SessionsValidAfter when the request was
	// authenticated: a change since means a revocation while in flight.
	validAfter time.Time
	// created is the user's creation time (Unix ns) when the request was
	// authenticated: a change since means the user was removed and
	// created again under the same name while the request was in flight.
	created int64
	// names, when set, is ARN() followed, for a session, by its aws:userid
	// ("<user>:<session>"), as the credential lookup found them ready-made
	// (one string keeps resolved in a smaller size class). They are used
	// only while they still match the fields they were built from.
	names string
	// scratch is room for the first authorization decision about this
	// principal, allocated with it by the credential lookup; nil for a
	// Principal built elsewhere.
	scratch *authScratch
}

// Body returns the verifying body reader of the request, or nil when the
// request has none. A host must commit an object only on a clean io.EOF.
func (p *Principal) Body() io.ReadCloser {
	if p.Auth == nil || p.Auth.Body == nil {
		return nil
	}
	return p.Auth.Body
}

// ARN returns the principal's ARN as policies and GetCallerIdentity see it:
// arn:aws:iam::<account>:user/<user> for users and service accounts,
// arn:aws:sts::<account>:assumed-role/<user>/<session> for sessions, "" for
// anonymous requests.
func (p *Principal) ARN() string {
	if arn := p.readyARN(); arn != "" {
		return arn
	}
	switch p.Kind {
	case PrincipalRoot:
		return "arn:aws:iam::" + p.account + ":root"
	case PrincipalUser, PrincipalServiceAccount:
		return userARN(p.account, p.User)
	case PrincipalSession, PrincipalLDAPSession:
		return sessionARN(p.account, p.User, p.SessionName)
	}
	return ""
}

// userARN is the ARN of a local user (and of its service accounts).
func userARN(account, user string) string {
	return "arn:aws:iam::" + account + ":user/" + user
}

// sessionARN is the ARN of an STS session of user.
func sessionARN(account, user, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + user + "/" + session
}

// sessionNames is Principal.names of a session: its ARN and aws:userid.
func sessionNames(account, user, session string) string {
	return sessionARN(account, user, session) + user + ":" + session
}

// readyARN returns the ARN in p.names when it is still what ARN computes
// from p's fields (a host might have changed a field of its copy), "" if
// not.
func (p *Principal) readyARN() string {
	switch p.Kind {
	case PrincipalUser, PrincipalServiceAccount:
		if isUserARN(p.names, p.account, p.User) {
			return p.names
		}
	case PrincipalSession, PrincipalLDAPSession:
		if k := len(p.names) - len(p.User) - 1 - len(p.SessionName); k > 0 && isSessionARN(p.names[:k], p.account, p.User, p.SessionName) {
			return p.names[:k]
		}
	}
	return ""
}

// sessionUserID is aws:userid of a session: "<user>:<session name>".
func (p *Principal) sessionUserID() string {
	if k := len(p.names) - len(p.User) - 1 - len(p.SessionName); k > 0 && isUserID(p.names[k:], p.User, p.SessionName) {
		return p.names[k:]
	}
	return p.User + ":" + p.SessionName
}

// isUserARN reports whether s is userARN(account, user).
func isUserARN(s, account, user string) bool {
	const head, mid = "arn:aws:iam::", ":user/"
	if len(s) != len(head)+len(account)+len(mid)+len(user) {
		return false
	}
	i := len(head) + len(account)
	return s[:len(head)] == head && s[len(head):i] == account && s[i:i+len(mid)] == mid && s[i+len(mid):] == user
}

// isSessionARN reports whether s is sessionARN(account, user, session).
func isSessionARN(s, account, user, session string) bool {
	const head, mid = "arn:aws:sts::", ":assumed-role/"
	if len(s) != len(head)+len(account)+len(mid)+len(user)+1+len(session) {
		return false
	}
	i := len(head) + len(account)
	j := i + len(mid) + len(user)
	return s[:len(head)] == head && s[len(head):i] == account && s[i:i+len(mid)] == mid && s[i+len(mid):j] == user && s[j] == '/' && s[j+1:] == session
}

// isUserID reports whether s is user + ":" + session.
func isUserID(s, user, session string) bool {
	return len(s) == len(user)+1+len(session) && s[:len(user)] == user && s[len(user)] == ':' && s[len(user)+1:] == session
}

// resolved is what the credential lookup hands back through sigv4.
type resolved struct {
	p Principal
	// refusal is the error to return once the signature verified (a
	// disabled identity: no oracle for unauthenticated callers).
	refusal *sigv4.Error
	// scratch is p.scratch: allocating it here saves the authorization
	// its own allocation.
	scratch authScratch
}

// newResolved returns a resolved value whose Principal owns its scratch.
func newResolved() *resolved {
	res := new(resolved)
	res.p.scratch = &res.scratch
	return res
}

// lookup resolves an access key (and session token) to a secret for sigv4.
func (a *Auth) lookup(ctx context.Context, accessKey, token string) (sigv4.Credentials, error) {
	if token == "" && a.opts.RootAccessKey != "" && subtle.ConstantTimeCompare([]byte(accessKey), []byte(a.opts.RootAccessKey)) == 1 {
		return sigv4.Credentials{SecretKey: a.opts.RootSecretKey, Value: &resolved{p: Principal{Kind: PrincipalRoot, AccessKey: accessKey, User: "root", account: a.opts.Account}}}, nil
	}
	// A cache that has lost its store for too long may miss revocations:
	// fail closed (ServiceUnavailable, never a wrong allow).
	if err := a.dir.Healthy(); err != nil {
		return sigv4.Credentials{}, sigv4Error(sigv4.ErrCodeServiceUnavailable, "The identity store cannot be reached; retry later.")
	}
	if token != "" {
		return a.lookupSession(ctx, accessKey, token)
	}
	c, x, ok := a.dir.lookupCredential(accessKey)
	if !ok {
		return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
	}
	res := newResolved()
	p := &res.p
	p.AccessKey, p.Policies, p.Posix, p.account, p.names = accessKey, c.Policies, c.Posix, a.opts.Account, x.arn
	switch c.Kind {
	case CredentialServiceAccount:
		res.p.Kind = PrincipalServiceAccount
		res.p.User = c.Parent
		res.p.ServiceAccountPolicy = c.OwnPolicy
	default:
		res.p.Kind = PrincipalUser
		res.p.User = accessKey
		res.p.validAfter, res.p.created = c.SessionsValidAfter, x.created
	}
	if !c.Enabled {
		res.refusal = sigv4Error(sigv4.ErrCodeAccessDenied, "The access key is disabled (or its parent user is); ask an administrator to enable it.")
	}
	return sigv4.Credentials{SecretKey: c.SecretKey, Value: res}, nil
}

func sigv4Error(code, msg string) *sigv4.Error {
	return &sigv4.Error{Code: code, Message: msg, StatusCode: sigv4.StatusCode(code)}
}

// Authenticate verifies r's signature and returns who sent it. On success
// for a request with a body, r.Body is the verifying reader (also
// Principal.Body): the host must read it to a clean io.EOF before it
// commits anything. An anonymous request returns a Principal of kind
// Anonymous; Authorize then consults only bucket policies. Errors are
// *sigv4.Error values carrying the S3 code and HTTP status.
func (a *Auth) Authenticate(r *http.Request) (*Principal, error) {
	return a.authenticate(r, "s3")
}

func (a *Auth) authenticate(r *http.Request, service string) (*Principal, error) {
	res, err := a.verifier.VerifyService(r, service)
	if err != nil {
		return nil, err
	}
	if res.Type == sigv4.AuthAnonymous {
		return &Principal{Kind: PrincipalAnonymous, Auth: res, account: a.opts.Account}, nil
	}
	// The secret was needed only to verify the signature (the body reader
	// holds its own signing key): a host must not be able to log it.
	res.Credentials.SecretKey = ""
	rv, ok := res.Credentials.Value.(*resolved)
	if !ok {
		return nil, sigv4Error(sigv4.ErrCodeInternalError, "credential lookup returned no identity")
	}
	if rv.refusal != nil {
		return nil, rv.refusal
	}
	// Every lookup makes a fresh resolved value, so its Principal is the
	// request's own.
	p := &rv.p
	p.Auth = res
	return p, nil
}
