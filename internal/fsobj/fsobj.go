package fsobj

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/s3auth/s3auth/internal/s3api"
)

// Clock tells the time; the system clock when nil.
type Clock interface{ Now() time.Time }

// Options configures a [Backend].
type Options struct {
	// MinPartSize is the smallest allowed size of every part of a multipart
	// upload but the last. 0 means 5 MiB, as in S3.
	MinPartSize int64
	// MaxPartNumber is the highest part number. 0 means 10000.
	MaxPartNumber int
	// Chown sets the owner of a newly written file, given its absolute
	// path, before it is renamed into place. Nil means os.Chown through the
	// data root; an EPERM from the default (the server is not root) is
	// logged once and otherwise ignored. An error from a non-nil Chown
	// fails the write.
	Chown func(path string, uid, gid int) error
	// Clock supplies bucket and upload creation times. Nil means the system
	// clock.
	Clock Clock
	// Logger receives warnings. Nil discards them.
	Logger *slog.Logger
}

// POSIXOwner is the owner given to files a write creates.
type POSIXOwner struct {
	UID, GID int
}

// Backend is a bucket and object store on one data directory. It is safe
// for concurrent use; several Backends (or processes) on one directory are
// not supported.
type Backend struct {
	dir    string
	root   *os.Root
	opts   Options
	log    *slog.Logger
	bucket sync.RWMutex // writers of objects hold R, bucket create/delete hold W
	keys   [256]sync.Mutex
	tree   sync.Mutex // serializes creating and removing directories of key prefixes
	chownW sync.Once

	// policies caches bucket policies (bucket → policyCache); every write
	// of a policy or a bucket goes through this Backend and invalidates it.
	policies sync.Map
	polMu    sync.Mutex // serializes filling the cache with policy writes
}

// policyCache is a cached bucket policy: its document, or none.
type policyCache struct {
	doc  []byte
	none bool
}

// New opens (creating if needed) the data directory dir.
func New(dir string, opts ...func(*Options)) (*Backend, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	if o.MinPartSize <= 0 {
		o.MinPartSize = 5 << 20
	}
	if o.MaxPartNumber <= 0 {
		o.MaxPartNumber = 10000
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fsobj: data directory %q: %w", dir, err)
	}
	for _, sub := range []string{"", "buckets", "meta", "multipart", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o755); err != nil {
			return nil, fmt.Errorf("fsobj: cannot create the data directory (check --data and its permissions): %w", err)
		}
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("fsobj: cannot open the data directory %q: %w", abs, err)
	}
	b := &Backend{dir: abs, root: root, opts: o, log: log}
	b.cleanTmp()
	return b, nil
}

// Dir returns the absolute data directory.
func (b *Backend) Dir() string { return b.dir }

// Close releases the data directory.
func (b *Backend) Close() error { return b.root.Close() }

func (b *Backend) now() time.Time {
	if b.opts.Clock != nil {
		return b.opts.Clock.Now()
	}
	return time.Now()
}

// cleanTmp removes files a crash left in tmp/.
func (b *Backend) cleanTmp() {
	ents, err := fs.ReadDir(b.root.FS(), "tmp")
	if err != nil {
		return
	}
	for _, e := range ents {
		_ = b.root.RemoveAll("tmp/" + e.Name())
	}
}

// ValidateKey checks that key is a valid S3 key that this backend can store
// as a file (see the package documentation). The error is an
// [s3api.Error].
func ValidateKey(key string) error {
	if err := s3api.ValidateKey(key); err != nil {
		return err
	}
	bad := func(why string) error {
		return s3api.Errorf(s3api.CodeInvalidObjectName,
			"The object key %q cannot be stored by this file-backed server: %s. Choose a key without it.", key, why)
	}
	switch {
	case strings.ContainsRune(key, 0):
		return bad("it contains a NUL byte")
	case strings.ContainsRune(key, '\\'):
		return bad("it contains a backslash")
	case strings.HasPrefix(key, "/"):
		return bad("it starts with '/'")
	case strings.HasSuffix(key, "/"):
		return bad("it ends with '/' (directory markers are not supported)")
	case strings.Contains(key, "//"):
		return bad("it contains \"//\"")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." || seg == ".." {
			return bad("it contains a \".\" or \"..\" path segment")
		}
		if len(seg) > 255 {
			return bad("a path segment is longer than 255 bytes")
		}
	}
	return nil
}

func (b *Backend) checkBucket(bucket string) error {
	if err := s3api.ValidateBucketName(bucket); err != nil {
		return err
	}
	fi, err := b.root.Stat("buckets/" + bucket)
	if err != nil || !fi.IsDir() {
		return s3api.Errorf(s3api.CodeNoSuchBucket, "The specified bucket %q does not exist.", bucket)
	}
	return nil
}

func (b *Backend) keyLock(key string) *sync.Mutex {
	h := sha256.Sum256([]byte(key))
	return &b.keys[h[0]]
}

func objPath(bucket, key string) string { return "buckets/" + bucket + "/" + key }

func metaPath(bucket, key string) string {
	h := sha256.Sum256([]byte(key))
	s := hex.EncodeToString(h[:])
	return "meta/" + bucket + "/objects/" + s[:2] + "/" + s + ".json"
}

func randomName() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

// fileID identifies one version of a file.
type fileID struct {
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"`
}

func idOf(fi fs.FileInfo) fileID {
	id := fileID{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.Ino = uint64(st.Ino)
	}
	return id
}

// writeJSON writes v to name atomically through tmp/.
func (b *Backend) writeJSON(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.writeBytes(name, data)
}

