package wordwise_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// Every helper is checked against a byte-by-byte reference on every byte
// value in every lane.

func lane(x uint64, j int) byte { return byte(x >> (8 * j)) }

func word(b byte, j int, fill byte) uint64 {
	var x uint64
	for k := 0; k < 8; k++ {
		c := fill
		if k == j {
			c = b
		}
		x |= uint64(c) << (8 * k)
	}
	return x
}

func TestLanesEveryByte(t *testing.T) {
	t.Parallel()
	for j := 0; j < 8; j++ {
		for b := 0; b < 256; b++ {
			for _, fill := range []byte{0, 'a', 'Z', 0x7f, 0xff} {
				x := word(byte(b), j, fill)
				for k := 0; k < 8; k++ {
					c := lane(x, k)
					if got, want := lane(wordwise.Lower(x), k), lower(c); got != want {
						t.Fatalf("Lower(%#x) lane %d = %#x, want %#x", x, k, got, want)
					}
					if got, want := lane(wordwise.ZeroBytes(x), k)&0x80 != 0, c == 0; want && !got || got && !lowestZeroOrAfter(x, k) {
						t.Fatalf("ZeroBytes(%#x) lane %d = %v, want %v", x, k, got, want)
					}
					if got, want := lane(wordwise.Eq(x, ';'), k) == 0x80, c == ';'; got != want {
						t.Fatalf("Eq(%#x, ';') lane %d = %v, want %v", x, k, got, want)
					}
					if x&wordwise.Highs == 0 {
						for _, c0 := range []byte{1, '0', 'A', 'Z' + 1, 'a', 'z' + 1, 0x80} {
							if got, want := lane(wordwise.GE(x, c0), k) == 0x80, c >= c0; got != want {
								t.Fatalf("GE(%#x, %#x) lane %d = %v, want %v", x, c0, k, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// lowestZeroOrAfter: ZeroBytes may also mark bytes above the lowest zero
// byte (a borrow), never below it.
func lowestZeroOrAfter(x uint64, k int) bool {
	for j := 0; j <= k; j++ {
		if lane(x, j) == 0 {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func TestLoadTail(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a", "abcdefg", "abcdefgh", "0123456789abcdef0"} {
		for i := 0; i < len(s); i++ {
			if len(s)-i >= 8 {
				continue
			}
			for _, pad := range []byte{0, 'a', 0xff} {
				want := uint64(0)
				for k := 7; k >= 0; k-- {
					c := pad
					if i+k < len(s) {
						c = s[i+k]
					}
					want = want<<8 | uint64(c)
				}
				if got := wordwise.LoadTail(s, i, pad); got != want {
					t.Errorf("LoadTail(%q, %d, %#x) = %#x, want %#x", s, i, pad, got, want)
				}
				if got := wordwise.LoadTail([]byte(s), i, pad); got != want {
					t.Errorf("LoadTail([]byte %q, %d, %#x) = %#x, want %#x", s, i, pad, got, want)
				}
			}
		}
	}
}

func refEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func TestEqualFold(t *testing.T) {
	t.Parallel()
	// Every pair of bytes at every position of strings around the word
	// length, then random strings of the bytes where folding goes wrong.
	for _, n := range []int{1, 7, 8, 9, 16, 21} {
		for pos := 0; pos < n; pos++ {
			for x := 0; x < 256; x++ {
				for y := 0; y < 256; y += 3 {
					a, b := []byte(strings.Repeat("k", n)), []byte(strings.Repeat("K", n))
					a[pos], b[pos] = byte(x), byte(y)
					if got, want := wordwise.EqualFold(string(a), string(b)), refEqualFold(string(a), string(b)); got != want {
						t.Fatalf("EqualFold(%q, %q) = %v, want %v", a, b, got, want)
					}
				}
			}
		}
	}
	const edgy = "aAzZmMxX@`[{\\|]}^~_\x7f-;:/09 \x00\x80\xc1\xe1\xff"
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var sb strings.Builder
		for range rng.IntN(25) {
			sb.WriteByte(edgy[rng.IntN(len(edgy))])
		}
		a := sb.String()
		b := []byte(a)
		for range rng.IntN(3) {
			if len(b) > 0 {
				b[rng.IntN(len(b))] = edgy[rng.IntN(len(edgy))]
			}
		}
		if got, want := wordwise.EqualFold(a, string(b)), refEqualFold(a, string(b)); got != want {
			t.Fatalf("EqualFold(%q, %q) = %v, want %v", a, b, got, want)
		}
	}
	if wordwise.EqualFold("a", "ab") {
		t.Error("strings of different lengths compared equal")
	}
}
