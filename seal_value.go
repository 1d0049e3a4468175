package s3auth

// SealValue seals plaintext for storage under recordKey with the directory's
// seal keys (AES-256-GCM, bound to recordKey), so hosts can keep their own
// secrets (root credentials, say) in the same store with the same
// protection. Without seal keys it returns plaintext unchanged and false.
func (d *Directory) SealValue(recordKey, plaintext string) (sealed string, ok bool, err error) {
	if d.seal == nil {
		return plaintext, false, nil
	}
	s, err := d.seal.seal(recordKey, plaintext)
	return s, err == nil, err
}

// OpenValue opens what SealValue sealed under the same recordKey.
func (d *Directory) OpenValue(recordKey, sealed string) (string, error) {
	p, _, err := d.seal.open(recordKey, sealed)
	return p, err
}
