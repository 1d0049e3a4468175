package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// Trailing headers follow the final zero-length chunk of a ...-TRAILER
// stream. S3 accepts one trailing checksum, declared (and signed) in the
// x-amz-trailer request header. Layouts real clients send:
//
//	AWS SDKs:  name ":" value CRLF ["x-amz-trailer-signature:" sig CRLF] CRLF
//	minio-go:  name ":" value LF CRLF ["x-amz-trailer-signature:" sig CRLF] CRLF
//	           (unsigned: name ":" value LF CRLF CRLF)
//
// so a trailer line may end in LF or CRLF, an empty line must be CRLF, one
// empty line may separate the trailers from the signature, and an unsigned
// trailer line ended by a bare LF is followed by two CRLFs. The signature is
// HMAC(signingKey, "AWS4-HMAC-SHA256-TRAILER" LF date LF scope LF
// final-chunk-signature LF hex(sha256(name ":" value LF))).

const trailerSignatureName = "x-amz-trailer-signature"

// initTrailer reads the x-amz-trailer declaration.
func (b *Body) initTrailer(h http.Header) error {
	decl, ok := headerValue(h, "X-Amz-Trailer")
	if !ok {
		return newError(ErrCodeInvalidRequest, "a %s payload needs the x-amz-trailer header naming its trailing checksum", b.mode)
	}
	var alg checksumAlg
	for name := range strings.SplitSeq(decl, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		a := checksumAlgByHeader(name)
		if a == checksumNone {
			return newError(ErrCodeInvalidRequest, "x-amz-trailer names %q; only one of x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256 is supported", name)
		}
		if alg != checksumNone {
			return newError(ErrCodeInvalidRequest, "Expecting a single x-amz-checksum- header: x-amz-trailer names more than one")
		}
		alg = a
	}
	if alg == checksumNone {
		return newError(ErrCodeInvalidRequest, "x-amz-trailer is empty; name the trailing checksum, e.g. x-amz-checksum-crc32")
	}
	b.ck, b.ckHash = alg, alg.newHash()
	b.info.ChecksumAlgorithm = alg.String()
	return nil
}

// readTrailer reads and verifies the trailer section after the final chunk.
func (b *Body) readTrailer() error {
	signed := b.mode == PayloadStreamingSignedTrailer
	var (
		value     string
		got       bool
		bareLF    bool // the trailer line ended in LF alone (minio-go)
		sig       []byte
		blankSeen bool
		total     int
	)
	for {
		line, err := b.cs.br.ReadSlice('\n')
		total += len(line)
		switch {
		case total > b.maxTrailer || err == bufio.ErrBufferFull:
			return newError(ErrCodeInvalidRequest, "the aws-chunked trailer is too long (at most %d bytes, %d per line)", b.maxTrailer, lineBufferSize)
		case err != nil:
			return sourceError(err)
		}
		line = line[:len(line)-1]
		crlf := len(line) > 0 && line[len(line)-1] == '\r'
		if crlf {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			if !crlf {
				return newError(ErrCodeInvalidRequest, "malformed aws-chunked trailer: bare LF")
			}
			if signed && sig == nil && got && !blankSeen {
				blankSeen = true // minio-go separates the signature by an empty line
				continue
			}
			break
		}
		name, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return newError(ErrCodeInvalidRequest, "malformed aws-chunked trailer: line without ':'")
		}
		switch {
		case signed && sig == nil && string(name) == trailerSignatureName:
			if !crlf || len(val) != 64 {
				return newError(ErrCodeInvalidRequest, "malformed aws-chunked trailer: bad x-amz-trailer-signature")
			}
			sig = bytes.Clone(val)
		case sig == nil && !blankSeen && !got && strings.EqualFold(string(name), b.ck.header()):
			value, got, bareLF = string(val), true, !crlf
		default:
			return newError(ErrCodeInvalidRequest, "malformed aws-chunked trailer: unexpected or repeated trailer %q (x-amz-trailer declares %s)", name, b.ck.header())
		}
	}
	if !got {
		return newError(ErrCodeIncompleteBody, "the trailing %s declared in x-amz-trailer was not sent", b.ck.header())
	}
	if signed {
		if sig == nil {
			return newError(ErrCodeSignatureDoesNotMatch, "the aws-chunked trailer has no x-amz-trailer-signature")
		}
		if err := b.verifyTrailer(value, sig); err != nil {
			return err
		}
	} else if bareLF {
		// minio-go ends an unsigned trailer whose line ends in a bare LF
		// with one more CRLF; require it, so a truncated body never passes.
		if err := b.expectCRLF(); err != nil {
			return err
		}
	}
	want, err := decodeChecksum(b.ck, value)
	if err != nil {
		return err
	}
	b.ckWant = want
	b.info.Checksum = value
	return nil
}

// verifyTrailer checks the trailer signature, chained from the final
// chunk's signature.
func (b *Body) verifyTrailer(value string, sig []byte) error {
	canon := make([]byte, 0, len(b.ck.header())+1+len(value)+1)
	canon = append(canon, b.ck.header()...)
	canon = append(canon, ':')
	canon = append(canon, value...)
	canon = append(canon, '\n')
	sum := sha256.Sum256(canon)
	sts := make([]byte, 0, 25+len(b.amzDate)+len(b.scope)+3+64+1+64)
	sts = append(sts, "AWS4-HMAC-SHA256-TRAILER\n"...)
	sts = append(sts, b.amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, b.scope...)
	sts = append(sts, '\n')
	sts = append(sts, b.cs.sts[b.cs.stsPrev:b.cs.stsPrev+64]...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, sum[:])
	var computed [64]byte
	hex.Encode(computed[:], b.key.sum(sts, b.sum[:0]))
	if subtle.ConstantTimeCompare(computed[:], sig) != 1 {
		e := newError(ErrCodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided: the aws-chunked trailer signature is wrong.")
		e.StringToSign = string(sts)
		return e
	}
	return nil
}
