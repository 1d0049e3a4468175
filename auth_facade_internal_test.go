package s3auth

import (
	"net/netip"
	"strconv"
	"testing"
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

func TestHasParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		s     string
		parts []string
		want  bool
	}{
		{"exact", "ab:cd", []string{"ab", ":", "cd"}, true},
		{"none", "", nil, true},
		{"empty parts", "ab", []string{"", "ab", ""}, true},
		{"longer", "ab:cde", []string{"ab", ":", "cd"}, false},
		{"shorter", "ab:c", []string{"ab", ":", "cd"}, false},
		{"shifted", "a:bcd", []string{"ab", ":", "cd"}, false},
		{"nothing left for s", "", []string{"x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := hasParts(tc.s, tc.parts...); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
