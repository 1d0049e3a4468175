package sigv4

import (
	"math/bits"
	"slices"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// The word-at-a-time helpers sigv4 needs beyond internal/wordwise, which
// it shares with iam.

// equalFoldASCII reports whether a and b are equal with ASCII letters
// compared case-insensitively (header names; other bytes exactly).
func equalFoldASCII(a, b string) bool { return wordwise.EqualFold(a, b) }

// commonNameBytes returns, for the eight bytes of x, the marks of the ';'
// bytes and whether every byte is one a signer commonly puts in a
// SignedHeaders list: a-z, 0-9, '-' or ';'. Any other byte (including the
// rarer token characters) sends the caller to the byte-by-byte parser.
func commonNameBytes(x uint64) (semis uint64, ok bool) {
	if x&wordwise.Highs != 0 {
		return 0, false
	}
	semis = wordwise.Eq(x, ';')
	lower := wordwise.GE(x, 'a') &^ wordwise.GE(x, 'z'+1)
	digit := wordwise.GE(x, '0') &^ wordwise.GE(x, '9'+1)
	return semis, lower|digit|wordwise.Eq(x, '-')|semis == wordwise.Highs
}

// nextMark pops the lowest marked byte of m, returning its index (0-7).
func nextMark(m *uint64) int {
	i := bits.TrailingZeros64(*m) >> 3
	*m &= *m - 1
	return i
}

// appendHex appends the lower-case hex of src.
func appendHex(b, src []byte) []byte {
	n := len(b)
	b = slices.Grow(b, 2*len(src))[:n+2*len(src)]
	encodeHex(b[n:], src)
	return b
}

// isLowerHex64 reports whether s is 64 lower-case hex digits ('0'-'9',
// 'a'-'f'), such as a hex SHA-256, eight bytes at a time.
func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	bad := uint64(0)
	for i := 0; i < 64; i += 8 {
		x := wordwise.Load8(s[i:])
		digit := wordwise.GE(x, '0') &^ wordwise.GE(x, '9'+1)
		letter := wordwise.GE(x, 'a') &^ wordwise.GE(x, 'f'+1)
		bad |= x | ^(digit | letter) // a high bit anywhere: not a hex digit
	}
	return bad&wordwise.Highs == 0
}
