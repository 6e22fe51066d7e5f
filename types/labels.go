package types

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LabelSelector is the structured label selector objects carry in their specs (metav1.LabelSelector): the AND of
// MatchLabels (each key equal to its value) and MatchExpressions. A nil *LabelSelector selects nothing and an empty
// one selects everything; SelectorFromLabelSelector turns it into a Selector.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one entry of LabelSelector.MatchExpressions: Key related to Values by Operator.
// In and NotIn need at least one value; Exists and DoesNotExist take none.
type LabelSelectorRequirement struct {
	Key      string                `json:"key"`
	Operator LabelSelectorOperator `json:"operator"`
	Values   []string              `json:"values,omitempty"`
}

// LabelSelectorOperator is the operator of a LabelSelectorRequirement, as spelled in object specs.
type LabelSelectorOperator string

// The operators a LabelSelectorRequirement may use.
const (
	LabelSelectorOpIn           LabelSelectorOperator = "In"
	LabelSelectorOpNotIn        LabelSelectorOperator = "NotIn"
	LabelSelectorOpExists       LabelSelectorOperator = "Exists"
	LabelSelectorOpDoesNotExist LabelSelectorOperator = "DoesNotExist"
)

// SelectionOperator relates a label or field to its values in a parsed selector (selection.Operator upstream).
// The constants name the operators; the selector syntax spells OpExists as a bare key, OpDoesNotExist as "!key",
// OpGreaterThan as "key>3" and OpLessThan as "key<3".
type SelectionOperator string

// The operators of parsed label and field selectors. Field selectors use only OpEquals, OpDoubleEquals and
// OpNotEquals.
const (
	OpEquals       SelectionOperator = "="
	OpDoubleEquals SelectionOperator = "=="
	OpNotEquals    SelectionOperator = "!="
	OpIn           SelectionOperator = "in"
	OpNotIn        SelectionOperator = "notin"
	OpExists       SelectionOperator = "exists"
	OpDoesNotExist SelectionOperator = "!"
	OpGreaterThan  SelectionOperator = "gt"
	OpLessThan     SelectionOperator = "lt"
)

// Requirement is one term of a label selector: the label Key related to Values by Operator. Requirements from
// NewRequirement, ParseSelector and SelectorFromLabelSelector are valid, and in every Requirement this package
// makes, Values is sorted and free of duplicates. A Selector never modifies its requirements and hands out copies.
//
// By operator, a requirement matches a label set when:
//
//	=, ==, in    the key is present and its value is one of Values
//	!=, notin    the key is absent, or its value is none of Values
//	exists       the key is present
//	!            the key is absent
//	gt, lt       the key is present and its value, read as a base-10 int64, is greater (less) than Values[0]
type Requirement struct {
	Key      string
	Operator SelectionOperator
	Values   []string
}

// requirementOperators lists the valid operators in the order apimachinery reports them.
var requirementOperators = []SelectionOperator{
	OpIn, OpNotIn, OpEquals, OpDoubleEquals, OpNotEquals, OpGreaterThan, OpLessThan, OpExists, OpDoesNotExist,
}

