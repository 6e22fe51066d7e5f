package types

import "strings"

// This file holds the name, key and value checks of k8s.io/apimachinery (pkg/util/validation and
// pkg/api/validate/content), written by hand instead of with regular expressions. Each check returns the
// problems it found as human-readable strings, with the exact wording kube-apiserver uses, and nil when the
// value is valid; a valid value costs no allocation.
//
// Two length wordings coexist upstream and are kept here: the DNS name checks say "characters", while the label
// key and label value checks (including a label key's DNS prefix) say "bytes".

// Maximum lengths enforced by the checks in this file.
const (
	// DNS1123LabelMaxLength is the longest valid DNS-1123 label, and the longest DNS-1035 label.
	DNS1123LabelMaxLength = 63
	// DNS1123SubdomainMaxLength is the longest valid DNS-1123 subdomain.
	DNS1123SubdomainMaxLength = 253
	// LabelValueMaxLength is the longest valid label value, and the longest name part of a qualified name.
	LabelValueMaxLength = 63
)

// Regular expressions are quoted in messages only; no check below runs them.
const (
	dns1123LabelFmt     = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
	dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
	dns1035LabelFmt     = "[a-z]([-a-z0-9]*[a-z0-9])?"
	labelKeyFmt         = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
	labelValueFmt       = "(" + labelKeyFmt + ")?"
)

var (
	dns1123LabelMsg = regexMessage("a lowercase RFC 1123 label must consist of lower case alphanumeric "+
		"characters or '-', and must start and end with an alphanumeric character",
		dns1123LabelFmt, "my-name", "123-abc")
	dns1123SubdomainMsg = regexMessage("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "+
		"characters, '-' or '.', and must start and end with an alphanumeric character",
		dns1123SubdomainFmt, "example.com")
	dns1035LabelMsg = regexMessage("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "+
		"start with an alphabetic character, and end with an alphanumeric character",
		dns1035LabelFmt, "my-name", "abc-123")
	labelKeyMsg = regexMessage("must consist of alphanumeric characters, '-', '_' or '.', and must start and "+
		"end with an alphanumeric character", labelKeyFmt, "MyName", "my.name", "123-abc")
	labelKeyShapeMsg = "a valid label key " + labelKeyMsg +
		" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
	labelValueMsg = regexMessage("a valid label must be an empty string or consist of alphanumeric characters, "+
		"'-', '_' or '.', and must start and end with an alphanumeric character",
		labelValueFmt, "MyValue", "my_value", "12345")
)

// regexMessage renders a failed pattern check the way apimachinery's RegexError does, double space included:
// "msg (e.g. 'a',  or 'b', regex used for validation is 're')".
func regexMessage(msg, re string, examples ...string) string {
	var b strings.Builder
	b.WriteString(msg)
	b.WriteString(" (e.g. ")
	for i, ex := range examples {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("'" + ex + "', ")
	}
	b.WriteString("regex used for validation is '" + re + "')")
	return b.String()
}

// maxLenMessage is the too-long message of the DNS name checks.
func maxLenMessage(n int) string { return "must be no more than " + itoa(n) + " characters" }

// maxBytesMessage is the too-long message of the label key and value checks.
func maxBytesMessage(n int) string { return "must be no more than " + itoa(n) + " bytes" }

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isLowerAlnum(c) || c >= 'A' && c <= 'Z' }

// isDNS1123LabelShape reports whether s matches [a-z0-9]([-a-z0-9]*[a-z0-9])?, ignoring length.
func isDNS1123LabelShape(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isDNS1123SubdomainShape reports whether s is one or more DNS-1123 label shapes joined by '.', ignoring length.
func isDNS1123SubdomainShape(s string) bool {
	for {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return isDNS1123LabelShape(s)
		}
		if !isDNS1123LabelShape(s[:i]) {
			return false
		}
		s = s[i+1:]
	}
}

