package apiserver

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// The OpenAPI documents are generated from the embedded schema of the built-in kinds (types.SchemaFor): component
// schemas with kubectl's vendor extensions (group-version-kind, list types, patch strategies), and the resource paths
// with the parameters kubectl looks for (fieldValidation on PATCH tells it the server validates fields, so it sends
// fieldValidation=Strict instead of validating on the client). Descriptions are not in the schema, so kubectl explain
// shows field names and types without prose.

// packagePaths maps the schema's Go package aliases to their import paths, from which OpenAPI definition names are
// made ("k8s.io/api/core/v1" + "Pod" → "io.k8s.api.core.v1.Pod").
var packagePaths = map[string]string{
	"apiextensionsv1": "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1", "appsv1": "k8s.io/api/apps/v1",
	"autoscalingv1": "k8s.io/api/autoscaling/v1", "batchv1": "k8s.io/api/batch/v1", "coordinationv1": "k8s.io/api/coordination/v1",
	"corev1": "k8s.io/api/core/v1", "discoveryv1": "k8s.io/api/discovery/v1", "eventsv1": "k8s.io/api/events/v1",
	"intstr": "k8s.io/apimachinery/pkg/util/intstr", "metav1": "k8s.io/apimachinery/pkg/apis/meta/v1",
	"networkingv1": "k8s.io/api/networking/v1", "policyv1": "k8s.io/api/policy/v1", "rbacv1": "k8s.io/api/rbac/v1",
	"resource": "k8s.io/apimachinery/pkg/api/resource", "runtime": "k8s.io/apimachinery/pkg/runtime",
	"schedulingv1": "k8s.io/api/scheduling/v1", "schedulingv1alpha3": "k8s.io/api/scheduling/v1alpha3", "storagev1": "k8s.io/api/storage/v1",
}

// definitionName returns the OpenAPI definition name of a named schema.
func definitionName(s *types.Schema) string {
	alias, typ, _ := strings.Cut(s.Name(), ".")
	path, ok := packagePaths[alias]
	if !ok {
		path = alias
	}
	host, rest, _ := strings.Cut(path, "/")
	parts := strings.Split(host, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".") + "." + strings.ReplaceAll(rest, "/", ".") + "." + typ
}

// openAPIDoc builds OpenAPI documents; refPrefix is "#/components/schemas/" (v3) or "#/definitions/" (v2).
type openAPIDoc struct {
	refPrefix string
	defs      map[string]any
}

// schemaOf converts a schema into an OpenAPI schema, adding named object types to defs.
func (d *openAPIDoc) schemaOf(s *types.Schema) map[string]any {
	switch s.Kind() {
	case types.KindObject:
		if s.Name() == "" {
			return map[string]any{"type": "object"}
		}
		name := definitionName(s)
		if _, done := d.defs[name]; !done {
			d.defs[name] = map[string]any{} // placeholder for recursive types
			props := map[string]any{}
			for _, f := range s.Fields() {
				p := d.schemaOf(f.Type)
				if f.PatchStrategy != "" {
					p = withExt(p, "x-kubernetes-patch-strategy", string(f.PatchStrategy))
				}
				if f.PatchMergeKey != "" {
					p = withExt(p, "x-kubernetes-patch-merge-key", f.PatchMergeKey)
				}
				props[f.Name] = p
			}
			def := map[string]any{"type": "object", "properties": props}
			if s.Atomic() {
				def["x-kubernetes-map-type"] = "atomic"
			}
			d.defs[name] = def
		}
		return map[string]any{"$ref": d.refPrefix + name}
	case types.KindMap:
		return map[string]any{"type": "object", "additionalProperties": d.schemaOf(s.Elem())}
	case types.KindList:
		out := map[string]any{"type": "array", "items": d.schemaOf(s.Elem())}
		if lt := s.ListType(); lt != "" {
			out["x-kubernetes-list-type"] = string(lt)
			if keys := s.ListMapKeys(); len(keys) > 0 {
				out["x-kubernetes-list-map-keys"] = keys
			}
		}
		return out
	case types.KindString:
		return withFormat(map[string]any{"type": "string"}, s.Format())
	case types.KindInteger:
		return withFormat(map[string]any{"type": "integer"}, s.Format())
	case types.KindNumber:
		return withFormat(map[string]any{"type": "number"}, s.Format())
	case types.KindBoolean:
		return map[string]any{"type": "boolean"}
	case types.KindIntOrString:
		return map[string]any{"format": "int-or-string", "x-kubernetes-int-or-string": true}
	default:
		return map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	}
}

