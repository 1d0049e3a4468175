package sts_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/sts"
)

// A password in the URL would reach access logs and proxies: refused, with
// a message that says where to send it; the form body is accepted.
func TestParseFormRefusesLDAPPasswordInURL(t *testing.T) {
	t.Parallel()
	const params = "Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&LDAPUsername=bob&LDAPPassword=hunter2-secret"
	tests := []struct {
		name string
		req  *http.Request
		code string
	}{
		{"query of a GET", httptest.NewRequest(http.MethodGet, "/?"+params, nil), sts.CodeInvalidParameterValue},
		{"query of a POST", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/?"+params, strings.NewReader(""))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(), sts.CodeInvalidParameterValue},
		{"form body", postForm(params), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, form, err := sts.ParseForm(tc.req)
			if tc.code == "" {
				if err != nil || form.Get("LDAPPassword") != "hunter2-secret" {
					t.Fatalf("got %v", err)
				}
				return
			}
			var e *sts.Error
			if !errors.As(err, &e) || e.Code != tc.code || !strings.Contains(e.Message, "POST form body") {
				t.Fatalf("got %v; want %s naming the form body", err, tc.code)
			}
			if strings.Contains(e.Message, "hunter2") {
				t.Fatalf("the error shows the password: %v", e)
			}
		})
	}
}
