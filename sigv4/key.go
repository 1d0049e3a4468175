package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"hash"
	"hash/maphash"
	"strings"
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

// macKey is a signing key with its HMAC-SHA256 pads already absorbed: the
// SHA-256 states after hashing key^ipad and key^opad. An HMAC with it costs
// two blocks less than one from the bare key, which matters because a
// verification computes exactly one.
type macKey struct {
	key          []byte // the signing key (shared: never modify)
	inner, outer []byte // marshaled SHA-256 states
}

func newMacKey(key []byte) *macKey {
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	state := func(pad []byte) []byte {
		h := sha256.New()
		h.Write(pad)
		m, ok := h.(encoding.BinaryMarshaler)
		if !ok {
			return nil
		}
		s, err := m.MarshalBinary()
		if err != nil {
			return nil
		}
		return s
	}
	return &macKey{key: key, inner: state(ipad[:]), outer: state(opad[:])}
}

// digestPool recycles SHA-256 digests for macKey.sum.
var digestPool = sync.Pool{New: func() any { return sha256.New() }}

// sum returns HMAC-SHA256(key, msg), appended to out[:0] (out should have
// room for 32 bytes so that nothing is allocated).
//
// The states were marshaled by crypto/sha256 itself, so restoring them
// cannot fail; if it ever did, the HMAC is computed from the bare key.
func (k *macKey) sum(msg, out []byte) []byte {
	h := digestPool.Get().(hash.Hash)
	defer func() { h.Reset(); digestPool.Put(h) }() // no key-derived state left in the pool
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok || k.inner == nil || k.outer == nil || u.UnmarshalBinary(k.inner) != nil {
		return k.slowSum(msg, out)
	}
	h.Write(msg)
	out = h.Sum(out[:0])
	if u.UnmarshalBinary(k.outer) != nil {
		return k.slowSum(msg, out)
	}
	h.Write(out)
	return h.Sum(out[:0])
}

func (k *macKey) slowSum(msg, out []byte) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write(msg)
	return m.Sum(out[:0])
}

// keyCacheID identifies a cached signing key by the access key and the
// scope, exactly: one identity's entry can never serve another's request.
type keyCacheID struct{ accessKey, date, region, service string }

// cachedKey is a signing key with a fingerprint of the secret it was
// derived from: two independently seeded 64-bit hashes, so that the cache
// never holds a secret yet notices when an access key's secret changes.
// The seeds are random per cache and the fingerprints never leave it; a
// stale key could serve a request only if the old and new secret of the
// same access key collided in both hashes (2^-128, and nothing anyone
// sends can steer it), and then only for a holder of the old secret.
type cachedKey struct {
	fingerprint [2]uint64
	key         *macKey
}

// keyCache is a bounded, concurrency-safe cache of derived signing keys.
// When full it evicts an arbitrary entry; signing keys are cheap enough to
// recompute that a precise LRU is not worth its locking.
type keyCache struct {
	mu    sync.RWMutex
	max   int
	seeds [2]maphash.Seed
	keys  map[keyCacheID]cachedKey
}

func newKeyCache(size int) *keyCache {
	if size <= 0 {
		size = 1024
	}
	return &keyCache{
		max:   size,
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		keys:  make(map[keyCacheID]cachedKey, min(size, 64)),
	}
}

func (c *keyCache) fingerprint(secret string) [2]uint64 {
	return [2]uint64{maphash.String(c.seeds[0], secret), maphash.String(c.seeds[1], secret)}
}

func (c *keyCache) get(accessKey, secret, date, region, service string) *macKey {
	id := keyCacheID{accessKey, date, region, service}
	fp := c.fingerprint(secret)
	c.mu.RLock()
	e, ok := c.keys[id]
	c.mu.RUnlock()
	if ok && e.fingerprint == fp {
		return e.key
	}
	k := newMacKey(deriveSigningKey(secret, date, region, service))
	// The strings are substrings of a request: copy them, so that the
	// cache does not keep whole requests alive.
	id = keyCacheID{strings.Clone(accessKey), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	if _, replace := c.keys[id]; !replace && len(c.keys) >= c.max {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[id] = cachedKey{fingerprint: fp, key: k}
	c.mu.Unlock()
	return k
}

// signingKey returns the (cached) signing key for the scope. The returned
// key is shared: callers must not modify it.
func (v *Verifier) signingKey(accessKey, secret, date, region, service string) *macKey {
	return v.keys.get(accessKey, secret, date, region, service)
}
