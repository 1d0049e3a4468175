package etcdstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/s3auth/s3auth/internal/storecheck"
	"github.com/s3auth/s3auth/store"
)

const name = "etcdstore"

// listPage is how many keys one List request reads.
const listPage = 500

// Options configures a [Store].
type Options struct {
	// Prefix is prepended to every key, so that several deployments can
	// share one etcd ("/s3auth/prod/"). Empty means none.
	Prefix string
	// RequestTimeout bounds every request to etcd. Zero means 5 seconds.
	RequestTimeout time.Duration
	// MaxTxnOps is the largest Batch accepted, which must not exceed the
	// server's --max-txn-ops. Zero means 128, etcd's default.
	MaxTxnOps int
	// WatchProbeInterval is how often a watch checks that etcd answers;
	// when it does not, the watch ends with [store.ErrUnavailable]. Zero
	// means 2 seconds; negative disables the probe.
	WatchProbeInterval time.Duration
}

// Option changes [Options].
type Option func(*Options)

// WithPrefix sets [Options.Prefix].
func WithPrefix(p string) Option { return func(o *Options) { o.Prefix = p } }

// WithRequestTimeout sets [Options.RequestTimeout].
func WithRequestTimeout(d time.Duration) Option { return func(o *Options) { o.RequestTimeout = d } }

// WithMaxTxnOps sets [Options.MaxTxnOps].
func WithMaxTxnOps(n int) Option { return func(o *Options) { o.MaxTxnOps = n } }

// WithWatchProbeInterval sets [Options.WatchProbeInterval].
func WithWatchProbeInterval(d time.Duration) Option {
	return func(o *Options) { o.WatchProbeInterval = d }
}

// Config is what [Dial] needs to reach etcd.
type Config struct {
	// Endpoints are the client URLs of the cluster's members.
	Endpoints []string
	// TLS, when set, is used for https endpoints (and client certificates).
	TLS *tls.Config
	// Username and Password authenticate to etcd when Username is set.
	Username string
	Password string
	// DialTimeout bounds establishing a connection. Zero means 5 seconds.
	DialTimeout time.Duration
}

// Store is a [store.Store] and [store.Watcher] on etcd. It is safe for
// concurrent use.
type Store struct {
	cli    *clientv3.Client
	own    bool // Close closes cli
	opts   Options
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc

	mu     sync.RWMutex
	closed bool
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
)

// New returns a store on the host's client. Close does not close cli.
func New(cli *clientv3.Client, opts ...Option) *Store {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Second
	}
	if o.MaxTxnOps <= 0 {
		o.MaxTxnOps = 128
	}
	if o.WatchProbeInterval == 0 {
		o.WatchProbeInterval = 2 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{cli: cli, opts: o, ctx: ctx, cancel: cancel}
}

// Dial connects to etcd as cfg says and returns a store that owns the
// client. It does not wait for the cluster to answer: an unreachable
// cluster shows as [store.ErrUnavailable] on the first request.
func Dial(cfg Config, opts ...Option) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("%s: dial: %w: no endpoints; give at least one client URL such as http://127.0.0.1:2379", name, store.ErrInvalid)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		TLS:         cfg.TLS,
		Username:    cfg.Username,
		Password:    cfg.Password,
		DialTimeout: cfg.DialTimeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		if authFailed(err) {
			return nil, fmt.Errorf("%s: dial %s: %w: etcd refused the credentials of user %q (%v); check Config.Username and Config.Password", name, strings.Join(cfg.Endpoints, ","), store.ErrUnavailable, cfg.Username, rpctypes.ErrorDesc(err))
		}
		return nil, fmt.Errorf("%s: dial %s: %w (%w)", name, strings.Join(cfg.Endpoints, ","), store.ErrUnavailable, err)
	}
	s := New(cli, opts...)
	s.own = true
	return s, nil
}

// Client returns the etcd client the store uses.
func (s *Store) Client() *clientv3.Client { return s.cli }

