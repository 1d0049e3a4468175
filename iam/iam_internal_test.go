package iam

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// refMatch is the reference wildcard matcher: the textbook dynamic
// programme over runes, '*' any run, '?' one rune, everything else literal.
// ok[i][j] says whether pat[:i] matches s[:j].
func refMatch(pat, s []rune) bool {
	ok := make([][]bool, len(pat)+1)
	for i := range ok {
		ok[i] = make([]bool, len(s)+1)
	}
	ok[0][0] = true
	for i := 1; i <= len(pat); i++ {
		for j := 0; j <= len(s); j++ {
			switch pat[i-1] {
			case '*':
				ok[i][j] = ok[i-1][j] || (j > 0 && ok[i][j-1])
			case '?':
				ok[i][j] = j > 0 && ok[i-1][j-1]
			default:
				ok[i][j] = j > 0 && ok[i-1][j-1] && pat[i-1] == s[j-1]
			}
		}
	}
	return ok[len(pat)][len(s)]
}

var wildcardCases = []struct {
	pat, s string
	want   bool
}{
	{"", "", true},
	{"", "a", false},
	{"*", "", true},
	{"*", "anything/at:all", true},
	{"a*", "abc", true},
	{"a*", "ba", false},
	{"*c", "abc", true},
	{"a*c", "ac", true},
	{"a*c", "abcbc", true},
	{"a*c", "abcb", false},
	{"a?c", "abc", true},
	{"a?c", "ac", false},
	{"a?c", "aéc", true},
	{"**a", "a", true},
	{"*/test/*", "1/2/test/3/o.jpg", true},
	{"*/test/*", "test/o.jpg", false},
	{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	{"?*?", "ab", true},
	{"?*?", "a", false},
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range wildcardCases {
		p, err := compileTemplate(tc.pat, false, true)
		if err != "" {
			t.Fatal(err)
		}
		got, _ := p.match(tc.s, false, nil)
		if got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
		if ref := refMatch([]rune(tc.pat), []rune(tc.s)); ref != tc.want {
			t.Errorf("reference(%q, %q) = %v, want %v", tc.pat, tc.s, ref, tc.want)
		}
	}
}

// FuzzWildcard compares the compiled matcher with the reference.
func FuzzWildcard(f *testing.F) {
	for _, tc := range wildcardCases {
		f.Add(tc.pat, tc.s)
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || len(pat) > 64 || len(s) > 256 {
			return
		}
		p, err := compileTemplate(pat, false, true)
		if err != "" {
			t.Fatal(err)
		}
		got, _ := p.match(s, false, nil)
		if want := refMatch([]rune(pat), []rune(s)); got != want {
			t.Fatalf("match(%q, %q) = %v, reference says %v", pat, s, got, want)
		}
	})
}

const typicalDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::examplebucket"],"Condition":{"StringLike":{"s3:prefix":["home/alice/*"]}}},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::examplebucket/home/alice/*"]},{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::examplebucket/home/alice/secret/*"]},{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::public/*"],"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}]}`

// Evaluation must not allocate, including with variables and conditions.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	p, err := Parse([]byte(typicalDoc))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]},"Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}},{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := &Context{Username: "alice", SourceIP: netip.MustParseAddr("10.1.2.3"), SecureTransport: true}
	ctx.CurrentTime = ctx.CurrentTime.AddDate(2026, 0, 0)
	ctx.Set("s3:prefix", "home/alice/x")
	set := &PolicySet{Identity: []NamedPolicy{{Name: "typical", Policy: p}, {Name: "vars", Policy: v}}}
	reqs := []*Request{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::examplebucket/home/alice/notes/2026.txt", Context: ctx},
		{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: ctx},
		{Action: "s3:GetObjectTagging", Resource: "arn:aws:s3:::b/alice/k", Context: ctx},
	}
	for _, req := range reqs {
		if d := Evaluate(req, set); d != Allowed {
			t.Fatalf("%s: %v", req.Action, d)
		}
		if n := testing.AllocsPerRun(100, func() { Evaluate(req, set) }); n != 0 {
			t.Errorf("%s allocates %v times per evaluation", req.Action, n)
		}
	}
}

func TestBucketKey(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"arn:aws:s3:::b":                         "b",
		"arn:aws:s3:::b/k/x":                     "b",
		"arn:aws:s3:::b:c/k":                     "b:c",
		"arn:aws:s3:::/k":                        "",
		"arn:aws:s3:::":                          "",
		"arn:aws:s3:::examplebucket":             "examplebucket",
		"arn:aws:s3:::examplebucket/":            "examplebucket",
		"arn:aws:s3:::examplebucket-0123456/k/x": "examplebucket-0123456",
		"arn:aws:s3:::0123456/":                  "0123456",
		"arn:aws:s3:::01234567/":                 "01234567",
		"arn:aws:s3:::012345678":                 "012345678",
		"arn:x:s3:::b/k":                         "b",
		"arn:x:y:z:1:bucket-name/x":              "bucket-name",
		"a:::::/":                                "",
		"*":                                      "",
		"arn:aws:iam::1:user/":                   "user",
	} {
		got, ok := bucketKey(s)
		if got != want || ok != (s != "*") {
			t.Errorf("bucketKey(%q) = %q, %v; want %q", s, got, ok, want)
		}
		if h, ok := bucketHash(s); ok && h != strHash(want) {
			t.Errorf("bucketHash(%q) != strHash(%q)", s, want)
		}
	}
	for pat, want := range map[string]string{
		"arn:aws:s3:::b/*":                 "b",
		"arn:aws:s3:::b":                   "b",
		"arn:aws:s3:::b/${aws:username}/*": "b",
		"arn:aws:s3:::b*":                  "",
		"arn:aws:s3:::*":                   "",
		"arn:*:s3:::b/*":                   "",
		"arn:aws:s3:::${aws:username}/*":   "",
		"arn:aws:s3:::b?/k":                "",
		"*":                                "",
	} {
		ap, err := compileARN(pat, true)
		if err != "" {
			t.Fatal(err)
		}
		got, _ := ap.patternBucket()
		if got != want {
			t.Errorf("patternBucket(%q) = %q, want %q", pat, got, want)
		}
	}
}

// TestIndexHashes checks the one-pass hashes against their definitions:
// actionHash is validation plus lowerHash, lowerHash is strHash of the
// lower case, and bucketHash is strHash of bucketKey.
func TestIndexHashes(t *testing.T) {
	t.Parallel()
	valid := func(a string) bool {
		colon := strings.IndexByte(a, ':')
		return colon > 0 && colon != len(a)-1 && len(a) <= 256 && !strings.ContainsAny(a, "*?")
	}
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	var inputs []string
	base := "s3:GetObject:AZaz@[`{\xc3\x89/*?:Z"
	for i := 0; i <= len(base); i++ {
		for j := i; j <= len(base); j++ {
			inputs = append(inputs, base[i:j])
		}
	}
	inputs = append(inputs, strings.Repeat("a", 256)+":", "s3:"+strings.Repeat("B", 253), "s3:"+strings.Repeat("B", 254),
		"arn:aws:s3:::", "arn:aws:s3:::b/k", "arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::examplebucket/home/alice/notes/2026.txt")
	for c := 0; c < 256; c++ {
		inputs = append(inputs, "s3:"+string(rune(c))+"Get", string([]byte{'a', ':', byte(c)}), "arn:aws:s3:::"+string([]byte{byte(c)})+"/k")
	}
	for _, s := range inputs {
		h, ok := actionHash(s)
		if ok != valid(s) {
			t.Errorf("actionHash(%q) ok = %v, want %v", s, ok, valid(s))
		}
		if want := strHash(lower(s)); ok && h != want || lowerHash(s) != want {
			t.Errorf("actionHash/lowerHash(%q) differ from strHash of the lower case", s)
		}
		if strHash(s) != strHash([]byte(s)) {
			t.Errorf("strHash(%q) differs for string and []byte", s)
		}
		k, kok := bucketKey(s)
		hb, hok := bucketHash(s)
		if kok != hok || hok && hb != strHash(k) {
			t.Errorf("bucketHash(%q) = %x, %v; want strHash(%q), %v", s, hb, hok, k, kok)
		}
	}
	if strHash("a") == strHash("a\x00") || strHash("") == strHash("\x00") {
		t.Error("strHash ignores trailing zero bytes")
	}
}

// TestKnownKeys checks the table that resolves common condition keys
// without lower-casing them: each entry must be what lowerKey and
// validKeyName would have produced.
func TestKnownKeys(t *testing.T) {
	t.Parallel()
	for name, lower := range knownKeys {
		if want := strings.ToLower(name); lower != want {
			t.Errorf("knownKeys[%q] = %q, want %q", name, lower, want)
		}
		if !validKeyName(lower) {
			t.Errorf("knownKeys[%q]: %q is not a valid key name", name, lower)
		}
	}
	if len(knownKeyInfo) != len(knownKeys) {
		t.Errorf("knownKeyInfo has %d keys, knownKeys %d", len(knownKeyInfo), len(knownKeys))
	}
	for name, kk := range knownKeyInfo {
		sk, server := serverKeys[kk.lower]
		if kk.lower != knownKeys[name] || kk.server != server || kk.sk != sk {
			t.Errorf("knownKeyInfo[%q] = %+v, want lower %q, server key %+v (%v)", name, kk, knownKeys[name], sk, server)
		}
	}
	for lower, sk := range serverKeys {
		if knownKeys[sk.name] != lower {
			t.Errorf("knownKeys lacks the canonical spelling %q of a server key", sk.name)
		}
	}
}

// TestOperatorIndex checks that the switch parseOperator uses agrees with
// the operators table.
func TestOperatorIndex(t *testing.T) {
	t.Parallel()
	for i := range operators {
		if got := operatorIndex(operators[i].name); got != i {
			t.Errorf("operatorIndex(%q) = %d, want %d", operators[i].name, got, i)
		}
	}
	for _, name := range []string{"", "stringequals", "StringEqualsIfExists", "Nul"} {
		if got := operatorIndex(name); got != -1 {
			t.Errorf("operatorIndex(%q) = %d, want -1", name, got)
		}
	}
}

// TestActionFastPath checks that the patterns Parse builds for actions
// without calling template (validAction's plain) equal template's.
func TestActionFastPath(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"*", "s3:*", "s3:GetObject", "s3:Get*", "s3:*Object", "s3:Get?bject", "s3:G*t*",
		"s3:Get**", "s3:?", "s3:*?", "s3:?*", "iam-x:A", "s3:a*b*", "s3:ab*"} {
		msg, plain := validAction(a)
		if msg != "" {
			t.Fatalf("validAction(%q): %s", a, msg)
		}
		want, err := compileTemplate(a, false, true)
		if err != "" {
			t.Fatal(err)
		}
		if plain && want.kind == pGlob { // not plain is always right: template runs
			t.Errorf("validAction(%q) plain = %v, template gives kind %d", a, plain, want.kind)
		}
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + a + `","Resource":"*"}}`
		p, perr := Parse([]byte(doc))
		if perr != nil {
			t.Fatal(perr)
		}
		got := p.stmts[0].actions[0]
		if got.kind != want.kind || got.lit != want.lit || len(got.toks) != len(want.toks) {
			t.Errorf("%q compiled to %+v, want %+v", a, got, want)
		}
	}
	for _, a := range []string{"s3:", ":x", "s3:a:b", "s*:x", "s3:a b", "", "s3:${x}"} {
		if msg, _ := validAction(a); msg == "" {
			t.Errorf("validAction(%q) accepted it", a)
		}
	}
}

// TestFirstSpecial checks the eight-bytes-at-a-time scan of template's
// fast path against a byte-wise one, for every position of a special byte
// in strings of up to 20 bytes.
func TestFirstSpecial(t *testing.T) {
	t.Parallel()
	naive := func(s string, vars, wild bool) int {
		for i := 0; i < len(s); i++ {
			if vars && s[i] == '$' || wild && (s[i] == '*' || s[i] == '?') {
				return i
			}
		}
		return len(s)
	}
	for n := 0; n <= 20; n++ {
		for pos := -1; pos < n; pos++ {
			for _, c := range []byte{'$', '*', '?', '#', 0x80 | '*', 0} {
				b := []byte(strings.Repeat("ab/é"[:3], 7)[:n])
				if pos >= 0 {
					b[pos] = c
					if pos+2 < n {
						b[pos+2] = '*' // a later special byte must not win
					}
				}
				s := string(b)
				for _, vars := range []bool{false, true} {
					for _, wild := range []bool{false, true} {
						if got, want := firstSpecial(s, vars, wild), naive(s, vars, wild); got != want {
							t.Errorf("firstSpecial(%q, %v, %v) = %d, want %d", s, vars, wild, got, want)
						}
					}
				}
			}
		}
	}
}
