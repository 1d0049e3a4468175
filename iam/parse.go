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

// Error returns the message with its JSON path.
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

// Error says the measured size and the limit.
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
	if len(opts) > 0 {
		o = applyParseOptions(opts)
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
	sc := getScratch()
	root, tree, size, jerr := parseJSON(string(doc), sc)
	if jerr != nil {
		putScratch(sc)
		return nil, &ParseError{Msg: jerr.msg + " (at byte " + strconv.Itoa(jerr.off) + ")"}
	}
	p, perr := compilePolicy(&root, tree, o.ResourcePolicy)
	putScratch(sc) // the compiled policy holds nothing of the tree
	if perr != nil {
		return nil, perr
	}
	p.size = size
	return p, nil
}

// applyParseOptions is apart from Parse so that the options escape to the
// heap only when there are some.
func applyParseOptions(opts []ParseOption) ParseOptions {
	var o ParseOptions
	for _, f := range opts {
		f(&o)
	}
	return o
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

func compilePolicy(root *jvalue, doc jdoc, resource bool) (*Policy, *ParseError) {
	if root.kind != jObject {
		return nil, perr("", "a policy must be a JSON object, not "+root.kind.String())
	}
	p := &Policy{resource: resource}
	c := compiler{jdoc: doc, resource: resource}
	var stmtVal *jvalue
	members := c.kids(root)
	for i := range members {
		m := &members[i]
		switch c.key(m) {
		case "Version":
			switch {
			case m.kind == jString && c.str(m) == Version2012:
				p.version = Version2012
			case m.kind == jString && c.str(m) == Version2008:
				p.version = Version2008
			default:
				return nil, perr("Version", "must be \""+Version2012+"\" (or the legacy \""+Version2008+"\"), not "+c.quoteValue(m))
			}
		case "Id":
			if m.kind != jString {
				return nil, perr("Id", "must be a string, not "+m.kind.String())
			}
			p.id, p.hasID = c.str(m), true
		case "Statement":
			stmtVal = m
		default:
			return nil, perr(c.key(m), "unknown field "+quote(c.key(m))+suggest(c.key(m), topFields))
		}
	}
	if stmtVal == nil {
		return nil, perr("", "missing \"Statement\"; a policy needs at least one statement")
	}
	c.vars = p.version == Version2012
	switch stmtVal.kind {
	case jObject:
		p.stmtObject = true
		c.count(stmtVal)
		c.reserve()
		p.stmts = make([]statement, 1)
		if err := c.statement(&p.stmts[0], stmtVal, stmtRef{obj: true}); err != nil {
			return nil, err
		}
	case jArray:
		if int(stmtVal.n) == 0 {
			return nil, perr("Statement", "is empty; a policy needs at least one statement")
		}
		stmts := c.kids(stmtVal)
		for i := range stmts {
			c.count(&stmts[i])
		}
		c.reserve()
		p.stmts = make([]statement, len(stmts))
		for i := range stmts {
			if err := c.statement(&p.stmts[i], &stmts[i], stmtRef{i: i}); err != nil {
				return nil, err
			}
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
	return stmtRef{i: i, obj: p.stmtObject}.path()
}

// stmtRef names a statement for error paths, which are built only when
// there is an error.
type stmtRef struct {
	i   int
	obj bool // the policy's Statement is a single object
}

func (r stmtRef) path() string {
	if r.obj {
		return "Statement"
	}
	return "Statement[" + strconv.Itoa(r.i) + "]"
}

// compiler compiles the statements of one policy. The slices a compiled
// policy holds are carved out of a few slabs, sized by counting the
// document first, so that a policy costs a handful of allocations rather
// than several per statement.
type compiler struct {
	jdoc
	resource bool
	vars     bool // Version 2012-10-17: "${...}" are policy variables

	nStr, nPat, nARN, nCond, nVal, nPrinc int // counts for reserve

	strs   []string
	princs []principalSet
	pats   []srcPattern
	arns   []arnPattern
	conds  []condition
	vals   []condValue
	toks   []token
}

// take returns the next n elements of the slab *s, with their capacity
// capped so that appending to them never writes into the slab. A slab that
// is too small is replaced, never copied: slices taken earlier keep
// pointing into the old one.
func take[T any](s *[]T, n int) []T {
	if cap(*s)-len(*s) < n {
		*s = make([]T, 0, max(n, cap(*s), 16))
	}
	start := len(*s)
	*s = (*s)[:start+n]
	return (*s)[start : start+n : start+n]
}

// listLen is the number of strings a string-or-array element holds.
func listLen(v *jvalue) int {
	if v.kind == jArray {
		return int(v.n)
	}
	return 1
}

// count adds what a statement needs to the slab sizes. It only estimates:
// an invalid statement is reported by statement, and a slab that turns out
// too small grows.
func (c *compiler) count(st *jvalue) {
	if st.kind != jObject {
		return
	}
	members := c.kids(st)
	for i := range members {
		m := &members[i]
		switch c.key(m) {
		case "Action", "NotAction":
			c.nPat += listLen(m)
		case "Resource", "NotResource":
			c.nARN += listLen(m)
		case "Principal", "NotPrincipal":
			c.nPrinc++
			if m.kind == jObject {
				types := c.kids(m)
				for j := range types {
					c.nStr += listLen(&types[j])
				}
			}
		case "Condition":
			if m.kind != jObject {
				continue
			}
			ops := c.kids(m)
			for j := range ops {
				op := &ops[j]
				if op.kind != jObject {
					continue
				}
				arn := strings.Contains(c.key(op), "Arn")
				keys := c.kids(op)
				for k := range keys {
					n := listLen(&keys[k])
					c.nCond++
					c.nVal += n
					if arn {
						// An ARN value such as "arn:aws:iam::*:user/*"
						// has its first five components as patterns.
						c.nARN += n
						c.nPat += 5 * n
					}
				}
			}
		}
	}
}

// reserve allocates the slabs counted by count.
func (c *compiler) reserve() {
	if c.nStr > 0 {
		c.strs = make([]string, 0, c.nStr)
	}
	if c.nPrinc > 0 {
		c.princs = make([]principalSet, 0, c.nPrinc)
	}
	if c.nPat > 0 {
		c.pats = make([]srcPattern, 0, c.nPat)
	}
	if c.nARN > 0 {
		c.arns = make([]arnPattern, 0, c.nARN)
	}
	if c.nCond > 0 {
		c.conds = make([]condition, 0, c.nCond)
	}
	if c.nVal > 0 {
		c.vals = make([]condValue, 0, c.nVal)
	}
}

func (c *compiler) quoteValue(v *jvalue) string {
	if v.kind == jString || v.kind == jNumber || v.kind == jBool {
		return quote(c.str(v))
	}
	return v.kind.String()
}

// listElem returns the i-th string of a string-or-array element that
// stringList accepted.
func (c *compiler) listElem(v *jvalue, i int) string {
	if v.kind == jString {
		return c.str(v)
	}
	return c.str(&c.nodes[v.off+int32(i)])
}

// stringList reads a string or a non-empty array of non-empty strings, the
// element sr.f1 (or sr.f1.f2 when f2 is not empty). Without keep it only
// validates (and returns nil).
func (c *compiler) stringList(v *jvalue, sr stmtRef, f1, f2 string, keep bool) ([]string, *ParseError) {
	path := func() string {
		p := sr.path() + "." + f1
		if f2 != "" {
			p += "." + f2
		}
		return p
	}
	switch v.kind {
	case jString:
		if c.str(v) == "" {
			return nil, perr(path(), "must not be an empty string")
		}
		if !keep {
			return nil, nil
		}
		out := take(&c.strs, 1)
		out[0] = c.str(v)
		return out, nil
	case jArray:
		if int(v.n) == 0 {
			return nil, perr(path(), "must not be an empty array")
		}
		var out []string
		if keep {
			out = take(&c.strs, int(v.n))
		}
		kids := c.kids(v)
		for i := range kids {
			e := &kids[i]
			if e.kind != jString {
				return nil, perr(path()+"["+strconv.Itoa(i)+"]", "must be a string, not "+e.kind.String())
			}
			if c.str(e) == "" {
				return nil, perr(path()+"["+strconv.Itoa(i)+"]", "must not be an empty string")
			}
			if keep {
				out[i] = c.str(e)
			}
		}
		return out, nil
	}
	return nil, perr(path(), "must be a string or an array of strings, not "+v.kind.String())
}

// statement compiles the statement v into st.
func (c *compiler) statement(st *statement, v *jvalue, sr stmtRef) *ParseError {
	st.index = int32(sr.i)
	if v.kind != jObject {
		return perr(sr.path(), "a statement must be an object, not "+v.kind.String())
	}
	var effect, principal, action, res, cond *jvalue
	kids := c.kids(v)
	for i := range kids {
		m := &kids[i]
		switch c.key(m) {
		case "Sid":
			if m.kind != jString {
				return perr(sr.path()+".Sid", "must be a string, not "+m.kind.String())
			}
			st.sid = c.str(m)
		case "Effect":
			effect = m
		case "Principal", "NotPrincipal":
			if principal != nil {
				return perr(sr.path()+"."+c.key(m), "a statement has either Principal or NotPrincipal, not both")
			}
			principal, st.notPrincipal = m, c.key(m) == "NotPrincipal"
		case "Action", "NotAction":
			if action != nil {
				return perr(sr.path()+"."+c.key(m), "a statement has either Action or NotAction, not both")
			}
			action, st.notAction = m, c.key(m) == "NotAction"
		case "Resource", "NotResource":
			if res != nil {
				return perr(sr.path()+"."+c.key(m), "a statement has either Resource or NotResource, not both")
			}
			res, st.notResource = m, c.key(m) == "NotResource"
		case "Condition":
			cond = m
		default:
			return perr(sr.path()+"."+c.key(m), "unknown field "+quote(c.key(m))+suggest(c.key(m), stmtFields))
		}
	}
	// Effect
	if effect == nil {
		return perr(sr.path(), "missing \"Effect\"; set it to \"Allow\" or \"Deny\"")
	}
	switch {
	case effect.kind == jString && c.str(effect) == "Allow":
	case effect.kind == jString && c.str(effect) == "Deny":
		st.deny = true
	default:
		return perr(sr.path()+".Effect", "must be \"Allow\" or \"Deny\" (case-sensitive), not "+c.quoteValue(effect))
	}
	// Principal
	pname := "Principal"
	if st.notPrincipal {
		pname = "NotPrincipal"
	}
	switch {
	case principal != nil && !c.resource:
		return perr(sr.path()+"."+pname, pname+" is allowed only in resource (bucket) policies; an identity, session or service-account policy applies to whoever it is attached to, so remove it")
	case principal == nil && c.resource:
		return perr(sr.path(), "missing \"Principal\"; a bucket policy must say whom each statement applies to (\"*\" for everyone)")
	case principal != nil:
		st.principal = &take(&c.princs, 1)[0]
		if err := c.principal(st.principal, principal, sr, pname); err != nil {
			return err
		}
	}
	// Action
	aname := "Action"
	if st.notAction {
		aname = "NotAction"
	}
	if action == nil {
		return perr(sr.path(), "missing \"Action\" (or \"NotAction\"), e.g. \"s3:GetObject\"")
	}
	if _, err := c.stringList(action, sr, aname, "", false); err != nil {
		return err
	}
	st.actions = take(&c.pats, listLen(action))
	for i := range st.actions {
		a := c.listElem(action, i)
		st.actions[i].src = a
		msg, plain := validAction(a)
		if msg != "" {
			return perr(elemPath(sr.path()+"."+aname, action, i), msg)
		}
		switch p := &st.actions[i].pattern; {
		case !plain:
			c.template(p, a, false, true) // validAction leaves no error
		case a == "*":
			p.kind = pAny
		case a[len(a)-1] == '*':
			p.kind, p.lit = pPrefix, a[:len(a)-1]
		default:
			p.lit = a // pExact
		}
	}
	// Resource
	rname := "Resource"
	if st.notResource {
		rname = "NotResource"
	}
	if res == nil {
		return perr(sr.path(), "missing \"Resource\" (or \"NotResource\"), e.g. \"arn:aws:s3:::bucket/*\"")
	}
	if _, err := c.stringList(res, sr, rname, "", false); err != nil {
		return err
	}
	st.resources = take(&c.arns, listLen(res))
	for i := range st.resources {
		r := c.listElem(res, i)
		if msg := c.arn(&st.resources[i], r, c.vars); msg != "" {
			return perr(elemPath(sr.path()+"."+rname, res, i), string(msg))
		}
	}
	// Condition
	if cond != nil {
		conds, err := c.conditions(cond, sr)
		if err != nil {
			return err
		}
		st.conds = conds
	}
	return nil
}

func elemPath(path string, v *jvalue, i int) string {
	if v.kind == jArray {
		return path + "[" + strconv.Itoa(i) + "]"
	}
	return path
}

// validAction checks "*" or "service:action" with wildcards allowed in the
// action name only. plain reports that the action has no wildcard but,
// perhaps, a final '*' (template's fast path then applies).
func validAction(a string) (msg string, plain bool) {
	if a == "*" {
		return "", true
	}
	colon := strings.IndexByte(a, ':')
	if colon <= 0 || colon == len(a)-1 {
		return badAction(a), false
	}
	// Every byte's class ANDed: a bad byte clears the bit.
	svc := uint8(acService)
	for j := 0; j < colon; j++ {
		svc &= actionClass[a[j]]
	}
	name, wild := uint8(acName), 0
	for j := colon + 1; j < len(a); j++ {
		c := actionClass[a[j]]
		name &= c
		wild += int(c >> acWildShift)
	}
	if svc == 0 || name == 0 {
		return badAction(a), false
	}
	return "", wild == 0 || wild == 1 && a[len(a)-1] == '*'
}

// Classes of action bytes: acService for letters, digits and '-' (the
// service), acName for letters, digits, '*' and '?' (the action name),
// and 1<<acWildShift for '*' and '?'.
const (
	acService   = 1
	acName      = 2
	acWildShift = 2
)

var actionClass = func() (t [256]uint8) {
	for c := 0; c < 128; c++ {
		if inSet(keyServiceChars, byte(c)) {
			t[c] |= acService
		}
		if inSet(actionNameChars, byte(c)) {
			t[c] |= acName
		}
		if c == '*' || c == '?' {
			t[c] |= 1 << acWildShift
		}
	}
	return t
}()

func badAction(a string) string {
	return "malformed action " + quote(a) + "; write \"service:Action\" such as \"s3:GetObject\" or \"s3:Get*\", or \"*\""
}

// actionNameChars is the bit set of letters, digits, '*' and '?', the
// bytes allowed in the name of an action.
var actionNameChars = [2]uint64{0x83ff040000000000, 0x07fffffe07fffffe}

var principalTypes = []string{"AWS", "Federated", "Service", "CanonicalUser"}

// principal compiles the Principal (or NotPrincipal: pname) v into ps.
func (c *compiler) principal(ps *principalSet, v *jvalue, sr stmtRef, pname string) *ParseError {
	path := func() string { return sr.path() + "." + pname }
	if v.kind == jString {
		if c.str(v) != "*" {
			return perr(path(), "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:user/alice\"}, not "+quote(c.str(v)))
		}
		ps.any, ps.star = true, true
		return nil
	}
	if v.kind != jObject {
		return perr(path(), "must be \"*\" or an object such as {\"AWS\": [...]}, not "+v.kind.String())
	}
	if int(v.n) == 0 {
		return perr(path(), "must not be empty")
	}
	ps.entries = make([]principalEntry, 0, int(v.n))
	kids := c.kids(v)
	for i := range kids {
		m := &kids[i]
		if !slices.Contains(principalTypes, c.key(m)) {
			return perr(path()+"."+c.key(m), "unknown principal type "+quote(c.key(m))+suggest(c.key(m), principalTypes))
		}
		ids, err := c.stringList(m, sr, pname, c.key(m), true)
		if err != nil {
			return err
		}
		ps.entries = append(ps.entries, principalEntry{typ: c.key(m), ids: ids, array: m.kind == jArray})
		for j, id := range ids {
			ep := func() string { return elemPath(path()+"."+c.key(m), m, j) }
			switch c.key(m) {
			case "AWS":
				switch {
				case id == "*":
					ps.any = true
				case isAccountID(id):
					ps.arns = append(ps.arns, "arn:aws:iam::"+id+":root")
				default:
					if strings.ContainsAny(id, "*?") {
						return perr(ep(), "wildcards are not allowed in principals except \"*\" alone")
					}
					if !looksLikeARN(id) {
						return perr(ep(), "malformed principal "+quote(id)+"; use an ARN such as \"arn:aws:iam::123456789012:user/alice\", a 12-digit account ID or \"*\"")
					}
					ps.arns = append(ps.arns, id)
				}
			default:
				if strings.ContainsAny(id, "*?") && id != "*" {
					return perr(ep(), "wildcards are not allowed in principals except \"*\" alone")
				}
			}
		}
	}
	return nil
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

// conditions compiles the Condition element v of statement sr.
func (c *compiler) conditions(v *jvalue, sr stmtRef) ([]condition, *ParseError) {
	path := func() string { return sr.path() + ".Condition" }
	if v.kind != jObject {
		return nil, perr(path(), "must be an object of operators, such as {\"StringLike\": {\"s3:prefix\": \"home/*\"}}, not "+v.kind.String())
	}
	n := 0
	ops := c.kids(v)
	for i := range ops {
		n += int(ops[i].n)
	}
	out := take(&c.conds, n)[:0]
	for i := range ops {
		om := &ops[i]
		opath := func() string { return path() + "." + c.key(om) }
		op, q, ifExists, msg := parseOperator(c.key(om))
		if msg != "" {
			return nil, perr(opath(), msg)
		}
		if om.kind != jObject {
			return nil, perr(opath(), "must be an object of condition keys, such as {\"s3:prefix\": [\"home/*\"]}, not "+om.kind.String())
		}
		if int(om.n) == 0 {
			return nil, perr(opath(), "must name at least one condition key")
		}
		keys := c.kids(om)
		for j := range keys {
			km := &keys[j]
			kpath := func() string { return opath() + "." + c.key(km) }
			key, sk, kerr := resolveKeyInfo(c.key(km), false)
			if kerr != "" {
				return nil, perr(kpath(), string(kerr))
			}
			if key.id != kRequest && sk.families&op.fam == 0 {
				return nil, perr(kpath(), op.name+" cannot be used with "+sk.name+"; it is "+familyHint(sk.families))
			}
			nv := 1
			if km.kind == jArray {
				if int(km.n) == 0 {
					return nil, perr(kpath(), "must have at least one value")
				}
				nv = int(km.n)
			}
			if len(out) == cap(out) { // not when counted right
				out = append(out, condition{})
			} else {
				out = out[:len(out)+1] // a fresh, zero element
			}
			cond := &out[len(out)-1]
			cond.op, cond.qual, cond.ifExists, cond.opName, cond.keyName, cond.key = op, q, ifExists, c.key(om), c.key(km), key
			cond.values, cond.arrayForm = take(&c.vals, nv), km.kind == jArray
			vals := c.kids(km)
			for e := range cond.values {
				ev := km
				if km.kind == jArray {
					ev = &vals[e]
				}
				if msg := c.value(&cond.values[e], op, ev); msg != "" {
					return nil, perr(elemPath(kpath(), km, e), msg)
				}
			}
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
