package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ---- shared testdata (../shared/testdata relative to the module root) ----

type docExamples struct {
	AmzDate         string `json:"amz_date"`
	CredentialScope string `json:"credential_scope"`
	SigningKeyHex   string `json:"signing_key_hex"`
	Region          string `json:"region"`
	Service         string `json:"service"`
	Credentials     struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
	} `json:"credentials"`
	Cases []docCase `json:"cases"`
}

type docCase struct {
	ID                 string      `json:"id"`
	Auth               string      `json:"auth"`
	Headers            [][2]string `json:"headers"`
	XAmzContentSHA256  string      `json:"x_amz_content_sha256"`
	Signature          string      `json:"signature"`
	SeedSignature      string      `json:"seed_signature"`
	Payload            docPayload  `json:"payload"`
	WireBody           docWire     `json:"wire_body"`
	AlternateWireBodys []docWire   `json:"alternate_wire_bodies"`
	Chunks             []struct {
		DataLength int    `json:"data_length"`
		Signature  string `json:"signature"`
	} `json:"chunks"`
	Trailer *struct {
		Headers   [][2]string `json:"headers"`
		Signature string      `json:"signature"`
	} `json:"trailer"`
}

type docPayload struct {
	Kind   string `json:"kind"`
	Byte   string `json:"byte"`
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

type docWire struct {
	Segments []struct {
		Text   *string `json:"text"`
		Repeat string  `json:"repeat"`
		Count  int     `json:"count"`
	} `json:"segments"`
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

func (w docWire) bytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, s := range w.Segments {
		if s.Text != nil {
			b.WriteString(*s.Text)
		} else {
			b.WriteString(strings.Repeat(s.Repeat, s.Count))
		}
	}
	if b.Len() != w.Length {
		t.Fatalf("wire body is %d bytes, testdata says %d", b.Len(), w.Length)
	}
	if sum := sha256.Sum256(b.Bytes()); hex.EncodeToString(sum[:]) != w.SHA256 {
		t.Fatalf("wire body sha256 mismatch")
	}
	return b.Bytes()
}

func testdataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

func loadDocExamples(t testing.TB) *docExamples {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testdataDir(t), "s3-doc-examples.json"))
	if err != nil {
		t.Fatalf("shared testdata missing (expected beside the repo in ../shared/testdata): %v", err)
	}
	var d docExamples
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func (d *docExamples) chunkedCase(t testing.TB, id string) docCase {
	t.Helper()
	for _, c := range d.Cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("case %s not in testdata", id)
	return docCase{}
}

func (c docCase) header() http.Header {
	h := http.Header{}
	for _, kv := range c.Headers {
		h.Add(kv[0], kv[1])
	}
	return h
}

func (c docCase) mode() PayloadMode {
	switch c.XAmzContentSHA256 {
	case streamingSignedPayload:
		return PayloadStreamingSigned
	case streamingSignedPayloadTrailer:
		return PayloadStreamingSignedTrailer
	case streamingUnsignedPayloadTrailer:
		return PayloadStreamingUnsignedTrailer
	}
	return PayloadSigned
}

