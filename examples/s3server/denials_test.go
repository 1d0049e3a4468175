package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/internal/clienttest"
)

const denyBucket = "deny"

// op is one S3 call, translated to the AWS CLI and to boto3.
type op struct {
	kind string // get, put, list, delete
	key  string // object key or list prefix
}

func (o op) cli(t *testing.T, tl *clienttest.Tool, endpoint string) clienttest.Result {
	switch o.kind {
	case "get":
		return tl.AWS(endpoint, "s3api", "get-object", "--bucket", denyBucket, "--key", o.key, filepath.Join(tl.Dir, "get.out"))
	case "put":
		body := tl.WriteFile(t, "put.in", []byte("written by the AWS CLI"))
		return tl.AWS(endpoint, "s3api", "put-object", "--bucket", denyBucket, "--key", o.key, "--body", body)
	case "list":
		return tl.AWS(endpoint, "s3api", "list-objects-v2", "--bucket", denyBucket, "--prefix", o.key)
	default:
		return tl.AWS(endpoint, "s3api", "delete-object", "--bucket", denyBucket, "--key", o.key)
	}
}

func (o op) boto(tl *clienttest.Tool, endpoint string) clienttest.Result {
	switch o.kind {
	case "get":
		return tl.Boto3(endpoint, "s3", "get_object", map[string]any{"Bucket": denyBucket, "Key": o.key})
	case "put":
		return tl.Boto3(endpoint, "s3", "put_object", map[string]any{"Bucket": denyBucket, "Key": o.key, "Body": "written by boto3"})
	case "list":
		return tl.Boto3(endpoint, "s3", "list_objects_v2", map[string]any{"Bucket": denyBucket, "Prefix": o.key})
	default:
		return tl.Boto3(endpoint, "s3", "delete_object", map[string]any{"Bucket": denyBucket, "Key": o.key})
	}
}

// expect checks that r succeeded (want "") or failed with exactly the S3
// error code want.
func expect(t *testing.T, what string, r clienttest.Result, want string) {
	t.Helper()
	switch {
	case want == "" && r.Err != nil:
		t.Errorf("%s: want success, got %s", what, r)
	case want != "" && r.Err == nil:
		t.Errorf("%s: want %s, but it succeeded: %s", what, want, r)
	case want != "" && r.Code() != want:
		t.Errorf("%s: want error code %s, got %q: %s", what, want, r.Code(), r)
	}
}

type denialCase struct {
	name string
	who  string // identity name in the ids map
	op   op
	want string
	// client is the external client to use: "awscli", "boto3" or ""
	// (alternate).
	client string
}

// sdkResult runs the op with aws-sdk-go-v2 and returns a Result whose
// Code is the S3 error code.
func (o op) sdk(who clienttest.Target) clienttest.Result {
	ctx, c, b := context.Background(), clienttest.SDK(who), aws.String(denyBucket)
	var err error
	switch o.kind {
	case "get":
		var out *s3.GetObjectOutput
		if out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String(o.key)}); err == nil {
			out.Body.Close()
		}
	case "put":
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(o.key), Body: strings.NewReader("written by the SDK")})
	case "list":
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, Prefix: aws.String(o.key)})
	default:
		_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String(o.key)})
	}
	if err != nil {
		return clienttest.Result{Err: err, Stderr: "ERRORCODE " + clienttest.APICode(err)}
	}
	return clienttest.Result{}
}

// runDenials runs every case through aws-sdk-go-v2 and through one
// external client, in parallel: the client the case names, or else the
// AWS CLI and boto3 in turn (each CLI start costs about a second of CPU).
func runDenials(t *testing.T, endpoint string, ids map[string]clienttest.Target, cases []denialCase) {
	t.Helper()
	for i, c := range cases {
		external := c.client
		if external == "" {
			external = []string{"awscli", "boto3"}[i%2]
		}
		for _, client := range []string{"sdk", external} {
			t.Run(c.name+"/"+client, func(t *testing.T) {
				t.Parallel()
				who, ok := ids[c.who]
				if !ok {
					t.Fatalf("no identity %q", c.who)
				}
				var r clienttest.Result
				switch client {
				case "sdk":
					r = c.op.sdk(who)
				case "awscli":
					r = c.op.cli(t, clienttest.NewTool(t, client, who), endpoint)
				default:
					r = c.op.boto(clienttest.NewTool(t, client, who), endpoint)
				}
				expect(t, c.who+" "+c.op.kind+" "+c.op.key, r, c.want)
			})
		}
	}
}

