package s3auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/store"
)

// DirectoryOptions configures a [Directory]. Set it through
// [DirectoryOption] functions; every zero value has a default.
type DirectoryOptions struct {
	// Clock reads time for creation stamps and session revocation. nil
	// means [SystemClock].
	Clock Clock
	// Logger receives watch and cache problems (never secrets). nil
	// discards.
	Logger *slog.Logger
	// SealKeys seal secrets at rest: the first seals, every one opens.
	// Empty means secrets are stored in plain text (and sealed secrets
	// cannot be read).
	SealKeys []SealKey
	// PolicyValidator checks policy documents (named policies and service
	// account policies) before they are stored; name is the policy name,
	// or "" for a service account policy. nil accepts any JSON object.
	PolicyValidator func(name string, doc []byte) error
	// AllowRootOwner accepts uid 0 and gid 0 in POSIX ids. False (the
	// default) rejects them.
	AllowRootOwner bool
	// MaxAttempts bounds the read-modify-write attempts of one change
	// under concurrent changes of the same records. 0 means 200.
	MaxAttempts int
	// HealthInterval, when positive, makes the directory probe the store
	// (one Get) at that interval; see [Directory.Healthy]. 0 disables
	// probing, which suits stores in the same process (memstore,
	// boltstore); enable it for a remote store such as etcd.
	HealthInterval time.Duration
	// StaleAfter is how long lookups keep being served from the cache
	// after the store stopped answering the probe; after that
	// [Directory.Healthy] reports an error and the facade fails closed.
	// 0 means 30 seconds. Only used with HealthInterval.
	StaleAfter time.Duration

	// arnAccount, set by the facade, makes the cache keep each user's
	// IAM ARN (arn:aws:iam::<account>:user/<name>) so that requests need
	// not build it.
	arnAccount string
}

// DirectoryOption changes [DirectoryOptions].
type DirectoryOption func(*DirectoryOptions)

// withARNAccount makes the cache keep every user's ARN in this account.
func withARNAccount(account string) DirectoryOption {
	return func(o *DirectoryOptions) { o.arnAccount = account }
}

// WithClock sets [DirectoryOptions.Clock].
func WithClock(c Clock) DirectoryOption { return func(o *DirectoryOptions) { o.Clock = c } }

// WithLogger sets [DirectoryOptions.Logger].
func WithLogger(l *slog.Logger) DirectoryOption { return func(o *DirectoryOptions) { o.Logger = l } }

// WithSealKeys sets [DirectoryOptions.SealKeys]: keys[0] seals, all open.
func WithSealKeys(keys ...SealKey) DirectoryOption {
	return func(o *DirectoryOptions) { o.SealKeys = append([]SealKey(nil), keys...) }
}

// WithPolicyValidator sets [DirectoryOptions.PolicyValidator].
func WithPolicyValidator(v func(name string, doc []byte) error) DirectoryOption {
	return func(o *DirectoryOptions) { o.PolicyValidator = v }
}

// WithAllowRootOwner sets [DirectoryOptions.AllowRootOwner].
func WithAllowRootOwner(allow bool) DirectoryOption {
	return func(o *DirectoryOptions) { o.AllowRootOwner = allow }
}

// WithHealthCheck sets [DirectoryOptions.HealthInterval] and
// [DirectoryOptions.StaleAfter].
func WithHealthCheck(interval, staleAfter time.Duration) DirectoryOption {
	return func(o *DirectoryOptions) { o.HealthInterval, o.StaleAfter = interval, staleAfter }
}

// WithMaxAttempts sets [DirectoryOptions.MaxAttempts].
func WithMaxAttempts(n int) DirectoryOption { return func(o *DirectoryOptions) { o.MaxAttempts = n } }

// maxBatchOps keeps every batch under etcd's default limit of 128
// operations per transaction.
const maxBatchOps = 100

// Directory keeps users, service accounts, policy documents and their
// attachments in a [store.Store], and serves lookups from an in-process
// cache. It is safe for concurrent use.
//
// Reads (LookupCredential, GetUser, ListUsers, …) come from the cache and
// never touch the store. Changes read the store, write it under revision
// preconditions, and update the cache from the successful write; a failed
// write leaves store and cache as they were.
//
// When the store implements [store.Watcher] the cache follows every change
// in the store, so changes made by other nodes appear here shortly after.
// Without a watcher the cache learns only of this Directory's own changes:
// use one Directory per store, or restart to reload.
type Directory struct {
	st        store.Store
	clock     Clock
	log       *slog.Logger
	seal      *sealer
	validate  func(name string, doc []byte) error
	ids       posix.Policy
	attempts  int
	closed    atomic.Bool
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.RWMutex
	cache cache

	health health
}

