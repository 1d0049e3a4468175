package server

import (
	"net/http"
	"net/url"
	"testing"
)

var rangeCases = []struct {
	name, h    string
	size       int64
	start, end int64 // -1: no range
	invalid    bool
}{
	{"none", "", 10, -1, -1, false},
	{"closed", "bytes=0-4", 10, 0, 4, false},
	{"open", "bytes=3-", 10, 3, 9, false},
	{"suffix", "bytes=-2", 10, 8, 9, false},
	{"suffixLong", "bytes=-20", 10, 0, 9, false},
	{"clamped", "bytes=5-50", 10, 5, 9, false},
	{"past", "bytes=10-", 10, -1, -1, true},
	{"suffixZero", "bytes=-0", 10, -1, -1, true},
	{"emptyObject", "bytes=0-", 0, -1, -1, true},
	{"reversed", "bytes=5-2", 10, -1, -1, false},
	{"garbage", "bytes=a-b", 10, -1, -1, false},
	{"otherUnit", "items=0-1", 10, -1, -1, false},
	{"multi", "bytes=0-1,4-5", 10, -1, -1, false},
	{"overflow", "bytes=99999999999999999999-", 10, -1, -1, false},
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	for _, tc := range rangeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := parseRange(tc.h, tc.size)
			if (err != nil) != tc.invalid {
				t.Fatalf("err %v, want invalid=%v", err, tc.invalid)
			}
			if tc.start < 0 {
				if r != nil {
					t.Fatalf("range %+v, want none", r)
				}
				return
			}
			if r == nil || r.start != tc.start || r.end != tc.end {
				t.Fatalf("range %+v, want %d-%d", r, tc.start, tc.end)
			}
		})
	}
}

func FuzzParseRange(f *testing.F) {
	for _, tc := range rangeCases {
		f.Add(tc.h, tc.size)
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		r, err := parseRange(h, size)
		if r != nil && (err != nil || r.start < 0 || r.end < r.start || r.end >= size) {
			t.Fatalf("parseRange(%q, %d) = %+v, %v", h, size, r, err)
		}
	})
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, bucket, key, query string
		hdr                        http.Header
		want                       string
	}{
		{"GET", "", "", "", nil, "ListBuckets"},
		{"GET", "b", "", "", nil, "ListObjects"},
		{"GET", "b", "", "list-type=2", nil, "ListObjectsV2"},
		{"GET", "b", "", "location", nil, "GetBucketLocation"},
		{"GET", "b", "", "policy", nil, "GetBucketPolicy"},
		{"PUT", "b", "", "policy", nil, "PutBucketPolicy"},
		{"DELETE", "b", "", "policy", nil, "DeleteBucketPolicy"},
		{"GET", "b", "", "uploads", nil, "ListMultipartUploads"},
		{"PUT", "b", "", "", nil, "CreateBucket"},
		{"HEAD", "b", "", "", nil, "HeadBucket"},
		{"DELETE", "b", "", "", nil, "DeleteBucket"},
		{"POST", "b", "", "delete", nil, "DeleteObjects"},
		{"GET", "b", "k", "", nil, "GetObject"},
		{"GET", "b", "k", "x-id=GetObject&partNumber=1", nil, "GetObject"},
		{"HEAD", "b", "k", "", nil, "HeadObject"},
		{"PUT", "b", "k", "", nil, "PutObject"},
		{"PUT", "b", "k", "", http.Header{"X-Amz-Copy-Source": {"/s/k2"}}, "CopyObject"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", nil, "UploadPart"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", http.Header{"X-Amz-Copy-Source": {"s/k2"}}, "UploadPartCopy"},
		{"POST", "b", "k", "uploads", nil, "CreateMultipartUpload"},
		{"POST", "b", "k", "uploadId=u", nil, "CompleteMultipartUpload"},
		{"DELETE", "b", "k", "uploadId=u", nil, "AbortMultipartUpload"},
		{"GET", "b", "k", "uploadId=u", nil, "ListParts"},
		{"DELETE", "b", "k", "", nil, "DeleteObject"},
		{"GET", "b", "k", "tagging", nil, ""},
		{"GET", "b", "", "acl", nil, ""},
		{"PATCH", "b", "k", "", nil, ""},
		{"POST", "b", "", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.bucket+"/"+tc.key+"?"+tc.query, func(t *testing.T) {
			t.Parallel()
			q, _ := url.ParseQuery(tc.query)
			h := tc.hdr
			if h == nil {
				h = http.Header{}
			}
			op, err := classify(tc.method, tc.bucket, tc.key, q, h)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("classified as %s, want an error", op.Name)
				}
				return
			}
			if err != nil || op.Name != tc.want || op.Bucket != tc.bucket || op.Key != tc.key {
				t.Fatalf("classify = %+v, %v; want %s", op, err, tc.want)
			}
			if tc.hdr != nil && (op.SourceBucket != "s" || op.SourceKey != "k2") {
				t.Fatalf("copy source %q %q", op.SourceBucket, op.SourceKey)
			}
		})
	}
}
