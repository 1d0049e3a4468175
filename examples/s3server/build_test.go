package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/s3auth/s3auth"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func startApp(t *testing.T, dir string, vars map[string]string, out io.Writer) (*app, *httptest.Server) {
	t.Helper()
	c, err := parseFlags([]string{"--data", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), c, env(vars), out, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.handler)
	t.Cleanup(func() { ts.Close(); a.Close() })
	return a, ts
}

func client(url, ak, sk string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
}

func code(err error) string {
	var ae smithy.APIError
	if err != nil && errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestRootCredentialsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	a, ts := startApp(t, dir, nil, &out)
	printed := out.String()
	if !strings.Contains(printed, "AWS_ACCESS_KEY_ID=") || !strings.Contains(printed, "AWS_SECRET_ACCESS_KEY=") {
		t.Fatalf("root credentials not printed: %q", printed)
	}
	ak := strings.Fields(strings.SplitAfter(printed, "AWS_ACCESS_KEY_ID=")[1])[0]
	sk := strings.Fields(strings.SplitAfter(printed, "AWS_SECRET_ACCESS_KEY=")[1])[0]
	ctx := context.Background()
	if _, err := client(ts.URL, ak, sk).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("root CreateBucket: %v", err)
	}
	ts.Close()
	a.Close()

	out.Reset()
	_, ts2 := startApp(t, dir, nil, &out)
	if out.Len() != 0 {
		t.Fatalf("root credentials printed again: %q", out.String())
	}
	if _, err := client(ts2.URL, ak, sk).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("root after restart: %v", err)
	}
}

func TestServerUsersPoliciesAndSealedSecrets(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{
		"S3AUTH_ROOT_ACCESS_KEY": "rootkey", "S3AUTH_ROOT_SECRET_KEY": "rootsecret-123",
		"S3AUTH_MASTER_KEY": "a passphrase that is long enough",
	}
	a, ts := startApp(t, dir, vars, io.Discard)
	ctx := context.Background()
	root := client(ts.URL, "rootkey", "rootsecret-123")
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.auth.Directory().AddUser(ctx, "alice", "alice-secret-1"); err != nil {
		t.Fatal(err)
	}
	alice := client(ts.URL, "alice", "alice-secret-1")
	_, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("v")})
	if code(err) != "AccessDenied" {
		t.Fatalf("user without policy: %v", err)
	}
	if err := a.auth.Directory().AttachPolicy(ctx, "readwrite", s3auth.Target{User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatalf("readwrite PutObject: %v", err)
	}
	// Bucket policy: anonymous read of one prefix.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/pub/*"}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(pol)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(`{"Version":"2012-10-17"}`)}); code(err) != "MalformedPolicy" {
		t.Fatalf("invalid bucket policy: %v", err)
	}
	ts.Close()
	a.Close()
	// Restart without the master key: sealed secrets cannot be opened, and
	// the server says so instead of starting with unusable credentials.
	c, _ := parseFlags([]string{"--data", dir}, io.Discard)
	if _, err := build(ctx, c, env(map[string]string{"S3AUTH_ROOT_ACCESS_KEY": "rootkey", "S3AUTH_ROOT_SECRET_KEY": "rootsecret-123"}), io.Discard, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("started without the master key that sealed the secrets")
	}
}

func TestBadStoreFlag(t *testing.T) {
	c, _ := parseFlags([]string{"--data", t.TempDir(), "--store", "redis://x"}, io.Discard)
	if _, err := build(context.Background(), c, env(nil), io.Discard, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "etcd://") {
		t.Fatalf("bad --store: %v", err)
	}
}