// NewRequirement validates a requirement as apimachinery's labels.NewRequirement does and returns it with its
// values sorted and deduplicated (values itself is not modified). The key must be a qualified name and every
// value a label value; In and NotIn need at least one value, =, == and != exactly one, Exists and DoesNotExist
// none, and gt and lt exactly one base-10 integer. All problems found are reported in one error, worded as
// kube-apiserver words them.
func NewRequirement(key string, op SelectionOperator, values []string) (Requirement, error) {
	var errs []string
	if msgs := IsQualifiedName(key); len(msgs) != 0 {
		errs = append(errs, invalidValue("key", key, strings.Join(msgs, "; ")))
	}
	switch op {
	case OpIn, OpNotIn:
		if len(values) == 0 {
			errs = append(errs, invalidJSONValue("values", values, "for 'in', 'notin' operators, values set can't be empty"))
		}
	case OpEquals, OpDoubleEquals, OpNotEquals:
		if len(values) != 1 {
			errs = append(errs, invalidJSONValue("values", values, "exact-match compatibility requires one single value"))
		}
	case OpExists, OpDoesNotExist:
		if len(values) != 0 {
			errs = append(errs, invalidJSONValue("values", values, "values set must be empty for exists and does not exist"))
		}
	case OpGreaterThan, OpLessThan:
		if len(values) != 1 {
			errs = append(errs, invalidJSONValue("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"))
		}
		for i, v := range values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				errs = append(errs, invalidValue("values["+strconv.Itoa(i)+"]", v,
					"for 'Gt', 'Lt' operators, the value must be an integer"))
			}
		}
	default:
		quoted := make([]string, len(requirementOperators))
		for i, o := range requirementOperators {
			quoted[i] = strconv.Quote(string(o))
		}
		errs = append(errs, "operator: Unsupported value: "+jsonString(op)+": supported values: "+strings.Join(quoted, ", "))
	}
	for i, v := range values {
		if msgs := IsValidLabelValue(v); len(msgs) != 0 {
			errs = append(errs, invalidValue("values["+strconv.Itoa(i)+"]["+key+"]", v, strings.Join(msgs, "; ")))
		}
	}
	if err := aggregate(errs); err != nil {
		return Requirement{}, err
	}
	return Requirement{Key: key, Operator: op, Values: sortedSet(values)}, nil
}

// sortedSet returns a sorted copy of values without duplicates, or nil when values is empty.
func sortedSet(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

// invalidValue renders a field.Invalid error for a string value: `path: Invalid value: "v": detail`.
func invalidValue(path, value, detail string) string {
	return fmt.Sprintf("%s: Invalid value: %q: %s", path, value, detail)
}

// invalidJSONValue renders a field.Invalid error whose bad value is shown as JSON, as apimachinery shows a list.
func invalidJSONValue(path string, value any, detail string) string {
	return path + ": Invalid value: " + jsonString(value) + ": " + detail
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// aggregate joins messages the way apimachinery's aggregate error prints: nil for none, the message itself for one
// distinct message, "[m1, m2]" for several.
func aggregate(msgs []string) error {
	var distinct []string
	for _, m := range msgs {
		if !slices.Contains(distinct, m) {
			distinct = append(distinct, m)
		}
	}
	switch len(distinct) {
	case 0:
		return nil
	case 1:
		return errors.New(distinct[0])
	default:
		return errors.New("[" + strings.Join(distinct, ", ") + "]")
	}
}

// Matches reports whether the label set satisfies r (see Requirement for each operator). A nil map is an empty
// label set. Matches does not allocate.
func (r Requirement) Matches(labels map[string]string) bool { return r.matches(labels) }

// matches is Matches without copying the requirement.
func (r *Requirement) matches(labels map[string]string) bool {
	switch r.Operator {
	case OpIn, OpEquals, OpDoubleEquals:
		v, ok := labels[r.Key]
		return ok && r.hasValue(v)
	case OpNotIn, OpNotEquals:
		v, ok := labels[r.Key]
		return !ok || !r.hasValue(v)
	case OpExists:
		_, ok := labels[r.Key]
		return ok
	case OpDoesNotExist:
		_, ok := labels[r.Key]
		return !ok
	case OpGreaterThan, OpLessThan:
		v, ok := labels[r.Key]
		if !ok || len(r.Values) != 1 {
			return false
		}
		have, ok := parseInt64(v)
		if !ok {
			return false
		}
		want, ok := parseInt64(r.Values[0])
		if !ok {
			return false
		}
		if r.Operator == OpGreaterThan {
			return have > want
		}
		return have < want
	default:
		return false
	}
}

// hasValue scans linearly: value sets are small, and a caller-built Requirement need not be sorted.
func (r *Requirement) hasValue(v string) bool {
	for _, x := range r.Values {
		if x == v {
			return true
		}
	}
	return false
}

// parseInt64 reads s as strconv.ParseInt(s, 10, 64) does (optional sign, decimal digits, no overflow) without
// allocating on failure.
func parseInt64(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	const limit = uint64(1) << 63
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (limit+9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > limit {
			return 0, false
		}
	}
	if neg {
		return -int64(n), true // n == 1<<63 wraps to math.MinInt64, as intended
	}
	if n == limit {
		return 0, false
	}
	return int64(n), true
}

// String renders r in selector syntax: "k=v", "k==v", "k!=v", "k in (a,b)", "k notin (a,b)", "k", "!k", "k>3",
// "k<3". Values are printed sorted.
func (r Requirement) String() string {
	var b strings.Builder
	r.appendTo(&b)
	return b.String()
}

func (r Requirement) appendTo(b *strings.Builder) {
	if r.Operator == OpDoesNotExist {
		b.WriteByte('!')
	}
	b.WriteString(r.Key)
	open, close := "", ""
	switch r.Operator {
	case OpEquals, OpDoubleEquals, OpNotEquals:
		b.WriteString(string(r.Operator))
	case OpIn, OpNotIn:
		b.WriteString(" " + string(r.Operator) + " ")
		open, close = "(", ")"
	case OpGreaterThan:
		b.WriteByte('>')
	case OpLessThan:
		b.WriteByte('<')
	case OpExists, OpDoesNotExist:
		return
	}
	values := r.Values
	if !slices.IsSorted(values) {
		values = slices.Sorted(slices.Values(values))
	}
	b.WriteString(open)
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v)
	}
	b.WriteString(close)
}