func (d *docExamples) params(t testing.TB, c docCase, wireLen int) payloadParams {
	t.Helper()
	key, err := hex.DecodeString(d.SigningKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	return payloadParams{
		mode:          c.mode(),
		contentSHA256: c.XAmzContentSHA256,
		header:        c.header(),
		contentLength: int64(wireLen),
		signingKey:    newMacKey(key),
		seedSignature: c.SeedSignature,
		amzDate:       d.AmzDate,
		scope:         d.CredentialScope,
	}
}

// ---- an independent test encoder for aws-chunked bodies ----

// chunkSpec describes a body for encodeChunked.
type chunkSpec struct {
	mode       PayloadMode
	payload    []byte
	sizes      []int  // data chunk sizes; the rest of payload goes in one more chunk
	trailer    string // trailer header name; "" for none
	minioStyle bool   // frame trailers the way minio-go does
}

const (
	testDate  = "20130524T000000Z"
	testScope = "20130524/us-east-1/s3/aws4_request"
	testSeed  = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
)

func testKey() []byte {
	return deriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3")
}

func hmacHex(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// encodeChunked frames spec.payload as aws-chunked, signing with testKey.
// It returns the body, the headers a client sends and the chunk boundaries
// (offsets into payload at which each chunk ends).
func encodeChunked(spec chunkSpec) ([]byte, http.Header, []int) {
	key := testKey()
	signed := spec.mode != PayloadStreamingUnsignedTrailer
	var out bytes.Buffer
	prev := testSeed
	var ends []int
	rest := spec.payload
	var chunks [][]byte
	for _, n := range spec.sizes {
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	if len(rest) > 0 {
		chunks = append(chunks, rest)
	}
	chunks = append(chunks, nil)
	off := 0
	for _, c := range chunks {
		if signed {
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + testDate + "\n" + testScope + "\n" + prev + "\n" + emptySHA256 + "\n" + sha256Hex(c)
			prev = hmacHex(key, sts)
			out.WriteString(strconv.FormatInt(int64(len(c)), 16) + ";chunk-signature=" + prev + "\r\n")
		} else {
			out.WriteString(strconv.FormatInt(int64(len(c)), 16) + "\r\n")
		}
		out.Write(c)
		if len(c) > 0 || spec.trailer == "" {
			out.WriteString("\r\n")
		}
		off += len(c)
		ends = append(ends, off)
	}
	h := http.Header{}
	h.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(spec.payload)))
	h.Set("Content-Encoding", "aws-chunked")
	if spec.trailer != "" {
		h.Set("X-Amz-Trailer", spec.trailer)
		a := checksumAlgByHeader(spec.trailer)
		hs := a.newHash()
		hs.Write(spec.payload)
		line := spec.trailer + ":" + base64.StdEncoding.EncodeToString(hs.Sum(nil))
		if spec.minioStyle {
			// minio-go: name:value LF, then CRLF, [signature CRLF], CRLF.
			out.WriteString(line + "\n\r\n")
		} else {
			out.WriteString(line + "\r\n")
		}
		if signed {
			sts := "AWS4-HMAC-SHA256-TRAILER\n" + testDate + "\n" + testScope + "\n" + prev + "\n" + sha256Hex([]byte(line+"\n"))
			out.WriteString("x-amz-trailer-signature:" + hmacHex(key, sts) + "\r\n")
		}
		out.WriteString("\r\n")
	}
	return out.Bytes(), h, ends
}

func testParams(mode PayloadMode, h http.Header, n int) payloadParams {
	return payloadParams{
		mode:          mode,
		contentSHA256: mode.String(),
		header:        h,
		contentLength: int64(n),
		signingKey:    newMacKey(testKey()),
		seedSignature: testSeed,
		amzDate:       testDate,
		scope:         testScope,
	}
}

// readBody reads everything with a small odd buffer (to exercise partial
// reads) and returns the bytes and the final error (nil on clean EOF).
func readBody(t testing.TB, body []byte, p payloadParams) ([]byte, *Body, error) {
	t.Helper()
	b, err := newPayloadReader(io.NopCloser(bytes.NewReader(body)), p)
	if err != nil {
		return nil, nil, err
	}
	var out []byte
	buf := make([]byte, 4093)
	for {
		n, err := b.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, b, nil
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read returned %T %v, want *Error", err, err)
			}
			// The error is sticky.
			if _, err2 := b.Read(buf); err2 != err {
				t.Fatalf("second Read after failure returned %v, want the same %v", err2, err)
			}
			return out, b, err
		}
	}
}

// copyBody is readBody through Body.WriteTo (what io.Copy uses).
func copyBody(t testing.TB, body []byte, p payloadParams) ([]byte, *Body, error) {
	t.Helper()
	b, err := newPayloadReader(io.NopCloser(bytes.NewReader(body)), p)
	if err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	n, err := b.WriteTo(&out)
	if n != int64(out.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, out.Len())
	}
	if err != nil {
		if codeOf(err) == "" {
			t.Fatalf("WriteTo returned %T %v, want *Error", err, err)
		}
		if _, err2 := b.Read(make([]byte, 8)); err2 != err {
			t.Fatalf("Read after a failed WriteTo returned %v, want the same %v", err2, err)
		}
	}
	return out.Bytes(), b, err
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ---- tests ----

