package ldapauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// Defaults used when a [Config] field is zero.
const (
	DefaultDialTimeout        = 5 * time.Second
	DefaultRequestTimeout     = 10 * time.Second
	DefaultPoolSize           = 8
	DefaultMaxFailuresPerUser = 5
	DefaultMaxFailuresPerAddr = 20
	DefaultFailureWindow      = 15 * time.Minute
	DefaultLockout            = 15 * time.Minute
	DefaultMaxUsernameLength  = 256
	DefaultUIDAttribute       = "uidNumber"
	DefaultGIDAttribute       = "gidNumber"
)

// maxPasswordLength bounds what is sent to the directory.
const maxPasswordLength = 4096

// Clock tells the time; the root package's s3auth.Clock satisfies it.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to [Clock].
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Config configures an [Authenticator]. It is plain data; [New] copies what
// it needs, so changing a Config afterwards has no effect.
type Config struct {
	// URLs are the directory servers, ldap://host[:port] or
	// ldaps://host[:port], tried in order on every new connection.
	// Required.
	URLs []string

	// StartTLS upgrades ldap:// connections with the StartTLS extended
	// operation before anything else is sent (ldaps:// URLs are TLS
	// already). A server that refuses StartTLS is treated as unreachable.
	StartTLS bool

	// TLSConfig is the TLS client configuration for ldaps:// and StartTLS.
	// Nil means a configuration with RootCAs and MinVersion TLS 1.2. It is
	// cloned; an empty ServerName is set to each URL's host.
	TLSConfig *tls.Config

	// RootCAs verifies the server certificates. Nil means the system
	// pool (or TLSConfig.RootCAs when that is set).
	RootCAs *x509.CertPool

	// InsecureSkipVerify turns off certificate verification. Never use it
	// in production: anyone on the path can read every password. New logs
	// a warning when it is set.
	InsecureSkipVerify bool

	// BindDN and BindPassword are the lookup account used to search users
	// and groups. An empty BindDN searches anonymously. A BindDN with an
	// empty BindPassword is rejected (that is an unauthenticated bind,
	// which "succeeds" without checking anything).
	BindDN, BindPassword string

	// UserBaseDN is where users are searched (whole subtree). Required.
	UserBaseDN string

	// UserFilter finds the user; %s is the username escaped per RFC 4515,
	// %% a literal percent sign. Required, e.g.
	// (&(objectClass=posixAccount)(uid=%s)).
	UserFilter string

	// GroupBaseDN is where groups are searched. Empty means UserBaseDN.
	GroupBaseDN string

	// GroupFilter finds the user's groups; %d is the user's DN and %s the
	// username, both escaped. Empty means no group search. Example:
	// (&(objectClass=groupOfNames)(member=%d)).
	GroupFilter string

	// GroupAttribute, when set, is an attribute of the user entry whose
	// values are group DNs (Active Directory's memberOf); they are added
	// to the groups found by GroupFilter. Empty means none.
	GroupAttribute string

	// UIDAttribute and GIDAttribute hold the POSIX ids of the user entry.
	// Empty means "uidNumber" and "gidNumber".
	UIDAttribute, GIDAttribute string

	// DefaultUID and DefaultGID are used when the entry lacks the
	// attribute or its value is not a decimal uint32. Nil means no id.
	DefaultUID, DefaultGID *uint32

	// DialTimeout bounds connecting (and the TLS handshake) to one URL.
	// Zero means 5 s.
	DialTimeout time.Duration

	// RequestTimeout bounds each LDAP request (bind, search, StartTLS);
	// the context's deadline applies too when it is earlier. Zero means
	// 10 s.
	RequestTimeout time.Duration

	// PoolSize is the number of lookup connections (bound as BindDN) kept
	// and the most used at once; logins beyond it wait. Zero means 8; a
	// negative value disables pooling (a fresh connection per lookup).
	PoolSize int

	// MaxFailuresPerUser failed logins of one username within
	// FailureWindow lock that username out for Lockout. Zero means 5;
	// negative disables the limit.
	MaxFailuresPerUser int

	// MaxFailuresPerAddr is the same per source address (IPv4 host or IPv6
	// /64). Zero means 20; negative disables the limit.
	MaxFailuresPerAddr int

	// FailureWindow is how long failures are counted. Zero means 15 min.
	FailureWindow time.Duration

	// Lockout is how long a limited username or address is refused. Zero
	// means 15 min.
	Lockout time.Duration

	// MaxUsernameLength rejects longer usernames (in bytes) before any
	// network traffic. Zero means 256.
	MaxUsernameLength int

	// Clock drives the rate limits. Nil means the system clock.
	Clock Clock

	// Logger receives the reason of every failure (never a password). Nil
	// means discard.
	Logger *slog.Logger
}

