package s3auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	minio "github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/s3authtest"
	stsproto "github.com/s3auth/s3auth/sts"
)

const getOnlyHome = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/home/*"}]}`

func s3Client(e *s3authtest.Env, prov aws.CredentialsProvider) *s3.Client {
	return s3.New(s3.Options{
		Region:       s3authtest.Region,
		BaseEndpoint: aws.String(e.URL()),
		UsePathStyle: true,
		Credentials:  prov,
	})
}

func stsClient(e *s3authtest.Env, prov aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: s3authtest.Region, BaseEndpoint: aws.String(e.URL()), Credentials: prov})
}

func static(ak, sk, tok string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(ak, sk, tok)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

func put(t *testing.T, c *s3.Client, key, body string) error {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader(body)})
	return err
}

func get(t *testing.T, c *s3.Client, key string) (string, error) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func TestUsersThroughSDK(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "writer", "writer-secret-1", "readwrite")
	e.AddUser(t, "reader", "reader-secret-1", "readonly")
	e.AddUser(t, "nobody", "nobody-secret-1")

	w := s3Client(e, static("writer", "writer-secret-1", ""))
	if err := put(t, w, "home/a.txt", "hello"); err != nil {
		t.Fatalf("readwrite PutObject: %v", err)
	}
	if got, err := get(t, w, "home/a.txt"); err != nil || got != "hello" {
		t.Fatalf("GetObject = %q, %v", got, err)
	}
	r := s3Client(e, static("reader", "reader-secret-1", ""))
	if got, err := get(t, r, "home/a.txt"); err != nil || got != "hello" {
		t.Fatalf("readonly GetObject = %q, %v", got, err)
	}
	if err := put(t, r, "home/b.txt", "x"); apiCode(err) != "AccessDenied" {
		t.Fatalf("readonly PutObject: %v, want AccessDenied", err)
	}
	n := s3Client(e, static("nobody", "nobody-secret-1", ""))
	if _, err := get(t, n, "home/a.txt"); apiCode(err) != "AccessDenied" {
		t.Fatalf("no policy: %v, want AccessDenied", err)
	}
	bad := s3Client(e, static("writer", "wrong-secret-1", ""))
	if _, err := get(t, bad, "home/a.txt"); apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	unknown := s3Client(e, static("ghost", "ghost-secret-1", ""))
	if _, err := get(t, unknown, "home/a.txt"); apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("unknown key: %v", err)
	}
	if _, ok := e.Object("bkt", "home/b.txt"); ok {
		t.Fatal("a denied PutObject stored an object")
	}
}

func TestAssumeRoleThroughSDK(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "alice", "alice-secret-1", "readwrite")
	ctx := context.Background()
	c := stsClient(e, static("alice", "alice-secret-1", ""))

	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/any"), RoleSessionName: aws.String("build"),
		DurationSeconds: aws.Int32(900), Policy: aws.String(getOnlyHome),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cr := out.Credentials
	if !strings.HasPrefix(*cr.AccessKeyId, "ASIA") || *cr.SessionToken == "" {
		t.Fatalf("credentials: %+v", cr)
	}
	if d := cr.Expiration.Sub(e.Clock.Now()); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("expiration in %v, want 900s", d)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/alice/build" {
		t.Fatalf("assumed role user: %+v", out.AssumedRoleUser)
	}
	if err := put(t, s3Client(e, static("alice", "alice-secret-1", "")), "home/x", "data"); err != nil {
		t.Fatal(err)
	}
	sess := s3Client(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken))
	if got, err := get(t, sess, "home/x"); err != nil || got != "data" {
		t.Fatalf("session GetObject: %q %v", got, err)
	}
	// The session policy narrows: PutObject is allowed to alice, not to the session.
	err = put(t, sess, "home/y", "z")
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("session PutObject: %v, want AccessDenied", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "session policy") {
		t.Fatalf("the denial does not point at the session policy: %v", err)
	}
	// GetCallerIdentity for the session and the user.
	id, err := stsClient(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:assumed-role/alice/build" || *id.Account != "000000000000" {
		t.Fatalf("GetCallerIdentity(session): %+v %v", id, err)
	}
	id, err = c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::000000000000:user/alice" {
		t.Fatalf("GetCallerIdentity(user): %+v %v", id, err)
	}
	// No chaining.
	_, err = stsClient(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/any"), RoleSessionName: aws.String("again")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("chained AssumeRole: %v, want AccessDenied", err)
	}
	// Expiry through the fake clock.
	// Requests are signed at the fake clock's time from here on.
	e.Clock.Advance(901 * time.Second)
	req := e.NewRequest(t, http.MethodGet, "/bkt/home/x", nil, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>ExpiredToken</Code>") {
		t.Fatalf("after expiry: %d %s, want 400 ExpiredToken", resp.StatusCode, body)
	}
}

func TestSessionPolicyCannotWiden(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "rouser", "ro-secret-12", "readonly")
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	out, err := stsClient(e, static("rouser", "ro-secret-12", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1"), Policy: aws.String(wide)})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if err := put(t, s3Client(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)), "k", "v"); apiCode(err) != "AccessDenied" {
		t.Fatalf("session widened its parent: %v", err)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "nopol", "nopol-secret-1")
	e.PutPolicy(t, "deny-sts", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)
	e.AddUser(t, "denied", "denied-secret-1", "deny-sts")
	e.AddUser(t, "okay", "ok-secret-123", "readwrite")
	ctx := context.Background()
	role := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")}
	tests := []struct {
		name, ak, sk string
		in           *sts.AssumeRoleInput
		code         string
	}{
		{"no policy", "nopol", "nopol-secret-1", role, "AccessDenied"},
		{"explicit deny of sts:AssumeRole", "denied", "denied-secret-1", role, "AccessDenied"},
		{"duration too long", "okay", "ok-secret-123", &sts.AssumeRoleInput{RoleArn: role.RoleArn, RoleSessionName: role.RoleSessionName, DurationSeconds: aws.Int32(43201)}, "ValidationError"},
		{"malformed session policy", "okay", "ok-secret-123", &sts.AssumeRoleInput{RoleArn: role.RoleArn, RoleSessionName: role.RoleSessionName, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Bogus":1}]}`)}, "MalformedPolicyDocument"},
		{"session policy too large", "okay", "ok-secret-123", &sts.AssumeRoleInput{RoleArn: role.RoleArn, RoleSessionName: role.RoleSessionName, Policy: aws.String(bigPolicy(3000))}, "PackedPolicyTooLarge"},
		{"unsupported parameter", "okay", "ok-secret-123", &sts.AssumeRoleInput{RoleArn: role.RoleArn, RoleSessionName: role.RoleSessionName, ExternalId: aws.String("ext-123")}, "ValidationError"},
		{"wrong secret", "okay", "bad-secret-123", role, "SignatureDoesNotMatch"},
		{"unknown key", "nobody", "bad-secret-123", role, "InvalidClientTokenId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stsClient(e, static(tc.ak, tc.sk, "")).AssumeRole(ctx, tc.in)
			if apiCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func bigPolicy(n int) string {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"arn:aws:s3:::bucket/some/long/prefix/number/` + strings.Repeat("x", 20) + `"`)
	}
	b.WriteString(`]}]}`)
	return b.String()
}

func TestAssumeRoleProviderRefreshes(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "bob", "bob-secret-12", "readwrite")
	prov := stscreds.NewAssumeRoleProvider(stsClient(e, static("bob", "bob-secret-12", "")), "arn:aws:iam::000000000000:role/any", func(o *stscreds.AssumeRoleOptions) {
		o.Duration = 900 * time.Second
	})
	// An expiry window of almost the whole lifetime makes every retrieval
	// refresh, as an SDK does near expiry.
	cache := aws.NewCredentialsCache(prov, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 899 * time.Second })
	c := s3Client(e, cache)
	if err := put(t, c, "k1", "v1"); err != nil {
		t.Fatal(err)
	}
	first, _ := cache.Retrieve(context.Background())
	time.Sleep(1100 * time.Millisecond)
	if got, err := get(t, c, "k1"); err != nil || got != "v1" {
		t.Fatalf("after refresh: %q %v", got, err)
	}
	second, _ := cache.Retrieve(context.Background())
	if first.AccessKeyID == second.AccessKeyID {
		t.Fatalf("credentials were not refreshed: %s", first.AccessKeyID)
	}
}

func TestMinioAssumeRole(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "carol", "carol-secret-1", "readwrite")
	creds, err := miniocreds.NewSTSAssumeRole(e.URL(), miniocreds.STSAssumeRoleOptions{
		AccessKey: "carol", SecretKey: "carol-secret-1", Location: s3authtest.Region, DurationSeconds: 900,
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := creds.GetWithContext(nil)
	if err != nil || !strings.HasPrefix(v.AccessKeyID, "ASIA") {
		t.Fatalf("minio AssumeRole: %+v %v", v, err)
	}
	mc, err := minio.New(strings.TrimPrefix(e.URL(), "http://"), &minio.Options{Creds: creds, Region: s3authtest.Region})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("from minio via sts")
	if _, err := mc.PutObject(context.Background(), "bkt", "m.txt", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("minio PutObject with session credentials: %v", err)
	}
	if got, _ := e.Object("bkt", "m.txt"); !bytes.Equal(got, data) {
		t.Fatalf("stored %q", got)
	}
}

func TestServiceAccountsThroughSDK(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "dave", "dave-secret-12", "readwrite")
	ctx := context.Background()
	dir := e.Auth.Directory()
	full, err := dir.AddServiceAccount(ctx, "dave", s3auth.ServiceAccountOptions{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	narrow, err := dir.AddServiceAccount(ctx, "dave", s3auth.ServiceAccountOptions{Name: "reader", Policy: []byte(getOnlyHome)})
	if err != nil {
		t.Fatal(err)
	}
	fc := s3Client(e, static(full.AccessKey, full.SecretKey, ""))
	if err := put(t, fc, "home/f", "1"); err != nil {
		t.Fatalf("unrestricted service account inherits readwrite: %v", err)
	}
	nc := s3Client(e, static(narrow.AccessKey, narrow.SecretKey, ""))
	if _, err := get(t, nc, "home/f"); err != nil {
		t.Fatalf("restricted service account GetObject: %v", err)
	}
	if err := put(t, nc, "home/g", "2"); apiCode(err) != "AccessDenied" {
		t.Fatalf("restricted service account PutObject: %v", err)
	}
	// A change to the parent's policies applies at once.
	if err := dir.DetachPolicy(ctx, "readwrite", s3auth.Target{User: "dave"}); err != nil {
		t.Fatal(err)
	}
	if err := dir.AttachPolicy(ctx, "readonly", s3auth.Target{User: "dave"}); err != nil {
		t.Fatal(err)
	}
	if err := put(t, fc, "home/h", "3"); apiCode(err) != "AccessDenied" {
		t.Fatalf("parent downgraded, child still writes: %v", err)
	}
	// Service accounts cannot assume roles.
	_, err = stsClient(e, static(full.AccessKey, full.SecretKey, "")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("service account AssumeRole: %v", err)
	}
	// Disabling the parent stops the children; removing it removes them.
	if err := dir.DisableUser(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, fc, "home/f"); apiCode(err) != "AccessDenied" {
		t.Fatalf("disabled parent, child: %v", err)
	}
	if err := dir.RemoveUser(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, nc, "home/f"); apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("removed parent, child: %v", err)
	}
}

func assume(t *testing.T, e *s3authtest.Env, ak, sk string) *s3.Client {
	t.Helper()
	out, err := stsClient(e, static(ak, sk, "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	return s3Client(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken))
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		revoke func(e *s3authtest.Env) error
		code   string
	}{
		{"remove parent", func(e *s3authtest.Env) error { return e.Auth.Directory().RemoveUser(ctx, "erin") }, "InvalidToken"},
		{"disable parent", func(e *s3authtest.Env) error { return e.Auth.Directory().DisableUser(ctx, "erin") }, "InvalidToken"},
		{"revoke sessions", func(e *s3authtest.Env) error { return e.Auth.RevokeSessions(ctx, "erin") }, "InvalidToken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := s3authtest.NewEnv(t)
			e.AddUser(t, "erin", "erin-secret-12", "readwrite")
			c := assume(t, e, "erin", "erin-secret-12")
			if err := put(t, c, "k", "v"); err != nil {
				t.Fatal(err)
			}
			// Requests in flight on other goroutines while revoking.
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
						_, _ = get(t, c, "k")
					}
				}
			}()
			e.Clock.Advance(time.Second)
			if err := tc.revoke(e); err != nil {
				t.Fatal(err)
			}
			close(stop)
			<-done
			if _, err := get(t, c, "k"); apiCode(err) != tc.code {
				t.Fatalf("after revocation: %v, want %s", err, tc.code)
			}
		})
	}
}

func TestTokenTampering(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "frank", "frank-secret-1", "readwrite")
	out, err := stsClient(e, static("frank", "frank-secret-1", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	tok := *cr.SessionToken
	for _, i := range []int{0, 1, 5, len(tok) / 2, len(tok) - 1} {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		c := s3Client(e, static(*cr.AccessKeyId, *cr.SecretAccessKey, string(b)))
		if _, err := get(t, c, "k"); apiCode(err) != "InvalidToken" {
			t.Fatalf("byte %d changed: %v", i, err)
		}
	}
	// The token of one session with another session's keys.
	out2, _ := stsClient(e, static("frank", "frank-secret-1", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("t1")})
	c := s3Client(e, static(*out2.Credentials.AccessKeyId, *out2.Credentials.SecretAccessKey, tok))
	if _, err := get(t, c, "k"); apiCode(err) != "InvalidToken" {
		t.Fatalf("token of another session: %v", err)
	}
}

func TestKeyRingSharedAndRotated(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "gina", "gina-secret-1", "readwrite")
	// A second node on the same store shares the ring.
	other, err := s3auth.New(context.Background(), e.Store, s3auth.WithAuthClock(e.Clock))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	out, err := stsClient(e, static("gina", "gina-secret-1", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	req := e.NewRequest(t, http.MethodGet, "/bkt/none", nil, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	if _, err := other.Authenticate(req); err != nil {
		t.Fatalf("second node: %v", err)
	}
	// Rotate on the second node: old sessions still verify on both; new
	// sessions from the first node (after it reloads) verify on the second.
	if err := other.RotateTokenKey(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	req = e.NewRequest(t, http.MethodGet, "/bkt/none", nil, *cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	if _, err := other.Authenticate(req); err != nil {
		t.Fatalf("old session after rotation: %v", err)
	}
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "gina", User: "gina", Policies: []string{"readwrite"}}
	o2, err := other.AssumeRole(context.Background(), p, &stsproto.AssumeRoleInput{Duration: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	req = e.NewRequest(t, http.MethodGet, "/bkt/none", nil, o2.Credentials.AccessKeyID, o2.Credentials.SecretAccessKey, o2.Credentials.SessionToken)
	if _, err := e.Auth.Authenticate(req); err != nil {
		t.Fatalf("first node, token sealed with the rotated key: %v", err)
	}
}

func TestDecisionHookAndExplain(t *testing.T) {
	t.Parallel()
	var recs []s3auth.DecisionRecord
	e := s3authtest.NewEnv(t, func(o *s3auth.Options) {
		o.DecisionHook = func(_ context.Context, r s3auth.DecisionRecord) { recs = append(recs, r) }
	})
	e.AddUser(t, "hal", "hal-secret-123", "readonly")
	req := e.NewRequest(t, http.MethodPut, "/bkt/k", []byte("x"), "hal", "hal-secret-123", "")
	p, err := e.Auth.Authenticate(req)
	if err != nil {
		t.Fatal(err)
	}
	d := e.Auth.AuthorizeTrace(context.Background(), p, req)
	if d.Allowed || d.Result.String() != "implicitDeny" || d.Trace == nil || d.Operation.Name != "PutObject" {
		t.Fatalf("decision: %+v", d)
	}
	if len(recs) != 1 || recs[0].Action != "s3:PutObject" || recs[0].Decision != "implicitDeny" || recs[0].User != "hal" {
		t.Fatalf("records: %+v", recs)
	}
	for _, r := range recs {
		if strings.Contains(r.Reason, "hal-secret-123") {
			t.Fatal("secret in the decision record")
		}
	}
	if s := d.Trace.String(); strings.Contains(s, "hal-secret-123") || s == "" {
		t.Fatalf("trace: %q", s)
	}
}
