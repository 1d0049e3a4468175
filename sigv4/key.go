package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// deriveSigningKey computes the SigV4 signing key
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret, date, region, service string) []byte {
	k := make([]byte, 0, 4+len(secret))
	k = append(k, "AWS4"...)
	k = append(k, secret...)
	var sum [sha256.Size]byte
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(date))
	kDate := mac.Sum(sum[:0])
	mac = hmac.New(sha256.New, kDate)
	mac.Write([]byte(region))
	kRegion := mac.Sum(nil)
	mac = hmac.New(sha256.New, kRegion)
	mac.Write([]byte(service))
	kService := mac.Sum(nil)
	mac = hmac.New(sha256.New, kService)
	mac.Write([]byte("aws4_request"))
	out := mac.Sum(nil)
	clear(k)
	return out
}

// keyCacheID identifies a cached signing key. It is a SHA-256 over the
// length-prefixed (secret, date, region, service), so the secret itself is
// never held by the cache.
type keyCacheID [sha256.Size]byte

// keyCache is a bounded, concurrency-safe cache of derived signing keys.
// When full it evicts an arbitrary entry; signing keys are cheap enough to
// recompute that a precise LRU is not worth its locking.
type keyCache struct {
	mu   sync.RWMutex
	max  int
	keys map[keyCacheID][]byte
}

func newKeyCache(size int) *keyCache {
	if size <= 0 {
		size = 1024
	}
	return &keyCache{max: size, keys: make(map[keyCacheID][]byte, min(size, 64))}
}

func cacheID(secret, date, region, service string) keyCacheID {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{secret, date, region, service} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	id := keyCacheID(sha256.Sum256(b))
	clear(b)
	return id
}

func (c *keyCache) get(secret, date, region, service string) []byte {
	id := cacheID(secret, date, region, service)
	c.mu.RLock()
	k, ok := c.keys[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	c.mu.Lock()
	if len(c.keys) >= c.max {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

// signingKey returns the (cached) signing key for the scope. The returned
// slice is shared: callers must not modify it.
func (v *Verifier) signingKey(secret, date, region, service string) []byte {
	return v.keys.get(secret, date, region, service)
}
