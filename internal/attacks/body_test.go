package attacks_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"testing"
	"time"
)

const (
	modeSigned         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	modeSignedTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	modeUnsignedTrailr = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

func crc32B64(b []byte) string {
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(out[:])
}

func md5B64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sha256B64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// payload returns n deterministic bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// unsignedTrailerBody frames data as STREAMING-UNSIGNED-PAYLOAD-TRAILER
// with the given trailer lines (each "name:value").
func unsignedTrailerBody(data []byte, trailers ...string) []byte {
	var w bytes.Buffer
	fmt.Fprintf(&w, "%x\r\n%s\r\n0\r\n", len(data), data)
	for _, l := range trailers {
		w.WriteString(l + "\r\n")
	}
	w.WriteString("\r\n")
	return w.Bytes()
}

// signedTrailerBody frames data in two signed chunks, the final chunk and
// a trailer whose signature is computed over trailerLine (sign=false omits
// the trailer signature; badSig sends a wrong one).
func signedTrailerBody(c *chunkSigner, data []byte, trailerLine string, sign, badSig bool) []byte {
	var w bytes.Buffer
	half := len(data) / 2
	w.Write(frame(data[:half], c.chunk(data[:half])))
	w.Write(frame(data[half:], c.chunk(data[half:])))
	fmt.Fprintf(&w, "0;chunk-signature=%s\r\n", c.chunk(nil))
	w.WriteString(trailerLine + "\r\n")
	if sign {
		sig := c.trailer(trailerLine + "\n")
		if badSig {
			sig = c.trailer("x-amz-checksum-crc32:AAAAAA==\n")
		}
		w.WriteString("x-amz-trailer-signature:" + sig + "\r\n")
	}
	w.WriteString("\r\n")
	return w.Bytes()
}

// TestAttack_SecondBodyPath: every way the payload is described besides
// the signed hash (Content-MD5, checksum headers, trailers, the decoded
// length) is verified too; a disagreement is the right error and nothing is
// stored. Runs against the reference server.
func TestAttack_SecondBodyPath(t *testing.T) {
	t.Parallel()
	s := startRefServer(t, "body")
	data := payload(3000)
	other := payload(3000)
	other[1500] ^= 1 // same length: only the content differs
	now := time.Now()
	url := func(key string) string { return s.URL + "/body/" + key }
	tests := []struct {
		name   string
		req    func(key string) *http.Request
		code   string
		status int
	}{
		{"control-signed-with-md5-and-checksum", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now,
				"Content-MD5", md5B64(data), "X-Amz-Checksum-Crc32", crc32B64(data))
		}, "", 200},
		{"content-md5-mismatch", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now, "Content-MD5", md5B64(other))
		}, "BadDigest", 400},
		{"content-md5-mismatch-unsigned-payload", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now,
				"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD", "Content-MD5", md5B64(other))
		}, "BadDigest", 400},
		{"content-md5-mismatch-unsigned-header", func(k string) *http.Request {
			r := signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now, "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			r.Header.Set("Content-MD5", md5B64(other)) // added after signing
			return r
		}, "BadDigest", 400},
		{"content-md5-not-base64", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now, "Content-MD5", "not-an-md5")
		}, "InvalidDigest", 400},
		{"signed-hash-of-other-body", func(k string) *http.Request {
			r := signed(t, http.MethodPut, url(k), other, refRootAK, refRootSK, "", now)
			return withBody(r, data)
		}, "XAmzContentSHA256Mismatch", 400},
		{"checksum-crc32-header-disagrees", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now, "X-Amz-Checksum-Crc32", crc32B64(other))
		}, "BadDigest", 400},
		{"checksum-sha256-header-disagrees-unsigned-payload", func(k string) *http.Request {
			return signed(t, http.MethodPut, url(k), data, refRootAK, refRootSK, "", now,
				"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD", "X-Amz-Checksum-Sha256", sha256B64(other))
		}, "BadDigest", 400},
		{"control-unsigned-trailer", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-crc32:"+crc32B64(data)))
		}, "", 200},
		{"unsigned-trailer-checksum-disagrees", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-crc32:"+crc32B64(other)))
		}, "BadDigest", 400},
		{"unsigned-trailer-missing", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data))
		}, "IncompleteBody", 400},
		{"unsigned-trailer-other-algorithm", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-sha256:"+sha256B64(data)))
		}, "InvalidRequest", 400},
		{"control-signed-trailer", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, signedTrailerBody(c, data, "x-amz-checksum-crc32:"+crc32B64(data), true, false))
		}, "", 200},
		{"signed-trailer-checksum-disagrees", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(data), "x-amz-checksum-crc32", now)
			return withBody(r, signedTrailerBody(c, data, "x-amz-checksum-crc32:"+crc32B64(other), true, false))
		}, "BadDigest", 400},
		{"header-checksum-and-trailer", func(k string) *http.Request {
			r, err := http.NewRequest(http.MethodPut, url(k), nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("X-Amz-Content-Sha256", modeUnsignedTrailr)
			r.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
			r.Header.Set("Content-Encoding", "aws-chunked")
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			r.Header.Set("X-Amz-Checksum-Sha256", sha256B64(other))
			signInPlace(t, r, nil, refRootAK, refRootSK, "", now, region, "s3")
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-crc32:"+crc32B64(data)))
		}, "InvalidRequest", 400},
		{"decoded-length-larger-than-stream", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data)+1, "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-crc32:"+crc32B64(data)))
		}, "IncompleteBody", 400},
		{"decoded-length-smaller-than-stream", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeUnsignedTrailr, len(data)-1, "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(data, "x-amz-checksum-crc32:"+crc32B64(data)))
		}, "IncompleteBody", 400},
		{"decoded-length-disagrees-signed-chunks", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(data)-10, "", now)
			var w bytes.Buffer
			w.Write(frame(data, c.chunk(data)))
			fmt.Fprintf(&w, "0;chunk-signature=%s\r\n\r\n", c.chunk(nil))
			return withBody(r, w.Bytes())
		}, "IncompleteBody", 400},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("obj-%02d", i)
			before := s.files(t)
			got := s.do(t, tc.req(key))
			if got.status != tc.status || got.code != tc.code {
				t.Fatalf("got %d %q, want %d %q\n%s", got.status, got.code, tc.status, tc.code, got.body)
			}
			if tc.code == "" {
				if !s.objectExists("body", key) {
					t.Fatal("control upload was not stored")
				}
				return
			}
			if s.objectExists("body", key) {
				t.Fatal("the object was stored although its body did not verify")
			}
			s.assertNoNewFiles(t, before)
		})
	}
}

