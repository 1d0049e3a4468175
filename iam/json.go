package iam

import (
	"math/bits"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Limits of the strict JSON reader. A policy nests at most seven levels
// (document, Statement array, statement, Condition, operator, key, values),
// so anything deeper is abuse and is rejected before it costs anything.
const (
	maxDepth    = 10
	maxElements = 4096 // members of one object or elements of one array
)

type jkind uint8

const (
	jString jkind = iota
	jNumber
	jBool
	jNull
	jObject
	jArray
)

func (k jkind) String() string {
	switch k {
	case jString:
		return "a string"
	case jNumber:
		return "a number"
	case jBool:
		return "a boolean"
	case jNull:
		return "null"
	case jObject:
		return "an object"
	default:
		return "an array"
	}
}

// jvalue is one parsed JSON value. Objects keep their members in document
// order (each member is a value with its key set); duplicate keys are
// rejected while parsing. A jvalue holds no pointers, so that the nodes of
// a document cost the garbage collector nothing: its strings are spans of
// the document (see jdoc).
type jvalue struct {
	key jstr // member name, when the value is a member of an object
	str jstr // string contents (unescaped), or the literal text of a number/bool
	// The members of an object or the elements of an array are
	// nodes[off:off+n] of the document's node slice.
	off  int32
	n    uint16 // at most maxElements
	kind jkind
}

// jstr is a string of a document: doc[off:off+n], or, when off is
// negative, the unescaped text esc[^off:^off+n].
type jstr struct{ off, n int32 }

// jdoc is a parsed document: its text, the unescaped text of the strings
// that had escapes, and the nodes of its containers.
type jdoc struct {
	s, esc string
	nodes  []jvalue
}

// text returns the string j.
func (d *jdoc) text(j jstr) string {
	if j.off >= 0 {
		return d.s[j.off : j.off+j.n]
	}
	return d.esc[^j.off : ^j.off+j.n]
}

// key returns the member name of v.
func (d *jdoc) key(v *jvalue) string { return d.text(v.key) }

// str returns the string contents, or literal text, of v.
func (d *jdoc) str(v *jvalue) string { return d.text(v.str) }

// kids returns the members of an object or the elements of an array.
func (d *jdoc) kids(v *jvalue) []jvalue {
	return d.nodes[v.off : v.off+int32(v.n)]
}

// jsonError is a syntax error at a byte offset.
type jsonError struct {
	off int
	msg string
}

type jparser struct {
	s   string
	pos int
	ws  int // whitespace bytes skipped outside strings
	err *jsonError
	// Scratch stack: a container's children are gathered here and copied
	// out, contiguously, when the container ends.
	stack []jvalue
	// The children of every container, a container's children together.
	nodes []jvalue
	esc   []byte // the unescaped text of strings with escapes
}

// span returns the document text of j; ok is false when j is in esc.
func (p *jparser) span(j jstr) (string, bool) {
	if j.off >= 0 {
		return p.s[j.off : j.off+j.n], true
	}
	return "", false
}

// same reports whether two strings of the document are equal.
func (p *jparser) same(a, b jstr) bool {
	if a.n != b.n {
		return false
	}
	as, aok := p.span(a)
	bs, bok := p.span(b)
	switch {
	case aok && bok:
		return as == bs
	case aok:
		return as == string(p.esc[^b.off:^b.off+b.n])
	case bok:
		return string(p.esc[^a.off:^a.off+a.n]) == bs
	}
	return string(p.esc[^a.off:^a.off+a.n]) == string(p.esc[^b.off:^b.off+b.n])
}

// text returns the string j (allocating when it is in esc).
func (p *jparser) text(j jstr) string {
	if s, ok := p.span(j); ok {
		return s
	}
	return string(p.esc[^j.off : ^j.off+j.n])
}

// finish moves the children gathered on the stack since base to the nodes
// and sets the off and n of their container, p.stack[at]. (After an error
// the stack is left as it is: the parse is over.)
func (p *jparser) finish(at, base int) {
	v := &p.stack[at]
	v.off, v.n = int32(len(p.nodes)), uint16(len(p.stack)-base)
	p.nodes = append(p.nodes, p.stack[base:]...)
	p.stack = p.stack[:base]
}

// member parses the value of an object member or array element (key is
// zero for an element) and pushes it on the stack. Strings, most of the
// values of a policy, are read here without a call to value.
func (p *jparser) member(key jstr, depth int) {
	if depth < maxDepth && p.pos < len(p.s) && p.s[p.pos] == '"' {
		p.stack = append(p.stack, jvalue{key: key, kind: jString, str: p.str()})
		return
	}
	p.stack = append(p.stack, jvalue{key: key})
	p.value(len(p.stack)-1, depth)
}

// jscratch is the scratch memory of parseJSON: one array for the scratch
// stack and the nodes, and the unescaped text. Nothing a compiled Policy
// holds points into it (its strings are substrings of the document or
// copies of esc), so Parse hands it back to jsonScratch once the policy is
// compiled, and the next parse reuses it instead of allocating and zeroing
// a few kilobytes.
type jscratch struct {
	buf []jvalue
	esc []byte
}

// jsonScratch recycles jscratch values. Buffers grown past maxPooledNodes
// (or maxPooledEsc bytes) by an unusually large policy are dropped rather
// than kept alive.
var jsonScratch = sync.Pool{New: func() any { return new(jscratch) }}

const (
	maxPooledNodes = 1 << 13 // 192 KiB of jvalue
	maxPooledEsc   = 1 << 14
)

// getScratch returns a scratch from the pool.
func getScratch() *jscratch { return jsonScratch.Get().(*jscratch) }

// putScratch returns sc, whose nodes must no longer be used, to the pool.
func putScratch(sc *jscratch) {
	if cap(sc.buf) > maxPooledNodes {
		sc.buf = nil
	}
	if cap(sc.esc) > maxPooledEsc {
		sc.esc = nil
	}
	jsonScratch.Put(sc)
}

// parseJSON parses one strict JSON document: no duplicate keys at any level,
// valid UTF-8, depth and container sizes bounded, nothing after the value.
// It returns the root and the nodes its containers refer to (see
// jvalue.off), and the packed size (see PackedSize). The nodes live in sc:
// they are valid until sc is reused.
func parseJSON(s string, sc *jscratch) (jvalue, jdoc, int, *jsonError) {
	// A policy has about one value per 19 bytes; a denser document makes
	// nodes grow once or twice. The stack shares the array: it rarely
	// holds more than a dozen values.
	const stackSize = 24
	if need := stackSize + len(s)/16 + 8; cap(sc.buf) < need {
		sc.buf = make([]jvalue, 0, need)
	}
	buf := sc.buf[:stackSize]
	p := jparser{s: s, stack: buf[:1:stackSize], nodes: buf[stackSize:stackSize], esc: sc.esc[:0]}
	p.stack[0] = jvalue{}
	p.skipWS()
	p.value(0, 0) // the root, in stack[0]
	v := p.stack[0]
	// Keep what grew for the next parse: a grown node array can hold the
	// stack and the nodes of a document as dense as this one.
	if cap(p.nodes)+stackSize > cap(sc.buf) && cap(p.nodes) >= stackSize {
		sc.buf = p.nodes[:0:cap(p.nodes)]
	}
	sc.esc = p.esc[:0]
	if p.err != nil {
		return jvalue{}, jdoc{}, 0, p.err
	}
	p.skipWS()
	if p.pos != len(p.s) {
		return jvalue{}, jdoc{}, 0, &jsonError{p.pos, "unexpected data after the end of the JSON document"}
	}
	var esc string
	if len(p.esc) > 0 {
		esc = string(p.esc)
	}
	return v, jdoc{s: s, esc: esc, nodes: p.nodes}, len(s) - p.ws, nil
}

func (p *jparser) fail(msg string) {
	if p.err == nil {
		p.err = &jsonError{p.pos, msg}
	}
}

func (p *jparser) skipWS() {
	if p.pos < len(p.s) && p.s[p.pos] > ' ' {
		return // compact JSON: nothing to skip
	}
	start := p.pos
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			p.ws += p.pos - start
			return
		}
	}
	p.ws += p.pos - start
}

