package sts_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/s3auth/s3auth/sts"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func newRing(t testing.TB, ids ...string) (*sts.KeyRing, []sts.Key) {
	t.Helper()
	var keys []sts.Key
	for _, id := range ids {
		k, err := sts.GenerateKey(id, t0)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r, err := sts.NewKeyRing(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return r, keys
}

func sampleSession() *sts.Session {
	return &sts.Session{
		AccessKey:   "ASIAEXAMPLE123456789",
		SecretKey:   "secret/with+chars0123456789abcdefghijklm",
		Parent:      "alice",
		ParentKind:  sts.ParentUser,
		SessionName: "build",
		RoleARN:     "arn:aws:iam::000000000000:role/any",
		IssuedAt:    t0,
		Expires:     t0.Add(time.Hour),
		Policy:      []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`),
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	ring, _ := newRing(t, "k1")
	for name, s := range map[string]*sts.Session{
		"user": sampleSession(),
		"ldap": {
			AccessKey: "ASIA1", SecretKey: "s", Parent: "uid=bob,ou=people,dc=example,dc=org",
			ParentKind: sts.ParentLDAP, LDAPUsername: "bob", Groups: []string{"cn=a,dc=x", "cn=b,dc=x"},
			UID: 1001, GID: 100, HasPosix: true, IssuedAt: t0, Expires: t0.Add(time.Minute),
		},
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := ring.Seal(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ring.Open(tok, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Fatalf("round trip changed the session:\n got %+v\nwant %+v", got, s)
			}
		})
	}
}

func TestOpenRejectsEveryByteChange(t *testing.T) {
	t.Parallel()
	ring, _ := newRing(t, "k1")
	tok, err := ring.Seal(sampleSession())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	for i := range raw {
		for _, flip := range []byte{0x01, 0x80} {
			mod := append([]byte(nil), raw...)
			mod[i] ^= flip
			if _, err := ring.Open(base64.RawURLEncoding.EncodeToString(mod), t0); !errors.Is(err, sts.ErrInvalidToken) {
				t.Fatalf("byte %d ^ %#x: got %v, want ErrInvalidToken", i, flip, err)
			}
		}
	}
	for n := 0; n < len(tok); n++ {
		if _, err := ring.Open(tok[:n], t0); !errors.Is(err, sts.ErrInvalidToken) {
			t.Fatalf("truncated to %d: got %v, want ErrInvalidToken", n, err)
		}
	}
	if _, err := ring.Open(tok+"A", t0); !errors.Is(err, sts.ErrInvalidToken) {
		t.Fatalf("extended token: got %v", err)
	}
}

func TestOpenExpiry(t *testing.T) {
	t.Parallel()
	ring, _ := newRing(t, "k1")
	s := sampleSession()
	tok, _ := ring.Seal(s)
	if _, err := ring.Open(tok, s.Expires.Add(-time.Nanosecond)); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	got, err := ring.Open(tok, s.Expires)
	if !errors.Is(err, sts.ErrExpiredToken) {
		t.Fatalf("at expiry: got %v, want ErrExpiredToken", err)
	}
	if got == nil || got.Parent != "alice" {
		t.Fatalf("an expired token still reports its session for logging; got %+v", got)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldRing, keys := newRing(t, "old")
	tokOld, _ := oldRing.Seal(sampleSession())

	newKey, _ := sts.GenerateKey("new", t0)
	rotated, err := sts.NewKeyRing(newKey, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.Open(tokOld, t0); err != nil {
		t.Fatalf("rotated ring must still open tokens of the old key: %v", err)
	}
	tokNew, _ := rotated.Seal(sampleSession())
	if _, err := oldRing.Open(tokNew, t0); !errors.Is(err, sts.ErrInvalidToken) {
		t.Fatalf("old ring opened a token of a key it does not hold: %v", err)
	}
	retired, _ := sts.NewKeyRing(newKey)
	if _, err := retired.Open(tokOld, t0); !errors.Is(err, sts.ErrInvalidToken) {
		t.Fatalf("a rotated-out key's token must be invalid: %v", err)
	}
	// Same id, other secret (another deployment): invalid.
	other, _ := newRing(t, "old")
	if _, err := other.Open(tokOld, t0); !errors.Is(err, sts.ErrInvalidToken) {
		t.Fatalf("another deployment's key opened the token: %v", err)
	}
}

func TestRingMarshal(t *testing.T) {
	t.Parallel()
	ring, _ := newRing(t, "a", "b")
	b, err := sts.MarshalRing(ring)
	if err != nil {
		t.Fatal(err)
	}
	back, err := sts.UnmarshalRing(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.ActiveKeyID() != "a" {
		t.Fatalf("active key = %q", back.ActiveKeyID())
	}
	tok, _ := ring.Seal(sampleSession())
	if _, err := back.Open(tok, t0); err != nil {
		t.Fatal(err)
	}
}

func TestNewKeyRingErrors(t *testing.T) {
	t.Parallel()
	k, _ := sts.GenerateKey("a", t0)
	for name, keys := range map[string][]sts.Key{
		"short secret": {{ID: "x", Secret: []byte("short")}},
		"empty id":     {{ID: "", Secret: make([]byte, 32)}},
		"duplicate id": {k, k},
	} {
		if _, err := sts.NewKeyRing(keys[0], keys[1:]...); err == nil {
			t.Errorf("%s: NewKeyRing accepted it", name)
		}
	}
}

func TestSealRejectsIncompleteSession(t *testing.T) {
	t.Parallel()
	ring, _ := newRing(t, "k")
	if _, err := ring.Seal(&sts.Session{AccessKey: "a", ParentKind: sts.ParentUser}); err == nil {
		t.Fatal("sealed a session without secret and parent")
	}
}

func FuzzOpen(f *testing.F) {
	ring, _ := newRing(f, "k1")
	tok, _ := ring.Seal(sampleSession())
	f.Add(tok)
	f.Add("")
	f.Add("AQJrMQ")
	f.Fuzz(func(t *testing.T, s string) {
		sess, err := ring.Open(s, t0)
		if err == nil && (sess == nil || sess.AccessKey == "") {
			t.Fatal("opened without a session")
		}
	})
}

func BenchmarkTokenOpen(b *testing.B) {
	ring, _ := newRing(b, "k1")
	tok, _ := ring.Seal(sampleSession())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Open(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenSeal(b *testing.B) {
	ring, _ := newRing(b, "k1")
	s := sampleSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Seal(s); err != nil {
			b.Fatal(err)
		}
	}
}

// Every character of the encoded token matters: changing any one of them,
// to any other base64url character, must fail to open (with lenient
// decoding the padding bits of the last character were ignored).
func TestOpenRejectsEveryCharacterChange(t *testing.T) {
	t.Parallel()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	ring, _ := newRing(t, "k1")
	for _, s := range []*sts.Session{sampleSession(), {AccessKey: "ASIA1", SecretKey: "s", Parent: "p", ParentKind: sts.ParentUser, IssuedAt: t0, Expires: t0.Add(time.Hour)}} {
		// Try several tokens so that every length modulo 4 shows up.
		for range 8 {
			s.SessionName += "x"
			tok, err := ring.Seal(s)
			if err != nil {
				t.Fatal(err)
			}
			for i := range len(tok) {
				for j := range len(alphabet) {
					if alphabet[j] == tok[i] {
						continue
					}
					mod := tok[:i] + alphabet[j:j+1] + tok[i+1:]
					if _, err := ring.Open(mod, t0); !errors.Is(err, sts.ErrInvalidToken) {
						t.Fatalf("token of %d characters, character %d %q→%q: got %v, want ErrInvalidToken", len(tok), i, tok[i], alphabet[j], err)
					}
				}
			}
		}
	}
}
