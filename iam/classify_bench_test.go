package iam_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

// BenchmarkClassify_S3Request classifies a path-style GET object request:
// operation, action, resource ARN and condition keys.
func BenchmarkClassify_S3Request(b *testing.B) {
	r := httptest.NewRequest("GET", "/examplebucket/home/alice/notes/2026.txt", nil)
	r.Host = "localhost:9000"
	opts := &iam.ClassifyOptions{}
	b.ReportAllocs()
	for b.Loop() {
		op, err := iam.ClassifyS3Request(r, opts)
		if err != nil || op.Checks[0].Action != "s3:GetObject" {
			b.Fatal(op, err)
		}
	}
}

// BenchmarkClassify_VirtualHostedList classifies a virtual-hosted
// ListObjectsV2 request with prefix, delimiter and max-keys.
func BenchmarkClassify_VirtualHostedList(b *testing.B) {
	r := httptest.NewRequest("GET", "/?list-type=2&prefix=home%2Falice%2F&delimiter=%2F&max-keys=100&encoding-type=url", nil)
	r.Host = "examplebucket.s3.example.com"
	opts := &iam.ClassifyOptions{Domains: []string{"s3.example.com"}}
	b.ReportAllocs()
	for b.Loop() {
		op, err := iam.ClassifyS3Request(r, opts)
		if err != nil || len(op.Keys) != 3 {
			b.Fatal(op, err)
		}
	}
}

// BenchmarkClassify_PresignedPut classifies a presigned PUT object request
// with an encoded key and the SigV4 query parameters.
func BenchmarkClassify_PresignedPut(b *testing.B) {
	r := httptest.NewRequest("PUT", "/examplebucket/a%2Fb/c%20d.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc", nil)
	b.ReportAllocs()
	for b.Loop() {
		op, err := iam.ClassifyS3Request(r, nil)
		if err != nil || op.Name != "PutObject" {
			b.Fatal(op, err)
		}
	}
}

// FuzzClassify checks that no request makes ClassifyS3Request panic, and
// that every classification is well formed: exactly one of an operation
// or an error, at least one check or per-key action, ARNs for the request's
// bucket, and no key outside the s3: namespace.
func FuzzClassify(f *testing.F) {
	for _, tc := range classifyCases {
		hk, hv := "", ""
		for k, v := range tc.header {
			hk, hv = k, v
			break
		}
		f.Add(tc.method, tc.target, "localhost", hk, hv)
		f.Add(tc.method, strings.TrimPrefix(tc.target, "/examplebucket"), "examplebucket.s3.example.com", hk, hv)
	}
	f.Add("GET", "/examplebucket/a%2Fb?versionId=x&acl", "localhost", "X-Amz-Copy-Source", "/b/k?versionId=v")
	f.Add("PUT", "/examplebucket/k?x-amz-tagging=a%3D1%26b%3D2", "localhost", "X-Amz-Tagging", "a=1")
	opts := &iam.ClassifyOptions{Domains: []string{"s3.example.com"}}
	f.Fuzz(func(t *testing.T, method, target, host, hk, hv string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: method, URL: u, Host: host, Header: http.Header{}}
		if hk != "" {
			r.Header[http.CanonicalHeaderKey(hk)] = []string{hv}
		}
		op, err := iam.ClassifyS3Request(r, opts)
		if (op == nil) == (err == nil) {
			t.Fatalf("got (%v, %v): want exactly one of an operation and an error", op, err)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "iam: ") {
				t.Fatalf("error %q does not start with the package name", err)
			}
			return
		}
		if len(op.Checks) == 0 && len(op.PerKey) == 0 {
			t.Fatalf("%s has neither Checks nor PerKey", op.Name)
		}
		for i, c := range op.Checks {
			if !strings.HasPrefix(c.Action, "s3:") {
				t.Fatalf("check action %q", c.Action)
			}
			if c.Resource == "*" {
				continue
			}
			if i == 0 && !strings.HasPrefix(c.Resource, "arn:aws:s3:::"+op.Bucket) {
				t.Fatalf("check resource %q does not name bucket %q", c.Resource, op.Bucket)
			}
		}
		for _, k := range op.Keys {
			if !strings.HasPrefix(k.Name, "s3:") || len(k.Values) == 0 {
				t.Fatalf("bad key %v", k)
			}
		}
		if op.Key != "" {
			if _, err := op.KeyChecks(op.Key, ""); err != nil {
				t.Fatalf("the classified key %q does not validate: %v", op.Key, err)
			}
		}
	})
}
