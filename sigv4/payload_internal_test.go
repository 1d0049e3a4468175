package sigv4

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/minio/crc64nvme"
)

func TestChecksumKnownVectors(t *testing.T) {
	t.Parallel()
	in := []byte("123456789")
	s1 := sha1.Sum(in)
	s256 := sha256.Sum256(in)
	tests := []struct {
		alg  checksumAlg
		want []byte
	}{
		{checksumCRC32, binary.BigEndian.AppendUint32(nil, 0xcbf43926)},
		{checksumCRC32C, binary.BigEndian.AppendUint32(nil, 0xe3069283)},
		{checksumCRC64NVME, binary.BigEndian.AppendUint64(nil, 0xae8b14860a799888)},
		{checksumSHA1, s1[:]},
		{checksumSHA256, s256[:]},
	}
	for _, tc := range tests {
		t.Run(tc.alg.String(), func(t *testing.T) {
			t.Parallel()
			h := tc.alg.newHash()
			h.Write(in)
			if got := h.Sum(nil); !bytes.Equal(got, tc.want) {
				t.Fatalf("%s(123456789) = %x, want %x", tc.alg, got, tc.want)
			}
			if len(tc.want) != tc.alg.size() {
				t.Fatalf("size %d, want %d", tc.alg.size(), len(tc.want))
			}
			if checksumAlgByHeader(tc.alg.header()) != tc.alg {
				t.Fatal("header name does not map back")
			}
		})
	}
	for _, name := range []string{"x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode", "x-amz-checksum-", "content-md5"} {
		if checksumAlgByHeader(name) != checksumNone {
			t.Errorf("%s treated as a checksum value", name)
		}
	}
}

// CRC-64/NVME built on hash/crc64 must agree with minio's implementation
// (used here only as an independent cross-check).
func TestCRC64NVMEMatchesMinio(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 8, 100, 2047, 2048, 4096, 65536 + 3} {
		data := make([]byte, n)
		_, _ = rand.Read(data)
		h := checksumCRC64NVME.newHash()
		h.Write(data)
		m := crc64nvme.New()
		m.Write(data)
		if got, want := h.Sum(nil), m.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("n=%d: %x, minio %x", n, got, want)
		}
	}
}

