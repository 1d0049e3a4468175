package fsobj

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/s3auth/s3auth/internal/s3api"
)

// Metadata is what is stored with an object besides its bytes.
type Metadata struct {
	// ContentType is the Content-Type; empty means binary/octet-stream.
	ContentType string `json:"contentType,omitempty"`
	// User holds x-amz-meta-* values by lower-case name without the prefix.
	User map[string]string `json:"user,omitempty"`
	// Headers holds other stored response headers (Cache-Control,
	// Content-Disposition, Content-Encoding, Content-Language, Expires) by
	// canonical name.
	Headers map[string]string `json:"headers,omitempty"`
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag is the entity tag without quotes: the hex MD5 of the bytes, or
	// for a multipart upload the hex MD5 of the part MD5s, "-", part count.
	ETag string
	Metadata
	// Checksums holds base64 checksums of the whole object by algorithm.
	Checksums map[string]string
}

// objectMeta is the sidecar file.
type objectMeta struct {
	Key       string            `json:"key"`
	File      fileID            `json:"file"`
	ETag      string            `json:"etag"`
	Meta      Metadata          `json:"meta"`
	Checksums map[string]string `json:"checksums,omitempty"`
}

// PutInput is the optional part of a write.
type PutInput struct {
	Metadata Metadata
	// ContentMD5 is the decoded Content-MD5 header; a mismatch is BadDigest
	// and nothing is stored.
	ContentMD5 []byte
	// Checksums holds expected base64 checksums by algorithm
	// (x-amz-checksum-*); a mismatch is BadDigest.
	Checksums map[string]string
	// ComputeChecksums names algorithms whose value is computed and stored
	// without a value to compare (for example a trailing checksum that the
	// verifying body reader has already checked).
	ComputeChecksums []string
	// Owner, when non-nil, becomes the owner of the file.
	Owner *POSIXOwner
	// IfNoneMatch "*" fails with PreconditionFailed when the key exists.
	IfNoneMatch string
	// IfMatch fails with PreconditionFailed unless the current ETag matches.
	IfMatch string
	// MaxSize limits the object size; 0 means 5 GiB.
	MaxSize int64
}

// Put stores body as bucket/key. The object is committed only when body
// returns io.EOF cleanly and every digest matches; any error from body is
// returned unchanged and nothing is stored.
func (b *Backend) Put(bucket, key string, body io.Reader, in PutInput) (ObjectInfo, error) {
	if err := b.checkBucket(bucket); err != nil {
		return ObjectInfo{}, err
	}
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, err
	}
	algs := append([]string(nil), in.ComputeChecksums...)
	for a := range in.Checksums {
		algs = append(algs, a)
	}
	maxSize := in.MaxSize
	if maxSize == 0 {
		maxSize = 5 << 30
	}
	tf, err := b.writeTemp(body, dedupe(algs), in.Owner, maxSize)
	if err != nil {
		return ObjectInfo{}, err
	}
	etag := hex.EncodeToString(tf.md5)
	return b.commit(bucket, key, tf, etag, in)
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.ToUpper(s)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// commit checks digests and preconditions and moves tf into place. It
// removes tf on failure.
func (b *Backend) commit(bucket, key string, tf *tempFile, etag string, in PutInput) (info ObjectInfo, err error) {
	defer func() {
		if err != nil {
			_ = b.root.Remove(tf.name)
		}
	}()
	if in.ContentMD5 != nil && !bytes.Equal(in.ContentMD5, tf.md5) {
		return info, s3api.Errorf(s3api.CodeBadDigest, "The Content-MD5 you specified did not match what we received.")
	}
	sums := map[string]string{}
	for a, v := range tf.sums {
		sums[a] = base64.StdEncoding.EncodeToString(v)
	}
	for a, want := range in.Checksums {
		if got := sums[strings.ToUpper(a)]; got != want {
			return info, s3api.Errorf(s3api.CodeBadDigest, "The %s you specified did not match the calculated checksum.", strings.ToUpper(a))
		}
	}
	b.bucket.RLock()
	defer b.bucket.RUnlock()
	if err := b.checkBucket(bucket); err != nil {
		return info, err
	}
	mu := b.keyLock(key)
	mu.Lock()
	defer mu.Unlock()
	if in.IfNoneMatch != "" || in.IfMatch != "" {
		cur, err := b.stat(bucket, key)
		exists := err == nil
		if err != nil && !isNoSuchKey(err) {
			return info, err
		}
		if in.IfNoneMatch == "*" && exists {
			return info, s3api.Errorf(s3api.CodePreconditionFailed, "At least one of the pre-conditions you specified did not hold: the object already exists (If-None-Match: *).")
		}
		if in.IfMatch != "" && (!exists || !etagMatches(in.IfMatch, cur.ETag)) {
			if !exists {
				return info, s3api.Errorf(s3api.CodeNoSuchKey, "The specified key does not exist.")
			}
			return info, s3api.Errorf(s3api.CodePreconditionFailed, "At least one of the pre-conditions you specified did not hold: If-Match.")
		}
	}
	if err := b.placeFile(tf.name, bucket, key); err != nil {
		return info, err
	}
	fi, err := b.root.Stat(objPath(bucket, key))
	if err != nil {
		return info, fmt.Errorf("fsobj: stat new object: %w", err)
	}
	m := objectMeta{Key: key, File: idOf(fi), ETag: etag, Meta: in.Metadata, Checksums: sums}
	if err := b.writeJSON(metaPath(bucket, key), m); err != nil {
		// The object is in place; readers recompute its ETag.
		b.log.Warn("fsobj: cannot write object metadata", "bucket", bucket, "key", key, "err", err)
	}
	return ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime(), ETag: etag, Metadata: in.Metadata, Checksums: sums}, nil
}

