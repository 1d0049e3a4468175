package sigv4

import (
	"math/bits"
	"slices"
)

// Word-at-a-time helpers: eight ASCII bytes tested or case-folded with a
// few integer operations instead of eight branches. Each helper requires
// bytes below 0x80 (callers check with hasHigh first), so that adding a
// constant below 0x81 to a byte never carries into its neighbour.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// load64 reads s[0:8] as a little-endian word (the compiler fuses the byte
// loads into one).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// loadLast reads the last n (1-7) bytes of s, which holds at least eight,
// as a word whose missing high bytes are pad.
func loadLast(s string, n int, pad byte) uint64 {
	shift := uint(8 * (8 - n))
	return load64(s[len(s)-8:])>>shift | uint64(pad)*swarOnes<<(64-shift)
}

// loadEnd reads the last, partial word of s, from i (len(s)-8 < i <
// len(s)), the missing bytes filled with pad. Callers read whole words
// with load64 and only the end of s with loadEnd.
func loadEnd(s string, i int, pad byte) uint64 {
	if len(s) >= 8 {
		return loadLast(s, len(s)-i, pad)
	}
	return loadTail(s[i:], pad)
}

// loadTail reads the up to 7 bytes of s as a word, the missing high bytes
// filled with pad.
func loadTail(s string, pad byte) uint64 {
	x := uint64(pad) * swarOnes
	for i := len(s) - 1; i >= 0; i-- {
		x = x<<8 | uint64(s[i])
	}
	return x
}

// geByte marks (high bit) the bytes of x that are >= c (1 <= c <= 0x80).
func geByte(x uint64, c byte) uint64 { return (x + uint64(0x80-c)*swarOnes) & swarHighs }

// eqByte marks the bytes of x equal to c, exactly.
func eqByte(x uint64, c byte) uint64 {
	t := x ^ uint64(c)*swarOnes
	return ^((t&^swarHighs + ^uint64(swarHighs)) | t) & swarHighs
}

// lower8 folds the ASCII upper-case letters of x to lower case.
func lower8(x uint64) uint64 {
	upper := geByte(x, 'A') &^ geByte(x, 'Z'+1)
	return x | upper>>2
}

// equalFoldASCII reports whether a and b are equal with ASCII letters
// compared case-insensitively (header names; other bytes exactly).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := load64(a[i:]), load64(b[i:])
		if x == y {
			continue
		}
		if (x|y)&swarHighs != 0 {
			return equalFoldBytes(a[i:], b[i:])
		}
		if lower8(x) != lower8(y) {
			return false
		}
	}
	if i == len(a) {
		return true
	}
	var x, y uint64
	if len(a) >= 8 {
		// The last eight bytes, overlapping ones already compared.
		x, y = load64(a[len(a)-8:]), load64(b[len(b)-8:])
	} else {
		x, y = loadTail(a, 0), loadTail(b, 0)
	}
	if x == y {
		return true
	}
	if (x|y)&swarHighs != 0 {
		return equalFoldBytes(a[i:], b[i:])
	}
	return lower8(x) == lower8(y)
}

func equalFoldBytes(a, b string) bool {
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// commonNameBytes returns, for the eight bytes of x, the marks of the ';'
// bytes and whether every byte is one a signer commonly puts in a
// SignedHeaders list: a-z, 0-9, '-' or ';'. Any other byte (including the
// rarer token characters) sends the caller to the byte-by-byte parser.
func commonNameBytes(x uint64) (semis uint64, ok bool) {
	if x&swarHighs != 0 {
		return 0, false
	}
	semis = eqByte(x, ';')
	lower := geByte(x, 'a') &^ geByte(x, 'z'+1)
	digit := geByte(x, '0') &^ geByte(x, '9'+1)
	return semis, lower|digit|eqByte(x, '-')|semis == swarHighs
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
		x := load64(s[i:])
		digit := geByte(x, '0') &^ geByte(x, '9'+1)
		letter := geByte(x, 'a') &^ geByte(x, 'f'+1)
		bad |= x | ^(digit | letter) // a high bit anywhere: not a hex digit
	}
	return bad&swarHighs == 0
}