// sessionCreds calls AssumeRole through a real client ("awscli" or
// "boto3") as who, with an optional session policy, and returns the
// temporary credentials (or the STS error code).
func sessionCreds(t *testing.T, client string, who clienttest.Target, policy string) (clienttest.Target, string) {
	t.Helper()
	tl := clienttest.NewTool(t, client, who)
	var r clienttest.Result
	if client == "awscli" {
		args := []string{"sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/s3", "--role-session-name", "cli-session"}
		if policy != "" {
			args = append(args, "--policy", policy)
		}
		r = tl.AWS(who.Endpoint, args...)
	} else {
		p := map[string]any{"RoleArn": "arn:aws:iam::000000000000:role/s3", "RoleSessionName": "boto3-session"}
		if policy != "" {
			p["Policy"] = policy
		}
		r = tl.Boto3(who.Endpoint, "sts", "assume_role", p)
	}
	if r.Err != nil {
		if r.Code() == "" {
			t.Fatalf("%s assume-role failed without an error code: %s", client, r)
		}
		return clienttest.Target{}, r.Code()
	}
	var out struct {
		Credentials struct{ AccessKeyID, SecretAccessKey, SessionToken string }
	}
	s := strings.ReplaceAll(r.Stdout, `"AccessKeyId"`, `"AccessKeyID"`)
	if err := json.Unmarshal([]byte(s), &out); err != nil || out.Credentials.SessionToken == "" {
		t.Fatalf("%s assume-role output: %v: %s", client, err, r)
	}
	c := out.Credentials
	return who.With(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), ""
}

