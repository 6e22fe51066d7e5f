package types

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFieldSelector(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []FieldRequirement
		str  string // canonical String()
		err  string // exact error text
	}{
		{name: "empty", in: "", str: ""},
		{name: "only commas", in: ",,", str: ""},
		{name: "equals", in: "metadata.name=web", str: "metadata.name=web",
			want: []FieldRequirement{{Field: "metadata.name", Operator: OpEquals, Value: "web"}}},
		{name: "double equals reads as equals", in: "metadata.name==web", str: "metadata.name=web",
			want: []FieldRequirement{{Field: "metadata.name", Operator: OpEquals, Value: "web"}}},
		{name: "not equals", in: "status.phase!=Running", str: "status.phase!=Running",
			want: []FieldRequirement{{Field: "status.phase", Operator: OpNotEquals, Value: "Running"}}},
		{name: "terms sorted by text", in: "status.phase!=Running,metadata.name=web",
			str: "metadata.name=web,status.phase!=Running",
			want: []FieldRequirement{
				{Field: "metadata.name", Operator: OpEquals, Value: "web"},
				{Field: "status.phase", Operator: OpNotEquals, Value: "Running"},
			}},
		{name: "ordered as printed, double equals included", in: "b==0,b=1", str: "b=0,b=1",
			want: []FieldRequirement{
				{Field: "b", Operator: OpEquals, Value: "0"},
				{Field: "b", Operator: OpEquals, Value: "1"},
			}},
		{name: "empty value", in: "spec.nodeName=", str: "spec.nodeName=",
			want: []FieldRequirement{{Field: "spec.nodeName", Operator: OpEquals, Value: ""}}},
		{name: "empty terms skipped", in: ",a=b,,", str: "a=b",
			want: []FieldRequirement{{Field: "a", Operator: OpEquals, Value: "b"}}},
		{name: "empty field and value dropped", in: "=,!=,a=b", str: "a=b",
			want: []FieldRequirement{{Field: "a", Operator: OpEquals, Value: "b"}}},
		{name: "empty field kept when value set", in: "=x", str: "=x",
			want: []FieldRequirement{{Field: "", Operator: OpEquals, Value: "x"}}},
		{name: "escaped comma", in: `a=x\,y`, str: `a=x\,y`,
			want: []FieldRequirement{{Field: "a", Operator: OpEquals, Value: "x,y"}}},
		{name: "escaped equals and backslash", in: `a=\=\\`, str: `a=\=\\`,
			want: []FieldRequirement{{Field: "a", Operator: OpEquals, Value: `=\`}}},
		{name: "bang in value needs no escape", in: "a=!b", str: "a=!b",
			want: []FieldRequirement{{Field: "a", Operator: OpEquals, Value: "!b"}}},
		{name: "first operator splits", in: "a!!=b", str: "a!!=b",
			want: []FieldRequirement{{Field: "a!", Operator: OpNotEquals, Value: "b"}}},
		{name: "spaces are data", in: "a = b", str: "a = b",
			want: []FieldRequirement{{Field: "a ", Operator: OpEquals, Value: " b"}}},

		{name: "no operator", in: "a=b,c", err: "invalid selector: 'a=b,c'; can't understand 'c'"},
		{name: "unescaped equals", in: "a=b=c", err: "invalid field selector: unescaped character in value: 61"},
		{name: "unescaped equals after double", in: "a===b",
			err: "invalid field selector: unescaped character in value: 61"},
		{name: "unknown escape", in: `a=\x`, err: `invalid field selector: invalid escape sequence: \x`},
		{name: "escaped bang is not an escape", in: `a=\!`, err: `invalid field selector: invalid escape sequence: \!`},
		{name: "trailing backslash", in: `a=b\`, err: `invalid field selector: invalid escape sequence: \`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.in)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, sel.Requirements())
			require.Equal(t, tt.str, sel.String())
			require.Equal(t, len(tt.want) == 0, sel.Empty())
			again, err := ParseFieldSelector(sel.String())
			require.NoError(t, err)
			require.Equal(t, sel.Requirements(), again.Requirements())
		})
	}
}

func TestFieldSelectorMatches(t *testing.T) {
	fields := map[string]string{"metadata.name": "web", "metadata.namespace": "prod", "status.phase": "Running"}
	get := func(f string) string { return fields[f] }
	tests := []struct {
		name     string
		selector string
		want     bool
	}{
		{"everything", "", true},
		{"equals", "metadata.name=web", true},
		{"equals other", "metadata.name=db", false},
		{"double equals", "metadata.name==web", true},
		{"not equals", "status.phase!=Pending", true},
		{"not equals same", "status.phase!=Running", false},
		{"absent field is empty", "spec.nodeName=", true},
		{"absent field not equal", "spec.nodeName!=node-1", true},
		{"absent field equals", "spec.nodeName=node-1", false},
		{"conjunction", "metadata.name=web,metadata.namespace=prod,status.phase!=Failed", true},
		{"conjunction one fails", "metadata.name=web,metadata.namespace=dev", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.selector)
			require.NoError(t, err)
			require.Equal(t, tt.want, sel.Matches(get))
		})
	}
	t.Run("zero value", func(t *testing.T) {
		var sel FieldSelector
		require.True(t, sel.Empty())
		require.True(t, sel.Matches(get))
		require.Equal(t, "", sel.String())
		require.Nil(t, sel.Requirements())
	})
}

func TestFieldSelectorRequiresExactMatch(t *testing.T) {
	tests := []struct {
		name      string
		selector  string
		field     string
		wantValue string
		wantFound bool
	}{
		{"equals", "metadata.name=web,status.phase!=Running", "metadata.name", "web", true},
		{"double equals", "metadata.name==web", "metadata.name", "web", true},
		{"empty value", "spec.nodeName=", "spec.nodeName", "", true},
		{"not equals is not exact", "status.phase!=Running", "status.phase", "", false},
		{"other field", "metadata.name=web", "metadata.namespace", "", false},
		{"empty selector", "", "metadata.name", "", false},
		{"first in printed order wins", "a=y,a=x", "a", "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.selector)
			require.NoError(t, err)
			value, found := sel.RequiresExactMatch(tt.field)
			require.Equal(t, tt.wantValue, value)
			require.Equal(t, tt.wantFound, found)
		})
	}
}

func TestFieldSelectorRequirementsIsACopy(t *testing.T) {
	sel, err := ParseFieldSelector("a=b")
	require.NoError(t, err)
	reqs := sel.Requirements()
	reqs[0].Value = "changed"
	require.Equal(t, "a=b", sel.String())
}

// FuzzParseFieldSelector checks that parsing never panics and that a parsed selector survives a round trip
// through its String form.
func FuzzParseFieldSelector(f *testing.F) {
	for _, s := range []string{"", "metadata.name=x,status.phase!=Running", `a=x\,y\=z\\`, "a!!=b", "=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseFieldSelector(s)
		if err != nil {
			return
		}
		out := sel.String()
		again, err := ParseFieldSelector(out)
		if err != nil {
			t.Fatalf("ParseFieldSelector(%q).String() = %q does not parse: %v", s, out, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q became %q", s, out, again.String())
		}
		if len(again.Requirements()) != len(sel.Requirements()) {
			t.Fatalf("round trip of %q changed the number of requirements", s)
		}
	})
}

func BenchmarkFieldSelectorMatches(b *testing.B) {
	sel, err := ParseFieldSelector("metadata.namespace=prod,status.phase!=Failed,spec.nodeName=node-1")
	require.NoError(b, err)
	fields := map[string]string{"metadata.namespace": "prod", "status.phase": "Running", "spec.nodeName": "node-1"}
	get := func(f string) string { return fields[f] }
	b.ReportAllocs()
	for b.Loop() {
		if !sel.Matches(get) {
			b.Fatal("no match")
		}
	}
}

func TestFieldSelectorTransform(t *testing.T) {
	s, err := ParseFieldSelector(`spec.host=a\,b,status.phase!=Running`)
	require.NoError(t, err)
	got, err := s.Transform(func(f string) (string, error) {
		if f == "spec.host" {
			return "spec.nodeName", nil
		}
		return f, nil
	})
	require.NoError(t, err)
	require.Equal(t, `spec.nodeName=a\,b,status.phase!=Running`, got.String())
	v, ok := got.RequiresExactMatch("spec.nodeName")
	require.True(t, ok)
	require.Equal(t, "a,b", v)
	require.Equal(t, `spec.host=a\,b,status.phase!=Running`, s.String(), "the original is unchanged")
	_, err = s.Transform(func(string) (string, error) { return "", errors.New("no") })
	require.EqualError(t, err, "no")
}
