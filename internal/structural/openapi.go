package structural

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/kubemem/kubemem/types"
)

// This file reproduces kube-openapi's SchemaValidator (pkg/validation/validate) as apiextensions-apiserver uses
// it for custom resources: the validators run per node in kube's order (type, allOf/anyOf/oneOf/not, string,
// format, number, array, enum, object), errors carry kube-openapi's names and messages, and the match counts that
// pick the reported anyOf/oneOf branch are kept. Its errors are turned into field errors as
// kubeOpenAPIResultToFieldErrors does.

// code is the kind of a kube-openapi validation error (errors.Validation's code), which decides the field error
// it becomes.
type code int

const (
	codeComposite code = iota // a plain error (anyOf, oneOf, allOf, not): reported at the caller's path
	codeInvalidType
	codeRequired
	codeTooLong
	codeEnum
	codeMaxItems
	codeTooManyProperties
	codeOther // every other *errors.Validation: Invalid with kube-openapi's message
)

// vError is one kube-openapi error.
type vError struct {
	code   code
	name   string // the path kube-openapi names the value by ("spec.replicas", ".spec.x", "")
	value  any
	max    int64 // TooLong, MaxItems, TooManyProperties: the limit
	values []any // Enum: the allowed values
	msg    string
}

// vResult is kube-openapi's validate.Result: errors (unique by message) and the match count that ranks anyOf
// and oneOf branches.
type vResult struct {
	errs       []*vError
	matchCount int
}

func (r *vResult) add(e *vError) {
	for _, have := range r.errs {
		if have.msg == e.msg {
			return
		}
	}
	r.errs = append(r.errs, e)
}

func (r *vResult) merge(o *vResult) {
	if o == nil {
		return
	}
	for _, e := range o.errs {
		r.add(e)
	}
	r.matchCount += o.matchCount
}

func (r *vResult) valid() bool { return r == nil || len(r.errs) == 0 }

// fail returns a result holding only e, as kube-openapi's errorHelp.sErr.
func fail(e *vError) *vResult { return &vResult{errs: []*vError{e}} }

// inBody is where kube-openapi says the values it validates are ("spec.x in body ...").
const inBody = "body"

// invalidType is errors.InvalidType: value is the JSON type (or format) that was found.
func invalidType(name, typeName, value string) *vError {
	return &vError{code: codeInvalidType, name: name, value: value,
		msg: fmt.Sprintf("%s in %s must be of type %s: %q", name, inBody, typeName, value)}
}

// validate is SchemaValidator.Validate for s at path name, wrapped by ratcheting when c is set: the errors of a
// value equal to its correlated old value are dropped.
func validate(s *Schema, name string, data any, c *corr) *vResult {
	res := validateNode(s, name, data, c)
	if c != nil && !res.valid() && c.deepEqual() {
		return &vResult{matchCount: res.matchCount}
	}
	return res
}

// validateNode runs the validators of s that apply to data.
func validateNode(s *Schema, name string, data any, c *corr) *vResult {
	res := &vResult{}
	if data == nil {
		res.merge(checkType(s, name, nil))
		res.merge(checkEnum(s, name, nil))
		return res
	}
	apply := func(r *vResult) {
		res.merge(r)
		res.matchCount++
	}
	if len(s.validationTypes) > 0 || s.validFormat != "" {
		apply(checkType(s, name, data))
	}
	apply(checkJunctors(s, name, data))
	if str, ok := data.(string); ok {
		apply(checkString(s, name, str))
		if isStringFormat(s.validFormat) {
			apply(checkFormat(s, name, str))
		}
	}
	switch data.(type) {
	case int64, float64:
		apply(checkNumber(s, name, data))
	case []any:
		apply(checkArray(s, name, data.([]any), c))
	}
	apply(checkEnum(s, name, data))
	if m, ok := data.(map[string]any); ok {
		apply(checkObject(s, name, m, c))
	}
	res.matchCount++
	return res
}

