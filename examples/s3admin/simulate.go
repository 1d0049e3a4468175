package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/s3auth/s3auth/iam"
)

// policy simulate runs offline: it parses the policies with package iam and
// decides each request with iam.Evaluate (iam.Explain for --explain), with
// no server and no credentials.

// simCase is one line of a --cases file.
type simCase struct {
	ID                   json.RawMessage            `json:"id"`
	Policies             []json.RawMessage          `json:"policies"`
	SessionPolicy        json.RawMessage            `json:"sessionPolicy"`
	ServiceAccountPolicy json.RawMessage            `json:"serviceAccountPolicy"`
	Action               string                     `json:"action"`
	Resource             string                     `json:"resource"`
	Context              map[string]json.RawMessage `json:"context"`
}

// simResult is one output line of --cases.
type simResult struct {
	ID       string `json:"id"`
	Decision string `json:"decision"`
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (c *cli) policySimulate(cmd string, args []string) error {
	fs := c.flags(cmd, true)
	cases := fs.String("cases", "", "")
	var policies, contexts multiFlag
	fs.Var(&policies, "policy", "")
	fs.Var(&contexts, "context", "")
	session := fs.String("session-policy", "", "")
	action := fs.String("action", "", "")
	resource := fs.String("resource", "", "")
	explain := fs.Bool("explain", false, "")
	if _, err := parseN(fs, args); err != nil {
		return err
	}
	if *cases != "" {
		if len(policies) > 0 || len(contexts) > 0 || *session != "" || *action != "" || *resource != "" || *explain {
			return usagef("%s: --cases takes no other flag (each case carries its policies, action, resource and context)", cmd)
		}
		return c.simulateCases(*cases)
	}
	if len(policies) == 0 || *action == "" || *resource == "" {
		return usagef("%s: give --cases FILE, or --policy FILE --action A --resource R", cmd)
	}
	set := &iam.PolicySet{}
	for _, p := range policies {
		doc, err := readFile("policy", p)
		if err != nil {
			return err
		}
		pol, err := iam.Parse(doc)
		if err != nil {
			return fmt.Errorf("policy file %s: %v", p, err)
		}
		set.Identity = append(set.Identity, iam.NamedPolicy{Name: p, Policy: pol})
	}
	if *session != "" {
		doc, err := readFile("session policy", *session)
		if err != nil {
			return err
		}
		if set.Session, err = iam.Parse(doc); err != nil {
			return fmt.Errorf("session policy file %s: %v", *session, err)
		}
	}
	values := map[string][]string{}
	var order []string
	for _, kv := range contexts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("%s: --context %q: write it as key=value, for example --context aws:SourceIp=192.0.2.7", cmd, kv)
		}
		if _, seen := values[k]; !seen {
			order = append(order, k)
		}
		values[k] = append(values[k], v)
	}
	ictx := new(iam.Context)
	for _, k := range order {
		if err := setContext(ictx, k, values[k]); err != nil {
			return usagef("%s: --context: %v", cmd, err)
		}
	}
	req := &iam.Request{Action: *action, Resource: *resource, Context: ictx}
	d, tr := iam.Explain(req, set)
	if c.g.json {
		out := struct {
			Action   string            `json:"action"`
			Resource string            `json:"resource"`
			Decision string            `json:"decision"`
			Reason   string            `json:"reason"`
			Deciding []string          `json:"deciding"`
			Policies []iam.PolicyTrace `json:"policies,omitempty"`
		}{Action: *action, Resource: *resource, Decision: d.String(), Reason: tr.Reason, Deciding: []string{}}
		for _, r := range tr.Deciding {
			out.Deciding = append(out.Deciding, r.String())
		}
		if *explain {
			out.Policies = tr.Policies
		}
		return c.printJSON(out)
	}
	if *explain {
		_, err := fmt.Fprintln(c.stdout, strings.TrimRight(tr.String(), "\n"))
		return err
	}
	_, err := fmt.Fprintln(c.stdout, d.String())
	return err
}

// simulateCases decides every line of a cases file. Nothing is printed
// unless every line is valid.
func (c *cli) simulateCases(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read the cases file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		res, err := simulateLine(text)
		if err != nil {
			return fmt.Errorf("%s line %d: %v", path, line, err)
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s line %d: longer than 16 MiB; split the case", path, line+1)
		}
		return fmt.Errorf("reading %s: %v", path, err)
	}
	_, err = c.stdout.Write(out.Bytes())
	return err
}