func b64sum(alg checksumAlg, data []byte) string {
	h := alg.newHash()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func plainParams(mode PayloadMode, sha string, h http.Header, n int) payloadParams {
	if h == nil {
		h = http.Header{}
	}
	return payloadParams{mode: mode, contentSHA256: sha, header: h, contentLength: int64(n)}
}

type plainCase struct {
	name     string
	mode     PayloadMode
	sha      string
	header   http.Header
	body     []byte
	cl       int
	wantCode string // "" = clean EOF
	wantAlg  string
}

func TestPayloadPlain(t *testing.T) {
	t.Parallel()
	body := []byte("Welcome to Amazon S3.")
	good := "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	md5sum := md5.Sum(body)
	goodMD5 := base64.StdEncoding.EncodeToString(md5sum[:])
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []plainCase{
		{name: "signed ok", mode: PayloadSigned, sha: good, body: body, cl: len(body)},
		{name: "signed unknown length ok", mode: PayloadSigned, sha: good, body: body, cl: -1},
		{name: "signed mismatch", mode: PayloadSigned, sha: emptySHA256, body: body, cl: len(body), wantCode: ErrCodeXAmzContentSHA256Mismatch},
		{name: "signed one byte changed", mode: PayloadSigned, sha: good, body: []byte("welcome to Amazon S3."), cl: len(body), wantCode: ErrCodeXAmzContentSHA256Mismatch},
		{name: "signed empty ok", mode: PayloadSigned, sha: emptySHA256, body: nil, cl: 0},
		{name: "short body", mode: PayloadSigned, sha: good, body: body[:10], cl: len(body), wantCode: ErrCodeIncompleteBody},
		{name: "long body", mode: PayloadSigned, sha: good, body: body, cl: 5, wantCode: ErrCodeIncompleteBody},
		{name: "unsigned ok", mode: PayloadUnsigned, sha: unsignedPayload, body: body, cl: len(body)},
		{name: "unsigned short", mode: PayloadUnsigned, sha: unsignedPayload, body: body[:3], cl: len(body), wantCode: ErrCodeIncompleteBody},
		{name: "none ok", mode: PayloadNone, body: body, cl: -1},
		{name: "md5 ok", mode: PayloadUnsigned, header: hdr("Content-MD5", goodMD5), body: body, cl: len(body)},
		{name: "md5 mismatch", mode: PayloadUnsigned, header: hdr("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), body: body, cl: len(body), wantCode: ErrCodeBadDigest},
		{name: "md5 with signed ok", mode: PayloadSigned, sha: good, header: hdr("Content-MD5", goodMD5), body: body, cl: len(body)},
	}
	for _, alg := range checksumAlgs {
		tests = append(tests,
			plainCase{name: alg.String() + " header ok", mode: PayloadUnsigned, header: hdr(alg.header(), b64sum(alg, body)), body: body, cl: len(body), wantAlg: alg.String()},
			plainCase{name: alg.String() + " header mismatch", mode: PayloadSigned, sha: good, header: hdr(alg.header(), b64sum(alg, body[1:])), body: body, cl: len(body), wantCode: ErrCodeBadDigest},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := copyBody(t, tc.body, plainParams(tc.mode, tc.sha, tc.header, tc.cl)); codeOf(err) != tc.wantCode {
				t.Fatalf("WriteTo: err = %v, want code %q", err, tc.wantCode)
			}
			got, b, err := readBody(t, tc.body, plainParams(tc.mode, tc.sha, tc.header, tc.cl))
			if codeOf(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if err != nil {
				if b.Verified().Complete {
					t.Fatal("Complete after a failure")
				}
				return
			}
			if !bytes.Equal(got, tc.body) {
				t.Fatalf("read %q", got)
			}
			info := b.Verified()
			if !info.Complete || info.DecodedLength != int64(len(tc.body)) || info.Mode != tc.mode || info.ChecksumAlgorithm != tc.wantAlg {
				t.Fatalf("Verified() = %+v", info)
			}
			for _, a := range checksumAlgs {
				if a.String() == tc.wantAlg && info.Checksum != tc.header.Get(a.header()) {
					t.Fatalf("Checksum = %q, want %q", info.Checksum, tc.header.Get(a.header()))
				}
			}
		})
	}
}

func TestNewPayloadReaderRejectsBadHeaders(t *testing.T) {
	t.Parallel()
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	key := testKey()
	streaming := func(mode PayloadMode, h http.Header) payloadParams {
		return payloadParams{mode: mode, header: h, contentLength: -1, signingKey: newMacKey(key), seedSignature: testSeed, amzDate: testDate, scope: testScope}
	}
	tests := []struct {
		name string
		p    payloadParams
		code string
	}{
		{"signed hash not hex", plainParams(PayloadSigned, "zz"+emptySHA256[2:], nil, 0), ErrCodeXAmzContentSHA256Mismatch},
		{"signed hash short", plainParams(PayloadSigned, "abc", nil, 0), ErrCodeXAmzContentSHA256Mismatch},
		{"unknown mode", plainParams(PayloadMode(99), "", nil, 0), ErrCodeInvalidRequest},
		{"checksum not base64", plainParams(PayloadUnsigned, "", hdr("X-Amz-Checksum-Crc32", "!!!!!!!="), 0), ErrCodeInvalidRequest},
		{"checksum wrong length", plainParams(PayloadUnsigned, "", hdr("X-Amz-Checksum-Crc32", "AAAAAAA="), 0), ErrCodeInvalidRequest},
		{"checksum not canonical base64", plainParams(PayloadUnsigned, "", hdr("X-Amz-Checksum-Crc32", "AAAAAB=="), 0), ErrCodeInvalidRequest},
		{"two checksum headers", plainParams(PayloadUnsigned, "", hdr("X-Amz-Checksum-Crc32", "AAAAAA==", "X-Amz-Checksum-Sha1", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="), 0), ErrCodeInvalidRequest},
		{"checksum header twice", plainParams(PayloadUnsigned, "", hdr("X-Amz-Checksum-Crc32", "AAAAAA==", "X-Amz-Checksum-Crc32", "AAAAAA=="), 0), ErrCodeInvalidRequest},
		{"md5 not base64", plainParams(PayloadUnsigned, "", hdr("Content-Md5", "not-md5"), 0), ErrCodeInvalidDigest},
		{"md5 wrong length", plainParams(PayloadUnsigned, "", hdr("Content-Md5", "AAAA"), 0), ErrCodeInvalidDigest},
		{"decoded length missing", streaming(PayloadStreamingSigned, hdr()), ErrCodeMissingContentLength},
		{"decoded length negative", streaming(PayloadStreamingSigned, hdr("X-Amz-Decoded-Content-Length", "-1")), ErrCodeInvalidArgument},
		{"decoded length plus", streaming(PayloadStreamingSigned, hdr("X-Amz-Decoded-Content-Length", "+1")), ErrCodeInvalidArgument},
		{"decoded length junk", streaming(PayloadStreamingSigned, hdr("X-Amz-Decoded-Content-Length", "1x")), ErrCodeInvalidArgument},
		{"trailer missing", streaming(PayloadStreamingSignedTrailer, hdr("X-Amz-Decoded-Content-Length", "1")), ErrCodeInvalidRequest},
		{"trailer empty", streaming(PayloadStreamingUnsignedTrailer, hdr("X-Amz-Trailer", " , ")), ErrCodeInvalidRequest},
		{"trailer unknown", streaming(PayloadStreamingUnsignedTrailer, hdr("X-Amz-Trailer", "x-amz-meta-foo")), ErrCodeInvalidRequest},
		{"trailer two", streaming(PayloadStreamingUnsignedTrailer, hdr("X-Amz-Trailer", "x-amz-checksum-crc32,x-amz-checksum-sha1")), ErrCodeInvalidRequest},
		{"trailer and header checksum", streaming(PayloadStreamingUnsignedTrailer, hdr("X-Amz-Trailer", "x-amz-checksum-crc32", "X-Amz-Checksum-Sha1", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=")), ErrCodeInvalidRequest},
		{"no seed", payloadParams{mode: PayloadStreamingSigned, header: hdr("X-Amz-Decoded-Content-Length", "1"), signingKey: newMacKey(key), amzDate: testDate, scope: testScope}, ErrCodeInternalError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := newPayloadReader(io.NopCloser(bytes.NewReader(nil)), tc.p)
			if codeOf(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if b != nil {
				t.Fatal("returned a Body with an error")
			}
		})
	}
}

var errNetwork = errors.New("connection reset")

func TestPayloadSourceErrorsAreWrapped(t *testing.T) {
	t.Parallel()
	for _, mode := range []PayloadMode{PayloadSigned, PayloadStreamingSigned} {
		body, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: []byte("hello world")})
		p := testParams(mode, h, len(body))
		if mode == PayloadSigned {
			p = plainParams(mode, emptySHA256, nil, len(body))
		}
		src := io.NopCloser(io.MultiReader(bytes.NewReader(body[:5]), iotest.ErrReader(errNetwork)))
		b, err := newPayloadReader(src, p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(b)
		if codeOf(err) != ErrCodeIncompleteBody || !errors.Is(err, errNetwork) {
			t.Fatalf("%s: err = %v, want IncompleteBody wrapping the cause", mode, err)
		}
	}
}

func TestPayloadCloseBeforeEOF(t *testing.T) {
	t.Parallel()
	b, err := newPayloadReader(io.NopCloser(bytes.NewReader([]byte("abc"))), plainParams(PayloadUnsigned, "", nil, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(make([]byte, 10)); codeOf(err) != ErrCodeIncompleteBody {
		t.Fatalf("Read after Close: %v", err)
	}
	if b.Verified().Complete {
		t.Fatal("Complete after Close")
	}
	var nilBody *Body
	if nilBody.Verified() != (PayloadInfo{}) {
		t.Fatal("nil Body Verified")
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errNetwork
	}
	w.n--
	return len(p), nil
}

func TestPayloadWriteToWriterError(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("q"), 100)
	body, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: []int{40}})
	for _, p := range []payloadParams{testParams(PayloadStreamingSigned, h, len(body)), plainParams(PayloadUnsigned, "", nil, len(body))} {
		b, err := newPayloadReader(io.NopCloser(bytes.NewReader(body)), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.WriteTo(&failWriter{n: 0}); !errors.Is(err, errNetwork) {
			t.Fatalf("%v: WriteTo = %v, want the writer's error", p.mode, err)
		}
		if b.Verified().Complete {
			t.Fatal("complete after a failed copy")
		}
	}
}

// TestPayloadCloseDuringRead closes a body from another goroutine while it
// is being read, as http.Transport may do with a request body it is
// sending: the read must fail (never a clean end), and under -race nothing
// that Close touches may race with the reader. Afterwards the pools serve
// another body correctly.
func TestPayloadCloseDuringRead(t *testing.T) {
	t.Parallel()
	for _, mode := range []PayloadMode{PayloadStreamingSigned, PayloadSigned} {
		payload := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
		var wire []byte
		var p payloadParams
		if mode == PayloadSigned {
			sum := sha256.Sum256(payload)
			wire, p = payload, plainParams(PayloadSigned, hex.EncodeToString(sum[:]), nil, len(payload))
		} else {
			var h http.Header
			wire, h, _ = encodeChunked(chunkSpec{mode: mode, payload: payload, sizes: []int{64 << 10, 64 << 10, 64 << 10}})
			p = testParams(mode, h, len(wire))
		}
		pr, pw := io.Pipe()
		body, err := newPayloadReader(pr, p)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, body)
			done <- err
		}()
		if _, err := pw.Write(wire[:100<<10]); err != nil { // part of the body, then the sender closes
			t.Fatal(err)
		}
		if err := body.Close(); err != nil {
			t.Fatal(err)
		}
		go pw.Write(wire[100<<10:]) // a late write fails: the pipe is closed
		if err := <-done; codeOf(err) != ErrCodeIncompleteBody {
			t.Fatalf("%s: read during Close ended with %v, want IncompleteBody", mode, err)
		}
		if body.Verified().Complete {
			t.Fatalf("%s: complete after Close", mode)
		}
		again, err := newPayloadReader(io.NopCloser(bytes.NewReader(wire)), p)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, again); err != nil || n != int64(len(payload)) || !again.Verified().Complete {
			t.Fatalf("%s: body after a closed one: %d bytes, %v", mode, n, err)
		}
	}
}

// TestHeaderChecksumFindsEveryAlgorithm checks headerChecksum's quick
// rejection by length and first byte against every algorithm's header, in
// every spelling a map key can have, and that near misses are ignored.
func TestHeaderChecksumFindsEveryAlgorithm(t *testing.T) {
	t.Parallel()
	for _, a := range checksumAlgs {
		name := a.header()
		for _, key := range []string{name, strings.ToUpper(name), http.CanonicalHeaderKey(name)} {
			got, value, err := headerChecksum(http.Header{"Content-Length": {"1"}, key: {"v"}, "X-Amz-Checksum-Algorithm": {a.String()}})
			if err != nil || got != a || value != "v" {
				t.Errorf("headerChecksum(%s) = %v, %q, %v; want %v, \"v\"", key, got, value, err, a)
			}
		}
	}
	for _, key := range []string{"X-Amz-Checksum-Type", "X-Amz-Checksum-Mode", "X-Amz-Checksum-Crc3", "Y-Amz-Checksum-Crc32", "X-Amz-Checksum-Crc64nvmex"} {
		if got, _, err := headerChecksum(http.Header{key: {"AAAAAA=="}}); got != checksumNone || err != nil {
			t.Errorf("headerChecksum(%s) = %v, %v; want none", key, got, err)
		}
	}
}

// TestNoDigestSkipsOnlyTheScan checks that payloadParams.noDigest, which a
// caller sets only for requests without digest headers, changes nothing
// for them, and that without it a digest header is still found.
func TestNoDigestSkipsOnlyTheScan(t *testing.T) {
	t.Parallel()
	body := []byte("Welcome to Amazon S3.")
	for _, noDigest := range []bool{false, true} {
		p := plainParams(PayloadUnsigned, "", http.Header{"Content-Type": {"text/plain"}}, len(body))
		p.noDigest = noDigest
		got, b, err := readBody(t, body, p)
		if err != nil || !bytes.Equal(got, body) || b.Verified() != (PayloadInfo{Mode: PayloadUnsigned, DecodedLength: int64(len(body)), Complete: true}) {
			t.Fatalf("noDigest=%v: %q, %+v, %v", noDigest, got, b.Verified(), err)
		}
	}
	p := plainParams(PayloadUnsigned, "", http.Header{"Content-Md5": {"AAAAAAAAAAAAAAAAAAAAAA=="}}, len(body))
	if _, _, err := readBody(t, body, p); codeOf(err) != ErrCodeBadDigest {
		t.Fatalf("wrong Content-MD5 without noDigest: %v, want BadDigest", err)
	}
}

// TestHeaderChecksumFindsFoldedSpellings checks that headerChecksum's quick
// rejection by length finds every header it found before it had one:
// strings.EqualFold also folds the Kelvin sign (3 bytes) onto 'k' and the
// long s (2 bytes) onto 's', so a name can fold onto an x-amz-checksum-*
// header and be longer than it. Found in review: such a spelling of
// x-amz-checksum-crc64nvme (or -sha256) was no longer seen.
func TestHeaderChecksumFindsFoldedSpellings(t *testing.T) {
	t.Parallel()
	for _, a := range checksumAlgs {
		// Every combination of folded and plain k and s in the name.
		variants := []string{""}
		for _, c := range a.header() {
			var next []string
			for _, v := range variants {
				next = append(next, v+string(c))
				switch c {
				case 'k':
					next = append(next, v+"\u212a")
				case 's':
					next = append(next, v+"\u017f")
				}
			}
			variants = next
		}
		for _, key := range variants {
			if !strings.EqualFold(key, a.header()) {
				t.Fatalf("test bug: %q does not fold to %s", key, a.header())
			}
			got, value, err := headerChecksum(http.Header{key: {"v"}})
			if err != nil || got != a || value != "v" {
				t.Errorf("headerChecksum(%q) = %v, %q, %v; want %v, \"v\" as strings.EqualFold finds it", key, got, value, err, a)
			}
		}
	}
}
