package sigv4

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Default bounds when payloadParams leaves them zero (they match the
// [Options] defaults).
const (
	defaultMaxChunkSize   = 16 << 20
	defaultMaxTrailerSize = 16 << 10
	// minChunkBuffer is the first allocation of the chunk buffer; it grows
	// as a chunk's bytes actually arrive, so a header that merely claims a
	// huge chunk cannot make the server allocate it.
	minChunkBuffer = 64 << 10
	// lineBufferSize bounds a chunk header or trailer line (a valid one is
	// under 100 bytes); chunk data bypasses this buffer.
	lineBufferSize = 512
)

// payloadParams is what header and presigned verification hand to
// [newPayloadReader] once the request signature has verified.
type payloadParams struct {
	mode          PayloadMode
	contentSHA256 string      // x-amz-content-sha256 as signed
	header        http.Header // request headers (x-amz-decoded-content-length, x-amz-trailer, checksums, Content-MD5)
	contentLength int64       // r.ContentLength; -1 when unknown
	signingKey    *macKey     // streaming signed modes: derived once, shared, never modified
	seedSignature string      // streaming signed modes: the request signature (hex)
	amzDate       string      // X-Amz-Date as sent (yyyyMMddTHHmmssZ)
	scope         string      // credential scope date/region/service/aws4_request
	// maxChunkSize bounds one aws-chunked chunk; 0 means 16 MiB.
	maxChunkSize int64
	// maxTrailerSize bounds the trailer section; 0 means 16 KiB.
	maxTrailerSize int
	// noDigest says the caller has seen every header key and none is
	// Content-Md5 or folds to an x-amz-checksum-* value name, so the
	// reader need not scan the headers for them again; false means scan.
	noDigest bool
}

// PayloadInfo says what the verifying [Body] checked. A host stores it with
// the object (for example the checksum S3 reports back).
type PayloadInfo struct {
	// Mode is how the payload was protected.
	Mode PayloadMode
	// ChecksumAlgorithm is "CRC32", "CRC32C", "CRC64NVME", "SHA1",
	// "SHA256", or "" when the client sent no x-amz-checksum-* value.
	ChecksumAlgorithm string
	// Checksum is the verified checksum, base64 as S3 reports it ("" when
	// ChecksumAlgorithm is "").
	Checksum string
	// DecodedLength is the number of payload bytes (after aws-chunked
	// decoding) the reader has returned so far.
	DecodedLength int64
	// Complete is true only after Read returned a clean io.EOF: every
	// byte, chunk signature, the decoded length and every checksum
	// verified.
	Complete bool
}

// Body is the verifying request body that [Verifier.Verify] puts in
// r.Body and [Result.Body]. It decodes aws-chunked framing and checks, as
// the bytes stream, whatever the request committed to: the signed SHA-256
// of the body, each chunk signature chained from the request signature,
// the final zero-length chunk, x-amz-decoded-content-length, the signed
// trailer, an x-amz-checksum-* value (header or trailer) and Content-MD5.
//
// Read returns io.EOF only when all of that checked out. Any failure is an
// [*Error] (XAmzContentSHA256Mismatch, SignatureDoesNotMatch,
// IncompleteBody, BadDigest, InvalidDigest, InvalidRequest, ...) and Read
// keeps returning it. A host must therefore commit (store, rename into
// place, acknowledge) an object only after a clean io.EOF, and discard what
// it wrote otherwise. Bytes of a signed aws-chunked chunk are returned only
// after that chunk's signature verified; bytes of the other modes can be
// checked only at the end and are returned as they arrive.
//
// A Body is not safe for concurrent use, like any io.Reader.
type Body struct {
	src    io.ReadCloser
	mode   PayloadMode
	err    error // sticky failure
	eof    bool  // clean end reached (also set with err == nil only)
	closed atomic.Bool
	info   PayloadInfo

	contentLength int64 // plain modes: expected body bytes, -1 unknown
	decodedLength int64 // chunked modes: x-amz-decoded-content-length, -1 unknown

	// PayloadSigned: SHA-256 of the whole body against wantSHA (the
	// aws-chunked modes hash each chunk with cs.sha).
	sha     hash.Hash
	wantSHA [sha256.Size]byte

	// x-amz-checksum-* over the decoded payload.
	ck      checksumAlg
	ckHash  hash.Hash
	ckWant  []byte
	md5Hash hash.Hash
	md5Want []byte

	// aws-chunked state.
	cs         *chunkState           // pooled decoder state, nil once released
	buf        []byte                // chunk buffer (signed streaming), reused
	pooled     *[minChunkBuffer]byte // buf's backing array when it came from chunkBufPool
	pending    []byte                // verified bytes not yet returned
	chunkLeft  int64                 // unsigned streaming: bytes left in the current chunk
	key        *macKey               // signed aws-chunked modes: the signing key
	sum        [sha256.Size]byte
	maxChunk   int64
	maxTrailer int
	amzDate    string
	scope      string
}

var _ io.ReadCloser = (*Body)(nil)

// newPayloadReader wraps body in a verifying [Body]. Its errors are for
// header values that are wrong before any byte is read (a malformed
// x-amz-content-sha256, a missing x-amz-decoded-content-length, an
// undeclared or unknown trailer, a malformed checksum or Content-MD5).
func newPayloadReader(body io.ReadCloser, p payloadParams) (*Body, error) {
	if body == nil {
		body = http.NoBody
	}
	b := &Body{
		src:           body,
		mode:          p.mode,
		contentLength: p.contentLength,
		decodedLength: -1,
		maxChunk:      p.maxChunkSize,
		maxTrailer:    p.maxTrailerSize,
		amzDate:       p.amzDate,
		scope:         p.scope,
	}
	if b.maxChunk <= 0 {
		b.maxChunk = defaultMaxChunkSize
	}
	if b.maxTrailer <= 0 {
		b.maxTrailer = defaultMaxTrailerSize
	}
	b.info.Mode = p.mode
	h := p.header
	if h == nil {
		h = http.Header{}
	}

	switch p.mode {
	case PayloadNone, PayloadUnsigned:
	case PayloadSigned:
		if len(p.contentSHA256) != 2*sha256.Size {
			return nil, newError(ErrCodeXAmzContentSHA256Mismatch, "x-amz-content-sha256 must be the hex SHA-256 of the payload")
		}
		if _, err := hex.Decode(b.wantSHA[:], []byte(p.contentSHA256)); err != nil {
			return nil, newError(ErrCodeXAmzContentSHA256Mismatch, "x-amz-content-sha256 must be the hex SHA-256 of the payload")
		}
		b.sha = getDigest()
	case PayloadStreamingSigned, PayloadStreamingSignedTrailer, PayloadStreamingUnsignedTrailer:
		if err := b.initChunked(p, h); err != nil {
			return nil, err
		}
	default:
		return nil, newError(ErrCodeInvalidRequest, "unknown payload mode %d", int(p.mode))
	}

	if p.noDigest {
		return b, nil
	}
	// An x-amz-checksum-* header is a second body-verification path: check
	// it whatever the mode.
	alg, value, err := headerChecksum(h)
	if err != nil {
		b.release()
		return nil, err
	}
	if alg != checksumNone {
		if b.ck != checksumNone {
			b.release()
			return nil, newError(ErrCodeInvalidRequest, "Expecting a single x-amz-checksum- header: %s is sent as a header and %s declared in x-amz-trailer", alg.header(), b.ck.header())
		}
		want, err := decodeChecksum(alg, value)
		if err != nil {
			b.release()
			return nil, err
		}
		b.ck, b.ckWant, b.ckHash = alg, want, alg.newHash()
		b.info.ChecksumAlgorithm, b.info.Checksum = alg.String(), value
	}
	md5Want, err := contentMD5(h)
	if err != nil {
		b.release()
		return nil, err
	}
	if md5Want != nil {
		b.md5Want, b.md5Hash = md5Want, md5.New()
	}
	return b, nil
}

// initChunked prepares the aws-chunked modes.
func (b *Body) initChunked(p payloadParams, h http.Header) error {
	signed := p.mode != PayloadStreamingUnsignedTrailer
	if v, ok := headerValue(h, "X-Amz-Decoded-Content-Length"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || v[0] == '+' {
			return newError(ErrCodeInvalidArgument, "x-amz-decoded-content-length must be a non-negative decimal integer")
		}
		b.decodedLength = n
	} else if signed {
		return newError(ErrCodeMissingContentLength, "You must provide the x-amz-decoded-content-length header with an aws-chunked signed payload")
	}
	if p.mode != PayloadStreamingSigned {
		if err := b.initTrailer(h); err != nil {
			return err
		}
	}
	if signed {
		if len(p.seedSignature) != 64 || p.signingKey == nil || p.amzDate == "" || p.scope == "" {
			return newError(ErrCodeInternalError, "streaming signature verification is missing its seed signature, signing key or scope")
		}
		b.key = p.signingKey
	}
	b.cs = chunkStatePool.Get().(*chunkState)
	b.cs.br.Reset(b.src)
	if signed {
		b.cs.initSTS(p.amzDate, p.scope, p.seedSignature)
		b.cs.initChunkMAC(b.key)
	}
	return nil
}

// headerValue returns the single value of a header; several values are
// joined with "," as HTTP folds them.
//
// name must be in canonical form: it is looked up directly, without
// canonicalizing it again for every request.
func headerValue(h http.Header, name string) (string, bool) {
	vals := h[name]
	if len(vals) == 1 {
		return vals[0], true
	}
	if len(vals) == 0 {
		return "", false
	}
	return strings.Join(vals, ","), true
}

// Verified reports what the reader has checked so far; Complete is true
// only after a clean io.EOF.
func (b *Body) Verified() PayloadInfo {
	if b == nil {
		return PayloadInfo{}
	}
	return b.info
}

// Close closes the underlying body. Reading after Close fails.
//
// Close may be called from another goroutine while a read is in progress,
// as http.Transport does with a request body it is sending: it only closes
// the source and marks the body; the reading goroutine gives the pooled
// buffers back.
func (b *Body) Close() error {
	b.closed.Store(true)
	return b.src.Close()
}

// errClosedEarly is the error of a read after Close.
func errClosedEarly() error {
	return newError(ErrCodeIncompleteBody, "the request body was closed before it was read to the end")
}

// Read implements io.Reader; see [Body] for what io.EOF promises.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	if b.closed.Load() {
		return 0, b.fail(errClosedEarly())
	}
	if len(p) == 0 {
		return 0, nil
	}
	switch b.mode {
	case PayloadStreamingSigned, PayloadStreamingSignedTrailer, PayloadStreamingUnsignedTrailer:
		return b.readChunked(p)
	default:
		return b.readPlain(p)
	}
}

