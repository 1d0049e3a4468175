// Package boltstore is a [store.Store] in one file, on go.etcd.io/bbolt: the
// embedded default of s3auth, kept next to the data it protects.
//
// # Use
//
//	s, err := boltstore.Open(filepath.Join(dataDir, "s3auth.db"))
//	if err != nil { ... }
//	defer s.Close()
//
// # Durability
//
// Every write is one bbolt transaction committed with fsync before the call
// returns: an acknowledged write survives a crash of the process or the
// machine, and a Batch is applied entirely or not at all. The store-wide
// revision is kept in a meta bucket in the same transaction as the data.
// The crash test kills a writer with SIGKILL at random points and checks
// both properties.
//
// # Watch
//
// [Store.Watch] implements [store.Watcher] in process: the store keeps a
// ring of recent events ([WithHistory], 10 000 by default). History is not
// persisted: after Open, watches can resume from the revision the file had
// when it was opened or later; older revisions, and watchers that fall
// behind the ring, get an event wrapping [store.ErrCompacted] and must
// reload with List.
//
// # Not supported
//
// Sharing the file between processes (bbolt locks it; a second Open waits
// [WithOpenTimeout] and then fails), watching changes made by another
// process, compaction of the file (bbolt reuses free pages but never
// shrinks the file), and cancelation of an operation once it has started
// (the context is checked before it starts).
package boltstore
