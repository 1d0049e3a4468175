package sigv4

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"sync"
)

// aws-chunked framing (Content-Encoding: aws-chunked):
//
//	signed:   hex(size) ";chunk-signature=" sig CRLF data CRLF ... "0;chunk-signature=" sig CRLF [trailers] CRLF
//	unsigned: hex(size) CRLF data CRLF ... "0" CRLF trailers CRLF
//
// The chunk size is hex without a sign; upper-case digits are accepted (as
// HTTP chunked encoding does) although every SDK sends lower case. Nothing
// else is tolerated: no other chunk extension, no white space, CRLF line
// ends only.
//
// Each chunk signature is HMAC(signingKey, "AWS4-HMAC-SHA256-PAYLOAD" LF
// date LF scope LF previous-signature LF hex(sha256("")) LF
// hex(sha256(data))), chained from the seed (request) signature, so the
// chain also fixes the chunk order.

const chunkSignatureExt = ";chunk-signature="

// readChunked serves Read for the aws-chunked modes.
func (b *Body) readChunked(p []byte) (int, error) {
	for {
		if len(b.pending) > 0 {
			n := copy(p, b.pending)
			b.pending = b.pending[n:]
			return n, nil
		}
		if b.chunkLeft > 0 {
			return b.readUnsignedData(p)
		}
		if b.eof {
			return 0, io.EOF
		}
		if err := b.nextChunk(); err != nil {
			return 0, b.fail(err)
		}
	}
}

// readUnsignedData passes the bytes of an unsigned chunk straight through
// to p (they can only be checked against the trailing checksum at the end).
func (b *Body) readUnsignedData(p []byte) (int, error) {
	if int64(len(p)) > b.chunkLeft {
		p = p[:b.chunkLeft]
	}
	n, err := b.br.Read(p)
	if n > 0 {
		b.chunkLeft -= int64(n)
		b.update(p[:n])
		if b.chunkLeft == 0 {
			if err := b.expectCRLF(); err != nil {
				return n, b.fail(err)
			}
		}
	}
	if err != nil {
		return n, b.fail(sourceError(err))
	}
	return n, nil
}

// nextChunk reads one chunk header and, for signed chunks, the chunk data
// and its signature; on the final chunk it reads the trailer and checks
// everything that is checked at the end.
func (b *Body) nextChunk() error {
	line, err := b.readLine()
	if err != nil {
		return err
	}
	signed := b.key != nil
	size, err := b.parseChunkHeader(line, signed)
	if err != nil {
		return err
	}
	if size > b.maxChunk {
		return newError(ErrCodeInvalidRequest, "aws-chunked chunk of %d bytes exceeds the limit of %d bytes", size, b.maxChunk)
	}
	if b.decodedLength >= 0 && b.info.DecodedLength+size > b.decodedLength {
		return newError(ErrCodeIncompleteBody, "the aws-chunked body carries more bytes than x-amz-decoded-content-length (%d)", b.decodedLength)
	}
	if signed {
		var data []byte
		if size > 0 {
			if data, err = b.readChunkData(size); err != nil {
				return err
			}
			if err := b.expectCRLF(); err != nil {
				return err
			}
		}
		if err := b.verifyChunk(data); err != nil {
			return err
		}
		b.update(data)
		b.pending = data
	} else {
		b.chunkLeft = size
	}
	if size == 0 {
		return b.finishChunked()
	}
	return nil
}

// finishChunked handles everything after the final zero-length chunk.
func (b *Body) finishChunked() error {
	if b.mode == PayloadStreamingSigned {
		if err := b.expectCRLF(); err != nil {
			return err
		}
	} else if err := b.readTrailer(); err != nil {
		return err
	}
	if err := b.expectEOF(); err != nil {
		return err
	}
	if b.decodedLength >= 0 && b.info.DecodedLength != b.decodedLength {
		return newError(ErrCodeIncompleteBody, "the aws-chunked body carries %d bytes but x-amz-decoded-content-length is %d", b.info.DecodedLength, b.decodedLength)
	}
	return b.finish()
}

// readLine reads one CRLF-terminated line and returns it without the CRLF.
// The slice is only valid until the next read.
func (b *Body) readLine() ([]byte, error) {
	line, err := b.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, newError(ErrCodeInvalidRequest, "malformed aws-chunked body: chunk header line too long")
	case err != nil:
		return nil, sourceError(err)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, newError(ErrCodeInvalidRequest, "malformed aws-chunked body: chunk header line does not end in CRLF")
	}
	return line[:len(line)-2], nil
}