// value parses a value into p.stack[at], whose key is already set.
func (p *jparser) value(at, depth int) {
	if depth >= maxDepth {
		p.fail("JSON nested deeper than " + strconv.Itoa(maxDepth) + " levels; a policy never needs that")
		return
	}
	if p.pos >= len(p.s) {
		p.fail("unexpected end of the JSON document")
		return
	}
	v := &p.stack[at]
	switch c := p.s[p.pos]; {
	case c == '{':
		v.kind = jObject
		p.object(at, depth) // v is stale once the stack grows
	case c == '[':
		v.kind = jArray
		p.array(at, depth)
	case c == '"':
		v.kind, v.str = jString, p.str()
	case c == 't':
		v.kind, v.str = jBool, p.lit("true")
	case c == 'f':
		v.kind, v.str = jBool, p.lit("false")
	case c == 'n':
		v.kind, v.str = jNull, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		v.kind, v.str = jNumber, p.number()
	default:
		p.fail("unexpected character " + strconv.QuoteRune(rune(c)) + "; expected a JSON value")
	}
}

func (p *jparser) lit(word string) jstr {
	if len(p.s)-p.pos >= len(word) && p.s[p.pos:p.pos+len(word)] == word {
		p.pos += len(word)
		return jstr{int32(p.pos - len(word)), int32(len(word))}
	}
	p.fail("invalid literal; expected " + word)
	return jstr{}
}

