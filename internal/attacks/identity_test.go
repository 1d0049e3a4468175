package attacks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
)

type creds struct{ ak, sk, token string }

// assumeRole calls STS AssumeRole on e with aws-sdk-go-v2 and returns the
// temporary credentials or the STS error code.
func assumeRole(t *testing.T, e *s3authtest.Env, c creds, policy string) (creds, string) {
	t.Helper()
	cl := sts.New(sts.Options{Region: s3authtest.Region, BaseEndpoint: aws.String(e.URL()),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk, SessionToken: c.token}, nil
		}))})
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/any"), RoleSessionName: aws.String("attack-session")}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	out, err := cl.AssumeRole(context.Background(), in)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return creds{}, ae.ErrorCode()
		}
		t.Fatalf("AssumeRole: %v", err)
	}
	return creds{*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken}, ""
}

// s3do sends a header-signed S3 request to e.
func s3do(t *testing.T, e *s3authtest.Env, c creds, method, path string, body []byte) response {
	t.Helper()
	return doRequest(t, signed(t, method, e.URL()+path, body, c.ak, c.sk, c.token, e.Clock.Now()))
}

const (
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	allowS3All   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	readBktOnly  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]}]}`
	allowIAMLike = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:*","iam:*","admin:*"],"Resource":"*"}]}`
)

// adminDo sends a signed admin API request (if the facade has one).
func adminDo(t *testing.T, e *s3authtest.Env, srv *httptest.Server, c creds, method, path string, body any) response {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	r := signed(t, method, srv.URL+s3auth.AdminPrefix+path, b, c.ak, c.sk, c.token, e.Clock.Now(), "Content-Type", "application/json")
	got := doRequest(t, r)
	var ae s3auth.AdminError
	if json.Unmarshal([]byte(got.body), &ae) == nil && ae.Code != "" {
		got.code = ae.Code
	}
	return got
}

