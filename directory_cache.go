package s3auth

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/s3auth/s3auth/posix"
)

// cache is the in-process view of the directory. Every field is guarded by
// Directory.mu. Entries are immutable once stored: an update replaces the
// pointer, so readers may keep what they copied out.
//
// Updates come from three sources — the initial List, watch events and this
// node's own successful writes — possibly out of order. apply is therefore
// idempotent by revision: a change older than what the cache holds for the
// key is ignored, and deletions leave a tombstone (key → revision) so that
// a late, older put cannot bring a deleted entry back. A tombstone is
// dropped once no own write is in flight and (with a watch) the watch has
// passed its revision, after which no older change of that key can arrive.
type cache struct {
	users    map[string]*userEntry
	svcs     map[string]*svcEntry
	idx      map[string]*idxEntry
	policies map[string]*policyEntry
	ldap     map[string]*ldapEntry
	tombs    map[string]int64

	inflight int   // own store writes under way
	watching bool  // a watch follows the store
	watchRev int64 // revision of the last change the watch delivered

	// account, when set, is the account of the users' ARNs (userEntry.arn).
	account string
}

type userEntry struct {
	rev        int64
	secret     string
	policies   []string // shared with Credential.Policies: never modified
	validAfter int64
	created    int64
	owner      posix.Owner
	disabled   bool
	deleting   bool
	unusable   bool // the secret could not be opened
	// arn is arn:aws:iam::<cache.account>:user/<name>; "" when the cache
	// has no account.
	arn string
}

type svcEntry struct {
	rev         int64
	parent      string
	name        string
	description string
	secret      string
	policy      []byte // shared with Credential.OwnPolicy: never modified
	created     int64
	disabled    bool
	unusable    bool
}

type idxEntry struct {
	rev  int64
	keys []string
}

type policyEntry struct {
	rev      int64
	doc      []byte
	attached int
	updated  int64
	// compiled is doc compiled, set by the first authorization that needs
	// it (policyCache.named). doc never changes: an update replaces the
	// entry, and with it this pointer.
	compiled atomic.Pointer[compiled]
}

type ldapEntry struct {
	rev      int64
	dn       string
	policies []string
}

func newCache() cache {
	return cache{
		users:    make(map[string]*userEntry),
		svcs:     make(map[string]*svcEntry),
		idx:      make(map[string]*idxEntry),
		policies: make(map[string]*policyEntry),
		ldap:     make(map[string]*ldapEntry),
		tombs:    make(map[string]int64),
	}
}

// revOf returns the revision the cache holds for key: its entry's, its
// tombstone's, or 0.
func (c *cache) revOf(key string) int64 {
	if r, ok := c.tombs[key]; ok {
		return r
	}
	if n, ok := trimPrefix(key, prefixUsers); ok {
		if e := c.users[n]; e != nil {
			return e.rev
		}
	} else if n, ok := trimPrefix(key, prefixSvc); ok {
		if e := c.svcs[n]; e != nil {
			return e.rev
		}
	} else if n, ok := trimPrefix(key, prefixSvcIdx); ok {
		if e := c.idx[n]; e != nil {
			return e.rev
		}
	} else if n, ok := trimPrefix(key, prefixPolicies); ok {
		if e := c.policies[n]; e != nil {
			return e.rev
		}
	} else if n, ok := trimPrefix(key, prefixLDAP); ok {
		if e := c.ldap[n]; e != nil {
			return e.rev
		}
	}
	return 0
}

func knownKey(key string) bool {
	for _, p := range watchedPrefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

// apply records that key has value at rev (or was deleted at rev). Keys
// outside the directory's prefixes are ignored. The error reports a record
// that could not be decoded or whose secret could not be opened; the cache
// then holds that identity as unusable (or not at all).
func (c *cache) apply(s *sealer, key string, value []byte, rev int64, deleted bool) error {
	if !knownKey(key) || rev <= c.revOf(key) {
		return nil
	}
	if deleted {
		c.remove(key)
		c.tombs[key] = rev
		return nil
	}
	delete(c.tombs, key)
	err := c.put(s, key, value, rev)
	if err != nil {
		if _, isSeal := err.(*Error); !isSeal {
			// Undecodable: hold nothing for it, but remember the revision.
			c.remove(key)
			c.tombs[key] = rev
			err = &Error{Code: CodeStore, Msg: fmt.Sprintf("stored record %q (revision %d) is malformed and ignored; repair or delete it", key, rev), Err: err}
		}
	}
	return err
}

func (c *cache) remove(key string) {
	if n, ok := trimPrefix(key, prefixUsers); ok {
		delete(c.users, n)
	} else if n, ok := trimPrefix(key, prefixSvc); ok {
		delete(c.svcs, n)
	} else if n, ok := trimPrefix(key, prefixSvcIdx); ok {
		delete(c.idx, n)
	} else if n, ok := trimPrefix(key, prefixPolicies); ok {
		delete(c.policies, n)
	} else if n, ok := trimPrefix(key, prefixLDAP); ok {
		delete(c.ldap, n)
	}
}

// put decodes value into the right map. A decoding error is returned as
// is; a secret that does not open gives an *Error and an unusable entry.
func (c *cache) put(s *sealer, key string, value []byte, rev int64) error {
	if n, ok := trimPrefix(key, prefixUsers); ok {
		var r userRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return err
		}
		e := &userEntry{rev: rev, policies: r.Policies, validAfter: r.SessionsValidAfter, created: r.Created,
			owner: r.Posix.owner(), disabled: r.Disabled, deleting: r.Deleting}
		if c.account != "" {
			e.arn = userARN(c.account, n)
		}
		var err error
		e.secret, err = openSecret(s, key, r.secretField)
		e.unusable = err != nil
		c.users[n] = e
		return err
	}
	if n, ok := trimPrefix(key, prefixSvc); ok {
		var r svcRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return err
		}
		e := &svcEntry{rev: rev, parent: r.Parent, name: r.Name, description: r.Description, policy: r.Policy,
			created: r.Created, disabled: r.Disabled}
		var err error
		e.secret, err = openSecret(s, key, r.secretField)
		e.unusable = err != nil
		c.svcs[n] = e
		return err
	}
	if n, ok := trimPrefix(key, prefixSvcIdx); ok {
		var r svcIdxRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return err
		}
		c.idx[n] = &idxEntry{rev: rev, keys: r.Keys}
		return nil
	}
	if n, ok := trimPrefix(key, prefixPolicies); ok {
		var r policyRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return err
		}
		c.policies[n] = &policyEntry{rev: rev, doc: r.Doc, attached: r.Attached, updated: r.Updated}
		return nil
	}
	if n, ok := trimPrefix(key, prefixLDAP); ok {
		var r ldapRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return err
		}
		c.ldap[n] = &ldapEntry{rev: rev, dn: r.DN, policies: r.Policies}
		return nil
	}
	return nil
}

