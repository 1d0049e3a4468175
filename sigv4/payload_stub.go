package sigv4

// TEMPORARY stand-in for engineer B2's payload.go and postform.go, so the
// package compiles until they land. Deleted as soon as B2 commits.

import (
	"io"
	"net/http"
)

type payloadParams struct {
	mode           PayloadMode
	contentSHA256  string
	header         http.Header
	contentLength  int64
	signingKey     []byte
	seedSignature  string
	amzDate        string
	scope          string
	maxChunkSize   int64
	maxTrailerSize int
}

// Body is the verifying body reader (stub).
type Body struct{ rc io.ReadCloser }

// Read implements io.Reader (stub: fails closed).
func (b *Body) Read(p []byte) (int, error) {
	return 0, newError(ErrCodeNotImplemented, "payload verification is not implemented yet")
}

// Close implements io.Closer.
func (b *Body) Close() error { return b.rc.Close() }

func newPayloadReader(body io.ReadCloser, p payloadParams) (*Body, error) {
	return &Body{rc: body}, nil
}

// PostForm is a parsed browser POST form (stub).
type PostForm struct{}

func (v *Verifier) verifyPostForm(r *http.Request) (*Result, error) {
	return nil, newError(ErrCodeNotImplemented, "POST form uploads are not implemented yet")
}
