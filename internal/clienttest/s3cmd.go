package clienttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// S3cmd runs one s3cmd command with the configuration NewTool wrote.
func (tl *Tool) S3cmd(args ...string) Result {
	return tl.Run(nil, append([]string{"-c", filepath.Join(tl.Dir, ".s3cfg"), "--no-progress"}, args...)...)
}

func runS3cmd(t *testing.T, s *suite) {
	tl := NewTool(t, "s3cmd", s.target)
	tl.Timeout = s.opts.Timeout
	b := "s3://" + s.bucket
	run := func(args ...string) string {
		t.Helper()
		r := tl.S3cmd(args...)
		if r.Err != nil {
			t.Fatalf("s3cmd %s: %s", strings.Join(args, " "), r)
		}
		return r.Stdout
	}
	smallPath := tl.WriteFile(t, "small.txt", s.small)
	largePath := tl.WriteFile(t, "large.bin", s.large)
	run("mb", b)
	run("put", smallPath, b+"/small.txt")
	run("put", largePath, b+"/dir/large.bin") // multipart, 5 MiB parts
	run("put", "--disable-multipart", largePath, b+"/single-large.bin")

	// Full download, then a resumed one: --continue asks for the rest
	// with a Range header.
	out := filepath.Join(tl.Dir, "large.out")
	run("get", b+"/dir/large.bin", out)
	SameBytes(t, "s3cmd get", readFile(t, out), s.large)
	part := filepath.Join(tl.Dir, "part.out")
	if err := os.WriteFile(part, s.large[:3<<20], 0o600); err != nil {
		t.Fatal(err)
	}
	run("get", "--continue", b+"/single-large.bin", part)
	SameBytes(t, "s3cmd get --continue (Range)", readFile(t, part), s.large)

	ls := run("ls", "--recursive", b)
	for _, k := range []string{"/small.txt", "/dir/large.bin", "/single-large.bin"} {
		if !strings.Contains(ls, b+k) {
			t.Errorf("s3cmd ls --recursive lacks %s: %q", k, ls)
		}
	}
	if top := run("ls", b); !strings.Contains(top, "DIR") || !strings.Contains(top, b+"/dir/") {
		t.Errorf("s3cmd ls %s (delimiter) = %q", b, top)
	}

	// s3cmd presigns with Signature Version 2 only; s3auth refuses it
	// with an S3 error, never serves it.
	url := strings.TrimSpace(run("signurl", b+"/small.txt", "+300"))
	st, body := Fetch(t, url, "")
	if st < 400 || st >= 500 || !strings.Contains(string(body), "<Error>") {
		t.Errorf("s3cmd signurl (SigV2) URL: status %d %q, want a 4xx S3 error", st, body)
	}

	s.stored(t, "small.txt", s.small)
	s.stored(t, "dir/large.bin", s.large)
	s.stored(t, "single-large.bin", s.large)

	run("del", b+"/small.txt")
	run("del", "--recursive", "--force", b)
	if ls := run("ls", "--recursive", b); strings.TrimSpace(ls) != "" {
		t.Errorf("objects left after s3cmd del: %q", ls)
	}
	run("rb", b)
}
