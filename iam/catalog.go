package iam

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/s3auth/s3auth/internal/wordwise"
)

// Operation is the result of [ClassifyS3Request]: the S3 API operation a
// request asks for, the authorization checks it needs and the request
// condition keys that policies may test.
//
// An Operation belongs to the caller and is never shared by this package;
// the slices inside it must be treated as read-only (they may share one
// backing array).
//
// # Authorizing an Operation
//
// A request is allowed only if every [Check] in Checks is allowed. Two
// operations name their objects in the request body, not in the URL:
// DeleteObjects (the XML list of keys) and PostObject (the form field
// "key"). For them Checks is empty and PerKey lists the actions to check
// on each key once the host has read the body; [Operation.KeyChecks]
// builds those checks. An authorizer must therefore deny an Operation
// whose Checks and PerKey are both empty; this package never returns one.
type Operation struct {
	// Name is the S3 API operation name as AWS spells it, e.g. "GetObject".
	Name string
	// Bucket is the bucket the request addresses; "" for ListBuckets.
	Bucket string
	// Key is the object key, percent-decoded; "" for service and bucket
	// operations and for PostObject (whose key is a form field).
	Key string
	// VersionID is the versionId query parameter, "" when absent.
	VersionID string
	// SourceBucket, SourceKey and SourceVersionID describe the
	// x-amz-copy-source of CopyObject and UploadPartCopy; "" otherwise.
	SourceBucket, SourceKey, SourceVersionID string
	// Checks lists the IAM action and resource pairs that must all be
	// allowed. ListBuckets checks "s3:ListAllMyBuckets" on "*".
	Checks []Check
	// Keys are the request condition keys of this operation, derived only
	// from the named S3 headers and query parameters AWS documents for it.
	// Keys never contain "aws:" keys or server facts (s3:authType,
	// s3:signatureversion, s3:signatureAge, s3:x-amz-content-sha256,
	// s3:TlsVersion): those are the server's to set.
	Keys []ConditionKey
	// PerKey lists the actions the host must check on every object key
	// named in the request body (DeleteObjects, PostObject); nil otherwise.
	// See [Operation.KeyChecks].
	PerKey []string

	partition string
	checks    [1]Check // backing array of Checks for the common case
}

// Check is one authorization question: may the principal perform Action on
// Resource?
type Check struct {
	// Action is the IAM action, e.g. "s3:GetObject".
	Action string
	// Resource is the ARN, e.g. "arn:aws:s3:::bucket/key", or "*".
	Resource string
}

// ConditionKey is one request condition key and its values, e.g.
// {Name: "s3:prefix", Values: ["home/alice/"]}.
type ConditionKey struct {
	// Name is the condition key as AWS documents it, e.g. "s3:x-amz-acl"
	// or "s3:RequestObjectTag/project". Condition keys are case-insensitive
	// in policies; tag keys after the slash are case-sensitive.
	Name string
	// Values holds one or more values; multi-valued keys such as
	// s3:RequestObjectTagKeys hold one value per element.
	Values []string
}

// ClassifyOptions configures [ClassifyS3Request]. The zero value (and a nil
// pointer) classifies path-style requests in the "aws" partition.
type ClassifyOptions struct {
	// Domains are the base domains of virtual-hosted-style requests, e.g.
	// "s3.example.com": a Host of "<bucket>.s3.example.com" addresses the
	// bucket "<bucket>", a Host equal to a domain (or matching none) is
	// path-style. Compared case-insensitively; a port in Host is ignored.
	// Nil means every request is path-style.
	Domains []string
	// Partition is the ARN partition, "aws" when empty ("aws-cn",
	// "aws-us-gov", or any lower-case name for a private deployment).
	Partition string
	// IgnoreParameters lists extra query parameter names (exact,
	// case-sensitive) that carry no meaning for authorization, such as a
	// cache-busting "t". Nil means none: any query parameter the catalog
	// does not know makes the request an *UnknownOperationError, so an
	// operation this catalog does not know is never mistaken for one it
	// does. Known S3 parameters, presigned-URL parameters (X-Amz-*,
	// AWSAccessKeyId, Signature, Expires) and x-id are always accepted.
	IgnoreParameters []string
}

