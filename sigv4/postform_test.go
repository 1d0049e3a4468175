package sigv4_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/s3auth/s3auth/sigv4"
)

const (
	postAccessKey = "AKIAIOSFODNN7EXAMPLE"
	postSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// The POST policy of the S3 documentation example "Browser-Based Upload
// using HTTP POST (Using AWS Signature Version 4)", with its CRLF line ends.
var awsExamplePolicy = strings.ReplaceAll(`{ "expiration": "2015-12-30T12:00:00.000Z",
  "conditions": [
    {"bucket": "sigv4examplebucket"},
    ["starts-with", "$key", "user/user1/"],
    {"acl": "public-read"},
    {"success_action_redirect": "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
    ["starts-with", "$Content-Type", "image/"],
    {"x-amz-meta-uuid": "14365123651274"},
    {"x-amz-server-side-encryption": "AES256"},
    ["starts-with", "$x-amz-meta-tag", ""],

    {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
    {"x-amz-date": "20151229T000000Z" }
  ]
}`, "\n", "\r\n")

const awsExampleSignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func postLookup() sigv4.CredentialsLookup {
	return sigv4.CredentialsLookupFunc(func(_ context.Context, ak, _ string) (sigv4.Credentials, error) {
		if ak != postAccessKey {
			return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Credentials{SecretKey: postSecret, Value: "user1"}, nil
	})
}

func postVerifier(now time.Time, opts ...func(*sigv4.Options)) *sigv4.Verifier {
	return sigv4.NewVerifier(postLookup(), append([]func(*sigv4.Options){sigv4.WithClock(fixedClock(now))}, opts...)...)
}

// signPolicy signs a base64 policy the way a browser-upload helper does,
// with an independent key derivation.
func signPolicy(b64, date string) string {
	h := func(k []byte, s string) []byte {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := h([]byte("AWS4"+postSecret), date)
	k = h(k, "us-east-1")
	k = h(k, "s3")
	k = h(k, "aws4_request")
	return hex.EncodeToString(h(k, b64))
}

type field struct{ name, value string }

// postRequest builds a multipart POST with fields in order, then the file.
func postRequest(t testing.TB, path string, fields []field, fileName string, file []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, fileName))
		h.Set("Content-Type", "application/octet-stream")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(file)
	}
	w.Close()
	r := httptest.NewRequest(http.MethodPost, "http://sigv4examplebucket.s3.amazonaws.com"+path, &body)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

func exampleFields() []field {
	b64 := base64.StdEncoding.EncodeToString([]byte(awsExamplePolicy))
	return []field{
		{"key", "user/user1/${filename}"},
		{"acl", "public-read"},
		{"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
		{"Content-Type", "image/jpeg"},
		{"x-amz-meta-uuid", "14365123651274"},
		{"x-amz-server-side-encryption", "AES256"},
		{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
		{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
		{"X-Amz-Date", "20151229T000000Z"},
		{"x-amz-meta-tag", ""},
		{"Policy", b64},
		{"X-Amz-Signature", awsExampleSignature},
	}
}

func withField(fields []field, name, value string) []field {
	out := make([]field, 0, len(fields)+1)
	done := false
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			if !done && value != "\x00" {
				out = append(out, field{f.name, value})
			}
			done = true
			continue
		}
		out = append(out, f)
	}
	if !done && value != "\x00" {
		out = append(out, field{name, value})
	}
	return out
}

func errCode(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var exampleNow = time.Date(2015, 12, 29, 12, 0, 0, 0, time.UTC)

func TestPostFormAWSExample(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(awsExamplePolicy))
	if len(awsExamplePolicy) != 648 || len(b64) != 864 || signPolicy(b64, "20151229") != awsExampleSignature {
		t.Fatalf("example policy does not reproduce the published figures (%d bytes, %d base64)", len(awsExamplePolicy), len(b64))
	}
	v := postVerifier(exampleNow)
	file := []byte("\x89PNG fake image bytes")
	res, err := v.Verify(postRequest(t, "/", exampleFields(), `C:\photos\my photo.jpg`, file))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Type != sigv4.AuthPostForm || res.AccessKey != postAccessKey || res.Region != "us-east-1" || res.Credentials.Value != "user1" {
		t.Fatalf("result = %+v", res)
	}
	if !res.Expires.Equal(time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("Expires = %v", res.Expires)
	}
	f := res.Form
	if f.Key != "user/user1/my photo.jpg" || f.FileName != "my photo.jpg" || f.ContentType != "image/jpeg" || f.Bucket != "" {
		t.Fatalf("form = key %q file %q type %q bucket %q", f.Key, f.FileName, f.ContentType, f.Bucket)
	}
	if f.Fields["x-amz-meta-uuid"] != "14365123651274" || f.Fields["key"] != "user/user1/${filename}" {
		t.Fatalf("fields = %v", f.Fields)
	}
	if !f.AllowsBucket("sigv4examplebucket") || f.AllowsBucket("otherbucket") {
		t.Fatal("AllowsBucket does not follow the bucket condition")
	}
	got, err := io.ReadAll(f.File)
	if err != nil || !bytes.Equal(got, file) {
		t.Fatalf("file = %q, %v", got, err)
	}
	// Path-style: the bucket in the path is checked at once.
	if res, err := v.Verify(postRequest(t, "/sigv4examplebucket", exampleFields(), "a.jpg", file)); err != nil || res.Form.Bucket != "sigv4examplebucket" {
		t.Fatalf("path-style: %v", err)
	}
	if _, err := v.Verify(postRequest(t, "/otherbucket", exampleFields(), "a.jpg", file)); errCode(err) != sigv4.ErrCodeAccessDenied {
		t.Fatalf("path-style other bucket: %v", err)
	}
}

func TestPostFormRejects(t *testing.T) {
	t.Parallel()
	ex := exampleFields()
	tests := []struct {
		name   string
		now    time.Time
		fields []field
		noFile bool
		code   string
	}{
		{"expired", time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC), ex, false, sigv4.ErrCodeAccessDenied},
		{"wrong signature", exampleNow, withField(ex, "X-Amz-Signature", strings.Repeat("0", 64)), false, sigv4.ErrCodeSignatureDoesNotMatch},
		{"signature upper case", exampleNow, withField(ex, "X-Amz-Signature", strings.ToUpper(awsExampleSignature)), false, sigv4.ErrCodeInvalidArgument},
		{"policy altered", exampleNow, withField(ex, "Policy", base64.StdEncoding.EncodeToString([]byte(strings.Replace(awsExamplePolicy, "user/user1/", "user/", 1)))), false, sigv4.ErrCodeSignatureDoesNotMatch},
		{"policy not base64", exampleNow, withField(ex, "Policy", "!!!"), false, sigv4.ErrCodeInvalidPolicyDocument},
		{"starts-with key fails", exampleNow, withField(ex, "key", "user/user2/${filename}"), false, sigv4.ErrCodeAccessDenied},
		{"eq shorthand acl fails", exampleNow, withField(ex, "acl", "private"), false, sigv4.ErrCodeAccessDenied},
		{"starts-with content-type fails", exampleNow, withField(ex, "Content-Type", "text/html"), false, sigv4.ErrCodeAccessDenied},
		{"content-type list element fails", exampleNow, withField(ex, "Content-Type", "image/png,text/html"), false, sigv4.ErrCodeAccessDenied},
		{"meta eq fails", exampleNow, withField(ex, "x-amz-meta-uuid", "1"), false, sigv4.ErrCodeAccessDenied},
		{"eq field missing", exampleNow, withField(ex, "x-amz-server-side-encryption", "\x00"), false, sigv4.ErrCodeAccessDenied},
		{"extra field not in policy", exampleNow, withField(ex, "x-amz-meta-evil", "1"), false, sigv4.ErrCodeAccessDenied},
		{"extra security token not in policy", exampleNow, withField(ex, "x-amz-security-token", "tok"), false, sigv4.ErrCodeAccessDenied},
		{"missing date", exampleNow, withField(ex, "X-Amz-Date", "\x00"), false, sigv4.ErrCodeMalformedPOSTRequest},
		{"missing signature", exampleNow, withField(ex, "X-Amz-Signature", "\x00"), false, sigv4.ErrCodeMalformedPOSTRequest},
		{"missing policy", exampleNow, withField(ex, "Policy", "\x00"), false, sigv4.ErrCodeMalformedPOSTRequest},
		{"missing key", exampleNow, withField(ex, "key", "\x00"), false, sigv4.ErrCodeInvalidArgument},
		{"no file", exampleNow, ex, true, sigv4.ErrCodeMalformedPOSTRequest},
		{"sigv4a algorithm", exampleNow, withField(ex, "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256"), false, sigv4.ErrCodeInvalidArgument},
		{"sigv2", exampleNow, withField(ex, "AWSAccessKeyId", postAccessKey), false, sigv4.ErrCodeInvalidRequest},
		{"unknown access key", exampleNow, withField(ex, "X-Amz-Credential", "AKIDUNKNOWN/20151229/us-east-1/s3/aws4_request"), false, sigv4.ErrCodeInvalidAccessKeyID},
		{"credential date differs", exampleNow, withField(ex, "X-Amz-Date", "20151228T000000Z"), false, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"wrong region", exampleNow, withField(ex, "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request"), false, sigv4.ErrCodeAuthorizationHeaderMalformed},
		{"bad credential", exampleNow, withField(ex, "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/2015/us-east-1"), false, sigv4.ErrCodeInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var file []byte
			if !tc.noFile {
				file = []byte("data")
			}
			_, err := postVerifier(tc.now).Verify(postRequest(t, "/", tc.fields, "a.jpg", file))
			if errCode(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

// customPolicy signs a policy built from conditions for 2015-12-29.
func customPolicy(conditions string, extra ...field) []field {
	doc := `{"expiration": "2015-12-30T12:00:00Z", "conditions": [` + conditions + `,
		{"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
		["eq", "$x-amz-algorithm", "AWS4-HMAC-SHA256"],
		{"x-amz-date": "20151229T000000Z"}]}`
	b64 := base64.StdEncoding.EncodeToString([]byte(doc))
	return append(append([]field{}, extra...),
		field{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
		field{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
		field{"X-Amz-Date", "20151229T000000Z"},
		field{"x-ignore-submit", "Upload"},
		field{"Policy", b64},
		field{"X-Amz-Signature", signPolicy(b64, "20151229")},
	)
}

func TestPostFormContentLengthRange(t *testing.T) {
	t.Parallel()
	fields := customPolicy(`["content-length-range", 10, 20], ["eq", "$key", "k"], {"bucket": "b"}, ["eq", "$bucket", "b"]`, field{"key", "k"}, field{"bucket", "b"})
	tests := []struct {
		size int
		code string
	}{{9, sigv4.ErrCodeEntityTooSmall}, {10, ""}, {20, ""}, {21, sigv4.ErrCodeEntityTooLarge}, {1 << 20, sigv4.ErrCodeEntityTooLarge}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			t.Parallel()
			res, err := postVerifier(exampleNow).Verify(postRequest(t, "/", fields, "f", bytes.Repeat([]byte("z"), tc.size)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Form.Bucket != "b" || !res.Form.AllowsBucket("b") || res.Form.AllowsBucket("c") {
				t.Fatalf("bucket %q", res.Form.Bucket)
			}
			n, err := io.Copy(io.Discard, res.Form.File)
			if errCode(err) != tc.code {
				t.Fatalf("read %d bytes, err %v, want %q", n, err, tc.code)
			}
			if tc.code == sigv4.ErrCodeEntityTooLarge && n > 20 {
				t.Fatalf("released %d bytes beyond the range", n)
			}
		})
	}
	// An ["eq", "$key", ...] condition that the key does not meet.
	eqKey := customPolicy(`["eq", "$key", "k"]`, field{"key", "other"})
	if _, err := postVerifier(exampleNow).Verify(postRequest(t, "/", eqKey, "f", []byte("x"))); errCode(err) != sigv4.ErrCodeAccessDenied {
		t.Fatalf("eq key mismatch: %v", err)
	}
	// A path-style bucket and a bucket field must both satisfy the policy.
	both := customPolicy(`{"bucket": "b"}, ["eq", "$key", "k"]`, field{"key", "k"}, field{"bucket", "c"})
	if _, err := postVerifier(exampleNow).Verify(postRequest(t, "/b", both, "f", []byte("x"))); errCode(err) != sigv4.ErrCodeAccessDenied {
		t.Fatalf("path bucket ok, field bucket not: %v", err)
	}
	// A form whose bucket field contradicts the policy fails at once.
	bad := customPolicy(`{"bucket": "b"}, ["eq", "$key", "k"]`, field{"key", "k"}, field{"bucket", "c"})
	if _, err := postVerifier(exampleNow).Verify(postRequest(t, "/", bad, "f", []byte("x"))); errCode(err) != sigv4.ErrCodeAccessDenied {
		t.Fatalf("bucket field mismatch: %v", err)
	}
}

func TestPostFormPolicyDocumentErrors(t *testing.T) {
	t.Parallel()
	docs := map[string]string{
		"not json":             `{`,
		"no expiration":        `{"conditions": []}`,
		"bad expiration":       `{"expiration": "tomorrow", "conditions": []}`,
		"no conditions":        `{"expiration": "2015-12-30T12:00:00Z"}`,
		"unknown top key":      `{"expiration": "2015-12-30T12:00:00Z", "conditions": [], "x": 1}`,
		"unknown operator":     `{"expiration": "2015-12-30T12:00:00Z", "conditions": [["ends-with", "$key", "x"]]}`,
		"two-field object":     `{"expiration": "2015-12-30T12:00:00Z", "conditions": [{"a": "1", "b": "2"}]}`,
		"field without dollar": `{"expiration": "2015-12-30T12:00:00Z", "conditions": [["eq", "key", "x"]]}`,
		"short array":          `{"expiration": "2015-12-30T12:00:00Z", "conditions": [["eq", "$key"]]}`,
		"bad range":            `{"expiration": "2015-12-30T12:00:00Z", "conditions": [["content-length-range", 10, 1]]}`,
		"starts-with on algo":  `{"expiration": "2015-12-30T12:00:00Z", "conditions": [["starts-with", "$x-amz-algorithm", ""]]}`,
		"object value":         `{"expiration": "2015-12-30T12:00:00Z", "conditions": [{"key": {"a": 1}}]}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b64 := base64.StdEncoding.EncodeToString([]byte(doc))
			fields := []field{
				{"key", "k"},
				{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
				{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
				{"X-Amz-Date", "20151229T000000Z"},
				{"Policy", b64},
				{"X-Amz-Signature", signPolicy(b64, "20151229")},
			}
			_, err := postVerifier(exampleNow).Verify(postRequest(t, "/", fields, "f", []byte("x")))
			if errCode(err) != sigv4.ErrCodeInvalidPolicyDocument {
				t.Fatalf("err = %v, want InvalidPolicyDocument", err)
			}
		})
	}
}

func TestPostFormLimitsAndAnonymous(t *testing.T) {
	t.Parallel()
	big := customPolicy(`["eq", "$key", "k"]`, field{"key", "k"}, field{"x-ignore-pad", strings.Repeat("p", 4096)})
	v := postVerifier(exampleNow, func(o *sigv4.Options) { o.MaxPostFormSize = 2048 })
	if _, err := v.Verify(postRequest(t, "/", big, "f", []byte("x"))); errCode(err) != sigv4.ErrCodeMaxMessageLengthExceeded {
		t.Fatalf("oversized form: %v", err)
	}
	// No policy, no signature: anonymous, the host decides.
	res, err := postVerifier(exampleNow).Verify(postRequest(t, "/b", []field{{"key", "public/${filename}"}}, "x.txt", []byte("hi")))
	if err != nil || res.Type != sigv4.AuthAnonymous || res.Form == nil || res.Form.Key != "public/x.txt" {
		t.Fatalf("anonymous form: %+v, %v", res, err)
	}
	// Not multipart at all.
	r := httptest.NewRequest(http.MethodPost, "http://h/b", strings.NewReader("x"))
	r.Header.Set("Content-Type", "multipart/form-data")
	if _, err := postVerifier(exampleNow).Verify(r); errCode(err) != sigv4.ErrCodeMalformedPOSTRequest {
		t.Fatalf("no boundary: %v", err)
	}
}

// minio-go's PresignedPostPolicy is a real browser-upload helper: its form
// must verify, and the policy it writes must be enforced.
func TestPostFormMinioGoPresignedPostPolicy(t *testing.T) {
	t.Parallel()
	client, err := minio.New("127.0.0.1:9000", &minio.Options{
		Creds:  credentials.NewStaticV4(postAccessKey, postSecret, ""),
		Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	pp := minio.NewPostPolicy()
	for _, err := range []error{
		pp.SetBucket("photos"),
		pp.SetKeyStartsWith("uploads/"),
		pp.SetContentType("image/png"),
		pp.SetContentLengthRange(1, 1024),
		pp.SetExpires(time.Now().UTC().Add(time.Hour)),
		pp.SetUserMetadata("owner", "alice"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, formData, err := client.PresignedPostPolicy(context.Background(), pp)
	if err != nil {
		t.Fatal(err)
	}
	var fields []field
	for k, v := range formData {
		if k == "key" {
			v = "uploads/${filename}"
		}
		fields = append(fields, field{k, v})
	}
	v := sigv4.NewVerifier(postLookup()) // system clock: minio-go signs with time.Now
	res, err := v.Verify(postRequest(t, "/photos", fields, "cat.png", []byte("png")))
	if err != nil {
		t.Fatalf("Verify: %v (form %v)", err, formData)
	}
	if res.Form.Key != "uploads/cat.png" || res.Form.Bucket != "photos" {
		t.Fatalf("form key %q bucket %q", res.Form.Key, res.Form.Bucket)
	}
	if _, err := io.ReadAll(res.Form.File); err != nil {
		t.Fatal(err)
	}
	// The same form with a key outside the prefix, or too big a file, fails.
	bad := withField(fields, "key", "elsewhere/${filename}")
	if _, err := v.Verify(postRequest(t, "/photos", bad, "cat.png", []byte("png"))); errCode(err) != sigv4.ErrCodeAccessDenied {
		t.Fatalf("key outside prefix: %v", err)
	}
	res, err = v.Verify(postRequest(t, "/photos", fields, "cat.png", bytes.Repeat([]byte("x"), 2048)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(res.Form.File); errCode(err) != sigv4.ErrCodeEntityTooLarge {
		t.Fatalf("too large: %v", err)
	}
}
