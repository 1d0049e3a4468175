package storetest

import (
	"context"
	"fmt"

	"github.com/s3auth/s3auth/store"
)

func (su *suite) testBatch(t tb) {
	s := su.open(t)
	ctx := context.Background()
	before := mustPut(t, s, "b/old", "old", store.Always)
	rev, err := s.Batch(ctx, []store.Op{
		store.Put("b/x", []byte("x"), store.MustNotExist),
		store.Put("b/y", []byte("y"), store.Always),
		store.Delete("b/old", store.AtRevision(before)),
	})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if rev <= before {
		t.Errorf("Batch returned revision %d, want > %d", rev, before)
	}
	expect(t, s, "batch put shares the batch revision", "b/x", "x", rev)
	expect(t, s, "batch put shares the batch revision", "b/y", "y", rev)
	expectMissing(t, s, "batch delete", "b/old")
	rev2, err := s.Batch(ctx, []store.Op{store.Put("b/x", []byte("x2"), store.AtRevision(rev))})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if rev2 <= rev {
		t.Errorf("second Batch returned revision %d, want > %d", rev2, rev)
	}
	expect(t, s, "second batch", "b/x", "x2", rev2)
	expect(t, s, "untouched by second batch", "b/y", "y", rev)
	if _, err := s.Batch(ctx, nil); err != nil {
		t.Errorf("empty Batch: %v", err)
	}
}

func (su *suite) testBatchPreconditions(t tb) {
	s := su.open(t)
	ctx := context.Background()
	for _, kind := range []store.OpKind{store.OpPut, store.OpDelete, store.OpCheck} {
		cases := condCases(kind)
		if kind == store.OpCheck {
			cases = condCases(store.OpPut) // a check fails exactly where a put would
		}
		for _, c := range cases {
			key := fmt.Sprintf("bp/%d/%s", kind, c.name)
			cur := setupCond(t, s, key, c.exists)
			cond := c.cond(cur)
			op := store.Op{Kind: kind, Key: key, Value: []byte("new"), Cond: cond}
			witness := fmt.Sprintf("bp/%d/%s/witness", kind, c.name)
			_, err := s.Batch(ctx, []store.Op{op, store.Put(witness, []byte("w"), store.Always)})
			what := fmt.Sprintf("Batch op kind %d %s (%s)", kind, c.name, cond)
			if c.ok {
				if err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
				expect(t, s, what, witness, "w", 0)
				switch kind {
				case store.OpPut:
					expect(t, s, what, key, "new", 0)
				case store.OpDelete:
					expectMissing(t, s, what, key)
				case store.OpCheck:
					if c.exists {
						expect(t, s, what+" (a check writes nothing)", key, "old", cur)
					} else {
						expectMissing(t, s, what+" (a check writes nothing)", key)
					}
				}
				continue
			}
			if kind == store.OpDelete && !c.exists && (c.name == "exists/missing" || c.name == "absent/missing") {
				wantErr(t, what, err, store.ErrNotFound, store.ErrConflict)
			} else {
				wantErr(t, what, err, c.want)
			}
			expectMissing(t, s, what+": the rest of a failed batch", witness)
			if c.exists {
				expect(t, s, what+" must not write", key, "old", cur)
			} else {
				expectMissing(t, s, what+" must not write", key)
			}
		}
	}
}

