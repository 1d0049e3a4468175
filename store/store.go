package store

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Limits on keys and values. Every backend enforces them through
// [ValidateKey] and [ValidateValue] so that data written to one backend can
// be copied to any other.
const (
	// MaxKeySize is the largest key, in bytes.
	MaxKeySize = 1024
	// MaxValueSize is the largest value, in bytes.
	MaxValueSize = 1 << 20
)

// Sentinel errors. Backends wrap them (fmt.Errorf("...: %w", ErrX)) so that
// callers branch with errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("store: key not found")
	// ErrConflict: a precondition did not hold; nothing was written.
	ErrConflict = errors.New("store: precondition failed (the key was changed concurrently; read it again and retry)")
	// ErrInvalid: a key, value, operation or precondition is malformed;
	// nothing was written.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrCompacted: a watch asked to resume from a revision the backend no
	// longer keeps history for; the caller must reload with List and watch
	// again from the revision List returned.
	ErrCompacted = errors.New("store: revision compacted; reload with List and watch from its revision")
	// ErrUnavailable: the backend could not be reached. Nothing is known
	// about whether a write took effect unless the backend documents it.
	ErrUnavailable = errors.New("store: backend unavailable")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// Entry is one key with its value and the revision of its last change.
type Entry struct {
	Key      string
	Value    []byte
	Revision int64
}

// CondKind tells what a [Precondition] requires.
type CondKind uint8

const (
	// CondNone: no requirement.
	CondNone CondKind = iota
	// CondAbsent: the key must not exist.
	CondAbsent
	// CondRevision: the key must exist with exactly Precondition.Revision.
	CondRevision
	// CondExists: the key must exist, with any revision.
	CondExists
)

// Precondition is a requirement on a key's current state that must hold for
// a write to take effect. The zero value requires nothing.
type Precondition struct {
	Kind     CondKind
	Revision int64 // with CondRevision
}

// Preconditions, for readability at call sites.
var (
	// Always is the empty precondition.
	Always = Precondition{}
	// MustNotExist requires that the key does not exist.
	MustNotExist = Precondition{Kind: CondAbsent}
	// MustExist requires that the key exists.
	MustExist = Precondition{Kind: CondExists}
)

// AtRevision requires that the key exists with revision rev.
func AtRevision(rev int64) Precondition { return Precondition{Kind: CondRevision, Revision: rev} }

// String describes the precondition for error messages.
func (p Precondition) String() string {
	switch p.Kind {
	case CondNone:
		return "none"
	case CondAbsent:
		return "must not exist"
	case CondRevision:
		return fmt.Sprintf("revision must be %d", p.Revision)
	case CondExists:
		return "must exist"
	}
	return fmt.Sprintf("unknown precondition kind %d", p.Kind)
}

// Holds reports whether the precondition holds for a key whose current
// revision is rev (0 when the key does not exist). Backends may use it.
func (p Precondition) Holds(rev int64) bool {
	switch p.Kind {
	case CondNone:
		return true
	case CondAbsent:
		return rev == 0
	case CondRevision:
		return rev != 0 && rev == p.Revision
	case CondExists:
		return rev != 0
	}
	return false
}

// OpKind is the kind of one operation in a batch.
type OpKind uint8

const (
	// OpPut writes Value at Key.
	OpPut OpKind = iota + 1
	// OpDelete removes Key; the key must exist.
	OpDelete
	// OpCheck writes nothing; it only asserts Cond on Key.
	OpCheck
)

// Op is one operation of an atomic [Store.Batch].
type Op struct {
	Kind  OpKind
	Key   string
	Value []byte // with OpPut
	Cond  Precondition
}

// Put returns an OpPut.
func Put(key string, value []byte, cond Precondition) Op {
	return Op{Kind: OpPut, Key: key, Value: value, Cond: cond}
}

// Delete returns an OpDelete.
func Delete(key string, cond Precondition) Op { return Op{Kind: OpDelete, Key: key, Cond: cond} }

// Check returns an OpCheck.
func Check(key string, cond Precondition) Op { return Op{Kind: OpCheck, Key: key, Cond: cond} }

