package s3api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// S3 error codes used by the servers. The HTTP status of each is in
// [StatusOf].
const (
	CodeAccessDenied              = "AccessDenied"
	CodeBadDigest                 = "BadDigest"
	CodeBucketAlreadyExists       = "BucketAlreadyExists"
	CodeBucketAlreadyOwnedByYou   = "BucketAlreadyOwnedByYou"
	CodeBucketNotEmpty            = "BucketNotEmpty"
	CodeEntityTooLarge            = "EntityTooLarge"
	CodeEntityTooSmall            = "EntityTooSmall"
	CodeIncompleteBody            = "IncompleteBody"
	CodeInternalError             = "InternalError"
	CodeInvalidArgument           = "InvalidArgument"
	CodeInvalidBucketName         = "InvalidBucketName"
	CodeInvalidDigest             = "InvalidDigest"
	CodeInvalidObjectName         = "InvalidObjectName"
	CodeInvalidPart               = "InvalidPart"
	CodeInvalidPartOrder          = "InvalidPartOrder"
	CodeInvalidRange              = "InvalidRange"
	CodeInvalidRequest            = "InvalidRequest"
	CodeKeyTooLong                = "KeyTooLongError"
	CodeMalformedPolicy           = "MalformedPolicy"
	CodeMalformedXML              = "MalformedXML"
	CodeMaxMessageLengthExceeded  = "MaxMessageLengthExceeded"
	CodeMetadataTooLarge          = "MetadataTooLarge"
	CodeMethodNotAllowed          = "MethodNotAllowed"
	CodeMissingContentLength      = "MissingContentLength"
	CodeNoSuchBucket              = "NoSuchBucket"
	CodeNoSuchBucketPolicy        = "NoSuchBucketPolicy"
	CodeNoSuchKey                 = "NoSuchKey"
	CodeNoSuchUpload              = "NoSuchUpload"
	CodeNotImplemented            = "NotImplemented"
	CodeNotModified               = "NotModified"
	CodeObjectPathConflict        = "ObjectPathConflict"
	CodePreconditionFailed        = "PreconditionFailed"
	CodeServiceUnavailable        = "ServiceUnavailable"
	CodeSlowDown                  = "SlowDown"
	CodeInvalidStorageClass       = "InvalidStorageClass"
	CodeRequestHeaderSectionLarge = "RequestHeaderSectionTooLarge"
)

var statusOf = map[string]int{
	CodeAccessDenied:              http.StatusForbidden,
	CodeBadDigest:                 http.StatusBadRequest,
	CodeBucketAlreadyExists:       http.StatusConflict,
	CodeBucketAlreadyOwnedByYou:   http.StatusConflict,
	CodeBucketNotEmpty:            http.StatusConflict,
	CodeEntityTooLarge:            http.StatusBadRequest,
	CodeEntityTooSmall:            http.StatusBadRequest,
	CodeIncompleteBody:            http.StatusBadRequest,
	CodeInternalError:             http.StatusInternalServerError,
	CodeInvalidArgument:           http.StatusBadRequest,
	CodeInvalidBucketName:         http.StatusBadRequest,
	CodeInvalidDigest:             http.StatusBadRequest,
	CodeInvalidObjectName:         http.StatusBadRequest,
	CodeInvalidPart:               http.StatusBadRequest,
	CodeInvalidPartOrder:          http.StatusBadRequest,
	CodeInvalidRange:              http.StatusRequestedRangeNotSatisfiable,
	CodeInvalidRequest:            http.StatusBadRequest,
	CodeKeyTooLong:                http.StatusBadRequest,
	CodeMalformedPolicy:           http.StatusBadRequest,
	CodeMalformedXML:              http.StatusBadRequest,
	CodeMaxMessageLengthExceeded:  http.StatusBadRequest,
	CodeMetadataTooLarge:          http.StatusBadRequest,
	CodeMethodNotAllowed:          http.StatusMethodNotAllowed,
	CodeMissingContentLength:      http.StatusLengthRequired,
	CodeNoSuchBucket:              http.StatusNotFound,
	CodeNoSuchBucketPolicy:        http.StatusNotFound,
	CodeNoSuchKey:                 http.StatusNotFound,
	CodeNoSuchUpload:              http.StatusNotFound,
	CodeNotImplemented:            http.StatusNotImplemented,
	CodeNotModified:               http.StatusNotModified,
	CodeObjectPathConflict:        http.StatusConflict,
	CodePreconditionFailed:        http.StatusPreconditionFailed,
	CodeServiceUnavailable:        http.StatusServiceUnavailable,
	CodeSlowDown:                  http.StatusServiceUnavailable,
	CodeInvalidStorageClass:       http.StatusBadRequest,
	CodeRequestHeaderSectionLarge: http.StatusBadRequest,
}

// StatusOf returns the HTTP status S3 uses for code; unknown codes are 400
// Bad Request, except that an empty code is 500.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	if code == "" {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// Coded is implemented by errors that know their S3 error code and HTTP
// status, such as the errors of the auth layer. [WriteError] uses it.
type Coded interface {
	error
	S3ErrorCode() string
	HTTPStatus() int
}

// Error is an S3 error response. The zero Status means [StatusOf](Code).
type Error struct {
	Code    string
	Message string
	Status  int
	// Extra holds additional elements of the XML body (for example
	// "ArgumentName"), written in the order given.
	Extra [][2]string
	// Header holds response headers to set with the error (for example
	// Content-Range on InvalidRange).
	Header http.Header
	// Err is the cause, for logs only; it is never sent to the client.
	Err error
}

// Errorf returns an [Error] with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return "s3api: " + e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return "s3api: " + e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// S3ErrorCode implements [Coded].
func (e *Error) S3ErrorCode() string { return e.Code }

// HTTPStatus implements [Coded].
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return StatusOf(e.Code)
}

var _ Coded = (*Error)(nil)

// AsError converts err to an [Error]: an *Error is returned as is, a [Coded]
// error keeps its code, status and message, and anything else becomes
// InternalError with a generic message (the cause is kept in Err for logs).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var c Coded
	if errors.As(err, &c) {
		return &Error{Code: c.S3ErrorCode(), Status: c.HTTPStatus(), Message: c.Error(), Err: err}
	}
	return &Error{Code: CodeInternalError, Message: "We encountered an internal error. Please try again.", Err: err}
}

// errorBody is the XML body of an S3 error.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId,omitempty"`
	Extra     []extraElem
}

type extraElem struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// WriteError writes err as an S3 XML error with its status. resource is the
// request path; requestID mirrors the x-amz-request-id header. A HEAD
// request gets the status and headers only. It returns the S3 error it wrote.
func WriteError(w http.ResponseWriter, r *http.Request, err error, resource, requestID string) *Error {
	e := AsError(err)
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	status := e.HTTPStatus()
	if status == http.StatusNotModified || (r != nil && r.Method == http.MethodHead) {
		w.WriteHeader(status)
		return e
	}
	body := errorBody{Code: e.Code, Message: e.Message, Resource: resource, RequestID: requestID}
	for _, kv := range e.Extra {
		body.Extra = append(body.Extra, extraElem{XMLName: xml.Name{Local: kv[0]}, Value: kv[1]})
	}
	out, mErr := xml.Marshal(body)
	if mErr != nil {
		out = []byte("<Error><Code>InternalError</Code></Error>")
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(out)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
	return e
}
