package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/s3auth/s3auth/internal/etcdtest"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/etcdstore"
	"github.com/s3auth/s3auth/store/storetest"
)

func client(t testing.TB, endpoints []string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// TestConformance runs storetest against a real etcd (integration test:
// needs the etcd binary; `make test` installs it). Every subtest gets its
// own key prefix on one server.
func TestConformance(t *testing.T) {
	cli := client(t, etcdtest.Start(t))
	var n atomic.Int64
	storetest.TestStore(t, func(t *testing.T) store.Store {
		s := etcdstore.New(cli, etcdstore.WithPrefix(fmt.Sprintf("/conformance/%d/", n.Add(1))))
		t.Cleanup(func() { s.Close() })
		return s
	}, storetest.WithMaxBatchOps(100))
}

func TestPrefixesAreSeparate(t *testing.T) {
	ctx := context.Background()
	cli := client(t, etcdtest.Start(t))
	a := etcdstore.New(cli, etcdstore.WithPrefix("/a/"))
	b := etcdstore.New(cli, etcdstore.WithPrefix("/ab/"))
	if _, err := a.Put(ctx, "users/x", []byte("a"), store.Always); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "users/x", []byte("b"), store.Always); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		s    *etcdstore.Store
		want string
	}{{"a", a, "a"}, {"b", b, "b"}} {
		es, _, err := tt.s.List(ctx, "")
		if err != nil || len(es) != 1 || es[0].Key != "users/x" || string(es[0].Value) != tt.want {
			t.Errorf("store %s lists %+v, %v; want only users/x=%s", tt.name, es, err, tt.want)
		}
	}
	resp, err := cli.Get(ctx, "/a/users/x")
	if err != nil || len(resp.Kvs) != 1 {
		t.Errorf("the raw key /a/users/x is not in etcd: %v", err)
	}
}

