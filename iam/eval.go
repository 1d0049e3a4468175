package iam

import "github.com/s3auth/s3auth/internal/wordwise"

// Decision is the outcome of an authorization decision. The zero value is
// ImplicitDeny, so a forgotten decision denies.
type Decision uint8

const (
	// ImplicitDeny: no statement allowed the request (the default).
	ImplicitDeny Decision = iota
	// Allowed: the request is allowed.
	Allowed
	// ExplicitDeny: a Deny statement applies; nothing can override it.
	ExplicitDeny
)

// String returns "allowed", "explicitDeny" or "implicitDeny".
func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	default:
		return "implicitDeny"
	}
}

// Request is one authorization question: may the principal described by
// Context perform Action on Resource?
type Request struct {
	// Action is the IAM action, such as "s3:GetObject" (case-insensitive).
	Action string
	// Resource is the ARN, such as "arn:aws:s3:::bucket/key", or "*" for
	// actions without a resource (s3:ListAllMyBuckets).
	Resource string
	// Context holds server facts and request keys. nil means an empty
	// context: every key absent.
	Context *Context
}

// NamedPolicy is a policy with the name it is attached under (used in
// traces).
type NamedPolicy struct {
	Name   string
	Policy *Policy
}

// PolicySet is every policy that bears on one principal's request.
//
// The decision follows AWS (see the package documentation): an applicable
// Deny in any policy wins; otherwise the request is allowed when
// (some Identity policy allows OR the Resource policy allows for
// ResourcePrincipal) AND the ServiceAccount policy, if set, allows AND the
// Session policy, if set, allows. With nothing that allows, the decision
// is ImplicitDeny.
type PolicySet struct {
	// Identity holds the policies attached to the user (or, for a service
	// account or session, to its parent), including those from groups.
	// A nil Policy is ignored.
	Identity []NamedPolicy
	// ServiceAccount, when set, is the service account's own policy: it
	// can only narrow what Identity and Resource grant.
	ServiceAccount *Policy
	// Session, when set, is an STS session policy: it can only narrow what
	// Identity and Resource grant.
	Session *Policy
	// Resource is the bucket policy (parsed with [WithResourcePolicy]).
	Resource *Policy
	// ResourcePrincipal is the requester as the bucket policy's Principal
	// sees it: an ARN such as "arn:aws:iam::123456789012:user/alice", or
	// "" (or "*") for an anonymous request, which only Principal "*"
	// matches.
	ResourcePrincipal string
}

// evalReq is a prepared request.
type evalReq struct {
	action    string
	keyA      uint64 // index keys, see Policy.buildIndex
	keyB      uint64
	keyAB     uint64
	bloom     indexBloom // the bloomBits of each key and of the bucket hash
	hasBucket bool
	resource  string
	ctx       *Context
	principal string
}

// prepare validates the request into *r; msg says why it cannot be
// evaluated.
func prepare(r *evalReq, req *Request, set *PolicySet) (msg string) {
	if req == nil {
		return "no request"
	}
	if set == nil {
		return "no policy set"
	}
	a := req.Action
	ha, ok := actionHash(a)
	if !ok {
		return "malformed request action " + quote(a) + "; expected \"service:Action\""
	}
	if req.Resource == "" {
		return "request has no resource"
	}
	if set.Resource != nil && !set.Resource.resource {
		return "the bucket policy was not parsed as a resource policy (use WithResourcePolicy)"
	}
	if p := set.ServiceAccount; p != nil && p.resource {
		return "a session or service-account policy was parsed as a resource policy"
	}
	if p := set.Session; p != nil && p.resource {
		return "a session or service-account policy was parsed as a resource policy"
	}
	for i := range set.Identity {
		if p := set.Identity[i].Policy; p != nil && p.resource {
			return "identity policy " + quote(set.Identity[i].Name) + " was parsed as a resource policy"
		}
	}
	r.action, r.resource, r.ctx, r.principal = a, req.Resource, req.Context, set.ResourcePrincipal
	r.keyA = keyA(ha)
	r.bloom.a = bloomBits(r.keyA)
	if hb, ok := bucketHash(req.Resource); ok {
		r.hasBucket, r.keyB, r.keyAB = true, keyB(hb), keyAB(ha, hb)
		r.bloom.b, r.bloom.ab, r.bloom.bucket = bloomBits(r.keyB), bloomBits(r.keyAB), bloomBits(hb)
	}
	return ""
}

