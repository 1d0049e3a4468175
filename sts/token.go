package sts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Token errors. Open returns errors wrapping them; the host answers with
// S3's InvalidToken or ExpiredToken.
var (
	// ErrInvalidToken: the token is malformed, was tampered with, was sealed
	// under a key the ring does not hold, or does not belong to the access
	// key it came with.
	ErrInvalidToken = errors.New("sts: the session token is invalid")
	// ErrExpiredToken: the token opened but its session has expired.
	ErrExpiredToken = errors.New("sts: the session token has expired")
	// ErrUnknownKey wraps ErrInvalidToken: the token names a key id the
	// ring does not hold. A node may reload its ring (another node may have
	// rotated it) and try again.
	ErrUnknownKey = fmt.Errorf("%w: sealed with a key this server does not hold (rotated out, or another deployment's)", ErrInvalidToken)
)

// KeySize is the size of a token key: AES-256.
const KeySize = 32

// Key is one token sealing key. ID names it inside every token it seals so
// that a ring with several keys knows which one to open a token with.
type Key struct {
	ID     string `json:"id"`
	Secret []byte `json:"secret"`
	// Created is informational: when the key was generated.
	Created time.Time `json:"created"`
}

// GenerateKey returns a new random key with the given id (1 to 64 bytes).
func GenerateKey(id string, now time.Time) (Key, error) {
	if err := validKeyID(id); err != nil {
		return Key{}, err
	}
	k := Key{ID: id, Secret: make([]byte, KeySize), Created: now.UTC()}
	if _, err := rand.Read(k.Secret); err != nil {
		return Key{}, fmt.Errorf("sts: generating a token key: %w", err)
	}
	return k, nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("sts: a token key id must be 1 to 64 bytes, got %d", len(id))
	}
	return nil
}

// KeyRing seals tokens with its active key and opens tokens sealed with any
// of its keys, so keys can rotate: add a new key as active, keep the old one
// until every token it sealed has expired, then drop it. No key is derived
// from any user's secret. A KeyRing is immutable and safe for concurrent use.
type KeyRing struct {
	active string
	aeads  map[string]cipher.AEAD
	keys   []Key
}

// NewKeyRing returns a ring that seals with active and opens with active and
// every key in others.
func NewKeyRing(active Key, others ...Key) (*KeyRing, error) {
	r := &KeyRing{active: active.ID, aeads: make(map[string]cipher.AEAD, 1+len(others))}
	for _, k := range append([]Key{active}, others...) {
		if err := validKeyID(k.ID); err != nil {
			return nil, err
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("sts: token key %q has %d bytes; it must have %d (generate keys with GenerateKey)", k.ID, len(k.Secret), KeySize)
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("sts: token key id %q appears twice in the ring", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("sts: token key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("sts: token key %q: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
		r.keys = append(r.keys, Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...), Created: k.Created})
	}
	return r, nil
}

// ActiveKeyID returns the id of the key that seals new tokens.
func (r *KeyRing) ActiveKeyID() string { return r.active }

// Keys returns copies of the ring's keys, the active one first. They are
// secrets: store them sealed.
func (r *KeyRing) Keys() []Key {
	out := make([]Key, len(r.keys))
	for i, k := range r.keys {
		out[i] = Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...), Created: k.Created}
	}
	return out
}

// MarshalRing encodes a ring's keys (secrets included) for storage; seal the
// result at rest.
func MarshalRing(r *KeyRing) ([]byte, error) { return json.Marshal(r.Keys()) }

// UnmarshalRing decodes what MarshalRing wrote; the first key is active.
func UnmarshalRing(b []byte) (*KeyRing, error) {
	var keys []Key
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("sts: decoding the token key ring: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("sts: the stored token key ring has no keys")
	}
	return NewKeyRing(keys[0], keys[1:]...)
}

// Token wire format (base64url without padding):
//
//	version (1 byte, 1) | key id length (1 byte) | key id | nonce (12) | AES-256-GCM(ciphertext+tag)
//
// The header (version, key id) is the associated data, so changing any byte
// of the token fails to open it.
const tokenVersion = 1

// MaxTokenSize bounds the tokens Open accepts (the encoded string).
const MaxTokenSize = 8192

// Seal encrypts and authenticates s under the ring's active key and returns
// the session token.
func (r *KeyRing) Seal(s *Session) (string, error) {
	plain, err := s.marshalBinary()
	if err != nil {
		return "", err
	}
	aead := r.aeads[r.active]
	hdr := make([]byte, 0, 2+len(r.active)+aead.NonceSize()+len(plain)+aead.Overhead())
	hdr = append(hdr, tokenVersion, byte(len(r.active)))
	hdr = append(hdr, r.active...)
	adLen := len(hdr)
	nonce := hdr[adLen : adLen+aead.NonceSize()]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sts: generating a nonce: %w", err)
	}
	out := aead.Seal(hdr[:adLen+len(nonce)], nonce, plain, hdr[:adLen])
	tok := base64.RawURLEncoding.EncodeToString(out)
	if len(tok) > MaxTokenSize {
		return "", fmt.Errorf("sts: the session token would be %d bytes, over the %d-byte limit; use a smaller session policy or fewer groups", len(tok), MaxTokenSize)
	}
	return tok, nil
}