// parseChunkHeader parses "hex(size)[;chunk-signature=sig]" and keeps the
// signature in b.chunkSig.
func (b *Body) parseChunkHeader(line []byte, signed bool) (int64, error) {
	var size int64
	i := 0
	for ; i < len(line) && i < 16; i++ {
		c := line[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto done
		}
		size = size<<4 | int64(d)
	}
done:
	if i == 0 || i > 15 {
		return 0, newError(ErrCodeInvalidRequest, "malformed aws-chunked body: bad chunk size")
	}
	rest := line[i:]
	if !signed {
		if len(rest) != 0 {
			return 0, newError(ErrCodeInvalidRequest, "malformed aws-chunked body: unexpected chunk extension in an unsigned stream")
		}
		return size, nil
	}
	if len(rest) != len(chunkSignatureExt)+64 || string(rest[:len(chunkSignatureExt)]) != chunkSignatureExt {
		return 0, newError(ErrCodeInvalidRequest, "malformed aws-chunked body: want \"<hex size>;chunk-signature=<64 hex>\"")
	}
	copy(b.chunkSig[:], rest[len(chunkSignatureExt):])
	return size, nil
}

// chunkBufPool recycles chunk buffers of minChunkBuffer bytes, the chunk
// size every SDK uses, so a streaming upload does not allocate (and the GC
// does not sweep) 64 KiB per request. It holds no request state: a buffer
// goes back only when its Body is done with it.
var chunkBufPool = sync.Pool{New: func() any { return new([minChunkBuffer]byte) }}

// lineReaderPool recycles the small buffered readers that frame aws-chunked
// bodies; like chunkBufPool it holds no request state.
var lineReaderPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, lineBufferSize) }}

// getDigest returns a reset SHA-256 digest from the pool macKey.sum uses.
func getDigest() hash.Hash {
	h := digestPool.Get().(hash.Hash)
	h.Reset()
	return h
}

// release gives every pooled resource back once the body is finished or
// failed. It runs only on the reading goroutine (never from Close, which
// another goroutine may call mid-read), and nothing reads b.br, b.sha or
// the chunk buffer afterwards: Read and WriteTo return early once b.eof or
// b.err is set.
func (b *Body) release() {
	b.releaseBuf()
	if b.br != nil {
		b.br.Reset(nil)
		lineReaderPool.Put(b.br)
		b.br = nil
	}
	if b.sha != nil {
		b.sha.Reset()
		digestPool.Put(b.sha)
		b.sha = nil
	}
}

// releaseBuf returns the chunk buffer to the pool once nothing refers to
// it any more.
func (b *Body) releaseBuf() {
	if b.pooled != nil {
		b.buf, b.pending = nil, nil
		chunkBufPool.Put(b.pooled)
		b.pooled = nil
	}
}

// readChunkData buffers size bytes of chunk data, hashing them once as they
// arrive. The buffer grows only as bytes actually arrive.
func (b *Body) readChunkData(size int64) ([]byte, error) {
	b.sha.Reset()
	if b.buf == nil && size > 0 {
		b.pooled = chunkBufPool.Get().(*[minChunkBuffer]byte)
		b.buf = b.pooled[:0:minChunkBuffer]
	}
	buf := b.buf[:0]
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			c := max(2*cap(buf), minChunkBuffer)
			if int64(c) > size {
				c = int(size)
			}
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			b.releaseBuf()
			buf, b.buf = nb, nb
		}
		end := min(int64(cap(buf)), size)
		n, err := b.br.Read(buf[len(buf):end])
		if n > 0 {
			b.sha.Write(buf[len(buf) : len(buf)+n])
			buf = buf[:len(buf)+n]
		}
		if err != nil {
			if err == io.EOF && int64(len(buf)) == size {
				break
			}
			return nil, sourceError(err)
		}
	}
	return buf, nil
}

