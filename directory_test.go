package s3auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/memstore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newDir(t testing.TB, st store.Store, opts ...s3auth.DirectoryOption) *s3auth.Directory {
	t.Helper()
	d, err := s3auth.NewDirectory(context.Background(), st, opts...)
	if err != nil {
		t.Fatalf("NewDirectory: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func mustUser(t testing.TB, d *s3auth.Directory, ak string, opts ...s3auth.UserOption) {
	t.Helper()
	if _, err := d.AddUser(context.Background(), ak, "secret-"+ak, opts...); err != nil {
		t.Fatalf("AddUser(%q): %v", ak, err)
	}
}

// dump returns every key and value of the store, to compare states.
func dump(t testing.TB, st store.Store) string {
	t.Helper()
	entries, _, err := st.List(context.Background(), "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s=%s@%d\n", e.Key, e.Value, e.Revision)
	}
	return b.String()
}

func wantCode(t testing.TB, err error, want *s3auth.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want code %s", err, want.Code)
	}
	if !strings.HasPrefix(err.Error(), "s3auth: ") {
		t.Errorf("error %q does not start with the package name", err)
	}
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAddUserRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ak, sk string
		opts   []s3auth.UserOption
		want   *s3auth.Error
	}{
		{"short access key", "ab", "password1", nil, s3auth.ErrInvalidName},
		{"long access key", strings.Repeat("a", 129), "password1", nil, s3auth.ErrInvalidName},
		{"slash in access key", "a/b", "password1", nil, s3auth.ErrInvalidName},
		{"space in access key", "a b", "password1", nil, s3auth.ErrInvalidName},
		{"unicode access key", "usér", "password1", nil, s3auth.ErrInvalidName},
		{"short secret", "alice", "short", nil, s3auth.ErrInvalidSecret},
		{"long secret", "alice", strings.Repeat("s", 129), nil, s3auth.ErrInvalidSecret},
		{"space in secret", "alice", "pass word1", nil, s3auth.ErrInvalidSecret},
		{"control in secret", "alice", "password\x01", nil, s3auth.ErrInvalidSecret},
		{"root uid", "alice", "password1", []s3auth.UserOption{s3auth.UserPosix(posix.Owner{UID: 0, GID: 5, Set: true})}, s3auth.ErrInvalidArgument},
		{"no-change gid", "alice", "password1", []s3auth.UserOption{s3auth.UserPosix(posix.Owner{UID: 5, GID: posix.MaxID + 1, Set: true})}, s3auth.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := memstore.New()
			d := newDir(t, st)
			before := dump(t, st)
			_, err := d.AddUser(context.Background(), tt.ak, tt.sk, tt.opts...)
			wantCode(t, err, tt.want)
			if strings.Contains(err.Error(), tt.sk) {
				t.Errorf("error %q reveals the secret", err)
			}
			if after := dump(t, st); after != before {
				t.Errorf("store changed by a rejected AddUser:\n%s", after)
			}
			if len(d.ListUsers()) != 0 {
				t.Error("cache changed by a rejected AddUser")
			}
		})
	}
}