// TestAttack_Chunks: forged, truncated, reordered and duplicated aws-chunked
// chunks, a stream that never sends its zero-length final chunk, data after
// it, and trailers that are not signed where they must be; through the
// reference server, nothing is stored.
func TestAttack_Chunks(t *testing.T) {
	t.Parallel()
	s := startRefServer(t, "chunks")
	now := time.Now()
	a, b := payload(9000), bytes.Repeat([]byte("Z"), 5000)
	all := append(append([]byte{}, a...), b...)
	url := func(key string) string { return s.URL + "/chunks/" + key }
	final := func(c *chunkSigner) []byte { return []byte(fmt.Sprintf("0;chunk-signature=%s\r\n\r\n", c.chunk(nil))) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name  string
		build func(key string) *http.Request
		code  string
	}{
		{"control", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c)))
		}, ""},
		{"forged-signature", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			c.chunk(a)
			forged := fmt.Sprintf("%064x", 1)
			return withBody(r, cat(frame(a, forged), frame(b, c.chunk(b)), final(c)))
		}, "SignatureDoesNotMatch"},
		{"altered-data", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			sig := c.chunk(a)
			evil := bytes.Clone(a)
			evil[100] ^= 1
			return withBody(r, cat(frame(evil, sig), frame(b, c.chunk(b)), final(c)))
		}, "SignatureDoesNotMatch"},
		{"signed-with-another-key", func(k string) *http.Request {
			r, _ := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			c := newChunkSigner(r, "not-the-root-secret")
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c)))
		}, "SignatureDoesNotMatch"},
		{"not-chained-from-request-signature", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			c.prev = fmt.Sprintf("%064x", 2)
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c)))
		}, "SignatureDoesNotMatch"},
		{"reordered", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			fa := frame(a, c.chunk(a))
			fb := frame(b, c.chunk(b))
			return withBody(r, cat(fb, fa, final(c)))
		}, "SignatureDoesNotMatch"},
		{"duplicated", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(a)*2, "", now)
			fa := frame(a, c.chunk(a))
			return withBody(r, cat(fa, fa, final(c)))
		}, "SignatureDoesNotMatch"},
		{"final-chunk-dropped", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b))))
		}, "IncompleteBody"},
		{"final-chunk-carries-data", func(k string) *http.Request {
			// A zero-size final chunk header followed by data bytes.
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			w := cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)))
			return withBody(r, cat(w, []byte(fmt.Sprintf("0;chunk-signature=%s\r\nxyz\r\n\r\n", c.chunk(nil)))))
		}, "InvalidRequest"},
		{"final-chunk-signed-as-data", func(k string) *http.Request {
			// The last chunk is not zero-length: b is signed and sent as the
			// final chunk, the stream ends there.
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), []byte("\r\n")))
		}, "InvalidRequest"},
		{"truncated-in-chunk-data", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			w := cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c))
			return withBody(r, w[:len(w)-3000])
		}, "IncompleteBody"},
		{"truncated-final-chunk-signature", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			w := cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c))
			return withBody(r, w[:len(w)-20])
		}, "IncompleteBody"},
		{"data-after-final-chunk", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			return withBody(r, cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)), final(c), []byte("extra")))
		}, "InvalidRequest"},
		{"final-chunk-forged", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			w := cat(frame(a, c.chunk(a)), frame(b, c.chunk(b)))
			return withBody(r, cat(w, []byte(fmt.Sprintf("0;chunk-signature=%064x\r\n\r\n", 3))))
		}, "SignatureDoesNotMatch"},
		{"unsigned-chunk-in-signed-stream", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSigned, len(all), "", now)
			return withBody(r, cat(frame(a, c.chunk(a)), []byte(fmt.Sprintf("%x\r\n%s\r\n", len(b), b)), final(c)))
		}, "InvalidRequest"},
		{"signed-trailer-sent-unsigned", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(all), "x-amz-checksum-crc32", now)
			return withBody(r, signedTrailerBody(c, all, "x-amz-checksum-crc32:"+crc32B64(all), false, false))
		}, "IncompleteBody"}, // the verifier waits for the signature line minio-go sends after a blank line
		{"signed-trailer-sent-unsigned-blank-line", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(all), "x-amz-checksum-crc32", now)
			w := signedTrailerBody(c, all, "x-amz-checksum-crc32:"+crc32B64(all), false, false)
			return withBody(r, append(w, "\r\n"...))
		}, "SignatureDoesNotMatch"},
		{"unsigned-trailer-mode-with-signed-header", func(k string) *http.Request {
			// The request claims signed chunks but frames an unsigned stream.
			r, _ := streamingRequest(t, url(k), modeSignedTrailer, len(all), "x-amz-checksum-crc32", now)
			return withBody(r, unsignedTrailerBody(all, "x-amz-checksum-crc32:"+crc32B64(all)))
		}, "InvalidRequest"},
		{"signed-trailer-wrong-signature", func(k string) *http.Request {
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(all), "x-amz-checksum-crc32", now)
			return withBody(r, signedTrailerBody(c, all, "x-amz-checksum-crc32:"+crc32B64(all), true, true))
		}, "SignatureDoesNotMatch"},
		{"signed-trailer-replaced", func(k string) *http.Request {
			// The trailer signature is for the real checksum; the attacker
			// swaps in a checksum of other data.
			r, c := streamingRequest(t, url(k), modeSignedTrailer, len(all), "x-amz-checksum-crc32", now)
			w := signedTrailerBody(c, all, "x-amz-checksum-crc32:"+crc32B64(all), true, false)
			w = bytes.Replace(w, []byte(crc32B64(all)), []byte(crc32B64(a)), 1)
			return withBody(r, w)
		}, "SignatureDoesNotMatch"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("chunked-%02d", i)
			before := s.files(t)
			got := s.do(t, tc.build(key))
			if tc.code == "" {
				if got.status != 200 || !s.objectExists("chunks", key) {
					t.Fatalf("control upload failed: %d %s", got.status, got.body)
				}
				return
			}
			if got.code != tc.code || got.status < 400 || got.status >= 500 {
				t.Fatalf("got %d %q, want %q\n%s", got.status, got.code, tc.code, got.body)
			}
			if s.objectExists("chunks", key) {
				t.Fatal("the object was stored although its chunks did not verify")
			}
			s.assertNoNewFiles(t, before)
		})
	}
}