// writeBytes writes data to name atomically through tmp/.
func (b *Backend) writeBytes(name string, data []byte) error {
	tmp := "tmp/" + randomName()
	f, err := b.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = b.root.MkdirAll(path.Dir(name), 0o755); err == nil {
			err = b.root.Rename(tmp, name)
		}
	}
	if err != nil {
		_ = b.root.Remove(tmp)
	}
	return err
}

func (b *Backend) readJSON(name string, v any) error {
	data, err := b.root.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// tempFile is a finished, synced, closed file in tmp/.
type tempFile struct {
	name string // relative to the root
	size int64
	md5  []byte
	sums map[string][]byte
}

// writeTemp copies body into a new file in tmp/. The file is kept only when
// body ended with a clean io.EOF (io.Copy's nil error); otherwise it is
// removed and the body's error returned unchanged, so that coded errors of
// a verifying reader reach the client. algs names extra checksums to
// compute (see [NewChecksum]).
func (b *Backend) writeTemp(body io.Reader, algs []string, owner *POSIXOwner, maxSize int64) (tf *tempFile, err error) {
	name := "tmp/" + randomName()
	f, err := b.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fsobj: create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = b.root.Remove(name)
		}
	}()
	m := md5.New()
	ws := []io.Writer{f, m}
	sums := map[string]hash.Hash{}
	for _, a := range algs {
		h := NewChecksum(a)
		if h == nil {
			return nil, s3api.Errorf(s3api.CodeInvalidArgument, "Unsupported checksum algorithm %q.", a)
		}
		sums[a] = h
		ws = append(ws, h)
	}
	if maxSize > 0 {
		body = io.LimitReader(body, maxSize+1)
	}
	n, err := io.Copy(io.MultiWriter(ws...), body)
	if err != nil {
		return nil, err
	}
	if maxSize > 0 && n > maxSize {
		return nil, s3api.Errorf(s3api.CodeEntityTooLarge, "Your proposed upload exceeds the maximum allowed object size of %d bytes.", maxSize)
	}
	if err = f.Sync(); err != nil {
		return nil, fmt.Errorf("fsobj: sync: %w", err)
	}
	if owner != nil {
		if err = b.chown(name, owner); err != nil {
			return nil, err
		}
	}
	if err = f.Close(); err != nil {
		return nil, fmt.Errorf("fsobj: close: %w", err)
	}
	tf = &tempFile{name: name, size: n, md5: m.Sum(nil), sums: map[string][]byte{}}
	for a, h := range sums {
		tf.sums[a] = h.Sum(nil)
	}
	return tf, nil
}

func (b *Backend) chown(name string, o *POSIXOwner) error {
	if b.opts.Chown != nil {
		if err := b.opts.Chown(filepath.Join(b.dir, filepath.FromSlash(name)), o.UID, o.GID); err != nil {
			return fmt.Errorf("fsobj: chown to %d:%d: %w", o.UID, o.GID, err)
		}
		return nil
	}
	err := b.root.Chown(name, o.UID, o.GID)
	if errors.Is(err, fs.ErrPermission) {
		b.chownW.Do(func() {
			b.log.Warn("fsobj: the server may not chown files; objects keep the server's owner (run as root to apply POSIX ids)",
				"uid", o.UID, "gid", o.GID)
		})
		return nil
	}
	if err != nil {
		return fmt.Errorf("fsobj: chown to %d:%d: %w", o.UID, o.GID, err)
	}
	return nil
}

// conflict is the error for a key that clashes with the file tree.
func conflict(key, why string) error {
	return s3api.Errorf(s3api.CodeObjectPathConflict,
		"The object key %q cannot be stored: %s (a file-backed bucket cannot hold a key that is also a prefix of other keys). Delete the conflicting object(s) or choose another key.", key, why)
}

// placeFile moves the temporary file to the object path of key, creating
// parent directories. The caller holds the key lock and the bucket read
// lock.
func (b *Backend) placeFile(tmp, bucket, key string) error {
	b.tree.Lock()
	defer b.tree.Unlock()
	dst := objPath(bucket, key)
	for attempt := 0; ; attempt++ {
		if fi, err := b.root.Lstat(dst); err == nil && fi.IsDir() {
			return conflict(key, "other keys already use it as a prefix")
		}
		if dir := path.Dir(dst); dir != "buckets/"+bucket {
			if err := b.root.MkdirAll(dir, 0o755); err != nil {
				if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
					return conflict(key, "a shorter key along its path is an object")
				}
				return fmt.Errorf("fsobj: create directories for %q: %w", key, err)
			}
		}
		err := b.root.Rename(tmp, dst)
		if err == nil {
			return nil
		}
		switch {
		case errors.Is(err, syscall.ENOTDIR):
			return conflict(key, "a shorter key along its path is an object")
		case errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist):
			return conflict(key, "other keys already use it as a prefix")
		case errors.Is(err, fs.ErrNotExist) && attempt < 3:
			continue // a concurrent delete removed an empty parent directory
		}
		return fmt.Errorf("fsobj: rename into place: %w", err)
	}
}

// removeEmptyParents removes the now-empty directories above the object
// path of key, up to the bucket directory.
func (b *Backend) removeEmptyParents(bucket, key string) {
	b.tree.Lock()
	defer b.tree.Unlock()
	dir := path.Dir(key)
	for dir != "." && dir != "/" {
		p := objPath(bucket, dir)
		if fi, err := b.root.Lstat(p); err != nil || !fi.IsDir() {
			return
		}
		if err := b.root.Remove(p); err != nil {
			return
		}
		dir = path.Dir(dir)
	}
}
