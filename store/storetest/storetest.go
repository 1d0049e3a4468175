package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/s3auth/s3auth/store"
)

// Options configures the suite.
type Options struct {
	// ListingSize is how many keys the big-listing test writes and lists.
	// Zero means 100 000. Backends that are slow to write may lower it and
	// say so in their tests.
	ListingSize int
	// MaxBatchOps is the largest number of operations the suite puts in
	// one Batch. Zero means 100, which fits etcd's default limit of 128
	// operations per transaction.
	MaxBatchOps int
}

// Option changes [Options].
type Option func(*Options)

// WithListingSize sets [Options.ListingSize].
func WithListingSize(n int) Option { return func(o *Options) { o.ListingSize = n } }

// WithMaxBatchOps sets [Options.MaxBatchOps].
func WithMaxBatchOps(n int) Option { return func(o *Options) { o.MaxBatchOps = n } }

func options(opts []Option) Options {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if o.ListingSize <= 0 {
		o.ListingSize = 100000
	}
	if o.MaxBatchOps <= 0 {
		o.MaxBatchOps = 100
	}
	return o
}

// tb is what the checks need from a *testing.T; [Check] provides its own.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

type suite struct {
	opts Options
	open func(tb) store.Store
}

type check struct {
	name string
	f    func(s *suite, t tb)
}

var checks = []check{
	{"CRUD", (*suite).testCRUD},
	{"Revisions", (*suite).testRevisions},
	{"PutPreconditions", (*suite).testPutPreconditions},
	{"DeletePreconditions", (*suite).testDeletePreconditions},
	{"Batch", (*suite).testBatch},
	{"BatchPreconditions", (*suite).testBatchPreconditions},
	{"BatchAtomicity", (*suite).testBatchAtomicity},
	{"BatchCheck", (*suite).testBatchCheck},
	{"BatchInvalid", (*suite).testBatchInvalid},
	{"Validation", (*suite).testValidation},
	{"LargestKeyAndValue", (*suite).testLargest},
	{"CompareAndSwap", (*suite).testCAS},
	{"PrefixIsolation", (*suite).testPrefix},
	{"Aliasing", (*suite).testAliasing},
	{"BigListing", (*suite).testBigListing},
	{"CanceledContext", (*suite).testCanceled},
	{"Closed", (*suite).testClosed},
	{"WatchOrder", (*suite).testWatchOrder},
	{"WatchResume", (*suite).testWatchResume},
	{"WatchAfterList", (*suite).testWatchAfterList},
	{"WatchPrefix", (*suite).testWatchPrefix},
	{"WatchAliasing", (*suite).testWatchAliasing},
	{"WatchCancel", (*suite).testWatchCancel},
	{"WatchClose", (*suite).testWatchClose},
}

// TestStore runs the conformance suite as parallel subtests of t. newStore
// returns a new, empty store for each subtest and registers its cleanup
// with that subtest's t.
func TestStore(t *testing.T, newStore func(t *testing.T) store.Store, opts ...Option) {
	t.Helper()
	s := &suite{opts: options(opts), open: func(x tb) store.Store { return newStore(x.(*testing.T)) }}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.f(s, t)
		})
	}
}

// Check runs the conformance suite outside a test, one check after the
// other, and returns every failure joined in one error (nil when the store
// conforms). newStore returns a new, empty store for each check; Check
// closes it afterwards.
func Check(newStore func() (store.Store, error), opts ...Option) error {
	var (
		mu   sync.Mutex
		errs []error
	)
	for _, c := range checks {
		r := &reporter{name: c.name, mu: &mu, errs: &errs}
		r.run(func() {
			st, err := newStore()
			if err != nil {
				r.Fatalf("opening a store: %v", err)
			}
			defer st.Close()
			s := &suite{opts: options(opts), open: func(tb) store.Store { return st }}
			c.f(s, r)
		})
	}
	return errors.Join(errs...)
}

// reporter collects failures for [Check].
type reporter struct {
	name string
	mu   *sync.Mutex
	errs *[]error
}

type fatal struct{}

func (r *reporter) run(f func()) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(fatal); !ok {
				r.Errorf("panic: %v", v)
			}
		}
	}()
	f()
}

func (r *reporter) Helper() {}

func (r *reporter) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.errs = append(*r.errs, fmt.Errorf("storetest: %s: %s", r.name, fmt.Sprintf(format, args...)))
}

func (r *reporter) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fatal{})
}

func (r *reporter) Logf(string, ...any) {}

// ---- helpers ----

func wantErr(t tb, what string, err error, want ...error) {
	t.Helper()
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = w.Error()
	}
	t.Errorf("%s: got error %v, want one wrapping %s", what, err, strings.Join(names, " or "))
}

func mustPut(t tb, s store.Store, key, value string, cond store.Precondition) int64 {
	t.Helper()
	rev, err := s.Put(context.Background(), key, []byte(value), cond)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if rev <= 0 {
		t.Fatalf("Put(%q) returned revision %d, want > 0", key, rev)
	}
	return rev
}

func mustGet(t tb, s store.Store, key string) store.Entry {
	t.Helper()
	e, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return e
}

// expect checks that key holds value at revision rev (rev 0: any revision).
func expect(t tb, s store.Store, what, key, value string, rev int64) {
	t.Helper()
	e, err := s.Get(context.Background(), key)
	switch {
	case err != nil:
		t.Errorf("%s: Get(%q): %v, want %q", what, key, err, value)
	case e.Key != key:
		t.Errorf("%s: Get(%q) returned key %q", what, key, e.Key)
	case string(e.Value) != value:
		t.Errorf("%s: Get(%q) = %q, want %q", what, key, e.Value, value)
	case rev != 0 && e.Revision != rev:
		t.Errorf("%s: Get(%q) revision %d, want %d", what, key, e.Revision, rev)
	}
}

func expectMissing(t tb, s store.Store, what, key string) {
	t.Helper()
	e, err := s.Get(context.Background(), key)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: Get(%q) = %q at %d, %v; want ErrNotFound", what, key, e.Value, e.Revision, err)
	}
}

func listKeys(t tb, s store.Store, prefix string) ([]string, int64) {
	t.Helper()
	es, rev, err := s.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	keys := make([]string, len(es))
	for i, e := range es {
		keys[i] = e.Key
	}
	return keys, rev
}
