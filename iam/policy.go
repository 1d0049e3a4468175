package iam

import (
	"slices"
	"unicode/utf8"
)

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use. Create it with [Parse] or
// [Canned].
type Policy struct {
	version    string
	id         string
	hasID      bool
	stmtObject bool
	stmts      []statement
	size       int
	resource   bool

	// Index (see buildIndex): an open-addressing hash table from keys
	// derived from the action and the bucket part of the resource to the
	// statements that can only match requests with those; other holds
	// the statements that must always be checked.
	tab   []idxEntry
	lists []int32 // the statements of the slots of tab, then other
	other []int32
	bloom indexBloom
}

type statement struct {
	sid string
	// principal is the Principal or NotPrincipal of a resource policy's
	// statement; nil in identity policies, which have none.
	principal    *principalSet
	actions      []srcPattern // Action or NotAction, each with its source text
	resources    []arnPattern // each with its source text (src)
	conds        []condition
	index        int32
	deny         bool
	notPrincipal bool
	notAction    bool
	notResource  bool
}

type principalSet struct {
	arns    []string // AWS principals as ARNs (account IDs as their root ARN)
	entries []principalEntry
	any     bool // "*" or {"AWS": "*"}
	star    bool // written as the string "*"
}

type principalEntry struct {
	typ   string
	ids   []string
	array bool
}

// actionSources returns the Action (or NotAction) as written.
func (st *statement) actionSources() []string {
	out := make([]string, len(st.actions))
	for i := range st.actions {
		out[i] = st.actions[i].src
	}
	return out
}

// resourceSources returns the Resource (or NotResource) as written.
func (st *statement) resourceSources() []string {
	out := make([]string, len(st.resources))
	for i := range st.resources {
		out[i] = st.resources[i].src
	}
	return out
}

// Size returns the document's size as measured by [PackedSize] when it was
// parsed.
func (p *Policy) Size() int { return p.size }

// Version returns the policy's Version ("" when absent).
func (p *Policy) Version() string { return p.version }

// IsResourcePolicy reports whether the policy was parsed as a resource
// (bucket) policy.
func (p *Policy) IsResourcePolicy() bool { return p.resource }

// Statement is a read-only description of one policy statement, as
// returned by [Policy.Statements]. Exactly one of each pair
// Action/NotAction and Resource/NotResource is set; Principal or
// NotPrincipal only in resource policies.
type Statement struct {
	Index        int    // position in the policy, from 0
	Sid          string // "" when absent
	Effect       string // "Allow" or "Deny"
	Principal    map[string][]string
	NotPrincipal map[string][]string
	// AnyPrincipal is true when the Principal was written as "*".
	AnyPrincipal bool
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    []Condition
}

// Condition is one (operator, key, values) triple of a statement.
type Condition struct {
	Operator string // e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written
	Values   []string
}

// Statements returns a description of each statement. The result is a
// copy: modifying it does not change the policy.
func (p *Policy) Statements() []Statement {
	out := make([]Statement, len(p.stmts))
	for i := range p.stmts {
		st := &p.stmts[i]
		s := Statement{Index: int(st.index), Sid: st.sid, Effect: "Allow"}
		if st.deny {
			s.Effect = "Deny"
		}
		if ps := st.principal; ps != nil && ps.star {
			s.AnyPrincipal = true
		} else if ps != nil && len(ps.entries) > 0 {
			m := map[string][]string{}
			for _, e := range ps.entries {
				m[e.typ] = slices.Clone(e.ids)
			}
			if st.notPrincipal {
				s.NotPrincipal = m
			} else {
				s.Principal = m
			}
		}
		if st.notAction {
			s.NotAction = st.actionSources()
		} else {
			s.Action = st.actionSources()
		}
		if st.notResource {
			s.NotResource = st.resourceSources()
		} else {
			s.Resource = st.resourceSources()
		}
		for _, c := range st.conds {
			vs := make([]string, len(c.values))
			for j := range c.values {
				vs[j] = c.values[j].raw
			}
			s.Condition = append(s.Condition, Condition{Operator: c.opName, Key: c.keyName, Values: vs})
		}
		out[i] = s
	}
	return out
}

