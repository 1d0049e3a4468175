package s3auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/sts"
)

// keyRingKey is where the STS key ring lives in the store.
const keyRingKey = "sts/keyring"

// ringRecord is the stored form of the key ring: sealed with the directory's
// seal keys when they are configured, plain otherwise.
type ringRecord struct {
	V      int       `json:"v"`
	Sealed string    `json:"sealed,omitempty"`
	Keys   []sts.Key `json:"keys,omitempty"`
}

// loadRing reads the key ring from the store, creating it when absent and
// create is set. Concurrent creators agree through MustNotExist.
func (a *Auth) loadRing(ctx context.Context, create bool) error {
	for attempt := 0; attempt < 3; attempt++ {
		e, err := a.dir.st.Get(ctx, keyRingKey)
		switch {
		case err == nil:
			ring, err := a.decodeRing(e.Value)
			if err != nil {
				return err
			}
			if cur := a.ring.Load(); cur == nil || !sameKeys(cur, ring) {
				a.ring.Store(ring) // cached sessions are opened again
			}
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return errorf(CodeStore, "reading the STS key ring: %v", err)
		case !create:
			return errorf(CodeStore, "the STS key ring is missing from the store")
		}
		key, err := sts.GenerateKey(newKeyID(a.opts.Clock.Now()), a.opts.Clock.Now())
		if err != nil {
			return err
		}
		ring, err := sts.NewKeyRing(key)
		if err != nil {
			return err
		}
		val, err := a.encodeRing(ring)
		if err != nil {
			return err
		}
		if _, err := a.dir.st.Put(ctx, keyRingKey, val, store.MustNotExist); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue // another node created it first: read theirs
			}
			return errorf(CodeStore, "writing the STS key ring: %v", err)
		}
		a.ring.Store(ring)
		return nil
	}
	return errorf(CodeStore, "the STS key ring kept changing while it was being created; try again")
}

func newKeyID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102") + "-" + hex.EncodeToString(b[:])
}

func (a *Auth) encodeRing(r *sts.KeyRing) ([]byte, error) {
	rec := ringRecord{V: 1}
	if a.dir.seal != nil {
		plain, err := sts.MarshalRing(r)
		if err != nil {
			return nil, err
		}
		if rec.Sealed, err = a.dir.seal.seal(keyRingKey, string(plain)); err != nil {
			return nil, err
		}
	} else {
		rec.Keys = r.Keys()
	}
	return json.Marshal(rec)
}

func (a *Auth) decodeRing(b []byte) (*sts.KeyRing, error) {
	var rec ringRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.V != 1 {
		return nil, errorf(CodeStore, "the stored STS key ring is not readable (damaged or written by another program)")
	}
	if rec.Sealed != "" {
		plain, _, err := a.dir.seal.open(keyRingKey, rec.Sealed)
		if err != nil {
			return nil, err
		}
		return sts.UnmarshalRing([]byte(plain))
	}
	if len(rec.Keys) == 0 {
		return nil, errorf(CodeStore, "the stored STS key ring has no keys")
	}
	return sts.NewKeyRing(rec.Keys[0], rec.Keys[1:]...)
}

// sameKeys reports whether two rings hold the same keys in the same order.
func sameKeys(a, b *sts.KeyRing) bool {
	ka, kb := a.Keys(), b.Keys()
	if len(ka) != len(kb) {
		return false
	}
	for i := range ka {
		if ka[i].ID != kb[i].ID || subtle.ConstantTimeCompare(ka[i].Secret, kb[i].Secret) != 1 {
			return false
		}
	}
	return true
}

// ringRefresh is how often a node reads the key ring from the store again
// (on the first session request after the interval), so that a key dropped
// by a rotation elsewhere stops opening tokens here too.
const ringRefresh = time.Minute

// refreshRing reloads the key ring when the last check is older than
// ringRefresh. One request pays for the store read; the others go on with
// the current ring. A failed read keeps the current ring and is logged.
func (a *Auth) refreshRing(ctx context.Context, now time.Time) {
	if a.opts.KeyRing != nil {
		return
	}
	if last := a.ringChecked.Load(); now.UnixNano()-last < int64(ringRefresh) && now.UnixNano() >= last {
		return
	}
	if !a.ringLoad.TryLock() {
		return
	}
	defer a.ringLoad.Unlock()
	if last := a.ringChecked.Load(); now.UnixNano()-last < int64(ringRefresh) && now.UnixNano() >= last {
		return
	}
	a.ringChecked.Store(now.UnixNano())
	if err := a.loadRing(ctx, false); err != nil {
		a.log.Warn("s3auth: refreshing the STS key ring failed; keeping the current one", "err", err)
	}
}

