package server

import (
	"context"
	"io"
	"net/http"
)

// Principal is the authenticated caller as the server needs it.
type Principal struct {
	// ID names the caller in logs and in owner fields (an access key or
	// user name). Empty means anonymous.
	ID string
	// POSIX, when non-nil, owns the files the caller creates.
	POSIX *POSIXIDs
	// Value is the auth layer's own principal, handed back to
	// [Auth].Authorize untouched.
	Value any
}

// POSIXIDs is a numeric user and group.
type POSIXIDs struct {
	UID, GID int
}

// Operation is the S3 operation a request performs, as the server
// classified it.
type Operation struct {
	// Name is the S3 API operation name, such as "GetObject",
	// "ListObjectsV2" or "CompleteMultipartUpload".
	Name string
	// Bucket and Key address the resource; Key is empty for bucket and
	// service operations.
	Bucket, Key string
	// SourceBucket and SourceKey are the copy source of CopyObject and
	// UploadPartCopy.
	SourceBucket, SourceKey string
}

// Auth authenticates and authorizes requests.
type Auth interface {
	// Authenticate identifies the caller of r. It returns the body to read
	// instead of r.Body: a reader that verifies the payload as it streams
	// and returns io.EOF only when all of it checked out. A nil body means
	// r.Body. An error that implements s3api.Coded is sent with its code
	// and status.
	Authenticate(r *http.Request) (Principal, io.ReadCloser, error)
	// Authorize decides whether p may perform op; nil allows.
	Authorize(ctx context.Context, p Principal, r *http.Request, op Operation) error
}

// AllowAll is an [Auth] that authenticates every request as Principal and
// allows everything. It exists for tests and local experiments only: it
// performs no authentication at all.
type AllowAll struct {
	Principal Principal
}

// Authenticate returns a.Principal and the request body unchanged.
func (a AllowAll) Authenticate(r *http.Request) (Principal, io.ReadCloser, error) {
	return a.Principal, r.Body, nil
}

// Authorize allows everything.
func (AllowAll) Authorize(context.Context, Principal, *http.Request, Operation) error { return nil }

var _ Auth = AllowAll{}
