// Package store defines [Store], the small transactional key/value contract
// that s3auth keeps identities, policies and key rings in, and the rules every
// backend follows.
//
// # Contract
//
//   - Get, Put and Delete on one key, with a [Precondition] (none, must not
//     exist, must exist, revision equals).
//   - List by prefix, in key order, with the revision the listing was taken at.
//   - Batch: puts, deletes and checks applied atomically under preconditions,
//     which is what keeps limits such as 100 service accounts per user exact
//     under concurrency.
//   - Watch, an optional interface ([Watcher]), so that caches on several
//     nodes learn of changes in order and can resume.
//
// Keys are UTF-8 strings of at most [MaxKeySize] bytes without NUL; values
// are at most [MaxValueSize] bytes.
//
// # Backends
//
// store/memstore (in memory, with fault injection for tests),
// store/boltstore (a single file, the embedded default) and store/etcdstore
// (a cluster). Any other backend proves itself with store/storetest.
//
// # Not supported
//
// Multi-key reads at one revision other than List, leases and TTLs, and
// ranges other than prefixes.
package store
