package ldapauth_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/s3auth/s3auth/ldapauth"
)

// A configuration for OpenLDAP with posixAccount users and groupOfNames
// groups. New only validates: it opens no connection.
func ExampleNew() {
	auth, err := ldapauth.New(ldapauth.Config{
		URLs:         []string{"ldaps://ldap.example.org"},
		BindDN:       "cn=s3auth,ou=services,dc=example,dc=org",
		BindPassword: "lookup-password",
		UserBaseDN:   "ou=people,dc=example,dc=org",
		UserFilter:   "(&(objectClass=posixAccount)(uid=%s))",
		GroupBaseDN:  "ou=groups,dc=example,dc=org",
		GroupFilter:  "(&(objectClass=groupOfNames)(member=%d))",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer auth.Close()
	fmt.Println("configured")
	// Output: configured
}

// Configuration mistakes are reported by New with what to do about them.
func ExampleNew_invalidFilter() {
	_, err := ldapauth.New(ldapauth.Config{
		URLs:       []string{"ldap://127.0.0.1"},
		UserBaseDN: "ou=people,dc=example,dc=org",
		UserFilter: "(uid=alice)",
	})
	fmt.Println(err)
	// Output: ldapauth: UserFilter "(uid=alice)" has no %s placeholder for the username, e.g. (&(objectClass=posixAccount)(uid=%s))
}

// How a caller (the STS endpoint) maps Login's errors to responses.
func ExampleAuthenticator_Login() {
	auth, err := ldapauth.New(ldapauth.Config{
		URLs:       []string{"ldap://127.0.0.1:1"},
		UserBaseDN: "ou=people,dc=example,dc=org",
		UserFilter: "(uid=%s)",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer auth.Close()
	for _, password := range []string{"", "secret"} {
		_, err := auth.Login(context.Background(), "alice", password, "192.0.2.1:40000")
		var tooMany *ldapauth.TooManyFailuresError
		switch {
		case errors.As(err, &tooMany):
			fmt.Println("429, Retry-After:", tooMany.RetryAfterSeconds())
		case errors.Is(err, ldapauth.ErrInvalidCredentials):
			fmt.Println("403 access denied")
		case errors.Is(err, ldapauth.ErrUnavailable):
			fmt.Println("503 directory unavailable")
		}
	}
	// Output:
	// 403 access denied
	// 503 directory unavailable
}