func TestChunkedDocExamples(t *testing.T) {
	t.Parallel()
	d := loadDocExamples(t)
	for _, id := range []string{"put-object-chunked", "put-object-chunked-trailer"} {
		c := d.chunkedCase(t, id)
		wires := append([]docWire{c.WireBody}, c.AlternateWireBodys...)
		for i, w := range wires {
			t.Run(id+"/wire"+strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				body := w.bytes(t)
				if got, _, err := copyBody(t, body, d.params(t, c, len(body))); err != nil || !bytes.Equal(got, bytes.Repeat([]byte("a"), c.Payload.Length)) {
					t.Fatalf("verify through WriteTo: %v", err)
				}
				got, b, err := readBody(t, body, d.params(t, c, len(body)))
				if err != nil {
					t.Fatalf("verify: %v", err)
				}
				if len(got) != c.Payload.Length || sha256Hex(got) != c.Payload.SHA256 {
					t.Fatalf("decoded %d bytes (sha %s), want %d (%s)", len(got), sha256Hex(got), c.Payload.Length, c.Payload.SHA256)
				}
				info := b.Verified()
				if !info.Complete || info.DecodedLength != int64(c.Payload.Length) || info.Mode != c.mode() {
					t.Fatalf("Verified() = %+v", info)
				}
				if c.Trailer != nil {
					if info.ChecksumAlgorithm != "CRC32C" || info.Checksum != c.Trailer.Headers[0][1] {
						t.Fatalf("checksum = %s %s, want CRC32C %s", info.ChecksumAlgorithm, info.Checksum, c.Trailer.Headers[0][1])
					}
				}
			})
		}
	}
}

// The doc signing key must be what deriveSigningKey computes, and the test
// encoder must reproduce the published wire bodies byte for byte, so the
// synthetic bodies the other tests use are framed exactly like AWS's.
func TestChunkedEncoderReproducesDocBodies(t *testing.T) {
	t.Parallel()
	d := loadDocExamples(t)
	if got := hex.EncodeToString(testKey()); got != d.SigningKeyHex {
		t.Fatalf("deriveSigningKey = %s, testdata %s", got, d.SigningKeyHex)
	}
	payload := bytes.Repeat([]byte("a"), 66560)
	c := d.chunkedCase(t, "put-object-chunked")
	body, _, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: []int{65536}})
	if !bytes.Equal(body, c.WireBody.bytes(t)) {
		t.Fatal("test encoder does not reproduce the published 66824-byte body")
	}
	// The trailer example has a different seed; re-sign with it.
	ct := d.chunkedCase(t, "put-object-chunked-trailer")
	body = encodeWithSeed(t, ct.SeedSignature, payload, "x-amz-checksum-crc32c")
	if !bytes.Equal(body, ct.WireBody.bytes(t)) {
		t.Fatal("test encoder does not reproduce the published 66946-byte trailer body")
	}
}

func encodeWithSeed(t *testing.T, seed string, payload []byte, trailer string) []byte {
	t.Helper()
	body, _, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSignedTrailer, payload: payload, sizes: []int{65536}, trailer: trailer})
	// encodeChunked signs from testSeed; redo the chain from seed.
	key := testKey()
	var out bytes.Buffer
	prev := seed
	for _, c := range [][]byte{payload[:65536], payload[65536:], nil} {
		prev = hmacHex(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+testDate+"\n"+testScope+"\n"+prev+"\n"+emptySHA256+"\n"+sha256Hex(c))
		out.WriteString(strconv.FormatInt(int64(len(c)), 16) + ";chunk-signature=" + prev + "\r\n")
		out.Write(c)
		if len(c) > 0 {
			out.WriteString("\r\n")
		}
	}
	crc := crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli))
	line := trailer + ":" + base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	out.WriteString(line + "\r\n")
	out.WriteString("x-amz-trailer-signature:" + hmacHex(key, "AWS4-HMAC-SHA256-TRAILER\n"+testDate+"\n"+testScope+"\n"+prev+"\n"+sha256Hex([]byte(line+"\n"))) + "\r\n\r\n")
	_ = body
	return out.Bytes()
}

