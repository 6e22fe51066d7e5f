package types

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	labelKeyNameMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
		"with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
		"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	labelValueProblem = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " +
		"'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " +
		"regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // canonical String(); ignored when err is set
		err  string // exact error text
	}{
		{name: "empty", in: "", want: ""},
		{name: "blank", in: " \t\r\n", want: ""},
		{name: "equals", in: "a=b", want: "a=b"},
		{name: "double equals", in: "a==b", want: "a==b"},
		{name: "not equals", in: "a!=b", want: "a!=b"},
		{name: "in", in: "a in (c,b,c)", want: "a in (b,c)"},
		{name: "notin", in: "a notin (x)", want: "a notin (x)"},
		{name: "exists", in: "a", want: "a"},
		{name: "does not exist", in: "!a", want: "!a"},
		{name: "greater than", in: "a>3", want: "a>3"},
		{name: "less than", in: "a<-3", err: `unable to parse requirement: values[0][a]: Invalid value: "-3": ` +
			labelValueProblem},
		{name: "less than zero padded", in: "a<07", want: "a<07"},
		{name: "all operators sorted by key", in: "i>3,h,!g,f notin (z),e in (x,y),c!=d,a=b",
			want: "a=b,c!=d,e in (x,y),f notin (z),!g,h,i>3"},
		{name: "stable for one key", in: "b,a=2,a=1", want: "a=2,a=1,b"},
		{name: "whitespace everywhere", in: " a = b ,\tc\nin\r( x , y ) , ! d ", want: "a=b,c in (x,y),!d"},
		{name: "empty value", in: "a=,b!=", want: "a=,b!="},
		{name: "empty set", in: "a in ()", want: "a in ()"},
		{name: "empty entries in set", in: "a in (,x,,)", want: "a in (,x)"},
		{name: "keywords as key and value", in: "in in (in,notin),notin=in", want: "in in (in,notin),notin=in"},
		{name: "prefixed key", in: "example.com/app=web", want: "example.com/app=web"},
		{name: "NUL at token start ends input", in: "a=b,c \x00 garbage", want: "a=b,c"},
		{name: "NUL after token is skipped", in: "a\x00=b", want: "a=b"},

		{name: "missing operator", in: "a b",
			err: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
		{name: "gt spelled as word", in: "a gt 3",
			err: "unable to parse requirement: found 'gt', expected: in, notin, =, ==, !=, gt, lt"},
		{name: "trailing comma", in: "a=b,", err: "found '', expected: identifier after ','"},
		{name: "leading comma", in: ",a", err: "found ',', expected: !, identifier, or 'end of string'"},
		{name: "junk after value", in: "a=b c", err: "found 'c', expected: ',' or 'end of string'"},
		{name: "missing paren", in: "a in b", err: "unable to parse requirement: found 'b' expected: '('"},
		{name: "unclosed set", in: "a in (b", err: "unable to parse requirement: found '', expected: ',' or ')'"},
		{name: "unclosed after comma", in: "a in (b,",
			err: "unable to parse requirement: found '', expected: ',', or identifier"},
		{name: "operator in set", in: "a in (=)",
			err: "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
		{name: "bare bang", in: "!", err: "unable to parse requirement: found '', expected: identifier"},
		{name: "value is an operator", in: "a=(", err: "unable to parse requirement: found '(', expected: identifier"},
		{name: "does not exist with value", in: "!a=b", err: "found '=', expected: ',' or 'end of string'"},
		{name: "invalid key", in: "a$", err: `unable to parse requirement: <nil>: Invalid value: "a$": ` + labelKeyNameMsg},
		{name: "invalid value", in: "a=b$",
			err: `unable to parse requirement: values[0][a]: Invalid value: "b$": ` + labelValueProblem},
		{name: "value too long", in: "a=" + strings.Repeat("v", 64),
			err: `unable to parse requirement: values[0][a]: Invalid value: "` + strings.Repeat("v", 64) +
				`": must be no more than 63 bytes`},
		{name: "gt needs integer", in: "a>b",
			err: `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`},
		{name: "gt with empty value", in: "a>",
			err: `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`},
		{name: "gt overflow", in: "a>99999999999999999999",
			err: `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`},
		{name: "two problems aggregate", in: "a>b$",
			err: `unable to parse requirement: [values[0]: Invalid value: "b$": for 'Gt', 'Lt' operators, the value must be an integer, ` +
				`values[0][a]: Invalid value: "b$": ` + labelValueProblem + `]`},
		{name: "less or equal is not an operator", in: "a<=1",
			err: "unable to parse requirement: found '=', expected: identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseSelector(tt.in)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, sel.String())
			again, err := ParseSelector(sel.String())
			require.NoError(t, err)
			require.Equal(t, sel, again)
		})
	}
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "front", "cores": "8", "empty": "", "bad": "x1"}
	tests := []struct {
		name     string
		selector string
		want     bool
	}{
		{"everything", "", true},
		{"equals", "app=web", true},
		{"equals other value", "app=db", false},
		{"equals absent", "zone=a", false},
		{"double equals", "app==web", true},
		{"equals empty value", "empty=", true},
		{"equals empty value absent", "zone=", false},
		{"not equals", "app!=db", true},
		{"not equals same", "app!=web", false},
		{"not equals absent", "zone!=a", true},
		{"in", "tier in (back,front)", true},
		{"in miss", "tier in (back)", false},
		{"in absent", "zone in (a)", false},
		{"notin", "tier notin (back)", true},
		{"notin hit", "tier notin (back,front)", false},
		{"notin absent", "zone notin (a)", true},
		{"exists", "tier", true},
		{"exists empty value", "empty", true},
		{"exists absent", "zone", false},
		{"does not exist", "!zone", true},
		{"does not exist present", "!tier", false},
		{"gt", "cores>4", true},
		{"gt equal", "cores>8", false},
		{"lt", "cores<10", true},
		{"lt false", "cores<8", false},
		{"gt absent", "zone>1", false},
		{"gt non-integer label", "bad>0", false},
		{"lt non-integer label", "bad<0", false},
		{"conjunction", "app=web,tier in (front),!zone,cores>1", true},
		{"conjunction one fails", "app=web,tier in (front),zone", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseSelector(tt.selector)
			require.NoError(t, err)
			require.Equal(t, tt.want, sel.Matches(labels))
		})
	}
	t.Run("nil labels", func(t *testing.T) {
		sel, err := ParseSelector("!a,b notin (c)")
		require.NoError(t, err)
		require.True(t, sel.Matches(nil))
	})
}

