package types

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFieldPath(t *testing.T) {
	var nilPath *FieldPath
	cases := []struct {
		name string
		path *FieldPath
		want string
	}{
		{"root", NewFieldPath("spec"), "spec"},
		{"root with more", NewFieldPath("metadata", "labels"), "metadata.labels"},
		{"child, index and key", NewFieldPath("spec").Child("containers").Index(0).Key("a"), "spec.containers[0][a]"},
		{"child after index", NewFieldPath("spec").Child("containers").Index(2).Child("image"), "spec.containers[2].image"},
		{"child with more", NewFieldPath("spec").Child("template", "spec"), "spec.template.spec"},
		{"key is not quoted", NewFieldPath("metadata", "labels").Key("app.kubernetes.io/name"),
			"metadata.labels[app.kubernetes.io/name]"},
		{"negative index", NewFieldPath("a").Index(-1), "a[-1]"},
		{"empty key", NewFieldPath("a").Key(""), "a[]"},
		{"empty root prints as a subscript, like apimachinery", NewFieldPath("").Child("a"), "[].a"},
		{"empty child prints as a subscript", NewFieldPath("a").Child(""), "a[]"},
		{"R-5 top-level option", NewFieldPath("resourceVersionMatch"), "resourceVersionMatch"},
		{"nil", nilPath, "<nil>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.path.String())
		})
	}
}

// TestFieldPathIsImmutable extends one shared path from many goroutines; under -race this also checks that building
// children never writes to the parent.
func TestFieldPathIsImmutable(t *testing.T) {
	base := NewFieldPath("spec").Child("containers")
	a := base.Index(0)
	b := base.Index(1).Child("image")
	require.Equal(t, "spec.containers", base.String())
	require.Equal(t, "spec.containers[0]", a.String())
	require.Equal(t, "spec.containers[1].image", b.String())

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := base.Index(i).Key("k").Child("x", "y")
			_ = p.String()
		}()
	}
	wg.Wait()
	require.Equal(t, "spec.containers", base.String())
}

func TestFieldErrorTypeString(t *testing.T) {
	cases := map[FieldErrorType]string{
		FieldErrorTypeNotFound:     "Not found",
		FieldErrorTypeRequired:     "Required value",
		FieldErrorTypeDuplicate:    "Duplicate value",
		FieldErrorTypeInvalid:      "Invalid value",
		FieldErrorTypeNotSupported: "Unsupported value",
		FieldErrorTypeForbidden:    "Forbidden",
		FieldErrorTypeTooLong:      "Too long",
		FieldErrorTypeTooMany:      "Too many",
		FieldErrorTypeTooFew:       "Too few",
		FieldErrorTypeTooShort:     "Too short",
		FieldErrorTypeInternal:     "Internal error",
		FieldErrorTypeTypeInvalid:  "Invalid value",
		"Weird":                    `<unknown error "Weird">`,
	}
	for typ, want := range cases {
		t.Run(string(typ), func(t *testing.T) {
			require.Equal(t, want, typ.String())
		})
	}
}

