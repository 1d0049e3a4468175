// Package memstore is an in-memory [store.Store] with watch support and
// fault injection, for tests and for hosts that keep identities elsewhere
// and only need a cache.
//
// # Use
//
//	s := memstore.New()
//	rev, err := s.Put(ctx, "users/alice", []byte(`{}`), store.MustNotExist)
//
// A [Store] is safe for concurrent use. It copies values on the way in and
// on the way out, so callers may modify what they passed or received.
//
// # Watch
//
// [Store.Watch] implements [store.Watcher]. The store keeps a bounded ring of
// recent events ([WithHistory], 10 000 by default); a watch resuming from a
// revision older than the ring, or a watcher reading so slowly that the
// ring overtakes it, gets a last event wrapping [store.ErrCompacted].
//
// # Fault injection
//
// [Store.FailNext], [Store.SetLatency] and [Store.FailWhen] make operations
// fail or slow down, so that tests can check how a caller behaves when its
// store misbehaves. A failed operation has no effect.
//
// # Not supported
//
// Persistence (everything is lost with the process), memory limits, and
// sharing between processes. Listing after deletes or out-of-order inserts
// re-sorts the key index once, which costs O(n log n).
package memstore