// verifyChunk checks b.chunkSig against the chunk hash in b.sha (the
// constant hash of no bytes for the final chunk, when data is empty) and
// advances the chain.
func (b *Body) verifyChunk(data []byte) error {
	hashHex := b.sts[b.stsHash : b.stsHash+64]
	if len(data) == 0 {
		copy(hashHex, emptySHA256)
	} else {
		encodeHex(hashHex, b.sha.Sum(b.sum[:0]))
	}
	encodeHex(b.computed[:], b.chunkMAC(b.sum[:0]))
	if subtle.ConstantTimeCompare(b.computed[:], b.chunkSig[:]) != 1 {
		e := newError(ErrCodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided: an aws-chunked chunk signature is wrong (chunk altered, reordered or not chained from the request signature).")
		e.StringToSign = string(b.sts)
		return e
	}
	copy(b.sts[b.stsPrev:b.stsPrev+64], b.chunkSig[:])
	return nil
}

// initChunkMAC prepares chunkMAC: the SHA-256 state after the key's inner
// pad and the whole 64-byte blocks of the string to sign's constant head
// (algorithm, date and scope), so that a chunk's HMAC hashes one block
// less. Without it (a digest that cannot marshal its state, which
// crypto/sha256's always can) chunkMAC uses macKey.sum.
func (b *Body) initChunkMAC() {
	n := b.stsPrev &^ (sha256.BlockSize - 1)
	u, ok := b.sha.(encoding.BinaryUnmarshaler)
	a, ok2 := b.sha.(encoding.BinaryAppender)
	if n == 0 || !ok || !ok2 || b.key.inner == nil || b.key.outer == nil || u.UnmarshalBinary(b.key.inner) != nil {
		b.sha.Reset()
		return
	}
	b.sha.Write(b.sts[:n])
	st, err := a.AppendBinary(b.macState[:0])
	b.sha.Reset()
	if err != nil {
		return
	}
	b.macInner, b.macSkip, b.shaState = st, n, u
}

// chunkMAC returns HMAC(signing key, b.sts) appended to out[:0]. It runs
// on b.sha, which is free between the chunk hash and the next chunk; the
// key-derived state it leaves there is reset before the next chunk and
// before the digest goes back to its pool.
func (b *Body) chunkMAC(out []byte) []byte {
	if b.macInner == nil || b.shaState.UnmarshalBinary(b.macInner) != nil {
		return b.key.sum(b.sts, out)
	}
	b.sha.Write(b.sts[b.macSkip:])
	out = b.sha.Sum(out[:0])
	if b.shaState.UnmarshalBinary(b.key.outer) != nil {
		return b.key.sum(b.sts, out)
	}
	b.sha.Write(out)
	return b.sha.Sum(out[:0])
}

// encodeHex writes the lower-case hex digits of src to dst[:2*len(src)],
// four bytes at a time without tables or branches on the data (it encodes
// digests and MACs).
func encodeHex(dst, src []byte) {
	dst = dst[:2*len(src)]
	for len(src) >= 4 {
		x := uint64(binary.BigEndian.Uint32(src))
		x = (x | x<<16) & 0x0000ffff0000ffff
		x = (x | x<<8) & 0x00ff00ff00ff00ff
		x = (x<<4 | x) & 0x0f0f0f0f0f0f0f0f // one nibble per byte, high nibble first
		// '0'+d for d < 10, 'a'+d-10 = '0'+d+39 otherwise.
		x += 0x3030303030303030 + ((x+0x0606060606060606)>>4&0x0101010101010101)*0x27
		binary.BigEndian.PutUint64(dst, x)
		src, dst = src[4:], dst[8:]
	}
	hex.Encode(dst, src)
}

// expectCRLF consumes the CRLF that ends chunk data.
func (b *Body) expectCRLF() error {
	c1, err := b.br.ReadByte()
	if err != nil {
		return sourceError(err)
	}
	c2, err := b.br.ReadByte()
	if err != nil {
		return sourceError(err)
	}
	if c1 != '\r' || c2 != '\n' {
		return newError(ErrCodeInvalidRequest, "malformed aws-chunked body: chunk data is not followed by CRLF")
	}
	return nil
}

// expectEOF checks that nothing follows the end of the aws-chunked body.
func (b *Body) expectEOF() error {
	switch _, err := b.br.Peek(1); err {
	case nil:
		return newError(ErrCodeInvalidRequest, "malformed aws-chunked body: data after the final chunk")
	case io.EOF:
		return nil
	default:
		return sourceError(err)
	}
}
