package s3auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/sts"
)

// facadeRequest is a header-signed request from peer remote.
func facadeRequest(t *testing.T, e *s3authtest.Env, method, path, remote, ak, sk, tok string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:9000"+path, nil)
	r.RemoteAddr = remote
	s3authtest.Sign(t, r, nil, ak, sk, tok, e.Clock.Now())
	return r
}

func authorizeAs(t *testing.T, e *s3authtest.Env, r *http.Request) *s3auth.Decision {
	t.Helper()
	p, err := e.Auth.Authenticate(r)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return e.Auth.Authorize(context.Background(), p, r)
}

func assumeRole(t *testing.T, e *s3authtest.Env, user, session string, policies ...string) sts.Credentials {
	t.Helper()
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: user, User: user, Policies: policies}
	out, err := e.Auth.AssumeRole(context.Background(), p, &sts.AssumeRoleInput{Duration: time.Hour, RoleSessionName: session})
	if err != nil {
		t.Fatal(err)
	}
	return out.Credentials
}

// TestPrincipalConditionKeys: aws:PrincipalArn, aws:userid and aws:username
// of users, service accounts and sessions (built once per identity or
// token, not per request) are what policies see, request after request.
func TestPrincipalConditionKeys(t *testing.T) {
	t.Parallel()
	const policy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/user/*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/alice","aws:userid":"alice","aws:username":"alice"}}},
	{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/sess/*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:sts::000000000000:assumed-role/alice/s1","aws:userid":"alice:s1","aws:username":"alice"}}}]}`
	e := s3authtest.NewEnv(t)
	e.PutPolicy(t, "cond", policy)
	e.AddUser(t, "alice", "alice-secret-1", "cond")
	e.AddUser(t, "bob", "bob-secret-123", "cond")
	keys, err := e.Auth.Directory().AddServiceAccount(context.Background(), "alice", s3auth.ServiceAccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s1 := assumeRole(t, e, "alice", "s1", "cond")
	s2 := assumeRole(t, e, "alice", "s2", "cond")
	tests := []struct {
		name, ak, sk, tok, path string
		allowed                 bool
		arn                     string
	}{
		{"user", "alice", "alice-secret-1", "", "/bkt/user/k", true, "arn:aws:iam::000000000000:user/alice"},
		{"user, session statement", "alice", "alice-secret-1", "", "/bkt/sess/k", false, "arn:aws:iam::000000000000:user/alice"},
		{"other user", "bob", "bob-secret-123", "", "/bkt/user/k", false, "arn:aws:iam::000000000000:user/bob"},
		{"service account", keys.AccessKey, keys.SecretKey, "", "/bkt/user/k", true, "arn:aws:iam::000000000000:user/alice"},
		{"session", s1.AccessKeyID, s1.SecretAccessKey, s1.SessionToken, "/bkt/sess/k", true, "arn:aws:sts::000000000000:assumed-role/alice/s1"},
		{"session, user statement", s1.AccessKeyID, s1.SecretAccessKey, s1.SessionToken, "/bkt/user/k", false, "arn:aws:sts::000000000000:assumed-role/alice/s1"},
		{"other session", s2.AccessKeyID, s2.SecretAccessKey, s2.SessionToken, "/bkt/sess/k", false, "arn:aws:sts::000000000000:assumed-role/alice/s2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 3 { // the first request fills the caches, the others use them
				r := facadeRequest(t, e, http.MethodGet, tc.path, "10.1.2.3:5555", tc.ak, tc.sk, tc.tok)
				p, err := e.Auth.Authenticate(r)
				if err != nil {
					t.Fatal(err)
				}
				if got := p.ARN(); got != tc.arn {
					t.Fatalf("request %d: ARN %q, want %q", i, got, tc.arn)
				}
				if d := e.Auth.Authorize(context.Background(), p, r); d.Allowed != tc.allowed {
					t.Fatalf("request %d: allowed %v, want %v (%s)", i, d.Allowed, tc.allowed, d.Reason)
				}
			}
		})
	}
}

// TestPrincipalARNFollowsFields: a host that changes a field of a
// Principal (they are documented read-only, but exported) gets the ARN of
// what the fields now say, not the one the lookup prepared.
func TestPrincipalARNFollowsFields(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "alice", "alice-secret-1", "readonly")
	s := assumeRole(t, e, "alice", "s1", "readonly")
	tests := []struct {
		name, ak, sk, tok string
		change            func(*s3auth.Principal)
		want              string
	}{
		{"user renamed", "alice", "alice-secret-1", "", func(p *s3auth.Principal) { p.User = "alicf" }, "arn:aws:iam::000000000000:user/alicf"},
		{"user made a session", "alice", "alice-secret-1", "", func(p *s3auth.Principal) { p.Kind, p.SessionName = s3auth.PrincipalSession, "x" }, "arn:aws:sts::000000000000:assumed-role/alice/x"},
		{"session renamed", s.AccessKeyID, s.SecretAccessKey, s.SessionToken, func(p *s3auth.Principal) { p.SessionName = "s2" }, "arn:aws:sts::000000000000:assumed-role/alice/s2"},
		{"session user renamed", s.AccessKeyID, s.SecretAccessKey, s.SessionToken, func(p *s3auth.Principal) { p.User = "bob" }, "arn:aws:sts::000000000000:assumed-role/bob/s1"},
		{"session made a user", s.AccessKeyID, s.SecretAccessKey, s.SessionToken, func(p *s3auth.Principal) { p.Kind = s3auth.PrincipalUser }, "arn:aws:iam::000000000000:user/alice"},
		{"made anonymous", "alice", "alice-secret-1", "", func(p *s3auth.Principal) { p.Kind = s3auth.PrincipalAnonymous }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := facadeRequest(t, e, http.MethodGet, "/bkt/k", "10.1.2.3:5555", tc.ak, tc.sk, tc.tok)
			p, err := e.Auth.Authenticate(r)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(p)
			if got := p.ARN(); got != tc.want {
				t.Fatalf("ARN %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDecisionsOfOnePrincipalAreIndependent: every decision about the same
// Principal is the caller's own, also when made concurrently (the first
// one uses room allocated with the Principal).
func TestDecisionsOfOnePrincipalAreIndependent(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "alice", "alice-secret-1", "readonly")
	get := facadeRequest(t, e, http.MethodGet, "/bkt/k", "10.1.2.3:5555", "alice", "alice-secret-1", "")
	put := facadeRequest(t, e, http.MethodPut, "/bkt/k", "10.1.2.3:5555", "alice", "alice-secret-1", "")
	p, err := e.Auth.Authenticate(get)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d1 := e.Auth.Authorize(ctx, p, get)
	d2 := e.Auth.Authorize(ctx, p, put)
	d3 := e.Auth.AuthorizeChecks(ctx, p, put, "bkt", []iam.Check{{Action: "s3:PutObject", Resource: "arn:aws:s3:::bkt/k2"}})
	if !d1.Allowed || d1.Operation.Name != "GetObject" || d1.Check.Action != "s3:GetObject" {
		t.Fatalf("first decision changed by later ones: %+v", d1)
	}
	if d2.Allowed || d2.Operation.Name != "PutObject" || d2 == d1 || d2.Operation == d1.Operation {
		t.Fatalf("second decision: %+v", d2)
	}
	if d3.Allowed || d3.Operation != nil || d3.Check.Resource != "arn:aws:s3:::bkt/k2" {
		t.Fatalf("checks decision: %+v", d3)
	}

	q, err := e.Auth.Authenticate(get)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			r, want := get, "GetObject"
			if i%2 == 1 {
				r, want = put, "PutObject"
			}
			for range 50 {
				d := e.Auth.Authorize(ctx, q, r)
				if d.Operation == nil || d.Operation.Name != want || d.Allowed != (want == "GetObject") {
					errs <- fmt.Errorf("goroutine %d: got %+v, want %s", i, d, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestPolicyChangeTakesEffectAtOnce: rewriting a stored policy changes the
// very next decision (compiled policies are kept per stored document).
func TestPolicyChangeTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	const allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/k"}]}`
	e := s3authtest.NewEnv(t)
	e.PutPolicy(t, "p", allow)
	e.AddUser(t, "alice", "alice-secret-1", "p")
	for i, step := range []struct {
		doc  string
		want bool
	}{{allow, true}, {allow, true}, {deny, false}, {deny, false}, {allow, true}} {
		if i > 0 {
			e.PutPolicy(t, "p", step.doc)
		}
		r := facadeRequest(t, e, http.MethodGet, "/bkt/k", "10.1.2.3:5555", "alice", "alice-secret-1", "")
		if d := authorizeAs(t, e, r); d.Allowed != step.want {
			t.Fatalf("step %d: allowed %v, want %v (%s)", i, d.Allowed, step.want, d.Reason)
		}
	}
}

// TestDecisionRecordSourceIP: the decision record's SourceIP is aws:SourceIp
// (X-Forwarded-For only from a trusted proxy), also for a request that
// could not be classified.
func TestDecisionRecordSourceIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, remote, xff, path string
		trusted                 []netip.Prefix
		want                    string
	}{
		{"v4 peer", "10.1.2.3:5555", "", "/bkt/k", nil, "10.1.2.3"},
		{"v4 peer, header ignored", "10.1.2.3:5555", "192.0.2.9", "/bkt/k", nil, "10.1.2.3"},
		{"v6 peer", "[2001:db8::1]:443", "", "/bkt/k", nil, "2001:db8::1"},
		{"mapped v4 peer", "[::ffff:10.1.2.3]:443", "", "/bkt/k", nil, "10.1.2.3"},
		{"leading zero", "010.1.2.3:5555", "", "/bkt/k", nil, "invalid IP"},
		{"no peer", "", "", "/bkt/k", nil, "invalid IP"},
		{"trusted proxy", "10.0.0.1:5555", "192.0.2.9", "/bkt/k", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "192.0.2.9"},
		{"untrusted proxy", "172.16.0.1:5555", "192.0.2.9", "/bkt/k", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "172.16.0.1"},
		{"unclassifiable, trusted proxy", "10.0.0.1:5555", "192.0.2.9", "/Bad_Bucket/k", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "192.0.2.9"},
		{"unclassifiable", "10.1.2.3:5555", "", "/Bad_Bucket/k", nil, "10.1.2.3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var recs []s3auth.DecisionRecord
			e := s3authtest.NewEnv(t, func(o *s3auth.Options) {
				o.TrustedProxies = tc.trusted
				o.DecisionHook = func(_ context.Context, r s3auth.DecisionRecord) { mu.Lock(); recs = append(recs, r); mu.Unlock() }
			})
			e.AddUser(t, "alice", "alice-secret-1", "readonly")
			r := facadeRequest(t, e, http.MethodGet, tc.path, tc.remote, "alice", "alice-secret-1", "")
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			authorizeAs(t, e, r)
			mu.Lock()
			defer mu.Unlock()
			if len(recs) != 1 || recs[0].SourceIP != tc.want {
				t.Fatalf("records %+v, want one with SourceIP %q", recs, tc.want)
			}
		})
	}
}
