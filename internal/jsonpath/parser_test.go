package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dump renders a parsed template's top-level nodes for comparison.
func dump(j *JSONPath) string {
	parts := make([]string, len(j.nodes))
	for i, n := range j.nodes {
		parts[i] = n.String()
	}
	return strings.Join(parts, " ")
}

// The cases of client-go's parser_test.go, plus a few of our own.
func TestParse(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"plain", `hello jsonpath`, `text("hello jsonpath")`},
		{"empty", ``, ``},
		{"variable", `hello {.jsonpath}`, `text("hello ") [field(jsonpath)]`},
		{"bracket field", `hello {['jsonpath']}`, `text("hello ") [field(jsonpath)]`},
		{"quote", `{"{"}`, `[text("{")]`},
		{"single quote", `{'a"b'}`, `[text("a\"b")]`},
		{"escapes", `{"\n\t\u00e9\x41"}`, `[text("\n\té` + `A")]`},
		{"text braces", `a}b{.c}d}`, `text("a}b") [field(c)] text("d}")`},
		{"root", `{$}{@}{ }`, `[] [] []`},
		{"slice", `{[1:3]}`, `[array(1:3:)]`},
		{"all", `{.book[*].author}`, `[field(book) array(::) field(author)]`},
		{"wildcard", `{.bicycle.*}`, `[field(bicycle) wildcard]`},
		{"filter", `{[?(@.price<3)]}`, `[filter([field(price)] < [int(3)])]`},
		{"exists filter", `{[?(@.z)].id}`, `[filter([field(z)] exists []) field(id)]`},
		{"recursive", `{..}`, `[recursive]`},
		{"recursive field", `{..price}`, `[recursive field(price)]`},
		{"recursive dot field", `{...price}`, `[recursive field(price)]`},
		{"recursive index", `{..[0]}`, `[recursive array(0:1*:)]`},
		{"key is a path", `{['book.price']}`, `[field(book) field(price)]`},
		{"union", `{['bicycle.price', 3, 'book.price']}`,
			`[union([field(bicycle) field(price)], [array(3:4*:)], [field(book) field(price)])]`},
		{"index union", `{[0,1]}`, `[union([array(0:1*:)], [array(1:2*:)])]`},
		{"range", `{range .items}{.name},{end}`, `[ident(range) field(items)] [field(name)] text(",") [ident(end)]`},
		{"paired parentheses in quotes", `{[?(@.status.nodeInfo.osImage == "()")]}`,
			`[filter([field(status) field(nodeInfo) field(osImage)] == [text("()")])]`},
		{"escaped double quotes", `{[?(@.status.nodeInfo.osImage == "(\"\")")]}`,
			`[filter([field(status) field(nodeInfo) field(osImage)] == [text("(\"\")")])]`},
		{"unbalanced parentheses in quotes", `{[?(@.test == "())(")]}`, `[filter([field(test)] == [text("())(")])]`},
		{"single quotes", `{[?(@.os == 'Linux')]}`, `[filter([field(os)] == [text("Linux")])]`},
		{"filter suffix", `{[?(@.os == "{[()]}")]}`, `[filter([field(os)] == [text("{[()]}")])]`},
		{"double inside single", `{[?(@.os == "''")]}`, `[filter([field(os)] == [text("''")])]`},
		{"single inside double", `{[?(@.os == '""')]}`, `[filter([field(os)] == [text("\"\"")])]`},
		{"escaped single", `{[?(@.os == '\\\'')]}`, `[filter([field(os)] == [text("\\'")])]`},
		{"negative slice", `{[-5:]}`, `[array(-5::)]`},
		{"negative index", `{[-1]}`, `[array(-1:0*:)]`},
		{"negative end", `{[1:-1]}`, `[array(1:-1:)]`},
		{"step", `{[::2]}`, `[array(::2)]`},
		{"empty brackets", `{[]}`, `[array(:1*:)]`},
		{"escaped dot", `{.labels.kubernetes\.io/hostname}`, `[field(labels) field(kubernetes.io/hostname)]`},
		{"literals", `{.a true 1.5 -2 +3}`, `[field(a) bool(true) float(1.5) int(-2) int(3)]`},
		{"huge integer is a float", `{99999999999999999999}`, `[float(1e+20)]`},
		{"empty field", `{.}`, `[field()]`},
		{"star prefix is a field", `{.*a}`, `[field(*a)]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse(tt.name, tt.template)
			require.NoError(t, err)
			require.Equal(t, tt.want, dump(j))
		})
	}
}

// Messages are client-go's.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"unclosed action", "{.hello", "unclosed action"},
		{"newline in action", "{.a\n}", "unclosed action"},
		{"unrecognized character", "{*}", "unrecognized character in action: U+002A '*'"},
		{"tab", "{\t}", "unrecognized character in action: U+0009"},
		{"invalid number", "{+12.3.0}", "cannot parse number +12.3.0"},
		{"lone sign", "{-}", "cannot parse number -"},
		{"unterminated array", "{[1}", "unterminated array"},
		{"unterminated filter", "{[?(.price]}", "unterminated filter"},
		{"unclosed filter", "{[?(@.a)x}", "unclosed array expect ]"},
		{"multiple recursive descent", "{........}", "invalid multiple recursive descent"},
		{"multiple recursive descent with space", "{.. ..a}", "invalid multiple recursive descent"},
		{"too many dots", "{............................................................Price}", "invalid multiple recursive descent"},
		{"recursive wildcard", "{..*}", "unrecognized character in action: U+002A '*'"},
		{"unterminated quote", `{"abc}`, "unterminated quoted string"},
		{"escaped backslash before quote", `{"\\"}`, "unterminated quoted string"},
		{"bad escape", `{"\q"}`, `unquote string "\q" error invalid syntax`},
		{"invalid index", "{[a]}", "invalid array index a"},
		{"invalid union member", "{[0,a]}", "invalid array index a"},
		{"key with comma", "{['a,b']}", "invalid array index 'a"},
		{"index not a number", "{[-]}", "array index - is not a number"},
		{"index overflow", "{[99999999999999999999]}", "array index 99999999999999999999 is not a number"},
		{"filter missing right operand", "{[?(@.a==)]}", "unrecognized character in action: U+003D '='"},
		{"malformed", `{\\\}`, "unrecognized character in action: U+005C '\\'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse("tmpl", tt.template)
			require.Nil(t, j)
			require.EqualError(t, err, tt.want)
			var se *SyntaxError
			require.True(t, errors.As(err, &se))
			require.Equal(t, "tmpl", se.Name)
		})
	}
}
