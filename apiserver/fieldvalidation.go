package apiserver

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// This file is server-side field validation (the fieldValidation option): an object of a kind with a schema that
// carries fields the kind does not have, or a key twice, is refused (Strict), answered with warnings (Warn, the
// default) or taken silently (Ignore). Either way the unknown fields are dropped and the last of duplicate keys
// kept, as kube-apiserver's decoding into its Go types does.

// The values of the fieldValidation option.
const (
	FieldValidationIgnore = "Ignore"
	FieldValidationWarn   = "Warn"
	FieldValidationStrict = "Strict"
)

type warningsKey struct{}

// WithWarnings returns a context under which the Go API reports warnings (kube-apiserver's Warning headers, such
// as `unknown field "spec.foo"`) by calling record. record is called from the goroutine making the request.
func WithWarnings(ctx context.Context, record func(message string)) context.Context {
	return context.WithValue(ctx, warningsKey{}, record)
}

// warn reports a warning to the recorder in ctx, if any.
func warn(ctx context.Context, message string) {
	if record, ok := ctx.Value(warningsKey{}).(func(string)); ok {
		record(message)
	}
}

// bodyProblems carries the field problems of a request body, found before parsing, to checkFields, for obj only.
type bodyProblems struct {
	obj      *types.Object
	problems []string
	typeErr  string
}

type bodyProblemsKey struct{}

// checkFields applies field validation to obj, an object of r in its request form, and returns it without unknown
// fields and duplicate keys.
func (s *Server) checkFields(ctx context.Context, r *Resource, obj *types.Object, mode, optionsKind string) (*types.Object, error) {
	switch mode {
	case "", FieldValidationIgnore, FieldValidationWarn, FieldValidationStrict:
	default:
		return nil, types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: optionsKind}, "", types.FieldErrorList{
			types.FieldNotSupported(types.NewFieldPath("fieldValidation"), mode, []string{"", "Ignore", "Strict", "Warn"})})
	}
	fields, ok := fieldCheckerFor(r)
	if !ok {
		return obj, nil
	}
	var problems []string
	var typeErr string
	if body, ok := ctx.Value(bodyProblemsKey{}).(bodyProblems); ok && body.obj == obj {
		problems, typeErr = body.problems, body.typeErr // found in the request body before parsing dropped them
	} else {
		problems, typeErr = fields.scan(obj.RawNoCopy())
	}
	if typeErr != "" {
		// kube-apiserver's decoder cannot put the value in its Go type: 400, whatever fieldValidation says.
		return nil, types.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %s", r.Kind, r.GVR.Version, r.Kind, typeErr))
	}
	var tree map[string]any
	if fields.pruneFinds() {
		// A custom resource's unknown fields are the ones its schema prunes.
		var err error
		if tree, err = decodeTree(obj); err != nil {
			return nil, err
		}
		for _, p := range fields.prune(tree) {
			problems = append(problems, "unknown field "+strconv.Quote(p))
		}
	}
	if len(problems) == 0 {
		return obj, nil
	}
	if err := reportFieldProblems(ctx, r, mode, problems); err != nil {
		return nil, err
	}
	if tree == nil {
		var err error
		if tree, err = decodeTree(obj); err != nil { // decoding keeps the last of duplicate keys
			return nil, err
		}
		fields.prune(tree)
	}
	out, err := encodeTree(tree)
	if err != nil {
		return nil, err
	}
	return out.WithResourceVersion(obj.ResourceVersion()), nil
}

// fieldChecker is how field validation finds and removes the unknown fields of a kind's objects: by the schema of
// a built-in kind (its Go types), or for a custom resource by ObjectMeta for metadata and the version's structural
// schema for the rest.
type fieldChecker struct {
	schema *types.Schema   // a built-in kind's
	custom *customResource // a custom resource's
}

// fieldCheckerFor returns r's field checker; kinds without a schema have none.
func fieldCheckerFor(r *Resource) (fieldChecker, bool) {
	if r.custom != nil {
		return fieldChecker{custom: r.custom}, true
	}
	schema, ok := schemaFor(r)
	return fieldChecker{schema: schema}, ok
}

