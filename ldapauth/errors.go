package ldapauth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Errors returned by [Authenticator.Login] and [Authenticator.Revalidate].
// Match them with errors.Is.
var (
	// ErrInvalidCredentials is the one client-visible failure for an
	// unknown user, a wrong or empty password, a malformed username and an
	// ambiguous match. Why it failed goes to the log only.
	ErrInvalidCredentials = errors.New("ldapauth: invalid username or password")

	// ErrTooManyFailures matches a [*TooManyFailuresError].
	ErrTooManyFailures = errors.New("ldapauth: too many failed logins")

	// ErrUnavailable means the directory could not be asked: every URL
	// failed, a request timed out, the lookup bind was refused, or the
	// context ended. It is not the client's fault; callers fail closed.
	ErrUnavailable = errors.New("ldapauth: directory unavailable")

	// ErrUserGone is returned by [Authenticator.Revalidate] when the DN no
	// longer exists or no longer matches the user filter: end the session.
	ErrUserGone = errors.New("ldapauth: the user is no longer in the directory or no longer matches the user filter")

	// ErrClosed is returned after [Authenticator.Close].
	ErrClosed = errors.New("ldapauth: authenticator is closed")
)

// TooManyFailuresError is returned when the username or the source address
// has failed too often; errors.Is(err, ErrTooManyFailures) holds.
type TooManyFailuresError struct {
	// RetryAfter is how long until a login may be tried again.
	RetryAfter time.Duration
}

// Error says "ldapauth: too many failed logins, retry after N s".
func (e *TooManyFailuresError) Error() string {
	return fmt.Sprintf("ldapauth: too many failed logins, retry after %d s", e.RetryAfterSeconds())
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1),
// fit for an HTTP Retry-After header.
func (e *TooManyFailuresError) RetryAfterSeconds() int64 {
	s := int64(math.Ceil(e.RetryAfter.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// Is reports whether target is [ErrTooManyFailures].
func (e *TooManyFailuresError) Is(target error) bool { return target == ErrTooManyFailures }

// unavailable wraps ErrUnavailable with the cause for the operator (never a
// password). The cause is matched by errors.Is too (e.g. context errors).
func unavailable(what string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrUnavailable, what)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, cause)
}
