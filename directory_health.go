package s3auth

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/s3auth/s3auth/store"
)

// healthKey is a key the probe reads; it need not exist.
const healthKey = "meta/health"

// health tracks whether the store answers. failingSince holds the Clock's
// Unix nanoseconds of the first failed probe of the current outage, 0 while
// the store answers.
type health struct {
	failingSince atomic.Int64
	staleAfter   time.Duration
	cancel       context.CancelFunc
	done         chan struct{}
}

func (h *health) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
	}
}

func (d *Directory) startHealth(interval, staleAfter time.Duration) {
	if staleAfter <= 0 {
		staleAfter = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.health.staleAfter = staleAfter
	d.health.cancel = cancel
	d.health.done = make(chan struct{})
	go func() {
		defer close(d.health.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			d.probe(ctx, interval)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// probe reads one key with a timeout of one interval and records the result.
func (d *Directory) probe(ctx context.Context, timeout time.Duration) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	_, err := d.st.Get(pctx, healthKey)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err == nil || errors.Is(err, store.ErrNotFound) {
		if d.health.failingSince.Swap(0) != 0 {
			d.log.Info("s3auth: the identity store answers again")
		}
		return
	}
	if d.health.failingSince.CompareAndSwap(0, d.clock.Now().UnixNano()) {
		d.log.Warn("s3auth: the identity store does not answer; serving from the cache for now", "err", err, "staleAfter", d.health.staleAfter)
	}
}

// Healthy reports whether the cache may still be trusted: nil unless health
// probing is enabled ([WithHealthCheck]) and the store has failed every
// probe for longer than StaleAfter. Then the cache may miss revocations made
// elsewhere, and the facade refuses requests with ServiceUnavailable until
// the store answers again.
func (d *Directory) Healthy() error {
	since := d.health.failingSince.Load()
	if since == 0 {
		return nil
	}
	down := d.clock.Now().Sub(time.Unix(0, since))
	if down < d.health.staleAfter {
		return nil
	}
	return errorf(CodeStore, "the identity store has not answered for %s (more than %s); refusing requests until it is back", down.Round(time.Second), d.health.staleAfter)
}