// Evaluate decides a request against a policy set. It is pure, safe for
// concurrent use, and does not allocate for policies that do not read
// typed server facts as strings. A request that cannot be evaluated (nil,
// malformed action, empty resource, a policy of the wrong kind) is denied;
// [Explain] says why.
func Evaluate(req *Request, set *PolicySet) Decision {
	var r evalReq
	if prepare(&r, req, set) != "" {
		return ImplicitDeny
	}
	identity := false
	for i := range set.Identity {
		p := set.Identity[i].Policy
		if p == nil {
			continue
		}
		allow, deny := p.eval(&r)
		if deny {
			return ExplicitDeny
		}
		identity = identity || allow
	}
	bound := true
	if set.ServiceAccount != nil || set.Session != nil {
		for _, p := range [2]*Policy{set.ServiceAccount, set.Session} {
			if p == nil {
				continue
			}
			allow, deny := p.eval(&r)
			if deny {
				return ExplicitDeny
			}
			bound = bound && allow
		}
	}
	resource := false
	if set.Resource != nil {
		allow, deny := set.Resource.eval(&r)
		if deny {
			return ExplicitDeny
		}
		resource = allow
	}
	if (identity || resource) && bound {
		return Allowed
	}
	return ImplicitDeny
}

// eval reports whether an Allow statement applies and whether a Deny
// statement applies (it stops at the first Deny).
func (p *Policy) eval(r *evalReq) (allow, deny bool) {
	if len(p.tab) > 0 {
		// The Bloom filters skip most absent keys without a probe.
		if p.bloom.a&r.bloom.a == r.bloom.a {
			if allow, deny = p.evalList(r, p.lookup(r.keyA), allow); deny {
				return allow, true
			}
		}
		if r.hasBucket && p.bloom.bucket&r.bloom.bucket == r.bloom.bucket {
			if p.bloom.ab&r.bloom.ab == r.bloom.ab {
				if allow, deny = p.evalList(r, p.lookup(r.keyAB), allow); deny {
					return allow, true
				}
			}
			if p.bloom.b&r.bloom.b == r.bloom.b {
				if allow, deny = p.evalList(r, p.lookup(r.keyB), allow); deny {
					return allow, true
				}
			}
		}
	}
	if len(p.other) == 0 {
		return allow, false
	}
	return p.evalList(r, p.other, allow)
}

func (p *Policy) evalList(r *evalReq, list []int32, allow bool) (bool, bool) {
	for _, i := range list {
		st := &p.stmts[i]
		if !st.deny && allow {
			continue // already allowed: only Deny statements matter now
		}
		switch st.applies(r) {
		case condTrue:
			if st.deny {
				return allow, true
			}
			allow = true
		case condError:
			if st.deny {
				return allow, true
			}
		}
	}
	return allow, false
}

// applies evaluates action, principal, resource and
// conditions. condError means a condition could not be evaluated: a Deny
// statement then applies and an Allow statement does not (fail closed).
func (st *statement) applies(r *evalReq) condResult {
	if !st.matchAction(r.action) {
		return condFalse
	}
	if !st.matchPrincipal(r.principal) {
		return condFalse
	}
	if !st.matchResource(r.resource, r.ctx) {
		return condFalse
	}
	return st.matchConditions(r.ctx)
}

func (st *statement) matchAction(action string) bool {
	return st.actionIndex(action) >= 0 != st.notAction
}

// actionIndex returns the first action pattern matching, or -1.
func (st *statement) actionIndex(action string) int {
	for i := range st.actions {
		a := &st.actions[i]
		switch a.kind { // the usual cases, without a call
		case pExact:
			if len(a.lit) == len(action) && (a.lit == action || wordwise.EqualFold(a.lit, action)) {
				return i
			}
			continue
		case pPrefix:
			if n := len(a.lit); len(action) >= n && (action[:n] == a.lit || wordwise.EqualFold(action[:n], a.lit)) {
				return i
			}
			continue
		}
		if m, _ := a.match(action, true, nil); m {
			return i
		}
	}
	return -1
}

func (st *statement) matchResource(res string, ctx *Context) bool {
	return st.resourceIndex(res, ctx) >= 0 != st.notResource
}

func (st *statement) resourceIndex(res string, ctx *Context) int {
	for i := range st.resources {
		ap := &st.resources[i]
		if ap.flat { // the usual case, without a call (see arnPattern.match)
			n := int(ap.flatLen)
			if (len(res) == n || len(res) > n && ap.res.kind == pPrefix) && res[:n] == ap.src[:n] {
				return i
			}
			continue
		}
		if m, _ := ap.match(res, ctx); m {
			return i
		}
	}
	return -1
}

// matchPrincipal reports whether the statement's Principal/NotPrincipal
// covers the requester. Statements without a principal (identity
// policies) always match.
func (st *statement) matchPrincipal(principal string) bool {
	ps := st.principal
	if ps == nil || !ps.any && len(ps.entries) == 0 {
		return true
	}
	return ps.contains(principal) != st.notPrincipal
}

func (ps *principalSet) contains(principal string) bool {
	if ps.any {
		return true
	}
	if principal == "" || principal == "*" {
		return false
	}
	for _, a := range ps.arns {
		if a == principal {
			return true
		}
	}
	return false
}

// matchConditions ANDs the conditions: false if any is false, otherwise
// error if any could not be evaluated, otherwise true.
func (st *statement) matchConditions(ctx *Context) condResult {
	res := condTrue
	for i := range st.conds {
		switch st.conds[i].eval(ctx) {
		case condFalse:
			return condFalse
		case condError:
			res = condError
		}
	}
	return res
}
