package s3auth_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/store"
)

// TestStoreOutageFailsClosed: while the store does not answer, requests are
// served from the cache for StaleAfter, then refused with
// ServiceUnavailable (never a wrong allow, never a 500), and everything
// recovers by itself when the store answers again. Writes fail at once.
func TestStoreOutageFailsClosed(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t, func(o *s3auth.Options) {
		o.Directory = append(o.Directory, s3auth.WithHealthCheck(10*time.Millisecond, time.Minute))
	})
	e.AddUser(t, "ivy", "ivy-secret-123", "readwrite")
	do := func() (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(e.NewRequest(t, http.MethodPut, "/bkt/k", []byte("v"), "ivy", "ivy-secret-123", ""))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitProbe := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for (e.Auth.Directory().Healthy() == nil) != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if code, _ := do(); code != 200 {
		t.Fatalf("healthy store: %d", code)
	}
	var down atomic.Bool
	down.Store(true)
	e.Store.FailWhen(func(op, key string) error {
		if down.Load() {
			return store.ErrUnavailable
		}
		return nil
	})
	time.Sleep(50 * time.Millisecond) // several failed probes
	if code, body := do(); code != 200 {
		t.Fatalf("within the stale window the cache serves: %d %s", code, body)
	}
	if err := e.Auth.Directory().DisableUser(context.Background(), "ivy"); err == nil {
		t.Fatal("a write succeeded while the store was down")
	}
	e.Clock.Advance(2 * time.Minute)
	waitProbe(false)
	if code, body := do(); code != 503 || !strings.Contains(body, "<Code>ServiceUnavailable</Code>") {
		t.Fatalf("past the stale window: %d %s, want 503 ServiceUnavailable", code, body)
	}
	down.Store(false)
	waitProbe(true)
	if code, body := do(); code != 200 {
		t.Fatalf("after recovery: %d %s", code, body)
	}
}