// TestFieldErrorConstructors pins the text of every constructor. Expected strings were produced by apimachinery
// v0.37.2's field package with the same arguments.
func TestFieldErrorConstructors(t *testing.T) {
	p := NewFieldPath("metadata").Child("resourceVersion")
	cases := []struct {
		name  string
		err   *FieldError
		typ   FieldErrorType
		cause CauseType
		want  string
	}{
		{"Required", FieldRequired(p, ""), FieldErrorTypeRequired, CauseTypeFieldValueRequired,
			"metadata.resourceVersion: Required value"},
		{"Required with detail", FieldRequired(p, "det"), FieldErrorTypeRequired, CauseTypeFieldValueRequired,
			"metadata.resourceVersion: Required value: det"},
		{"Forbidden", FieldForbidden(p, "det"), FieldErrorTypeForbidden, CauseTypeFieldValueForbidden,
			"metadata.resourceVersion: Forbidden: det"},
		{"R-5 NotSupported", FieldNotSupported(NewFieldPath("resourceVersionMatch"), "X",
			[]string{"Exact", "NotOlderThan", ""}), FieldErrorTypeNotSupported, CauseTypeFieldValueNotSupported,
			`resourceVersionMatch: Unsupported value: "X": supported values: "Exact", "NotOlderThan", ""`},
		{"NotSupported without values", FieldNotSupported(p, "X", nil), FieldErrorTypeNotSupported,
			CauseTypeFieldValueNotSupported, `metadata.resourceVersion: Unsupported value: "X"`},
		{"Duplicate", FieldDuplicate(p, "X"), FieldErrorTypeDuplicate, CauseTypeFieldValueDuplicate,
			`metadata.resourceVersion: Duplicate value: "X"`},
		{"TooLong", FieldTooLong(p, "XXXXXX", 5), FieldErrorTypeTooLong, CauseTypeFieldValueTooLong,
			"metadata.resourceVersion: Too long: may not be more than 5 bytes"},
		{"TooLong 1", FieldTooLong(p, "XX", 1), FieldErrorTypeTooLong, CauseTypeFieldValueTooLong,
			"metadata.resourceVersion: Too long: may not be more than 1 byte"},
		{"TooLong negative", FieldTooLong(p, "XX", -1), FieldErrorTypeTooLong, CauseTypeFieldValueTooLong,
			"metadata.resourceVersion: Too long: value is too long"},
		{"TooMany", FieldTooMany(p, 5, 3), FieldErrorTypeTooMany, CauseTypeFieldValueTooMany,
			"metadata.resourceVersion: Too many: 5: must have at most 3 items"},
		{"TooMany 1", FieldTooMany(p, 5, 1), FieldErrorTypeTooMany, CauseTypeFieldValueTooMany,
			"metadata.resourceVersion: Too many: 5: must have at most 1 item"},
		{"TooMany negative count", FieldTooMany(p, -1, 3), FieldErrorTypeTooMany, CauseTypeFieldValueTooMany,
			"metadata.resourceVersion: Too many: must have at most 3 items"},
		{"TooMany negative both", FieldTooMany(p, -1, -1), FieldErrorTypeTooMany, CauseTypeFieldValueTooMany,
			"metadata.resourceVersion: Too many: has too many items"},
		{"TooFew", FieldTooFew(p, 1, 2), FieldErrorTypeTooFew, "FieldValueTooFew",
			"metadata.resourceVersion: Too few: 1: must have at least 2 items"},
		{"TooFew 1", FieldTooFew(p, 0, 1), FieldErrorTypeTooFew, "FieldValueTooFew",
			"metadata.resourceVersion: Too few: 0: must have at least 1 item"},
		{"TooFew negative", FieldTooFew(p, 0, -1), FieldErrorTypeTooFew, "FieldValueTooFew",
			"metadata.resourceVersion: Too few: 0: has too few items"},
		{"TooShort", FieldTooShort(p, "ab", 3), FieldErrorTypeTooShort, "FieldValueTooShort",
			"metadata.resourceVersion: Too short: must be at least 3 characters"},
		{"TooShort 1", FieldTooShort(p, "", 1), FieldErrorTypeTooShort, "FieldValueTooShort",
			"metadata.resourceVersion: Too short: must be at least 1 character"},
		{"TooShort negative", FieldTooShort(p, "", -1), FieldErrorTypeTooShort, "FieldValueTooShort",
			"metadata.resourceVersion: Too short: value is too short"},
		{"NotFound", FieldNotFound(p, "X"), FieldErrorTypeNotFound, CauseTypeFieldValueNotFound,
			`metadata.resourceVersion: Not found: "X"`},
		{"InternalError", FieldInternalError(p, errors.New("boom")), FieldErrorTypeInternal, CauseTypeInternal,
			"metadata.resourceVersion: Internal error: boom"},
		{"InternalError nil", FieldInternalError(p, nil), FieldErrorTypeInternal, CauseTypeInternal,
			"metadata.resourceVersion: Internal error: <nil>"},
		{"TypeInvalid", FieldTypeInvalid(p, "X", "must be int"), FieldErrorTypeTypeInvalid,
			CauseTypeFieldValueTypeInvalid, `metadata.resourceVersion: Invalid value: "X": must be int`},
		{"V-4 Invalid", FieldInvalid(NewFieldPath("metadata", "name"), "bad.name", "must not contain dots"),
			FieldErrorTypeInvalid, CauseTypeFieldValueInvalid,
			`metadata.name: Invalid value: "bad.name": must not contain dots`},
		{"Invalid without detail", FieldInvalid(p, "x", ""), FieldErrorTypeInvalid, CauseTypeFieldValueInvalid,
			`metadata.resourceVersion: Invalid value: "x"`},
		{"unknown type", &FieldError{Type: "Weird", Field: "f", Detail: "d"}, "Weird", "Weird",
			`f: Internal error: unhandled error code: <unknown error "Weird">: please report this: d`},
		{"nil path", FieldRequired(nil, ""), FieldErrorTypeRequired, CauseTypeFieldValueRequired,
			"<nil>: Required value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.err.Error())
			require.Equal(t, tc.typ, tc.err.Type)
			require.Equal(t, tc.cause, CauseType(tc.err.Type), "the type is the StatusCause reason")
			require.Equal(t, tc.err.Field+": "+tc.err.ErrorBody(), tc.err.Error())
		})
	}
}

type fnStringer func()

func (fnStringer) String() string { return "fn" }

type namedString string

type namedInt int

type ptrStringer struct{ A int }

func (*ptrStringer) String() string { return "ps" }

type sample struct {
	A int
	B string
}

