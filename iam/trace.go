package iam

import (
	"strconv"
	"strings"
)

// Trace explains a decision: every statement of every policy, whether its
// action, principal, resource and conditions matched and why, and the
// statements that decided. It contains policy text, request keys and
// server facts such as the username, never credentials.
type Trace struct {
	Decision Decision
	// Reason is a one-line summary of why.
	Reason   string
	Action   string
	Resource string
	Policies []PolicyTrace
	// Deciding lists the statements that decided: the applicable Deny
	// statements for ExplicitDeny, the Allow statements that granted for
	// Allowed, nothing for ImplicitDeny.
	Deciding []StatementRef
}

// PolicyKind says which role a policy plays in a [PolicySet].
type PolicyKind string

// Policy kinds.
const (
	KindIdentity       PolicyKind = "identity"
	KindServiceAccount PolicyKind = "service-account"
	KindSession        PolicyKind = "session"
	KindResource       PolicyKind = "resource"
)

// PolicyTrace is the trace of one policy.
type PolicyTrace struct {
	Kind       PolicyKind
	Name       string // NamedPolicy.Name for identity policies
	Allows     bool   // an Allow statement applies
	Denies     bool   // a Deny statement applies
	Statements []StatementTrace
}

// StatementRef names one statement of one policy.
type StatementRef struct {
	Kind   PolicyKind
	Policy string
	Index  int
	Sid    string
}

// String names the statement: policy kind, name, and Sid or index.
func (r StatementRef) String() string {
	s := string(r.Kind) + " policy"
	if r.Policy != "" {
		s += " " + strconv.Quote(r.Policy)
	}
	s += " statement " + strconv.Itoa(r.Index)
	if r.Sid != "" {
		s += " (" + strconv.Quote(r.Sid) + ")"
	}
	return s
}

// StatementTrace is the trace of one statement.
type StatementTrace struct {
	Index             int
	Sid               string
	Effect            string // "Allow" or "Deny"
	ActionMatched     bool
	PrincipalMatched  bool // true for statements without a principal
	ResourceMatched   bool
	ConditionsMatched bool // true when every condition holds (or there are none)
	// ConditionError: a condition could not be evaluated; a Deny statement
	// then applies and an Allow statement does not.
	ConditionError bool
	Applies        bool
	Why            []string
	Conditions     []ConditionTrace
}

// ConditionTrace is the result of one condition.
type ConditionTrace struct {
	Operator string
	Key      string
	Result   string // "true", "false" or "error"
	Why      string
}

// Explain decides a request like [Evaluate] (always with the same result)
// and returns a trace of the reasons. It allocates; use Evaluate on the
// request path.
func Explain(req *Request, set *PolicySet) (Decision, *Trace) {
	t := &Trace{}
	if req != nil {
		t.Action, t.Resource = req.Action, req.Resource
	}
	var r evalReq
	if msg := prepare(&r, req, set); msg != "" {
		t.Decision, t.Reason = ImplicitDeny, "cannot evaluate: "+msg+" (denied)"
		return t.Decision, t
	}
	var denies, allowsID, allowsRes []StatementRef
	identity := false
	for i := range set.Identity {
		np := &set.Identity[i]
		if np.Policy == nil {
			continue
		}
		pt := explainPolicy(np.Policy, &r, KindIdentity, np.Name, &denies, &allowsID)
		identity = identity || pt.Allows
		t.Policies = append(t.Policies, pt)
	}
	bound := true
	var boundMiss []string
	var allowsBound []StatementRef
	for _, b := range [2]struct {
		p *Policy
		k PolicyKind
	}{{set.ServiceAccount, KindServiceAccount}, {set.Session, KindSession}} {
		if b.p == nil {
			continue
		}
		pt := explainPolicy(b.p, &r, b.k, "", &denies, &allowsBound)
		if !pt.Allows {
			bound = false
			boundMiss = append(boundMiss, string(b.k))
		}
		t.Policies = append(t.Policies, pt)
	}
	resource := false
	if set.Resource != nil {
		pt := explainPolicy(set.Resource, &r, KindResource, "", &denies, &allowsRes)
		resource = pt.Allows
		t.Policies = append(t.Policies, pt)
	}
	what := r.action + " on " + r.resource
	switch {
	case len(denies) > 0:
		t.Decision, t.Deciding = ExplicitDeny, denies
		t.Reason = "explicitly denied by " + refs(denies)
	case (identity || resource) && bound:
		t.Decision = Allowed
		t.Deciding = append(append(append(t.Deciding, allowsID...), allowsRes...), allowsBound...)
		t.Reason = "allowed by " + refs(t.Deciding)
	case !identity && !resource:
		t.Decision = ImplicitDeny
		if set.Resource != nil {
			t.Reason = "no identity or bucket policy statement allows " + what
		} else {
			t.Reason = "no identity policy statement allows " + what
		}
	default:
		t.Decision = ImplicitDeny
		t.Reason = "the " + strings.Join(boundMiss, " and the ") + " policy does not allow " + what
	}
	return t.Decision, t
}