// Open authenticates and decrypts a token. It fails with ErrInvalidToken for
// any change to the token, an unknown key id or a malformed token, and with
// ErrExpiredToken (returning the session too) when now is at or after the
// session's expiry.
func (r *KeyRing) Open(token string, now time.Time) (*Session, error) {
	if len(token) == 0 || len(token) > MaxTokenSize {
		return nil, fmt.Errorf("%w: it is empty or longer than %d bytes", ErrInvalidToken, MaxTokenSize)
	}
	// Strict: the unused low bits of the last character must be zero, so
	// no two token strings open to the same session.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrInvalidToken)
	}
	if len(raw) < 2 || raw[0] != tokenVersion {
		return nil, fmt.Errorf("%w: unknown token version", ErrInvalidToken)
	}
	idLen := int(raw[1])
	if len(raw) < 2+idLen {
		return nil, fmt.Errorf("%w: truncated", ErrInvalidToken)
	}
	aead, ok := r.aeads[string(raw[2:2+idLen])]
	if !ok {
		return nil, ErrUnknownKey
	}
	adLen := 2 + idLen
	if len(raw) < adLen+aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: truncated", ErrInvalidToken)
	}
	nonce := raw[adLen : adLen+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, raw[adLen+aead.NonceSize():], raw[:adLen])
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrInvalidToken)
	}
	s := new(Session)
	if err := s.unmarshalBinary(plain); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if !now.Before(s.Expires) {
		return s, fmt.Errorf("%w (at %s)", ErrExpiredToken, s.Expires.UTC().Format(time.RFC3339))
	}
	return s, nil
}

// ParentKind says what kind of identity a session was issued to.
type ParentKind uint8

const (
	// ParentUser: a local user, named by its access key.
	ParentUser ParentKind = iota + 1
	// ParentLDAP: an LDAP user, named by its DN.
	ParentLDAP
)

// Session is what a token carries: everything needed to verify a request
// signed with the temporary credentials and to authorize it, so no store read
// is needed. Treat a Session returned by Open as read-only.
type Session struct {
	AccessKey   string
	SecretKey   string
	Parent      string // user access key or LDAP DN
	ParentKind  ParentKind
	SessionName string
	RoleARN     string
	IssuedAt    time.Time
	Expires     time.Time
	// Policy is the session policy, compacted, or nil.
	Policy []byte
	// LDAP sessions: the login name, group DNs and POSIX ids found at login.
	LDAPUsername string
	Groups       []string
	UID, GID     uint32
	HasPosix     bool
}

func (s *Session) marshalBinary() ([]byte, error) {
	if s.AccessKey == "" || s.SecretKey == "" || s.Parent == "" {
		return nil, errors.New("sts: a session needs an access key, a secret key and a parent")
	}
	if s.ParentKind != ParentUser && s.ParentKind != ParentLDAP {
		return nil, fmt.Errorf("sts: unknown parent kind %d", s.ParentKind)
	}
	b := make([]byte, 0, 128+len(s.Policy))
	b = append(b, 1, byte(s.ParentKind))
	for _, f := range []string{s.AccessKey, s.SecretKey, s.Parent, s.SessionName, s.RoleARN, s.LDAPUsername} {
		b = appendString(b, f)
	}
	b = appendString(b, string(s.Policy))
	b = binary.AppendVarint(b, s.IssuedAt.UnixNano())
	b = binary.AppendVarint(b, s.Expires.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(s.Groups)))
	for _, g := range s.Groups {
		b = appendString(b, g)
	}
	if s.HasPosix {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint32(b, s.UID)
		b = binary.BigEndian.AppendUint32(b, s.GID)
	} else {
		b = append(b, 0)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad length")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errors.New("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("field overruns the token")
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.err = errors.New("truncated")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (s *Session) unmarshalBinary(b []byte) error {
	r := &reader{b: b}
	if r.byte1() != 1 {
		return errors.New("unknown session encoding")
	}
	s.ParentKind = ParentKind(r.byte1())
	fields := []*string{&s.AccessKey, &s.SecretKey, &s.Parent, &s.SessionName, &s.RoleARN, &s.LDAPUsername}
	for _, f := range fields {
		*f = string(r.bytes())
	}
	if p := r.bytes(); len(p) > 0 {
		s.Policy = append([]byte(nil), p...)
	}
	s.IssuedAt = time.Unix(0, r.varint()).UTC()
	s.Expires = time.Unix(0, r.varint()).UTC()
	n := r.uvarint()
	if n > 4096 {
		return errors.New("too many groups")
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		s.Groups = append(s.Groups, string(r.bytes()))
	}
	if r.byte1() == 1 {
		if len(r.b) < 8 {
			return errors.New("truncated posix ids")
		}
		s.HasPosix = true
		s.UID = binary.BigEndian.Uint32(r.b)
		s.GID = binary.BigEndian.Uint32(r.b[4:])
		r.b = r.b[8:]
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return errors.New("trailing bytes")
	}
	if s.ParentKind != ParentUser && s.ParentKind != ParentLDAP {
		return errors.New("unknown parent kind")
	}
	if s.AccessKey == "" || s.SecretKey == "" || s.Parent == "" {
		return errors.New("missing fields")
	}
	return nil
}
