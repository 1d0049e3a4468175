package sts_test

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/s3auth/s3auth/sts"
)

func postForm(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

func TestParseForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		code       string // "" = ok
		action     string
	}{
		{"assume role", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/x&RoleSessionName=s1", "", "AssumeRole"},
		{"caller identity", "Action=GetCallerIdentity&Version=2011-06-15", "", "GetCallerIdentity"},
		{"missing action", "Version=2011-06-15", sts.CodeMissingAction, ""},
		{"unknown action", "Action=GetSessionToken&Version=2011-06-15", sts.CodeInvalidAction, ""},
		{"missing version", "Action=AssumeRole", sts.CodeMissingParameter, ""},
		{"wrong version", "Action=AssumeRole&Version=2010-01-01", sts.CodeInvalidParameterValue, ""},
		{"unsupported parameter refused by name", "Action=AssumeRole&Version=2011-06-15&ExternalId=abc", sts.CodeValidationError, ""},
		{"tags refused", "Action=AssumeRole&Version=2011-06-15&Tags.member.1.Key=k", sts.CodeValidationError, ""},
		{"repeated parameter", "Action=AssumeRole&Version=2011-06-15&Policy=a&Policy=b", sts.CodeInvalidParameterValue, ""},
		{"bad escape", "Action=AssumeRole&Version=%zz", sts.CodeInvalidParameterValue, ""},
		{"too large", "Action=AssumeRole&Version=2011-06-15&Policy=" + strings.Repeat("a", sts.MaxFormSize), sts.CodeValidationError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			action, _, err := sts.ParseForm(postForm(tc.body))
			if tc.code == "" {
				if err != nil || action != tc.action {
					t.Fatalf("got %q, %v; want %q", action, err, tc.action)
				}
				return
			}
			var e *sts.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("got %v; want code %s", err, tc.code)
			}
			if e.StatusCode != 400 {
				t.Fatalf("status %d, want 400", e.StatusCode)
			}
		})
	}
}

func TestParseFormRejectsOtherContentTypes(t *testing.T) {
	t.Parallel()
	r := postForm("Action=GetCallerIdentity&Version=2011-06-15")
	r.Header.Set("Content-Type", "application/json")
	if _, _, err := sts.ParseForm(r); err == nil {
		t.Fatal("accepted a JSON body")
	}
}

func TestParseAssumeRole(t *testing.T) {
	t.Parallel()
	base := "Action=AssumeRole&Version=2011-06-15&"
	tests := []struct {
		name, body string
		ok         bool
		dur        time.Duration
	}{
		{"defaults", base + "RoleArn=arn:aws:iam::123456789012:role/demo&RoleSessionName=bob", true, time.Hour},
		{"no role arn (S3-compatible clients)", base + "DurationSeconds=900", true, 900 * time.Second},
		{"max duration", base + "DurationSeconds=43200", true, 12 * time.Hour},
		{"too short", base + "DurationSeconds=899", false, 0},
		{"too long", base + "DurationSeconds=43201", false, 0},
		{"not a number", base + "DurationSeconds=1h", false, 0},
		{"bad arn", base + "RoleArn=arn:aws:iam::1", false, 0},
		{"arn of another service", base + "RoleArn=arn:aws:s3:::bucket/role/whatever", false, 0},
		{"session name too short", base + "RoleSessionName=a", false, 0},
		{"session name bad chars", base + "RoleSessionName=a%20b", false, 0},
		{"session name too long", base + "RoleSessionName=" + strings.Repeat("a", 65), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, form, err := sts.ParseForm(postForm(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			in, err := sts.ParseAssumeRole(form, 0)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && in.Duration != tc.dur {
				t.Fatalf("duration %v, want %v", in.Duration, tc.dur)
			}
			var e *sts.Error
			if !tc.ok && (!errors.As(err, &e) || e.Code != sts.CodeValidationError) {
				t.Fatalf("want ValidationError, got %v", err)
			}
		})
	}
	_, form, _ := sts.ParseForm(postForm(base + "DurationSeconds=7200"))
	if _, err := sts.ParseAssumeRole(form, 3600); err == nil {
		t.Fatal("host maximum of 3600 s not enforced")
	}
}

func TestParseLDAPIdentity(t *testing.T) {
	t.Parallel()
	_, form, err := sts.ParseForm(postForm("Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&LDAPUsername=bob&LDAPPassword=pw%26x"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := sts.ParseLDAPIdentity(form, 0)
	if err != nil || in.Username != "bob" || in.Password != "pw&x" || in.Duration != time.Hour {
		t.Fatalf("got %+v, %v", in, err)
	}
	_, form, _ = sts.ParseForm(postForm("Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&LDAPUsername=bob"))
	if _, err := sts.ParseLDAPIdentity(form, 0); err == nil {
		t.Fatal("missing password accepted")
	}
}

func TestWriteResponses(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := httptest.NewRecorder()
	sts.WriteAssumeRole(rec, &sts.AssumeRoleOutput{
		Credentials:   sts.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s<&>", SessionToken: "tok", Expiration: exp},
		AssumedRoleID: "alice:s1", ARN: "arn:aws:sts::000000000000:assumed-role/alice/s1",
	}, "req-1")
	var got struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
		Result  struct {
			Creds struct {
				AccessKeyID, SecretAccessKey, SessionToken, Expiration string
			} `xml:"Credentials"`
			User struct{ AssumedRoleID, Arn string } `xml:"AssumedRoleUser"`
		} `xml:"AssumeRoleResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	if got.Result.Creds.SecretAccessKey != "s<&>" || got.Result.Creds.Expiration != "2026-01-02T03:04:05Z" || got.RequestID != "req-1" {
		t.Fatalf("unexpected response: %+v", got)
	}

	rec = httptest.NewRecorder()
	sts.WriteError(rec, sts.Errorf(sts.CodeAccessDenied, "no <policy>"), "r2")
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "<Type>Sender</Type><Code>AccessDenied</Code><Message>no &lt;policy&gt;</Message>") {
		t.Fatalf("error response: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	sts.WriteError(rec, errors.New("disk on fire: secret path /x"), "r3")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "disk") {
		t.Fatalf("internal error leaked or wrong status: %d %s", rec.Code, rec.Body)
	}
}

func TestNewTemporaryKeys(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		ak, sk, err := sts.NewTemporaryKeys()
		if err != nil || len(ak) != 20 || !strings.HasPrefix(ak, "ASIA") || len(sk) != 40 || seen[ak] {
			t.Fatalf("bad keys %q %q %v", ak, sk, err)
		}
		seen[ak] = true
	}
}

func FuzzParseForm(f *testing.F) {
	f.Add("Action=AssumeRole&Version=2011-06-15&DurationSeconds=900&Policy=%7B%7D")
	f.Add("Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&LDAPUsername=a&LDAPPassword=b")
	f.Fuzz(func(t *testing.T, body string) {
		action, form, err := sts.ParseForm(postForm(body))
		if err != nil {
			return
		}
		switch action {
		case sts.ActionAssumeRole:
			in, err := sts.ParseAssumeRole(form, 0)
			if err == nil && (in.Duration < sts.MinDuration*time.Second || in.Duration > sts.MaxDuration*time.Second) {
				t.Fatalf("duration out of range: %v", in.Duration)
			}
		case sts.ActionAssumeRoleWithLDAPIdentity:
			in, err := sts.ParseLDAPIdentity(form, 0)
			if err == nil && (in.Username == "" || in.Password == "") {
				t.Fatal("empty LDAP credentials accepted")
			}
		}
	})
}
