package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/s3auth/s3auth/store"
)

func (su *suite) testCRUD(t tb) {
	s := su.open(t)
	ctx := context.Background()
	expectMissing(t, s, "empty store", "crud/a")
	r1 := mustPut(t, s, "crud/a", "one", store.Always)
	expect(t, s, "after first put", "crud/a", "one", r1)
	r2 := mustPut(t, s, "crud/a", "two", store.Always)
	if r2 <= r1 {
		t.Errorf("second Put returned revision %d, want > %d", r2, r1)
	}
	expect(t, s, "after second put", "crud/a", "two", r2)
	rEmpty := mustPut(t, s, "crud/empty", "", store.Always)
	if e, err := s.Get(ctx, "crud/empty"); err != nil || len(e.Value) != 0 || e.Revision != rEmpty {
		t.Errorf("Get of an empty value = %q at %d, %v; want empty at %d", e.Value, e.Revision, err, rEmpty)
	}
	if _, err := s.Put(ctx, "crud/nil", nil, store.Always); err != nil {
		t.Errorf("Put of a nil value: %v", err)
	} else if e, err := s.Get(ctx, "crud/nil"); err != nil || len(e.Value) != 0 {
		t.Errorf("Get of a nil value = %q, %v; want empty", e.Value, err)
	}
	if err := s.Delete(ctx, "crud/a", store.Always); err != nil {
		t.Errorf("Delete: %v", err)
	}
	expectMissing(t, s, "after delete", "crud/a")
	wantErr(t, "second Delete", s.Delete(ctx, "crud/a", store.Always), store.ErrNotFound)
	r3 := mustPut(t, s, "crud/a", "three", store.MustNotExist)
	if r3 <= r2 {
		t.Errorf("Put after delete returned revision %d, want > %d", r3, r2)
	}
	expect(t, s, "recreated", "crud/a", "three", r3)
	keys, _ := listKeys(t, s, "crud/")
	if want := []string{"crud/a", "crud/empty", "crud/nil"}; !slices.Equal(keys, want) {
		t.Errorf("List(crud/) = %q, want %q", keys, want)
	}
}

func (su *suite) testRevisions(t tb) {
	s := su.open(t)
	ctx := context.Background()
	ra := mustPut(t, s, "rev/a", "a", store.Always)
	rb := mustPut(t, s, "rev/b", "b", store.Always)
	if rb <= ra {
		t.Errorf("revisions are store-wide: Put(rev/b) returned %d after Put(rev/a) returned %d", rb, ra)
	}
	es, lrev, err := s.List(ctx, "rev/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if lrev < rb {
		t.Errorf("List revision %d is below the last write's %d", lrev, rb)
	}
	if len(es) != 2 || es[0].Revision != ra || es[1].Revision != rb {
		t.Errorf("List entries %+v, want rev/a at %d and rev/b at %d", es, ra, rb)
	}
	if err := s.Delete(ctx, "rev/a", store.Always); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, lrev2, err := s.List(ctx, "rev/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if lrev2 <= lrev {
		t.Errorf("a Delete did not raise the store revision: List returned %d before and %d after", lrev, lrev2)
	}
	expect(t, s, "untouched by other writes", "rev/b", "b", rb)
}

// condCase is one precondition against one state of a key.
type condCase struct {
	name   string
	exists bool
	cond   func(cur int64) store.Precondition
	ok     bool
	want   error // when !ok
}

func condCases(op store.OpKind) []condCase {
	missingDelete := store.ErrNotFound
	missingRev := store.ErrConflict
	cs := []condCase{
		{"none/existing", true, func(int64) store.Precondition { return store.Always }, true, nil},
		{"absent/existing", true, func(int64) store.Precondition { return store.MustNotExist }, false, store.ErrConflict},
		{"exists/existing", true, func(int64) store.Precondition { return store.MustExist }, true, nil},
		{"revision/current", true, func(c int64) store.Precondition { return store.AtRevision(c) }, true, nil},
		{"revision/older", true, func(c int64) store.Precondition { return store.AtRevision(c - 1) }, false, store.ErrConflict},
		{"revision/newer", true, func(c int64) store.Precondition { return store.AtRevision(c + 1) }, false, store.ErrConflict},
		{"revision/zero", true, func(int64) store.Precondition { return store.AtRevision(0) }, false, store.ErrConflict},
		{"revision/missing", false, func(c int64) store.Precondition { return store.AtRevision(c) }, false, missingRev},
	}
	if op == store.OpDelete {
		cs = append(cs,
			condCase{"none/missing", false, func(int64) store.Precondition { return store.Always }, false, missingDelete},
			condCase{"exists/missing", false, func(int64) store.Precondition { return store.MustExist }, false, missingDelete},
			condCase{"absent/missing", false, func(int64) store.Precondition { return store.MustNotExist }, false, missingDelete},
		)
	} else {
		cs = append(cs,
			condCase{"none/missing", false, func(int64) store.Precondition { return store.Always }, true, nil},
			condCase{"exists/missing", false, func(int64) store.Precondition { return store.MustExist }, false, store.ErrConflict},
			condCase{"absent/missing", false, func(int64) store.Precondition { return store.MustNotExist }, true, nil},
		)
	}
	return cs
}