// simulateLine decides one case.
func simulateLine(text []byte) (simResult, error) {
	var sc simCase
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&sc); err != nil {
		return simResult{}, fmt.Errorf("not a valid case (%v); a case is {\"id\", \"policies\": [doc...], \"sessionPolicy\": doc|null, \"action\", \"resource\", \"context\": {key: value}}", err)
	}
	if dec.More() {
		return simResult{}, errors.New("more than one JSON value on the line; put one case per line")
	}
	id, err := caseID(sc.ID)
	if err != nil {
		return simResult{}, err
	}
	if sc.Action == "" {
		return simResult{}, errors.New(`"action" is missing; give an IAM action such as s3:GetObject`)
	}
	if sc.Resource == "" {
		return simResult{}, errors.New(`"resource" is missing; give an ARN such as arn:aws:s3:::bucket/key, or "*"`)
	}
	set := &iam.PolicySet{}
	for i, raw := range sc.Policies {
		pol, name, err := casePolicy(raw)
		if err != nil {
			return simResult{}, fmt.Errorf("policies[%d]: %v", i, err)
		}
		if pol == nil {
			return simResult{}, fmt.Errorf("policies[%d]: null is not a policy", i)
		}
		if name == "" {
			name = fmt.Sprintf("policies[%d]", i)
		}
		set.Identity = append(set.Identity, iam.NamedPolicy{Name: name, Policy: pol})
	}
	if set.Session, _, err = casePolicy(sc.SessionPolicy); err != nil {
		return simResult{}, fmt.Errorf("sessionPolicy: %v", err)
	}
	if set.ServiceAccount, _, err = casePolicy(sc.ServiceAccountPolicy); err != nil {
		return simResult{}, fmt.Errorf("serviceAccountPolicy: %v", err)
	}
	ictx := new(iam.Context)
	keys := make([]string, 0, len(sc.Context))
	for k := range sc.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals, err := contextValues(sc.Context[k])
		if err != nil {
			return simResult{}, fmt.Errorf("context %q: %v", k, err)
		}
		if err := setContext(ictx, k, vals); err != nil {
			return simResult{}, fmt.Errorf("context: %v", err)
		}
	}
	d := iam.Evaluate(&iam.Request{Action: sc.Action, Resource: sc.Resource, Context: ictx}, set)
	return simResult{ID: id, Decision: d.String()}, nil
}

// caseID reads "id": a string or a number.
func caseID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New(`"id" is missing; give each case a string id`)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", errors.New(`"id" must be a string (or a number)`)
}

// casePolicy parses a policy of a case: a document, the name of a built-in
// policy ("readonly"), or null/absent (nil).
func casePolicy(raw json.RawMessage) (*iam.Policy, string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, "", nil
	}
	if raw[0] == '"' {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return nil, "", err
		}
		p, _, ok := iam.Canned(name)
		if !ok {
			return nil, "", fmt.Errorf("%q is not a built-in policy (%s); give a policy document", name, strings.Join(iam.CannedNames(), ", "))
		}
		return p, name, nil
	}
	p, err := iam.Parse(raw)
	if err != nil {
		return nil, "", err
	}
	return p, "", nil
}

// contextValues reads a context value: a string or an array of strings.
func contextValues(raw json.RawMessage) ([]string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil && list != nil {
		return list, nil
	}
	return nil, errors.New("the value must be a string or an array of strings")
}

// setContext puts one key into the context: the server facts that the host
// would fill in (aws:username, aws:SourceIp, aws:CurrentTime, ...) go to
// their typed fields; request keys go through Context.Set.
func setContext(c *iam.Context, key string, vals []string) error {
	lk := strings.ToLower(key)
	one := func() (string, error) {
		if len(vals) != 1 {
			return "", fmt.Errorf("%s takes exactly one value, got %d", key, len(vals))
		}
		return vals[0], nil
	}
	str := func(dst *string) error {
		v, err := one()
		*dst = v
		return err
	}
	tm := func(dst *time.Time) error {
		v, err := one()
		if err != nil {
			return err
		}
		t, err := parseTime(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not a time; write it as 2026-01-31T12:00:00Z", key, v)
		}
		*dst = t
		return nil
	}
	switch lk {
	case "aws:username":
		return str(&c.Username)
	case "aws:userid":
		return str(&c.UserID)
	case "aws:principaltype":
		return str(&c.PrincipalType)
	case "aws:principalarn":
		return str(&c.PrincipalARN)
	case "aws:principalaccount":
		return str(&c.PrincipalAccount)
	case "aws:useragent":
		return str(&c.UserAgent)
	case "aws:referer":
		return str(&c.Referer)
	case "s3:authtype":
		return str(&c.AuthType)
	case "s3:signatureversion":
		return str(&c.SignatureVersion)
	case "s3:x-amz-content-sha256":
		return str(&c.ContentSHA256)
	case "aws:sourceip":
		v, err := one()
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not an IP address", key, v)
		}
		c.SourceIP = a
		return nil
	case "aws:securetransport":
		v, err := one()
		if err != nil {
			return err
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not true or false", key, v)
		}
		c.SecureTransport = b
		return nil
	case "aws:currenttime":
		return tm(&c.CurrentTime)
	case "aws:tokenissuetime":
		return tm(&c.TokenIssueTime)
	case "aws:epochtime":
		v, err := one()
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of seconds", key, v)
		}
		c.CurrentTime = time.Unix(n, 0).UTC()
		return nil
	case "s3:signatureage":
		v, err := one()
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number of milliseconds", key, v)
		}
		c.SignatureAge = n
		return nil
	}
	if !c.Set(key, vals...) {
		return fmt.Errorf("%q cannot be set: it is not a supported aws: fact or a service:name request key", key)
	}
	return nil
}

// parseTime accepts RFC 3339 times (with or without fractions), a date, or
// a time without seconds.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}
