package ldapauth

import (
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

var expandTests = []struct {
	name, tmpl, user, dn, want string
}{
	{"plain", "(uid=%s)", "alice", "", "(uid=alice)"},
	{"star", "(uid=%s)", "*", "", `(uid=\2a)`},
	{"injection", "(uid=%s)", "*)(uid=*", "", `(uid=\2a\29\28uid=\2a)`},
	{"backslash and NUL", "(uid=%s)", "a\\\x00", "", `(uid=a\5c\00)`},
	{"non-ASCII", "(uid=%s)", "jörg", "", `(uid=j\c3\b6rg)`},
	{"dn", "(member=%d)", "x", "cn=a\\,b,dc=x", `(member=cn=a\5c,b,dc=x)`},
	{"both and percent", "(&(member=%d)(memberUid=%s)(x=100%%))", "bob", "uid=bob", "(&(member=uid=bob)(memberUid=bob)(x=100%))"},
}

func TestExpand(t *testing.T) {
	t.Parallel()
	for _, tt := range expandTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := expand(tt.tmpl, tt.user, tt.dn); got != tt.want {
				t.Fatalf("expand = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzExpand checks that any username becomes exactly the asserted value of
// one equality match: no input can change the filter's structure.
func FuzzExpand(f *testing.F) {
	for _, tt := range expandTests {
		f.Add(tt.user)
	}
	f.Fuzz(func(t *testing.T, user string) {
		filter := expand("(uid=%s)", user, "")
		p, err := ldap.CompileFilter(filter)
		if err != nil {
			t.Fatalf("expanded filter %q does not compile: %v", filter, err)
		}
		if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
			t.Fatalf("filter %q is not one equality match (tag %d)", filter, p.Tag)
		}
		if got := p.Children[1].Data.String(); got != user {
			t.Fatalf("asserted value %q, want %q", got, user)
		}
	})
}

// FuzzCheckTemplate: a template that passes validation expands to a
// filter that compiles, whatever the username and DN.
func FuzzCheckTemplate(f *testing.F) {
	for _, s := range []string{"(uid=%s)", "(&(objectClass=groupOfNames)(member=%d))", "(uid=%v)", "%", "(x=%%%s)", "(|(a=%s)(b=%d))"} {
		f.Add(s, "alice", "uid=alice,dc=x")
	}
	f.Fuzz(func(t *testing.T, tmpl, user, dn string) {
		if checkTemplate("GroupFilter", tmpl, true) != nil {
			return
		}
		if _, err := ldap.CompileFilter(expand(tmpl, user, dn)); err != nil {
			t.Fatalf("template %q passed validation but expands to an invalid filter with %q, %q: %v", tmpl, user, dn, err)
		}
	})
}

func TestCheckTemplateAccepts(t *testing.T) {
	t.Parallel()
	for _, tmpl := range []string{
		"(&(objectClass=posixAccount)(uid=%s))",
		"(&(objectClass=groupOfNames)(member=%d))",
		"(&(objectClass=posixGroup)(memberUid=%s))",
		"(&(objectCategory=person)(objectClass=user)(sAMAccountName=%s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
		"(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=%d))",
		"(|(uid=%s)(mail=%s@example.org))",
		"(cn=*%s*)",
	} {
		t.Run(tmpl, func(t *testing.T) {
			t.Parallel()
			if err := checkTemplate("GroupFilter", tmpl, true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:5555", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::/64"},
		{"2001:db8::1:2:3:4", "2001:db8::/64"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"proxy-name", "proxy-name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := addrKey(tt.in); got != tt.want {
				t.Fatalf("addrKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute, 5*time.Minute)
	l.fail("k", t0)
	l.fail("k", t0.Add(30*time.Second))
	if d := l.check("k", t0.Add(31*time.Second)); d != 0 {
		t.Fatalf("locked after 2 failures: %v", d)
	}
	// the window ends: counting restarts
	l.fail("k", t0.Add(61*time.Second))
	l.fail("k", t0.Add(62*time.Second))
	if d := l.check("k", t0.Add(63*time.Second)); d != 0 {
		t.Fatalf("locked although the window restarted: %v", d)
	}
	l.fail("k", t0.Add(63*time.Second))
	if d := l.check("k", t0.Add(64*time.Second)); d != 5*time.Minute-time.Second {
		t.Fatalf("check after the 3rd failure = %v, want 4m59s", d)
	}
	if d := l.check("other", t0.Add(64*time.Second)); d != 0 {
		t.Fatalf("another key is locked: %v", d)
	}
	if d := l.check("k", t0.Add(63*time.Second+5*time.Minute)); d != 0 {
		t.Fatalf("still locked after the lock-out: %v", d)
	}
	l.fail("k", t0.Add(7*time.Minute))
	l.reset("k")
	l.fail("k", t0.Add(7*time.Minute))
	l.fail("k", t0.Add(7*time.Minute))
	if d := l.check("k", t0.Add(7*time.Minute)); d != 0 {
		t.Fatalf("reset did not clear the count: %v", d)
	}
	var disabled *limiter = newLimiter(-1, time.Minute, time.Minute)
	disabled.fail("k", t0)
	if disabled.check("k", t0) != 0 {
		t.Fatal("a disabled limiter locks")
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute, time.Minute)
	for i := range maxTracked + 10 {
		l.fail("k"+strconv.Itoa(i), t0)
	}
	if n := len(l.entries); n > maxTracked {
		t.Fatalf("%d entries tracked, limit %d", n, maxTracked)
	}
}

func BenchmarkExpand(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = expand("(&(objectClass=posixAccount)(uid=%s))", "al*ce(x)", "")
	}
}
