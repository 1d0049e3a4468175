package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
	"github.com/s3auth/s3auth/store/storetest"
)

// broken wraps a store and breaks one rule.
type broken struct {
	store.Store
	put func(s store.Store, ctx context.Context, key string, value []byte, cond store.Precondition) (int64, error)
	get func(s store.Store, ctx context.Context, key string) (store.Entry, error)
}

func (b broken) Put(ctx context.Context, key string, value []byte, cond store.Precondition) (int64, error) {
	if b.put != nil {
		return b.put(b.Store, ctx, key, value, cond)
	}
	return b.Store.Put(ctx, key, value, cond)
}

func (b broken) Get(ctx context.Context, key string) (store.Entry, error) {
	if b.get != nil {
		return b.get(b.Store, ctx, key)
	}
	return b.Store.Get(ctx, key)
}

// TestCheckFindsBrokenStores proves that the suite can fail: each broken
// store must make Check report the check named in want.
func TestCheckFindsBrokenStores(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    broken
		want string
	}{
		{
			name: "ignores preconditions",
			b: broken{put: func(s store.Store, ctx context.Context, k string, v []byte, _ store.Precondition) (int64, error) {
				return s.Put(ctx, k, v, store.Always)
			}},
			want: "PutPreconditions", // CompareAndSwap usually fails too, but not always
		},
		{
			name: "aliases the value passed in",
			b: broken{put: func(s store.Store, ctx context.Context, k string, v []byte, c store.Precondition) (int64, error) {
				rev, err := s.Put(ctx, k, v, c)
				if err == nil && len(v) > 0 {
					v[0] = '!' // behaves as if the store kept v
					s.Put(ctx, k, v, store.Always)
				}
				return rev, err
			}},
			want: "Aliasing",
		},
		{
			name: "loses not-found",
			b: broken{get: func(s store.Store, ctx context.Context, k string) (store.Entry, error) {
				e, err := s.Get(ctx, k)
				if errors.Is(err, store.ErrNotFound) {
					return store.Entry{Key: k}, nil
				}
				return e, err
			}},
			want: "CRUD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := storetest.Check(func() (store.Store, error) {
				b := tt.b
				b.Store = memstore.New()
				return b, nil
			}, storetest.WithListingSize(200))
			if err == nil {
				t.Fatalf("Check passed a store that %s", tt.name)
			}
			if !strings.Contains(err.Error(), "storetest: "+tt.want+":") {
				t.Errorf("Check did not report %s:\n%v", tt.want, err)
			}
		})
	}
}

// Example runs the conformance suite outside a test with [storetest.Check].
// In a backend's own tests, call [storetest.TestStore] instead:
//
//	func TestConformance(t *testing.T) {
//		storetest.TestStore(t, func(t *testing.T) store.Store {
//			s := mybackend.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
func Example() {
	err := storetest.Check(func() (store.Store, error) {
		return memstore.New(), nil
	}, storetest.WithListingSize(1000))
	fmt.Println("memstore conforms:", err == nil)
	// Output: memstore conforms: true
}
