package s3auth_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/s3authtest"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store/memstore"
	stsproto "github.com/s3auth/s3auth/sts"
)

// A session outlives neither its user's removal nor the user's re-creation
// under the same name: the new user is a different identity.
func TestSessionOfRemovedUserStaysRevokedWhenNameIsReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "erin", "erin-secret-12", "readwrite")
	c := assume(t, e, "erin", "erin-secret-12")
	if err := put(t, c, "k", "v"); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	if err := e.Auth.Directory().RemoveUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	e.AddUser(t, "erin", "another-secret-34", "readwrite")
	if _, err := get(t, c, "k"); apiCode(err) != "InvalidToken" {
		t.Fatalf("old session after the name was reused: %v, want InvalidToken", err)
	}
	// Sessions of the new user work.
	if _, err := get(t, assume(t, e, "erin", "another-secret-34"), "k"); err != nil {
		t.Fatalf("new user's session: %v", err)
	}
}

// A Deny of sts:AssumeRole that depends on the request (source address,
// TLS) is honoured: AssumeRole sees the same condition keys as S3 requests.
func TestAssumeRoleDenyWithRequestConditions(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	const allow = `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`
	e.PutPolicy(t, "deny-loopback", `{"Version":"2012-10-17","Statement":[`+allow+`,{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	e.PutPolicy(t, "deny-plain-http", `{"Version":"2012-10-17","Statement":[`+allow+`,{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	e.PutPolicy(t, "deny-other-net", `{"Version":"2012-10-17","Statement":[`+allow+`,{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`)
	e.AddUser(t, "loop", "loop-secret-12", "deny-loopback")
	e.AddUser(t, "plain", "plain-secret-12", "deny-plain-http")
	e.AddUser(t, "other", "other-secret-12", "deny-other-net")
	role := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")}
	tests := []struct {
		name, ak, sk, code string
	}{
		{"deny by source address", "loop", "loop-secret-12", "AccessDenied"},
		{"deny without TLS", "plain", "plain-secret-12", "AccessDenied"},
		{"deny for another network does not apply", "other", "other-secret-12", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := stsClient(e, static(tc.ak, tc.sk, "")).AssumeRole(context.Background(), role)
			if apiCode(err) != tc.code {
				t.Fatalf("got %v, want %q", err, tc.code)
			}
		})
	}
}

// Signature failures on STS calls carry STS's codes with STS's statuses.
func TestSTSAuthErrorsUseSTSCodes(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "gus", "gus-secret-123", "readwrite")
	out, err := stsClient(e, static("gus", "gus-secret-123", "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	tests := []struct {
		name   string
		prov   aws.CredentialsProvider
		code   string
		status int
	}{
		{"unknown access key", static("nobody", "nobody-secret-1", ""), "InvalidClientTokenId", 403},
		{"invalid session token", static(*cr.AccessKeyId, *cr.SecretAccessKey, "not-a-token"), "InvalidClientTokenId", 403},
		{"wrong secret", static("gus", "wrong-secret-12", ""), "SignatureDoesNotMatch", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stsClient(e, tc.prov).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			var re *awshttp.ResponseError
			if apiCode(err) != tc.code || !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Fatalf("got %v, want %s (%d)", err, tc.code, tc.status)
			}
		})
	}
	// A request signed an hour ago is refused as RequestExpired (400).
	e.Clock.Advance(time.Hour)
	_, err = stsClient(e, static("gus", "gus-secret-123", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var re *awshttp.ResponseError
	if apiCode(err) != "RequestExpired" || !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Fatalf("skewed request: got %v, want RequestExpired (400)", err)
	}
}

// The Principal a host receives (and may log, or hand to a JSON encoder)
// carries no secret key: it was needed only to verify the signature.
func TestPrincipalCarriesNoSecret(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "hal", "hal-secret-key-12345", "readwrite")
	out, err := e.Auth.AssumeRole(context.Background(), &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "hal", User: "hal", Policies: []string{"readwrite"}}, &stsproto.AssumeRoleInput{Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	tests := []struct {
		name, ak, sk, tok string
	}{
		{"user", "hal", "hal-secret-key-12345", ""},
		{"session", c.AccessKeyID, c.SecretAccessKey, c.SessionToken},
		{"root", s3authtest.RootAccessKey, s3authtest.RootSecretKey, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // the second time from the caches
				r := e.NewRequest(t, http.MethodGet, "/bkt/k", nil, tc.ak, tc.sk, tc.tok)
				p, err := e.Auth.Authenticate(r)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, text := range []string{string(b), fmt.Sprintf("%+v %+v", *p, *p.Auth)} {
					if strings.Contains(text, tc.sk) {
						t.Fatalf("the principal shows the secret key: %s", text)
					}
				}
				if d := e.Auth.Authorize(context.Background(), p, r); !d.Allowed {
					t.Fatalf("denied: %s", d.Reason)
				}
			}
		})
	}
}