// NewDirectory loads the directory from st into the cache and, when st
// implements [store.Watcher], starts following its changes. Close stops
// that; it does not close st, which stays the host's.
//
// A secret that cannot be opened at load time (unknown seal key id, wrong
// key, tampering) fails NewDirectory with [ErrSeal], so that a missing key
// is noticed at start; the same problem seen later through the watch is
// logged and makes only that credential unusable.
func NewDirectory(ctx context.Context, st store.Store, opts ...DirectoryOption) (*Directory, error) {
	if st == nil {
		return nil, errorf(CodeInvalidArgument, "NewDirectory: nil store; pass a store.Store such as memstore.New()")
	}
	var o DirectoryOptions
	for _, opt := range opts {
		opt(&o)
	}
	s, err := newSealer(o.SealKeys)
	if err != nil {
		return nil, err
	}
	d := &Directory{
		st:       st,
		clock:    o.Clock,
		log:      o.Logger,
		seal:     s,
		validate: o.PolicyValidator,
		ids:      posix.Policy{AllowRoot: o.AllowRootOwner},
		attempts: o.MaxAttempts,
		cache:    newCache(),
	}
	d.cache.account = o.arnAccount
	if d.clock == nil {
		d.clock = SystemClock{}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.validate == nil {
		d.validate = defaultPolicyValidator
	}
	if d.attempts <= 0 {
		d.attempts = 200
	}
	from, failures, err := d.load(ctx)
	if err != nil {
		return nil, err
	}
	if len(failures) > 0 {
		return nil, &Error{Code: CodeSeal, Msg: fmt.Sprintf("%d stored secret(s) cannot be opened; the first error follows", len(failures)), Err: failures[0]}
	}
	if w, ok := st.(store.Watcher); ok {
		wctx, cancel := context.WithCancel(context.Background())
		d.cancel = cancel
		d.done = make(chan struct{})
		d.mu.Lock()
		d.cache.watching = true
		d.cache.watchRev = from
		d.mu.Unlock()
		// Subscribe before returning, so that the Directory follows the
		// store from the moment it exists: a store operation the caller
		// makes (or a fault it injects) right after NewDirectory never
		// races the subscription. A failure is retried in the background.
		ch, werr := w.Watch(wctx, "", from)
		go d.watchLoop(wctx, w, from, ch, werr)
	}
	if o.HealthInterval > 0 {
		d.startHealth(o.HealthInterval, o.StaleAfter)
	}
	return d, nil
}

// Close stops following the store's changes. Later changes fail with
// [ErrClosed]; lookups keep answering from the cache as it was. Close does
// not close the store.
func (d *Directory) Close() error {
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		if d.cancel != nil {
			d.cancel()
			<-d.done
		}
		d.health.stop()
	})
	return nil
}

// load lists every prefix and applies the entries; it returns the revision
// to watch from (the smallest listing revision: replaying from there is
// harmless because applying is idempotent by revision) and the secrets that
// could not be opened.
func (d *Directory) load(ctx context.Context) (int64, []error, error) {
	var from int64
	var failures []error
	for i, p := range watchedPrefixes {
		entries, rev, err := d.st.List(ctx, p)
		if err != nil {
			return 0, nil, wrapStore(err, "loading "+p)
		}
		if i == 0 || rev < from {
			from = rev
		}
		d.mu.Lock()
		present := make(map[string]struct{}, len(entries))
		for _, e := range entries {
			present[e.Key] = struct{}{}
			if err := d.cache.apply(d.seal, e.Key, e.Value, e.Revision, false); err != nil {
				failures = append(failures, err)
			}
		}
		// On a reload, drop what the listing no longer has.
		d.cache.dropMissing(p, present, rev)
		d.mu.Unlock()
	}
	return from, failures, nil
}

