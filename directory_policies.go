package s3auth

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/s3auth/s3auth/store"
)

func (d *Directory) checkPolicyDoc(name string, doc []byte) error {
	if len(doc) == 0 {
		return errorf(CodeInvalidPolicy, "empty policy document; give a JSON policy document")
	}
	if len(doc) > MaxPolicySize {
		return errorf(CodeInvalidPolicy, "policy document of %d bytes is over the limit of %d bytes; split it into several policies", len(doc), MaxPolicySize)
	}
	if err := d.validate(name, doc); err != nil {
		var e *Error
		if asError(err, &e) && e.Code == CodeInvalidPolicy {
			return err
		}
		return &Error{Code: CodeInvalidPolicy, Msg: "policy document rejected; fix it and retry", Err: err}
	}
	return nil
}

// PutPolicy creates the named policy document or replaces it (attachments
// stay). The document is validated by the policy validator
// ([WithPolicyValidator]) and stored byte for byte. The built-in names are
// refused with [ErrBuiltinPolicy].
func (d *Directory) PutPolicy(ctx context.Context, name string, doc []byte) error {
	if err := ValidatePolicyName(name); err != nil {
		return err
	}
	if IsBuiltinPolicy(name) {
		return errorf(CodeBuiltinPolicy, "policy %q is built in and cannot be replaced; choose another name", name)
	}
	if err := d.checkPolicyDoc(name, doc); err != nil {
		return err
	}
	doc = slices.Clone(doc)
	now := nanos(d.clock.Now())
	return d.mutate(ctx, "put policy "+name, func(ctx context.Context) ([]store.Op, error) {
		var p policyRecord
		rev, err := d.getRecord(ctx, policyKey(name), &p)
		if err != nil {
			return nil, err
		}
		rec := policyRecord{V: recordVersion, Doc: doc, Attached: p.Attached, Updated: now}
		return []store.Op{store.Put(policyKey(name), encode(rec), cond(rev))}, nil
	})
}

// DeletePolicy deletes a named policy document. Like IAM's DeleteConflict,
// it is refused with [ErrPolicyAttached] while the policy is attached to
// any user or LDAP DN: detach it first. Built-in policies cannot be
// deleted.
func (d *Directory) DeletePolicy(ctx context.Context, name string) error {
	if err := ValidatePolicyName(name); err != nil {
		return err
	}
	if IsBuiltinPolicy(name) {
		return errorf(CodeBuiltinPolicy, "policy %q is built in and cannot be deleted", name)
	}
	return d.mutate(ctx, "delete policy "+name, func(ctx context.Context) ([]store.Op, error) {
		var p policyRecord
		rev, err := d.getRecord(ctx, policyKey(name), &p)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			return nil, errorf(CodePolicyNotFound, "policy %q does not exist; list policies to check the name", name)
		}
		if p.Attached > 0 {
			return nil, errorf(CodePolicyAttached, "policy %q is attached to %d user(s) or LDAP DN(s); detach it from each before deleting it", name, p.Attached)
		}
		return []store.Op{store.Delete(policyKey(name), store.AtRevision(rev))}, nil
	})
}

