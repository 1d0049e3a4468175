package iam

import (
	"slices"
	"strconv"
	"strings"
)

// DefaultMaxSize is the default policy size limit in bytes, measured by
// [PackedSize]: AWS's limit for inline user policies and session policies.
const DefaultMaxSize = 2048

// Policy versions.
const (
	Version2012 = "2012-10-17" // current: policy variables are substituted
	Version2008 = "2008-10-17" // legacy: "${...}" is literal text
)

// ParseOptions configures [Parse]. The zero value parses an identity
// policy of at most [DefaultMaxSize] bytes.
type ParseOptions struct {
	// MaxSize is the size limit measured by [PackedSize]. 0 means
	// DefaultMaxSize; a negative value means no limit.
	MaxSize int
	// ResourcePolicy parses a resource (bucket) policy: every statement
	// must name a Principal or NotPrincipal. When false (identity, session
	// and service-account policies) Principal and NotPrincipal are errors.
	ResourcePolicy bool
}

// ParseOption changes [ParseOptions] for one call of [Parse].
type ParseOption func(*ParseOptions)

// WithMaxSize sets the size limit (see [ParseOptions.MaxSize]).
func WithMaxSize(n int) ParseOption { return func(o *ParseOptions) { o.MaxSize = n } }

// WithResourcePolicy parses a resource (bucket) policy (see
// [ParseOptions.ResourcePolicy]).
func WithResourcePolicy() ParseOption { return func(o *ParseOptions) { o.ResourcePolicy = true } }

// ParseError reports a policy that is not valid JSON or not a valid
// policy. Path is a JSON path to the offending element, such as
// "Statement[1].Condition.StringLike" (statement indexes count from 0), or
// empty for the document as a whole.
type ParseError struct {
	Path string
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return "iam: invalid policy: " + e.Msg
	}
	return "iam: invalid policy at " + e.Path + ": " + e.Msg
}

// SizeError reports a policy over the size limit. Size is measured as
// [PackedSize] does. The STS layer reports it as PackedPolicyTooLarge.
type SizeError struct {
	Size, Limit int
}

func (e *SizeError) Error() string {
	return "iam: policy is " + strconv.Itoa(e.Size) + " bytes without whitespace, over the limit of " +
		strconv.Itoa(e.Limit) + " bytes; shorten it (for example with wildcards) or split it into several policies"
}

// Parse parses, validates and compiles a policy document. Validation is
// strict: anything the evaluator would not enforce exactly is an error (a
// *[ParseError] naming the element), and a document over the size limit
// is a *[SizeError]. The returned policy is immutable and safe for
// concurrent use.
func Parse(doc []byte, opts ...ParseOption) (*Policy, error) {
	var o ParseOptions
	for _, f := range opts {
		f(&o)
	}
	limit := o.MaxSize
	if limit == 0 {
		limit = DefaultMaxSize
	}
	// A document no longer than the limit cannot exceed it once packed;
	// a longer one is measured before anything else is done with it.
	if limit > 0 && len(doc) > limit {
		size, err := PackedSize(doc)
		if err != nil {
			return nil, err
		}
		if size > limit {
			return nil, &SizeError{Size: size, Limit: limit}
		}
	}
	root, size, jerr := parseJSON(string(doc))
	if jerr != nil {
		return nil, &ParseError{Msg: jerr.msg + " (at byte " + strconv.Itoa(jerr.off) + ")"}
	}
	p, perr := compilePolicy(&root, o.ResourcePolicy)
	if perr != nil {
		return nil, perr
	}
	p.size = size
	return p, nil
}

func perr(path, msg string) *ParseError { return &ParseError{Path: path, Msg: msg} }

// suggest returns " (did you mean X?)" when name matches one of allowed
// case-insensitively.
func suggest(name string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			return "; names are case-sensitive: did you mean " + strconv.Quote(a) + "?"
		}
	}
	return "; allowed: " + strings.Join(allowed, ", ")
}

