package structural

import (
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// ObjectMetaValidator validates the metadata of an embedded resource as kube-apiserver's generic ObjectMeta
// validation does (ValidateObjectMeta with path-segment name rules, requiring a valid namespace only when one is
// set). meta is the decoded metadata object with its name replaced by "fakename" when empty, as kube does; path
// is the metadata's path. It is called synchronously, once per embedded resource, from the goroutine that
// validates, and may keep neither meta nor the returned list's ownership.
type ObjectMetaValidator func(meta map[string]any, path *types.FieldPath) types.FieldErrorList

// validateEmbedded is kube's objectmeta.Validate: the apiVersion, kind and metadata of every
// x-kubernetes-embedded-resource object below p (and of x itself when isResourceRoot). Fields are visited in
// sorted order. metaFn validates embedded ObjectMeta; when nil only the name rules are checked.
func validateEmbedded(p *types.FieldPath, x any, s *Schema, isResourceRoot bool, metaFn ObjectMetaValidator) types.FieldErrorList {
	if isResourceRoot {
		if s == nil {
			s = &Schema{}
		}
		if !s.XEmbeddedResource {
			clone := *s
			clone.XEmbeddedResource = true
			s = &clone
		}
	}
	return embeddedAt(p, x, s, metaFn)
}

func embeddedAt(p *types.FieldPath, x any, s *Schema, metaFn ObjectMetaValidator) types.FieldErrorList {
	if s == nil {
		return nil
	}
	var errs types.FieldErrorList
	switch x := x.(type) {
	case map[string]any:
		if s.XEmbeddedResource {
			errs = append(errs, validateEmbeddedResource(p, x, metaFn)...)
		}
		for _, k := range sortedKeys(x) {
			if prop, ok := s.Properties[k]; ok {
				errs = append(errs, embeddedAt(p.Child(k), x[k], prop, metaFn)...)
			} else if s.HasAdditionalProperties {
				errs = append(errs, embeddedAt(p.Key(k), x[k], s.AdditionalProperties, metaFn)...)
			}
		}
	case []any:
		for i, v := range x {
			errs = append(errs, embeddedAt(p.Index(i), v, s.Items, metaFn)...)
		}
	}
	return errs
}

// validateEmbeddedResource checks the type meta and object meta of one embedded resource.
func validateEmbeddedResource(p *types.FieldPath, x map[string]any, metaFn ObjectMetaValidator) types.FieldErrorList {
	var errs types.FieldErrorList
	if _, ok := x["apiVersion"]; !ok {
		errs = append(errs, types.FieldRequired(p.Child("apiVersion"), ""))
	}
	if _, ok := x["kind"]; !ok {
		errs = append(errs, types.FieldRequired(p.Child("kind"), ""))
	}
	if v, ok := x["apiVersion"]; ok {
		switch apiVersion, isString := v.(string); {
		case !isString:
			errs = append(errs, types.FieldInvalid(p.Child("apiVersion"), v, "must be a string"))
		case apiVersion == "":
			errs = append(errs, types.FieldRequired(p.Child("apiVersion"), ""))
		case strings.Count(apiVersion, "/") > 1 && apiVersion != "/":
			errs = append(errs, types.FieldInvalid(p.Child("apiVersion"), apiVersion, "unexpected GroupVersion string: "+apiVersion))
		}
	}
	if v, ok := x["kind"]; ok {
		switch kind, isString := v.(string); {
		case !isString:
			errs = append(errs, types.FieldInvalid(p.Child("kind"), v, "must be a string"))
		case kind == "":
			errs = append(errs, types.FieldRequired(p.Child("kind"), ""))
		default:
			if msgs := types.IsDNS1035Label(strings.ToLower(kind)); len(msgs) > 0 {
				errs = append(errs, types.FieldInvalid(p.Child("kind"), kind, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
			}
		}
	}
	if v, ok := x["metadata"]; ok {
		errs = append(errs, validateEmbeddedMeta(p.Child("metadata"), v, metaFn)...)
	}
	return errs
}

// objectMetaStrings are the ObjectMeta fields that must decode as strings.
var objectMetaStrings = []string{"name", "generateName", "namespace", "uid", "resourceVersion", "selfLink"}

// validateEmbeddedMeta decodes the metadata of an embedded resource as ObjectMeta and validates it.
func validateEmbeddedMeta(p *types.FieldPath, v any, metaFn ObjectMetaValidator) types.FieldErrorList {
	var meta map[string]any
	switch t := v.(type) {
	case nil:
		meta = map[string]any{}
	case map[string]any:
		meta = make(map[string]any, len(t))
		for k, e := range t {
			meta[k] = e
		}
	default:
		return types.FieldErrorList{types.FieldInvalid(p, v, fmt.Sprintf("json: cannot unmarshal %s into Go value of type v1.ObjectMeta", jsonKind(v)))}
	}
	for _, f := range objectMetaStrings {
		if fv, ok := meta[f]; ok && fv != nil {
			if _, isString := fv.(string); !isString {
				return types.FieldErrorList{types.FieldInvalid(p, v, fmt.Sprintf("json: cannot unmarshal %s into Go struct field ObjectMeta.%s of type string", jsonKind(fv), f))}
			}
		}
	}
	if name, _ := meta["name"].(string); name == "" {
		meta["name"] = "fakename"
	}
	if metaFn != nil {
		return metaFn(meta, p)
	}
	var errs types.FieldErrorList
	name, _ := meta["name"].(string)
	for _, msg := range types.IsValidPathSegmentName(name) {
		errs = append(errs, types.FieldInvalid(p.Child("name"), name, msg))
	}
	if gen, _ := meta["generateName"].(string); gen != "" {
		for _, msg := range pathSegmentPrefixErrors(gen) {
			errs = append(errs, types.FieldInvalid(p.Child("generateName"), gen, msg))
		}
	}
	return errs
}

// pathSegmentPrefixErrors is apimachinery's IsValidPathSegmentPrefix.
func pathSegmentPrefixErrors(name string) []string {
	var errs []string
	if strings.Contains(name, "/") {
		errs = append(errs, "may not contain '/'")
	}
	if strings.Contains(name, "%") {
		errs = append(errs, "may not contain '%'")
	}
	return errs
}
