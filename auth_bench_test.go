package s3auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/sts"
)

// benchRequest builds a typical header-signed GET object request.
func benchRequest(b *testing.B, e *s3authtest.Env, ak, sk, tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9000/examplebucket/home/alice/notes/2026.txt", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	s3authtest.Sign(b, r, nil, ak, sk, tok, e.Clock.Now())
	return r
}

func benchAuth(b *testing.B, e *s3authtest.Env, r *http.Request) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := e.Auth.Authenticate(r)
		if err != nil {
			b.Fatal(err)
		}
		if d := e.Auth.Authorize(ctx, p, r); !d.Allowed {
			b.Fatal(d.Reason)
		}
	}
}

const benchPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::examplebucket"],"Condition":{"StringLike":{"s3:prefix":["home/alice/*"]}}},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::examplebucket/home/alice/*"]},{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::examplebucket/home/alice/secret/*"]},{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::public/*"],"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}]}`

func BenchmarkAuthenticateAuthorize_User(b *testing.B) {
	e, r := benchUserRequest(b)
	benchAuth(b, e, r)
}

// benchUserRequest is the benchmarks' GET signed by alice herself.
func benchUserRequest(b *testing.B) (*s3authtest.Env, *http.Request) {
	e := s3authtest.NewEnv(b)
	e.PutPolicy(b, "alice-home", benchPolicy)
	e.AddUser(b, "alice", "alice-secret-1", "alice-home")
	return e, benchRequest(b, e, "alice", "alice-secret-1", "")
}

func BenchmarkAuthenticateAuthorize_Session(b *testing.B) {
	e, r := benchSessionRequest(b)
	benchAuth(b, e, r)
}

// benchSessionRequest is the benchmarks' GET signed with the session
// credentials alice obtained from AssumeRole.
func benchSessionRequest(b *testing.B) (*s3authtest.Env, *http.Request) {
	e, _ := benchUserRequest(b)
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "alice", User: "alice", Policies: []string{"alice-home"}}
	out, err := e.Auth.AssumeRole(context.Background(), p, &sts.AssumeRoleInput{Duration: time.Hour, RoleSessionName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	c := out.Credentials
	return e, benchRequest(b, e, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func BenchmarkAssumeRole_Mint(b *testing.B) {
	e := s3authtest.NewEnv(b)
	e.AddUser(b, "alice", "alice-secret-1", "readwrite")
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "alice", User: "alice", Policies: []string{"readwrite"}}
	in := &sts.AssumeRoleInput{Duration: time.Hour, RoleSessionName: "bench",
		Policy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::examplebucket/*"}]}`)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Auth.AssumeRole(ctx, p, in); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAuthorize measures Authorize alone on a principal authenticated
// once: the part of a request that is not signature verification. Only
// the first decision about a principal uses the room allocated with it,
// so every iteration here pays for a Decision of its own (the first
// decision of a request does not).
func benchAuthorize(b *testing.B, e *s3authtest.Env, r *http.Request) {
	p, err := e.Auth.Authenticate(r)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Auth.Authorize(ctx, p, r); !d.Allowed {
			b.Fatal(d.Reason)
		}
	}
}

func BenchmarkAuthorize_User(b *testing.B) {
	e, r := benchUserRequest(b)
	benchAuthorize(b, e, r)
}

func BenchmarkAuthorize_Session(b *testing.B) {
	e, r := benchSessionRequest(b)
	benchAuthorize(b, e, r)
}
