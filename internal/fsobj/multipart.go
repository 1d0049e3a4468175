package fsobj

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/s3auth/s3auth/internal/s3api"
)

// Upload describes an unfinished multipart upload.
type Upload struct {
	ID        string    `json:"id"`
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	Initiated time.Time `json:"initiated"`
	Input     struct {
		Metadata         Metadata    `json:"meta"`
		Owner            *POSIXOwner `json:"owner,omitempty"`
		ComputeChecksums []string    `json:"checksums,omitempty"`
	} `json:"input"`
}

// PartInfo describes an uploaded part.
type PartInfo struct {
	Number  int
	Size    int64
	ModTime time.Time
	ETag    string // hex MD5, no quotes
}

type partMeta struct {
	File fileID `json:"file"`
	ETag string `json:"etag"`
}

// CompletePart names one part of a completion request.
type CompletePart struct {
	Number int
	ETag   string // with or without quotes
}

func uploadDir(id string) string { return "multipart/" + id }

func validUploadID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func noSuchUpload() error {
	return s3api.Errorf(s3api.CodeNoSuchUpload,
		"The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
}

// CreateUpload starts a multipart upload of bucket/key; meta, owner and
// the checksum algorithms to compute apply to the completed object.
func (b *Backend) CreateUpload(bucket, key string, meta Metadata, owner *POSIXOwner, checksums []string) (string, error) {
	if err := b.checkBucket(bucket); err != nil {
		return "", err
	}
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	for _, a := range checksums {
		if NewChecksum(a) == nil {
			return "", s3api.Errorf(s3api.CodeInvalidArgument, "Unsupported checksum algorithm %q.", a)
		}
	}
	u := Upload{ID: randomName(), Bucket: bucket, Key: key, Initiated: b.now().UTC()}
	u.Input.Metadata, u.Input.Owner, u.Input.ComputeChecksums = meta, owner, dedupe(checksums)
	if err := b.root.Mkdir(uploadDir(u.ID), 0o755); err != nil {
		return "", fmt.Errorf("fsobj: create upload: %w", err)
	}
	if err := b.writeJSON(uploadDir(u.ID)+"/upload.json", u); err != nil {
		_ = b.root.RemoveAll(uploadDir(u.ID))
		return "", fmt.Errorf("fsobj: create upload: %w", err)
	}
	return u.ID, nil
}

// upload loads an upload and checks that it belongs to bucket/key.
func (b *Backend) upload(bucket, key, id string) (*Upload, error) {
	if err := b.checkBucket(bucket); err != nil {
		return nil, err
	}
	if !validUploadID(id) {
		return nil, noSuchUpload()
	}
	var u Upload
	if err := b.readJSON(uploadDir(id)+"/upload.json", &u); err != nil || u.Bucket != bucket || u.Key != key {
		return nil, noSuchUpload()
	}
	return &u, nil
}

func (b *Backend) checkPartNumber(n int) error {
	if n < 1 || n > b.opts.MaxPartNumber {
		return s3api.Errorf(s3api.CodeInvalidArgument, "Part number must be an integer between 1 and %d, inclusive.", b.opts.MaxPartNumber)
	}
	return nil
}

func partName(id string, n int) string { return fmt.Sprintf("%s/part-%05d", uploadDir(id), n) }

// PutPart stores part n of an upload from body, committed only on a clean
// io.EOF; contentMD5 (decoded, may be nil) must match. A later part with
// the same number replaces it.
func (b *Backend) PutPart(bucket, key, id string, n int, body io.Reader, contentMD5 []byte) (PartInfo, error) {
	if _, err := b.upload(bucket, key, id); err != nil {
		return PartInfo{}, err
	}
	if err := b.checkPartNumber(n); err != nil {
		return PartInfo{}, err
	}
	tf, err := b.writeTemp(body, nil, nil, 5<<30)
	if err != nil {
		return PartInfo{}, err
	}
	if contentMD5 != nil && string(contentMD5) != string(tf.md5) {
		_ = b.root.Remove(tf.name)
		return PartInfo{}, s3api.Errorf(s3api.CodeBadDigest, "The Content-MD5 you specified did not match what we received.")
	}
	mu := b.keyLock(id)
	mu.Lock()
	defer mu.Unlock()
	if _, err := b.root.Stat(uploadDir(id) + "/upload.json"); err != nil {
		_ = b.root.Remove(tf.name)
		return PartInfo{}, noSuchUpload()
	}
	name := partName(id, n)
	if err := b.root.Rename(tf.name, name); err != nil {
		_ = b.root.Remove(tf.name)
		return PartInfo{}, fmt.Errorf("fsobj: store part: %w", err)
	}
	fi, err := b.root.Stat(name)
	if err != nil {
		return PartInfo{}, fmt.Errorf("fsobj: store part: %w", err)
	}
	etag := hex.EncodeToString(tf.md5)
	if err := b.writeJSON(name+".json", partMeta{File: idOf(fi), ETag: etag}); err != nil {
		return PartInfo{}, fmt.Errorf("fsobj: store part: %w", err)
	}
	return PartInfo{Number: n, Size: fi.Size(), ModTime: fi.ModTime(), ETag: etag}, nil
}

// UploadInfo returns the upload's description.
func (b *Backend) UploadInfo(bucket, key, id string) (*Upload, error) {
	return b.upload(bucket, key, id)
}

// partInfo describes part n (its open file f).
func (b *Backend) partInfo(id string, n int, f *os.File) (PartInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return PartInfo{}, err
	}
	p := PartInfo{Number: n, Size: fi.Size(), ModTime: fi.ModTime()}
	var m partMeta
	if err := b.readJSON(partName(id, n)+".json", &m); err == nil && m.File == idOf(fi) {
		p.ETag = m.ETag
		return p, nil
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return PartInfo{}, err
	}
	p.ETag = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// ListParts lists the parts of an upload with numbers above marker, at
// most max (0 means 1000). It reports whether more follow.
func (b *Backend) ListParts(bucket, key, id string, marker, max int) ([]PartInfo, bool, error) {
	if _, err := b.upload(bucket, key, id); err != nil {
		return nil, false, err
	}
	if max <= 0 || max > 1000 {
		max = 1000
	}
	nums, err := b.partNumbers(id)
	if err != nil {
		return nil, false, err
	}
	var out []PartInfo
	for _, n := range nums {
		if n <= marker {
			continue
		}
		if len(out) == max {
			return out, true, nil
		}
		f, err := b.root.Open(partName(id, n))
		if err != nil {
			continue
		}
		p, err := b.partInfo(id, n, f)
		_ = f.Close()
		if err != nil {
			return nil, false, fmt.Errorf("fsobj: list parts: %w", err)
		}
		out = append(out, p)
	}
	return out, false, nil
}

func (b *Backend) partNumbers(id string) ([]int, error) {
	ents, err := fs.ReadDir(b.root.FS(), uploadDir(id))
	if err != nil {
		return nil, noSuchUpload()
	}
	var nums []int
	for _, e := range ents {
		s, ok := strings.CutPrefix(e.Name(), "part-")
		if !ok || strings.Contains(s, ".") {
			continue
		}
		if n, err := strconv.Atoi(s); err == nil {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums, nil
}

// Complete assembles the listed parts into bucket/key and removes the
// upload. Parts must be in ascending order (InvalidPartOrder), exist with
// the given ETags (InvalidPart), and all but the last must be at least
// [Options].MinPartSize bytes (EntityTooSmall).
func (b *Backend) Complete(bucket, key, id string, parts []CompletePart) (ObjectInfo, error) {
	u, err := b.upload(bucket, key, id)
	if err != nil {
		return ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return ObjectInfo{}, s3api.Errorf(s3api.CodeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema: at least one Part is required.")
	}
	mu := b.keyLock(id)
	mu.Lock()
	defer mu.Unlock()
	files := make([]*os.File, 0, len(parts))
	defer func() {
		for _, f := range files {
			_ = f.Close()
		}
	}()
	md5s := md5.New()
	var readers []io.Reader
	for i, p := range parts {
		if err := b.checkPartNumber(p.Number); err != nil {
			return ObjectInfo{}, err
		}
		if i > 0 && p.Number <= parts[i-1].Number {
			return ObjectInfo{}, s3api.Errorf(s3api.CodeInvalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		invalid := s3api.Errorf(s3api.CodeInvalidPart,
			"One or more of the specified parts could not be found or its entity tag did not match: part %d. Upload it again or list the parts to get their ETags.", p.Number)
		f, err := b.root.Open(partName(id, p.Number))
		if err != nil {
			return ObjectInfo{}, invalid
		}
		files = append(files, f)
		info, err := b.partInfo(id, p.Number, f)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("fsobj: complete: %w", err)
		}
		if strings.Trim(p.ETag, `"`) != info.ETag {
			return ObjectInfo{}, invalid
		}
		if i < len(parts)-1 && info.Size < b.opts.MinPartSize {
			return ObjectInfo{}, s3api.Errorf(s3api.CodeEntityTooSmall,
				"Your proposed upload is smaller than the minimum allowed size: part %d has %d bytes; every part but the last must have at least %d.", p.Number, info.Size, b.opts.MinPartSize)
		}
		sum, _ := hex.DecodeString(info.ETag)
		md5s.Write(sum)
		readers = append(readers, io.NewSectionReader(f, 0, info.Size))
	}
	tf, err := b.writeTemp(io.MultiReader(readers...), u.Input.ComputeChecksums, u.Input.Owner, 0)
	if err != nil {
		return ObjectInfo{}, err
	}
	etag := hex.EncodeToString(md5s.Sum(nil)) + "-" + strconv.Itoa(len(parts))
	info, err := b.commit(bucket, key, tf, etag, PutInput{Metadata: u.Input.Metadata})
	if err != nil {
		return ObjectInfo{}, err
	}
	_ = b.root.RemoveAll(uploadDir(id))
	return info, nil
}

// Abort removes an upload and its parts.
func (b *Backend) Abort(bucket, key, id string) error {
	if _, err := b.upload(bucket, key, id); err != nil {
		return err
	}
	mu := b.keyLock(id)
	mu.Lock()
	defer mu.Unlock()
	if err := b.root.RemoveAll(uploadDir(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsobj: abort upload: %w", err)
	}
	return nil
}

// ListUploads lists the unfinished uploads of bucket whose keys start with
// prefix, ordered by key and initiation time.
func (b *Backend) ListUploads(bucket, prefix string) ([]Upload, error) {
	if err := b.checkBucket(bucket); err != nil {
		return nil, err
	}
	return b.listUploads(bucket, prefix)
}

func (b *Backend) listUploads(bucket, prefix string) ([]Upload, error) {
	ents, err := fs.ReadDir(b.root.FS(), "multipart")
	if err != nil {
		return nil, fmt.Errorf("fsobj: list uploads: %w", err)
	}
	var out []Upload
	for _, e := range ents {
		var u Upload
		if !validUploadID(e.Name()) || b.readJSON(uploadDir(e.Name())+"/upload.json", &u) != nil {
			continue
		}
		if u.Bucket == bucket && strings.HasPrefix(u.Key, prefix) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Initiated.Before(out[j].Initiated)
	})
	return out, nil
}

// abortAll removes every upload of bucket.
func (b *Backend) abortAll(bucket string) {
	ups, err := b.listUploads(bucket, "")
	if err != nil {
		return
	}
	for _, u := range ups {
		_ = b.root.RemoveAll(uploadDir(u.ID))
	}
}