// begin checks that the store is open and returns the context for one
// request: the caller's, bounded by RequestTimeout and canceled by Close.
func (s *Store) begin(ctx context.Context, op string) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", name, op, err)
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, nil, fmt.Errorf("%s: %s: %w", name, op, store.ErrClosed)
	}
	rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	stop := context.AfterFunc(s.ctx, cancel)
	return rctx, func() { stop(); cancel() }, nil
}

// fail maps an etcd error to the store's sentinels.
func (s *Store) fail(ctx context.Context, op, key string, err error) error {
	what := op
	if key != "" {
		what = fmt.Sprintf("%s %q", op, key)
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %s: %w before etcd answered (%w)", name, what, cerr, store.ErrUnavailable)
		}
		return fmt.Errorf("%s: %s: %w", name, what, cerr)
	}
	if s.ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", name, what, store.ErrClosed)
	}
	if authFailed(err) {
		return fmt.Errorf("%s: %s: %w: etcd refused the credentials or the role (%v); check Config.Username, Config.Password and the role's key range", name, what, store.ErrUnavailable, rpctypes.ErrorDesc(err))
	}
	switch errCode(err) {
	case codes.InvalidArgument, codes.ResourceExhausted:
		return fmt.Errorf("%s: %s: %w: etcd rejected the request (%v); keep batches within %d operations and 1.5 MiB, or raise etcd's --max-txn-ops/--max-request-bytes", name, what, store.ErrInvalid, rpctypes.ErrorDesc(err), s.opts.MaxTxnOps)
	case codes.OutOfRange:
		return fmt.Errorf("%s: %s: %w (%v)", name, what, store.ErrCompacted, rpctypes.ErrorDesc(err))
	}
	return fmt.Errorf("%s: %s: %w: %v (within %v)", name, what, store.ErrUnavailable, err, s.opts.RequestTimeout)
}

// authFailed reports whether etcd refused the client's credentials or
// permissions (etcd sends a bad password as InvalidArgument).
func authFailed(err error) bool {
	switch errCode(err) {
	case codes.Unauthenticated, codes.PermissionDenied:
		return true
	case codes.InvalidArgument, codes.FailedPrecondition:
		d := rpctypes.ErrorDesc(err)
		return strings.Contains(d, "authentication failed") || strings.Contains(d, "permission denied") || strings.Contains(d, "invalid auth token")
	}
	return false
}

func errCode(err error) codes.Code {
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee.Code()
	}
	if st, ok := status.FromError(err); ok {
		return st.Code()
	}
	return codes.Unknown
}

func (s *Store) full(key string) string { return s.opts.Prefix + key }

// Get implements [store.Store.Get].
func (s *Store) Get(ctx context.Context, key string) (store.Entry, error) {
	if err := store.ValidateKey(key); err != nil {
		return store.Entry{}, fmt.Errorf("%s: get: %w", name, err)
	}
	rctx, done, err := s.begin(ctx, "get")
	if err != nil {
		return store.Entry{}, err
	}
	defer done()
	resp, err := s.cli.Get(rctx, s.full(key))
	if err != nil {
		return store.Entry{}, s.fail(ctx, "get", key, err)
	}
	if len(resp.Kvs) == 0 {
		return store.Entry{}, fmt.Errorf("%s: get %q: %w", name, key, store.ErrNotFound)
	}
	kv := resp.Kvs[0]
	v := kv.Value
	if v == nil {
		v = []byte{}
	}
	return store.Entry{Key: key, Value: v, Revision: kv.ModRevision}, nil
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
	if cond.Kind == store.CondNone {
		rctx, done, err := s.begin(ctx, "put")
		if err != nil {
			return 0, err
		}
		defer done()
		resp, err := s.cli.Put(rctx, s.full(key), string(value))
		if err != nil {
			return 0, s.fail(ctx, "put", key, err)
		}
		return resp.Header.Revision, nil
	}
	return s.txn(ctx, "put", []store.Op{store.Put(key, value, cond)})
}

