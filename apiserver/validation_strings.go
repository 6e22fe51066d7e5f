package apiserver

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"unicode"

	"github.com/kubemem/kubemem/types"
)

// String checks of apimachinery pkg/util/validation/validation.go and ip.go that types/names.go does not hold
// (port names and numbers, config keys, environment variable names, percents, HTTP header names, IPs), with
// kube-apiserver's messages, and the field-error wrappers of pkg/apis/core/validation/validation.go
// (ValidateDNS1123Label, ValidateDNS1123Subdomain, ValidateQualifiedName).

const vMaxInt32 = 1<<31 - 1

// vRegexMessage is apimachinery's RegexError, double space after each example included.
func vRegexMessage(msg, re string, examples ...string) string {
	if len(examples) == 0 {
		return msg + " (regex used for validation is '" + re + "')"
	}
	var b strings.Builder
	b.WriteString(msg + " (e.g. ")
	for i, ex := range examples {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("'" + ex + "', ")
	}
	b.WriteString("regex used for validation is '" + re + "')")
	return b.String()
}

// inclusiveRangeMessage is apimachinery's InclusiveRangeError.
func inclusiveRangeMessage(lo, hi int64) string {
	return fmt.Sprintf("must be between %d and %d, inclusive", lo, hi)
}

// portNumMessages is IsValidPortNum.
func portNumMessages(port int64) []string {
	if port >= 1 && port <= 65535 {
		return nil
	}
	return []string{inclusiveRangeMessage(1, 65535)}
}

// portNameMessages is IsValidPortName: at most 15 of [-a-z0-9], at least one letter, no "--", no hyphen at
// either end.
func portNameMessages(port string) []string {
	var errs []string
	if len(port) > 15 {
		errs = append(errs, "must be no more than 15 characters")
	}
	charset, letter := port != "", false
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c >= 'a' && c <= 'z' {
			letter = true
		} else if !(c >= '0' && c <= '9' || c == '-') {
			charset = false
		}
	}
	if !charset {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !letter {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(port, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if port != "" && (port[0] == '-' || port[len(port)-1] == '-') {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

var configMapKeyMessage = vRegexMessage("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
	"[-._a-zA-Z0-9]+", "key.name", "KEY_NAME", "key-name")

// configMapKeyMessages is IsConfigMapKey: at most 253 of [-._a-zA-Z0-9], not ".", ".." or starting with "..".
func configMapKeyMessages(key string) []string {
	var errs []string
	if len(key) > types.DNS1123SubdomainMaxLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", types.DNS1123SubdomainMaxLength))
	}
	ok := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			ok = false
		}
	}
	if !ok {
		errs = append(errs, configMapKeyMessage)
	}
	switch {
	case key == ".":
		errs = append(errs, `must not be '.'`)
	case key == "..":
		errs = append(errs, `must not be '..'`)
	case strings.HasPrefix(key, ".."):
		errs = append(errs, `must not start with '..'`)
	}
	return errs
}

// relaxedEnvVarNameMessages is IsRelaxedEnvVarName, the rule for environment variable names since the
// RelaxedEnvironmentVariableValidation feature became the default: printable ASCII other than '='.
func relaxedEnvVarNameMessages(name string) []string {
	var errs []string
	if name == "" {
		errs = append(errs, "environment variable name must be non-empty")
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == '=' {
			errs = append(errs, "a valid environment variable name must consist only of printable ASCII characters other than '='")
			break
		}
	}
	return errs
}

var percentMessage = vRegexMessage("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")

// percentMessages is IsValidPercent.
func percentMessages(s string) []string {
	ok := len(s) >= 2 && s[len(s)-1] == '%'
	for i := 0; ok && i < len(s)-1; i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return []string{percentMessage}
	}
	return nil
}

var httpHeaderNameMessage = vRegexMessage("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name")

// httpHeaderNameMessages is IsHTTPHeaderName.
func httpHeaderNameMessages(s string) []string {
	ok := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			ok = false
		}
	}
	if !ok {
		return []string{httpHeaderNameMessage}
	}
	return nil
}

const dns1123SubdomainUnderscoreFmt = `_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*`

var (
	dns1123SubdomainUnderscoreRe  = regexp.MustCompile("^" + dns1123SubdomainUnderscoreFmt + "$")
	dns1123SubdomainUnderscoreMsg = vRegexMessage("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "+
		"characters, '_', '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainUnderscoreFmt, "example.com")
)

// dns1123SubdomainUnderscoreMessages is IsDNS1123SubdomainWithUnderscore.
func dns1123SubdomainUnderscoreMessages(s string) []string {
	var errs []string
	if len(s) > types.DNS1123SubdomainMaxLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", types.DNS1123SubdomainMaxLength))
	}
	if !dns1123SubdomainUnderscoreRe.MatchString(s) {
		errs = append(errs, dns1123SubdomainUnderscoreMsg)
	}
	return errs
}

// parseIPSloppy is k8s.io/utils/net ParseIPSloppy: net.ParseIP, but IPv4 octets may have leading zeros.
func parseIPSloppy(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 || strings.Contains(s, ":") {
		return nil
	}
	for i, p := range parts {
		trimmed := strings.TrimLeft(p, "0")
		if trimmed == "" && p != "" {
			trimmed = "0"
		}
		parts[i] = trimmed
	}
	return net.ParseIP(strings.Join(parts, "."))
}

// validateIP is IsValidIP.
func validateIP(path *types.FieldPath, s string) types.FieldErrorList {
	if parseIPSloppy(s) == nil {
		return types.FieldErrorList{types.FieldInvalid(path, s, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}
	}
	return nil
}

// validateCIDR is IsValidCIDR.
func validateCIDR(path *types.FieldPath, s string) types.FieldErrorList {
	ip, _, ok := strings.Cut(s, "/")
	if !ok || parseIPSloppy(ip) == nil {
		return types.FieldErrorList{types.FieldInvalid(path, s, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")}
	}
	if _, _, err := net.ParseCIDR(parseIPSloppy(ip).String() + "/" + s[len(ip)+1:]); err != nil {
		return types.FieldErrorList{types.FieldInvalid(path, s, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")}
	}
	return nil
}

// validateDNSLabel is ValidateDNS1123Label.
func validateDNSLabel(s string, path *types.FieldPath) types.FieldErrorList {
	return invalidEach(path, s, types.IsDNS1123Label(s))
}

// validateDNSSubdomain is ValidateDNS1123Subdomain.
func validateDNSSubdomain(s string, path *types.FieldPath) types.FieldErrorList {
	return invalidEach(path, s, types.IsDNS1123Subdomain(s))
}

// validateQualifiedName is ValidateQualifiedName.
func validateQualifiedName(s string, path *types.FieldPath) types.FieldErrorList {
	return invalidEach(path, s, types.IsQualifiedName(s))
}

// invalidEach reports each message as an Invalid error of value at path. (value is converted to the error's any
// only when there is a message: a valid value costs no allocation.)
func invalidEach[T any](path *types.FieldPath, value T, msgs []string) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, msg := range msgs {
		errs = append(errs, types.FieldInvalid(path, value, msg))
	}
	return errs
}
