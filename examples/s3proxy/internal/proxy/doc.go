// Package proxy is the authenticating S3 reverse proxy of examples/s3proxy:
// it authenticates and authorizes every request with the s3auth facade,
// serves STS itself, and forwards allowed S3 requests to an upstream S3
// endpoint, re-signed with the upstream's credentials.
//
// # Request path
//
// [Proxy.ServeHTTP] routes STS calls ([s3auth.IsSTSRequest]) to the
// facade's STS handler. Every other request goes through
// [s3auth.Auth.Middleware]: signature (header or presigned URL), identity,
// then the proxy's own policies. A denial is answered by the proxy and
// never reaches the upstream.
//
// An allowed request is rebuilt for the upstream: the path and query are
// kept (presigned-URL parameters removed; virtual-hosted-style requests
// become path-style), the client's authentication headers
// (Authorization, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token)
// and aws-chunked framing headers (X-Amz-Decoded-Content-Length,
// X-Amz-Trailer, the aws-chunked Content-Encoding) are dropped, hop-by-hop
// headers are dropped, and the other headers are kept when the client
// signed them (plus a few standard unsigned ones: Content-Type,
// Content-MD5, Cache-Control, Content-Disposition, Content-Language,
// Expires, Range, the If-* conditionals and Accept-Encoding). The request
// is then signed in the header with SigV4 (aws-sdk-go-v2's signer) and the
// upstream's credentials.
//
// # Bodies
//
// Bodies stream; nothing is buffered whole except the XML of DeleteObjects
// (bounded by [Options.MaxDeleteBody]), whose keys must be authorized one
// by one. The upstream receives the decoded payload read from the
// verifying reader ([s3auth.Principal.Body]) with Content-Length set to
// its decoded length, as UNSIGNED-PAYLOAD — or, when the client signed the
// payload's SHA-256, with that same hash so that the upstream checks it
// again.
//
// The verifying reader can only tell at the very end whether a payload is
// genuine (a trailing checksum, a whole-body hash). So that a forged body
// can never complete an upstream upload, the proxy holds back the last
// byte of every body until the verifying reader has returned a clean
// io.EOF. When verification fails, the transport sees a read error, the
// upstream connection is closed with at least one byte missing, and the
// upstream discards the upload; the client gets the verification error.
//
// # Responses
//
// Upstream responses, errors included, stream back unchanged except for
// hop-by-hop headers. An upstream that cannot be reached is reported as
// 503 ServiceUnavailable.
//
// # Not supported
//
//   - Browser POST uploads (POST policy forms): answered NotImplemented,
//     because the form would have to be rebuilt and re-signed for the
//     upstream.
//   - Partial DeleteObjects: when any key of the body is denied, the whole
//     request is denied with AccessDenied (S3 would report each denied key
//     in the result instead).
//   - Trailing checksums are verified by the proxy but not passed on: the
//     upstream does not learn them (headers sent as x-amz-checksum-* are
//     passed on and checked again).
//   - Bucket policies kept by the upstream do not grant anything to the
//     proxy's clients: the proxy decides with its own identities and
//     policies, and the upstream sees only the proxy's credentials.
//   - An upstream URL with a path prefix, and HTTP/2 to the upstream.
package proxy
