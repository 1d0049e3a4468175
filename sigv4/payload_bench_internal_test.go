package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Payload sizes of the benchmarks: a 64 KiB object (one chunk) and a
// 1 MiB object (16 chunks of 64 KiB), as SDKs frame them.
var benchSizes = []struct {
	name string
	n    int
}{{"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

func benchPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*31 + i>>8)
	}
	return p
}

// BenchmarkBaseline_SHA256 is the yardstick: crypto/sha256 over the same
// payload bytes the verifying benchmarks read.
func BenchmarkBaseline_SHA256(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			p := benchPayload(s.n)
			b.SetBytes(int64(s.n))
			b.ReportAllocs()
			defer reportCPUThroughput(b, s.n)()
			var sum [sha256.Size]byte
			for b.Loop() {
				sum = sha256.Sum256(p)
			}
			_ = sum
		})
	}
}

// reportCPUThroughput reports CPU time per operation ("cpu-ns/op") and
// throughput per CPU second ("cpu-MB/s") for n bytes per operation.
func reportCPUThroughput(b *testing.B, n int) func() {
	start := payloadProcessCPU()
	return func() {
		d := payloadProcessCPU() - start
		if d <= 0 || b.N == 0 {
			return
		}
		perOp := float64(d.Nanoseconds()) / float64(b.N)
		b.ReportMetric(perOp, "cpu-ns/op")
		b.ReportMetric(float64(n)/perOp*1e3, "cpu-MB/s")
	}
}

// benchRead reads a verifying body to its end the way a host copying to
// storage does: io.Copy (which uses Body.WriteTo).
func benchRead(b *testing.B, wire []byte, p payloadParams, _ []byte) {
	body, err := newPayloadReader(io.NopCloser(bytes.NewReader(wire)), p)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		b.Fatal(err)
	}
}

func benchStreaming(b *testing.B, n int) {
	payload := benchPayload(n)
	var sizes []int
	for i := 64 << 10; i < n; i += 64 << 10 {
		sizes = append(sizes, 64<<10)
	}
	wire, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: sizes})
	p := testParams(PayloadStreamingSigned, h, len(wire))
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	defer reportCPUThroughput(b, n)()
	for b.Loop() {
		benchRead(b, wire, p, buf)
	}
}

// BenchmarkVerify_Streaming64KiB verifies a 64 KiB object sent as
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (one 64 KiB chunk plus the final one).
func BenchmarkVerify_Streaming64KiB(b *testing.B) { benchStreaming(b, 64<<10) }

// BenchmarkVerify_Streaming1MiB verifies a 1 MiB object in 64 KiB chunks.
func BenchmarkVerify_Streaming1MiB(b *testing.B) { benchStreaming(b, 1<<20) }

// BenchmarkVerify_SignedPayload1MiB verifies a 1 MiB body against its
// signed x-amz-content-sha256.
func BenchmarkVerify_SignedPayload1MiB(b *testing.B) {
	payload := benchPayload(1 << 20)
	sum := sha256.Sum256(payload)
	p := plainParams(PayloadSigned, hex.EncodeToString(sum[:]), nil, len(payload))
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	defer reportCPUThroughput(b, len(payload))()
	for b.Loop() {
		benchRead(b, payload, p, buf)
	}
}

// BenchmarkVerify_UnsignedTrailer1MiB verifies a 1 MiB object sent as
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer (the
// aws-sdk-go-v2 default over TLS).
func BenchmarkVerify_UnsignedTrailer1MiB(b *testing.B) {
	payload := benchPayload(1 << 20)
	var sizes []int
	for i := 64 << 10; i < len(payload); i += 64 << 10 {
		sizes = append(sizes, 64<<10)
	}
	wire, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingUnsignedTrailer, payload: payload, sizes: sizes, trailer: "x-amz-checksum-crc32"})
	p := testParams(PayloadStreamingUnsignedTrailer, h, len(wire))
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	defer reportCPUThroughput(b, len(payload))()
	for b.Loop() {
		benchRead(b, wire, p, buf)
	}
}

// ratio accumulates interleaved yardstick and work times. It reports the
// ratio of their totals ("of-sha256") and the median of the per-operation
// ratios ("of-sha256-med"), which a preemption on a shared machine (one
// operation taking several times as long) moves far less than the totals.
type ratio struct {
	base, work time.Duration
	per        []float64
}

func (r *ratio) add(base, work time.Duration) {
	r.base += base
	r.work += work
	if work > 0 {
		r.per = append(r.per, float64(base)/float64(work))
	}
}

func (r *ratio) report(b *testing.B) {
	if r.work > 0 {
		b.ReportMetric(float64(r.base)/float64(r.work), "of-sha256")
	}
	if len(r.per) > 0 {
		slices.Sort(r.per)
		b.ReportMetric(r.per[len(r.per)/2], "of-sha256-med")
	}
}