// RotateTokenKey adds a new active key to the STS key ring in the store and
// keeps the current keys so that existing sessions stay valid. Keys beyond
// keep (the newest first) are dropped; keep < 2 means 2. Other nodes load the
// new ring the first time they see a token sealed with the new key, and drop
// the dropped keys within a minute (ringRefresh), cached sessions included.
func (a *Auth) RotateTokenKey(ctx context.Context, keep int) error {
	if a.opts.KeyRing != nil {
		return errorf(CodeInvalidArgument, "the key ring was given in Options.KeyRing; rotate it there")
	}
	if keep < 2 {
		keep = 2
	}
	for attempt := 0; attempt < 5; attempt++ {
		e, err := a.dir.st.Get(ctx, keyRingKey)
		if err != nil {
			return errorf(CodeStore, "reading the STS key ring: %v", err)
		}
		cur, err := a.decodeRing(e.Value)
		if err != nil {
			return err
		}
		key, err := sts.GenerateKey(newKeyID(a.opts.Clock.Now()), a.opts.Clock.Now())
		if err != nil {
			return err
		}
		old := cur.Keys()
		if len(old) > keep-1 {
			old = old[:keep-1]
		}
		ring, err := sts.NewKeyRing(key, old...)
		if err != nil {
			return err
		}
		val, err := a.encodeRing(ring)
		if err != nil {
			return err
		}
		if _, err := a.dir.st.Put(ctx, keyRingKey, val, store.AtRevision(e.Revision)); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return errorf(CodeStore, "writing the STS key ring: %v", err)
		}
		a.ring.Store(ring)
		return nil
	}
	return errorf(CodeConflict, "the STS key ring kept changing; try again")
}

// openToken opens a session token, reloading the ring once (at most every
// few seconds) when the token names a key this node has not seen yet. It
// returns the ring that opened it.
func (a *Auth) openToken(ctx context.Context, token string, now time.Time) (*sts.Session, *sts.KeyRing, error) {
	ring := a.ring.Load()
	s, err := ring.Open(token, now)
	if errors.Is(err, sts.ErrUnknownKey) && a.opts.KeyRing == nil {
		a.ringLoad.Lock()
		if now.Sub(a.ringSeen) > 2*time.Second || now.Before(a.ringSeen) {
			a.ringSeen = now
			if lerr := a.loadRing(ctx, false); lerr != nil {
				a.log.Warn("s3auth: reloading the STS key ring failed", "err", lerr)
			}
		}
		a.ringLoad.Unlock()
		ring = a.ring.Load()
		s, err = ring.Open(token, now)
	}
	return s, ring, err
}

var (
	errInvalidToken = sigv4Error(sigv4.ErrCodeInvalidToken, "The provided token is malformed or otherwise invalid.")
	errExpiredToken = sigv4Error(sigv4.ErrCodeExpiredToken, "The provided token has expired.")
)

func invalidToken(why string) *sigv4.Error {
	return sigv4Error(sigv4.ErrCodeInvalidToken, "The provided token is malformed or otherwise invalid: "+why+".")
}

// sessionCache keeps opened tokens by access key, so a session's requests
// after the first skip decryption. Entries are bounded; any may be evicted.
type sessionCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]*sessionEntry
}

type sessionEntry struct {
	token string
	s     *sts.Session
	ring  *sts.KeyRing // the ring that opened it
	// names is Principal.names of the session (its ARN and aws:userid),
	// made once per token ("" for a parent kind lookupSession refuses).
	names string
}

func (c *sessionCache) init(max int) {
	c.max = max
	c.m = make(map[string]*sessionEntry, 64)
}

// get returns the cached session of accessKey when it was opened from token
// by ring (the current one: a changed ring may have dropped its key).
func (c *sessionCache) get(accessKey, token string, ring *sts.KeyRing) *sessionEntry {
	c.mu.RLock()
	e := c.m[accessKey]
	c.mu.RUnlock()
	if e == nil || e.ring != ring || !equalConstantTime(e.token, token) {
		return nil
	}
	return e
}

