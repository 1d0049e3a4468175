package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/sts"
)

// loadIdentity is one principal of the load test and what it may do.
type loadIdentity struct {
	name          string
	ak, sk, token string
	canRead       bool
	canWrite      bool
	stable        bool // false: its rights change during the run
}

// TestLoadMixedPrincipals is the bounded load test of issue #9: 16 workers
// on loopback, users, sessions and service accounts, concurrent admin
// changes; zero 5xx, zero wrong decisions, no race (run under -race by
// `make test`), heap flat over the run. Bounded by a request count and a
// duration.
func TestLoadMixedPrincipals(t *testing.T) {
	const (
		workers     = 16
		perWorker   = 300
		maxDuration = 90 * time.Second
	)
	dir := t.TempDir()
	c, _ := parseFlags([]string{"--data", dir}, io.Discard)
	vars := map[string]string{"S3AUTH_ROOT_ACCESS_KEY": "loadroot", "S3AUTH_ROOT_SECRET_KEY": "loadroot-secret"}
	a, err := build(context.Background(), c, env(vars), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.handler)
	defer func() { ts.Close(); a.Close() }()
	ctx := context.Background()
	d := a.auth.Directory()

	ids := []loadIdentity{{name: "root", ak: "loadroot", sk: "loadroot-secret", canRead: true, canWrite: true, stable: true}}
	addUser := func(name, policy string, read, write bool) {
		if _, err := d.AddUser(ctx, name, name+"-secret"); err != nil {
			t.Fatal(err)
		}
		if policy != "" {
			if err := d.AttachPolicy(ctx, policy, s3auth.Target{User: name}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, loadIdentity{name: name, ak: name, sk: name + "-secret", canRead: read, canWrite: write, stable: true})
	}
	addUser("writer1", "readwrite", true, true)
	addUser("writer2", "readwrite", true, true)
	addUser("reader1", "readonly", true, false)
	addUser("nopolicy", "", false, false)
	addUser("flipper", "readonly", true, false)
	ids[len(ids)-1].stable = false
	for _, parent := range []string{"writer1", "reader1"} {
		p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: parent, User: parent, Policies: []string{map[string]string{"writer1": "readwrite", "reader1": "readonly"}[parent]}}
		out, err := a.auth.AssumeRole(ctx, p, &sts.AssumeRoleInput{Duration: time.Hour, RoleSessionName: "load"})
		if err != nil {
			t.Fatal(err)
		}
		cr := out.Credentials
		ids = append(ids, loadIdentity{name: parent + "-session", ak: cr.AccessKeyID, sk: cr.SecretAccessKey, token: cr.SessionToken, canRead: true, canWrite: parent == "writer1", stable: true})
	}
	readOnly := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	k, err := d.AddServiceAccount(ctx, "writer2", s3auth.ServiceAccountOptions{Name: "ro", Policy: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, loadIdentity{name: "svc-ro", ak: k.AccessKey, sk: k.SecretKey, canRead: true, stable: true})

	do := func(id loadIdentity, method, path string, body []byte) (int, error) {
		r, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])
		r.Header.Set("X-Amz-Content-Sha256", h)
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: id.ak, SecretAccessKey: id.sk, SessionToken: id.token}, r, h, "s3", "us-east-1", time.Now()); err != nil {
			return 0, err
		}
		resp, err := ts.Client().Do(r)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := do(ids[0], http.MethodPut, "/load", nil); err != nil || code != 200 {
		t.Fatalf("create bucket: %d %v", code, err)
	}
	for i := 0; i < 8; i++ {
		if code, err := do(ids[0], http.MethodPut, fmt.Sprintf("/load/obj%d", i), []byte("seed")); err != nil || code != 200 {
			t.Fatalf("seed object: %d %v", code, err)
		}
	}

	var fivexx, wrong, total atomic.Int64
	var mu sync.Mutex
	var wrongs []string
	deadline := time.Now().Add(maxDuration)
	stopAdmin := make(chan struct{})
	var adminDone sync.WaitGroup
	adminDone.Add(1)
	go func() { // concurrent admin changes
		defer adminDone.Done()
		for i := 0; ; i++ {
			select {
			case <-stopAdmin:
				return
			default:
			}
			if i%2 == 0 {
				_ = d.AttachPolicy(ctx, "readwrite", s3auth.Target{User: "flipper"})
			} else {
				_ = d.DetachPolicy(ctx, "readwrite", s3auth.Target{User: "flipper"})
			}
			name := fmt.Sprintf("tmp%d", i)
			if _, err := d.AddUser(ctx, name, name+"-secret"); err == nil {
				_ = d.RemoveUser(ctx, name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var heapQuarter atomic.Uint64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < perWorker && time.Now().Before(deadline); i++ {
				if w == 0 && i == perWorker/4 {
					heapQuarter.Store(heap())
				}
				id := ids[rng.IntN(len(ids))]
				write := rng.IntN(3) == 0
				method, path, body := http.MethodGet, fmt.Sprintf("/load/obj%d", rng.IntN(8)), []byte(nil)
				if write {
					method, path, body = http.MethodPut, fmt.Sprintf("/load/w%d-%d", w, i), []byte("payload")
				}
				code, err := do(id, method, path, body)
				total.Add(1)
				if err != nil {
					mu.Lock()
					wrongs = append(wrongs, fmt.Sprintf("%s %s %s: %v", id.name, method, path, err))
					mu.Unlock()
					wrong.Add(1)
					continue
				}
				if code >= 500 {
					fivexx.Add(1)
				}
				if !id.stable {
					continue
				}
				want := id.canRead
				if write {
					want = id.canWrite
				}
				if got := code == 200; got != want || (!got && code != 403) {
					wrong.Add(1)
					mu.Lock()
					wrongs = append(wrongs, fmt.Sprintf("%s %s %s: status %d, want allowed=%v", id.name, method, path, code, want))
					mu.Unlock()
				}
			}
		}(w)
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	close(stopAdmin)
	adminDone.Wait()
	heapEnd := heap()
	t.Logf("%d requests in %s (%.0f req/s, %d workers); heap %d KiB at a quarter, %d KiB at the end",
		total.Load(), elapsed.Round(time.Millisecond), float64(total.Load())/elapsed.Seconds(), workers, heapQuarter.Load()>>10, heapEnd>>10)
	if fivexx.Load() != 0 {
		t.Errorf("%d responses were 5xx", fivexx.Load())
	}
	if wrong.Load() != 0 {
		t.Errorf("%d wrong decisions, e.g. %q", wrong.Load(), wrongs[:min(5, len(wrongs))])
	}
	// Flat memory: the heap may not grow by more than 64 MiB between a
	// quarter of the run and its end (generous: it guards against leaks
	// per request, not against noise).
	if q := heapQuarter.Load(); q > 0 && heapEnd > q+64<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB over the run", q>>10, heapEnd>>10)
	}
}
