package s3auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/sigv4"
)

// AdminPrefix is the path under which [Auth.AdminHandler] serves.
const AdminPrefix = "/s3auth/admin/v1/"

// AdminMaxBodySize is the largest request body the admin API reads, in
// bytes. Larger bodies are refused with 413 EntityTooLarge.
const AdminMaxBodySize = 256 << 10

// AdminHandler serves the administration API that the s3admin tool uses.
// Mount it at [AdminPrefix] without stripping the prefix (the signature
// covers the full path).
//
// Every request must be signed with SigV4 in the Authorization header for
// service "s3" (verified by [Auth.Authenticate]); a body must be covered by
// the signature (x-amz-content-sha256 is its hex SHA-256, or a signed
// aws-chunked stream). Bodies are JSON, at most [AdminMaxBodySize] bytes,
// decoded strictly: unknown or duplicate fields, a field name in the wrong
// case, trailing data or a body where none is expected are refused. Answers
// are JSON; errors are [AdminError] documents with a 4xx or 5xx status, and
// a failed request changes nothing.
//
// Routes, relative to /s3auth/admin/v1:
//
//	GET    /users                          list users             root  → 200 [AdminUser]
//	POST   /users                          add user [AdminAddUser] root → 201 Keys
//	GET    /users/{user}                   user info              root  → 200 AdminUser
//	DELETE /users/{user}                   remove user            root  → 204
//	POST   /users/{user}/enable            enable user            root  → 204
//	POST   /users/{user}/disable           disable user           root  → 204
//	POST   /users/{user}/revoke-sessions   revoke STS sessions    root  → 204
//	GET    /policies                       list policies          root  → 200 [AdminPolicy]
//	GET    /policies/{name}                show policy            root  → 200 AdminPolicy
//	PUT    /policies/{name}                add or replace policy  root  → 204 (body: the policy document)
//	DELETE /policies/{name}                remove policy          root  → 204
//	POST   /policies/{name}/attach         attach [AdminAttach]   root  → 204
//	POST   /policies/{name}/detach         detach [AdminAttach]   root  → 204
//	GET    /service-accounts[?parent=U]    list service accounts  user, root → 200 [AdminServiceAccount]
//	POST   /service-accounts               add [AdminAddServiceAccount] user, root → 201 Keys
//	GET    /service-accounts/{key}         info (with policy)     user, root → 200 AdminServiceAccount
//	PATCH  /service-accounts/{key}         [AdminUpdateServiceAccount] user, root → 204
//	DELETE /service-accounts/{key}         remove                 user, root → 204
//
// Authorization: the root credentials ([Options].RootAccessKey) may do
// everything. A local user, signing with its own keys, manages only its own
// service accounts; another user's service account answers 404 exactly as a
// missing one does. Service accounts, STS sessions, LDAP sessions and
// anonymous callers get 403 AccessDenied for every route: a restricted
// service account can never create credentials for its parent. Root lists
// every user's service accounts (or one user's with ?parent=) and must name
// the parent when it creates one.
//
// Status codes of directory errors: InvalidName, InvalidSecret,
// InvalidArgument, InvalidPolicy, InvalidParent and BuiltinPolicy → 400;
// UserNotFound, ServiceAccountNotFound, PolicyNotFound and PolicyNotAttached
// → 404; UserExists, AccessKeyExists, PolicyAttached, ServiceAccountLimit
// and Conflict → 409; StoreError and Closed → 503; anything else → 500.
func (a *Auth) AdminHandler() http.Handler {
	return http.HandlerFunc(a.serveAdmin)
}

// adminCall is one admin request being served.
type adminCall struct {
	a    *Auth
	w    http.ResponseWriter
	r    *http.Request
	p    *Principal
	body []byte
	id   string
	ctx  context.Context
}

// adminFail is an error answer prepared by the handler itself.
type adminFail struct {
	status int
	code   string
	msg    string
}

func (e *adminFail) Error() string { return "s3auth: admin: " + e.msg }

