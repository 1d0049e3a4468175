package s3api

import (
	"net"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxKeyLength is the longest object key S3 accepts, in bytes.
const MaxKeyLength = 1024

// ValidateBucketName checks name against the S3 general-purpose bucket
// naming rules: 3 to 63 characters of lower-case letters, digits, '.' and
// '-'; starting and ending with a letter or digit; no "..", ".-" or "-.";
// not an IPv4 address; none of the reserved prefixes ("xn--", "sthree-",
// "amzn-s3-demo-") or suffixes ("-s3alias", "--ol-s3", ".mrap", "--x-s3",
// "--table-s3"). The error is an InvalidBucketName [Error].
func ValidateBucketName(name string) error {
	bad := func(why string) error {
		return Errorf(CodeInvalidBucketName, "The specified bucket is not valid: %q %s.", name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("may contain only lower-case letters, digits, '.' and '-'")
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return bad("must start and end with a letter or digit")
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return bad("must not contain \"..\", \".-\" or \"-.\"")
	}
	if ip := net.ParseIP(name); ip != nil {
		return bad("must not be formatted as an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad("must not start with the reserved prefix " + p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return bad("must not end with the reserved suffix " + s)
		}
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// ValidateKey checks the S3 rules every object key follows: non-empty, at
// most [MaxKeyLength] bytes, valid UTF-8. A server may impose more (see
// internal/fsobj).
func ValidateKey(key string) error {
	switch {
	case key == "":
		return Errorf(CodeInvalidArgument, "The object key must not be empty.")
	case len(key) > MaxKeyLength:
		return Errorf(CodeKeyTooLong, "Your key is too long: %d bytes, the limit is %d.", len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return Errorf(CodeInvalidObjectName, "The object key is not valid UTF-8.")
	}
	return nil
}

// Locate returns the bucket and key addressed by r. domain is the base
// domain of virtual-hosted-style requests (for example "localhost" makes
// "photos.localhost:9000" address bucket "photos"); empty means path-style
// only. Both results are empty for the service root ("GET /"). Names are
// not validated here.
func Locate(r *http.Request, domain string) (bucket, key string) {
	path := r.URL.Path
	if domain != "" {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.TrimSuffix(host, "."))
		domain = strings.ToLower(strings.TrimSuffix(domain, "."))
		if b, ok := strings.CutSuffix(host, "."+domain); ok && b != "" {
			return b, strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}