const (
	pubReadPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::deny/pub/*"}]}`
	carolPolicy   = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::deny/home/carol/*"},
 {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::deny","Condition":{"StringLike":{"s3:prefix":"home/carol/*"}}}]}`
)

// TestDenialsThroughClients drives the authorization decisions through
// aws-sdk-go-v2 and the AWS CLI or boto3 (STS through both) and checks the exact S3 error code of
// every refusal: no policy, read-only, prefix-scoped, session policy,
// restricted service account, unknown and removed identities.
func TestDenialsThroughClients(t *testing.T) {
	a, _, root := startClientServer(t)
	ctx := context.Background()
	d := a.auth.Directory()
	sdk := clienttest.SDK(root)
	if _, err := sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(denyBucket)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pub/a.txt", "priv/b.txt", "home/carol/c.txt", "dave/d.txt"} {
		if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(denyBucket), Key: aws.String(k), Body: bytes.NewReader([]byte(k))}); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"nopol", "reader", "carol", "dave"} {
		_, err := d.AddUser(ctx, u, u+"-secret-key-1")
		must(err)
	}
	must(d.AttachPolicy(ctx, "readonly", s3auth.Target{User: "reader"}))
	must(d.PutPolicy(ctx, "carol-home", []byte(carolPolicy)))
	must(d.AttachPolicy(ctx, "carol-home", s3auth.Target{User: "carol"}))
	must(d.AttachPolicy(ctx, "readwrite", s3auth.Target{User: "dave"}))
	svc, err := d.AddServiceAccount(ctx, "dave", s3auth.ServiceAccountOptions{Name: "pub-reader", Policy: []byte(pubReadPolicy)})
	must(err)

	user := func(u string) clienttest.Target { return root.With(u, u+"-secret-key-1", "") }
	ids := map[string]clienttest.Target{
		"nopol": user("nopol"), "reader": user("reader"), "carol": user("carol"), "dave": user("dave"),
		"svc":         root.With(svc.AccessKey, svc.SecretKey, ""),
		"unknown":     root.With("nosuchkey", "nosuchkey-secret-1", ""),
		"wrongsecret": root.With("reader", "not-the-secret-of-reader", ""),
	}
	// Sessions of dave narrowed to reading pub/, through both clients.
	for _, client := range []string{"awscli", "boto3"} {
		s, code := sessionCreds(t, client, ids["dave"], pubReadPolicy)
		if code != "" {
			t.Fatalf("%s assume-role as dave: %s", client, code)
		}
		ids["session-"+client] = s
		tampered := s
		tampered.SessionToken = s.SessionToken[:len(s.SessionToken)-4] + "AAAA"
		if tampered.SessionToken == s.SessionToken {
			tampered.SessionToken = s.SessionToken[:len(s.SessionToken)-4] + "BBBB"
		}
		ids["tampered-"+client] = tampered
		// AssumeRole refused: no policy, service account, session.
		for _, who := range []string{"nopol", "svc", "session-" + client} {
			if _, code := sessionCreds(t, client, ids[who], ""); code != "AccessDenied" {
				t.Errorf("%s assume-role as %s: got %q, want AccessDenied", client, who, code)
			}
		}
	}

	get, put, list, del := func(k string) op { return op{"get", k} }, func(k string) op { return op{"put", k} },
		func(p string) op { return op{"list", p} }, func(k string) op { return op{"delete", k} }
	t.Run("before", func(t *testing.T) {
		cases := []denialCase{
			{"no-policy-get", "nopol", get("pub/a.txt"), "AccessDenied", ""},
			{"no-policy-list", "nopol", list(""), "AccessDenied", ""},
			{"no-policy-put", "nopol", put("pub/n"), "AccessDenied", ""},
			{"readonly-get", "reader", get("priv/b.txt"), "", ""},
			{"readonly-list", "reader", list(""), "", ""},
			{"readonly-put", "reader", put("pub/r"), "AccessDenied", ""},
			{"readonly-delete", "reader", del("priv/b.txt"), "AccessDenied", ""},
			{"prefix-put-inside", "carol", put("home/carol/new"), "", ""},
			{"prefix-get-inside", "carol", get("home/carol/c.txt"), "", ""},
			{"prefix-list-inside", "carol", list("home/carol/"), "", ""},
			{"prefix-put-outside", "carol", put("priv/x"), "AccessDenied", ""},
			{"prefix-get-outside", "carol", get("priv/b.txt"), "AccessDenied", ""},
			{"prefix-list-outside", "carol", list(""), "AccessDenied", ""},
			{"svcacct-get-allowed", "svc", get("pub/a.txt"), "", ""},
			{"svcacct-get-outside", "svc", get("priv/b.txt"), "AccessDenied", ""},
			{"svcacct-put", "svc", put("pub/s"), "AccessDenied", ""},
			{"parent-put", "dave", put("dave/new"), "", ""},
			{"unknown-key", "unknown", get("pub/a.txt"), "InvalidAccessKeyId", ""},
			{"wrong-secret", "wrongsecret", get("pub/a.txt"), "SignatureDoesNotMatch", ""},
		}
		for _, c := range []string{"awscli", "boto3"} {
			cases = append(cases,
				denialCase{"session-get-allowed-" + c, "session-" + c, get("pub/a.txt"), "", c},
				denialCase{"session-get-outside-" + c, "session-" + c, get("priv/b.txt"), "AccessDenied", c},
				denialCase{"session-put-" + c, "session-" + c, put("pub/x"), "AccessDenied", c},
				denialCase{"session-tampered-" + c, "tampered-" + c, get("pub/a.txt"), "InvalidToken", c})
		}
		runDenials(t, root.Endpoint, ids, cases)
	})
	if t.Failed() {
		return
	}
	// Removing dave invalidates his keys, his service account and every
	// session at once.
	must(d.RemoveUser(ctx, "dave"))
	t.Run("after-remove", func(t *testing.T) {
		runDenials(t, root.Endpoint, ids, []denialCase{
			{"removed-user", "dave", get("pub/a.txt"), "InvalidAccessKeyId", ""},
			{"removed-parent-svcacct", "svc", get("pub/a.txt"), "InvalidAccessKeyId", ""},
			{"removed-parent-session-cli", "session-awscli", get("pub/a.txt"), "InvalidToken", "awscli"},
			{"removed-parent-session-boto3", "session-boto3", get("pub/a.txt"), "InvalidToken", "boto3"},
		})
	})
}