// withExt adds an extension to a schema; a $ref gets wrapped in allOf, as extensions beside $ref are ignored.
func withExt(p map[string]any, key string, v any) map[string]any {
	if _, isRef := p["$ref"]; isRef {
		p = map[string]any{"allOf": []any{p}}
	}
	p[key] = v
	return p
}

func withFormat(p map[string]any, format string) map[string]any {
	if format != "" {
		p["format"] = format
	}
	return p
}

// openAPIParam is one query or path parameter.
func openAPIParam(v3 bool, name, in string) map[string]any {
	p := map[string]any{"name": name, "in": in, "uniqueItems": true}
	if in == "path" {
		p["required"] = true
	}
	if v3 {
		p["schema"] = map[string]any{"type": "string"}
	} else {
		p["type"] = "string"
	}
	return p
}

// buildOpenAPI returns the paths and definitions of the resources of gv, or of every resource for the zero gv:
// the built-in ones, or with custom set the custom ones.
func (s *Server) buildOpenAPI(gv types.GroupVersion, v3, custom bool) (paths map[string]any, defs map[string]any) {
	d := &openAPIDoc{refPrefix: "#/definitions/", defs: map[string]any{}}
	if v3 {
		d.refPrefix = "#/components/schemas/"
	}
	paths = map[string]any{}
	for _, r := range s.Resources() {
		if gv != (types.GroupVersion{}) && r.GVR.GroupVersion() != gv || (r.custom != nil) != custom {
			continue // the zero gv asks for every resource (the v2 document)
		}
		gvk := r.GVR.GroupVersion().WithKind(r.Kind)
		gvkExt := map[string]string{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
		var ref map[string]any
		if custom {
			ref = d.customSchemaOf(r, gvkExt)
		} else {
			schema, ok := types.SchemaFor(gvk)
			if !ok {
				continue
			}
			ref = d.schemaOf(schema)
			if def, ok := d.defs[definitionName(schema)].(map[string]any); ok {
				def["x-kubernetes-group-version-kind"] = []any{gvkExt}
			}
		}
		base := "/api/" + r.GVR.Version
		if r.GVR.Group != "" {
			base = "/apis/" + r.GVR.Group + "/" + r.GVR.Version
		}
		nsParams := []any{}
		if r.Namespaced {
			base += "/namespaces/{namespace}"
			nsParams = append(nsParams, openAPIParam(v3, "namespace", "path"))
		}
		collection, item := base+"/"+r.GVR.Resource, base+"/"+r.GVR.Resource+"/{name}"
		op := func(action string, write bool, params ...string) map[string]any {
			ps := append([]any{}, nsParams...)
			for _, p := range params {
				in := "query"
				if p == "name" {
					in = "path"
				}
				ps = append(ps, openAPIParam(v3, p, in))
			}
			o := map[string]any{
				"operationId":                     action + r.Kind,
				"x-kubernetes-action":             action,
				"x-kubernetes-group-version-kind": gvkExt,
				"parameters":                      ps,
			}
			if v3 {
				o["responses"] = map[string]any{"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": ref}}}}
			} else {
				o["responses"] = map[string]any{"200": map[string]any{"description": "OK", "schema": ref}}
			}
			return o
		}
		paths[collection] = map[string]any{
			"get":    op("list", false, "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch", "watch"),
			"post":   op("post", true, "dryRun", "fieldManager", "fieldValidation"),
			"delete": op("deletecollection", true, "labelSelector", "fieldSelector", "dryRun"),
		}
		paths[item] = map[string]any{
			"get":    op("get", false, "name", "resourceVersion"),
			"put":    op("put", true, "name", "dryRun", "fieldManager", "fieldValidation"),
			"patch":  op("patch", true, "name", "dryRun", "fieldManager", "fieldValidation", "force"),
			"delete": op("delete", true, "name", "dryRun", "gracePeriodSeconds", "propagationPolicy"),
		}
	}
	return paths, d.defs
}

