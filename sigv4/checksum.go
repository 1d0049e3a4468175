package sigv4

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// checksumAlg is one of the S3 additional checksum algorithms a client can
// send in an x-amz-checksum-* header or trailer.
type checksumAlg uint8

const (
	checksumNone checksumAlg = iota
	checksumCRC32
	checksumCRC32C
	checksumCRC64NVME
	checksumSHA1
	checksumSHA256
)

// crc64NVMEPoly is the CRC-64/NVME polynomial 0xad93d23594c93659 in the
// bit-reversed form hash/crc64 expects. With crc64's all-ones initial value
// and final xor this is exactly CRC-64/NVME (check value of "123456789" is
// 0xae8b14860a799888).
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// crc64NVMETable is read-only after package initialisation.
var crc64NVMETable = crc64.MakeTable(crc64NVMEPoly)

// checksumAlgs lists every algorithm, in the order S3 documents them.
var checksumAlgs = [...]checksumAlg{checksumCRC32, checksumCRC32C, checksumCRC64NVME, checksumSHA1, checksumSHA256}

// String returns the name S3 uses for the algorithm ("CRC32", ...), or ""
// for checksumNone.
func (a checksumAlg) String() string {
	switch a {
	case checksumCRC32:
		return "CRC32"
	case checksumCRC32C:
		return "CRC32C"
	case checksumCRC64NVME:
		return "CRC64NVME"
	case checksumSHA1:
		return "SHA1"
	case checksumSHA256:
		return "SHA256"
	}
	return ""
}

// header returns the lower-case header (or trailer) name carrying the
// algorithm's value.
func (a checksumAlg) header() string {
	switch a {
	case checksumCRC32:
		return "x-amz-checksum-crc32"
	case checksumCRC32C:
		return "x-amz-checksum-crc32c"
	case checksumCRC64NVME:
		return "x-amz-checksum-crc64nvme"
	case checksumSHA1:
		return "x-amz-checksum-sha1"
	case checksumSHA256:
		return "x-amz-checksum-sha256"
	}
	return ""
}

// size is the length in bytes of the decoded checksum.
func (a checksumAlg) size() int {
	switch a {
	case checksumCRC32, checksumCRC32C:
		return 4
	case checksumCRC64NVME:
		return 8
	case checksumSHA1:
		return sha1.Size
	case checksumSHA256:
		return sha256.Size
	}
	return 0
}

// newHash returns a fresh hash for the algorithm. Every CRC is summed in
// big-endian byte order, which is how S3 encodes the value before base64.
func (a checksumAlg) newHash() hash.Hash {
	switch a {
	case checksumCRC32:
		return crc32.NewIEEE()
	case checksumCRC32C:
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case checksumCRC64NVME:
		return crc64.New(crc64NVMETable)
	case checksumSHA1:
		return sha1.New()
	case checksumSHA256:
		return sha256.New()
	}
	return nil
}

// checksumAlgByHeader maps a header or trailer name (any case) to its
// algorithm, or checksumNone when the name is not a checksum value header.
// x-amz-checksum-type, -algorithm and -mode are not values and map to none.
func checksumAlgByHeader(name string) checksumAlg {
	for _, a := range checksumAlgs {
		if strings.EqualFold(name, a.header()) {
			return a
		}
	}
	return checksumNone
}

// decodeChecksum decodes a base64 checksum value and checks its length for
// the algorithm.
func decodeChecksum(a checksumAlg, value string) ([]byte, error) {
	if len(value) != base64.StdEncoding.EncodedLen(a.size()) {
		return nil, newError(ErrCodeInvalidRequest, "Value for %s is invalid: want the base64 of a %d-byte %s checksum", a.header(), a.size(), a)
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil || len(sum) != a.size() {
		return nil, newError(ErrCodeInvalidRequest, "Value for %s is invalid: want the base64 of a %d-byte %s checksum", a.header(), a.size(), a)
	}
	return sum, nil
}

// headerChecksum finds the x-amz-checksum-* value header of a request. S3
// accepts at most one; more than one, or one given twice, is an error.
func headerChecksum(h http.Header) (checksumAlg, string, error) {
	alg, value := checksumNone, ""
	for name, vals := range h {
		// Most headers are rejected by length or by their first byte,
		// without folding them against five names. strings.EqualFold
		// also folds the Kelvin sign (3 bytes) onto 'k' and the long s
		// (2 bytes) onto 's', and no other non-ASCII rune onto a letter:
		// a name that folds onto x-amz-checksum-crc64nvme may be 3
		// bytes longer.
		if len(name) < len("x-amz-checksum-sha1") || len(name) > len("x-amz-checksum-crc64nvme")+3 || name[0]|0x20 != 'x' {
			continue
		}
		a := checksumAlgByHeader(name)
		if a == checksumNone {
			continue
		}
		if alg != checksumNone || len(vals) != 1 {
			return checksumNone, "", newError(ErrCodeInvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		alg, value = a, vals[0]
	}
	return alg, value, nil
}

// contentMD5 decodes a Content-MD5 header; a value that is not the base64
// of 16 bytes is InvalidDigest.
func contentMD5(h http.Header) ([]byte, error) {
	vals := h["Content-Md5"] // canonical already: no need for h.Values to canonicalize it per request
	if len(vals) == 0 {
		return nil, nil
	}
	if len(vals) != 1 || len(vals[0]) != base64.StdEncoding.EncodedLen(md5.Size) {
		return nil, newError(ErrCodeInvalidDigest, "The Content-MD5 you specified is not valid: want the base64 of 16 bytes")
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(vals[0])
	if err != nil || len(sum) != md5.Size {
		return nil, newError(ErrCodeInvalidDigest, "The Content-MD5 you specified is not valid: want the base64 of 16 bytes")
	}
	return sum, nil
}

// equalDigest compares two digests in constant time.
func equalDigest(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}