func TestAccessKeyAlphabet(t *testing.T) {
	t.Parallel()
	for _, ak := range []string{"abc", "AKIAIOSFODNN7EXAMPLE", "a.b_c-d@e=f+g", strings.Repeat("z", 128)} {
		if err := s3auth.ValidateAccessKey(ak); err != nil {
			t.Errorf("ValidateAccessKey(%q): %v", ak, err)
		}
	}
	for _, sk := range []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"} {
		if err := s3auth.ValidateSecretKey(sk); err != nil {
			t.Errorf("ValidateSecretKey: %v", err)
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := s3authtest.NewClock(t0)
	d := newDir(t, memstore.New(), s3auth.WithClock(clock))
	owner := posix.Owner{UID: 1000, GID: 1000, Set: true}
	u, err := d.AddUser(ctx, "alice", "alice-secret", s3auth.UserPosix(owner))
	if err != nil {
		t.Fatal(err)
	}
	if !u.Enabled || u.Posix != owner || !u.Created.Equal(t0) || len(u.Policies) != 0 {
		t.Fatalf("AddUser returned %+v", u)
	}
	_, err = d.AddUser(ctx, "alice", "other-secret")
	wantCode(t, err, s3auth.ErrUserExists)

	c, ok := d.LookupCredential("alice")
	if !ok || c.Kind != s3auth.CredentialUser || c.SecretKey != "alice-secret" || !c.Enabled || c.Posix != owner || c.Parent != "" {
		t.Fatalf("LookupCredential = %+v, %v", c, ok)
	}
	if _, ok := d.LookupCredential("bob"); ok {
		t.Fatal("unknown key found")
	}
	if got, _ := d.GetUser("alice"); got.AccessKey != "alice" || !got.Enabled {
		t.Fatalf("GetUser = %+v", got)
	}
	if sk, err := d.UserSecret("alice"); err != nil || sk != "alice-secret" {
		t.Fatalf("UserSecret = %q, %v", sk, err)
	}

	clock.Advance(time.Minute)
	if err := d.DisableUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	c, _ = d.LookupCredential("alice")
	if c.Enabled || !c.SessionsValidAfter.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after disable: %+v", c)
	}
	if err := d.EnableUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if c, _ = d.LookupCredential("alice"); !c.Enabled {
		t.Fatal("enable did not take effect")
	}
	clock.Advance(time.Minute)
	if err := d.RevokeSessions(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if c, _ = d.LookupCredential("alice"); !c.SessionsValidAfter.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("RevokeSessions: %v", c.SessionsValidAfter)
	}
	if err := d.SetUserSecret(ctx, "alice", "new-secret"); err != nil {
		t.Fatal(err)
	}
	if c, _ = d.LookupCredential("alice"); c.SecretKey != "new-secret" {
		t.Fatal("SetUserSecret did not take effect")
	}
	wantCode(t, d.SetUserSecret(ctx, "alice", "x"), s3auth.ErrInvalidSecret)
	wantCode(t, d.SetUserPosix(ctx, "alice", posix.Owner{Set: true}), s3auth.ErrInvalidArgument)
	if err := d.SetUserPosix(ctx, "alice", posix.Owner{}); err != nil {
		t.Fatal(err)
	}
	if c, _ = d.LookupCredential("alice"); c.Posix.Set {
		t.Fatal("SetUserPosix(unset) did not clear the ids")
	}
	wantCode(t, d.DisableUser(ctx, "nobody"), s3auth.ErrUserNotFound)
	if err := d.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.LookupCredential("alice"); ok {
		t.Fatal("removed user still found")
	}
	_, err = d.GetUser("alice")
	wantCode(t, err, s3auth.ErrUserNotFound)
	wantCode(t, d.RemoveUser(ctx, "alice"), s3auth.ErrUserNotFound)
}

func TestRootOwnerNeedsOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := posix.Owner{Set: true}
	d := newDir(t, memstore.New())
	_, err := d.AddUser(ctx, "alice", "alice-secret", s3auth.UserPosix(root))
	wantCode(t, err, s3auth.ErrInvalidArgument)
	if !strings.Contains(err.Error(), "WithAllowRootOwner") {
		t.Errorf("error %q does not say how to allow root", err)
	}
	d2 := newDir(t, memstore.New(), s3auth.WithAllowRootOwner(true))
	if _, err := d2.AddUser(ctx, "alice", "alice-secret", s3auth.UserPosix(root)); err != nil {
		t.Fatal(err)
	}
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

func TestPolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDir(t, memstore.New())
	mustUser(t, d, "alice")

	wantCode(t, d.PutPolicy(ctx, "bad", []byte(`[1,2]`)), s3auth.ErrInvalidPolicy)
	wantCode(t, d.PutPolicy(ctx, "bad", []byte(`{`)), s3auth.ErrInvalidPolicy)
	wantCode(t, d.PutPolicy(ctx, "bad", nil), s3auth.ErrInvalidPolicy)
	wantCode(t, d.PutPolicy(ctx, "bad", bytes.Repeat([]byte(" "), s3auth.MaxPolicySize+1)), s3auth.ErrInvalidPolicy)
	wantCode(t, d.PutPolicy(ctx, "ReadOnly", []byte(allowAll)), s3auth.ErrBuiltinPolicy)
	wantCode(t, d.PutPolicy(ctx, "a/b", []byte(allowAll)), s3auth.ErrInvalidName)
	wantCode(t, d.AttachPolicy(ctx, "all", s3auth.Target{User: "alice"}), s3auth.ErrPolicyNotFound)

	doc := []byte("{ \"Version\": \"2012-10-17\",\n \"Statement\": [] }")
	if err := d.PutPolicy(ctx, "all", doc); err != nil {
		t.Fatal(err)
	}
	p, err := d.GetPolicy("all")
	if err != nil || !bytes.Equal(p.Document, doc) || p.Builtin {
		t.Fatalf("GetPolicy = %+v, %v (document must be kept byte for byte)", p, err)
	}
	if p, _ := d.GetPolicy("readonly"); !p.Builtin || p.Document != nil {
		t.Fatalf("GetPolicy(readonly) = %+v", p)
	}
	_, err = d.GetPolicy("missing")
	wantCode(t, err, s3auth.ErrPolicyNotFound)
	var names []string
	for _, p := range d.ListPolicies() {
		names = append(names, fmt.Sprintf("%s:%v", p.Name, p.Builtin))
	}
	if got := strings.Join(names, " "); got != "readonly:true readwrite:true writeonly:true all:false" {
		t.Fatalf("ListPolicies = %s", got)
	}

	for _, name := range []string{"all", "readonly", "all"} { // attaching twice is a no-op
		if err := d.AttachPolicy(ctx, name, s3auth.Target{User: "alice"}); err != nil {
			t.Fatalf("attach %s: %v", name, err)
		}
	}
	wantCode(t, d.AttachPolicy(ctx, "all", s3auth.Target{User: "nobody"}), s3auth.ErrUserNotFound)
	wantCode(t, d.AttachPolicy(ctx, "all", s3auth.Target{}), s3auth.ErrInvalidArgument)
	wantCode(t, d.AttachPolicy(ctx, "all", s3auth.Target{User: "alice", LDAPDN: "cn=x"}), s3auth.ErrInvalidArgument)
	c, _ := d.LookupCredential("alice")
	if strings.Join(c.Policies, ",") != "all,readonly" {
		t.Fatalf("policies %v", c.Policies)
	}
	if p, _ := d.GetPolicy("all"); p.Attachments != 1 {
		t.Fatalf("attachments = %d, want 1", p.Attachments)
	}

	// LDAP DNs compare case-insensitively after normalization.
	if err := d.AttachPolicy(ctx, "all", s3auth.Target{LDAPDN: "CN=Admins, OU=Groups,DC=example,DC=org"}); err != nil {
		t.Fatal(err)
	}
	if err := d.AttachPolicy(ctx, "readwrite", s3auth.Target{LDAPDN: "uid=bob,ou=people,dc=example,dc=org"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.AttachPolicy(ctx, "all", s3auth.Target{LDAPDN: "not a dn"}), s3auth.ErrInvalidName)
	got := d.LDAPPolicies("UID=Bob,ou=People,dc=Example,dc=org", "cn=admins,ou=groups,dc=example,dc=org", "cn=other,dc=x")
	if strings.Join(got, ",") != "readwrite,all" {
		t.Fatalf("LDAPPolicies = %v", got)
	}
	if p, _ := d.GetPolicy("all"); p.Attachments != 2 {
		t.Fatalf("attachments = %d, want 2", p.Attachments)
	}

	err = d.DeletePolicy(ctx, "all")
	wantCode(t, err, s3auth.ErrPolicyAttached)
	if !strings.Contains(err.Error(), "detach") {
		t.Errorf("error %q does not say how to fix it", err)
	}
	if err := d.DetachPolicy(ctx, "all", s3auth.Target{User: "alice"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.DetachPolicy(ctx, "all", s3auth.Target{User: "alice"}), s3auth.ErrPolicyNotAttached)
	if err := d.DetachPolicy(ctx, "all", s3auth.Target{LDAPDN: "cn=admins,ou=groups,dc=example,dc=org"}); err != nil {
		t.Fatal(err)
	}
	if got := d.LDAPPolicies("cn=admins,ou=groups,dc=example,dc=org"); len(got) != 0 {
		t.Fatalf("after detach LDAPPolicies = %v", got)
	}
	if err := d.DeletePolicy(ctx, "all"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.DeletePolicy(ctx, "all"), s3auth.ErrPolicyNotFound)
	wantCode(t, d.DeletePolicy(ctx, "readonly"), s3auth.ErrBuiltinPolicy)
	if c, _ := d.LookupCredential("alice"); strings.Join(c.Policies, ",") != "readonly" {
		t.Fatalf("policies %v", c.Policies)
	}
}

func TestPolicyValidatorHook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var seen []string
	var mu sync.Mutex
	d := newDir(t, memstore.New(), s3auth.WithPolicyValidator(func(name string, doc []byte) error {
		mu.Lock()
		seen = append(seen, name)
		mu.Unlock()
		if bytes.Contains(doc, []byte("Deny")) {
			return errors.New("iam: no Deny in this test")
		}
		return nil
	}))
	err := d.PutPolicy(ctx, "p", []byte(`{"Effect":"Deny"}`))
	wantCode(t, err, s3auth.ErrInvalidPolicy)
	if !strings.Contains(err.Error(), "no Deny") {
		t.Errorf("validator message lost: %v", err)
	}
	if err := d.PutPolicy(ctx, "p", []byte(`not even json, the validator decides`)); err != nil {
		t.Fatal(err)
	}
	mustUser(t, d, "alice")
	_, err = d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{Policy: []byte(`{"Effect":"Deny"}`)})
	wantCode(t, err, s3auth.ErrInvalidPolicy)
	if strings.Join(seen, ",") != "p,p," {
		t.Fatalf("validator saw %q", seen)
	}
}

func TestServiceAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDir(t, memstore.New())
	owner := posix.Owner{UID: 1000, GID: 2000, Set: true}
	mustUser(t, d, "alice", s3auth.UserPosix(owner))
	if err := d.AttachPolicy(ctx, "readwrite", s3auth.Target{User: "alice"}); err != nil {
		t.Fatal(err)
	}
	keys, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{Name: "backup", Description: "nightly", Policy: []byte(allowAll)})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKey) != 20 || strings.ToUpper(keys.AccessKey) != keys.AccessKey || len(keys.SecretKey) != 40 {
		t.Fatalf("generated keys %q / %d chars", keys.AccessKey, len(keys.SecretKey))
	}
	if err := s3auth.ValidateSecretKey(keys.SecretKey); err != nil {
		t.Fatal(err)
	}
	c, ok := d.LookupCredential(keys.AccessKey)
	if !ok || c.Kind != s3auth.CredentialServiceAccount || c.Parent != "alice" || c.SecretKey != keys.SecretKey ||
		!c.Enabled || c.Posix != owner || strings.Join(c.Policies, ",") != "readwrite" || string(c.OwnPolicy) != allowAll {
		t.Fatalf("LookupCredential = %+v, %v", c, ok)
	}
	sa, err := d.GetServiceAccount(keys.AccessKey)
	if err != nil || sa.Name != "backup" || sa.Description != "nightly" || sa.Parent != "alice" || !sa.Enabled {
		t.Fatalf("GetServiceAccount = %+v, %v", sa, err)
	}

	// Given keys, uniqueness across users and service accounts.
	if _, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{AccessKey: "svc-one", SecretKey: "svc-one-secret"}); err != nil {
		t.Fatal(err)
	}
	_, err = d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{AccessKey: "svc-one"})
	wantCode(t, err, s3auth.ErrAccessKeyExists)
	_, err = d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{AccessKey: "alice"})
	wantCode(t, err, s3auth.ErrAccessKeyExists)
	_, err = d.AddUser(ctx, "svc-one", "password1")
	wantCode(t, err, s3auth.ErrAccessKeyExists)
	_, err = d.AddServiceAccount(ctx, "svc-one", s3auth.ServiceAccountOptions{})
	wantCode(t, err, s3auth.ErrInvalidParent)
	_, err = d.AddServiceAccount(ctx, "nobody", s3auth.ServiceAccountOptions{})
	wantCode(t, err, s3auth.ErrUserNotFound)
	_, err = d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{Name: "bad\nname"})
	wantCode(t, err, s3auth.ErrInvalidArgument)
	wantCode(t, d.AttachPolicy(ctx, "readonly", s3auth.Target{User: "svc-one"}), s3auth.ErrInvalidParent)

	list, err := d.ListServiceAccounts("alice")
	if err != nil || len(list) != 2 {
		t.Fatalf("ListServiceAccounts = %v, %v", list, err)
	}
	if u, _ := d.GetUser("alice"); u.ServiceAccounts != 2 {
		t.Fatalf("user shows %d service accounts", u.ServiceAccounts)
	}

	// Update policy, disable, enable.
	if err := d.SetServiceAccountPolicy(ctx, keys.AccessKey, nil); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.LookupCredential(keys.AccessKey); c.OwnPolicy != nil {
		t.Fatal("policy not removed")
	}
	wantCode(t, d.SetServiceAccountPolicy(ctx, keys.AccessKey, []byte("nope")), s3auth.ErrInvalidPolicy)
	if err := d.DisableServiceAccount(ctx, keys.AccessKey); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.LookupCredential(keys.AccessKey); c.Enabled {
		t.Fatal("disabled service account enabled")
	}
	if err := d.EnableServiceAccount(ctx, keys.AccessKey); err != nil {
		t.Fatal(err)
	}
	// A parent's later change applies at once.
	if err := d.AttachPolicy(ctx, "readonly", s3auth.Target{User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.LookupCredential(keys.AccessKey); strings.Join(c.Policies, ",") != "readonly,readwrite" || !c.Enabled {
		t.Fatalf("after parent change: %+v", c)
	}
	if err := d.RemoveServiceAccount(ctx, keys.AccessKey); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.LookupCredential(keys.AccessKey); ok {
		t.Fatal("removed service account still found")
	}
	wantCode(t, d.RemoveServiceAccount(ctx, keys.AccessKey), s3auth.ErrServiceAccountNotFound)
	if list, _ := d.ListServiceAccounts("alice"); len(list) != 1 || list[0].AccessKey != "svc-one" {
		t.Fatalf("ListServiceAccounts = %+v", list)
	}
}

func TestDisableUserDisablesServiceAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDir(t, memstore.New())
	mustUser(t, d, "alice")
	keys, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.DisableUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, ak := range []string{"alice", keys.AccessKey} {
		if c, ok := d.LookupCredential(ak); !ok || c.Enabled || c.SessionsValidAfter.IsZero() {
			t.Errorf("%s after parent disabled: %+v, %v", ak, c, ok)
		}
	}
	if err := d.EnableUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.LookupCredential(keys.AccessKey); !c.Enabled {
		t.Error("service account still disabled after parent enabled")
	}
}

