// Package iam implements the AWS IAM policy language for an S3-compatible
// server: it parses policies strictly, limits their size, compiles them
// once, evaluates requests exactly as AWS does without allocating, and
// explains every decision. It also holds the S3 operation catalog (see
// [ClassifyS3Request]). The package is pure: no I/O, no context, no
// global state. Compiled policies and the functions of this package are
// safe for concurrent use.
//
// # Performance
//
// Parsing compiles each policy once: wildcards are pre-split, CIDRs,
// dates and numbers parsed, and statements indexed by action and bucket so
// that evaluation visits only the statements that can match; per-policy
// Bloom filters let evaluation skip a policy that cannot match without
// probing its index. A policy costs a handful of allocations, not a few per
// statement: the JSON tree holds no pointers and lives in scratch memory
// that later parses reuse, and the compiled statements are carved out of
// slabs sized by counting the document (BenchmarkParse_2KB: 10
// allocations for a 2 KB policy, most of them the slabs and the policy's
// own copy of the document). Evaluation does not allocate unless a policy
// reads a typed server fact (an address, a time) as a string.
// [ClassifyS3Request] allocates the [Operation] and the resource ARN of its
// first check together, once, for ARNs of up to 248 bytes;
// [ClassifyS3RequestInto] fills an Operation the caller owns (embedded in a
// per-request struct, or pooled) and allocates only the ARN.
//
// # Parsing
//
// [Parse] accepts a policy document and returns an immutable, compiled
// [*Policy] or an error: a [*ParseError] whose Path names the element
// ("Statement[1].Condition.StringLike", statements counted from 0) and
// whose message says what is wrong and how to fix it, or a [*SizeError].
// Size is measured as AWS measures it ([PackedSize]: bytes with the
// whitespace outside strings removed); the default limit is 2048 bytes
// ([WithMaxSize] changes it). [WithResourcePolicy] parses a bucket policy,
// where every statement needs Principal or NotPrincipal; elsewhere both are
// errors. [Policy.MarshalJSON] writes a canonical document that parses back
// to an equivalent policy.
//
// The grammar: Version ("2012-10-17", or the legacy "2008-10-17" under
// which, as with no Version at all, "${...}" is literal text), Id,
// Statement (an object or a non-empty array), and per statement Sid
// (unique in the policy), Effect ("Allow" or "Deny", case-sensitive),
// Principal/NotPrincipal, Action/NotAction, Resource/NotResource and
// Condition. Wherever AWS allows a list, a single string is accepted.
//
// Validation rejects: malformed JSON, invalid UTF-8, duplicate keys at any
// level, nesting deeper than 10 levels, arrays or objects with more than
// 4096 elements, unknown fields (with a hint when only the case differs),
// a missing Effect/Action/Resource, both X and NotX, empty strings or
// arrays, actions that are not "*" or "service:Action" (wildcards allowed
// in the action name only), resources that are not "*" or a six-component
// ARN (no wildcard in the service; variables only in the resource part),
// unknown condition operators (operator names are case-sensitive), values
// of the wrong type for their operator (a date that is not a date, a CIDR
// that is not one, non-base64 binary, a Bool that is not true/false),
// operators that cannot apply to a server key (IpAddress on
// aws:username), unsupported aws: keys, Principal in identity policies,
// and malformed principals.
//
// # Actions and resources
//
// Actions match case-insensitively with '*' and '?' wildcards. Resources
// match case-sensitively; "*" matches everything, otherwise each of the
// first five ARN components is matched on its own (wildcards never cross
// those ':'), and the resource part — the rest of the ARN, colons included
// — is matched with '*' (any run, across '/') and '?' (one character).
//
// # Condition operators
//
// String: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase (ASCII case folding), StringLike,
// StringNotLike. Numeric: NumericEquals, NumericNotEquals,
// NumericLessThan, NumericLessThanEquals, NumericGreaterThan,
// NumericGreaterThanEquals (decimal numbers, compared as float64). Date:
// DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals,
// DateGreaterThan, DateGreaterThanEquals (W3C ISO 8601: "2026-01-31",
// "2026-01-31T12:00Z", "2026-01-31T12:00:00.5+01:00", or epoch seconds).
// Bool. BinaryEquals (base64 policy values compared byte-wise with the
// request value). IpAddress, NotIpAddress (IPv4 and IPv6 CIDRs; a bare
// address is a /32 or /128; IPv4-mapped IPv6 request addresses are
// unmapped). ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (per-component
// wildcard matching; Equals behaves as Like, as in AWS). Null ("true": key
// absent; "false": key present).
//
// Every operator but Null takes the IfExists suffix (key absent: the
// condition holds) and the ForAnyValue: or ForAllValues: prefix. Several
// operators, and several keys under one operator, are ANDed; several
// values of one key are ORed, and for the negated operators
// (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike,
// NumericNotEquals, DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike)
// the request value must match none of them. A missing key makes a
// condition false, except: negated operators hold, IfExists holds,
// ForAllValues holds (also for an empty set), ForAnyValue fails, and Null
// tests exactly that. ForAnyValue:/ForAllValues: with a negated operator
// negate per request value. A request value that cannot be read as the
// operator's type (a non-number for Numeric*) is an evaluation error: the
// statement then applies if it is a Deny and does not if it is an Allow
// (fail closed), and [Explain] says so.
//
// # Condition keys
//
// Server facts, typed fields of [Context] that only the host sets:
// aws:username, aws:userid, aws:PrincipalType, aws:PrincipalArn,
// aws:PrincipalAccount, aws:SourceIp, aws:SecureTransport,
// aws:CurrentTime, aws:EpochTime, aws:TokenIssueTime, aws:UserAgent,
// aws:Referer, s3:authType, s3:signatureversion, s3:signatureAge,
// s3:x-amz-content-sha256. Keys are case-insensitive. [SourceIP] computes
// aws:SourceIp, honouring X-Forwarded-For only from trusted proxies.
//
// Request keys, added with [Context.Set]: any "service:name" key outside
// the aws: namespace and the server-owned s3: keys, e.g. s3:prefix,
// s3:delimiter, s3:max-keys, s3:x-amz-acl, s3:x-amz-server-side-encryption,
// s3:VersionId, s3:RequestObjectTag/<key>, s3:RequestObjectTagKeys,
// s3:x-amz-copy-source, s3:x-amz-metadata-directive. Set refuses every
// server-owned key, so a client can never supply a server fact.
//
// # Policy variables
//
// Under Version 2012-10-17, "${key}" is substituted in the resource part
// of Resource/NotResource and in the values of the String*, Arn* and Bool
// operators, for any single-valued key above (for example ${aws:username},
// ${aws:userid}, ${aws:SourceIp}, ${aws:PrincipalType}, ${s3:prefix}).
// "${key, 'default'}" supplies a default. "${*}", "${?}" and "${$}" are a
// literal '*', '?' and '$'. Substituted values are literal text, never
// wildcards. A variable with no value (and no default) makes the element
// that contains it match nothing: a Resource entry matches no resource, a
// StringEquals value matches no request value (so StringNotEquals holds).
//
// # Evaluation
//
// [Evaluate] decides a [Request] against a [PolicySet]; [Explain] returns
// the same decision with a [Trace] naming, for every statement, whether the
// action, principal, resource and conditions matched and why, and which
// statements decided. Evaluate does not pay for tracing and, for the
// policies of a typical S3 deployment, does not allocate.
//
// The rules follow AWS's single-account logic:
//
//  1. An applicable Deny in any policy — identity, service account,
//     session or bucket — decides ExplicitDeny.
//  2. Otherwise the request is Allowed when some identity policy allows it
//     OR the bucket policy allows it for PolicySet.ResourcePrincipal (so a
//     bucket policy grants on its own, also to anonymous "*" principals),
//     AND the service-account policy, if any, allows it, AND the session
//     policy, if any, allows it.
//  3. Otherwise ImplicitDeny; with no policy at all, ImplicitDeny.
//
// Session policies and bucket policies: AWS lets a bucket policy that
// names a session's own ARN bypass the session policy, but applies the
// session policy when the bucket policy names the role (the parent). In
// s3auth, sessions and service accounts appear in bucket policies through
// their parent user's ARN, so we always apply the session and
// service-account policy as a bound: they can only narrow what identity
// and bucket policies grant, never widen it.
//
// A request that cannot be evaluated (nil, malformed action, empty
// resource, a bucket policy not parsed with WithResourcePolicy, or an
// identity policy that was) is denied, and the trace says why.
//
// # Principals
//
// In bucket policies, "*" and {"AWS": "*"} match everyone including
// anonymous requests; an AWS ARN matches PolicySet.ResourcePrincipal
// exactly; a 12-digit account ID stands for "arn:aws:iam::ID:root".
// NotPrincipal matches everyone not listed.
//
// # S3 operation catalog
//
// [ClassifyS3Request] maps an HTTP request (path-style or
// virtual-hosted-style) to its S3 [Operation]: the IAM actions and resource
// ARNs to check and the request condition keys to put in the [Context] with
// [Context.Set]. [OperationNames] lists every supported operation with its
// HTTP shape and checks. Unknown operations are reported, never guessed.
//
// # Canned policies
//
// [Canned] returns "readonly", "readwrite" and "writeonly" (see
// [CannedNames]) as compiled policies and as documents.
//
// # Not supported
//
//   - Principal types Federated, Service and CanonicalUser are validated
//     but never match a requester (an S3 server has no such callers).
//   - Global keys that describe the AWS network or organization
//     (aws:SourceVpc, aws:SourceVpce, aws:PrincipalOrgID, aws:CalledVia,
//     aws:RequestedRegion, aws:MultiFactorAuth*, aws:PrincipalTag/*,
//     aws:RequestTag/*, aws:ResourceTag/*, aws:TagKeys, ...) and
//     s3:TlsVersion are rejected in policies rather than silently never
//     matching.
//   - Action names are checked for syntax, not against a list of existing
//     actions, so a misspelled action name is accepted and never matches.
//   - IAM's restriction of policy characters to U+0009, U+000A, U+000D and
//     U+0020–U+00FF is not applied: any valid UTF-8 is accepted, since S3
//     object keys may use it. Sid may contain any characters.
//   - Permission boundaries, SCPs, cross-account evaluation and the
//     account-root bypass are the host's business, not this package's.
//   - Numeric values are compared as float64, so integers beyond 2^53 lose
//     precision.
package iam
