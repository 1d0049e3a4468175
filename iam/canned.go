package iam

import "slices"

// The canned policies, as documents users can read. They are identity
// policies for the S3 API.
var cannedDocs = map[string]string{
	// readonly: list every bucket, list the objects of any bucket, find a
	// bucket's region, and read any object (and its versions).
	"readonly": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"ListAllBuckets","Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},` +
		`{"Sid":"ReadBuckets","Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},` +
		`{"Sid":"ReadObjects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::*/*"}]}`,
	// readwrite: every S3 action on every bucket and object.
	"readwrite": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"ListAllBuckets","Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},` +
		`{"Sid":"FullAccess","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}`,
	// writeonly: upload objects (including multipart uploads and aborting
	// them) into any bucket; no listing, no reading, no deleting.
	"writeonly": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"WriteObjects","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::*/*"}]}`,
}

// CannedNames returns the names of the canned policies: "readonly",
// "readwrite", "writeonly".
func CannedNames() []string {
	return []string{"readonly", "readwrite", "writeonly"}
}

// Canned returns a canned policy by name, compiled and as its document
// (a fresh copy the caller may keep):
//
//   - readonly: s3:ListAllMyBuckets; s3:ListBucket and s3:GetBucketLocation
//     on every bucket; s3:GetObject and s3:GetObjectVersion on every object.
//   - readwrite: s3:ListAllMyBuckets and every S3 action ("s3:*") on every
//     bucket and object.
//   - writeonly: s3:PutObject (which covers multipart uploads),
//     s3:AbortMultipartUpload and s3:ListMultipartUploadParts on every
//     object; nothing else.
//
// ok is false for an unknown name.
func Canned(name string) (p *Policy, doc []byte, ok bool) {
	d, found := cannedDocs[name]
	if !found || !slices.Contains(CannedNames(), name) {
		return nil, nil, false
	}
	p, err := Parse([]byte(d))
	if err != nil {
		return nil, nil, false
	}
	return p, []byte(d), true
}
