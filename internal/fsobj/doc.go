// Package fsobj stores S3 buckets and objects as plain files, for the
// reference server (examples/s3server).
//
// # Layout
//
// Under the data directory:
//
//	buckets/<bucket>/<key>          the object bytes, a plain file
//	meta/<bucket>/bucket.json       bucket creation time
//	meta/<bucket>/policy.json       the bucket policy, when one is set
//	meta/<bucket>/objects/xx/<h>.json   object metadata (h = SHA-256 of the key)
//	multipart/<uploadID>/           upload.json, part files and their metadata
//	tmp/                            files being written
//
// Every write goes to a new file in tmp/ (the same file system), is synced,
// and is renamed into place only after the body reader returned a clean
// io.EOF; any error before that removes the temporary file, so a failed or
// forged upload leaves nothing behind and readers never see a torn object.
// Metadata lives in a sidecar keyed by a hash of the key, so it never
// collides with object paths. A sidecar records the inode, size and
// modification time of the file it describes; when they do not match (a
// crash between the two renames, or a reader racing a writer) the object is
// served with a freshly computed ETag and default metadata instead of
// another version's.
//
// All file-system access goes through an [os.Root] opened on the data
// directory, so no key, however crafted, can reach a file outside it.
//
// # Keys
//
// S3 allows any UTF-8 key; a file tree cannot hold all of them. Keys are
// rejected with InvalidObjectName (400) when they contain NUL or '\\', start
// or end with '/', contain "//" or a "." or ".." segment, or have a segment
// longer than 255 bytes. A key that is a file and a prefix at once ("a" and
// "a/b") cannot be stored: the second write gets ObjectPathConflict (409)
// and the first object is left as it was.
//
// # Ownership
//
// When a write carries POSIX ids, the new file is chowned before it is
// renamed into place, through [Options].Chown. Directories created for key
// prefixes keep the server's ownership.
//
// # Not supported
//
// Versioning, object locking, tagging, ACLs, storage classes (everything is
// STANDARD), server-side encryption, more than one owner of buckets (every
// bucket belongs to the server, so creating an existing bucket is
// BucketAlreadyOwnedByYou), and keys outside the rules above. Directory
// marker objects ("folder/") are rejected rather than emulated.
package fsobj