// Delete implements [store.Store.Delete].
func (s *Store) Delete(ctx context.Context, key string, cond store.Precondition) error {
	if err := store.ValidateKey(key); err != nil {
		return fmt.Errorf("%s: delete: %w", name, err)
	}
	if err := storecheck.Cond(name, key, cond); err != nil {
		return err
	}
	_, err := s.txn(ctx, "delete", []store.Op{store.Delete(key, cond)})
	return err
}

// Batch implements [store.Store.Batch] as one etcd transaction.
func (s *Store) Batch(ctx context.Context, ops []store.Op) (int64, error) {
	if err := store.ValidateOps(ops); err != nil {
		return 0, fmt.Errorf("%s: batch: %w", name, err)
	}
	if len(ops) > s.opts.MaxTxnOps {
		return 0, fmt.Errorf("%s: batch: %w: %d operations is over the limit of %d per etcd transaction; split the batch or raise etcd's --max-txn-ops and WithMaxTxnOps", name, store.ErrInvalid, len(ops), s.opts.MaxTxnOps)
	}
	return s.txn(ctx, "batch", ops)
}

// never is a compare that cannot hold (a revision precondition of 0 or less).
func never(key string) clientv3.Cmp { return clientv3.Compare(clientv3.CreateRevision(key), "<", 0) }

func (s *Store) compares(o store.Op) []clientv3.Cmp {
	k := s.full(o.Key)
	var cmps []clientv3.Cmp
	switch o.Cond.Kind {
	case store.CondAbsent:
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
	case store.CondExists:
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), ">", 0))
	case store.CondRevision:
		if o.Cond.Revision <= 0 {
			cmps = append(cmps, never(k))
		} else {
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", o.Cond.Revision))
		}
	}
	if o.Kind == store.OpDelete && o.Cond.Kind != store.CondRevision && o.Cond.Kind != store.CondExists {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), ">", 0))
	}
	return cmps
}