// WriteTo implements io.WriterTo, so io.Copy(dst, body) writes the
// verified chunks of a signed stream straight from the chunk buffer, with
// no copy into an intermediate buffer. It returns nil only after a clean
// end of the payload, with the same guarantees as Read's io.EOF; an error
// of w is returned as is.
func (b *Body) WriteTo(w io.Writer) (int64, error) {
	if b.err == nil && !b.eof && b.closed.Load() {
		return 0, b.fail(errClosedEarly())
	}
	var total int64
	if b.key != nil { // signed aws-chunked: write each verified chunk directly
		for {
			if len(b.pending) > 0 {
				n, err := w.Write(b.pending)
				total += int64(n)
				b.pending = b.pending[n:]
				if err == nil && len(b.pending) > 0 {
					err = io.ErrShortWrite
				}
				if err != nil {
					return total, err
				}
				continue
			}
			if b.err != nil {
				return total, b.err
			}
			if b.eof {
				return total, nil
			}
			if err := b.nextChunk(); err != nil {
				return total, b.fail(err)
			}
		}
	}
	buf := chunkBufPool.Get().(*[minChunkBuffer]byte)
	defer chunkBufPool.Put(buf)
	for {
		n, rerr := b.Read(buf[:])
		if n > 0 {
			m, err := w.Write(buf[:n])
			total += int64(m)
			if err == nil && m < n {
				err = io.ErrShortWrite
			}
			if err != nil {
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

var _ io.WriterTo = (*Body)(nil)

// fail records a sticky error.
func (b *Body) fail(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = newError(ErrCodeIncompleteBody, "reading the request body failed")
		e.Err = err
	}
	b.err = e
	b.pending = nil
	b.release()
	return e
}

// sourceError maps an error of the underlying body: a short body is
// IncompleteBody, anything else (a network error, http.MaxBytesError) is
// IncompleteBody wrapping the cause.
func sourceError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return newError(ErrCodeIncompleteBody, "You did not provide the number of bytes specified by the Content-Length HTTP header")
	}
	e := newError(ErrCodeIncompleteBody, "reading the request body failed")
	e.Err = err
	return e
}

// update feeds decoded payload bytes to the checksums.
func (b *Body) update(p []byte) {
	if b.ckHash != nil {
		b.ckHash.Write(p)
	}
	if b.md5Hash != nil {
		b.md5Hash.Write(p)
	}
	b.info.DecodedLength += int64(len(p))
}

// readPlain reads a body sent as is (signed hash, UNSIGNED-PAYLOAD, none).
func (b *Body) readPlain(p []byte) (int, error) {
	n, err := b.src.Read(p)
	if n > 0 {
		if b.contentLength >= 0 && b.info.DecodedLength+int64(n) > b.contentLength {
			return 0, b.fail(newError(ErrCodeIncompleteBody, "the request body is longer than its Content-Length"))
		}
		if b.sha != nil {
			b.sha.Write(p[:n])
		}
		b.update(p[:n])
	}
	switch {
	case err == io.EOF:
		if b.contentLength >= 0 && b.info.DecodedLength != b.contentLength {
			return n, b.fail(newError(ErrCodeIncompleteBody, "You did not provide the number of bytes specified by the Content-Length HTTP header"))
		}
		if b.sha != nil {
			if !equalDigest(b.sha.Sum(b.sum[:0]), b.wantSHA[:]) {
				return n, b.fail(newError(ErrCodeXAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed."))
			}
		}
		if err := b.finish(); err != nil {
			return n, b.fail(err)
		}
		return n, io.EOF
	case err != nil:
		return n, b.fail(sourceError(err))
	}
	return n, nil
}

// finish checks the checksums once the whole payload has been seen and
// marks the body complete.
func (b *Body) finish() error {
	if b.ckHash != nil {
		if b.ckWant == nil {
			return newError(ErrCodeIncompleteBody, "the trailing %s declared in x-amz-trailer was not sent", b.ck.header())
		}
		if !equalDigest(b.ckHash.Sum(nil), b.ckWant) {
			return newError(ErrCodeBadDigest, "The %s you specified did not match the calculated checksum.", b.ck)
		}
	}
	if b.md5Hash != nil && !equalDigest(b.md5Hash.Sum(nil), b.md5Want) {
		return newError(ErrCodeBadDigest, "The Content-MD5 you specified did not match what we received.")
	}
	b.eof = true
	b.info.Complete = true
	b.release()
	return nil
}
