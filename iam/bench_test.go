package iam_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

// typicalPolicy is the policy of issue #4.
const typicalPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::examplebucket"],"Condition":{"StringLike":{"s3:prefix":["home/alice/*"]}}},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::examplebucket/home/alice/*"]},{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::examplebucket/home/alice/secret/*"]},{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::public/*"],"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}]}`

func BenchmarkEvaluate_Typical(b *testing.B) {
	p := mustParse(b, typicalPolicy)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "home", Policy: p}}}
	req := &iam.Request{
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::examplebucket/home/alice/notes/2026.txt",
		Context:  &iam.Context{Username: "alice", SourceIP: netip.MustParseAddr("10.1.2.3"), CurrentTime: now},
	}
	if d := iam.Evaluate(req, set); d != iam.Allowed {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		if iam.Evaluate(req, set) != iam.Allowed {
			b.Fatal("not allowed")
		}
	}
}

// manyPolicies builds n policies of m statements each, over a mix of
// actions, buckets, wildcards, denies and conditions.
func manyPolicies(b testing.TB, n, m int) []iam.NamedPolicy {
	actions := []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectTagging",
		"s3:PutObjectTagging", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload",
		"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:GetObjectVersion", "s3:DeleteObjectVersion", "s3:Get*", "s3:List*"}
	var out []iam.NamedPolicy
	for i := 0; i < n; i++ {
		var sts []string
		for j := 0; j < m; j++ {
			effect := "Allow"
			if j%7 == 6 {
				effect = "Deny"
			}
			a := actions[(i+j)%len(actions)]
			cond := ""
			if j%5 == 4 {
				cond = `,"Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}`
			}
			sts = append(sts, fmt.Sprintf(`{"Effect":%q,"Action":%q,"Resource":"arn:aws:s3:::bucket-%d/team-%d/*"%s}`, effect, a, i, j, cond))
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
		p, err := iam.Parse([]byte(doc), iam.WithMaxSize(-1))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, iam.NamedPolicy{Name: fmt.Sprint("policy-", i), Policy: p})
	}
	return out
}

func BenchmarkEvaluate_100Policies(b *testing.B) {
	set := &iam.PolicySet{Identity: manyPolicies(b, 100, 20)}
	req := &iam.Request{
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::bucket-42/team-1/report.csv",
		Context:  &iam.Context{Username: "alice", SourceIP: netip.MustParseAddr("10.1.2.3"), CurrentTime: now},
	}
	if d := iam.Evaluate(req, set); d != iam.Allowed {
		_, tr := iam.Explain(req, set)
		b.Fatalf("decision %v: %s", d, tr.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		if iam.Evaluate(req, set) != iam.Allowed {
			b.Fatal("not allowed")
		}
	}
}

// policy2KB is a realistic policy of about 2 KB.
var policy2KB = func() string {
	var sts []string
	sts = append(sts, `{"Sid":"ListHome","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::examplebucket","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]},"StringEquals":{"s3:delimiter":"/"}}}`)
	sts = append(sts, `{"Sid":"RWHome","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:GetObjectTagging","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::examplebucket/home/${aws:username}/*"}`)
	sts = append(sts, `{"Sid":"DenySecret","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::examplebucket/*/secret/*"}`)
	sts = append(sts, `{"Sid":"Office","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}`)
	sts = append(sts, `{"Sid":"RequireTLS","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)
	sts = append(sts, `{"Sid":"RequireSSE","Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::examplebucket/*","Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":["AES256","aws:kms"]}}}`)
	sts = append(sts, `{"Sid":"Window","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::archive/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}}`)
	sts = append(sts, `{"Sid":"Tags","Effect":"Allow","Action":"s3:PutObjectTagging","Resource":"arn:aws:s3:::examplebucket/*","Condition":{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["team","project"]}}}`)
	sts = append(sts, `{"Sid":"MaxKeys","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::archive","Condition":{"NumericLessThanEquals":{"s3:max-keys":"1000"}}}`)
	sts = append(sts, `{"Sid":"Buckets","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"}`)
	sts = append(sts, `{"Sid":"NoUnsigned","Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:x-amz-content-sha256":"UNSIGNED-PAYLOAD"}}}`)
	sts = append(sts, `{"Sid":"Shared","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}}`)
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}()

func BenchmarkParse_2KB(b *testing.B) {
	doc := []byte(policy2KB)
	size, _ := iam.PackedSize(doc)
	if size > 2048 || size < 1800 {
		b.Fatalf("policy is %d bytes, want about 2 KB", size)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iam.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackedSize_2KB measures one pass over the policy of
// BenchmarkParse_2KB: a same-run yardstick for Parse on a loaded machine.
func BenchmarkPackedSize_2KB(b *testing.B) {
	doc := []byte(policy2KB)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iam.PackedSize(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExplain_Typical(b *testing.B) {
	p := mustParse(b, typicalPolicy)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "home", Policy: p}}}
	req := &iam.Request{
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::examplebucket/home/alice/notes/2026.txt",
		Context:  &iam.Context{Username: "alice", SourceIP: netip.MustParseAddr("10.1.2.3"), CurrentTime: now},
	}
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := iam.Explain(req, set); d != iam.Allowed {
			b.Fatal("not allowed")
		}
	}
}
