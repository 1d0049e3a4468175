package attacks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3auth/s3auth/iam"
)

// TestAttack_PolicyParserDifferentials: documents that two JSON parsers (or
// a JSON parser and a human) could read differently — duplicate keys, case
// and Unicode tricks, wrong types, deep nesting, size-limit evasion — are
// refused by iam.Parse instead of being given one arbitrary meaning.
func TestAttack_PolicyParserDifferentials(t *testing.T) {
	t.Parallel()
	const (
		head = `{"Version":"2012-10-17","Statement":[`
		tail = `]}`
		res  = `"Resource":"arn:aws:s3:::bkt/*"`
	)
	stmt := func(body string) string { return head + "{" + body + "}" + tail }
	ok := stmt(`"Effect":"Allow","Action":"s3:GetObject",` + res)
	if _, err := iam.Parse([]byte(ok)); err != nil {
		t.Fatalf("control policy refused: %v", err)
	}
	deep := head + `{"Effect":"Allow","Action":"s3:GetObject",` + res + `,"Condition":{"StringEquals":{"aws:username":` +
		strings.Repeat("[", 50) + `"a"` + strings.Repeat("]", 50) + `}}}` + tail
	bigSid := strings.Repeat("A", 2100)
	escapedSid := strings.Repeat(`\u0041`, 400) // 400 characters decoded, 2400 bytes as written
	tests := []struct {
		name string
		doc  string
		size bool // want a *iam.SizeError
	}{
		{"duplicate-effect", stmt(`"Effect":"Deny","Effect":"Allow","Action":"s3:GetObject",` + res), false},
		{"duplicate-effect-escaped-name", stmt(`"Effect":"Deny","\u0045ffect":"Allow","Action":"s3:GetObject",` + res), false},
		{"duplicate-action", stmt(`"Effect":"Allow","Action":"s3:GetObject","Action":"s3:*",` + res), false},
		{"duplicate-resource", stmt(`"Effect":"Allow","Action":"s3:GetObject",` + res + `,"Resource":"*"`), false},
		{"duplicate-condition-operator", stmt(`"Effect":"Allow","Action":"s3:GetObject",` + res +
			`,"Condition":{"StringEquals":{"aws:username":"a"},"StringEquals":{"aws:username":"b"}}`), false},
		{"duplicate-condition-key", stmt(`"Effect":"Allow","Action":"s3:GetObject",` + res +
			`,"Condition":{"StringEquals":{"aws:username":"a","aws:username":"b"}}`), false},
		{"duplicate-statement", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}],"Statement":[]}`, false},
		{"duplicate-version", `{"Version":"2012-10-17","Version":"2008-10-17","Statement":[]}`, false},
		{"key-case-effect", stmt(`"effect":"Allow","Action":"s3:GetObject",` + res), false},
		{"key-case-EFFECT", stmt(`"EFFECT":"Allow","Action":"s3:GetObject",` + res), false},
		{"key-case-both", stmt(`"Effect":"Deny","effect":"Allow","Action":"s3:GetObject",` + res), false},
		{"key-case-statement", `{"Version":"2012-10-17","statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, false},
		{"value-case-ALLOW", stmt(`"Effect":"ALLOW","Action":"s3:GetObject",` + res), false},
		{"value-case-allow", stmt(`"Effect":"allow","Action":"s3:GetObject",` + res), false},
		{"value-trailing-space", stmt(`"Effect":"Allow ","Action":"s3:GetObject",` + res), false},
		{"value-trailing-nul", stmt(`"Effect":"Allow\u0000","Action":"s3:GetObject",` + res), false},
		{"lookalike-effect-cyrillic-A", stmt(`"Effect":"\u0410llow","Action":"s3:GetObject",` + res), false},
		{"lookalike-effect-name-greek-E", stmt(`"\u0395ffect":"Allow","Action":"s3:GetObject",` + res), false},
		{"lookalike-deny-fullwidth", stmt(`"Effect":"\uff24eny","Action":"s3:GetObject",` + res), false},
		{"lookalike-action-cyrillic-e", stmt(`"Effect":"Allow","Action":"s3:GetObj\u0435ct",` + res), false},
		{"lookalike-action-fullwidth-colon", stmt(`"Effect":"Allow","Action":"s3\uff1aGetObject",` + res), false},
		{"lookalike-action-zero-width", stmt(`"Effect":"Allow","Action":"s3:Get\u200bObject",` + res), false},
		{"lookalike-action-nul", stmt(`"Effect":"Allow","Action":"s3:GetObject\u0000",` + res), false},
		{"lookalike-resource-arn-scheme", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"\u0430rn:aws:s3:::bkt/*"`), false},
		{"invalid-utf8", stmt("\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\xff\"," + res), false},
		{"effect-array", stmt(`"Effect":["Allow"],"Action":"s3:GetObject",` + res), false},
		{"effect-array-two", stmt(`"Effect":["Deny","Allow"],"Action":"s3:GetObject",` + res), false},
		{"effect-object", stmt(`"Effect":{"Allow":true},"Action":"s3:GetObject",` + res), false},
		{"effect-bool", stmt(`"Effect":true,"Action":"s3:GetObject",` + res), false},
		{"effect-null", stmt(`"Effect":null,"Action":"s3:GetObject",` + res), false},
		{"effect-number", stmt(`"Effect":1,"Action":"s3:GetObject",` + res), false},
		{"action-number", stmt(`"Effect":"Allow","Action":1,` + res), false},
		{"action-nested-array", stmt(`"Effect":"Allow","Action":[["s3:GetObject"]],` + res), false},
		{"action-and-notaction", stmt(`"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:PutObject",` + res), false},
		{"unknown-element", stmt(`"Effect":"Allow","Action":"s3:GetObject",` + res + `,"Principle":"*"`), false},
		{"deep-nesting", deep, false},
		{"deep-nesting-statement", `{"Version":"2012-10-17","Statement":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false},
		{"trailing-document", ok + `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, false},
		{"trailing-garbage", ok + `x`, false},
		{"comment", `/* allow */` + ok, false},
		{"byte-order-mark", "\ufeff" + ok, false},
		{"single-quotes", strings.ReplaceAll(ok, `"`, `'`), false},
		{"size-plain", stmt(`"Sid":"` + bigSid + `","Effect":"Allow","Action":"s3:GetObject",` + res), true},
		{"size-escapes-count-as-written", stmt(`"Sid":"S` + escapedSid + `","Effect":"Allow","Action":"s3:GetObject",` + res), true},
		{"size-whitespace-inside-strings", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/` + strings.Repeat(" ", 2100) + `"`), true},
		{"size-escaped-whitespace", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/` + strings.Repeat(`\u0020`, 400) + `"`), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := iam.Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %.200s ... (%d statements)", tc.doc, len(p.Statements()))
			}
			var se *iam.SizeError
			if tc.size != errors.As(err, &se) {
				t.Fatalf("size error = %v, want %v: %v", errors.As(err, &se), tc.size, err)
			}
			if !strings.HasPrefix(err.Error(), "iam: ") {
				t.Fatalf("error does not name the package: %v", err)
			}
		})
	}
	// Whitespace between tokens does not count toward the limit, as in
	// AWS: a policy padded with it is accepted.
	t.Run("control/whitespace-between-tokens", func(t *testing.T) {
		padded := strings.ReplaceAll(ok, ",", ","+strings.Repeat(" \n\t", 1000))
		if _, err := iam.Parse([]byte(padded)); err != nil {
			t.Fatalf("padded policy refused: %v", err)
		}
	})
}
