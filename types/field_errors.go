package types

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FieldPath names a field inside an object, from the root down: "spec.containers[0].image", "metadata.labels[app]".
// It is the path carried by FieldError.Field and by StatusCause.Field, built like apimachinery's field.Path.
//
// A FieldPath is immutable: Child, Index and Key return a new path that shares its parent with the receiver, so a
// path may be extended from several goroutines and held in package-level variables.
type FieldPath struct {
	parent *FieldPath // nil for the root element
	// name is the field name of this element; an element with an empty name is a subscript and prints as
	// "[subscript]". (A root built from "" therefore prints "[]", as apimachinery's does.)
	name      string
	subscript string
}

// NewFieldPath returns the path of the top-level field name, extended by the child fields in more:
// NewFieldPath("metadata", "labels") is "metadata.labels".
func NewFieldPath(name string, more ...string) *FieldPath {
	p := &FieldPath{name: name}
	for _, m := range more {
		p = &FieldPath{parent: p, name: m}
	}
	return p
}

// Child returns the path of the field name (and its children in more) below p: p.Child("spec", "replicas") is
// "<p>.spec.replicas". p is not modified.
func (p *FieldPath) Child(name string, more ...string) *FieldPath {
	c := &FieldPath{parent: p, name: name}
	for _, m := range more {
		c = &FieldPath{parent: c, name: m}
	}
	return c
}

// Index returns the path of the i-th element of the list at p: "<p>[i]". p is not modified.
func (p *FieldPath) Index(i int) *FieldPath {
	return &FieldPath{parent: p, subscript: strconv.Itoa(i)}
}

// Key returns the path of the map entry k of the map at p: "<p>[k]" (the key is not quoted). p is not modified.
func (p *FieldPath) Key(k string) *FieldPath {
	return &FieldPath{parent: p, subscript: k}
}

// String formats p as kube-apiserver prints field paths: names joined by ".", subscripts in brackets
// ("spec.containers[0][a]"). A nil path prints as "<nil>".
func (p *FieldPath) String() string {
	if p == nil {
		return "<nil>"
	}
	var elems []*FieldPath
	for e := p; e != nil; e = e.parent {
		elems = append(elems, e)
	}
	var b strings.Builder
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		if e.name == "" {
			b.WriteByte('[')
			b.WriteString(e.subscript)
			b.WriteByte(']')
			continue
		}
		if e.parent != nil {
			b.WriteByte('.')
		}
		b.WriteString(e.name)
	}
	return b.String()
}

// FieldErrorType is the machine-readable kind of a field error. Its value is also the StatusCause reason
// ("FieldValueRequired", ...) of the cause that NewInvalid builds from the error.
type FieldErrorType string

// The field error types kube-apiserver uses (apimachinery field.ErrorType).
const (
	// FieldErrorTypeNotFound reports that a referenced value does not exist. See FieldNotFound.
	FieldErrorTypeNotFound FieldErrorType = "FieldValueNotFound"
	// FieldErrorTypeRequired reports a missing value. See FieldRequired.
	FieldErrorTypeRequired FieldErrorType = "FieldValueRequired"
	// FieldErrorTypeDuplicate reports a value that must be unique but is not. See FieldDuplicate.
	FieldErrorTypeDuplicate FieldErrorType = "FieldValueDuplicate"
	// FieldErrorTypeInvalid reports a malformed value. See FieldInvalid.
	FieldErrorTypeInvalid FieldErrorType = "FieldValueInvalid"
	// FieldErrorTypeNotSupported reports a value outside an enumeration. See FieldNotSupported.
	FieldErrorTypeNotSupported FieldErrorType = "FieldValueNotSupported"
	// FieldErrorTypeForbidden reports a well-formed value that is not allowed here. See FieldForbidden.
	FieldErrorTypeForbidden FieldErrorType = "FieldValueForbidden"
	// FieldErrorTypeTooLong reports a value that is too long; the value itself is not printed. See FieldTooLong.
	FieldErrorTypeTooLong FieldErrorType = "FieldValueTooLong"
	// FieldErrorTypeTooMany reports a list with too many items. See FieldTooMany.
	FieldErrorTypeTooMany FieldErrorType = "FieldValueTooMany"
	// FieldErrorTypeTooFew reports a list with too few items. See FieldTooFew.
	FieldErrorTypeTooFew FieldErrorType = "FieldValueTooFew"
	// FieldErrorTypeTooShort reports a string that is too short. See FieldTooShort.
	FieldErrorTypeTooShort FieldErrorType = "FieldValueTooShort"
	// FieldErrorTypeInternal reports a failure unrelated to the user's input. See FieldInternalError.
	FieldErrorTypeInternal FieldErrorType = "InternalError"
	// FieldErrorTypeTypeInvalid reports a value of the wrong type for its schema. See FieldTypeInvalid.
	FieldErrorTypeTypeInvalid FieldErrorType = "FieldValueTypeInvalid"
)

