package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const casesFile = "testdata/simulate/cases.jsonl"

// TestSimulateCasesGolden decides the golden cases (allowed, explicit and
// implicit denies, session and service-account policies narrowing,
// conditions on server facts and request keys, policy variables) offline:
// no endpoint and no credentials are set.
func TestSimulateCasesGolden(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("testdata/simulate/want.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"policy", "simulate", "--cases", casesFile},
		{"--json", "policy", "simulate", "--cases", casesFile},
	} {
		r := runCLI(nil, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		got := strings.Split(strings.TrimSpace(r.stdout), "\n")
		exp := strings.Split(strings.TrimSpace(string(want)), "\n")
		if len(got) != len(exp) {
			t.Fatalf("%v: %d lines, want %d:\n%s", args, len(got), len(exp), r.stdout)
		}
		for i := range exp {
			var g map[string]any
			if err := json.Unmarshal([]byte(got[i]), &g); err != nil || len(g) != 2 {
				t.Fatalf("line %d %q: want {\"id\", \"decision\"} (%v)", i+1, got[i], err)
			}
			if got[i] != exp[i] {
				t.Errorf("line %d: got %s, want %s", i+1, got[i], exp[i])
			}
		}
	}
}

func TestSimulateBadLines(t *testing.T) {
	t.Parallel()
	good := `{"id":"ok","policies":["readonly"],"sessionPolicy":null,"action":"s3:GetObject","resource":"*","context":{}}`
	tests := []struct {
		name, content string
		want          []string
	}{
		{"not JSON", good + "\n\nnot json\n", []string{"line 3", "not a valid case"}},
		{"unknown field", good + "\n" + `{"id":"x","policies":[],"action":"s3:GetObject","resource":"*","contxt":{}}`, []string{"line 2", "contxt"}},
		{"two values", `{"id":"x","action":"a:b","resource":"*"} {}`, []string{"line 1", "one case per line"}},
		{"missing id", `{"policies":[],"action":"s3:GetObject","resource":"*"}`, []string{"line 1", `"id" is missing`}},
		{"bad id", `{"id":true,"action":"s3:GetObject","resource":"*"}`, []string{"line 1", `"id" must be`}},
		{"missing action", `{"id":"x","resource":"*"}`, []string{"line 1", `"action" is missing`}},
		{"missing resource", `{"id":"x","action":"s3:GetObject"}`, []string{"line 1", `"resource" is missing`}},
		{"invalid policy", `{"id":"x","policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}],"action":"s3:GetObject","resource":"*"}`, []string{"line 1", "policies[0]", "Effect"}},
		{"null policy", `{"id":"x","policies":[null],"action":"s3:GetObject","resource":"*"}`, []string{"line 1", "policies[0]", "null"}},
		{"unknown builtin", `{"id":"x","policies":["superuser"],"action":"s3:GetObject","resource":"*"}`, []string{"policies[0]", "superuser", "readonly"}},
		{"invalid session policy", `{"id":"x","policies":["readonly"],"sessionPolicy":{"Statement":[]},"action":"s3:GetObject","resource":"*"}`, []string{"line 1", "sessionPolicy"}},
		{"bad IP", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:SourceIp":"10.0.0"}}`, []string{"line 1", "aws:SourceIp", "IP address"}},
		{"bad time", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:CurrentTime":"yesterday"}}`, []string{"aws:CurrentTime", "2026-01-31T12:00:00Z"}},
		{"bad bool", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:SecureTransport":"maybe"}}`, []string{"aws:SecureTransport", "true or false"}},
		{"two usernames", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:username":["a","b"]}}`, []string{"aws:username", "exactly one value"}},
		{"unsupported aws key", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:SourceVpc":"vpc-1"}}`, []string{"aws:SourceVpc", "cannot be set"}},
		{"malformed key", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"prefix":"a"}}`, []string{`"prefix"`, "service:name"}},
		{"number value", `{"id":"x","action":"s3:GetObject","resource":"*","context":{"s3:max-keys":5}}`, []string{"s3:max-keys", "string or an array"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := writeFile(t, "cases.jsonl", tc.content)
			fails(t, nil, 1, []string{"policy", "simulate", "--cases", f}, append(tc.want, f)...)
		})
	}
	fails(t, nil, 1, []string{"policy", "simulate", "--cases", "/nonexistent/cases.jsonl"}, "cannot read the cases file")
	fails(t, nil, 2, []string{"policy", "simulate", "--cases", casesFile, "--action", "s3:GetObject"}, "--cases takes no other flag")
}

func TestSimulateOne(t *testing.T) {
	t.Parallel()
	ip := writeFile(t, "ip.json", `{"Version":"2012-10-17","Statement":[
		{"Sid":"FromOffice","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bkt/secret/*"}]}`)
	session := writeFile(t, "session.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"allowed", []string{"--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/a", "--context", "aws:SourceIp=10.2.3.4"}, "allowed\n"},
		{"implicit deny", []string{"--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/a", "--context", "aws:SourceIp=192.0.2.1"}, "implicitDeny\n"},
		{"explicit deny", []string{"--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/secret/a", "--context", "aws:SourceIp=10.2.3.4"}, "explicitDeny\n"},
		{"session narrows", []string{"--session-policy", session, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/a", "--context", "aws:SourceIp=10.2.3.4"}, "implicitDeny\n"},
		{"builtin", []string{"--policy", writeFile(t, "rw.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:x-amz-acl":["private","bucket-owner-full-control"]}}}]}`),
			"--action", "s3:PutObject", "--resource", "arn:aws:s3:::bkt/a", "--context", "s3:x-amz-acl=private"}, "allowed\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"policy", "simulate", "--policy", ip}, tc.args...)
			if got := ok(t, nil, args...); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}

	// --explain names the deciding statement and why.
	out := ok(t, nil, "policy", "simulate", "--policy", ip, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/secret/a", "--explain")
	if !strings.Contains(out, "NoSecrets") || !strings.Contains(out, "explicitDeny") && !strings.Contains(out, "Deny") {
		t.Fatalf("--explain: %q", out)
	}
	var js struct {
		Decision string
		Reason   string
		Deciding []string
		Policies []json.RawMessage
	}
	okJSON(t, nil, &js, "--json", "policy", "simulate", "--policy", ip, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::bkt/secret/a", "--explain")
	if js.Decision != "explicitDeny" || len(js.Deciding) != 1 || !strings.Contains(js.Deciding[0], "NoSecrets") || len(js.Policies) != 1 || js.Reason == "" {
		t.Fatalf("--json --explain: %+v", js)
	}

	fails(t, nil, 2, []string{"policy", "simulate", "--policy", ip, "--action", "s3:GetObject"}, "--resource")
	fails(t, nil, 2, []string{"policy", "simulate", "--policy", ip, "--action", "s3:GetObject", "--resource", "*", "--context", "novalue"}, "key=value")
	fails(t, nil, 2, []string{"policy", "simulate", "--policy", ip, "--action", "s3:GetObject", "--resource", "*", "--context", "aws:SourceIp=x"}, "IP address")
	fails(t, nil, 1, []string{"policy", "simulate", "--policy", writeFile(t, "bad.json", `{}`), "--action", "s3:GetObject", "--resource", "*"}, "policy file")
}

// caseLines returns the golden case lines, the seeds of the fuzz target.
func caseLines(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open(casesFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	return lines
}

// FuzzSimulateLine: any line either is refused with an error or decides
// one of the three decisions; nothing panics.
func FuzzSimulateLine(f *testing.F) {
	for _, l := range caseLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"id":"x","action":"s3:GetObject","resource":"*","context":{"aws:EpochTime":"-99999999999999"}}`))
	f.Add([]byte(`{"id":1e999,"action":"s3:GetObject","resource":"*"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		res, err := simulateLine(line)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(string(line), "\n") {
				t.Fatalf("multi-line error: %v", err)
			}
			return
		}
		switch res.Decision {
		case "allowed", "explicitDeny", "implicitDeny":
		default:
			t.Fatalf("decision %q", res.Decision)
		}
	})
}

// BenchmarkSimulateLine measures one case with a condition and a session
// policy, parsed and decided from its JSON line.
func BenchmarkSimulateLine(b *testing.B) {
	line := []byte(`{"id":"ip","policies":["readwrite",{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}],"sessionPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]},"action":"s3:GetObject","resource":"arn:aws:s3:::bkt/a","context":{"aws:SourceIp":"10.1.2.3","s3:prefix":["a","b"]}}`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := simulateLine(line)
		if err != nil || res.Decision != "allowed" {
			b.Fatal(res, err)
		}
	}
}