// openAPIInfo is the info object of every document.
var openAPIInfo = map[string]any{"title": "Kubernetes", "version": KubernetesVersion}

// openAPICache holds the documents of the built-in resources, which never change: they are built once per server
// and shared with its forks. The documents of custom resources are built on request (openAPIDocs).
type openAPICache struct {
	once sync.Once
	v2   []byte
	// v2Paths and v2Defs are the v2 document's parts, to which the custom resources are added (never modified).
	v2Paths, v2Defs map[string]any
	v3              map[string][]byte // "api/v1", "apis/apps/v1" → document
	index           map[string]any    // the /openapi/v3 entries of v3
}

func (s *Server) openAPI() *openAPICache {
	c := s.openapi
	c.once.Do(func() {
		paths, defs := s.buildOpenAPI(types.GroupVersion{}, false, false)
		c.v2, _ = json.Marshal(map[string]any{"swagger": "2.0", "info": openAPIInfo, "paths": paths, "definitions": defs})
		c.v2Paths, c.v2Defs = paths, defs
		c.v3, c.index = map[string][]byte{}, map[string]any{}
		for _, gv := range s.groupVersions() {
			if p, d := s.buildOpenAPI(gv, true, false); len(p) > 0 {
				addOpenAPIv3(c.v3, c.index, gv, p, d)
			}
		}
	})
	return c
}

// addOpenAPIv3 adds the v3 document of gv to docs and its entry to index.
func addOpenAPIv3(docs map[string][]byte, index map[string]any, gv types.GroupVersion, paths, defs map[string]any) {
	key := "api/" + gv.Version
	if gv.Group != "" {
		key = "apis/" + gv.Group + "/" + gv.Version
	}
	doc, _ := json.Marshal(map[string]any{"openapi": "3.0.0", "info": openAPIInfo, "paths": paths, "components": map[string]any{"schemas": defs}})
	docs[key] = doc
	sum := sha512.Sum512(doc)
	index[key] = map[string]string{"serverRelativeURL": "/openapi/v3/" + key + "?hash=" + strings.ToUpper(hex.EncodeToString(sum[:]))}
}

// customOpenAPIv3 builds the v3 documents of the custom resources served now, by group version.
func (s *Server) customOpenAPIv3() (docs map[string][]byte, index map[string]any) {
	docs, index = map[string][]byte{}, map[string]any{}
	reg := s.registry()
	if len(reg.custom) == 0 {
		return docs, index
	}
	for _, gv := range reg.groupVersions() {
		if p, d := s.buildOpenAPI(gv, true, true); len(p) > 0 {
			addOpenAPIv3(docs, index, gv, p, d)
		}
	}
	return docs, index
}

// openAPIv2 returns the v2 document: the built-in resources' (cached), with the custom resources served now
// added, as kube-apiserver publishes CRDs in both documents.
func (s *Server) openAPIv2(c *openAPICache) []byte {
	if len(s.registry().custom) == 0 {
		return c.v2
	}
	paths, defs := s.buildOpenAPI(types.GroupVersion{}, false, true)
	for k, v := range c.v2Paths {
		if _, custom := paths[k]; !custom {
			paths[k] = v
		}
	}
	for k, v := range c.v2Defs {
		if _, custom := defs[k]; !custom {
			defs[k] = v
		}
	}
	doc, _ := json.Marshal(map[string]any{"swagger": "2.0", "info": openAPIInfo, "paths": paths, "definitions": defs})
	return doc
}