func refs(rs []StatementRef) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

func explainPolicy(p *Policy, r *evalReq, kind PolicyKind, name string, denies, allows *[]StatementRef) PolicyTrace {
	pt := PolicyTrace{Kind: kind, Name: name, Statements: make([]StatementTrace, 0, len(p.stmts))}
	for i := range p.stmts {
		st := &p.stmts[i]
		s := explainStatement(st, r)
		ref := StatementRef{Kind: kind, Policy: name, Index: int(st.index), Sid: st.sid}
		if s.Applies {
			if st.deny {
				pt.Denies = true
				*denies = append(*denies, ref)
			} else {
				pt.Allows = true
				*allows = append(*allows, ref)
			}
		}
		pt.Statements = append(pt.Statements, s)
	}
	return pt
}

func explainStatement(st *statement, r *evalReq) StatementTrace {
	s := StatementTrace{Index: int(st.index), Sid: st.sid, Effect: "Allow"}
	if st.deny {
		s.Effect = "Deny"
	}
	// Action
	ai := st.actionIndex(r.action)
	s.ActionMatched = ai >= 0 != st.notAction
	switch {
	case !st.notAction && ai >= 0:
		s.Why = append(s.Why, "action "+r.action+" matches "+strconv.Quote(st.actions[ai].src))
	case !st.notAction:
		s.Why = append(s.Why, "action "+r.action+" is not in Action "+list(st.actionSources()))
	case ai >= 0:
		s.Why = append(s.Why, "action "+r.action+" is excluded by NotAction "+strconv.Quote(st.actions[ai].src))
	default:
		s.Why = append(s.Why, "action "+r.action+" is not in NotAction "+list(st.actionSources()))
	}
	// Principal
	s.PrincipalMatched = st.matchPrincipal(r.principal)
	if ps := st.principal; ps != nil && (ps.any || len(ps.entries) > 0) {
		who := r.principal
		if who == "" || who == "*" {
			who = "anonymous"
		}
		field := "Principal"
		if st.notPrincipal {
			field = "NotPrincipal"
		}
		if s.PrincipalMatched {
			s.Why = append(s.Why, "principal "+who+" is covered by "+field)
		} else {
			s.Why = append(s.Why, "principal "+who+" is not covered by "+field)
		}
	}
	// Resource
	ri := st.resourceIndex(r.resource, r.ctx)
	s.ResourceMatched = ri >= 0 != st.notResource
	switch {
	case !st.notResource && ri >= 0:
		s.Why = append(s.Why, "resource matches "+strconv.Quote(st.resources[ri].src))
	case !st.notResource:
		s.Why = append(s.Why, "resource "+r.resource+" is not in Resource "+list(st.resourceSources())+unresolvedNote(st.resources, r.ctx))
	case ri >= 0:
		s.Why = append(s.Why, "resource is excluded by NotResource "+strconv.Quote(st.resources[ri].src))
	default:
		s.Why = append(s.Why, "resource "+r.resource+" is not in NotResource "+list(st.resourceSources())+unresolvedNote(st.resources, r.ctx))
	}
	// Conditions
	res := condTrue
	for i := range st.conds {
		c := &st.conds[i]
		cr := c.eval(r.ctx)
		ct := ConditionTrace{Operator: c.opName, Key: c.keyName, Why: c.explain(r.ctx, cr)}
		switch cr {
		case condTrue:
			ct.Result = "true"
		case condFalse:
			ct.Result = "false"
			res = condFalse
		default:
			ct.Result = "error"
			if res == condTrue {
				res = condError
			}
		}
		s.Conditions = append(s.Conditions, ct)
	}
	s.ConditionsMatched = res == condTrue
	s.ConditionError = res == condError
	if s.ActionMatched && s.PrincipalMatched && s.ResourceMatched {
		s.Applies = res == condTrue || (res == condError && st.deny)
	}
	return s
}