// equalConstantTime reports whether a and b are equal in a time that
// depends only on their lengths (like subtle.ConstantTimeCompare, eight
// bytes at a time: tokens are long).
func equalConstantTime(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		diff |= load64(a, i) ^ load64(b, i)
	}
	for ; i < len(a); i++ {
		diff |= uint64(a[i] ^ b[i])
	}
	return diff == 0 // one branch, on the result only
}

// load64 is the little-endian word of s at i (one load once compiled).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// put caches the session s opened from token by ring; account is the
// account of its ARN.
func (c *sessionCache) put(accessKey, token string, s *sts.Session, ring *sts.KeyRing, account string) *sessionEntry {
	e := &sessionEntry{token: token, s: s, ring: ring}
	user := ""
	switch s.ParentKind {
	case sts.ParentUser:
		user = s.Parent
	case sts.ParentLDAP:
		user = s.LDAPUsername
	}
	if user != "" {
		e.names = sessionNames(account, user, s.SessionName)
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		for k := range c.m { // evict an arbitrary entry
			delete(c.m, k)
			break
		}
	}
	c.m[accessKey] = e
	c.mu.Unlock()
	return e
}

// lookupSession resolves temporary credentials: open the token (or find it
// in the cache), check that it belongs to the access key, that it has not
// expired, and that its parent still exists, is enabled and has not revoked
// its sessions; then take the parent's current policies.
func (a *Auth) lookupSession(ctx context.Context, accessKey, token string) (sigv4.Credentials, error) {
	now := a.opts.Clock.Now()
	a.refreshRing(ctx, now)
	e := a.sessions.get(accessKey, token, a.ring.Load())
	if e == nil {
		s, ring, err := a.openToken(ctx, token, now)
		switch {
		case errors.Is(err, sts.ErrExpiredToken):
			return sigv4.Credentials{}, errExpiredToken
		case err != nil:
			return sigv4.Credentials{}, errInvalidToken
		}
		if subtle.ConstantTimeCompare([]byte(s.AccessKey), []byte(accessKey)) != 1 {
			return sigv4.Credentials{}, invalidToken("it was not issued for this access key")
		}
		e = a.sessions.put(accessKey, token, s, ring, a.opts.Account)
	} else if !now.Before(e.s.Expires) {
		return sigv4.Credentials{}, errExpiredToken
	}
	s := e.s
	res := newResolved()
	res.p.AccessKey = accessKey
	res.p.SessionName = s.SessionName
	res.p.TokenIssued = s.IssuedAt
	res.p.Expires = s.Expires
	res.p.SessionPolicy = s.Policy
	res.p.account = a.opts.Account
	res.p.names = e.names
	switch s.ParentKind {
	case sts.ParentUser:
		c, x, ok := a.dir.lookupCredential(s.Parent)
		if !ok || c.Kind != CredentialUser {
			return sigv4.Credentials{}, invalidToken("the user that requested it no longer exists")
		}
		// A user removed and created again under the same name is another
		// identity: sessions issued before its creation are not its own.
		// (One issued in the same clock tick may be: a fake or coarse clock
		// gives a new user and its first session the same time. AssumeRole
		// itself refuses to mint across a re-creation.)
		if created := x.created; created != 0 && s.IssuedAt.UnixNano() < created {
			return sigv4.Credentials{}, invalidToken("the user that requested it no longer exists")
		}
		if !c.SessionsValidAfter.IsZero() && !s.IssuedAt.After(c.SessionsValidAfter) {
			return sigv4.Credentials{}, invalidToken("its sessions were revoked")
		}
		res.p.Kind = PrincipalSession
		res.p.User = s.Parent
		res.p.Policies = c.Policies
		res.p.Posix = posix.Inherit(c.Posix)
		if !c.Enabled {
			res.refusal = sigv4Error(sigv4.ErrCodeAccessDenied, "The user that requested these temporary credentials is disabled.")
		}
	case sts.ParentLDAP:
		st, err := a.ldapState(ctx, s, now)
		if err != nil {
			return sigv4.Credentials{}, err
		}
		res.p.Kind = PrincipalLDAPSession
		res.p.User = s.LDAPUsername
		res.p.DN = s.Parent
		res.p.Groups = st.groups
		res.p.Policies = st.policies
		res.p.Posix = st.posix
	default:
		return sigv4.Credentials{}, errInvalidToken
	}
	return sigv4.Credentials{SecretKey: s.SecretKey, Value: res}, nil
}

// ldapCache remembers, per LDAP DN, when the user was last found valid in
// the directory and with which groups.
type ldapCache struct {
	mu sync.Mutex
	m  map[string]*ldapState
}

