package s3auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
)

func key(id string, b byte) s3auth.SealKey {
	return s3auth.SealKey{ID: id, Key: bytes.Repeat([]byte{b}, 32)}
}

// rawRecord reads a stored record as a generic JSON object.
func rawRecord(t *testing.T, st store.Store, k string) (map[string]any, int64) {
	t.Helper()
	e, err := st.Get(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(e.Value, &m); err != nil {
		t.Fatal(err)
	}
	return m, e.Revision
}

func putRaw(t *testing.T, st store.Store, k string, m map[string]any) {
	t.Helper()
	b, _ := json.Marshal(m)
	if _, err := st.Put(context.Background(), k, b, store.MustExist); err != nil {
		t.Fatal(err)
	}
}

func TestSealedSecretsAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	d := newDir(t, st, s3auth.WithSealKeys(key("k1", 1)))
	mustUser(t, d, "alice")
	keys, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw := dump(t, st)
	if strings.Contains(raw, "secret-alice") || strings.Contains(raw, keys.SecretKey) {
		t.Fatalf("a secret is in clear in the store:\n%s", raw)
	}
	// Another node with the key opens both.
	d2 := newDir(t, st, s3auth.WithSealKeys(key("k1", 1)))
	if c, ok := d2.LookupCredential("alice"); !ok || c.SecretKey != "secret-alice" {
		t.Fatalf("sealed user secret did not open: %+v", c)
	}
	if c, ok := d2.LookupCredential(keys.AccessKey); !ok || c.SecretKey != keys.SecretKey {
		t.Fatal("sealed service account secret did not open")
	}
}

func TestSealedSecretAttacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tamper  func(t *testing.T, st store.Store)
		openKey []s3auth.SealKey
		tampers bool
	}{
		{"tampered ciphertext", func(t *testing.T, st store.Store) {
			m, _ := rawRecord(t, st, "users/alice")
			b, _ := base64.StdEncoding.DecodeString(m["sealedSecret"].(string))
			b[len(b)-1] ^= 1
			m["sealedSecret"] = base64.StdEncoding.EncodeToString(b)
			putRaw(t, st, "users/alice", m)
		}, []s3auth.SealKey{key("k1", 1)}, true},
		{"tampered key id", func(t *testing.T, st store.Store) {
			m, _ := rawRecord(t, st, "users/alice")
			b, _ := base64.StdEncoding.DecodeString(m["sealedSecret"].(string))
			b[2] = 'x' // "k1" becomes "x1"
			m["sealedSecret"] = base64.StdEncoding.EncodeToString(b)
			putRaw(t, st, "users/alice", m)
		}, []s3auth.SealKey{key("k1", 1), key("x1", 1)}, true},
		{"ciphertext moved from another record", func(t *testing.T, st store.Store) {
			bob, _ := rawRecord(t, st, "users/bob")
			m, _ := rawRecord(t, st, "users/alice")
			m["sealedSecret"] = bob["sealedSecret"]
			putRaw(t, st, "users/alice", m)
		}, []s3auth.SealKey{key("k1", 1)}, true},
		{"secret replaced by plain text", func(t *testing.T, st store.Store) {
			// Only the sealed form is accepted for a record that has one.
			m, _ := rawRecord(t, st, "users/alice")
			m["sealedSecret"] = "not base64 !"
			m["secret"] = "attacker-chosen"
			putRaw(t, st, "users/alice", m)
		}, []s3auth.SealKey{key("k1", 1)}, true},
		{"wrong key", func(*testing.T, store.Store) {}, []s3auth.SealKey{key("k1", 2)}, false},
		{"unknown key id", func(*testing.T, store.Store) {}, []s3auth.SealKey{key("k2", 1)}, false},
		{"no key at all", func(*testing.T, store.Store) {}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := memstore.New()
			d := newDir(t, st, s3auth.WithSealKeys(key("k1", 1)))
			mustUser(t, d, "alice")
			mustUser(t, d, "bob")
			running := newDir(t, st, s3auth.WithSealKeys(key("k1", 1)))
			tt.tamper(t, st)
			if tt.tampers {
				// A node already running sees the change through its watch
				// and refuses the credential; others stay usable.
				eventually(t, "tampered credential refused", func() bool {
					_, ok := running.LookupCredential("alice")
					return !ok
				})
				if _, ok := running.LookupCredential("bob"); !ok {
					t.Fatal("an untouched credential became unusable")
				}
				_, err := running.UserSecret("alice")
				wantCode(t, err, s3auth.ErrSeal)
			}
			// A node starting now refuses to start.
			_, err := s3auth.NewDirectory(ctx, st, s3auth.WithSealKeys(tt.openKey...))
			wantCode(t, err, s3auth.ErrSeal)
		})
	}
}

func TestSealKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	old, cur := key("2025", 1), key("2026", 2)
	plain := newDir(t, st)
	mustUser(t, plain, "bob") // written before keys were configured
	plain.Close()
	d1 := newDir(t, st, s3auth.WithSealKeys(old))
	mustUser(t, d1, "alice")
	d1.Close()

	// The new key seals, the old one still opens.
	d2 := newDir(t, st, s3auth.WithSealKeys(cur, old))
	mustUser(t, d2, "carol")
	for _, u := range []string{"alice", "bob", "carol"} {
		if c, ok := d2.LookupCredential(u); !ok || c.SecretKey != "secret-"+u {
			t.Fatalf("%s does not open after rotation", u)
		}
	}
	if _, err := s3auth.NewDirectory(ctx, st, s3auth.WithSealKeys(cur)); err == nil {
		t.Fatal("alice's record opened without the old key")
	}
	n, err := d2.Reseal(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Reseal rewrote %d records (%v), want 2 (alice, bob)", n, err)
	}
	if n, err := d2.Reseal(ctx); err != nil || n != 0 {
		t.Fatalf("second Reseal rewrote %d (%v), want 0", n, err)
	}
	if strings.Contains(dump(t, st), "secret-bob") {
		t.Fatal("bob's secret is still in clear after Reseal")
	}
	// The old key can now be retired.
	d3 := newDir(t, st, s3auth.WithSealKeys(cur))
	for _, u := range []string{"alice", "bob", "carol"} {
		if c, ok := d3.LookupCredential(u); !ok || c.SecretKey != "secret-"+u {
			t.Fatalf("%s does not open with the new key only", u)
		}
	}
}

func TestSealKeyValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []s3auth.SealKey
	}{
		{"short key", []s3auth.SealKey{{ID: "k", Key: make([]byte, 16)}}},
		{"empty id", []s3auth.SealKey{{ID: "", Key: make([]byte, 32)}}},
		{"bad id", []s3auth.SealKey{{ID: "a/b", Key: make([]byte, 32)}}},
		{"duplicate id", []s3auth.SealKey{key("k", 1), key("k", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := s3auth.NewDirectory(context.Background(), memstore.New(), s3auth.WithSealKeys(tt.keys...))
			wantCode(t, err, s3auth.ErrSeal)
		})
	}
}
