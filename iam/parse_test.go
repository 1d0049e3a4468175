package iam_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[` + body + `]}`
}

const okStmt = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`

type parseErrCase struct {
	name     string
	doc      string
	resource bool
	path     string // expected ParseError.Path
	msg      string // substring of the message
}

var parseErrCases = []parseErrCase{
	{name: "not JSON", doc: `{"Version":`, msg: "unexpected end"},
	{name: "not an object", doc: `[]`, msg: "must be a JSON object"},
	{name: "trailing data", doc: stmt(okStmt) + `{}`, msg: "after the end"},
	{name: "invalid UTF-8", doc: "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"\xff\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", msg: "UTF-8"},
	{name: "lone surrogate", doc: stmt(`{"Sid":"\ud800","Effect":"Allow","Action":"s3:*","Resource":"*"}`), msg: "surrogate"},
	{name: "bad escape", doc: stmt(`{"Sid":"\x","Effect":"Allow","Action":"s3:*","Resource":"*"}`), msg: "invalid escape"},
	{name: "leading zero", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":01}}}`), msg: "leading zero"},
	{name: "duplicate top-level key", doc: `{"Version":"2012-10-17","Version":"2012-10-17","Statement":[` + okStmt + `]}`, msg: `duplicate key "Version"`},
	{name: "duplicate statement key", doc: stmt(`{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}`), msg: `duplicate key "Effect"`},
	{name: "duplicate condition key", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a","s3:prefix":"b"}}}`), msg: `duplicate key "s3:prefix"`},
	{name: "duplicate operator", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a"},"StringEquals":{"s3:delimiter":"/"}}}`), msg: `duplicate key "StringEquals"`},
	{name: "duplicate principal type", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{"AWS":"*","AWS":"*"},"Action":"s3:*","Resource":"*"}`), msg: `duplicate key "AWS"`},
	{name: "deep nesting", doc: `{"Statement":[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]}`, msg: "nested deeper"},
	{name: "unknown top-level field", doc: `{"version":"2012-10-17","Statement":[` + okStmt + `]}`, path: "version", msg: `did you mean "Version"`},
	{name: "unknown statement field", doc: stmt(`{"Effect":"Allow","Actions":"s3:*","Resource":"*"}`), path: "Statement[0].Actions", msg: "unknown field"},
	{name: "bad version", doc: `{"Version":"2012-10-18","Statement":[` + okStmt + `]}`, path: "Version", msg: "2012-10-17"},
	{name: "version not a string", doc: `{"Version":2012,"Statement":[` + okStmt + `]}`, path: "Version"},
	{name: "no statement", doc: `{"Version":"2012-10-17"}`, msg: `missing "Statement"`},
	{name: "empty statement list", doc: `{"Version":"2012-10-17","Statement":[]}`, path: "Statement", msg: "empty"},
	{name: "statement is a string", doc: `{"Statement":"x"}`, path: "Statement"},
	{name: "statement element not an object", doc: stmt(okStmt + `,"x"`), path: "Statement[1]"},
	{name: "missing effect", doc: stmt(`{"Action":"s3:*","Resource":"*"}`), path: "Statement[0]", msg: `missing "Effect"`},
	{name: "unknown effect", doc: stmt(`{"Effect":"Permit","Action":"s3:*","Resource":"*"}`), path: "Statement[0].Effect"},
	{name: "effect case", doc: stmt(`{"Effect":"allow","Action":"s3:*","Resource":"*"}`), path: "Statement[0].Effect", msg: "case-sensitive"},
	{name: "missing action", doc: stmt(`{"Effect":"Allow","Resource":"*"}`), path: "Statement[0]", msg: `missing "Action"`},
	{name: "action and notaction", doc: stmt(`{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}`), path: "Statement[0].NotAction", msg: "not both"},
	{name: "missing resource", doc: stmt(`{"Effect":"Allow","Action":"s3:*"}`), path: "Statement[0]", msg: `missing "Resource"`},
	{name: "resource and notresource", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}`), path: "Statement[0].NotResource"},
	{name: "action without service", doc: stmt(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), path: "Statement[0].Action", msg: "malformed action"},
	{name: "action with space", doc: stmt(`{"Effect":"Allow","Action":["s3:GetObject","s3:Get Object"],"Resource":"*"}`), path: "Statement[0].Action[1]", msg: "malformed action"},
	{name: "action wildcard service", doc: stmt(`{"Effect":"Allow","Action":"*:GetObject","Resource":"*"}`), path: "Statement[0].Action", msg: "malformed action"},
	{name: "action empty", doc: stmt(`{"Effect":"Allow","Action":"","Resource":"*"}`), path: "Statement[0].Action", msg: "empty"},
	{name: "action empty array", doc: stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), path: "Statement[0].Action", msg: "empty array"},
	{name: "action number", doc: stmt(`{"Effect":"Allow","Action":[1],"Resource":"*"}`), path: "Statement[0].Action[0]", msg: "must be a string"},
	{name: "resource not an ARN", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"}`), path: "Statement[0].Resource", msg: "malformed ARN"},
	{name: "resource too few components", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3::bucket"}`), path: "Statement[0].Resource", msg: "malformed ARN"},
	{name: "resource wildcard service", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s*:::b"}`), path: "Statement[0].Resource", msg: "service"},
	{name: "resource empty resource part", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::"}`), path: "Statement[0].Resource"},
	{name: "resource variable in account", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3::${aws:userid}:b"}`), path: "Statement[0].Resource", msg: "only in the resource part"},
	{name: "resource unterminated variable", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username"}`), path: "Statement[0].Resource", msg: "unterminated"},
	{name: "resource unknown variable", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}"}`), path: "Statement[0].Resource", msg: "not supported"},
	{name: "resource malformed default", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, none}"}`), path: "Statement[0].Resource", msg: "default"},
	{name: "unknown operator", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"s3:prefix":"a"}}}`), path: "Statement[0].Condition.StringEqual", msg: "unknown condition operator"},
	{name: "operator case", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"s3:prefix":"a"}}}`), path: "Statement[0].Condition.stringequals", msg: `did you mean "StringEquals"`},
	{name: "NullIfExists", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"s3:prefix":"true"}}}`), path: "Statement[0].Condition.NullIfExists", msg: "Null takes neither"},
	{name: "ForAnyValue Null", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:Null":{"s3:prefix":"true"}}}`), path: "Statement[0].Condition.ForAnyValue:Null"},
	{name: "bad qualifier", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"s3:prefix":"a"}}}`), msg: "unknown condition operator"},
	{name: "condition not an object", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":[]}`), path: "Statement[0].Condition"},
	{name: "operator empty", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{}}}`), path: "Statement[0].Condition.StringEquals", msg: "at least one"},
	{name: "condition values empty", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":[]}}}`), path: "Statement[0].Condition.StringEquals.s3:prefix", msg: "at least one value"},
	{name: "condition value null", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":null}}}`), path: "Statement[0].Condition.StringEquals.s3:prefix", msg: "not null"},
	{name: "condition value object", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":[{}]}}}`), path: "Statement[0].Condition.StringEquals.s3:prefix[0]"},
	{name: "malformed key", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"prefix":"a"}}}`), path: "Statement[0].Condition.StringEquals.prefix", msg: "malformed key"},
	{name: "unsupported aws key", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`), path: "Statement[0].Condition.StringEquals.aws:SourceVpc", msg: "not supported"},
	{name: "TlsVersion unsupported", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericGreaterThan":{"s3:TlsVersion":"1.2"}}}`), msg: "not supported"},
	{name: "IP operator on username", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:username":"10.0.0.0/8"}}}`), path: "Statement[0].Condition.IpAddress.aws:username", msg: "cannot be used"},
	{name: "string operator on SourceIp", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}}`), msg: "cannot be used"},
	{name: "bad date", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}`), path: "Statement[0].Condition.DateLessThan.aws:CurrentTime", msg: "ISO 8601"},
	{name: "date without zone", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00"}}}`), msg: "ISO 8601"},
	{name: "bad CIDR", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}`), path: "Statement[0].Condition.IpAddress.aws:SourceIp[1]", msg: "CIDR"},
	{name: "bad IP", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0"}}}`), msg: "CIDR"},
	{name: "bad number", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}`), msg: "needs a number"},
	{name: "hex number", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"0x10"}}}`), msg: "needs a number"},
	{name: "bad bool", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}`), msg: "Bool needs"},
	{name: "bad binary", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"BinaryEquals":{"s3:x":"!!"}}}`), msg: "base64"},
	{name: "bad null", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"s3:x":"maybe"}}}`), msg: "Null needs"},
	{name: "bad ARN value", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"user/alice"}}}`), msg: "malformed ARN"},
	{name: "principal in identity policy", doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal", msg: "only in resource"},
	{name: "notprincipal in identity policy", doc: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}`), path: "Statement[0].NotPrincipal"},
	{name: "missing principal in bucket policy", resource: true, doc: stmt(okStmt), path: "Statement[0]", msg: `missing "Principal"`},
	{name: "principal bad string", resource: true, doc: stmt(`{"Effect":"Allow","Principal":"alice","Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal"},
	{name: "principal unknown type", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{"aws":"*"},"Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal.aws", msg: `did you mean "AWS"`},
	{name: "principal partial wildcard", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:user/x"},"Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal.AWS", msg: "wildcards"},
	{name: "principal not an ARN", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{"AWS":["alice"]},"Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal.AWS[0]", msg: "malformed principal"},
	{name: "principal empty", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}`), path: "Statement[0].Principal"},
	{name: "principal and notprincipal", resource: true, doc: stmt(`{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"}`), path: "Statement[0].NotPrincipal"},
	{name: "duplicate sid", doc: stmt(`{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}`), path: "Statement[1].Sid", msg: "duplicate Sid"},
	{name: "sid not a string", doc: stmt(`{"Sid":1,"Effect":"Allow","Action":"s3:*","Resource":"*"}`), path: "Statement[0].Sid"},
	{name: "id not a string", doc: `{"Id":1,"Statement":[` + okStmt + `]}`, path: "Id"},
	{name: "single statement path", doc: `{"Statement":{"Effect":"Allow","Action":"s3","Resource":"*"}}`, path: "Statement.Action"},
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range parseErrCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []iam.ParseOption
			if tc.resource {
				opts = append(opts, iam.WithResourcePolicy())
			}
			_, err := iam.Parse([]byte(tc.doc), opts...)
			var pe *iam.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if tc.path != "" && pe.Path != tc.path {
				t.Errorf("path %q, want %q (%v)", pe.Path, tc.path, err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "iam: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		doc      string
		resource bool
		stmts    int
	}{
		{name: "statement object", doc: `{"Version":"2012-10-17","Statement":` + okStmt + `}`, stmts: 1},
		{name: "no version", doc: `{"Statement":[` + okStmt + `]}`, stmts: 1},
		{name: "2008 version", doc: `{"Version":"2008-10-17","Statement":[` + okStmt + `]}`, stmts: 1},
		{name: "id and sid", doc: `{"Id":"x","Statement":[{"Sid":"Read objects","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, stmts: 1},
		{name: "fields in any order", doc: `{"Statement":[{"Resource":"*","Action":"s3:*","Effect":"Deny"}],"Version":"2012-10-17"}`, stmts: 1},
		{name: "unquoted number and bool", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":100},"Bool":{"aws:SecureTransport":true},"Null":{"s3:prefix":false}}}`), stmts: 1},
		{name: "every qualifier", doc: stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"s3:RequestObjectTagKeys":"a*"},"ForAnyValue:NumericEqualsIfExists":{"s3:x":"1"}}}`), stmts: 1},
		{name: "every principal form", resource: true, doc: stmt(`{"Effect":"Allow","Principal":{"AWS":["*","123456789012","arn:aws:iam::123456789012:user/a"],"Service":"s3.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Federated":"cognito-identity.amazonaws.com"},"Action":"s3:*","Resource":"*"}`), stmts: 1},
		{name: "not principal", resource: true, doc: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:user/a"},"Action":"s3:*","Resource":"*"}`), stmts: 1},
		{name: "unicode and escapes", doc: stmt(`{"Sid":"caf\u00e9 \"q\"","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/ü/*"}`), stmts: 1},
		{name: "whitespace everywhere", doc: " \n{ \"Statement\" :\t[ " + okStmt + " ] }\r\n", stmts: 1},
		{name: "2008 version tolerates broken variable syntax", doc: `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${x"}]}`, stmts: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []iam.ParseOption
			if tc.resource {
				opts = append(opts, iam.WithResourcePolicy())
			}
			p, err := iam.Parse([]byte(tc.doc), opts...)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(p.Statements()); n != tc.stmts {
				t.Errorf("%d statements, want %d", n, tc.stmts)
			}
			checkRoundTrip(t, p, opts...)
		})
	}
}

