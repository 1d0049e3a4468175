// Package server is the HTTP side of the reference S3 server: it routes S3
// REST requests (path-style and virtual-hosted-style), runs them against an
// [fsobj.Backend], and writes S3 XML responses and errors. Authentication
// and authorization are not in this package: they come in through the
// [Auth] interface, so the s3auth library is plugged in by a small adapter.
//
// # The auth seam
//
// For every S3 request the server calls [Auth].Authenticate first; the
// [Principal] it returns is passed back to [Auth].Authorize together with
// the [Operation] (name, bucket, key, copy source) before anything is read
// or changed. Request bodies are read only through the reader Authenticate
// returns (a verifying reader), and an object or part is committed only
// when that reader returns a clean io.EOF; any other error removes the
// temporary file. DeleteObjects is authorized once as "DeleteObjects" on
// the bucket and then once per key as "DeleteObject"; a denied key is
// reported in the result and the others are deleted.
//
// Errors from Auth (or anything else) that implement [s3api.Coded]
// (S3ErrorCode and HTTPStatus methods) are written as S3 XML errors with
// their code and status; any other error is InternalError and its text is
// only logged.
//
// STS requests (POST / with a form, or any request to / with an Action
// query parameter) go to [Options].STSHandler, and /s3auth/admin/v1/ to
// [Options].AdminHandler, without calling Auth: those handlers
// authenticate themselves. A nil handler answers NotImplemented.
//
// # Not supported
//
// Versioning (versionId other than "null" is NoSuchVersion), ACLs, tagging,
// CORS, lifecycle, encryption, object lock, website, logging, replication,
// POST-form uploads and the other bucket sub-resources: they answer
// NotImplemented (501). Directory-marker keys and keys a file tree cannot
// hold are refused as described in internal/fsobj. Multiple byte ranges in
// one GET are ignored (the whole object is sent), as S3 does.
package server
