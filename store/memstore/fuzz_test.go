package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
)

// model is an independent, obviously correct version of the Store rules.
type model struct {
	rev  int64
	data map[string]store.Entry
}

func (m *model) apply(ops []store.Op) (int64, error) {
	seen := map[string]bool{}
	for _, o := range ops {
		if seen[o.Key] {
			return 0, store.ErrInvalid
		}
		seen[o.Key] = true
	}
	writes := 0
	for _, o := range ops {
		e, ok := m.data[o.Key]
		cur := int64(0)
		if ok {
			cur = e.Revision
		}
		if o.Kind == store.OpDelete && !ok && o.Cond.Kind != store.CondRevision {
			return 0, store.ErrNotFound
		}
		var holds bool
		switch o.Cond.Kind {
		case store.CondNone:
			holds = true
		case store.CondAbsent:
			holds = !ok
		case store.CondExists:
			holds = ok
		case store.CondRevision:
			holds = ok && cur == o.Cond.Revision
		}
		if !holds {
			return 0, store.ErrConflict
		}
		if o.Kind != store.OpCheck {
			writes++
		}
	}
	if writes == 0 {
		return m.rev, nil
	}
	m.rev++
	for _, o := range ops {
		switch o.Kind {
		case store.OpPut:
			m.data[o.Key] = store.Entry{Key: o.Key, Value: o.Value, Revision: m.rev}
		case store.OpDelete:
			delete(m.data, o.Key)
		}
	}
	return m.rev, nil
}

func class(err error) error {
	for _, s := range []error{store.ErrInvalid, store.ErrConflict, store.ErrNotFound} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// FuzzBatch decodes the input into batches of operations on four keys,
// applies them to a Store and to the model, and compares every result and
// the final contents. Each operation takes three bytes: kind, key and
// precondition; a 0xff byte ends a batch.
func FuzzBatch(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0xff, 1, 0, 0})                   // put, delete
	f.Add([]byte{0, 1, 1, 0, 1, 1, 0xff, 0, 1, 3})          // duplicate key; put must-exist
	f.Add([]byte{0, 0, 0, 0xff, 2, 0, 2, 0, 1, 0, 0xff})    // check at revision guarding a put
	f.Add([]byte{1, 2, 0, 0xff, 1, 2, 2, 0xff, 0, 3, 0x12}) // delete missing; stale revision
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx := context.Background()
		s := memstore.New()
		defer s.Close()
		m := &model{data: map[string]store.Entry{}}
		var ops []store.Op
		n := 0
		flush := func() {
			n++
			want, wantErr := m.apply(ops)
			got, err := s.Batch(ctx, ops)
			if class(err) != class(wantErr) || (err == nil && got != want) {
				t.Fatalf("batch %d %+v: got %d, %v; model %d, %v", n, ops, got, err, want, wantErr)
			}
			ops = ops[:0]
		}
		for i := 0; i < len(in); i++ {
			if in[i] == 0xff || i+2 >= len(in) {
				flush()
				continue
			}
			kind := store.OpKind(in[i]%3) + store.OpPut
			key := fmt.Sprintf("k/%d", in[i+1]%4)
			c := in[i+2]
			cond := store.Precondition{Kind: store.CondKind(c % 4)}
			if cond.Kind == store.CondRevision {
				cond.Revision = int64(c>>2) % (m.rev + 2)
			}
			ops = append(ops, store.Op{Kind: kind, Key: key, Value: []byte{c}, Cond: cond})
			i += 2
		}
		es, rev, err := s.List(ctx, "")
		if err != nil || rev != m.rev || len(es) != len(m.data) {
			t.Fatalf("List = %d entries at %d, %v; model %d at %d", len(es), rev, err, len(m.data), m.rev)
		}
		for _, e := range es {
			w := m.data[e.Key]
			if string(e.Value) != string(w.Value) || e.Revision != w.Revision {
				t.Fatalf("%s = %q@%d; model %q@%d", e.Key, e.Value, e.Revision, w.Value, w.Revision)
			}
		}
	})
}
