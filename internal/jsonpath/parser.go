package jsonpath

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The parser reads a template the way client-go's does, so that it accepts the same templates, builds the same
// steps from them and fails with the same messages. Sub-expressions (union members, bracketed keys, filter
// operands) are parsed by wrapping their text in braces and parsing that as a template of its own, as client-go
// does; only the first action of the result is kept.

const eof rune = -1

var (
	// sliceRE is client-go's [start:end:step] syntax: each part optional, integers with an optional minus.
	sliceRE = regexp.MustCompile(`^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`)
	// keyRE is a bracketed key: ['name'].
	keyRE = regexp.MustCompile(`^'([^']*)'$`)
	// filterRE splits a filter into left operand, operator and right operand; without a match the filter is an
	// existence test.
	filterRE = regexp.MustCompile(`^([^!<>=]+)([!<>=]+)(.+?)$`)
)

// parser is the state of one parse: the input and the position of the next rune.
type parser struct {
	name  string
	input string
	pos   int
	width int // byte width of the rune next last returned, for backup
}

// parseTemplate parses a whole template into its top-level nodes: *textNode for text outside braces, *listNode
// for each action.
func parseTemplate(name, input string) ([]node, error) {
	p := &parser{name: name, input: input}
	var top []node
	for {
		i := strings.IndexByte(input[p.pos:], '{')
		if i < 0 {
			if p.pos < len(input) {
				top = append(top, &textNode{text: input[p.pos:]})
			}
			return top, nil
		}
		if i > 0 {
			top = append(top, &textNode{text: input[p.pos : p.pos+i]})
		}
		p.pos += i + 1
		action := &listNode{}
		top = append(top, action)
		if err := p.parseAction(action); err != nil {
			return nil, err
		}
	}
}

// parseSub parses text as the body of an action of its own and returns that action.
func (p *parser) parseSub(text string) (*listNode, error) {
	nodes, err := parseTemplate(p.name, "{"+text+"}")
	if err != nil {
		return nil, err
	}
	return nodes[0].(*listNode), nil // the input starts with '{', so its first node is an action
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Name: p.name, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) next() rune {
	if p.pos >= len(p.input) {
		p.width = 0
		return eof
	}
	r, w := utf8.DecodeRuneInString(p.input[p.pos:])
	p.width = w
	p.pos += w
	return r
}

// backup steps back over the rune next last returned (nothing after eof).
func (p *parser) backup() { p.pos -= p.width }

func (p *parser) peek() rune {
	r := p.next()
	p.backup()
	return r
}

// parseAction parses the body of an action, after its '{', up to and including its '}', appending its steps to
// cur.
func (p *parser) parseAction(cur *listNode) error {
	for {
		var err error
		rest := p.input[p.pos:]
		switch {
		case strings.HasPrefix(rest, "}"):
			p.pos++
			return nil
		case strings.HasPrefix(rest, "[?("):
			err = p.parseFilter(cur)
		case strings.HasPrefix(rest, ".."):
			err = p.parseRecursive(cur)
		default:
			start := p.pos
			switch r := p.next(); {
			case r == eof || r == '\r' || r == '\n':
				return p.errorf("unclosed action")
			case r == ' ' || r == '@' || r == '$':
				// a space separates; @ and $ name the current value, which is where evaluation already is
			case r == '[':
				err = p.parseArray(cur, start)
			case r == '"' || r == '\'':
				err = p.parseQuote(cur, start, r)
			case r == '.':
				err = p.parseField(cur)
			case r == '+' || r == '-' || unicode.IsDigit(r):
				p.backup()
				err = p.parseNumber(cur)
			case isAlphaNumeric(r):
				p.backup()
				err = p.parseIdentifier(cur)
			default:
				return p.errorf("unrecognized character in action: %#U", r)
			}
		}
		if err != nil {
			return err
		}
	}
}

// parseIdentifier reads a bare word: true and false are booleans, anything else an identifier.
func (p *parser) parseIdentifier(cur *listNode) error {
	start := p.pos
	for !isTerminator(p.next()) {
	}
	p.backup()
	switch word := p.input[start:p.pos]; word {
	case "true", "false":
		cur.nodes = append(cur.nodes, &boolNode{value: word == "true"})
	default:
		cur.nodes = append(cur.nodes, &identifierNode{name: word})
	}
	return nil
}

// parseRecursive reads "..", and the field name that directly follows it, if any.
func (p *parser) parseRecursive(cur *listNode) error {
	if n := len(cur.nodes); n > 0 {
		if _, ok := cur.nodes[n-1].(*recursiveNode); ok {
			return p.errorf("invalid multiple recursive descent")
		}
	}
	p.pos += len("..")
	cur.nodes = append(cur.nodes, &recursiveNode{})
	if isAlphaNumeric(p.peek()) {
		return p.parseField(cur)
	}
	return nil
}

// parseNumber reads a signed run of digits and dots: an int if it is one, else a float.
func (p *parser) parseNumber(cur *listNode) error {
	start := p.pos
	if r := p.peek(); r == '+' || r == '-' {
		p.next()
	}
	for {
		if r := p.next(); r != '.' && !unicode.IsDigit(r) {
			p.backup()
			break
		}
	}
	text := p.input[start:p.pos]
	if i, err := strconv.Atoi(text); err == nil {
		cur.nodes = append(cur.nodes, &intNode{value: i})
		return nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		cur.nodes = append(cur.nodes, &floatNode{value: f})
		return nil
	}
	return p.errorf("cannot parse number %s", text)
}

