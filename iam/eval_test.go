package iam_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth/iam"
)

// now is the fixed time every context uses.
var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// mkctx builds a context: aws:/s3: server keys go to their typed fields,
// everything else through Set.
func mkctx(t testing.TB, kv map[string][]string) *iam.Context {
	t.Helper()
	c := &iam.Context{CurrentTime: now}
	for k, v := range kv {
		one := ""
		if len(v) > 0 {
			one = v[0]
		}
		switch strings.ToLower(k) {
		case "aws:username":
			c.Username = one
		case "aws:userid":
			c.UserID = one
		case "aws:principaltype":
			c.PrincipalType = one
		case "aws:principalarn":
			c.PrincipalARN = one
		case "aws:sourceip":
			c.SourceIP = netip.MustParseAddr(one)
		case "aws:securetransport":
			c.SecureTransport = one == "true"
		case "aws:currenttime":
			tm, err := time.Parse(time.RFC3339, one)
			if err != nil {
				t.Fatal(err)
			}
			c.CurrentTime = tm
		case "aws:tokenissuetime":
			tm, err := time.Parse(time.RFC3339, one)
			if err != nil {
				t.Fatal(err)
			}
			c.TokenIssueTime = tm
		case "s3:signatureage":
			c.SignatureVersion = "AWS4-HMAC-SHA256"
			for _, ch := range one {
				c.SignatureAge = c.SignatureAge*10 + int64(ch-'0')
			}
		default:
			if !c.Set(k, v...) {
				t.Fatalf("Set(%q) refused", k)
			}
		}
	}
	return c
}