// scan returns the unknown and duplicate fields of a request body (kube's strict-decoding messages, in document
// order) and the first value of a type the kind cannot hold.
func (f fieldChecker) scan(raw []byte) (problems []string, typeErr string) {
	if f.custom != nil {
		return customBodyProblems(raw)
	}
	typeErr = fieldProblems(f.schema, raw, "", &problems)
	return problems, typeErr
}

// pruneFinds says that prune finds unknown fields scan cannot (a custom resource's, which its schema prunes), so
// that the object is decoded and pruned even when scan reports nothing.
func (f fieldChecker) pruneFinds() bool { return f.custom != nil }

// prune removes the unknown fields from a decoded object and returns the paths of those scan does not report.
func (f fieldChecker) prune(tree map[string]any) []string {
	if f.custom != nil {
		return f.custom.pruneUnknown(tree)
	}
	pruneUnknown(f.schema, tree)
	return nil
}

// reportFieldProblems applies fieldValidation mode to the unknown and duplicate fields of a request's object:
// Strict fails with kube-apiserver's 400 (worded as its decoder words it on a create or an update, as its patch
// handler words it on a patch), Warn sends them as warnings, Ignore drops them silently.
func reportFieldProblems(ctx context.Context, r *Resource, mode string, problems []string) error {
	switch mode {
	case FieldValidationStrict:
		msg := "strict decoding error: " + strings.Join(problems, ", ")
		if ctx.Value(patchingKey{}) == nil {
			msg = fmt.Sprintf("%s in version %q cannot be handled as a %s: %s", r.Kind, r.GVR.Version, r.Kind, msg)
		}
		return types.NewBadRequest(msg)
	case FieldValidationIgnore:
	default:
		for _, p := range problems {
			warn(ctx, p)
		}
	}
	return nil
}

// fieldProblems appends to problems kube's strict-decoding messages for data, a JSON value of schema at path:
// `unknown field "spec.foo"` for a member the type does not have and `duplicate field "spec.bar"` for a key given
// twice, in document order. It returns the first value of a JSON type the kind cannot hold, as encoding/json's
// UnmarshalTypeError describes it (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas
// of type int32`), or "". It runs on every write, so it allocates nothing unless it finds a problem: paths are built
// only for messages.
func fieldProblems(schema *types.Schema, data []byte, path string, problems *[]string) string {
	var stack [32]pathSegment
	sc := fieldScan{problems: problems}
	if path != "" {
		sc.scan(schema, data, append(stack[:0], pathSegment{key: []byte(strconv.Quote(path))}), schema.TypeName())
	} else {
		sc.scan(schema, data, stack[:0], schema.TypeName())
	}
	return sc.typeErr
}

// customBodyProblems is fieldProblems for data, the body of a custom object, which has no Go type: metadata is
// checked against ObjectMeta, the rest only for duplicate keys (its unknown fields are the ones the schema prunes,
// checkCustomFields). Problems come in document order.
func customBodyProblems(data []byte) (problems []string, typeErr string) {
	metaSchema, _ := types.SchemaForType("metav1.ObjectMeta")
	var keysBuf [8][]byte
	keys := keysBuf[:0]
	jsontree.Members(data, func(rawKey, value []byte) bool {
		keys = noteDuplicate(keys, rawKey, nil, &problems)
		if jsontree.KeyEquals(rawKey, "metadata") {
			if te := fieldProblems(metaSchema, value, "metadata", &problems); te != "" && typeErr == "" {
				typeErr = te
			}
			return true
		}
		duplicateFields(value, []pathSegment{{key: rawKey}}, &problems)
		return true
	})
	return problems, typeErr
}

