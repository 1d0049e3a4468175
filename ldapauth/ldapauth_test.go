package ldapauth_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/s3auth/s3auth/internal/ldaptest"
	"github.com/s3auth/s3auth/ldapauth"
)

// Tests named TestLDAP* need OpenLDAP's slapd: under a plain `go test` they
// skip when it is missing; `make test` installs it and runs them.

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func baseConfig(s *ldaptest.Server) ldapauth.Config {
	return ldapauth.Config{
		URLs:           []string{s.URL()},
		BindDN:         ldaptest.LookupDN,
		BindPassword:   ldaptest.LookupPassword,
		UserBaseDN:     ldaptest.PeopleDN,
		UserFilter:     "(&(objectClass=inetOrgPerson)(uid=%s))",
		GroupBaseDN:    ldaptest.GroupsDN,
		GroupFilter:    "(&(objectClass=groupOfNames)(member=%d))",
		RequestTimeout: 5 * time.Second,
		DialTimeout:    2 * time.Second,
	}
}

func newAuth(t testing.TB, cfg ldapauth.Config) *ldapauth.Authenticator {
	t.Helper()
	a, err := ldapauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func u32(v uint32) *uint32 { return &v }

func ptrString(p *uint32) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestLDAPLoginIdentity(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	cfg := baseConfig(s)
	cfg.DefaultGID = u32(100)
	a := newAuth(t, cfg)
	tests := []struct {
		name, user, pass string
		groups           []string
		uid, gid         *uint32
	}{
		{"posix user in two groups", "alice", "alice-secret", []string{ldaptest.GroupDN("readers"), ldaptest.GroupDN("writers")}, u32(1001), u32(1001)},
		{"posix user in one group", "bob", "bob-secret", []string{ldaptest.GroupDN("readers")}, u32(1002), u32(1002)},
		{"no posix attributes takes the defaults", "carol", "carol-secret", nil, nil, u32(100)},
		{"username matching is case-insensitive", "ALICE", "alice-secret", []string{ldaptest.GroupDN("readers"), ldaptest.GroupDN("writers")}, u32(1001), u32(1001)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := a.Login(context.Background(), tt.user, tt.pass, "192.0.2.1:5000")
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if !strings.EqualFold(id.DN, ldaptest.UserDN(strings.ToLower(tt.user))) || id.Username != tt.user {
				t.Errorf("DN, Username = %q, %q; want %q, %q", id.DN, id.Username, ldaptest.UserDN(tt.user), tt.user)
			}
			if !slices.Equal(id.Groups, tt.groups) {
				t.Errorf("Groups = %q, want %q", id.Groups, tt.groups)
			}
			if ptrString(id.UID) != ptrString(tt.uid) || ptrString(id.GID) != ptrString(tt.gid) {
				t.Errorf("UID, GID = %s, %s; want %s, %s", ptrString(id.UID), ptrString(id.GID), ptrString(tt.uid), ptrString(tt.gid))
			}
		})
	}
}

