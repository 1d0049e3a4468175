package memstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/s3auth/s3auth/internal/storecheck"
	"github.com/s3auth/s3auth/internal/watchhub"
	"github.com/s3auth/s3auth/store"
)

const name = "memstore"

// Operation names passed to a [Store.FailWhen] hook.
const (
	OpGet    = "get"
	OpPut    = "put"
	OpDelete = "delete"
	OpList   = "list"
	OpBatch  = "batch"
	OpWatch  = "watch"
)

// Options configures a [Store].
type Options struct {
	// History is how many change events the store keeps so that watches can
	// resume from a past revision. Zero means 10 000.
	History int
}

// Option changes [Options].
type Option func(*Options)

// WithHistory sets [Options.History].
func WithHistory(n int) Option { return func(o *Options) { o.History = n } }

type entry struct {
	value []byte
	rev   int64
}

// Store is an in-memory [store.Store] and [store.Watcher]. The zero value is
// not usable; call [New].
type Store struct {
	mu     sync.RWMutex
	data   map[string]entry
	keys   []string // sorted unless dirty
	dirty  bool
	rev    int64
	closed bool
	hub    *watchhub.Hub

	faultMu sync.Mutex
	failN   int
	failErr error
	latency time.Duration
	hook    func(op, key string) error
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
)

// New returns an empty store at revision 0.
func New(opts ...Option) *Store {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	return &Store{
		data: make(map[string]entry),
		hub:  watchhub.New(name, o.History, 0),
	}
}

// FailNext makes the next n operations (Get, Put, Delete, List, Batch,
// Watch) fail with an error wrapping err, without effect. n of 0 or less
// cancels a previous FailNext.
func (s *Store) FailNext(n int, err error) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.failN, s.failErr = n, err
	if n > 0 && err == nil {
		s.failErr = store.ErrUnavailable
	}
}

// SetLatency makes every operation wait d before it runs (or until its
// context is done). Zero removes the latency.
func (s *Store) SetLatency(d time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.latency = d
}

// FailWhen installs a hook called before every operation with the operation
// name ([OpGet], [OpPut], [OpDelete], [OpList], [OpBatch], [OpWatch]) and
// the key (the prefix for List and Watch). A Batch calls it once for each of
// its operations, with that operation's key, and fails if any call fails.
// When the hook returns an error the operation fails with an error wrapping
// it, without effect. The hook may be called concurrently. nil removes it.
func (s *Store) FailWhen(hook func(op, key string) error) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.hook = hook
}

// fault applies injected latency and failures before an operation.
func (s *Store) fault(ctx context.Context, op string, keys ...string) error {
	s.faultMu.Lock()
	lat, hook := s.latency, s.hook
	var failErr error
	if s.failN > 0 {
		s.failN--
		failErr = s.failErr
	}
	s.faultMu.Unlock()
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %s: %w", name, op, ctx.Err())
		}
	}
	if failErr != nil {
		return fmt.Errorf("%s: %s: injected failure: %w", name, op, failErr)
	}
	if hook != nil {
		for _, k := range keys {
			if err := hook(op, k); err != nil {
				return fmt.Errorf("%s: %s %q: injected failure: %w", name, op, k, err)
			}
		}
	}
	return nil
}

// begin runs the checks common to every operation.
func (s *Store) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", name, op, err)
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return fmt.Errorf("%s: %s: %w", name, op, store.ErrClosed)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append(make([]byte, 0, len(b)), b...)
}

