package s3auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// SealKey is a host-provided key that seals secrets at rest with
// AES-256-GCM. ID names the key inside every sealed envelope so that keys
// can rotate: configure the new key first and keep the old ones until
// [Directory.Reseal] has rewritten every record.
type SealKey struct {
	// ID is 1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'. It is
	// stored in clear in each envelope.
	ID string
	// Key is exactly 32 random bytes. Keep it outside the store.
	Key []byte
}

const (
	sealVersion = 1
	sealAADTag  = "s3auth sealed secret v1\x00"
)

// sealer seals with its first key and opens with any.
type sealer struct {
	primaryID string
	aeads     map[string]cipher.AEAD
}

func newSealer(keys []SealKey) (*sealer, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	s := &sealer{primaryID: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if err := validateSealKeyID(k.ID); err != nil {
			return nil, errorf(CodeSeal, "seal key %d: %v", i, err)
		}
		if len(k.Key) != 32 {
			return nil, errorf(CodeSeal, "seal key %q is %d bytes; AES-256-GCM needs exactly 32 random bytes", k.ID, len(k.Key))
		}
		if _, dup := s.aeads[k.ID]; dup {
			return nil, errorf(CodeSeal, "seal key id %q is given twice; every key needs its own id", k.ID)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, errorf(CodeSeal, "seal key %q: %v", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, errorf(CodeSeal, "seal key %q: %v", k.ID, err)
		}
		s.aeads[k.ID] = aead
	}
	return s, nil
}

func validateSealKeyID(id string) error {
	if len(id) == 0 || len(id) > 64 {
		return fmt.Errorf("key id must be 1–64 characters, got %d", len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("key id %q has character %q at %d; use A–Z, a–z, 0–9, '.', '_', '-'", id, c, i)
		}
	}
	return nil
}

func sealAAD(keyID, recordKey string) []byte {
	aad := make([]byte, 0, len(sealAADTag)+len(keyID)+1+len(recordKey))
	aad = append(aad, sealAADTag...)
	aad = append(aad, keyID...)
	aad = append(aad, 0)
	return append(aad, recordKey...)
}

// seal returns the envelope of plaintext bound to recordKey:
// base64(version | len(id) | id | nonce | ciphertext+tag).
func (s *sealer) seal(recordKey, plaintext string) (string, error) {
	aead := s.aeads[s.primaryID]
	buf := make([]byte, 0, 2+len(s.primaryID)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	buf = append(buf, sealVersion, byte(len(s.primaryID)))
	buf = append(buf, s.primaryID...)
	nonce := buf[len(buf) : len(buf)+aead.NonceSize()]
	if _, err := rand.Read(nonce); err != nil {
		return "", errorf(CodeSeal, "cannot read random nonce: %v", err)
	}
	buf = buf[:len(buf)+aead.NonceSize()]
	buf = aead.Seal(buf, nonce, []byte(plaintext), sealAAD(s.primaryID, recordKey))
	return base64.StdEncoding.EncodeToString(buf), nil
}

// open returns the plaintext of an envelope made for recordKey and the id
// of the key that sealed it.
func (s *sealer) open(recordKey, envelope string) (plaintext, keyID string, err error) {
	if s == nil {
		return "", "", errorf(CodeSeal, "the secret of %q is sealed but no seal keys are configured; pass them with WithSealKeys", recordKey)
	}
	raw, err := base64.StdEncoding.DecodeString(envelope)
	if err != nil || len(raw) < 2 || raw[0] != sealVersion || len(raw) < 2+int(raw[1]) {
		return "", "", errorf(CodeSeal, "the sealed secret of %q is malformed (damaged or not written by s3auth)", recordKey)
	}
	keyID = string(raw[2 : 2+int(raw[1])])
	aead, ok := s.aeads[keyID]
	if !ok {
		return "", keyID, errorf(CodeSeal, "the secret of %q is sealed with key id %q, which is not configured; add that key to WithSealKeys", recordKey, keyID)
	}
	rest := raw[2+len(keyID):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return "", keyID, errorf(CodeSeal, "the sealed secret of %q is truncated", recordKey)
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], sealAAD(keyID, recordKey))
	if err != nil {
		return "", keyID, errorf(CodeSeal, "the sealed secret of %q does not open with key %q: wrong key, tampered record, or a secret moved from another record", recordKey, keyID)
	}
	return string(pt), keyID, nil
}