// syntheticCases are small bodies for exhaustive corruption and truncation.
func syntheticCases() []struct {
	name string
	spec chunkSpec
} {
	payload := []byte("The quick brown fox jumps over the lazy dog, 0123456789!")
	return []struct {
		name string
		spec chunkSpec
	}{
		{"signed", chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: []int{16, 16}}},
		{"signed-trailer-crc32c", chunkSpec{mode: PayloadStreamingSignedTrailer, payload: payload, sizes: []int{20}, trailer: "x-amz-checksum-crc32c"}},
		{"signed-trailer-sha256-minio", chunkSpec{mode: PayloadStreamingSignedTrailer, payload: payload, sizes: []int{20}, trailer: "x-amz-checksum-sha256", minioStyle: true}},
		{"unsigned-trailer-crc32", chunkSpec{mode: PayloadStreamingUnsignedTrailer, payload: payload, sizes: []int{10, 30}, trailer: "x-amz-checksum-crc32"}},
		{"unsigned-trailer-crc64nvme-minio", chunkSpec{mode: PayloadStreamingUnsignedTrailer, payload: payload, sizes: []int{10}, trailer: "x-amz-checksum-crc64nvme", minioStyle: true}},
		{"unsigned-trailer-sha1", chunkSpec{mode: PayloadStreamingUnsignedTrailer, payload: payload, trailer: "x-amz-checksum-sha1"}},
		{"signed-empty", chunkSpec{mode: PayloadStreamingSigned, payload: nil}},
	}
}

func TestChunkedSyntheticVerify(t *testing.T) {
	t.Parallel()
	for _, tc := range syntheticCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, h, _ := encodeChunked(tc.spec)
			for _, read := range []func(testing.TB, []byte, payloadParams) ([]byte, *Body, error){readBody, copyBody} {
				got, b, err := read(t, body, testParams(tc.spec.mode, h, len(body)))
				if err != nil {
					t.Fatalf("verify: %v\nbody: %q", err, body)
				}
				if !bytes.Equal(got, tc.spec.payload) || !b.Verified().Complete {
					t.Fatalf("decoded %q, complete=%v", got, b.Verified().Complete)
				}
			}
		})
	}
}

// corruptions are the single-byte substitutions tried at every position.
var corruptions = []func(byte) byte{
	func(c byte) byte { return c ^ 0x01 },
	func(c byte) byte { return c ^ 0x20 },
	func(c byte) byte { return c ^ 0x80 },
	func(c byte) byte { return '0' },
	func(c byte) byte { return '\n' },
}

// checkRejected asserts body never reaches a clean EOF and, for signed
// streams, that only bytes of verified chunks were released.
func checkRejected(t *testing.T, body []byte, p payloadParams, payload []byte, what string) {
	t.Helper()
	for _, read := range []func(testing.TB, []byte, payloadParams) ([]byte, *Body, error){readBody, copyBody} {
		got, _, err := read(t, body, p)
		if err == nil {
			t.Fatalf("%s: reached a clean EOF", what)
		}
		// Unsigned streams can only be checked at the end, so their bytes
		// flow before verification; signed chunks are released only once
		// verified.
		if p.mode != PayloadStreamingUnsignedTrailer && !bytes.HasPrefix(payload, got) {
			t.Fatalf("%s: released bytes that are not a prefix of the payload: %q", what, got)
		}
	}
}

// caseInsensitive marks the bytes of a well-formed aws-chunked body whose
// letter case carries no meaning: hex digits of chunk sizes and trailer
// names (HTTP semantics). Flipping their case is an equivalent encoding,
// not a corruption, so the corruption tests skip exactly those flips.
func caseInsensitive(body []byte) []bool {
	mask := make([]bool, len(body))
	i := 0
	for i < len(body) {
		j := i
		for j < len(body) && body[j] != ';' && body[j] != '\r' {
			mask[j] = true
			j++
		}
		size, _ := strconv.ParseInt(string(body[i:j]), 16, 64)
		nl := bytes.IndexByte(body[j:], '\n')
		if nl < 0 {
			break
		}
		i = j + nl + 1
		if size == 0 {
			break
		}
		i += int(size) + 2
	}
	for i < len(body) { // trailer lines
		colon := bytes.IndexByte(body[i:], ':')
		nl := bytes.IndexByte(body[i:], '\n')
		if nl < 0 {
			break
		}
		if colon >= 0 && colon < nl {
			for k := i; k < i+colon; k++ {
				mask[k] = true
			}
		}
		i += nl + 1
	}
	return mask
}

