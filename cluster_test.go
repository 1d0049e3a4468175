package s3auth_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/etcdtest"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/store/etcdstore"
	"github.com/s3auth/s3auth/sts"
)

// node is one s3auth instance with its own etcd client, as one server of a
// cluster.
type node struct {
	auth  *s3auth.Auth
	store *etcdstore.Store
}

func startNodes(t *testing.T, endpoints []string, clock *s3authtest.Clock, n int) []node {
	t.Helper()
	var nodes []node
	for i := 0; i < n; i++ {
		st, err := etcdstore.Dial(etcdstore.Config{Endpoints: endpoints}, etcdstore.WithRequestTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		a, err := s3auth.New(context.Background(), st, s3auth.WithAuthClock(clock), func(o *s3auth.Options) {
			o.Directory = append(o.Directory, s3auth.WithHealthCheck(100*time.Millisecond, 30*time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(); st.Close() })
		nodes = append(nodes, node{a, st})
	}
	return nodes
}

// eventually polls cond until it holds or the bound passes, and returns how
// long it took.
func within(t *testing.T, bound time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not observed within %s", what, bound)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

func signedGet(t *testing.T, clock *s3authtest.Clock, ak, sk, tok string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/bkt/key", nil)
	r.RemoteAddr = "127.0.0.1:1234"
	s3authtest.Sign(t, r, nil, ak, sk, tok, clock.Now())
	return r
}

func allowed(a *s3auth.Auth, r *http.Request) (bool, error) {
	p, err := a.Authenticate(r)
	if err != nil {
		return false, err
	}
	return a.Authorize(context.Background(), p, r).Allowed, nil
}

// TestClusterOnEtcd: three nodes on one real etcd (integration: `make test`
// installs etcd-server). Changes made on one node are seen on the others
// within one second; sessions minted on one verify on all.
func TestClusterOnEtcd(t *testing.T) {
	eps := etcdtest.Start(t)
	clock := s3authtest.NewClock(time.Now())
	nodes := startNodes(t, eps, clock, 3)
	ctx := context.Background()
	a, b, c := nodes[0].auth, nodes[1].auth, nodes[2].auth
	const bound = time.Second
	var worst time.Duration
	observe := func(what string, cond func() bool) {
		if d := within(t, bound, what, cond); d > worst {
			worst = d
		}
	}

	if _, err := a.Directory().AddUser(ctx, "kim", "kim-secret-123"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*s3auth.Auth{b, c} {
		observe("user created", func() bool { _, ok := n.Directory().LookupCredential("kim"); return ok })
	}
	if err := a.Directory().AttachPolicy(ctx, "readonly", s3auth.Target{User: "kim"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*s3auth.Auth{b, c} {
		observe("policy attached", func() bool { ok, _ := allowed(n, signedGet(t, clock, "kim", "kim-secret-123", "")); return ok })
	}
	// A session minted on b verifies on a and c.
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "kim", User: "kim", Policies: []string{"readonly"}}
	out, err := b.AssumeRole(ctx, p, &sts.AssumeRoleInput{Duration: time.Hour, RoleSessionName: "build"})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	for _, n := range []*s3auth.Auth{a, c} {
		if ok, err := allowed(n, signedGet(t, clock, cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken)); !ok || err != nil {
			t.Fatalf("session minted on another node: %v %v", ok, err)
		}
	}
	// Revoke on c: a and b refuse within the bound.
	clock.Advance(time.Second)
	if err := c.RevokeSessions(ctx, "kim"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*s3auth.Auth{a, b} {
		observe("sessions revoked", func() bool {
			_, err := allowed(n, signedGet(t, clock, cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken))
			return err != nil
		})
	}
	// Remove on b: a and c refuse within the bound.
	if err := b.Directory().RemoveUser(ctx, "kim"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*s3auth.Auth{a, c} {
		observe("user removed", func() bool {
			_, err := allowed(n, signedGet(t, clock, "kim", "kim-secret-123", ""))
			return err != nil
		})
	}
	t.Logf("worst propagation delay between nodes: %s (bound %s)", worst, bound)
}

// TestClusterEtcdOutage: etcd stopped and restarted under load. While it is
// down, decisions come from the cache (right ones) or fail closed with
// ServiceUnavailable; nothing is a wrong allow or a 500; writes fail at
// once; after the restart, changes flow again.
func TestClusterEtcdOutage(t *testing.T) {
	srv := etcdtest.StartServer(t)
	clock := s3authtest.NewClock(time.Now())
	nodes := startNodes(t, srv.Endpoints(), clock, 2)
	ctx := context.Background()
	a, b := nodes[0].auth, nodes[1].auth
	if _, err := a.Directory().AddUser(ctx, "lee", "lee-secret-123"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Directory().AddUser(ctx, "moe", "mo-secret-1234"); err != nil {
		t.Fatal(err)
	}
	if err := a.Directory().AttachPolicy(ctx, "readonly", s3auth.Target{User: "lee"}); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "replicated", func() bool { ok, _ := allowed(b, signedGet(t, clock, "lee", "lee-secret-123", "")); return ok })

	var wrong, served, refused atomic.Int64
	var other sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// lee may read; mo (no policy) may not.
				okLee, errLee := allowed(b, signedGet(t, clock, "lee", "lee-secret-123", ""))
				okMo, _ := allowed(b, signedGet(t, clock, "moe", "mo-secret-1234", ""))
				if okMo {
					wrong.Add(1)
				}
				switch {
				case okLee:
					served.Add(1)
				case errLee != nil:
					var se interface{ Error() string }
					if errors.As(errLee, &se) {
						refused.Add(1)
						other.Store(se.Error(), true)
					}
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	srv.Stop()
	time.Sleep(500 * time.Millisecond)
	if err := a.Directory().DisableUser(ctx, "lee"); err == nil {
		t.Error("a write succeeded with etcd down")
	}
	// Past the stale window, the nodes fail closed.
	clock.Advance(time.Minute)
	time.Sleep(300 * time.Millisecond)
	if _, err := allowed(b, signedGet(t, clock, "lee", "lee-secret-123", "")); err == nil {
		t.Error("served from a stale cache past the window")
	}
	srv.Restart()
	within(t, 15*time.Second, "recovery", func() bool { ok, _ := allowed(b, signedGet(t, clock, "lee", "lee-secret-123", "")); return ok })
	close(stop)
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d wrong allows during the outage", wrong.Load())
	}
	// Changes flow again after the restart.
	if err := a.Directory().DisableUser(ctx, "lee"); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "change after recovery", func() bool {
		ok, _ := allowed(b, signedGet(t, clock, "lee", "lee-secret-123", ""))
		return !ok
	})
	other.Range(func(k, _ any) bool { t.Logf("refusal seen: %v", k); return true })
	t.Logf("decisions during the run: %d served, %d refused, %d wrong", served.Load(), refused.Load(), wrong.Load())
}
