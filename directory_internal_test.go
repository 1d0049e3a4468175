package s3auth

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3auth/s3auth/store/memstore"
)

func userValue(secret string) []byte {
	return encode(userRecord{V: recordVersion, secretField: secretField{Plain: secret}, Policies: []string{"readonly"}})
}

// The cache applies changes idempotently by revision, whatever order the
// List, the watch and own writes deliver them in.
func TestCacheApplyOrder(t *testing.T) {
	t.Parallel()
	type step struct {
		rev     int64
		deleted bool
		secret  string
	}
	tests := []struct {
		name  string
		steps []step
		want  string // secret, or "" for absent
	}{
		{"in order", []step{{1, false, "a"}, {2, false, "b"}}, "b"},
		{"older put ignored", []step{{2, false, "b"}, {1, false, "a"}}, "b"},
		{"same revision twice", []step{{1, false, "a"}, {1, false, "x"}}, "a"},
		{"delete then stale put", []step{{1, false, "a"}, {3, true, ""}, {2, false, "b"}}, ""},
		{"delete before its put arrives", []step{{3, true, ""}, {1, false, "a"}}, ""},
		{"put after delete", []step{{1, false, "a"}, {2, true, ""}, {3, false, "c"}}, "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCache()
			c.inflight = 1 // an own write is in flight: tombstones stay
			for _, s := range tt.steps {
				var v []byte
				if !s.deleted {
					v = userValue(s.secret + "-secret")
				}
				if err := c.apply(nil, "users/alice", v, s.rev, s.deleted); err != nil {
					t.Fatal(err)
				}
			}
			got := ""
			if u := c.users["alice"]; u != nil {
				got = strings.TrimSuffix(u.secret, "-secret")
			}
			if got != tt.want {
				t.Fatalf("secret %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCachePrunesTombstones(t *testing.T) {
	t.Parallel()
	c := newCache()
	c.watching = true
	c.apply(nil, "users/a", nil, 5, true)
	c.apply(nil, "users/b", nil, 9, true)
	c.watchRev = 6
	c.inflight = 1
	c.prune()
	if len(c.tombs) != 2 {
		t.Fatalf("pruned with a write in flight: %v", c.tombs)
	}
	c.inflight = 0
	c.prune()
	if _, ok := c.tombs["users/a"]; ok || len(c.tombs) != 1 {
		t.Fatalf("tombstones after prune: %v", c.tombs)
	}
	c.watching = false
	c.prune()
	if len(c.tombs) != 0 {
		t.Fatalf("without a watch every tombstone can go: %v", c.tombs)
	}
}

func TestCacheIgnoresForeignAndMalformed(t *testing.T) {
	t.Parallel()
	c := newCache()
	if err := c.apply(nil, "sts/keyring", []byte("x"), 1, false); err != nil {
		t.Fatal(err)
	}
	err := c.apply(nil, "users/alice", []byte("{not json"), 2, false)
	if err == nil || len(c.users) != 0 {
		t.Fatalf("malformed record: %v, %d users", err, len(c.users))
	}
	if err := c.apply(nil, "users/alice", userValue("ok-secret"), 1, false); err != nil || len(c.users) != 0 {
		t.Fatal("an older put replaced the malformed record's revision")
	}
}

type countHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.mu.Unlock()
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }

func (h *countHandler) saw(sub string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// A watch that falls behind the store's history reloads and converges.
func TestWatchReloadsAfterCompaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New(memstore.WithHistory(4))
	d1, err := NewDirectory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.Close()
	h := &countHandler{}
	d2, err := NewDirectory(ctx, st, WithLogger(slog.New(h)))
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if _, err := d1.AddUser(ctx, "gone", "gone-secret"); err != nil {
		t.Fatal(err)
	}
	d2.mu.Lock() // stall d2's watch consumer
	for i := range 60 {
		if _, err := d1.AddUser(ctx, fmt.Sprintf("user%02d", i), "password1"); err != nil {
			d2.mu.Unlock()
			t.Fatal(err)
		}
	}
	if err := d1.RemoveUser(ctx, "gone"); err != nil {
		d2.mu.Unlock()
		t.Fatal(err)
	}
	d2.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for fmt.Sprint(d2.ListUsers()) != fmt.Sprint(d1.ListUsers()) {
		if time.Now().After(deadline) {
			t.Fatalf("d2 did not converge: %d users, want %d", len(d2.ListUsers()), len(d1.ListUsers()))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !h.saw("reloading") {
		t.Fatalf("the watch never fell behind, so the reload path was not exercised; log: %v", h.msgs)
	}
	if _, ok := d2.LookupCredential("gone"); ok {
		t.Fatal("a user removed during the outage survived the reload")
	}
}

func FuzzSealOpen(f *testing.F) {
	s, err := newSealer([]SealKey{{ID: "k1", Key: bytes.Repeat([]byte{1}, 32)}})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.seal("users/alice", "alice-secret")
	f.Add("users/alice", good)
	f.Add("users/alice", "")
	f.Add("users/bob", good)
	f.Add("users/alice", good[:len(good)-4]+"AAAA")
	f.Fuzz(func(t *testing.T, key, env string) {
		pt, _, err := s.open(key, env)
		if err == nil && (key != "users/alice" || pt != "alice-secret") {
			t.Fatalf("envelope opened for record %q as %q; only the genuine record may open it", key, pt)
		}
	})
}

// BenchmarkLookup_1MUsers looks credentials up in a cache of one million
// users. The cache is filled through cache.apply — the code path the List
// and the watch use — with encoded records fed directly rather than through
// a store, which would only make the set-up slower.
func BenchmarkLookup_1MUsers(b *testing.B) {
	const n = 1_000_000
	ak := func(i int) string { return fmt.Sprintf("AKIA%016d", i) }
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d := &Directory{cache: newCache()}
	d.mu.Lock()
	for i := range n {
		secret := fmt.Sprintf("wJalrXUtnFEMI/K7MDENG/bPxRfiCY%010d", i)
		if err := d.cache.apply(nil, userKey(ak(i)), userValue(secret), int64(i+1), false); err != nil {
			b.Fatal(err)
		}
	}
	d.mu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&after)
	bytesPerUser := float64(after.HeapAlloc-before.HeapAlloc) / n
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = ak(i * 241 % n)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c, ok := d.LookupCredential(keys[i&4095])
		if !ok || c.SecretKey == "" {
			b.Fatal("lookup failed")
		}
		i++
	}
	b.ReportMetric(bytesPerUser, "B/user")
	runtime.KeepAlive(d)
}

func BenchmarkLookupServiceAccount(b *testing.B) {
	d := &Directory{cache: newCache()}
	d.cache.apply(nil, userKey("alice"), userValue("alice-secret"), 1, false)
	d.cache.apply(nil, svcKey("SVCAKIAEXAMPLE000001"), encode(svcRecord{V: 1, Parent: "alice", secretField: secretField{Plain: "svc-secret-key"}}), 2, false)
	b.ReportAllocs()
	for b.Loop() {
		if c, ok := d.LookupCredential("SVCAKIAEXAMPLE000001"); !ok || !c.Enabled {
			b.Fatal("lookup failed")
		}
	}
}
