package sigv4

import (
	"net/textproto"
	"strings"
	"sync/atomic"
)

// A signer sends the same SignedHeaders list for every request of a kind
// (an SDK's GetObject, its PutObject...), so a Verifier remembers the few
// lists it has parsed, each with what the header walk needs to match the
// request's header keys against it quickly.

// maxCachedList bounds the length of a remembered list.
const maxCachedList = 512

// maxScannedNames is the most names a remembered list matches header keys
// against one by one; longer lists use indexNameFold's binary search.
const maxScannedNames = 16

// signedList is a parsed SignedHeaders value. It is immutable once built
// and shared by every verification that sends the same list.
type signedList struct {
	raw   string   // the list, a copy owned by the cache
	names []string // substrings of raw: lower case, sorted, unique
	canon []string // names[i] as net/http keys a received header (X-Amz-Date); nil for long lists
	lens  [3]uint64
}

func newSignedList(s string) (*signedList, bool) {
	l := &signedList{raw: strings.Clone(s)}
	var msg string
	if l.names, msg = parseSignedHeaders(nil, l.raw); msg != "" {
		return nil, false
	}
	for _, n := range l.names {
		if len(n) <= 128 {
			l.lens[len(n)>>6] |= 1 << (len(n) & 63)
		}
	}
	if len(l.names) > maxScannedNames {
		// A long list is searched, not scanned (see index).
		return l, true
	}
	l.canon = make([]string, len(l.names))
	for i, n := range l.names {
		// Only the case of letters changes: parseSignedHeaders admits
		// ASCII token characters only.
		l.canon[i] = textproto.CanonicalMIMEHeaderKey(n)
	}
	return l, true
}

// index is indexNameFold(l.names, k): the index of the name equal to the
// header key k with ASCII letters folded, or -1; known is false for keys
// over 128 bytes. A key of a length no name has is rejected at once, and,
// in a list of up to 16 names, a key as net/http spells it matches without
// folding.
func (l *signedList) index(k string) (i int, known bool) {
	n := len(k)
	if n > 128 {
		return -1, false
	}
	if l.lens[n>>6]&(1<<(n&63)) == 0 {
		return -1, true
	}
	if l.canon == nil {
		// A long list is searched, not scanned: the list comes before
		// the signature is checked, and a scan per header key of a
		// request with many keys of the names' length would let anyone
		// spend the verifier's CPU.
		return indexNameFold(l.names, k)
	}
	for i, c := range l.canon {
		if len(c) == n && (c == k || equalFoldASCII(l.names[i], k)) {
			return i, true
		}
	}
	return -1, true
}

// signedListCache is a small cache of parsed lists, safe for concurrent
// use: entries are immutable and swapped atomically. A list may live in
// one of two slots (two-choice hashing), so that two lists a busy client
// alternates between do not keep evicting each other.
type signedListCache struct {
	slots [16]atomic.Pointer[signedList]
}

// listSlots returns the two slots a list may live in.
func listSlots(s string) (int, int) {
	h := uint(len(s))*0x9e3779b1 ^ uint(s[len(s)/2])*0x85ebca6b ^ uint(s[len(s)-1])*0xc2b2ae35 ^ uint(s[len(s)/3])
	a := int(h & 15)
	return a, int(h>>4&14) | (a&1 ^ 1) // the other parity: never a
}

// find returns the remembered list s, or nil.
func (c *signedListCache) find(s string) *signedList {
	a, b := listSlots(s)
	if l := c.slots[a].Load(); l != nil && l.raw == s {
		return l
	}
	if l := c.slots[b].Load(); l != nil && l.raw == s {
		return l
	}
	return nil
}

// parse is parseSignedHeaders(dst, s) through the cache: the names are
// appended to dst (so the caller owns its slice), and a remembered list
// comes back for the header walk. A miss parses s and remembers nothing:
// only a list that a verified request sent is kept (see remember), so a
// request that fails costs no allocation and evicts nothing. A nil cache
// parses every time.
func (c *signedListCache) parse(dst []string, s string) ([]string, *signedList, string) {
	if c != nil && s != "" && len(s) <= maxCachedList {
		if l := c.find(s); l != nil {
			return append(dst, l.names...), l, ""
		}
	}
	out, msg := parseSignedHeaders(dst, s)
	return out, nil, msg
}

// remember keeps the list s, which a request whose signature verified has
// just sent, unless it is too long or already kept: in an empty one of its
// two slots, else in the first.
func (c *signedListCache) remember(s string) {
	if s == "" || len(s) > maxCachedList || c.find(s) != nil {
		return
	}
	l, ok := newSignedList(s)
	if !ok {
		return
	}
	a, b := listSlots(s)
	if c.slots[b].Load() == nil {
		a = b
	}
	c.slots[a].Store(l)
}
