package s3auth_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	minio "github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/ldaptest"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/s3authtest"
)

// TestLDAPLoginThroughMinio runs AssumeRoleWithLDAPIdentity against a real
// slapd (integration: `make test` installs slapd; a plain `go test` skips
// when it is missing) with minio-go's LDAP identity provider.
func TestLDAPLoginThroughMinio(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{})
	clock := s3authtest.NewClock(time.Now())
	la, err := ldapauth.New(ldapauth.Config{
		URLs:         []string{srv.URL()},
		BindDN:       ldaptest.LookupDN,
		BindPassword: ldaptest.LookupPassword,
		UserBaseDN:   ldaptest.PeopleDN,
		UserFilter:   "(uid=%s)",
		GroupBaseDN:  ldaptest.GroupsDN,
		GroupFilter:  "(&(objectClass=groupOfNames)(member=%d))",
		Clock:        clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer la.Close()
	e := s3authtest.NewEnv(t, func(o *s3auth.Options) { o.LDAP = la; o.Clock = clock })
	e.Clock = clock // sign test requests with the time the server sees
	ctx := context.Background()
	dir := e.Auth.Directory()
	if err := dir.AttachPolicy(ctx, "readonly", s3auth.Target{LDAPDN: ldaptest.GroupDN("readers")}); err != nil {
		t.Fatal(err)
	}
	if err := dir.AttachPolicy(ctx, "readwrite", s3auth.Target{LDAPDN: ldaptest.GroupDN("writers")}); err != nil {
		t.Fatal(err)
	}

	login := func(user, pass string) (*miniocreds.Credentials, error) {
		c, err := miniocreds.NewLDAPIdentity(e.URL(), user, pass)
		if err != nil {
			return nil, err
		}
		_, err = c.GetWithContext(nil)
		return c, err
	}
	client := func(c *miniocreds.Credentials) *minio.Client {
		mc, err := minio.New(strings.TrimPrefix(e.URL(), "http://"), &minio.Options{Creds: c, Region: s3authtest.Region})
		if err != nil {
			t.Fatal(err)
		}
		return mc
	}
	putObj := func(mc *minio.Client, key string) error {
		_, err := mc.PutObject(ctx, "bkt", key, bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
		return err
	}
	code := func(err error) string { return minio.ToErrorResponse(err).Code }

	alice, err := login("alice", "alice-secret")
	if err != nil {
		t.Fatalf("alice login: %v", err)
	}
	ac := client(alice)
	if err := putObj(ac, "a"); err != nil {
		t.Fatalf("writer PutObject: %v", err)
	}
	bob, err := login("bob", "bob-secret")
	if err != nil {
		t.Fatalf("bob login: %v", err)
	}
	bc := client(bob)
	if err := putObj(bc, "b"); code(err) != "AccessDenied" {
		t.Fatalf("reader PutObject: %v", err)
	}
	if _, err := bc.StatObject(ctx, "bkt", "a", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("reader HeadObject: %v", err)
	}

	// The POSIX ids of the directory travel with the session.
	v, _ := alice.GetWithContext(nil)
	req := e.NewRequest(t, http.MethodGet, "/bkt/a", nil, v.AccessKeyID, v.SecretAccessKey, v.SessionToken)
	p, err := e.Auth.Authenticate(req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != s3auth.PrincipalLDAPSession || !p.Posix.Set || p.Posix.UID != 1001 || p.DN != ldaptest.UserDN("alice") {
		t.Fatalf("LDAP principal: %+v", p)
	}

	// Refusals all look alike to the client.
	var msgs []string
	for _, up := range [][2]string{{"alice", "wrong"}, {"nosuchuser", "whatever"}, {"*", "alice-secret"}, {"alice)(uid=*", "x"}} {
		_, err := login(up[0], up[1])
		if err == nil {
			t.Fatalf("login %q succeeded", up[0])
		}
		msgs = append(msgs, err.Error())
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Fatalf("failures are distinguishable:\n%q\n%q", msgs[0], m)
		}
	}
	// A user with no mapped policy is refused.
	if _, err := login("carol", "carol-secret"); err == nil || !strings.Contains(err.Error(), "no policy") {
		t.Fatalf("carol (no mapping): %v", err)
	}

	// Group change: applies at the next revalidation.
	srv.AddMember("writers", "carol") // groupOfNames needs one member
	srv.RemoveMember("writers", "alice")
	if err := putObj(ac, "a2"); err != nil {
		t.Fatalf("before revalidation the old groups still apply: %v", err)
	}
	clock.Advance(6 * time.Minute)
	if err := putObj(ac, "a3"); code(err) != "AccessDenied" {
		t.Fatalf("after revalidation alice lost writers: %v", err)
	}
	// Removal from the directory: the session stops at the next revalidation.
	srv.Delete(ldaptest.UserDN("alice"))
	clock.Advance(6 * time.Minute)
	if _, err := ac.GetObject(ctx, "bkt", "a", minio.GetObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.StatObject(ctx, "bkt", "a", minio.StatObjectOptions{}); err == nil {
		t.Fatal("deleted LDAP user's session still works")
	}
	va, _ := alice.GetWithContext(nil)
	resp, err := http.DefaultClient.Do(e.NewRequest(t, http.MethodGet, "/bkt/a", nil, va.AccessKeyID, va.SecretAccessKey, va.SessionToken))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "<Code>InvalidToken</Code>") {
		t.Fatalf("deleted LDAP user's session: %s", body)
	}
	// An outage fails closed for LDAP sessions and leaves local users alone.
	e.AddUser(t, "local", "local-secret-1", "readwrite")
	srv.Stop()
	clock.Advance(6 * time.Minute)
	if _, err := bc.StatObject(ctx, "bkt", "a", minio.StatObjectOptions{}); err == nil {
		t.Fatal("LDAP session kept working while the directory was down past the revalidation interval")
	}
	req = e.NewRequest(t, http.MethodGet, "/bkt/a", nil, "local", "local-secret-1", "")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("local user during LDAP outage: %d %s", resp.StatusCode, b)
	}
	if _, err := login("bob", "bob-secret"); err == nil {
		t.Fatal("login succeeded with the directory down")
	}
	srv.Start()
	if _, err := login("bob", "bob-secret"); err != nil {
		t.Fatalf("login after the directory came back: %v", err)
	}
}