func (p *jparser) number() jstr {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if digits() == 0 {
		p.fail("invalid number")
		return jstr{}
	}
	if p.s[intStart] == '0' && p.pos-intStart > 1 {
		p.fail("invalid number: leading zero")
		return jstr{}
	}
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			p.fail("invalid number: digits expected after '.'")
			return jstr{}
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			p.fail("invalid number: digits expected in exponent")
			return jstr{}
		}
	}
	return jstr{int32(start), int32(p.pos - start)}
}

// str parses a string starting at the opening quote. Strings without escapes
// are spans of the document; the others are unescaped into p.esc.
func (p *jparser) str() jstr {
	s := p.s
	start := p.pos + 1 // after the opening quote
	for i := start; i < len(s); {
		// Eight bytes at a time while none is special: a control
		// character, non-ASCII, '"' or '\\'.
		for i+8 <= len(s) {
			t := s[i : i+8]
			x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
				uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
			if m := specialBytes(x); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			p.pos = i + 1
			return jstr{int32(start), int32(i - start)}
		case c == '\\':
			p.pos = i
			return p.strSlow(start)
		case c < 0x20:
			p.pos = i
			p.fail("control character in a string; escape it")
			return jstr{}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				p.pos = i
				p.fail("invalid UTF-8 in a string")
				return jstr{}
			}
			i += n
		}
	}
	p.pos = len(s)
	p.fail("unterminated string")
	return jstr{}
}

// specialBytes returns, for the eight bytes of x (the first in the low
// byte), a mask whose lowest set bit is the high bit of the first byte that
// is a control character, non-ASCII, '"' or '\\', or 0 when there is none.
// (Bits above the lowest may be spurious.)
func specialBytes(x uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	zeroByte := func(v uint64) uint64 { return (v - ones) & ^v & high }
	ctl := (x - 0x20*ones) & ^x & high // a byte below 0x20
	return ctl | x&high | zeroByte(x^('"'*ones)) | zeroByte(x^('\\'*ones))
}

