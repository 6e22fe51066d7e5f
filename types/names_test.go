package types

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	dns1123LabelProblem = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
		"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for " +
		"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	dns1123SubdomainProblem = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, " +
		"'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for " +
		"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	dns1035LabelProblem = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with " +
		"an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex " +
		"used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)

// checkNames runs one validator over a table of inputs and their exact expected problems (nil for valid).
func checkNames(t *testing.T, validate func(string) []string, tests map[string]struct {
	in   string
	want []string
}) {
	t.Helper()
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := validate(tt.in)
			if len(tt.want) == 0 {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tt.want, got)
		})
	}
}

type nameCase = struct {
	in   string
	want []string
}

func TestIsDNS1123Label(t *testing.T) {
	checkNames(t, IsDNS1123Label, map[string]nameCase{
		"simple":         {"my-name", nil},
		"digits first":   {"123-abc", nil},
		"one char":       {"a", nil},
		"max length":     {strings.Repeat("a", 63), nil},
		"empty":          {"", []string{dns1123LabelProblem}},
		"uppercase":      {"My-name", []string{dns1123LabelProblem}},
		"leading dash":   {"-a", []string{dns1123LabelProblem}},
		"trailing dash":  {"a-", []string{dns1123LabelProblem}},
		"underscore":     {"a_b", []string{dns1123LabelProblem}},
		"dots":           {"a.b", []string{"must not contain dots"}},
		"too long":       {strings.Repeat("a", 64), []string{"must be no more than 63 characters"}},
		"too long, dots": {strings.Repeat("a.", 32) + "a", []string{"must be no more than 63 characters", "must not contain dots"}},
	})
}

func TestIsDNS1123Subdomain(t *testing.T) {
	checkNames(t, IsDNS1123Subdomain, map[string]nameCase{
		"label":        {"web", nil},
		"dotted":       {"example.com", nil},
		"max length":   {strings.Repeat("a", 253), nil},
		"empty":        {"", []string{dns1123SubdomainProblem}},
		"empty label":  {"a..b", []string{dns1123SubdomainProblem}},
		"leading dot":  {".a", []string{dns1123SubdomainProblem}},
		"trailing dot": {"a.", []string{dns1123SubdomainProblem}},
		"dash at dot":  {"a-.b", []string{dns1123SubdomainProblem}},
		"uppercase":    {"Example.com", []string{dns1123SubdomainProblem}},
		"too long":     {strings.Repeat("a", 254), []string{"must be no more than 253 characters"}},
	})
}

func TestIsDNS1035Label(t *testing.T) {
	checkNames(t, IsDNS1035Label, map[string]nameCase{
		"simple":        {"my-name", nil},
		"letters first": {"abc-123", nil},
		"digit first":   {"1abc", []string{dns1035LabelProblem}},
		"empty":         {"", []string{dns1035LabelProblem}},
		"dots":          {"a.b", []string{dns1035LabelProblem}},
		"too long":      {strings.Repeat("a", 64), []string{"must be no more than 63 characters"}},
	})
}

