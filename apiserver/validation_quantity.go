package apiserver

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// Resource quantities as apimachinery's pkg/api/resource/quantity.go parses, compares and prints them: a quantity
// is kept exactly as an integer count of nano units (parsing rounds finer values up, as ParseQuantity does) with
// the format its suffix chose, and String gives the canonical form ("500m", "1Gi", "1536Mi", "1e3").

// quantityFormat is resource.Format.
type quantityFormat int

const (
	formatDecimalSI quantityFormat = iota
	formatBinarySI
	formatDecimalExponent
)

// valQuantity is a parsed resource.Quantity.
type valQuantity struct {
	nano   *big.Int // the value in units of 10^-9
	format quantityFormat
}

var (
	errQuantityFormat = errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
	errQuantitySuffix = errors.New("unable to parse quantity's suffix")
	bigTen            = big.NewInt(10)
	bigThousand       = big.NewInt(1000)
	bigBillion        = big.NewInt(1_000_000_000)
	big1024           = big.NewInt(1024)
)

// vQuantity reads a quantity member: a JSON string, or a JSON number (which resource.Quantity also accepts).
func vQuantity(v any) (valQuantity, error) {
	switch t := v.(type) {
	case string:
		return parseValQuantity(t)
	case int64:
		return parseValQuantity(strconv.FormatInt(t, 10))
	case float64:
		return parseValQuantity(strconv.FormatFloat(t, 'f', -1, 64))
	}
	return valQuantity{}, errQuantityFormat
}

// quantityText is the text of a quantity member for a bad value.
func quantityText(v any) any {
	switch t := v.(type) {
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return v
}

// parseValQuantity is resource.ParseQuantity.
func parseValQuantity(str string) (valQuantity, error) {
	if str == "" {
		return valQuantity{}, errQuantityFormat
	}
	if str == "0" {
		return valQuantity{nano: new(big.Int)}, nil
	}
	positive, num, denom, suffix, err := splitQuantity(str)
	if err != nil {
		return valQuantity{}, err
	}
	base, exponent, format, ok := interpretQuantitySuffix(suffix)
	if !ok {
		return valQuantity{}, errQuantitySuffix
	}
	// value = num.denom × base^exponent, in nano units: (num·10^len(denom) + denom) × base^exponent × 10^9 / 10^len(denom).
	mantissa, _ := new(big.Int).SetString(num+denom, 10)
	numer := new(big.Int).Mul(mantissa, bigBillion)
	denominator := new(big.Int).Exp(bigTen, big.NewInt(int64(len(denom))), nil)
	scale := new(big.Int).Exp(big.NewInt(int64(base)), big.NewInt(int64(vAbsInt(exponent))), nil)
	if exponent >= 0 {
		numer.Mul(numer, scale)
	} else {
		denominator.Mul(denominator, scale)
	}
	q, r := new(big.Int).QuoRem(numer, denominator, new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1)) // finer than a nano unit: round up
	}
	if !positive {
		q.Neg(q)
	}
	return valQuantity{nano: q, format: format}, nil
}

func vAbsInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// splitQuantity is apimachinery's parseQuantityString: sign, integer digits (leading zeros dropped), fraction
// digits and suffix.
func splitQuantity(str string) (positive bool, num, denom, suffix string, err error) {
	positive = true
	pos, end := 0, len(str)
	switch str[0] {
	case '-':
		positive = false
		pos++
	case '+':
		pos++
	}
	for pos < end && str[pos] == '0' {
		pos++
	}
	if pos >= end {
		return positive, "0", "", "", nil
	}
	start := pos
	for pos < end && str[pos] >= '0' && str[pos] <= '9' {
		pos++
	}
	num = str[start:pos]
	if num == "" {
		num = "0"
	}
	if pos < end && str[pos] == '.' {
		pos++
		start = pos
		for pos < end && str[pos] >= '0' && str[pos] <= '9' {
			pos++
		}
		denom = str[start:pos]
	}
	suffixStart := pos
	for pos < end && strings.IndexByte("eEinumkKMGTP", str[pos]) >= 0 {
		pos++
	}
	if pos < end && (str[pos] == '-' || str[pos] == '+') {
		pos++
	}
	for pos < end && str[pos] >= '0' && str[pos] <= '9' {
		pos++
	}
	if pos < end {
		return false, "", "", "", errQuantityFormat
	}
	return positive, num, denom, str[suffixStart:], nil
}