// GetPolicy returns a policy from the cache. For a built-in name it returns
// a Policy with Builtin set and no document.
func (d *Directory) GetPolicy(name string) (Policy, error) {
	if IsBuiltinPolicy(name) {
		return Policy{Name: strings.ToLower(name), Builtin: true}, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	p := d.cache.policies[name]
	if p == nil {
		return Policy{}, errorf(CodePolicyNotFound, "policy %q does not exist; list policies to check the name", clip(name))
	}
	return Policy{Name: name, Document: slices.Clone(p.doc), Attachments: p.attached, Updated: fromNanos(p.updated)}, nil
}

// ListPolicies returns the built-in policies, then every stored policy
// sorted by name.
func (d *Directory) ListPolicies() []Policy {
	out := []Policy{{Name: PolicyReadOnly, Builtin: true}, {Name: PolicyReadWrite, Builtin: true}, {Name: PolicyWriteOnly, Builtin: true}}
	d.mu.RLock()
	var named []Policy
	for n, p := range d.cache.policies {
		named = append(named, Policy{Name: n, Document: slices.Clone(p.doc), Attachments: p.attached, Updated: fromNanos(p.updated)})
	}
	d.mu.RUnlock()
	sort.Slice(named, func(i, j int) bool { return named[i].Name < named[j].Name })
	return append(out, named...)
}

// checkTarget validates a target and returns its store key and, for an
// LDAP DN, its normalized form.
func checkTarget(t Target) (key, norm string, err error) {
	switch {
	case t.User != "" && t.LDAPDN != "":
		return "", "", errorf(CodeInvalidArgument, "target names both user %q and LDAP DN %q; give exactly one", clip(t.User), clip(t.LDAPDN))
	case t.User != "":
		if err := ValidateAccessKey(t.User); err != nil {
			return "", "", err
		}
		return userKey(t.User), "", nil
	case t.LDAPDN != "":
		n, err := NormalizeDN(t.LDAPDN)
		if err != nil {
			return "", "", err
		}
		return ldapKey(n), n, nil
	}
	return "", "", errorf(CodeInvalidArgument, "empty target; give a user or an LDAP DN")
}

// AttachPolicy attaches the named policy (stored or built-in) to a user or
// an LDAP DN. Attaching an already attached policy does nothing. The
// change applies to the user's service accounts at once.
func (d *Directory) AttachPolicy(ctx context.Context, name string, target Target) error {
	return d.changeAttachment(ctx, name, target, true)
}

// DetachPolicy detaches the named policy from a user or an LDAP DN.
// [ErrPolicyNotAttached] when it was not attached.
func (d *Directory) DetachPolicy(ctx context.Context, name string, target Target) error {
	return d.changeAttachment(ctx, name, target, false)
}

func (d *Directory) changeAttachment(ctx context.Context, name string, target Target, attach bool) error {
	if err := ValidatePolicyName(name); err != nil {
		return err
	}
	key, _, err := checkTarget(target)
	if err != nil {
		return err
	}
	builtin := IsBuiltinPolicy(name)
	if builtin {
		name = strings.ToLower(name) // one spelling in records: "ReadOnly" is "readonly"
	}
	verb := "detach"
	if attach {
		verb = "attach"
	}
	what := verb + " policy " + name + " to " + target.String()
	return d.mutate(ctx, what, func(ctx context.Context) ([]store.Op, error) {
		// The target's current list of policies.
		var list []string
		var targetOp func(list []string) store.Op
		if target.User != "" {
			u, rev, err := d.readUser(ctx, target.User)
			if err != nil {
				return nil, err
			}
			list = u.Policies
			targetOp = func(l []string) store.Op {
				u.Policies = l
				return store.Put(key, encode(u), store.AtRevision(rev))
			}
		} else {
			var l ldapRecord
			rev, err := d.getRecord(ctx, key, &l)
			if err != nil {
				return nil, err
			}
			if rev == 0 {
				l = ldapRecord{V: recordVersion, DN: target.LDAPDN}
			}
			list = l.Policies
			targetOp = func(pl []string) store.Op {
				if len(pl) == 0 {
					return store.Delete(key, store.AtRevision(rev))
				}
				l.Policies = pl
				return store.Put(key, encode(l), cond(rev))
			}
		}
		if attach == hasName(list, name) {
			if attach {
				return nil, nil // already attached
			}
			return nil, errorf(CodePolicyNotAttached, "policy %q is not attached to %s", name, target)
		}
		if attach && len(list) >= MaxPoliciesPerTarget {
			return nil, errorf(CodeInvalidArgument, "%s already has %d policies attached, the most allowed; detach one or combine policies", target, len(list))
		}
		var ops []store.Op
		if !builtin {
			var p policyRecord
			prev, err := d.getRecord(ctx, policyKey(name), &p)
			if err != nil {
				return nil, err
			}
			switch {
			case prev == 0 && attach:
				return nil, errorf(CodePolicyNotFound, "policy %q does not exist; create it (PutPolicy) before attaching it", name)
			case prev != 0 && attach:
				p.Attached++
				ops = append(ops, store.Put(policyKey(name), encode(p), store.AtRevision(prev)))
			case prev != 0:
				p.Attached = max(p.Attached-1, 0)
				ops = append(ops, store.Put(policyKey(name), encode(p), store.AtRevision(prev)))
			}
		}
		if attach {
			list = withName(list, name)
		} else {
			list = withoutName(list, name)
		}
		return append(ops, targetOp(list)), nil
	})
}