// uniformFailures are logins that must all fail with the same error.
var uniformFailures = []struct{ name, user, pass string }{
	{"wrong password", "alice", "wrong"},
	{"empty password", "alice", ""},
	{"unknown user", "mallory", "alice-secret"},
	{"empty username", "", "alice-secret"},
	{"star matches everyone", "*", "alice-secret"},
	{"wildcard matches alice", "al*", "alice-secret"},
	{"inner wildcard", "a*e", "alice-secret"},
	{"closing parenthesis", "alice)", "alice-secret"},
	{"opening parenthesis", "(alice", "alice-secret"},
	{"backslash", `alice\`, "alice-secret"},
	{"escaped star", `al\2a`, "alice-secret"},
	{"NUL", "alice\x00", "alice-secret"},
	{"NUL inside", "ali\x00ce", "alice-secret"},
	{"filter injection", "*)(uid=*", "alice-secret"},
	{"filter injection or", "alice)(|(uid=*", "alice-secret"},
	{"DN injection", "admin,dc=example,dc=org", ldaptest.AdminPassword},
	{"full admin DN", ldaptest.AdminDN, ldaptest.AdminPassword},
	{"lookup DN", ldaptest.LookupDN, ldaptest.LookupPassword},
	{"ambiguous match", "dup", "dup-secret"},
	{"over-long username", strings.Repeat("a", 257), "alice-secret"},
	{"leading space", " alice", "alice-secret"},
	{"control character", "alice\n", "alice-secret"},
	{"invalid UTF-8", "alice\xff", "alice-secret"},
}

func TestLDAPLoginUniformFailures(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	// two entries with uid=dup: the user filter is ambiguous for "dup"
	for _, cn := range []string{"dup one", "dup two"} {
		req := ldap.NewAddRequest("cn="+cn+","+ldaptest.PeopleDN, nil)
		req.Attribute("objectClass", []string{"inetOrgPerson"})
		req.Attribute("cn", []string{cn})
		req.Attribute("sn", []string{"dup"})
		req.Attribute("uid", []string{"dup"})
		req.Attribute("userPassword", []string{"dup-secret"})
		s.AddEntry(req)
	}
	var logs syncBuffer
	cfg := baseConfig(s)
	cfg.MaxFailuresPerUser, cfg.MaxFailuresPerAddr = -1, -1
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	a := newAuth(t, cfg)
	for _, tt := range uniformFailures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := a.Login(context.Background(), tt.user, tt.pass, "192.0.2.7")
			if id != nil || err != ldapauth.ErrInvalidCredentials {
				t.Fatalf("Login(%q) = %v, %v; want exactly ErrInvalidCredentials", tt.user, id, err)
			}
		})
	}
	t.Cleanup(func() {
		for _, secret := range []string{"alice-secret", ldaptest.AdminPassword, ldaptest.LookupPassword, "dup-secret"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a password appears in the log:\n%s", logs.String())
			}
		}
		if !strings.Contains(logs.String(), "ambiguous") || !strings.Contains(logs.String(), "no such user") {
			t.Errorf("the log does not say why logins failed:\n%s", logs.String())
		}
	})
}

// TestRejectBeforeTraffic points at a port nobody listens on: input errors
// must come back as invalid credentials, not as an unreachable directory.
func TestRejectBeforeTraffic(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a := newAuth(t, ldapauth.Config{URLs: []string{"ldap://" + addr}, UserBaseDN: "dc=example,dc=org", UserFilter: "(uid=%s)"})
	for _, tt := range []struct{ name, user, pass string }{
		{"empty password", "alice", ""},
		{"empty username", "", "x"},
		{"NUL", "a\x00", "x"},
		{"too long", strings.Repeat("x", 300), "x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := a.Login(context.Background(), tt.user, tt.pass, ""); err != ldapauth.ErrInvalidCredentials {
				t.Fatalf("Login = %v, want ErrInvalidCredentials without contacting the server", err)
			}
		})
	}
	t.Run("a real login reports the outage", func(t *testing.T) {
		t.Parallel()
		if _, err := a.Login(context.Background(), "alice", "x", ""); !errors.Is(err, ldapauth.ErrUnavailable) {
			t.Fatalf("Login = %v, want ErrUnavailable", err)
		}
	})
}

func TestLDAPTLS(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	wrong := ldaptest.Start(t, ldaptest.Options{CertHosts: []string{"wrong.example.org"}})
	tests := []struct {
		name    string
		cfg     func() ldapauth.Config
		wantErr error
	}{
		{"StartTLS", func() ldapauth.Config {
			c := baseConfig(s)
			c.StartTLS, c.RootCAs = true, s.CAPool()
			return c
		}, nil},
		{"LDAPS", func() ldapauth.Config {
			c := baseConfig(s)
			c.URLs, c.RootCAs = []string{s.LDAPSURL()}, s.CAPool()
			return c
		}, nil},
		{"LDAPS with TLSConfig and localhost name", func() ldapauth.Config {
			c := baseConfig(s)
			c.URLs, c.TLSConfig = []string{s.LDAPSURL()}, &tls.Config{RootCAs: s.CAPool(), ServerName: "localhost"}
			return c
		}, nil},
		{"LDAPS certificate for the wrong name", func() ldapauth.Config {
			c := baseConfig(wrong)
			c.URLs, c.RootCAs = []string{wrong.LDAPSURL()}, wrong.CAPool()
			return c
		}, ldapauth.ErrUnavailable},
		{"StartTLS certificate for the wrong name", func() ldapauth.Config {
			c := baseConfig(wrong)
			c.StartTLS, c.RootCAs = true, wrong.CAPool()
			return c
		}, ldapauth.ErrUnavailable},
		{"LDAPS unknown CA", func() ldapauth.Config {
			c := baseConfig(s)
			c.URLs, c.RootCAs = []string{s.LDAPSURL()}, wrong.CAPool()
			return c
		}, ldapauth.ErrUnavailable},
		{"InsecureSkipVerify accepts the wrong name", func() ldapauth.Config {
			c := baseConfig(wrong)
			c.URLs, c.InsecureSkipVerify = []string{wrong.LDAPSURL()}, true
			return c
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAuth(t, tt.cfg())
			id, err := a.Login(context.Background(), "alice", "alice-secret", "")
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Login = %v, want %v", err, tt.wantErr)
			}
			if err == nil && id.DN != ldaptest.UserDN("alice") {
				t.Fatalf("DN = %q", id.DN)
			}
		})
	}
}

func TestLDAPInsecureSkipVerifyWarns(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	_ = newAuth(t, ldapauth.Config{
		URLs: []string{"ldaps://ldap.example.org"}, UserBaseDN: "dc=example,dc=org", UserFilter: "(uid=%s)",
		InsecureSkipVerify: true, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "InsecureSkipVerify") {
		t.Fatalf("no warning about InsecureSkipVerify in the log: %q", logs.String())
	}
}

func TestLDAPOutageAndRecovery(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	a := newAuth(t, baseConfig(s))
	ctx := context.Background()
	if _, err := a.Login(ctx, "alice", "alice-secret", ""); err != nil {
		t.Fatalf("Login before the outage: %v", err)
	}
	s.Stop()
	for i := range 3 {
		start := time.Now()
		_, err := a.Login(ctx, "alice", "alice-secret", "")
		if !errors.Is(err, ldapauth.ErrUnavailable) || errors.Is(err, ldapauth.ErrInvalidCredentials) {
			t.Fatalf("Login %d during the outage = %v, want ErrUnavailable", i, err)
		}
		if d := time.Since(start); d > 3*time.Second { // generous: the refusal is immediate
			t.Fatalf("Login during the outage took %v", d)
		}
	}
	if _, err := a.Revalidate(ctx, ldaptest.UserDN("alice"), "alice"); !errors.Is(err, ldapauth.ErrUnavailable) {
		t.Fatalf("Revalidate during the outage = %v, want ErrUnavailable", err)
	}
	s.Start()
	if _, err := a.Login(ctx, "alice", "alice-secret", ""); err != nil {
		t.Fatalf("Login after recovery: %v", err)
	}
}

// TestLDAPFailover lists a dead URL first: logins go to the second.
func TestLDAPFailover(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "ldap://" + l.Addr().String()
	l.Close()
	cfg := baseConfig(s)
	cfg.URLs = []string{dead, s.URL()}
	a := newAuth(t, cfg)
	if _, err := a.Login(context.Background(), "bob", "bob-secret", ""); err != nil {
		t.Fatalf("Login: %v", err)
	}
}

// TestContextDeadline talks to a server that accepts connections and never
// answers: the context's deadline must end the login.
func TestContextDeadline(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	a := newAuth(t, ldapauth.Config{
		URLs: []string{"ldap://" + l.Addr().String()}, BindDN: "cn=x,dc=example,dc=org", BindPassword: "x",
		UserBaseDN: "dc=example,dc=org", UserFilter: "(uid=%s)", RequestTimeout: time.Minute,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = a.Login(ctx, "alice", "secret", "")
	if !errors.Is(err, ldapauth.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Login = %v, want ErrUnavailable and context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Login returned after %v, long after the 200ms deadline", d)
	}
}

func TestLDAPConcurrentLogins(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	cfg := baseConfig(s)
	cfg.PoolSize = 4
	a := newAuth(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			user, pass := "alice", "alice-secret"
			if i%2 == 1 {
				user, pass = "bob", "bob-secret"
			}
			id, err := a.Login(context.Background(), user, pass, fmt.Sprintf("192.0.2.%d", i))
			if err == nil && id.DN != ldaptest.UserDN(user) {
				err = fmt.Errorf("login %d as %s got DN %q", i, user, id.DN)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestLDAPBruteForce(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	tests := []struct {
		name          string
		perUser       int
		perAddr       int
		attackUser    func(i int) string
		lockedUser    string // a correct login that must be refused
		lockedAddr    string
		otherUser     string // a correct login that must pass
		otherAddr     string
		otherPassword string
	}{
		{
			name: "per address", perUser: -1, perAddr: 3,
			attackUser: func(i int) string { return fmt.Sprintf("user%d", i) },
			lockedUser: "alice", lockedAddr: "198.51.100.9:1234",
			otherUser: "alice", otherAddr: "198.51.100.10", otherPassword: "alice-secret",
		},
		{
			name: "per username", perUser: 3, perAddr: -1,
			attackUser: func(int) string { return "alice" },
			lockedUser: "Alice", lockedAddr: "203.0.113.5",
			otherUser: "bob", otherAddr: "198.51.100.9", otherPassword: "bob-secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			cfg := baseConfig(s)
			cfg.Clock = clock
			cfg.MaxFailuresPerUser, cfg.MaxFailuresPerAddr = tt.perUser, tt.perAddr
			cfg.FailureWindow, cfg.Lockout = time.Minute, 10*time.Minute
			a := newAuth(t, cfg)
			ctx := context.Background()
			for i := range 3 {
				if _, err := a.Login(ctx, tt.attackUser(i), "guess", "198.51.100.9:1234"); err != ldapauth.ErrInvalidCredentials {
					t.Fatalf("guess %d: %v, want ErrInvalidCredentials", i, err)
				}
				clock.Advance(time.Second)
			}
			pass := map[string]string{"alice": "alice-secret", "Alice": "alice-secret"}[tt.lockedUser]
			_, err := a.Login(ctx, tt.lockedUser, pass, tt.lockedAddr)
			var tm *ldapauth.TooManyFailuresError
			if !errors.As(err, &tm) || !errors.Is(err, ldapauth.ErrTooManyFailures) {
				t.Fatalf("login after 3 failures = %v, want TooManyFailuresError", err)
			}
			if want := "ldapauth: too many failed logins, retry after 599 s"; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			if _, err := a.Login(ctx, tt.otherUser, tt.otherPassword, tt.otherAddr); err != nil {
				t.Errorf("unrelated login: %v", err)
			}
			clock.Advance(10 * time.Minute)
			if _, err := a.Login(ctx, tt.lockedUser, pass, tt.lockedAddr); err != nil {
				t.Errorf("login after the lock-out: %v", err)
			}
		})
	}
}

func TestLDAPRevalidate(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	a := newAuth(t, baseConfig(s))
	ctx := context.Background()
	id, err := a.Login(ctx, "alice", "alice-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(id.Groups) != 2 {
		t.Fatalf("groups = %q, want readers and writers", id.Groups)
	}
	s.RemoveMember("readers", "alice")
	id, err = a.Revalidate(ctx, id.DN, "alice")
	if err != nil {
		t.Fatalf("Revalidate after group change: %v", err)
	}
	if want := []string{ldaptest.GroupDN("writers")}; !slices.Equal(id.Groups, want) || ptrString(id.UID) != "1001" {
		t.Fatalf("after removal from readers: groups %q uid %s, want %q uid 1001", id.Groups, ptrString(id.UID), want)
	}
	if _, err := a.Revalidate(ctx, ldaptest.UserDN("bob"), "alice"); err != ldapauth.ErrUserGone {
		t.Fatalf("Revalidate with another user's DN = %v, want ErrUserGone", err)
	}
	s.Delete(ldaptest.UserDN("alice"))
	if _, err := a.Revalidate(ctx, id.DN, "alice"); err != ldapauth.ErrUserGone {
		t.Fatalf("Revalidate after deletion = %v, want ErrUserGone", err)
	}
	if _, err := a.Login(ctx, "alice", "alice-secret", ""); err != ldapauth.ErrInvalidCredentials {
		t.Fatalf("Login after deletion = %v, want ErrInvalidCredentials", err)
	}
}

// TestLDAPFilterNoLongerMatches narrows the user filter to a group: a user
// removed from it is gone at the next revalidation.
func TestLDAPFilterNoLongerMatches(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	cfg := baseConfig(s)
	cfg.UserFilter = "(&(objectClass=posixAccount)(uid=%s))"
	a := newAuth(t, cfg)
	ctx := context.Background()
	id, err := a.Login(ctx, "bob", "bob-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Login(ctx, "carol", "carol-secret", ""); err != ldapauth.ErrInvalidCredentials {
		t.Fatalf("carol is no posixAccount: Login = %v, want ErrInvalidCredentials", err)
	}
	c, err := s.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := ldap.NewModifyRequest(id.DN, nil)
	m.Delete("objectClass", []string{"posixAccount"})
	m.Delete("uidNumber", nil)
	m.Delete("gidNumber", nil)
	m.Delete("homeDirectory", nil)
	if err := c.Modify(m); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Revalidate(ctx, id.DN, "bob"); err != ldapauth.ErrUserGone {
		t.Fatalf("Revalidate = %v, want ErrUserGone", err)
	}
}

func TestLDAPLookupBindRefused(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	cfg := baseConfig(s)
	cfg.BindPassword = "not-the-lookup-password"
	a := newAuth(t, cfg)
	_, err := a.Login(context.Background(), "alice", "alice-secret", "")
	if !errors.Is(err, ldapauth.ErrUnavailable) || !strings.Contains(err.Error(), "BindPassword") {
		t.Fatalf("Login = %v, want ErrUnavailable naming BindPassword", err)
	}
}

func TestLDAPClose(t *testing.T) {
	t.Parallel()
	s := ldaptest.Start(t, ldaptest.Options{})
	a := newAuth(t, baseConfig(s))
	if _, err := a.Login(context.Background(), "alice", "alice-secret", ""); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := a.Login(context.Background(), "alice", "alice-secret", ""); err != ldapauth.ErrClosed {
		t.Fatalf("Login after Close = %v, want ErrClosed", err)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	good := ldapauth.Config{URLs: []string{"ldap://127.0.0.1:389"}, UserBaseDN: "ou=people,dc=example,dc=org", UserFilter: "(uid=%s)"}
	tests := []struct {
		name   string
		modify func(*ldapauth.Config)
		want   string
	}{
		{"no URLs", func(c *ldapauth.Config) { c.URLs = nil }, "URLs is empty"},
		{"http URL", func(c *ldapauth.Config) { c.URLs = []string{"http://x"} }, "use ldap:// or ldaps://"},
		{"URL without host", func(c *ldapauth.Config) { c.URLs = []string{"ldap:///dc=x"} }, "no host"},
		{"URL with bad port", func(c *ldapauth.Config) { c.URLs = []string{"ldap://h:99999"} }, "invalid port"},
		{"URL with credentials", func(c *ldapauth.Config) { c.URLs = []string{"ldap://u:p@h"} }, "carries credentials"},
		{"unparsable URL", func(c *ldapauth.Config) { c.URLs = []string{"ldap://h:%zz"} }, "does not parse"},
		{"no user base", func(c *ldapauth.Config) { c.UserBaseDN = "" }, "UserBaseDN is empty"},
		{"bad user base", func(c *ldapauth.Config) { c.UserBaseDN = "not a dn" }, "not a valid DN"},
		{"bad bind DN", func(c *ldapauth.Config) { c.BindDN = "x" }, "BindDN"},
		{"bind DN without password", func(c *ldapauth.Config) { c.BindDN = "cn=x,dc=y" }, "BindPassword is empty"},
		{"no user filter", func(c *ldapauth.Config) { c.UserFilter = "" }, "UserFilter is empty"},
		{"user filter without %s", func(c *ldapauth.Config) { c.UserFilter = "(uid=alice)" }, "no %s placeholder"},
		{"user filter with %d", func(c *ldapauth.Config) { c.UserFilter = "(&(uid=%s)(x=%d))" }, "only known after the user search"},
		{"user filter with unknown verb", func(c *ldapauth.Config) { c.UserFilter = "(uid=%v)" }, "unknown placeholder %v"},
		{"user filter with lone percent", func(c *ldapauth.Config) { c.UserFilter = "(uid=%s)%" }, "lone %"},
		{"malformed user filter", func(c *ldapauth.Config) { c.UserFilter = "(uid=%s" }, "not a valid LDAP filter"},
		{"group filter without placeholder", func(c *ldapauth.Config) { c.GroupFilter = "(cn=x)" }, "has no placeholder"},
		{"malformed group filter", func(c *ldapauth.Config) { c.GroupFilter = "member=%d" }, "not a valid LDAP filter"},
		{"placeholder as attribute", func(c *ldapauth.Config) { c.GroupFilter = "(!(x%d))" }, "outside an assertion value"},
		{"negative timeout", func(c *ldapauth.Config) { c.DialTimeout = -time.Second }, "DialTimeout is negative"},
		{"bad attribute", func(c *ldapauth.Config) { c.UIDAttribute = "uid(" }, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.modify(&cfg)
			_, err := ldapauth.New(cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "ldapauth: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := ldapauth.New(good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
}

func TestTooManyFailuresError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retry time.Duration
		want  string
	}{
		{90 * time.Second, "ldapauth: too many failed logins, retry after 90 s"},
		{1500 * time.Millisecond, "ldapauth: too many failed logins, retry after 2 s"},
		{0, "ldapauth: too many failed logins, retry after 1 s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			var err error = &ldapauth.TooManyFailuresError{RetryAfter: tt.retry}
			if err.Error() != tt.want || !errors.Is(err, ldapauth.ErrTooManyFailures) || errors.Is(err, ldapauth.ErrInvalidCredentials) {
				t.Fatalf("got %q (Is ErrTooManyFailures %v)", err, errors.Is(err, ldapauth.ErrTooManyFailures))
			}
		})
	}
}

func BenchmarkLDAPLogin(b *testing.B) {
	s := ldaptest.Start(b, ldaptest.Options{})
	for _, bb := range []struct {
		name     string
		poolSize int
	}{{"pool", 4}, {"fresh", -1}} {
		b.Run(bb.name, func(b *testing.B) {
			cfg := baseConfig(s)
			cfg.PoolSize = bb.poolSize
			cfg.MaxFailuresPerAddr, cfg.MaxFailuresPerUser = -1, -1
			a := newAuth(b, cfg)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Login(ctx, "alice", "alice-secret", "192.0.2.1"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}