func openSecret(s *sealer, key string, f secretField) (string, error) {
	if f.Sealed == "" {
		if f.Plain == "" {
			return "", errorf(CodeSeal, "record %q has no secret", key)
		}
		return f.Plain, nil
	}
	pt, _, err := s.open(key, f.Sealed)
	return pt, err
}

// dropMissing removes the entries under prefix that a listing taken at
// listRev no longer has, unless they changed after the listing.
func (c *cache) dropMissing(prefix string, present map[string]struct{}, listRev int64) {
	drop := func(name string, rev int64) {
		key := prefix + name
		if _, ok := present[key]; !ok && rev <= listRev {
			c.remove(key)
			c.tombs[key] = listRev
		}
	}
	switch prefix {
	case prefixUsers:
		for n, e := range c.users {
			drop(n, e.rev)
		}
	case prefixSvc:
		for n, e := range c.svcs {
			drop(n, e.rev)
		}
	case prefixSvcIdx:
		for n, e := range c.idx {
			drop(n, e.rev)
		}
	case prefixPolicies:
		for n, e := range c.policies {
			drop(n, e.rev)
		}
	case prefixLDAP:
		for n, e := range c.ldap {
			drop(n, e.rev)
		}
	}
}

// prune drops the tombstones no older change can arrive for any more.
func (c *cache) prune() {
	if c.inflight > 0 || len(c.tombs) == 0 {
		return
	}
	for k, r := range c.tombs {
		if !c.watching || r <= c.watchRev {
			delete(c.tombs, k)
		}
	}
}

// LookupCredential returns the credential of an access key — a local user
// or a service account — from the cache, in constant time and without
// allocating. ok is false when the key is unknown or its secret could not
// be opened (see [ErrSeal]); the request must then be refused.
//
// The returned Credential may have Enabled false: the caller must refuse
// it too. Its Policies and OwnPolicy slices are shared with the cache and
// must not be modified.
func (d *Directory) LookupCredential(accessKey string) (Credential, bool) {
	c, _, ok := d.lookupCredential(accessKey)
	return c, ok
}

// credentialExtra is what the facade needs beside a Credential: the ARN of
// the user (the parent of a service account), "" when the cache keeps no
// ARNs, and when that user was created (Unix ns, 0 when unknown).
type credentialExtra struct {
	arn     string
	created int64
}

// lookupCredential is LookupCredential with the user's ARN and creation
// time, read under the same lock.
func (d *Directory) lookupCredential(accessKey string) (Credential, credentialExtra, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if u := d.cache.users[accessKey]; u != nil {
		if u.unusable {
			return Credential{}, credentialExtra{}, false
		}
		return Credential{
			Kind:               CredentialUser,
			AccessKey:          accessKey,
			SecretKey:          u.secret,
			Enabled:            !u.disabled && !u.deleting,
			Posix:              u.owner,
			Policies:           u.policies,
			SessionsValidAfter: fromNanos(u.validAfter),
		}, credentialExtra{arn: u.arn, created: u.created}, true
	}
	s := d.cache.svcs[accessKey]
	if s == nil || s.unusable {
		return Credential{}, credentialExtra{}, false
	}
	p := d.cache.users[s.parent]
	if p == nil { // orphan (parent removed): fail closed
		return Credential{}, credentialExtra{}, false
	}
	return Credential{
		Kind:               CredentialServiceAccount,
		AccessKey:          accessKey,
		SecretKey:          s.secret,
		Parent:             s.parent,
		Enabled:            !s.disabled && !p.disabled && !p.deleting && !p.unusable,
		Posix:              posix.Inherit(p.owner),
		Policies:           p.policies,
		OwnPolicy:          s.policy,
		SessionsValidAfter: fromNanos(p.validAfter),
	}, credentialExtra{arn: p.arn, created: p.created}, true
}

// LDAPPolicies returns the names of the policies attached to any of the
// given LDAP DNs (a user's DN and its groups' DNs), without duplicates, in
// the order first seen. DNs that do not parse are skipped.
func (d *Directory) LDAPPolicies(dns ...string) []string {
	norm := make([]string, 0, len(dns))
	for _, dn := range dns {
		if n, err := NormalizeDN(dn); err == nil {
			norm = append(norm, n)
		}
	}
	var out []string
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, n := range norm {
		if e := d.cache.ldap[n]; e != nil {
			for _, p := range e.policies {
				if !hasName(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}
