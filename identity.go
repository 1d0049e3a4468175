package s3auth

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/s3auth/s3auth/posix"
)

// Limits of the identity directory.
const (
	// MaxServiceAccountsPerUser is how many service accounts one user may
	// own. The limit is exact under concurrent creations on any number of
	// nodes.
	MaxServiceAccountsPerUser = 100
	// MaxPoliciesPerTarget is how many policies may be attached to one user
	// or one LDAP DN.
	MaxPoliciesPerTarget = 100
	// MaxPolicySize is the largest policy document the directory stores,
	// in bytes. The policy validator may impose a smaller limit.
	MaxPolicySize = 64 << 10
)

// Built-in policy names. They always exist, cannot be written or deleted,
// and can be attached like any other policy; their documents come from the
// iam package.
const (
	PolicyReadOnly  = "readonly"
	PolicyReadWrite = "readwrite"
	PolicyWriteOnly = "writeonly"
)

// IsBuiltinPolicy reports whether name is one of the built-in policies
// (compared case-insensitively, so that "ReadOnly" cannot shadow it).
func IsBuiltinPolicy(name string) bool {
	// No non-ASCII letter folds to a letter of these names (only K and S
	// have such folds), so a name of another length never matches.
	if len(name) != len(PolicyReadOnly) && len(name) != len(PolicyReadWrite) && len(name) != len(PolicyWriteOnly) {
		return false
	}
	return strings.EqualFold(name, PolicyReadOnly) || strings.EqualFold(name, PolicyReadWrite) || strings.EqualFold(name, PolicyWriteOnly)
}

// CredentialKind tells what kind of identity owns an access key.
type CredentialKind uint8

const (
	// CredentialUser is a local user: the access key is the username.
	CredentialUser CredentialKind = iota + 1
	// CredentialServiceAccount is a service account, a permanent child of
	// one local user.
	CredentialServiceAccount
)

// String returns "user" or "serviceAccount".
func (k CredentialKind) String() string {
	switch k {
	case CredentialUser:
		return "user"
	case CredentialServiceAccount:
		return "serviceAccount"
	}
	return "unknown"
}

// Credential is what [Directory.LookupCredential] returns for an access
// key: everything the request path needs to verify a signature and
// evaluate policies.
//
// Policies and OwnPolicy share memory with the directory's cache: they must
// not be modified. A Credential is a snapshot; later changes to the
// directory do not change it.
type Credential struct {
	Kind      CredentialKind
	AccessKey string
	SecretKey string
	// Parent is the owning user's access key for a service account, ""
	// for a user.
	Parent string
	// Enabled is false when the identity or, for a service account, its
	// parent is disabled or being removed. A disabled credential must be
	// refused.
	Enabled bool
	// Posix is the identity's POSIX owner; service accounts inherit the
	// parent's.
	Posix posix.Owner
	// Policies are the names of the policies attached to the user (to the
	// parent, for a service account). Empty means no access at all. Do not
	// modify.
	Policies []string
	// OwnPolicy is a service account's restricting policy document, or
	// nil when it has none (then it has exactly its parent's access). Do
	// not modify.
	OwnPolicy []byte
	// SessionsValidAfter: STS sessions derived from this user (or the
	// parent) issued before this time are invalid. Zero means no limit.
	SessionsValidAfter time.Time
}

// User is a local user as the administration API shows it. It never
// carries the secret key; see [Directory.UserSecret].
type User struct {
	// AccessKey is also the username.
	AccessKey string
	Enabled   bool
	Posix     posix.Owner
	// Policies are the attached policy names, sorted. The slice is the
	// caller's.
	Policies []string
	// ServiceAccounts is how many service accounts the user owns.
	ServiceAccounts    int
	SessionsValidAfter time.Time
	Created            time.Time
}

// ServiceAccount is a service account as the administration API shows it.
// It never carries the secret key.
type ServiceAccount struct {
	AccessKey   string
	Parent      string
	Name        string
	Description string
	// Enabled is the service account's own status; it is also unusable
	// while its parent is disabled.
	Enabled bool
	// Policy is the restricting policy document, nil for none. The slice
	// is the caller's.
	Policy  []byte
	Created time.Time
}

// Policy is a named policy document.
type Policy struct {
	Name string
	// Builtin is true for readonly, readwrite and writeonly; their
	// Document is nil here (the iam package defines them).
	Builtin bool
	// Document is the JSON document exactly as it was put. The slice is
	// the caller's.
	Document []byte
	// Attachments is how many users and LDAP DNs it is attached to (0 for
	// built-in policies, which are not counted).
	Attachments int
	Updated     time.Time
}

// Target is what a policy is attached to: exactly one of User (a local
// user's access key) or LDAPDN (an LDAP user or group DN, compared
// case-insensitively after [NormalizeDN]).
type Target struct {
	User   string
	LDAPDN string
}

// String describes the target for messages.
func (t Target) String() string {
	if t.LDAPDN != "" {
		return "LDAP DN " + t.LDAPDN
	}
	return "user " + t.User
}

// ServiceAccountOptions describes a new service account. Every field is
// optional.
type ServiceAccountOptions struct {
	// Name is a label, at most 64 printable characters.
	Name string
	// Description is free text, at most 256 printable characters.
	Description string
	// Policy restricts the service account to a subset of its parent's
	// access. nil means none: the parent's access exactly.
	Policy []byte
	// AccessKey is generated ([GenerateAccessKey]) when empty.
	AccessKey string
	// SecretKey is generated ([GenerateSecretKey]) when empty.
	SecretKey string
}

