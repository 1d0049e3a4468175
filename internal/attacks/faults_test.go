package attacks_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
)

var errInjected = errors.New("injected store failure")

const (
	ldapDN    = "uid=carol,ou=people,dc=example,dc=org"
	svcPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	docP1     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`
	docP2     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
)

// faultFixture is a directory with users, policies, attachments and
// service accounts, one of them near the limit.
func faultFixture(t *testing.T, clock *s3authtest.Clock) (*memstore.Store, *s3auth.Directory) {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	d, err := s3auth.NewDirectory(ctx, st, s3auth.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); st.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.PutPolicy(ctx, "p1", []byte(docP1)))
	must(d.PutPolicy(ctx, "p2", []byte(docP2)))
	must(d.PutPolicy(ctx, "p3", []byte(docP1)))
	for _, u := range []string{"usr1", "usr2", "usr3"} {
		_, err := d.AddUser(ctx, u, u+"-secret-1")
		must(err)
	}
	must(d.AttachPolicy(ctx, "p1", s3auth.Target{User: "usr1"}))
	must(d.AttachPolicy(ctx, "readonly", s3auth.Target{User: "usr1"}))
	must(d.AttachPolicy(ctx, "p2", s3auth.Target{LDAPDN: ldapDN}))
	must(d.AttachPolicy(ctx, "p1", s3auth.Target{User: "usr3"}))
	_, err = d.AddServiceAccount(ctx, "usr1", s3auth.ServiceAccountOptions{AccessKey: "svc-u1-a", SecretKey: "svc-secret-a", Policy: []byte(svcPolicy)})
	must(err)
	_, err = d.AddServiceAccount(ctx, "usr1", s3auth.ServiceAccountOptions{AccessKey: "svc-u1-b", SecretKey: "svc-secret-b"})
	must(err)
	for i := range s3auth.MaxServiceAccountsPerUser - 1 {
		_, err = d.AddServiceAccount(ctx, "usr2", s3auth.ServiceAccountOptions{AccessKey: fmt.Sprintf("svc-u2-%03d", i), SecretKey: "svc-secret-x"})
		must(err)
	}
	return st, d
}

// view renders what a Directory's cache says, secrets as hashes.
func view(d *s3auth.Directory) string {
	var b strings.Builder
	hash := func(s string) string { sum := sha256.Sum256([]byte(s)); return fmt.Sprintf("%x", sum[:6]) }
	for _, u := range d.ListUsers() {
		sec, _ := d.UserSecret(u.AccessKey)
		fmt.Fprintf(&b, "user %s enabled=%v posix=%v policies=%v svc=%d sva=%d created=%d secret=%s\n",
			u.AccessKey, u.Enabled, u.Posix, u.Policies, u.ServiceAccounts, u.SessionsValidAfter.UnixNano(), u.Created.UnixNano(), hash(sec))
		c, ok := d.LookupCredential(u.AccessKey)
		fmt.Fprintf(&b, "  cred ok=%v enabled=%v policies=%v secret=%s\n", ok, c.Enabled, c.Policies, hash(c.SecretKey))
		sas, err := d.ListServiceAccounts(u.AccessKey)
		if err != nil {
			fmt.Fprintf(&b, "  svc list error %v\n", err)
		}
		for _, s := range sas {
			c, ok := d.LookupCredential(s.AccessKey)
			fmt.Fprintf(&b, "  svc %+v cred ok=%v enabled=%v parent=%s own=%s secret=%s\n", s, ok, c.Enabled, c.Parent, c.OwnPolicy, hash(c.SecretKey))
		}
	}
	for _, p := range d.ListPolicies() {
		fmt.Fprintf(&b, "policy %s builtin=%v attached=%d doc=%s\n", p.Name, p.Builtin, p.Attachments, p.Document)
	}
	fmt.Fprintf(&b, "ldap %s -> %v\n", ldapDN, d.LDAPPolicies(ldapDN))
	return b.String()
}

// storeInvariants checks the raw records: every service account has its
// parent and its index entry and vice versa, no index holds more than the
// limit, attachment counts match, no user is left half-removed (unless
// allowHalf, right after a failed removal).
func storeInvariants(t *testing.T, st store.Store, allowHalf bool) {
	t.Helper()
	ctx := context.Background()
	list := func(prefix string) map[string][]byte {
		es, _, err := st.List(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]byte{}
		for _, e := range es {
			m[strings.TrimPrefix(e.Key, prefix)] = e.Value
		}
		return m
	}
	type user struct {
		Deleting bool     `json:"deleting"`
		Policies []string `json:"policies"`
	}
	users := map[string]user{}
	for k, v := range list("users/") {
		var u user
		if err := json.Unmarshal(v, &u); err != nil {
			t.Fatal(err)
		}
		if u.Deleting && !allowHalf {
			t.Errorf("user %s is left half-removed (deleting)", k)
		}
		users[k] = u
	}
	idx := map[string][]string{}
	for parent, v := range list("svcidx/") {
		var r struct{ Keys []string }
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Keys) > s3auth.MaxServiceAccountsPerUser {
			t.Errorf("user %s has %d service accounts in its index", parent, len(r.Keys))
		}
		if _, ok := users[parent]; !ok && len(r.Keys) > 0 {
			t.Errorf("service-account index of missing user %s: %v", parent, r.Keys)
		}
		idx[parent] = r.Keys
	}
	svcs := list("svcaccts/")
	for k, v := range svcs {
		var r struct{ Parent string }
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		if _, ok := users[r.Parent]; !ok {
			t.Errorf("service account %s outlives its parent %s", k, r.Parent)
		}
		if !slices.Contains(idx[r.Parent], k) {
			t.Errorf("service account %s is missing from its parent %s's index", k, r.Parent)
		}
	}
	for parent, keys := range idx {
		for _, k := range keys {
			if _, ok := svcs[k]; !ok {
				t.Errorf("index of %s names missing service account %s", parent, k)
			}
		}
	}
	counts := map[string]int{}
	for _, u := range users {
		for _, p := range u.Policies {
			counts[p]++
		}
	}
	for _, v := range list("attach/ldap/") {
		var r struct{ Policies []string }
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Policies {
			counts[p]++
		}
	}
	for name, v := range list("policies/") {
		var r struct{ Attached int }
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		if r.Attached != counts[name] {
			t.Errorf("policy %s records %d attachments, %d exist", name, r.Attached, counts[name])
		}
		delete(counts, name)
	}
	for name, n := range counts {
		if !s3auth.IsBuiltinPolicy(name) {
			t.Errorf("%d attachments of missing policy %s", n, name)
		}
	}
}

// consistent checks that d's cache shows what a fresh Directory loaded
// from st shows (d follows the store through its watch, so allow a moment).
func consistent(t *testing.T, st store.Store, d *s3auth.Directory, clock *s3authtest.Clock) string {
	t.Helper()
	fresh, err := s3auth.NewDirectory(context.Background(), st, s3auth.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	want := view(fresh)
	var got string
	for range 200 {
		if got = view(d); got == want {
			return want
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the live directory differs from the store:\nlive:\n%s\nstore:\n%s", got, want)
	return ""
}

// TestFaultInjection_Directory makes the store fail at the 1st, 2nd, ...
// call of every identity operation. Afterwards store and cache agree, the
// raw records are consistent, and retrying the operation succeeds and ends
// in the same state as a run without faults.
func TestFaultInjection_Directory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type op struct {
		name  string
		run   func(d *s3auth.Directory) error
		after func(t *testing.T, d *s3auth.Directory) // extra checks on the final state
	}
	ops := []op{
		{"AddUser", func(d *s3auth.Directory) error {
			_, err := d.AddUser(ctx, "usr4", "usr4-secret-1", s3auth.UserPosix(posix.Owner{UID: 1004, GID: 1004, Set: true}))
			return err
		}, nil},
		{"RemoveUser-with-service-accounts", func(d *s3auth.Directory) error { return d.RemoveUser(ctx, "usr1") }, func(t *testing.T, d *s3auth.Directory) {
			for _, k := range []string{"usr1", "svc-u1-a", "svc-u1-b"} {
				if _, ok := d.LookupCredential(k); ok {
					t.Errorf("%s still resolves after its user was removed", k)
				}
			}
		}},
		{"RemoveUser-near-the-limit", func(d *s3auth.Directory) error { return d.RemoveUser(ctx, "usr2") }, nil},
		{"AddServiceAccount-near-the-limit", func(d *s3auth.Directory) error {
			_, err := d.AddServiceAccount(ctx, "usr2", s3auth.ServiceAccountOptions{AccessKey: "svc-u2-last", SecretKey: "svc-secret-x"})
			return err
		}, func(t *testing.T, d *s3auth.Directory) {
			if _, err := d.AddServiceAccount(ctx, "usr2", s3auth.ServiceAccountOptions{AccessKey: "svc-u2-101", SecretKey: "svc-secret-x"}); !errors.Is(err, s3auth.ErrServiceAccountLimit) {
				t.Errorf("101st service account: %v, want ErrServiceAccountLimit", err)
			}
		}},
		{"AddServiceAccount-with-policy", func(d *s3auth.Directory) error {
			_, err := d.AddServiceAccount(ctx, "usr1", s3auth.ServiceAccountOptions{AccessKey: "svc-u1-c", SecretKey: "svc-secret-c", Policy: []byte(svcPolicy)})
			return err
		}, nil},
		{"RemoveServiceAccount", func(d *s3auth.Directory) error { return d.RemoveServiceAccount(ctx, "svc-u1-a") }, nil},
		{"SetServiceAccountPolicy", func(d *s3auth.Directory) error { return d.SetServiceAccountPolicy(ctx, "svc-u1-b", []byte(svcPolicy)) }, nil},
		{"DisableServiceAccount", func(d *s3auth.Directory) error { return d.DisableServiceAccount(ctx, "svc-u1-a") }, nil},
		{"AttachPolicy-user", func(d *s3auth.Directory) error { return d.AttachPolicy(ctx, "p2", s3auth.Target{User: "usr1"}) }, nil},
		{"AttachPolicy-ldap", func(d *s3auth.Directory) error { return d.AttachPolicy(ctx, "p1", s3auth.Target{LDAPDN: ldapDN}) }, nil},
		{"DetachPolicy-user", func(d *s3auth.Directory) error { return d.DetachPolicy(ctx, "p1", s3auth.Target{User: "usr1"}) }, nil},
		{"DetachPolicy-ldap", func(d *s3auth.Directory) error { return d.DetachPolicy(ctx, "p2", s3auth.Target{LDAPDN: ldapDN}) }, nil},
		{"PutPolicy-replace", func(d *s3auth.Directory) error { return d.PutPolicy(ctx, "p1", []byte(docP2)) }, nil},
		{"PutPolicy-new", func(d *s3auth.Directory) error { return d.PutPolicy(ctx, "p4", []byte(docP2)) }, nil},
		{"DeletePolicy", func(d *s3auth.Directory) error { return d.DeletePolicy(ctx, "p3") }, nil},
		{"SetUserSecret", func(d *s3auth.Directory) error { return d.SetUserSecret(ctx, "usr1", "usr1-new-secret") }, nil},
		{"SetUserPosix", func(d *s3auth.Directory) error {
			return d.SetUserPosix(ctx, "usr3", posix.Owner{UID: 1003, GID: 1003, Set: true})
		}, nil},
		{"DisableUser", func(d *s3auth.Directory) error { return d.DisableUser(ctx, "usr1") }, func(t *testing.T, d *s3auth.Directory) {
			if c, _ := d.LookupCredential("svc-u1-a"); c.Enabled {
				t.Error("a disabled user's service account is enabled")
			}
		}},
		{"RevokeSessions", func(d *s3auth.Directory) error { return d.RevokeSessions(ctx, "usr1") }, nil},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			clock := s3authtest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			// The state a run without faults ends in.
			st0, d0 := faultFixture(t, clock)
			if err := o.run(d0); err != nil {
				t.Fatalf("without faults: %v", err)
			}
			want := consistent(t, st0, d0, clock)
			storeInvariants(t, st0, false)
			if o.after != nil {
				o.after(t, d0)
			}
			steps := 0
			for n := 1; ; n++ {
				st, d := faultFixture(t, clock)
				var calls atomic.Int64
				st.FailWhen(func(op, key string) error {
					if op == memstore.OpWatch {
						return nil
					}
					if calls.Add(1) == int64(n) {
						return errInjected
					}
					return nil
				})
				err := o.run(d)
				st.FailWhen(nil)
				if calls.Load() < int64(n) {
					// The operation made fewer than n store calls: every
					// step has failed once.
					if err != nil {
						t.Fatalf("step %d: no fault injected, yet %v", n, err)
					}
					steps = n - 1
					break
				}
				if err != nil && !errors.Is(err, s3auth.ErrStore) {
					t.Errorf("step %d: %v, want an ErrStore", n, err)
				}
				consistent(t, st, d, clock)
				storeInvariants(t, st, err != nil)
				if err != nil {
					if err := o.run(d); err != nil {
						t.Fatalf("step %d: retry after %q failed: %v", n, errInjected, err)
					}
				}
				if got := consistent(t, st, d, clock); got != want {
					t.Fatalf("step %d (first attempt: %v): final state differs from a run without faults:\ngot:\n%s\nwant:\n%s", n, err, got, want)
				}
				storeInvariants(t, st, false)
				if o.after != nil {
					o.after(t, d)
				}
				if n > 400 {
					t.Fatal("more than 400 store calls for one operation")
				}
			}
			if steps == 0 {
				t.Fatal("the operation made no store call")
			}
			t.Logf("%d store calls, each failed once", steps)
		})
	}
}