func TestEverythingNothing(t *testing.T) {
	var zero Selector
	for name, s := range map[string]Selector{"zero": zero, "Everything": Everything()} {
		t.Run(name, func(t *testing.T) {
			require.True(t, s.Empty())
			require.True(t, s.Matches(nil))
			require.True(t, s.Matches(map[string]string{"a": "b"}))
			require.Equal(t, "", s.String())
			require.Nil(t, s.Requirements())
			require.Nil(t, s.EqualityTerms())
		})
	}
	t.Run("Nothing", func(t *testing.T) {
		s := Nothing()
		require.False(t, s.Empty())
		require.False(t, s.Matches(nil))
		require.False(t, s.Matches(map[string]string{"a": "b"}))
		require.Equal(t, "", s.String())
		require.Nil(t, s.Requirements())
	})
}

func TestSelectorFromSet(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want string
	}{
		{"nil", nil, ""},
		{"empty", map[string]string{}, ""},
		{"sorted", map[string]string{"b": "2", "a": "1", "c": ""}, "a=1,b=2,c="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SelectorFromSet(tt.set)
			require.Equal(t, tt.want, s.String())
			require.Equal(t, len(tt.set) == 0, s.Empty())
			require.True(t, s.Matches(tt.set))
		})
	}
	t.Run("does not retain the map", func(t *testing.T) {
		set := map[string]string{"a": "1"}
		s := SelectorFromSet(set)
		set["a"] = "2"
		require.Equal(t, "a=1", s.String())
	})
}

