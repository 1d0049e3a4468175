package boltstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/boltstore"
	"github.com/s3auth/s3auth/store/storetest"
)

// crashEnv names the variable that turns the test binary into the crash
// test's writer process.
const crashEnv = "S3AUTH_BOLTSTORE_CRASH_CHILD"

// crashKeys is how many keys each batch of the crash test writes.
const crashKeys = 8

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func open(t testing.TB, path string, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.TestStore(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "s3auth.db"))
	})
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s3auth.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "users/a", []byte("a"), store.MustNotExist); err != nil {
		t.Fatal(err)
	}
	rev, err := s.Batch(ctx, []store.Op{store.Put("users/b", []byte("b"), store.Always), store.Put("users/c", []byte("c"), store.Always)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, boltstore.WithHistory(3))
	es, lrev, err := s.List(ctx, "users/")
	if err != nil {
		t.Fatal(err)
	}
	if lrev != rev || len(es) != 3 || es[2].Key != "users/c" || es[2].Revision != rev || string(es[2].Value) != "c" {
		t.Fatalf("after reopen: List = %+v at %d, want 3 entries at %d", es, lrev, rev)
	}
	// History starts at the revision the file was opened with.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tests := []struct {
		name      string
		after     int64
		compacted bool
	}{
		{"before open", rev - 1, true},
		{"at open", rev, false},
	}
	for _, tt := range tests {
		ch, err := s.Watch(ctx, "", tt.after)
		if err != nil {
			t.Fatal(err)
		}
		if tt.compacted {
			if ev := <-ch; !errors.Is(ev.Err, store.ErrCompacted) {
				t.Errorf("%s: watch from %d got %+v, want ErrCompacted", tt.name, tt.after, ev)
			}
			continue
		}
		r, err := s.Put(ctx, "users/d", []byte("d"), store.Always)
		if err != nil {
			t.Fatal(err)
		}
		if ev := <-ch; ev.Err != nil || ev.Key != "users/d" || ev.Revision != r || r != rev+1 {
			t.Errorf("%s: watch from %d got %+v, want users/d at %d", tt.name, tt.after, ev, rev+1)
		}
	}
	// A second writer on the same file waits and then fails clearly.
	_, err = boltstore.Open(path, boltstore.WithOpenTimeout(50*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "another process holds the file") {
		t.Errorf("second Open of a locked file: %v", err)
	}
}

// crashChild writes batches forever, printing "ack COUNTER REVISION" after
// each acknowledged one. Each batch sets crashKeys keys to the same counter
// and adds one log key per counter.
func crashChild(path string) {
	s, err := boltstore.Open(path, boltstore.WithOpenTimeout(5*time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	c := 0
	if e, err := s.Get(ctx, "crash/0"); err == nil {
		c, _ = strconv.Atoi(string(e.Value))
	}
	deadline := time.Now().Add(20 * time.Second) // never outlive a dead parent for long
	for time.Now().Before(deadline) {
		c++
		v := []byte(strconv.Itoa(c))
		ops := []store.Op{store.Put(fmt.Sprintf("log/%08d", c), v, store.MustNotExist)}
		for k := range crashKeys {
			ops = append(ops, store.Put(fmt.Sprintf("crash/%d", k), v, store.Always))
		}
		rev, err := s.Batch(ctx, ops)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintf(os.Stdout, "ack %d %d\n", c, rev)
	}
	os.Exit(0)
}

// TestCrashSafety kills a writer with SIGKILL at random points 50 times; on
// reopen every acknowledged batch is there and no batch is half-applied.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	lastAck, lastRev := 0, int64(0)
	for run := range 50 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan [2]int64, 1<<16)
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var c, r int64
				if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &c, &r); err == nil {
					acks <- [2]int64{c, r}
				}
			}
		}()
		// Kill at a random point after the child has started writing.
		first, ok := <-acks
		if ok {
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for a := range acks {
			first = a
		}
		werr := cmd.Wait()
		if !ok {
			t.Fatalf("run %d: the writer acknowledged nothing (%v): %s", run, werr, stderr.String())
		}
		if int(first[0]) < lastAck || first[1] < lastRev {
			t.Fatalf("run %d: acknowledgements went backwards: %v after %d@%d", run, first, lastAck, lastRev)
		}
		lastAck, lastRev = int(first[0]), first[1]
		lastAck, lastRev = verifyCrash(t, run, path, lastAck, lastRev)
	}
	t.Logf("50 kills, %d batches acknowledged in total", lastAck)
}

// verifyCrash reopens the file and checks it against the last
// acknowledgement; it returns the state found, which may be one batch
// ahead (committed but killed before it could say so).
func verifyCrash(t *testing.T, run int, path string, ack int, ackRev int64) (int, int64) {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("run %d: reopen after SIGKILL: %v", run, err)
	}
	defer s.Close()
	ctx := context.Background()
	es, rev, err := s.List(ctx, "crash/")
	if err != nil {
		t.Fatalf("run %d: %v", run, err)
	}
	if len(es) != crashKeys {
		t.Fatalf("run %d: %d crash keys, want %d", run, len(es), crashKeys)
	}
	v := string(es[0].Value)
	for _, e := range es {
		if string(e.Value) != v || e.Revision != es[0].Revision {
			t.Fatalf("run %d: half-applied batch: %s=%s@%d but %s=%s@%d", run, es[0].Key, v, es[0].Revision, e.Key, e.Value, e.Revision)
		}
	}
	c, _ := strconv.Atoi(v)
	if c != ack && c != ack+1 {
		t.Fatalf("run %d: store holds counter %d, last acknowledged %d (lost an acknowledged write)", run, c, ack)
	}
	if rev < ackRev {
		t.Fatalf("run %d: store revision %d is below the acknowledged %d", run, rev, ackRev)
	}
	logs, _, err := s.List(ctx, "log/")
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != c {
		t.Fatalf("run %d: %d log keys for counter %d", run, len(logs), c)
	}
	for i, e := range logs {
		if want := fmt.Sprintf("log/%08d", i+1); e.Key != want {
			t.Fatalf("run %d: log entry %d is %s, want %s (an acknowledged batch is missing)", run, i, e.Key, want)
		}
	}
	return c, rev
}

func BenchmarkPut(b *testing.B) {
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
