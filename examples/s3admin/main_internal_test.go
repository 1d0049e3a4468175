package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
)

// server is an s3authtest environment with the admin API on its own
// httptest server.
type server struct {
	*s3authtest.Env
	url string
}

func newServer(t *testing.T) *server {
	t.Helper()
	e := s3authtest.NewEnv(t)
	srv := httptest.NewServer(e.Auth.AdminHandler())
	t.Cleanup(srv.Close)
	return &server{Env: e, url: srv.URL}
}

// rootEnv is the environment of an administrator talking to s.
func (s *server) rootEnv() map[string]string {
	return map[string]string{"S3AUTH_ENDPOINT": s.url, "AWS_ACCESS_KEY_ID": s3authtest.RootAccessKey, "AWS_SECRET_ACCESS_KEY": s3authtest.RootSecretKey}
}

func (s *server) userEnv(ak, sk string) map[string]string {
	return map[string]string{"S3AUTH_ENDPOINT": s.url, "AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk}
}

// result is what one run printed.
type result struct {
	code           int
	stdout, stderr string
}

func runCLI(env map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed.
func ok(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := runCLI(env, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("s3admin %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command that must succeed and print exactly one JSON
// document, and decodes it.
func okJSON(t *testing.T, env map[string]string, out any, args ...string) {
	t.Helper()
	s := ok(t, env, args...)
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(out); err != nil {
		t.Fatalf("s3admin %s: output %q: %v", strings.Join(args, " "), s, err)
	}
	if dec.More() {
		t.Fatalf("s3admin %s: more than one JSON document: %q", strings.Join(args, " "), s)
	}
}

// fails runs a command that must fail with the exit code and one line on
// stderr containing every want.
func fails(t *testing.T, env map[string]string, code int, args []string, want ...string) {
	t.Helper()
	r := runCLI(env, args...)
	if r.code != code {
		t.Fatalf("s3admin %s: exit %d (stderr %q), want %d", strings.Join(args, " "), r.code, r.stderr, code)
	}
	if r.stdout != "" {
		t.Fatalf("s3admin %s: printed %q on stdout on failure", strings.Join(args, " "), r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "s3admin: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("s3admin %s: stderr %q: want one line starting with s3admin:", strings.Join(args, " "), r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Fatalf("s3admin %s: stderr %q does not mention %q", strings.Join(args, " "), r.stderr, w)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keysOf checks that v has exactly the given JSON keys.
func keysOf(t *testing.T, what string, v map[string]any, want ...string) {
	t.Helper()
	var got []string
	for k := range v {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: JSON fields %v, want %v", what, got, want)
	}
}

const getPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`

func TestUsers(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := s.rootEnv()

	var keys map[string]string
	okJSON(t, env, &keys, "user", "add", "alice", "--json")
	if len(keys) != 2 || keys["accessKey"] != "alice" || s3auth.ValidateSecretKey(keys["secretKey"]) != nil {
		t.Fatalf("user add --json: %v", keys)
	}
	if sec, _ := s.Auth.Directory().UserSecret("alice"); sec != keys["secretKey"] {
		t.Fatal("the printed secret is not the stored one")
	}
	out := ok(t, env, "user", "add", "bob", "--secret", "bob-secret-1", "--posix-uid", "1001", "--posix-gid", "100")
	if !strings.Contains(out, "Access key: bob") || !strings.Contains(out, "Secret key: bob-secret-1") {
		t.Fatalf("user add: %q", out)
	}
	ok(t, env, "policy", "attach", "readonly", "--user", "bob")

	// Global flags before and after the command words.
	for _, args := range [][]string{{"--json", "user", "list"}, {"user", "list", "--json"}, {"user", "--json", "list"}} {
		var list []map[string]any
		okJSON(t, env, &list, args...)
		if len(list) != 2 {
			t.Fatalf("%v: %v", args, list)
		}
		for _, u := range list {
			keysOf(t, "user list", u, "accessKey", "status", "posixUid", "posixGid", "policies", "serviceAccounts", "created")
		}
		a, b := list[0], list[1]
		if a["accessKey"] != "alice" || a["status"] != "enabled" || a["posixUid"] != nil || a["posixGid"] != nil || len(a["policies"].([]any)) != 0 {
			t.Fatalf("alice: %v", a)
		}
		if b["accessKey"] != "bob" || b["posixUid"] != 1001.0 || b["posixGid"] != 100.0 || !reflect.DeepEqual(b["policies"], []any{"readonly"}) {
			t.Fatalf("bob: %v", b)
		}
	}
	out = ok(t, env, "user", "list")
	if !strings.Contains(out, "ACCESS KEY") || !strings.Contains(out, "1001:100") || !strings.Contains(out, "readonly") {
		t.Fatalf("user list: %q", out)
	}

	var info map[string]any
	ok(t, env, "user", "disable", "bob")
	okJSON(t, env, &info, "user", "info", "bob", "--json")
	keysOf(t, "user info", info, "accessKey", "status", "posixUid", "posixGid", "policies", "serviceAccounts", "created", "sessionsValidAfter")
	if info["accessKey"] != "bob" || info["status"] != "disabled" {
		t.Fatalf("user info: %v", info)
	}
	ok(t, env, "user", "enable", "bob")
	if out := ok(t, env, "user", "info", "bob"); !strings.Contains(out, "enabled") || !strings.Contains(out, "1001:100") {
		t.Fatalf("user info: %q", out)
	}
	var done map[string]bool
	okJSON(t, env, &done, "--json", "user", "revoke", "bob")
	if !done["ok"] {
		t.Fatalf("user revoke --json: %v", done)
	}
	if out := ok(t, env, "user", "rm", "alice"); !strings.Contains(out, "Removed user alice") {
		t.Fatalf("user rm: %q", out)
	}
	fails(t, env, 1, []string{"user", "info", "alice"}, "UserNotFound", "alice")

	// A name that needs escaping in the URL path is signed as sent.
	ok(t, env, "user", "add", "a@b=c+d", "--secret", "odd-secret-1")
	okJSON(t, env, &info, "user", "info", "a@b=c+d", "--json")
	if info["accessKey"] != "a@b=c+d" {
		t.Fatalf("user info: %v", info)
	}
}

func TestPolicies(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := s.rootEnv()
	s.AddUser(t, "bob", "bob-secret-1")
	file := writeFile(t, "get.json", getPolicy)

	if out := ok(t, env, "policy", "add", "getter", file); !strings.Contains(out, "Added policy getter") {
		t.Fatalf("policy add: %q", out)
	}
	var list []map[string]any
	okJSON(t, env, &list, "policy", "list", "--json")
	var names []string
	for _, p := range list {
		names = append(names, p["name"].(string))
		if _, ok := p["builtin"].(bool); !ok {
			t.Fatalf("policy list: %v has no builtin", p)
		}
		if p["builtin"] != (p["name"] != "getter") {
			t.Fatalf("policy list: %v", p)
		}
	}
	if !slices.Equal(names, []string{"readonly", "readwrite", "writeonly", "getter"}) {
		t.Fatalf("policy list: %v", names)
	}
	if out := ok(t, env, "policy", "list"); !strings.Contains(out, "NAME") || !strings.Contains(out, "writeonly") {
		t.Fatalf("policy list: %q", out)
	}

	var show map[string]json.RawMessage
	okJSON(t, env, &show, "policy", "show", "getter", "--json")
	var doc bytes.Buffer
	_ = json.Compact(&doc, show["document"])
	if doc.String() != getPolicy || string(show["name"]) != `"getter"` || string(show["builtin"]) != "false" {
		t.Fatalf("policy show: %v", show)
	}
	if out := ok(t, env, "policy", "show", "readonly"); !strings.Contains(out, `"s3:GetObject"`) {
		t.Fatalf("policy show readonly: %q", out)
	}

	ok(t, env, "policy", "attach", "getter", "--user", "bob")
	ok(t, env, "policy", "attach", "getter", "--ldap-dn", "cn=devs,ou=groups,dc=example,dc=com")
	if got := s.Auth.Directory().LDAPPolicies("CN=devs,OU=groups,DC=example,DC=com"); !slices.Equal(got, []string{"getter"}) {
		t.Fatalf("LDAP mapping: %v", got)
	}
	fails(t, env, 1, []string{"policy", "rm", "getter"}, "PolicyAttached")
	ok(t, env, "policy", "detach", "getter", "--user", "bob")
	ok(t, env, "policy", "detach", "getter", "--ldap-dn", "cn=devs,ou=groups,dc=example,dc=com")
	fails(t, env, 1, []string{"policy", "detach", "getter", "--user", "bob"}, "PolicyNotAttached")
	ok(t, env, "policy", "rm", "getter")
	fails(t, env, 1, []string{"policy", "show", "getter"}, "PolicyNotFound")
}

func TestServiceAccounts(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddUser(t, "bob", "bob-secret-1", "readwrite")
	bob := s.userEnv("bob", "bob-secret-1")
	file := writeFile(t, "get.json", getPolicy)

	var k1, k2 map[string]string
	okJSON(t, bob, &k1, "svcacct", "add", "--name", "backup", "--policy", file, "--json")
	if len(k1) != 2 || s3auth.ValidateAccessKey(k1["accessKey"]) != nil || s3auth.ValidateSecretKey(k1["secretKey"]) != nil {
		t.Fatalf("svcacct add --json: %v", k1)
	}
	// After "svcacct add", --access-key and --secret-key are the new keys.
	okJSON(t, bob, &k2, "svcacct", "add", "--access-key", "BOBSVC0001", "--secret-key", "bob-svc-secret-1", "--json")
	if k2["accessKey"] != "BOBSVC0001" || k2["secretKey"] != "bob-svc-secret-1" {
		t.Fatalf("svcacct add with keys: %v", k2)
	}
	// Root names the parent; its own keys come before the words.
	out := ok(t, map[string]string{"S3AUTH_ENDPOINT": s.url}, "--access-key", s3authtest.RootAccessKey, "--secret-key", s3authtest.RootSecretKey,
		"svcacct", "add", "--parent", "bob", "--name", "by-root")
	if !strings.Contains(out, "Access key: ") || !strings.Contains(out, "Secret key: ") {
		t.Fatalf("svcacct add: %q", out)
	}

	var list []map[string]any
	okJSON(t, bob, &list, "svcacct", "list", "--json")
	if len(list) != 3 {
		t.Fatalf("svcacct list: %v", list)
	}
	for _, sa := range list {
		keysOf(t, "svcacct list", sa, "accessKey", "name", "parent", "status", "hasPolicy", "description", "created")
		if sa["parent"] != "bob" || sa["status"] != "enabled" || sa["hasPolicy"] != (sa["accessKey"] == k1["accessKey"]) {
			t.Fatalf("svcacct list entry: %v", sa)
		}
	}
	if out := ok(t, bob, "svcacct", "list"); !strings.Contains(out, "backup") || !strings.Contains(out, "POLICY") {
		t.Fatalf("svcacct list: %q", out)
	}

	var info map[string]any
	okJSON(t, bob, &info, "svcacct", "info", k1["accessKey"], "--json")
	keysOf(t, "svcacct info", info, "accessKey", "name", "parent", "status", "hasPolicy", "description", "created", "policy")
	if info["name"] != "backup" || info["hasPolicy"] != true || info["policy"] == nil {
		t.Fatalf("svcacct info: %v", info)
	}
	okJSON(t, bob, &info, "svcacct", "info", "BOBSVC0001", "--json")
	if v, ok := info["policy"]; !ok || v != nil || info["hasPolicy"] != false {
		t.Fatalf("svcacct info without policy: %v", info)
	}

	ok(t, bob, "svcacct", "edit", "BOBSVC0001", "--policy", file)
	if sa, _ := s.Auth.Directory().GetServiceAccount("BOBSVC0001"); string(sa.Policy) != getPolicy {
		t.Fatalf("after edit: %s", sa.Policy)
	}
	if out := ok(t, bob, "svcacct", "info", "BOBSVC0001"); !strings.Contains(out, "s3:GetObject") {
		t.Fatalf("svcacct info: %q", out)
	}
	ok(t, bob, "svcacct", "edit", "BOBSVC0001", "--remove-policy", "--status", "disabled")
	if sa, _ := s.Auth.Directory().GetServiceAccount("BOBSVC0001"); sa.Policy != nil || sa.Enabled {
		t.Fatalf("after edit: %+v", sa)
	}

	// A service account cannot manage service accounts.
	svc := s.userEnv(k1["accessKey"], k1["secretKey"])
	fails(t, svc, 1, []string{"svcacct", "add"}, "AccessDenied", "403")
	fails(t, svc, 1, []string{"svcacct", "list"}, "AccessDenied")
	// Nor can another user touch bob's.
	s.AddUser(t, "eve", "eve-secret-1")
	fails(t, s.userEnv("eve", "eve-secret-1"), 1, []string{"svcacct", "rm", k1["accessKey"]}, "ServiceAccountNotFound")

	ok(t, bob, "svcacct", "rm", "BOBSVC0001")
	fails(t, bob, 1, []string{"svcacct", "info", "BOBSVC0001"}, "ServiceAccountNotFound")
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddUser(t, "bob", "bob-secret-1")
	env := s.rootEnv()
	bad := writeFile(t, "bad.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)
	notJSON := writeFile(t, "not.json", `Version: 2012`)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = w.Write([]byte("<Error><Code>NotImplemented</Code>\n</Error>"))
	}))
	t.Cleanup(html.Close)
	with := func(k, v string) map[string]string {
		e := s.rootEnv()
		e[k] = v
		return e
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{"no command", env, nil, 2, []string{"no command", "-h"}},
		{"unknown command", env, []string{"group", "list"}, 2, []string{`"group"`}},
		{"unknown subcommand", env, []string{"user", "promote", "bob"}, 2, []string{`"user promote"`}},
		{"missing subcommand", env, []string{"user"}, 2, []string{"subcommand"}},
		{"missing name", env, []string{"user", "add"}, 2, []string{"NAME"}},
		{"extra argument", env, []string{"user", "list", "bob"}, 2, []string{"no arguments"}},
		{"unknown flag", env, []string{"user", "list", "--long"}, 2, []string{"long"}},
		{"uid without gid", env, []string{"user", "add", "carol", "--posix-uid", "5"}, 2, []string{"--posix-gid"}},
		{"uid not a number", env, []string{"user", "add", "carol", "--posix-uid", "x", "--posix-gid", "5"}, 2, []string{"POSIX id"}},
		{"no credentials", map[string]string{"S3AUTH_ENDPOINT": s.url}, []string{"user", "list"}, 2, []string{"AWS_ACCESS_KEY_ID", "--access-key"}},
		{"bad endpoint", with("S3AUTH_ENDPOINT", "127.0.0.1:9000"), []string{"user", "list"}, 2, []string{"S3AUTH_ENDPOINT", "http://"}},
		{"bad endpoint flag", env, []string{"user", "list", "--endpoint", "ftp://x"}, 2, []string{"--endpoint"}},
		{"server down", with("S3AUTH_ENDPOINT", "http://127.0.0.1:1"), []string{"user", "list"}, 1, []string{"cannot reach", "--endpoint"}},
		{"not an s3auth server", with("S3AUTH_ENDPOINT", html.URL), []string{"user", "list"}, 1, []string{"HTTP 501", "NotImplemented"}},
		{"wrong secret", with("AWS_SECRET_ACCESS_KEY", "wrong-secret"), []string{"user", "list"}, 1, []string{"SignatureDoesNotMatch"}},
		{"not root", s.userEnv("bob", "bob-secret-1"), []string{"user", "list"}, 1, []string{"AccessDenied", "root"}},
		{"user exists", env, []string{"user", "add", "bob"}, 1, []string{"UserExists", "bob"}},
		{"invalid name", env, []string{"user", "add", "a b"}, 1, []string{"InvalidName"}},
		{"short secret", env, []string{"user", "add", "carol", "--secret", "short"}, 1, []string{"InvalidSecret"}},
		{"invalid policy", env, []string{"policy", "add", "p", bad}, 1, []string{"InvalidPolicy", "Resource"}},
		{"policy not JSON", env, []string{"policy", "add", "p", notJSON}, 1, []string{"not valid JSON"}},
		{"policy file missing", env, []string{"policy", "add", "p", "/nonexistent/p.json"}, 1, []string{"cannot read the policy file"}},
		{"builtin policy", env, []string{"policy", "rm", "readonly"}, 1, []string{"BuiltinPolicy"}},
		{"attach to both", env, []string{"policy", "attach", "readonly", "--user", "bob", "--ldap-dn", "cn=x"}, 2, []string{"exactly one"}},
		{"attach to neither", env, []string{"policy", "attach", "readonly"}, 2, []string{"exactly one"}},
		{"attach to unknown user", env, []string{"policy", "attach", "readonly", "--user", "nobody"}, 1, []string{"UserNotFound"}},
		{"svcacct edit nothing", env, []string{"svcacct", "edit", "KEY"}, 2, []string{"nothing to change"}},
		{"svcacct edit bad status", env, []string{"svcacct", "edit", "KEY", "--status", "off"}, 2, []string{"enabled or disabled"}},
		{"svcacct policy not object", env, []string{"svcacct", "add", "--parent", "bob", "--policy", notJSON}, 1, []string{"not a JSON object"}},
		{"root svcacct without parent", env, []string{"svcacct", "add"}, 1, []string{"InvalidParent", "--parent"}},
		{"simulate without input", env, []string{"policy", "simulate"}, 2, []string{"--cases"}},
	}
	// Nothing was created by the failures (checked after the subtests).
	t.Cleanup(func() {
		if users := s.Auth.Directory().ListUsers(); len(users) != 1 {
			t.Errorf("users after failures: %v", users)
		}
		if ps := s.Auth.Directory().ListPolicies(); len(ps) != 3 {
			t.Errorf("policies after failures: %v", ps)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fails(t, tc.env, tc.code, tc.args, tc.want...)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"user", "list", "-h"}} {
		r := runCLI(nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: s3admin") || r.stderr != "" {
			t.Fatalf("%v: %+v", args, r)
		}
	}
}
