package types

import (
	"fmt"
	"slices"
	"strings"
)

// FieldRequirement is one term of a field selector: Field compared with Value by Operator, which is OpEquals or
// OpNotEquals in requirements from ParseFieldSelector ("==" is read as "=", as upstream does). A field that an
// object does not have compares as "".
type FieldRequirement struct {
	Field    string
	Operator SelectionOperator
	Value    string
}

// FieldSelector is a parsed field selector: the AND of its requirements, ordered by the text String prints. A
// FieldSelector is immutable and safe to share between goroutines; copying one is cheap. The zero value selects
// everything.
//
// Parsing does not check field names; which fields a resource supports is for the caller to decide.
type FieldSelector struct {
	reqs []FieldRequirement
}

// ParseFieldSelector parses a field selector in the syntax of the fieldSelector query parameter, with
// apimachinery's rules and error messages: comma-separated terms "field=value", "field==value" or "field!=value",
// such as "metadata.name=web,status.phase!=Running". Each term splits at its first "!=", "==" or "=". In a value,
// a backslash escapes '\', ',' and '=' (`a=x\,y` compares a with "x,y"); a bare ',' separates terms, and a bare '='
// or any other escape is an error. Empty terms, and terms with an empty field and value ("=" alone), are dropped.
//
// Errors are plain errors carrying kube-apiserver's text: "invalid selector: 'a'; can't understand 'a'",
// `invalid field selector: invalid escape sequence: \x` and "invalid field selector: unescaped character in
// value: 61" (the character as a decimal code point, as upstream prints it).
func ParseFieldSelector(s string) (FieldSelector, error) {
	terms := splitFieldTerms(s)
	slices.Sort(terms)
	var reqs []FieldRequirement
	for _, term := range terms {
		if term == "" {
			continue
		}
		field, op, raw, ok := splitFieldTerm(term)
		if !ok {
			return FieldSelector{}, fmt.Errorf("invalid selector: '%s'; can't understand '%s'", s, term)
		}
		value, err := unescapeFieldValue(raw)
		if err != nil {
			return FieldSelector{}, err
		}
		if field == "" && value == "" {
			continue
		}
		reqs = append(reqs, FieldRequirement{Field: field, Operator: op, Value: value})
	}
	return newFieldSelector(reqs), nil
}

// newFieldSelector takes ownership of reqs and orders them by their canonical text, the text String prints. Upstream
// orders by the text as written; the two differ only when a term was written with "==" (printed as "=") or has
// invalid UTF-8 in an escaped value, and ordering by the printed text is what makes String a canonical form.
func newFieldSelector(reqs []FieldRequirement) FieldSelector {
	if len(reqs) < 2 {
		return FieldSelector{reqs: reqs}
	}
	type keyed struct {
		text string
		req  FieldRequirement
	}
	sorted := make([]keyed, len(reqs))
	for i, r := range reqs {
		var b strings.Builder
		r.appendTo(&b)
		sorted[i] = keyed{text: b.String(), req: r}
	}
	slices.SortStableFunc(sorted, func(a, b keyed) int { return strings.Compare(a.text, b.text) })
	for i := range sorted {
		reqs[i] = sorted[i].req
	}
	return FieldSelector{reqs: reqs}
}

// splitFieldTerms splits s at the commas not escaped by a backslash, keeping escapes in the terms.
func splitFieldTerms(s string) []string {
	if s == "" {
		return nil
	}
	var terms []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ',':
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:])
}

// splitFieldTerm splits a term at the first operator. The field part has no escaping.
func splitFieldTerm(term string) (field string, op SelectionOperator, value string, ok bool) {
	for i := 0; i < len(term); i++ {
		switch term[i] {
		case '!':
			if i+1 < len(term) && term[i+1] == '=' {
				return term[:i], OpNotEquals, term[i+2:], true
			}
		case '=':
			if i+1 < len(term) && term[i+1] == '=' {
				return term[:i], OpEquals, term[i+2:], true
			}
			return term[:i], OpEquals, term[i+1:], true
		}
	}
	return "", "", "", false
}

