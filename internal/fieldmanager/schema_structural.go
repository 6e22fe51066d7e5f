package fieldmanager

import (
	"slices"

	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/types"
)

// structuralRoot returns the SMD atom of a custom resource's root schema s, converted the way kube-openapi's
// schemaconv converts the OpenAPI model apiextensions-apiserver builds from s (buildOpenAPIModelsForApply): the root
// and every x-kubernetes-embedded-resource object get apiVersion and kind (strings) and metadata
// (metav1.ObjectMeta, added to b), replacing whatever s declares for them.
func structuralRoot(b *builtinSchema, s *structural.Schema) schema.Atom {
	meta, ok := types.SchemaForType("metav1.ObjectMeta")
	if !ok {
		panic("fieldmanager: the embedded schema has no metav1.ObjectMeta")
	}
	c := structuralConverter{objectMeta: b.named(meta)}
	return c.atom(s, false, true)
}

// structuralConverter converts the nodes of one structural schema.
type structuralConverter struct {
	objectMeta string // the SMD type name of metav1.ObjectMeta
}

// atom converts s. preserve is set below a node with x-kubernetes-preserve-unknown-fields: objects there accept
// unknown fields as deduced values. typeMeta adds apiVersion, kind and metadata (the root, embedded resources).
func (c *structuralConverter) atom(s *structural.Schema, preserve, typeMeta bool) schema.Atom {
	if s.XPreserveUnknownFields {
		preserve = true
	}
	switch s.Type {
	case "":
		// No type (x-kubernetes-int-or-string, or preserve-unknown-fields alone): any value.
		return schema.Atom{Scalar: &scalarUntyped, List: c.list(s, preserve), Map: c.object(s, preserve, typeMeta)}
	case "object":
		return schema.Atom{Map: c.object(s, preserve, typeMeta)}
	case "array":
		return schema.Atom{List: c.list(s, preserve)}
	case "integer", "number":
		return schema.Atom{Scalar: &scalarNumeric}
	case "boolean":
		return schema.Atom{Scalar: &scalarBoolean}
	case "string":
		if s.Format == "" || s.Format == "byte" {
			return schema.Atom{Scalar: &scalarString}
		}
		return schema.Atom{Scalar: &scalarUntyped}
	default:
		return schema.Atom{Scalar: &scalarUntyped}
	}
}

func (c *structuralConverter) ref(s *structural.Schema, preserve bool) schema.TypeRef {
	return schema.TypeRef{Inlined: c.atom(s, preserve, s.XEmbeddedResource)}
}

func (c *structuralConverter) object(s *structural.Schema, preserve, typeMeta bool) *schema.Map {
	names := make([]string, 0, len(s.Properties)+3)
	for name := range s.Properties {
		if !typeMeta || (name != "apiVersion" && name != "kind" && name != "metadata") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	m := &schema.Map{Fields: make([]schema.StructField, 0, len(names)+3)}
	if typeMeta {
		m.Fields = append(m.Fields,
			schema.StructField{Name: "apiVersion", Type: scalarRef(&scalarString)},
			schema.StructField{Name: "kind", Type: scalarRef(&scalarString)},
			schema.StructField{Name: "metadata", Type: namedRef(c.objectMeta)},
		)
	}
	for _, name := range names {
		p := s.Properties[name]
		f := schema.StructField{Name: name, Type: c.ref(p, preserve)}
		if p.HasDefault {
			f.Default = p.DefaultValue
		}
		m.Fields = append(m.Fields, f)
	}
	switch {
	case s.AdditionalProperties != nil:
		m.ElementType = c.ref(s.AdditionalProperties, preserve)
	case s.HasAdditionalProperties:
		if s.AdditionalPropertiesAllowed {
			m.ElementType = namedRef(untypedDeducedName)
		}
	case preserve || len(m.Fields) == 0:
		// An object without properties is free-form; with preserve-unknown-fields, unknown fields are kept.
		m.ElementType = namedRef(untypedDeducedName)
	}
	switch s.XMapType {
	case "atomic":
		m.ElementRelationship = schema.Atomic
	case "granular":
		m.ElementRelationship = schema.Separable
	}
	return m
}

func (c *structuralConverter) list(s *structural.Schema, preserve bool) *schema.List {
	l := &schema.List{ElementType: namedRef(untypedAtomicName), ElementRelationship: schema.Atomic}
	if s.Items != nil {
		l.ElementType = c.ref(s.Items, preserve)
	}
	switch s.XListType {
	case "set":
		l.ElementRelationship = schema.Associative
	case "map":
		l.ElementRelationship = schema.Associative
		l.Keys = slices.Clone(s.XListMapKeys)
	}
	return l
}