func failf(status int, code, format string, args ...any) *adminFail {
	return &adminFail{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

var errAdminRootOnly = failf(http.StatusForbidden, "AccessDenied",
	"managing users and policies needs the root credentials; sign the request with the root access key")

func (a *Auth) serveAdmin(w http.ResponseWriter, r *http.Request) {
	c := &adminCall{a: a, w: w, r: r, id: NewRequestID()}
	w.Header().Set("x-amz-request-id", c.id)
	c.ctx = ContextWithRequestID(r.Context(), c.id)
	c.r = r.WithContext(c.ctx)
	if err := c.serve(); err != nil {
		c.fail(err)
	}
}

func (c *adminCall) serve() error {
	p, err := c.a.Authenticate(c.r)
	if err != nil {
		return err
	}
	c.p = p
	if p.Kind == PrincipalAnonymous {
		return failf(http.StatusForbidden, "AccessDenied", "the admin API needs a SigV4-signed request (service s3); set your access key and secret key")
	}
	if p.Auth == nil || p.Auth.Type != sigv4.AuthHeader {
		return failf(http.StatusForbidden, "AccessDenied", "the admin API accepts only requests signed in the Authorization header, not presigned URLs or POST forms")
	}
	switch p.Auth.Payload {
	case sigv4.PayloadUnsigned, sigv4.PayloadStreamingUnsignedTrailer:
		return failf(http.StatusBadRequest, "InvalidRequest", "the admin API needs a signed payload; set x-amz-content-sha256 to the hex SHA-256 of the body and sign it")
	}
	path, ok := strings.CutPrefix(c.r.URL.Path, strings.TrimSuffix(AdminPrefix, "/"))
	if !ok {
		return failf(http.StatusNotFound, "NoSuchRoute", "the admin API lives under %s", AdminPrefix)
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if err := c.readBody(); err != nil {
		return err
	}
	return c.route(seg)
}

// readBody reads the whole verified body (at most AdminMaxBodySize).
func (c *adminCall) readBody() error {
	if c.r.ContentLength > AdminMaxBodySize {
		return failf(http.StatusRequestEntityTooLarge, "EntityTooLarge", "the request body is %d bytes; the admin API accepts at most %d", c.r.ContentLength, AdminMaxBodySize)
	}
	if c.p.Auth.Body == nil || c.r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, AdminMaxBodySize+1))
	if err != nil {
		return err
	}
	if len(b) > AdminMaxBodySize {
		return failf(http.StatusRequestEntityTooLarge, "EntityTooLarge", "the request body is larger than %d bytes, the most the admin API accepts", AdminMaxBodySize)
	}
	c.body = b
	return nil
}

type adminRoute struct {
	method string
	// pattern segments; "*" matches one name.
	pattern []string
	handle  func(c *adminCall, names []string) error
}

var adminRoutes = []adminRoute{
	{"GET", []string{"users"}, (*adminCall).listUsers},
	{"POST", []string{"users"}, (*adminCall).addUser},
	{"GET", []string{"users", "*"}, (*adminCall).userInfo},
	{"DELETE", []string{"users", "*"}, (*adminCall).removeUser},
	{"POST", []string{"users", "*", "enable"}, (*adminCall).enableUser},
	{"POST", []string{"users", "*", "disable"}, (*adminCall).disableUser},
	{"POST", []string{"users", "*", "revoke-sessions"}, (*adminCall).revokeSessions},
	{"GET", []string{"policies"}, (*adminCall).listPolicies},
	{"GET", []string{"policies", "*"}, (*adminCall).showPolicy},
	{"PUT", []string{"policies", "*"}, (*adminCall).putPolicy},
	{"DELETE", []string{"policies", "*"}, (*adminCall).deletePolicy},
	{"POST", []string{"policies", "*", "attach"}, (*adminCall).attachPolicy},
	{"POST", []string{"policies", "*", "detach"}, (*adminCall).detachPolicy},
	{"GET", []string{"service-accounts"}, (*adminCall).listServiceAccounts},
	{"POST", []string{"service-accounts"}, (*adminCall).addServiceAccount},
	{"GET", []string{"service-accounts", "*"}, (*adminCall).serviceAccountInfo},
	{"PATCH", []string{"service-accounts", "*"}, (*adminCall).updateServiceAccount},
	{"DELETE", []string{"service-accounts", "*"}, (*adminCall).removeServiceAccount},
}

func (rt *adminRoute) match(seg []string) ([]string, bool) {
	if len(seg) != len(rt.pattern) {
		return nil, false
	}
	var names []string
	for i, p := range rt.pattern {
		switch {
		case p == "*":
			if seg[i] == "" {
				return nil, false
			}
			names = append(names, seg[i])
		case p != seg[i]:
			return nil, false
		}
	}
	return names, true
}

func (c *adminCall) route(seg []string) error {
	var allowed []string
	for i := range adminRoutes {
		rt := &adminRoutes[i]
		names, ok := rt.match(seg)
		if !ok {
			continue
		}
		if rt.method != c.r.Method {
			allowed = append(allowed, rt.method)
			continue
		}
		return rt.handle(c, names)
	}
	if len(allowed) > 0 {
		c.w.Header().Set("Allow", strings.Join(allowed, ", "))
		return failf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not allowed on %s; use %s", c.r.Method, c.r.URL.Path, strings.Join(allowed, " or "))
	}
	return failf(http.StatusNotFound, "NoSuchRoute", "no admin API route %s %s; see the routes documented on Auth.AdminHandler", c.r.Method, c.r.URL.Path)
}

// --- answers ---

func (c *adminCall) reply(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(append(b, '\n'))
	return nil
}

func (c *adminCall) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (c *adminCall) fail(err error) {
	out := AdminError{RequestID: c.id}
	status := http.StatusInternalServerError
	var (
		af *adminFail
		de *Error
		se *sigv4.Error
	)
	switch {
	case errors.As(err, &af):
		status, out.Code, out.Message = af.status, af.code, af.msg
	case errors.As(err, &de):
		status, out.Code = adminStatusOf(de.Code), string(de.Code)
		out.Message = strings.TrimPrefix(de.Error(), "s3auth: ")
	case errors.As(err, &se):
		status, out.Code, out.Message = se.StatusCode, se.Code, se.Message
		if status == 0 {
			status = sigv4.StatusCode(se.Code)
		}
	default:
		out.Code = "InternalError"
		out.Message = "internal error; the server log has the details under request id " + c.id
		c.a.log.Error("s3auth: admin request failed", "requestId", c.id, "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	}
	c.a.log.Debug("s3auth: admin request refused", "requestId", c.id, "method", c.r.Method, "path", c.r.URL.Path, "code", out.Code)
	b, _ := json.Marshal(out)
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("X-Content-Type-Options", "nosniff")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(append(b, '\n'))
}

// adminStatusOf maps a directory error code to an HTTP status.
func adminStatusOf(code ErrorCode) int {
	switch code {
	case CodeInvalidName, CodeInvalidSecret, CodeInvalidArgument, CodeInvalidPolicy, CodeInvalidParent, CodeBuiltinPolicy:
		return http.StatusBadRequest
	case CodeUserNotFound, CodeServiceAccountNotFound, CodePolicyNotFound, CodePolicyNotAttached:
		return http.StatusNotFound
	case CodeUserExists, CodeAccessKeyExists, CodePolicyAttached, CodeServiceAccountLimit, CodeConflict:
		return http.StatusConflict
	case CodeStore, CodeClosed:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// --- request bodies ---

func (c *adminCall) noBody() error {
	if len(c.body) > 0 {
		return failf(http.StatusBadRequest, "MalformedJSON", "%s %s takes no request body; send an empty body", c.r.Method, c.r.URL.Path)
	}
	return nil
}

// decode decodes the body strictly into v: one JSON object whose field
// names are exactly (case included) among allowed, each at most once, and
// nothing after it. It returns the fields present.
func (c *adminCall) decode(v any, allowed ...string) (map[string]bool, error) {
	bad := func(format string, args ...any) error {
		return failf(http.StatusBadRequest, "MalformedJSON", "request body: "+format, args...)
	}
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, bad("empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad("invalid JSON: %v", err)
		}
		k, _ := t.(string)
		if !containsString(allowed, k) {
			return nil, bad("unknown field %q; the fields are %s", k, strings.Join(allowed, ", "))
		}
		if seen[k] {
			return nil, bad("field %q appears twice", k)
		}
		seen[k] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad("invalid JSON in field %q: %v", k, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("unexpected data after the JSON object")
	}
	strict := json.NewDecoder(bytes.NewReader(c.body))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, bad("field %q must be a JSON %s", te.Field, te.Type.Kind())
		}
		return nil, bad("%v", err)
	}
	return seen, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// policyField returns a policy document from a JSON field: nil for absent
// or null; an error unless it is a JSON object.
func policyField(raw json.RawMessage, field string) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, failf(http.StatusBadRequest, "MalformedJSON", "request body: field %q must be a policy document (a JSON object) or null", field)
	}
	return bytes.Clone(raw), nil
}

// --- authorization ---

func (c *adminCall) requireRoot() error {
	if c.p.Kind != PrincipalRoot {
		return errAdminRootOnly
	}
	return nil
}

// svcOwner is who may manage service accounts: root (parent "") or a local
// user signing with its own keys.
func (c *adminCall) svcManager() error {
	switch c.p.Kind {
	case PrincipalRoot, PrincipalUser:
		return nil
	}
	return failf(http.StatusForbidden, "AccessDenied",
		"service accounts are managed only by their parent user with its own keys (or by root); a %s cannot manage them", c.p.Kind)
}

// ownServiceAccount returns a service account the caller may manage; for a
// user, another user's service account is reported exactly as a missing one.
func (c *adminCall) ownServiceAccount(key string) (ServiceAccount, error) {
	if err := c.svcManager(); err != nil {
		return ServiceAccount{}, err
	}
	sa, err := c.a.dir.GetServiceAccount(key)
	if c.p.Kind == PrincipalRoot {
		return sa, err
	}
	if err != nil && !errors.Is(err, ErrServiceAccountNotFound) && !errors.Is(err, ErrInvalidName) {
		return sa, err
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(sa.Parent), []byte(c.p.User)) != 1 {
		return ServiceAccount{}, errorf(CodeServiceAccountNotFound, "user %q has no service account %q; list yours with s3admin svcacct list", c.p.User, key)
	}
	return sa, nil
}

func (c *adminCall) isRootKey(key string) bool {
	rk := c.a.opts.RootAccessKey
	return rk != "" && subtle.ConstantTimeCompare([]byte(key), []byte(rk)) == 1
}

// --- users ---

func (c *adminCall) listUsers(_ []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	users := c.a.dir.ListUsers()
	out := make([]AdminUser, 0, len(users))
	for _, u := range users {
		out = append(out, adminUser(u))
	}
	return c.reply(http.StatusOK, out)
}

func (c *adminCall) addUser(_ []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	var in AdminAddUser
	if _, err := c.decode(&in, "accessKey", "secretKey", "posixUid", "posixGid"); err != nil {
		return err
	}
	if in.AccessKey == "" {
		return errorf(CodeInvalidName, "the new user needs an access key (field accessKey)")
	}
	if c.isRootKey(in.AccessKey) {
		return errorf(CodeUserExists, "access key %q is the root access key; choose another", in.AccessKey)
	}
	var opts []UserOption
	switch {
	case in.PosixUID != nil && in.PosixGID != nil:
		opts = append(opts, UserPosix(posix.Owner{UID: posix.UID(*in.PosixUID), GID: posix.GID(*in.PosixGID), Set: true}))
	case in.PosixUID != nil || in.PosixGID != nil:
		return errorf(CodeInvalidArgument, "POSIX ids need both posixUid and posixGid, or neither")
	}
	if in.SecretKey == "" {
		sk, err := GenerateSecretKey()
		if err != nil {
			return err
		}
		in.SecretKey = sk
	}
	if _, err := c.a.dir.AddUser(c.ctx, in.AccessKey, in.SecretKey, opts...); err != nil {
		return err
	}
	return c.reply(http.StatusCreated, Keys{AccessKey: in.AccessKey, SecretKey: in.SecretKey})
}

func (c *adminCall) userInfo(n []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	u, err := c.a.dir.GetUser(n[0])
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, adminUser(u))
}

// userChange runs a root-only, bodiless change of one user.
func (c *adminCall) userChange(f func(ctx context.Context, user string) error, user string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	if err := f(c.ctx, user); err != nil {
		return err
	}
	return c.noContent()
}

func (c *adminCall) removeUser(n []string) error  { return c.userChange(c.a.dir.RemoveUser, n[0]) }
func (c *adminCall) enableUser(n []string) error  { return c.userChange(c.a.dir.EnableUser, n[0]) }
func (c *adminCall) disableUser(n []string) error { return c.userChange(c.a.dir.DisableUser, n[0]) }

func (c *adminCall) revokeSessions(n []string) error {
	return c.userChange(func(ctx context.Context, user string) error {
		if _, err := c.a.dir.GetUser(user); err != nil {
			return err
		}
		return c.a.RevokeSessions(ctx, user)
	}, n[0])
}

// --- policies ---

func (c *adminCall) listPolicies(_ []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	ps := c.a.dir.ListPolicies()
	out := make([]AdminPolicy, 0, len(ps))
	for _, p := range ps {
		out = append(out, adminPolicy(p))
	}
	return c.reply(http.StatusOK, out)
}

func (c *adminCall) showPolicy(n []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	p, err := c.a.dir.GetPolicy(n[0])
	if err != nil {
		return err
	}
	out := adminPolicy(p)
	out.Document = p.Document
	if p.Builtin {
		if _, doc, ok := iam.Canned(p.Name); ok {
			out.Document = doc
		}
	}
	if !json.Valid(out.Document) {
		out.Document = json.RawMessage("null")
	}
	return c.reply(http.StatusOK, out)
}

func (c *adminCall) putPolicy(n []string) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	if len(bytes.TrimSpace(c.body)) == 0 {
		return failf(http.StatusBadRequest, "MalformedJSON", "request body: empty; send the policy document")
	}
	if err := c.a.dir.PutPolicy(c.ctx, n[0], c.body); err != nil {
		return err
	}
	return c.noContent()
}

