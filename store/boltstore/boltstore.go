package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/s3auth/s3auth/internal/storecheck"
	"github.com/s3auth/s3auth/internal/watchhub"
	"github.com/s3auth/s3auth/store"
)

const name = "boltstore"

var (
	kvBucket   = []byte("s3auth.kv")
	metaBucket = []byte("s3auth.meta")
	revKey     = []byte("revision")
)

// Options configures a [Store].
type Options struct {
	// History is how many change events the store keeps in memory so that
	// watches can resume from a past revision. Zero means 10 000.
	History int
	// OpenTimeout is how long Open waits for another process to release
	// its lock on the file. Zero means 1 second.
	OpenTimeout time.Duration
}

// Option changes [Options].
type Option func(*Options)

// WithHistory sets [Options.History].
func WithHistory(n int) Option { return func(o *Options) { o.History = n } }

// WithOpenTimeout sets [Options.OpenTimeout].
func WithOpenTimeout(d time.Duration) Option { return func(o *Options) { o.OpenTimeout = d } }

// Store is a [store.Store] and [store.Watcher] in one bbolt file. It is safe
// for concurrent use within one process.
type Store struct {
	path string
	db   *bolt.DB
	hub  *watchhub.Hub

	mu      sync.RWMutex // held for reading by every operation, for writing by Close
	closed  bool
	writeMu sync.Mutex // orders commits and their publication to watchers
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
)

// Open opens or creates the store file at path (mode 0600).
func Open(path string, opts ...Option) (*Store, error) {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if o.OpenTimeout <= 0 {
		o.OpenTimeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.OpenTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%s: open %s: another process holds the file (waited %v); stop it or use another file: %w", name, path, o.OpenTimeout, err)
		}
		return nil, fmt.Errorf("%s: open %s: %w", name, path, err)
	}
	var rev int64
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(kvBucket); err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		rev, err = readRev(meta)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: open %s: %w", name, path, err)
	}
	return &Store{path: path, db: db, hub: watchhub.New(name, o.History, rev)}, nil
}

func readRev(meta *bolt.Bucket) (int64, error) {
	v := meta.Get(revKey)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%s: corrupt file: revision record has %d bytes, want 8", name, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// record layout: 8-byte big-endian revision, then the value.
func decode(key, rec []byte) (int64, []byte, error) {
	if len(rec) < 8 {
		return 0, nil, fmt.Errorf("%s: corrupt file: record %q has %d bytes", name, key, len(rec))
	}
	return int64(binary.BigEndian.Uint64(rec)), rec[8:], nil
}

func encode(rev int64, value []byte) []byte {
	rec := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(rec, uint64(rev))
	copy(rec[8:], value)
	return rec
}

// begin checks ctx and takes the read lock; the caller must call s.mu.RUnlock
// when it returns nil.
func (s *Store) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", name, op, err)
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return fmt.Errorf("%s: %s: %w", name, op, store.ErrClosed)
	}
	return nil
}

// Get implements [store.Store.Get].
func (s *Store) Get(ctx context.Context, key string) (store.Entry, error) {
	if err := store.ValidateKey(key); err != nil {
		return store.Entry{}, fmt.Errorf("%s: get: %w", name, err)
	}
	if err := s.begin(ctx, "get"); err != nil {
		return store.Entry{}, err
	}
	defer s.mu.RUnlock()
	var e store.Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		rec := tx.Bucket(kvBucket).Get([]byte(key))
		if rec == nil {
			return fmt.Errorf("%s: get %q: %w", name, key, store.ErrNotFound)
		}
		rev, v, err := decode([]byte(key), rec)
		if err != nil {
			return err
		}
		e = store.Entry{Key: key, Value: bytes.Clone(v), Revision: rev}
		if e.Value == nil {
			e.Value = []byte{}
		}
		return nil
	})
	return e, err
}

// Put implements [store.Store.Put].
func (s *Store) Put(ctx context.Context, key string, value []byte, cond store.Precondition) (int64, error) {
	if err := store.ValidateKey(key); err != nil {
		return 0, fmt.Errorf("%s: put: %w", name, err)
	}
	if err := store.ValidateValue(value); err != nil {
		return 0, fmt.Errorf("%s: put %q: %w", name, key, err)
	}
	if err := storecheck.Cond(name, key, cond); err != nil {
		return 0, err
	}
	return s.apply(ctx, "put", []store.Op{store.Put(key, value, cond)})
}

