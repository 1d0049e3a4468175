package loadgen_test

import (
	"bytes"
	"compress/gzip"
	"runtime/pprof"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/s3auth/s3auth/internal/loadgen"
)

// fakeProfile encodes a CPU profile whose samples have the given stacks
// (innermost function first) and CPU nanoseconds. A stack entry "a|b"
// is one location where a was inlined into b.
func fakeProfile(stacks [][]string, nanos []int64) []byte {
	strs := []string{""}
	idx := map[string]uint64{"": 0}
	str := func(s string) uint64 {
		if i, ok := idx[s]; ok {
			return i
		}
		idx[s] = uint64(len(strs))
		strs = append(strs, s)
		return idx[s]
	}
	var b []byte
	msg := func(num protowire.Number, m []byte) {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	vt := func(typ, unit string) []byte {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.VarintType)
		m = protowire.AppendVarint(m, str(typ))
		m = protowire.AppendTag(m, 2, protowire.VarintType)
		m = protowire.AppendVarint(m, str(unit))
		return m
	}
	msg(1, vt("samples", "count"))
	msg(1, vt("cpu", "nanoseconds"))
	funcs := map[string]uint64{}
	locs := map[string]uint64{}
	for i, st := range stacks {
		var ids []byte
		for _, frame := range st {
			lid, ok := locs[frame]
			if !ok {
				lid = uint64(len(locs) + 1)
				locs[frame] = lid
				var loc []byte
				loc = protowire.AppendTag(loc, 1, protowire.VarintType)
				loc = protowire.AppendVarint(loc, lid)
				for _, fn := range bytes.Split([]byte(frame), []byte("|")) {
					fid, ok := funcs[string(fn)]
					if !ok {
						fid = uint64(len(funcs) + 1)
						funcs[string(fn)] = fid
						var f []byte
						f = protowire.AppendTag(f, 1, protowire.VarintType)
						f = protowire.AppendVarint(f, fid)
						f = protowire.AppendTag(f, 2, protowire.VarintType)
						f = protowire.AppendVarint(f, str(string(fn)))
						msg(5, f)
					}
					var line []byte
					line = protowire.AppendTag(line, 1, protowire.VarintType)
					line = protowire.AppendVarint(line, fid)
					loc = protowire.AppendTag(loc, 4, protowire.BytesType)
					loc = protowire.AppendBytes(loc, line)
				}
				msg(4, loc)
			}
			ids = protowire.AppendVarint(ids, lid)
		}
		var s, vals []byte
		s = protowire.AppendTag(s, 1, protowire.BytesType)
		s = protowire.AppendBytes(s, ids)
		vals = protowire.AppendVarint(vals, 1)
		vals = protowire.AppendVarint(vals, uint64(nanos[i]))
		s = protowire.AppendTag(s, 2, protowire.BytesType)
		s = protowire.AppendBytes(s, vals)
		msg(2, s)
	}
	for _, s := range strs {
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	return b
}

const serve = "net/http.(*conn).serve"

var authClass = loadgen.PackageClass("auth",
	"github.com/s3auth/s3auth", "github.com/s3auth/s3auth/sigv4", "github.com/s3auth/s3auth/iam")

func sampleProfile() []byte {
	return fakeProfile([][]string{
		// crypto under sigv4 under the server handler: auth.
		{"crypto/sha256.block", "github.com/s3auth/s3auth/sigv4.(*Verifier).Verify", "github.com/s3auth/s3auth/examples/s3server/internal/server.(*Server).ServeHTTP", serve},
		// the facade, inlined into the handler's frame: auth.
		{"github.com/s3auth/s3auth.(*Auth).Authorize|github.com/s3auth/s3auth/examples/s3server/internal/server.(*Server).ServeHTTP", serve},
		// object code called from inside an auth middleware: not auth.
		{"syscall.read", "github.com/s3auth/s3auth/internal/fsobj.(*Backend).Get", "github.com/s3auth/s3auth.(*Auth).Middleware.func1", serve},
		// plain net/http work: scoped, no class.
		{"bufio.(*Writer).Flush", serve},
		// the client and the GC: out of scope.
		{"crypto/hmac.(*hmac).Write", "github.com/aws/aws-sdk-go-v2/aws/signer/v4.(*Signer).SignHTTP"},
		{"runtime.gcBgMarkWorker"},
	}, []int64{40e6, 10e6, 20e6, 30e6, 50e6, 50e6})
}

func TestAnalyzeCPU(t *testing.T) {
	t.Parallel()
	raw := sampleProfile()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
		opts loadgen.AnalyzeOptions
		want loadgen.CPUReport
	}{
		{"server scope", raw, loadgen.AnalyzeOptions{}, loadgen.CPUReport{Total: 200e6, Scoped: 100e6, Samples: 4, ByClass: map[string]time.Duration{"auth": 50e6}}},
		{"gzipped", gz.Bytes(), loadgen.AnalyzeOptions{}, loadgen.CPUReport{Total: 200e6, Scoped: 100e6, Samples: 4, ByClass: map[string]time.Duration{"auth": 50e6}}},
		{"everything", raw, loadgen.AnalyzeOptions{Scope: "*"}, loadgen.CPUReport{Total: 200e6, Scoped: 200e6, Samples: 6, ByClass: map[string]time.Duration{"auth": 50e6}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep, err := loadgen.AnalyzeCPU(c.data, []loadgen.Class{authClass}, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Total != c.want.Total || rep.Scoped != c.want.Scoped || rep.Samples != c.want.Samples || rep.ByClass["auth"] != c.want.ByClass["auth"] {
				t.Fatalf("got %+v, want %+v", rep, c.want)
			}
		})
	}
	rep, _ := loadgen.AnalyzeCPU(raw, []loadgen.Class{authClass}, loadgen.AnalyzeOptions{})
	if s := rep.Share("auth"); s != 0.5 {
		t.Fatalf("Share = %v, want 0.5", s)
	}
}

func TestAnalyzeCPURejects(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{
		"not protobuf":   {0xff, 0xff, 0xff},
		"bad gzip":       {0x1f, 0x8b, 0, 0},
		"no cpu type":    fakeProfile(nil, nil)[:0],
		"truncated body": sampleProfile()[:40],
	} {
		if _, err := loadgen.AnalyzeCPU(data, []loadgen.Class{authClass}, loadgen.AnalyzeOptions{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

var burnSink int

//go:noinline
func burn(d time.Duration) int {
	x := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := range 10000 {
			x += i * i
		}
	}
	return x
}

// TestAnalyzeRealProfile profiles this process spinning in burn and checks
// that the time is charged to this package.
func TestAnalyzeRealProfile(t *testing.T) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Fatalf("another CPU profile is running (do not combine with -cpuprofile): %v", err)
	}
	burnSink = burn(300 * time.Millisecond)
	pprof.StopCPUProfile()
	rep, err := loadgen.AnalyzeCPU(buf.Bytes(), []loadgen.Class{loadgen.PackageClass("test", "github.com/s3auth/s3auth/internal/loadgen_test")}, loadgen.AnalyzeOptions{Scope: "*"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples == 0 || rep.Share("test") < 0.5 {
		t.Fatalf("burn got %.0f%% of %d samples (%v)", 100*rep.Share("test"), rep.Samples, rep.Total)
	}
}

func FuzzAnalyzeCPU(f *testing.F) {
	f.Add(sampleProfile())
	f.Add(sampleProfile()[:60])
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Never panics, and is deterministic.
		rep, err := loadgen.AnalyzeCPU(data, []loadgen.Class{authClass}, loadgen.AnalyzeOptions{})
		again, err2 := loadgen.AnalyzeCPU(data, []loadgen.Class{authClass}, loadgen.AnalyzeOptions{})
		if (err == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		if rep.Total != again.Total || rep.Scoped != again.Scoped || rep.ByClass["auth"] != again.ByClass["auth"] {
			t.Fatalf("results differ: %+v / %+v", rep, again)
		}
		_ = rep.Share("auth")
	})
}
