package main

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsac "k8s.io/apiextensions-apiserver/pkg/client/applyconfiguration"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/applyconfigurations"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
)

// smdIndex holds the structured-merge-diff schemas that client-go (every k8s.io/api type) and
// apiextensions-apiserver (CustomResourceDefinition) generate from the +listType, +listMapKey, +mapType and
// +structType markers of the Go types. Those markers live in comments only; these schemas are where they are
// published in machine-readable form.
type smdIndex struct {
	schemas []*smdschema.Schema
}

// loadSMD obtains the schemas through the public type converters: converting an object yields a typed value that
// carries the whole schema it was resolved against.
func loadSMD() (*smdIndex, error) {
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
	core, err := applyconfigurations.NewTypeConverter(clientscheme.Scheme).ObjectToTyped(pod)
	if err != nil {
		return nil, fmt.Errorf("client-go type converter: %w", err)
	}
	s := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return nil, err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"}}
	ext, err := apiextensionsac.NewTypeConverter(s).ObjectToTyped(crd)
	if err != nil {
		return nil, fmt.Errorf("apiextensions type converter: %w", err)
	}
	return &smdIndex{schemas: []*smdschema.Schema{core.Schema(), ext.Schema()}}, nil
}

// typeDef returns the named type and the schema that defines it.
func (x *smdIndex) typeDef(name string) (smdschema.TypeDef, *smdschema.Schema, bool) {
	for _, s := range x.schemas {
		if td, ok := s.FindNamedType(name); ok {
			return td, s, true
		}
	}
	return smdschema.TypeDef{}, nil, false
}

// smdField describes what the structured-merge-diff schema says about one struct field.
type smdField struct {
	listType  string   // atomic, set or map; "" when the field is not a list there
	listKeys  []string // the keys of a map list
	mapAtomic bool     // the field is a map whose type is atomic
}

// field looks up field name of the type typeName.
func (x *smdIndex) field(typeName, name string) (smdField, bool) {
	td, s, ok := x.typeDef(typeName)
	if !ok || td.Map == nil {
		return smdField{}, false
	}
	sf, ok := td.Map.FindField(name)
	if !ok {
		return smdField{}, false
	}
	var out smdField
	atom, ok := s.Resolve(sf.Type)
	if !ok {
		return out, true
	}
	switch {
	case atom.List != nil:
		switch atom.List.ElementRelationship {
		case smdschema.Atomic:
			out.listType = "atomic"
		case smdschema.Associative:
			if len(atom.List.Keys) > 0 {
				out.listType, out.listKeys = "map", atom.List.Keys
			} else {
				out.listType = "set"
			}
		}
	case atom.Map != nil && sf.Type.NamedType == nil:
		out.mapAtomic = atom.Map.ElementRelationship == smdschema.Atomic
	}
	return out, true
}

// typeInfo describes what the structured-merge-diff schema says about a named struct type.
type typeInfo struct {
	atomic bool   // +structType=atomic
	scalar string // the type is a scalar there (string, numeric, boolean, untyped)
}

func (x *smdIndex) typeInfo(typeName string) (typeInfo, bool) {
	td, _, ok := x.typeDef(typeName)
	if !ok {
		return typeInfo{}, false
	}
	var out typeInfo
	if td.Scalar != nil {
		out.scalar = string(*td.Scalar)
	}
	if td.Map != nil && td.Map.ElementRelationship == smdschema.Atomic {
		out.atomic = true
	}
	return out, true
}
