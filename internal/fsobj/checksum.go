package fsobj

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Checksum algorithms of the x-amz-checksum-* headers.
var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64nvmeTable = crc64.MakeTable(0x9a6c9329ac4bc9b5) // reflected CRC-64/NVME polynomial
)

// ChecksumAlgorithms lists the algorithms [NewChecksum] knows, in the
// upper-case spelling of x-amz-checksum-algorithm.
var ChecksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// NewChecksum returns a hash for the S3 checksum algorithm alg (any case),
// or nil when alg is unknown.
func NewChecksum(alg string) hash.Hash {
	switch strings.ToUpper(alg) {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(crc32cTable)
	case "CRC64NVME":
		return crc64.New(crc64nvmeTable)
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}
