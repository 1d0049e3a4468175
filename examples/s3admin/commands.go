package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/s3auth/s3auth"
)

// --- output ---

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// done reports a change that has no result.
func (c *cli) done(format string, args ...any) error {
	if c.g.json {
		return c.printJSON(map[string]bool{"ok": true})
	}
	_, err := fmt.Fprintf(c.stdout, format+"\n", args...)
	return err
}

func (c *cli) table(header string, rows [][]string) error {
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func (c *cli) printKeys(k s3auth.Keys) error {
	if c.g.json {
		return c.printJSON(k)
	}
	_, err := fmt.Fprintf(c.stdout, "Access key: %s\nSecret key: %s\n", k.AccessKey, k.SecretKey)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// --- users ---

// optID is an optional POSIX id flag.
type optID struct {
	v   uint32
	set bool
}

func (o *optID) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatUint(uint64(o.v), 10)
}

func (o *optID) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return fmt.Errorf("%q is not a POSIX id (0 to 4294967294)", s)
	}
	o.v, o.set = uint32(n), true
	return nil
}

func (c *cli) userAdd(cmd string, args []string) error {
	fs := c.flags(cmd, true)
	secret := fs.String("secret", "", "")
	var uid, gid optID
	fs.Var(&uid, "posix-uid", "")
	fs.Var(&gid, "posix-gid", "")
	pos, err := parseN(fs, args, "NAME")
	if err != nil {
		return err
	}
	if uid.set != gid.set {
		return usagef("user add: give both --posix-uid and --posix-gid, or neither")
	}
	in := s3auth.AdminAddUser{AccessKey: pos[0], SecretKey: *secret}
	if uid.set {
		in.PosixUID, in.PosixGID = &uid.v, &gid.v
	}
	var keys s3auth.Keys
	if err := c.call("POST", "/users", nil, in, &keys); err != nil {
		return err
	}
	return c.printKeys(keys)
}

func (c *cli) userRm(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME")
	if err != nil {
		return err
	}
	if err := c.call("DELETE", "/users"+name(pos[0]), nil, nil, nil); err != nil {
		return err
	}
	return c.done("Removed user %s.", pos[0])
}

func (c *cli) userList(cmd string, args []string) error {
	if _, err := parseN(c.flags(cmd, true), args); err != nil {
		return err
	}
	var users []s3auth.AdminUser
	if err := c.call("GET", "/users", nil, nil, &users); err != nil {
		return err
	}
	if c.g.json {
		if users == nil {
			users = []s3auth.AdminUser{}
		}
		return c.printJSON(users)
	}
	rows := make([][]string, 0, len(users))
	for _, u := range users {
		rows = append(rows, []string{u.AccessKey, u.Status, posixText(u), orDash(strings.Join(u.Policies, ","))})
	}
	return c.table("ACCESS KEY\tSTATUS\tPOSIX\tPOLICIES", rows)
}

func posixText(u s3auth.AdminUser) string {
	if u.PosixUID == nil || u.PosixGID == nil {
		return "-"
	}
	return fmt.Sprintf("%d:%d", *u.PosixUID, *u.PosixGID)
}

func (c *cli) userInfo(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME")
	if err != nil {
		return err
	}
	var u s3auth.AdminUser
	if err := c.call("GET", "/users"+name(pos[0]), nil, nil, &u); err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(u)
	}
	valid := "-"
	if u.SessionsValidAfter != nil {
		valid = when(*u.SessionsValidAfter)
	}
	rows := [][]string{
		{"Access key:", u.AccessKey},
		{"Status:", u.Status},
		{"POSIX uid:gid:", posixText(u)},
		{"Policies:", orDash(strings.Join(u.Policies, ", "))},
		{"Service accounts:", strconv.Itoa(u.ServiceAccounts)},
		{"Created:", when(u.Created)},
		{"Sessions valid after:", valid},
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 1, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, r[0]+"\t"+r[1])
	}
	return tw.Flush()
}

// userPost sends a bodiless POST /users/NAME/ACTION.
func (c *cli) userPost(cmd string, args []string, action, msg string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME")
	if err != nil {
		return err
	}
	if err := c.call("POST", "/users"+name(pos[0])+"/"+action, nil, nil, nil); err != nil {
		return err
	}
	return c.done(msg, pos[0])
}

