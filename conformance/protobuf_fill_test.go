package conformance

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/randfill"
)

// This file fills k8s.io/api objects with deterministic random values for the protobuf conformance tests: every
// field set (in the "full" pass) or set at random (nil and zero values included), with values that both the
// protobuf and the JSON encoding represent exactly, so that a difference between kubepb and k8s.io/api can only be
// a transcoding bug.

// pbFillMode says how densely an object is filled.
type pbFillMode int

const (
	// pbFillFull sets every pointer, slice and map, every bool to true and every string and number to a non-zero
	// value, so that each field of the kind appears in the encodings at least once.
	pbFillFull pbFillMode = iota
	// pbFillRandom leaves pointers, slices and maps nil a quarter of the time, and picks zero values, empty strings
	// and the variants of the union types at random.
	pbFillRandom
	// pbFillWire is pbFillRandom plus values that protobuf carries and JSON does not represent exactly: both
	// variants of a union type set, IntOrString with the other variant's field set too, times with nanoseconds,
	// pointers to the zero time, empty byte slices, invalid UTF-8, raw JSON with spaces and HTML characters. k8s'
	// JSON of such an object loses something, so only JSON -> protobuf -> object agreeing with k8s' JSON decoding
	// can be asked of kubepb in direction B.
	pbFillWire
)

// pbSchemaPropsDepth bounds the nesting of apiextensions' JSONSchemaProps, which contains itself many times over:
// a schema is filled in full, the schemas inside it are small leaves (the encoding is the same at every depth).
const pbSchemaPropsDepth = 1