func TestSelectorFromLabelSelector(t *testing.T) {
	tests := []struct {
		name    string
		in      *LabelSelector
		want    string
		nothing bool
		err     string
	}{
		{name: "nil is nothing", in: nil, nothing: true},
		{name: "empty is everything", in: &LabelSelector{}, want: ""},
		{name: "empty maps are everything", in: &LabelSelector{MatchLabels: map[string]string{},
			MatchExpressions: []LabelSelectorRequirement{}}, want: ""},
		{name: "match labels", in: &LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"}},
			want: "a=1,b=2"},
		{name: "all operators", in: &LabelSelector{
			MatchLabels: map[string]string{"app": "web"},
			MatchExpressions: []LabelSelectorRequirement{
				{Key: "tier", Operator: LabelSelectorOpIn, Values: []string{"front", "back", "front"}},
				{Key: "zone", Operator: LabelSelectorOpNotIn, Values: []string{"a"}},
				{Key: "gpu", Operator: LabelSelectorOpExists},
				{Key: "spot", Operator: LabelSelectorOpDoesNotExist},
			}}, want: "app=web,gpu,!spot,tier in (back,front),zone notin (a)"},
		{name: "unknown operator", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: "Gt", Values: []string{"1"}}}},
			err: `"Gt" is not a valid label selector operator`},
		{name: "lowercase operator", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: "in", Values: []string{"1"}}}},
			err: `"in" is not a valid label selector operator`},
		{name: "in without values", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: LabelSelectorOpIn}}},
			err: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
		{name: "notin with empty values", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: LabelSelectorOpNotIn, Values: []string{}}}},
			err: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
		{name: "exists with values", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: LabelSelectorOpExists, Values: []string{"x"}}}},
			err: `values: Invalid value: ["x"]: values set must be empty for exists and does not exist`},
		{name: "invalid key", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a$", Operator: LabelSelectorOpExists}}},
			err: `key: Invalid value: "a$": ` + labelKeyNameMsg},
		{name: "invalid match label value", in: &LabelSelector{MatchLabels: map[string]string{"a": "b c"}},
			err: `values[0][a]: Invalid value: "b c": ` + labelValueProblem},
		{name: "invalid expression value index", in: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: LabelSelectorOpIn, Values: []string{"ok", "not ok"}}}},
			err: `values[1][a]: Invalid value: "not ok": ` + labelValueProblem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SelectorFromLabelSelector(tt.in)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			if tt.nothing {
				require.Equal(t, Nothing(), s)
				return
			}
			require.Equal(t, tt.want, s.String())
		})
	}
	t.Run("does not retain values", func(t *testing.T) {
		ls := &LabelSelector{MatchExpressions: []LabelSelectorRequirement{
			{Key: "a", Operator: LabelSelectorOpIn, Values: []string{"x"}}}}
		s, err := SelectorFromLabelSelector(ls)
		require.NoError(t, err)
		ls.MatchExpressions[0].Values[0] = "y"
		require.True(t, s.Matches(map[string]string{"a": "x"}))
	})
}

func TestNewRequirement(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		op     SelectionOperator
		values []string
		want   Requirement
		err    string
	}{
		{name: "sorted and deduplicated", key: "a", op: OpIn, values: []string{"c", "b", "c"},
			want: Requirement{Key: "a", Operator: OpIn, Values: []string{"b", "c"}}},
		{name: "exists", key: "a", op: OpExists, want: Requirement{Key: "a", Operator: OpExists}},
		{name: "equals needs one value", key: "a", op: OpEquals, values: []string{"x", "y"},
			err: `values: Invalid value: ["x","y"]: exact-match compatibility requires one single value`},
		{name: "gt needs one value", key: "a", op: OpGreaterThan,
			err: "values: Invalid value: null: for 'Gt', 'Lt' operators, exactly one value is required"},
		{name: "unknown operator", key: "a", op: "~",
			err: `operator: Unsupported value: "~": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`},
		{name: "empty key", key: "", op: OpExists,
			err: `key: Invalid value: "": name part must be non-empty; ` + labelKeyNameMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRequirement(tt.key, tt.op, tt.values)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, r)
		})
	}
	t.Run("does not modify values", func(t *testing.T) {
		values := []string{"b", "a"}
		_, err := NewRequirement("k", OpIn, values)
		require.NoError(t, err)
		require.Equal(t, []string{"b", "a"}, values)
	})
}