// jsonTypeOf is the JSON type and format kube-openapi infers from a decoded value.
func jsonTypeOf(v any) (string, string) {
	switch v.(type) {
	case bool:
		return "boolean", ""
	case string:
		return "string", ""
	case int64:
		return "integer", "int64"
	case float64:
		return "number", "float64"
	case []any:
		return "array", ""
	case map[string]any:
		return "object", ""
	}
	return "", ""
}

// checkType is kube-openapi's typeValidator.
func checkType(s *Schema, name string, data any) *vResult {
	if data == nil {
		if len(s.validationTypes) > 0 && !s.hasType("null") && !s.Nullable {
			return fail(invalidType(name, strings.Join(s.validationTypes, ","), "null"))
		}
		return &vResult{matchCount: 1}
	}
	schType, format := jsonTypeOf(data)
	_, isString := data.(string)
	_, isSlice := data.([]any)
	f, isFloat := data.(float64)
	isFloatInt := isFloat && isFloat64AJSONInteger(f) && s.hasType("integer")
	isIntFloat := schType == "integer" && s.hasType("number")
	if !isString && !isSlice && s.validFormat != "" &&
		!(s.hasType(schType) || format == s.validFormat || isFloatInt || isIntFloat) {
		return fail(invalidType(name, s.validFormat, format))
	}
	if !(s.hasType("number") || s.hasType("integer")) && s.validFormat != "" && (isString || isSlice) {
		return &vResult{matchCount: 1}
	}
	if !(s.hasType(schType) || isFloatInt || isIntFloat) {
		return fail(invalidType(name, strings.Join(s.validationTypes, ","), schType))
	}
	return &vResult{matchCount: 1}
}

// checkJunctors is kube-openapi's schemaPropsValidator: anyOf, oneOf, allOf and not. The clauses are validated
// without ratcheting, as kube-openapi does not pass the ratcheting hooks into them.
func checkJunctors(s *Schema, name string, data any) *vResult {
	main := &vResult{}
	if len(s.AnyOf) > 0 {
		var best, firstSuccess *vResult
		succeeded := false
		for _, c := range s.AnyOf {
			r := validate(c, name, data, nil)
			if r.valid() {
				best, succeeded = nil, true
				if firstSuccess == nil {
					firstSuccess = r
				}
				break
			}
			if best == nil || r.matchCount > best.matchCount {
				best = r
			}
		}
		if !succeeded {
			main.add(&vError{code: codeComposite, msg: fmt.Sprintf("%q must validate at least one schema (anyOf)", name)})
		}
		if best != nil {
			main.merge(best)
		} else if firstSuccess != nil {
			main.merge(firstSuccess)
		}
	}
	if len(s.OneOf) > 0 {
		var best, firstSuccess *vResult
		validated := 0
		for _, c := range s.OneOf {
			r := validate(c, name, data, nil)
			if r.valid() {
				validated++
				best = nil
				if firstSuccess == nil {
					firstSuccess = r
				}
				continue
			}
			if validated == 0 && (best == nil || r.matchCount > best.matchCount) {
				best = r
			}
		}
		if validated != 1 {
			more := "Found none valid"
			if validated > 1 {
				more = fmt.Sprintf("Found %d valid alternatives", validated)
			}
			main.add(&vError{code: codeComposite, msg: fmt.Sprintf("%q must validate one and only one schema (oneOf). %s", name, more)})
			if best != nil {
				main.merge(best)
			}
		} else if firstSuccess != nil {
			main.merge(firstSuccess)
		}
	}
	if len(s.AllOf) > 0 {
		validated := 0
		for _, c := range s.AllOf {
			r := validate(c, name, data, nil)
			if r.valid() {
				validated++
			}
			main.merge(r)
		}
		if validated != len(s.AllOf) {
			more := ""
			if validated == 0 {
				more = ". None validated"
			}
			main.add(&vError{code: codeComposite, msg: fmt.Sprintf("%q must validate all the schemas (allOf)%s", name, more)})
		}
	}
	if s.Not != nil && validate(s.Not, name, data, nil).valid() {
		main.add(&vError{code: codeComposite, msg: fmt.Sprintf("%q must not validate the schema (not)", name)})
	}
	main.matchCount++
	return main
}

