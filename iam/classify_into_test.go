package iam_test

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

// TestClassifyS3RequestInto checks that ClassifyS3RequestInto gives what
// ClassifyS3Request gives for every classification case, into one reused
// Operation, and that strings handed out before a reuse stay intact.
func TestClassifyS3RequestInto(t *testing.T) {
	t.Parallel()
	var op iam.Operation
	type kept struct{ name, action, resource string }
	var keep []kept
	for _, tc := range classifyCases {
		for _, vhost := range []bool{false, true} {
			r := newCaseRequest(t, tc, vhost)
			want, werr := iam.ClassifyS3Request(r, testOpts)
			err := iam.ClassifyS3RequestInto(&op, r, testOpts)
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("%s: error %v, want %v", tc.name, err, werr)
			}
			if err != nil {
				continue
			}
			if op.Name != want.Name || op.Bucket != want.Bucket || op.Key != want.Key || op.VersionID != want.VersionID ||
				op.SourceBucket != want.SourceBucket || op.SourceKey != want.SourceKey || op.SourceVersionID != want.SourceVersionID ||
				!equalChecks(op.Checks, want.Checks) || !equalKeys(op.Keys, want.Keys) || !reflect.DeepEqual(op.PerKey, want.PerKey) {
				t.Errorf("%s (virtual %v): got %+v, want %+v", tc.name, vhost, op, *want)
			}
			if len(op.PerKey) > 0 {
				if got, _ := op.KeyChecks("k", ""); !equalChecks(got, mustKeyChecks(t, want)) {
					t.Errorf("%s: KeyChecks = %v", tc.name, got)
				}
			}
			if len(op.Checks) > 0 {
				keep = append(keep, kept{op.Name, op.Checks[0].Action, op.Checks[0].Resource})
			}
		}
	}
	// Reusing op overwrote its Checks, never the strings they held.
	i := 0
	for _, tc := range classifyCases {
		for _, vhost := range []bool{false, true} {
			want, err := iam.ClassifyS3Request(newCaseRequest(t, tc, vhost), testOpts)
			if err != nil || len(want.Checks) == 0 {
				continue
			}
			if k := keep[i]; k != (kept{want.Name, want.Checks[0].Action, want.Checks[0].Resource}) {
				t.Errorf("kept %+v changed; want %s %s %s", k, want.Name, want.Checks[0].Action, want.Checks[0].Resource)
			}
			i++
		}
	}
}

func mustKeyChecks(t *testing.T, op *iam.Operation) []iam.Check {
	t.Helper()
	c, err := op.KeyChecks("k", "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClassifyS3RequestIntoError checks that an error leaves the Operation
// zero, whether it comes before or after the Operation is filled, and that
// a nil Operation is an error.
func TestClassifyS3RequestIntoError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, method, target string }{
		{"unknown method", "PATCH", "/examplebucket/k"},
		{"empty versionId", "GET", "/examplebucket/k?versionId="},
		{"bad bucket", "GET", "/Bad_Bucket/k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := iam.Operation{Name: "stale", Checks: []iam.Check{{Action: "s3:GetObject", Resource: "*"}}}
			err := iam.ClassifyS3RequestInto(&op, httptest.NewRequest(tc.method, tc.target, nil), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !reflect.DeepEqual(op, iam.Operation{}) {
				t.Errorf("after the error %v the operation is %+v, want zero", err, op)
			}
		})
	}
	err := iam.ClassifyS3RequestInto(nil, httptest.NewRequest("GET", "/b/k", nil), nil)
	var re *iam.RequestError
	if err == nil || errors.As(err, &re) {
		t.Errorf("nil Operation: error %v", err)
	}
}

// BenchmarkClassify_S3RequestInto is BenchmarkClassify_S3Request into a
// reused Operation, as a caller that embeds it in a per-request struct or
// pools it would call it.
func BenchmarkClassify_S3RequestInto(b *testing.B) {
	r := httptest.NewRequest("GET", "/examplebucket/home/alice/notes/2026.txt", nil)
	r.Host = "localhost:9000"
	opts := &iam.ClassifyOptions{}
	var op iam.Operation
	b.ReportAllocs()
	for b.Loop() {
		if err := iam.ClassifyS3RequestInto(&op, r, opts); err != nil || op.Checks[0].Action != "s3:GetObject" {
			b.Fatal(op, err)
		}
	}
}
