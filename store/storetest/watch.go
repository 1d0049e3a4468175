package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/s3auth/s3auth/store"
)

// eventTimeout bounds every wait for a watch event.
const eventTimeout = 10 * time.Second

func recvTimeout(ch <-chan store.Event) (store.Event, bool) {
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(eventTimeout):
		return store.Event{}, false
	}
}

func (su *suite) watcher(t tb) (store.Store, store.Watcher, bool) {
	t.Helper()
	s := su.open(t)
	w, ok := s.(store.Watcher)
	if !ok {
		t.Logf("%T does not implement store.Watcher; watch checks not run", s)
	}
	return s, w, ok
}

func watch(t tb, w store.Watcher, ctx context.Context, prefix string, after int64) <-chan store.Event {
	t.Helper()
	ch, err := w.Watch(ctx, prefix, after)
	if err != nil {
		t.Fatalf("Watch(%q, %d): %v", prefix, after, err)
	}
	return ch
}

// collect reads n events, failing on an error event, a closed channel or
// a timeout.
func collect(t tb, ch <-chan store.Event, n int) []store.Event {
	t.Helper()
	var evs []store.Event
	for len(evs) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed after %d of %d events", len(evs), n)
			}
			if ev.Err != nil {
				t.Fatalf("watch failed after %d of %d events: %v", len(evs), n, ev.Err)
			}
			evs = append(evs, ev)
		case <-time.After(eventTimeout):
			t.Fatalf("watch delivered %d of %d events within %v", len(evs), n, eventTimeout)
		}
	}
	return evs
}

// expectQuiet checks that no event arrives for a short while.
func expectQuiet(t tb, ch <-chan store.Event, what string) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Errorf("%s: unexpected event %s", what, describe(ev))
		}
	case <-time.After(100 * time.Millisecond):
	}
}

func describe(ev store.Event) string {
	if ev.Err != nil {
		return fmt.Sprintf("error %v", ev.Err)
	}
	kind := "put"
	if ev.Type == store.EventDelete {
		kind = "delete"
	} else if ev.Type != store.EventPut {
		kind = fmt.Sprintf("type-%d", ev.Type)
	}
	return fmt.Sprintf("%s %s=%q@%d", kind, ev.Key, ev.Value, ev.Revision)
}

func describeAll(evs []store.Event) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = describe(ev)
	}
	return strings.Join(s, ", ")
}

type wantEvent struct {
	typ   store.EventType
	key   string
	value string
	rev   int64
}

func checkEvents(t tb, what string, got []store.Event, want []wantEvent) {
	t.Helper()
	// Events of one batch may come in any order; compare each revision's
	// events sorted by key.
	norm := func(evs []wantEvent) []wantEvent {
		out := slices.Clone(evs)
		slices.SortStableFunc(out, func(a, b wantEvent) int {
			if a.rev != b.rev {
				return cmp.Compare(a.rev, b.rev)
			}
			return strings.Compare(a.key, b.key)
		})
		return out
	}
	g := make([]wantEvent, len(got))
	for i, ev := range got {
		g[i] = wantEvent{ev.Type, ev.Key, string(ev.Value), ev.Revision}
		if ev.Type == store.EventDelete && ev.Value != nil {
			t.Errorf("%s: delete event %s carries a value", what, describe(ev))
		}
		if i > 0 && ev.Revision < got[i-1].Revision {
			t.Errorf("%s: event %s arrived after %s", what, describe(ev), describe(got[i-1]))
		}
	}
	if !slices.Equal(norm(g), norm(want)) {
		t.Errorf("%s: got events %s\nwant %v", what, describeAll(got), want)
	}
}

func (su *suite) testWatchOrder(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r0 := listKeys(t, s, "w/")
	ch := watch(t, w, ctx, "w/", r0)
	r1 := mustPut(t, s, "w/a", "a", store.Always)
	r2 := mustPut(t, s, "w/b", "b", store.Always)
	r3, err := s.Batch(context.Background(), []store.Op{
		store.Put("w/c", []byte("c"), store.Always),
		store.Delete("w/a", store.Always),
		store.Check("w/b", store.MustExist),
		store.Put("x/outside", []byte("o"), store.Always),
	})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if err := s.Delete(context.Background(), "w/b", store.Always); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	r5 := mustPut(t, s, "w/c", "c2", store.AtRevision(r3))
	evs := collect(t, ch, 6)
	var r4 int64
	if len(evs) == 6 {
		r4 = evs[4].Revision
	}
	checkEvents(t, "watch from the listing revision", evs, []wantEvent{
		{store.EventPut, "w/a", "a", r1},
		{store.EventPut, "w/b", "b", r2},
		{store.EventDelete, "w/a", "", r3},
		{store.EventPut, "w/c", "c", r3},
		{store.EventDelete, "w/b", "", r4},
		{store.EventPut, "w/c", "c2", r5},
	})
	if r4 <= r3 || r4 >= r5 {
		t.Errorf("delete event revision %d is not between %d and %d", r4, r3, r5)
	}
	expectQuiet(t, ch, "after the last write")
}