// checkString is kube-openapi's stringValidator: the first of maxLength, minLength and pattern that fails.
func checkString(s *Schema, name, data string) *vResult {
	n := int64(utf8.RuneCountInString(data))
	if s.MaxLength != nil && n > *s.MaxLength {
		return fail(&vError{code: codeTooLong, name: name, value: data, max: *s.MaxLength,
			msg: fmt.Sprintf("%s in %s should be at most %d chars long", name, inBody, *s.MaxLength)})
	}
	if s.MinLength != nil && n < *s.MinLength {
		return fail(&vError{code: codeOther, name: name, value: data,
			msg: fmt.Sprintf("%s in %s should be at least %d chars long", name, inBody, *s.MinLength)})
	}
	if s.pattern != nil && !s.pattern.MatchString(data) {
		return fail(&vError{code: codeOther, name: name, value: data,
			msg: fmt.Sprintf("%s in %s should match '%s'", name, inBody, s.Pattern)})
	}
	return nil
}

// checkFormat is kube-openapi's formatValidator.
func checkFormat(s *Schema, name, data string) *vResult {
	if validFormat(s.validFormat, data) {
		return nil
	}
	e := invalidType(name, s.validFormat, data)
	return &vResult{errs: []*vError{e}}
}

// checkNumber is kube-openapi's numberValidator: multipleOf, minimum, maximum, with integer arithmetic for
// integers (the bounds truncated to integers) and float arithmetic otherwise.
func checkNumber(s *Schema, name string, data any) *vResult {
	res := &vResult{}
	bound := func(cmp string, limit any, exclusive bool, value any) *vError {
		var op string
		switch {
		case cmp == "max" && exclusive:
			op = "less than"
		case cmp == "max":
			op = "less than or equal to"
		case exclusive:
			op = "greater than"
		default:
			op = "greater than or equal to"
		}
		return &vError{code: codeOther, name: name, value: value,
			msg: fmt.Sprintf("%s in %s should be %s %v", name, inBody, op, limit)}
	}
	switch v := data.(type) {
	case int64:
		if s.MultipleOf != nil {
			factor := int64(*s.MultipleOf)
			switch {
			case factor <= 0:
				// kube-openapi divides by a zero factor and panics; we report it as a non-positive factor.
				res.add(&vError{code: codeOther, name: name, value: factor,
					msg: fmt.Sprintf("factor MultipleOf declared for %s must be positive: %v", name, factor)})
			case v%factor != 0:
				res.add(&vError{code: codeOther, name: name, value: v,
					msg: fmt.Sprintf("%s in %s should be a multiple of %v", name, inBody, factor)})
			}
		}
		if s.Minimum != nil {
			m := int64(*s.Minimum)
			if (!s.ExclusiveMinimum && v < m) || (s.ExclusiveMinimum && v <= m) {
				res.add(bound("min", m, s.ExclusiveMinimum, v))
			}
		}
		if s.Maximum != nil {
			m := int64(*s.Maximum)
			if (!s.ExclusiveMaximum && v > m) || (s.ExclusiveMaximum && v >= m) {
				res.add(bound("max", m, s.ExclusiveMaximum, v))
			}
		}
	case float64:
		if s.MultipleOf != nil {
			factor := *s.MultipleOf
			if factor < 0 {
				res.add(&vError{code: codeOther, name: name, value: factor,
					msg: fmt.Sprintf("factor MultipleOf declared for %s must be positive: %v", name, factor)})
			} else {
				var mult float64
				if factor < 1 {
					mult = 1 / factor * v
				} else {
					mult = v / factor
				}
				if !isFloat64AJSONInteger(mult) {
					res.add(&vError{code: codeOther, name: name, value: v,
						msg: fmt.Sprintf("%s in %s should be a multiple of %v", name, inBody, factor)})
				}
			}
		}
		if s.Minimum != nil {
			m := *s.Minimum
			if (!s.ExclusiveMinimum && v < m) || (s.ExclusiveMinimum && v <= m) {
				res.add(bound("min", m, s.ExclusiveMinimum, v))
			}
		}
		if s.Maximum != nil {
			m := *s.Maximum
			if (!s.ExclusiveMaximum && v > m) || (s.ExclusiveMaximum && v >= m) {
				res.add(bound("max", m, s.ExclusiveMaximum, v))
			}
		}
	}
	res.matchCount++
	return res
}

