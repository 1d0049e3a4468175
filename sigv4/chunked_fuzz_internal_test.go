package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// fuzzHeaders are the request headers the fuzzed bodies are checked
// against, one per synthetic case (mode, decoded length, trailer).
type fuzzHeader struct {
	mode    PayloadMode
	header  http.Header
	payload []byte
}

func fuzzHeaders() []fuzzHeader {
	var out []fuzzHeader
	for _, tc := range syntheticCases() {
		_, h, _ := encodeChunked(tc.spec)
		out = append(out, fuzzHeader{tc.spec.mode, h, tc.spec.payload})
	}
	return out
}

// FuzzChunkedDecoder feeds arbitrary aws-chunked bodies to the verifying
// reader. It must never panic, never report Complete without a clean
// io.EOF, and a signed stream that verifies must decode to the payload
// that was signed (the fuzzer cannot forge HMACs). Body.WriteTo (io.Copy)
// must hand over the same bytes and end the same way as Read.
func FuzzChunkedDecoder(f *testing.F) {
	headers := fuzzHeaders()
	for i, tc := range syntheticCases() {
		body, _, _ := encodeChunked(tc.spec)
		f.Add(uint8(i), body)
		f.Add(uint8(i), body[:len(body)/2])
	}
	f.Add(uint8(0), []byte("0;chunk-signature="+emptySHA256+"\r\n\r\n"))
	f.Add(uint8(3), []byte("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		fh := headers[int(which)%len(headers)]
		p := testParams(fh.mode, fh.header, len(body))
		p.maxChunkSize = 1 << 16
		p.maxTrailerSize = 1 << 10
		b, err := newPayloadReader(io.NopCloser(bytes.NewReader(body)), p)
		if err != nil {
			t.Fatalf("headers of a synthetic case rejected: %v", err)
		}
		copied, _, copyErr := copyBody(t, body, p)
		var out []byte
		buf := make([]byte, 7)
		for {
			n, err := b.Read(buf)
			out = append(out, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				if b.Verified().Complete {
					t.Fatal("Complete after an error")
				}
				if codeOf(err) == "" {
					t.Fatalf("error %T is not an *Error: %v", err, err)
				}
				if codeOf(copyErr) != codeOf(err) || !bytes.Equal(copied, out) {
					t.Fatalf("WriteTo gave %d bytes and %v, Read %d bytes and %v", len(copied), copyErr, len(out), err)
				}
				return
			}
		}
		if copyErr != nil || !bytes.Equal(copied, out) {
			t.Fatalf("WriteTo gave %d bytes and %v, Read %d bytes and a clean EOF", len(copied), copyErr, len(out))
		}
		info := b.Verified()
		if !info.Complete || info.DecodedLength != int64(len(out)) {
			t.Fatalf("clean EOF but Verified() = %+v for %d bytes", info, len(out))
		}
		if want, _ := strconv.Atoi(fh.header.Get("X-Amz-Decoded-Content-Length")); len(out) != want {
			t.Fatalf("clean EOF with %d bytes, decoded length %d", len(out), want)
		}
		if fh.mode != PayloadStreamingUnsignedTrailer && !bytes.Equal(out, fh.payload) {
			t.Fatalf("signed stream verified with a payload that was never signed: %q", out)
		}
	})
}
