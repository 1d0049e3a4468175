// Package storetest is the conformance suite every [store.Store] backend
// passes, shaped like [testing/fstest.TestFS]: it reports every failure it
// finds rather than stopping at the first, probes the optional
// [store.Watcher] interface, and checks that mutating bytes passed in or
// returned never changes the store.
//
// # Use
//
// In the backend's tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.TestStore(t, func(t *testing.T) store.Store {
//			s, err := mybackend.Open(filepath.Join(t.TempDir(), "db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// newStore is called once per subtest, from parallel subtests, and must
// return an empty store (a fresh file, or a fresh key prefix on a shared
// server); the backend's own cleanup closes it. The suite closes some stores
// itself, so Close must tolerate being called twice. [Check] runs the same
// suite outside a test and returns the failures as one error.
//
// # What is covered
//
//   - Get, Put, Delete and List, store-wide revisions.
//   - Every precondition (none, must not exist, must exist, revision equals)
//     on Put, Delete and in Batch; a delete of a missing key gives
//     [store.ErrNotFound] unless its precondition named a revision
//     ([store.ErrConflict]).
//   - Batch: one shared revision, atomicity (one failing precondition,
//     missing key or invalid operation anywhere writes nothing), OpCheck,
//     duplicate keys, empty batches.
//   - Validation: empty key, NUL, invalid UTF-8, key over 1 KiB, value over
//     1 MiB, unknown precondition and operation kinds, and the largest
//     valid key and value.
//   - 32 goroutines × 200 compare-and-swap increments on one key ending at
//     exactly 6400.
//   - Prefix isolation ("a/" never lists "ab/"), key order, aliasing.
//   - Listing 100 000 keys written in batches of 100 operations
//     ([WithListingSize], [WithMaxBatchOps] for backends with lower limits).
//   - Canceled contexts, and a closed store ([store.ErrClosed]).
//   - Watch, when the store implements [store.Watcher]: order, batches
//     sharing a revision, resume from a revision, a watch from the revision
//     List returned misses nothing under concurrent writes, prefix
//     filtering, aliasing, cancelation and Close ending the stream.
//
// # Not supported
//
// Forcing compaction: [store.ErrCompacted] depends on how a backend keeps
// history, so each backend tests it itself. The suite does not assume that
// revisions are dense or that the store is the only writer of its backend:
// revisions are only required to increase.
package storetest
