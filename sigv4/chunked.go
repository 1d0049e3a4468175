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
	n, err := b.cs.br.Read(p)
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
	line, err := b.cs.br.ReadSlice('\n')
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
// signature in b.cs.chunkSig.
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
	copy(b.cs.chunkSig[:], rest[len(chunkSignatureExt):])
	return size, nil
}

// chunkBufPool recycles chunk buffers of minChunkBuffer bytes, the chunk
// size every SDK uses, so a streaming upload does not allocate (and the GC
// does not sweep) 64 KiB per request. It holds no request state: a buffer
// goes back only when its Body is done with it.
var chunkBufPool = sync.Pool{New: func() any { return new([minChunkBuffer]byte) }}

// chunkState is the part of an aws-chunked Body that only the reading
// goroutine uses, and only until the body ends or fails: the line reader,
// the chunk digest and the chunk string to sign. chunkStatePool recycles
// it, so a request allocates neither its buffers nor a Body big enough to
// hold them. Nothing key-derived survives its release: the digest is reset
// and the HMAC start state and the last computed MAC are cleared before it
// goes back (what is left, the last string to sign and chunk signature,
// came over the wire).
type chunkState struct {
	br       *bufio.Reader // frames the source; chunk data bypasses its buffer
	sha      hash.Hash     // SHA-256 of the current chunk, then its HMAC (chunkMAC)
	restore  encoding.BinaryUnmarshaler
	save     encoding.BinaryAppender
	sts      []byte // chunk string to sign, rewritten in place per chunk
	stsPrev  int    // offset of the previous signature in sts
	stsHash  int    // offset of the chunk hash in sts
	macInner []byte // chunkMAC's start state (in macState), nil to use key.sum
	macSkip  int    // bytes of sts that macInner has absorbed
	chunkSig [64]byte
	computed [64]byte
	sum      [sha256.Size]byte
	macState [112]byte
	stsArr   [320]byte
}

var chunkStatePool = sync.Pool{New: func() any {
	cs := &chunkState{br: bufio.NewReaderSize(nil, lineBufferSize), sha: sha256.New()}
	cs.restore, _ = cs.sha.(encoding.BinaryUnmarshaler)
	cs.save, _ = cs.sha.(encoding.BinaryAppender)
	return cs
}}

// initSTS lays out the chunk string to sign
// "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev "\n" empty "\n" hash
// with the seed signature as prev.
func (cs *chunkState) initSTS(amzDate, scope, seed string) {
	sts := cs.stsArr[:0]
	if n := 25 + len(amzDate) + 1 + len(scope) + 1 + 64 + 1 + 64 + 1 + 64; n > len(cs.stsArr) {
		sts = make([]byte, 0, n)
	}
	sts = append(sts, "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	sts = append(sts, amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, scope...)
	sts = append(sts, '\n')
	cs.stsPrev = len(sts)
	sts = append(sts, seed...)
	sts = append(sts, '\n')
	sts = append(sts, emptySHA256...)
	sts = append(sts, '\n')
	cs.stsHash = len(sts)
	sts = append(sts, emptySHA256...)
	cs.sts = sts
}

// getDigest returns a reset SHA-256 digest from the pool macKey.sum uses.
func getDigest() hash.Hash {
	h := digestPool.Get().(hash.Hash)
	h.Reset()
	return h
}

// release gives every pooled resource back once the body is finished or
// failed. It runs only on the reading goroutine (never from Close, which
// another goroutine may call mid-read), and nothing reads b.cs, b.sha or
// the chunk buffer afterwards: Read and WriteTo return early once b.eof or
// b.err is set.
func (b *Body) release() {
	b.releaseBuf()
	if cs := b.cs; cs != nil {
		b.cs = nil
		cs.br.Reset(nil)
		cs.sha.Reset()
		clear(cs.macState[:])
		clear(cs.computed[:])
		clear(cs.sum[:])
		cs.sts, cs.macInner = nil, nil
		chunkStatePool.Put(cs)
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
	cs := b.cs
	cs.sha.Reset()
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
		n, err := cs.br.Read(buf[len(buf):end])
		if n > 0 {
			cs.sha.Write(buf[len(buf) : len(buf)+n])
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

// verifyChunk checks the chunk signature in b.cs.chunkSig against the
// chunk hash in b.cs.sha (the constant hash of no bytes for the final
// chunk, when data is empty) and advances the chain.
func (b *Body) verifyChunk(data []byte) error {
	cs := b.cs
	hashHex := cs.sts[cs.stsHash : cs.stsHash+64]
	if len(data) == 0 {
		copy(hashHex, emptySHA256)
	} else {
		encodeHex(hashHex, cs.sha.Sum(cs.sum[:0]))
	}
	encodeHex(cs.computed[:], cs.chunkMAC(b.key, cs.sum[:0]))
	if subtle.ConstantTimeCompare(cs.computed[:], cs.chunkSig[:]) != 1 {
		e := newError(ErrCodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided: an aws-chunked chunk signature is wrong (chunk altered, reordered or not chained from the request signature).")
		e.StringToSign = string(cs.sts)
		return e
	}
	copy(cs.sts[cs.stsPrev:cs.stsPrev+64], cs.chunkSig[:])
	return nil
}

// initChunkMAC prepares chunkMAC: the SHA-256 state after the key's inner
// pad and the whole 64-byte blocks of the string to sign's constant head
// (algorithm, date and scope), so that a chunk's HMAC hashes one block
// less. Without it (a digest that cannot save its state, which
// crypto/sha256's always can) chunkMAC uses macKey.sum.
func (cs *chunkState) initChunkMAC(key *macKey) {
	n := cs.stsPrev &^ (sha256.BlockSize - 1)
	if n == 0 || cs.restore == nil || cs.save == nil || key.inner == nil || key.outer == nil || cs.restore.UnmarshalBinary(key.inner) != nil {
		cs.sha.Reset()
		return
	}
	cs.sha.Write(cs.sts[:n])
	st, err := cs.save.AppendBinary(cs.macState[:0])
	cs.sha.Reset()
	if err != nil {
		return
	}
	cs.macInner, cs.macSkip = st, n
}

// chunkMAC returns HMAC(key, cs.sts) appended to out[:0]. It runs on
// cs.sha, which is free between the chunk hash and the next chunk; the
// key-derived state it leaves there is reset before the next chunk and
// before the state goes back to its pool.
func (cs *chunkState) chunkMAC(key *macKey, out []byte) []byte {
	if cs.macInner == nil || cs.restore.UnmarshalBinary(cs.macInner) != nil {
		return key.sum(cs.sts, out)
	}
	cs.sha.Write(cs.sts[cs.macSkip:])
	out = cs.sha.Sum(out[:0])
	if cs.restore.UnmarshalBinary(key.outer) != nil {
		return key.sum(cs.sts, out)
	}
	cs.sha.Write(out)
	return cs.sha.Sum(out[:0])
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
	c1, err := b.cs.br.ReadByte()
	if err != nil {
		return sourceError(err)
	}
	c2, err := b.cs.br.ReadByte()
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
	switch _, err := b.cs.br.Peek(1); err {
	case nil:
		return newError(ErrCodeInvalidRequest, "malformed aws-chunked body: data after the final chunk")
	case io.EOF:
		return nil
	default:
		return sourceError(err)
	}
}
