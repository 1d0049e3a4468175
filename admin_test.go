package s3auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
)

const root, rootSK = s3authtest.RootAccessKey, s3authtest.RootSecretKey

// adminEnv is an s3authtest.Env with the admin handler on its own server.
type adminEnv struct {
	*s3authtest.Env
	admin *httptest.Server
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	e := s3authtest.NewEnv(t)
	srv := httptest.NewServer(e.Auth.AdminHandler())
	t.Cleanup(srv.Close)
	return &adminEnv{Env: e, admin: srv}
}

// creds is who signs a request.
type creds struct{ ak, sk, token string }

var rootCreds = creds{root, rootSK, ""}

// call sends a signed admin request; path is relative to /s3auth/admin/v1.
func (a *adminEnv) call(t *testing.T, c creds, method, path, body string) (int, []byte) {
	t.Helper()
	r, err := http.NewRequest(method, a.admin.URL+"/s3auth/admin/v1"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	s3authtest.Sign(t, r, []byte(body), c.ak, c.sk, c.token, a.Clock.Now())
	return a.send(t, r)
}

func (a *adminEnv) send(t *testing.T, r *http.Request) (int, []byte) {
	t.Helper()
	resp, err := a.admin.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 300 || len(b) > 0 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s: Content-Type %q, want application/json", r.Method, r.URL.Path, ct)
		}
	}
	return resp.StatusCode, b
}