func TestIsQualifiedName(t *testing.T) {
	checkNames(t, IsQualifiedName, map[string]nameCase{
		"simple":          {"app", nil},
		"mixed":           {"My_Name.v-1", nil},
		"prefixed":        {"example.com/MyName", nil},
		"max name length": {strings.Repeat("a", 63), nil},
		"empty":           {"", []string{"name part must be non-empty", labelKeyNameMsg}},
		"bad name":        {"-a", []string{labelKeyNameMsg}},
		"name too long":   {strings.Repeat("a", 64), []string{"name part must be no more than 63 bytes"}},
		"empty prefix":    {"/a", []string{"prefix part must be non-empty"}},
		"empty name":      {"a/", []string{"name part must be non-empty", labelKeyNameMsg}},
		"bad prefix":      {"Example.com/a", []string{"prefix part " + dns1123SubdomainProblem}},
		"prefix too long": {strings.Repeat("a", 254) + "/a", []string{"prefix part must be no more than 253 bytes"}},
		"two slashes": {"a/b/c", []string{"a valid label key must consist of alphanumeric characters, '-', '_' or " +
			"'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " +
			"'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional " +
			"DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
	})
}

func TestIsValidLabelValue(t *testing.T) {
	checkNames(t, IsValidLabelValue, map[string]nameCase{
		"empty":          {"", nil},
		"simple":         {"MyValue", nil},
		"underscore":     {"my_value", nil},
		"digits":         {"12345", nil},
		"max length":     {strings.Repeat("v", 63), nil},
		"space":          {"a b", []string{labelValueProblem}},
		"leading dash":   {"-1", []string{labelValueProblem}},
		"slash":          {"a/b", []string{labelValueProblem}},
		"too long":       {strings.Repeat("v", 64), []string{"must be no more than 63 bytes"}},
		"too long, junk": {strings.Repeat("v", 64) + "$", []string{"must be no more than 63 bytes", labelValueProblem}},
	})
}

func TestIsValidPathSegmentName(t *testing.T) {
	checkNames(t, IsValidPathSegmentName, map[string]nameCase{
		"simple":      {"web", nil},
		"empty":       {"", nil},
		"dots inside": {"a..b", nil},
		"dot":         {".", []string{"may not be '.'"}},
		"dot dot":     {"..", []string{"may not be '..'"}},
		"slash":       {"a/b", []string{"may not contain '/'"}},
		"percent":     {"a%2F", []string{"may not contain '%'"}},
		"both":        {"a/%", []string{"may not contain '/'", "may not contain '%'"}},
	})
}

func TestNameValidators(t *testing.T) {
	tests := []struct {
		name     string
		validate func(string, bool) []string
		in       string
		prefix   bool
		want     []string
	}{
		{"subdomain", NameIsDNSSubdomain, "web.example", false, nil},
		{"subdomain trailing dash", NameIsDNSSubdomain, "web-", false, []string{dns1123SubdomainProblem}},
		{"subdomain prefix trailing dash", NameIsDNSSubdomain, "web-", true, nil},
		{"subdomain prefix lone dash", NameIsDNSSubdomain, "-", true, []string{dns1123SubdomainProblem}},
		{"subdomain prefix uppercase", NameIsDNSSubdomain, "Web-", true, []string{dns1123SubdomainProblem}},
		{"subdomain prefix dot dash", NameIsDNSSubdomain, "a.-", true, nil}, // checked as "aa", like upstream
		{"subdomain prefix too long", NameIsDNSSubdomain, strings.Repeat("a", 254), true,
			[]string{"must be no more than 253 characters"}},
		{"subdomain prefix one over with dash", NameIsDNSSubdomain, strings.Repeat("a", 253) + "-", true, nil},
		{"label", NameIsDNSLabel, "default", false, nil},
		{"label dots", NameIsDNSLabel, "a.b", false, []string{"must not contain dots"}},
		{"label prefix trailing dash", NameIsDNSLabel, "ns-", true, nil},
		{"label prefix trailing dash invalid", NameIsDNSLabel, "ns-", false, []string{dns1123LabelProblem}},
		{"1035", NameIsDNS1035Label, "svc", false, nil},
		{"1035 digit first", NameIsDNS1035Label, "1svc", false, []string{dns1035LabelProblem}},
		{"1035 prefix trailing dash", NameIsDNS1035Label, "svc-", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.validate(tt.in, tt.prefix)
			if len(tt.want) == 0 {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestValidNamesDoNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_ = IsDNS1123Subdomain("web.example.com")
		_ = IsDNS1123Label("web")
		_ = IsDNS1035Label("web")
		_ = IsQualifiedName("example.com/app")
		_ = IsValidLabelValue("v1")
		_ = IsValidPathSegmentName("web")
	})
	require.Zero(t, allocs)
}