// setup prepares key for a condCase and returns its revision (for a
// missing key, the revision it had before it was deleted).
func setupCond(t tb, s store.Store, key string, exists bool) int64 {
	t.Helper()
	mustPut(t, s, key, "old0", store.Always)
	rev := mustPut(t, s, key, "old", store.Always)
	if !exists {
		if err := s.Delete(context.Background(), key, store.Always); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
	}
	return rev
}

func (su *suite) testPutPreconditions(t tb) {
	s := su.open(t)
	for _, c := range condCases(store.OpPut) {
		key := "pc/" + c.name
		cur := setupCond(t, s, key, c.exists)
		rev, err := s.Put(context.Background(), key, []byte("new"), c.cond(cur))
		what := fmt.Sprintf("Put %s (%s)", c.name, c.cond(cur))
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			expect(t, s, what, key, "new", rev)
			continue
		}
		wantErr(t, what, err, c.want)
		if c.exists {
			expect(t, s, what+" must not write", key, "old", cur)
		} else {
			expectMissing(t, s, what+" must not write", key)
		}
	}
}

func (su *suite) testDeletePreconditions(t tb) {
	s := su.open(t)
	for _, c := range condCases(store.OpDelete) {
		key := "dc/" + c.name
		cur := setupCond(t, s, key, c.exists)
		err := s.Delete(context.Background(), key, c.cond(cur))
		what := fmt.Sprintf("Delete %s (%s)", c.name, c.cond(cur))
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
			expectMissing(t, s, what, key)
			continue
		}
		// A delete of a missing key under "must exist" or "must not
		// exist" may be reported either way.
		if !c.exists && (c.name == "exists/missing" || c.name == "absent/missing") {
			wantErr(t, what, err, store.ErrNotFound, store.ErrConflict)
		} else {
			wantErr(t, what, err, c.want)
		}
		if c.exists {
			expect(t, s, what+" must not delete", key, "old", cur)
		} else {
			expectMissing(t, s, what, key)
		}
	}
}

type invalidCase struct {
	name  string
	key   string
	value []byte
}

func invalidCases() []invalidCase {
	return []invalidCase{
		{"empty key", "", nil},
		{"NUL in key", "val/a\x00b", nil},
		{"key over 1 KiB", "val/" + strings.Repeat("k", store.MaxKeySize-3), nil},
		{"invalid UTF-8", "val/\xff\xfe", nil},
		{"value over 1 MiB", "val/big", make([]byte, store.MaxValueSize+1)},
	}
}

func (su *suite) testValidation(t tb) {
	s := su.open(t)
	ctx := context.Background()
	for _, c := range invalidCases() {
		_, err := s.Put(ctx, c.key, c.value, store.Always)
		wantErr(t, "Put with "+c.name, err, store.ErrInvalid)
		_, err = s.Batch(ctx, []store.Op{store.Put("val/ok", nil, store.Always), store.Put(c.key, c.value, store.Always)})
		wantErr(t, "Batch with "+c.name, err, store.ErrInvalid)
		if c.value != nil {
			continue // the key is valid
		}
		_, err = s.Get(ctx, c.key)
		wantErr(t, "Get with "+c.name, err, store.ErrInvalid)
		wantErr(t, "Delete with "+c.name, s.Delete(ctx, c.key, store.Always), store.ErrInvalid)
	}
	expectMissing(t, s, "a Batch with an invalid op", "val/ok")
	expectMissing(t, s, "a Put of an oversized value", "val/big")
	_, err := s.Put(ctx, "val/cond", nil, store.Precondition{Kind: 99})
	wantErr(t, "Put with an unknown precondition kind", err, store.ErrInvalid)
	wantErr(t, "Delete with an unknown precondition kind", s.Delete(ctx, "val/cond", store.Precondition{Kind: 99}), store.ErrInvalid)
	expectMissing(t, s, "a Put with an unknown precondition kind", "val/cond")
	if keys, _ := listKeys(t, s, "val/"); len(keys) != 0 {
		t.Errorf("invalid writes left keys behind: %q", keys)
	}
}

