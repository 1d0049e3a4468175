package sigv4

import (
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

// TestSignedListIndexManyNames: a remembered list of more names than
// maxScannedNames matches header keys by indexNameFold's binary search, not
// by a scan per key. SignedHeaders is read before the signature is
// checked, so with a scan anyone could send 126 three-byte names and tens
// of thousands of three-byte header keys (about 50 ms per request, against
// about 2 ms searched; found in review). The list keeps no per-name
// spellings, which is what would make index scan; BenchmarkSignedListIndex
// shows the cost.
func TestSignedListIndexManyNames(t *testing.T) {
	t.Parallel()
	names, keys := manyNamesAndKeys()
	s := strings.Join(names, ";")
	if len(s) > maxCachedList {
		t.Fatalf("list of %d bytes would not be remembered", len(s))
	}
	var cache signedListCache
	cache.remember(s)
	_, l, msg := cache.parse(nil, s)
	if l == nil {
		t.Fatalf("list not remembered: %q", msg)
	}
	if l.canon != nil {
		t.Fatalf("a list of %d names keeps per-name spellings, so index scans it for every header key", len(l.names))
	}
	for _, k := range keys {
		gi, gk := l.index(k)
		wi, wk := indexNameFold(names, k)
		if gi != wi || gk != wk {
			t.Fatalf("key %q: index (%d, %v), indexNameFold (%d, %v)", k, gi, gk, wi, wk)
		}
	}
	// A list as SDKs send it does keep them.
	const sdk = "amz-sdk-invocation-id;amz-sdk-request;host;range;x-amz-content-sha256;x-amz-date"
	cache.remember(sdk)
	_, short, _ := cache.parse(nil, sdk)
	if short == nil || short.canon == nil {
		t.Fatal("an SDK's list is not matched by its net/http spellings")
	}
}

// manyNamesAndKeys returns 126 signed names, most three bytes long, and
// header keys of that length that match none, one, or share their first
// letter.
func manyNamesAndKeys() (names, keys []string) {
	const al = "abcdefghijklmnopqrstuvwxyz0123456789"
	for i := 0; len(names) < 124; i++ {
		names = append(names, "a"+al[i/36:i/36+1]+al[i%36:i%36+1])
	}
	names = append(names, "host", "x-amz-date")
	slices.Sort(names)
	for i := 0; i < 36*36; i++ {
		for _, c := range "QRA" {
			keys = append(keys, textproto.CanonicalMIMEHeaderKey(string(c)+al[i/36:i/36+1]+al[i%36:i%36+1]))
		}
	}
	return names, keys
}

// BenchmarkSignedListIndex matches 3,888 three-byte header keys against a
// remembered list of 126 names, the request shape that a scan per key
// would make expensive.
func BenchmarkSignedListIndex(b *testing.B) {
	names, keys := manyNamesAndKeys()
	var cache signedListCache
	cache.remember(strings.Join(names, ";"))
	_, l, _ := cache.parse(nil, strings.Join(names, ";"))
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			l.index(k)
		}
	}
}

// TestSignedListRememberedOnlyAfterVerification: a list is remembered only
// once a request that sent it verified, so requests that fail cost no
// allocation for it and evict nothing.
func TestSignedListRememberedOnlyAfterVerification(t *testing.T) {
	t.Parallel()
	r, v := floorRequest(t)
	h := r.Header["Authorization"][0]
	_, sh, _ := strings.Cut(h, "SignedHeaders=")
	sh, _, _ = strings.Cut(sh, ",")
	if _, l, _ := v.lists.parse(nil, sh); l == nil {
		t.Fatal("the list of a verified request is not remembered")
	}

	bad := r.Clone(r.Context())
	other := strings.Replace(sh, "range;", "", 1)
	bad.Header.Set("Authorization", strings.Replace(h, sh, other, 1))
	if _, err := v.Verify(bad); err == nil {
		t.Fatal("a request with a changed SignedHeaders verified")
	}
	if _, l, _ := v.lists.parse(nil, other); l != nil {
		t.Fatal("the list of a request that failed verification was remembered")
	}
}

// TestSignedListTwoChoices: two lists whose first slots collide are both
// kept, so a client alternating between them does not evict one with the
// other on every request.
func TestSignedListTwoChoices(t *testing.T) {
	t.Parallel()
	first := "host;x-amz-content-sha256;x-amz-date"
	fa, fb := listSlots(first)
	if fa == fb {
		t.Fatalf("list %q has one slot twice", first)
	}
	second := ""
	for i := 0; i < 10000 && second == ""; i++ {
		s := fmt.Sprintf("host;x-amz-date;x-amz-meta-%d", i)
		if a, b := listSlots(s); a == fa && b != fb {
			second = s
		}
	}
	if second == "" {
		t.Fatal("no list shares the first slot")
	}
	var c signedListCache
	c.remember(first)
	c.remember(second)
	if c.find(first) == nil || c.find(second) == nil {
		t.Fatalf("%q and %q, sharing slot %d, are not both kept", first, second, fa)
	}
	for i := 0; i < 1000; i++ {
		s := fmt.Sprintf("a;b%d", i)
		if a, b := listSlots(s); a == b || a > 15 || b > 15 {
			t.Fatalf("listSlots(%q) = %d, %d", s, a, b)
		}
	}
}
