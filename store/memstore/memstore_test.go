package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
	"github.com/s3auth/s3auth/store/storetest"
)

func TestFailNext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	boom := errors.New("boom")
	s.FailNext(2, boom)
	for i := range 2 {
		if _, err := s.Put(ctx, "k", []byte("v"), store.Always); !errors.Is(err, boom) {
			t.Fatalf("put %d: got %v, want boom", i, err)
		}
	}
	if _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed put had an effect: get returned %v", err)
	}
	if _, err := s.Put(ctx, "k", []byte("v"), store.Always); err != nil {
		t.Fatalf("third put: %v", err)
	}
}

func TestFailWhen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	boom := errors.New("boom")
	writes := 0
	s.FailWhen(func(op, key string) error {
		if key == "bad" {
			return boom
		}
		if op == memstore.OpPut {
			writes++
			if writes == 3 {
				return boom
			}
		}
		return nil
	})
	for i := 1; i <= 4; i++ {
		_, err := s.Put(ctx, fmt.Sprint("k", i), nil, store.Always)
		if (i == 3) != errors.Is(err, boom) {
			t.Errorf("put %d: got %v", i, err)
		}
	}
	if _, err := s.Batch(ctx, []store.Op{store.Put("x", nil, store.Always), store.Put("bad", nil, store.Always)}); !errors.Is(err, boom) {
		t.Errorf("batch touching bad key: got %v, want boom", err)
	}
	if _, err := s.Get(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed batch wrote x: %v", err)
	}
	if _, err := s.Get(ctx, "bad"); !errors.Is(err, boom) {
		t.Errorf("get bad: got %v, want boom", err)
	}
	s.FailWhen(nil)
	if _, err := s.Get(ctx, "k4"); err != nil {
		t.Errorf("after removing hook: %v", err)
	}
}

func TestSetLatency(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	s.SetLatency(50 * time.Millisecond)
	start := time.Now()
	if _, err := s.Put(context.Background(), "k", nil, store.Always); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("put took %v, want at least 50ms", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	s.SetLatency(time.Hour)
	if _, err := s.Get(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("get with deadline under latency: got %v", err)
	}
}

func TestWatchCompacted(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := memstore.New(memstore.WithHistory(10))
	t.Cleanup(func() { s.Close() })
	for i := range 25 {
		if _, err := s.Put(ctx, fmt.Sprint("k", i), nil, store.Always); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		after     int64
		compacted bool
		first     int64
	}{
		{name: "from zero", after: 0, compacted: true},
		{name: "just before history", after: 14, compacted: true},
		{name: "oldest kept", after: 15, first: 16},
		{name: "latest", after: 24, first: 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			ch, err := s.Watch(ctx, "", tt.after)
			if err != nil {
				t.Fatal(err)
			}
			ev := <-ch
			if tt.compacted {
				if !errors.Is(ev.Err, store.ErrCompacted) {
					t.Fatalf("got %+v, want ErrCompacted", ev)
				}
				return
			}
			if ev.Err != nil || ev.Revision != tt.first {
				t.Fatalf("got %+v, want revision %d", ev, tt.first)
			}
		})
	}
}

func TestSlowWatcherCompacted(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := memstore.New(memstore.WithHistory(5))
	t.Cleanup(func() { s.Close() })
	ch, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := s.Put(ctx, fmt.Sprint("k", i), nil, store.Always); err != nil {
			t.Fatal(err)
		}
	}
	var last store.Event
	for ev := range ch {
		last = ev
		if ev.Err != nil {
			break
		}
	}
	if !errors.Is(last.Err, store.ErrCompacted) {
		t.Fatalf("slow watcher ended with %+v, want ErrCompacted", last)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.TestStore(t, func(t *testing.T) store.Store {
		s := memstore.New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	if _, err := s.Put(ctx, "users/alice", make([]byte, 256), store.Always); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "users/alice"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	v := make([]byte, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Put(ctx, "users/alice", v, store.Always); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatch(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	ops := make([]store.Op, 10)
	for i := range ops {
		ops[i] = store.Put(fmt.Sprintf("svc/alice/%d", i), make([]byte, 256), store.Always)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Batch(ctx, ops); err != nil {
			b.Fatal(err)
		}
	}
}