// ch and err are the result of the first subscription, made by the caller.
func (d *Directory) watchLoop(ctx context.Context, w store.Watcher, from int64, ch <-chan store.Event, err error) {
	defer close(d.done)
	backoff := 50 * time.Millisecond
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			ch, err = w.Watch(ctx, "", from)
		}
		if err == nil {
			for ev := range ch {
				if ev.Err != nil {
					err = ev.Err
					break
				}
				d.applyEvent(ev)
				from = ev.Revision
				backoff = 50 * time.Millisecond
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("watch ended")
		}
		if errors.Is(err, store.ErrCompacted) {
			d.log.Warn("s3auth: directory watch fell behind the store's history; reloading", "err", err)
			rev, failures, lerr := d.load(ctx)
			for _, f := range failures {
				d.log.Error("s3auth: directory credential unusable", "err", f)
			}
			if lerr == nil {
				from = rev
				d.mu.Lock()
				d.cache.watchRev = rev
				d.mu.Unlock()
				continue
			}
			err = lerr
		}
		d.log.Warn("s3auth: directory watch failed; retrying", "err", err, "after", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (d *Directory) applyEvent(ev store.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.cache.apply(d.seal, ev.Key, ev.Value, ev.Revision, ev.Type == store.EventDelete)
	if err != nil {
		d.log.Error("s3auth: directory credential unusable", "err", err)
	}
	if ev.Revision > d.cache.watchRev {
		d.cache.watchRev = ev.Revision
	}
	d.cache.prune()
}

// mutate runs one read-modify-write change: build reads the store and
// returns the operations to apply atomically (none: nothing to do). A
// precondition that fails means a concurrent change: build runs again, at
// most d.attempts times, with jittered backoff. On success the cache
// applies exactly the operations written.
func (d *Directory) mutate(ctx context.Context, what string, build func(ctx context.Context) ([]store.Op, error)) error {
	if d.closed.Load() {
		return errorf(CodeClosed, "%s: the directory is closed", what)
	}
	for attempt := 1; ; attempt++ {
		ops, err := build(ctx)
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			return nil
		}
		d.mu.Lock()
		d.cache.inflight++
		d.mu.Unlock()
		rev, err := d.st.Batch(ctx, ops)
		d.mu.Lock()
		d.cache.inflight--
		if err == nil {
			for _, op := range ops {
				var aerr error
				switch op.Kind {
				case store.OpPut:
					aerr = d.cache.apply(d.seal, op.Key, op.Value, rev, false)
				case store.OpDelete:
					aerr = d.cache.apply(d.seal, op.Key, nil, rev, true)
				}
				if aerr != nil {
					d.log.Error("s3auth: directory credential unusable", "err", aerr)
				}
			}
		}
		d.cache.prune()
		d.mu.Unlock()
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			return wrapStore(err, what)
		}
		if attempt >= d.attempts {
			return &Error{Code: CodeConflict, Msg: fmt.Sprintf("%s: lost to concurrent changes %d times in a row; nothing was changed, retry later", what, attempt), Err: err}
		}
		wait := time.Duration(rand.Int64N(int64(min(time.Duration(attempt)*200*time.Microsecond, 20*time.Millisecond)) + 1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return wrapStore(ctx.Err(), what)
		case <-t.C:
		}
	}
}

// getRecord reads key into v; rev is 0 when the key does not exist.
func (d *Directory) getRecord(ctx context.Context, key string, v any) (int64, error) {
	e, err := d.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, wrapStore(err, "reading "+key)
	}
	if err := json.Unmarshal(e.Value, v); err != nil {
		return 0, &Error{Code: CodeStore, Msg: fmt.Sprintf("stored record %q is malformed; repair or delete it", key), Err: err}
	}
	return e.Revision, nil
}

// cond returns the precondition that the key is still as read at rev.
func cond(rev int64) store.Precondition {
	if rev == 0 {
		return store.MustNotExist
	}
	return store.AtRevision(rev)
}

func (d *Directory) sealSecret(recordKey, secret string) (secretField, error) {
	if d.seal == nil {
		return secretField{Plain: secret}, nil
	}
	s, err := d.seal.seal(recordKey, secret)
	if err != nil {
		return secretField{}, err
	}
	return secretField{Sealed: s}, nil
}

// Reseal rewrites every stored secret that is in plain text or sealed with
// a key other than the first of [WithSealKeys], so that old keys can be
// retired. It returns how many records it rewrote. Without seal keys it
// does nothing.
func (d *Directory) Reseal(ctx context.Context) (int, error) {
	if d.seal == nil {
		return 0, nil
	}
	n := 0
	for _, prefix := range []string{prefixUsers, prefixSvc} {
		entries, _, err := d.st.List(ctx, prefix)
		if err != nil {
			return n, wrapStore(err, "reseal: listing "+prefix)
		}
		for _, e := range entries {
			changed := false
			err := d.mutate(ctx, "reseal "+e.Key, func(ctx context.Context) ([]store.Op, error) {
				changed = false
				var rec map[string]json.RawMessage
				cur, err := d.st.Get(ctx, e.Key)
				if errors.Is(err, store.ErrNotFound) {
					return nil, nil
				}
				if err != nil {
					return nil, wrapStore(err, "reseal: reading "+e.Key)
				}
				if err := json.Unmarshal(cur.Value, &rec); err != nil {
					return nil, &Error{Code: CodeStore, Msg: fmt.Sprintf("stored record %q is malformed; repair or delete it", e.Key), Err: err}
				}
				var sf secretField
				if err := json.Unmarshal(cur.Value, &sf); err != nil {
					return nil, &Error{Code: CodeStore, Msg: fmt.Sprintf("stored record %q is malformed", e.Key), Err: err}
				}
				plain := sf.Plain
				if sf.Sealed != "" {
					pt, id, err := d.seal.open(e.Key, sf.Sealed)
					if err != nil {
						return nil, err
					}
					if id == d.seal.primaryID {
						return nil, nil
					}
					plain = pt
				}
				sealed, err := d.seal.seal(e.Key, plain)
				if err != nil {
					return nil, err
				}
				delete(rec, "secret")
				rec["sealedSecret"], _ = json.Marshal(sealed)
				changed = true
				return []store.Op{store.Put(e.Key, encode(rec), store.AtRevision(cur.Revision))}, nil
			})
			if err != nil {
				return n, err
			}
			if changed {
				n++
			}
		}
	}
	return n, nil
}