// must sends a request that must succeed with status want and decodes the
// answer into out (when not nil).
func (a *adminEnv) must(t *testing.T, c creds, want int, method, path, body string, out any) {
	t.Helper()
	status, b := a.call(t, c, method, path, body)
	if status != want {
		t.Fatalf("%s %s: status %d %s, want %d", method, path, status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

// fails sends a request that must fail with the status and error code.
func (a *adminEnv) fails(t *testing.T, c creds, status int, code, method, path, body string) s3auth.AdminError {
	t.Helper()
	got, b := a.call(t, c, method, path, body)
	return checkAdminError(t, method+" "+path, got, b, status, code)
}

func checkAdminError(t *testing.T, what string, got int, b []byte, status int, code string) s3auth.AdminError {
	t.Helper()
	var e s3auth.AdminError
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: error body %q: %v", what, b, err)
	}
	if got != status || e.Code != code {
		t.Fatalf("%s: %d %s (%s), want %d %s", what, got, e.Code, e.Message, status, code)
	}
	if e.Message == "" || e.RequestID == "" || strings.Contains(e.Message, "\n") {
		t.Fatalf("%s: error %+v: want a one-line message and a request id", what, e)
	}
	return e
}

// snapshot is everything the directory holds, to prove a failed request
// changed nothing.
func snapshot(t *testing.T, e *s3authtest.Env) string {
	t.Helper()
	d := e.Auth.Directory()
	var b strings.Builder
	for _, u := range d.ListUsers() {
		sas, err := d.ListServiceAccounts(u.AccessKey)
		if err != nil {
			t.Fatal(err)
		}
		sec, _ := d.UserSecret(u.AccessKey)
		b.WriteString(mustJSON(t, u) + sec + mustJSON(t, sas))
	}
	b.WriteString(mustJSON(t, d.ListPolicies()))
	b.WriteString(mustJSON(t, d.LDAPPolicies("cn=grp,dc=example,dc=com")))
	return b.String()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const allowGet = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)

	var keys s3auth.Keys
	a.must(t, rootCreds, 201, "POST", "/users", `{"accessKey":"alice"}`, &keys)
	if keys.AccessKey != "alice" || s3auth.ValidateSecretKey(keys.SecretKey) != nil {
		t.Fatalf("generated keys %+v", keys)
	}
	if sec, _ := a.Auth.Directory().UserSecret("alice"); sec != keys.SecretKey {
		t.Fatal("the returned secret is not the stored one")
	}
	a.must(t, rootCreds, 201, "POST", "/users", `{"accessKey":"bob","secretKey":"bob-secret-1","posixUid":1001,"posixGid":100}`, &keys)
	if keys != (s3auth.Keys{AccessKey: "bob", SecretKey: "bob-secret-1"}) {
		t.Fatalf("keys %+v", keys)
	}
	a.must(t, rootCreds, 204, "POST", "/policies/readonly/attach", `{"user":"bob"}`, nil)

	// The list's JSON shape, field by field.
	var list []map[string]any
	a.must(t, rootCreds, 200, "GET", "/users", "", &list)
	if len(list) != 2 {
		t.Fatalf("list %v", list)
	}
	if l := list[0]; l["accessKey"] != "alice" || l["status"] != "enabled" || l["posixUid"] != nil || l["posixGid"] != nil || !hasKey(l, "posixUid") {
		t.Fatalf("alice %v", l)
	}
	if l := list[0]["policies"]; l == nil || len(l.([]any)) != 0 {
		t.Fatalf("alice's policies %v, want []", l)
	}
	if l := list[1]; l["accessKey"] != "bob" || l["posixUid"] != 1001.0 || l["posixGid"] != 100.0 || len(l["policies"].([]any)) != 1 || l["policies"].([]any)[0] != "readonly" {
		t.Fatalf("bob %v", l)
	}

	var u s3auth.AdminUser
	a.must(t, rootCreds, 200, "GET", "/users/bob", "", &u)
	if u.AccessKey != "bob" || *u.PosixUID != 1001 || u.Status != "enabled" || u.Created.IsZero() {
		t.Fatalf("info %+v", u)
	}

	a.must(t, rootCreds, 204, "POST", "/users/bob/disable", "", nil)
	a.must(t, rootCreds, 200, "GET", "/users/bob", "", &u)
	if u.Status != "disabled" {
		t.Fatalf("after disable: %+v", u)
	}
	a.fails(t, creds{"bob", "bob-secret-1", ""}, 403, "AccessDenied", "GET", "/service-accounts", "")
	a.must(t, rootCreds, 204, "POST", "/users/bob/enable", "", nil)
	a.must(t, rootCreds, 200, "GET", "/users/bob", "", &u)
	if u.Status != "enabled" {
		t.Fatalf("after enable: %+v", u)
	}
	a.must(t, rootCreds, 200, "GET", "/service-accounts", "", nil)

	a.must(t, rootCreds, 204, "DELETE", "/users/alice", "", nil)
	a.fails(t, rootCreds, 404, "UserNotFound", "GET", "/users/alice", "")
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func TestAdminErrors(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "bob", "bob-secret-1")
	a.PutPolicy(t, "getter", allowGet)
	a.must(t, rootCreds, 204, "POST", "/policies/getter/attach", `{"user":"bob"}`, nil)
	big := `{"accessKey":"x","secretKey":"` + strings.Repeat("a", s3auth.AdminMaxBodySize) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"user exists", "POST", "/users", `{"accessKey":"bob"}`, 409, "UserExists"},
		{"root's key", "POST", "/users", `{"accessKey":"` + root + `"}`, 409, "UserExists"},
		{"invalid name", "POST", "/users", `{"accessKey":"a/b"}`, 400, "InvalidName"},
		{"missing name", "POST", "/users", `{"secretKey":"abcdefgh1"}`, 400, "InvalidName"},
		{"short secret", "POST", "/users", `{"accessKey":"carol","secretKey":"short"}`, 400, "InvalidSecret"},
		{"uid without gid", "POST", "/users", `{"accessKey":"carol","posixUid":1000}`, 400, "InvalidArgument"},
		{"uid 0", "POST", "/users", `{"accessKey":"carol","posixUid":0,"posixGid":0}`, 400, "InvalidArgument"},
		{"negative uid", "POST", "/users", `{"accessKey":"carol","posixUid":-1,"posixGid":5}`, 400, "MalformedJSON"},
		{"unknown field", "POST", "/users", `{"accessKey":"carol","admin":true}`, 400, "MalformedJSON"},
		{"field in wrong case", "POST", "/users", `{"AccessKey":"carol"}`, 400, "MalformedJSON"},
		{"duplicate field", "POST", "/users", `{"accessKey":"carol","accessKey":"dave"}`, 400, "MalformedJSON"},
		{"trailing data", "POST", "/users", `{"accessKey":"carol"} {}`, 400, "MalformedJSON"},
		{"not an object", "POST", "/users", `["carol"]`, 400, "MalformedJSON"},
		{"wrong type", "POST", "/users", `{"accessKey":5}`, 400, "MalformedJSON"},
		{"broken JSON", "POST", "/users", `{"accessKey":"carol"`, 400, "MalformedJSON"},
		{"empty body", "POST", "/users", ``, 400, "MalformedJSON"},
		{"too large", "POST", "/users", big, 413, "EntityTooLarge"},
		{"body on GET", "GET", "/users", `{}`, 400, "MalformedJSON"},
		{"unknown user", "GET", "/users/nobody", "", 404, "UserNotFound"},
		{"remove unknown user", "DELETE", "/users/nobody", "", 404, "UserNotFound"},
		{"disable unknown user", "POST", "/users/nobody/disable", "", 404, "UserNotFound"},
		{"revoke unknown user", "POST", "/users/nobody/revoke-sessions", "", 404, "UserNotFound"},
		{"unknown policy", "GET", "/policies/nope", "", 404, "PolicyNotFound"},
		{"invalid policy", "PUT", "/policies/bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`, 400, "InvalidPolicy"},
		{"policy not JSON", "PUT", "/policies/bad", `nope`, 400, "InvalidPolicy"},
		{"empty policy", "PUT", "/policies/bad", ``, 400, "MalformedJSON"},
		{"bad policy name", "PUT", "/policies/bad!name", allowGet, 400, "InvalidName"},
		{"overwrite builtin", "PUT", "/policies/readonly", allowGet, 400, "BuiltinPolicy"},
		{"delete builtin", "DELETE", "/policies/readwrite", "", 400, "BuiltinPolicy"},
		{"delete attached", "DELETE", "/policies/getter", "", 409, "PolicyAttached"},
		{"delete unknown policy", "DELETE", "/policies/nope", "", 404, "PolicyNotFound"},
		{"attach to both", "POST", "/policies/getter/attach", `{"user":"bob","ldapDn":"cn=x,dc=y"}`, 400, "InvalidArgument"},
		{"attach to neither", "POST", "/policies/getter/attach", `{}`, 400, "InvalidArgument"},
		{"attach unknown policy", "POST", "/policies/nope/attach", `{"user":"bob"}`, 404, "PolicyNotFound"},
		{"attach to unknown user", "POST", "/policies/getter/attach", `{"user":"nobody"}`, 404, "UserNotFound"},
		{"attach to bad DN", "POST", "/policies/getter/attach", `{"ldapDn":"not a dn"}`, 400, "InvalidName"},
		{"detach not attached", "POST", "/policies/readonly/detach", `{"user":"bob"}`, 404, "PolicyNotAttached"},
		{"svcacct without parent", "POST", "/service-accounts", `{}`, 400, "InvalidParent"},
		{"svcacct of unknown user", "POST", "/service-accounts", `{"parent":"nobody"}`, 404, "UserNotFound"},
		{"svcacct with root's key", "POST", "/service-accounts", `{"parent":"bob","accessKey":"` + root + `"}`, 409, "AccessKeyExists"},
		{"svcacct with user's key", "POST", "/service-accounts", `{"parent":"bob","accessKey":"bob"}`, 409, "AccessKeyExists"},
		{"svcacct policy not an object", "POST", "/service-accounts", `{"parent":"bob","policy":"readonly"}`, 400, "MalformedJSON"},
		{"svcacct invalid policy", "POST", "/service-accounts", `{"parent":"bob","policy":{"Statement":[]}}`, 400, "InvalidPolicy"},
		{"svcacct long name", "POST", "/service-accounts", `{"parent":"bob","name":"` + strings.Repeat("n", 65) + `"}`, 400, "InvalidArgument"},
		{"unknown svcacct", "GET", "/service-accounts/NOPE1234", "", 404, "ServiceAccountNotFound"},
		{"list query", "GET", "/service-accounts?user=bob", "", 400, "InvalidArgument"},
		{"no such route", "GET", "/groups", "", 404, "NoSuchRoute"},
		{"no such subroute", "POST", "/users/bob/promote", "", 404, "NoSuchRoute"},
		{"wrong method", "PUT", "/users/bob", "", 405, "MethodNotAllowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, a.Env)
			e := a.fails(t, rootCreds, tc.status, tc.code, tc.method, tc.path, tc.body)
			if strings.Contains(e.Message, "bob-secret-1") {
				t.Fatalf("message leaks a secret: %s", e.Message)
			}
			if after := snapshot(t, a.Env); after != before {
				t.Fatalf("a failed request changed the directory:\n%s\n%s", before, after)
			}
		})
	}
}

