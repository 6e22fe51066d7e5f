package types

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// schemaData is the schema of the built-in kinds, written by internal/schemagen (format: internal/schemagen/format.go).
//
//go:embed schema_data.txt
var schemaData string

// schemaIndex locates the kinds and types in schemaData. It is built once, on first use, by scanning the record
// lines without decoding the fields; each kind's schema is decoded when first asked for.
type schemaIndex struct {
	sources []ModuleVersion
	kinds   map[GroupVersionKind]*schemaEntry // immutable after loadSchemaIndex
	types   map[string]*schemaEntry           // immutable after loadSchemaIndex; by qualified type name

	// mu serializes building: build fills the nodes of built and may create more. A node is complete (never
	// modified again) once the build call that created it returns, and is published only through an entry's once.
	mu    sync.Mutex
	built map[string]*Schema // named types decoded so far
}

// schemaEntry is a kind or a named type: where its record is and, once decoded, its schema.
type schemaEntry struct {
	typeName string   // the qualified type name (for a kind, its root type)
	attrs    []string // for a type: the attributes on its record line
	body     string   // for a type: its field lines
	once     sync.Once
	schema   *Schema
}

var loadSchemaIndex = sync.OnceValue(func() *schemaIndex { return parseSchemaIndex(schemaData) })

func parseSchemaIndex(data string) *schemaIndex {
	ix := &schemaIndex{kinds: map[GroupVersionKind]*schemaEntry{}, types: map[string]*schemaEntry{}, built: map[string]*Schema{}}
	var cur *schemaEntry
	var bodyStart int
	pos := 0
	closeType := func(end int) {
		if cur != nil {
			cur.body = data[bodyStart:end]
			cur = nil
		}
	}
	for pos < len(data) {
		end := strings.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data) - pos
		}
		line := data[pos : pos+end]
		lineStart := pos
		pos += end + 1
		if line == "" || line[0] == '\t' || line[0] == '#' {
			continue
		}
		closeType(lineStart)
		f := strings.Fields(line)
		switch f[0] {
		case "source":
			ix.sources = append(ix.sources, ModuleVersion{Path: f[1], Version: f[2]})
		case "kind":
			gv, ok := ParseGroupVersion(f[1])
			if !ok {
				panic("types: invalid apiVersion in the embedded schema: " + line)
			}
			ix.kinds[gv.WithKind(f[2])] = &schemaEntry{typeName: f[3]}
		case "type":
			cur = &schemaEntry{typeName: f[1], attrs: f[2:]}
			ix.types[f[1]] = cur
			bodyStart = pos
		}
	}
	closeType(len(data))
	return ix
}

func (ix *schemaIndex) kind(gvk GroupVersionKind) (*Schema, bool) {
	e, ok := ix.kinds[gvk]
	if !ok {
		return nil, false
	}
	return ix.resolve(e), true
}

func (ix *schemaIndex) named(name string) (*Schema, bool) {
	e, ok := ix.types[name]
	if !ok {
		return nil, false
	}
	return ix.resolve(e), true
}

// resolve returns the entry's schema, decoding it (and every type it reaches) on first use.
func (ix *schemaIndex) resolve(e *schemaEntry) *Schema {
	e.once.Do(func() {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		e.schema = ix.build(e.typeName)
	})
	return e.schema
}