// MarshalJSON returns the policy's canonical document: fields in a fixed
// order, no whitespace, single values written bare and several as arrays,
// strings escaped minimally. It parses back (with the same options) to a
// policy that decides every request the same way, and it is never larger
// than the document it was parsed from (as measured by [PackedSize]) unless
// that document used \u escapes for characters that need none.
func (p *Policy) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, p.size+16)
	b = append(b, '{')
	comma := false
	if p.version != "" {
		b = append(b, `"Version":`...)
		b = appendJSONString(b, p.version)
		comma = true
	}
	if p.hasID {
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"Id":`...)
		b = appendJSONString(b, p.id)
		comma = true
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, `"Statement":`...)
	if !p.stmtObject {
		b = append(b, '[')
	}
	for i := range p.stmts {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.stmts[i].appendJSON(b)
	}
	if !p.stmtObject {
		b = append(b, ']')
	}
	b = append(b, '}')
	return b, nil
}

func (st *statement) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if st.sid != "" {
		b = append(b, `"Sid":`...)
		b = appendJSONString(b, st.sid)
		b = append(b, ',')
	}
	if st.deny {
		b = append(b, `"Effect":"Deny"`...)
	} else {
		b = append(b, `"Effect":"Allow"`...)
	}
	if ps := st.principal; ps != nil && (ps.star || len(ps.entries) > 0) {
		if st.notPrincipal {
			b = append(b, `,"NotPrincipal":`...)
		} else {
			b = append(b, `,"Principal":`...)
		}
		if ps.star {
			b = append(b, `"*"`...)
		} else {
			b = append(b, '{')
			for i, e := range ps.entries {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, e.typ)
				b = append(b, ':')
				b = appendStrings(b, e.ids, e.array)
			}
			b = append(b, '}')
		}
	}
	if st.notAction {
		b = append(b, `,"NotAction":`...)
	} else {
		b = append(b, `,"Action":`...)
	}
	if len(st.actions) == 1 {
		b = appendJSONString(b, st.actions[0].src)
	} else {
		b = append(b, '[')
		for i := range st.actions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, st.actions[i].src)
		}
		b = append(b, ']')
	}
	if st.notResource {
		b = append(b, `,"NotResource":`...)
	} else {
		b = append(b, `,"Resource":`...)
	}
	if len(st.resources) == 1 {
		b = appendJSONString(b, st.resources[0].src)
	} else {
		b = append(b, '[')
		for i := range st.resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, st.resources[i].src)
		}
		b = append(b, ']')
	}
	if len(st.conds) > 0 {
		b = append(b, `,"Condition":{`...)
		for i := range st.conds {
			c := &st.conds[i]
			first := i == 0 || st.conds[i-1].opName != c.opName
			if first {
				if i > 0 {
					b = append(b, "},"...)
				}
				b = appendJSONString(b, c.opName)
				b = append(b, ":{"...)
			} else {
				b = append(b, ',')
			}
			b = appendJSONString(b, c.keyName)
			b = append(b, ':')
			if c.arrayForm {
				b = append(b, '[')
			}
			for j := range c.values {
				if j > 0 {
					b = append(b, ',')
				}
				v := &c.values[j]
				if v.quoted {
					b = appendJSONString(b, v.raw)
				} else {
					b = append(b, v.raw...)
				}
			}
			if c.arrayForm {
				b = append(b, ']')
			}
		}
		b = append(b, "}}"...)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string, array bool) []byte {
	if !array && len(ss) == 1 {
		return appendJSONString(b, ss[0])
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString writes s as a JSON string, escaping only what JSON
// requires.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// String returns the canonical document (see [Policy.MarshalJSON]).
func (p *Policy) String() string {
	b, _ := p.MarshalJSON()
	return string(b)
}
