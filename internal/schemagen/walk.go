package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// structType is one named Go struct type of the schema.
type structType struct {
	qname   string // package alias and type name: corev1.PodSpec
	pkgPath string
	fields  []fieldInfo
	atomic  bool   // +structType=atomic
	opaque  string // for types with their own JSON encoding: the OpenAPI type (and format) of their value
}

// fieldInfo is one JSON field of a struct type.
type fieldInfo struct {
	name          string // the JSON name
	expr          string // the type expression (see format.go)
	omitEmpty     bool   // the json tag says omitempty
	omitZero      bool   // the json tag says omitzero
	proto         string // the protobuf field numbers from the struct down to the field, dot-separated; "" if none
	patchStrategy string // the patchStrategy struct tag
	patchMergeKey string // the patchMergeKey struct tag
	smd           smdField
}

// root is a kind (or a meta type without a kind) and its Go type.
type root struct {
	apiVersion, kind string // empty for meta types
	qname            string
}

// walker collects every struct type reachable from the roots.
type walker struct {
	smd     *smdIndex
	types   map[string]*structType
	names   map[reflect.Type]string
	aliases map[string]string // alias -> package path
	roots   []root
	queue   []reflect.Type
}

func newWalker(smd *smdIndex) *walker {
	return &walker{smd: smd, types: map[string]*structType{}, names: map[reflect.Type]string{}, aliases: map[string]string{}}
}

// addRoot adds obj's type and everything reachable from it; obj is a kind when it is one of kinds.
func (w *walker) addRoot(obj any) error {
	t := reflect.TypeOf(obj).Elem()
	qname, err := w.name(t)
	if err != nil {
		return err
	}
	r := root{qname: qname}
	for _, k := range append(kinds[:len(kinds):len(kinds)], listKinds...) {
		if k.obj == obj {
			r.apiVersion, r.kind = k.apiVersion, t.Name()
		}
	}
	w.roots = append(w.roots, r)
	return w.drain()
}