// Identity is a directory user after a successful [Authenticator.Login] or
// [Authenticator.Revalidate]. It is a fresh value the caller owns.
type Identity struct {
	// Username is the name the user logged in with.
	Username string
	// DN is the user entry's distinguished name, as the directory spells it.
	DN string
	// Groups are the DNs of the user's groups, sorted, without duplicates.
	Groups []string
	// UID and GID are the POSIX ids (from the attributes or the
	// defaults); nil when neither gives one.
	UID, GID *uint32
}

// Authenticator logs users in against an LDAP directory. It is safe for
// concurrent use. Call Close when done.
type Authenticator struct {
	cfg        Config
	urls       []*url.URL
	tls        *tls.Config
	attrs      []string // attributes read from the user entry
	timeLimit  int      // server-side search time limit, seconds
	log        *slog.Logger
	clock      Clock
	userLimit  *limiter
	addrLimit  *limiter
	equalizeDN string

	slots chan struct{}   // nil: no pool
	idle  chan *ldap.Conn // nil: no pool

	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

// New validates cfg and returns an Authenticator. It opens no connection:
// the directory may be down at start-up.
func New(cfg Config) (*Authenticator, error) {
	a := &Authenticator{cfg: cfg, done: make(chan struct{})}
	if err := a.init(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Authenticator) init() error {
	c := &a.cfg
	c.URLs = slices.Clone(c.URLs)
	a.log = c.Logger
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a.clock = c.Clock
	if a.clock == nil {
		a.clock = systemClock{}
	}
	if len(c.URLs) == 0 {
		return errors.New("ldapauth: URLs is empty; give at least one ldap:// or ldaps:// URL")
	}
	for _, s := range c.URLs {
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("ldapauth: URL %q does not parse: %v", s, err)
		}
		if u.Scheme != "ldap" && u.Scheme != "ldaps" {
			return fmt.Errorf("ldapauth: URL %q has scheme %q; use ldap:// or ldaps://", s, u.Scheme)
		}
		if u.Hostname() == "" {
			return fmt.Errorf("ldapauth: URL %q has no host; write ldap://host:389 or ldaps://host:636", s)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("ldapauth: URL %q has an invalid port", s)
			}
		}
		if u.User != nil {
			return fmt.Errorf("ldapauth: URL %q carries credentials; set BindDN and BindPassword instead", u.Redacted())
		}
		a.urls = append(a.urls, u)
	}
	for field, dn := range map[string]string{"UserBaseDN": c.UserBaseDN, "GroupBaseDN": c.GroupBaseDN, "BindDN": c.BindDN} {
		if dn == "" {
			continue
		}
		if _, err := ldap.ParseDN(dn); err != nil {
			return fmt.Errorf("ldapauth: %s %q is not a valid DN (RFC 4514): %v", field, dn, err)
		}
	}
	if c.UserBaseDN == "" {
		return errors.New("ldapauth: UserBaseDN is empty; set the subtree that holds the users, e.g. ou=people,dc=example,dc=org")
	}
	if c.BindDN != "" && c.BindPassword == "" {
		return errors.New("ldapauth: BindPassword is empty but BindDN is set; an empty password is an unauthenticated bind that checks nothing (leave BindDN empty for anonymous lookups)")
	}
	if err := checkTemplate("UserFilter", c.UserFilter, false); err != nil {
		return err
	}
	if c.GroupFilter != "" {
		if err := checkTemplate("GroupFilter", c.GroupFilter, true); err != nil {
			return err
		}
	}
	if c.GroupBaseDN == "" {
		c.GroupBaseDN = c.UserBaseDN
	}
	for name, d := range map[string]time.Duration{"DialTimeout": c.DialTimeout, "RequestTimeout": c.RequestTimeout, "FailureWindow": c.FailureWindow, "Lockout": c.Lockout} {
		if d < 0 {
			return fmt.Errorf("ldapauth: %s is negative (%v); use 0 for the default", name, d)
		}
	}
	if c.MaxUsernameLength < 0 {
		return fmt.Errorf("ldapauth: MaxUsernameLength is negative (%d); use 0 for the default", c.MaxUsernameLength)
	}
	setDefault(&c.DialTimeout, DefaultDialTimeout)
	setDefault(&c.RequestTimeout, DefaultRequestTimeout)
	setDefault(&c.FailureWindow, DefaultFailureWindow)
	setDefault(&c.Lockout, DefaultLockout)
	setDefault(&c.PoolSize, DefaultPoolSize)
	setDefault(&c.MaxFailuresPerUser, DefaultMaxFailuresPerUser)
	setDefault(&c.MaxFailuresPerAddr, DefaultMaxFailuresPerAddr)
	setDefault(&c.MaxUsernameLength, DefaultMaxUsernameLength)
	setDefault(&c.UIDAttribute, DefaultUIDAttribute)
	setDefault(&c.GIDAttribute, DefaultGIDAttribute)
	for _, attr := range []string{c.UIDAttribute, c.GIDAttribute, c.GroupAttribute} {
		if strings.ContainsAny(attr, " \x00()=*") {
			return fmt.Errorf("ldapauth: attribute name %q is not valid; give a name such as uidNumber", attr)
		}
	}
	a.attrs = []string{c.UIDAttribute, c.GIDAttribute}
	if c.GroupAttribute != "" {
		a.attrs = append(a.attrs, c.GroupAttribute)
	}
	a.timeLimit = int(math.Ceil(c.RequestTimeout.Seconds()))

	if c.TLSConfig != nil {
		a.tls = c.TLSConfig.Clone()
	} else {
		a.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.RootCAs != nil {
		a.tls.RootCAs = c.RootCAs
	}
	if c.InsecureSkipVerify {
		a.tls.InsecureSkipVerify = true
	}
	if a.tls.InsecureSkipVerify {
		a.log.Warn("ldapauth: TLS certificate verification is OFF (InsecureSkipVerify); anyone on the network path can read passwords — set RootCAs instead")
	}
	if !c.StartTLS {
		for _, u := range a.urls {
			if u.Scheme == "ldap" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1" {
				a.log.Warn("ldapauth: passwords go to the directory unencrypted; use ldaps:// or StartTLS", "url", u.String())
			}
		}
	}

	a.userLimit = newLimiter(c.MaxFailuresPerUser, c.FailureWindow, c.Lockout)
	a.addrLimit = newLimiter(c.MaxFailuresPerAddr, c.FailureWindow, c.Lockout)
	a.equalizeDN = "cn=s3auth-no-such-user-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "," + c.UserBaseDN
	if c.PoolSize > 0 {
		a.slots = make(chan struct{}, c.PoolSize)
		a.idle = make(chan *ldap.Conn, c.PoolSize)
	}
	return nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Close closes the pooled connections. Logins in flight finish; later calls
// return [ErrClosed].
func (a *Authenticator) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	close(a.done)
	if a.idle != nil {
		for {
			select {
			case c := <-a.idle:
				c.Close()
				continue
			default:
			}
			break
		}
	}
	return nil
}

