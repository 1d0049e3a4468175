package s3auth

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an [*Error]. Hosts branch on it (or on the sentinel
// errors below with errors.Is) to choose an HTTP status or exit code.
type ErrorCode string

// Error codes of the identity directory.
const (
	CodeInvalidName            ErrorCode = "InvalidName"
	CodeInvalidSecret          ErrorCode = "InvalidSecret"
	CodeInvalidArgument        ErrorCode = "InvalidArgument"
	CodeInvalidPolicy          ErrorCode = "InvalidPolicy"
	CodeUserNotFound           ErrorCode = "UserNotFound"
	CodeUserExists             ErrorCode = "UserExists"
	CodeAccessKeyExists        ErrorCode = "AccessKeyExists"
	CodeServiceAccountNotFound ErrorCode = "ServiceAccountNotFound"
	CodeServiceAccountLimit    ErrorCode = "ServiceAccountLimit"
	CodeInvalidParent          ErrorCode = "InvalidParent"
	CodePolicyNotFound         ErrorCode = "PolicyNotFound"
	CodePolicyAttached         ErrorCode = "PolicyAttached"
	CodePolicyNotAttached      ErrorCode = "PolicyNotAttached"
	CodeBuiltinPolicy          ErrorCode = "BuiltinPolicy"
	CodeConflict               ErrorCode = "Conflict"
	CodeStore                  ErrorCode = "StoreError"
	CodeSeal                   ErrorCode = "SealError"
	CodeClosed                 ErrorCode = "Closed"
)

// Error is the error type of the identity directory. Code says what kind
// of failure it is, Msg what exactly was wrong and how to fix it, and Err
// the underlying cause, if any (for example a store error).
//
// errors.Is(err, ErrUserNotFound) matches any *Error with the same Code,
// so callers may use either the sentinels or errors.As and Code.
type Error struct {
	Code ErrorCode
	Msg  string
	Err  error
}

// Error returns "s3auth: " followed by the message and the cause.
func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = string(e.Code)
	}
	if e.Err != nil {
		return "s3auth: " + msg + ": " + e.Err.Error()
	}
	return "s3auth: " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t != nil && t.Code == e.Code && t.Msg == "" && t.Err == nil
}

// Sentinel errors, one per [ErrorCode]; match them with errors.Is.
var (
	// ErrInvalidName: an access key, policy name, service account name or
	// LDAP DN is malformed. Nothing was changed.
	ErrInvalidName = &Error{Code: CodeInvalidName}
	// ErrInvalidSecret: a secret key does not meet the rules of
	// [ValidateSecretKey]. Nothing was changed.
	ErrInvalidSecret = &Error{Code: CodeInvalidSecret}
	// ErrInvalidArgument: some other argument is malformed (for example a
	// POSIX id or an empty target). Nothing was changed.
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument}
	// ErrInvalidPolicy: a policy document was rejected by the policy
	// validator. Nothing was changed.
	ErrInvalidPolicy = &Error{Code: CodeInvalidPolicy}
	// ErrUserNotFound: no local user has that access key.
	ErrUserNotFound = &Error{Code: CodeUserNotFound}
	// ErrUserExists: a local user with that access key already exists.
	ErrUserExists = &Error{Code: CodeUserExists}
	// ErrAccessKeyExists: the access key is taken by a service account
	// (or, for a new service account, by a user or another service
	// account). Access keys are unique across both.
	ErrAccessKeyExists = &Error{Code: CodeAccessKeyExists}
	// ErrServiceAccountNotFound: no service account has that access key.
	ErrServiceAccountNotFound = &Error{Code: CodeServiceAccountNotFound}
	// ErrServiceAccountLimit: the parent already has
	// [MaxServiceAccountsPerUser] service accounts.
	ErrServiceAccountLimit = &Error{Code: CodeServiceAccountLimit}
	// ErrInvalidParent: a service account's parent must be a local user;
	// service accounts cannot own service accounts.
	ErrInvalidParent = &Error{Code: CodeInvalidParent}
	// ErrPolicyNotFound: no policy document has that name.
	ErrPolicyNotFound = &Error{Code: CodePolicyNotFound}
	// ErrPolicyAttached: the policy is still attached and cannot be
	// deleted (like IAM's DeleteConflict); detach it first.
	ErrPolicyAttached = &Error{Code: CodePolicyAttached}
	// ErrPolicyNotAttached: DetachPolicy found no such attachment.
	ErrPolicyNotAttached = &Error{Code: CodePolicyNotAttached}
	// ErrBuiltinPolicy: readonly, readwrite and writeonly are built in
	// and cannot be written or deleted.
	ErrBuiltinPolicy = &Error{Code: CodeBuiltinPolicy}
	// ErrConflict: the change lost to concurrent changes of the same
	// records too many times in a row. Nothing was changed; retry.
	ErrConflict = &Error{Code: CodeConflict}
	// ErrStore: the store failed (for example it is unreachable). The
	// cause is wrapped. The cache was not changed; whether the store was
	// depends on the backend (a timeout may hide a success, which the
	// watch then reports).
	ErrStore = &Error{Code: CodeStore}
	// ErrSeal: a sealed secret could not be opened (unknown key id,
	// wrong key, tampering, or a record moved to another key), or
	// sealing keys are misconfigured.
	ErrSeal = &Error{Code: CodeSeal}
	// ErrClosed: the Directory was closed.
	ErrClosed = &Error{Code: CodeClosed}
)

func errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func wrapStore(err error, what string) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: CodeStore, Msg: what + " failed in the store (nothing was changed here; check the store and retry)", Err: err}
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