func mustParse(t testing.TB, doc string, opts ...iam.ParseOption) *iam.Policy {
	t.Helper()
	p, err := iam.Parse([]byte(doc), opts...)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// decide evaluates and checks that Explain agrees with Evaluate.
func decide(t testing.TB, req *iam.Request, set *iam.PolicySet) iam.Decision {
	t.Helper()
	d := iam.Evaluate(req, set)
	d2, tr := iam.Explain(req, set)
	if d != d2 || tr.Decision != d {
		t.Fatalf("Evaluate = %v but Explain = %v (trace %v):\n%s", d, d2, tr.Decision, tr)
	}
	return d
}

// condCase is a golden case for one condition block. want is "true",
// "false" or "error" (a request value the operator cannot read).
type condCase struct {
	name    string
	version string // default 2012-10-17; "none" omits Version
	cond    string
	ctx     map[string][]string
	want    string
}

var condCases = []condCase{
	// String operators
	{name: "StringEquals match", cond: `{"StringEquals":{"aws:username":"alice"}}`, ctx: map[string][]string{"aws:username": {"alice"}}, want: "true"},
	{name: "StringEquals case-sensitive", cond: `{"StringEquals":{"aws:username":"Alice"}}`, ctx: map[string][]string{"aws:username": {"alice"}}, want: "false"},
	{name: "StringEquals missing key", cond: `{"StringEquals":{"aws:username":"alice"}}`, want: "false"},
	{name: "StringEquals values OR", cond: `{"StringEquals":{"s3:x-amz-acl":["private","public-read"]}}`, ctx: map[string][]string{"s3:x-amz-acl": {"public-read"}}, want: "true"},
	{name: "StringEquals star is literal", cond: `{"StringEquals":{"s3:prefix":"home/*"}}`, ctx: map[string][]string{"s3:prefix": {"home/x"}}, want: "false"},
	{name: "StringEquals key case-insensitive", cond: `{"StringEquals":{"S3:PREFIX":"a"}}`, ctx: map[string][]string{"s3:prefix": {"a"}}, want: "true"},
	{name: "StringNotEquals missing key holds", cond: `{"StringNotEquals":{"s3:x-amz-acl":"public-read"}}`, want: "true"},
	{name: "StringNotEquals values AND: one equal", cond: `{"StringNotEquals":{"s3:x-amz-acl":["private","public-read"]}}`, ctx: map[string][]string{"s3:x-amz-acl": {"private"}}, want: "false"},
	{name: "StringNotEquals values AND: none equal", cond: `{"StringNotEquals":{"s3:x-amz-acl":["private","public-read"]}}`, ctx: map[string][]string{"s3:x-amz-acl": {"authenticated-read"}}, want: "true"},
	{name: "StringEqualsIgnoreCase", cond: `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx: map[string][]string{"aws:username": {"alice"}}, want: "true"},
	{name: "StringNotEqualsIgnoreCase", cond: `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx: map[string][]string{"aws:username": {"alice"}}, want: "false"},
	{name: "StringLike star", cond: `{"StringLike":{"s3:prefix":"home/alice/*"}}`, ctx: map[string][]string{"s3:prefix": {"home/alice/docs/"}}, want: "true"},
	{name: "StringLike no match", cond: `{"StringLike":{"s3:prefix":"home/alice/*"}}`, ctx: map[string][]string{"s3:prefix": {"home/bob/"}}, want: "false"},
	{name: "StringLike question mark", cond: `{"StringLike":{"s3:prefix":"v?/x"}}`, ctx: map[string][]string{"s3:prefix": {"v1/x"}}, want: "true"},
	{name: "StringLike question mark needs one char", cond: `{"StringLike":{"s3:prefix":"v?/x"}}`, ctx: map[string][]string{"s3:prefix": {"v/x"}}, want: "false"},
	{name: "StringLike empty prefix allowed by empty string", cond: `{"StringLike":{"s3:prefix":["","home/"]}}`, ctx: map[string][]string{"s3:prefix": {""}}, want: "true"},
	{name: "StringNotLike missing key holds", cond: `{"StringNotLike":{"s3:prefix":"secret/*"}}`, want: "true"},
	{name: "StringNotLike match", cond: `{"StringNotLike":{"s3:prefix":"secret/*"}}`, ctx: map[string][]string{"s3:prefix": {"secret/a"}}, want: "false"},
	{name: "StringEqualsIfExists missing", cond: `{"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, want: "true"},
	{name: "StringEqualsIfExists present mismatch", cond: `{"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, ctx: map[string][]string{"s3:x-amz-server-side-encryption": {"aws:kms"}}, want: "false"},
	{name: "StringNotEqualsIfExists missing", cond: `{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, want: "true"},
	{name: "StringNotEqualsIfExists present equal", cond: `{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, ctx: map[string][]string{"s3:x-amz-server-side-encryption": {"AES256"}}, want: "false"},
	{name: "StringEquals on bool fact", cond: `{"StringEquals":{"aws:PrincipalType":"User"}}`, ctx: map[string][]string{"aws:PrincipalType": {"User"}}, want: "true"},
	{name: "keys AND: one false", cond: `{"StringEquals":{"aws:username":"alice","s3:prefix":"a"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"b"}}, want: "false"},
	{name: "operators AND", cond: `{"StringEquals":{"aws:username":"alice"},"StringLike":{"s3:prefix":"a*"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"abc"}}, want: "true"},
	{name: "s3:authType", cond: `{"StringEquals":{"s3:authType":"REST-HEADER"}}`, want: "false"},
	{name: "content sha256 deny unsigned", cond: `{"StringEquals":{"s3:x-amz-content-sha256":"UNSIGNED-PAYLOAD"}}`, want: "false"},

	// Numeric
	{name: "NumericLessThan true", cond: `{"NumericLessThan":{"s3:max-keys":"100"}}`, ctx: map[string][]string{"s3:max-keys": {"10"}}, want: "true"},
	{name: "NumericLessThan false", cond: `{"NumericLessThan":{"s3:max-keys":100}}`, ctx: map[string][]string{"s3:max-keys": {"1000"}}, want: "false"},
	{name: "NumericLessThanEquals equal", cond: `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx: map[string][]string{"s3:max-keys": {"10"}}, want: "true"},
	{name: "NumericGreaterThan", cond: `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctx: map[string][]string{"s3:max-keys": {"10.5"}}, want: "true"},
	{name: "NumericGreaterThanEquals false", cond: `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, ctx: map[string][]string{"s3:max-keys": {"9"}}, want: "false"},
	{name: "NumericEquals decimal", cond: `{"NumericEquals":{"s3:max-keys":"1.0"}}`, ctx: map[string][]string{"s3:max-keys": {"1"}}, want: "true"},
	{name: "NumericNotEquals missing holds", cond: `{"NumericNotEquals":{"s3:max-keys":"1"}}`, want: "true"},
	{name: "NumericNotEquals equal", cond: `{"NumericNotEquals":{"s3:max-keys":"1"}}`, ctx: map[string][]string{"s3:max-keys": {"1"}}, want: "false"},
	{name: "Numeric unreadable request value", cond: `{"NumericLessThan":{"s3:max-keys":"100"}}`, ctx: map[string][]string{"s3:max-keys": {"ten"}}, want: "error"},
	{name: "Numeric signatureAge", cond: `{"NumericLessThan":{"s3:signatureAge":"600000"}}`, ctx: map[string][]string{"s3:signatureAge": {"1000"}}, want: "true"},
	{name: "Numeric signatureAge absent when unsigned", cond: `{"NumericLessThan":{"s3:signatureAge":"600000"}}`, want: "false"},
	{name: "Numeric EpochTime", cond: `{"NumericGreaterThan":{"aws:EpochTime":"1700000000"}}`, want: "true"},

	// Date
	{name: "DateLessThan CurrentTime", cond: `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, want: "true"},
	{name: "DateGreaterThan CurrentTime", cond: `{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, want: "false"},
	{name: "DateGreaterThan epoch value", cond: `{"DateGreaterThan":{"aws:CurrentTime":"1700000000"}}`, want: "true"},
	{name: "DateEquals date only", cond: `{"DateEquals":{"aws:CurrentTime":"2026-03-15T12:00:00Z"}}`, want: "true"},
	{name: "DateNotEquals", cond: `{"DateNotEquals":{"aws:CurrentTime":"2026-03-15"}}`, want: "true"},
	{name: "DateLessThanEquals offset", cond: `{"DateLessThanEquals":{"aws:CurrentTime":"2026-03-15T13:00:00+01:00"}}`, want: "true"},
	{name: "DateGreaterThanEquals fraction", cond: `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-03-15T12:00:00.5Z"}}`, want: "false"},
	{name: "Date EpochTime", cond: `{"DateLessThan":{"aws:EpochTime":"2027-01-01T00:00:00Z"}}`, want: "true"},
	{name: "TokenIssueTime missing", cond: `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, want: "false"},
	{name: "TokenIssueTime present", cond: `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, ctx: map[string][]string{"aws:TokenIssueTime": {"2026-03-15T11:00:00Z"}}, want: "true"},
	{name: "Date request key", cond: `{"DateLessThan":{"s3:object-lock-retain-until-date":"2027-01-01"}}`, ctx: map[string][]string{"s3:object-lock-retain-until-date": {"2026-05-01T00:00:00Z"}}, want: "true"},
	{name: "Date unreadable request value", cond: `{"DateLessThan":{"s3:object-lock-retain-until-date":"2027-01-01"}}`, ctx: map[string][]string{"s3:object-lock-retain-until-date": {"soon"}}, want: "error"},

	// Bool
	{name: "Bool SecureTransport false", cond: `{"Bool":{"aws:SecureTransport":"false"}}`, want: "true"},
	{name: "Bool SecureTransport true", cond: `{"Bool":{"aws:SecureTransport":true}}`, ctx: map[string][]string{"aws:SecureTransport": {"true"}}, want: "true"},
	{name: "Bool mismatch", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, want: "false"},
	{name: "BoolIfExists missing request key", cond: `{"BoolIfExists":{"s3:ObjectCreationOperation":"true"}}`, want: "true"},
	{name: "Bool unreadable request value", cond: `{"Bool":{"s3:ObjectCreationOperation":"true"}}`, ctx: map[string][]string{"s3:ObjectCreationOperation": {"yes"}}, want: "error"},

	// Binary
	{name: "BinaryEquals", cond: `{"BinaryEquals":{"s3:blob":"aGVsbG8="}}`, ctx: map[string][]string{"s3:blob": {"hello"}}, want: "true"},
	{name: "BinaryEquals mismatch", cond: `{"BinaryEquals":{"s3:blob":"aGVsbG8="}}`, ctx: map[string][]string{"s3:blob": {"Hello"}}, want: "false"},

	// IP
	{name: "IpAddress CIDR", cond: `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: map[string][]string{"aws:SourceIp": {"10.1.2.3"}}, want: "true"},
	{name: "IpAddress outside", cond: `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: map[string][]string{"aws:SourceIp": {"192.168.1.1"}}, want: "false"},
	{name: "IpAddress bare v4 is /32", cond: `{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}`, ctx: map[string][]string{"aws:SourceIp": {"10.1.2.4"}}, want: "false"},
	{name: "IpAddress bare v4 exact", cond: `{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}`, ctx: map[string][]string{"aws:SourceIp": {"10.1.2.3"}}, want: "true"},
	{name: "IpAddress v6 CIDR", cond: `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx: map[string][]string{"aws:SourceIp": {"2001:db8:1::5"}}, want: "true"},
	{name: "IpAddress bare v6 is /128", cond: `{"IpAddress":{"aws:SourceIp":"2001:db8::1"}}`, ctx: map[string][]string{"aws:SourceIp": {"2001:db8::2"}}, want: "false"},
	{name: "IpAddress v4-mapped request", cond: `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx: map[string][]string{"aws:SourceIp": {"::ffff:10.9.9.9"}}, want: "true"},
	{name: "IpAddress v4 policy v6 request", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx: map[string][]string{"aws:SourceIp": {"2001:db8::1"}}, want: "false"},
	{name: "IpAddress missing", cond: `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, want: "false"},
	{name: "NotIpAddress missing holds", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, want: "true"},
	{name: "NotIpAddress inside", cond: `{"NotIpAddress":{"aws:SourceIp":["192.168.0.0/16","10.0.0.0/8"]}}`, ctx: map[string][]string{"aws:SourceIp": {"10.1.2.3"}}, want: "false"},

	// ARN
	{name: "ArnLike", cond: `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/alice"}}`, ctx: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::123456789012:user/alice"}}, want: "true"},
	{name: "ArnEquals is Like", cond: `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/*"}}`, ctx: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::123456789012:user/bob"}}, want: "true"},
	{name: "ArnLike wildcard cannot cross colon", cond: `{"ArnLike":{"s3:source":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx: map[string][]string{"s3:source": {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}}, want: "false"},
	{name: "StringLike crosses colon", cond: `{"StringLike":{"s3:source":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx: map[string][]string{"s3:source": {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}}, want: "true"},
	{name: "ArnNotLike missing holds", cond: `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}`, want: "true"},
	{name: "ArnNotEquals match", cond: `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::1:user/a"}}`, ctx: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::1:user/a"}}, want: "false"},
	{name: "ArnLike not an ARN", cond: `{"ArnLike":{"s3:x":"arn:aws:s3:::*"}}`, ctx: map[string][]string{"s3:x": {"bucket"}}, want: "false"},

	// Null
	{name: "Null true absent", cond: `{"Null":{"s3:x-amz-server-side-encryption":"true"}}`, want: "true"},
	{name: "Null true present", cond: `{"Null":{"s3:x-amz-server-side-encryption":"true"}}`, ctx: map[string][]string{"s3:x-amz-server-side-encryption": {"AES256"}}, want: "false"},
	{name: "Null false absent", cond: `{"Null":{"s3:x-amz-server-side-encryption":false}}`, want: "false"},
	{name: "Null false present", cond: `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx: map[string][]string{"aws:TokenIssueTime": {"2026-03-15T11:00:00Z"}}, want: "true"},
	{name: "Null SourceIp absent", cond: `{"Null":{"aws:SourceIp":"true"}}`, want: "true"},

	// Set qualifiers
	{name: "ForAllValues subset", cond: `{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["a","b"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"a"}}, want: "true"},
	{name: "ForAllValues not subset", cond: `{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["a","b"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"a", "c"}}, want: "false"},
	{name: "ForAllValues missing key holds", cond: `{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["a"]}}`, want: "true"},
	{name: "ForAllValues empty set holds", cond: `{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["a"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {}}, want: "true"},
	{name: "ForAnyValue one matches", cond: `{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":["a"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"c", "a"}}, want: "true"},
	{name: "ForAnyValue none", cond: `{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":["a"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"c"}}, want: "false"},
	{name: "ForAnyValue missing key fails", cond: `{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":["a"]}}`, want: "false"},
	{name: "ForAnyValue IfExists missing holds", cond: `{"ForAnyValue:StringEqualsIfExists":{"s3:RequestObjectTagKeys":["a"]}}`, want: "true"},
	{name: "ForAllValues StringNotEquals", cond: `{"ForAllValues:StringNotEquals":{"s3:RequestObjectTagKeys":["secret"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"a", "b"}}, want: "true"},
	{name: "ForAllValues StringNotEquals one bad", cond: `{"ForAllValues:StringNotEquals":{"s3:RequestObjectTagKeys":["secret"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"a", "secret"}}, want: "false"},
	{name: "ForAnyValue StringNotLike", cond: `{"ForAnyValue:StringNotLike":{"s3:RequestObjectTagKeys":["team*"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"team1", "cost"}}, want: "true"},
	{name: "ForAllValues StringLike", cond: `{"ForAllValues:StringLike":{"s3:RequestObjectTagKeys":["team*","cost"]}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"team1", "cost"}}, want: "true"},
	{name: "plain operator on multi-valued key: any", cond: `{"StringEquals":{"s3:RequestObjectTagKeys":"a"}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"b", "a"}}, want: "true"},

	// Policy variables
	{name: "variable substituted", cond: `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"home/alice/x"}}, want: "true"},
	{name: "variable other user", cond: `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctx: map[string][]string{"aws:username": {"bob"}, "s3:prefix": {"home/alice/x"}}, want: "false"},
	{name: "variable without value does not match", cond: `{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}`, ctx: map[string][]string{"s3:prefix": {"home//"}}, want: "false"},
	{name: "variable without value: negated holds", cond: `{"StringNotEquals":{"s3:prefix":"home/${aws:username}/"}}`, ctx: map[string][]string{"s3:prefix": {"home//"}}, want: "true"},
	{name: "variable default", cond: `{"StringEquals":{"s3:prefix":"home/${aws:username, 'none'}/"}}`, ctx: map[string][]string{"s3:prefix": {"home/none/"}}, want: "true"},
	{name: "variable default unused", cond: `{"StringEquals":{"s3:prefix":"home/${aws:username, 'none'}/"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"home/alice/"}}, want: "true"},
	{name: "variable value is literal not wildcard", cond: `{"StringLike":{"s3:prefix":"${s3:delimiter}"}}`, ctx: map[string][]string{"s3:delimiter": {"*"}, "s3:prefix": {"abc"}}, want: "false"},
	{name: "variable userid", cond: `{"StringEquals":{"s3:prefix":"${aws:userid}"}}`, ctx: map[string][]string{"aws:userid": {"AIDA1"}, "s3:prefix": {"AIDA1"}}, want: "true"},
	{name: "variable SourceIp", cond: `{"StringEquals":{"s3:prefix":"${aws:SourceIp}/"}}`, ctx: map[string][]string{"aws:SourceIp": {"10.1.2.3"}, "s3:prefix": {"10.1.2.3/"}}, want: "true"},
	{name: "variable PrincipalType", cond: `{"StringEquals":{"s3:prefix":"${aws:PrincipalType}"}}`, ctx: map[string][]string{"aws:PrincipalType": {"User"}, "s3:prefix": {"User"}}, want: "true"},
	{name: "variable key case-insensitive", cond: `{"StringEquals":{"s3:prefix":"${AWS:USERNAME}"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"alice"}}, want: "true"},
	{name: "escape star literal", cond: `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctx: map[string][]string{"s3:prefix": {"a*b"}}, want: "true"},
	{name: "escape star not wildcard", cond: `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctx: map[string][]string{"s3:prefix": {"axb"}}, want: "false"},
	{name: "escape question", cond: `{"StringLike":{"s3:prefix":"a${?}"}}`, ctx: map[string][]string{"s3:prefix": {"ax"}}, want: "false"},
	{name: "escape dollar", cond: `{"StringEquals":{"s3:prefix":"${$}{x}"}}`, ctx: map[string][]string{"s3:prefix": {"${x}"}}, want: "true"},
	{name: "2008 version: variables literal", version: "2008-10-17", cond: `{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"home/${aws:username}/"}}, want: "true"},
	{name: "2008 version: no substitution", version: "2008-10-17", cond: `{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"home/alice/"}}, want: "false"},
	{name: "no version: variables literal", version: "none", cond: `{"StringEquals":{"s3:prefix":"${aws:username}"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"alice"}}, want: "false"},
	{name: "variable multi-valued key has no value", cond: `{"StringEquals":{"s3:prefix":"${s3:RequestObjectTagKeys}"}}`, ctx: map[string][]string{"s3:RequestObjectTagKeys": {"a", "b"}, "s3:prefix": {"a"}}, want: "false"},
	{name: "variable in ArnLike", cond: `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}`, ctx: map[string][]string{"aws:username": {"alice"}, "aws:PrincipalArn": {"arn:aws:iam::1:user/alice"}}, want: "true"},
	{name: "variable in Bool", cond: `{"Bool":{"aws:SecureTransport":"${s3:want-tls}"}}`, ctx: map[string][]string{"s3:want-tls": {"false"}}, want: "true"},
}

func condPolicy(version, effect, cond string) string {
	v := `"Version":"2012-10-17",`
	switch version {
	case "none":
		v = ""
	case "":
	default:
		v = `"Version":"` + version + `",`
	}
	return `{` + v + `"Statement":[{"Effect":"` + effect + `","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":` + cond + `}]}`
}

func TestConditions(t *testing.T) {
	t.Parallel()
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	for _, tc := range condCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := mkctx(t, tc.ctx)
			req := &iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}

			allow := mustParse(t, condPolicy(tc.version, "Allow", tc.cond))
			got := decide(t, req, &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "allow", Policy: allow}}})
			wantAllow := iam.ImplicitDeny
			if tc.want == "true" {
				wantAllow = iam.Allowed
			}
			if got != wantAllow {
				_, tr := iam.Explain(req, &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "allow", Policy: allow}}})
				t.Errorf("Allow statement: got %v, want %v\n%s", got, wantAllow, tr)
			}

			// The same condition on a Deny: an unreadable value denies.
			deny := mustParse(t, condPolicy(tc.version, "Deny", tc.cond))
			set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "all", Policy: allowAll}, {Name: "deny", Policy: deny}}}
			got = decide(t, req, set)
			wantDeny := iam.Allowed
			if tc.want != "false" {
				wantDeny = iam.ExplicitDeny
			}
			if got != wantDeny {
				_, tr := iam.Explain(req, set)
				t.Errorf("Deny statement: got %v, want %v\n%s", got, wantDeny, tr)
			}
		})
	}
}

