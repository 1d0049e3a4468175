package iam

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type cmpKind uint8

const (
	cEq cmpKind = iota
	cLt
	cLe
	cGt
	cGe
)

// opInfo describes one base condition operator (without qualifiers).
type opInfo struct {
	name    string
	fam     family
	negated bool
	cmp     cmpKind
	like    bool // wildcards in values
	fold    bool // case-insensitive
	vars    bool // policy variables allowed in values
}

// operators lists every supported base operator.
var operators = []opInfo{
	{name: "StringEquals", fam: fString, vars: true},
	{name: "StringNotEquals", fam: fString, negated: true, vars: true},
	{name: "StringEqualsIgnoreCase", fam: fString, fold: true, vars: true},
	{name: "StringNotEqualsIgnoreCase", fam: fString, negated: true, fold: true, vars: true},
	{name: "StringLike", fam: fString, like: true, vars: true},
	{name: "StringNotLike", fam: fString, negated: true, like: true, vars: true},
	{name: "NumericEquals", fam: fNumeric, cmp: cEq},
	{name: "NumericNotEquals", fam: fNumeric, cmp: cEq, negated: true},
	{name: "NumericLessThan", fam: fNumeric, cmp: cLt},
	{name: "NumericLessThanEquals", fam: fNumeric, cmp: cLe},
	{name: "NumericGreaterThan", fam: fNumeric, cmp: cGt},
	{name: "NumericGreaterThanEquals", fam: fNumeric, cmp: cGe},
	{name: "DateEquals", fam: fDate, cmp: cEq},
	{name: "DateNotEquals", fam: fDate, cmp: cEq, negated: true},
	{name: "DateLessThan", fam: fDate, cmp: cLt},
	{name: "DateLessThanEquals", fam: fDate, cmp: cLe},
	{name: "DateGreaterThan", fam: fDate, cmp: cGt},
	{name: "DateGreaterThanEquals", fam: fDate, cmp: cGe},
	{name: "Bool", fam: fBool, vars: true},
	{name: "BinaryEquals", fam: fBinary},
	{name: "IpAddress", fam: fIP},
	{name: "NotIpAddress", fam: fIP, negated: true},
	{name: "ArnEquals", fam: fARN, like: true, vars: true},
	{name: "ArnLike", fam: fARN, like: true, vars: true},
	{name: "ArnNotEquals", fam: fARN, like: true, negated: true, vars: true},
	{name: "ArnNotLike", fam: fARN, like: true, negated: true, vars: true},
	{name: "Null", fam: fNull},
}

// OperatorNames returns every supported base condition operator. Each but
// Null also accepts the IfExists suffix and the ForAnyValue: and
// ForAllValues: prefixes.
func OperatorNames() []string {
	out := make([]string, len(operators))
	for i := range operators {
		out[i] = operators[i].name
	}
	return out
}

// operatorIndex returns the index in operators of the base operator name,
// or -1.
func operatorIndex(name string) int {
	switch name {
	case "StringEquals":
		return 0
	case "StringNotEquals":
		return 1
	case "StringEqualsIgnoreCase":
		return 2
	case "StringNotEqualsIgnoreCase":
		return 3
	case "StringLike":
		return 4
	case "StringNotLike":
		return 5
	case "NumericEquals":
		return 6
	case "NumericNotEquals":
		return 7
	case "NumericLessThan":
		return 8
	case "NumericLessThanEquals":
		return 9
	case "NumericGreaterThan":
		return 10
	case "NumericGreaterThanEquals":
		return 11
	case "DateEquals":
		return 12
	case "DateNotEquals":
		return 13
	case "DateLessThan":
		return 14
	case "DateLessThanEquals":
		return 15
	case "DateGreaterThan":
		return 16
	case "DateGreaterThanEquals":
		return 17
	case "Bool":
		return 18
	case "BinaryEquals":
		return 19
	case "IpAddress":
		return 20
	case "NotIpAddress":
		return 21
	case "ArnEquals":
		return 22
	case "ArnLike":
		return 23
	case "ArnNotEquals":
		return 24
	case "ArnNotLike":
		return 25
	case "Null":
		return 26
	}
	return -1
}

type qualifier uint8

const (
	qNone qualifier = iota
	qForAll
	qForAny
)

// condition is one compiled (operator, key, values) triple.
type condition struct {
	op       *opInfo
	opName   string // as written
	keyName  string // as written
	key      keyRef
	values   []condValue
	qual     qualifier
	ifExists bool
	// arrayForm: the values were written as a JSON array.
	arrayForm bool
}

// condValue is one compiled policy value: its text and the compiled form
// its operator's family reads (128 bytes; a policy has many).
type condValue struct {
	raw string // as written (string contents or JSON literal)
	// pat: String and Bool values; BinaryEquals: the decoded bytes in
	// pat.lit.
	pat pattern
	arn *arnPattern // ARN operators only
	pfx netip.Prefix
	num float64
	// sec and nsec: a Date value as Unix seconds and nanoseconds (which
	// order times as time.Time.Compare does).
	sec    int64
	nsec   int32
	quoted bool // raw was a JSON string
	null   bool
}

