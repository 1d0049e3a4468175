package fsobj

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// ListInput selects keys of a listing.
type ListInput struct {
	// Prefix keeps only keys that start with it.
	Prefix string
	// Delimiter rolls keys that contain it after Prefix up into one common
	// prefix each (ending with the delimiter). Empty means none.
	Delimiter string
	// After keeps only keys (and common prefixes) greater than it.
	After string
	// MaxKeys is the most keys plus common prefixes returned; 0 means none
	// (an empty, not truncated page), negative means 1000.
	MaxKeys int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	// Truncated reports whether more keys follow; Last is then the last key
	// or common prefix returned, to resume after.
	Truncated bool
	Last      string
}

// maxUTF8 sorts after every valid UTF-8 continuation of a string.
const maxUTF8 = "\xff"

// List lists the keys of bucket in UTF-8 binary order, as S3 does.
func (b *Backend) List(bucket string, in ListInput) (ListResult, error) {
	if err := b.checkBucket(bucket); err != nil {
		return ListResult{}, err
	}
	if in.MaxKeys < 0 {
		in.MaxKeys = 1000
	}
	var res ListResult
	if in.MaxKeys == 0 {
		return res, nil
	}
	after := in.After
	// A marker that is itself a common prefix resumes after all its keys.
	if in.Delimiter != "" && strings.HasPrefix(after, in.Prefix) && strings.HasSuffix(after, in.Delimiter) &&
		strings.Contains(after[len(in.Prefix):], in.Delimiter) {
		after += maxUTF8
	}
	count := 0
	var walkErr error
	var visit func(dir, keyPrefix string) bool // false stops the walk
	visit = func(dir, keyPrefix string) bool {
		// Prune directories wholly before "after" or outside the prefix.
		if keyPrefix != "" {
			if keyPrefix+maxUTF8 <= after {
				return true
			}
			if !strings.HasPrefix(keyPrefix, in.Prefix) && !strings.HasPrefix(in.Prefix, keyPrefix) {
				return true
			}
		}
		ents, err := fs.ReadDir(b.root.FS(), dir)
		if err != nil {
			if keyPrefix == "" {
				walkErr = err
			}
			return true // vanished under a concurrent delete
		}
		type ent struct {
			name  string
			isDir bool
		}
		list := make([]ent, 0, len(ents))
		for _, e := range ents {
			switch {
			case e.IsDir():
				list = append(list, ent{e.Name() + "/", true})
			case e.Type().IsRegular():
				list = append(list, ent{e.Name(), false})
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
		for _, e := range list {
			key := keyPrefix + e.name
			if e.isDir {
				if !visit(dir+"/"+strings.TrimSuffix(e.name, "/"), key) {
					return false
				}
				continue
			}
			if key <= after || !strings.HasPrefix(key, in.Prefix) {
				continue
			}
			if in.Delimiter != "" {
				if i := strings.Index(key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := key[:len(in.Prefix)+i+len(in.Delimiter)]
					if count == in.MaxKeys {
						res.Truncated = true
						return false
					}
					res.CommonPrefixes = append(res.CommonPrefixes, cp)
					res.Last = cp
					count++
					after = cp + maxUTF8
					continue
				}
			}
			if count == in.MaxKeys {
				res.Truncated = true
				return false
			}
			info, err := b.stat(bucket, key)
			if err != nil {
				continue // deleted meanwhile
			}
			res.Objects = append(res.Objects, info)
			res.Last = key
			count++
		}
		return true
	}
	visit("buckets/"+bucket, "")
	if walkErr != nil {
		return ListResult{}, fmt.Errorf("fsobj: list %q: %w", bucket, walkErr)
	}
	if !res.Truncated {
		res.Last = ""
	}
	return res, nil
}
