package sigv4

import (
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSignedListIndexManyNames checks that matching header keys against a
// remembered list of many names of one length costs about what
// indexNameFold's binary search costs, not a scan of the whole list per
// key: SignedHeaders is read before the signature is checked, so anyone
// can send 126 three-byte names and tens of thousands of three-byte
// header keys (a scan took ~50 ms per such request, the search ~2 ms).
// It compares the fastest of several interleaved timings of each; it is
// not parallel, so that other tests of the package do not run meanwhile.
func TestSignedListIndexManyNames(t *testing.T) {
	const al = "abcdefghijklmnopqrstuvwxyz0123456789"
	var names []string
	for i := 0; len(names) < 124; i++ {
		names = append(names, "a"+al[i/36:i/36+1]+al[i%36:i%36+1])
	}
	names = append(names, "host", "x-amz-date")
	slices.Sort(names)
	s := strings.Join(names, ";")
	if len(s) > maxCachedList {
		t.Fatalf("list of %d bytes would not be remembered", len(s))
	}
	var cache signedListCache
	_, l, msg := cache.parse(nil, s)
	if l == nil {
		t.Fatalf("list not remembered: %q", msg)
	}
	var keys []string
	for i := 0; i < 36*36; i++ {
		for _, c := range "QRA" { // never matches, same, and (A) the names' first letter
			keys = append(keys, textproto.CanonicalMIMEHeaderKey(string(c)+al[i/36:i/36+1]+al[i%36:i%36+1]))
		}
	}
	sink := 0
	timeIt := func(f func(string) (int, bool)) time.Duration {
		start := time.Now()
		for _, k := range keys {
			i, _ := f(k)
			sink += i
		}
		return time.Since(start)
	}
	best := func(a, b time.Duration) time.Duration {
		if a == 0 || b < a {
			return b
		}
		return a
	}
	var cached, search time.Duration
	for range 9 {
		cached = best(cached, timeIt(l.index))
		search = best(search, timeIt(func(k string) (int, bool) { return indexNameFold(names, k) }))
	}
	for _, k := range keys {
		gi, gk := l.index(k)
		wi, wk := indexNameFold(names, k)
		if gi != wi || gk != wk {
			t.Fatalf("key %q: index (%d, %v), indexNameFold (%d, %v)", k, gi, gk, wi, wk)
		}
	}
	if cached > 4*search {
		t.Fatalf("%d keys against %d names: remembered list %v, binary search %v (more than 4 times slower)", len(keys), len(names), cached, search)
	}
	t.Logf("%d keys: remembered list %v, indexNameFold %v (%d)", len(keys), cached, search, sink&1)
}
