// Package sigv4 verifies AWS Signature Version 4 on S3 requests: the
// Authorization header, presigned URLs and browser POST forms, and it
// verifies the request body as it streams.
//
// It is pure: it needs an access-key lookup ([CredentialsLookup]) and a
// [Clock], and knows nothing of stores, users or HTTP servers.
//
// # Use
//
//	v := sigv4.NewVerifier(lookup, sigv4.WithRegions("us-east-1"))
//	res, err := v.Verify(r) // err is always a *sigv4.Error
//	if err != nil {
//		sigv4.WriteError(w, err, r.URL.Path, requestID)
//		return
//	}
//
// or wrap a handler with [Middleware] and read the [Result] with
// [FromContext]. A request that carries no authentication at all is not an
// error: it yields a Result of type [AuthAnonymous] and the host decides.
//
// # The verifying body
//
// When a request has a body, Verify replaces r.Body with a [Body] (also in
// [Result.Body]) that checks the payload as it is read: the signed
// x-amz-content-sha256 hash, every aws-chunked chunk signature, the
// decoded length, trailing checksums and Content-MD5. Read returns io.EOF
// only when all of it checked out; anything else is an [*Error] and keeps
// being returned. A host must therefore stage what it reads and commit
// (store the object, acknowledge the write) only after a clean io.EOF. A
// successful Verify only means the headers were signed by the key's owner.
//
// # What is checked
//
//   - Classification: Authorization header, presigned query (X-Amz-*),
//     POST form, or anonymous. Two Authorization headers, or header and
//     query authentication together, are InvalidArgument.
//   - The Authorization header is parsed strictly: algorithm, one or more
//     spaces, then Credential, SignedHeaders and Signature exactly once each,
//     comma separated (spaces after commas allowed). SignedHeaders must be
//     lower case, sorted and free of duplicates; Signature 64 lower-case hex.
//   - Scope: date equals X-Amz-Date's date, region is one of
//     [Options.Regions], service is the one verified ("s3" by [Verifier.Verify]),
//     terminator aws4_request.
//   - Time: header-signed requests within [Options.MaxClockSkew] of the
//     Clock (RequestTimeTooSkewed); presigned URLs from X-Amz-Date (less the
//     skew, for slightly fast clients) to X-Amz-Date + X-Amz-Expires, which
//     must be 1 to 604800 seconds.
//   - host is always signed, and so is every x-amz-* header present, with no
//     exception (AWS SDKs sign them all; an unsigned one is AccessDenied).
//     Content-Type is not required to be signed.
//   - S3 canonicalization: the path is decoded once and re-encoded with AWS
//     UriEncode, never normalized ("/a/../b" and "//" are signed as sent);
//     an escaped slash (%2F) stays escaped. The query is parsed from
//     RawQuery, '+' read as a space, names and values UriEncoded and sorted.
//     Header values are trimmed, inner white space folded to one space and
//     repeated headers joined with ",".
//   - x-amz-content-sha256 is required for S3 header authentication and
//     selects the payload mode ([PayloadMode]). Presigned URLs use
//     UNSIGNED-PAYLOAD unless X-Amz-Content-Sha256 is given. For other
//     services ([Verifier.VerifyService], e.g. "sts") a missing header means
//     the body hash is signed; such bodies are read (up to 1 MiB) and hashed.
//   - Signatures are compared in constant time. A mismatch is
//     SignatureDoesNotMatch carrying the server's canonical request and
//     string to sign, as S3 returns them; no error or log ever carries a
//     secret. Signing keys are cached per (access key, date, region,
//     service) with their HMAC pads already absorbed; an entry carries a
//     randomly seeded fingerprint of the secret it came from (never the
//     secret itself), so a changed secret is derived afresh.
//
// # Performance
//
// A verification walks the header map once (unsigned x-amz-* headers,
// digest headers, the signed values and the X-Amz-* values it needs in one
// pass), builds the canonical request in a pooled buffer and allocates only
// its [Result] (nothing with [Verifier.VerifyServiceInto] and a Result the
// host owns). The Authorization layout SDKs send is parsed without the
// general loop, and a Verifier remembers the few SignedHeaders lists its
// clients send (16 slots, each entry immutable), with their names spelled
// as net/http keys headers, so the walk matches most keys without folding
// case. A signed or streaming body is hashed as it is read, each chunk
// once, and the chunk-signature chain costs two SHA-256 blocks less per
// chunk than a fresh HMAC. The benchmarks compare with aws-sdk-go-v2
// signing the same request (BenchmarkBaseline_SDKSign), with the
// cryptographic work no verifier can avoid (BenchmarkFloor_HeaderGET) and
// with crypto/sha256 over the same bytes (BenchmarkBaseline_SHA256).
//
// [Result.SignedHeaders] and [Result.IsSigned] tell a proxy which headers
// the client actually signed, whatever SDK it used.
//
// # Not supported
//
//   - Signature Version 2 (Authorization "AWS ..." or AWSAccessKeyId query):
//     rejected with InvalidRequest "Please use AWS4-HMAC-SHA256", as S3 does
//     in regions opened after 2014.
//   - SigV4A (AWS4-ECDSA-P256-SHA256 and its streaming payloads): rejected
//     with InvalidRequest.
//   - HTTP/2 :authority is read through r.Host like Host; no other
//     pseudo-header can be signed.
//   - Extra S3 error elements (ServerTime, HeadersNotSigned, ...) are not
//     written; their facts are in the error message or its wrapped cause.
package sigv4
