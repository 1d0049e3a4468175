package main

import (
	"io"
	"log/slog"
	"testing"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.Data != "./s3data" || c.Region != "us-east-1" || c.Domain != "" || c.Store != "" || c.Insecure {
		t.Fatalf("defaults %+v", c)
	}
	c, err = parseFlags([]string{"--addr", "127.0.0.1:0", "--data", "/d", "--region", "eu-west-1", "--domain", "localhost",
		"--store", "etcd://127.0.0.1:2379,127.0.0.1:22379", "--ldap-url", "ldap://127.0.0.1:389", "--ldap-bind-dn", "cn=admin",
		"--ldap-bind-password", "pw", "--ldap-user-base", "ou=people", "--ldap-user-filter", "(uid=%s)",
		"--ldap-group-base", "ou=groups", "--ldap-group-filter", "(member=%d)", "--ldap-starttls", "--log-level", "debug"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := ldapConfig{"ldap://127.0.0.1:389", "cn=admin", "pw", "ou=people", "(uid=%s)", "ou=groups", "(member=%d)", true}
	if c.LDAP != want || c.Store != "etcd://127.0.0.1:2379,127.0.0.1:22379" || c.Domain != "localhost" || c.LogLevel != slog.LevelDebug {
		t.Fatalf("parsed %+v", c)
	}
	for _, bad := range [][]string{{"--addr", "nope"}, {"--log-level", "loud"}, {"extra"}, {"--unknown"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}
