package iam

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use. Create it with [Parse] or
// [Canned].
type Policy struct {
	version    string
	id         string
	hasID      bool
	stmtObject bool
	stmts      []statement
	size       int
	resource   bool

	// Index (see buildIndex): an open-addressing hash table from keys
	// derived from the action and the bucket part of the resource to the
	// statements that can only match requests with those; other holds
	// the statements that must always be checked.
	tab   []idxEntry
	other []int32
}

type idxEntry struct {
	key   uint64 // 0: empty slot
	stmts []int32
}

type statement struct {
	sid          string
	principal    principalSet
	actions      []pattern
	actionSrc    []string
	resources    []arnPattern
	resourceSrc  []string
	conds        []condition
	index        int32
	deny         bool
	notPrincipal bool
	notAction    bool
	notResource  bool
}

type principalSet struct {
	arns    []string // AWS principals as ARNs (account IDs as their root ARN)
	entries []principalEntry
	any     bool // "*" or {"AWS": "*"}
	star    bool // written as the string "*"
}

type principalEntry struct {
	typ   string
	ids   []string
	array bool
}

// strHash hashes s eight bytes at a time. With fold, every byte is ORed
// with 0x20, which maps ASCII upper case to lower case (and conflates a few
// punctuation pairs: harmless, the index only selects candidates).
func strHash[T string | []byte](s T, fold bool) uint64 {
	var m uint64
	if fold {
		m = 0x2020202020202020
	}
	full := s
	h := uint64(len(s)) * 0x9e3779b97f4a7c15
	for len(s) >= 8 {
		x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ (x | m)) * 0xff51afd7ed558ccd
		h ^= h >> 32
		s = s[8:]
	}
	if len(s) > 0 {
		var x uint64
		if n := len(full); n >= 8 {
			// Re-read the last eight bytes (overlapping) instead of a loop.
			t := full[n-8:]
			x = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
				uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
			x |= m
		} else {
			for i := 0; i < len(s); i++ {
				x |= uint64(s[i]|byte(m)) << (8 * i)
			}
		}
		h = (h ^ x) * 0xc4ceb9fe1a85ec53
		h ^= h >> 32
	}
	return h
}

// mix is the splitmix64 finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Index keys: by action, by bucket, and by both. 0 marks an empty slot.
func keyA(ha uint64) uint64      { return nonZero(mix(ha + 1)) }
func keyB(hb uint64) uint64      { return nonZero(mix(hb + 2)) }
func keyAB(ha, hb uint64) uint64 { return nonZero(mix(ha ^ mix(hb+3))) }