// TestAttack_Widening: a session policy or a service account's policy can
// only narrow the parent's rights; a service account cannot manage its
// siblings or mint credentials; sessions cannot be chained.
func TestAttack_Widening(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	dir := e.Auth.Directory()
	e.PutPolicy(t, "bktread", readBktOnly)
	e.AddUser(t, "reader", "reader-secret-1", "bktread")
	reader := creds{"reader", "reader-secret-1", ""}
	if got := s3do(t, e, creds{s3authtest.RootAccessKey, s3authtest.RootSecretKey, ""}, http.MethodPut, "/bkt/existing", []byte("x")); got.status != 200 {
		t.Fatalf("seed: %d %s", got.status, got.body)
	}
	if got := s3do(t, e, reader, http.MethodGet, "/bkt/existing", nil); got.status != 200 {
		t.Fatalf("control: reader cannot read bkt: %d %s", got.status, got.body)
	}
	// refused checks that c can read bkt/existing (its parent can) but
	// not write it, nor read another bucket.
	refused := func(t *testing.T, c creds, canRead bool) {
		t.Helper()
		if got := s3do(t, e, c, http.MethodGet, "/bkt/existing", nil); canRead && got.status != 200 || !canRead && got.code != "AccessDenied" {
			t.Fatalf("GetObject bkt/existing: %d %s (can read: %v)", got.status, got.body, canRead)
		}
		if got := s3do(t, e, c, http.MethodPut, "/bkt/widened", []byte("w")); got.code != "AccessDenied" {
			t.Fatalf("PutObject: %d %q, want AccessDenied", got.status, got.code)
		}
		if got := s3do(t, e, c, http.MethodGet, "/secret/k", nil); got.code != "AccessDenied" {
			t.Fatalf("GetObject secret/k: %d %q, want AccessDenied", got.status, got.code)
		}
		if got := s3do(t, e, c, http.MethodDelete, "/bkt/existing", nil); got.code != "AccessDenied" {
			t.Fatalf("DeleteObject: %d %q, want AccessDenied", got.status, got.code)
		}
		if _, ok := e.Object("bkt", "widened"); ok {
			t.Fatal("an object was written")
		}
	}

	for _, pol := range []string{allowAll, allowS3All, allowIAMLike} {
		t.Run("session-policy-widening", func(t *testing.T) {
			s, code := assumeRole(t, e, reader, pol)
			if code != "" {
				t.Fatalf("AssumeRole: %s", code)
			}
			refused(t, s, pol != allowIAMLike)
		})
		t.Run("service-account-policy-widening", func(t *testing.T) {
			k, err := dir.AddServiceAccount(ctx, "reader", s3auth.ServiceAccountOptions{Policy: []byte(pol)})
			if err != nil {
				t.Fatal(err)
			}
			refused(t, creds{k.AccessKey, k.SecretKey, ""}, pol != allowIAMLike)
			if err := dir.RemoveServiceAccount(ctx, k.AccessKey); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("chained-session", func(t *testing.T) {
		s, code := assumeRole(t, e, reader, "")
		if code != "" {
			t.Fatalf("AssumeRole: %s", code)
		}
		if _, code := assumeRole(t, e, s, allowAll); code != "AccessDenied" {
			t.Fatalf("a session assumed a role: %q, want AccessDenied", code)
		}
	})
	t.Run("service-account-assumes-role", func(t *testing.T) {
		k, err := dir.AddServiceAccount(ctx, "reader", s3auth.ServiceAccountOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, code := assumeRole(t, e, creds{k.AccessKey, k.SecretKey, ""}, allowAll); code != "AccessDenied" {
			t.Fatalf("a service account assumed a role: %q, want AccessDenied", code)
		}
	})
	t.Run("parent-narrowed-later", func(t *testing.T) {
		k, err := dir.AddServiceAccount(ctx, "reader", s3auth.ServiceAccountOptions{Policy: []byte(allowAll)})
		if err != nil {
			t.Fatal(err)
		}
		s, code := assumeRole(t, e, reader, allowAll)
		if code != "" {
			t.Fatal(code)
		}
		e.AddUser(t, "narrowed", "narrowed-secret-1")
		if err := dir.DetachPolicy(ctx, "bktread", s3auth.Target{User: "reader"}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := dir.AttachPolicy(ctx, "bktread", s3auth.Target{User: "reader"}); err != nil {
				t.Fatal(err)
			}
		}()
		for _, c := range []creds{{k.AccessKey, k.SecretKey, ""}, s} {
			if got := s3do(t, e, c, http.MethodGet, "/bkt/existing", nil); got.code != "AccessDenied" {
				t.Fatalf("child kept the parent's detached policy: %d %q", got.status, got.code)
			}
		}
	})

	// Through the admin API: a service account (even one whose policy
	// allows everything) and a session cannot create, list, change or
	// remove service accounts, and a user cannot touch another user's.
	t.Run("admin-api", func(t *testing.T) {
		admin := httptest.NewServer(e.Auth.AdminHandler())
		defer admin.Close()
		e.AddUser(t, "other", "other-secret-1", "bktread")
		sib, err := dir.AddServiceAccount(ctx, "reader", s3auth.ServiceAccountOptions{Name: "sibling"})
		if err != nil {
			t.Fatal(err)
		}
		victim, err := dir.AddServiceAccount(ctx, "other", s3auth.ServiceAccountOptions{Name: "victim"})
		if err != nil {
			t.Fatal(err)
		}
		sa, err := dir.AddServiceAccount(ctx, "reader", s3auth.ServiceAccountOptions{Policy: []byte(allowAll)})
		if err != nil {
			t.Fatal(err)
		}
		sess, code := assumeRole(t, e, reader, allowAll)
		if code != "" {
			t.Fatal(code)
		}
		before := len(mustList(t, dir, "reader"))
		attackers := map[string]creds{"service-account": {sa.AccessKey, sa.SecretKey, ""}, "session": sess}
		for name, c := range attackers {
			for _, call := range []struct {
				method, path string
				body         any
			}{
				{http.MethodPost, "service-accounts", s3auth.AdminAddServiceAccount{Name: "evil"}},
				{http.MethodPost, "service-accounts", s3auth.AdminAddServiceAccount{Parent: "reader", Name: "evil"}},
				{http.MethodGet, "service-accounts", nil},
				{http.MethodDelete, "service-accounts/" + sib.AccessKey, nil},
				{http.MethodPatch, "service-accounts/" + sib.AccessKey, s3auth.AdminUpdateServiceAccount{Status: "disabled"}},
				{http.MethodPatch, "service-accounts/" + sa.AccessKey, s3auth.AdminUpdateServiceAccount{Policy: json.RawMessage("null")}},
				{http.MethodPost, "users", s3auth.AdminAddUser{AccessKey: "evil", SecretKey: "evil-secret-1"}},
				{http.MethodPost, "policies/readwrite/attach", s3auth.AdminAttach{User: "reader"}},
			} {
				got := adminDo(t, e, admin, c, call.method, call.path, call.body)
				if got.status != http.StatusForbidden || got.code != "AccessDenied" {
					t.Errorf("%s: %s %s: %d %q, want 403 AccessDenied", name, call.method, call.path, got.status, got.code)
				}
			}
		}
		// reader itself reaching for another user's service accounts.
		for _, call := range []struct{ method, path string }{
			{http.MethodDelete, "service-accounts/" + victim.AccessKey},
			{http.MethodGet, "service-accounts/" + victim.AccessKey},
		} {
			if got := adminDo(t, e, admin, reader, call.method, call.path, nil); got.status != http.StatusNotFound {
				t.Errorf("reader: %s %s: %d %q, want 404", call.method, call.path, got.status, got.code)
			}
		}
		if got := adminDo(t, e, admin, reader, http.MethodPost, "service-accounts", s3auth.AdminAddServiceAccount{Parent: "other"}); got.status < 400 || got.status >= 500 {
			t.Errorf("reader created a service account for other: %d %s", got.status, got.body)
		}
		if n := len(mustList(t, dir, "reader")); n != before {
			t.Errorf("reader has %d service accounts, had %d", n, before)
		}
		if _, err := dir.GetServiceAccount(victim.AccessKey); err != nil {
			t.Errorf("victim service account: %v", err)
		}
		if s, err := dir.GetServiceAccount(sib.AccessKey); err != nil || !s.Enabled {
			t.Errorf("sibling changed: %+v %v", s, err)
		}
		if _, err := dir.GetUser("evil"); err == nil {
			t.Error("a user was created")
		}
		if u, _ := dir.GetUser("reader"); len(u.Policies) != 1 {
			t.Errorf("reader's policies changed: %v", u.Policies)
		}
		// Control: reader manages its own.
		if got := adminDo(t, e, admin, reader, http.MethodPost, "service-accounts", s3auth.AdminAddServiceAccount{Name: "mine"}); got.status != http.StatusCreated {
			t.Errorf("control: reader cannot create its own service account: %d %s", got.status, got.body)
		}
	})
}

func mustList(t *testing.T, d *s3auth.Directory, parent string) []s3auth.ServiceAccount {
	t.Helper()
	l, err := d.ListServiceAccounts(parent)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAttack_SpoofedConditionKeys: condition keys come from the server
// (principal, connection, signature), never from names a client puts in
// the query or the headers; X-Forwarded-For counts only from a trusted
// proxy.
func TestAttack_SpoofedConditionKeys(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lastIP string
	hook := func(_ context.Context, r s3auth.DecisionRecord) {
		mu.Lock()
		lastIP = r.SourceIP
		mu.Unlock()
	}
	trusted := netip.MustParsePrefix("10.99.0.0/16")
	e := s3authtest.NewEnv(t, func(o *s3auth.Options) {
		o.DecisionHook = hook
		o.TrustedProxies = []netip.Prefix{trusted}
	})
	cond := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:username":"admin"}}},
	 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}},
	 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:authType":"POST"}}},
	 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},
	 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:PrincipalType":"Account"}}}]}`
	e.PutPolicy(t, "conditional", cond)
	e.AddUser(t, "mallory", "mallory-secret-1", "conditional")
	e.AddUser(t, "admin", "admin-secret-1", "conditional")
	spoofQuery := "?aws:username=admin&aws%3ASourceIp=192.0.2.7&s3:authType=POST&aws:SecureTransport=true&aws:PrincipalType=Account"
	spoofHeaders := []string{
		"X-Forwarded-For", "192.0.2.7",
		"X-Real-Ip", "192.0.2.7",
		"Forwarded", "for=192.0.2.7;proto=https",
		"X-Forwarded-Proto", "https",
		"Aws-Username", "admin",
		"X-Amz-Meta-Aws-Username", "admin",
		"X-Aws-SourceIp", "192.0.2.7",
	}
	authorize := func(t *testing.T, user, secret, remote, query string, extra []string, rawHeaders map[string]string) *s3auth.Decision {
		t.Helper()
		r := signed(t, http.MethodGet, "http://s3.test/bkt/k"+query, nil, user, secret, "", e.Clock.Now(), extra...)
		for k, v := range rawHeaders {
			r.Header[k] = []string{v} // names a wire header could not carry
		}
		r.RemoteAddr = remote
		r.RequestURI = r.URL.RequestURI()
		p, err := e.Auth.Authenticate(r)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		return e.Auth.Authorize(context.Background(), p, r)
	}
	raw := map[string]string{"aws:username": "admin", "aws:SourceIp": "192.0.2.7", "s3:authType": "POST", "aws:userid": "admin"}

	t.Run("spoofed-query-parameters", func(t *testing.T) {
		// Unknown query parameters make the operation unknown: refused
		// before any policy is consulted.
		d := authorize(t, "mallory", "mallory-secret-1", "203.0.113.9:4444", spoofQuery, nil, nil)
		if d.Allowed || d.Err == nil {
			t.Fatalf("spoofed query parameters: allowed=%v err=%v", d.Allowed, d.Err)
		}
	})
	t.Run("spoofed-headers", func(t *testing.T) {
		d := authorize(t, "mallory", "mallory-secret-1", "203.0.113.9:4444", "", spoofHeaders, raw)
		if d.Allowed || d.Err != nil {
			t.Fatalf("spoofed condition keys: allowed=%v err=%v reason=%s", d.Allowed, d.Err, d.Reason)
		}
		mu.Lock()
		ip := lastIP
		mu.Unlock()
		if ip != "203.0.113.9" {
			t.Fatalf("aws:SourceIp = %s, want the peer 203.0.113.9", ip)
		}
	})
	t.Run("x-forwarded-for-from-untrusted-peer", func(t *testing.T) {
		d := authorize(t, "mallory", "mallory-secret-1", "203.0.113.9:4444", "", []string{"X-Forwarded-For", "192.0.2.7"}, nil)
		if d.Allowed {
			t.Fatal("X-Forwarded-For from an untrusted peer set aws:SourceIp")
		}
	})
	t.Run("x-forwarded-for-chain-ending-in-untrusted", func(t *testing.T) {
		// A trusted proxy forwarded a request whose client already claimed
		// an address: only the hop the proxy saw counts.
		d := authorize(t, "mallory", "mallory-secret-1", "10.99.0.1:4444", "", []string{"X-Forwarded-For", "192.0.2.7, 203.0.113.9"}, nil)
		if d.Allowed {
			t.Fatal("a client-supplied X-Forwarded-For entry behind a trusted proxy set aws:SourceIp")
		}
		mu.Lock()
		ip := lastIP
		mu.Unlock()
		if ip != "203.0.113.9" {
			t.Fatalf("aws:SourceIp = %s, want 203.0.113.9", ip)
		}
	})
	t.Run("control/trusted-proxy", func(t *testing.T) {
		d := authorize(t, "mallory", "mallory-secret-1", "10.99.0.1:4444", "", []string{"X-Forwarded-For", "192.0.2.7"}, nil)
		if !d.Allowed {
			t.Fatalf("X-Forwarded-For from a trusted proxy ignored: %s", d.Reason)
		}
	})
	t.Run("control/real-username", func(t *testing.T) {
		d := authorize(t, "admin", "admin-secret-1", "203.0.113.9:4444", "", nil, nil)
		if !d.Allowed {
			t.Fatalf("aws:username condition does not work: %s", d.Reason)
		}
	})
	t.Run("through-the-wire", func(t *testing.T) {
		r := signed(t, http.MethodGet, e.URL()+"/bkt/k", nil, "mallory", "mallory-secret-1", "", e.Clock.Now(), spoofHeaders...)
		if got := doRequest(t, r); got.code != "AccessDenied" {
			t.Fatalf("spoofed headers: got %d %q, want AccessDenied", got.status, got.code)
		}
		r = signed(t, http.MethodGet, e.URL()+"/bkt/k"+spoofQuery, nil, "mallory", "mallory-secret-1", "", e.Clock.Now())
		if got := doRequest(t, r); got.code != "NotImplemented" || got.status != http.StatusNotImplemented {
			t.Fatalf("spoofed query: got %d %q, want 501 NotImplemented (unknown operation)", got.status, got.code)
		}
	})
}

// TestAttack_TokenForgery: a session token is accepted only unmodified,
// from this deployment's key ring, with the access key it was issued for.
func TestAttack_TokenForgery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := newEnv(t) // another deployment: its own ring, same user names
	alice := creds{aliceAK, aliceSK, ""}
	s1, code := assumeRole(t, e, alice, "")
	if code != "" {
		t.Fatal(code)
	}
	s2, code := assumeRole(t, e, alice, "")
	if code != "" {
		t.Fatal(code)
	}
	foreign, code := assumeRole(t, other, alice, "")
	if code != "" {
		t.Fatal(code)
	}
	if got := s3do(t, e, s1, http.MethodGet, "/secret/k", nil); got.status != 200 {
		t.Fatalf("control: a genuine session cannot read: %d %s", got.status, got.body)
	}
	flip := func(tok string, i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name string
		c    creds
		code string
	}{
		{"first-byte-changed", creds{s1.ak, s1.sk, flip(s1.token, 0)}, "InvalidToken"},
		{"middle-byte-changed", creds{s1.ak, s1.sk, flip(s1.token, len(s1.token)/2)}, "InvalidToken"},
		{"last-byte-changed", creds{s1.ak, s1.sk, flip(s1.token, len(s1.token)-2)}, "InvalidToken"},
		{"truncated", creds{s1.ak, s1.sk, s1.token[:len(s1.token)-8]}, "InvalidToken"},
		{"extended", creds{s1.ak, s1.sk, s1.token + "AAAA"}, "InvalidToken"},
		{"empty-looking", creds{s1.ak, s1.sk, "x"}, "InvalidToken"},
		{"another-deployment", foreign, "InvalidToken"},
		{"another-sessions-token", creds{s1.ak, s1.sk, s2.token}, "InvalidToken"},
		{"another-sessions-token-and-secret", creds{s1.ak, s2.sk, s2.token}, "InvalidToken"},
		{"user-key-with-session-token", creds{aliceAK, aliceSK, s1.token}, "InvalidToken"},
		{"session-key-without-token", creds{s1.ak, s1.sk, ""}, "InvalidAccessKeyId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := s3do(t, e, tc.c, http.MethodGet, "/secret/k", nil)
			if got.code != tc.code || got.status == 200 {
				t.Fatalf("got %d %q, want %q\n%s", got.status, got.code, tc.code, got.body)
			}
			if strings.Contains(got.body, "top secret") {
				t.Fatal("the object was served")
			}
		})
	}
}