// BenchmarkRatio_Payload alternates, operation by operation, crypto/sha256
// over a payload and verifying the same payload as the host reads it, and
// reports verification's throughput as a fraction of SHA-256's
// ("of-sha256"). Interleaving cancels the drift of a shared machine's
// speed, which separate benchmarks measured seconds apart do not; each
// operation then also finds the caches full of the other's bytes, so the
// ratio runs a little below that of the standalone benchmarks on a quiet
// machine.
func BenchmarkRatio_Payload(b *testing.B) {
	streaming := func(n int) ([]byte, payloadParams) {
		payload := benchPayload(n)
		var sizes []int
		for i := 64 << 10; i < n; i += 64 << 10 {
			sizes = append(sizes, 64<<10)
		}
		wire, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: sizes})
		return wire, testParams(PayloadStreamingSigned, h, len(wire))
	}
	signed := func(n int) ([]byte, payloadParams) {
		payload := benchPayload(n)
		sum := sha256.Sum256(payload)
		return payload, plainParams(PayloadSigned, hex.EncodeToString(sum[:]), nil, n)
	}
	for _, c := range []struct {
		name  string
		n     int
		build func(int) ([]byte, payloadParams)
	}{
		{"Streaming64KiB", 64 << 10, streaming},
		{"Streaming1MiB", 1 << 20, streaming},
		{"SignedPayload1MiB", 1 << 20, signed},
	} {
		b.Run(c.name, func(b *testing.B) {
			payload := benchPayload(c.n)
			wire, p := c.build(c.n)
			var r ratio
			var sum [sha256.Size]byte
			b.SetBytes(int64(c.n))
			for b.Loop() {
				t0 := time.Now()
				sum = sha256.Sum256(payload)
				t1 := time.Now()
				benchRead(b, wire, p, nil)
				r.add(t1.Sub(t0), time.Since(t1))
			}
			_ = sum
			r.report(b)
		})
	}
}

// floorStreaming returns the work no verify-before-release reader of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD body of n bytes can avoid: copy the
// wire from a bytes.Reader chunk by chunk into a 64 KiB buffer (headers
// and CRLFs included), SHA-256 each chunk's data and compute one HMAC per
// chunk (the final empty chunk included). It knows the framing in
// advance, so it parses nothing; with withHMAC false it skips the HMACs.
// (Hashing in 8 or 16 KiB pieces right after copying each, to keep them in
// L1, measured no better on the development VM.)
func floorStreaming(n int, withHMAC bool) func() {
	payload := benchPayload(n)
	var sizes []int
	for i := 64 << 10; i < n; i += 64 << 10 {
		sizes = append(sizes, 64<<10)
	}
	wire, _, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: payload, sizes: sizes})
	// Segments of the wire: header line, data, CRLF per chunk.
	type seg struct{ head, data, tail int }
	var segs []seg
	for rest := wire; len(rest) > 0; {
		h := bytes.IndexByte(rest, '\n') + 1
		size, _ := strconv.ParseInt(string(rest[:bytes.IndexByte(rest, ';')]), 16, 64)
		segs = append(segs, seg{h, int(size), 2})
		rest = rest[h+int(size)+2:]
	}
	key := newMacKey(testKey())
	sts := make([]byte, 25+len(testDate)+1+len(testScope)+1+64+1+64+1+64)
	buf := make([]byte, 64<<10)
	h := sha256.New()
	var sum, mac [sha256.Size]byte
	var r bytes.Reader
	return func() {
		r.Reset(wire)
		for _, s := range segs {
			_, _ = io.ReadFull(&r, buf[:s.head])
			_, _ = io.ReadFull(&r, buf[:s.data])
			if s.data > 0 { // the hash of the final empty chunk is a constant
				h.Reset()
				h.Write(buf[:s.data])
				hex.Encode(sts[len(sts)-64:], h.Sum(sum[:0]))
			}
			if withHMAC {
				key.sum(sts, mac[:0])
			}
			_, _ = io.ReadFull(&r, buf[:s.tail])
		}
	}
}

// BenchmarkRatio_Floor reports, like BenchmarkRatio_Payload, the
// throughput of floorStreaming as a fraction of crypto/sha256 over the
// payload ("of-sha256"), interleaved op by op: the best ratio any
// verifier of a streaming signed body can reach on this machine.
func BenchmarkRatio_Floor(b *testing.B) {
	for _, c := range []struct {
		name     string
		n        int
		withHMAC bool
	}{
		{"CopyHash64KiB", 64 << 10, false},
		{"CopyHash1MiB", 1 << 20, false},
		{"CopyHashHMAC64KiB", 64 << 10, true},
		{"CopyHashHMAC1MiB", 1 << 20, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			payload := benchPayload(c.n)
			floor := floorStreaming(c.n, c.withHMAC)
			var r ratio
			var sum [sha256.Size]byte
			b.SetBytes(int64(c.n))
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				sum = sha256.Sum256(payload)
				t1 := time.Now()
				floor()
				r.add(t1.Sub(t0), time.Since(t1))
			}
			_ = sum
			r.report(b)
		})
	}
}

// BenchmarkFloor_CopyHash is floorStreaming with HMACs on its own, for
// MB/s next to BenchmarkBaseline_SHA256.
func BenchmarkFloor_CopyHash(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			floor := floorStreaming(s.n, true)
			b.SetBytes(int64(s.n))
			b.ReportAllocs()
			for b.Loop() {
				floor()
			}
		})
	}
}

// BenchmarkVerify_StreamingFixed measures what a streaming signed body
// costs besides hashing its bytes: a one-byte object (one one-byte chunk
// and the final chunk), so two chunk signatures, the header scan, the
// Body and its pooled buffers.
func BenchmarkVerify_StreamingFixed(b *testing.B) {
	wire, h, _ := encodeChunked(chunkSpec{mode: PayloadStreamingSigned, payload: []byte{'x'}})
	p := testParams(PayloadStreamingSigned, h, len(wire))
	b.ReportAllocs()
	for b.Loop() {
		benchRead(b, wire, p, nil)
	}
}
