package iam_test

import (
	"fmt"
	"net/netip"

	"github.com/s3auth/s3auth/iam"
)

func ExampleParse() {
	_, err := iam.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqual":{"s3:prefix":"x"}}}]}`))
	fmt.Println(err)
	// Output:
	// iam: invalid policy at Statement[0].Condition.StringEqual: unknown condition operator "StringEqual"; supported operators are StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals, DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan, DateGreaterThanEquals, Bool, BinaryEquals, IpAddress, NotIpAddress, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike, Null, each (but Null) with an optional IfExists suffix and ForAnyValue:/ForAllValues: prefix
}

func ExampleEvaluate() {
	policy, err := iam.Parse([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"},
	    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
	     "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
	  ]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "home", Policy: policy}}}
	ctx := &iam.Context{Username: "alice", SourceIP: netip.MustParseAddr("192.0.2.1")}

	for _, r := range []iam.Request{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/notes.txt", Context: ctx},
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/bob/notes.txt", Context: ctx},
		{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::home/alice/notes.txt", Context: ctx},
	} {
		fmt.Println(r.Action, r.Resource, iam.Evaluate(&r, set))
	}
	// Output:
	// s3:GetObject arn:aws:s3:::home/alice/notes.txt allowed
	// s3:GetObject arn:aws:s3:::home/bob/notes.txt implicitDeny
	// s3:DeleteObject arn:aws:s3:::home/alice/notes.txt explicitDeny
}

func ExampleExplain() {
	policy, _ := iam.Parse([]byte(`{"Version":"2012-10-17","Statement":[
	  {"Sid":"ListHome","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
	   "Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}]}`))
	ctx := &iam.Context{Username: "alice"}
	ctx.Set("s3:prefix", "home/bob/")
	d, trace := iam.Explain(&iam.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: ctx},
		&iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "home", Policy: policy}}})
	fmt.Println(d)
	fmt.Print(trace)
	// Output:
	// implicitDeny
	// decision: implicitDeny — no identity policy statement allows s3:ListBucket on arn:aws:s3:::b
	// request: s3:ListBucket on arn:aws:s3:::b
	// identity policy "home": does not apply
	//   [0] "ListHome" Allow does not apply: action s3:ListBucket matches "s3:ListBucket"; resource matches "arn:aws:s3:::b"
	//       StringLike s3:prefix = false: request value ["home/bob/"] of s3:prefix does not satisfy StringLike ["home/${aws:username}/*"]
}

func ExampleCanned() {
	p, doc, _ := iam.Canned("writeonly")
	fmt.Println(string(doc))
	d := iam.Evaluate(&iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"},
		&iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "writeonly", Policy: p}}})
	fmt.Println(d)
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Sid":"WriteObjects","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::*/*"}]}
	// implicitDeny
}

func ExampleContext_Set() {
	var ctx iam.Context
	fmt.Println(ctx.Set("s3:prefix", "photos/"))
	fmt.Println(ctx.Set("aws:username", "root")) // a server fact: refused
	// Output:
	// true
	// false
}

func ExamplePolicy_MarshalJSON() {
	p, _ := iam.Parse([]byte(`{ "Statement": { "Effect": "Allow", "Action": [ "s3:GetObject" ], "Resource": "arn:aws:s3:::b/*" } }`))
	b, _ := p.MarshalJSON()
	fmt.Println(string(b), p.Size())
	// Output:
	// {"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}} 88
}