// duplicateFields appends a `duplicate field` problem for every key given twice in an object inside data, a JSON
// value at path.
func duplicateFields(data []byte, path []pathSegment, problems *[]string) {
	if len(data) == 0 {
		return
	}
	switch data[0] {
	case '{':
		var keysBuf [16][]byte
		keys := keysBuf[:0]
		jsontree.Members(data, func(rawKey, value []byte) bool {
			keys = noteDuplicate(keys, rawKey, path, problems)
			duplicateFields(value, append(path, pathSegment{key: rawKey}), problems)
			return true
		})
	case '[':
		i := 0
		jsontree.Elements(data, func(value []byte) bool {
			duplicateFields(value, append(path, pathSegment{index: i}), problems)
			i++
			return true
		})
	}
}

// noteDuplicate records rawKey among keys, the raw keys met so far in an object at path, and appends a `duplicate
// field` problem when it was met before. It returns the extended keys.
func noteDuplicate(keys [][]byte, rawKey []byte, path []pathSegment, problems *[]string) [][]byte {
	for _, k := range keys {
		if string(k) == string(rawKey) {
			key, _ := jsontree.UnquoteKey(rawKey)
			*problems = append(*problems, "duplicate field "+strconv.Quote(joinPath(path, key)))
			break
		}
	}
	return append(keys, rawKey)
}

// pathSegment is one step of a field path: a member's raw (quoted) key, or a list index when key is nil. mapKey
// marks the key of a map entry, which Go's type errors leave out of their paths.
type pathSegment struct {
	key    []byte
	index  int
	mapKey bool
}

// fieldScan is one fieldProblems scan.
type fieldScan struct {
	problems *[]string
	typeErr  string
}

// scan walks data, a value of schema at path, inside the Go struct named owner.
func (sc *fieldScan) scan(schema *types.Schema, data []byte, path []pathSegment, owner string) {
	if schema == nil {
		return
	}
	switch schema.Kind() {
	case types.KindObject, types.KindMap:
		if schema.Kind() == types.KindObject && schema.TypeName() != "" {
			owner = schema.TypeName()
		}
		var keysBuf [24][]byte
		keys := keysBuf[:0]
		jsontree.Members(data, func(rawKey, value []byte) bool {
			keys = noteDuplicate(keys, rawKey, path, sc.problems)
			var child *types.Schema
			isMap := schema.Kind() == types.KindMap
			if isMap {
				child = schema.Elem()
			} else {
				f, known := schema.FieldBytes(rawKey[1 : len(rawKey)-1])
				if !known {
					key, _ := jsontree.UnquoteKey(rawKey)
					if f, known = schema.Field(key); !known {
						*sc.problems = append(*sc.problems, "unknown field "+strconv.Quote(joinPath(path, key)))
						return true
					}
				}
				child = f.Type
			}
			childPath := append(path, pathSegment{key: rawKey, mapKey: isMap})
			sc.checkType(child, value, childPath, owner)
			if kind := child.Kind(); kind == types.KindObject || kind == types.KindMap || kind == types.KindList {
				sc.scan(child, value, childPath, owner)
			}
			return true
		})
	case types.KindList:
		elem := schema.Elem()
		i := 0
		jsontree.Elements(data, func(value []byte) bool {
			elemPath := append(path, pathSegment{index: i})
			sc.checkType(elem, value, elemPath, owner)
			if kind := elem.Kind(); kind == types.KindObject || kind == types.KindMap || kind == types.KindList {
				sc.scan(elem, value, elemPath, owner)
			}
			i++
			return true
		})
	}
}