// Delete implements [store.Store.Delete].
func (s *Store) Delete(ctx context.Context, key string, cond store.Precondition) error {
	if err := store.ValidateKey(key); err != nil {
		return fmt.Errorf("%s: delete: %w", name, err)
	}
	if err := storecheck.Cond(name, key, cond); err != nil {
		return err
	}
	_, err := s.apply(ctx, "delete", []store.Op{store.Delete(key, cond)})
	return err
}

// Batch implements [store.Store.Batch]: one bbolt transaction.
func (s *Store) Batch(ctx context.Context, ops []store.Op) (int64, error) {
	if err := store.ValidateOps(ops); err != nil {
		return 0, fmt.Errorf("%s: batch: %w", name, err)
	}
	return s.apply(ctx, "batch", ops)
}

func (s *Store) apply(ctx context.Context, op string, ops []store.Op) (int64, error) {
	if err := s.begin(ctx, op); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	writes := 0
	for _, o := range ops {
		if o.Kind != store.OpCheck {
			writes++
		}
	}
	check := func(tx *bolt.Tx) (int64, error) {
		kv := tx.Bucket(kvBucket)
		for _, o := range ops {
			var cur int64
			if rec := kv.Get([]byte(o.Key)); rec != nil {
				r, _, err := decode([]byte(o.Key), rec)
				if err != nil {
					return 0, err
				}
				cur = r
			}
			if err := storecheck.Op(name, o.Kind, o.Key, o.Cond, cur); err != nil {
				return 0, err
			}
		}
		return readRev(tx.Bucket(metaBucket))
	}
	var rev int64
	if writes == 0 {
		err := s.db.View(func(tx *bolt.Tx) error {
			var err error
			rev, err = check(tx)
			return err
		})
		return rev, err
	}
	evs := make([]store.Event, 0, writes)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		cur, err := check(tx)
		if err != nil {
			return err
		}
		rev = cur + 1
		kv := tx.Bucket(kvBucket)
		for _, o := range ops {
			switch o.Kind {
			case store.OpPut:
				if err := kv.Put([]byte(o.Key), encode(rev, o.Value)); err != nil {
					return fmt.Errorf("%s: %s %q: %w", name, op, o.Key, err)
				}
				evs = append(evs, store.Event{Type: store.EventPut, Key: o.Key, Value: bytes.Clone(o.Value), Revision: rev})
			case store.OpDelete:
				if err := kv.Delete([]byte(o.Key)); err != nil {
					return fmt.Errorf("%s: %s %q: %w", name, op, o.Key, err)
				}
				evs = append(evs, store.Event{Type: store.EventDelete, Key: o.Key, Revision: rev})
			}
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(rev))
		return tx.Bucket(metaBucket).Put(revKey, b[:])
	})
	if err != nil {
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			err = fmt.Errorf("%s: %s: commit to %s failed, nothing was written: %w", name, op, s.path, err)
		}
		return 0, err
	}
	for i := range evs {
		if evs[i].Type == store.EventPut && evs[i].Value == nil {
			evs[i].Value = []byte{}
		}
	}
	s.hub.Publish(evs...)
	return rev, nil
}

// List implements [store.Store.List].
func (s *Store) List(ctx context.Context, prefix string) ([]store.Entry, int64, error) {
	if err := s.begin(ctx, "list"); err != nil {
		return nil, 0, err
	}
	defer s.mu.RUnlock()
	var (
		out []store.Entry
		rev int64
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if rev, err = readRev(tx.Bucket(metaBucket)); err != nil {
			return err
		}
		p := []byte(prefix)
		c := tx.Bucket(kvBucket).Cursor()
		for k, rec := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, rec = c.Next() {
			r, v, err := decode(k, rec)
			if err != nil {
				return err
			}
			out = append(out, store.Entry{Key: string(k), Value: append(make([]byte, 0, len(v)), v...), Revision: r})
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

// Watch implements [store.Watcher.Watch].
func (s *Store) Watch(ctx context.Context, prefix string, afterRev int64) (<-chan store.Event, error) {
	if err := s.begin(ctx, "watch"); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return s.hub.Watch(ctx, prefix, afterRev)
}

// Close implements [store.Store.Close]: it waits for running operations,
// ends open watches with an event wrapping [store.ErrClosed] and closes the
// file. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.hub.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("%s: close %s: %w", name, s.path, err)
	}
	return nil
}