// build returns the node of a named type, decoding it and the types its fields use. ix.mu must be held.
func (ix *schemaIndex) build(name string) *Schema {
	if s, ok := ix.built[name]; ok {
		return s
	}
	e, ok := ix.types[name]
	if !ok {
		panic("types: the embedded schema references the undefined type " + name)
	}
	s := &Schema{name: name, kind: KindObject, goKind: "struct"}
	ix.built[name] = s // before the fields: types may be recursive
	for line := range strings.SplitSeq(strings.TrimSuffix(e.body, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		field := Field{Name: f[0]}
		expr := f[1]
		if strings.HasPrefix(expr, "*") {
			field.Pointer = true
			expr = expr[1:]
		}
		field.Type = ix.parseExpr(expr)
		// List and map nodes are the field's own (parseExpr makes them per field); named and scalar nodes are
		// shared and never take a field's attributes.
		own := field.Type.name == "" && (field.Type.kind == KindList || field.Type.kind == KindMap)
		for _, attr := range f[2:] {
			key, value, _ := strings.Cut(attr, "=")
			switch {
			case key == "omitempty":
				field.OmitEmpty = true
			case key == "omitzero":
				field.OmitZero = true
			case key == "pb":
				for n := range strings.SplitSeq(value, ".") {
					num, err := strconv.ParseInt(n, 10, 32)
					if err != nil {
						panic("types: the embedded schema has a bad protobuf path " + value)
					}
					field.Protobuf = append(field.Protobuf, int32(num))
				}
			case key == "patch":
				field.PatchStrategy = PatchStrategy(value)
			case key == "key":
				field.PatchMergeKey = value
			case key == "list" && own:
				field.Type.listType = ListType(value)
			case key == "keys" && own:
				field.Type.listKeys = strings.Split(value, ",")
			case key == "map" && own:
				field.Type.atomic = value == "atomic"
			}
		}
		s.fields = append(s.fields, field)
	}
	s.index = make(map[string]int, len(s.fields))
	for i, f := range s.fields {
		s.index[f.Name] = i
	}
	applyTypeAttrs(s, e.attrs)
	return s
}

// applyTypeAttrs applies the attributes of a type's record line.
func applyTypeAttrs(s *Schema, attrs []string) {
	for _, attr := range attrs {
		key, value, _ := strings.Cut(attr, "=")
		switch key {
		case "atomic":
			s.atomic = true
		case "opaque":
			typ, format, _ := strings.Cut(value, ":")
			s.format = format
			switch {
			case format == "int-or-string":
				s.kind, s.format = KindIntOrString, ""
			case typ == "string":
				s.kind = KindString
			case typ == "integer":
				s.kind = KindInteger
			case typ == "number":
				s.kind = KindNumber
			case typ == "boolean":
				s.kind = KindBoolean
			default:
				s.kind = KindUntyped
			}
		}
	}
}

// scalarSchemas are the shared nodes of scalar Go kinds.
var scalarSchemas = func() map[string]*Schema {
	m := map[string]*Schema{
		"string":  {kind: KindString, goKind: "string"},
		"bool":    {kind: KindBoolean, goKind: "bool"},
		"float32": {kind: KindNumber, format: "float", goKind: "float32"},
		"float64": {kind: KindNumber, format: "double", goKind: "float64"},
		"any":     {kind: KindUntyped, goKind: "interface"},
	}
	for _, k := range []string{"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"} {
		format := "int64"
		if k == "int32" || k == "int16" || k == "int8" || k == "uint8" || k == "uint16" {
			format = "int32"
		}
		m[k] = &Schema{kind: KindInteger, format: format, goKind: k}
	}
	return m
}()

// parseExpr decodes a type expression (internal/schemagen/format.go). List and map nodes are new for every field,
// since list and map types are properties of fields. ix.mu must be held.
func (ix *schemaIndex) parseExpr(expr string) *Schema {
	switch {
	case strings.HasPrefix(expr, "*"):
		return ix.parseExpr(expr[1:])
	case strings.HasPrefix(expr, "[]"):
		return &Schema{kind: KindList, goKind: "slice", elem: ix.parseExpr(expr[2:])}
	case strings.HasPrefix(expr, "{}"):
		return &Schema{kind: KindMap, goKind: "map", elem: ix.parseExpr(expr[2:])}
	case expr == "bytes":
		return &Schema{kind: KindString, format: "byte", goKind: "slice", elem: scalarSchemas["uint8"]}
	}
	if s, ok := scalarSchemas[expr]; ok {
		return s
	}
	return ix.build(expr)
}
