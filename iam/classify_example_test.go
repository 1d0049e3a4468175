package iam_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/s3auth/s3auth/iam"
)

func ExampleClassifyS3Request() {
	r := httptest.NewRequest("GET", "/?list-type=2&prefix=home%2Falice%2F&delimiter=%2F", nil)
	r.Host = "examplebucket.s3.example.com"

	op, err := iam.ClassifyS3Request(r, &iam.ClassifyOptions{Domains: []string{"s3.example.com"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(op.Name)
	for _, c := range op.Checks {
		fmt.Println(c.Action, c.Resource)
	}
	for _, k := range op.Keys {
		fmt.Println(k.Name, k.Values)
	}
	// Output:
	// ListObjectsV2
	// s3:ListBucket arn:aws:s3:::examplebucket
	// s3:prefix [home/alice/]
	// s3:delimiter [/]
	// s3:max-keys [1000]
}

func ExampleClassifyS3Request_copyObject() {
	r := httptest.NewRequest("PUT", "/destbucket/reports/2026.pdf", nil)
	r.Header.Set("X-Amz-Copy-Source", "/srcbucket/drafts/2026.pdf?versionId=v2")

	op, err := iam.ClassifyS3Request(r, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(op.Name)
	for _, c := range op.Checks {
		fmt.Println(c.Action, c.Resource)
	}
	// Output:
	// CopyObject
	// s3:PutObject arn:aws:s3:::destbucket/reports/2026.pdf
	// s3:GetObjectVersion arn:aws:s3:::srcbucket/drafts/2026.pdf
}

func ExampleOperation_KeyChecks() {
	r := httptest.NewRequest("POST", "/examplebucket?delete", nil)
	op, err := iam.ClassifyS3Request(r, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The host reads the <Delete> body and checks every key it names.
	for _, obj := range []struct{ key, version string }{{"logs/1", ""}, {"logs/2", "v3"}} {
		checks, err := op.KeyChecks(obj.key, obj.version)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(checks)
	}
	// Output:
	// [{s3:DeleteObject arn:aws:s3:::examplebucket/logs/1}]
	// [{s3:DeleteObjectVersion arn:aws:s3:::examplebucket/logs/2}]
}

func ExampleUnknownOperationError() {
	r := httptest.NewRequest("GET", "/examplebucket?session", nil)
	_, err := iam.ClassifyS3Request(r, nil)
	if u, ok := err.(*iam.UnknownOperationError); ok {
		fmt.Println(u.S3Code(), u.HTTPStatus(), u.SubResource)
	}
	// Output:
	// NotImplemented 501 session
}

func ExampleClassifyS3RequestInto() {
	// A server that allocates a struct per request anyway can embed the
	// Operation in it and save an allocation.
	var perRequest struct {
		op iam.Operation
		// ... the server's other per-request state
	}
	r := httptest.NewRequest("GET", "/examplebucket/home/alice/notes.txt", nil)
	if err := iam.ClassifyS3RequestInto(&perRequest.op, r, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(perRequest.op.Name, perRequest.op.Checks[0].Action, perRequest.op.Checks[0].Resource)
	// Output:
	// GetObject s3:GetObject arn:aws:s3:::examplebucket/home/alice/notes.txt
}
