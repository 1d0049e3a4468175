package ldaptest_test

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/s3auth/s3auth/internal/ldaptest"
)

// TestServer starts slapd (skips without it; run `make test`), binds over
// plain, StartTLS and LDAPS, and survives a stop/start.
func TestServer(t *testing.T) {
	s := ldaptest.Start(t, ldaptest.Options{})
	bindAs := func(t *testing.T, c *ldap.Conn) {
		t.Helper()
		defer c.Close()
		if err := c.Bind(ldaptest.UserDN("alice"), "alice-secret"); err != nil {
			t.Fatalf("bind alice: %v", err)
		}
		if err := c.Bind(ldaptest.UserDN("alice"), "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("bind with wrong password: got %v, want invalid credentials", err)
		}
	}
	c, err := ldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(&tls.Config{RootCAs: s.CAPool(), ServerName: "127.0.0.1"}); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	bindAs(t, c)
	c, err = ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(&tls.Config{RootCAs: s.CAPool(), ServerName: "localhost"}))
	if err != nil {
		t.Fatalf("LDAPS: %v", err)
	}
	bindAs(t, c)

	s.Stop()
	if _, err := ldap.DialURL(s.URL(), ldap.DialWithDialer(&net.Dialer{Timeout: time.Second})); err == nil {
		t.Fatal("dial after Stop succeeded")
	}
	s.Start()
	s.RemoveMember("readers", "bob")
	s.AddUser(ldaptest.User{UID: "dave", Password: "dave-secret", UIDNumber: 7, GIDNumber: 8})
	c, err = ldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(ldaptest.UserDN("dave"), "dave-secret"); err != nil {
		t.Fatalf("bind dave after restart: %v", err)
	}
	res, err := c.Search(ldap.NewSearchRequest(ldaptest.GroupDN("readers"), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Entries[0].GetAttributeValues("member"); len(got) != 1 || got[0] != ldaptest.UserDN("alice") {
		t.Fatalf("readers members = %q, want only alice", got)
	}
}