func (su *suite) testLargest(t tb) {
	s := su.open(t)
	key := "max/" + strings.Repeat("k", store.MaxKeySize-4)
	value := make([]byte, store.MaxValueSize)
	for i := range value {
		value[i] = byte(i * 7)
	}
	rev, err := s.Put(context.Background(), key, value, store.Always)
	if err != nil {
		t.Fatalf("Put of a %d-byte key and a %d-byte value: %v", len(key), len(value), err)
	}
	expect(t, s, "largest key and value", key, string(value), rev)
	// A key of exactly MaxKeySize bytes made of multi-byte runes.
	key2 := "max/" + strings.Repeat("é", (store.MaxKeySize-4)/2)
	mustPut(t, s, key2, "x", store.Always)
	expect(t, s, "multi-byte key", key2, "x", 0)
}

func (su *suite) testCAS(t tb) {
	s := su.open(t)
	const workers, increments = 32, 200
	const key = "cas/counter"
	mustPut(t, s, key, "0", store.MustNotExist)
	var (
		mu   sync.Mutex
		revs = make(map[int64]bool)
		wg   sync.WaitGroup
	)
	ctx := context.Background()
	for w := range workers {
		wg.Go(func() {
			streak := 0
			for done := 0; done < increments; {
				e, err := s.Get(ctx, key)
				if err != nil {
					t.Errorf("worker %d: Get: %v", w, err)
					return
				}
				n, err := strconv.Atoi(string(e.Value))
				if err != nil {
					t.Errorf("worker %d: counter holds %q", w, e.Value)
					return
				}
				rev, err := s.Put(ctx, key, []byte(strconv.Itoa(n+1)), store.AtRevision(e.Revision))
				if errors.Is(err, store.ErrConflict) {
					// Back off with jitter so that 32 contenders on a
					// remote backend do not spend the test in lost races.
					streak++
					time.Sleep(time.Duration(rand.Int64N(int64(min(2*time.Millisecond, 20*time.Microsecond<<min(streak, 10))))))
					continue
				}
				streak = 0
				if err != nil {
					t.Errorf("worker %d: Put: %v", w, err)
					return
				}
				mu.Lock()
				dup := revs[rev]
				revs[rev] = true
				mu.Unlock()
				if dup {
					t.Errorf("worker %d: two compare-and-swaps succeeded with revision %d", w, rev)
				}
				done++
			}
		})
	}
	wg.Wait()
	expect(t, s, "after concurrent increments", key, strconv.Itoa(workers*increments), 0)
}

func (su *suite) testPrefix(t tb) {
	s := su.open(t)
	keys := []string{"a", "a/", "a/x", "a/y/z", "a/é", "a0", "ab/z", "ab", "a.b", "b/x", "A/x", "a/\u00ff"}
	for _, k := range keys {
		mustPut(t, s, k, "v:"+k, store.Always)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/", "a/x", "a/y/z", "a/é", "a/\u00ff"}},
		{"ab/", []string{"ab/z"}},
		{"a/y/", []string{"a/y/z"}},
		{"b/", []string{"b/x"}},
		{"c/", nil},
		{"", []string{"A/x", "a", "a.b", "a/", "a/x", "a/y/z", "a/é", "a/\u00ff", "a0", "ab", "ab/z", "b/x"}},
	}
	for _, tt := range tests {
		es, _, err := s.List(context.Background(), tt.prefix)
		if err != nil {
			t.Errorf("List(%q): %v", tt.prefix, err)
			continue
		}
		got := make([]string, len(es))
		for i, e := range es {
			got[i] = e.Key
			if string(e.Value) != "v:"+e.Key {
				t.Errorf("List(%q): %q holds %q", tt.prefix, e.Key, e.Value)
			}
		}
		if len(got) != len(tt.want) || (len(got) > 0 && !slices.Equal(got, tt.want)) {
			t.Errorf("List(%q) = %q, want %q (byte order, prefix only)", tt.prefix, got, tt.want)
		}
	}
}

