package clienttest

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Rclone runs one rclone command; the remote "s3:" is the target.
func (tl *Tool) Rclone(args ...string) Result {
	return tl.Run(nil, append([]string{"--config", filepath.Join(tl.Dir, "rclone.conf"),
		"--retries", "1", "--low-level-retries", "1"}, args...)...)
}

func runRclone(t *testing.T, s *suite) {
	tl := NewTool(t, "rclone", s.target)
	tl.Timeout = s.opts.Timeout
	b := "s3:" + s.bucket
	run := func(args ...string) string {
		t.Helper()
		r := tl.Rclone(args...)
		if r.Err != nil {
			t.Fatalf("rclone %s: %s", strings.Join(args, " "), r)
		}
		return r.Stdout
	}
	smallPath := tl.WriteFile(t, "small.txt", s.small)
	largePath := tl.WriteFile(t, "large.bin", s.large)
	run("mkdir", b)
	run("copyto", smallPath, b+"/small.txt")
	run("copyto", largePath, b+"/dir/large.bin") // multipart above upload_cutoff
	run("copyto", "--s3-upload-cutoff", "100Mi", largePath, b+"/single-large.bin")

	got := run("cat", "--offset", "4096", "--count", "1000000", b+"/dir/large.bin")
	SameBytes(t, "rclone cat --offset --count (Range)", []byte(got), s.large[4096:4096+1000000])
	for _, key := range []string{"dir/large.bin", "single-large.bin", "small.txt"} {
		out := filepath.Join(tl.Dir, "out-"+filepath.Base(key))
		run("copyto", b+"/"+key, out)
		want := s.large
		if key == "small.txt" {
			want = s.small
		}
		SameBytes(t, "rclone copyto "+key, readFile(t, out), want)
	}
	lsf := strings.Fields(run("lsf", "-R", "--files-only", b))
	if want := []string{"dir/large.bin", "single-large.bin", "small.txt"}; !slices.Equal(lsf, want) {
		t.Errorf("rclone lsf -R = %v, want %v", lsf, want)
	}
	if top := strings.Fields(run("lsf", b)); !slices.Equal(top, []string{"dir/", "single-large.bin", "small.txt"}) {
		t.Errorf("rclone lsf (delimiter) = %v", top)
	}
	url := strings.TrimSpace(run("link", "--expire", "5m", b+"/small.txt"))
	if st, body := Fetch(t, url, ""); st != 200 {
		t.Errorf("GET rclone link %s: %d %s", url, st, body)
	} else {
		SameBytes(t, "rclone link (presigned GET)", body, s.small)
	}

	s.stored(t, "small.txt", s.small)
	s.stored(t, "dir/large.bin", s.large)
	s.stored(t, "single-large.bin", s.large)

	run("deletefile", b+"/small.txt")
	run("delete", b)
	if l := strings.TrimSpace(run("lsf", "-R", b)); l != "" {
		t.Errorf("objects left after rclone delete: %q", l)
	}
	run("rmdir", b)
}
