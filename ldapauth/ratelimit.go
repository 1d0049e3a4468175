package ldapauth

import (
	"net"
	"strings"
	"sync"
	"time"
)

// maxTracked bounds the memory of the limiter: beyond it, entries whose
// window and lock-out are over are dropped, and if that is not enough the
// oldest windows go first.
const maxTracked = 100000

// limiter counts failed logins per key in a fixed window and locks a key
// out once it reaches its maximum.
type limiter struct {
	max     int
	window  time.Duration
	lockout time.Duration

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	count       int
	first       time.Time
	lockedUntil time.Time
}

func newLimiter(max int, window, lockout time.Duration) *limiter {
	if max <= 0 {
		return nil
	}
	return &limiter{max: max, window: window, lockout: lockout, entries: map[string]*failures{}}
}

// check returns how long key is still locked out (0: not locked).
func (l *limiter) check(key string, now time.Time) time.Duration {
	if l == nil || key == "" {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.entries[key]
	if f == nil || !now.Before(f.lockedUntil) {
		return 0
	}
	return f.lockedUntil.Sub(now)
}

// fail records one failure of key.
func (l *limiter) fail(key string, now time.Time) {
	if l == nil || key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.entries[key]
	if f == nil {
		if len(l.entries) >= maxTracked {
			l.prune(now)
		}
		f = &failures{first: now}
		l.entries[key] = f
	}
	if now.Sub(f.first) >= l.window && !now.Before(f.lockedUntil) {
		*f = failures{first: now}
	}
	f.count++
	if f.count >= l.max {
		f.lockedUntil = now.Add(l.lockout)
		f.count, f.first = 0, f.lockedUntil // a new window starts after the lock-out
	}
}

// reset forgets key (after a successful login).
func (l *limiter) reset(key string) {
	if l == nil || key == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

func (l *limiter) prune(now time.Time) {
	for k, f := range l.entries {
		if now.Sub(f.first) >= l.window && !now.Before(f.lockedUntil) {
			delete(l.entries, k)
		}
	}
	for k := range l.entries { // still full: drop arbitrary entries
		if len(l.entries) < maxTracked*9/10 {
			break
		}
		delete(l.entries, k)
	}
}

// addrKey reduces a source address to its host (without port); IPv6
// addresses are grouped by /64 so that one host cannot rotate through its
// own subnet.
func addrKey(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// userKey folds case: directories match uid case-insensitively.
func userKey(username string) string { return strings.ToLower(username) }