// checkType records, if it is the first, a type error for value where schema is expected. Types with their own
// JSON decoding (quantities, times, int-or-strings, raw extensions) accept what they accept and are not checked.
func (sc *fieldScan) checkType(schema *types.Schema, value []byte, path []pathSegment, owner string) {
	if sc.typeErr != "" || len(value) == 0 || string(value) == "null" {
		return
	}
	got := ""
	switch value[0] {
	case '{':
		got = "object"
	case '[':
		got = "array"
	case '"':
		got = "string"
	case 't', 'f':
		got = "bool"
	default:
		got = "number"
	}
	ok := true
	switch schema.Kind() {
	case types.KindObject:
		ok = got == "object" || schema.TypeName() != "" && schema.Format() != ""
	case types.KindMap:
		ok = got == "object"
	case types.KindList:
		ok = got == "array" || schema.Format() == "byte" && got == "string"
	case types.KindString:
		ok = got == "string" || schema.TypeName() != ""
	case types.KindBoolean:
		ok = got == "bool"
	case types.KindNumber:
		ok = got == "number"
	case types.KindInteger:
		if ok = got == "number"; ok && !fitsInteger(value, schema.GoKind()) {
			got, ok = "number "+string(value), false
		}
	}
	if !ok {
		sc.typeErr = fmt.Sprintf("json: cannot unmarshal %s into Go struct field %s.%s of type %s", got, owner, goFieldPath(path), goTypeName(schema))
	}
}

// fitsInteger reports whether a JSON number is an integer that fits the Go integer kind.
func fitsInteger(num []byte, goKind string) bool {
	bits := 64
	switch goKind {
	case "int8", "uint8":
		bits = 8
	case "int16", "uint16":
		bits = 16
	case "int32", "uint32":
		bits = 32
	}
	if strings.HasPrefix(goKind, "uint") {
		_, err := strconv.ParseUint(string(num), 10, bits)
		return err == nil
	}
	_, err := strconv.ParseInt(string(num), 10, bits)
	return err == nil
}

// goFieldPath renders a path as encoding/json's type errors do: field names only, no indexes or map keys.
func goFieldPath(path []pathSegment) string {
	var b strings.Builder
	for _, seg := range path {
		if seg.key == nil || seg.mapKey {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		key, _ := jsontree.UnquoteKey(seg.key)
		b.WriteString(key)
	}
	return b.String()
}

// goTypeName is the Go type of a schema as reflect prints it: "int32", "[]v1.Container", "map[string]string",
// "v1.PodSpec" (the package's name, not its import alias).
func goTypeName(schema *types.Schema) string {
	switch {
	case schema.Kind() == types.KindList && schema.Format() == "byte":
		return "[]uint8"
	case schema.Kind() == types.KindList:
		return "[]" + goTypeName(schema.Elem())
	case schema.Kind() == types.KindMap:
		return "map[string]" + goTypeName(schema.Elem())
	case schema.Name() != "":
		alias, name, _ := strings.Cut(schema.Name(), ".")
		if m := apiVersionSuffix.FindString(alias); m != "" {
			alias = m
		}
		return alias + "." + name
	}
	return schema.GoKind()
}

// apiVersionSuffix finds the Kubernetes version at the end of an import alias: "appsv1" → "v1",
// "autoscalingv2" → "v2", "schedulingv1beta1" → "v1beta1".
var apiVersionSuffix = regexp.MustCompile(`v\d+((alpha|beta)\d+)?$`)

// joinPath renders a path stack and a last member as kube writes field paths: "spec.containers[0].foo".
func joinPath(path []pathSegment, last string) string {
	var b strings.Builder
	for _, seg := range path {
		if seg.key == nil {
			b.WriteString("[" + strconv.Itoa(seg.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		key, _ := jsontree.UnquoteKey(seg.key)
		b.WriteString(key)
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(last)
	return b.String()
}

// pruneUnknown removes from v, a decoded JSON value of schema, every member the schema does not have.
func pruneUnknown(schema *types.Schema, v any) {
	if schema == nil {
		return
	}
	switch schema.Kind() {
	case types.KindObject:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			f, known := schema.Field(k)
			if !known {
				delete(m, k)
				continue
			}
			pruneUnknown(f.Type, child)
		}
	case types.KindMap:
		if m, ok := v.(map[string]any); ok {
			for _, child := range m {
				pruneUnknown(schema.Elem(), child)
			}
		}
	case types.KindList:
		if l, ok := v.([]any); ok {
			for _, child := range l {
				pruneUnknown(schema.Elem(), child)
			}
		}
	}
}