// A key dropped from the ring by a rotation on one node stops opening
// tokens on every node sharing the store within a minute, cached sessions
// included; keys still in the ring keep working.
func TestRotatedOutKeyIsDroppedOnOtherNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	t.Cleanup(func() { st.Close() })
	clock := s3authtest.NewClock(time.Now())
	node := func() *s3auth.Auth {
		a, err := s3auth.New(ctx, st, s3auth.WithAuthClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	a1, a2 := node(), node()
	if _, err := a1.Directory().AddUser(ctx, "ivy", "ivy-secret-1234"); err != nil {
		t.Fatal(err)
	}
	if err := a1.Directory().AttachPolicy(ctx, "readwrite", s3auth.Target{User: "ivy"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // node 2 learns of the user through the store's watch
		if c, ok := a2.Directory().LookupCredential("ivy"); ok && len(c.Policies) == 1 {
			break
		}
		if i == 500 {
			t.Fatal("node 2 never saw the user")
		}
		time.Sleep(10 * time.Millisecond)
	}
	clock.Advance(time.Second)
	p := &s3auth.Principal{Kind: s3auth.PrincipalUser, AccessKey: "ivy", User: "ivy", Policies: []string{"readwrite"}}
	mint := func() stsproto.Credentials {
		out, err := a2.AssumeRole(ctx, p, &stsproto.AssumeRoleInput{Duration: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return out.Credentials
	}
	old := mint()
	use := func(c stsproto.Credentials) error {
		r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/bkt/k", nil)
		if err != nil {
			t.Fatal(err)
		}
		s3authtest.Sign(t, r, nil, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, clock.Now())
		_, err = a2.Authenticate(r)
		return err
	}
	if err := use(old); err != nil { // now in node 2's session cache
		t.Fatal(err)
	}
	// Two rotations on node 1 with keep=2: the key that sealed old is gone.
	for range 2 {
		if err := a1.RotateTokenKey(ctx, 2); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Minute)
	var se *sigv4.Error
	if err := use(old); !errors.As(err, &se) || se.Code != "InvalidToken" {
		t.Fatalf("token sealed with a rotated-out key on another node: %v, want InvalidToken", err)
	}
	if err := use(mint()); err != nil {
		t.Fatalf("fresh session after the rotation: %v", err)
	}
}

// Root: GetCallerIdentity answers the account id as UserId (as AWS does),
// and AssumeRole is refused with a message that names root.
func TestSTSForRoot(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	root := static(s3authtest.RootAccessKey, s3authtest.RootSecretKey, "")
	id, err := stsClient(e, root).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.UserId) != "000000000000" || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" {
		t.Fatalf("root identity: UserId %q, Arn %q", aws.ToString(id.UserId), aws.ToString(id.Arn))
	}
	_, err = stsClient(e, root).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("s1")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "root") {
		t.Fatalf("root AssumeRole: %v, want AccessDenied naming root", err)
	}
}

// fakeLDAP accepts any password and answers fixed POSIX ids.
type fakeLDAP struct{ uid, gid uint32 }

func (f fakeLDAP) Login(_ context.Context, username, _, _ string) (*ldapauth.Identity, error) {
	return f.Revalidate(context.Background(), "uid="+username+",ou=people,dc=example,dc=org", username)
}

func (f fakeLDAP) Revalidate(_ context.Context, dn, username string) (*ldapauth.Identity, error) {
	uid, gid := f.uid, f.gid
	return &ldapauth.Identity{Username: username, DN: dn, UID: &uid, GID: &gid}, nil
}

// An LDAP entry whose uidNumber or gidNumber is 0 never makes the session
// root-owned unless the host allows root ownership (as for local users).
func TestLDAPSessionNeverRootOwnedByDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		uid, gid uint32
		set      bool
	}{
		{"ordinary ids", 1001, 100, true},
		{"uid 0", 0, 100, false},
		{"gid 0", 1001, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := s3authtest.NewEnv(t, func(o *s3auth.Options) { o.LDAP = fakeLDAP{tc.uid, tc.gid} })
			if err := e.Auth.Directory().AttachPolicy(context.Background(), "readwrite", s3auth.Target{LDAPDN: "uid=carl,ou=people,dc=example,dc=org"}); err != nil {
				t.Fatal(err)
			}
			form := url.Values{"Action": {"AssumeRoleWithLDAPIdentity"}, "Version": {"2011-06-15"}, "LDAPUsername": {"carl"}, "LDAPPassword": {"carl-password"}}
			r, _ := http.NewRequest(http.MethodPost, e.URL()+"/", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Result struct {
					Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
				} `xml:"AssumeRoleWithLDAPIdentityResult"`
			}
			if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			c := out.Result.Credentials
			p, err := e.Auth.Authenticate(e.NewRequest(t, http.MethodGet, "/bkt/k", nil, c.AccessKeyId, c.SecretAccessKey, c.SessionToken))
			if err != nil {
				t.Fatal(err)
			}
			if p.Posix.Set != tc.set || (tc.set && (uint32(p.Posix.UID) != tc.uid || uint32(p.Posix.GID) != tc.gid)) {
				t.Fatalf("posix owner %+v, want set=%v %d:%d", p.Posix, tc.set, tc.uid, tc.gid)
			}
		})
	}
}

