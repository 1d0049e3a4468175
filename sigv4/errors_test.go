package sigv4_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/sigv4"
)

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		notInBody  string
		stringSign bool
	}{
		{"sigv4 error", &sigv4.Error{Code: sigv4.ErrCodeAccessDenied, Message: "Access <Denied> & \"more\"", StatusCode: 403}, 403, "AccessDenied", "", false},
		{"wrapped", fmt.Errorf("ctx: %w", &sigv4.Error{Code: sigv4.ErrCodeMissingContentLength, Message: "m"}), 411, "MissingContentLength", "", false},
		{"foreign error hidden", errors.New("secret db dsn postgres://u:p@h"), 500, "InternalError", "postgres", false},
		{"nil error", nil, 500, "InternalError", "", false},
		{"signature mismatch carries canonical request", &sigv4.Error{Code: sigv4.ErrCodeSignatureDoesNotMatch, Message: "m", StatusCode: 403, CanonicalRequest: "GET\n/", StringToSign: "AWS4-HMAC-SHA256\n"}, 403, "SignatureDoesNotMatch", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			sigv4.WriteError(w, tt.err, "/bucket/key&<x>", "REQ123")
			body := w.Body.String()
			if w.Code != tt.status || w.Header().Get("Content-Type") != "application/xml" || w.Header().Get("X-Amz-Request-Id") != "REQ123" {
				t.Fatalf("status %d headers %v", w.Code, w.Header())
			}
			if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
				t.Errorf("no XML declaration: %q", body)
			}
			var doc struct {
				XMLName          xml.Name `xml:"Error"`
				Code, Message    string
				Resource         string
				RequestID        string `xml:"RequestId"`
				StringToSign     string
				CanonicalRequest string
			}
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("%v: %q", err, body)
			}
			if doc.Code != tt.code || doc.Resource != "/bucket/key&<x>" || doc.RequestID != "REQ123" || doc.Message == "" {
				t.Errorf("doc %+v", doc)
			}
			if tt.notInBody != "" && strings.Contains(body, tt.notInBody) {
				t.Errorf("body leaks %q: %s", tt.notInBody, body)
			}
			if tt.stringSign != (doc.StringToSign != "" && doc.CanonicalRequest != "") {
				t.Errorf("StringToSign/CanonicalRequest presence wrong: %+v", doc)
			}
			if w.Header().Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length %s for %d bytes", w.Header().Get("Content-Length"), len(body))
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{
		sigv4.ErrCodeAccessDenied: 403, sigv4.ErrCodeSignatureDoesNotMatch: 403, sigv4.ErrCodeInvalidAccessKeyID: 403,
		sigv4.ErrCodeRequestTimeTooSkewed: 403, sigv4.ErrCodeAuthorizationHeaderMalformed: 400,
		sigv4.ErrCodeAuthorizationQueryParametersError: 400, sigv4.ErrCodeXAmzContentSHA256Mismatch: 400,
		sigv4.ErrCodeMissingSecurityHeader: 400, sigv4.ErrCodeInvalidRequest: 400, sigv4.ErrCodeInvalidArgument: 400,
		sigv4.ErrCodeExpiredToken: 400, sigv4.ErrCodeInvalidToken: 400, sigv4.ErrCodeMalformedPOSTRequest: 400,
		sigv4.ErrCodeIncompleteBody: 400, sigv4.ErrCodeInvalidDigest: 400, sigv4.ErrCodeBadDigest: 400,
		sigv4.ErrCodeEntityTooLarge: 400, sigv4.ErrCodeEntityTooSmall: 400, sigv4.ErrCodeMissingContentLength: 411,
		sigv4.ErrCodeNotImplemented: 501, sigv4.ErrCodeServiceUnavailable: 503, sigv4.ErrCodeInternalError: 500,
		sigv4.ErrCodeInvalidSecurity: 403, sigv4.ErrCodeMaxMessageLengthExceeded: 400, "NoSuchThing": 500,
	} {
		if got := sigv4.StatusCode(code); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
	e := &sigv4.Error{Code: "X", Message: "m", Err: io.EOF}
	if !errors.Is(e, io.EOF) || e.Error() != "sigv4: X: m: EOF" {
		t.Errorf("Error/Unwrap: %q", e.Error())
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	v := testVerifier()
	var seen *sigv4.Result
	h := sigv4.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := sigv4.FromContext(r.Context())
		if !ok {
			t.Error("no result in context")
		}
		seen = res
		b, err := io.ReadAll(r.Body)
		if err != nil {
			sigv4.WriteError(w, err, r.URL.Path, "")
			return
		}
		w.Write(b)
	}))
	t.Run("verified", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signed(t, "PUT", "http://b.example.com/k", "abc", "", nil))
		if w.Code != 200 || w.Body.String() != "abc" || seen == nil || seen.Type != sigv4.AuthHeader {
			t.Fatalf("%d %q %+v", w.Code, w.Body, seen)
		}
	})
	t.Run("rejected never reaches next", func(t *testing.T) {
		seen = nil
		w := httptest.NewRecorder()
		r := signed(t, "GET", "http://b.example.com/k", "", "", nil)
		r.Header.Set("X-Amz-Date", "20240102T030406Z")
		h.ServeHTTP(w, r)
		if w.Code != 403 || seen != nil || !strings.Contains(w.Body.String(), "<Code>SignatureDoesNotMatch</Code>") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("anonymous passes with AuthAnonymous", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://b.example.com/k", nil))
		if w.Code != 200 || seen == nil || seen.Type != sigv4.AuthAnonymous {
			t.Fatalf("%d %+v", w.Code, seen)
		}
	})
	if _, ok := sigv4.FromContext(t.Context()); ok {
		t.Error("FromContext on empty context")
	}
}