func isCaseFlip(a, b byte) bool {
	return a != b && a|0x20 == b|0x20 && a|0x20 >= 'a' && a|0x20 <= 'z'
}

func TestChunkedEveryByteCorruptionFails(t *testing.T) {
	t.Parallel()
	for _, tc := range syntheticCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, h, _ := encodeChunked(tc.spec)
			p := testParams(tc.spec.mode, h, len(body))
			mask := caseInsensitive(body)
			for i := range body {
				for _, f := range corruptions {
					c := f(body[i])
					if c == body[i] || mask[i] && isCaseFlip(c, body[i]) {
						continue
					}
					bad := bytes.Clone(body)
					bad[i] = c
					checkRejected(t, bad, p, tc.spec.payload, "byte "+strconv.Itoa(i)+" "+strconv.Quote(string(body[i]))+"->"+strconv.Quote(string(c)))
				}
			}
		})
	}
}

func TestChunkedDocEveryFramingByteCorruptionFails(t *testing.T) {
	t.Parallel()
	d := loadDocExamples(t)
	for _, id := range []string{"put-object-chunked", "put-object-chunked-trailer"} {
		c := d.chunkedCase(t, id)
		wires := append([]docWire{c.WireBody}, c.AlternateWireBodys...)
		for wi, w := range wires {
			t.Run(id+"/wire"+strconv.Itoa(wi), func(t *testing.T) {
				t.Parallel()
				body := w.bytes(t)
				p := d.params(t, c, len(body))
				payload := bytes.Repeat([]byte("a"), c.Payload.Length)
				mask := caseInsensitive(body)
				for i := range body {
					// Every framing byte; data bytes at a stride (every data
					// byte is covered by the synthetic exhaustive test).
					if body[i] == 'a' && i%1013 != 0 && body[i-1] == 'a' && i+1 < len(body) && body[i+1] == 'a' {
						continue
					}
					for _, f := range corruptions[:3] {
						if mask[i] && isCaseFlip(f(body[i]), body[i]) {
							continue
						}
						bad := bytes.Clone(body)
						bad[i] = f(body[i])
						checkRejected(t, bad, p, payload, "byte "+strconv.Itoa(i))
					}
				}
			})
		}
	}
}

func TestChunkedTruncationFails(t *testing.T) {
	t.Parallel()
	for _, tc := range syntheticCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, h, _ := encodeChunked(tc.spec)
			for n := 0; n < len(body); n++ {
				// The Content-Length the client claimed is unknown (-1) or the
				// truncated length: both must fail.
				for _, cl := range []int64{-1, int64(n)} {
					p := testParams(tc.spec.mode, h, n)
					p.contentLength = cl
					checkRejected(t, body[:n], p, tc.spec.payload, "truncated at "+strconv.Itoa(n))
				}
			}
			// Appended garbage fails too.
			for _, extra := range []string{"x", "\r\n", "0\r\n\r\n", "\n"} {
				checkRejected(t, append(bytes.Clone(body), extra...), testParams(tc.spec.mode, h, len(body)+len(extra)), tc.spec.payload, "appended "+strconv.Quote(extra))
			}
		})
	}
}

func TestChunkedDocTruncationFails(t *testing.T) {
	t.Parallel()
	d := loadDocExamples(t)
	for _, id := range []string{"put-object-chunked", "put-object-chunked-trailer"} {
		c := d.chunkedCase(t, id)
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			body := c.WireBody.bytes(t)
			payload := bytes.Repeat([]byte("a"), c.Payload.Length)
			for n := 0; n < len(body); n++ {
				if body[n] == 'a' && n%997 != 0 && n > 0 && body[n-1] == 'a' {
					continue
				}
				p := d.params(t, c, n)
				p.contentLength = -1
				checkRejected(t, body[:n], p, payload, "truncated at "+strconv.Itoa(n))
			}
		})
	}
}

// splitChunks returns the raw framed chunks of a signed body (header line,
// data, CRLF), the last one being the final chunk with what follows it.
func splitChunks(t *testing.T, body []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(body) > 0 {
		i := bytes.Index(body, []byte("\r\n"))
		size, err := strconv.ParseInt(string(body[:bytes.IndexByte(body, ';')]), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			out = append(out, body)
			break
		}
		end := i + 2 + int(size) + 2
		out = append(out, body[:end])
		body = body[end:]
	}
	return out
}