func unresolvedNote(rs []arnPattern, ctx *Context) string {
	for i := range rs {
		for j := range rs[i].res.toks {
			t := &rs[i].res.toks[j]
			if t.kind != tVar {
				continue
			}
			if _, ok := resolveVar(t, ctx); !ok {
				return " (the policy variable " + t.key.name + " has no value in this request, so that element matches nothing)"
			}
		}
	}
	return ""
}

func list(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// explain describes a condition's result in words.
func (c *condition) explain(ctx *Context, r condResult) string {
	policy := make([]string, len(c.values))
	for i := range c.values {
		policy[i] = c.values[i].raw
	}
	pv := list(policy)
	if c.op.fam == fNull {
		if ctx.has(c.key) {
			return c.keyName + " is present; policy wants Null " + pv
		}
		return c.keyName + " is absent; policy wants Null " + pv
	}
	if !ctx.has(c.key) {
		switch {
		case c.ifExists:
			return c.keyName + " is absent, so ...IfExists holds"
		case c.qual == qForAll:
			return c.keyName + " is absent (empty set), so ForAllValues holds"
		case c.qual == qForAny:
			return c.keyName + " is absent (empty set), so ForAnyValue fails"
		case c.op.negated:
			return c.keyName + " is absent, so the negated operator " + c.op.name + " holds"
		}
		return c.keyName + " is absent, so " + c.op.name + " fails"
	}
	v := ctx.lookup(c.key)
	got := make([]string, v.len())
	for i := range got {
		got[i] = v.at(i)
	}
	switch r {
	case condError:
		return "request value " + list(got) + " of " + c.keyName + " cannot be read by " + c.op.name + " (fail closed)"
	case condTrue:
		return "request value " + list(got) + " of " + c.keyName + " satisfies " + c.opName + " " + pv
	}
	return "request value " + list(got) + " of " + c.keyName + " does not satisfy " + c.opName + " " + pv
}

// String renders the trace for people, one statement per line.
func (t *Trace) String() string {
	var b strings.Builder
	b.WriteString("decision: " + t.Decision.String() + " — " + t.Reason + "\n")
	b.WriteString("request: " + t.Action + " on " + t.Resource + "\n")
	for _, p := range t.Policies {
		b.WriteString(string(p.Kind) + " policy")
		if p.Name != "" {
			b.WriteString(" " + strconv.Quote(p.Name))
		}
		switch {
		case p.Denies:
			b.WriteString(": denies\n")
		case p.Allows:
			b.WriteString(": allows\n")
		default:
			b.WriteString(": does not apply\n")
		}
		for _, s := range p.Statements {
			b.WriteString("  [" + strconv.Itoa(s.Index) + "]")
			if s.Sid != "" {
				b.WriteString(" " + strconv.Quote(s.Sid))
			}
			b.WriteString(" " + s.Effect)
			if s.Applies {
				b.WriteString(" APPLIES")
			} else {
				b.WriteString(" does not apply")
			}
			b.WriteString(": " + strings.Join(s.Why, "; ") + "\n")
			for _, c := range s.Conditions {
				b.WriteString("      " + c.Operator + " " + c.Key + " = " + c.Result + ": " + c.Why + "\n")
			}
		}
	}
	return b.String()
}
