// Package wordwise holds the word-at-a-time ASCII helpers that sigv4 and
// iam share: eight bytes of a string read as one little-endian word, then
// tested or case-folded with a few integer operations instead of eight
// branches.
//
// GE and Eq require bytes below 0x80 (check with Highs first), so that
// adding a constant below 0x81 to a byte never carries into its
// neighbour; Lower and ZeroBytes work on any bytes.
package wordwise

// Ones has 0x01 in every byte, Highs 0x80.
const (
	Ones  = 0x0101010101010101
	Highs = 0x8080808080808080
)

// Load8 reads s[0:8] as a little-endian word (the compiler fuses the byte
// loads into one).
func Load8[T string | []byte](s T) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// LoadTail reads s[i:], fewer than eight bytes, as a little-endian word
// whose missing high bytes are pad. When s holds eight bytes or more, it
// re-reads the last eight (overlapping bytes before i) and shifts them.
func LoadTail[T string | []byte](s T, i int, pad byte) uint64 {
	n := len(s)
	k := n - i
	fill := uint64(pad) * Ones << (8 * k)
	if n >= 8 {
		return Load8(s[n-8:])>>(8*(8-k)) | fill
	}
	var x uint64
	for j := 0; j < k; j++ {
		x |= uint64(s[i+j]) << (8 * j)
	}
	return x | fill
}

// ZeroBytes returns a word with the high bit set in (at least) the lowest
// zero byte of x; it is 0 exactly when x has no zero byte.
func ZeroBytes(x uint64) uint64 { return (x - Ones) &^ x & Highs }

// Lower maps the ASCII upper-case letters among the bytes of x to lower
// case and leaves every other byte alone.
func Lower(x uint64) uint64 {
	h := x &^ Highs
	ge := h + (0x80-'A')*Ones // high bit set where the byte (sans its own) >= 'A'
	gt := h + (0x7f-'Z')*Ones // and where it is > 'Z'
	return x | ((ge&^gt)&^x&Highs)>>2
}

// GE marks (high bit) the bytes of x that are >= c (1 <= c <= 0x80);
// every byte of x must be below 0x80.
func GE(x uint64, c byte) uint64 { return (x + uint64(0x80-c)*Ones) & Highs }

// Eq marks the bytes of x equal to c, exactly.
func Eq(x uint64, c byte) uint64 {
	t := x ^ uint64(c)*Ones
	return ^((t&^Highs + ^uint64(Highs)) | t) & Highs
}

// EqualFold reports whether a and b are equal with ASCII letters compared
// case-insensitively (header names, actions; other bytes exactly).
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for ; i+8 <= len(a); i += 8 {
		if x, y := Load8(a[i:]), Load8(b[i:]); x != y && Lower(x) != Lower(y) {
			return false
		}
	}
	if i == len(a) {
		return true
	}
	x, y := LoadTail(a, i, 0), LoadTail(b, i, 0)
	return x == y || Lower(x) == Lower(y)
}
