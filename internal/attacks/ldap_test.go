package attacks_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/ldaptest"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/s3authtest"
)

// TestAttack_LDAP runs LDAP injection, user enumeration and brute force
// against a real slapd (internal/ldaptest). Integration test: a plain
// `go test` skips it when slapd is missing; `make test` installs slapd
// (Debian package slapd) and runs it.
func TestAttack_LDAP(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{})
	clock := s3authtest.NewClock(time.Now())
	newAuth := func(t *testing.T, perUser, perAddr int) *ldapauth.Authenticator {
		t.Helper()
		a, err := ldapauth.New(ldapauth.Config{
			URLs:               []string{srv.URL()},
			BindDN:             ldaptest.LookupDN,
			BindPassword:       ldaptest.LookupPassword,
			UserBaseDN:         ldaptest.PeopleDN,
			UserFilter:         "(&(objectClass=inetOrgPerson)(uid=%s))",
			GroupBaseDN:        ldaptest.GroupsDN,
			GroupFilter:        "(&(objectClass=groupOfNames)(member=%d))",
			MaxFailuresPerUser: perUser,
			MaxFailuresPerAddr: perAddr,
			Lockout:            time.Minute,
			FailureWindow:      time.Minute,
			Clock:              clock,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	ctx := context.Background()

	t.Run("injection", func(t *testing.T) {
		a := newAuth(t, -1, -1)
		if _, err := a.Login(ctx, "alice", "alice-secret", "192.0.2.1"); err != nil {
			t.Fatalf("control: alice cannot log in: %v", err)
		}
		users := []string{
			"*", "a*", "alic*", "*lice", "alice*", "alice)(uid=*", "*)(uid=*", "alice)(|(uid=*)",
			"*)(|(objectClass=*)", "alice)(&)", "(uid=alice)", `alice\2a`, `\2a`, "alice\x00", "alice\x00*",
			"uid=alice,ou=people,dc=example,dc=org", "alice,ou=people", "alice ", " alice", "ALICE*",
			"lookup", "admin", "cn=lookup,dc=example,dc=org",
		}
		for _, u := range users {
			for _, pw := range []string{"alice-secret", ldaptest.LookupPassword, ldaptest.AdminPassword} {
				if id, err := a.Login(ctx, u, pw, "192.0.2.1"); err == nil || !errors.Is(err, ldapauth.ErrInvalidCredentials) {
					t.Errorf("Login(%q): identity %+v, err %v; want ErrInvalidCredentials", u, id, err)
				}
			}
		}
		for _, pw := range []string{"", "*", "alice-secret\x00", "alice-secret*", ")(userPassword=*"} {
			if id, err := a.Login(ctx, "alice", pw, "192.0.2.1"); err == nil || !errors.Is(err, ldapauth.ErrInvalidCredentials) {
				t.Errorf("Login(alice, %q): identity %+v, err %v; want ErrInvalidCredentials", pw, id, err)
			}
		}
	})

	t.Run("enumeration", func(t *testing.T) {
		a := newAuth(t, -1, -1)
		_, unknown := a.Login(ctx, "nobody-here", "whatever-1", "192.0.2.2")
		_, wrong := a.Login(ctx, "alice", "whatever-1", "192.0.2.2")
		_, noPosix := a.Login(ctx, "carol", "whatever-1", "192.0.2.2")
		if unknown == nil || wrong == nil || noPosix == nil {
			t.Fatal("a bad login succeeded")
		}
		if unknown.Error() != wrong.Error() || wrong.Error() != noPosix.Error() || !errors.Is(unknown, ldapauth.ErrInvalidCredentials) {
			t.Fatalf("unknown user and wrong password differ: %q / %q / %q", unknown, wrong, noPosix)
		}
		// Through STS, the answers are byte-identical but for the request id.
		e := s3authtest.NewEnv(t, func(o *s3auth.Options) { o.LDAP = a })
		sts := func(user, pw string) response {
			form := url.Values{"Action": {"AssumeRoleWithLDAPIdentity"}, "Version": {"2011-06-15"}, "LDAPUsername": {user}, "LDAPPassword": {pw}}
			r, _ := http.NewRequest(http.MethodPost, e.URL()+"/", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			got := doRequest(t, r)
			i, j := strings.Index(got.body, "<RequestId>"), strings.Index(got.body, "</RequestId>")
			if i >= 0 && j > i {
				got.body = got.body[:i] + got.body[j:]
			}
			return got
		}
		u, w := sts("nobody-here", "whatever-1"), sts("alice", "whatever-1")
		if u.status != w.status || u.code != w.code || u.body != w.body || u.code != "AccessDenied" {
			t.Fatalf("STS answers differ:\n%d %s\n%d %s", u.status, u.body, w.status, w.body)
		}
	})

	t.Run("brute-force", func(t *testing.T) {
		a := newAuth(t, 3, 10)
		for i := range 3 {
			if _, err := a.Login(ctx, "bob", "guess-"+string(rune('a'+i)), "192.0.2.3"); !errors.Is(err, ldapauth.ErrInvalidCredentials) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		// Locked: even the right password is refused, from any address.
		var tm *ldapauth.TooManyFailuresError
		if _, err := a.Login(ctx, "bob", "bob-secret", "198.51.100.7"); !errors.As(err, &tm) {
			t.Fatalf("bob after 3 failures: %v, want TooManyFailuresError", err)
		}
		// An unknown name locks the same way (no enumeration by lockout).
		for i := range 3 {
			_, _ = a.Login(ctx, "ghost", "guess-"+string(rune('a'+i)), "192.0.2.4")
		}
		if _, err := a.Login(ctx, "ghost", "guess-z", "192.0.2.4"); !errors.As(err, &tm) {
			t.Fatalf("unknown user after 3 failures: %v, want TooManyFailuresError", err)
		}
		// Spraying many names from one address locks the address.
		for i := range 10 {
			_, _ = a.Login(ctx, "spray"+string(rune('a'+i)), "guess", "203.0.113.5")
		}
		if _, err := a.Login(ctx, "alice", "alice-secret", "203.0.113.5"); !errors.As(err, &tm) {
			t.Fatalf("sprayer's address after 10 failures: %v, want TooManyFailuresError", err)
		}
		if _, err := a.Login(ctx, "alice", "alice-secret", "192.0.2.9"); err != nil {
			t.Fatalf("alice from another address: %v", err)
		}
		// The lockout ends.
		clock.Advance(2 * time.Minute)
		if _, err := a.Login(ctx, "bob", "bob-secret", "192.0.2.3"); err != nil {
			t.Fatalf("bob after the lockout: %v", err)
		}
	})
}
