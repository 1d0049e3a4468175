package sigv4

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// A browser POST policy is a JSON document, sent base64-encoded in the
// "policy" form field and signed as that base64 text:
//
//	{ "expiration": "2015-12-30T12:00:00.000Z",
//	  "conditions": [
//	    {"bucket": "sigv4examplebucket"},               exact match
//	    ["eq", "$acl", "public-read"],                   exact match
//	    ["starts-with", "$key", "user/user1/"],          prefix ("" = anything)
//	    ["content-length-range", 1048576, 10485760]      file size bounds
//	  ] }

// maxPolicyConditions bounds the number of conditions in a policy.
const maxPolicyConditions = 256

// postCondition is one eq or starts-with condition.
type postCondition struct {
	startsWith bool
	field      string // lower case, without "$"
	value      string
}

// postPolicy is a parsed POST policy document.
type postPolicy struct {
	expiration time.Time
	conditions []postCondition
	hasRange   bool
	minLength  int64
	maxLength  int64
}

func policyError(format string, args ...any) *Error {
	return newError(ErrCodeInvalidPolicyDocument, "Invalid Policy: "+format, args...)
}

// parsePostPolicy parses a decoded policy document.
func parsePostPolicy(doc []byte) (*postPolicy, error) {
	var raw struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, policyError("the policy is not a JSON object with \"expiration\" and \"conditions\": %v", err)
	}
	if dec.More() {
		return nil, policyError("data after the policy document")
	}
	if raw.Expiration == nil {
		return nil, policyError("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339Nano, *raw.Expiration)
	if err != nil || !strings.HasSuffix(*raw.Expiration, "Z") {
		return nil, policyError("Invalid 'expiration' value: want an ISO 8601 UTC time such as 2015-12-30T12:00:00.000Z")
	}
	if raw.Conditions == nil {
		return nil, policyError("Policy missing conditions.")
	}
	if len(raw.Conditions) > maxPolicyConditions {
		return nil, policyError("too many conditions (at most %d)", maxPolicyConditions)
	}
	p := &postPolicy{expiration: exp}
	for _, c := range raw.Conditions {
		if err := p.addCondition(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *postPolicy) addCondition(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return policyError("empty condition")
	}
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
			return policyError("an exact-match condition must be an object with one field, e.g. {\"acl\": \"public-read\"}")
		}
		for k, v := range m {
			val, ok := jsonScalar(v)
			if !ok {
				return policyError("condition %q: the value must be a string", clipField(k))
			}
			return p.add(false, strings.ToLower(k), val)
		}
	case '[':
		var a []json.RawMessage
		if err := json.Unmarshal(raw, &a); err != nil || len(a) != 3 {
			return policyError("a condition array must have three elements, e.g. [\"starts-with\", \"$key\", \"user/\"]")
		}
		var op string
		if err := json.Unmarshal(a[0], &op); err != nil {
			return policyError("the first element of a condition array must be \"eq\", \"starts-with\" or \"content-length-range\"")
		}
		switch strings.ToLower(op) {
		case "eq", "starts-with":
			var field string
			if err := json.Unmarshal(a[1], &field); err != nil || len(field) < 2 || field[0] != '$' {
				return policyError("condition %q: the field must be a string starting with '$', e.g. \"$key\"", op)
			}
			val, ok := jsonScalar(a[2])
			if !ok {
				return policyError("condition %q on %q: the value must be a string", op, clipField(field))
			}
			return p.add(strings.EqualFold(op, "starts-with"), strings.ToLower(field[1:]), val)
		case "content-length-range":
			lo, ok1 := jsonInt(a[1])
			hi, ok2 := jsonInt(a[2])
			if !ok1 || !ok2 || lo < 0 || hi < lo {
				return policyError("content-length-range needs two integers 0 <= min <= max")
			}
			if p.hasRange {
				lo, hi = max(lo, p.minLength), min(hi, p.maxLength)
			}
			p.hasRange, p.minLength, p.maxLength = true, lo, hi
			return nil
		default:
			return policyError("unknown condition %q; want eq, starts-with or content-length-range", clipField(op))
		}
	}
	return policyError("a condition must be an object or an array")
}

// startsWithFields may be matched by prefix; every other field only
// exactly (bucket, x-amz-algorithm/-credential/-date, other x-amz-*,
// success_action_status...).
func startsWithAllowed(field string) bool {
	switch field {
	case "key", "acl", "cache-control", "content-type", "content-disposition", "content-encoding",
		"expires", "success_action_redirect", "redirect", "tagging":
		return true
	}
	return strings.HasPrefix(field, "x-amz-meta-") || strings.HasPrefix(field, "x-ignore-")
}

func (p *postPolicy) add(startsWith bool, field, value string) error {
	if field == "" {
		return policyError("a condition names an empty field")
	}
	if startsWith && !startsWithAllowed(field) {
		return policyError("starts-with is not supported for %q; use an exact match", clipField(field))
	}
	p.conditions = append(p.conditions, postCondition{startsWith: startsWith, field: field, value: value})
	return nil
}

// jsonScalar accepts a JSON string (or, leniently, a number) as text.
func jsonScalar(raw json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

// jsonInt accepts a JSON integer or a string holding one.
func jsonInt(raw json.RawMessage) (int64, bool) {
	s, ok := jsonScalar(raw)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func clipField(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// matches reports whether a condition holds for a form value.
func (c postCondition) matches(value string) bool {
	if !c.startsWith {
		return value == c.value
	}
	if c.field == "content-type" && c.value != "" {
		// A comma-separated Content-Type is a list: every element must match.
		for v := range strings.SplitSeq(value, ",") {
			if !strings.HasPrefix(strings.TrimSpace(v), c.value) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(value, c.value)
}

// postPolicyExempt lists the form fields no condition needs to cover.
func postPolicyExempt(field string) bool {
	switch field {
	case "x-amz-signature", "file", "policy", "signature", "awsaccesskeyid":
		return true
	}
	return strings.HasPrefix(field, "x-ignore-")
}

// check evaluates the conditions against the form fields (lower-case
// names; "key" already has ${filename} substituted). The bucket
// condition is checked separately by [PostForm.AllowsBucket] because only
// the host knows which bucket a virtual-hosted POST addresses.
func (p *postPolicy) check(fields map[string]string) error {
	covered := make(map[string]bool, len(fields))
	for _, c := range p.conditions {
		covered[c.field] = true
		if c.field == "bucket" {
			continue
		}
		if !c.matches(fields[c.field]) {
			kind := "eq"
			if c.startsWith {
				kind = "starts-with"
			}
			return newError(ErrCodeAccessDenied, "Invalid according to Policy: Policy Condition failed: [%q, \"$%s\", %q]", kind, clipField(c.field), clipField(c.value))
		}
	}
	for name := range fields {
		if !covered[name] && !postPolicyExempt(name) {
			return newError(ErrCodeAccessDenied, "Invalid according to Policy: Extra input fields: %s", clipField(name))
		}
	}
	return nil
}

// allowsBucket checks every bucket condition.
func (p *postPolicy) allowsBucket(bucket string) bool {
	for _, c := range p.conditions {
		if c.field == "bucket" && !c.matches(bucket) {
			return false
		}
	}
	return true
}