// parseArray reads a bracket expression whose '[' is at start: a union, a quoted key or a slice.
func (p *parser) parseArray(cur *listNode, start int) error {
	for {
		r := p.next()
		if r == eof || r == '\n' {
			return p.errorf("unterminated array")
		}
		if r == ']' {
			break
		}
	}
	text := p.input[start+1 : p.pos-1]
	if text == "*" {
		text = ":"
	}

	if parts := strings.Split(text, ","); len(parts) > 1 {
		u := &unionNode{members: make([]*listNode, 0, len(parts))}
		for _, part := range parts {
			member, err := p.parseSub("[" + strings.Trim(part, " ") + "]")
			if err != nil {
				return err
			}
			u.members = append(u.members, member)
		}
		cur.nodes = append(cur.nodes, u)
		return nil
	}

	if m := keyRE.FindStringSubmatch(text); m != nil {
		// ['a.b'] is parsed as .a.b: the key is a path, as in client-go.
		sub, err := p.parseSub("." + m[1])
		if err != nil {
			return err
		}
		cur.nodes = append(cur.nodes, sub.nodes...)
		return nil
	}

	m := sliceRE.FindStringSubmatch(text)
	if m == nil {
		return p.errorf("invalid array index %s", text)
	}
	var params [3]sliceParam
	for i, s := range m[1:] {
		switch {
		case s == "" && i == 1: // a plain index [i] is the slice [i:i+1]
			params[1] = sliceParam{value: params[0].value + 1, known: true, derived: true}
		case s == "":
		case i > 0 && s == ":": // [a:] or [a:b:]
		default:
			if i > 0 {
				s = s[1:]
			}
			v, err := strconv.Atoi(s)
			if err != nil {
				return p.errorf("array index %s is not a number", s)
			}
			params[i] = sliceParam{value: v, known: true}
		}
	}
	cur.nodes = append(cur.nodes, &arrayNode{params: params})
	return nil
}

// parseFilter reads [?(left op right)] or [?(path)]. The closing ')' is the first one outside the first quoted
// string, as in client-go.
func (p *parser) parseFilter(cur *listNode) error {
	p.pos += len("[?(")
	start := p.pos
	inQuote, quoteClosed := false, false
	var quote rune
	for {
		r := p.next()
		if r == eof || r == '\n' {
			return p.errorf("unterminated filter")
		}
		switch {
		case (r == '"' || r == '\'') && !inQuote:
			inQuote, quote = true, r
		case r == quote && inQuote && p.input[p.pos-2] != '\\':
			quoteClosed = true
		}
		if r == ')' && inQuote == quoteClosed {
			break
		}
	}
	if p.next() != ']' {
		return p.errorf("unclosed array expect ]")
	}
	text := p.input[start : p.pos-2]
	m := filterRE.FindStringSubmatch(text)
	if m == nil {
		left, err := p.parseSub(text)
		if err != nil {
			return err
		}
		cur.nodes = append(cur.nodes, &filterNode{left: left, right: &listNode{}, op: "exists"})
		return nil
	}
	left, err := p.parseSub(m[1])
	if err != nil {
		return err
	}
	right, err := p.parseSub(m[3])
	if err != nil {
		return err
	}
	cur.nodes = append(cur.nodes, &filterNode{left: left, right: right, op: m[2]})
	return nil
}

// parseQuote reads a string literal whose opening quote is at start. A quote preceded by a backslash does not
// close it (so "a\\" does not end at its last quote, as in client-go).
func (p *parser) parseQuote(cur *listNode, start int, quote rune) error {
	for {
		r := p.next()
		if r == eof || r == '\n' {
			return p.errorf("unterminated quoted string")
		}
		if r == quote && p.input[p.pos-2] != '\\' {
			break
		}
	}
	lit := p.input[start:p.pos]
	s, err := unquote(lit)
	if err != nil {
		return p.errorf("unquote string %s error %v", lit, err)
	}
	cur.nodes = append(cur.nodes, &textNode{text: s})
	return nil
}

// parseField reads a field name after its '.', up to the next unescaped terminator; backslashes are dropped.
func (p *parser) parseField(cur *listNode) error {
	start := p.pos
	for {
		r := p.next()
		if r == '\\' {
			p.next()
			continue
		}
		if isTerminator(r) {
			p.backup()
			break
		}
	}
	name := p.input[start:p.pos]
	if name == "*" {
		cur.nodes = append(cur.nodes, &wildcardNode{})
	} else {
		cur.nodes = append(cur.nodes, &fieldNode{name: strings.ReplaceAll(name, `\`, "")})
	}
	return nil
}

// isTerminator reports whether r ends a field name or identifier.
func isTerminator(r rune) bool {
	switch r {
	case eof, ' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}':
		return true
	}
	return false
}

func isAlphaNumeric(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// unquote is strconv.Unquote that also accepts single-quoted strings of any length, as client-go's UnquoteExtend.
func unquote(s string) (string, error) {
	n := len(s)
	if n < 2 || s[0] != s[n-1] || (s[0] != '"' && s[0] != '\'') {
		return "", strconv.ErrSyntax
	}
	quote := s[0]
	s = s[1 : n-1]
	if !strings.ContainsRune(s, '\\') && !strings.ContainsRune(s, rune(quote)) {
		return s, nil
	}
	buf := make([]byte, 0, 3*len(s)/2)
	for len(s) > 0 {
		c, multibyte, rest, err := strconv.UnquoteChar(s, quote)
		if err != nil {
			return "", err
		}
		s = rest
		if c < utf8.RuneSelf || !multibyte {
			buf = append(buf, byte(c))
		} else {
			buf = utf8.AppendRune(buf, c)
		}
	}
	return string(buf), nil
}