// String returns the human-readable label that starts a field error's text: "Required value", "Invalid value",
// "Unsupported value", ... An unknown type prints as `<unknown error "T">`.
func (t FieldErrorType) String() string {
	switch t {
	case FieldErrorTypeNotFound:
		return "Not found"
	case FieldErrorTypeRequired:
		return "Required value"
	case FieldErrorTypeDuplicate:
		return "Duplicate value"
	case FieldErrorTypeInvalid, FieldErrorTypeTypeInvalid:
		return "Invalid value"
	case FieldErrorTypeNotSupported:
		return "Unsupported value"
	case FieldErrorTypeForbidden:
		return "Forbidden"
	case FieldErrorTypeTooLong:
		return "Too long"
	case FieldErrorTypeTooMany:
		return "Too many"
	case FieldErrorTypeTooFew:
		return "Too few"
	case FieldErrorTypeTooShort:
		return "Too short"
	case FieldErrorTypeInternal:
		return "Internal error"
	default:
		return fmt.Sprintf("<unknown error %q>", string(t))
	}
}

// FieldError is one validation failure of one field, like apimachinery's field.Error. Build it with the Field*
// constructors so that BadValue and Detail follow kube-apiserver's conventions; treat it as immutable once built
// (it is shared by the FieldErrorList and the StatusError made from it).
type FieldError struct {
	Type FieldErrorType
	// Field is the path of the field, FieldPath.String().
	Field string
	// BadValue is the offending value. It is printed only for the types that show a value (see ErrorBody).
	BadValue any
	// Detail is a human-readable explanation appended after the value, or "".
	Detail string
}

var _ error = (*FieldError)(nil)

// omittedValue is the BadValue of errors that must not print any value (FieldTooMany with a negative count).
type omittedValue struct{}

// Error returns the error as kube-apiserver prints it: "<field>: <ErrorBody>", e.g. "spec.replicas: Required
// value" or `metadata.name: Invalid value: "bad.name": must not contain dots`.
func (e *FieldError) Error() string {
	return e.Field + ": " + e.ErrorBody()
}