func (c *adminCall) deletePolicy(n []string) error {
	return c.userChange(c.a.dir.DeletePolicy, n[0])
}

func (c *adminCall) attachPolicy(n []string) error {
	return c.attachment(n[0], c.a.dir.AttachPolicy)
}

func (c *adminCall) detachPolicy(n []string) error {
	return c.attachment(n[0], c.a.dir.DetachPolicy)
}

func (c *adminCall) attachment(name string, f func(context.Context, string, Target) error) error {
	if err := c.requireRoot(); err != nil {
		return err
	}
	var in AdminAttach
	if _, err := c.decode(&in, "user", "ldapDn"); err != nil {
		return err
	}
	if (in.User == "") == (in.LDAPDN == "") {
		return errorf(CodeInvalidArgument, "give exactly one of user and ldapDn")
	}
	if err := f(c.ctx, name, Target(in)); err != nil {
		return err
	}
	return c.noContent()
}

// --- service accounts ---

func (c *adminCall) listServiceAccounts(_ []string) error {
	if err := c.svcManager(); err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	parent := q.Get("parent")
	for k := range q {
		if k != "parent" {
			return failf(http.StatusBadRequest, "InvalidArgument", "unknown query parameter %q; the only one is parent", k)
		}
	}
	var parents []string
	switch {
	case c.p.Kind == PrincipalUser && parent != "" && parent != c.p.User:
		return failf(http.StatusForbidden, "AccessDenied", "user %q may list only its own service accounts", c.p.User)
	case c.p.Kind == PrincipalUser:
		parents = []string{c.p.User}
	case parent != "":
		parents = []string{parent}
	default:
		for _, u := range c.a.dir.ListUsers() {
			parents = append(parents, u.AccessKey)
		}
	}
	out := []AdminServiceAccount{}
	for _, parent := range parents {
		sas, err := c.a.dir.ListServiceAccounts(parent)
		if err != nil {
			if len(parents) > 1 && errors.Is(err, ErrUserNotFound) {
				continue // removed meanwhile
			}
			return err
		}
		for _, sa := range sas {
			out = append(out, adminServiceAccount(sa, false))
		}
	}
	return c.reply(http.StatusOK, out)
}

