package s3auth

import (
	"encoding/json"
	"time"
)

// The JSON documents of the admin API (see [Auth.AdminHandler]). Field names
// are part of the contract of the s3admin command-line tool; fields may be
// added, never renamed.

// AdminUser is a local user as the admin API shows it: one element of
// GET /users, or the answer of GET /users/{accessKey}. It never carries the
// secret key.
type AdminUser struct {
	AccessKey string `json:"accessKey"`
	// Status is "enabled" or "disabled".
	Status string `json:"status"`
	// PosixUID and PosixGID are null when the user has no POSIX ids.
	PosixUID *uint32 `json:"posixUid"`
	PosixGID *uint32 `json:"posixGid"`
	// Policies are the attached policy names, sorted; never null.
	Policies []string `json:"policies"`
	// ServiceAccounts is how many service accounts the user owns.
	ServiceAccounts int       `json:"serviceAccounts"`
	Created         time.Time `json:"created"`
	// SessionsValidAfter is set when the user's sessions were revoked (or
	// the user disabled): sessions issued before it are invalid.
	SessionsValidAfter *time.Time `json:"sessionsValidAfter,omitempty"`
}

// AdminAddUser is the body of POST /users.
type AdminAddUser struct {
	// AccessKey is the new user's access key (its username). Required.
	AccessKey string `json:"accessKey"`
	// SecretKey is generated ([GenerateSecretKey]) when empty.
	SecretKey string `json:"secretKey,omitempty"`
	// PosixUID and PosixGID give the user POSIX ids; both or neither.
	PosixUID *uint32 `json:"posixUid,omitempty"`
	PosixGID *uint32 `json:"posixGid,omitempty"`
}

// AdminPolicy is a named policy: one element of GET /policies (without
// Document) or the answer of GET /policies/{name} (with it).
type AdminPolicy struct {
	Name string `json:"name"`
	// Builtin is true for readonly, readwrite and writeonly.
	Builtin bool `json:"builtin"`
	// Attachments counts the users and LDAP DNs the policy is attached to
	// (0 for built-in policies, which are not counted).
	Attachments int `json:"attachments"`
	// Updated is absent for built-in policies.
	Updated *time.Time `json:"updated,omitempty"`
	// Document is the policy document (GET /policies/{name} only).
	Document json.RawMessage `json:"document,omitempty"`
}

// AdminAttach is the body of POST /policies/{name}/attach and .../detach:
// exactly one of User and LDAPDN.
type AdminAttach struct {
	User   string `json:"user,omitempty"`
	LDAPDN string `json:"ldapDn,omitempty"`
}

// AdminServiceAccount is a service account as the admin API shows it: one
// element of GET /service-accounts (without Policy) or the answer of
// GET /service-accounts/{accessKey} (with "policy": the document or null).
// It never carries the secret key.
type AdminServiceAccount struct {
	AccessKey string `json:"accessKey"`
	Name      string `json:"name"`
	Parent    string `json:"parent"`
	// Status is the service account's own status, "enabled" or
	// "disabled"; it is also unusable while its parent is disabled.
	Status string `json:"status"`
	// HasPolicy is true when a policy restricts the service account.
	HasPolicy   bool      `json:"hasPolicy"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
	// Policy is the restricting policy document, JSON null for none.
	Policy json.RawMessage `json:"policy,omitempty"`
}

// AdminAddServiceAccount is the body of POST /service-accounts. Every field
// is optional.
type AdminAddServiceAccount struct {
	// Parent is the owning user. A user may only name itself (or leave it
	// empty); root must name the parent.
	Parent      string `json:"parent,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Policy restricts the service account; absent or null for none.
	Policy json.RawMessage `json:"policy,omitempty"`
	// AccessKey and SecretKey are generated when empty.
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
}

// AdminUpdateServiceAccount is the body of PATCH /service-accounts/{key}.
// Absent fields are left as they are.
type AdminUpdateServiceAccount struct {
	// Policy replaces the restricting policy; JSON null removes it.
	Policy json.RawMessage `json:"policy,omitempty"`
	// Status is "enabled" or "disabled".
	Status string `json:"status,omitempty"`
}

// AdminError is the body of every admin API error.
type AdminError struct {
	// Code is a directory [ErrorCode], an S3 authentication error code
	// (such as SignatureDoesNotMatch), or one of AccessDenied,
	// MalformedJSON, EntityTooLarge, NoSuchRoute, MethodNotAllowed,
	// InternalError.
	Code string `json:"code"`
	// Message says what was wrong and how to fix it.
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
}

// Status values of AdminUser and AdminServiceAccount.
const (
	AdminStatusEnabled  = "enabled"
	AdminStatusDisabled = "disabled"
)

func adminStatus(enabled bool) string {
	if enabled {
		return AdminStatusEnabled
	}
	return AdminStatusDisabled
}

func adminUser(u User) AdminUser {
	out := AdminUser{AccessKey: u.AccessKey, Status: adminStatus(u.Enabled), Policies: u.Policies,
		ServiceAccounts: u.ServiceAccounts, Created: u.Created.UTC()}
	if out.Policies == nil {
		out.Policies = []string{}
	}
	if u.Posix.Set {
		uid, gid := uint32(u.Posix.UID), uint32(u.Posix.GID)
		out.PosixUID, out.PosixGID = &uid, &gid
	}
	if !u.SessionsValidAfter.IsZero() {
		t := u.SessionsValidAfter.UTC()
		out.SessionsValidAfter = &t
	}
	return out
}

func adminServiceAccount(s ServiceAccount, withPolicy bool) AdminServiceAccount {
	out := AdminServiceAccount{AccessKey: s.AccessKey, Name: s.Name, Parent: s.Parent, Status: adminStatus(s.Enabled),
		HasPolicy: len(s.Policy) > 0, Description: s.Description, Created: s.Created.UTC()}
	if withPolicy {
		out.Policy = json.RawMessage("null")
		if len(s.Policy) > 0 && json.Valid(s.Policy) {
			out.Policy = json.RawMessage(s.Policy)
		}
	}
	return out
}

func adminPolicy(p Policy) AdminPolicy {
	out := AdminPolicy{Name: p.Name, Builtin: p.Builtin, Attachments: p.Attachments}
	if !p.Updated.IsZero() {
		t := p.Updated.UTC()
		out.Updated = &t
	}
	return out
}