// raceCreate starts n concurrent creations spread over dirs and returns
// how many succeeded and how many hit the limit; any other error fails.
func raceCreate(t *testing.T, dirs []*s3auth.Directory, parent string, n int) (ok, limited int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		d := dirs[i%len(dirs)]
		wg.Go(func() {
			<-start
			_, err := d.AddServiceAccount(context.Background(), parent, s3auth.ServiceAccountOptions{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, s3auth.ErrServiceAccountLimit):
				limited++
			default:
				t.Errorf("creation %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, limited
}

func TestServiceAccountLimitUnderRace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nodes int
	}{
		{"one directory", 1},
		{"three directories on one store", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := memstore.New()
			var dirs []*s3auth.Directory
			for range tt.nodes {
				dirs = append(dirs, newDir(t, st))
			}
			mustUser(t, dirs[0], "alice")
			eventually(t, "user on every node", func() bool {
				for _, d := range dirs {
					if _, ok := d.LookupCredential("alice"); !ok {
						return false
					}
				}
				return true
			})
			ok, limited := raceCreate(t, dirs, "alice", 150)
			if ok != s3auth.MaxServiceAccountsPerUser || limited != 50 {
				t.Fatalf("150 racing creations: %d created, %d refused; want 100 and 50", ok, limited)
			}
			entries, _, err := st.List(context.Background(), "svcaccts/")
			if err != nil || len(entries) != 100 {
				t.Fatalf("store holds %d service accounts (%v), want 100", len(entries), err)
			}
			for _, d := range dirs {
				eventually(t, "every node sees 100", func() bool {
					l, _ := d.ListServiceAccounts("alice")
					return len(l) == 100
				})
			}
			_, err = dirs[0].AddServiceAccount(context.Background(), "alice", s3auth.ServiceAccountOptions{})
			wantCode(t, err, s3auth.ErrServiceAccountLimit)
		})
	}
}

func TestRemoveUserCascades(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		svcs int
	}{
		{"no service accounts", 0},
		{"three in one batch", 3},
		{"100 in several batches", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := memstore.New()
			d := newDir(t, st)
			mustUser(t, d, "alice")
			mustUser(t, d, "bob")
			if err := d.PutPolicy(ctx, "p", []byte(allowAll)); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{"alice", "bob"} {
				if err := d.AttachPolicy(ctx, "p", s3auth.Target{User: u}); err != nil {
					t.Fatal(err)
				}
			}
			bobKeys, err := d.AddServiceAccount(ctx, "bob", s3auth.ServiceAccountOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for range tt.svcs {
				k, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{})
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k.AccessKey)
			}
			d2 := newDir(t, st) // a second node watching
			if err := d.RemoveUser(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			for _, dir := range []*s3auth.Directory{d, d2} {
				eventually(t, "removal seen", func() bool {
					_, ok := dir.LookupCredential("alice")
					return !ok
				})
				for _, k := range keys {
					eventually(t, "service account removal seen", func() bool {
						_, ok := dir.LookupCredential(k)
						return !ok
					})
				}
				if _, ok := dir.LookupCredential(bobKeys.AccessKey); !ok {
					t.Fatal("another user's service account was removed")
				}
			}
			for _, prefix := range []string{"users/alice", "svcidx/alice"} {
				if _, err := st.Get(ctx, prefix); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s left in the store: %v", prefix, err)
				}
			}
			if entries, _, _ := st.List(ctx, "svcaccts/"); len(entries) != 1 {
				t.Errorf("store holds %d service accounts, want bob's only", len(entries))
			}
			if p, _ := d.GetPolicy("p"); p.Attachments != 1 {
				t.Errorf("policy attachments = %d, want 1 (bob)", p.Attachments)
			}
		})
	}
}

func TestConcurrentAdminChangesLoseNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	d1, d2 := newDir(t, st), newDir(t, st)
	mustUser(t, d1, "alice")
	eventually(t, "d2 sees alice", func() bool { _, ok := d2.LookupCredential("alice"); return ok })
	const n = 20
	for i := range n {
		if err := d1.PutPolicy(ctx, fmt.Sprintf("p%02d", i), []byte(allowAll)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range n {
		d := []*s3auth.Directory{d1, d2}[i%2]
		wg.Go(func() {
			if err := d.AttachPolicy(ctx, fmt.Sprintf("p%02d", i), s3auth.Target{User: "alice"}); err != nil {
				t.Errorf("attach p%02d: %v", i, err)
			}
		})
		wg.Go(func() {
			if err := d.SetUserPosix(ctx, "alice", posix.Owner{UID: posix.UID(1000 + i), GID: 1, Set: true}); err != nil {
				t.Errorf("posix: %v", err)
			}
		})
		wg.Go(func() {
			if err := d.AttachPolicy(ctx, fmt.Sprintf("p%02d", i), s3auth.Target{LDAPDN: "cn=group,dc=example,dc=org"}); err != nil {
				t.Errorf("attach ldap p%02d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for _, d := range []*s3auth.Directory{d1, d2} {
		eventually(t, "all attachments visible", func() bool {
			c, _ := d.LookupCredential("alice")
			return len(c.Policies) == n && len(d.LDAPPolicies("cn=group,dc=example,dc=org")) == n
		})
		for _, p := range d.ListPolicies()[3:] {
			if p.Attachments != 2 {
				eventually(t, "attachment counts", func() bool { q, _ := d.GetPolicy(p.Name); return q.Attachments == 2 })
			}
		}
	}
}

func TestFailedWritesChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	injected := errors.New("injected outage")
	steps := []struct {
		name string
		do   func(d *s3auth.Directory) error
	}{
		{"add user", func(d *s3auth.Directory) error { _, err := d.AddUser(ctx, "carol", "carol-secret"); return err }},
		{"remove user", func(d *s3auth.Directory) error { return d.RemoveUser(ctx, "alice") }},
		{"disable user", func(d *s3auth.Directory) error { return d.DisableUser(ctx, "alice") }},
		{"attach", func(d *s3auth.Directory) error { return d.AttachPolicy(ctx, "p", s3auth.Target{User: "alice"}) }},
		{"detach", func(d *s3auth.Directory) error { return d.DetachPolicy(ctx, "readonly", s3auth.Target{User: "alice"}) }},
		{"put policy", func(d *s3auth.Directory) error { return d.PutPolicy(ctx, "q", []byte(allowAll)) }},
		{"add service account", func(d *s3auth.Directory) error {
			_, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{})
			return err
		}},
	}
	for _, tt := range steps {
		for _, how := range []string{"batch fails", "read fails"} {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				t.Parallel()
				st := memstore.New()
				d := newDir(t, st)
				mustUser(t, d, "alice")
				if _, err := d.AddServiceAccount(ctx, "alice", s3auth.ServiceAccountOptions{AccessKey: "alice-svc"}); err != nil {
					t.Fatal(err)
				}
				if err := d.PutPolicy(ctx, "p", []byte(allowAll)); err != nil {
					t.Fatal(err)
				}
				if err := d.AttachPolicy(ctx, "readonly", s3auth.Target{User: "alice"}); err != nil {
					t.Fatal(err)
				}
				beforeStore := dump(t, st)
				beforeCache := fmt.Sprint(d.ListUsers(), d.ListPolicies())
				beforeCred, _ := d.LookupCredential("alice")
				if how == "batch fails" {
					st.FailWhen(func(op, key string) error {
						if op == memstore.OpBatch {
							return injected
						}
						return nil
					})
				} else {
					st.FailNext(1, injected)
				}
				err := tt.do(d)
				st.FailWhen(nil)
				st.FailNext(0, nil)
				wantCode(t, err, s3auth.ErrStore)
				if !errors.Is(err, injected) {
					t.Errorf("cause lost: %v", err)
				}
				if got := dump(t, st); got != beforeStore {
					t.Errorf("store changed:\n%s\nwant\n%s", got, beforeStore)
				}
				if got := fmt.Sprint(d.ListUsers(), d.ListPolicies()); got != beforeCache {
					t.Errorf("cache changed:\n%s\nwant\n%s", got, beforeCache)
				}
				if c, _ := d.LookupCredential("alice"); fmt.Sprint(c) != fmt.Sprint(beforeCred) {
					t.Errorf("credential changed: %+v", c)
				}
				if _, ok := d.LookupCredential("alice-svc"); !ok {
					t.Error("service account lost")
				}
			})
		}
	}
}

func TestSecondDirectorySeesChangesThroughWatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	d1 := newDir(t, st)
	mustUser(t, d1, "early")
	d2 := newDir(t, st)
	if _, ok := d2.LookupCredential("early"); !ok {
		t.Fatal("d2 did not load existing users")
	}
	mustUser(t, d1, "alice")
	eventually(t, "d2 sees the new user", func() bool { _, ok := d2.LookupCredential("alice"); return ok })
	if err := d1.DisableUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "d2 sees the disable", func() bool { c, _ := d2.LookupCredential("alice"); return !c.Enabled })
	if err := d1.SetUserSecret(ctx, "alice", "rotated-secret"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "d2 sees the new secret", func() bool { c, _ := d2.LookupCredential("alice"); return c.SecretKey == "rotated-secret" })
	if err := d2.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "d1 sees the removal", func() bool { _, ok := d1.LookupCredential("alice"); return !ok })
}

func TestWatchRecoversFromCompaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New(memstore.WithHistory(4))
	d1 := newDir(t, st)
	d2 := newDir(t, st)
	// Many writes quickly: d2's watch may fall behind the 4-event history
	// and must reload; either way it ends up with the same view.
	for i := range 50 {
		mustUser(t, d1, fmt.Sprintf("user%02d", i))
	}
	for i := range 25 {
		if err := d1.RemoveUser(ctx, fmt.Sprintf("user%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "d2 converges", func() bool { return fmt.Sprint(d2.ListUsers()) == fmt.Sprint(d1.ListUsers()) })
	if n := len(d2.ListUsers()); n != 25 {
		t.Fatalf("d2 has %d users, want 25", n)
	}
}

// noWatch hides memstore's Watch.
type noWatch struct{ store.Store }

func TestWithoutWatcherOnlyOwnWrites(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	d1 := newDir(t, noWatch{st})
	d2 := newDir(t, noWatch{st})
	mustUser(t, d1, "alice")
	if _, ok := d1.LookupCredential("alice"); !ok {
		t.Fatal("own write not visible")
	}
	time.Sleep(20 * time.Millisecond)
	if _, ok := d2.LookupCredential("alice"); ok {
		t.Fatal("without a watcher another node's write appeared (documented otherwise)")
	}
	d3 := newDir(t, noWatch{st})
	if _, ok := d3.LookupCredential("alice"); !ok {
		t.Fatal("a new Directory did not load the user")
	}
}

func TestClosedDirectory(t *testing.T) {
	t.Parallel()
	d := newDir(t, memstore.New())
	mustUser(t, d, "alice")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := d.AddUser(context.Background(), "bob", "bob-secret")
	wantCode(t, err, s3auth.ErrClosed)
	if _, ok := d.LookupCredential("alice"); !ok {
		t.Fatal("lookups must keep answering after Close")
	}
}

func TestErrorType(t *testing.T) {
	t.Parallel()
	d := newDir(t, memstore.New())
	err := d.DisableUser(context.Background(), "nobody")
	var e *s3auth.Error
	if !errors.As(err, &e) || e.Code != s3auth.CodeUserNotFound || !strings.Contains(e.Error(), "nobody") {
		t.Fatalf("error %#v", err)
	}
	if errors.Is(err, s3auth.ErrUserExists) {
		t.Fatal("Is matched another code")
	}
}

func ExampleDirectory() {
	ctx := context.Background()
	d, err := s3auth.NewDirectory(ctx, memstore.New())
	if err != nil {
		panic(err)
	}
	defer d.Close()
	if _, err := d.AddUser(ctx, "alice", "alice-secret-key"); err != nil {
		panic(err)
	}
	if err := d.AttachPolicy(ctx, s3auth.PolicyReadOnly, s3auth.Target{User: "alice"}); err != nil {
		panic(err)
	}
	c, ok := d.LookupCredential("alice")
	fmt.Println(ok, c.Kind, c.Enabled, c.Policies)
	_, err = d.AddUser(ctx, "a/b", "alice-secret-key")
	fmt.Println(errors.Is(err, s3auth.ErrInvalidName))
	// Output:
	// true user true [readonly]
	// true
}

func TestBuiltinNamesAreCanonical(t *testing.T) {
	t.Parallel()
	d := newDir(t, memstore.New())
	mustUser(t, d, "alice")
	if err := d.AttachPolicy(context.Background(), "ReadOnly", s3auth.Target{User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.LookupCredential("alice"); strings.Join(c.Policies, ",") != "readonly" {
		t.Fatalf("policies %v, want the canonical built-in name", c.Policies)
	}
}

func FuzzAddUser(f *testing.F) {
	f.Add("alice", "alice-secret")
	f.Add("ab", "password1")
	f.Add("a/b", "password1")
	f.Add("usér", "password1")
	f.Add("alice", "pass word1")
	f.Add("alice", "password\x01")
	f.Add(strings.Repeat("a", 129), "password1")
	f.Fuzz(func(t *testing.T, ak, sk string) {
		st := memstore.New()
		d, err := s3auth.NewDirectory(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.AddUser(context.Background(), ak, sk)
		if err != nil {
			var e *s3auth.Error
			if !errors.As(err, &e) || (e.Code != s3auth.CodeInvalidName && e.Code != s3auth.CodeInvalidSecret) {
				t.Fatalf("AddUser(%q): unexpected error %v", ak, err)
			}
			if e.Code == s3auth.CodeInvalidSecret && len(sk) >= 6 && strings.Contains(err.Error(), sk) {
				t.Fatalf("error reveals the secret: %v", err)
			}
			if entries, _, _ := st.List(context.Background(), ""); len(entries) != 0 {
				t.Fatalf("rejected AddUser(%q) wrote %d keys", ak, len(entries))
			}
			return
		}
		c, ok := d.LookupCredential(ak)
		if !ok || c.SecretKey != sk {
			t.Fatalf("accepted AddUser(%q) not found with its secret", ak)
		}
		if strings.ContainsAny(ak, "/ \x00") {
			t.Fatalf("accepted access key %q with a forbidden character", ak)
		}
	})
}

func FuzzNormalizeDN(f *testing.F) {
	for _, dn := range []string{"CN=Admins, OU=Groups,DC=example,DC=org", "uid=bob,ou=people,dc=example,dc=org", "not a dn", "", "cn=a+sn=b,dc=x", `cn=a\,b,dc=x`} {
		f.Add(dn)
	}
	f.Fuzz(func(t *testing.T, dn string) {
		n, err := s3auth.NormalizeDN(dn)
		if err != nil {
			if !errors.Is(err, s3auth.ErrInvalidName) {
				t.Fatalf("NormalizeDN(%q): unexpected error %v", dn, err)
			}
			return
		}
		if strings.ToLower(n) != n {
			t.Fatalf("NormalizeDN(%q) = %q is not lower case", dn, n)
		}
		if err := store.ValidateKey("attach/ldap/" + n); err != nil {
			t.Fatalf("NormalizeDN(%q) = %q is not a valid store key: %v", dn, n, err)
		}
	})
}

func TestNewDirectoryStoreDown(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	st.FailNext(1, store.ErrUnavailable)
	_, err := s3auth.NewDirectory(context.Background(), st)
	wantCode(t, err, s3auth.ErrStore)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("cause lost: %v", err)
	}
	_, err = s3auth.NewDirectory(context.Background(), nil)
	wantCode(t, err, s3auth.ErrInvalidArgument)
}

// TestNewDirectorySubscribesBeforeReturning: when NewDirectory returns it
// already follows the store, so a store fault injected right after it
// cannot be taken by a late subscription (TestFailedWritesChangeNothing
// once failed in CI that way: its one injected read failure went to the
// watch instead of the write under test).
func TestNewDirectorySubscribesBeforeReturning(t *testing.T) {
	t.Parallel()
	for range 20 {
		st := memstore.New()
		var watched atomic.Bool
		st.FailWhen(func(op, _ string) error {
			if op == memstore.OpWatch {
				watched.Store(true)
			}
			return nil
		})
		newDir(t, st)
		if !watched.Load() {
			t.Fatal("NewDirectory returned before subscribing to the store's changes")
		}
	}
}
