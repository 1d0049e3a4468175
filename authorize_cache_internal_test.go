package s3auth

import "testing"

// TestBuiltinPolicyCompiledOnce: a built-in policy is compiled once, not on
// every request (found by the load benchmark: iam.Canned parses per call).
func TestBuiltinPolicyCompiledOnce(t *testing.T) {
	t.Parallel()
	var c policyCache
	for _, name := range []string{"readonly", "readwrite", "writeonly"} {
		a, err := c.named(nil, name)
		if err != nil || a == nil {
			t.Fatalf("%s: %v %v", name, a, err)
		}
		b, err := c.named(nil, name)
		if err != nil || b != a {
			t.Fatalf("%s compiled again: %p then %p (%v)", name, a, b, err)
		}
	}
}

// TestInlinePolicyRewrittenInPlace: a Principal's inline policy is the
// caller's slice; when the caller rewrites it in place (same address, same
// length) the next authorization must use the new document, not the policy
// compiled from the old bytes. (Found in review.)
func TestInlinePolicyRewrittenInPlace(t *testing.T) {
	t.Parallel()
	const allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny", "Action":"s3:*","Resource":"*"}]}`
	for _, kind := range []cachedPolicyKind{kindServiceAccount, kindSession} {
		var c policyCache
		key := cachedPolicyKey{kind, "AKIAEXAMPLE"}
		buf := []byte(allow)
		pol, err := c.inline(key, buf)
		if err != nil || pol.Statements()[0].Effect != "Allow" {
			t.Fatalf("%v: first compile: %v", kind, err)
		}
		copy(buf, deny)
		pol, err = c.inline(key, buf)
		if err != nil || pol.Statements()[0].Effect != "Deny" {
			t.Fatalf("%v: rewritten document: got %v %v, want the Deny policy", kind, pol.Statements(), err)
		}
	}
}
