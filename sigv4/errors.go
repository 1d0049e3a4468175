package sigv4

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// S3 error codes produced by this package. The HTTP status of each is in
// [StatusCode].
const (
	ErrCodeAccessDenied                      = "AccessDenied"
	ErrCodeSignatureDoesNotMatch             = "SignatureDoesNotMatch"
	ErrCodeInvalidAccessKeyID                = "InvalidAccessKeyId"
	ErrCodeRequestTimeTooSkewed              = "RequestTimeTooSkewed"
	ErrCodeAuthorizationHeaderMalformed      = "AuthorizationHeaderMalformed"
	ErrCodeAuthorizationQueryParametersError = "AuthorizationQueryParametersError"
	ErrCodeXAmzContentSHA256Mismatch         = "XAmzContentSHA256Mismatch"
	ErrCodeMissingSecurityHeader             = "MissingSecurityHeader"
	ErrCodeInvalidRequest                    = "InvalidRequest"
	ErrCodeInvalidArgument                   = "InvalidArgument"
	ErrCodeExpiredToken                      = "ExpiredToken"
	ErrCodeInvalidToken                      = "InvalidToken"
	ErrCodeMalformedPOSTRequest              = "MalformedPOSTRequest"
	ErrCodeInvalidPolicyDocument             = "InvalidPolicyDocument"
	ErrCodeIncompleteBody                    = "IncompleteBody"
	ErrCodeInvalidDigest                     = "InvalidDigest"
	ErrCodeBadDigest                         = "BadDigest"
	ErrCodeEntityTooLarge                    = "EntityTooLarge"
	ErrCodeEntityTooSmall                    = "EntityTooSmall"
	ErrCodeMissingContentLength              = "MissingContentLength"
	ErrCodeNotImplemented                    = "NotImplemented"
	ErrCodeServiceUnavailable                = "ServiceUnavailable"
	ErrCodeInternalError                     = "InternalError"
	ErrCodeInvalidSecurity                   = "InvalidSecurity"
	ErrCodeMaxMessageLengthExceeded          = "MaxMessageLengthExceeded"
	ErrCodeCredentialsNotSupported           = "CredentialsNotSupported"
	ErrCodeMethodNotAllowed                  = "MethodNotAllowed"
	ErrCodeInvalidURI                        = "InvalidURI"
)

// statusByCode maps every code above to its HTTP status (aws-spec §4).
var statusByCode = map[string]int{
	ErrCodeAccessDenied:                      http.StatusForbidden,
	ErrCodeSignatureDoesNotMatch:             http.StatusForbidden,
	ErrCodeInvalidAccessKeyID:                http.StatusForbidden,
	ErrCodeRequestTimeTooSkewed:              http.StatusForbidden,
	ErrCodeAuthorizationHeaderMalformed:      http.StatusBadRequest,
	ErrCodeAuthorizationQueryParametersError: http.StatusBadRequest,
	ErrCodeXAmzContentSHA256Mismatch:         http.StatusBadRequest,
	ErrCodeMissingSecurityHeader:             http.StatusBadRequest,
	ErrCodeInvalidRequest:                    http.StatusBadRequest,
	ErrCodeInvalidArgument:                   http.StatusBadRequest,
	ErrCodeExpiredToken:                      http.StatusBadRequest,
	ErrCodeInvalidToken:                      http.StatusBadRequest,
	ErrCodeMalformedPOSTRequest:              http.StatusBadRequest,
	ErrCodeInvalidPolicyDocument:             http.StatusBadRequest,
	ErrCodeIncompleteBody:                    http.StatusBadRequest,
	ErrCodeInvalidDigest:                     http.StatusBadRequest,
	ErrCodeBadDigest:                         http.StatusBadRequest,
	ErrCodeEntityTooLarge:                    http.StatusBadRequest,
	ErrCodeEntityTooSmall:                    http.StatusBadRequest,
	ErrCodeMissingContentLength:              http.StatusLengthRequired,
	ErrCodeNotImplemented:                    http.StatusNotImplemented,
	ErrCodeServiceUnavailable:                http.StatusServiceUnavailable,
	ErrCodeInternalError:                     http.StatusInternalServerError,
	ErrCodeInvalidSecurity:                   http.StatusForbidden,
	ErrCodeMaxMessageLengthExceeded:          http.StatusBadRequest,
	ErrCodeCredentialsNotSupported:           http.StatusBadRequest,
	ErrCodeMethodNotAllowed:                  http.StatusMethodNotAllowed,
	ErrCodeInvalidURI:                        http.StatusBadRequest,
}

// StatusCode returns the HTTP status S3 uses for an error code, or 500 for
// a code this package does not know.
func StatusCode(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is an S3 authentication error. Every error returned by [Verifier]
// and by the verifying [Body] is an *Error; match it with [errors.As].
//
// An Error never contains a secret key, a signing key or a session token.
// CanonicalRequest and StringToSign are the server's own values for a
// [ErrCodeSignatureDoesNotMatch] and are safe to show the client, as S3
// does, to help it find what it signed differently.
type Error struct {
	// Code is the S3 error code, such as "SignatureDoesNotMatch".
	Code string
	// Message is the human-readable S3 message (without the "sigv4: " prefix).
	Message string
	// StatusCode is the HTTP status for Code.
	StatusCode int
	// CanonicalRequest is the canonical request the server computed
	// (SignatureDoesNotMatch only).
	CanonicalRequest string
	// StringToSign is the string to sign the server computed
	// (SignatureDoesNotMatch only).
	StringToSign string
	// Resource optionally names the resource the error is about.
	Resource string
	// Err is the wrapped cause, if any; it never holds a secret.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := "sigv4: " + e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error with the status for code.
func newError(code string, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, StatusCode: StatusCode(code)}
}

// xmlError is the S3 error document.
type xmlError struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	Resource         string   `xml:"Resource,omitempty"`
	RequestID        string   `xml:"RequestId,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
}

// WriteError writes err as an S3 XML error document with the right HTTP
// status. An err that is not (and does not wrap) an [*Error] is written as
// InternalError 500 without its text, so internal details never leak.
// resource and requestID fill the Resource and RequestId elements when not
// empty; requestID is also sent as the x-amz-request-id header.
func WriteError(w http.ResponseWriter, err error, resource, requestID string) {
	var e *Error
	if !errors.As(err, &e) || e == nil {
		e = newError(ErrCodeInternalError, "We encountered an internal error. Please try again.")
	}
	status := e.StatusCode
	if status == 0 {
		status = StatusCode(e.Code)
	}
	if resource == "" {
		resource = e.Resource
	}
	doc := xmlError{
		Code:             e.Code,
		Message:          e.Message,
		Resource:         resource,
		RequestID:        requestID,
		StringToSign:     e.StringToSign,
		CanonicalRequest: e.CanonicalRequest,
	}
	body, merr := xml.Marshal(doc)
	if merr != nil {
		// Unreachable for string fields; fail closed with a fixed body.
		body = []byte("<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	if requestID != "" {
		h.Set("X-Amz-Request-Id", requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