func TestRequirementString(t *testing.T) {
	tests := []struct {
		name string
		r    Requirement
		want string
	}{
		{"equals", Requirement{Key: "a", Operator: OpEquals, Values: []string{"b"}}, "a=b"},
		{"unsorted values are printed sorted", Requirement{Key: "a", Operator: OpNotIn, Values: []string{"z", "y"}},
			"a notin (y,z)"},
		{"exists", Requirement{Key: "a", Operator: OpExists}, "a"},
		{"does not exist", Requirement{Key: "a", Operator: OpDoesNotExist}, "!a"},
		{"lt", Requirement{Key: "a", Operator: OpLessThan, Values: []string{"2"}}, "a<2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.r.String())
		})
	}
}

func TestSelectorRequirementsIsACopy(t *testing.T) {
	sel, err := ParseSelector("a in (x,y)")
	require.NoError(t, err)
	reqs := sel.Requirements()
	require.Equal(t, []Requirement{{Key: "a", Operator: OpIn, Values: []string{"x", "y"}}}, reqs)
	reqs[0].Values[0] = "changed"
	reqs[0].Key = "changed"
	require.Equal(t, "a in (x,y)", sel.String())
}

func TestEqualityTerms(t *testing.T) {
	tests := []struct {
		name     string
		selector string
		want     []LabelTerm
	}{
		{"none", "a!=b,c,!d,e notin (f),g>1", nil},
		{"equals kinds", "z==2,b in (x),a=1", []LabelTerm{{"a", "1"}, {"b", "x"}, {"z", "2"}}},
		{"in with two values is not pinned", "a in (x,y)", nil},
		{"empty value counts", "a=", []LabelTerm{{"a", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseSelector(tt.selector)
			require.NoError(t, err)
			require.Equal(t, tt.want, sel.EqualityTerms())
		})
	}
}

func TestParseInt64MatchesStrconv(t *testing.T) {
	inputs := []string{"", "+", "-", "0", "-0", "+0", "007", "42", "-42", "+42", "1_000", "0x10", " 1", "1 ",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "--1", "1a"}
	for _, in := range inputs {
		t.Run(strconv.Quote(in), func(t *testing.T) {
			want, err := strconv.ParseInt(in, 10, 64)
			got, ok := parseInt64(in)
			require.Equal(t, err == nil, ok)
			if ok {
				require.Equal(t, want, got)
			}
		})
	}
}

// FuzzParseSelector checks that parsing never panics and that a parsed selector survives a round trip through
// its String form.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"", "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3", "in in (in)", "a in (,)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		out := sel.String()
		again, err := ParseSelector(out)
		if err != nil {
			t.Fatalf("ParseSelector(%q).String() = %q does not parse: %v", s, out, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q became %q", s, out, again.String())
		}
		for _, r := range sel.Requirements() {
			if r.Key == "" {
				t.Fatalf("ParseSelector(%q) has a requirement with an empty key", s)
			}
		}
	})
}

func BenchmarkSelectorMatches(b *testing.B) {
	sel, err := ParseSelector("app=web,tier in (front,edge),!canary,env!=dev,cores>4")
	require.NoError(b, err)
	labels := map[string]string{"app": "web", "tier": "front", "env": "prod", "cores": "8", "team": "a"}
	b.ReportAllocs()
	for b.Loop() {
		if !sel.Matches(labels) {
			b.Fatal("no match")
		}
	}
}