// UnknownOperationError reports a request that does not name exactly one
// operation of the catalog: an unknown method, an unknown or unsupported
// sub-resource or query parameter, a sub-resource on the wrong kind of
// resource, or a conflicting combination. The request must be refused; it
// is never classified by guessing.
type UnknownOperationError struct {
	// Method is the HTTP method of the request.
	Method string
	// Shape is "service", "bucket" or "object": what the path addresses.
	Shape string
	// SubResource is the query parameter or header that made the request
	// unknown, "" when the method and shape alone did.
	SubResource string
	// Reason says what was wrong in a few words.
	Reason string
}

// Error implements error.
func (e *UnknownOperationError) Error() string {
	s := "iam: unknown S3 operation: " + e.Method + " on a " + e.Shape
	if e.SubResource != "" {
		s += " with " + strconv.Quote(e.SubResource)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s + "; see iam.OperationNames for the supported operations"
}

// S3Code returns the S3 error code a server answers with:
// "MethodNotAllowed" for an unknown HTTP method, "NotImplemented" otherwise.
func (e *UnknownOperationError) S3Code() string {
	if !catKnownMethod(e.Method) {
		return "MethodNotAllowed"
	}
	return "NotImplemented"
}

// HTTPStatus returns the HTTP status matching [UnknownOperationError.S3Code].
func (e *UnknownOperationError) HTTPStatus() int {
	if !catKnownMethod(e.Method) {
		return http.StatusMethodNotAllowed
	}
	return http.StatusNotImplemented
}

// RequestError reports a request that names a known operation but is
// malformed: an invalid bucket name, a key that is too long or not UTF-8, a
// bad x-amz-copy-source or x-amz-tagging header, a repeated parameter.
// Code is the S3 error code the server should answer with.
type RequestError struct {
	// Code is the S3 error code: "InvalidBucketName", "KeyTooLongError",
	// "InvalidURI", "InvalidArgument" or "InvalidTag".
	Code string
	// Status is the HTTP status for Code (400 for every code above).
	Status int
	// Message says what was wrong and how to fix it.
	Message string
}

// Error implements error.
func (e *RequestError) Error() string { return "iam: " + e.Code + ": " + e.Message }

// S3Code returns Code.
func (e *RequestError) S3Code() string { return e.Code }

// HTTPStatus returns Status.
func (e *RequestError) HTTPStatus() int { return e.Status }

func newRequestError(code, msg string) *RequestError {
	return &RequestError{Code: code, Status: http.StatusBadRequest, Message: msg}
}

// ObjectCheck returns the check of action on object key in the operation's
// bucket, with the operation's partition.
func (op *Operation) ObjectCheck(key, action string) Check {
	return Check{Action: action, Resource: catObjectARN(op.partitionOrDefault(), op.Bucket, key)}
}

// KeyChecks returns the checks for one object key named in the request body
// of a DeleteObjects or PostObject operation: one [Check] per PerKey action
// on that key. For DeleteObjects, an entry with a VersionId checks
// s3:DeleteObjectVersion instead of s3:DeleteObject. The key is validated
// as in the URL; an invalid key is a *RequestError. It returns nil, nil for
// an operation without PerKey actions.
func (op *Operation) KeyChecks(key, versionID string) ([]Check, error) {
	if len(op.PerKey) == 0 {
		return nil, nil
	}
	if err := validObjectKey(key); err != nil {
		return nil, err
	}
	checks := make([]Check, 0, len(op.PerKey))
	res := catObjectARN(op.partitionOrDefault(), op.Bucket, key)
	for _, a := range op.PerKey {
		if versionID != "" && a == "s3:DeleteObject" {
			a = "s3:DeleteObjectVersion"
		}
		checks = append(checks, Check{Action: a, Resource: res})
	}
	return checks, nil
}

func (op *Operation) partitionOrDefault() string {
	if op.partition == "" {
		return "aws"
	}
	return op.partition
}

func catObjectARN(partition, bucket, key string) string {
	// One allocation, written in place (a concat of five goes through a
	// generic loop; a stack buffer costs a second copy).
	var b strings.Builder
	b.Grow(len("arn:") + len(partition) + len(":s3:::") + len(bucket) + 1 + len(key))
	b.WriteString("arn:")
	b.WriteString(partition)
	b.WriteString(":s3:::")
	b.WriteString(bucket)
	b.WriteByte('/')
	b.WriteString(key)
	return b.String()
}

func catBucketARN(partition, bucket string) string {
	return "arn:" + partition + ":s3:::" + bucket
}

// Operations are allocated together with room for their resource ARN, in
// one of a few sizes (so that the allocation falls in a size class that
// wastes little), so that classifying a request costs one allocation.
type (
	opBox24 struct {
		op  Operation
		arn [24]byte
	}
	opBox56 struct {
		op  Operation
		arn [56]byte
	}
	opBox120 struct {
		op  Operation
		arn [120]byte
	}
	opBox248 struct {
		op  Operation
		arn [248]byte
	}
)

// newOperation returns a zero Operation and, when n > 0 and n bytes fit,
// the room for its resource ARN (see arnInto).
func newOperation(n int) (*Operation, []byte) {
	switch {
	case n <= 0:
		return new(Operation), nil
	case n <= 24:
		b := new(opBox24)
		return &b.op, b.arn[:]
	case n <= 56:
		b := new(opBox56)
		return &b.op, b.arn[:]
	case n <= 120:
		b := new(opBox120)
		return &b.op, b.arn[:]
	case n <= 248:
		b := new(opBox248)
		return &b.op, b.arn[:]
	}
	return new(Operation), nil
}

// arnLen is the length of the ARN arnInto builds.
func arnLen(partition, bucket, key string, object bool) int {
	n := len("arn:") + len(partition) + len(":s3:::") + len(bucket)
	if object {
		n += 1 + len(key)
	}
	return n
}

// arnInto returns "arn:<partition>:s3:::<bucket>" followed by "/<key>" when
// object is set, written into room when it fits and room is unused (its
// first byte is 0), and allocated otherwise.
//
// The string returned for room aliases it (unsafe.String), which is safe
// because of three invariants, checked by TestResourceARN:
//   - room is the arn array of an opBox that newOperation has just
//     allocated; the box is never handed out, only its Operation, and no
//     Operation field refers to the array, so overwriting or reusing an
//     Operation (*op = Operation{}) cannot touch the bytes;
//   - the bytes are written here once, before the string exists, and never
//     again: room[0] becomes 'a', and a second call with the same room
//     allocates instead;
//   - the string keeps the whole box alive (a pointer into an object keeps
//     the object), so the bytes live as long as the string.
//
// It saves an allocation per classified request (the one the benchmark
// BenchmarkClassify_S3Request measures).
func arnInto(room []byte, partition, bucket, key string, object bool) string {
	n := arnLen(partition, bucket, key, object)
	if len(room) < n || room[0] != 0 {
		if object {
			return catObjectARN(partition, bucket, key)
		}
		return catBucketARN(partition, bucket)
	}
	s := room[:n]
	var i int
	if partition == "aws" { // the usual head in one copy
		i = copy(s, "arn:aws:s3:::")
	} else {
		i = copy(s, "arn:")
		i += copy(s[i:], partition)
		i += copy(s[i:], ":s3:::")
	}
	i += copy(s[i:], bucket)
	if object {
		s[i] = '/'
		copy(s[i+1:], key)
	}
	return unsafe.String(&s[0], n)
}

func catKnownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
		return true
	}
	return false
}

