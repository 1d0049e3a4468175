package proxy

import (
	"io"
	"sync"
)

// holdBack passes a verifying reader's bytes on but keeps the last byte
// read until the source has returned a clean io.EOF. A consumer that
// knows the length (an HTTP transport writing Content-Length bytes)
// therefore never receives the whole body unless it verified: when the
// source fails, holdBack returns the failure and the final byte is never
// released. Not safe for concurrent use.
type holdBack struct {
	r    io.Reader
	last byte
	have bool  // last holds a byte
	done bool  // the source returned io.EOF
	err  error // the source's sticky failure

	mu     sync.Mutex
	failed error // err, for failure (read by another goroutine)
}

// Read implements io.Reader.
func (h *holdBack) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		switch {
		case h.err != nil:
			return 0, h.err
		case h.done:
			if h.have {
				p[0], h.have = h.last, false
				return 1, nil
			}
			return 0, io.EOF
		}
		n, err := h.r.Read(p)
		out := 0
		if n > 0 {
			last := p[n-1]
			if h.have {
				copy(p[1:n], p[:n-1])
				p[0] = h.last
				out = n
			} else {
				out = n - 1
			}
			h.last, h.have = last, true
		}
		switch {
		case err == io.EOF:
			h.done = true
		case err != nil:
			h.err = err
			h.mu.Lock()
			h.failed = err
			h.mu.Unlock()
			return out, err
		}
		if out > 0 {
			return out, nil
		}
	}
}

// failure returns the source's error, nil while it has not failed. It may
// be called while another goroutine reads.
func (h *holdBack) failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failed
}
