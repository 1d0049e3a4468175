package iam_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

const (
	bucketARN  = "arn:aws:s3:::examplebucket"
	objectKey  = "photos/2026/cat.jpg"
	objectPath = "/examplebucket/" + objectKey
	objectARN  = bucketARN + "/" + objectKey
	testDomain = "s3.example.com"
)

func kv(name string, values ...string) iam.ConditionKey {
	return iam.ConditionKey{Name: name, Values: values}
}

// classifyCase is one request and the classification it must get, both
// path-style (target as given) and virtual-hosted-style (the bucket moved
// from the path into the Host).
type classifyCase struct {
	name    string
	method  string
	target  string // path-style, bucket "examplebucket"
	header  map[string]string
	want    string // operation name
	key     string
	version string
	checks  []iam.Check
	keys    []iam.ConditionKey
	perKey  []string
}

var classifyCases = []classifyCase{
	{name: "ListBuckets", method: "GET", target: "/", want: "ListBuckets", checks: []iam.Check{{Action: "s3:ListAllMyBuckets", Resource: "*"}}},
	{name: "ListBuckets/sdk", method: "GET", target: "/?x-id=ListBuckets&max-buckets=10&prefix=a", want: "ListBuckets", checks: []iam.Check{{Action: "s3:ListAllMyBuckets", Resource: "*"}}},
	{name: "CreateBucket", method: "PUT", target: "/examplebucket", want: "CreateBucket", checks: []iam.Check{{Action: "s3:CreateBucket", Resource: bucketARN}}},
	{name: "CreateBucket/private", method: "PUT", target: "/examplebucket", header: map[string]string{"X-Amz-Acl": "private"}, want: "CreateBucket",
		checks: []iam.Check{{Action: "s3:CreateBucket", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-acl", "private")}},
	{name: "CreateBucket/everything", method: "PUT", target: "/examplebucket", header: map[string]string{
		"X-Amz-Acl": "public-read", "X-Amz-Grant-Write": "id=abc", "X-Amz-Bucket-Object-Lock-Enabled": "true", "X-Amz-Object-Ownership": "BucketOwnerEnforced",
	}, want: "CreateBucket",
		checks: []iam.Check{
			{Action: "s3:CreateBucket", Resource: bucketARN},
			{Action: "s3:PutBucketAcl", Resource: bucketARN},
			{Action: "s3:PutBucketObjectLockConfiguration", Resource: bucketARN},
			{Action: "s3:PutBucketVersioning", Resource: bucketARN},
			{Action: "s3:PutBucketOwnershipControls", Resource: bucketARN},
		},
		keys: []iam.ConditionKey{kv("s3:x-amz-acl", "public-read"), kv("s3:x-amz-grant-write", "id=abc"), kv("s3:x-amz-object-ownership", "BucketOwnerEnforced")}},
	{name: "HeadBucket", method: "HEAD", target: "/examplebucket", want: "HeadBucket", checks: []iam.Check{{Action: "s3:ListBucket", Resource: bucketARN}}},
	{name: "DeleteBucket", method: "DELETE", target: "/examplebucket/", want: "DeleteBucket", checks: []iam.Check{{Action: "s3:DeleteBucket", Resource: bucketARN}}},
	{name: "ListObjects", method: "GET", target: "/examplebucket", want: "ListObjects",
		checks: []iam.Check{{Action: "s3:ListBucket", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:prefix", ""), kv("s3:max-keys", "1000")}},
	{name: "ListObjects/params", method: "GET", target: "/examplebucket?prefix=home%2Falice%2F&delimiter=%2F&max-keys=100&marker=m&encoding-type=url", want: "ListObjects",
		checks: []iam.Check{{Action: "s3:ListBucket", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:prefix", "home/alice/"), kv("s3:delimiter", "/"), kv("s3:max-keys", "100")}},
	{name: "ListObjectsV2", method: "GET", target: "/examplebucket?list-type=2&prefix=a+b&continuation-token=x&fetch-owner=true&start-after=k", want: "ListObjectsV2",
		checks: []iam.Check{{Action: "s3:ListBucket", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:prefix", "a b"), kv("s3:max-keys", "1000")}},
	{name: "ListObjectVersions", method: "GET", target: "/examplebucket?versions&prefix=logs/&key-marker=k&version-id-marker=v", want: "ListObjectVersions",
		checks: []iam.Check{{Action: "s3:ListBucketVersions", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:prefix", "logs/"), kv("s3:max-keys", "1000")}},
	{name: "PutBucketAcl", method: "PUT", target: "/examplebucket?acl", header: map[string]string{"X-Amz-Grant-Read": "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""}, want: "PutBucketAcl",
		checks: []iam.Check{{Action: "s3:PutBucketAcl", Resource: bucketARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"")}},
	{name: "DeleteObjects", method: "POST", target: "/examplebucket?delete", want: "DeleteObjects", perKey: []string{"s3:DeleteObject"}},
	{name: "DeleteObjects/bypass", method: "POST", target: "/examplebucket?delete=", header: map[string]string{"X-Amz-Bypass-Governance-Retention": "true"}, want: "DeleteObjects",
		perKey: []string{"s3:DeleteObject", "s3:BypassGovernanceRetention"}},
	{name: "PostObject", method: "POST", target: "/examplebucket", header: map[string]string{"Content-Type": "multipart/form-data; boundary=xyz"}, want: "PostObject", perKey: []string{"s3:PutObject"}},
	{name: "PutObject", method: "PUT", target: objectPath, want: "PutObject", key: objectKey, checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}}},
	{name: "PutObject/sdk", method: "PUT", target: objectPath + "?x-id=PutObject", header: map[string]string{"Content-Type": "image/jpeg", "X-Amz-Meta-Owner": "alice"}, want: "PutObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}}},
	{name: "PutObject/everything", method: "PUT", target: objectPath, header: map[string]string{
		"X-Amz-Acl": "bucket-owner-full-control", "X-Amz-Grant-Read-Acp": "id=1",
		"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "arn:aws:kms:us-east-1:111122223333:key/k1",
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256", "X-Amz-Storage-Class": "STANDARD_IA", "X-Amz-Website-Redirect-Location": "/other",
		"X-Amz-Tagging": "project=blue&team=a%26b", "X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": "2030-01-01T00:00:00Z",
		"X-Amz-Object-Lock-Legal-Hold": "ON", "If-None-Match": "*",
	}, want: "PutObject", key: objectKey,
		checks: []iam.Check{
			{Action: "s3:PutObject", Resource: objectARN},
			{Action: "s3:PutObjectAcl", Resource: objectARN},
			{Action: "s3:PutObjectTagging", Resource: objectARN},
			{Action: "s3:PutObjectRetention", Resource: objectARN},
			{Action: "s3:PutObjectLegalHold", Resource: objectARN},
		},
		keys: []iam.ConditionKey{
			kv("s3:x-amz-acl", "bucket-owner-full-control"), kv("s3:x-amz-grant-read-acp", "id=1"),
			kv("s3:x-amz-server-side-encryption", "aws:kms"), kv("s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-east-1:111122223333:key/k1"),
			kv("s3:x-amz-server-side-encryption-customer-algorithm", "AES256"), kv("s3:x-amz-storage-class", "STANDARD_IA"),
			kv("s3:x-amz-website-redirect-location", "/other"),
			kv("s3:RequestObjectTag/project", "blue"), kv("s3:RequestObjectTag/team", "a&b"), kv("s3:RequestObjectTagKeys", "project", "team"),
			kv("s3:object-lock-mode", "GOVERNANCE"), kv("s3:object-lock-retain-until-date", "2030-01-01T00:00:00Z"), kv("s3:object-lock-legal-hold", "ON"),
			kv("s3:if-none-match", "*"),
		}},
	{name: "CopyObject", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/reports/q1%20final.pdf", "X-Amz-Metadata-Directive": "REPLACE"}, want: "CopyObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:GetObject", Resource: "arn:aws:s3:::srcbucket/reports/q1 final.pdf"}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-copy-source", "srcbucket/reports/q1 final.pdf"), kv("s3:x-amz-metadata-directive", "REPLACE")}},
	{name: "CopyObject/version", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "srcbucket/a/b.txt?versionId=v%2B1", "X-Amz-Acl": "private"}, want: "CopyObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:GetObjectVersion", Resource: "arn:aws:s3:::srcbucket/a/b.txt"}, {Action: "s3:PutObjectAcl", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-acl", "private"), kv("s3:x-amz-copy-source", "srcbucket/a/b.txt")}},
	{name: "GetObject/sdk", method: "GET", target: objectPath + "?x-id=GetObject&partNumber=2&response-content-type=text%2Fplain", want: "GetObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}}},
	{name: "GetObject/presigned", method: "GET", target: objectPath + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok&X-Amz-Signature=abc", want: "GetObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}}},
	{name: "DeleteObject/bypass", method: "DELETE", target: objectPath + "?versionId=v1", header: map[string]string{"X-Amz-Bypass-Governance-Retention": "True", "If-Match": "\"etag\""}, want: "DeleteObject", key: objectKey, version: "v1",
		checks: []iam.Check{{Action: "s3:DeleteObjectVersion", Resource: objectARN}, {Action: "s3:BypassGovernanceRetention", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:if-match", "\"etag\""), kv("s3:VersionId", "v1")}},
	{name: "PutObjectAcl/headers", method: "PUT", target: objectPath + "?acl", header: map[string]string{"X-Amz-Acl": "public-read", "X-Amz-Storage-Class": "GLACIER"}, want: "PutObjectAcl", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObjectAcl", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-acl", "public-read"), kv("s3:x-amz-storage-class", "GLACIER")}},
	{name: "GetObjectAttributes", method: "GET", target: objectPath + "?attributes", header: map[string]string{"X-Amz-Object-Attributes": "ETag"}, want: "GetObjectAttributes", key: objectKey,
		checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}, {Action: "s3:GetObjectAttributes", Resource: objectARN}}},
	{name: "GetObjectAttributes/version", method: "GET", target: objectPath + "?attributes&versionId=v9", want: "GetObjectAttributes", key: objectKey, version: "v9",
		checks: []iam.Check{{Action: "s3:GetObjectVersion", Resource: objectARN}, {Action: "s3:GetObjectVersionAttributes", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:VersionId", "v9")}},
	{name: "PutObjectRetention/bypass", method: "PUT", target: objectPath + "?retention", header: map[string]string{"X-Amz-Bypass-Governance-Retention": "true"}, want: "PutObjectRetention", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObjectRetention", Resource: objectARN}, {Action: "s3:BypassGovernanceRetention", Resource: objectARN}}},
	{name: "CreateMultipartUpload/tagged", method: "POST", target: objectPath + "?uploads", header: map[string]string{"X-Amz-Tagging": "a=1", "X-Amz-Server-Side-Encryption": "AES256"}, want: "CreateMultipartUpload", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:PutObjectTagging", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-server-side-encryption", "AES256"), kv("s3:RequestObjectTag/a", "1"), kv("s3:RequestObjectTagKeys", "a")}},
	{name: "UploadPartCopy", method: "PUT", target: objectPath + "?partNumber=1&uploadId=VXBsb2Fk", header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/big.bin", "X-Amz-Copy-Source-Range": "bytes=0-99"}, want: "UploadPartCopy", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:GetObject", Resource: "arn:aws:s3:::srcbucket/big.bin"}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-copy-source", "srcbucket/big.bin")}},
	{name: "CompleteMultipartUpload/conditional", method: "POST", target: objectPath + "?uploadId=VXBsb2Fk", header: map[string]string{"If-None-Match": "*"}, want: "CompleteMultipartUpload", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:if-none-match", "*")}},
	{name: "PutObject/hoisted", method: "PUT", target: objectPath + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&x-amz-acl=public-read&X-Amz-Signature=abc", want: "PutObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:PutObjectAcl", Resource: objectARN}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-acl", "public-read")}},
	{name: "CopyObject/hoisted", method: "PUT", target: objectPath + "?X-Amz-Copy-Source=%2Fsrcbucket%2Fk", want: "CopyObject", key: objectKey,
		checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}, {Action: "s3:GetObject", Resource: "arn:aws:s3:::srcbucket/k"}},
		keys:   []iam.ConditionKey{kv("s3:x-amz-copy-source", "srcbucket/k")}},
	{name: "GetBucketLocation", method: "GET", target: "/examplebucket?location", want: "GetBucketLocation", checks: []iam.Check{{Action: "s3:GetBucketLocation", Resource: bucketARN}}},
	{name: "GetBucketPolicy", method: "GET", target: "/examplebucket?policy", want: "GetBucketPolicy", checks: []iam.Check{{Action: "s3:GetBucketPolicy", Resource: bucketARN}}},
	{name: "PutBucketPolicy", method: "PUT", target: "/examplebucket?policy", want: "PutBucketPolicy", checks: []iam.Check{{Action: "s3:PutBucketPolicy", Resource: bucketARN}}},
	{name: "DeleteBucketPolicy", method: "DELETE", target: "/examplebucket?policy", want: "DeleteBucketPolicy", checks: []iam.Check{{Action: "s3:DeleteBucketPolicy", Resource: bucketARN}}},
	{name: "GetBucketPolicyStatus", method: "GET", target: "/examplebucket?policyStatus", want: "GetBucketPolicyStatus", checks: []iam.Check{{Action: "s3:GetBucketPolicyStatus", Resource: bucketARN}}},
	{name: "GetBucketAcl", method: "GET", target: "/examplebucket?acl", want: "GetBucketAcl", checks: []iam.Check{{Action: "s3:GetBucketAcl", Resource: bucketARN}}},
	{name: "GetBucketVersioning", method: "GET", target: "/examplebucket?versioning", want: "GetBucketVersioning", checks: []iam.Check{{Action: "s3:GetBucketVersioning", Resource: bucketARN}}},
	{name: "PutBucketVersioning", method: "PUT", target: "/examplebucket?versioning", want: "PutBucketVersioning", checks: []iam.Check{{Action: "s3:PutBucketVersioning", Resource: bucketARN}}},
	{name: "GetBucketTagging", method: "GET", target: "/examplebucket?tagging", want: "GetBucketTagging", checks: []iam.Check{{Action: "s3:GetBucketTagging", Resource: bucketARN}}},
	{name: "PutBucketTagging", method: "PUT", target: "/examplebucket?tagging", want: "PutBucketTagging", checks: []iam.Check{{Action: "s3:PutBucketTagging", Resource: bucketARN}}},
	{name: "DeleteBucketTagging", method: "DELETE", target: "/examplebucket?tagging", want: "DeleteBucketTagging", checks: []iam.Check{{Action: "s3:PutBucketTagging", Resource: bucketARN}}},
	{name: "GetBucketCors", method: "GET", target: "/examplebucket?cors", want: "GetBucketCors", checks: []iam.Check{{Action: "s3:GetBucketCORS", Resource: bucketARN}}},
	{name: "PutBucketCors", method: "PUT", target: "/examplebucket?cors", want: "PutBucketCors", checks: []iam.Check{{Action: "s3:PutBucketCORS", Resource: bucketARN}}},
	{name: "DeleteBucketCors", method: "DELETE", target: "/examplebucket?cors", want: "DeleteBucketCors", checks: []iam.Check{{Action: "s3:PutBucketCORS", Resource: bucketARN}}},
	{name: "GetBucketLifecycleConfiguration", method: "GET", target: "/examplebucket?lifecycle", want: "GetBucketLifecycleConfiguration", checks: []iam.Check{{Action: "s3:GetLifecycleConfiguration", Resource: bucketARN}}},
	{name: "PutBucketLifecycleConfiguration", method: "PUT", target: "/examplebucket?lifecycle", want: "PutBucketLifecycleConfiguration", checks: []iam.Check{{Action: "s3:PutLifecycleConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketLifecycle", method: "DELETE", target: "/examplebucket?lifecycle", want: "DeleteBucketLifecycle", checks: []iam.Check{{Action: "s3:PutLifecycleConfiguration", Resource: bucketARN}}},
	{name: "GetBucketEncryption", method: "GET", target: "/examplebucket?encryption", want: "GetBucketEncryption", checks: []iam.Check{{Action: "s3:GetEncryptionConfiguration", Resource: bucketARN}}},
	{name: "PutBucketEncryption", method: "PUT", target: "/examplebucket?encryption", want: "PutBucketEncryption", checks: []iam.Check{{Action: "s3:PutEncryptionConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketEncryption", method: "DELETE", target: "/examplebucket?encryption", want: "DeleteBucketEncryption", checks: []iam.Check{{Action: "s3:PutEncryptionConfiguration", Resource: bucketARN}}},
	{name: "GetBucketNotificationConfiguration", method: "GET", target: "/examplebucket?notification", want: "GetBucketNotificationConfiguration", checks: []iam.Check{{Action: "s3:GetBucketNotification", Resource: bucketARN}}},
	{name: "PutBucketNotificationConfiguration", method: "PUT", target: "/examplebucket?notification", want: "PutBucketNotificationConfiguration", checks: []iam.Check{{Action: "s3:PutBucketNotification", Resource: bucketARN}}},
	{name: "GetBucketWebsite", method: "GET", target: "/examplebucket?website", want: "GetBucketWebsite", checks: []iam.Check{{Action: "s3:GetBucketWebsite", Resource: bucketARN}}},
	{name: "PutBucketWebsite", method: "PUT", target: "/examplebucket?website", want: "PutBucketWebsite", checks: []iam.Check{{Action: "s3:PutBucketWebsite", Resource: bucketARN}}},
	{name: "DeleteBucketWebsite", method: "DELETE", target: "/examplebucket?website", want: "DeleteBucketWebsite", checks: []iam.Check{{Action: "s3:DeleteBucketWebsite", Resource: bucketARN}}},
	{name: "GetBucketLogging", method: "GET", target: "/examplebucket?logging", want: "GetBucketLogging", checks: []iam.Check{{Action: "s3:GetBucketLogging", Resource: bucketARN}}},
	{name: "PutBucketLogging", method: "PUT", target: "/examplebucket?logging", want: "PutBucketLogging", checks: []iam.Check{{Action: "s3:PutBucketLogging", Resource: bucketARN}}},
	{name: "GetBucketReplication", method: "GET", target: "/examplebucket?replication", want: "GetBucketReplication", checks: []iam.Check{{Action: "s3:GetReplicationConfiguration", Resource: bucketARN}}},
	{name: "PutBucketReplication", method: "PUT", target: "/examplebucket?replication", want: "PutBucketReplication", checks: []iam.Check{{Action: "s3:PutReplicationConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketReplication", method: "DELETE", target: "/examplebucket?replication", want: "DeleteBucketReplication", checks: []iam.Check{{Action: "s3:PutReplicationConfiguration", Resource: bucketARN}}},
	{name: "GetObjectLockConfiguration", method: "GET", target: "/examplebucket?object-lock", want: "GetObjectLockConfiguration", checks: []iam.Check{{Action: "s3:GetBucketObjectLockConfiguration", Resource: bucketARN}}},
	{name: "PutObjectLockConfiguration", method: "PUT", target: "/examplebucket?object-lock", want: "PutObjectLockConfiguration", checks: []iam.Check{{Action: "s3:PutBucketObjectLockConfiguration", Resource: bucketARN}}},
	{name: "GetPublicAccessBlock", method: "GET", target: "/examplebucket?publicAccessBlock", want: "GetPublicAccessBlock", checks: []iam.Check{{Action: "s3:GetBucketPublicAccessBlock", Resource: bucketARN}}},
	{name: "PutPublicAccessBlock", method: "PUT", target: "/examplebucket?publicAccessBlock", want: "PutPublicAccessBlock", checks: []iam.Check{{Action: "s3:PutBucketPublicAccessBlock", Resource: bucketARN}}},
	{name: "DeletePublicAccessBlock", method: "DELETE", target: "/examplebucket?publicAccessBlock", want: "DeletePublicAccessBlock", checks: []iam.Check{{Action: "s3:PutBucketPublicAccessBlock", Resource: bucketARN}}},
	{name: "GetBucketOwnershipControls", method: "GET", target: "/examplebucket?ownershipControls", want: "GetBucketOwnershipControls", checks: []iam.Check{{Action: "s3:GetBucketOwnershipControls", Resource: bucketARN}}},
	{name: "PutBucketOwnershipControls", method: "PUT", target: "/examplebucket?ownershipControls", want: "PutBucketOwnershipControls", checks: []iam.Check{{Action: "s3:PutBucketOwnershipControls", Resource: bucketARN}}},
	{name: "DeleteBucketOwnershipControls", method: "DELETE", target: "/examplebucket?ownershipControls", want: "DeleteBucketOwnershipControls", checks: []iam.Check{{Action: "s3:PutBucketOwnershipControls", Resource: bucketARN}}},
	{name: "GetBucketAccelerateConfiguration", method: "GET", target: "/examplebucket?accelerate", want: "GetBucketAccelerateConfiguration", checks: []iam.Check{{Action: "s3:GetAccelerateConfiguration", Resource: bucketARN}}},
	{name: "PutBucketAccelerateConfiguration", method: "PUT", target: "/examplebucket?accelerate", want: "PutBucketAccelerateConfiguration", checks: []iam.Check{{Action: "s3:PutAccelerateConfiguration", Resource: bucketARN}}},
	{name: "GetBucketRequestPayment", method: "GET", target: "/examplebucket?requestPayment", want: "GetBucketRequestPayment", checks: []iam.Check{{Action: "s3:GetBucketRequestPayment", Resource: bucketARN}}},
	{name: "PutBucketRequestPayment", method: "PUT", target: "/examplebucket?requestPayment", want: "PutBucketRequestPayment", checks: []iam.Check{{Action: "s3:PutBucketRequestPayment", Resource: bucketARN}}},
	{name: "ListMultipartUploads", method: "GET", target: "/examplebucket?uploads", want: "ListMultipartUploads", checks: []iam.Check{{Action: "s3:ListBucketMultipartUploads", Resource: bucketARN}}},
	{name: "GetBucketAnalyticsConfiguration", method: "GET", target: "/examplebucket?analytics&id=report1", want: "GetBucketAnalyticsConfiguration", checks: []iam.Check{{Action: "s3:GetAnalyticsConfiguration", Resource: bucketARN}}},
	{name: "ListBucketAnalyticsConfigurations", method: "GET", target: "/examplebucket?analytics", want: "ListBucketAnalyticsConfigurations", checks: []iam.Check{{Action: "s3:GetAnalyticsConfiguration", Resource: bucketARN}}},
	{name: "PutBucketAnalyticsConfiguration", method: "PUT", target: "/examplebucket?analytics&id=report1", want: "PutBucketAnalyticsConfiguration", checks: []iam.Check{{Action: "s3:PutAnalyticsConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketAnalyticsConfiguration", method: "DELETE", target: "/examplebucket?analytics&id=report1", want: "DeleteBucketAnalyticsConfiguration", checks: []iam.Check{{Action: "s3:PutAnalyticsConfiguration", Resource: bucketARN}}},
	{name: "GetBucketMetricsConfiguration", method: "GET", target: "/examplebucket?metrics&id=report1", want: "GetBucketMetricsConfiguration", checks: []iam.Check{{Action: "s3:GetMetricsConfiguration", Resource: bucketARN}}},
	{name: "ListBucketMetricsConfigurations", method: "GET", target: "/examplebucket?metrics", want: "ListBucketMetricsConfigurations", checks: []iam.Check{{Action: "s3:GetMetricsConfiguration", Resource: bucketARN}}},
	{name: "PutBucketMetricsConfiguration", method: "PUT", target: "/examplebucket?metrics&id=report1", want: "PutBucketMetricsConfiguration", checks: []iam.Check{{Action: "s3:PutMetricsConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketMetricsConfiguration", method: "DELETE", target: "/examplebucket?metrics&id=report1", want: "DeleteBucketMetricsConfiguration", checks: []iam.Check{{Action: "s3:PutMetricsConfiguration", Resource: bucketARN}}},
	{name: "GetBucketInventoryConfiguration", method: "GET", target: "/examplebucket?inventory&id=report1", want: "GetBucketInventoryConfiguration", checks: []iam.Check{{Action: "s3:GetInventoryConfiguration", Resource: bucketARN}}},
	{name: "ListBucketInventoryConfigurations", method: "GET", target: "/examplebucket?inventory", want: "ListBucketInventoryConfigurations", checks: []iam.Check{{Action: "s3:GetInventoryConfiguration", Resource: bucketARN}}},
	{name: "PutBucketInventoryConfiguration", method: "PUT", target: "/examplebucket?inventory&id=report1", want: "PutBucketInventoryConfiguration", checks: []iam.Check{{Action: "s3:PutInventoryConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketInventoryConfiguration", method: "DELETE", target: "/examplebucket?inventory&id=report1", want: "DeleteBucketInventoryConfiguration", checks: []iam.Check{{Action: "s3:PutInventoryConfiguration", Resource: bucketARN}}},
	{name: "GetBucketIntelligentTieringConfiguration", method: "GET", target: "/examplebucket?intelligent-tiering&id=report1", want: "GetBucketIntelligentTieringConfiguration", checks: []iam.Check{{Action: "s3:GetIntelligentTieringConfiguration", Resource: bucketARN}}},
	{name: "ListBucketIntelligentTieringConfigurations", method: "GET", target: "/examplebucket?intelligent-tiering", want: "ListBucketIntelligentTieringConfigurations", checks: []iam.Check{{Action: "s3:GetIntelligentTieringConfiguration", Resource: bucketARN}}},
	{name: "PutBucketIntelligentTieringConfiguration", method: "PUT", target: "/examplebucket?intelligent-tiering&id=report1", want: "PutBucketIntelligentTieringConfiguration", checks: []iam.Check{{Action: "s3:PutIntelligentTieringConfiguration", Resource: bucketARN}}},
	{name: "DeleteBucketIntelligentTieringConfiguration", method: "DELETE", target: "/examplebucket?intelligent-tiering&id=report1", want: "DeleteBucketIntelligentTieringConfiguration", checks: []iam.Check{{Action: "s3:PutIntelligentTieringConfiguration", Resource: bucketARN}}},
	{name: "GetObjectRetention", method: "GET", target: objectPath + "?retention", want: "GetObjectRetention", key: objectKey, checks: []iam.Check{{Action: "s3:GetObjectRetention", Resource: objectARN}}},
	{name: "PutObjectRetention", method: "PUT", target: objectPath + "?retention", want: "PutObjectRetention", key: objectKey, checks: []iam.Check{{Action: "s3:PutObjectRetention", Resource: objectARN}}},
	{name: "GetObjectLegalHold", method: "GET", target: objectPath + "?legal-hold", want: "GetObjectLegalHold", key: objectKey, checks: []iam.Check{{Action: "s3:GetObjectLegalHold", Resource: objectARN}}},
	{name: "PutObjectLegalHold", method: "PUT", target: objectPath + "?legal-hold", want: "PutObjectLegalHold", key: objectKey, checks: []iam.Check{{Action: "s3:PutObjectLegalHold", Resource: objectARN}}},
	{name: "RestoreObject", method: "POST", target: objectPath + "?restore", want: "RestoreObject", key: objectKey, checks: []iam.Check{{Action: "s3:RestoreObject", Resource: objectARN}}},
	{name: "SelectObjectContent", method: "POST", target: objectPath + "?select&select-type=2", want: "SelectObjectContent", key: objectKey, checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}}},
	{name: "CreateMultipartUpload", method: "POST", target: objectPath + "?uploads", want: "CreateMultipartUpload", key: objectKey, checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}}},
	{name: "UploadPart", method: "PUT", target: objectPath + "?partNumber=3&uploadId=VXBsb2Fk", want: "UploadPart", key: objectKey, checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}}},
	{name: "CompleteMultipartUpload", method: "POST", target: objectPath + "?uploadId=VXBsb2Fk", want: "CompleteMultipartUpload", key: objectKey, checks: []iam.Check{{Action: "s3:PutObject", Resource: objectARN}}},
	{name: "AbortMultipartUpload", method: "DELETE", target: objectPath + "?uploadId=VXBsb2Fk", want: "AbortMultipartUpload", key: objectKey, checks: []iam.Check{{Action: "s3:AbortMultipartUpload", Resource: objectARN}}},
	{name: "ListParts", method: "GET", target: objectPath + "?uploadId=VXBsb2Fk", want: "ListParts", key: objectKey, checks: []iam.Check{{Action: "s3:ListMultipartUploadParts", Resource: objectARN}}},
	{name: "GetObject", method: "GET", target: objectPath + "", want: "GetObject", key: objectKey, checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}}},
	{name: "GetObject/version", method: "GET", target: objectPath + "?versionId=3HL4kqtJ", want: "GetObject", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:GetObjectVersion", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "HeadObject", method: "HEAD", target: objectPath + "", want: "HeadObject", key: objectKey, checks: []iam.Check{{Action: "s3:GetObject", Resource: objectARN}}},
	{name: "HeadObject/version", method: "HEAD", target: objectPath + "?versionId=3HL4kqtJ", want: "HeadObject", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:GetObjectVersion", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "DeleteObject", method: "DELETE", target: objectPath + "", want: "DeleteObject", key: objectKey, checks: []iam.Check{{Action: "s3:DeleteObject", Resource: objectARN}}},
	{name: "DeleteObject/version", method: "DELETE", target: objectPath + "?versionId=3HL4kqtJ", want: "DeleteObject", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:DeleteObjectVersion", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "GetObjectAcl", method: "GET", target: objectPath + "?acl", want: "GetObjectAcl", key: objectKey, checks: []iam.Check{{Action: "s3:GetObjectAcl", Resource: objectARN}}},
	{name: "GetObjectAcl/version", method: "GET", target: objectPath + "?acl&versionId=3HL4kqtJ", want: "GetObjectAcl", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:GetObjectVersionAcl", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "PutObjectAcl", method: "PUT", target: objectPath + "?acl", want: "PutObjectAcl", key: objectKey, checks: []iam.Check{{Action: "s3:PutObjectAcl", Resource: objectARN}}},
	{name: "PutObjectAcl/version", method: "PUT", target: objectPath + "?acl&versionId=3HL4kqtJ", want: "PutObjectAcl", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:PutObjectVersionAcl", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "GetObjectTagging", method: "GET", target: objectPath + "?tagging", want: "GetObjectTagging", key: objectKey, checks: []iam.Check{{Action: "s3:GetObjectTagging", Resource: objectARN}}},
	{name: "GetObjectTagging/version", method: "GET", target: objectPath + "?tagging&versionId=3HL4kqtJ", want: "GetObjectTagging", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:GetObjectVersionTagging", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "PutObjectTagging", method: "PUT", target: objectPath + "?tagging", want: "PutObjectTagging", key: objectKey, checks: []iam.Check{{Action: "s3:PutObjectTagging", Resource: objectARN}}},
	{name: "PutObjectTagging/version", method: "PUT", target: objectPath + "?tagging&versionId=3HL4kqtJ", want: "PutObjectTagging", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:PutObjectVersionTagging", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "DeleteObjectTagging", method: "DELETE", target: objectPath + "?tagging", want: "DeleteObjectTagging", key: objectKey, checks: []iam.Check{{Action: "s3:DeleteObjectTagging", Resource: objectARN}}},
	{name: "DeleteObjectTagging/version", method: "DELETE", target: objectPath + "?tagging&versionId=3HL4kqtJ", want: "DeleteObjectTagging", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:DeleteObjectVersionTagging", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
	{name: "GetObjectTorrent", method: "GET", target: objectPath + "?torrent", want: "GetObjectTorrent", key: objectKey, checks: []iam.Check{{Action: "s3:GetObjectTorrent", Resource: objectARN}}},
	{name: "GetObjectTorrent/version", method: "GET", target: objectPath + "?torrent&versionId=3HL4kqtJ", want: "GetObjectTorrent", key: objectKey, version: "3HL4kqtJ", checks: []iam.Check{{Action: "s3:GetObjectVersionTorrent", Resource: objectARN}}, keys: []iam.ConditionKey{{Name: "s3:VersionId", Values: []string{"3HL4kqtJ"}}}},
}

var testOpts = &iam.ClassifyOptions{Domains: []string{testDomain}}

// newCaseRequest builds tc's request, virtual-hosted-style when vhost.
func newCaseRequest(t testing.TB, tc classifyCase, vhost bool) *http.Request {
	t.Helper()
	target, host := tc.target, "localhost:9000"
	if vhost {
		host = testDomain
		if rest, ok := strings.CutPrefix(target, "/examplebucket"); ok {
			host = "examplebucket." + testDomain + ":9000"
			if rest == "" || rest[0] == '?' {
				rest = "/" + rest
			}
			target = rest
		}
	}
	r := httptest.NewRequest(tc.method, target, nil)
	r.Host = host
	for k, v := range tc.header {
		r.Header.Set(k, v)
	}
	return r
}

func TestClassifyS3Request(t *testing.T) {
	t.Parallel()
	for _, tc := range classifyCases {
		for _, style := range []string{"path", "virtual"} {
			t.Run(tc.name+"/"+style, func(t *testing.T) {
				t.Parallel()
				r := newCaseRequest(t, tc, style == "virtual")
				op, err := iam.ClassifyS3Request(r, testOpts)
				if err != nil {
					t.Fatalf("ClassifyS3Request(%s %s): %v", tc.method, tc.target, err)
				}
				wantBucket := "examplebucket"
				if tc.want == "ListBuckets" {
					wantBucket = ""
				}
				if op.Name != tc.want || op.Bucket != wantBucket || op.Key != tc.key || op.VersionID != tc.version {
					t.Errorf("got (%q, bucket %q, key %q, version %q), want (%q, %q, %q, %q)",
						op.Name, op.Bucket, op.Key, op.VersionID, tc.want, wantBucket, tc.key, tc.version)
				}
				if !equalChecks(op.Checks, tc.checks) {
					t.Errorf("Checks = %v, want %v", op.Checks, tc.checks)
				}
				if !equalKeys(op.Keys, tc.keys) {
					t.Errorf("Keys = %v, want %v", op.Keys, tc.keys)
				}
				if !slices.Equal(op.PerKey, tc.perKey) {
					t.Errorf("PerKey = %v, want %v", op.PerKey, tc.perKey)
				}
				if len(op.Checks) == 0 && len(op.PerKey) == 0 {
					t.Errorf("operation has neither Checks nor PerKey")
				}
			})
		}
	}
}

func equalChecks(a, b []iam.Check) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func equalKeys(a, b []iam.ConditionKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Values, b[i].Values) {
			return false
		}
	}
	return true
}

// TestClassifyCoversCatalog fails when an operation of the catalog has no
// case in classifyCases, or a case names an operation the catalog lacks.
func TestClassifyCoversCatalog(t *testing.T) {
	t.Parallel()
	names := iam.OperationNames()
	if len(names) < 80 {
		t.Errorf("OperationNames() lists %d operations, want at least 80", len(names))
	}
	tested := map[string]bool{}
	for _, tc := range classifyCases {
		tested[tc.want] = true
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("OperationNames() lists %q twice", n)
		}
		seen[n] = true
		if !tested[n] {
			t.Errorf("operation %q has no case in classifyCases", n)
		}
	}
	for n := range tested {
		if !seen[n] {
			t.Errorf("classifyCases tests %q, which OperationNames() does not list", n)
		}
	}
}

func TestClassifyUnknownOperation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target string
		header               map[string]string
		sub                  string // want SubResource
		code                 string
	}{
		{name: "PATCH", method: "PATCH", target: objectPath, code: "MethodNotAllowed"},
		{name: "lower-case get", method: "get", target: objectPath, code: "MethodNotAllowed"},
		{name: "OPTIONS", method: "OPTIONS", target: objectPath, code: "MethodNotAllowed"},
		{name: "PUT service", method: "PUT", target: "/", code: "NotImplemented"},
		{name: "POST service (STS)", method: "POST", target: "/", code: "NotImplemented"},
		{name: "service sub-resource", method: "GET", target: "/?acl", sub: "acl", code: "NotImplemented"},
		{name: "unknown parameter", method: "GET", target: objectPath + "?foo=bar", sub: "foo", code: "NotImplemented"},
		{name: "case matters", method: "GET", target: "/examplebucket?ACL", sub: "ACL", code: "NotImplemented"},
		{name: "unsupported session", method: "GET", target: "/examplebucket?session", sub: "session", code: "NotImplemented"},
		{name: "unsupported metadataTable", method: "POST", target: "/examplebucket?metadataTable", sub: "metadataTable", code: "NotImplemented"},
		{name: "unsupported renameObject", method: "PUT", target: objectPath + "?renameObject", sub: "renameObject", code: "NotImplemented"},
		{name: "two sub-resources", method: "GET", target: "/examplebucket?acl&policy", sub: "policy", code: "NotImplemented"},
		{name: "bucket sub-resource on object", method: "GET", target: objectPath + "?policy", sub: "policy", code: "NotImplemented"},
		{name: "object sub-resource on bucket", method: "GET", target: "/examplebucket?retention", sub: "retention", code: "NotImplemented"},
		{name: "wrong method for sub-resource", method: "DELETE", target: "/examplebucket?location", sub: "location", code: "NotImplemented"},
		{name: "HEAD with sub-resource", method: "HEAD", target: "/examplebucket?acl", sub: "acl", code: "NotImplemented"},
		{name: "list-type 1", method: "GET", target: "/examplebucket?list-type=1", sub: "list-type", code: "NotImplemented"},
		{name: "list-type on object", method: "GET", target: objectPath + "?list-type=2", sub: "list-type", code: "NotImplemented"},
		{name: "uploadId on bucket", method: "GET", target: "/examplebucket?uploadId=x", sub: "uploadId", code: "NotImplemented"},
		{name: "uploadId with acl", method: "GET", target: objectPath + "?acl&uploadId=x", sub: "uploadId", code: "NotImplemented"},
		{name: "partNumber without uploadId", method: "PUT", target: objectPath + "?partNumber=1", sub: "uploadId", code: "NotImplemented"},
		{name: "uploadId without partNumber", method: "PUT", target: objectPath + "?uploadId=x", sub: "uploadId", code: "NotImplemented"},
		{name: "HEAD with uploadId", method: "HEAD", target: objectPath + "?uploadId=x", sub: "uploadId", code: "NotImplemented"},
		{name: "POST object", method: "POST", target: objectPath, code: "NotImplemented"},
		{name: "POST bucket without form", method: "POST", target: "/examplebucket", header: map[string]string{"Content-Type": "application/xml"}, code: "NotImplemented"},
		{name: "select without select-type", method: "POST", target: objectPath + "?select", sub: "select", code: "NotImplemented"},
		{name: "select-type alone", method: "POST", target: objectPath + "?select-type=2", sub: "select-type", code: "NotImplemented"},
		{name: "put analytics without id", method: "PUT", target: "/examplebucket?analytics", sub: "analytics", code: "NotImplemented"},
		{name: "delete metrics without id", method: "DELETE", target: "/examplebucket?metrics", sub: "metrics", code: "NotImplemented"},
		{name: "id elsewhere", method: "GET", target: "/examplebucket?acl&id=1", sub: "id", code: "NotImplemented"},
		{name: "x-id mismatch", method: "GET", target: "/?x-id=ListDirectoryBuckets", sub: "x-id", code: "NotImplemented"},
		{name: "x-id of another op", method: "GET", target: objectPath + "?x-id=PutObject", sub: "x-id", code: "NotImplemented"},
		{name: "object encryption", method: "PUT", target: objectPath + "?encryption", sub: "encryption", code: "NotImplemented"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.target, nil)
			r.Method = tc.method
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			op, err := iam.ClassifyS3Request(r, nil)
			var u *iam.UnknownOperationError
			if !errors.As(err, &u) {
				t.Fatalf("got (%+v, %v), want *UnknownOperationError", op, err)
			}
			if op != nil {
				t.Errorf("got an operation with the error: %+v", op)
			}
			if u.SubResource != tc.sub || u.S3Code() != tc.code || u.Method != tc.method {
				t.Errorf("got SubResource %q code %q method %q, want %q %q %q (%v)", u.SubResource, u.S3Code(), u.Method, tc.sub, tc.code, tc.method, err)
			}
			if wantStatus := map[string]int{"MethodNotAllowed": 405, "NotImplemented": 501}[tc.code]; u.HTTPStatus() != wantStatus {
				t.Errorf("HTTPStatus() = %d, want %d", u.HTTPStatus(), wantStatus)
			}
			if !strings.HasPrefix(err.Error(), "iam: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestClassifyRequestErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 1025)
	tests := []struct {
		name, method, target string
		header               map[string]string
		code                 string
	}{
		{name: "bucket too short", method: "GET", target: "/ab", code: "InvalidBucketName"},
		{name: "bucket too long", method: "GET", target: "/" + strings.Repeat("b", 64), code: "InvalidBucketName"},
		{name: "bucket upper case", method: "GET", target: "/ExampleBucket", code: "InvalidBucketName"},
		{name: "bucket underscore", method: "GET", target: "/example_bucket", code: "InvalidBucketName"},
		{name: "bucket adjacent dots", method: "GET", target: "/example..bucket", code: "InvalidBucketName"},
		{name: "bucket leading hyphen", method: "GET", target: "/-examplebucket", code: "InvalidBucketName"},
		{name: "bucket trailing dot", method: "GET", target: "/examplebucket.", code: "InvalidBucketName"},
		{name: "bucket IP address", method: "GET", target: "/192.168.5.4", code: "InvalidBucketName"},
		{name: "bucket xn-- prefix", method: "GET", target: "/xn--bucket", code: "InvalidBucketName"},
		{name: "bucket -s3alias suffix", method: "GET", target: "/bucket-s3alias", code: "InvalidBucketName"},
		{name: "bucket with encoded slash", method: "GET", target: "/example%2Fbucket/key", code: "InvalidBucketName"},
		{name: "no bucket but a key", method: "GET", target: "//key", code: "InvalidBucketName"},
		{name: "key too long", method: "GET", target: "/examplebucket/" + long, code: "KeyTooLongError"},
		{name: "key not UTF-8", method: "GET", target: "/examplebucket/a%FFb", code: "InvalidURI"},
		{name: "repeated versionId", method: "GET", target: objectPath + "?versionId=a&versionId=b", code: "InvalidArgument"},
		{name: "repeated prefix", method: "GET", target: "/examplebucket?prefix=a&prefix=b", code: "InvalidArgument"},
		{name: "empty versionId", method: "GET", target: objectPath + "?versionId=", code: "InvalidArgument"},
		{name: "bad versionId escape", method: "GET", target: objectPath + "?versionId=%zz", code: "InvalidArgument"},
		{name: "bad parameter name escape", method: "GET", target: objectPath + "?%zz", code: "InvalidURI"},
		{name: "max-keys not a number", method: "GET", target: "/examplebucket?max-keys=-1", code: "InvalidArgument"},
		{name: "copy source without key", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket"}, code: "InvalidArgument"},
		{name: "copy source bad bucket", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/SRC/key"}, code: "InvalidBucketName"},
		{name: "copy source access point", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/k"}, code: "InvalidArgument"},
		{name: "copy source other parameter", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/k?acl"}, code: "InvalidArgument"},
		{name: "copy source empty version", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/k?versionId="}, code: "InvalidArgument"},
		{name: "copy source bad escape", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/%zz"}, code: "InvalidArgument"},
		{name: "copy source key too long", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Copy-Source": "/srcbucket/" + long}, code: "KeyTooLongError"},
		{name: "tagging duplicate key", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Tagging": "a=1&a=2"}, code: "InvalidTag"},
		{name: "tagging empty key", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Tagging": "=1"}, code: "InvalidTag"},
		{name: "tagging bad escape", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Tagging": "a=%zz"}, code: "InvalidTag"},
		{name: "tagging eleven tags", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Tagging": "a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1"}, code: "InvalidTag"},
		{name: "tagging long value", method: "PUT", target: objectPath, header: map[string]string{"X-Amz-Tagging": "a=" + strings.Repeat("v", 257)}, code: "InvalidTag"},
		{name: "header and hoisted header disagree", method: "PUT", target: objectPath + "?x-amz-acl=public-read", header: map[string]string{"X-Amz-Acl": "private"}, code: "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			op, err := iam.ClassifyS3Request(r, nil)
			var re *iam.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("got (%+v, %v), want *RequestError %s", op, err, tc.code)
			}
			if re.S3Code() != tc.code || re.HTTPStatus() != http.StatusBadRequest {
				t.Errorf("got %s/%d, want %s/400: %v", re.S3Code(), re.HTTPStatus(), tc.code, err)
			}
			if !strings.HasPrefix(err.Error(), "iam: "+tc.code+": ") {
				t.Errorf("error %q does not start with the package name and code", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d bytes long; hostile input must not make errors huge", len(err.Error()))
			}
		})
	}
}

func TestClassifyRepeatedHeader(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("PUT", objectPath, nil)
	r.Header.Add("X-Amz-Acl", "private")
	r.Header.Add("X-Amz-Acl", "public-read")
	_, err := iam.ClassifyS3Request(r, nil)
	var re *iam.RequestError
	if !errors.As(err, &re) || re.Code != "InvalidArgument" {
		t.Fatalf("got %v, want InvalidArgument for a repeated x-amz-acl", err)
	}
}

func TestClassifyPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target, host string
		opts               *iam.ClassifyOptions
		bucket, key        string
		resource           string
	}{
		{name: "encoded slash is a key byte", target: "/examplebucket/a%2Fb", bucket: "examplebucket", key: "a/b"},
		{name: "double slash", target: "/examplebucket//a//b", bucket: "examplebucket", key: "/a//b"},
		{name: "dot dot", target: "/examplebucket/a/../b", bucket: "examplebucket", key: "a/../b"},
		{name: "plus stays plus", target: "/examplebucket/a+b", bucket: "examplebucket", key: "a+b"},
		{name: "space", target: "/examplebucket/a%20b", bucket: "examplebucket", key: "a b"},
		{name: "unicode", target: "/examplebucket/%E6%97%A5%E6%9C%AC", bucket: "examplebucket", key: "日本"},
		{name: "wildcards are literal", target: "/examplebucket/*?x", bucket: "examplebucket", key: "*", resource: bucketARN + "/*"},
		{name: "virtual host", target: "/a%2Fb", host: "examplebucket.s3.example.com", bucket: "examplebucket", key: "a/b"},
		{name: "virtual host with dots", target: "/k", host: "my.bucket.s3.example.com:443", bucket: "my.bucket", key: "k"},
		{name: "virtual host upper case", target: "/k", host: "ExampleBucket.S3.Example.COM", bucket: "examplebucket", key: "k"},
		{name: "virtual host trailing dot", target: "/k", host: "examplebucket.s3.example.com.", bucket: "examplebucket", key: "k"},
		{name: "domain itself is path-style", target: "/examplebucket/k", host: "s3.example.com", bucket: "examplebucket", key: "k"},
		{name: "other host is path-style", target: "/examplebucket/k", host: "other.example.org", bucket: "examplebucket", key: "k"},
		{name: "IPv6 host is path-style", target: "/examplebucket/k", host: "[::1]:9000", bucket: "examplebucket", key: "k"},
		{name: "longest domain wins", target: "/k", host: "b1b.s3.example.com",
			opts: &iam.ClassifyOptions{Domains: []string{"example.com", ".s3.example.com."}}, bucket: "b1b", key: "k"},
		{name: "partition", target: "/examplebucket/k", opts: &iam.ClassifyOptions{Partition: "aws-cn"},
			bucket: "examplebucket", key: "k", resource: "arn:aws-cn:s3:::examplebucket/k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", strings.Replace(tc.target, "?x", "", 1), nil)
			if tc.host != "" {
				r.Host = tc.host
			}
			opts := tc.opts
			if opts == nil {
				opts = testOpts
			}
			op, err := iam.ClassifyS3Request(r, opts)
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != "GetObject" || op.Bucket != tc.bucket || op.Key != tc.key {
				t.Errorf("got %s %q %q, want GetObject %q %q", op.Name, op.Bucket, op.Key, tc.bucket, tc.key)
			}
			want := tc.resource
			if want == "" {
				want = "arn:aws:s3:::" + tc.bucket + "/" + tc.key
			}
			if op.Checks[0].Resource != want {
				t.Errorf("resource %q, want %q", op.Checks[0].Resource, want)
			}
		})
	}
}

func TestClassifyBadPartition(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", objectPath, nil)
	if _, err := iam.ClassifyS3Request(r, &iam.ClassifyOptions{Partition: "AWS:evil"}); err == nil || !strings.Contains(err.Error(), "Partition") {
		t.Errorf("got %v, want an error naming the Partition option", err)
	}
	if _, err := iam.ClassifyS3Request(nil, nil); err == nil {
		t.Error("a nil request classified without error")
	}
}

func TestClassifyIgnoreParameters(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", objectPath+"?t=12345", nil)
	if _, err := iam.ClassifyS3Request(r, nil); err == nil {
		t.Fatal("an unknown parameter classified without IgnoreParameters")
	}
	op, err := iam.ClassifyS3Request(r, &iam.ClassifyOptions{IgnoreParameters: []string{"t"}})
	if err != nil || op.Name != "GetObject" {
		t.Fatalf("got (%v, %v), want GetObject", op, err)
	}
}

// TestClassifySpoofing checks that headers and query parameters named like
// condition keys never become condition keys, and that no key is ever in
// the aws: namespace or a server fact.
func TestClassifySpoofing(t *testing.T) {
	t.Parallel()
	spoofHeaders := map[string]string{
		"aws:username": "root", "Aws-Username": "root", "s3:prefix": "home/", "S3-Prefix": "home/",
		"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Prefix": "home/", "X-Amz-Max-Keys": "1",
		"Aws-Sourceip": "10.0.0.1", "X-Forwarded-For": "10.0.0.1", "S3-Authtype": "POST",
		"X-Amz-Signature-Version": "AWS", "X-Amz-Existing-Object-Tag": "a=b",
	}
	spoofParams := "aws%3Ausername=root&s3%3Aprefix=x&aws:SourceIp=1.2.3.4&s3:authType=POST&x-amz-content-sha256=UNSIGNED-PAYLOAD"
	ignore := []string{"aws:username", "s3:prefix", "aws:SourceIp", "s3:authType"}
	for _, tc := range classifyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spoofed := tc
			sep := "?"
			if strings.Contains(tc.target, "?") {
				sep = "&"
			}
			spoofed.target = tc.target + sep + spoofParams
			r := newCaseRequest(t, spoofed, false)
			for k, v := range spoofHeaders {
				r.Header[k] = []string{v}
			}
			// Without IgnoreParameters the spoofed parameters are unknown.
			var u *iam.UnknownOperationError
			if _, err := iam.ClassifyS3Request(r, nil); !errors.As(err, &u) {
				t.Fatalf("spoofed parameters accepted: %v", err)
			}
			op, err := iam.ClassifyS3Request(r, &iam.ClassifyOptions{IgnoreParameters: ignore})
			if err != nil {
				t.Fatal(err)
			}
			if !equalKeys(op.Keys, tc.keys) {
				t.Errorf("spoofing changed the keys: got %v, want %v", op.Keys, tc.keys)
			}
			for _, k := range op.Keys {
				lk := strings.ToLower(k.Name)
				if !strings.HasPrefix(lk, "s3:") {
					t.Errorf("key %q is not in the s3: namespace", k.Name)
				}
				switch lk {
				case "s3:authtype", "s3:signatureversion", "s3:signatureage", "s3:x-amz-content-sha256", "s3:tlsversion", "s3:resourceaccount":
					t.Errorf("key %q is a server fact", k.Name)
				}
			}
		})
	}
}

func TestOperationKeyChecks(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/examplebucket?delete", nil)
	r.Header.Set("X-Amz-Bypass-Governance-Retention", "true")
	op, err := iam.ClassifyS3Request(r, &iam.ClassifyOptions{Partition: "aws-cn"})
	if err != nil {
		t.Fatal(err)
	}
	const res = "arn:aws-cn:s3:::examplebucket/logs/1"
	got, err := op.KeyChecks("logs/1", "")
	want := []iam.Check{{Action: "s3:DeleteObject", Resource: res}, {Action: "s3:BypassGovernanceRetention", Resource: res}}
	if err != nil || !equalChecks(got, want) {
		t.Errorf("KeyChecks(logs/1) = %v, %v; want %v", got, err, want)
	}
	got, err = op.KeyChecks("logs/1", "v7")
	want[0].Action = "s3:DeleteObjectVersion"
	if err != nil || !equalChecks(got, want) {
		t.Errorf("KeyChecks(logs/1, v7) = %v, %v; want %v", got, err, want)
	}
	var re *iam.RequestError
	if _, err := op.KeyChecks(strings.Repeat("k", 1025), ""); !errors.As(err, &re) || re.Code != "KeyTooLongError" {
		t.Errorf("KeyChecks(long key) error = %v, want KeyTooLongError", err)
	}
	if _, err := op.KeyChecks("", ""); !errors.As(err, &re) {
		t.Errorf("KeyChecks(empty key) error = %v, want a RequestError", err)
	}
	if c := op.ObjectCheck("x", "s3:GetObject"); c != (iam.Check{Action: "s3:GetObject", Resource: "arn:aws-cn:s3:::examplebucket/x"}) {
		t.Errorf("ObjectCheck = %v", c)
	}

	get, err := iam.ClassifyS3Request(httptest.NewRequest("GET", objectPath, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := get.KeyChecks("k", ""); got != nil || err != nil {
		t.Errorf("KeyChecks on GetObject = %v, %v; want nil, nil", got, err)
	}
}

func TestOperationNamesIsACopy(t *testing.T) {
	t.Parallel()
	a := iam.OperationNames()
	a[0] = "Mutated"
	if b := iam.OperationNames(); b[0] == "Mutated" {
		t.Error("OperationNames returns shared storage")
	}
}