// ErrorBody returns the error text without the field prefix; it is the message of the StatusCause that NewInvalid
// builds. It is the type's label, then for the types that carry a value ": <value>", then ": <detail>" when Detail
// is set.
//
// The value is printed as apimachinery 1.34 and later print it: int64, int32, float64, float32 and bool with %v,
// strings quoted with %q, and every other value as its JSON encoding (so nil and nil pointers are "null", pointers
// are followed, other integers are plain digits, structs, maps and slices are JSON), falling back to String() and
// then %#v for values JSON cannot encode.
//
// Older kube-apiservers (before 1.34) used String() or %#v for everything but the simple types above, which is why
// an unsigned zero once printed as "0x0" (SEMANTICS W-4); 1.37 prints "0".
func (e *FieldError) ErrorBody() string {
	var s string
	switch e.Type {
	case FieldErrorTypeRequired, FieldErrorTypeForbidden, FieldErrorTypeTooLong, FieldErrorTypeTooShort,
		FieldErrorTypeInternal:
		s = e.Type.String()
	case FieldErrorTypeInvalid, FieldErrorTypeTypeInvalid, FieldErrorTypeNotSupported, FieldErrorTypeNotFound,
		FieldErrorTypeDuplicate, FieldErrorTypeTooMany, FieldErrorTypeTooFew:
		if _, omitted := e.BadValue.(omittedValue); omitted {
			s = e.Type.String()
		} else {
			s = e.Type.String() + ": " + formatBadValue(e.BadValue)
		}
	default:
		s = "Internal error: unhandled error code: " + e.Type.String() + ": please report this"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// formatBadValue renders a field error's value the way apimachinery's field.Error.ErrorBody does.
func formatBadValue(v any) string {
	switch t := v.(type) {
	case int64, int32, float64, float32, bool:
		return fmt.Sprint(t)
	case string:
		return strconv.Quote(t)
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%#v", v)
}

// FieldErrorList is the list of field errors a validation produced; NewInvalid turns it into a 422 Status. Once
// handed to NewInvalid or ToAggregate it must not be modified; the errors in it are then shared.
type FieldErrorList []*FieldError

// ToAggregate returns the list as one error, or nil when the list is empty. Errors with identical text are kept
// once (the first). The message is the single error's text, or "[e1, e2, ...]" for several, as kube-apiserver
// prints them inside Invalid messages. The returned error unwraps to the kept *FieldError values.
func (l FieldErrorList) ToAggregate() error {
	if len(l) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(l))
	agg := make(fieldErrorAggregate, 0, len(l))
	for _, e := range l {
		if e == nil {
			continue
		}
		msg := e.Error()
		if seen[msg] {
			continue
		}
		seen[msg] = true
		agg = append(agg, e)
	}
	if len(agg) == 0 {
		return nil
	}
	return agg
}

// fieldErrorAggregate is the error ToAggregate returns: distinct field errors, in order.
type fieldErrorAggregate []*FieldError

// Error formats the aggregate: the single error's text, or "[e1, e2, ...]".
func (a fieldErrorAggregate) Error() string {
	if len(a) == 1 {
		return a[0].Error()
	}
	msgs := make([]string, len(a))
	for i, e := range a {
		msgs[i] = e.Error()
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// Unwrap returns the field errors, so errors.As finds a *FieldError in the aggregate.
func (a fieldErrorAggregate) Unwrap() []error {
	errs := make([]error, len(a))
	for i, e := range a {
		errs[i] = e
	}
	return errs
}

// FieldRequired reports that the value at p is missing: "p: Required value[: detail]".
func FieldRequired(p *FieldPath, detail string) *FieldError {
	return &FieldError{Type: FieldErrorTypeRequired, Field: p.String(), BadValue: "", Detail: detail}
}

// FieldInvalid reports a malformed value: "p: Invalid value: <value>[: detail]".
func FieldInvalid(p *FieldPath, value any, detail string) *FieldError {
	return &FieldError{Type: FieldErrorTypeInvalid, Field: p.String(), BadValue: value, Detail: detail}
}

// FieldForbidden reports a value that is well-formed but not allowed: "p: Forbidden[: detail]". The value is not
// printed.
func FieldForbidden(p *FieldPath, detail string) *FieldError {
	return &FieldError{Type: FieldErrorTypeForbidden, Field: p.String(), BadValue: "", Detail: detail}
}

// FieldNotSupported reports a value outside an enumeration: `p: Unsupported value: <value>: supported values: "a",
// "b"`. The supported-values detail is omitted when validValues is empty.
func FieldNotSupported(p *FieldPath, value any, validValues []string) *FieldError {
	detail := ""
	if len(validValues) > 0 {
		quoted := make([]string, len(validValues))
		for i, v := range validValues {
			quoted[i] = strconv.Quote(v)
		}
		detail = "supported values: " + strings.Join(quoted, ", ")
	}
	return &FieldError{Type: FieldErrorTypeNotSupported, Field: p.String(), BadValue: value, Detail: detail}
}

// FieldDuplicate reports a value that must be unique: "p: Duplicate value: <value>".
func FieldDuplicate(p *FieldPath, value any) *FieldError {
	return &FieldError{Type: FieldErrorTypeDuplicate, Field: p.String(), BadValue: value}
}

// FieldTooLong reports a value longer than maxLength bytes without printing it: "p: Too long: may not be more than
// N bytes" ("1 byte"), or "p: Too long: value is too long" when maxLength is negative. value is not used.
func FieldTooLong(p *FieldPath, value any, maxLength int) *FieldError {
	detail := "value is too long"
	if maxLength >= 0 {
		detail = fmt.Sprintf("may not be more than %d %s", maxLength, plural(maxLength, "byte", "bytes"))
	}
	return &FieldError{Type: FieldErrorTypeTooLong, Field: p.String(), BadValue: "<value omitted>", Detail: detail}
}

// FieldTooShort reports a string shorter than minLength characters: "p: Too short: must be at least N characters"
// ("1 character"), or "p: Too short: value is too short" when minLength is negative. The value is not printed.
func FieldTooShort(p *FieldPath, value string, minLength int) *FieldError {
	detail := "value is too short"
	if minLength >= 0 {
		detail = fmt.Sprintf("must be at least %d %s", minLength, plural(minLength, "character", "characters"))
	}
	return &FieldError{Type: FieldErrorTypeTooShort, Field: p.String(), BadValue: value, Detail: detail}
}

// FieldTooMany reports a list with more than maxItems items: "p: Too many: <actual>: must have at most N items"
// ("1 item"). A negative maxItems gives the detail "has too many items"; a negative actual leaves the count out.
func FieldTooMany(p *FieldPath, actual, maxItems int) *FieldError {
	detail := "has too many items"
	if maxItems >= 0 {
		detail = fmt.Sprintf("must have at most %d %s", maxItems, plural(maxItems, "item", "items"))
	}
	var value any = actual
	if actual < 0 {
		value = omittedValue{}
	}
	return &FieldError{Type: FieldErrorTypeTooMany, Field: p.String(), BadValue: value, Detail: detail}
}

// FieldTooFew reports a list with fewer than minItems items: "p: Too few: <actual>: must have at least N items"
// ("1 item"), or the detail "has too few items" when minItems is negative.
func FieldTooFew(p *FieldPath, actual, minItems int) *FieldError {
	detail := "has too few items"
	if minItems >= 0 {
		detail = fmt.Sprintf("must have at least %d %s", minItems, plural(minItems, "item", "items"))
	}
	return &FieldError{Type: FieldErrorTypeTooFew, Field: p.String(), BadValue: actual, Detail: detail}
}

// FieldNotFound reports that the value referenced at p does not exist: "p: Not found: <value>".
func FieldNotFound(p *FieldPath, value any) *FieldError {
	return &FieldError{Type: FieldErrorTypeNotFound, Field: p.String(), BadValue: value}
}

// FieldInternalError reports a failure unrelated to the user's input: "p: Internal error: <err>". A nil err
// prints as "<nil>".
func FieldInternalError(p *FieldPath, err error) *FieldError {
	return &FieldError{Type: FieldErrorTypeInternal, Field: p.String(), BadValue: err, Detail: errorText(err)}
}

// FieldTypeInvalid reports a value of the wrong type for its schema: "p: Invalid value: <value>[: detail]".
func FieldTypeInvalid(p *FieldPath, value any, detail string) *FieldError {
	return &FieldError{Type: FieldErrorTypeTypeInvalid, Field: p.String(), BadValue: value, Detail: detail}
}

// plural returns one when n is 1 and many otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// errorText returns err.Error(), or "<nil>" for a nil error, as fmt's %v prints it.
func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