func (c *adminCall) addServiceAccount(_ []string) error {
	if err := c.svcManager(); err != nil {
		return err
	}
	var in AdminAddServiceAccount
	if _, err := c.decode(&in, "parent", "name", "description", "policy", "accessKey", "secretKey"); err != nil {
		return err
	}
	parent := in.Parent
	switch c.p.Kind {
	case PrincipalUser:
		if parent != "" && parent != c.p.User {
			return failf(http.StatusForbidden, "AccessDenied", "user %q may create service accounts only for itself; leave parent empty", c.p.User)
		}
		parent = c.p.User
	default: // root
		if parent == "" {
			return errorf(CodeInvalidParent, "root owns no service accounts; name the parent user (field parent, s3admin svcacct add --parent USER)")
		}
	}
	pol, err := policyField(in.Policy, "policy")
	if err != nil {
		return err
	}
	if in.AccessKey != "" && c.isRootKey(in.AccessKey) {
		return errorf(CodeAccessKeyExists, "access key %q is the root access key; choose another", in.AccessKey)
	}
	keys, err := c.a.dir.AddServiceAccount(c.ctx, parent, ServiceAccountOptions{
		Name: in.Name, Description: in.Description, Policy: pol, AccessKey: in.AccessKey, SecretKey: in.SecretKey,
	})
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, keys)
}