// checkArray is kube-openapi's schemaSliceValidator: the items, then minItems, maxItems and uniqueItems.
func checkArray(s *Schema, name string, data []any, c *corr) *vResult {
	res := &vResult{}
	if s.Items != nil {
		for i, item := range data {
			res.merge(validate(s.Items, fmt.Sprintf("%s[%d]", name, i), item, c.index(i)))
		}
	}
	size := int64(len(data))
	if s.MinItems != nil && size < *s.MinItems {
		res.add(&vError{code: codeOther, name: name, value: size,
			msg: fmt.Sprintf("%s in %s should have at least %d items", name, inBody, *s.MinItems)})
	}
	if s.MaxItems != nil && size > *s.MaxItems {
		res.add(&vError{code: codeMaxItems, name: name, value: size, max: *s.MaxItems,
			msg: fmt.Sprintf("%s in %s should have at most %d items", name, inBody, *s.MaxItems)})
	}
	if s.UniqueItems && hasDuplicates(data) {
		res.add(&vError{code: codeOther, name: name, msg: fmt.Sprintf("%s in %s shouldn't contain duplicates", name, inBody)})
	}
	res.matchCount++
	return res
}

func hasDuplicates(l []any) bool {
	for i := range l {
		for j := 0; j < i; j++ {
			if reflect.DeepEqual(l[i], l[j]) {
				return true
			}
		}
	}
	return false
}

// checkEnum is kube-openapi's basicCommonValidator: data must equal an enum value after Go's conversion to that
// value's type (so 1.5 matches 1, and 97 matches "a"); null never matches.
func checkEnum(s *Schema, name string, data any) *vResult {
	if len(s.Enum) == 0 {
		return nil
	}
	for _, e := range s.Enum {
		if enumMatches(data, e) {
			return nil
		}
	}
	return fail(&vError{code: codeEnum, name: name, value: data, values: s.Enum,
		msg: fmt.Sprintf("%s in %s should be one of %v", name, inBody, s.Enum)})
}

// enumMatches is reflect's ConvertibleTo + Convert + DeepEqual for decoded JSON values.
func enumMatches(data, e any) bool {
	switch ev := e.(type) {
	case nil:
		return false
	case int64:
		switch d := data.(type) {
		case int64:
			return d == ev
		case float64:
			return int64(d) == ev
		}
		return false
	case float64:
		switch d := data.(type) {
		case int64:
			return float64(d) == ev
		case float64:
			return d == ev
		}
		return false
	case string:
		switch d := data.(type) {
		case string:
			return d == ev
		case int64:
			return intToString(d) == ev
		}
		return false
	case bool:
		d, ok := data.(bool)
		return ok && d == ev
	default:
		return data != nil && reflect.TypeOf(data) == reflect.TypeOf(e) && reflect.DeepEqual(data, e)
	}
}

// intToString is Go's string(rune(i)) conversion of an integer, which reflect.Value.Convert applies.
func intToString(i int64) string {
	if i < 0 || i > utf8.MaxRune {
		return string(utf8.RuneError)
	}
	return string(rune(i))
}

