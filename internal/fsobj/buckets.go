package fsobj

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/s3auth/s3auth/internal/s3api"
)

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name    string
	Created time.Time
}

type bucketMeta struct {
	Created time.Time `json:"created"`
}

// CreateBucket creates bucket. An existing bucket is BucketAlreadyOwnedByYou
// (every bucket belongs to the server).
func (b *Backend) CreateBucket(bucket string) error {
	if err := s3api.ValidateBucketName(bucket); err != nil {
		return err
	}
	b.bucket.Lock()
	defer b.bucket.Unlock()
	err := b.root.Mkdir("buckets/"+bucket, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return s3api.Errorf(s3api.CodeBucketAlreadyOwnedByYou,
			"Your previous request to create the named bucket %q succeeded and you already own it.", bucket)
	}
	if err != nil {
		return fmt.Errorf("fsobj: create bucket: %w", err)
	}
	_ = b.root.RemoveAll("meta/" + bucket) // leftovers of a crashed delete
	if err := b.writeJSON("meta/"+bucket+"/bucket.json", bucketMeta{Created: b.now().UTC()}); err != nil {
		_ = b.root.Remove("buckets/" + bucket)
		return fmt.Errorf("fsobj: create bucket: %w", err)
	}
	return nil
}

// HeadBucket returns nil when bucket exists, else NoSuchBucket (or
// InvalidBucketName).
func (b *Backend) HeadBucket(bucket string) error { return b.checkBucket(bucket) }

// DeleteBucket removes an empty bucket, its policy and its unfinished
// multipart uploads. A bucket with objects is BucketNotEmpty.
func (b *Backend) DeleteBucket(bucket string) error {
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	b.bucket.Lock()
	defer b.bucket.Unlock()
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	empty := true
	err := fs.WalkDir(b.root.FS(), "buckets/"+bucket, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			empty = false
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("fsobj: delete bucket: %w", err)
	}
	if !empty {
		return s3api.Errorf(s3api.CodeBucketNotEmpty, "The bucket %q you tried to delete is not empty. Delete its objects first.", bucket)
	}
	if err := b.root.RemoveAll("buckets/" + bucket); err != nil {
		return fmt.Errorf("fsobj: delete bucket: %w", err)
	}
	b.polMu.Lock()
	_ = b.root.RemoveAll("meta/" + bucket)
	b.policies.Delete(bucket)
	b.polMu.Unlock()
	b.abortAll(bucket)
	return nil
}

// ListBuckets lists every bucket by name.
func (b *Backend) ListBuckets() ([]BucketInfo, error) {
	ents, err := fs.ReadDir(b.root.FS(), "buckets")
	if err != nil {
		return nil, fmt.Errorf("fsobj: list buckets: %w", err)
	}
	var out []BucketInfo
	for _, e := range ents {
		if !e.IsDir() || s3api.ValidateBucketName(e.Name()) != nil {
			continue
		}
		bi := BucketInfo{Name: e.Name()}
		var m bucketMeta
		if err := b.readJSON("meta/"+e.Name()+"/bucket.json", &m); err == nil {
			bi.Created = m.Created
		} else if fi, err := e.Info(); err == nil {
			bi.Created = fi.ModTime().UTC()
		}
		out = append(out, bi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// MaxPolicySize is the largest bucket policy accepted, in bytes (S3: 20 KB).
const MaxPolicySize = 20 << 10

// PutBucketPolicy stores doc as the policy of bucket. It checks only that
// doc is a JSON object of at most [MaxPolicySize] bytes; the policy
// language is the caller's to validate.
func (b *Backend) PutBucketPolicy(bucket string, doc []byte) error {
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	if len(doc) > MaxPolicySize {
		return s3api.Errorf(s3api.CodeMalformedPolicy, "Policies must be no more than %d bytes; this one has %d.", MaxPolicySize, len(doc))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil {
		return s3api.Errorf(s3api.CodeMalformedPolicy, "The policy is not a valid JSON object: %v.", err)
	}
	b.bucket.RLock()
	defer b.bucket.RUnlock()
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	b.polMu.Lock()
	defer b.polMu.Unlock()
	defer b.policies.Delete(bucket)
	return b.writeBytes("meta/"+bucket+"/policy.json", doc)
}

// BucketPolicy returns the stored policy of bucket, or NoSuchBucketPolicy.
// It is served from memory after the first read (this Backend is the only
// writer of its data folder); the returned slice must not be modified.
func (b *Backend) BucketPolicy(bucket string) ([]byte, error) {
	if v, ok := b.policies.Load(bucket); ok {
		if c := v.(policyCache); !c.none {
			return c.doc, nil
		}
		return nil, s3api.Errorf(s3api.CodeNoSuchBucketPolicy, "The bucket policy does not exist.")
	}
	if err := b.checkBucket(bucket); err != nil {
		return nil, err
	}
	b.bucket.RLock()
	defer b.bucket.RUnlock()
	b.polMu.Lock()
	defer b.polMu.Unlock()
	doc, err := b.root.ReadFile("meta/" + bucket + "/policy.json")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fsobj: reading the policy of bucket %s: %w", bucket, err)
	} else if err != nil {
		b.policies.Store(bucket, policyCache{none: true})
		return nil, s3api.Errorf(s3api.CodeNoSuchBucketPolicy, "The bucket policy does not exist.")
	}
	b.policies.Store(bucket, policyCache{doc: doc})
	return doc, nil
}

// DeleteBucketPolicy removes the policy of bucket; a missing policy is not
// an error.
func (b *Backend) DeleteBucketPolicy(bucket string) error {
	if err := b.checkBucket(bucket); err != nil {
		return err
	}
	b.polMu.Lock()
	defer b.polMu.Unlock()
	defer b.policies.Delete(bucket)
	err := b.root.Remove("meta/" + bucket + "/policy.json")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsobj: delete bucket policy: %w", err)
	}
	return nil
}
