package sigv4test_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/sigv4/sigv4test"
)

func TestFixturesVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	c := sigv4test.ExampleCredentials()
	tok := sigv4test.Credentials{AccessKey: "ASIATEMP", SecretKey: "s", SessionToken: "tok"}
	v := sigv4.NewVerifier(sigv4test.Lookup(c, tok), sigv4.WithClock(sigv4test.Clock{T: now}), sigv4.WithRegions("eu-central-1", "us-east-1"))
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160000 bytes: 3 chunks
	tests := []struct {
		name string
		req  func(t *testing.T) *sigv4.Result
		want []byte
		mode sigv4.PayloadMode
	}{
		{"header PUT", func(t *testing.T) *sigv4.Result {
			r := sigv4test.Sign(t, sigv4test.NewRequest(t, "PUT", "http://b.example/k%20x", []byte("hi")), c, sigv4test.WithTime(now), sigv4test.WithRegion("eu-central-1"))
			return verify(t, v, r)
		}, []byte("hi"), sigv4.PayloadSigned},
		{"header GET unsigned with token", func(t *testing.T) *sigv4.Result {
			r := sigv4test.Sign(t, sigv4test.NewRequest(t, "GET", "http://b.example/k?acl", nil), tok, sigv4test.WithTime(now), sigv4test.WithUnsignedPayload())
			return verify(t, v, r)
		}, nil, sigv4.PayloadUnsigned},
		{"presigned PUT", func(t *testing.T) *sigv4.Result {
			r := sigv4test.Presign(t, sigv4test.NewRequest(t, "PUT", "http://b.example/k", []byte("up")), tok, time.Hour, sigv4test.WithTime(now))
			return verify(t, v, r)
		}, []byte("up"), sigv4.PayloadUnsigned},
		{"streaming PUT", func(t *testing.T) *sigv4.Result {
			r := sigv4test.SignStreaming(t, sigv4test.NewRequest(t, "PUT", "http://b.example/big", big), c, sigv4test.WithTime(now))
			return verify(t, v, r)
		}, big, sigv4.PayloadStreamingSigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := tt.req(t)
			if res.Payload != tt.mode {
				t.Errorf("payload mode %v, want %v", res.Payload, tt.mode)
			}
			var got []byte
			if res.Body != nil {
				var err error
				if got, err = io.ReadAll(res.Body); err != nil {
					t.Fatalf("body: %v", err)
				}
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("body %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

func verify(t *testing.T, v *sigv4.Verifier, r *http.Request) *sigv4.Result {
	t.Helper()
	res, err := v.Verify(r)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

func TestLookupRejects(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tok := sigv4test.Credentials{AccessKey: "ASIATEMP", SecretKey: "s", SessionToken: "tok"}
	v := sigv4.NewVerifier(sigv4test.Lookup(tok), sigv4.WithClock(sigv4test.Clock{T: now}))
	for name, c := range map[string]sigv4test.Credentials{
		sigv4.ErrCodeInvalidToken:       {AccessKey: "ASIATEMP", SecretKey: "s", SessionToken: "other"},
		sigv4.ErrCodeInvalidAccessKeyID: sigv4test.ExampleCredentials(),
	} {
		r := sigv4test.Sign(t, sigv4test.NewRequest(t, "GET", "http://b.example/k", nil), c, sigv4test.WithTime(now))
		var e *sigv4.Error
		if _, err := v.Verify(r); !errors.As(err, &e) || e.Code != name {
			t.Errorf("got %v, want %s", err, name)
		}
	}
}
