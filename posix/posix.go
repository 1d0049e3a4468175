package posix

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxID is the largest valid uid or gid. 4294967295 (MaxID+1) means "no
// change" to chown(2) and is never a valid id.
const MaxID = 4294967294

// UID is a POSIX user id.
type UID uint32

// GID is a POSIX group id.
type GID uint32

// Sentinel errors, matched with errors.Is. Messages of returned errors say
// which id was wrong and how to fix it.
var (
	// ErrInvalidID: an id is out of range or not a decimal number.
	ErrInvalidID = errors.New("posix: invalid id")
	// ErrRootNotAllowed: an id is 0 and the [Policy] does not allow root.
	ErrRootNotAllowed = errors.New("posix: root id not allowed")
	// ErrNotPermitted: the process may not change a file's owner.
	ErrNotPermitted = errors.New("posix: not permitted to change file owner")
)

// Policy says which ids a host accepts. The zero value accepts
// 1 … 4294967294.
type Policy struct {
	// AllowRoot accepts uid 0 and gid 0. False (the default) rejects them,
	// so that a mapping mistake never makes objects root-owned.
	AllowRoot bool
}

// CheckUID reports whether u is acceptable under p.
func (p Policy) CheckUID(u UID) error { return p.check("uid", uint64(u)) }

// CheckGID reports whether g is acceptable under p.
func (p Policy) CheckGID(g GID) error { return p.check("gid", uint64(g)) }

// CheckOwner reports whether both ids of o are acceptable under p. An unset
// owner is always acceptable.
func (p Policy) CheckOwner(o Owner) error {
	if !o.Set {
		return nil
	}
	if err := p.CheckUID(o.UID); err != nil {
		return err
	}
	return p.CheckGID(o.GID)
}

func (p Policy) check(kind string, v uint64) error {
	if v > MaxID {
		return fmt.Errorf("%w: %s %d is out of range; use 0 … %d (%d means \"no change\" to chown)", ErrInvalidID, kind, v, uint64(MaxID), uint64(MaxID)+1)
	}
	if v == 0 && !p.AllowRoot {
		return fmt.Errorf("%w: %s 0 (root) is rejected; use a non-zero id, or let the host allow root ownership explicitly (posix.Policy{AllowRoot: true})", ErrRootNotAllowed, kind)
	}
	return nil
}

// ParseUID parses a decimal uid and checks it under p.
func (p Policy) ParseUID(s string) (UID, error) {
	v, err := parseID("uid", s)
	if err != nil {
		return 0, err
	}
	return UID(v), p.CheckUID(UID(v))
}

// ParseGID parses a decimal gid and checks it under p.
func (p Policy) ParseGID(s string) (GID, error) {
	v, err := parseID("gid", s)
	if err != nil {
		return 0, err
	}
	return GID(v), p.CheckGID(GID(v))
}

func parseID(kind, s string) (uint32, error) {
	t := strings.TrimSpace(s)
	v, err := strconv.ParseUint(t, 10, 32)
	if err != nil || t == "" || t[0] == '+' {
		if len(s) > 32 {
			s = s[:32] + "…"
		}
		return 0, fmt.Errorf("%w: %s %q is not a decimal number in 0 … %d", ErrInvalidID, kind, s, uint64(MaxID))
	}
	if v > MaxID {
		return 0, fmt.Errorf("%w: %s %d is out of range; use 0 … %d (%d means \"no change\" to chown)", ErrInvalidID, kind, v, uint64(MaxID), uint64(MaxID)+1)
	}
	return uint32(v), nil
}

// Owner is the POSIX owner of objects an identity creates. The zero value
// is unset: the identity is not mapped and the host decides.
type Owner struct {
	UID UID
	GID GID
	// Set is true when UID and GID are meaningful.
	Set bool
}

// NewOwner returns the owner uid:gid after checking both ids under p.
func (p Policy) NewOwner(uid UID, gid GID) (Owner, error) {
	o := Owner{UID: uid, GID: gid, Set: true}
	if err := p.CheckOwner(o); err != nil {
		return Owner{}, err
	}
	return o, nil
}

// String returns "uid:gid", or "unset".
func (o Owner) String() string {
	if !o.Set {
		return "unset"
	}
	return strconv.FormatUint(uint64(o.UID), 10) + ":" + strconv.FormatUint(uint64(o.GID), 10)
}

// Inherit returns the owner of an identity derived from parent: service
// accounts and STS sessions always take their parent's ids, set or not.
func Inherit(parent Owner) Owner { return parent }

// FromAttributes returns the owner of an LDAP user from the values of its
// uid and gid attributes (for example uidNumber and gidNumber; "" when the
// entry has none). Each missing id is taken from def when def is set. The
// result is unset when both attributes are missing and def is unset. One id
// without the other, with no default to complete it, is an error: a
// half-mapped identity must not silently become "unmapped".
func (p Policy) FromAttributes(uidAttr, gidAttr string, def Owner) (Owner, error) {
	uidAttr, gidAttr = strings.TrimSpace(uidAttr), strings.TrimSpace(gidAttr)
	if uidAttr == "" && gidAttr == "" {
		if err := p.CheckOwner(def); err != nil {
			return Owner{}, fmt.Errorf("posix: default owner: %w", err)
		}
		return def, nil
	}
	var o Owner
	switch {
	case uidAttr != "":
		u, err := p.ParseUID(uidAttr)
		if err != nil {
			return Owner{}, fmt.Errorf("posix: LDAP uid attribute: %w", err)
		}
		o.UID = u
	case def.Set:
		o.UID = def.UID
	default:
		return Owner{}, fmt.Errorf("%w: the LDAP entry has a gid but no uid and no default owner is configured; add the uid attribute or configure a default", ErrInvalidID)
	}
	switch {
	case gidAttr != "":
		g, err := p.ParseGID(gidAttr)
		if err != nil {
			return Owner{}, fmt.Errorf("posix: LDAP gid attribute: %w", err)
		}
		o.GID = g
	case def.Set:
		o.GID = def.GID
	default:
		return Owner{}, fmt.Errorf("%w: the LDAP entry has a uid but no gid and no default owner is configured; add the gid attribute or configure a default", ErrInvalidID)
	}
	o.Set = true
	if err := p.CheckOwner(o); err != nil {
		return Owner{}, err
	}
	return o, nil
}