// maxKeyLen is S3's limit on the UTF-8 length of an object key.
const maxObjectKeyLen = 1024

func validObjectKey(key string) error {
	if key == "" {
		return newRequestError("InvalidArgument", "the object key is empty; name an object")
	}
	if len(key) > maxObjectKeyLen {
		return newRequestError("KeyTooLongError", "the object key is "+strconv.Itoa(len(key))+
			" bytes long; S3 keys are at most 1024 bytes of UTF-8")
	}
	if !validUTF8(key) {
		return newRequestError("InvalidURI", "the object key is not valid UTF-8; encode the key as UTF-8")
	}
	return nil
}

// validUTF8 is utf8.ValidString with a faster path for ASCII.
func validUTF8(s string) bool {
	var acc uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		acc |= wordwise.Load8(s[i:])
	}
	if i < len(s) {
		acc |= wordwise.LoadTail(s, i, 0)
	}
	return acc&wordwise.Highs == 0 || utf8.ValidString(s)
}

// validateBucket applies the S3 naming rules for general purpose buckets:
// 3 to 63 characters of lower-case letters, digits, dots and hyphens,
// starting and ending with a letter or digit, no two adjacent dots, not an
// IPv4 address, and none of the reserved prefixes and suffixes.
func validBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
			" must be 3 to 63 characters long")
	}
	// The usual name, lower-case letters and digits only, is valid: the
	// rules below concern dots and hyphens, and a name without dots is
	// not an address.
	alnum := uint8(1)
	for i := 0; i < len(b); i++ {
		alnum &= bucketAlnumClass[b[i]]
	}
	if alnum != 0 {
		return nil
	}
	digitsAndDots, punct := true, false
	for i := 0; i < len(b); i++ {
		switch bucketClass[b[i]] {
		case bcLower:
			digitsAndDots = false
		case bcDigit:
		case bcDot:
			punct = true
			if i > 0 && b[i-1] == '.' {
				return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
					" must not contain two adjacent dots")
			}
		case bcDash:
			digitsAndDots, punct = false, true
		default:
			return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
				" may contain only lower-case letters, digits, dots and hyphens")
		}
	}
	if !bucketAlnum(b[0]) || !bucketAlnum(b[len(b)-1]) {
		return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
			" must start and end with a lower-case letter or digit")
	}
	if digitsAndDots && looksLikeIPv4(b) {
		return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
			" must not be formatted as an IP address")
	}
	if !punct {
		return nil // every reserved prefix and suffix has a '-' or a '.'
	}
	for _, p := range [...]string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if len(b) >= len(p) && b[:len(p)] == p {
			return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
				" must not start with the reserved prefix "+strconv.Quote(p))
		}
	}
	for _, s := range [...]string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if len(b) >= len(s) && b[len(b)-len(s):] == s {
			return newRequestError("InvalidBucketName", "bucket name "+catQuote(b)+
				" must not end with the reserved suffix "+strconv.Quote(s))
		}
	}
	return nil
}

// Classes of the bytes of a bucket name (0: not allowed).
const (
	bcLower = 1 + iota
	bcDigit
	bcDot
	bcDash
)

// bucketAlnumClass is 1 for lower-case letters and digits, 0 otherwise.
var bucketAlnumClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if bucketClass[c] == bcLower || bucketClass[c] == bcDigit {
			t[c] = 1
		}
	}
	return t
}()

var bucketClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = bcLower
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = bcDigit
	}
	t['.'], t['-'] = bcDot, bcDash
	return t
}()

func bucketAlnum(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }

// isIPv4 reports whether s has the form of a dotted-quad address (four
// groups of 1 to 3 digits).
func looksLikeIPv4(s string) bool {
	groups, n := 1, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			if n == 0 {
				return false
			}
			groups, n = groups+1, 0
			continue
		}
		n++
		if n > 3 {
			return false
		}
	}
	return groups == 4 && n > 0
}

// quoteShort quotes s for an error message, cut to 80 bytes so that a
// hostile request cannot make errors huge.
func catQuote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
