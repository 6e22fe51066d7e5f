package apiserver

import (
	"context"
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
	schema, ok := schemaFor(r)
	if !ok {
		return obj, nil
	}
	var problems []string
	if body, ok := ctx.Value(bodyProblemsKey{}).(bodyProblems); ok && body.obj == obj {
		problems = body.problems // found in the request body before parsing dropped them
	} else {
		fieldProblems(schema, obj.JSON(), "", &problems)
	}
	if len(problems) == 0 {
		return obj, nil
	}
	switch mode {
	case FieldValidationStrict:
		return nil, types.NewBadRequest("strict decoding error: " + strings.Join(problems, ", "))
	case FieldValidationIgnore:
	default:
		for _, p := range problems {
			warn(ctx, p)
		}
	}
	tree, err := decodeTree(obj) // decoding keeps the last of duplicate keys
	if err != nil {
		return nil, err
	}
	pruneUnknown(schema, tree)
	out, err := encodeTree(tree)
	if err != nil {
		return nil, err
	}
	return out.WithResourceVersion(obj.ResourceVersion()), nil
}

// fieldProblems appends to problems kube's strict-decoding messages for data, a JSON value of schema at path:
// `unknown field "spec.foo"` for a member the type does not have and `duplicate field "spec.bar"` for a key given
// twice, in document order. Values of the wrong JSON type are validation's business, not this scan's.
func fieldProblems(schema *types.Schema, data []byte, path string, problems *[]string) {
	if schema == nil {
		return
	}
	switch schema.Kind() {
	case types.KindObject, types.KindMap:
		var seen map[string]bool
		jsontree.Members(data, func(rawKey, value []byte) bool {
			key, ok := jsontree.UnquoteKey(rawKey)
			if !ok {
				return true
			}
			child := key
			if path != "" {
				child = path + "." + key
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			if seen[key] {
				*problems = append(*problems, "duplicate field "+strconv.Quote(child))
			}
			seen[key] = true
			if schema.Kind() == types.KindMap {
				fieldProblems(schema.Elem(), value, child, problems)
				return true
			}
			f, known := schema.Field(key)
			if !known {
				*problems = append(*problems, "unknown field "+strconv.Quote(child))
				return true
			}
			fieldProblems(f.Type, value, child, problems)
			return true
		})
	case types.KindList:
		i := 0
		jsontree.Elements(data, func(value []byte) bool {
			fieldProblems(schema.Elem(), value, path+"["+strconv.Itoa(i)+"]", problems)
			i++
			return true
		})
	}
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
