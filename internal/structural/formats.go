package structural

import (
	"encoding/hex"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file is the string formats kube-apiserver validates in custom resources: kube-openapi's strfmt registry
// restricted to the formats apiextensions-apiserver supports (others are ignored, as kube strips them).

// stringFormats are the supported string formats, by name without dashes (kube normalizes "date-time" to
// "datetime"), with their checks.
var stringFormats = map[string]func(string) bool{
	"bsonobjectid": isBSONObjectID,
	"uri":          isRequestURI,
	"email":        isEmail,
	"hostname":     isHostname,
	"ipv4":         func(s string) bool { return parseIPSloppy(s) != nil && strings.Contains(s, ".") },
	"ipv6":         func(s string) bool { return net.ParseIP(s) != nil && strings.Contains(s, ":") },
	"cidr":         isCIDRSloppy,
	"mac":          func(s string) bool { _, err := net.ParseMAC(s); return err == nil },
	"uuid":         rxUUID.MatchString,
	"uuid3":        rxUUID3.MatchString,
	"uuid4":        rxUUID4.MatchString,
	"uuid5":        rxUUID5.MatchString,
	"isbn":         func(s string) bool { return isISBN(s, 10) || isISBN(s, 13) },
	"isbn10":       func(s string) bool { return isISBN(s, 10) },
	"isbn13":       func(s string) bool { return isISBN(s, 13) },
	"creditcard":   isCreditCard,
	"ssn":          func(s string) bool { return len(s) == 11 && rxSSN.MatchString(s) },
	"hexcolor":     rxHexColor.MatchString,
	"rgbcolor":     rxRGBColor.MatchString,
	"byte":         rxBase64.MatchString,
	"password":     func(string) bool { return true },
	"date":         isDate,
	"duration":     isDuration,
	"datetime":     isDateTime,
	"quantity":     isQuantity,
	"k8sshortname": func(s string) bool { return len(s) <= 63 && rxShortName.MatchString(s) },
	"k8slongname":  func(s string) bool { return len(s) <= 253 && rxLongName.MatchString(s) },
}

// supportedFormat returns format when kube-apiserver validates it for a schema of the given types, and "" when kube
// strips it: string formats for no type or string (or int-or-string), int32/int64 for integer, float/double for
// number, nothing for other types.
func supportedFormat(types []string, format string) string {
	if format == "" {
		return ""
	}
	schemaType := ""
	if len(types) == 1 {
		schemaType = types[0]
	}
	switch schemaType {
	case "", "string":
		if _, ok := stringFormats[strings.ReplaceAll(format, "-", "")]; ok {
			return format
		}
	case "integer":
		if format == "int32" || format == "int64" {
			return format
		}
	case "number":
		if format == "float" || format == "double" {
			return format
		}
	}
	return ""
}

// isStringFormat reports whether format is a registered string format, which kube-openapi checks string values
// against.
func isStringFormat(format string) bool {
	_, ok := stringFormats[strings.ReplaceAll(format, "-", "")]
	return format != "" && ok
}

// validFormat reports whether the string data is valid for the string format.
func validFormat(format, data string) bool {
	check, ok := stringFormats[strings.ReplaceAll(format, "-", "")]
	return !ok || check(data)
}

var (
	rxUUID      = regexp.MustCompile(`(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$`)
	rxUUID3     = regexp.MustCompile(`(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$`)
	rxUUID4     = regexp.MustCompile(`(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`)
	rxUUID5     = regexp.MustCompile(`(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`)
	rxHostname  = regexp.MustCompile(`^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$`)
	rxSSN       = regexp.MustCompile(`^\d{3}[- ]?\d{2}[- ]?\d{4}$`)
	rxHexColor  = regexp.MustCompile(`^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	rxRGBColor  = regexp.MustCompile(`^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$`)
	rxBase64    = regexp.MustCompile(`^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})$`)
	rxISBN10    = regexp.MustCompile(`^(?:[0-9]{9}X|[0-9]{10})$`)
	rxISBN13    = regexp.MustCompile(`^(?:[0-9]{13})$`)
	rxISBNSpace = regexp.MustCompile(`[\s-]+`)
	rxNotDigit  = regexp.MustCompile(`[^0-9]+`)
	rxCard      = regexp.MustCompile(`^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$`)
	rxDateTime  = regexp.MustCompile(`^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$`)
	rxShortName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	rxLongName  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	rxDuration  = regexp.MustCompile(`^\s*(?:\d+\s*[A-Za-zµ]+\s*)+$`)
	rxDurPart   = regexp.MustCompile(`((\d+)\s*([A-Za-zµ]+))`)
)

func isBSONObjectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func isRequestURI(s string) bool {
	_, err := url.ParseRequestURI(s)
	return err == nil
}

func isEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address != ""
}

func isHostname(s string) bool {
	if !rxHostname.MatchString(s) || len(s) > 255 {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if len(p) > 63 {
			return false
		}
	}
	return true
}

// parseIPSloppy is k8s.io/utils/net.ParseIPSloppy: Go's net.ParseIP before 1.17, which accepts leading zeros in
// IPv4 octets.
func parseIPSloppy(s string) net.IP {
	if strings.Contains(s, ":") {
		return net.ParseIP(s)
	}
	return parseIPv4Sloppy(s)
}

func parseIPv4Sloppy(s string) net.IP {
	var p [4]byte
	for i := range p {
		if s == "" {
			return nil
		}
		if i > 0 {
			if s[0] != '.' {
				return nil
			}
			s = s[1:]
		}
		n, c, ok := dtoi(s)
		if !ok || n > 0xFF {
			return nil
		}
		s = s[c:]
		p[i] = byte(n)
	}
	if s != "" {
		return nil
	}
	return net.IPv4(p[0], p[1], p[2], p[3])
}

// dtoi reads a decimal number at the start of s: its value, the bytes consumed and whether there was one.
func dtoi(s string) (n, i int, ok bool) {
	const big = 0xFFFFFF
	for i = 0; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n >= big {
			return big, i, false
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	return n, i, true
}

func isCIDRSloppy(s string) bool {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return false
	}
	addr, mask := s[:i], s[i+1:]
	bits := 128
	ip := parseIPv4Sloppy(addr)
	if ip != nil {
		bits = 32
	} else {
		ip = net.ParseIP(addr)
	}
	n, c, ok := dtoi(mask)
	return ip != nil && ok && c == len(mask) && n <= bits
}

func isISBN(s string, version int) bool {
	s = rxISBNSpace.ReplaceAllString(s, "")
	var sum int32
	switch version {
	case 10:
		if !rxISBN10.MatchString(s) {
			return false
		}
		for i := int32(0); i < 9; i++ {
			sum += (i + 1) * int32(s[i]-'0')
		}
		if s[9] == 'X' {
			sum += 100
		} else {
			sum += 10 * int32(s[9]-'0')
		}
		return sum%11 == 0
	default:
		if !rxISBN13.MatchString(s) {
			return false
		}
		factor := []int32{1, 3}
		for i := 0; i < 12; i++ {
			sum += factor[i%2] * int32(s[i]-'0')
		}
		return int32(s[12]-'0')-((10-(sum%10))%10) == 0
	}
}

func isCreditCard(s string) bool {
	s = rxNotDigit.ReplaceAllString(s, "")
	if !rxCard.MatchString(s) {
		return false
	}
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d >= 10 {
				d = d%10 + 1
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// isDateTime is strfmt's IsDateTime: an RFC 3339 full-date, "t" and a time with a "z" or numeric offset.
func isDateTime(s string) bool {
	if len(s) < 4 {
		return false
	}
	parts := strings.Split(strings.ToLower(s), "t")
	if len(parts) < 2 || !isDate(parts[0]) {
		return false
	}
	m := rxDateTime.FindStringSubmatch(parts[1])
	return m != nil && m[1] <= "23" && m[2] <= "59" && m[3] <= "59"
}

// isDuration is strfmt's ParseDuration: Go's time.ParseDuration or a sequence of "<n> <unit>" with units such as
// "ns", "ms", "s", "min", "hour", "d", "week".
func isDuration(s string) bool {
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	if !rxDuration.MatchString(s) {
		return false
	}
	units := [][]string{{"ns", "nano"}, {"us", "µs", "micro"}, {"ms", "milli"}, {"s", "sec"}, {"m", "min"},
		{"h", "hr", "hour"}, {"d", "day"}, {"w", "wk", "week"}}
	ok := false
	for _, m := range rxDurPart.FindAllStringSubmatch(s, -1) {
		if _, err := strconv.Atoi(m[2]); err != nil {
			return false
		}
		unit := strings.ToLower(strings.TrimSpace(m[3]))
		for _, variants := range units {
			last := len(variants) - 1
			for i, v := range variants {
				if (i == last && strings.HasPrefix(unit, v)) || strings.EqualFold(v, unit) {
					ok = true
				}
			}
		}
	}
	return ok
}

var rxQuantityNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// isQuantity is apimachinery's resource.ParseQuantity succeeding: a signed decimal number and a suffix that is
// decimal SI (m, k, M, ...), binary SI (Ki, Mi, ...) or a decimal exponent (e3, E-2).
func isQuantity(s string) bool {
	if s == "" {
		return false
	}
	num, suffix, ok := splitQuantity(s)
	if !ok {
		return false
	}
	if num != "0" && num != "+0" && num != "-0" && !rxQuantityNumber.MatchString(num) {
		return false
	}
	switch suffix {
	case "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
		return true
	}
	if len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E') {
		_, err := strconv.ParseInt(suffix[1:], 10, 32)
		return err == nil
	}
	return false
}

// splitQuantity is apimachinery's parseQuantityString: the numeric text and the suffix.
func splitQuantity(s string) (num, suffix string, ok bool) {
	pos, end := 0, len(s)
	if s[0] == '-' || s[0] == '+' {
		pos++
	}
	for pos < end && s[pos] == '0' {
		pos++
	}
	if pos >= end {
		return "0", "", true
	}
	for pos < end && s[pos] >= '0' && s[pos] <= '9' {
		pos++
	}
	if pos < end && s[pos] == '.' {
		pos++
		for pos < end && s[pos] >= '0' && s[pos] <= '9' {
			pos++
		}
	}
	num = s[:pos]
	start := pos
	for pos < end && strings.IndexByte("eEinumkKMGTP", s[pos]) >= 0 {
		pos++
	}
	if pos < end && (s[pos] == '-' || s[pos] == '+') {
		pos++
	}
	for pos < end && s[pos] >= '0' && s[pos] <= '9' {
		pos++
	}
	if pos < end {
		return "", "", false
	}
	return num, s[start:], true
}