func (w *walker) drain() error {
	for len(w.queue) > 0 {
		t := w.queue[0]
		w.queue = w.queue[1:]
		if err := w.build(t); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}

// name returns the qualified name of a named struct type and queues the type for building.
func (w *walker) name(t reflect.Type) (string, error) {
	if n, ok := w.names[t]; ok {
		return n, nil
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return "", fmt.Errorf("anonymous struct type %s", t)
	}
	alias := packageAlias(t.PkgPath())
	if other, ok := w.aliases[alias]; ok && other != t.PkgPath() {
		return "", fmt.Errorf("packages %s and %s share the alias %s", other, t.PkgPath(), alias)
	}
	w.aliases[alias] = t.PkgPath()
	n := alias + "." + t.Name()
	w.names[t] = n
	w.queue = append(w.queue, t)
	return n, nil
}

var versionElem = regexp.MustCompile(`^v[0-9]+((alpha|beta)[0-9]+)?$`)

// packageAlias names a package the way Kubernetes code imports it: corev1, appsv1, metav1, resource, intstr.
func packageAlias(pkgPath string) string {
	elems := strings.Split(pkgPath, "/")
	last := elems[len(elems)-1]
	if versionElem.MatchString(last) && len(elems) > 1 {
		return strings.ReplaceAll(elems[len(elems)-2], ".", "") + last
	}
	return last
}

// openAPIName is the name of a Go type in Kubernetes' OpenAPI and structured-merge-diff schemas:
// k8s.io/api/core/v1.PodSpec is io.k8s.api.core.v1.PodSpec.
func openAPIName(t reflect.Type) string {
	elems := strings.Split(t.PkgPath(), "/")
	domain := strings.Split(elems[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	return strings.Join(append(domain, elems[1:]...), ".") + "." + t.Name()
}

var (
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// openAPISchemaTyper is implemented by the types with their own JSON encoding (metav1.Time, resource.Quantity,
// intstr.IntOrString, ...) to state their OpenAPI type.
type openAPISchemaTyper interface{ OpenAPISchemaType() []string }

type openAPISchemaFormatter interface{ OpenAPISchemaFormat() string }

func (w *walker) build(t reflect.Type) error {
	st := &structType{qname: w.names[t], pkgPath: t.PkgPath()}
	oname := openAPIName(t)
	if info, ok := w.smd.typeInfo(oname); ok {
		st.atomic = info.atomic
		if info.scalar != "" {
			st.opaque = info.scalar
		}
	}
	if reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		st.opaque = "untyped"
		v := reflect.New(t).Interface()
		if typer, ok := v.(openAPISchemaTyper); ok && len(typer.OpenAPISchemaType()) > 0 {
			st.opaque = strings.Join(typer.OpenAPISchemaType(), "|")
			if f, ok := v.(openAPISchemaFormatter); ok && f.OpenAPISchemaFormat() != "" {
				st.opaque += ":" + f.OpenAPISchemaFormat()
			}
		}
	}
	for _, jf := range jsonFields(t) {
		expr, err := w.expr(jf.typ)
		if err != nil {
			return fmt.Errorf("field %s: %w", jf.name, err)
		}
		if strings.ContainsAny(jf.name, " \t\n") || jf.name == "" {
			return fmt.Errorf("field name %q cannot be written", jf.name)
		}
		fi := fieldInfo{
			name:          jf.name,
			expr:          expr,
			omitEmpty:     jf.omitEmpty,
			omitZero:      jf.omitZero,
			patchStrategy: jf.tag.Get("patchStrategy"),
			patchMergeKey: jf.tag.Get("patchMergeKey"),
		}
		if fi.proto, err = protoPath(t, jf); err != nil {
			return fmt.Errorf("field %s: %w", jf.name, err)
		}
		fi.smd, _ = w.smd.field(oname, jf.name)
		ft := jf.typ
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if isBytes := (ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array) && ft.Elem().Kind() == reflect.Uint8; isBytes ||
			(ft.Kind() != reflect.Slice && ft.Kind() != reflect.Array) {
			fi.smd.listType, fi.smd.listKeys = "", nil // only Go lists carry a list type
		}
		if ft.Kind() != reflect.Map {
			fi.smd.mapAtomic = false
		}
		st.fields = append(st.fields, fi)
	}
	w.types[st.qname] = st
	return nil
}

// expr writes the type expression of a field type (see format.go).
func (w *walker) expr(t reflect.Type) (string, error) {
	switch t.Kind() {
	case reflect.Pointer:
		e, err := w.expr(t.Elem())
		return "*" + e, err
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes", nil
		}
		e, err := w.expr(t.Elem())
		return "[]" + e, err
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return "", fmt.Errorf("map key %s is not a string", t.Key())
		}
		e, err := w.expr(t.Elem())
		return "{}" + e, err
	case reflect.Struct:
		return w.name(t)
	case reflect.Interface:
		return "any", nil
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t.Kind().String(), nil
	default:
		return "", fmt.Errorf("unsupported kind %s", t.Kind())
	}
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name      string
	tagged    bool // the name comes from a json tag
	index     []int
	typ       reflect.Type
	omitEmpty bool
	omitZero  bool
	tag       reflect.StructTag
}

// jsonFields returns the fields encoding/json encodes for struct type t, in its order (the order of the Go
// declaration, embedded structs' fields in place): exported fields, named by their json tag or Go name, "-"
// skipped, fields of untagged embedded structs promoted, and among fields with the same name the shallowest one
// kept (a tagged one if several are equally shallow, none if that is still ambiguous).
func jsonFields(t reflect.Type) []jsonField {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var fields []jsonField
	current := []level{}
	next := []level{{typ: t}}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, next = next, nil
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := 0; i < l.typ.NumField(); i++ {
				sf := l.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int(nil), l.index...), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{typ: ft, index: index})
					continue
				}
				f := jsonField{name: name, tagged: name != "", index: index, typ: sf.Type, tag: sf.Tag}
				if f.name == "" {
					f.name = sf.Name
				}
				for _, o := range strings.Split(opts, ",") {
					switch o {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					}
				}
				fields = append(fields, f)
			}
		}
	}
	// Resolve duplicate names: shallowest wins, then a tagged one, else the name is dropped.
	byName := map[string][]jsonField{}
	for _, f := range fields {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, group := range byName {
		depth := len(group[0].index)
		for _, f := range group {
			depth = min(depth, len(f.index))
		}
		var shallow []jsonField
		for _, f := range group {
			if len(f.index) == depth {
				shallow = append(shallow, f)
			}
		}
		if len(shallow) == 1 {
			out = append(out, shallow[0])
			continue
		}
		var tagged []jsonField
		for _, f := range shallow {
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
		if len(tagged) == 1 {
			out = append(out, tagged[0])
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].index, out[j].index
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return out
}
