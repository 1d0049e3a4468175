package iam

import (
	"math/bits"
	"strings"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// The statement index: an open-addressing hash table from keys derived
// from the request's action and the bucket part of its resource to the
// statements that can only match requests with those (see buildIndex),
// and per-policy Bloom filters that let Evaluate skip a policy's table
// without touching it.

// idxEntry is a table slot: its statements are lists[off:off+n] (no
// pointers, so that the table costs the garbage collector nothing).
type idxEntry struct {
	key uint64 // 0: empty slot
	off int32
	n   int32
}

// indexBloom holds one-word Bloom filters (two bits per member) over the
// keys of each class in a policy's table, and over the bucket hashes of
// its (action, bucket) and bucket keys. A request key whose bits are not
// all set is certainly absent from the table.
type indexBloom struct {
	a, ab, b, bucket uint64
}

// bloomBits returns the two filter bits of a hash (from its high bits;
// table slots use the low bits).
func bloomBits(h uint64) uint64 {
	return 1<<(h>>58) | 1<<((h>>52)&63)
}

const (
	hashSeed = 0x9e3779b97f4a7c15
)

func hashWord(h, x uint64) uint64 {
	h = (h ^ x) * 0xff51afd7ed558ccd
	return h ^ h>>32
}

func hashFinal(h uint64, n int) uint64 {
	h = (h ^ uint64(n)) * 0xc4ceb9fe1a85ec53
	return h ^ h>>29
}

// strHash hashes s eight bytes at a time (the last word zero-padded).
// actionHash and headHash compute the same function while scanning.
func strHash[T string | []byte](s T) uint64 {
	h := uint64(hashSeed)
	n := len(s)
	i := 0
	for ; i+8 <= n; i += 8 {
		h = hashWord(h, wordwise.Load8(s[i:]))
	}
	if i < n {
		h = hashWord(h, wordwise.LoadTail(s, i, 0))
	}
	return hashFinal(h, n)
}

// lowerHash returns strHash of s with ASCII letters in lower case.
func lowerHash(s string) uint64 {
	h := uint64(hashSeed)
	n := len(s)
	i := 0
	for ; i+8 <= n; i += 8 {
		h = hashWord(h, wordwise.Lower(wordwise.Load8(s[i:])))
	}
	if i < n {
		h = hashWord(h, wordwise.Lower(wordwise.LoadTail(s, i, 0)))
	}
	return hashFinal(h, n)
}

// actionHash validates a request action (one ':' not first or last, at
// most 256 bytes, no wildcard) and returns its lowerHash, in one pass.
func actionHash(a string) (uint64, bool) {
	const colons, stars, quests = ':' * wordwise.Ones, '*' * wordwise.Ones, '?' * wordwise.Ones
	n := len(a)
	if n < 3 || n > 256 {
		return 0, false
	}
	h := uint64(hashSeed)
	colon := -1
	var wild uint64
	i := 0
	for ; i+8 <= n; i += 8 {
		x := wordwise.Load8(a[i:])
		if m := wordwise.ZeroBytes(x ^ colons); m != 0 && colon < 0 {
			colon = i + bits.TrailingZeros64(m)/8
		}
		wild |= wordwise.ZeroBytes(x^stars) | wordwise.ZeroBytes(x^quests)
		h = hashWord(h, wordwise.Lower(x))
	}
	if i < n {
		x := wordwise.LoadTail(a, i, 0) // zero padding matches none of ':', '*', '?'
		if m := wordwise.ZeroBytes(x ^ colons); m != 0 && colon < 0 {
			colon = i + bits.TrailingZeros64(m)/8
		}
		wild |= wordwise.ZeroBytes(x^stars) | wordwise.ZeroBytes(x^quests)
		h = hashWord(h, wordwise.Lower(x))
	}
	if colon <= 0 || colon == n-1 || wild != 0 {
		return 0, false
	}
	return hashFinal(h, n), true
}

// bucketStart returns the offset of the resource part of an ARN: just
// after its fifth ':'. ok is false when s has fewer than five ':'.
func bucketStart(s string) (int, bool) {
	const s3 = "arn:aws:s3:::"
	if len(s) >= len(s3) && s[:len(s3)] == s3 {
		return len(s3), true
	}
	off := 0
	for range 5 {
		i := strings.IndexByte(s[off:], ':')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	return off, true
}

// bucketKey returns the bucket part of a resource ARN: from its fifth ':'
// up to the next '/' ("b" for "arn:aws:s3:::b/k"). ok is false when s has
// fewer than five ':'.
func bucketKey(s string) (string, bool) {
	off, ok := bucketStart(s)
	if !ok {
		return "", false
	}
	s = s[off:]
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], true
	}
	return s, true
}

