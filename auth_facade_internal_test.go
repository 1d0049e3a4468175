package s3auth

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var ipv4PortCases = []struct {
	in string
	ok bool
}{
	{"10.1.2.3:5555", true},
	{"0.0.0.0:0", true},
	{"255.255.255.255:65535", true},
	{"1.2.3.4:65536", false},
	{"1.2.3.4:099", false},
	{"1.2.3.4:", false},
	{"1.2.3.4", false},
	{"1.2.3.4:5:6", false},
	{"256.1.2.3:80", false},
	{"01.2.3.4:80", false},
	{"1.2.3:80", false},
	{"1.2.3.4.5:80", false},
	{"1..3.4:80", false},
	{"1.2.3.4 :80", false},
	{"1.2.3.4:+80", false},
	{"1234.1.2.3:80", false},
	{"1.2.3.4:123456", false},
	{"[::1]:80", false},
	{"[::ffff:1.2.3.4]:80", false},
	{"", false},
}

// TestParseIPv4Port: the fast path accepts the canonical form only, and
// then agrees with netip.ParseAddrPort.
func TestParseIPv4Port(t *testing.T) {
	t.Parallel()
	for _, tc := range ipv4PortCases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := parseIPv4Port(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if ok {
				ap, err := netip.ParseAddrPort(tc.in)
				if err != nil || ap.Addr() != got {
					t.Fatalf("got %v; netip: %v %v", got, ap, err)
				}
			}
		})
	}
}

func FuzzParseIPv4Port(f *testing.F) {
	for _, tc := range ipv4PortCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4Port(s)
		ap, err := netip.ParseAddrPort(s)
		if ok && (err != nil || ap.Addr().Unmap() != got) {
			t.Fatalf("%q: fast path %v, netip %v %v", s, got, ap, err)
		}
		// Every canonical IPv4 form is taken by the fast path.
		if err == nil && ap.Addr().Is4() && ap.String() == s && !ok {
			t.Fatalf("%q: canonical form refused", s)
		}
	})
}

// TestParseIPv4PortAll: every canonical rendering of a sample of
// addresses and ports is accepted.
func TestParseIPv4PortAll(t *testing.T) {
	t.Parallel()
	for i := range 256 {
		for _, port := range []int{0, 1, 9, 10, 99, 443, 9000, 65535} {
			a := netip.AddrFrom4([4]byte{byte(i), byte(255 - i), byte(i * 7), byte(i / 3)})
			s := netip.AddrPortFrom(a, uint16(port)).String()
			got, ok := parseIPv4Port(s)
			if !ok || got != a {
				t.Fatalf("%q: %v %v", s, got, ok)
			}
		}
		if _, ok := parseIPv4Port(strconv.Itoa(i)); ok {
			t.Fatalf("%d accepted", i)
		}
	}
}

// TestNameChecks: the checks of ready-made names agree with building the
// names, for every way of splitting the same bytes between the parts.
func TestNameChecks(t *testing.T) {
	t.Parallel()
	parts := []string{"", "a", "b", "ab", "a/b", "a:b", "000000000000", "123456789012"}
	for _, acct := range parts {
		for _, user := range parts {
			for _, sess := range parts {
				for _, s := range []string{userARN(acct, user), sessionARN(acct, user, sess), user + ":" + sess, "arn:aws:iam::a:user/b", "arn:aws:sts::a:assumed-role/b/c"} {
					if got, want := isUserARN(s, acct, user), s == userARN(acct, user); got != want {
						t.Fatalf("isUserARN(%q, %q, %q) = %v", s, acct, user, got)
					}
					if got, want := isSessionARN(s, acct, user, sess), s == sessionARN(acct, user, sess); got != want {
						t.Fatalf("isSessionARN(%q, %q, %q, %q) = %v", s, acct, user, sess, got)
					}
					if got, want := isUserID(s, user, sess), s == user+":"+sess; got != want {
						t.Fatalf("isUserID(%q, %q, %q) = %v", s, user, sess, got)
					}
				}
			}
		}
	}
}

var equalCases = []struct{ a, b string }{
	{"", ""},
	{"a", "a"},
	{"a", "b"},
	{"abcdefgh", "abcdefgh"},
	{"abcdefgh", "abcdefgi"},
	{"abcdefgh", "bbcdefgh"},
	{"abcdefghijklmnopq", "abcdefghijklmnopq"},
	{"abcdefghijklmnopq", "abcdefghijklmnopr"},
	{"abcdefghijklmnopq", "abcdefghXjklmnopq"},
	{"abcdefghijklmnopq", "abcdefghijklmnop"},
	{"\x00\x00\x00\x00\x00\x00\x00\x80", "\x00\x00\x00\x00\x00\x00\x00\x00"},
	{"\x80\x00\x00\x00\x00\x00\x00\x00", "\x00\x00\x00\x00\x00\x00\x00\x00"},
}