func (p *jparser) strSlow(start int) jstr {
	from := len(p.esc)
	buf := append(p.esc, p.s[start:p.pos]...)
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			p.esc = buf
			return jstr{^int32(from), int32(len(buf) - from)}
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				p.fail("unterminated string")
				return jstr{}
			}
			e := p.s[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return jstr{}
				}
				if r >= 0xD800 && r < 0xDC00 {
					// High surrogate: a low surrogate must follow.
					if p.pos+1 < len(p.s) && p.s[p.pos] == '\\' && p.s[p.pos+1] == 'u' {
						p.pos += 2
						r2, ok := p.hex4()
						if !ok {
							return jstr{}
						}
						if r2 < 0xDC00 || r2 >= 0xE000 {
							p.fail("invalid UTF-16 surrogate pair in \\u escape")
							return jstr{}
						}
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					} else {
						p.fail("lone UTF-16 surrogate in \\u escape")
						return jstr{}
					}
				} else if r >= 0xDC00 && r < 0xE000 {
					p.fail("lone UTF-16 surrogate in \\u escape")
					return jstr{}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.fail("invalid escape \\" + string(rune(e)) + " in a string")
				return jstr{}
			}
		case c < 0x20:
			p.fail("control character in a string; escape it")
			return jstr{}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, n := utf8.DecodeRuneInString(p.s[p.pos:])
			if r == utf8.RuneError && n == 1 {
				p.fail("invalid UTF-8 in a string")
				return jstr{}
			}
			buf = append(buf, p.s[p.pos:p.pos+n]...)
			p.pos += n
		}
	}
	p.fail("unterminated string")
	return jstr{}
}

func (p *jparser) hex4() (rune, bool) {
	if p.pos+4 > len(p.s) {
		p.fail("truncated \\u escape")
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := p.s[p.pos+i]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			p.fail("invalid hex digit in \\u escape")
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// object parses an object into p.stack[at].
func (p *jparser) object(at, depth int) {
	p.pos++ // {
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		return
	}
	base := len(p.stack)
	for p.err == nil {
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			p.fail("expected a quoted member name")
			break
		}
		keyPos := p.pos
		key := p.str()
		if p.err != nil {
			break
		}
		for i := base; i < len(p.stack); i++ {
			if k := p.stack[i].key; k.n == key.n && p.same(k, key) {
				p.pos = keyPos
				p.fail("duplicate key " + strconv.Quote(p.text(key)) + " in the same object; each key may appear only once")
				return
			}
		}
		if len(p.stack)-base >= maxElements {
			p.fail("object has more than " + strconv.Itoa(maxElements) + " members")
			break
		}
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			p.fail("expected ':' after a member name")
			break
		}
		p.pos++
		p.skipWS()
		p.member(key, depth+1)
		if p.err != nil {
			break
		}
		p.skipWS()
		if p.pos >= len(p.s) {
			p.fail("unexpected end of the JSON document inside an object")
			break
		}
		if p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.s[p.pos] == '}' {
			p.pos++
			p.finish(at, base)
			return
		}
		p.fail("expected ',' or '}' in an object")
	}
}

// array parses an array into p.stack[at].
func (p *jparser) array(at, depth int) {
	p.pos++ // [
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		return
	}
	base := len(p.stack)
	for p.err == nil {
		p.skipWS()
		if len(p.stack)-base >= maxElements {
			p.fail("array has more than " + strconv.Itoa(maxElements) + " elements")
			break
		}
		p.member(jstr{}, depth+1)
		if p.err != nil {
			break
		}
		p.skipWS()
		if p.pos >= len(p.s) {
			p.fail("unexpected end of the JSON document inside an array")
			break
		}
		if p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.s[p.pos] == ']' {
			p.pos++
			p.finish(at, base)
			return
		}
		p.fail("expected ',' or ']' in an array")
	}
}

// PackedSize returns the size of a policy document as AWS measures it for
// its limits: the number of bytes once every whitespace character outside
// JSON strings is removed. Bytes inside strings, escapes included, count as
// written. It fails only when a string is not terminated.
func PackedSize(doc []byte) (int, error) {
	n := 0
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			j := i + 1
			for ; j < len(doc); j++ {
				if doc[j] == '\\' {
					j++
					continue
				}
				if doc[j] == '"' {
					break
				}
			}
			if j >= len(doc) {
				return 0, &ParseError{Msg: "unterminated string starting at byte " + strconv.Itoa(i)}
			}
			n += j - i + 1
			i = j
		default:
			n++
		}
	}
	return n, nil
}