var decimalSuffixes = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
var binarySuffixes = map[string]int{"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

// interpretQuantitySuffix is the suffixer's interpret: the base, exponent and format of a suffix.
func interpretQuantitySuffix(s string) (base, exponent int, format quantityFormat, ok bool) {
	if e, ok := decimalSuffixes[s]; ok {
		return 10, e, formatDecimalSI, true
	}
	if e, ok := binarySuffixes[s]; ok {
		return 2, e, formatBinarySI, true
	}
	if len(s) > 1 && (s[0] == 'e' || s[0] == 'E') {
		e, err := strconv.ParseInt(s[1:], 10, 32)
		if err != nil {
			return 0, 0, 0, false
		}
		return 10, int(e), formatDecimalExponent, true
	}
	return 0, 0, 0, false
}

// Cmp compares q with o: -1, 0 or 1.
func (q valQuantity) Cmp(o valQuantity) int { return q.nano.Cmp(o.nano) }

// Sign returns -1, 0 or 1.
func (q valQuantity) Sign() int { return q.nano.Sign() }

// value is Quantity.Value: the value rounded up to an integer.
func (q valQuantity) value() *big.Int {
	v, r := new(big.Int).QuoRem(q.nano, bigBillion, new(big.Int))
	if r.Sign() > 0 {
		v.Add(v, big.NewInt(1))
	}
	return v
}

// isMilliIntegral reports whether MilliValue()%1000 == 0, i.e. the value is a whole number of units after
// rounding up to milli units.
func (q valQuantity) isMilliIntegral() bool {
	milli, r := new(big.Int).QuoRem(q.nano, big.NewInt(1_000_000), new(big.Int))
	if r.Sign() > 0 {
		milli.Add(milli, big.NewInt(1))
	}
	return new(big.Int).Rem(milli, bigThousand).Sign() == 0
}

// String is Quantity.String, the canonical form.
func (q valQuantity) String() string {
	if q.nano.Sign() == 0 {
		return "0"
	}
	format := q.format
	if format == formatBinarySI {
		abs := new(big.Int).Abs(q.nano)
		if abs.Cmp(new(big.Int).Mul(big1024, bigBillion)) < 0 {
			format = formatDecimalSI // below 1024: decimal, to avoid rounding
		} else if new(big.Int).Rem(abs, bigBillion).Sign() != 0 {
			format = formatDecimalSI // not a whole number: decimal, not to lose precision
		}
	}
	if format == formatBinarySI {
		v := new(big.Int).Quo(q.nano, bigBillion)
		exp := 0
		r := new(big.Int)
		for {
			d, m := new(big.Int).QuoRem(v, big1024, r)
			if m.Sign() != 0 || d.Sign() == 0 {
				break
			}
			v, exp = d, exp+10
		}
		for s, e := range binarySuffixes {
			if e == exp {
				return v.String() + s
			}
		}
		return v.String()
	}
	// Remove factors of ten, then bring the exponent to a multiple of three.
	m := new(big.Int).Set(q.nano)
	exp := -9
	r := new(big.Int)
	for {
		d, rem := new(big.Int).QuoRem(m, bigTen, r)
		if rem.Sign() != 0 {
			break
		}
		m, exp = d, exp+1
	}
	switch ((exp % 3) + 3) % 3 {
	case 1:
		m.Mul(m, bigTen)
		exp--
	case 2:
		m.Mul(m, big.NewInt(100))
		exp -= 2
	}
	if format == formatDecimalExponent {
		if exp == 0 {
			return m.String()
		}
		return m.String() + "e" + strconv.Itoa(exp)
	}
	for s, e := range decimalSuffixes {
		if e == exp {
			return m.String() + s
		}
	}
	return m.String() // kube-apiserver prints no suffix beyond E (10^18) either
}

// goMapKeys name members that are Go maps rather than structs, whose entries count even when zero
// ({"a": ""} differs from {}); quantityMapKeys those maps whose values are resource quantities; quantityKeys
// members holding one quantity. vSemanticEqual compares quantities numerically, as apiequality.Semantic compares
// resource.Quantity.
var (
	goMapKeys = map[string]bool{"labels": true, "annotations": true, "nodeSelector": true, "matchLabels": true,
		"data": true, "binaryData": true, "stringData": true, "limits": true, "requests": true, "overhead": true,
		"capacity": true, "allocatable": true, "hard": true, "used": true, "allocatedResources": true,
		"volumeAttributes": true, "options": true, "parameters": true}
	quantityMapKeys = map[string]bool{"limits": true, "requests": true, "overhead": true, "capacity": true,
		"allocatable": true, "hard": true, "used": true, "allocatedResources": true}
	quantityKeys = map[string]bool{"sizeLimit": true, "divisor": true}
)

// vSemanticEqual is apiequality.Semantic.DeepEqual on decoded JSON: an absent member, null, false, 0, "" and empty
// arrays and objects are all equal (they decode to the zero value of a Go field), numbers compare by value, and
// resource quantities by their amount.
//
// It is coarser than kube-apiserver's in one way: a pointer field set to its zero value (a *bool false) equals an
// absent one here, as the JSON carries no type information.
func vSemanticEqual(a, b any) bool { return vSemanticEqualAt("", a, b) }

// vSemanticEqualAt compares a and b, the values of member key.
func vSemanticEqualAt(key string, a, b any) bool {
	a, b = plainJSON(a), plainJSON(b)
	if quantityKeys[key] && a != nil && b != nil {
		if eq, ok := quantityEqual(a, b); ok {
			return eq
		}
	}
	za, zb := jsonZeroAt(key, a), jsonZeroAt(key, b)
	if za || zb {
		return za && zb
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		if goMapKeys[key] {
			if len(x) != len(y) {
				return false
			}
			for k, v := range x {
				w, ok := y[k]
				if !ok {
					return false
				}
				if quantityMapKeys[key] {
					if eq, ok := quantityEqual(v, w); ok {
						if !eq {
							return false
						}
						continue
					}
				}
				if !vSemanticEqualAt("", v, w) {
					return false
				}
			}
			return true
		}
		for k, v := range x {
			if !vSemanticEqualAt(k, v, y[k]) {
				return false
			}
		}
		for k, v := range y {
			if _, seen := x[k]; !seen && !vSemanticEqualAt(k, nil, v) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !vSemanticEqualAt("", x[i], y[i]) {
				return false
			}
		}
		return true
	case int64, float64:
		fa, _ := vToFloat(a)
		fb, ok := vToFloat(b)
		return ok && fa == fb
	default:
		return reflect.DeepEqual(a, b)
	}
}

// quantityEqual compares two quantity values by amount; ok is false when either does not parse.
func quantityEqual(a, b any) (eq, ok bool) {
	qa, errA := vQuantity(a)
	qb, errB := vQuantity(b)
	if errA != nil || errB != nil {
		return false, false
	}
	return qa.Cmp(qb) == 0, true
}

func vToFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// jsonZeroAt reports whether v, the value of member key, decodes to a Go zero value: null, false, 0, "", an empty
// array, an empty map, or an object whose members are all zero (a struct).
func jsonZeroAt(key string, v any) bool {
	switch t := plainJSON(v).(type) {
	case nil:
		return true
	case bool:
		return !t
	case int64:
		return t == 0
	case float64:
		return t == 0 || math.IsNaN(t)
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		if goMapKeys[key] {
			return len(t) == 0
		}
		for k, e := range t {
			if !jsonZeroAt(k, e) {
				return false
			}
		}
		return true
	}
	return false
}
