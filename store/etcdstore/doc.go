// Package etcdstore is a [store.Store] on etcd v3, for clusters of s3auth
// nodes that share one source of truth and learn of changes by watching it.
//
// # Use
//
// With the host's client:
//
//	s := etcdstore.New(cli, etcdstore.WithPrefix("/s3auth/prod/"))
//
// or dialing one:
//
//	s, err := etcdstore.Dial(etcdstore.Config{
//		Endpoints: []string{"https://etcd1:2379", "https://etcd2:2379"},
//		TLS:       tlsConfig,
//		Username:  "s3auth", Password: password,
//	}, etcdstore.WithPrefix("/s3auth/prod/"))
//
// # Mapping
//
// Every key is stored under the prefix ([WithPrefix]), so several
// deployments can share one etcd. Revisions are etcd's: an entry's
// revision is its ModRevision, Put and Batch return the revision of their
// transaction, and List returns the revision of its (paginated, consistent)
// read. Since etcd's revision counts every write to the cluster, revisions
// increase by more than one when others write too. Preconditions become
// transaction compares; a Batch is one transaction.
//
// # Limits
//
// etcd limits a transaction to --max-txn-ops operations (128 by default)
// and a request to --max-request-bytes (1.5 MiB by default). A Batch above
// [Options.MaxTxnOps] fails at once with [store.ErrInvalid]; one above the
// server's byte limit is rejected by etcd, also as [store.ErrInvalid]. A
// single value of the full [store.MaxValueSize] (1 MiB) fits.
//
// # Errors
//
// Every request runs under [Options.RequestTimeout]. A backend that cannot
// be reached gives an error wrapping [store.ErrUnavailable]; whether a write
// took effect is then unknown. A watch resumed from a revision etcd has
// compacted ends with an event wrapping [store.ErrCompacted]: reload with
// List and watch from its revision. A watch also ends with
// [store.ErrUnavailable] when a periodic probe ([Options.WatchProbeInterval])
// finds etcd unreachable, so a cache can fall back to reloading instead of
// waiting silently.
//
// # Not supported
//
// Leases and TTLs, etcd authentication management (create the user and
// role with etcdctl), and compaction (configure etcd's auto-compaction).
package etcdstore