func TestAdminPolicies(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "bob", "bob-secret-1")

	var list []map[string]any
	a.must(t, rootCreds, 200, "GET", "/policies", "", &list)
	var names []string
	for _, p := range list {
		names = append(names, p["name"].(string))
		if p["builtin"] != true {
			t.Fatalf("policy %v: want builtin", p)
		}
	}
	if !slices.Equal(names, []string{"readonly", "readwrite", "writeonly"}) {
		t.Fatalf("built-ins %v", names)
	}

	a.must(t, rootCreds, 204, "PUT", "/policies/getter", allowGet, nil)
	var p s3auth.AdminPolicy
	a.must(t, rootCreds, 200, "GET", "/policies/getter", "", &p)
	if p.Name != "getter" || p.Builtin || string(p.Document) != allowGet || p.Updated == nil {
		t.Fatalf("show %+v %s", p, p.Document)
	}
	a.must(t, rootCreds, 200, "GET", "/policies/readonly", "", &p)
	if !p.Builtin || !strings.Contains(string(p.Document), "s3:GetObject") {
		t.Fatalf("show readonly %+v %s", p, p.Document)
	}

	a.must(t, rootCreds, 204, "POST", "/policies/getter/attach", `{"user":"bob"}`, nil)
	a.must(t, rootCreds, 204, "POST", "/policies/getter/attach", `{"ldapDn":"CN=Grp, DC=example,DC=com"}`, nil)
	if u, _ := a.Auth.Directory().GetUser("bob"); !slices.Equal(u.Policies, []string{"getter"}) {
		t.Fatalf("bob's policies %v", u.Policies)
	}
	if got := a.Auth.Directory().LDAPPolicies("cn=grp,dc=example,dc=com"); !slices.Equal(got, []string{"getter"}) {
		t.Fatalf("LDAP policies %v", got)
	}
	a.must(t, rootCreds, 200, "GET", "/policies/getter", "", &p)
	if p.Attachments != 2 {
		t.Fatalf("attachments %d", p.Attachments)
	}
	a.must(t, rootCreds, 204, "POST", "/policies/getter/detach", `{"user":"bob"}`, nil)
	a.must(t, rootCreds, 204, "POST", "/policies/getter/detach", `{"ldapDn":"cn=grp,dc=example,dc=com"}`, nil)
	a.must(t, rootCreds, 204, "DELETE", "/policies/getter", "", nil)
	a.fails(t, rootCreds, 404, "PolicyNotFound", "GET", "/policies/getter", "")
}