// time returns a Date value.
func (cv *condValue) time() time.Time { return time.Unix(cv.sec, int64(cv.nsec)) }

// parseOperator splits "ForAnyValue:StringLikeIfExists".
func parseOperator(name string) (*opInfo, qualifier, bool, string) {
	base, q := name, qNone
	switch {
	case strings.HasPrefix(base, "ForAllValues:"):
		base, q = base[len("ForAllValues:"):], qForAll
	case strings.HasPrefix(base, "ForAnyValue:"):
		base, q = base[len("ForAnyValue:"):], qForAny
	}
	ifExists := false
	if strings.HasSuffix(base, "IfExists") {
		base, ifExists = strings.TrimSuffix(base, "IfExists"), true
	}
	if i := operatorIndex(base); i >= 0 {
		op := &operators[i]
		if op.fam == fNull && (ifExists || q != qNone) {
			return nil, 0, false, "Null takes neither the IfExists suffix nor a ForAnyValue:/ForAllValues: prefix"
		}
		return op, q, ifExists, ""
	}
	msg := "unknown condition operator " + quote(name)
	for i := range operators {
		if strings.EqualFold(operators[i].name, base) {
			return nil, 0, false, msg + "; operator names are case-sensitive: did you mean " + quote(operators[i].name) + "?"
		}
	}
	return nil, 0, false, msg + "; supported operators are " + strings.Join(OperatorNames(), ", ") +
		", each (but Null) with an optional IfExists suffix and ForAnyValue:/ForAllValues: prefix"
}

// value compiles one policy value for op into cv, which must be zero (a
// fresh slab element); c.vars reports whether the policy version
// substitutes variables.
func (c *compiler) value(cv *condValue, op *opInfo, v *jvalue) string {
	cv.raw, cv.quoted = c.str(v), v.kind == jString
	if v.kind != jString && v.kind != jNumber && v.kind != jBool {
		return "condition values must be strings (numbers and booleans may be unquoted), not " + v.kind.String()
	}
	vars := c.vars
	s := c.str(v)
	switch op.fam {
	case fString:
		if err := c.template(&cv.pat, s, vars && op.vars, op.like); err != "" {
			return string(err)
		}
	case fARN:
		a := &take(&c.arns, 1)[0]
		if s == "*" {
			a.any, a.src = true, s
			cv.arn = a
			break
		}
		if err := c.arn(a, s, vars && op.vars); err != "" {
			return string(err)
		}
		cv.arn = a
	case fNumeric:
		f, ok := parseNumber(s)
		if !ok {
			return op.name + " needs a number (like \"10\" or \"2.5\"), not " + quote(s)
		}
		cv.num = f
	case fDate:
		t, ok := parseDate(s)
		if !ok {
			return op.name + " needs an ISO 8601 date/time (like \"2026-01-31T12:00:00Z\") or epoch seconds, not " + quote(s)
		}
		cv.sec, cv.nsec = t.Unix(), int32(t.Nanosecond())
	case fBool:
		if vars && strings.Contains(s, "${") {
			if err := c.template(&cv.pat, s, true, false); err != "" {
				return string(err)
			}
			break
		}
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return "Bool needs \"true\" or \"false\", not " + quote(s)
		}
		cv.pat.lit = s // pExact
	case fBinary:
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || v.kind != jString {
			return "BinaryEquals needs a base64-encoded string, not " + quote(s)
		}
		cv.pat.lit = string(b)
	case fIP:
		p, ok := parseCIDR(s)
		if !ok {
			return op.name + " needs an IPv4 or IPv6 address or CIDR (like \"10.0.0.0/8\" or \"2001:db8::/32\"), not " + quote(s)
		}
		cv.pfx = p
	case fNull:
		switch strings.ToLower(s) {
		case "true":
			cv.null = true
		case "false":
		default:
			return "Null needs \"true\" (key absent) or \"false\" (key present), not " + quote(s)
		}
	}
	return ""
}

// parseNumber accepts an optionally signed decimal with an optional
// fraction and exponent; no hex, Inf, NaN or underscores.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

