// Package storecheck holds the precondition rules shared by the store
// backends of this module, so that every backend returns the same sentinel
// for the same situation.
//
// # Not supported
//
// Anything but deciding one operation against one key's current revision.
package storecheck

import (
	"fmt"

	"github.com/s3auth/s3auth/store"
)

// Op decides whether an operation of kind on key may proceed when the key's
// current revision is rev (0: missing). name prefixes messages. It returns
// nil, or an error wrapping [store.ErrConflict] (the precondition failed) or
// [store.ErrNotFound] (a delete of a missing key whose precondition did not
// name a revision).
func Op(name string, kind store.OpKind, key string, cond store.Precondition, rev int64) error {
	if kind == store.OpDelete && rev == 0 && cond.Kind != store.CondRevision {
		return fmt.Errorf("%s: delete %q: %w", name, key, store.ErrNotFound)
	}
	if cond.Holds(rev) {
		return nil
	}
	verb := "put"
	switch kind {
	case store.OpDelete:
		verb = "delete"
	case store.OpCheck:
		verb = "check"
	}
	state := "it does not exist"
	if rev != 0 {
		state = fmt.Sprintf("its revision is %d", rev)
	}
	return fmt.Errorf("%s: %s %q: precondition %q does not hold, %s: %w", name, verb, key, cond.String(), state, store.ErrConflict)
}

// Cond checks that a precondition's kind is known.
func Cond(name, key string, cond store.Precondition) error {
	if cond.Kind > store.CondExists {
		return fmt.Errorf("%s: %q: %w: unknown precondition kind %d", name, key, store.ErrInvalid, cond.Kind)
	}
	return nil
}
