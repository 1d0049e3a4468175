package server_test

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
)

func crc32b64(b []byte) string {
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(out[:])
}