// Get implements [store.Store.Get].
func (s *Store) Get(ctx context.Context, key string) (store.Entry, error) {
	if err := s.begin(ctx, OpGet); err != nil {
		return store.Entry{}, err
	}
	if err := store.ValidateKey(key); err != nil {
		return store.Entry{}, fmt.Errorf("%s: get: %w", name, err)
	}
	if err := s.fault(ctx, OpGet, key); err != nil {
		return store.Entry{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Entry{}, fmt.Errorf("%s: get: %w", name, store.ErrClosed)
	}
	e, ok := s.data[key]
	if !ok {
		return store.Entry{}, fmt.Errorf("%s: get %q: %w", name, key, store.ErrNotFound)
	}
	return store.Entry{Key: key, Value: clone(e.value), Revision: e.rev}, nil
}

// Put implements [store.Store.Put].
func (s *Store) Put(ctx context.Context, key string, value []byte, cond store.Precondition) (int64, error) {
	return s.write1(ctx, OpPut, store.Put(key, value, cond))
}

// Delete implements [store.Store.Delete].
func (s *Store) Delete(ctx context.Context, key string, cond store.Precondition) error {
	_, err := s.write1(ctx, OpDelete, store.Delete(key, cond))
	return err
}

// write1 runs a one-operation write named op (for errors and hooks).
func (s *Store) write1(ctx context.Context, op string, o store.Op) (int64, error) {
	if err := s.begin(ctx, op); err != nil {
		return 0, err
	}
	if err := store.ValidateKey(o.Key); err != nil {
		return 0, fmt.Errorf("%s: %s: %w", name, op, err)
	}
	if o.Kind == store.OpPut {
		if err := store.ValidateValue(o.Value); err != nil {
			return 0, fmt.Errorf("%s: %s %q: %w", name, op, o.Key, err)
		}
	}
	if err := storecheck.Cond(name, o.Key, o.Cond); err != nil {
		return 0, err
	}
	if err := s.fault(ctx, op, o.Key); err != nil {
		return 0, err
	}
	if o.Kind == store.OpPut {
		o.Value = clone(o.Value)
	}
	return s.apply(op, []store.Op{o})
}

// Batch implements [store.Store.Batch].
func (s *Store) Batch(ctx context.Context, ops []store.Op) (int64, error) {
	if err := s.begin(ctx, OpBatch); err != nil {
		return 0, err
	}
	if err := store.ValidateOps(ops); err != nil {
		return 0, fmt.Errorf("%s: batch: %w", name, err)
	}
	keys := make([]string, len(ops))
	for i, o := range ops {
		keys[i] = o.Key
	}
	if err := s.fault(ctx, OpBatch, keys...); err != nil {
		return 0, err
	}
	own := make([]store.Op, len(ops))
	for i, o := range ops {
		own[i] = o
		if o.Kind == store.OpPut {
			own[i].Value = clone(o.Value)
		}
	}
	return s.apply(OpBatch, own)
}

// apply checks every precondition, then applies ops under one revision.
// ops are validated and own their values.
func (s *Store) apply(op string, ops []store.Op) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("%s: %s: %w", name, op, store.ErrClosed)
	}
	writes := 0
	for _, o := range ops {
		if err := storecheck.Op(name, o.Kind, o.Key, o.Cond, s.data[o.Key].rev); err != nil {
			return 0, err
		}
		if o.Kind != store.OpCheck {
			writes++
		}
	}
	if writes == 0 {
		return s.rev, nil
	}
	s.rev++
	rev := s.rev
	evs := make([]store.Event, 0, writes)
	for _, o := range ops {
		switch o.Kind {
		case store.OpPut:
			if _, ok := s.data[o.Key]; !ok && !s.dirty {
				if n := len(s.keys); n == 0 || s.keys[n-1] < o.Key {
					s.keys = append(s.keys, o.Key)
				} else {
					s.dirty = true
				}
			}
			s.data[o.Key] = entry{value: o.Value, rev: rev}
			evs = append(evs, store.Event{Type: store.EventPut, Key: o.Key, Value: o.Value, Revision: rev})
		case store.OpDelete:
			delete(s.data, o.Key)
			s.dirty = true
			evs = append(evs, store.Event{Type: store.EventDelete, Key: o.Key, Revision: rev})
		}
	}
	s.hub.Publish(evs...)
	return rev, nil
}

// List implements [store.Store.List].
func (s *Store) List(ctx context.Context, prefix string) ([]store.Entry, int64, error) {
	if err := s.begin(ctx, OpList); err != nil {
		return nil, 0, err
	}
	if err := s.fault(ctx, OpList, prefix); err != nil {
		return nil, 0, err
	}
	s.mu.RLock()
	if s.dirty {
		s.mu.RUnlock()
		s.mu.Lock()
		if s.dirty {
			s.keys = s.keys[:0]
			for k := range s.data {
				s.keys = append(s.keys, k)
			}
			sort.Strings(s.keys)
			s.dirty = false
		}
		s.mu.Unlock()
		s.mu.RLock()
		if s.dirty { // a write came in between; list from the map
			defer s.mu.RUnlock()
			return s.listUnsorted(prefix)
		}
	}
	defer s.mu.RUnlock()
	if s.closed {
		return nil, 0, fmt.Errorf("%s: list: %w", name, store.ErrClosed)
	}
	i := sort.SearchStrings(s.keys, prefix)
	var out []store.Entry
	for ; i < len(s.keys) && strings.HasPrefix(s.keys[i], prefix); i++ {
		e := s.data[s.keys[i]]
		out = append(out, store.Entry{Key: s.keys[i], Value: clone(e.value), Revision: e.rev})
	}
	return out, s.rev, nil
}

func (s *Store) listUnsorted(prefix string) ([]store.Entry, int64, error) {
	if s.closed {
		return nil, 0, fmt.Errorf("%s: list: %w", name, store.ErrClosed)
	}
	var out []store.Entry
	for k, e := range s.data {
		if strings.HasPrefix(k, prefix) {
			out = append(out, store.Entry{Key: k, Value: clone(e.value), Revision: e.rev})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, s.rev, nil
}

// Watch implements [store.Watcher.Watch].
func (s *Store) Watch(ctx context.Context, prefix string, afterRev int64) (<-chan store.Event, error) {
	if err := s.begin(ctx, OpWatch); err != nil {
		return nil, err
	}
	if err := s.fault(ctx, OpWatch, prefix); err != nil {
		return nil, err
	}
	return s.hub.Watch(ctx, prefix, afterRev)
}

// Revision returns the store's current revision.
func (s *Store) Revision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// Close implements [store.Store.Close]. Later operations fail with
// [store.ErrClosed]; open watches end with an event wrapping it. Closing
// twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.data = nil
	s.keys = nil
	s.hub.Close()
	return nil
}
