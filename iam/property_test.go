package iam_test

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

var (
	propActions   = []string{`"s3:GetObject"`, `"s3:PutObject"`, `"s3:Get*"`, `"s3:*"`, `"*"`, `"s3:List*"`, `["s3:DeleteObject","s3:ListBucket"]`, `"S3:getobject"`, `"s3:Get?bject"`}
	propResources = []string{`"*"`, `"arn:aws:s3:::b/*"`, `"arn:aws:s3:::b"`, `"arn:aws:s3:::b/home/${aws:username}/*"`, `"arn:aws:s3:::c/*"`, `"arn:aws:s3:::*/x?"`, `"arn:aws:s3:::b/a*b*"`, `["arn:aws:s3:::b/secret/*","arn:aws:s3:::c"]`, `"arn:*:s3:::b*"`}
	propConds     = []string{
		`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`,
		`{"StringNotEquals":{"s3:x-amz-acl":["private","public-read"]}}`,
		`{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}`,
		`{"NotIpAddress":{"aws:SourceIp":"10.1.2.3"}}`,
		`{"Bool":{"aws:SecureTransport":"true"}}`,
		`{"Null":{"s3:prefix":"true"}}`,
		`{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["a","b"]}}`,
		`{"ForAnyValue:StringLike":{"s3:RequestObjectTagKeys":"a*"}}`,
		`{"NumericLessThanIfExists":{"s3:max-keys":"100"}}`,
		`{"DateLessThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}`,
		`{"StringEqualsIgnoreCase":{"aws:username":"ALICE"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`,
	}
	propReqActions   = []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetObjectTagging", "iam:CreateUser"}
	propReqResources = []string{"arn:aws:s3:::b/k", "arn:aws:s3:::b", "arn:aws:s3:::b/home/alice/x", "arn:aws:s3:::b/secret/s", "arn:aws:s3:::c", "arn:aws:s3:::c/x1", "arn:aws:s3:::b/ab", "*", "arn:aws:s3:::bx/y"}
)

func propContexts() []*iam.Context {
	c1 := &iam.Context{Username: "alice", PrincipalARN: "arn:aws:iam::1:user/alice", SourceIP: netip.MustParseAddr("10.1.2.3"), SecureTransport: true, CurrentTime: now}
	c1.Set("s3:prefix", "home/alice/docs")
	c2 := &iam.Context{Username: "bob", SourceIP: netip.MustParseAddr("2001:db8::9"), CurrentTime: now}
	c2.Set("s3:x-amz-acl", "public-read")
	c2.Set("s3:RequestObjectTagKeys", "a", "c")
	c2.Set("s3:max-keys", "1000")
	c3 := &iam.Context{}
	c3.Set("s3:max-keys", "x")
	c3.Set("s3:RequestObjectTagKeys")
	return []*iam.Context{c1, c2, c3, nil}
}

func randStatement(r *rand.Rand) string {
	effect := "Allow"
	if r.IntN(4) == 0 {
		effect = "Deny"
	}
	act := "Action"
	if r.IntN(6) == 0 {
		act = "NotAction"
	}
	res := "Resource"
	if r.IntN(6) == 0 {
		res = "NotResource"
	}
	s := `{"Effect":"` + effect + `","` + act + `":` + propActions[r.IntN(len(propActions))] + `,"` + res + `":` + propResources[r.IntN(len(propResources))]
	if r.IntN(2) == 0 {
		s += `,"Condition":` + propConds[r.IntN(len(propConds))]
	}
	return s + "}"
}