// Selector is a parsed label selector: the AND of its requirements, kept sorted by key (stably, so requirements on
// one key keep their order). A Selector is immutable and safe to share between goroutines; copying one is cheap.
// The zero value selects everything.
type Selector struct {
	reqs    []Requirement
	nothing bool
}

// LabelTerm is a label pinned to exactly one value by a selector; see Selector.EqualityTerms.
type LabelTerm struct {
	Key, Value string
}

// Everything returns the selector that matches every label set, the zero Selector.
func Everything() Selector { return Selector{} }

// Nothing returns the selector that matches no label set, which is what a nil *LabelSelector means. Its String is
// "" like Everything's, so it does not survive a round trip through ParseSelector.
func Nothing() Selector { return Selector{nothing: true} }

// newSelector takes ownership of reqs and sorts them stably by key.
func newSelector(reqs []Requirement) Selector {
	slices.SortStableFunc(reqs, func(a, b Requirement) int { return strings.Compare(a.Key, b.Key) })
	return Selector{reqs: reqs}
}

// SelectorFromSet returns the selector matching label sets that hold every key of set with its value ("k=v" for
// each entry). An empty or nil set gives Everything. Like apimachinery, keys and values are not validated; set is
// not retained.
func SelectorFromSet(set map[string]string) Selector {
	if len(set) == 0 {
		return Everything()
	}
	reqs := make([]Requirement, 0, len(set))
	for k, v := range set {
		reqs = append(reqs, Requirement{Key: k, Operator: OpEquals, Values: []string{v}})
	}
	return newSelector(reqs)
}

// SelectorFromLabelSelector converts a structured LabelSelector as apimachinery's LabelSelectorAsSelector does: nil
// gives Nothing, an empty selector gives Everything, each matchLabels entry becomes "k=v" and each matchExpressions
// entry the requirement of its operator, validated by NewRequirement. An unknown operator is an error
// (`"Foo" is not a valid label selector operator`). matchLabels are checked in key order, so the first error
// reported is deterministic. ls is not retained.
func SelectorFromLabelSelector(ls *LabelSelector) (Selector, error) {
	if ls == nil {
		return Nothing(), nil
	}
	if len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		return Everything(), nil
	}
	reqs := make([]Requirement, 0, len(ls.MatchLabels)+len(ls.MatchExpressions))
	keys := make([]string, 0, len(ls.MatchLabels))
	for k := range ls.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r, err := NewRequirement(k, OpEquals, []string{ls.MatchLabels[k]})
		if err != nil {
			return Selector{}, err
		}
		reqs = append(reqs, r)
	}
	for _, expr := range ls.MatchExpressions {
		var op SelectionOperator
		switch expr.Operator {
		case LabelSelectorOpIn:
			op = OpIn
		case LabelSelectorOpNotIn:
			op = OpNotIn
		case LabelSelectorOpExists:
			op = OpExists
		case LabelSelectorOpDoesNotExist:
			op = OpDoesNotExist
		default:
			return Selector{}, fmt.Errorf("%q is not a valid label selector operator", expr.Operator)
		}
		r, err := NewRequirement(expr.Key, op, append([]string(nil), expr.Values...))
		if err != nil {
			return Selector{}, err
		}
		reqs = append(reqs, r)
	}
	return newSelector(reqs), nil
}