// pbStringPieces are concatenated into the random strings: non-ASCII text, the characters JSON escapes (HTML
// ones, quotes, backslash, control characters, the JavaScript line separators) and text that looks like JSON.
var pbStringPieces = []string{
	"web", "-", "0", "x.k8s.io/name", "äöü", "日本語", "🚀", "Ωmega",
	"<", ">", "&", `"`, `'`, `\`, "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "\u2028", "\u2029", "\ufeff",
	" ", "null", "{}", "[1]", "%", "=", ":", "/",
}

// pbInvalidUTF8 are byte sequences that are not UTF-8, which protobuf strings carry as they are and encoding/json
// writes as U+FFFD.
var pbInvalidUTF8 = []string{"\xff", "\xc3", "\xe6\x97", "\xed\xa0\x80", "\x80"}

// pbQuantities are quantities in canonical form (String gives them back unchanged), so that JSON and protobuf,
// which both carry the string, agree with the value k8s parses.
var pbQuantities = []string{
	"0", "1", "3", "100m", "1500m", "2Gi", "512Mi", "1Ki", "5k", "7M", "1e3", "-4", "123456789", "1n", "250u",
}

// newPBFiller returns a filler for one object: seed and mode fix every value.
func newPBFiller(seed int64, mode pbFillMode) *randfill.Filler {
	full, wire := mode == pbFillFull, mode == pbFillWire
	f := randfill.New().RandSource(rand.NewSource(seed)).NumElements(1, 2).MaxDepth(64)
	if full {
		f.NilChance(0)
	} else {
		f.NilChance(0.25)
	}
	str := func(c randfill.Continue) string {
		if !full && c.Intn(10) == 0 {
			return ""
		}
		var b strings.Builder
		for n := 1 + c.Intn(5); n > 0; n-- {
			b.WriteString(pbStringPieces[c.Intn(len(pbStringPieces))])
			if wire && c.Intn(8) == 0 {
				b.WriteString(pbInvalidUTF8[c.Intn(len(pbInvalidUTF8))])
			}
		}
		return b.String()
	}
	propsDepth := 0
	funcs := []any{
		func(s *string, c randfill.Continue) { *s = str(c) },
		func(b *bool, c randfill.Continue) { *b = full || c.Bool() },
		func(v *int32, c randfill.Continue) { *v = int32(pbInt(c, full, math.MinInt32, math.MaxInt32)) },
		func(v *int64, c randfill.Continue) { *v = pbInt(c, full, math.MinInt64, math.MaxInt64) },
		func(v *float64, c randfill.Continue) {
			vals := []float64{1.5, -0.25, 3, 1e-7, 6.02214076e23, -1e300, 123456.789}
			*v = vals[c.Intn(len(vals))]
			if !full && c.Intn(8) == 0 {
				*v = 0
			}
		},
		func(b *[]byte, c randfill.Continue) {
			*b = make([]byte, 1+c.Intn(8)) // never empty: JSON's omitempty cannot tell empty from nil
			c.Read(*b)
			if wire && c.Intn(3) == 0 {
				*b = []byte{}
			}
		},
		func(q *resource.Quantity, c randfill.Continue) {
			*q = resource.MustParse(pbQuantities[c.Intn(len(pbQuantities))])
		},
		func(t *metav1.Time, c randfill.Continue) {
			if !full && c.Intn(5) == 0 {
				*t = metav1.Time{}
				return
			}
			// Whole seconds in UTC: the protobuf form has no nanoseconds and JSON has no time zone.
			*t = metav1.NewTime(time.Unix(c.Int63n(4102444800), 0).UTC())
			if wire {
				*t = metav1.NewTime(time.Unix(c.Int63n(4102444800), c.Int63n(1e9)))
			}
		},
		func(t *metav1.MicroTime, c randfill.Continue) {
			if !full && c.Intn(5) == 0 {
				*t = metav1.MicroTime{}
				return
			}
			*t = metav1.NewMicroTime(time.Unix(c.Int63n(4102444800), c.Int63n(1e6)*1e3).UTC())
			if wire {
				*t = metav1.NewMicroTime(time.Unix(c.Int63n(4102444800), c.Int63n(1e9)))
			}
		},
		// A pointer to the zero time has no JSON form (null decodes to nil): nil or a time.
		func(p **metav1.Time, c randfill.Continue) {
			*p = nil
			if full || c.Intn(4) != 0 {
				*p = &metav1.Time{Time: time.Unix(c.Int63n(4102444800), 0).UTC()}
			}
			if wire && c.Intn(3) == 0 {
				*p = &metav1.Time{}
			}
		},
		func(p **metav1.MicroTime, c randfill.Continue) {
			*p = nil
			if full || c.Intn(4) != 0 {
				*p = &metav1.MicroTime{Time: time.Unix(c.Int63n(4102444800), c.Int63n(1e6)*1e3).UTC()}
			}
			if wire && c.Intn(3) == 0 {
				*p = &metav1.MicroTime{}
			}
		},
		func(d *metav1.Duration, c randfill.Continue) {
			*d = metav1.Duration{Duration: time.Duration(c.Int63n(1e6)) * time.Millisecond}
		},
		func(v *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*v = intstr.FromInt32(int32(pbInt(c, full, math.MinInt32, math.MaxInt32)))
			} else {
				*v = intstr.FromString(str(c))
			}
			if wire { // the other variant's field too, which JSON drops
				v.IntVal, v.StrVal = int32(pbInt(c, false, math.MinInt32, math.MaxInt32)), str(c)
			}
		},
		func(r *runtime.RawExtension, c randfill.Continue) {
			*r = runtime.RawExtension{}
			if full || c.Intn(4) != 0 {
				r.Raw = pbRandomJSON(c, str, true)
			}
			if wire && r.Raw != nil {
				r.Raw = pbLooseJSON(r.Raw)
			}
		},
		func(f *metav1.FieldsV1, c randfill.Continue) {
			*f = metav1.FieldsV1{Raw: pbRandomJSON(c, str, true)}
			if wire {
				f.Raw = pbLooseJSON(f.Raw)
			}
		},
		func(j *apiextensionsv1.JSON, c randfill.Continue) {
			*j = apiextensionsv1.JSON{Raw: pbRandomJSON(c, str, c.Bool())}
			if wire {
				j.Raw = pbLooseJSON(j.Raw)
			}
		},
		func(p *apiextensionsv1.JSONSchemaProps, c randfill.Continue) {
			if propsDepth >= pbSchemaPropsDepth {
				// A list too, so that a value merged where it should be replaced shows (pbRewriter.mapEntry).
				*p = apiextensionsv1.JSONSchemaProps{Type: "string", Description: str(c), Format: str(c), Required: []string{str(c)}}
				if c.Bool() {
					p.Default = &apiextensionsv1.JSON{Raw: pbRandomJSON(c, str, false)}
				}
				return
			}
			propsDepth++
			c.FillNoCustom(p)
			propsDepth--
		},
		// The union types' JSON forms keep only one variant: fill exactly one.
		func(o *apiextensionsv1.JSONSchemaPropsOrArray, c randfill.Continue) {
			*o = apiextensionsv1.JSONSchemaPropsOrArray{}
			if c.Bool() || wire {
				o.Schema = &apiextensionsv1.JSONSchemaProps{}
				c.Fill(o.Schema)
				if !wire || c.Bool() {
					return
				}
			}
			o.JSONSchemas = make([]apiextensionsv1.JSONSchemaProps, 1+c.Intn(2))
			for i := range o.JSONSchemas {
				c.Fill(&o.JSONSchemas[i])
			}
		},
		func(o *apiextensionsv1.JSONSchemaPropsOrBool, c randfill.Continue) {
			*o = apiextensionsv1.JSONSchemaPropsOrBool{Allows: full || c.Bool()}
			if c.Bool() {
				o.Allows = !wire || c.Bool() // the JSON of a schema decodes with Allows set
				o.Schema = &apiextensionsv1.JSONSchemaProps{}
				c.Fill(o.Schema)
			}
		},
		func(o *apiextensionsv1.JSONSchemaPropsOrStringArray, c randfill.Continue) {
			*o = apiextensionsv1.JSONSchemaPropsOrStringArray{}
			if c.Bool() || wire {
				o.Schema = &apiextensionsv1.JSONSchemaProps{}
				c.Fill(o.Schema)
				if !wire || c.Bool() {
					return
				}
			}
			o.Property = make([]string, 1+c.Intn(2))
			for i := range o.Property {
				o.Property[i] = str(c)
			}
		},
	}
	// Named string types (corev1.PodPhase, types.UID, ...) get the same strings as plain ones.
	for _, t := range pbNamedStringTypes() {
		funcType := reflect.FuncOf([]reflect.Type{reflect.PointerTo(t), reflect.TypeFor[randfill.Continue]()}, nil, false)
		funcs = append(funcs, reflect.MakeFunc(funcType, func(args []reflect.Value) []reflect.Value {
			args[0].Elem().SetString(str(args[1].Interface().(randfill.Continue)))
			return nil
		}).Interface())
	}
	return f.Funcs(funcs...)
}

// pbInt returns a random integer in [lo, hi]: often a small or extreme one, sometimes zero, never zero if full.
func pbInt(c randfill.Continue, full bool, lo, hi int64) int64 {
	var v int64
	switch c.Intn(6) {
	case 0:
	case 1:
		v = lo
	case 2:
		v = hi
	case 3:
		v = c.Int63n(1000) - 500
	default:
		v = lo + int64(c.Uint64()%uint64(hi-lo)) // hi-lo overflows to -1 (all of uint64) for int64
	}
	if v == 0 && full {
		v = 1
	}
	return v
}

// pbRandomJSON returns a small random JSON value in the compact, HTML-escaped form encoding/json writes (which it
// therefore gives back unchanged): an object when object is set, else any value but null.
func pbRandomJSON(c randfill.Continue, str func(randfill.Continue) string, object bool) []byte {
	var value func(depth int) any
	value = func(depth int) any {
		k := c.Intn(7)
		if depth > 1 {
			k = c.Intn(4)
		}
		switch k {
		case 0:
			return str(c)
		case 1:
			return c.Int63n(1<<40) - 1<<39
		case 2:
			return c.Bool()
		case 3:
			return 0.5 + float64(c.Intn(100))
		case 4:
			return []any{value(depth + 1), value(depth + 1)}
		}
		m := map[string]any{}
		for n := 1 + c.Intn(3); n > 0; n-- {
			m[str(c)] = value(depth + 1)
		}
		return m
	}
	v := value(0)
	if object {
		v = map[string]any{"f:" + str(c): value(1), "x": value(1)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// pbLooseJSON returns the JSON value raw written loosely, as a client may send it: with spaces and newlines, and
// with the HTML characters encoding/json escapes unescaped.
func pbLooseJSON(raw []byte) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(err)
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.SetIndent(" ", "\t")
	if err := e.Encode(v); err != nil {
		panic(err)
	}
	return append([]byte(" "), b.Bytes()...)
}

// pbNamedStringTypes returns the named string types reachable from the kinds under test.
var pbNamedStringTypes = sync.OnceValue(func() []reflect.Type {
	seen := map[reflect.Type]bool{}
	var out []reflect.Type
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.String:
			if t != reflect.TypeFor[string]() {
				out = append(out, t)
			}
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				if t.Field(i).IsExported() {
					walk(t.Field(i).Type)
				}
			}
		}
	}
	for _, c := range pbCases() {
		walk(reflect.TypeOf(c.proto).Elem())
	}
	return out
})