// TestPropertyRoundTripAndShuffle checks, on random policies, that a
// policy and its canonical JSON decide every request the same, that the
// order of statements and of policies never matters, and (through decide)
// that Explain agrees with Evaluate.
func TestPropertyRoundTripAndShuffle(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	ctxs := propContexts()
	for iter := 0; iter < 300; iter++ {
		n := 1 + r.IntN(6)
		sts := make([]string, n)
		for i := range sts {
			sts[i] = randStatement(r)
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
		p, err := iam.Parse([]byte(doc), iam.WithMaxSize(-1))
		if err != nil {
			t.Fatalf("generated policy does not parse: %v\n%s", err, doc)
		}
		rt := checkRoundTrip(t, p)
		r.Shuffle(len(sts), func(i, j int) { sts[i], sts[j] = sts[j], sts[i] })
		shuffled := mustParse(t, `{"Version":"2012-10-17","Statement":[`+strings.Join(sts, ",")+`]}`, iam.WithMaxSize(-1))
		// A second policy to check that policy order does not matter either.
		other := mustParse(t, `{"Version":"2012-10-17","Statement":[`+randStatement(r)+`]}`)

		for _, a := range propReqActions {
			for _, res := range propReqResources {
				for _, c := range ctxs {
					req := &iam.Request{Action: a, Resource: res, Context: c}
					one := func(ps ...*iam.Policy) iam.Decision {
						set := &iam.PolicySet{}
						for _, q := range ps {
							set.Identity = append(set.Identity, iam.NamedPolicy{Name: "p", Policy: q})
						}
						return decide(t, req, set)
					}
					want := one(p)
					if got := one(rt); got != want {
						t.Fatalf("round trip changed %s on %s: %v -> %v\n%s\n%s", a, res, want, got, doc, rt)
					}
					if got := one(shuffled); got != want {
						t.Fatalf("shuffle changed %s on %s: %v -> %v\n%s\n%s", a, res, want, got, doc, shuffled)
					}
					if one(p, other) != one(other, shuffled) {
						t.Fatalf("policy order changed the decision for %s on %s\n%s\n%s", a, res, doc, other)
					}
				}
			}
		}
	}
}

func fuzzSeeds() []string {
	seeds := []string{typicalPolicy, policy2KB, allowAllDoc}
	for _, c := range parseErrCases {
		seeds = append(seeds, c.doc)
	}
	for _, c := range condCases {
		seeds = append(seeds, condPolicy(c.version, "Allow", c.cond))
	}
	for _, c := range evalCases {
		seeds = append(seeds, c.identity...)
		if c.bucket != "" {
			seeds = append(seeds, c.bucket)
		}
	}
	return seeds
}

// FuzzParse: Parse never panics; it returns a *ParseError or *SizeError,
// or a policy whose canonical form parses back, is stable, and decides a
// few requests the same way.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	ctxs := propContexts()
	f.Fuzz(func(t *testing.T, doc []byte, resource bool) {
		opts := []iam.ParseOption{iam.WithMaxSize(8192)}
		if resource {
			opts = append(opts, iam.WithResourcePolicy())
		}
		p, err := iam.Parse(doc, opts...)
		if err != nil {
			var pe *iam.ParseError
			var se *iam.SizeError
			if !errors.As(err, &pe) && !errors.As(err, &se) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		q := checkRoundTrip(t, p, opts...)
		for _, a := range propReqActions[:3] {
			for _, res := range propReqResources[:4] {
				for _, c := range ctxs {
					req := &iam.Request{Action: a, Resource: res, Context: c}
					var s1, s2 iam.PolicySet
					if resource {
						s1 = iam.PolicySet{Resource: p, ResourcePrincipal: "arn:aws:iam::1:user/alice"}
						s2 = iam.PolicySet{Resource: q, ResourcePrincipal: "arn:aws:iam::1:user/alice"}
					} else {
						s1 = iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "p", Policy: p}}}
						s2 = iam.PolicySet{Identity: []iam.NamedPolicy{{Name: "p", Policy: q}}}
					}
					if d1, d2 := decide(t, req, &s1), decide(t, req, &s2); d1 != d2 {
						t.Fatalf("round trip changed %s on %s: %v -> %v\n%s\n%s", a, res, d1, d2, doc, q)
					}
				}
			}
		}
	})
}