func (su *suite) testAliasing(t tb) {
	s := su.open(t)
	ctx := context.Background()
	in := []byte("original")
	if _, err := s.Put(ctx, "al/put", in, store.Always); err != nil {
		t.Fatalf("Put: %v", err)
	}
	copy(in, "XXXXXXXX")
	expect(t, s, "after mutating the slice passed to Put", "al/put", "original", 0)

	bin := []byte("batched")
	if _, err := s.Batch(ctx, []store.Op{store.Put("al/batch", bin, store.Always)}); err != nil {
		t.Fatalf("Batch: %v", err)
	}
	copy(bin, "XXXXXXX")
	expect(t, s, "after mutating the slice passed to Batch", "al/batch", "batched", 0)

	e := mustGet(t, s, "al/put")
	copy(e.Value, "YYYYYYYY")
	e.Value = append(e.Value[:0], "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"...)
	expect(t, s, "after mutating the value Get returned", "al/put", "original", 0)

	es, _, err := s.List(ctx, "al/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, e := range es {
		for i := range e.Value {
			e.Value[i] = 'L'
		}
		_ = append(e.Value[:0:0], 'M')
	}
	expect(t, s, "after mutating values List returned", "al/put", "original", 0)
	expect(t, s, "after mutating values List returned", "al/batch", "batched", 0)
}

func (su *suite) testBigListing(t tb) {
	s := su.open(t)
	ctx := context.Background()
	n, per := su.opts.ListingSize, su.opts.MaxBatchOps
	key := func(i int) string { return fmt.Sprintf("big/%07d", i) }
	ops := make([]store.Op, 0, per)
	for i := 0; i < n; {
		ops = ops[:0]
		for ; i < n && len(ops) < per; i++ {
			ops = append(ops, store.Put(key(i), []byte(strconv.Itoa(i)), store.MustNotExist))
		}
		if _, err := s.Batch(ctx, ops); err != nil {
			t.Fatalf("Batch writing keys up to %d: %v", i, err)
		}
	}
	mustPut(t, s, "big0", "outside", store.Always)
	mustPut(t, s, "bif/x", "outside", store.Always)
	es, _, err := s.List(ctx, "big/")
	if err != nil {
		t.Fatalf("List of %d keys: %v", n, err)
	}
	if len(es) != n {
		t.Errorf("List of %d keys returned %d", n, len(es))
	}
	bad := 0
	for i, e := range es {
		if i < n && (e.Key != key(i) || string(e.Value) != strconv.Itoa(i)) {
			if bad++; bad <= 5 {
				t.Errorf("List entry %d = %q: %q, want %q: %q", i, e.Key, e.Value, key(i), strconv.Itoa(i))
			}
		}
	}
	if n >= 130 {
		keys, _ := listKeys(t, s, "big/000012")
		if len(keys) != 10 || keys[0] != key(120) || keys[9] != key(129) {
			t.Errorf("List(big/000012) = %q, want %s … %s", keys, key(120), key(129))
		}
	}
}

func (su *suite) testCanceled(t tb) {
	s := su.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, "ctx/a", []byte("x"), store.Always); err == nil {
		t.Errorf("Put with a canceled context returned no error")
	}
	if _, err := s.Batch(ctx, []store.Op{store.Put("ctx/b", nil, store.Always)}); err == nil {
		t.Errorf("Batch with a canceled context returned no error")
	}
	expectMissing(t, s, "Put with a canceled context", "ctx/a")
	expectMissing(t, s, "Batch with a canceled context", "ctx/b")
	if _, err := s.Get(ctx, "ctx/a"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with a canceled context returned %v, want a context error", err)
	}
}

func (su *suite) testClosed(t tb) {
	s := su.open(t)
	ctx := context.Background()
	mustPut(t, s, "closed/a", "x", store.Always)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	_, err := s.Get(ctx, "closed/a")
	wantErr(t, "Get after Close", err, store.ErrClosed)
	_, err = s.Put(ctx, "closed/a", nil, store.Always)
	wantErr(t, "Put after Close", err, store.ErrClosed)
	wantErr(t, "Delete after Close", s.Delete(ctx, "closed/a", store.Always), store.ErrClosed)
	_, _, err = s.List(ctx, "closed/")
	wantErr(t, "List after Close", err, store.ErrClosed)
	_, err = s.Batch(ctx, []store.Op{store.Put("closed/b", nil, store.Always)})
	wantErr(t, "Batch after Close", err, store.ErrClosed)
	if w, ok := s.(store.Watcher); ok {
		ch, err := w.Watch(ctx, "closed/", 0)
		if err == nil {
			ev, ok := recvTimeout(ch)
			if ok {
				err = ev.Err
			}
		}
		wantErr(t, "Watch after Close", err, store.ErrClosed)
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("second Close panicked: %v", v)
			}
		}()
		_ = s.Close()
	}()
}