// TestFieldErrorBadValue pins how values are printed. Expected strings were produced by apimachinery v0.37.2
// (kube-apiserver 1.37) with the same Go values.
func TestFieldErrorBadValue(t *testing.T) {
	i := 5
	s := "x"
	var nilInt *int
	cases := []struct {
		name  string
		value any
		want  string
	}{
		{"W-4 uint64 zero (1.34+ prints 0, older releases 0x0)", uint64(0), "0"},
		{"uint64", uint64(7), "7"},
		{"int", 0, "0"},
		{"int64", int64(3), "3"},
		{"int32", int32(4), "4"},
		{"uint", uint(2), "2"},
		{"int8", int8(-1), "-1"},
		{"uint8", uint8(3), "3"},
		{"int16", int16(-2), "-2"},
		{"float64", 1.5, "1.5"},
		{"float64 small", 0.1, "0.1"},
		{"float64 large", 1e21, "1e+21"},
		{"float64 tiny", 1e-7, "1e-07"},
		{"float32", float32(2.5), "2.5"},
		{"float32 0.1", float32(0.1), "0.1"},
		{"bool", true, "true"},
		{"string", "s", `"s"`},
		{"string with escapes", "quote\"d\n", `"quote\"d\n"`},
		{"nil", nil, "null"},
		{"pointer to int", &i, "5"},
		{"pointer to string", &s, `"x"`},
		{"nil pointer", nilInt, "null"},
		{"struct", sample{1, "x"}, `{"A":1,"B":"x"}`},
		{"pointer to struct", &sample{2, "y"}, `{"A":2,"B":"y"}`},
		{"map sorted by key", map[string]int{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{"map with int keys", map[int]string{2: "b", 1: "a"}, `{"1":"a","2":"b"}`},
		{"map with nil value", map[string]any{"x": nil}, `{"x":null}`},
		{"slice", []string{"a", "b"}, `["a","b"]`},
		{"slice is HTML-escaped as JSON", []string{"<a>"}, `["\u003ca\u003e"]`},
		{"mixed slice", []any{1, "a", nil, true}, `[1,"a",null,true]`},
		{"nil slice", []int(nil), "null"},
		{"nil map", map[string]string(nil), "null"},
		{"bytes are base64", []byte("hi"), `"aGk="`},
		{"empty struct", struct{}{}, "{}"},
		{"error marshals as {}", errors.New("boom"), "{}"},
		{"named string uses JSON", namedString("v"), `"v"`},
		{"named int uses JSON", namedInt(5), "5"},
		{"duration uses JSON, not String", time.Second, "1000000000"},
		{"JSON preferred over a pointer Stringer", &ptrStringer{1}, `{"A":1}`},
		{"Stringer when JSON fails", fnStringer(func() {}), "fn"},
		{"%#v when JSON and Stringer fail", complex(1, 2), "(1+2i)"},
	}
	p := NewFieldPath("x")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, "x: Invalid value: "+tc.want+": d", FieldInvalid(p, tc.value, "d").Error())
			require.Equal(t, "Invalid value: "+tc.want, FieldInvalid(p, tc.value, "").ErrorBody())
		})
	}
	t.Run("types without a value do not print it", func(t *testing.T) {
		for _, e := range []*FieldError{
			{Type: FieldErrorTypeRequired, Field: "x", BadValue: "v"},
			{Type: FieldErrorTypeForbidden, Field: "x", BadValue: "v"},
			{Type: FieldErrorTypeTooLong, Field: "x", BadValue: "v"},
			{Type: FieldErrorTypeTooShort, Field: "x", BadValue: "v"},
			{Type: FieldErrorTypeInternal, Field: "x", BadValue: "v"},
		} {
			require.NotContains(t, e.Error(), `"v"`)
		}
	})
}

func TestToAggregate(t *testing.T) {
	p := NewFieldPath("spec")
	req := FieldRequired(p.Child("a"), "")
	inv := FieldInvalid(p.Child("b"), "x", "y")
	cases := []struct {
		name string
		list FieldErrorList
		want string // "" means a nil error
	}{
		{"nil list", nil, ""},
		{"empty list", FieldErrorList{}, ""},
		{"only nil entries", FieldErrorList{nil}, ""},
		{"one error", FieldErrorList{req}, "spec.a: Required value"},
		{"two errors", FieldErrorList{req, inv}, `[spec.a: Required value, spec.b: Invalid value: "x": y]`},
		{"duplicates collapse to one, without brackets", FieldErrorList{req, FieldRequired(p.Child("a"), "")},
			"spec.a: Required value"},
		{"duplicates collapse, order kept", FieldErrorList{inv, req, inv, req},
			`[spec.b: Invalid value: "x": y, spec.a: Required value]`},
		{"same field, different text, both kept", FieldErrorList{req, FieldRequired(p.Child("a"), "d")},
			"[spec.a: Required value, spec.a: Required value: d]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			agg := tc.list.ToAggregate()
			if tc.want == "" {
				require.Nil(t, agg)
				return
			}
			require.NotNil(t, agg)
			require.Equal(t, tc.want, agg.Error())
		})
	}
	t.Run("aggregate unwraps to the field errors", func(t *testing.T) {
		agg := FieldErrorList{req, inv}.ToAggregate()
		var fe *FieldError
		require.ErrorAs(t, agg, &fe)
		require.Same(t, req, fe)
		require.ErrorIs(t, agg, inv)
	})
}