func TestEqualConstantTime(t *testing.T) {
	t.Parallel()
	for _, tc := range equalCases {
		t.Run(strconv.Quote(tc.a)+"="+strconv.Quote(tc.b), func(t *testing.T) {
			t.Parallel()
			if got := equalConstantTime(tc.a, tc.b); got != (tc.a == tc.b) {
				t.Fatalf("got %v", got)
			}
			// Every single-byte difference anywhere is seen.
			for i := range len(tc.a) {
				b := []byte(tc.a)
				b[i] ^= 1 << (i % 8)
				if equalConstantTime(tc.a, string(b)) {
					t.Fatalf("difference at %d not seen", i)
				}
			}
		})
	}
}

func FuzzEqualConstantTime(f *testing.F) {
	for _, tc := range equalCases {
		f.Add(tc.a, tc.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got := equalConstantTime(a, b); got != (a == b) {
			t.Fatalf("%q %q: got %v", a, b, got)
		}
		if !equalConstantTime(a, a) {
			t.Fatalf("%q not equal to itself", a)
		}
	})
}

// TestReadyNames: the ARN and aws:userid prepared by the lookup are used
// only while they match the Principal's fields.
func TestReadyNames(t *testing.T) {
	t.Parallel()
	session := func(user, name string) Principal {
		return Principal{Kind: PrincipalSession, User: user, SessionName: name, account: "123456789012",
			names: sessionNames("123456789012", "alice", "s1")}
	}
	tests := []struct {
		name        string
		p           Principal
		arn, userID string
	}{
		{"session", session("alice", "s1"), "arn:aws:sts::123456789012:assumed-role/alice/s1", "alice:s1"},
		{"session renamed", session("alice", "s2"), "arn:aws:sts::123456789012:assumed-role/alice/s2", "alice:s2"},
		{"user renamed", session("alicf", "s1"), "arn:aws:sts::123456789012:assumed-role/alicf/s1", "alicf:s1"},
		{"split moved", session("alice/s", "1"), "arn:aws:sts::123456789012:assumed-role/alice/s/1", "alice/s:1"},
		{"longer name", session("alice", "s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1"),
			"arn:aws:sts::123456789012:assumed-role/alice/s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1",
			"alice:s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1"},
		{"user", Principal{Kind: PrincipalUser, User: "bob", account: "123456789012", names: userARN("123456789012", "bob")}, "arn:aws:iam::123456789012:user/bob", ""},
		{"user, other account", Principal{Kind: PrincipalUser, User: "bob", account: "210987654321", names: userARN("123456789012", "bob")}, "arn:aws:iam::210987654321:user/bob", ""},
		{"user made a session", Principal{Kind: PrincipalSession, User: "bob", SessionName: "x", account: "123456789012", names: userARN("123456789012", "bob")}, "arn:aws:sts::123456789012:assumed-role/bob/x", "bob:x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.p.ARN(); got != tc.arn {
				t.Errorf("ARN %q, want %q", got, tc.arn)
			}
			if tc.userID != "" {
				if got := tc.p.sessionUserID(); got != tc.userID {
					t.Errorf("userID %q, want %q", got, tc.userID)
				}
			}
		})
	}
}

// TestBuiltinPolicyNamesFoldOnlyFromASCII backs IsBuiltinPolicy's length
// check: no non-ASCII rune case-folds to a letter of a built-in name, so
// a name of another byte length is never EqualFold to one.
func TestBuiltinPolicyNamesFoldOnlyFromASCII(t *testing.T) {
	t.Parallel()
	letters := PolicyReadOnly + PolicyReadWrite + PolicyWriteOnly
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && strings.ContainsRune(letters, unicode.ToLower(f)) {
				t.Fatalf("%U folds to %q, a letter of a built-in policy name", r, f)
			}
		}
	}
}

func FuzzIsBuiltinPolicy(f *testing.F) {
	for _, s := range []string{"readonly", "ReadOnly", "READWRITE", "writeonly", "alice-home", "", "readonlyx", "reado\u212anly"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := strings.EqualFold(name, PolicyReadOnly) || strings.EqualFold(name, PolicyReadWrite) || strings.EqualFold(name, PolicyWriteOnly)
		if got := IsBuiltinPolicy(name); got != want {
			t.Fatalf("IsBuiltinPolicy(%q) = %v, want %v", name, got, want)
		}
	})
}
