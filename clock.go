package s3auth

import "time"

// Clock tells the time. Every expiry, clock-skew and token decision in
// s3auth reads time through a Clock, so hosts and tests control it. It must
// be safe for concurrent use.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