type ldapState struct {
	validated time.Time
	username  string
	groups    []string
	policies  []string
	posix     posix.Owner
}

// ownerFromLDAP returns the POSIX owner of an LDAP user's objects. Ids the
// directory's POSIX policy refuses (uid or gid 0 unless root ownership is
// allowed) are dropped, as they are for local users: a directory entry
// must never make objects root-owned by mistake.
func (a *Auth) ownerFromLDAP(id *ldapauth.Identity) posix.Owner {
	if id.UID == nil || id.GID == nil {
		return posix.Owner{}
	}
	o := posix.Owner{UID: posix.UID(*id.UID), GID: posix.GID(*id.GID), Set: true}
	if err := a.dir.ids.CheckOwner(o); err != nil {
		a.log.Warn("s3auth: ignoring the POSIX ids of an LDAP user; fix its uidNumber/gidNumber or allow root ownership (WithAllowRootOwner)", "dn", id.DN, "err", err)
		return posix.Owner{}
	}
	return o
}

// rememberLDAP records a fresh login or revalidation.
func (a *Auth) rememberLDAP(id *ldapauth.Identity, now time.Time) *ldapState {
	st := &ldapState{
		validated: now,
		username:  id.Username,
		groups:    id.Groups,
		policies:  a.dir.LDAPPolicies(append([]string{id.DN}, id.Groups...)...),
		posix:     a.ownerFromLDAP(id),
	}
	a.ldap.mu.Lock()
	a.ldap.m[id.DN] = st
	a.ldap.mu.Unlock()
	return st
}

// ldapState returns the current state of an LDAP session's user,
// revalidating against the directory when the last check is older than the
// interval. An outage or a user who is gone fails closed.
func (a *Auth) ldapState(ctx context.Context, s *sts.Session, now time.Time) (*ldapState, error) {
	if a.opts.LDAP == nil {
		return nil, invalidToken("LDAP is not configured on this server")
	}
	a.ldap.mu.Lock()
	st := a.ldap.m[s.Parent]
	a.ldap.mu.Unlock()
	if st != nil && now.Sub(st.validated) < a.opts.LDAPRevalidateInterval && !now.Before(st.validated) {
		// Policies follow mapping changes at once; groups follow the directory
		// at the next revalidation.
		cur := *st
		cur.policies = a.dir.LDAPPolicies(append([]string{s.Parent}, st.groups...)...)
		return &cur, nil
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id, err := a.opts.LDAP.Revalidate(rctx, s.Parent, s.LDAPUsername)
	if err != nil {
		if errors.Is(err, ldapauth.ErrUnavailable) {
			a.log.Warn("s3auth: LDAP revalidation failed; refusing the session until the directory answers", "dn", s.Parent, "err", err)
			return nil, sigv4Error(sigv4.ErrCodeServiceUnavailable, "The LDAP directory cannot be reached to revalidate this session; retry later.")
		}
		a.ldap.mu.Lock()
		delete(a.ldap.m, s.Parent)
		a.ldap.mu.Unlock()
		return nil, invalidToken("the LDAP user no longer exists or no longer matches the user filter")
	}
	return a.rememberLDAP(id, now), nil
}

// RevokeSessions invalidates every STS session the user requested until
// now, on every node sharing the store, without removing the user.
func (a *Auth) RevokeSessions(ctx context.Context, user string) error {
	if err := a.dir.RevokeSessions(ctx, user); err != nil {
		return err
	}
	a.sessions.mu.Lock()
	for k, e := range a.sessions.m {
		if e.s.ParentKind == sts.ParentUser && e.s.Parent == user {
			delete(a.sessions.m, k)
		}
	}
	a.sessions.mu.Unlock()
	return nil
}

// mintSession creates temporary credentials for a parent.
func (a *Auth) mintSession(s *sts.Session, d time.Duration) (sts.Credentials, error) {
	ak, sk, err := sts.NewTemporaryKeys()
	if err != nil {
		return sts.Credentials{}, err
	}
	now := a.opts.Clock.Now()
	s.AccessKey, s.SecretKey = ak, sk
	s.IssuedAt = now
	s.Expires = now.Add(d)
	tok, err := a.ring.Load().Seal(s)
	if err != nil {
		return sts.Credentials{}, fmt.Errorf("s3auth: sealing the session: %w", err)
	}
	return sts.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: tok, Expiration: s.Expires}, nil
}
