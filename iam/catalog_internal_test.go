package iam

import (
	"strings"
	"testing"
)

// TestCatalogRows checks every row of the catalog table for consistency.
func TestCatalogRows(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for id := opInvalid + 1; id < numOps; id++ {
		s := catalog[id]
		if s.name == "" {
			t.Errorf("catalog row %d is empty", id)
			continue
		}
		if names[s.name] {
			t.Errorf("%s: listed twice", s.name)
		}
		names[s.name] = true
		if !strings.HasPrefix(s.request, s.method+" /") {
			t.Errorf("%s: request %q does not start with its method %s", s.name, s.request, s.method)
		}
		perKey := s.extras&(xPerKeyDelete|xPerKeyPost) != 0
		if (s.action == "") != perKey {
			t.Errorf("%s: an operation needs an action unless its keys are in the body", s.name)
		}
		for _, a := range []string{s.action, s.versionAction, s.extra, s.versionExtra} {
			if a != "" && (!strings.HasPrefix(a, "s3:") || strings.ContainsAny(a, "*? ")) {
				t.Errorf("%s: malformed action %q", s.name, a)
			}
		}
		if (s.keys&kVersion != 0) != (s.versionAction != "") {
			t.Errorf("%s: s3:VersionId is emitted exactly for operations with a version form", s.name)
		}
		if (s.extra == "") != (s.versionExtra == "") {
			t.Errorf("%s: extra and versionExtra go together", s.name)
		}
		if s.scope != scopeObject && (s.versionAction != "" || s.keys&(kPut|kObjectACL|kCopySource) != 0) {
			t.Errorf("%s: object-only settings on a %s operation", s.name, s.scope)
		}
	}
}

// TestDispatchTablesAgreeWithCatalog checks that the dispatch tables send
// each method to an operation of that method and scope.
func TestDispatchTablesAgreeWithCatalog(t *testing.T) {
	t.Parallel()
	methods := [numMethods]string{mGET: "GET", mHEAD: "HEAD", mPUT: "PUT", mPOST: "POST", mDELETE: "DELETE"}
	check := func(table string, want catScope, sub catSub, m int, id catOp) {
		if id == opInvalid {
			return
		}
		if s := catalog[id]; s.method != methods[m] || s.scope != want {
			t.Errorf("%s[%d][%s] = %s, which is %s on a %s", table, sub, methods[m], s.name, s.method, s.scope)
		}
	}
	for sub := range numSubs {
		for m := range numMethods {
			check("bucketSubOps", scopeBucket, catSub(sub), m, bucketSubOps[sub][m])
			check("objectSubOps", scopeObject, catSub(sub), m, objectSubOps[sub][m])
		}
		f := idFamilies[sub]
		check("idFamilies.get", scopeBucket, catSub(sub), mGET, f.get)
		check("idFamilies.list", scopeBucket, catSub(sub), mGET, f.list)
		check("idFamilies.put", scopeBucket, catSub(sub), mPUT, f.put)
		check("idFamilies.del", scopeBucket, catSub(sub), mDELETE, f.del)
	}
}

func TestLooksLikeIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"192.168.5.4", true}, {"1.2.3.4", true}, {"1.2.3", false}, {"1.2.3.4.5", false},
		{"1..3.4", false}, {"1234.1.1.1", false}, {"1.2.3.", false}, {"123", false},
	}
	for _, tc := range tests {
		if got := looksLikeIPv4(tc.in); got != tc.want {
			t.Errorf("looksLikeIPv4(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