// unescapeFieldValue undoes the backslash escaping of a field selector value. Like upstream, it works rune by rune,
// so a value that needs unescaping has any invalid UTF-8 replaced by U+FFFD.
func unescapeFieldValue(s string) (string, error) {
	if !strings.ContainsAny(s, `\,=`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	escaped := false
	for _, c := range s {
		if escaped {
			switch c {
			case '\\', ',', '=':
				b.WriteRune(c)
			default:
				return "", fmt.Errorf("invalid field selector: invalid escape sequence: %s", string([]rune{'\\', c}))
			}
			escaped = false
			continue
		}
		switch c {
		case '\\':
			escaped = true
		case ',', '=':
			return "", fmt.Errorf("invalid field selector: unescaped character in value: %v", c)
		default:
			b.WriteRune(c)
		}
	}
	if escaped {
		return "", fmt.Errorf("invalid field selector: invalid escape sequence: %s", `\`)
	}
	return b.String(), nil
}

// escapeFieldValue escapes '\', ',' and '=' in a field selector value.
func escapeFieldValue(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ',', '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}

// Matches reports whether the object whose fields get reads satisfies every requirement of s; get returns "" for
// a field the object does not have. Matches does not allocate (beyond what get does).
func (s FieldSelector) Matches(get func(field string) string) bool {
	for i := range s.reqs {
		r := &s.reqs[i]
		equal := get(r.Field) == r.Value
		if r.Operator == OpNotEquals {
			if equal {
				return false
			}
		} else if !equal {
			return false
		}
	}
	return true
}

// Empty reports whether s selects everything (has no requirements).
func (s FieldSelector) Empty() bool { return len(s.reqs) == 0 }

// String renders s as "field=value,field!=value" with values escaped, so that ParseFieldSelector(s.String()) gives
// back an equal selector. The empty selector renders as "".
func (s FieldSelector) String() string {
	var b strings.Builder
	for i, r := range s.reqs {
		if i > 0 {
			b.WriteByte(',')
		}
		r.appendTo(&b)
	}
	return b.String()
}

// appendTo writes r as "field=value" or "field!=value", the value escaped.
func (r FieldRequirement) appendTo(b *strings.Builder) {
	b.WriteString(r.Field)
	if r.Operator == OpNotEquals {
		b.WriteString("!=")
	} else {
		b.WriteByte('=')
	}
	escapeFieldValue(b, r.Value)
}

// Transform returns the selector with every requirement's field passed through fn (for example to resolve field
// label aliases, as apimachinery's Selector.Transform does), re-ordered canonically. The first error fn returns is
// returned as it is.
func (s FieldSelector) Transform(fn func(field string) (string, error)) (FieldSelector, error) {
	if len(s.reqs) == 0 {
		return s, nil
	}
	reqs := slices.Clone(s.reqs)
	for i := range reqs {
		field, err := fn(reqs[i].Field)
		if err != nil {
			return FieldSelector{}, err
		}
		reqs[i].Field = field
	}
	return newFieldSelector(reqs), nil
}

// Requirements returns a copy of the requirements of s; the caller may modify it. It is nil for the empty
// selector.
func (s FieldSelector) Requirements() []FieldRequirement { return slices.Clone(s.reqs) }

// RequiresExactMatch reports the value s requires field to equal, from its first "=" or "==" requirement on that
// field. found is false when s has none: an index on field can then not narrow the scan.
func (s FieldSelector) RequiresExactMatch(field string) (value string, found bool) {
	for _, r := range s.reqs {
		if r.Field == field && (r.Operator == OpEquals || r.Operator == OpDoubleEquals) {
			return r.Value, true
		}
	}
	return "", false
}