func (c *cli) userDisable(cmd string, args []string) error {
	return c.userPost(cmd, args, "disable", "Disabled user %s.")
}

func (c *cli) userEnable(cmd string, args []string) error {
	return c.userPost(cmd, args, "enable", "Enabled user %s.")
}

func (c *cli) userRevoke(cmd string, args []string) error {
	return c.userPost(cmd, args, "revoke-sessions", "Revoked every STS session of user %s.")
}

// --- policies ---

func (c *cli) policyAdd(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME", "FILE")
	if err != nil {
		return err
	}
	doc, err := readFile("policy", pos[1])
	if err != nil {
		return err
	}
	if !json.Valid(doc) {
		return fmt.Errorf("the policy file %s is not valid JSON; fix it and retry", pos[1])
	}
	if err := c.call("PUT", "/policies"+name(pos[0]), nil, doc, nil); err != nil {
		return err
	}
	return c.done("Added policy %s.", pos[0])
}

func (c *cli) policyRm(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME")
	if err != nil {
		return err
	}
	if err := c.call("DELETE", "/policies"+name(pos[0]), nil, nil, nil); err != nil {
		return err
	}
	return c.done("Removed policy %s.", pos[0])
}

func (c *cli) policyList(cmd string, args []string) error {
	if _, err := parseN(c.flags(cmd, true), args); err != nil {
		return err
	}
	var ps []s3auth.AdminPolicy
	if err := c.call("GET", "/policies", nil, nil, &ps); err != nil {
		return err
	}
	if c.g.json {
		if ps == nil {
			ps = []s3auth.AdminPolicy{}
		}
		return c.printJSON(ps)
	}
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		att := strconv.Itoa(p.Attachments)
		if p.Builtin {
			att = "-"
		}
		rows = append(rows, []string{p.Name, yesNo(p.Builtin), att})
	}
	return c.table("NAME\tBUILTIN\tATTACHMENTS", rows)
}

func (c *cli) policyShow(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "NAME")
	if err != nil {
		return err
	}
	var p s3auth.AdminPolicy
	if err := c.call("GET", "/policies"+name(pos[0]), nil, nil, &p); err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(p)
	}
	return c.printDocument(p.Document)
}

// printDocument prints a policy document indented.
func (c *cli) printDocument(doc []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		buf.Reset()
		buf.Write(doc)
	}
	buf.WriteByte('\n')
	_, err := c.stdout.Write(buf.Bytes())
	return err
}

func (c *cli) policyAttach(cmd string, args []string) error {
	return c.attachment(cmd, args, "attach", "Attached policy %s to %s.")
}

func (c *cli) policyDetach(cmd string, args []string) error {
	return c.attachment(cmd, args, "detach", "Detached policy %s from %s.")
}

func (c *cli) attachment(cmd string, args []string, action, msg string) error {
	fs := c.flags(cmd, true)
	user := fs.String("user", "", "")
	dn := fs.String("ldap-dn", "", "")
	pos, err := parseN(fs, args, "NAME")
	if err != nil {
		return err
	}
	if (*user == "") == (*dn == "") {
		return usagef("%s: give exactly one of --user U and --ldap-dn DN", cmd)
	}
	target := "user " + *user
	if *dn != "" {
		target = "LDAP DN " + *dn
	}
	in := s3auth.AdminAttach{User: *user, LDAPDN: *dn}
	if err := c.call("POST", "/policies"+name(pos[0])+"/"+action, nil, in, nil); err != nil {
		return err
	}
	return c.done(msg, pos[0], target)
}

// --- service accounts ---

func (c *cli) svcacctAdd(cmd string, args []string) error {
	fs := c.flags(cmd, false)
	// Global --session-token stays available after the words.
	fs.StringVar(&c.g.sessionToken, "session-token", c.g.sessionToken, "")
	var in s3auth.AdminAddServiceAccount
	fs.StringVar(&in.Name, "name", "", "")
	fs.StringVar(&in.Description, "description", "", "")
	fs.StringVar(&in.AccessKey, "access-key", "", "")
	fs.StringVar(&in.SecretKey, "secret-key", "", "")
	fs.StringVar(&in.Parent, "parent", "", "")
	policy := fs.String("policy", "", "")
	if _, err := parseN(fs, args); err != nil {
		return err
	}
	if *policy != "" {
		doc, err := policyFile(*policy)
		if err != nil {
			return err
		}
		in.Policy = doc
	}
	var keys s3auth.Keys
	if err := c.call("POST", "/service-accounts", nil, in, &keys); err != nil {
		return err
	}
	return c.printKeys(keys)
}