// etagMatches reports whether an If-Match / If-None-Match list matches etag.
func etagMatches(list, etag string) bool {
	for t := range strings.SplitSeq(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

// ETagMatches reports whether the comma-separated entity tags of an
// If-Match or If-None-Match header match etag (unquoted); "*" matches any.
func ETagMatches(header, etag string) bool { return etagMatches(header, etag) }

func isNoSuchKey(err error) bool {
	var e *s3api.Error
	return errors.As(err, &e) && e.Code == s3api.CodeNoSuchKey
}

func noSuchKey(key string) error {
	return s3api.Errorf(s3api.CodeNoSuchKey, "The specified key does not exist.")
}

// Object is an open object. Read it through File (an io.ReaderAt works for
// ranges) and Close it.
type Object struct {
	ObjectInfo
	File *os.File
}

// Close closes the file.
func (o *Object) Close() error { return o.File.Close() }

// Open opens bucket/key for reading. The object stays readable and
// consistent with its ObjectInfo even if it is replaced or deleted
// meanwhile.
func (b *Backend) Open(bucket, key string) (*Object, error) {
	if err := b.checkBucket(bucket); err != nil {
		return nil, err
	}
	if err := ValidateKey(key); err != nil {
		return nil, noSuchKey(key)
	}
	f, err := b.root.Open(objPath(bucket, key))
	if err != nil {
		return nil, noSuchKey(key)
	}
	info, err := b.infoOf(bucket, key, f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &Object{ObjectInfo: info, File: f}, nil
}

// Stat returns the description of bucket/key.
func (b *Backend) Stat(bucket, key string) (ObjectInfo, error) {
	if err := b.checkBucket(bucket); err != nil {
		return ObjectInfo{}, err
	}
	return b.stat(bucket, key)
}

func (b *Backend) stat(bucket, key string) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, noSuchKey(key)
	}
	f, err := b.root.Open(objPath(bucket, key))
	if err != nil {
		return ObjectInfo{}, noSuchKey(key)
	}
	defer f.Close()
	return b.infoOf(bucket, key, f)
}

// infoOf describes the open file f of bucket/key, from its sidecar when the
// sidecar describes this very file.
func (b *Backend) infoOf(bucket, key string, f *os.File) (ObjectInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("fsobj: stat: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, noSuchKey(key)
	}
	info := ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	var m objectMeta
	if err := b.readJSON(metaPath(bucket, key), &m); err == nil && m.Key == key && m.File == idOf(fi) {
		info.ETag, info.Metadata, info.Checksums = m.ETag, m.Meta, m.Checksums
		return info, nil
	}
	// No sidecar for this version of the file: compute the ETag.
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return ObjectInfo{}, fmt.Errorf("fsobj: read object: %w", err)
	}
	info.ETag = hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// Delete removes bucket/key. A missing key is not an error, as in S3.
func (b *Backend) Delete(bucket, key string) error {
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	if ValidateKey(key) != nil {
		return nil // such a key cannot exist here
	}
	b.bucket.RLock()
	defer b.bucket.RUnlock()
	mu := b.keyLock(key)
	mu.Lock()
	defer mu.Unlock()
	p := objPath(bucket, key)
	fi, err := b.root.Lstat(p)
	if err != nil || fi.IsDir() {
		return nil
	}
	if err := b.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsobj: delete %q: %w", key, err)
	}
	_ = b.root.Remove(metaPath(bucket, key))
	b.removeEmptyParents(bucket, key)
	return nil
}