func TestAdminServiceAccounts(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "bob", "bob-secret-1", "readwrite")
	a.AddUser(t, "eve", "eve-secret-1", "readwrite")
	bob, eve := creds{"bob", "bob-secret-1", ""}, creds{"eve", "eve-secret-1", ""}

	var k1, k2 s3auth.Keys
	a.must(t, bob, 201, "POST", "/service-accounts", `{"name":"backup","description":"nightly","policy":`+allowGet+`}`, &k1)
	if s3auth.ValidateAccessKey(k1.AccessKey) != nil || s3auth.ValidateSecretKey(k1.SecretKey) != nil {
		t.Fatalf("generated keys %+v", k1)
	}
	a.must(t, bob, 201, "POST", "/service-accounts", `{"parent":"bob","accessKey":"BOBSVC0001","secretKey":"bob-svc-secret-1"}`, &k2)
	if k2 != (s3auth.Keys{AccessKey: "BOBSVC0001", SecretKey: "bob-svc-secret-1"}) {
		t.Fatalf("keys %+v", k2)
	}
	var k3 s3auth.Keys
	a.must(t, rootCreds, 201, "POST", "/service-accounts", `{"parent":"eve","name":"eve's"}`, &k3)

	// The list's JSON shape, field by field; a user sees only its own.
	var list []map[string]any
	a.must(t, bob, 200, "GET", "/service-accounts", "", &list)
	if len(list) != 2 {
		t.Fatalf("bob's list %v", list)
	}
	for _, sa := range list {
		if sa["parent"] != "bob" || sa["status"] != "enabled" || hasKey(sa, "policy") || hasKey(sa, "secretKey") {
			t.Fatalf("entry %v", sa)
		}
		switch sa["accessKey"] {
		case k1.AccessKey:
			if sa["name"] != "backup" || sa["hasPolicy"] != true {
				t.Fatalf("entry %v", sa)
			}
		case k2.AccessKey:
			if sa["name"] != "" || sa["hasPolicy"] != false {
				t.Fatalf("entry %v", sa)
			}
		default:
			t.Fatalf("unexpected entry %v", sa)
		}
	}
	a.must(t, bob, 200, "GET", "/service-accounts?parent=bob", "", &list)
	a.fails(t, bob, 403, "AccessDenied", "GET", "/service-accounts?parent=eve", "")
	a.must(t, rootCreds, 200, "GET", "/service-accounts", "", &list)
	if len(list) != 3 {
		t.Fatalf("root's list %v", list)
	}
	a.must(t, rootCreds, 200, "GET", "/service-accounts?parent=eve", "", &list)
	if len(list) != 1 || list[0]["accessKey"] != k3.AccessKey {
		t.Fatalf("root's list of eve %v", list)
	}

	var info map[string]any
	a.must(t, bob, 200, "GET", "/service-accounts/"+k1.AccessKey, "", &info)
	if info["description"] != "nightly" || info["policy"] == nil || info["hasPolicy"] != true {
		t.Fatalf("info %v", info)
	}
	a.must(t, bob, 200, "GET", "/service-accounts/"+k2.AccessKey, "", &info)
	if v, ok := info["policy"]; !ok || v != nil {
		t.Fatalf("info without policy %v: want \"policy\": null", info)
	}

	// Someone else's service account looks exactly like a missing one.
	missing := a.fails(t, eve, 404, "ServiceAccountNotFound", "GET", "/service-accounts/NOSUCHKEY1", "")
	for _, c := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"status":"disabled"}`}, {"DELETE", ""}} {
		e := a.fails(t, eve, 404, "ServiceAccountNotFound", c.method, "/service-accounts/"+k1.AccessKey, c.body)
		if strings.Replace(e.Message, k1.AccessKey, "NOSUCHKEY1", 1) != missing.Message {
			t.Fatalf("messages differ: %q vs %q", e.Message, missing.Message)
		}
	}
	a.fails(t, eve, 403, "AccessDenied", "POST", "/service-accounts", `{"parent":"bob"}`)

	// Edit: policy, status, both; a bad edit changes nothing.
	a.must(t, bob, 204, "PATCH", "/service-accounts/"+k2.AccessKey, `{"policy":`+allowGet+`}`, nil)
	if sa, _ := a.Auth.Directory().GetServiceAccount(k2.AccessKey); string(sa.Policy) != allowGet {
		t.Fatalf("policy %s", sa.Policy)
	}
	before := snapshot(t, a.Env)
	a.fails(t, bob, 400, "InvalidPolicy", "PATCH", "/service-accounts/"+k2.AccessKey, `{"status":"disabled","policy":{"Statement":"x"}}`)
	a.fails(t, bob, 400, "InvalidArgument", "PATCH", "/service-accounts/"+k2.AccessKey, `{"status":"off","policy":null}`)
	a.fails(t, bob, 400, "MalformedJSON", "PATCH", "/service-accounts/"+k2.AccessKey, `{}`)
	a.fails(t, bob, 400, "MalformedJSON", "PATCH", "/service-accounts/"+k2.AccessKey, `{"name":"x"}`)
	if snapshot(t, a.Env) != before {
		t.Fatal("a failed edit changed the directory")
	}
	a.must(t, bob, 204, "PATCH", "/service-accounts/"+k2.AccessKey, `{"policy":null,"status":"disabled"}`, nil)
	if sa, _ := a.Auth.Directory().GetServiceAccount(k2.AccessKey); sa.Policy != nil || sa.Enabled {
		t.Fatalf("after edit %+v", sa)
	}
	a.must(t, rootCreds, 204, "PATCH", "/service-accounts/"+k2.AccessKey, `{"status":"enabled"}`, nil)

	a.must(t, bob, 204, "DELETE", "/service-accounts/"+k2.AccessKey, "", nil)
	a.fails(t, bob, 404, "ServiceAccountNotFound", "GET", "/service-accounts/"+k2.AccessKey, "")
	a.must(t, rootCreds, 204, "DELETE", "/service-accounts/"+k3.AccessKey, "", nil)
}

func TestAdminPermissions(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "bob", "bob-secret-1", "readwrite")
	var k s3auth.Keys
	a.must(t, creds{"bob", "bob-secret-1", ""}, 201, "POST", "/service-accounts", `{"name":"full"}`, &k)
	out, err := stsClient(a.Env, static("bob", "bob-secret-1", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	session := creds{*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken}

	routes := []struct{ method, path, body string }{
		{"GET", "/users", ""},
		{"POST", "/users", `{"accessKey":"mallory"}`},
		{"GET", "/users/bob", ""},
		{"DELETE", "/users/bob", ""},
		{"POST", "/users/bob/enable", ""},
		{"POST", "/users/bob/disable", ""},
		{"POST", "/users/bob/revoke-sessions", ""},
		{"GET", "/policies", ""},
		{"GET", "/policies/readonly", ""},
		{"PUT", "/policies/p", allowGet},
		{"DELETE", "/policies/readwrite", ""},
		{"POST", "/policies/readwrite/attach", `{"user":"bob"}`},
		{"POST", "/policies/readwrite/detach", `{"user":"bob"}`},
		{"GET", "/service-accounts", ""},
		{"POST", "/service-accounts", `{}`},
		{"GET", "/service-accounts/" + k.AccessKey, ""},
		{"PATCH", "/service-accounts/" + k.AccessKey, `{"status":"disabled"}`},
		{"DELETE", "/service-accounts/" + k.AccessKey, ""},
	}
	who := []struct {
		name string
		c    creds
		// svc: whether it may manage (its own) service accounts.
		svc bool
	}{
		{"user", creds{"bob", "bob-secret-1", ""}, true},
		{"service account", creds{k.AccessKey, k.SecretKey, ""}, false},
		{"session", session, false},
	}
	before := snapshot(t, a.Env)
	for _, w := range who {
		for _, rt := range routes {
			if w.svc && strings.HasPrefix(rt.path, "/service-accounts") {
				continue // allowed; tested in TestAdminServiceAccounts
			}
			t.Run(w.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				a.fails(t, w.c, 403, "AccessDenied", rt.method, rt.path, rt.body)
			})
		}
	}
	if snapshot(t, a.Env) != before {
		t.Fatal("a refused request changed the directory")
	}
}

func TestAdminAuthentication(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	url := a.admin.URL + "/s3auth/admin/v1/users"
	body := `{"accessKey":"carol"}`
	tests := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		status int
		code   string
	}{
		{"anonymous", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			return r
		}, 403, "AccessDenied"},
		{"wrong secret", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			s3authtest.Sign(t, r, []byte(body), root, "not-the-secret", "", a.Clock.Now())
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unknown key", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			s3authtest.Sign(t, r, []byte(body), "NOBODY123", "whatever-secret", "", a.Clock.Now())
			return r
		}, 403, "InvalidAccessKeyId"},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(`{"accessKey":"mallory"}`))
			r.ContentLength = int64(len(`{"accessKey":"mallory"}`))
			s3authtest.Sign(t, r, []byte(body), root, rootSK, "", a.Clock.Now())
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"unsigned payload", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			creds := aws.Credentials{AccessKeyID: root, SecretAccessKey: rootSK}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", "s3", s3authtest.Region, a.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, 400, "InvalidRequest"},
		{"presigned", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", url+"?X-Amz-Expires=300", nil)
			creds := aws.Credentials{AccessKeyID: root, SecretAccessKey: rootSK}
			u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", "s3", s3authtest.Region, a.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			r, _ = http.NewRequest("GET", u, nil)
			return r
		}, 403, "AccessDenied"},
		{"too old", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", url, strings.NewReader(body))
			s3authtest.Sign(t, r, []byte(body), root, rootSK, "", a.Clock.Now().Add(-time.Hour))
			return r
		}, 403, "RequestTimeTooSkewed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, a.Env)
			status, b := a.send(t, tc.req(t))
			checkAdminError(t, tc.name, status, b, tc.status, tc.code)
			if snapshot(t, a.Env) != before {
				t.Fatal("a refused request changed the directory")
			}
		})
	}
}

func TestAdminRevokeSessions(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "erin", "erin-secret-12", "readwrite")
	c := assume(t, a.Env, "erin", "erin-secret-12")
	if err := put(t, c, "k", "v"); err != nil {
		t.Fatal(err)
	}
	a.Clock.Advance(time.Second)
	a.must(t, rootCreds, 204, "POST", "/users/erin/revoke-sessions", "", nil)
	if _, err := get(t, c, "k"); apiCode(err) != "InvalidToken" {
		t.Fatalf("after revocation: %v, want InvalidToken", err)
	}
	var u s3auth.AdminUser
	a.must(t, rootCreds, 200, "GET", "/users/erin", "", &u)
	if u.SessionsValidAfter == nil || !u.SessionsValidAfter.Equal(a.Clock.Now().Truncate(time.Nanosecond)) {
		t.Fatalf("sessionsValidAfter %v, want %v", u.SessionsValidAfter, a.Clock.Now())
	}
}

// FuzzAdminBodies sends arbitrary bodies, signed by root, to every route
// that takes one: the handler never fails with a 5xx and a refused request
// changes nothing.
func FuzzAdminBodies(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/users"},
		{"PUT", "/policies/fuzz"},
		{"POST", "/policies/readonly/attach"},
		{"POST", "/policies/readonly/detach"},
		{"POST", "/service-accounts"},
		{"PATCH", "/service-accounts/FUZZSVC001"},
	}
	seeds := []string{
		`{"accessKey":"alice"}`, `{"accessKey":"bob","secretKey":"bob-secret-1","posixUid":1001,"posixGid":100}`,
		allowGet, `{"user":"bob"}`, `{"ldapDn":"cn=grp,dc=example,dc=com"}`,
		`{"parent":"bob","name":"n","policy":` + allowGet + `}`, `{"policy":null,"status":"disabled"}`,
		`{"accessKey":"carol","accessKey":"dave"}`, `{"AccessKey":"x"}`, `[]`, `{"a":`, "",
	}
	for i := range routes {
		for _, s := range seeds {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		e := s3authtest.NewEnv(t)
		e.AddUser(t, "bob", "bob-secret-1")
		if _, err := e.Auth.Directory().AddServiceAccount(context.Background(), "bob", s3auth.ServiceAccountOptions{AccessKey: "FUZZSVC001"}); err != nil {
			t.Fatal(err)
		}
		rt := routes[int(route)%len(routes)]
		r := httptest.NewRequest(rt.method, "/s3auth/admin/v1"+rt.path, strings.NewReader(body))
		s3authtest.Sign(t, r, []byte(body), root, rootSK, "", e.Clock.Now())
		before := snapshot(t, e)
		w := httptest.NewRecorder()
		e.Auth.AdminHandler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, w.Code, w.Body)
		}
		if w.Code >= 300 {
			checkAdminError(t, rt.method+" "+rt.path, w.Code, w.Body.Bytes(), w.Code, mustCode(t, w.Body.Bytes()))
			if snapshot(t, e) != before {
				t.Fatalf("%s %s %q: refused (%d) but changed the directory", rt.method, rt.path, body, w.Code)
			}
		}
	})
}

func mustCode(t *testing.T, b []byte) string {
	t.Helper()
	var e s3auth.AdminError
	if err := json.Unmarshal(b, &e); err != nil || e.Code == "" {
		t.Fatalf("error body %q: %v", b, err)
	}
	return e.Code
}

func TestAdminServiceAccountLimit(t *testing.T) {
	t.Parallel()
	a := newAdminEnv(t)
	a.AddUser(t, "bob", "bob-secret-1", "readwrite")
	for range s3auth.MaxServiceAccountsPerUser {
		if _, err := a.Auth.Directory().AddServiceAccount(context.Background(), "bob", s3auth.ServiceAccountOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, a.Env)
	a.fails(t, creds{"bob", "bob-secret-1", ""}, 409, "ServiceAccountLimit", "POST", "/service-accounts", `{"name":"one too many"}`)
	if snapshot(t, a.Env) != before {
		t.Fatal("a refused creation changed the directory")
	}
}
