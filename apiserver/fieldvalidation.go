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
// twice, in document order. Values of the wrong JSON type are validation's business, not this scan's. It runs on
// every write, so it allocates nothing unless it finds a problem: paths are built only for messages.
func fieldProblems(schema *types.Schema, data []byte, path string, problems *[]string) {
	var stack [32]pathSegment
	if path != "" {
		scanFields(schema, data, append(stack[:0], pathSegment{key: []byte(strconv.Quote(path))}), problems)
		return
	}
	scanFields(schema, data, stack[:0], problems)
}

// pathSegment is one step of a field path: a member's raw (quoted) key, or a list index when key is nil.
type pathSegment struct {
	key   []byte
	index int
}

// scanFields is fieldProblems with the path as a stack of segments that alias data.
func scanFields(schema *types.Schema, data []byte, path []pathSegment, problems *[]string) {
	if schema == nil {
		return
	}
	switch schema.Kind() {
	case types.KindObject, types.KindMap:
		var keysBuf [24][]byte
		keys := keysBuf[:0]
		jsontree.Members(data, func(rawKey, value []byte) bool {
			for _, k := range keys {
				if string(k) == string(rawKey) {
					key, _ := jsontree.UnquoteKey(rawKey)
					*problems = append(*problems, "duplicate field "+strconv.Quote(joinPath(path, key)))
					break
				}
			}
			keys = append(keys, rawKey)
			var child *types.Schema
			if schema.Kind() == types.KindMap {
				child = schema.Elem()
			} else {
				f, known := schema.FieldBytes(rawKey[1 : len(rawKey)-1])
				if !known {
					key, _ := jsontree.UnquoteKey(rawKey)
					if f, known = schema.Field(key); !known {
						*problems = append(*problems, "unknown field "+strconv.Quote(joinPath(path, key)))
						return true
					}
				}
				child = f.Type
			}
			if kind := child.Kind(); kind == types.KindObject || kind == types.KindMap || kind == types.KindList {
				scanFields(child, value, append(path, pathSegment{key: rawKey}), problems)
			}
			return true
		})
	case types.KindList:
		elem := schema.Elem()
		if kind := elem.Kind(); kind != types.KindObject && kind != types.KindMap && kind != types.KindList {
			return
		}
		i := 0
		jsontree.Elements(data, func(value []byte) bool {
			scanFields(elem, value, append(path, pathSegment{index: i}), problems)
			i++
			return true
		})
	}
}

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
