package clienttest_test

import (
	"fmt"
	"testing"

	"github.com/s3auth/s3auth/internal/clienttest"
)

var errorCodeTests = []struct {
	name, out, want string
}{
	{"awscli", "\nAn error occurred (AccessDenied) when calling the GetObject operation: Access Denied.\n", "AccessDenied"},
	{"awscli-sts", "An error occurred (InvalidToken) when calling the AssumeRole operation: x", "InvalidToken"},
	{"script", "ERRORCODE SignatureDoesNotMatch\n", "SignatureDoesNotMatch"},
	{"s3cmd", "ERROR: S3 error: 403 (InvalidAccessKeyId): The AWS access key ID you provided does not exist", "InvalidAccessKeyId"},
	{"xml", `<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>`, "NoSuchKey"},
	{"rclone", "Failed to copy: NoSuchBucket: The specified bucket does not exist.\n\tstatus code: 404, request id: 1", "NoSuchBucket"},
	{"none", "upload: ./x to s3://b/x\n", ""},
	{"empty", "", ""},
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	for _, tt := range errorCodeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := clienttest.ErrorCode(tt.out); got != tt.want {
				t.Errorf("ErrorCode(%q) = %q, want %q", tt.out, got, tt.want)
			}
		})
	}
}

func FuzzErrorCode(f *testing.F) {
	for _, tt := range errorCodeTests {
		f.Add(tt.out)
	}
	f.Fuzz(func(t *testing.T, out string) {
		code := clienttest.ErrorCode(out)
		for _, r := range code {
			if !(r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				t.Fatalf("ErrorCode(%q) = %q: not a code", out, code)
			}
		}
	})
}

func TestTargetWith(t *testing.T) {
	t.Parallel()
	base := clienttest.Target{Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "s"}
	got := base.With("b", "t", "tok")
	if got.Endpoint != base.Endpoint || got.AccessKey != "b" || got.SecretKey != "t" || got.SessionToken != "tok" || base.AccessKey != "a" {
		t.Errorf("With = %+v (base %+v)", got, base)
	}
}

func ExampleErrorCode() {
	out := "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied."
	fmt.Println(clienttest.ErrorCode(out))
	// Output: AccessDenied
}
