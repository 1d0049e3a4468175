package proxy

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

var errForged = errors.New("forged")

// failingReader returns data, then err instead of io.EOF.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// drain reads h with reads of the given sizes (cycled) and returns what it
// got and the final error (nil for io.EOF).
func drain(h io.Reader, sizes []int) ([]byte, error) {
	var out []byte
	for i := 0; ; i++ {
		n := 1
		if len(sizes) > 0 {
			n = max(sizes[i%len(sizes)], 0)
		}
		buf := make([]byte, n)
		k, err := h.Read(buf)
		out = append(out, buf[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if i > 1<<20 {
			return out, errors.New("no progress")
		}
	}
}

func TestHoldBack(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000)
	for _, c := range []struct {
		name  string
		src   func() io.Reader
		fails bool
		sizes []int
	}{
		{"clean", func() io.Reader { return bytes.NewReader(data) }, false, []int{32 << 10}},
		{"clean one byte reads", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }, false, []int{7}},
		{"clean data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }, false, []int{4096, 1, 100}},
		{"clean one-byte consumer", func() io.Reader { return bytes.NewReader(data) }, false, []int{1}},
		{"clean zero-length reads", func() io.Reader { return bytes.NewReader(data) }, false, []int{0, 5000}},
		{"empty", func() io.Reader { return bytes.NewReader(nil) }, false, []int{10}},
		{"single byte", func() io.Reader { return bytes.NewReader([]byte{'x'}) }, false, []int{10}},
		{"fails at the end", func() io.Reader { return &failingReader{bytes.NewReader(data), errForged} }, true, []int{32 << 10}},
		{"fails at the end, one-byte source", func() io.Reader { return &failingReader{iotest.OneByteReader(bytes.NewReader(data)), errForged} }, true, []int{3}},
		{"fails at once", func() io.Reader { return &failingReader{bytes.NewReader(nil), errForged} }, true, []int{10}},
		{"fails after one byte", func() io.Reader { return &failingReader{bytes.NewReader([]byte{'x'}), errForged} }, true, []int{10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var want []byte
			all, _ := io.ReadAll(c.src())
			want = all
			h := &holdBack{r: c.src()}
			got, err := drain(h, c.sizes)
			if !c.fails {
				if err != nil || !bytes.Equal(got, want) || h.failure() != nil {
					t.Fatalf("got %d bytes, err %v; want %d bytes", len(got), err, len(want))
				}
				return
			}
			if !errors.Is(err, errForged) || !errors.Is(h.failure(), errForged) {
				t.Fatalf("err %v, failure %v; want the source's error", err, h.failure())
			}
			if len(want) > 0 && len(got) >= len(want) {
				t.Fatalf("a failing source released all %d bytes", len(got))
			}
			if !bytes.Equal(got, want[:len(got)]) {
				t.Fatal("released bytes differ from the source's")
			}
			if _, err := h.Read(make([]byte, 10)); !errors.Is(err, errForged) {
				t.Fatalf("the failure is not sticky: %v", err)
			}
		})
	}
}

// FuzzHoldBack: whatever the source's chunking and the consumer's buffer
// sizes, a clean source comes through unchanged and a failing one never
// releases its last byte.
func FuzzHoldBack(f *testing.F) {
	f.Add([]byte("hello world"), false, uint8(1), uint8(3))
	f.Add([]byte("hello world"), true, uint8(5), uint8(1))
	f.Add([]byte{}, true, uint8(0), uint8(0))
	f.Add(bytes.Repeat([]byte{0xff}, 1000), false, uint8(200), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, fail bool, chunk, read uint8) {
		var src io.Reader = bytes.NewReader(data)
		if chunk%2 == 1 {
			src = iotest.OneByteReader(src)
		} else if chunk%3 == 0 {
			src = iotest.DataErrReader(src)
		}
		if fail {
			src = &failingReader{src, errForged}
		}
		h := &holdBack{r: src}
		got, err := drain(h, []int{int(read), int(chunk) + 1})
		if !fail {
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("clean source: %d of %d bytes, err %v", len(got), len(data), err)
			}
			return
		}
		if !errors.Is(err, errForged) {
			t.Fatalf("failing source: err %v", err)
		}
		if len(data) > 0 && len(got) >= len(data) {
			t.Fatalf("failing source released all %d bytes", len(got))
		}
		if !bytes.Equal(got, data[:len(got)]) {
			t.Fatal("released bytes differ")
		}
	})
}