func TestChunkedReorderedDuplicatedDroppedChunksFail(t *testing.T) {
	t.Parallel()
	payload := []byte("chunk-one-data..chunk-two-data..chunk-three-data")
	for _, mode := range []PayloadMode{PayloadStreamingSigned, PayloadStreamingSignedTrailer} {
		spec := chunkSpec{mode: mode, payload: payload, sizes: []int{16, 16}}
		if mode == PayloadStreamingSignedTrailer {
			spec.trailer = "x-amz-checksum-crc32"
		}
		body, h, _ := encodeChunked(spec)
		ch := splitChunks(t, body)
		if len(ch) != 4 {
			t.Fatalf("want 4 chunks, got %d", len(ch))
		}
		join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
		cases := map[string][]byte{
			"swap 1 and 2":      join(ch[1], ch[0], ch[2], ch[3]),
			"swap 2 and 3":      join(ch[0], ch[2], ch[1], ch[3]),
			"duplicate 1":       join(ch[0], ch[0], ch[1], ch[2], ch[3]),
			"duplicate 2":       join(ch[0], ch[1], ch[1], ch[2], ch[3]),
			"drop 2":            join(ch[0], ch[2], ch[3]),
			"drop final":        join(ch[0], ch[1], ch[2]),
			"final twice":       join(ch[0], ch[1], ch[2], ch[3], ch[3]),
			"only final":        ch[3],
			"data chunk at end": join(ch[0], ch[1], ch[3], ch[2]),
		}
		for name, bad := range cases {
			h2 := h.Clone()
			checkRejected(t, bad, testParams(mode, h2, len(bad)), payload, mode.String()+" "+name)
		}
	}
}

func TestChunkedDecodedLengthMustMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range syntheticCases() {
		body, h, _ := encodeChunked(tc.spec)
		n := len(tc.spec.payload)
		for _, v := range []string{strconv.Itoa(n + 1), strconv.Itoa(n - 1), "0", "99999999"} {
			if v == strconv.Itoa(n) || v == "-1" {
				continue
			}
			h2 := h.Clone()
			h2.Set("X-Amz-Decoded-Content-Length", v)
			_, _, err := readBody(t, body, testParams(tc.spec.mode, h2, len(body)))
			if codeOf(err) != ErrCodeIncompleteBody {
				t.Errorf("%s decoded length %s: err %v, want IncompleteBody", tc.name, v, err)
			}
		}
	}
}

// A chunk's bytes are released only after its signature verified: with
// chunk 2 corrupted, exactly chunk 1 comes out.
func TestChunkedReleasesOnlyVerifiedChunks(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("0123456789abcdef"), 8) // 128 bytes
	body, h, ends := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: []int{32, 32, 32}})
	ch := splitChunks(t, body)
	pos := len(ch[0]) + len(ch[1]) - 5 // inside chunk 2's data
	bad := bytes.Clone(body)
	bad[pos] ^= 1
	got, _, err := readBody(t, bad, testParams(PayloadStreamingSigned, h, len(bad)))
	if codeOf(err) != ErrCodeSignatureDoesNotMatch {
		t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
	}
	if len(got) != ends[0] {
		t.Fatalf("released %d bytes, want exactly chunk 1 (%d)", len(got), ends[0])
	}
}