func (c *adminCall) serviceAccountInfo(n []string) error {
	sa, err := c.ownServiceAccount(n[0])
	if err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	return c.reply(http.StatusOK, adminServiceAccount(sa, true))
}

func (c *adminCall) updateServiceAccount(n []string) error {
	sa, err := c.ownServiceAccount(n[0])
	if err != nil {
		return err
	}
	var in AdminUpdateServiceAccount
	seen, err := c.decode(&in, "policy", "status")
	if err != nil {
		return err
	}
	if len(seen) == 0 {
		return failf(http.StatusBadRequest, "MalformedJSON", "request body: nothing to change; give policy and/or status")
	}
	var pol []byte
	if seen["policy"] {
		if pol, err = policyField(in.Policy, "policy"); err != nil {
			return err
		}
		// Validate before changing anything, so that a bad policy leaves
		// the status untouched too.
		if pol != nil {
			if err := validatePolicy("", pol); err != nil {
				return &Error{Code: CodeInvalidPolicy, Msg: "the service account policy is invalid; fix it and retry", Err: err}
			}
		}
	}
	var status func(context.Context, string) error
	if seen["status"] {
		switch in.Status {
		case AdminStatusEnabled:
			status = c.a.dir.EnableServiceAccount
		case AdminStatusDisabled:
			status = c.a.dir.DisableServiceAccount
		default:
			return errorf(CodeInvalidArgument, "status must be %q or %q, not %q", AdminStatusEnabled, AdminStatusDisabled, in.Status)
		}
	}
	if seen["policy"] {
		if err := c.a.dir.SetServiceAccountPolicy(c.ctx, sa.AccessKey, pol); err != nil {
			return err
		}
	}
	if status != nil {
		if err := status(c.ctx, sa.AccessKey); err != nil {
			return err
		}
	}
	return c.noContent()
}

func (c *adminCall) removeServiceAccount(n []string) error {
	sa, err := c.ownServiceAccount(n[0])
	if err != nil {
		return err
	}
	if err := c.noBody(); err != nil {
		return err
	}
	if err := c.a.dir.RemoveServiceAccount(c.ctx, sa.AccessKey); err != nil {
		return err
	}
	return c.noContent()
}
