package sigv4

import (
	"io"
	"net/http"
)

// PostForm is a verified browser POST upload (multipart/form-data).
type PostForm struct {
	// Fields holds every form field before the file part, names lower-cased.
	Fields map[string]string
	// Bucket is the bucket the policy allows.
	Bucket string
	// Key is the object key with ${filename} substituted.
	Key string
	// FileName is the file name the browser sent.
	FileName string
	// ContentType is the Content-Type form field (or the file part's).
	ContentType string
	// File is the file content; it enforces the policy's content-length-range.
	File io.ReadCloser
}

func (v *Verifier) verifyPostForm(r *http.Request) (*Result, error) {
	return nil, newError(ErrCodeNotImplemented, "POST form uploads are not implemented yet")
}