func (su *suite) testWatchResume(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	var revs []int64
	for i := range 5 {
		revs = append(revs, mustPut(t, s, fmt.Sprintf("wr/%d", i), fmt.Sprint(i), store.Always))
	}
	for from := range revs {
		ctx, cancel := context.WithCancel(context.Background())
		ch := watch(t, w, ctx, "wr/", revs[from])
		n := len(revs) - from - 1
		evs := collect(t, ch, n)
		var want []wantEvent
		for i := from + 1; i < len(revs); i++ {
			want = append(want, wantEvent{store.EventPut, fmt.Sprintf("wr/%d", i), fmt.Sprint(i), revs[i]})
		}
		checkEvents(t, fmt.Sprintf("watch resumed after revision %d", revs[from]), evs, want)
		expectQuiet(t, ch, fmt.Sprintf("watch resumed after revision %d", revs[from]))
		cancel()
	}
	// Resuming from the revision before the first write replays them all.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs := collect(t, watch(t, w, ctx, "wr/", revs[0]-1), len(revs))
	if len(evs) > 0 && evs[0].Key != "wr/0" {
		t.Errorf("watch from revision %d starts with %s, want wr/0", revs[0]-1, describe(evs[0]))
	}
	// A later write reaches a resumed watch.
	ch := watch(t, w, ctx, "wr/", revs[len(revs)-1])
	r := mustPut(t, s, "wr/late", "late", store.Always)
	checkEvents(t, "write after a resumed watch", collect(t, ch, 1), []wantEvent{{store.EventPut, "wr/late", "late", r}})
}

func (su *suite) testWatchAfterList(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	const n = 200
	key := func(i int) string { return fmt.Sprintf("wl/%03d", i) }
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			if i == n/4 {
				close(started)
			}
			if _, err := s.Put(context.Background(), key(i), []byte(fmt.Sprint(i)), store.Always); err != nil {
				t.Errorf("Put(%s): %v", key(i), err)
				if i < n/4 {
					close(started)
				}
				return
			}
		}
	}()
	defer func() { <-done }()
	<-started
	es, rev, err := s.List(context.Background(), "wl/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := watch(t, w, ctx, "wl/", rev)
	seen := make(map[string]int)
	for _, e := range es {
		seen[e.Key]++
		if e.Revision > rev {
			t.Errorf("List at revision %d returned %s at a later revision %d", rev, e.Key, e.Revision)
		}
	}
	evs := collect(t, ch, n-len(es))
	for _, ev := range evs {
		seen[ev.Key]++
		if ev.Revision <= rev {
			t.Errorf("watch after revision %d delivered %s", rev, describe(ev))
		}
	}
	for i := range n {
		if c := seen[key(i)]; c != 1 {
			t.Errorf("%s seen %d times in the listing (revision %d) and the watch from it, want once", key(i), c, rev)
		}
	}
	expectQuiet(t, ch, "after all writes")
}

func (su *suite) testWatchPrefix(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r0 := listKeys(t, s, "")
	ch := watch(t, w, ctx, "a/", r0)
	all := watch(t, w, ctx, "", r0)
	mustPut(t, s, "ab/x", "no", store.Always)
	mustPut(t, s, "a", "no", store.Always)
	mustPut(t, s, "b/a/x", "no", store.Always)
	r := mustPut(t, s, "a/x", "yes", store.Always)
	checkEvents(t, `watch of "a/"`, collect(t, ch, 1), []wantEvent{{store.EventPut, "a/x", "yes", r}})
	expectQuiet(t, ch, `watch of "a/"`)
	evs := collect(t, all, 4)
	keys := make([]string, len(evs))
	for i, ev := range evs {
		keys[i] = ev.Key
	}
	if want := []string{"ab/x", "a", "b/a/x", "a/x"}; !slices.Equal(keys, want) {
		t.Errorf(`watch of "" saw %q, want %q`, keys, want)
	}
}

func (su *suite) testWatchAliasing(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r0 := listKeys(t, s, "wa/")
	ch1 := watch(t, w, ctx, "wa/", r0)
	ch2 := watch(t, w, ctx, "wa/", r0)
	in := []byte("value")
	mustPut(t, s, "wa/k", string(in), store.Always)
	ev1 := collect(t, ch1, 1)
	for i := range ev1[0].Value {
		ev1[0].Value[i] = 'X'
	}
	ev2 := collect(t, ch2, 1)
	if string(ev2[0].Value) != "value" {
		t.Errorf("mutating one watcher's event changed another's: %q", ev2[0].Value)
	}
	expect(t, s, "after mutating a watch event", "wa/k", "value", 0)
	ch3 := watch(t, w, ctx, "wa/", r0)
	if ev := collect(t, ch3, 1); string(ev[0].Value) != "value" {
		t.Errorf("mutating an event changed the history a later watch replays: %q", ev[0].Value)
	}
}

func (su *suite) testWatchCancel(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, r0 := listKeys(t, s, "wc/")
	ch := watch(t, w, ctx, "wc/", r0)
	mustPut(t, s, "wc/a", "a", store.Always)
	collect(t, ch, 1)
	cancel()
	deadline := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if ev.Err == nil {
				t.Errorf("event after cancelation: %s", describe(ev))
			}
		case <-deadline:
			t.Errorf("watch channel still open %v after its context was canceled", eventTimeout)
			return
		}
	}
}

func (su *suite) testWatchClose(t tb) {
	s, w, ok := su.watcher(t)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, r0 := listKeys(t, s, "wx/")
	ch := watch(t, w, ctx, "wx/", r0)
	mustPut(t, s, "wx/a", "a", store.Always)
	collect(t, ch, 1)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	deadline := time.After(eventTimeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if ev.Err == nil {
				t.Errorf("event after Close: %s", describe(ev))
			}
		case <-deadline:
			t.Errorf("watch channel still open %v after the store was closed", eventTimeout)
			return
		}
	}
}
