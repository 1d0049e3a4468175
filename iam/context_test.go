package iam_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

func TestContextSetRefusesServerKeys(t *testing.T) {
	t.Parallel()
	refused := []string{
		"aws:username", "AWS:Username", "aws:userid", "aws:SourceIp", "aws:sourceip", "aws:PrincipalType",
		"aws:SecureTransport", "aws:CurrentTime", "aws:EpochTime", "aws:TokenIssueTime", "aws:PrincipalArn",
		"aws:anything-new", "s3:authType", "S3:AUTHTYPE", "s3:signatureversion", "s3:signatureAge",
		"s3:x-amz-content-sha256", "s3:TlsVersion",
		"prefix", ":x", "s3:", "", "s3:a b", "s3:${x}", "s 3:x",
	}
	for _, k := range refused {
		var c iam.Context
		if c.Set(k, "v") {
			t.Errorf("Set(%q) accepted", k)
		}
		if _, ok := c.Get(k); ok {
			t.Errorf("Get(%q) found a refused key", k)
		}
	}
	var c iam.Context
	for _, k := range []string{"s3:prefix", "s3:x-amz-acl", "s3:RequestObjectTag/Team", "s3:RequestObjectTagKeys", "s3:VersionId", "s3:x-amz-copy-source"} {
		if !c.Set(k, "v") {
			t.Errorf("Set(%q) refused", k)
		}
	}
}

// A client that smuggles aws:username through request keys gains nothing.
func TestContextSpoofing(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"},{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"Admin"}}}]}`)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "p", Policy: p}}}
	c := &iam.Context{}
	c.Set("aws:username", "alice")
	c.Set("AWS:PrincipalType", "Admin")
	if d := decide(t, &iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/x", Context: c}, set); d != iam.ImplicitDeny {
		t.Errorf("spoofed keys were honoured: %v", d)
	}
}

func TestContextKeysCaseInsensitiveAndReset(t *testing.T) {
	t.Parallel()
	c := &iam.Context{Username: "alice"}
	if !c.Set("S3:Prefix", "a") || !c.Set("s3:PREFIX", "b", "c") {
		t.Fatal("Set refused")
	}
	if v, ok := c.Get("s3:prefix"); !ok || !slices.Equal(v, []string{"b", "c"}) {
		t.Errorf("Get = %v, %v", v, ok)
	}
	p := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"c"}}}}`)
	set := &iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "p", Policy: p}}}
	req := &iam.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: c}
	if d := decide(t, req, set); d != iam.Allowed {
		t.Errorf("before reset: %v", d)
	}
	c.Reset()
	if c.Username != "" {
		t.Error("Reset kept a field")
	}
	if _, ok := c.Get("s3:prefix"); ok {
		t.Error("Reset kept a key")
	}
	if d := decide(t, req, set); d != iam.ImplicitDeny {
		t.Errorf("after reset: %v", d)
	}
	c.Set("s3:delimiter", "/")
	if v, _ := c.Get("s3:delimiter"); !slices.Equal(v, []string{"/"}) {
		t.Errorf("reused context: %v", v)
	}
	if _, ok := c.Get("s3:prefix"); ok {
		t.Error("reused slot leaked an old key")
	}
}

func TestSourceIP(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{name: "direct client", remote: "203.0.113.5:1234", want: "203.0.113.5"},
		{name: "untrusted peer's header ignored", remote: "203.0.113.5:1234", xff: []string{"1.2.3.4"}, want: "203.0.113.5"},
		{name: "trusted proxy", remote: "10.0.0.1:80", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "rightmost untrusted hop", remote: "10.0.0.1:80", xff: []string{"1.1.1.1, 198.51.100.7, 10.0.0.2"}, want: "198.51.100.7"},
		{name: "several headers", remote: "10.0.0.1:80", xff: []string{"1.1.1.1", "10.0.0.9"}, want: "1.1.1.1"},
		{name: "all trusted", remote: "10.0.0.1:80", xff: []string{"10.0.0.3, 10.0.0.2"}, want: "10.0.0.3"},
		{name: "garbage stops at last trusted", remote: "10.0.0.1:80", xff: []string{"1.1.1.1, nonsense"}, want: "10.0.0.1"},
		{name: "ipv6 peer", remote: "[::1]:80", xff: []string{"2001:db8::5"}, want: "2001:db8::5"},
		{name: "v4-mapped peer", remote: "[::ffff:203.0.113.9]:80", want: "203.0.113.9"},
		{name: "bare address", remote: "203.0.113.5", want: "203.0.113.5"},
		{name: "unparsable", remote: "pipe", want: "invalid IP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := iam.SourceIP(tc.remote, tc.xff, trusted).String(); got != tc.want {
				t.Errorf("SourceIP = %s, want %s", got, tc.want)
			}
		})
	}
}