// Matches reports whether the label set satisfies every requirement of s. A nil map is an empty label set.
// Matches does not allocate.
func (s Selector) Matches(labels map[string]string) bool {
	if s.nothing {
		return false
	}
	for i := range s.reqs {
		if !s.reqs[i].matches(labels) {
			return false
		}
	}
	return true
}

// Empty reports whether s selects everything (has no requirements). Nothing is not empty.
func (s Selector) Empty() bool { return !s.nothing && len(s.reqs) == 0 }

// String renders s in selector syntax, requirements sorted by key and joined by ",", values sorted:
// "a=b,c in (x,y),!d". For a selector from ParseSelector, ParseSelector(s.String()) gives back an equal selector.
// Everything and Nothing both render as "".
func (s Selector) String() string {
	var b strings.Builder
	for i, r := range s.reqs {
		if i > 0 {
			b.WriteByte(',')
		}
		r.appendTo(&b)
	}
	return b.String()
}

// Requirements returns a copy of the requirements of s, sorted by key; the caller may modify it. It is nil for
// Everything and Nothing.
func (s Selector) Requirements() []Requirement {
	if len(s.reqs) == 0 {
		return nil
	}
	out := make([]Requirement, len(s.reqs))
	for i, r := range s.reqs {
		r.Values = slices.Clone(r.Values)
		out[i] = r
	}
	return out
}

// EqualityTerms lists, in key order, the requirements of s that pin a label to exactly one value ("k=v", "k==v",
// or "k in (v)") as (key, value) pairs. Every label set s matches carries all of them, so an index may scan only
// the objects holding one of these pairs. It returns nil when there are none, and for Nothing.
func (s Selector) EqualityTerms() []LabelTerm {
	var terms []LabelTerm
	for _, r := range s.reqs {
		switch r.Operator {
		case OpEquals, OpDoubleEquals, OpIn:
			if len(r.Values) == 1 {
				terms = append(terms, LabelTerm{Key: r.Key, Value: r.Values[0]})
			}
		}
	}
	return terms
}

// ParseSelector parses a label selector in the syntax of kubectl's -l flag and the labelSelector query parameter,
// with apimachinery's grammar, validation and error messages:
//
//	selector    ::= "" | requirement { "," requirement }
//	requirement ::= "!" KEY                              (DoesNotExist)
//	              | KEY                                  (Exists)
//	              | KEY ("=" | "==" | "!=") [VALUE]       (a missing VALUE is "")
//	              | KEY (">" | "<") INTEGER
//	              | KEY ("in" | "notin") "(" [VALUE] { "," [VALUE] } ")"
//
// for example "env=prod,tier!=db,zone in (a,b),track notin (canary),gpu,!spot,cores>4". Spaces, tabs, CR and LF
// separate tokens and are otherwise ignored. KEY must pass IsQualifiedName and every VALUE IsValidLabelValue;
// "in" and "notin" are operators only between a key and "(". Errors are plain errors carrying kube-apiserver's
// text, such as "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt".
//
// Like apimachinery, a NUL byte where a token should start ends the selector, and a NUL byte right after a token
// just ends that token.
func ParseSelector(s string) (Selector, error) {
	p := selectorParser{lex: selectorLexer{s: s}}
	reqs, err := p.parse()
	if err != nil {
		return Selector{}, err
	}
	return newSelector(reqs), nil
}

// selectorToken is a token of the label selector syntax.
type selectorToken int

const (
	tokEnd selectorToken = iota + 1
	tokIdent
	tokIn
	tokNotIn
	tokNot        // !
	tokEquals     // =
	tokDoubleEq   // ==
	tokNotEquals  // !=
	tokGreater    // >
	tokLess       // <
	tokOpenParen  // (
	tokCloseParen // )
	tokComma      // ,
)