func (a *Authenticator) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// Login checks username and password against the directory and returns the
// user's identity. sourceAddr (host or host:port) is the client's address,
// used for rate limiting; empty means no per-address limit.
//
// Every client-side failure is [ErrInvalidCredentials] (details are logged);
// a rate-limited login is a [*TooManyFailuresError]; a directory problem is
// [ErrUnavailable]. Empty usernames and passwords, NUL and control
// characters, and over-long usernames are refused before any network
// traffic. The context's deadline and cancellation bound every step.
func (a *Authenticator) Login(ctx context.Context, username, password, sourceAddr string) (*Identity, error) {
	if a.isClosed() {
		return nil, ErrClosed
	}
	now := a.clock.Now()
	ukey, akey := userKey(username), addrKey(sourceAddr)
	if wait := max(a.userLimit.check(ukey, now), a.addrLimit.check(akey, now)); wait > 0 {
		a.log.Warn("ldapauth: login refused: too many failed logins", "username", username, "addr", sourceAddr, "retryAfter", wait)
		return nil, &TooManyFailuresError{RetryAfter: wait}
	}
	if reason := a.checkUsername(username); reason != "" {
		return nil, a.failed(username, sourceAddr, reason)
	}
	if password == "" {
		return nil, a.failed(username, sourceAddr, "empty password")
	}
	if len(password) > maxPasswordLength {
		return nil, a.failed(username, sourceAddr, "password longer than "+strconv.Itoa(maxPasswordLength)+" bytes")
	}
	entry, reason, err := a.findUser(ctx, username)
	if err != nil {
		a.log.Error("ldapauth: login failed: directory unavailable", "username", username, "addr", sourceAddr, "err", err)
		return nil, err
	}
	if entry == nil {
		a.equalize(ctx, password)
		return nil, a.failed(username, sourceAddr, reason)
	}
	if err := a.userBind(ctx, entry.DN, password); err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			return nil, a.failed(username, sourceAddr, "bind as "+entry.DN+" refused: "+err.Error())
		}
		a.log.Error("ldapauth: login failed: directory unavailable", "username", username, "addr", sourceAddr, "err", err)
		return nil, err
	}
	id, err := a.identity(ctx, username, entry)
	if err != nil {
		a.log.Error("ldapauth: login failed: group search", "username", username, "addr", sourceAddr, "err", err)
		return nil, err
	}
	a.userLimit.reset(ukey)
	a.log.Info("ldapauth: login", "username", username, "dn", id.DN, "addr", sourceAddr, "groups", len(id.Groups))
	return id, nil
}