// txn runs ops as one transaction: If every precondition, Then the writes,
// Else read every key's revision to say which precondition failed.
func (s *Store) txn(ctx context.Context, op string, ops []store.Op) (int64, error) {
	rctx, done, err := s.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer done()
	var (
		cmps      []clientv3.Cmp
		then, els []clientv3.Op
	)
	for _, o := range ops {
		cmps = append(cmps, s.compares(o)...)
		k := s.full(o.Key)
		switch o.Kind {
		case store.OpPut:
			then = append(then, clientv3.OpPut(k, string(o.Value)))
		case store.OpDelete:
			then = append(then, clientv3.OpDelete(k))
		}
		els = append(els, clientv3.OpGet(k, clientv3.WithKeysOnly()))
	}
	resp, err := s.cli.Txn(rctx).If(cmps...).Then(then...).Else(els...).Commit()
	if err != nil {
		return 0, s.fail(ctx, op, "", err)
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil
	}
	for i, o := range ops {
		var cur int64
		if i < len(resp.Responses) {
			if r := resp.Responses[i].GetResponseRange(); r != nil && len(r.Kvs) > 0 {
				cur = r.Kvs[0].ModRevision
			}
		}
		if err := storecheck.Op(name, o.Kind, o.Key, o.Cond, cur); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%s: %s: %w", name, op, store.ErrConflict)
}

// List implements [store.Store.List]. It reads in pages, all at the
// revision of the first page.
func (s *Store) List(ctx context.Context, prefix string) ([]store.Entry, int64, error) {
	var err error
	for range 3 { // a compaction between pages restarts the listing
		var (
			es  []store.Entry
			rev int64
		)
		es, rev, err = s.list(ctx, prefix)
		if err == nil || !errors.Is(err, store.ErrCompacted) {
			return es, rev, err
		}
	}
	return nil, 0, err
}

func (s *Store) list(ctx context.Context, prefix string) ([]store.Entry, int64, error) {
	full := s.full(prefix)
	end := clientv3.GetPrefixRangeEnd(full)
	var (
		out []store.Entry
		rev int64
	)
	from := full
	for {
		rctx, done, err := s.begin(ctx, "list")
		if err != nil {
			return nil, 0, err
		}
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(rctx, from, opts...)
		done()
		if err != nil {
			return nil, 0, s.fail(ctx, "list", prefix, err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			v := kv.Value
			if v == nil {
				v = []byte{}
			}
			out = append(out, store.Entry{Key: string(kv.Key[len(s.opts.Prefix):]), Value: v, Revision: kv.ModRevision})
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, rev, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Watch implements [store.Watcher.Watch] with an etcd watch from
// afterRev+1.
func (s *Store) Watch(ctx context.Context, prefix string, afterRev int64) (<-chan store.Event, error) {
	if afterRev < 0 {
		return nil, fmt.Errorf("%s: watch from revision %d: %w: the revision must be 0 or more", name, afterRev, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: watch: %w", name, err)
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, fmt.Errorf("%s: watch: %w", name, store.ErrClosed)
	}
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	full := s.full(prefix)
	wch := s.cli.Watch(clientv3.WithRequireLeader(wctx), full,
		clientv3.WithRange(clientv3.GetPrefixRangeEnd(full)), clientv3.WithRev(afterRev+1))
	ch := make(chan store.Event, 16)
	go func() {
		defer close(ch)
		defer cancel()
		defer stop()
		s.serveWatch(ctx, wctx, ch, wch, prefix, afterRev)
	}()
	return ch, nil
}

func (s *Store) serveWatch(ctx, wctx context.Context, ch chan<- store.Event, wch clientv3.WatchChan, prefix string, afterRev int64) {
	send := func(ev store.Event) bool {
		select {
		case ch <- ev:
			return true
		case <-wctx.Done():
			return false
		}
	}
	// The last word of a watch that ends for a reason other than ctx.
	final := func(err error) {
		if ctx.Err() != nil {
			return
		}
		if s.ctx.Err() != nil {
			err = fmt.Errorf("%s: watch ended: %w", name, store.ErrClosed)
		}
		select {
		case ch <- store.Event{Err: err}:
		case <-ctx.Done():
		}
	}
	var probe <-chan time.Time
	if s.opts.WatchProbeInterval > 0 {
		t := time.NewTicker(s.opts.WatchProbeInterval)
		defer t.Stop()
		probe = t.C
	}
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				final(fmt.Errorf("%s: watch of %q ended: %w", name, prefix, store.ErrUnavailable))
				return
			}
			if resp.CompactRevision != 0 || errors.Is(resp.Err(), rpctypes.ErrCompacted) {
				final(fmt.Errorf("%s: watch of %q from revision %d: etcd compacted up to revision %d: %w", name, prefix, afterRev, resp.CompactRevision, store.ErrCompacted))
				return
			}
			if err := resp.Err(); err != nil {
				final(fmt.Errorf("%s: watch of %q: %w: %v", name, prefix, store.ErrUnavailable, err))
				return
			}
			for _, e := range resp.Events {
				ev := store.Event{Key: string(e.Kv.Key[len(s.opts.Prefix):]), Revision: e.Kv.ModRevision, Type: store.EventPut, Value: e.Kv.Value}
				if e.Type == clientv3.EventTypeDelete {
					ev.Type, ev.Value = store.EventDelete, nil
				} else if ev.Value == nil {
					ev.Value = []byte{}
				}
				if !send(ev) {
					return
				}
			}
		case <-probe:
			pctx, cancel := context.WithTimeout(wctx, s.opts.RequestTimeout)
			_, err := s.cli.Get(pctx, s.full(prefix), clientv3.WithCountOnly(), clientv3.WithSerializable())
			cancel()
			if err != nil && wctx.Err() == nil {
				final(fmt.Errorf("%s: watch of %q: etcd does not answer: %w: %v", name, prefix, store.ErrUnavailable, err))
				return
			}
		case <-wctx.Done():
			final(nil)
			return
		}
	}
}

// Close implements [store.Store.Close]: later operations fail with
// [store.ErrClosed], open watches end with an event wrapping it, and a
// client made by [Dial] is closed. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	if s.own {
		if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: close: %w", name, err)
		}
	}
	return nil
}