// toOpenAPIv2 removes in place what OpenAPI v2 clients (kubectl's validation among them) cannot read from a CRD's
// schema, as apiextensions-apiserver does when it publishes CRDs in /openapi/v2: the allOf, oneOf, anyOf and not
// junctors and x-kubernetes-validations; a nullable field loses its type, nullable and what is below it, and is no
// longer required; a field that preserves unknown fields loses what is below it; an array left without items loses
// its type.
func toOpenAPIv2(schema map[string]any) {
	for _, k := range []string{"allOf", "oneOf", "anyOf", "not", "x-kubernetes-validations"} {
		delete(schema, k)
	}
	if schema["nullable"] == true {
		delete(schema, "type")
		delete(schema, "items")
		delete(schema, "properties")
	}
	delete(schema, "nullable")
	if schema["x-kubernetes-preserve-unknown-fields"] == true {
		delete(schema, "items")
		delete(schema, "properties")
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		var nullable []string
		for name, p := range props {
			if m, ok := p.(map[string]any); ok {
				if m["nullable"] == true {
					nullable = append(nullable, name)
				}
				toOpenAPIv2(m)
			}
		}
		if req, ok := schema["required"].([]any); ok && len(nullable) > 0 {
			schema["required"] = slices.DeleteFunc(req, func(r any) bool { name, _ := r.(string); return slices.Contains(nullable, name) })
		}
	}
	for _, k := range []string{"items", "additionalProperties"} {
		if m, ok := schema[k].(map[string]any); ok {
			toOpenAPIv2(m)
		}
	}
	if schema["type"] == "array" && schema["items"] == nil {
		delete(schema, "type")
	}
}

// serveOpenAPI answers /openapi/v2, /openapi/v3 and /openapi/v3/<group-version>.
func (h *handler) serveOpenAPI(w http.ResponseWriter, p string) {
	c := h.s.openAPI()
	switch {
	case p == "/openapi/v2":
		writeJSON(w, http.StatusOK, h.s.openAPIv2(c))
	case p == "/openapi/v3":
		_, custom := h.s.customOpenAPIv3()
		index := make(map[string]any, len(c.index)+len(custom))
		for k, v := range c.index {
			index[k] = v
		}
		for k, v := range custom {
			index[k] = v
		}
		root, _ := json.Marshal(map[string]any{"paths": index})
		writeJSON(w, http.StatusOK, root)
	default:
		key := strings.TrimPrefix(p, "/openapi/v3/")
		if docs, _ := h.s.customOpenAPIv3(); docs[key] != nil {
			writeJSON(w, http.StatusOK, docs[key])
			return
		}
		if doc, ok := c.v3[key]; ok {
			writeJSON(w, http.StatusOK, doc)
			return
		}
		writeError(w, notFound())
	}
}

// customSchemaOf adds the schema of a custom resource version to the document, as apiextensions-apiserver publishes
// it: the CRD's openAPIV3Schema, with apiVersion, kind and metadata (ObjectMeta) declared and the group-version-kind
// extension, under the name "<reversed group>.<version>.<Kind>" ("com.example.v1.Widget").
func (d *openAPIDoc) customSchemaOf(r *Resource, gvk map[string]string) map[string]any {
	parts := strings.Split(r.GVR.Group, ".")
	slices.Reverse(parts)
	name := strings.Join(parts, ".") + "." + r.GVR.Version + "." + r.Kind
	def := map[string]any{}
	if raw := r.custom.openapi; raw != nil {
		// A deep copy (the stored schema is shared), through jsontree so that integers stay integers.
		if b, err := jsontree.Append(nil, raw); err == nil {
			if cp, err := jsontree.DecodeObject(b); err == nil {
				def = cp
			}
		}
	}
	if d.refPrefix == "#/definitions/" {
		toOpenAPIv2(def)
	}
	if def["type"] == nil {
		def["type"] = "object"
	}
	props, _ := def["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props["apiVersion"] = map[string]any{"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"}
	props["kind"] = map[string]any{"type": "string", "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"}
	if meta, ok := types.SchemaForType("metav1.ObjectMeta"); ok {
		props["metadata"] = map[string]any{"allOf": []any{d.schemaOf(meta)}, "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"}
	}
	def["properties"] = props
	def["x-kubernetes-group-version-kind"] = []any{gvk}
	d.defs[name] = def
	return map[string]any{"$ref": d.refPrefix + name}
}