// selectorLexer splits a label selector into tokens the way apimachinery's Lexer does, byte by byte.
type selectorLexer struct {
	s    string
	pos  int
	done bool // an end token was produced; every later token is an end token too
}

// read returns the next byte and advances, or returns 0 without advancing at the end of the input. A NUL byte in
// the input also reads as 0, but is consumed.
func (l *selectorLexer) read() byte {
	if l.pos < len(l.s) {
		c := l.s[l.pos]
		l.pos++
		return c
	}
	return 0
}

func isSelectorSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isSelectorSymbol(c byte) bool {
	switch c {
	case '=', '!', '(', ')', ',', '>', '<':
		return true
	}
	return false
}

// next returns the next token and its literal text.
func (l *selectorLexer) next() (selectorToken, string) {
	if l.done {
		return tokEnd, ""
	}
	c := l.read()
	for isSelectorSpace(c) {
		c = l.read()
	}
	switch {
	case c == 0:
		l.done = true
		return tokEnd, ""
	case isSelectorSymbol(c):
		return l.lexSymbol(c)
	}
	start := l.pos - 1
	for {
		end := l.pos
		c := l.read()
		if c == 0 || isSelectorSymbol(c) || isSelectorSpace(c) {
			if c != 0 {
				l.pos-- // unread; a NUL stays consumed
			}
			lit := l.s[start:end]
			switch lit {
			case "in":
				return tokIn, lit
			case "notin":
				return tokNotIn, lit
			}
			return tokIdent, lit
		}
	}
}

// lexSymbol scans an operator or punctuation token starting with the already-read byte c. The longest operator
// wins ("!=" over "!"); a NUL byte right after it is consumed.
func (l *selectorLexer) lexSymbol(c byte) (selectorToken, string) {
	var tok selectorToken
	switch c {
	case '=':
		tok = tokEquals
	case '!':
		tok = tokNot
	case '(':
		tok = tokOpenParen
	case ')':
		tok = tokCloseParen
	case ',':
		tok = tokComma
	case '>':
		tok = tokGreater
	default: // '<', the last symbol
		tok = tokLess
	}
	start := l.pos - 1
	switch l.read() {
	case 0:
		return tok, l.s[start : start+1]
	case '=':
		switch c {
		case '=':
			tok = tokDoubleEq
		case '!':
			tok = tokNotEquals
		default:
			l.pos--
			return tok, l.s[start : start+1]
		}
		if l.read() != 0 {
			l.pos--
		}
		return tok, l.s[start : start+2]
	default:
		l.pos--
		return tok, l.s[start : start+1]
	}
}

// selectorParser is a recursive-descent parser over selectorLexer with one token of lookahead, following
// apimachinery's Parser step for step so that it accepts the same inputs and fails with the same messages.
type selectorParser struct {
	lex    selectorLexer
	peeked bool
	tok    selectorToken
	lit    string
}

// lookahead returns the next token without consuming it. In value context, "in" and "notin" are identifiers.
func (p *selectorParser) lookahead(valueContext bool) (selectorToken, string) {
	if !p.peeked {
		p.tok, p.lit = p.lex.next()
		p.peeked = true
	}
	if valueContext && (p.tok == tokIn || p.tok == tokNotIn) {
		return tokIdent, p.lit
	}
	return p.tok, p.lit
}

// consume returns the next token and consumes it.
func (p *selectorParser) consume(valueContext bool) (selectorToken, string) {
	tok, lit := p.lookahead(valueContext)
	p.peeked = false
	return tok, lit
}

func (p *selectorParser) parse() ([]Requirement, error) {
	var reqs []Requirement
	for {
		switch tok, lit := p.lookahead(true); tok {
		case tokIdent, tokNot:
			r, err := p.parseRequirement()
			if err != nil {
				return nil, fmt.Errorf("unable to parse requirement: %v", err)
			}
			reqs = append(reqs, r)
			switch tok, lit := p.consume(true); tok {
			case tokEnd:
				return reqs, nil
			case tokComma:
				if tok, lit := p.lookahead(true); tok != tokIdent && tok != tokNot {
					return nil, fmt.Errorf("found '%s', expected: identifier after ','", lit)
				}
			default:
				return nil, fmt.Errorf("found '%s', expected: ',' or 'end of string'", lit)
			}
		case tokEnd:
			return reqs, nil
		default:
			return nil, fmt.Errorf("found '%s', expected: !, identifier, or 'end of string'", lit)
		}
	}
}

