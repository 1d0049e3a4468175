package s3auth

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/s3auth/s3auth/posix"
)

// Store key layout of the identity directory. This is the only place that
// names keys; every other file goes through these helpers.
//
//	users/<accessKey>        a local user: sealed or plain secret, status, POSIX ids,
//	                         attached policy names, sessions-valid-after
//	svcaccts/<accessKey>     a service account: parent, name, description, sealed
//	                         or plain secret, status, restricting policy
//	svcidx/<parent>          the access keys of one user's service accounts; its
//	                         revision serialises creations (the 100 limit)
//	policies/<name>          a policy document and how many targets it is attached to
//	attach/ldap/<normDN>     the policies attached to one normalised LDAP DN
//
// The prefixes attach/user/ and meta/ are reserved for later use; sts/ belongs
// to the STS key ring and is never touched here. Values are JSON objects with
// a "v" (format version) field.
const (
	prefixUsers    = "users/"
	prefixSvc      = "svcaccts/"
	prefixSvcIdx   = "svcidx/"
	prefixPolicies = "policies/"
	prefixLDAP     = "attach/ldap/"
)

var watchedPrefixes = []string{prefixUsers, prefixSvc, prefixSvcIdx, prefixPolicies, prefixLDAP}

func userKey(ak string) string     { return prefixUsers + ak }
func svcKey(ak string) string      { return prefixSvc + ak }
func svcIdxKey(ak string) string   { return prefixSvcIdx + ak }
func policyKey(n string) string    { return prefixPolicies + n }
func ldapKey(normDN string) string { return prefixLDAP + normDN }

const recordVersion = 1

type posixRecord struct {
	UID uint32 `json:"uid"`
	GID uint32 `json:"gid"`
}

func (p *posixRecord) owner() posix.Owner {
	if p == nil {
		return posix.Owner{}
	}
	return posix.Owner{UID: posix.UID(p.UID), GID: posix.GID(p.GID), Set: true}
}

func posixRec(o posix.Owner) *posixRecord {
	if !o.Set {
		return nil
	}
	return &posixRecord{UID: uint32(o.UID), GID: uint32(o.GID)}
}

// secretField is a secret at rest: exactly one of Plain or Sealed.
type secretField struct {
	Plain  string `json:"secret,omitempty"`
	Sealed string `json:"sealedSecret,omitempty"`
}

type userRecord struct {
	V int `json:"v"`
	secretField
	Disabled bool `json:"disabled,omitempty"`
	// Deleting marks a user whose removal is in progress (too many service
	// accounts for one batch): it is unusable and accepts no changes.
	Deleting           bool         `json:"deleting,omitempty"`
	Posix              *posixRecord `json:"posix,omitempty"`
	Policies           []string     `json:"policies,omitempty"`
	SessionsValidAfter int64        `json:"sessionsValidAfter,omitempty"` // Unix ns
	Created            int64        `json:"created,omitempty"`            // Unix ns
}

type svcRecord struct {
	V      int    `json:"v"`
	Parent string `json:"parent"`
	secretField
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	Policy      []byte `json:"policy,omitempty"` // base64 in JSON, so kept byte for byte
	Created     int64  `json:"created,omitempty"`
}

type svcIdxRecord struct {
	V    int      `json:"v"`
	Keys []string `json:"keys"`
}

type policyRecord struct {
	V        int    `json:"v"`
	Doc      []byte `json:"doc"`
	Attached int    `json:"attached"`
	Updated  int64  `json:"updated,omitempty"`
}

type ldapRecord struct {
	V        int      `json:"v"`
	DN       string   `json:"dn"` // as first given
	Policies []string `json:"policies"`
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // only plain structs of strings, numbers and bytes are encoded
		panic("s3auth: cannot encode record: " + err.Error())
	}
	return b
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func withName(list []string, name string) []string {
	out := append(slices.Clone(list), name)
	slices.Sort(out)
	return out
}

func withoutName(list []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == name })
}

func hasName(list []string, name string) bool { return slices.Contains(list, name) }

func trimPrefix(key, prefix string) (string, bool) {
	if !strings.HasPrefix(key, prefix) {
		return "", false
	}
	return key[len(prefix):], true
}
