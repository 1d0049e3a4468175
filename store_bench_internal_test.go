package s3auth

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3auth/s3auth/internal/etcdtest"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/boltstore"
	"github.com/s3auth/s3auth/store/etcdstore"
)

// BenchmarkWarmup_100kUsersEtcd measures how long a node takes to load a
// directory of 100 000 users from etcd into its cache (the target:
// at most 5 s). Integration: needs etcd (`make test` installs it).
func BenchmarkWarmup_100kUsersEtcd(b *testing.B) {
	eps := etcdtest.Start(b)
	st, err := etcdstore.Dial(etcdstore.Config{Endpoints: eps})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const users = 100_000
	ops := make([]store.Op, 0, 100)
	for i := 0; i < users; i++ {
		rec := userRecord{V: recordVersion, secretField: secretField{Plain: fmt.Sprintf("secret-%08d", i)}, Policies: []string{"readonly"}, Created: time.Now().UnixNano()}
		v, _ := json.Marshal(rec)
		ops = append(ops, store.Put(userKey(fmt.Sprintf("user%06d", i)), v, store.MustNotExist))
		if len(ops) == cap(ops) {
			if _, err := st.Batch(ctx, ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := NewDirectory(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := d.LookupCredential("user099999"); !ok {
			b.Fatal("last user missing after warm-up")
		}
		d.Close()
	}
	b.ReportMetric(float64(users), "users")
}

// BenchmarkAddUser measures the write latency of creating one user on the
// durable stores (each is one fsynced transaction).
func BenchmarkAddUser(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, st store.Store) {
		d, err := NewDirectory(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			i++
			if _, err := d.AddUser(ctx, fmt.Sprintf("bench%07d", i), "bench-secret-1"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("boltstore", func(b *testing.B) {
		st, err := boltstore.Open(filepath.Join(b.TempDir(), "s3auth.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, st)
	})
	b.Run("etcdstore", func(b *testing.B) {
		st, err := etcdstore.Dial(etcdstore.Config{Endpoints: etcdtest.Start(b, etcdtest.OnDisk())})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, st)
	})
}