// Revalidate checks, with the lookup account only, that the user dn still
// exists and still matches the user filter for username, and returns the
// current groups and POSIX ids. It returns [ErrUserGone] when the session
// must end and [ErrUnavailable] when the directory cannot say (callers fail
// closed). Sessions call it periodically (every 5 minutes by default in the
// session layer).
func (a *Authenticator) Revalidate(ctx context.Context, dn, username string) (*Identity, error) {
	if a.isClosed() {
		return nil, ErrClosed
	}
	if reason := a.checkUsername(username); reason != "" || dn == "" {
		a.log.Warn("ldapauth: revalidation refused", "username", username, "dn", dn, "reason", reason)
		return nil, ErrUserGone
	}
	entry, reason, err := a.findUser(ctx, username)
	if err != nil {
		a.log.Error("ldapauth: revalidation failed: directory unavailable", "username", username, "dn", dn, "err", err)
		return nil, err
	}
	if entry == nil || !sameDN(entry.DN, dn) {
		if entry != nil {
			reason = "the username now resolves to " + entry.DN
		}
		a.log.Info("ldapauth: revalidation: user gone", "username", username, "dn", dn, "reason", reason)
		return nil, ErrUserGone
	}
	id, err := a.identity(ctx, username, entry)
	if err != nil {
		a.log.Error("ldapauth: revalidation failed: group search", "username", username, "dn", dn, "err", err)
		return nil, err
	}
	return id, nil
}

func sameDN(x, y string) bool {
	dx, errx := ldap.ParseDN(x)
	dy, erry := ldap.ParseDN(y)
	if errx != nil || erry != nil {
		return strings.EqualFold(x, y)
	}
	return dx.EqualFold(dy)
}

// failed records a failed login, logs why and returns the uniform error.
func (a *Authenticator) failed(username, sourceAddr, reason string) error {
	now := a.clock.Now()
	a.userLimit.fail(userKey(username), now)
	a.addrLimit.fail(addrKey(sourceAddr), now)
	a.log.Warn("ldapauth: login failed", "username", username, "addr", sourceAddr, "reason", reason)
	return ErrInvalidCredentials
}