// policyFile reads a policy document that must be a JSON object.
func policyFile(path string) (json.RawMessage, error) {
	doc, err := readFile("policy", path)
	if err != nil {
		return nil, err
	}
	doc = bytes.TrimSpace(doc)
	if !json.Valid(doc) || len(doc) == 0 || doc[0] != '{' {
		return nil, fmt.Errorf("the policy file %s is not a JSON object; fix it and retry", path)
	}
	return doc, nil
}

func (c *cli) svcacctList(cmd string, args []string) error {
	fs := c.flags(cmd, true)
	parent := fs.String("parent", "", "")
	if _, err := parseN(fs, args); err != nil {
		return err
	}
	var q url.Values
	if *parent != "" {
		q = url.Values{"parent": {*parent}}
	}
	var sas []s3auth.AdminServiceAccount
	if err := c.call("GET", "/service-accounts", q, nil, &sas); err != nil {
		return err
	}
	if c.g.json {
		if sas == nil {
			sas = []s3auth.AdminServiceAccount{}
		}
		return c.printJSON(sas)
	}
	rows := make([][]string, 0, len(sas))
	for _, s := range sas {
		rows = append(rows, []string{s.AccessKey, orDash(s.Name), s.Parent, s.Status, yesNo(s.HasPolicy)})
	}
	return c.table("ACCESS KEY\tNAME\tPARENT\tSTATUS\tPOLICY", rows)
}

func (c *cli) svcacctInfo(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "KEY")
	if err != nil {
		return err
	}
	var s s3auth.AdminServiceAccount
	if err := c.call("GET", "/service-accounts"+name(pos[0]), nil, nil, &s); err != nil {
		return err
	}
	if c.g.json {
		if s.Policy == nil {
			s.Policy = json.RawMessage("null")
		}
		return c.printJSON(s)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 1, ' ', 0)
	for _, r := range [][2]string{
		{"Access key:", s.AccessKey},
		{"Name:", orDash(s.Name)},
		{"Description:", orDash(s.Description)},
		{"Parent:", s.Parent},
		{"Status:", s.Status},
		{"Created:", when(s.Created)},
	} {
		fmt.Fprintln(tw, r[0]+"\t"+r[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !s.HasPolicy {
		_, err := fmt.Fprintln(c.stdout, "Policy: none (the parent's access)")
		return err
	}
	fmt.Fprintln(c.stdout, "Policy:")
	return c.printDocument(s.Policy)
}

func (c *cli) svcacctEdit(cmd string, args []string) error {
	fs := c.flags(cmd, true)
	policy := fs.String("policy", "", "")
	remove := fs.Bool("remove-policy", false, "")
	status := fs.String("status", "", "")
	pos, err := parseN(fs, args, "KEY")
	if err != nil {
		return err
	}
	if *policy != "" && *remove {
		return usagef("%s: give --policy FILE or --remove-policy, not both", cmd)
	}
	if *policy == "" && !*remove && *status == "" {
		return usagef("%s: nothing to change; give --policy FILE, --remove-policy or --status enabled|disabled", cmd)
	}
	if *status != "" && *status != s3auth.AdminStatusEnabled && *status != s3auth.AdminStatusDisabled {
		return usagef("%s: --status must be enabled or disabled, not %q", cmd, *status)
	}
	in := map[string]any{}
	switch {
	case *policy != "":
		doc, err := policyFile(*policy)
		if err != nil {
			return err
		}
		in["policy"] = doc
	case *remove:
		in["policy"] = nil
	}
	if *status != "" {
		in["status"] = *status
	}
	if err := c.call("PATCH", "/service-accounts"+name(pos[0]), nil, in, nil); err != nil {
		return err
	}
	return c.done("Changed service account %s.", pos[0])
}

func (c *cli) svcacctRm(cmd string, args []string) error {
	pos, err := parseN(c.flags(cmd, true), args, "KEY")
	if err != nil {
		return err
	}
	if err := c.call("DELETE", "/service-accounts"+name(pos[0]), nil, nil, nil); err != nil {
		return err
	}
	return c.done("Removed service account %s.", pos[0])
}

var _ flag.Value = (*optID)(nil)