// isLabelKeyShape reports whether s matches ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], ignoring length.
func isLabelKeyShape(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// IsDNS1123Label checks that value is a lowercase RFC 1123 label: at most 63 characters of [a-z0-9-], starting
// and ending with an alphanumeric character, as for namespace names. It returns the problems found, nil if none.
func IsDNS1123Label(value string) []string {
	var errs []string
	if len(value) > DNS1123LabelMaxLength {
		errs = append(errs, maxLenMessage(DNS1123LabelMaxLength))
	}
	if !isDNS1123LabelShape(value) {
		if isDNS1123SubdomainShape(value) {
			errs = append(errs, "must not contain dots")
		} else {
			errs = append(errs, dns1123LabelMsg)
		}
	}
	return errs
}

// IsDNS1123Subdomain checks that value is a lowercase RFC 1123 subdomain: at most 253 characters, one or more
// DNS-1123 labels joined by '.', as for most object names. It returns the problems found, nil if none.
func IsDNS1123Subdomain(value string) []string {
	return isDNS1123Subdomain(value, maxLenMessage)
}

func isDNS1123Subdomain(value string, tooLong func(int) string) []string {
	var errs []string
	if len(value) > DNS1123SubdomainMaxLength {
		errs = append(errs, tooLong(DNS1123SubdomainMaxLength))
	}
	if !isDNS1123SubdomainShape(value) {
		errs = append(errs, dns1123SubdomainMsg)
	}
	return errs
}

// IsDNS1035Label checks that value is an RFC 1035 label: at most 63 characters of [a-z0-9-], starting with a
// letter and ending with an alphanumeric character, as for service names. It returns the problems found, nil if
// none.
func IsDNS1035Label(value string) []string {
	var errs []string
	if len(value) > DNS1123LabelMaxLength {
		errs = append(errs, maxLenMessage(DNS1123LabelMaxLength))
	}
	if !isDNS1123LabelShape(value) || value[0] < 'a' || value[0] > 'z' {
		errs = append(errs, dns1035LabelMsg)
	}
	return errs
}

// IsQualifiedName checks that value is a valid label or annotation key: an optional DNS-1123 subdomain prefix
// and '/', then a name of at most 63 bytes of [A-Za-z0-9-_.] that starts and ends with an alphanumeric
// character ("app", "example.com/tier"). It returns the problems found, nil if none.
func IsQualifiedName(value string) []string {
	var errs []string
	name := value
	if i := strings.IndexByte(value, '/'); i >= 0 {
		prefix := value[:i]
		name = value[i+1:]
		if strings.IndexByte(name, '/') >= 0 {
			return []string{labelKeyShapeMsg}
		}
		if prefix == "" {
			errs = append(errs, "prefix part must be non-empty")
		} else {
			for _, msg := range isDNS1123Subdomain(prefix, maxBytesMessage) {
				errs = append(errs, "prefix part "+msg)
			}
		}
	}
	if name == "" {
		errs = append(errs, "name part must be non-empty")
	} else if len(name) > LabelValueMaxLength {
		errs = append(errs, "name part "+maxBytesMessage(LabelValueMaxLength))
	}
	if !isLabelKeyShape(name) {
		errs = append(errs, "name part "+labelKeyMsg)
	}
	return errs
}

// IsValidLabelValue checks that value is a valid label value: empty, or at most 63 bytes of [A-Za-z0-9-_.]
// starting and ending with an alphanumeric character. It returns the problems found, nil if none.
func IsValidLabelValue(value string) []string {
	var errs []string
	if len(value) > LabelValueMaxLength {
		errs = append(errs, maxBytesMessage(LabelValueMaxLength))
	}
	if value != "" && !isLabelKeyShape(value) {
		errs = append(errs, labelValueMsg)
	}
	return errs
}

// IsValidPathSegmentName checks that name can be used as one segment of a REST path: it may not be "." or "..",
// and may not contain '/' or '%'. It does not check for emptiness or length. It returns the problems found, nil if
// none.
func IsValidPathSegmentName(name string) []string {
	switch name {
	case ".":
		return []string{"may not be '.'"}
	case "..":
		return []string{"may not be '..'"}
	}
	var errs []string
	if strings.IndexByte(name, '/') >= 0 {
		errs = append(errs, "may not contain '/'")
	}
	if strings.IndexByte(name, '%') >= 0 {
		errs = append(errs, "may not contain '%'")
	}
	return errs
}

// NameIsDNSSubdomain checks an object name that must be a DNS-1123 subdomain (the rule for most kinds). With
// prefix true, name is a metadata.generateName prefix: see maskTrailingDash for how its trailing '-' is allowed.
// It returns the problems found, nil if none.
func NameIsDNSSubdomain(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return IsDNS1123Subdomain(name)
}

// NameIsDNSLabel checks an object name that must be a DNS-1123 label (namespaces, for example). With prefix true,
// name is a metadata.generateName prefix, as for NameIsDNSSubdomain. It returns the problems found, nil if none.
func NameIsDNSLabel(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return IsDNS1123Label(name)
}

// NameIsDNS1035Label checks an object name that must be a DNS-1035 label (services, for example). With prefix
// true, name is a metadata.generateName prefix, as for NameIsDNSSubdomain. It returns the problems found, nil if
// none.
func NameIsDNS1035Label(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return IsDNS1035Label(name)
}

// maskTrailingDash stands in for the random suffix a generateName prefix will receive, so that a prefix may end in
// '-'. Like apimachinery, when name is longer than one byte and ends in '-', it replaces the last two bytes (the
// dash and the byte before it) with "a": "web-" is checked as "wea", "a-" as "a". Other names are unchanged, so a
// lone "-" stays invalid.
func maskTrailingDash(name string) string {
	if len(name) > 1 && name[len(name)-1] == '-' {
		return name[:len(name)-2] + "a"
	}
	return name
}