var dateLayouts = []string{
	time.RFC3339, // also accepts fractional seconds
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseDate accepts the W3C profile of ISO 8601 (with a zone designator
// whenever a time is given) or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits && len(s) != 4 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1<<40 {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseCIDR accepts a CIDR or a bare address (a /32 or /128 host).
func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// condResult is the outcome of one condition.
type condResult uint8

const (
	condFalse condResult = iota
	condTrue
	condError // a request value could not be read for this operator
)

// eval evaluates the condition against the request context.
func (c *condition) eval(ctx *Context) condResult {
	op := c.op
	if op.fam == fNull {
		present := ctx.has(c.key)
		for i := range c.values {
			if c.values[i].null != present {
				return condTrue
			}
		}
		return condFalse
	}
	if !ctx.has(c.key) {
		switch {
		case c.ifExists, c.qual == qForAll:
			return condTrue
		case c.qual == qForAny:
			return condFalse
		}
		return boolResult(op.negated)
	}
	// Typed server facts: no formatting, no parsing, no allocation.
	switch {
	case op.fam == fIP && c.key.id == kSourceIP:
		return c.combine1(c.matchIP(ctx.SourceIP.Unmap()))
	case op.fam == fDate && (c.key.id == kCurrentTime || c.key.id == kEpochTime):
		return c.combine1(c.matchTime(ctx.CurrentTime))
	case op.fam == fDate && c.key.id == kTokenIssueTime:
		return c.combine1(c.matchTime(ctx.TokenIssueTime))
	case op.fam == fNumeric && c.key.id == kEpochTime:
		return c.combine1(c.matchNum(float64(ctx.CurrentTime.Unix())))
	case op.fam == fNumeric && c.key.id == kSignatureAge:
		return c.combine1(c.matchNum(float64(ctx.SignatureAge)))
	}
	v := ctx.lookup(c.key)
	n := v.len()
	switch c.qual {
	case qNone:
		any := false
		for i := 0; i < n; i++ {
			m, ok := c.matchValue(v.at(i), ctx)
			if !ok {
				return condError
			}
			if m {
				any = true
				break
			}
		}
		return boolResult(any != op.negated)
	case qForAny:
		for i := 0; i < n; i++ {
			m, ok := c.matchValue(v.at(i), ctx)
			if !ok {
				return condError
			}
			if m != op.negated {
				return condTrue
			}
		}
		return condFalse
	default: // qForAll
		for i := 0; i < n; i++ {
			m, ok := c.matchValue(v.at(i), ctx)
			if !ok {
				return condError
			}
			if m == op.negated {
				return condFalse
			}
		}
		return condTrue
	}
}

func boolResult(b bool) condResult {
	if b {
		return condTrue
	}
	return condFalse
}

// combine1 applies negation to the positive match of a single value (the
// qualifiers over a one-element set reduce to the same thing).
func (c *condition) combine1(m bool) condResult {
	return boolResult(m != c.op.negated)
}

func (c *condition) matchIP(a netip.Addr) bool {
	for i := range c.values {
		if c.values[i].pfx.Contains(a) {
			return true
		}
	}
	return false
}

func (c *condition) matchTime(t time.Time) bool {
	for i := range c.values {
		if compare(t.Compare(c.values[i].time()), c.op.cmp) {
			return true
		}
	}
	return false
}

func (c *condition) matchNum(f float64) bool {
	for i := range c.values {
		p := c.values[i].num
		r := 0
		if f < p {
			r = -1
		} else if f > p {
			r = 1
		}
		if compare(r, c.op.cmp) {
			return true
		}
	}
	return false
}

func compare(r int, k cmpKind) bool {
	switch k {
	case cEq:
		return r == 0
	case cLt:
		return r < 0
	case cLe:
		return r <= 0
	case cGt:
		return r > 0
	default:
		return r >= 0
	}
}

// matchValue reports whether one request value matches any policy value
// (in the positive sense of the operator). ok is false when the request
// value cannot be read as the operator's type.
func (c *condition) matchValue(s string, ctx *Context) (matched, ok bool) {
	switch c.op.fam {
	case fString:
		for i := range c.values {
			if m, _ := c.values[i].pat.match(s, c.op.fold, ctx); m {
				return true, true
			}
		}
		return false, true
	case fARN:
		for i := range c.values {
			if m, _ := c.values[i].arn.match(s, ctx); m {
				return true, true
			}
		}
		return false, true
	case fBool:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return false, false
		}
		for i := range c.values {
			p := &c.values[i].pat
			want := p.lit
			if p.hasVar {
				r, ok := resolveTemplate(p, ctx)
				if !ok {
					continue
				}
				want = r
			}
			if strings.EqualFold(want, s) {
				return true, true
			}
		}
		return false, true
	case fBinary:
		for i := range c.values {
			if c.values[i].pat.lit == s {
				return true, true
			}
		}
		return false, true
	case fIP:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false, false
		}
		return c.matchIP(a.Unmap()), true
	case fNumeric:
		f, ok := parseNumber(s)
		if !ok {
			return false, false
		}
		return c.matchNum(f), true
	case fDate:
		t, ok := parseDate(s)
		if !ok {
			return false, false
		}
		return c.matchTime(t), true
	}
	return false, false
}

// resolveTemplate substitutes the variables of a literal template (no
// wildcards). It allocates; it is used only for Bool values with variables.
func resolveTemplate(p *pattern, ctx *Context) (string, bool) {
	var b strings.Builder
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind == tVar {
			v, ok := resolveVar(t, ctx)
			if !ok {
				return "", false
			}
			b.WriteString(v)
			continue
		}
		b.WriteString(t.s)
	}
	return b.String(), true
}