// checkObject is kube-openapi's objectValidator: min/maxProperties (which stop the object's validation),
// additionalProperties, the properties, and required.
func checkObject(s *Schema, name string, data map[string]any, c *corr) *vResult {
	n := int64(len(data))
	if s.MinProperties != nil && n < *s.MinProperties {
		return fail(&vError{code: codeOther, name: name, value: n,
			msg: fmt.Sprintf("%s in %s should have at least %d properties", name, inBody, *s.MinProperties)})
	}
	if s.MaxProperties != nil && n > *s.MaxProperties {
		return fail(&vError{code: codeTooManyProperties, name: name, value: n, max: *s.MaxProperties,
			msg: fmt.Sprintf("%s in %s should have at most %d properties", name, inBody, *s.MaxProperties)})
	}
	res := &vResult{}
	keys := sortedKeys(data)
	if s.HasAdditionalProperties && !s.AdditionalPropertiesAllowed {
		for _, k := range keys {
			if _, ok := s.Properties[k]; !ok {
				res.add(&vError{code: codeOther, name: name, value: k,
					msg: fmt.Sprintf("%s.%s in %s is a forbidden property", name, k, inBody)})
			}
		}
	} else if s.AdditionalProperties != nil {
		for _, k := range keys {
			if _, ok := s.Properties[k]; !ok {
				res.merge(validate(s.AdditionalProperties, name+"."+k, data[k], c.key(k, name)))
			}
		}
	}
	for _, k := range s.propertyNames {
		v, ok := data[k]
		if !ok {
			continue
		}
		child := k
		if name != "" {
			child = name + "." + k
		}
		res.merge(validate(s.Properties[k], child, v, c.key(k, name)))
	}
	for _, k := range s.Required {
		if _, ok := data[k]; !ok {
			res.add(&vError{code: codeRequired, name: name + "." + k, msg: fmt.Sprintf("%s.%s in %s is required", name, k, inBody)})
		}
	}
	return res
}

// fieldErrors turns kube-openapi errors into field errors as kubeOpenAPIResultToFieldErrors does, below base
// (nil for a whole custom resource, whose errors are then named by kube-openapi's paths alone).
func fieldErrors(base *types.FieldPath, res *vResult) types.FieldErrorList {
	if res.valid() {
		return nil
	}
	errs := make(types.FieldErrorList, 0, len(res.errs))
	for _, e := range res.errs {
		if e.code == codeComposite {
			errs = append(errs, types.FieldInvalid(base, "", e.msg))
			continue
		}
		p := base
		if e.name != "" && e.name != "." {
			p = base.Child(strings.TrimPrefix(e.name, "."))
		}
		value := e.value
		if value == nil && e.code != codeEnum {
			value = ""
		}
		switch e.code {
		case codeRequired:
			errs = append(errs, types.FieldRequired(p, ""))
		case codeEnum:
			values := make([]string, 0, len(e.values))
			for _, v := range e.values {
				if s, ok := v.(string); ok {
					values = append(values, s)
				} else {
					b, _ := json.Marshal(v)
					values = append(values, string(b))
				}
			}
			errs = append(errs, types.FieldNotSupported(p, value, values))
		case codeTooLong:
			errs = append(errs, types.FieldTooLong(p, "", int(e.max)))
		case codeMaxItems, codeTooManyProperties:
			actual, _ := e.value.(int64)
			errs = append(errs, types.FieldTooMany(p, int(actual), int(e.max)))
		case codeInvalidType:
			errs = append(errs, types.FieldTypeInvalid(p, value, e.msg))
		default:
			errs = append(errs, types.FieldInvalid(p, value, e.msg))
		}
	}
	return errs
}

// JSON numbers kube-openapi (go-openapi/swag) treats as integers lie in [-(2^53-1), 2^53-1].
const (
	maxJSONFloat = float64(1<<53 - 1)
	minJSONFloat = -float64(1<<53 - 1)
	epsilon      = 1e-9
)

// isFloat64AJSONInteger is go-openapi/swag's IsFloat64AJSONInteger: whether f is an integer up to a relative
// error of 1e-9 (so 3.0000000001 counts as 3), within JSON's safe integer range.
func isFloat64AJSONInteger(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < minJSONFloat || f > maxJSONFloat {
		return false
	}
	fa := math.Abs(f)
	g := float64(uint64(f))
	ga := math.Abs(g)
	diff := math.Abs(f - g)
	switch {
	case f == g:
		return true
	case f == float64(int64(f)) || f == float64(uint64(f)):
		return true
	case f == 0 || g == 0 || diff < math.SmallestNonzeroFloat64:
		return diff < (epsilon * math.SmallestNonzeroFloat64)
	}
	return diff/math.Min(fa+ga, math.MaxFloat64) < epsilon
}