func nonZero(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

// bucketKey returns the part of a resource ARN up to the end of its
// bucket: up to the first '/' after the fifth ':' ("arn:aws:s3:::b" for
// "arn:aws:s3:::b/k"). ok is false when s has fewer than five ':'.
func bucketKey(s string) (string, bool) {
	const s3 = "arn:aws:s3:::"
	if len(s) > len(s3) && s[:len(s3)] == s3 {
		if i := strings.IndexByte(s[len(s3):], '/'); i >= 0 {
			return s[:len(s3)+i], true
		}
		return s, true
	}
	off := 0
	for range 5 {
		i := strings.IndexByte(s[off:], ':')
		if i < 0 {
			return "", false
		}
		off += i + 1
	}
	if i := strings.IndexByte(s[off:], '/'); i >= 0 {
		return s[:off+i], true
	}
	return s, true
}

// patternBucket returns the bucket key every ARN matching ap shares, when
// its first five components and its resource part up to the first '/' are
// literal.
func (ap *arnPattern) patternBucket() (string, bool) {
	b, ok := ap.appendBucket(nil)
	return string(b), ok
}

// appendBucket appends the bucket key of patternBucket to dst.
func (ap *arnPattern) appendBucket(dst []byte) ([]byte, bool) {
	if ap.any || ap.prefix == "" {
		return dst, false
	}
	var head string
	switch ap.res.kind {
	case pExact:
		head = ap.res.lit
	case pPrefix:
		head = ap.res.lit
	case pGlob:
		if len(ap.res.toks) > 0 && ap.res.toks[0].kind == tLit {
			head = ap.res.toks[0].s
		}
	}
	i := strings.IndexByte(head, '/')
	switch {
	case i >= 0:
		head = head[:i]
	case ap.res.kind != pExact:
		return dst, false
	}
	return append(append(dst, ap.prefix...), head...), true
}

// bucketHash is strHash(patternBucket()) without building the string.
func (ap *arnPattern) bucketHash() (uint64, bool) {
	var buf [128]byte
	b, ok := ap.appendBucket(buf[:0])
	if !ok {
		return 0, false
	}
	return strHash(b, false), true
}

// buildIndex files every statement under the index keys a matching request
// must produce. A statement whose actions are all literal and whose
// resources all name a literal bucket goes under (action, bucket) keys; with
// literal actions only under action keys; with literal buckets only under
// bucket keys; anything else (NotAction, NotResource, wildcards in both)
// into other. The index only selects candidates: every candidate is still
// fully matched, so a hash collision costs time, never correctness.
func (p *Policy) buildIndex() {
	type entry struct {
		key uint64
		st  int32
	}
	// Scratch lives on the stack for policies of ordinary size.
	var entryBuf [64]entry
	var otherBuf [32]int32
	entries, other := entryBuf[:0], otherBuf[:0]
	for i := range p.stmts {
		st := &p.stmts[i]
		var actionBuf, bucketBuf [8]uint64
		var actions []uint64
		if !st.notAction {
			actions = actionBuf[:0]
			for j := range st.actions {
				if st.actions[j].kind != pExact {
					actions = nil
					break
				}
				actions = append(actions, strHash(st.actions[j].lit, true))
			}
		}
		var buckets []uint64
		if !st.notResource {
			buckets = bucketBuf[:0]
			for j := range st.resources {
				h, ok := st.resources[j].bucketHash()
				if !ok {
					buckets = nil
					break
				}
				buckets = append(buckets, h)
			}
		}
		switch {
		case len(actions) > 0 && len(buckets) > 0 && len(actions)*len(buckets) <= 64:
			for _, a := range actions {
				for _, b := range buckets {
					entries = append(entries, entry{keyAB(a, b), int32(i)})
				}
			}
		case len(actions) > 0:
			for _, a := range actions {
				entries = append(entries, entry{keyA(a), int32(i)})
			}
		case len(buckets) > 0:
			for _, b := range buckets {
				entries = append(entries, entry{keyB(b), int32(i)})
			}
		default:
			other = append(other, int32(i))
		}
	}
	// One backing array holds the statement lists of every slot, then other.
	backing := make([]int32, len(entries)+len(other))
	if len(other) > 0 {
		p.other = backing[len(entries):len(backing):len(backing)]
		copy(p.other, other)
	}
	if len(entries) == 0 {
		return
	}
	size := 4
	for size < 2*len(entries) {
		size *= 2
	}
	p.tab = make([]idxEntry, size)
	// Counting sort by slot, in statement order: slots[k] is entry k's
	// slot, ends[s] first counts the entries of the slots before s, then,
	// as entries are placed, becomes the end of slot s's list.
	var scratchBuf [256]int32
	var scratch []int32
	if n := len(entries) + size + 1; n > len(scratchBuf) {
		scratch = make([]int32, n)
	} else {
		scratch = scratchBuf[:n]
	}
	slots, ends := scratch[:len(entries)], scratch[len(entries):]
	for k, e := range entries {
		slot := p.slot(e.key)
		p.tab[slot].key = e.key
		slots[k] = int32(slot)
		ends[slot+1]++
	}
	for slot := 1; slot <= size; slot++ {
		ends[slot] += ends[slot-1]
	}
	for k, e := range entries {
		backing[ends[slots[k]]] = e.st
		ends[slots[k]]++
	}
	start := int32(0)
	for slot := range p.tab {
		l := backing[start:ends[slot]:ends[slot]]
		start = ends[slot]
		if len(l) == 0 {
			continue
		}
		// A statement filed twice under one slot (a hash collision of two
		// of its keys) is listed once.
		w := 1
		for r := 1; r < len(l); r++ {
			if l[r] != l[w-1] {
				l[w] = l[r]
				w++
			}
		}
		p.tab[slot].stmts = l[:w:w]
	}
}

// slot returns the slot holding key, or the empty slot where it would go.
func (p *Policy) slot(key uint64) int {
	mask := uint64(len(p.tab) - 1)
	i := key & mask
	for p.tab[i].key != 0 && p.tab[i].key != key {
		i = (i + 1) & mask
	}
	return int(i)
}

// lookup returns the statements filed under key.
func (p *Policy) lookup(key uint64) []int32 {
	if len(p.tab) == 0 {
		return nil
	}
	return p.tab[p.slot(key)].stmts
}

// Size returns the document's size as measured by [PackedSize] when it was
// parsed.
func (p *Policy) Size() int { return p.size }

// Version returns the policy's Version ("" when absent).
func (p *Policy) Version() string { return p.version }

// IsResourcePolicy reports whether the policy was parsed as a resource
// (bucket) policy.
func (p *Policy) IsResourcePolicy() bool { return p.resource }

// Statement is a read-only description of one policy statement, as
// returned by [Policy.Statements]. Exactly one of each pair
// Action/NotAction and Resource/NotResource is set; Principal or
// NotPrincipal only in resource policies.
type Statement struct {
	Index        int    // position in the policy, from 0
	Sid          string // "" when absent
	Effect       string // "Allow" or "Deny"
	Principal    map[string][]string
	NotPrincipal map[string][]string
	// AnyPrincipal is true when the Principal was written as "*".
	AnyPrincipal bool
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    []Condition
}

// Condition is one (operator, key, values) triple of a statement.
type Condition struct {
	Operator string // e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written
	Values   []string
}

// Statements returns a description of each statement. The result is a
// copy: modifying it does not change the policy.
func (p *Policy) Statements() []Statement {
	out := make([]Statement, len(p.stmts))
	for i := range p.stmts {
		st := &p.stmts[i]
		s := Statement{Index: int(st.index), Sid: st.sid, Effect: "Allow"}
		if st.deny {
			s.Effect = "Deny"
		}
		if st.principal.star {
			s.AnyPrincipal = true
		} else if len(st.principal.entries) > 0 {
			m := map[string][]string{}
			for _, e := range st.principal.entries {
				m[e.typ] = slices.Clone(e.ids)
			}
			if st.notPrincipal {
				s.NotPrincipal = m
			} else {
				s.Principal = m
			}
		}
		if st.notAction {
			s.NotAction = slices.Clone(st.actionSrc)
		} else {
			s.Action = slices.Clone(st.actionSrc)
		}
		if st.notResource {
			s.NotResource = slices.Clone(st.resourceSrc)
		} else {
			s.Resource = slices.Clone(st.resourceSrc)
		}
		for _, c := range st.conds {
			vs := make([]string, len(c.values))
			for j := range c.values {
				vs[j] = c.values[j].raw
			}
			s.Condition = append(s.Condition, Condition{Operator: c.opName, Key: c.keyName, Values: vs})
		}
		out[i] = s
	}
	return out
}

// MarshalJSON returns the policy's canonical document: fields in a fixed
// order, no whitespace, single values written bare and several as arrays,
// strings escaped minimally. It parses back (with the same options) to a
// policy that decides every request the same way, and it is never larger
// than the document it was parsed from (as measured by [PackedSize]) unless
// that document used \u escapes for characters that need none.
func (p *Policy) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, p.size+16)
	b = append(b, '{')
	comma := false
	if p.version != "" {
		b = append(b, `"Version":`...)
		b = appendJSONString(b, p.version)
		comma = true
	}
	if p.hasID {
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"Id":`...)
		b = appendJSONString(b, p.id)
		comma = true
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, `"Statement":`...)
	if !p.stmtObject {
		b = append(b, '[')
	}
	for i := range p.stmts {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.stmts[i].appendJSON(b)
	}
	if !p.stmtObject {
		b = append(b, ']')
	}
	b = append(b, '}')
	return b, nil
}

func (st *statement) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if st.sid != "" {
		b = append(b, `"Sid":`...)
		b = appendJSONString(b, st.sid)
		b = append(b, ',')
	}
	if st.deny {
		b = append(b, `"Effect":"Deny"`...)
	} else {
		b = append(b, `"Effect":"Allow"`...)
	}
	if st.principal.star || len(st.principal.entries) > 0 {
		if st.notPrincipal {
			b = append(b, `,"NotPrincipal":`...)
		} else {
			b = append(b, `,"Principal":`...)
		}
		if st.principal.star {
			b = append(b, `"*"`...)
		} else {
			b = append(b, '{')
			for i, e := range st.principal.entries {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, e.typ)
				b = append(b, ':')
				b = appendStrings(b, e.ids, e.array)
			}
			b = append(b, '}')
		}
	}
	if st.notAction {
		b = append(b, `,"NotAction":`...)
	} else {
		b = append(b, `,"Action":`...)
	}
	b = appendStrings(b, st.actionSrc, len(st.actionSrc) > 1)
	if st.notResource {
		b = append(b, `,"NotResource":`...)
	} else {
		b = append(b, `,"Resource":`...)
	}
	b = appendStrings(b, st.resourceSrc, len(st.resourceSrc) > 1)
	if len(st.conds) > 0 {
		b = append(b, `,"Condition":{`...)
		for i := range st.conds {
			c := &st.conds[i]
			first := i == 0 || st.conds[i-1].opName != c.opName
			if first {
				if i > 0 {
					b = append(b, "},"...)
				}
				b = appendJSONString(b, c.opName)
				b = append(b, ":{"...)
			} else {
				b = append(b, ',')
			}
			b = appendJSONString(b, c.keyName)
			b = append(b, ':')
			if c.arrayForm {
				b = append(b, '[')
			}
			for j := range c.values {
				if j > 0 {
					b = append(b, ',')
				}
				v := &c.values[j]
				if v.quoted {
					b = appendJSONString(b, v.raw)
				} else {
					b = append(b, v.raw...)
				}
			}
			if c.arrayForm {
				b = append(b, ']')
			}
		}
		b = append(b, "}}"...)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string, array bool) []byte {
	if !array && len(ss) == 1 {
		return appendJSONString(b, ss[0])
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString writes s as a JSON string, escaping only what JSON
// requires.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// String returns the canonical document (see [Policy.MarshalJSON]).
func (p *Policy) String() string {
	b, _ := p.MarshalJSON()
	return string(b)
}