func (p *selectorParser) parseRequirement() (Requirement, error) {
	var op SelectionOperator
	tok, key := p.consume(true)
	if tok == tokNot {
		op = OpDoesNotExist
		tok, key = p.consume(true)
	}
	if tok != tokIdent {
		return Requirement{}, fmt.Errorf("found '%s', expected: identifier", key)
	}
	if msgs := IsQualifiedName(key); len(msgs) != 0 {
		return Requirement{}, errors.New(invalidValue("<nil>", key, strings.Join(msgs, "; ")))
	}
	if op == "" {
		if tok, _ := p.lookahead(true); tok == tokEnd || tok == tokComma {
			op = OpExists
		}
	}
	if op == OpExists || op == OpDoesNotExist {
		return NewRequirement(key, op, nil)
	}

	tok, lit := p.consume(false)
	switch tok {
	case tokIn:
		op = OpIn
	case tokNotIn:
		op = OpNotIn
	case tokEquals:
		op = OpEquals
	case tokDoubleEq:
		op = OpDoubleEquals
	case tokNotEquals:
		op = OpNotEquals
	case tokGreater:
		op = OpGreaterThan
	case tokLess:
		op = OpLessThan
	default:
		return Requirement{}, fmt.Errorf("found '%s', expected: in, notin, =, ==, !=, gt, lt", lit)
	}
	var values []string
	var err error
	if op == OpIn || op == OpNotIn {
		values, err = p.parseValueSet()
	} else {
		values, err = p.parseExactValue()
	}
	if err != nil {
		return Requirement{}, err
	}
	// Upstream collects values in a set and validates them in sorted order, so error indexes follow that order.
	return NewRequirement(key, op, sortedSet(values))
}

// parseValueSet parses "(v1,v2,...)". Empty entries are the empty value: "()" and "(,a)" both hold "".
func (p *selectorParser) parseValueSet() ([]string, error) {
	if tok, lit := p.consume(true); tok != tokOpenParen {
		return nil, fmt.Errorf("found '%s' expected: '('", lit)
	}
	switch tok, lit := p.lookahead(true); tok {
	case tokCloseParen:
		p.consume(true)
		return []string{""}, nil
	case tokIdent, tokComma:
		values, err := p.parseValueList()
		if err != nil {
			return nil, err
		}
		p.consume(true) // parseValueList stops before ")"
		return values, nil
	default:
		return nil, fmt.Errorf("found '%s', expected: ',', ')' or identifier", lit)
	}
}

// parseValueList parses the inside of a value set up to, not including, the closing ")".
func (p *selectorParser) parseValueList() ([]string, error) {
	var values []string
	for {
		switch tok, lit := p.consume(true); tok {
		case tokIdent:
			values = append(values, lit)
			switch tok, lit := p.lookahead(true); tok {
			case tokComma:
			case tokCloseParen:
				return values, nil
			default:
				return nil, fmt.Errorf("found '%s', expected: ',' or ')'", lit)
			}
		case tokComma:
			if len(values) == 0 {
				values = append(values, "") // "(,"
			}
			switch tok, _ := p.lookahead(true); tok {
			case tokCloseParen:
				return append(values, ""), nil // ",)"
			case tokComma:
				values = append(values, "") // ",,"
			}
		default:
			return nil, fmt.Errorf("found '%s', expected: ',', or identifier", lit)
		}
	}
}

// parseExactValue parses the value after =, ==, !=, > or <; nothing before "," or the end is the empty value.
func (p *selectorParser) parseExactValue() ([]string, error) {
	if tok, _ := p.lookahead(true); tok == tokEnd || tok == tokComma {
		return []string{""}, nil
	}
	tok, lit := p.consume(true)
	if tok != tokIdent {
		return nil, fmt.Errorf("found '%s', expected: identifier", lit)
	}
	return []string{lit}, nil
}