func TestChunkedLimits(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("x"), 100)
	body, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: []int{64}})
	p := testParams(PayloadStreamingSigned, h, len(body))
	p.maxChunkSize = 50
	if _, _, err := readBody(t, body, p); codeOf(err) != ErrCodeInvalidRequest {
		t.Fatalf("chunk over the limit: %v", err)
	}
	// A header claiming a huge chunk does not allocate it up front.
	huge := []byte("fffffff;chunk-signature=" + strings.Repeat("0", 64) + "\r\nabc")
	h2 := h.Clone()
	h2.Set("X-Amz-Decoded-Content-Length", "268435455")
	p2 := testParams(PayloadStreamingSigned, h2, len(huge))
	p2.maxChunkSize = 1 << 30
	b, _ := newPayloadReader(io.NopCloser(bytes.NewReader(huge)), p2)
	if _, err := b.cs.br.ReadSlice('\n'); err != nil {
		t.Fatal(err)
	}
	if _, err := b.readChunkData(0xfffffff); codeOf(err) != ErrCodeIncompleteBody {
		t.Fatalf("short chunk: %v", err)
	}
	if cap(b.buf) > minChunkBuffer {
		t.Fatalf("chunk buffer grew to %d for 3 bytes of data", cap(b.buf))
	}
	// A chunk bigger than the pooled buffer grows it as its bytes arrive.
	big := bytes.Repeat([]byte("y"), 3*minChunkBuffer+5)
	bb, bh, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: big})
	if got, _, err := readBody(t, bb, testParams(PayloadStreamingSigned, bh, len(bb))); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("big chunk: %v", err)
	}
	// Trailer over its limit.
	tb, th, _ := encodeChunked(chunkSpec{mode: PayloadStreamingUnsignedTrailer, payload: payload, trailer: "x-amz-checksum-sha256"})
	p3 := testParams(PayloadStreamingUnsignedTrailer, th, len(tb))
	p3.maxTrailerSize = 20
	if _, _, err := readBody(t, tb, p3); codeOf(err) != ErrCodeInvalidRequest {
		t.Fatalf("trailer over the limit: %v", err)
	}
}

func TestEncodeHex(t *testing.T) {
	t.Parallel()
	src := make([]byte, 41)
	for i := range src {
		src[i] = byte(i*67 + 13)
	}
	src[0], src[1], src[2], src[3] = 0x00, 0xff, 0x09, 0xa0 // both ends and both sides of 9/a
	for n := 0; n <= len(src); n++ {
		got := make([]byte, 2*n+3)
		encodeHex(got, src[:n])
		if want := hex.EncodeToString(src[:n]); string(got[:2*n]) != want || !bytes.Equal(got[2*n:], make([]byte, 3)) {
			t.Fatalf("encodeHex(%x) = %q, want %q and nothing written after it", src[:n], got, want)
		}
	}
	for v := range 256 {
		var got [2]byte
		encodeHex(got[:], []byte{byte(v)})
		if want := hex.EncodeToString([]byte{byte(v)}); string(got[:]) != want {
			t.Fatalf("encodeHex(%#x) = %q, want %q", v, got, want)
		}
		var got4 [8]byte
		encodeHex(got4[:], []byte{byte(v), byte(v), byte(v), byte(v)})
		if want := strings.Repeat(hex.EncodeToString([]byte{byte(v)}), 4); string(got4[:]) != want {
			t.Fatalf("encodeHex(4 x %#x) = %q, want %q", v, got4, want)
		}
	}
}

// TestChunkMAC checks the chunk HMAC that starts from a precomputed state
// against crypto/hmac, for heads of the string to sign shorter than, equal
// to and longer than a SHA-256 block, over a chain of chunks.
func TestChunkMAC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, date, scope string
		precomputed       bool
	}{
		{"short head (no whole block)", "d", "s", false},
		{"head of exactly one block", testDate, strings.Repeat("s", 64-25-len(testDate)-2), true},
		{"usual head", testDate, testScope, true},
		{"head over two blocks", testDate, testScope + strings.Repeat("x", 80), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := testParams(PayloadStreamingSigned, http.Header{"X-Amz-Decoded-Content-Length": {"0"}}, 0)
			p.amzDate, p.scope = tc.date, tc.scope
			b, err := newPayloadReader(io.NopCloser(bytes.NewReader(nil)), p)
			if err != nil {
				t.Fatal(err)
			}
			cs := b.cs
			if (cs.macInner != nil) != tc.precomputed {
				t.Fatalf("precomputed state: %v, want %v", cs.macInner != nil, tc.precomputed)
			}
			for i := range 3 {
				cs.sts[cs.stsHash] = byte('0' + i) // a different chunk hash each time
				var out [sha256.Size]byte
				got := cs.chunkMAC(b.key, out[:0])
				m := hmac.New(sha256.New, testKey())
				m.Write(cs.sts)
				if want := m.Sum(nil); !bytes.Equal(got, want) {
					t.Fatalf("chunk %d: chunkMAC = %x, want %x", i, got, want)
				}
				copy(cs.sts[cs.stsPrev:], hex.EncodeToString(got))
			}
		})
	}
}