// A bucket policy that cannot be read denies (fail closed), and the host's
// error text stays in the log: the reason is sent to the client.
func TestBucketPolicyErrorDeniesWithoutDetails(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t, func(o *s3auth.Options) {
		o.BucketPolicy = func(context.Context, string) (*iam.Policy, error) {
			return nil, errors.New("open /srv/private/meta/bkt/policy.json: input/output error")
		}
	})
	e.AddUser(t, "joe", "joe-secret-12345", "readwrite")
	r := e.NewRequest(t, http.MethodGet, "/bkt/k", nil, "joe", "joe-secret-12345", "")
	p, err := e.Auth.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	d := e.Auth.Authorize(context.Background(), p, r)
	if d.Allowed {
		t.Fatal("allowed although the bucket policy could not be read")
	}
	if msg := d.S3Error().Message; strings.Contains(msg, "/srv/private") || !strings.Contains(msg, "bkt") {
		t.Fatalf("client message %q: want the bucket named and no host error text", msg)
	}
}

// An AssumeRole in flight when its user is disabled, removed or has its
// sessions revoked must not mint a session that outlives the revocation.
func TestAssumeRoleInFlightDuringRevocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		revoke func(e *s3authtest.Env) error
	}{
		{"revoke sessions", func(e *s3authtest.Env) error { return e.Auth.RevokeSessions(ctx, "kim") }},
		{"disable", func(e *s3authtest.Env) error { return e.Auth.Directory().DisableUser(ctx, "kim") }},
		{"remove", func(e *s3authtest.Env) error { return e.Auth.Directory().RemoveUser(ctx, "kim") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := s3authtest.NewEnv(t)
			e.AddUser(t, "kim", "kim-secret-1234", "readwrite")
			e.Clock.Advance(time.Second)
			p, err := e.Auth.Authenticate(e.NewRequest(t, http.MethodGet, "/bkt/k", nil, "kim", "kim-secret-1234", ""))
			if err != nil {
				t.Fatal(err)
			}
			// Authenticated; the revocation lands before the session is minted.
			if err := tc.revoke(e); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(time.Second)
			_, err = e.Auth.AssumeRole(ctx, p, &stsproto.AssumeRoleInput{Duration: time.Hour})
			var se *stsproto.Error
			if !errors.As(err, &se) || se.Code != "AccessDenied" {
				t.Fatalf("AssumeRole after the revocation: %v, want AccessDenied", err)
			}
		})
	}
}

// TestAssumeRoleUserRecreatedInFlight: a user removed and created again
// under the same name while its AssumeRole request is being served must
// not receive a session, which would belong to the new user (found in
// review).
func TestAssumeRoleUserRecreatedInFlight(t *testing.T) {
	t.Parallel()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "joe", "joe-secret-12345", "readwrite")
	r := e.NewRequest(t, http.MethodGet, "/bkt/k", nil, "joe", "joe-secret-12345", "")
	p, err := e.Auth.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	// Neither user ever had its sessions revoked: only the creation time
	// tells them apart.
	ctx := context.Background()
	if err := e.Auth.Directory().RemoveUser(ctx, "joe"); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	e.AddUser(t, "joe", "joe-secret-67890", "readwrite")
	e.Clock.Advance(time.Second)
	out, err := e.Auth.AssumeRole(ctx, p, &stsproto.AssumeRoleInput{Duration: time.Hour})
	if err == nil {
		t.Fatalf("the removed user's request got a session %s for the new user of the same name", out.Credentials.AccessKeyID)
	}
	if !strings.Contains(err.Error(), "removed") {
		t.Errorf("error %q does not say why", err)
	}
}
