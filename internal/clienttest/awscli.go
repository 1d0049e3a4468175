package clienttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// AWS runs one AWS CLI command against tl's endpoint: args follow
// "aws --endpoint-url ENDPOINT".
func (tl *Tool) AWS(endpoint string, args ...string) Result {
	return tl.Run(nil, append([]string{"--endpoint-url", endpoint, "--no-cli-pager"}, args...)...)
}

// runAWSCLI: s3api for bucket, single PUT and ranged GET; s3 cp for the
// managed (multipart above 8 MiB) upload and download; s3 presign.
func runAWSCLI(t *testing.T, s *suite) {
	tl := NewTool(t, "awscli", s.target)
	tl.Timeout = s.opts.Timeout
	ep, b := s.target.Endpoint, s.bucket
	aws := func(args ...string) string {
		t.Helper()
		r := tl.AWS(ep, args...)
		if r.Took > 10*time.Second {
			t.Logf("slow: aws %s took %v", strings.Join(args, " "), r.Took)
		}
		if r.Err != nil {
			t.Fatalf("aws %s: %s", strings.Join(args, " "), r)
		}
		return r.Stdout
	}
	smallPath := tl.WriteFile(t, "small.txt", s.small)
	largePath := tl.WriteFile(t, "large.bin", s.large)

	aws("s3api", "create-bucket", "--bucket", b)
	aws("s3api", "head-bucket", "--bucket", b)
	aws("s3api", "put-object", "--bucket", b, "--key", "small.txt", "--body", smallPath)
	aws("s3", "cp", largePath, "s3://"+b+"/dir/large.bin")        // multipart
	aws("s3", "cp", smallPath, "s3://"+b+"/dir/sub/small-cp.txt") // single PUT
	aws("s3api", "put-object", "--bucket", b, "--key", "put-large.bin", "--body", largePath)

	// Ranged GET.
	rangePath := filepath.Join(tl.Dir, "range.out")
	aws("s3api", "get-object", "--bucket", b, "--key", "dir/large.bin", "--range", "bytes=1000-1999999", rangePath)
	SameBytes(t, "aws s3api get-object --range", readFile(t, rangePath), s.large[1000:2000000])
	// Managed download (ranged parts above 8 MiB).
	for _, key := range []string{"dir/large.bin", "put-large.bin"} {
		out := filepath.Join(tl.Dir, "down-"+filepath.Base(key))
		aws("s3", "cp", "s3://"+b+"/"+key, out)
		SameBytes(t, "aws s3 cp "+key, readFile(t, out), s.large)
	}
	out := filepath.Join(tl.Dir, "down-small.txt")
	aws("s3", "cp", "s3://"+b+"/dir/sub/small-cp.txt", out)
	SameBytes(t, "aws s3 cp small", readFile(t, out), s.small)

	// List (v2 and v1).
	var l struct{ Contents []struct{ Key string } }
	if err := json.Unmarshal([]byte(aws("s3api", "list-objects-v2", "--bucket", b)), &l); err != nil {
		t.Fatalf("list-objects-v2 output: %v", err)
	}
	var keys []string
	for _, c := range l.Contents {
		keys = append(keys, c.Key)
	}
	want := []string{"dir/large.bin", "dir/sub/small-cp.txt", "put-large.bin", "small.txt"}
	if !slices.Equal(keys, want) {
		t.Errorf("list-objects-v2 keys = %v, want %v", keys, want)
	}
	ls := aws("s3", "ls", "s3://"+b+"/dir/")
	if !strings.Contains(ls, "large.bin") || !strings.Contains(ls, "PRE sub/") {
		t.Errorf("aws s3 ls s3://%s/dir/ = %q, want large.bin and PRE sub/", b, ls)
	}
	if v1 := aws("s3api", "list-objects", "--bucket", b, "--prefix", "dir/", "--delimiter", "/"); !strings.Contains(v1, `"dir/sub/"`) {
		t.Errorf("list-objects v1 with delimiter: %s", v1)
	}

	// Presigned GET fetched with net/http.
	url := strings.TrimSpace(aws("s3", "presign", "s3://"+b+"/small.txt", "--expires-in", "300"))
	if st, body := Fetch(t, url, ""); st != 200 {
		t.Errorf("GET presigned %s: status %d: %s", url, st, body)
	} else {
		SameBytes(t, "presigned GET", body, s.small)
	}
	if st, body := Fetch(t, url, "bytes=0-4"); st != 206 || string(body) != string(s.small[:5]) {
		t.Errorf("ranged GET of presigned URL: %d %q", st, body)
	}

	s.stored(t, "small.txt", s.small)
	s.stored(t, "dir/large.bin", s.large)
	s.stored(t, "put-large.bin", s.large)

	// Delete: one object, then the rest through DeleteObjects.
	aws("s3api", "delete-object", "--bucket", b, "--key", "small.txt")
	aws("s3", "rm", "--recursive", "s3://"+b+"/")
	if l := aws("s3api", "list-objects-v2", "--bucket", b); strings.Contains(l, `"Key"`) {
		t.Errorf("objects left after delete: %s", l)
	}
	aws("s3api", "delete-bucket", "--bucket", b)
	if r := tl.AWS(ep, "s3api", "get-object", "--bucket", b, "--key", "x", filepath.Join(tl.Dir, "x")); r.Code() != "NoSuchBucket" {
		t.Errorf("get-object after delete-bucket: want NoSuchBucket, got %s", r)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
