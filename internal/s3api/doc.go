// Package s3api holds the S3 REST wire protocol that the reference server
// (examples/s3server) and the proxy (examples/s3proxy) share: S3 error codes
// and the XML error body, the XML documents of the bucket and object
// operations, bucket-name and object-key rules, and locating the bucket and
// key of a request in path-style or virtual-hosted-style addressing.
//
// It is internal: the types follow the S3 XML shapes exactly and may grow
// as the servers need more of the API; nothing outside this module relies
// on them.
//
// # Errors
//
// [Error] carries an S3 error code, an HTTP status and a message; [WriteError]
// writes any error as the S3 XML error body. Errors from other packages are
// recognised by the [Coded] interface (S3ErrorCode and HTTPStatus methods);
// any other error becomes InternalError 500 and its text is not sent.
//
// # Addressing
//
// [Locate] returns the bucket and key of a request. With a base domain
// configured, a Host of "<bucket>.<domain>" selects virtual-hosted style;
// anything else is path-style ("/<bucket>/<key>"). The key is the
// percent-decoded path, so "%2F" is a "/" in the key, as in S3.
//
// # Not supported
//
// Access points, S3 Express directory buckets, SigV2-era "bucket.s3.amazonaws.com"
// host rewriting without a configured domain, and legacy bucket names with
// upper-case letters or underscores (they are rejected as InvalidBucketName).
package s3api
