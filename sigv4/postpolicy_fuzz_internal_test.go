package sigv4

import (
	"testing"
)

// FuzzPostPolicy parses arbitrary policy documents and checks them against
// a form. It must never panic; a parsed policy is bounded and its
// content-length-range is sane.
func FuzzPostPolicy(f *testing.F) {
	seeds := []string{
		`{ "expiration": "2015-12-30T12:00:00.000Z", "conditions": [ {"bucket": "sigv4examplebucket"}, ["starts-with", "$key", "user/user1/"], {"acl": "public-read"}, ["starts-with", "$Content-Type", "image/"], ["starts-with", "$x-amz-meta-tag", ""], {"x-amz-date": "20151229T000000Z" } ] }`,
		`{"expiration": "2015-12-30T12:00:00Z", "conditions": [["content-length-range", 10, 20], ["eq", "$key", "k"]]}`,
		`{"expiration": "2015-12-30T12:00:00Z", "conditions": [["content-length-range", "1", "2"], {"success_action_status": 201}]}`,
		`{"expiration": "2015-12-30T12:00:00Z", "conditions": [["ends-with", "$key", "x"]]}`,
		`{"expiration": "tomorrow", "conditions": []}`,
		`{"conditions": [{"a": "1", "b": "2"}]}`,
		`[`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "user/user1/a.jpg", "image/png,image/jpeg")
	}
	f.Fuzz(func(t *testing.T, doc []byte, key, contentType string) {
		p, err := parsePostPolicy(doc)
		if err != nil {
			if codeOf(err) != ErrCodeInvalidPolicyDocument {
				t.Fatalf("parse error %v is not InvalidPolicyDocument", err)
			}
			return
		}
		if len(p.conditions) > maxPolicyConditions {
			t.Fatalf("%d conditions", len(p.conditions))
		}
		if p.hasRange && (p.minLength < 0 || p.maxLength < p.minLength) {
			// Two ranges may intersect to nothing: then nothing fits, which
			// is fine, but a negative minimum never is.
			if p.minLength < 0 {
				t.Fatalf("range %d..%d", p.minLength, p.maxLength)
			}
		}
		for _, c := range p.conditions {
			if c.field == "" || c.startsWith && !startsWithAllowed(c.field) {
				t.Fatalf("bad condition %+v", c)
			}
		}
		fields := map[string]string{"key": key, "content-type": contentType, "x-amz-date": "20151229T000000Z"}
		err = p.check(fields)
		if err != nil && codeOf(err) != ErrCodeAccessDenied {
			t.Fatalf("check error %v", err)
		}
		_ = p.allowsBucket(key)
	})
}
