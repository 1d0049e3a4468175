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