// checkUsername returns why username is refused before any traffic, or "".
func (a *Authenticator) checkUsername(username string) string {
	switch {
	case username == "":
		return "empty username"
	case len(username) > a.cfg.MaxUsernameLength:
		return "username longer than " + strconv.Itoa(a.cfg.MaxUsernameLength) + " bytes"
	case !utf8.ValidString(username):
		return "username is not valid UTF-8"
	case strings.TrimSpace(username) != username:
		return "username has leading or trailing white space"
	}
	for _, r := range username {
		if r == 0 {
			return "username contains NUL"
		}
		if unicode.IsControl(r) {
			return "username contains a control character"
		}
	}
	return ""
}

// findUser searches the user; a nil entry comes with the reason.
func (a *Authenticator) findUser(ctx context.Context, username string) (*ldap.Entry, string, error) {
	req := ldap.NewSearchRequest(a.cfg.UserBaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, a.timeLimit, false, expand(a.cfg.UserFilter, username, ""), a.attrs, nil)
	var res *ldap.SearchResult
	err := a.withLookup(ctx, func(c *ldap.Conn) error {
		r, err := c.Search(req)
		res = r
		if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			return nil // two entries: ambiguous, handled below
		}
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return unavailable("UserBaseDN "+a.cfg.UserBaseDN+" does not exist", err)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	switch n := len(res.Entries); n {
	case 0:
		return nil, "no such user", nil
	case 1:
		return res.Entries[0], "", nil
	default:
		return nil, "ambiguous: the user filter matches more than one entry", nil
	}
}

// identity reads POSIX ids and searches groups for entry.
func (a *Authenticator) identity(ctx context.Context, username string, entry *ldap.Entry) (*Identity, error) {
	id := &Identity{Username: username, DN: entry.DN}
	id.UID = a.posixID(entry, a.cfg.UIDAttribute, a.cfg.DefaultUID)
	id.GID = a.posixID(entry, a.cfg.GIDAttribute, a.cfg.DefaultGID)
	if a.cfg.GroupAttribute != "" {
		id.Groups = append(id.Groups, entry.GetAttributeValues(a.cfg.GroupAttribute)...)
	}
	if a.cfg.GroupFilter != "" {
		req := ldap.NewSearchRequest(a.cfg.GroupBaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, a.timeLimit, false, expand(a.cfg.GroupFilter, username, entry.DN), []string{"1.1"}, nil)
		var res *ldap.SearchResult
		err := a.withLookup(ctx, func(c *ldap.Conn) error {
			r, err := c.Search(req)
			res = r
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, e := range res.Entries {
			id.Groups = append(id.Groups, e.DN)
		}
	}
	slices.Sort(id.Groups)
	id.Groups = slices.Compact(id.Groups)
	return id, nil
}

func (a *Authenticator) posixID(entry *ldap.Entry, attr string, def *uint32) *uint32 {
	if v := entry.GetAttributeValue(attr); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err == nil {
			u := uint32(n)
			return &u
		}
		a.log.Warn("ldapauth: POSIX id attribute is not a decimal uint32; using the default", "dn", entry.DN, "attribute", attr)
	}
	if def == nil {
		return nil
	}
	u := *def
	return &u
}

// userBind binds as dn on a fresh connection that is closed afterwards.
// A refusal wraps ErrInvalidCredentials around the directory's answer.
func (a *Authenticator) userBind(ctx context.Context, dn, password string) error {
	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	err = a.guard(ctx, c, func() error { return c.Bind(dn, password) })
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return unavailable("user bind interrupted", ctx.Err())
	case transient(err):
		return unavailable("user bind", err)
	default: // invalid credentials, or AD's unwillingToPerform etc. for locked accounts
		return fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
}

// equalize spends about the time of a user bind when the user was not
// found, so that response times do not tell whether a username exists.
func (a *Authenticator) equalize(ctx context.Context, password string) {
	c, err := a.dial(ctx)
	if err != nil {
		return
	}
	defer c.Close()
	_ = a.guard(ctx, c, func() error { return c.Bind(a.equalizeDN, password) })
}