var (
	topFields  = []string{"Version", "Id", "Statement"}
	stmtFields = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

func compilePolicy(root *jvalue, resource bool) (*Policy, *ParseError) {
	if root.kind != jObject {
		return nil, perr("", "a policy must be a JSON object, not "+root.kind.String())
	}
	p := &Policy{resource: resource}
	var stmtVal *jvalue
	for i := range root.members {
		m := &root.members[i]
		switch m.key {
		case "Version":
			if m.val.kind != jString || (m.val.str != Version2012 && m.val.str != Version2008) {
				return nil, perr("Version", "must be \""+Version2012+"\" (or the legacy \""+Version2008+"\"), not "+quoteValue(&m.val))
			}
			p.version = m.val.str
		case "Id":
			if m.val.kind != jString {
				return nil, perr("Id", "must be a string, not "+m.val.kind.String())
			}
			p.id, p.hasID = m.val.str, true
		case "Statement":
			stmtVal = &m.val
		default:
			return nil, perr(m.key, "unknown field "+quote(m.key)+suggest(m.key, topFields))
		}
	}
	if stmtVal == nil {
		return nil, perr("", "missing \"Statement\"; a policy needs at least one statement")
	}
	vars := p.version == Version2012
	switch stmtVal.kind {
	case jObject:
		p.stmtObject = true
		st, err := compileStatement(stmtVal, "Statement", 0, resource, vars)
		if err != nil {
			return nil, err
		}
		p.stmts = append(p.stmts, st)
	case jArray:
		if len(stmtVal.elems) == 0 {
			return nil, perr("Statement", "is empty; a policy needs at least one statement")
		}
		p.stmts = make([]statement, 0, len(stmtVal.elems))
		for i := range stmtVal.elems {
			st, err := compileStatement(&stmtVal.elems[i], "Statement["+strconv.Itoa(i)+"]", i, resource, vars)
			if err != nil {
				return nil, err
			}
			p.stmts = append(p.stmts, st)
		}
	default:
		return nil, perr("Statement", "must be a statement object or an array of them, not "+stmtVal.kind.String())
	}
	var sids map[string]int
	if len(p.stmts) > 16 {
		sids = make(map[string]int, len(p.stmts))
	}
	for i := range p.stmts {
		sid := p.stmts[i].sid
		if sid == "" {
			continue
		}
		j, dup := -1, false
		if sids != nil {
			j, dup = sids[sid]
			sids[sid] = i
		} else {
			for k := 0; k < i; k++ {
				if p.stmts[k].sid == sid {
					j, dup = k, true
					break
				}
			}
		}
		if dup {
			return nil, perr(stmtPath(p, i)+".Sid", "duplicate Sid "+quote(sid)+" (also in statement "+strconv.Itoa(j)+"); each Sid must be unique")
		}
	}
	p.buildIndex()
	return p, nil
}

func stmtPath(p *Policy, i int) string {
	if p.stmtObject {
		return "Statement"
	}
	return "Statement[" + strconv.Itoa(i) + "]"
}

func quoteValue(v *jvalue) string {
	if v.kind == jString || v.kind == jNumber || v.kind == jBool {
		return quote(v.str)
	}
	return v.kind.String()
}

// stringList reads a string or a non-empty array of non-empty strings.
func stringList(v *jvalue, base, field string) ([]string, *ParseError) {
	if v.kind == jString && v.str != "" {
		return []string{v.str}, nil
	}
	path := base + "." + field
	switch v.kind {
	case jString:
		if v.str == "" {
			return nil, perr(path, "must not be an empty string")
		}
		return []string{v.str}, nil
	case jArray:
		if len(v.elems) == 0 {
			return nil, perr(path, "must not be an empty array")
		}
		out := make([]string, len(v.elems))
		for i := range v.elems {
			e := &v.elems[i]
			if e.kind != jString {
				return nil, perr(path+"["+strconv.Itoa(i)+"]", "must be a string, not "+e.kind.String())
			}
			if e.str == "" {
				return nil, perr(path+"["+strconv.Itoa(i)+"]", "must not be an empty string")
			}
			out[i] = e.str
		}
		return out, nil
	}
	return nil, perr(path, "must be a string or an array of strings, not "+v.kind.String())
}

func compileStatement(v *jvalue, path string, index int, resource, vars bool) (statement, *ParseError) {
	st := statement{index: index}
	if v.kind != jObject {
		return st, perr(path, "a statement must be an object, not "+v.kind.String())
	}
	var effect, principal, action, res, cond *jvalue
	for i := range v.members {
		m := &v.members[i]
		switch m.key {
		case "Sid":
			if m.val.kind != jString {
				return st, perr(path+".Sid", "must be a string, not "+m.val.kind.String())
			}
			st.sid = m.val.str
		case "Effect":
			effect = &m.val
		case "Principal", "NotPrincipal":
			if principal != nil {
				return st, perr(path+"."+m.key, "a statement has either Principal or NotPrincipal, not both")
			}
			principal, st.notPrincipal = &m.val, m.key == "NotPrincipal"
		case "Action", "NotAction":
			if action != nil {
				return st, perr(path+"."+m.key, "a statement has either Action or NotAction, not both")
			}
			action, st.notAction = &m.val, m.key == "NotAction"
		case "Resource", "NotResource":
			if res != nil {
				return st, perr(path+"."+m.key, "a statement has either Resource or NotResource, not both")
			}
			res, st.notResource = &m.val, m.key == "NotResource"
		case "Condition":
			cond = &m.val
		default:
			return st, perr(path+"."+m.key, "unknown field "+quote(m.key)+suggest(m.key, stmtFields))
		}
	}
	// Effect
	if effect == nil {
		return st, perr(path, "missing \"Effect\"; set it to \"Allow\" or \"Deny\"")
	}
	switch {
	case effect.kind == jString && effect.str == "Allow":
	case effect.kind == jString && effect.str == "Deny":
		st.deny = true
	default:
		return st, perr(path+".Effect", "must be \"Allow\" or \"Deny\" (case-sensitive), not "+quoteValue(effect))
	}
	// Principal
	pname := "Principal"
	if st.notPrincipal {
		pname = "NotPrincipal"
	}
	switch {
	case principal != nil && !resource:
		return st, perr(path+"."+pname, pname+" is allowed only in resource (bucket) policies; an identity, session or service-account policy applies to whoever it is attached to, so remove it")
	case principal == nil && resource:
		return st, perr(path, "missing \"Principal\"; a bucket policy must say whom each statement applies to (\"*\" for everyone)")
	case principal != nil:
		ps, err := compilePrincipal(principal, path+"."+pname)
		if err != nil {
			return st, err
		}
		st.principal = ps
	}
	// Action
	aname := "Action"
	if st.notAction {
		aname = "NotAction"
	}
	if action == nil {
		return st, perr(path, "missing \"Action\" (or \"NotAction\"), e.g. \"s3:GetObject\"")
	}
	acts, err := stringList(action, path, aname)
	if err != nil {
		return st, err
	}
	st.actionSrc = acts
	st.actions = make([]pattern, len(acts))
	for i, a := range acts {
		if msg := validAction(a); msg != "" {
			return st, perr(elemPath(path+"."+aname, action, i), msg)
		}
		p, _ := compileTemplate(a, false, true)
		st.actions[i] = p
	}
	// Resource
	rname := "Resource"
	if st.notResource {
		rname = "NotResource"
	}
	if res == nil {
		return st, perr(path, "missing \"Resource\" (or \"NotResource\"), e.g. \"arn:aws:s3:::bucket/*\"")
	}
	rs, err := stringList(res, path, rname)
	if err != nil {
		return st, err
	}
	st.resourceSrc = rs
	st.resources = make([]arnPattern, len(rs))
	for i, r := range rs {
		ap, msg := compileARN(r, vars)
		if msg != "" {
			return st, perr(elemPath(path+"."+rname, res, i), string(msg))
		}
		st.resources[i] = ap
	}
	// Condition
	if cond != nil {
		conds, err := compileConditions(cond, path, vars)
		if err != nil {
			return st, err
		}
		st.conds = conds
	}
	return st, nil
}

func elemPath(path string, v *jvalue, i int) string {
	if v.kind == jArray {
		return path + "[" + strconv.Itoa(i) + "]"
	}
	return path
}

// validAction checks "*" or "service:action" with wildcards allowed in the
// action name only.
func validAction(a string) string {
	if a == "*" {
		return ""
	}
	bad := func() string {
		return "malformed action " + quote(a) + "; write \"service:Action\" such as \"s3:GetObject\" or \"s3:Get*\", or \"*\""
	}
	i := strings.IndexByte(a, ':')
	if i <= 0 || i == len(a)-1 {
		return bad()
	}
	for j := 0; j < i; j++ {
		c := a[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return bad()
		}
	}
	for j := i + 1; j < len(a); j++ {
		c := a[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '*' || c == '?') {
			return bad()
		}
	}
	return ""
}

var principalTypes = []string{"AWS", "Federated", "Service", "CanonicalUser"}

func compilePrincipal(v *jvalue, path string) (principalSet, *ParseError) {
	var ps principalSet
	if v.kind == jString {
		if v.str != "*" {
			return ps, perr(path, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:user/alice\"}, not "+quote(v.str))
		}
		ps.any, ps.star = true, true
		return ps, nil
	}
	if v.kind != jObject {
		return ps, perr(path, "must be \"*\" or an object such as {\"AWS\": [...]}, not "+v.kind.String())
	}
	if len(v.members) == 0 {
		return ps, perr(path, "must not be empty")
	}
	for i := range v.members {
		m := &v.members[i]
		if !slices.Contains(principalTypes, m.key) {
			return ps, perr(path+"."+m.key, "unknown principal type "+quote(m.key)+suggest(m.key, principalTypes))
		}
		ids, err := stringList(&m.val, path, m.key)
		if err != nil {
			return ps, err
		}
		ps.entries = append(ps.entries, principalEntry{typ: m.key, ids: ids, array: m.val.kind == jArray})
		for j, id := range ids {
			ep := elemPath(path+"."+m.key, &m.val, j)
			switch m.key {
			case "AWS":
				switch {
				case id == "*":
					ps.any = true
				case isAccountID(id):
					ps.arns = append(ps.arns, "arn:aws:iam::"+id+":root")
				default:
					if strings.ContainsAny(id, "*?") {
						return ps, perr(ep, "wildcards are not allowed in principals except \"*\" alone")
					}
					if !looksLikeARN(id) {
						return ps, perr(ep, "malformed principal "+quote(id)+"; use an ARN such as \"arn:aws:iam::123456789012:user/alice\", a 12-digit account ID or \"*\"")
					}
					ps.arns = append(ps.arns, id)
				}
			default:
				if strings.ContainsAny(id, "*?") && id != "*" {
					return ps, perr(ep, "wildcards are not allowed in principals except \"*\" alone")
				}
			}
		}
	}
	return ps, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func looksLikeARN(s string) bool {
	if !strings.HasPrefix(s, "arn:") || strings.Count(s, ":") < 5 {
		return false
	}
	parts := strings.SplitN(s, ":", 6)
	return parts[1] != "" && parts[2] != "" && parts[5] != ""
}

func compileConditions(v *jvalue, stmtPath string, vars bool) ([]condition, *ParseError) {
	path := stmtPath + ".Condition"
	if v.kind != jObject {
		return nil, perr(path, "must be an object of operators, such as {\"StringLike\": {\"s3:prefix\": \"home/*\"}}, not "+v.kind.String())
	}
	n := 0
	for i := range v.members {
		n += len(v.members[i].val.members)
	}
	out := make([]condition, 0, n)
	for i := range v.members {
		om := &v.members[i]
		opath := func() string { return path + "." + om.key }
		op, q, ifExists, msg := parseOperator(om.key)
		if msg != "" {
			return nil, perr(opath(), msg)
		}
		if om.val.kind != jObject {
			return nil, perr(opath(), "must be an object of condition keys, such as {\"s3:prefix\": [\"home/*\"]}, not "+om.val.kind.String())
		}
		if len(om.val.members) == 0 {
			return nil, perr(opath(), "must name at least one condition key")
		}
		for j := range om.val.members {
			km := &om.val.members[j]
			kpath := func() string { return opath() + "." + km.key }
			key, kerr := resolveKey(km.key, false)
			if kerr != "" {
				return nil, perr(kpath(), string(kerr))
			}
			if key.id != kRequest {
				sk := serverKeys[key.name]
				if sk.families&op.fam == 0 {
					return nil, perr(kpath(), op.name+" cannot be used with "+sk.name+"; it is "+familyHint(sk.families))
				}
			}
			c := condition{op: op, qual: q, ifExists: ifExists, opName: om.key, keyName: km.key, key: key}
			elems := []jvalue{km.val}
			switch km.val.kind {
			case jArray:
				if len(km.val.elems) == 0 {
					return nil, perr(kpath(), "must have at least one value")
				}
				elems = km.val.elems
			}
			c.values = make([]condValue, len(elems))
			for e := range elems {
				cv, msg := compileValue(op, &elems[e], vars)
				if msg != "" {
					return nil, perr(elemPath(kpath(), &km.val, e), msg)
				}
				c.values[e] = cv
			}
			c.arrayForm = km.val.kind == jArray
			out = append(out, c)
		}
	}
	return out, nil
}

func familyHint(f family) string {
	var names []string
	add := func(b family, s string) {
		if f&b != 0 {
			names = append(names, s)
		}
	}
	add(fString, "String*")
	add(fNumeric, "Numeric*")
	add(fDate, "Date*")
	add(fBool, "Bool")
	add(fBinary, "BinaryEquals")
	add(fIP, "IpAddress/NotIpAddress")
	add(fARN, "Arn*")
	add(fNull, "Null")
	return "read with " + strings.Join(names, ", ")
}