// bucketHash returns strHash of bucketKey(s), in one pass.
func bucketHash(s string) (uint64, bool) {
	const slashes = '/' * wordwise.Ones
	off, ok := bucketStart(s)
	if !ok {
		return 0, false
	}
	h := uint64(hashSeed)
	n := len(s)
	i := off
	for ; i+8 <= n; i += 8 {
		x := wordwise.Load8(s[i:])
		if m := wordwise.ZeroBytes(x ^ slashes); m != 0 {
			k := bits.TrailingZeros64(m) / 8
			if k > 0 {
				h = hashWord(h, x&(1<<(8*k)-1))
			}
			return hashFinal(h, i+k-off), true
		}
		h = hashWord(h, x)
	}
	if i < n {
		x := wordwise.LoadTail(s, i, 0) // zero padding is not '/'
		if m := wordwise.ZeroBytes(x ^ slashes); m != 0 {
			k := bits.TrailingZeros64(m) / 8
			if k > 0 {
				h = hashWord(h, x&(1<<(8*k)-1))
			}
			return hashFinal(h, i+k-off), true
		}
		h = hashWord(h, x)
	}
	return hashFinal(h, n-off), true
}

// Index keys: by action, by bucket, and by both. 0 marks an empty slot.
// Hashes are already mixed; the keys of one class only need to differ from
// those of the others (a collision costs time, never correctness).
func keyA(ha uint64) uint64 { return nonZero(ha) }
func keyB(hb uint64) uint64 { return nonZero(hb ^ 0x6a09e667f3bcc909) }
func keyAB(ha, hb uint64) uint64 {
	h := (ha ^ bits.RotateLeft64(hb, 31)) * 0x94d049bb133111eb
	return nonZero(h ^ h>>31)
}

func nonZero(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

// patternBucket returns the bucket key (see bucketKey) every ARN matching
// ap shares, when its first five components and its resource part up to
// the first '/' are literal.
func (ap *arnPattern) patternBucket() (string, bool) {
	if ap.any || ap.prefixLen == 0 {
		return "", false
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
		return "", false
	}
	return head, true
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
	var bloom indexBloom
	var actionBuf, bucketBuf [8]uint64 // reused by every statement
	for i := range p.stmts {
		st := &p.stmts[i]
		var actions []uint64
		if !st.notAction {
			actions = actionBuf[:0]
			for j := range st.actions {
				if st.actions[j].kind != pExact {
					actions = nil
					break
				}
				actions = append(actions, lowerHash(st.actions[j].lit))
			}
		}
		var buckets []uint64
		if !st.notResource {
			buckets = bucketBuf[:0]
			for j := range st.resources {
				b, ok := st.resources[j].patternBucket()
				if !ok {
					buckets = nil
					break
				}
				buckets = append(buckets, strHash(b))
			}
		}
		switch {
		case len(actions) > 0 && len(buckets) > 0 && len(actions)*len(buckets) <= 64:
			for _, a := range actions {
				for _, b := range buckets {
					k := keyAB(a, b)
					entries = append(entries, entry{k, int32(i)})
					bloom.ab |= bloomBits(k)
					bloom.bucket |= bloomBits(b)
				}
			}
		case len(actions) > 0:
			for _, a := range actions {
				k := keyA(a)
				entries = append(entries, entry{k, int32(i)})
				bloom.a |= bloomBits(k)
			}
		case len(buckets) > 0:
			for _, b := range buckets {
				k := keyB(b)
				entries = append(entries, entry{k, int32(i)})
				bloom.b |= bloomBits(k)
				bloom.bucket |= bloomBits(b)
			}
		default:
			other = append(other, int32(i))
		}
	}
	p.bloom = bloom
	// One backing array holds the statement lists of every slot, then other.
	backing := make([]int32, len(entries)+len(other))
	p.lists = backing
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
		lo := start
		l := backing[lo:ends[slot]:ends[slot]]
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
		p.tab[slot].off, p.tab[slot].n = lo, int32(w)
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
	e := &p.tab[p.slot(key)]
	return p.lists[e.off : e.off+e.n : e.off+e.n]
}