// Store is a small transactional key/value store that keeps identities,
// policies and key rings. Hosts implement it to keep them in their own
// metadata system; memstore, boltstore and etcdstore come with the module,
// and storetest checks any implementation.
//
// Revisions are store-wide: every successful write (Put, Delete or Batch)
// increases the store's revision by at least one, and every entry it
// touches takes the new revision. Revisions start above 0; 0 means "does not
// exist".
//
// Implementations must be safe for concurrent use. Values passed in are not
// retained after the call returns, and values returned are the caller's to
// modify.
type Store interface {
	// Get returns the entry at key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) (Entry, error)

	// Put writes value at key if cond holds, returning the new revision.
	// A failed precondition returns an error wrapping ErrConflict.
	Put(ctx context.Context, key string, value []byte, cond Precondition) (int64, error)

	// Delete removes key if cond holds. A missing key returns an error
	// wrapping ErrNotFound (or ErrConflict when cond required a revision).
	Delete(ctx context.Context, key string, cond Precondition) error

	// List returns every entry whose key starts with prefix, in byte order
	// of keys, and the store revision at which the listing was taken (a
	// watch started from it misses nothing). The prefix "a/" matches "a/x"
	// but never "ab".
	List(ctx context.Context, prefix string) ([]Entry, int64, error)

	// Batch applies ops atomically: all take effect, under one new
	// revision, or none does. Every precondition is checked against the
	// state before the batch. A key may appear at most once. A failed
	// precondition returns an error wrapping ErrConflict; a delete of a
	// missing key, ErrNotFound. A batch of only OpCheck writes nothing and
	// returns the current revision.
	Batch(ctx context.Context, ops []Op) (int64, error)

	// Close releases the store's resources.
	Close() error
}

// EventType is what happened to a key.
type EventType uint8

const (
	// EventPut: the key was created or changed.
	EventPut EventType = iota + 1
	// EventDelete: the key was removed.
	EventDelete
)

// Event is one change seen by a watch. Events arrive in revision order; the
// events of one batch share a revision.
type Event struct {
	Type     EventType
	Key      string
	Value    []byte // nil for EventDelete
	Revision int64
	// Err, when set, is the last event of the stream: the watch ended (for
	// example ErrCompacted or ErrUnavailable) and the channel closes after it.
	Err error
}

// Watcher is an optional interface of a [Store] that can report changes.
// Find it with a type assertion.
type Watcher interface {
	// Watch reports every change under prefix with a revision greater than
	// afterRev, in order, until ctx is done (then the channel closes) or
	// the watch fails (then a last Event with Err is sent). Passing the
	// revision returned by List resumes exactly after that listing.
	// A revision no longer in the backend's history gives an Event with
	// Err wrapping ErrCompacted. Watch returns at once, without waiting
	// for the backend (a Directory subscribes while it is being built);
	// an unreachable backend is reported through the channel.
	Watch(ctx context.Context, prefix string, afterRev int64) (<-chan Event, error)
}

// ValidateKey checks a key against the rules every backend enforces: not
// empty, valid UTF-8, no NUL byte, at most MaxKeySize bytes.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalid)
	case len(key) > MaxKeySize:
		return fmt.Errorf("%w: key of %d bytes is over the limit of %d bytes", ErrInvalid, len(key), MaxKeySize)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalid)
	}
	for i := 0; i < len(key); i++ {
		if key[i] == 0 {
			return fmt.Errorf("%w: key contains a NUL byte at offset %d", ErrInvalid, i)
		}
	}
	return nil
}

// ValidateValue checks a value's size against MaxValueSize.
func ValidateValue(value []byte) error {
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: value of %d bytes is over the limit of %d bytes", ErrInvalid, len(value), MaxValueSize)
	}
	return nil
}

// ValidateOps checks a batch: known kinds, valid keys and values, and no key
// twice.
func ValidateOps(ops []Op) error {
	seen := make(map[string]struct{}, len(ops))
	for i, op := range ops {
		if op.Kind < OpPut || op.Kind > OpCheck {
			return fmt.Errorf("%w: op %d has unknown kind %d", ErrInvalid, i, op.Kind)
		}
		if err := ValidateKey(op.Key); err != nil {
			return fmt.Errorf("op %d: %w", i, err)
		}
		if op.Kind == OpPut {
			if err := ValidateValue(op.Value); err != nil {
				return fmt.Errorf("op %d (%q): %w", i, op.Key, err)
			}
		}
		if op.Cond.Kind > CondExists {
			return fmt.Errorf("%w: op %d (%q) has unknown precondition kind %d", ErrInvalid, i, op.Key, op.Cond.Kind)
		}
		if _, dup := seen[op.Key]; dup {
			return fmt.Errorf("%w: key %q appears twice in one batch", ErrInvalid, op.Key)
		}
		seen[op.Key] = struct{}{}
	}
	return nil
}
