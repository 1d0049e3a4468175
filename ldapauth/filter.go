package ldapauth

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// expand fills a filter template: %s is the username and %d the user DN,
// both escaped with ldap.EscapeFilter (RFC 4515); %% is a literal %.
// Templates are checked by checkTemplate, so other verbs do not occur.
func expand(tmpl, username, dn string) string {
	var b strings.Builder
	b.Grow(len(tmpl) + 3*len(username) + 3*len(dn))
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '%' || i+1 == len(tmpl) {
			b.WriteByte(c)
			continue
		}
		i++
		switch tmpl[i] {
		case 's':
			b.WriteString(ldap.EscapeFilter(username))
		case 'd':
			b.WriteString(ldap.EscapeFilter(dn))
		default:
			b.WriteByte(tmpl[i])
		}
	}
	return b.String()
}

// checkTemplate validates a filter template: only %s, %d (if allowDN) and
// %% may appear, at least one placeholder must, and the expanded filter must
// compile.
func checkTemplate(field, tmpl string, allowDN bool) error {
	if tmpl == "" {
		return fmt.Errorf("ldapauth: %s is empty; set it, e.g. (&(objectClass=posixAccount)(uid=%%s))", field)
	}
	placeholders := 0
	inValue := false // between the '=' of an item and its ')'
	for i := 0; i < len(tmpl); i++ {
		switch tmpl[i] {
		case '=':
			inValue = true
			continue
		case '(', ')':
			inValue = false
			continue
		case '%':
		default:
			continue
		}
		if i+1 < len(tmpl) && (tmpl[i+1] == 's' || tmpl[i+1] == 'd') && !inValue {
			return fmt.Errorf("ldapauth: %s %q has %%%c outside an assertion value; placeholders go after the '=', e.g. (uid=%%s)", field, tmpl, tmpl[i+1])
		}
		if i+1 == len(tmpl) {
			return fmt.Errorf("ldapauth: %s %q ends with a lone %%; write %%%% for a literal percent sign", field, tmpl)
		}
		i++
		switch tmpl[i] {
		case 's':
			placeholders++
		case 'd':
			if !allowDN {
				return fmt.Errorf("ldapauth: %s %q uses %%d (the user DN), which is only known after the user search; use %%s (the username)", field, tmpl)
			}
			placeholders++
		case '%':
		default:
			return fmt.Errorf("ldapauth: %s %q has the unknown placeholder %%%c; use %%s for the username%s or %%%% for a literal percent sign", field, tmpl, tmpl[i], map[bool]string{true: ", %d for the user DN", false: ""}[allowDN])
		}
	}
	if placeholders == 0 {
		if allowDN {
			return fmt.Errorf("ldapauth: %s %q has no placeholder; use %%d for the user DN or %%s for the username, e.g. (&(objectClass=groupOfNames)(member=%%d))", field, tmpl)
		}
		return fmt.Errorf("ldapauth: %s %q has no %%s placeholder for the username, e.g. (&(objectClass=posixAccount)(uid=%%s))", field, tmpl)
	}
	if _, err := ldap.CompileFilter(expand(tmpl, "user", "uid=user,dc=example,dc=org")); err != nil {
		return fmt.Errorf("ldapauth: %s %q is not a valid LDAP filter (RFC 4515): %v", field, tmpl, err)
	}
	return nil
}