type evalCase struct {
	name      string
	identity  []string
	session   string
	svc       string
	bucket    string
	principal string
	action    string
	resource  string
	ctx       map[string][]string
	want      iam.Decision
}

const allowAllDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

var evalCases = []evalCase{
	{name: "no policy", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "allow all", identity: []string{allowAllDoc}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "action case-insensitive in policy", identity: []string{`{"Statement":{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "action case-insensitive in request", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`}, action: "S3:GETOBJECT", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "action wildcard", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`}, action: "s3:GetObjectTagging", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "action question mark", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:Get?bject","Resource":"*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "action other service", identity: []string{`{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "NotAction with Allow allows the rest", identity: []string{`{"Statement":{"Effect":"Allow","NotAction":"s3:DeleteObject","Resource":"*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "NotAction with Allow excludes", identity: []string{`{"Statement":{"Effect":"Allow","NotAction":"s3:Delete*","Resource":"*"}}`}, action: "s3:DeleteObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "NotAction with Allow also covers other services", identity: []string{`{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}`}, action: "iam:CreateUser", resource: "*", want: iam.Allowed},
	{name: "NotResource with Deny denies outside", identity: []string{allowAllDoc, `{"Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/public/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/private/x", want: iam.ExplicitDeny},
	{name: "NotResource with Deny spares inside", identity: []string{allowAllDoc, `{"Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/public/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/public/x", want: iam.Allowed},
	{name: "resource case-sensitive", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::B/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "resource star crosses slash", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/1/2/test/3/object.jpg", want: iam.Allowed},
	{name: "resource doc example empty segment", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET//test/object.jpg", want: iam.Allowed},
	{name: "resource doc example no match", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/1-test/object.jpg", want: iam.ImplicitDeny},
	{name: "resource doc example no match 2", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/test/object.jpg", want: iam.ImplicitDeny},
	{name: "resource question mark bucket", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::example?bucket/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::example-bucket/k", want: iam.Allowed},
	{name: "resource with colon in key", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/a:b:c", want: iam.Allowed},
	{name: "bucket ARN does not match objects", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "star resource for ListAllMyBuckets", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}}`}, action: "s3:ListAllMyBuckets", resource: "*", want: iam.Allowed},
	{name: "ARN pattern does not match star resource", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::*"}}`}, action: "s3:ListAllMyBuckets", resource: "*", want: iam.ImplicitDeny},
	{name: "wildcard partition", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:*:s3:::b/*"}}`}, action: "s3:GetObject", resource: "arn:aws-cn:s3:::b/k", want: iam.Allowed},
	{name: "resource variable", identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/home/alice/x", ctx: map[string][]string{"aws:username": {"alice"}}, want: iam.Allowed},
	{name: "resource variable other user", identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/home/alice/x", ctx: map[string][]string{"aws:username": {"bob"}}, want: iam.ImplicitDeny},
	{name: "resource variable without value matches nothing", identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/home/x", want: iam.ImplicitDeny},
	{name: "resource variable default", identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'shared'}/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/shared/x", want: iam.Allowed},
	{name: "resource 2008 version literal", identity: []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/x", ctx: map[string][]string{"aws:username": {"alice"}}, want: iam.ImplicitDeny},
	{name: "resource 2008 version literal matches literal", identity: []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/${aws:username}/x", ctx: map[string][]string{"aws:username": {"alice"}}, want: iam.Allowed},
	{name: "explicit deny beats allow", identity: []string{allowAllDoc, `{"Statement":{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "deny in same policy", identity: []string{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:Get*","Resource":"arn:aws:s3:::b/secret/*"}]}`}, action: "s3:GetObject", resource: "arn:aws:s3:::b/secret/k", want: iam.ExplicitDeny},
	{name: "malformed request action", identity: []string{allowAllDoc}, action: "GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "wildcard in request action", identity: []string{allowAllDoc}, action: "s3:*", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "empty resource", identity: []string{allowAllDoc}, action: "s3:GetObject", resource: "", want: iam.ImplicitDeny},

	// Session and service-account policies bound the result.
	{name: "session narrows: not allowed", identity: []string{allowAllDoc}, session: `{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "session narrows: allowed", identity: []string{allowAllDoc}, session: `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "session cannot widen", identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`}, session: allowAllDoc, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "session deny", identity: []string{allowAllDoc}, session: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "service account narrows", identity: []string{allowAllDoc}, svc: `{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "service account allows", identity: []string{allowAllDoc}, svc: `{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "service account and session both needed", identity: []string{allowAllDoc}, svc: allowAllDoc, session: `{"Statement":{"Effect":"Allow","Action":"s3:Put*","Resource":"*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},

	// Bucket policies.
	{name: "bucket policy grants alone", bucket: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::123456789012:user/alice", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket policy other principal", bucket: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::123456789012:user/bob", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "bucket policy anonymous star", bucket: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket policy AWS star", bucket: `{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "*", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket policy anonymous not named", bucket: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "bucket policy account principal", bucket: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::123456789012:root", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket policy service principal never matches", bucket: `{"Statement":{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "bucket deny beats identity allow", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "identity deny beats bucket allow", identity: []string{`{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`}, bucket: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "bucket NotPrincipal deny others", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::1:user/bob", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "bucket NotPrincipal spares named", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`, principal: "arn:aws:iam::1:user/alice", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket grant still bounded by session", bucket: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, session: `{"Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ImplicitDeny},
	{name: "bucket grant with session allowing", bucket: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, session: `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.Allowed},
	{name: "bucket policy condition secure transport deny", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`, principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "bucket policy IfExists negated deny with missing key", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}}}`, principal: "arn:aws:iam::1:user/a", action: "s3:PutObject", resource: "arn:aws:s3:::b/k", want: iam.ExplicitDeny},
	{name: "bucket policy negated deny, required header present", identity: []string{allowAllDoc}, bucket: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}}`, principal: "arn:aws:iam::1:user/a", action: "s3:PutObject", resource: "arn:aws:s3:::b/k", ctx: map[string][]string{"s3:x-amz-server-side-encryption": {"AES256"}}, want: iam.Allowed},
}

func buildSet(t testing.TB, tc *evalCase) *iam.PolicySet {
	t.Helper()
	set := &iam.PolicySet{ResourcePrincipal: tc.principal}
	for i, d := range tc.identity {
		set.Identity = append(set.Identity, iam.NamedPolicy{Name: "p" + string(rune('0'+i)), Policy: mustParse(t, d)})
	}
	if tc.session != "" {
		set.Session = mustParse(t, tc.session)
	}
	if tc.svc != "" {
		set.ServiceAccount = mustParse(t, tc.svc)
	}
	if tc.bucket != "" {
		set.Resource = mustParse(t, tc.bucket, iam.WithResourcePolicy(), iam.WithMaxSize(20*1024))
	}
	return set
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	for i := range evalCases {
		tc := &evalCases[i]
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set := buildSet(t, tc)
			req := &iam.Request{Action: tc.action, Resource: tc.resource, Context: mkctx(t, tc.ctx)}
			if got := decide(t, req, set); got != tc.want {
				_, tr := iam.Explain(req, set)
				t.Errorf("got %v, want %v\n%s", got, tc.want, tr)
			}
		})
	}
}

func TestEvaluateNilInputs(t *testing.T) {
	t.Parallel()
	p := mustParse(t, allowAllDoc)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "all", Policy: p}, {Name: "nil"}}}
	if d := iam.Evaluate(nil, set); d != iam.ImplicitDeny {
		t.Errorf("nil request: %v", d)
	}
	if d := iam.Evaluate(&iam.Request{Action: "s3:GetObject", Resource: "*"}, nil); d != iam.ImplicitDeny {
		t.Errorf("nil set: %v", d)
	}
	// A nil Context is an empty context.
	if d := decide(t, &iam.Request{Action: "s3:GetObject", Resource: "*"}, set); d != iam.Allowed {
		t.Errorf("nil context: %v", d)
	}
	var zero iam.Decision
	if zero != iam.ImplicitDeny {
		t.Errorf("zero Decision is %v, want implicitDeny", zero)
	}
}

func TestEvaluateWrongPolicyKind(t *testing.T) {
	t.Parallel()
	identity := mustParse(t, allowAllDoc)
	bucket := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, iam.WithResourcePolicy())
	req := &iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	for name, set := range map[string]*iam.PolicySet{
		"identity policy as bucket policy": {Resource: identity},
		"bucket policy as identity":        {Identity: []iam.NamedPolicy{{Name: "x", Policy: bucket}}},
		"bucket policy as session":         {Identity: []iam.NamedPolicy{{Name: "x", Policy: identity}}, Session: bucket},
	} {
		d, tr := iam.Explain(req, set)
		if d != iam.ImplicitDeny || iam.Evaluate(req, set) != iam.ImplicitDeny {
			t.Errorf("%s: got %v", name, d)
		}
		if !strings.Contains(tr.Reason, "resource policy") {
			t.Errorf("%s: reason %q does not say why", name, tr.Reason)
		}
	}
}

func TestDecisionString(t *testing.T) {
	t.Parallel()
	for d, want := range map[iam.Decision]string{iam.Allowed: "allowed", iam.ExplicitDeny: "explicitDeny", iam.ImplicitDeny: "implicitDeny"} {
		if d.String() != want {
			t.Errorf("%d.String() = %q, want %q", d, d.String(), want)
		}
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	p := mustParse(t, typicalPolicy)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "home", Policy: p}}}
	ctx := &iam.Context{Username: "alice", SourceIP: netip.MustParseAddr("10.1.2.3")}

	d, tr := iam.Explain(&iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::examplebucket/home/alice/secret/x", Context: ctx}, set)
	if d != iam.ExplicitDeny || len(tr.Deciding) != 1 || tr.Deciding[0].Index != 2 || tr.Deciding[0].Policy != "home" {
		t.Fatalf("deny trace wrong: %v %+v", d, tr.Deciding)
	}
	st := tr.Policies[0].Statements[2]
	if !st.ActionMatched || !st.ResourceMatched || !st.Applies || st.Effect != "Deny" {
		t.Errorf("statement 2 trace: %+v", st)
	}
	if !strings.Contains(tr.String(), "explicitDeny") || !strings.Contains(tr.Reason, "statement 2") {
		t.Errorf("trace text:\n%s", tr)
	}

	d, tr = iam.Explain(&iam.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::examplebucket", Context: ctx}, set)
	if d != iam.ImplicitDeny || len(tr.Deciding) != 0 {
		t.Fatalf("implicit: %v %+v", d, tr.Deciding)
	}
	c := tr.Policies[0].Statements[0].Conditions[0]
	if c.Result != "false" || !strings.Contains(c.Why, "absent") {
		t.Errorf("condition trace: %+v", c)
	}

	// Session bound reason.
	sess := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}`)
	set2 := &iam.PolicySet{Identity: set.Identity, Session: sess}
	_, tr = iam.Explain(&iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::examplebucket/home/alice/x", Context: ctx}, set2)
	if !strings.Contains(tr.Reason, "session policy does not allow") {
		t.Errorf("session reason: %q", tr.Reason)
	}

	// An unresolved variable is explained.
	pv := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`)
	_, tr = iam.Explain(&iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x/y"}, &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "v", Policy: pv}}})
	if !strings.Contains(strings.Join(tr.Policies[0].Statements[0].Why, ";"), "has no value") {
		t.Errorf("unresolved variable not explained: %+v", tr.Policies[0].Statements[0].Why)
	}
}