func (su *suite) testBatchAtomicity(t tb) {
	s := su.open(t)
	ctx := context.Background()
	ra := mustPut(t, s, "at/a", "a0", store.Always)
	rb := mustPut(t, s, "at/b", "b0", store.Always)
	unchanged := func(what string) {
		t.Helper()
		expect(t, s, what, "at/a", "a0", ra)
		expect(t, s, what, "at/b", "b0", rb)
		expectMissing(t, s, what, "at/new")
	}
	for i, pos := range []int{0, 1, 3} {
		ops := []store.Op{
			store.Put("at/a", []byte("a1"), store.AtRevision(ra)),
			store.Delete("at/b", store.MustExist),
			store.Put("at/new", []byte("n"), store.MustNotExist),
		}
		bad := store.Put("at/c", []byte("c"), store.MustExist) // at/c does not exist
		ops = append(ops[:pos], append([]store.Op{bad}, ops[pos:]...)...)
		_, err := s.Batch(ctx, ops)
		wantErr(t, fmt.Sprintf("Batch with a failing precondition at position %d", pos), err, store.ErrConflict)
		unchanged(fmt.Sprintf("case %d: a batch whose precondition failed", i))
	}
	_, err := s.Batch(ctx, []store.Op{
		store.Put("at/a", []byte("a1"), store.Always),
		store.Delete("at/missing", store.Always),
	})
	wantErr(t, "Batch deleting a missing key", err, store.ErrNotFound)
	unchanged("a batch deleting a missing key")
	_, err = s.Batch(ctx, []store.Op{
		store.Put("at/a", []byte("a1"), store.Always),
		store.Put("at/new", []byte("n"), store.Always),
		store.Check("at/b", store.AtRevision(ra)),
	})
	wantErr(t, "Batch with a failing check", err, store.ErrConflict)
	unchanged("a batch whose check failed")
	if su.opts.MaxBatchOps >= 50 {
		ops := make([]store.Op, 0, 50)
		for i := range 49 {
			ops = append(ops, store.Put(fmt.Sprintf("at/many/%02d", i), []byte("m"), store.MustNotExist))
		}
		ops = append(ops, store.Check("at/a", store.AtRevision(rb)))
		_, err := s.Batch(ctx, ops)
		wantErr(t, "Batch of 49 puts and a failing check", err, store.ErrConflict)
		if keys, _ := listKeys(t, s, "at/many/"); len(keys) != 0 {
			t.Errorf("a failed batch of 50 operations wrote %d keys", len(keys))
		}
	}
}

func (su *suite) testBatchCheck(t tb) {
	s := su.open(t)
	ctx := context.Background()
	ra := mustPut(t, s, "chk/a", "a", store.Always)
	rev, err := s.Batch(ctx, []store.Op{store.Check("chk/a", store.AtRevision(ra)), store.Check("chk/none", store.MustNotExist)})
	if err != nil {
		t.Fatalf("Batch of checks that hold: %v", err)
	}
	if rev < ra {
		t.Errorf("Batch of checks returned revision %d, below the last write's %d", rev, ra)
	}
	expect(t, s, "a batch of checks writes nothing", "chk/a", "a", ra)
	expectMissing(t, s, "a batch of checks writes nothing", "chk/none")
	_, err = s.Batch(ctx, []store.Op{store.Check("chk/a", store.MustNotExist)})
	wantErr(t, "Batch of one failing check", err, store.ErrConflict)
	// A check guarding a put: the put happens only while the check holds.
	r2, err := s.Batch(ctx, []store.Op{store.Check("chk/a", store.AtRevision(ra)), store.Put("chk/b", []byte("b"), store.Always)})
	if err != nil {
		t.Fatalf("Batch of a check and a put: %v", err)
	}
	expect(t, s, "check and put", "chk/b", "b", r2)
	expect(t, s, "a check does not touch its key", "chk/a", "a", ra)
	mustPut(t, s, "chk/a", "a2", store.Always)
	_, err = s.Batch(ctx, []store.Op{store.Check("chk/a", store.AtRevision(ra)), store.Put("chk/b", []byte("b2"), store.Always)})
	wantErr(t, "Batch guarded by a stale check", err, store.ErrConflict)
	expect(t, s, "put guarded by a stale check", "chk/b", "b", r2)
}

func (su *suite) testBatchInvalid(t tb) {
	s := su.open(t)
	ctx := context.Background()
	tests := []struct {
		name string
		ops  []store.Op
	}{
		{"duplicate key", []store.Op{store.Put("bi/a", nil, store.Always), store.Put("bi/b", nil, store.Always), store.Put("bi/a", nil, store.Always)}},
		{"duplicate key put and delete", []store.Op{store.Put("bi/a", nil, store.Always), store.Delete("bi/a", store.Always)}},
		{"duplicate key check and put", []store.Op{store.Check("bi/a", store.MustNotExist), store.Put("bi/a", nil, store.Always)}},
		{"unknown op kind", []store.Op{store.Put("bi/a", nil, store.Always), {Kind: 0, Key: "bi/b"}}},
		{"unknown op kind 9", []store.Op{{Kind: 9, Key: "bi/b"}, store.Put("bi/a", nil, store.Always)}},
		{"unknown precondition kind", []store.Op{store.Put("bi/a", nil, store.Always), store.Put("bi/b", nil, store.Precondition{Kind: 42})}},
	}
	for _, tt := range tests {
		_, err := s.Batch(ctx, tt.ops)
		wantErr(t, "Batch with "+tt.name, err, store.ErrInvalid)
	}
	if keys, _ := listKeys(t, s, "bi/"); len(keys) != 0 {
		t.Errorf("invalid batches wrote %q", keys)
	}
}
