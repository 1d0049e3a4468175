package sigv4

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// sha256Hasher adapts crypto/sha256 to the md5simd.Hasher minio-go's
// streaming signer wants.
type sha256Hasher struct{ hash.Hash }

func (sha256Hasher) Close() {}

const (
	clientAccessKey = "AKIAIOSFODNN7EXAMPLE"
	clientSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// authField extracts "Name=value" from an Authorization header.
func authField(t *testing.T, auth, name string) string {
	t.Helper()
	i := strings.Index(auth, name+"=")
	if i < 0 {
		t.Fatalf("%s missing in %q", name, auth)
	}
	v := auth[i+len(name)+1:]
	if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	return v
}

// minioStreamingRequest signs a PUT of payload with minio-go's streaming
// signer (signed chunks, optional signed trailer, or unsigned + trailer).
func minioStreamingRequest(t *testing.T, payload []byte, trailer string, unsigned bool) (*http.Request, payloadParams) {
	t.Helper()
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	req, err := http.NewRequest(http.MethodPut, "http://127.0.0.1:9000/bucket/key", io.NopCloser(bytes.NewReader(payload)))
	if err != nil {
		t.Fatal(err)
	}
	if trailer != "" {
		req.Trailer = http.Header{trailer: {b64sum(checksumAlgByHeader(trailer), payload)}}
	}
	mode := PayloadStreamingSigned
	switch {
	case unsigned:
		mode = PayloadStreamingUnsignedTrailer
		// As minio-go's PutObject does for unsigned streaming: it signs the
		// headers (with the wall clock) and frames the body itself.
		req.ContentLength = int64(len(payload))
		req.Header.Set("X-Amz-Content-Sha256", streamingUnsignedPayloadTrailer)
		tr := req.Trailer
		req.Trailer = nil
		req = signer.SignV4Trailer(*req, clientAccessKey, clientSecret, "", "us-east-1", tr)
	default:
		if trailer != "" {
			mode = PayloadStreamingSignedTrailer
		}
		req = signer.StreamingSignV4(req, clientAccessKey, clientSecret, "", "us-east-1", int64(len(payload)), now, sha256Hasher{sha256.New()})
	}
	auth := req.Header.Get("Authorization")
	cred := authField(t, auth, "Credential")
	scope := cred[strings.IndexByte(cred, '/')+1:]
	p := payloadParams{
		mode:          mode,
		contentSHA256: req.Header.Get("X-Amz-Content-Sha256"),
		header:        req.Header,
		contentLength: req.ContentLength,
		signingKey:    newMacKey(deriveSigningKey(clientSecret, req.Header.Get("X-Amz-Date")[:8], "us-east-1", "s3")),
		seedSignature: authField(t, auth, "Signature"),
		amzDate:       req.Header.Get("X-Amz-Date"),
		scope:         scope,
	}
	if p.contentSHA256 != mode.String() {
		t.Fatalf("minio-go sent x-amz-content-sha256 %q, want %q", p.contentSHA256, mode.String())
	}
	return req, p
}

func TestChunkedMinioGoStreamingSigner(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 3*64<<10+12345)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	tests := []struct {
		name     string
		trailer  string
		unsigned bool
		alg      string
	}{
		{"signed", "", false, ""},
		{"signed-trailer-crc32c", "x-amz-checksum-crc32c", false, "CRC32C"},
		{"signed-trailer-crc64nvme", "x-amz-checksum-crc64nvme", false, "CRC64NVME"},
		{"unsigned-trailer-crc32", "x-amz-checksum-crc32", true, "CRC32"},
		{"unsigned-trailer-sha256", "x-amz-checksum-sha256", true, "SHA256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, p := minioStreamingRequest(t, payload, tc.trailer, tc.unsigned)
			wire, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(wire)) != req.ContentLength {
				t.Fatalf("minio-go framed %d bytes, Content-Length %d", len(wire), req.ContentLength)
			}
			got, b, err := readBody(t, wire, p)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatal("decoded payload differs")
			}
			if info := b.Verified(); !info.Complete || info.ChecksumAlgorithm != tc.alg {
				t.Fatalf("Verified() = %+v", info)
			}
			// A flipped data byte in the last data chunk never verifies.
			bad := bytes.Clone(wire)
			bad[len(bad)-200] ^= 1
			if _, _, err := readBody(t, bad, p); err == nil {
				t.Fatal("corrupted body verified")
			}
		})
	}
}
