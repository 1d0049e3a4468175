// Package ldapauth logs users in against an LDAP directory (OpenLDAP, Active
// Directory, 389-DS, ...) and returns who they are: their DN, the DNs of
// their groups and their POSIX uid/gid. The STS action
// AssumeRoleWithLDAPIdentity calls [Authenticator.Login]; sessions call
// [Authenticator.Revalidate] periodically so that deleted users and group
// changes take effect.
//
// # Login
//
// [Authenticator.Login] does, in order:
//
//  1. refuse at once, without network traffic, an empty username or password
//     (an empty password is an unauthenticated bind that "succeeds"), a
//     username with NUL or control characters, leading or trailing spaces, or
//     longer than [Config].MaxUsernameLength;
//  2. refuse a username or source address that failed too often
//     ([*TooManyFailuresError], "too many failed logins, retry after N s");
//  3. on a pooled lookup connection bound as [Config].BindDN, search
//     [Config].UserFilter under [Config].UserBaseDN; exactly one entry must
//     match;
//  4. bind as that entry's DN with the password on a fresh connection that is
//     closed afterwards (it is never used for lookups);
//  5. search the groups ([Config].GroupFilter) and read the POSIX ids.
//
// The username is escaped (RFC 4515) wherever it enters a filter. It never
// enters a DN: the DN of the bind comes from the search result. The
// context's deadline bounds every step, although go-ldap's bind takes no
// context: the connection is closed when the context ends.
//
// # Failures
//
// An unknown user, a wrong password, an ambiguous match and a malformed
// username all return the same [ErrInvalidCredentials]; the reason goes to
// the [Config].Logger only (passwords are never logged). When the user is
// not found, a dummy bind is still made so that response times do not tell
// whether the name exists. Failed logins count per username and per source
// address (IPv4 host, IPv6 /64) in [Config].FailureWindow; past the limit
// the key is locked out for [Config].Lockout. A directory that cannot be
// reached, times out or refuses the lookup account returns [ErrUnavailable],
// which is not the client's fault; callers fail closed.
//
// # Connections and TLS
//
// [Config].URLs are tried in order for every new connection. ldaps:// and
// StartTLS verify the server certificate against [Config].RootCAs (or the
// system pool) for the URL's host name; [Config].InsecureSkipVerify turns
// that off and New logs a warning. Lookups share a pool of
// [Config].PoolSize connections bound as the lookup account; a connection
// that turns out dead is replaced once, transparently.
//
// # Example: OpenLDAP
//
//	cfg := ldapauth.Config{
//		URLs:         []string{"ldaps://ldap1.example.org", "ldaps://ldap2.example.org"},
//		RootCAs:      caPool, // the CA that signed the servers' certificates
//		BindDN:       "cn=s3auth,ou=services,dc=example,dc=org",
//		BindPassword: lookupPassword,
//		UserBaseDN:   "ou=people,dc=example,dc=org",
//		UserFilter:   "(&(objectClass=posixAccount)(uid=%s))",
//		GroupBaseDN:  "ou=groups,dc=example,dc=org",
//		GroupFilter:  "(&(objectClass=groupOfNames)(member=%d))",
//		// posixGroup with memberUid instead: "(&(objectClass=posixGroup)(memberUid=%s))"
//		UIDAttribute: "uidNumber", // the defaults
//		GIDAttribute: "gidNumber",
//		Logger:       logger,
//	}
//	auth, err := ldapauth.New(cfg)
//	if err != nil { ... }
//	defer auth.Close()
//	id, err := auth.Login(ctx, username, password, r.RemoteAddr)
//
// # Example: Active Directory
//
//	cfg := ldapauth.Config{
//		URLs:         []string{"ldap://dc1.corp.example.com:389"},
//		StartTLS:     true,
//		RootCAs:      corpCAPool,
//		BindDN:       "CN=s3auth,OU=Service Accounts,DC=corp,DC=example,DC=com",
//		BindPassword: lookupPassword,
//		UserBaseDN:   "OU=Staff,DC=corp,DC=example,DC=com",
//		// enabled user accounts only (bit 2 of userAccountControl unset)
//		UserFilter: "(&(objectCategory=person)(objectClass=user)(sAMAccountName=%s)" +
//			"(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
//		GroupBaseDN: "DC=corp,DC=example,DC=com",
//		// nested groups through LDAP_MATCHING_RULE_IN_CHAIN
//		GroupFilter: "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=%d))",
//		// or, without a group search, the direct groups from the user entry:
//		// GroupAttribute: "memberOf",
//		UIDAttribute: "uidNumber", // RFC 2307 attributes, if populated
//		GIDAttribute: "gidNumber",
//		DefaultGID:   &staffGID,
//	}
//
// To log in with user@corp.example.com instead, filter on
// (userPrincipalName=%s).
//
// # Not supported
//
//   - SASL binds (GSSAPI/Kerberos, DIGEST-MD5, EXTERNAL client certificates),
//     NTLM, and anonymous user logins; only simple binds over TLS or
//     loopback are meant for production.
//   - Building the user DN from a template (direct bind without a search),
//     following referrals, paged group results beyond the server's size limit,
//     and LDAP password-policy controls (expiry warnings, grace logins): a
//     refused bind is a refused login.
//   - Server discovery through DNS SRV records; list the URLs.
//   - Rate-limit state is per process, not shared between nodes.
package ldapauth