// checkRoundTrip marshals, parses back and checks the canonical form is
// stable and no larger than the original.
func checkRoundTrip(t testing.TB, p *iam.Policy, opts ...iam.ParseOption) *iam.Policy {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := iam.Parse(b, append(opts, iam.WithMaxSize(-1))...)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, b)
	}
	b2, _ := q.MarshalJSON()
	if string(b) != string(b2) {
		t.Fatalf("canonical form not stable:\n%s\n%s", b, b2)
	}
	if q.Size() > p.Size() && !strings.Contains(string(b), `\u00`) {
		t.Errorf("canonical form is larger (%d > %d): %s", q.Size(), p.Size(), b)
	}
	return q
}

func TestPackedSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		doc  string
		want int
	}{
		{name: "empty", doc: ``, want: 0},
		{name: "whitespace outside strings removed", doc: " { \"a\" :\n\t\"b c\" } ", want: len(`{"a":"b c"}`)},
		{name: "escaped quote", doc: `{"a":"x\"y"}`, want: 12},
		{name: "escaped backslash before quote", doc: `{"a":"x\\"}`, want: 11},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := iam.PackedSize([]byte(tc.doc))
			if err != nil || n != tc.want {
				t.Errorf("PackedSize = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
	if _, err := iam.PackedSize([]byte(`{"a":"b`)); err == nil {
		t.Error("unterminated string accepted")
	}
}

func TestSizeLimit(t *testing.T) {
	t.Parallel()
	var sts []string
	for i := 0; i < 30; i++ {
		sts = append(sts, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/prefix-`+strings.Repeat("x", 10)+`/*"}`)
	}
	doc := []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`)
	size, _ := iam.PackedSize(doc)
	_, err := iam.Parse(doc)
	var se *iam.SizeError
	if !errors.As(err, &se) || se.Size != size || se.Limit != 2048 {
		t.Fatalf("got %v, want SizeError{%d, 2048}", err, size)
	}
	if msg := err.Error(); !strings.Contains(msg, "2048") || !strings.Contains(msg, itoa(size)) {
		t.Errorf("message %q lacks size or limit", msg)
	}
	if _, err := iam.Parse(doc, iam.WithMaxSize(size)); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := iam.Parse(doc, iam.WithMaxSize(size-1)); !errors.As(err, &se) {
		t.Errorf("one over the limit: %v", err)
	}
	if _, err := iam.Parse(doc, iam.WithMaxSize(-1)); err != nil {
		t.Errorf("no limit: %v", err)
	}
	// Whitespace does not count.
	spaced := []byte(strings.ReplaceAll(string(doc[:0])+stmt(okStmt), ",", " ,\n    "))
	p, err := iam.Parse(spaced, iam.WithMaxSize(len(stmt(okStmt))))
	if err != nil || p.Size() != len(stmt(okStmt)) {
		t.Errorf("whitespace counted: %v", err)
	}
	// Array abuse is rejected cheaply even without a size limit.
	huge := `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":[` + strings.Repeat(`"*",`, 5000) + `"*"]}}`
	if _, err := iam.Parse([]byte(huge), iam.WithMaxSize(-1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("huge array: %v", err)
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}

func TestStatements(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::1:user/a"]},"NotAction":"s3:Get*","NotResource":["arn:aws:s3:::b/*"],"Condition":{"StringLike":{"s3:prefix":["x","y"]}}}]}`, iam.WithResourcePolicy())
	st := p.Statements()
	if len(st) != 1 {
		t.Fatal(len(st))
	}
	s := st[0]
	if s.Sid != "A" || s.Effect != "Deny" || s.NotAction[0] != "s3:Get*" || s.NotResource[0] != "arn:aws:s3:::b/*" ||
		s.Principal["AWS"][0] != "arn:aws:iam::1:user/a" || len(s.Condition) != 1 || s.Condition[0].Operator != "StringLike" ||
		s.Condition[0].Key != "s3:prefix" || len(s.Condition[0].Values) != 2 {
		t.Errorf("%+v", s)
	}
	if !p.IsResourcePolicy() || p.Version() != "2012-10-17" {
		t.Error("accessors")
	}
	// Statements returns a copy.
	st[0].NotAction[0] = "changed"
	if p.Statements()[0].NotAction[0] != "s3:Get*" {
		t.Error("Statements leaks internal state")
	}
}

func TestCanned(t *testing.T) {
	t.Parallel()
	type check struct {
		action, resource string
		want             iam.Decision
	}
	cases := map[string][]check{
		"readonly": {
			{"s3:GetObject", "arn:aws:s3:::b/k", iam.Allowed},
			{"s3:ListBucket", "arn:aws:s3:::b", iam.Allowed},
			{"s3:ListAllMyBuckets", "*", iam.Allowed},
			{"s3:GetBucketLocation", "arn:aws:s3:::b", iam.Allowed},
			{"s3:PutObject", "arn:aws:s3:::b/k", iam.ImplicitDeny},
			{"s3:DeleteObject", "arn:aws:s3:::b/k", iam.ImplicitDeny},
		},
		"readwrite": {
			{"s3:GetObject", "arn:aws:s3:::b/k", iam.Allowed},
			{"s3:PutObject", "arn:aws:s3:::b/k", iam.Allowed},
			{"s3:DeleteBucket", "arn:aws:s3:::b", iam.Allowed},
			{"s3:ListAllMyBuckets", "*", iam.Allowed},
			{"iam:CreateUser", "*", iam.ImplicitDeny},
		},
		"writeonly": {
			{"s3:PutObject", "arn:aws:s3:::b/k", iam.Allowed},
			{"s3:AbortMultipartUpload", "arn:aws:s3:::b/k", iam.Allowed},
			{"s3:GetObject", "arn:aws:s3:::b/k", iam.ImplicitDeny},
			{"s3:ListBucket", "arn:aws:s3:::b", iam.ImplicitDeny},
			{"s3:DeleteObject", "arn:aws:s3:::b/k", iam.ImplicitDeny},
		},
	}
	if got := iam.CannedNames(); len(got) != len(cases) {
		t.Fatalf("CannedNames = %v", got)
	}
	for _, name := range iam.CannedNames() {
		p, doc, ok := iam.Canned(name)
		if !ok || p == nil {
			t.Fatalf("Canned(%q) missing", name)
		}
		if _, err := iam.Parse(doc); err != nil {
			t.Errorf("%s document: %v", name, err)
		}
		doc[0] = 'X' // the caller's copy
		if _, doc2, _ := iam.Canned(name); doc2[0] != '{' {
			t.Errorf("%s: Canned shares its document", name)
		}
		for _, c := range cases[name] {
			d := decide(t, &iam.Request{Action: c.action, Resource: c.resource}, &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: name, Policy: p}}})
			if d != c.want {
				t.Errorf("%s: %s on %s = %v, want %v", name, c.action, c.resource, d, c.want)
			}
		}
	}
	if _, _, ok := iam.Canned("admin"); ok {
		t.Error("unknown canned policy found")
	}
}

// TestParseReusesNoMemory checks that a parsed policy shares no memory with
// the caller's buffer or with later parses (Parse recycles its JSON scratch
// and the policy's strings are substrings of its own copy of the document):
// overwriting the buffer and parsing other documents, with and without
// escapes, leaves the first policy's canonical form and decisions unchanged.
func TestParseReusesNoMemory(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Sid":"A\u0041","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b\u0031/*","Condition":{"StringLike":{"s3:prefix":["h\u00e9/*","x"]}}}]}`,
		`{"Version":"2012-10-17","Statement":{"Sid":"plain","Effect":"Deny","Action":["s3:PutObject","s3:Get*"],"Resource":"arn:aws:s3:::other/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`,
	}
	type parsed struct {
		p    *iam.Policy
		want string
	}
	var got []parsed
	for round := 0; round < 3; round++ {
		for _, d := range docs {
			buf := []byte(d)
			p, err := iam.Parse(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, parsed{p, p.String()})
			for i := range buf {
				buf[i] = 'x'
			}
		}
	}
	for i, g := range got {
		if s := g.p.String(); s != g.want {
			t.Errorf("policy %d changed after later parses:\n got %s\nwant %s", i, s, g.want)
		}
	}
	if !strings.Contains(got[0].want, `"Sid":"AA"`) || !strings.Contains(got[0].want, `"hé/*"`) {
		t.Errorf("unescaped strings lost: %s", got[0].want)
	}
}