// Keys is an access key and its secret key, as returned once when a
// service account is created.
type Keys struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// UserOption sets a property of a user created by [Directory.AddUser].
type UserOption func(*userOptions)

type userOptions struct {
	owner    posix.Owner
	disabled bool
}

// UserPosix gives the new user POSIX ids. They are checked like
// [Directory.SetUserPosix] checks them.
func UserPosix(o posix.Owner) UserOption { return func(u *userOptions) { u.owner = o } }

// UserDisabled creates the user disabled.
func UserDisabled() UserOption { return func(u *userOptions) { u.disabled = true } }

// ValidateAccessKey checks an access key (which is also a username): 3 to
// 128 characters of A–Z, a–z, 0–9 and _ . @ = + -. A slash is never
// allowed because it would break the SigV4 credential scope, and spaces or
// other punctuation break clients and shells.
func ValidateAccessKey(ak string) error {
	if len(ak) < 3 || len(ak) > 128 {
		return errorf(CodeInvalidName, "access key %q is %d characters; use 3 to 128 characters of A-Z a-z 0-9 _ . @ = + -", clip(ak), len(ak))
	}
	for i := 0; i < len(ak); i++ {
		if !accessKeyChar(ak[i]) {
			return errorf(CodeInvalidName, "access key %q has %q at position %d; use only A-Z a-z 0-9 _ . @ = + - (no '/', which breaks the SigV4 credential scope)", clip(ak), ak[i], i)
		}
	}
	return nil
}

func accessKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '@' || c == '=' || c == '+' || c == '-'
}

// ValidateSecretKey checks a secret key: 8 to 128 printable ASCII
// characters (0x21–0x7E), no spaces. The error never contains the secret.
func ValidateSecretKey(sk string) error {
	if len(sk) < 8 || len(sk) > 128 {
		return errorf(CodeInvalidSecret, "secret key is %d characters; use 8 to 128 printable ASCII characters without spaces", len(sk))
	}
	for i := 0; i < len(sk); i++ {
		if sk[i] < 0x21 || sk[i] > 0x7e {
			return errorf(CodeInvalidSecret, "secret key has a space, control or non-ASCII character at position %d; use printable ASCII without spaces", i)
		}
	}
	return nil
}

// ValidatePolicyName checks a policy name: 1 to 128 characters of A–Z,
// a–z, 0–9 and + = , . @ _ - (the IAM policy name alphabet).
func ValidatePolicyName(name string) error {
	if len(name) < 1 || len(name) > 128 {
		return errorf(CodeInvalidName, "policy name %q is %d characters; use 1 to 128 characters of A-Z a-z 0-9 + = , . @ _ -", clip(name), len(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !accessKeyChar(c) && c != ',' {
			return errorf(CodeInvalidName, "policy name %q has %q at position %d; use only A-Z a-z 0-9 + = , . @ _ -", clip(name), c, i)
		}
	}
	return nil
}

func validateLabel(what, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return errorf(CodeInvalidArgument, "service account %s is over %d characters; shorten it", what, max)
	}
	if !utf8.ValidString(s) {
		return errorf(CodeInvalidArgument, "service account %s is not valid UTF-8", what)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return errorf(CodeInvalidArgument, "service account %s has a control character %U; use printable characters", what, r)
		}
	}
	return nil
}

// NormalizeDN returns the form in which LDAP DNs are compared and stored:
// parsed per RFC 4514, attribute types and values lower-cased, spaces
// around separators removed, multi-valued RDNs sorted. Two DNs that differ
// only in case or such spacing normalize to the same string.
func NormalizeDN(dn string) (string, error) {
	if strings.TrimSpace(dn) == "" {
		return "", errorf(CodeInvalidName, "empty LDAP DN; give a DN such as cn=admins,ou=groups,dc=example,dc=org")
	}
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 {
		return "", errorf(CodeInvalidName, "LDAP DN %q does not parse (%v); give a DN such as cn=admins,ou=groups,dc=example,dc=org", clip(dn), err)
	}
	n := strings.ToLower(parsed.String())
	if len(n) > 900 || strings.IndexByte(n, 0) >= 0 || !utf8.ValidString(n) {
		return "", errorf(CodeInvalidName, "LDAP DN %q is too long (over 900 bytes) or contains NUL or invalid UTF-8", clip(dn))
	}
	return n, nil
}

// defaultPolicyValidator accepts any syntactically valid JSON object.
func defaultPolicyValidator(_ string, doc []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil || obj == nil {
		return errorf(CodeInvalidPolicy, "policy document is not a JSON object; give a document such as {\"Version\":\"2012-10-17\",\"Statement\":[...]}")
	}
	return nil
}

const (
	accessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// GenerateAccessKey returns 20 random upper-case letters and digits from
// crypto/rand, like an AWS access key id.
func GenerateAccessKey() (string, error) { return randomString(20, accessKeyAlphabet) }

// GenerateSecretKey returns 40 random characters of A–Z a–z 0–9 + / from
// crypto/rand (240 bits), like an AWS secret access key.
func GenerateSecretKey() (string, error) { return randomString(40, secretKeyAlphabet) }

func randomString(n int, alphabet string) (string, error) {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	var buf [64]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", errorf(CodeInvalidArgument, "cannot read random bytes: %v", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// clip shortens user input quoted in messages.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
