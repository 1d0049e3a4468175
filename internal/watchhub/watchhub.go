// Package watchhub fans store change events out to watchers for in-process
// backends (memstore, boltstore). It keeps a bounded ring of recent events so
// that a watch can resume from a past revision; a revision older than the
// ring gives an error wrapping [store.ErrCompacted].
//
// The hub never blocks a writer: each watcher reads the ring at its own pace
// through a cursor, and a watcher that falls further behind than the ring
// holds ends with [store.ErrCompacted] rather than holding memory.
//
// # Not supported
//
// Persistence of history: a hub starts empty, and revisions before the one
// it was created at are compacted.
package watchhub

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/s3auth/s3auth/store"
)

// DefaultHistory is the number of events a hub keeps when created with a
// capacity of 0 or less.
const DefaultHistory = 10000

// maxChunk bounds how many events a watcher copies per lock acquisition.
const maxChunk = 128

// Hub keeps recent events and serves watches. Its methods are safe for
// concurrent use, but Publish must be called in revision order (the backend
// calls it while holding its write lock).
type Hub struct {
	name string

	mu        sync.Mutex
	ring      []store.Event
	start     int    // index of the oldest event in ring
	n         int    // number of events in ring
	firstSeq  uint64 // sequence number of ring[start]
	compacted int64  // events at or below this revision may be missing
	notify    chan struct{}
	closed    bool
}

// New returns a hub keeping up to history events (0 or less means
// [DefaultHistory]). name prefixes error messages ("memstore"). Watches from
// a revision below compactedRev get [store.ErrCompacted]; pass the store's
// revision when it opens with data whose history is unknown, 0 otherwise.
func New(name string, history int, compactedRev int64) *Hub {
	if history <= 0 {
		history = DefaultHistory
	}
	return &Hub{
		name:      name,
		ring:      make([]store.Event, history),
		compacted: compactedRev,
		notify:    make(chan struct{}),
	}
}

func (h *Hub) at(seq uint64) *store.Event {
	return &h.ring[(h.start+int(seq-h.firstSeq))%len(h.ring)]
}

// Publish appends the events of one write, which share a revision. The hub
// keeps the Value slices as they are: the caller must not modify them later.
func (h *Hub) Publish(evs ...store.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for _, ev := range evs {
		if h.n == len(h.ring) {
			old := &h.ring[h.start]
			if old.Revision > h.compacted {
				h.compacted = old.Revision
			}
			*old = store.Event{}
			h.start = (h.start + 1) % len(h.ring)
			h.firstSeq++
			h.n--
		}
		h.ring[(h.start+h.n)%len(h.ring)] = ev
		h.n++
	}
	close(h.notify)
	h.notify = make(chan struct{})
}

// Close ends every watch with an event wrapping [store.ErrClosed] once it
// has delivered what was published before. Further watches fail.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.notify)
}

// Watch implements [store.Watcher.Watch] on the hub's history.
func (h *Hub) Watch(ctx context.Context, prefix string, afterRev int64) (<-chan store.Event, error) {
	if afterRev < 0 {
		return nil, fmt.Errorf("%s: watch from revision %d: %w: the revision must be 0 or more", h.name, afterRev, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: watch: %w", h.name, err)
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, fmt.Errorf("%s: watch: %w", h.name, store.ErrClosed)
	}
	ch := make(chan store.Event, 16)
	if afterRev < h.compacted {
		compacted := h.compacted
		h.mu.Unlock()
		go func() {
			defer close(ch)
			err := fmt.Errorf("%s: watch from revision %d: history starts after revision %d: %w", h.name, afterRev, compacted, store.ErrCompacted)
			select {
			case ch <- store.Event{Err: err}:
			case <-ctx.Done():
			}
		}()
		return ch, nil
	}
	// First event with a revision above afterRev.
	i := sort.Search(h.n, func(i int) bool { return h.at(h.firstSeq+uint64(i)).Revision > afterRev })
	cursor := h.firstSeq + uint64(i)
	h.mu.Unlock()
	go h.serve(ctx, ch, prefix, afterRev, cursor)
	return ch, nil
}

func (h *Hub) serve(ctx context.Context, ch chan<- store.Event, prefix string, afterRev int64, cursor uint64) {
	defer close(ch)
	chunk := make([]store.Event, 0, maxChunk)
	send := func(ev store.Event) bool {
		select {
		case ch <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		h.mu.Lock()
		if cursor < h.firstSeq {
			n := len(h.ring)
			h.mu.Unlock()
			send(store.Event{Err: fmt.Errorf("%s: watch fell more than %d events behind the store and lost its place: %w", h.name, n, store.ErrCompacted)})
			return
		}
		chunk = chunk[:0]
		next := h.firstSeq + uint64(h.n)
		read := false
		for cursor < next && len(chunk) < maxChunk {
			ev := h.at(cursor)
			cursor++
			read = true
			if ev.Revision <= afterRev || !strings.HasPrefix(ev.Key, prefix) {
				continue
			}
			c := *ev
			if c.Value != nil {
				c.Value = append(make([]byte, 0, len(c.Value)), c.Value...)
			}
			chunk = append(chunk, c)
		}
		wait, closed := h.notify, h.closed
		h.mu.Unlock()
		for _, ev := range chunk {
			if !send(ev) {
				return
			}
		}
		if read {
			continue
		}
		if closed {
			send(store.Event{Err: fmt.Errorf("%s: watch ended: %w", h.name, store.ErrClosed)})
			return
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return
		}
	}
}