func TestCompacted(t *testing.T) {
	ctx := t.Context()
	cli := client(t, etcdtest.Start(t))
	s := etcdstore.New(cli, etcdstore.WithPrefix("/c/"))
	first, err := s.Put(ctx, "k", []byte("1"), store.Always)
	if err != nil {
		t.Fatal(err)
	}
	last := first
	for i := range 5 {
		if last, err = s.Put(ctx, "k", []byte(strconv.Itoa(i)), store.Always); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.Compact(ctx, last); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx, "", first)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if !errors.Is(ev.Err, store.ErrCompacted) {
			t.Fatalf("watch from a compacted revision: got %+v, want ErrCompacted", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event from a watch on a compacted revision")
	}
	// Watching from the compaction revision works.
	ch, err = s.Watch(ctx, "", last)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Put(ctx, "k", []byte("after"), store.Always)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-ch; ev.Err != nil || ev.Revision != r {
		t.Fatalf("watch from the compaction revision: got %+v, want k at %d", ev, r)
	}
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	cli := client(t, etcdtest.Start(t))
	s := etcdstore.New(cli, etcdstore.WithPrefix("/l/"))
	tests := []struct {
		name string
		ops  func() []store.Op
	}{
		{"129 operations", func() []store.Op {
			var ops []store.Op
			for i := range 129 {
				ops = append(ops, store.Put(fmt.Sprint("k", i), nil, store.Always))
			}
			return ops
		}},
		{"two values of 1 MiB", func() []store.Op {
			return []store.Op{
				store.Put("a", make([]byte, store.MaxValueSize), store.Always),
				store.Put("b", make([]byte, store.MaxValueSize), store.Always),
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Batch(ctx, tt.ops()); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
			if es, _, err := s.List(ctx, ""); err != nil || len(es) != 0 {
				t.Errorf("a rejected batch left %d keys (%v)", len(es), err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s, err := etcdstore.Dial(etcdstore.Config{Endpoints: []string{"http://" + addr}, DialTimeout: 200 * time.Millisecond},
		etcdstore.WithRequestTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Now()
	_, err = s.Get(ctx, "k")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get from an unreachable etcd: %v, want ErrUnavailable", err)
	}
	_, err = s.Put(ctx, "k", nil, store.MustNotExist)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put to an unreachable etcd: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("two requests to an unreachable etcd took %v; the request timeout is 300ms", d)
	}
	if _, err := etcdstore.Dial(etcdstore.Config{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Dial without endpoints: %v, want ErrInvalid", err)
	}
}

// TestOutage stops etcd under a store and a watch, then restarts it: writes
// fail with ErrUnavailable while it is down, the watch ends with
// ErrUnavailable, and everything works again once it is back.
func TestOutage(t *testing.T) {
	srv := etcdtest.StartServer(t)
	s, err := etcdstore.Dial(etcdstore.Config{Endpoints: srv.Endpoints()},
		etcdstore.WithPrefix("/o/"), etcdstore.WithRequestTimeout(500*time.Millisecond),
		etcdstore.WithWatchProbeInterval(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	rev, err := s.Put(ctx, "k", []byte("before"), store.Always)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx, "", rev)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := s.Put(ctx, "k", []byte("during"), store.AtRevision(rev)); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put during the outage: %v, want ErrUnavailable", err)
	}
	select {
	case ev := <-ch:
		if !errors.Is(ev.Err, store.ErrUnavailable) {
			t.Errorf("watch during the outage: %+v, want ErrUnavailable", ev)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("watch did not report the outage within 10s")
	}
	srv.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for {
		e, err := s.Get(ctx, "k")
		if err == nil {
			if string(e.Value) != "before" || e.Revision != rev {
				t.Errorf("after the outage k = %q at %d, want before at %d", e.Value, e.Revision, rev)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not recover within 15s of etcd restarting: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ch, err = s.Watch(ctx, "", rev)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Put(ctx, "k", []byte("after"), store.AtRevision(rev))
	if err != nil {
		t.Fatalf("Put after recovery: %v", err)
	}
	if ev := <-ch; ev.Err != nil || ev.Revision != r2 {
		t.Errorf("watch after recovery: %+v, want k at %d", ev, r2)
	}
}

// BenchmarkPut is the write latency of one Put (a user creation) on an etcd
// whose data directory is on disk, so each commit pays a real fsync.
func BenchmarkPut(b *testing.B) {
	cli := client(b, etcdtest.Start(b, etcdtest.OnDisk()))
	s := etcdstore.New(cli, etcdstore.WithPrefix("/bench/"))
	ctx := context.Background()
	v := make([]byte, 256)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		if _, err := s.Put(ctx, "users/u"+strconv.Itoa(i), v, store.MustNotExist); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	cli := client(b, etcdtest.Start(b))
	s := etcdstore.New(cli, etcdstore.WithPrefix("/bench/"))
	ctx := context.Background()
	if _, err := s.Put(ctx, "users/alice", make([]byte, 256), store.Always); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "users/alice"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAuth dials an etcd with authentication enabled: the right password
// works, a wrong one fails with a clear error.
func TestAuth(t *testing.T) {
	ctx := context.Background()
	eps := etcdtest.Start(t)
	cli := client(t, eps)
	for _, step := range []func() error{
		func() error { _, err := cli.RoleAdd(ctx, "root"); return err },
		func() error { _, err := cli.UserAdd(ctx, "root", "rootpw"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatalf("enabling etcd auth: %v", err)
		}
	}
	s, err := etcdstore.Dial(etcdstore.Config{Endpoints: eps, Username: "root", Password: "rootpw"}, etcdstore.WithPrefix("/auth/"))
	if err != nil {
		t.Fatalf("Dial with the right password: %v", err)
	}
	defer s.Close()
	if _, err := s.Put(ctx, "k", []byte("v"), store.MustNotExist); err != nil {
		t.Fatalf("Put with the right password: %v", err)
	}
	bad, err := etcdstore.Dial(etcdstore.Config{Endpoints: eps, Username: "root", Password: "wrong"}, etcdstore.WithRequestTimeout(2*time.Second))
	if err == nil {
		defer bad.Close()
		_, err = bad.Get(ctx, "k")
	}
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("wrong password: %v, want ErrUnavailable saying the credentials were refused", err)
	}
	t.Logf("wrong password: %v", err)
}
