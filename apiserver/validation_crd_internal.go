package apiserver

import (
	"bytes"
	"encoding/json"
)

// The internal form of a CustomResourceDefinition, which kube-apiserver validates: the spec as
// Convert_v1_CustomResourceDefinitionSpec_To_apiextensions_CustomResourceDefinitionSpec builds it (crdSpec), and
// the internal types as bad values print them (crdVersionValue, crdSchemaValue, ...). The internal types have no
// JSON tags, so their JSON encoding names members by their Go field names, in declaration order.

// crdSpec is the internal CustomResourceDefinitionSpec of a v1 spec, as the conversion builds it.
type crdSpec struct {
	group, scope string
	names        vmap
	versions     []crdVersion
	// The top-level members the conversion moves out of identical versions; nil (or empty) when not moved. The raw
	// values are the first version's.
	validation, subresources vmap
	columns, selectable      []any
	// conversion is spec.conversion; webhookClientConfig and reviewVersions are its internal members.
	conversion          vmap
	webhookClientConfig vmap
	reviewVersions      []string
	// preserveUnknownFields is the v1 bool, which the conversion always sets.
	preserveUnknownFields bool
	// versionsValue is spec.versions as a bad value prints it.
	versionsValue []crdVersionValue
}

// crdVersion is one internal CustomResourceDefinitionVersion; members moved to the top level are nil.
type crdVersion struct {
	name                 string
	served, storage      bool
	schema, subresources vmap
	columns, selectable  []any
	deprecationWarning   *string
	deprecated           bool
}

// crdInternalSpec converts a v1 spec to its internal form.
func crdInternalSpec(spec vmap) *crdSpec {
	s := &crdSpec{group: spec.str("group"), scope: spec.str("scope"), names: spec.obj("names"),
		conversion: spec.obj("conversion"), preserveUnknownFields: spec.boolean("preserveUnknownFields")}
	if s.conversion != nil {
		webhook := s.conversion.obj("webhook")
		s.webhookClientConfig = webhook.obj("clientConfig")
		s.reviewVersions = webhook.strList("conversionReviewVersions")
	}
	var all, semantic []crdVersionValue
	if spec.list("versions") != nil {
		all = []crdVersionValue{} // [] prints as [], an absent list as null
	}
	for _, v := range spec.list("versions") {
		raw := vObj(v)
		ver := crdVersion{name: raw.str("name"), served: raw.boolean("served"), storage: raw.boolean("storage"),
			deprecated: raw.boolean("deprecated"), schema: raw.obj("schema"), subresources: raw.obj("subresources"),
			columns: raw.list("additionalPrinterColumns"), selectable: raw.list("selectableFields")}
		if raw.hasStr("deprecationWarning") {
			w := raw.str("deprecationWarning")
			ver.deprecationWarning = &w
		}
		s.versions = append(s.versions, ver)
		all = append(all, crdValues{}.version(raw))
		semantic = append(semantic, crdValues{semantic: true}.version(raw))
	}
	s.versionsValue = all
	if len(s.versions) == 0 {
		return s
	}
	same := func(member func(v crdVersionValue) any) bool {
		for _, v := range semantic {
			if !crdSameValue(member(v), member(semantic[0])) {
				return false
			}
		}
		return true
	}
	first := s.versions[0]
	hoistSub := same(func(v crdVersionValue) any { return v.Subresources })
	hoistSchema := same(func(v crdVersionValue) any { return v.Schema })
	hoistCols := same(func(v crdVersionValue) any { return v.AdditionalPrinterColumns })
	hoistSel := same(func(v crdVersionValue) any { return v.SelectableFields })
	if hoistSub {
		s.subresources = first.subresources
	}
	if hoistSchema {
		s.validation = first.schema
	}
	if hoistCols {
		s.columns = first.columns
	}
	if hoistSel {
		s.selectable = first.selectable
	}
	for i := range s.versions {
		v, val := &s.versions[i], &all[i]
		if hoistSub {
			v.subresources, val.Subresources = nil, nil
		}
		if hoistSchema {
			v.schema, val.Schema = nil, nil
		}
		if hoistCols {
			v.columns, val.AdditionalPrinterColumns = nil, nil
		}
		if hoistSel {
			v.selectable, val.SelectableFields = nil, nil
		}
	}
	return s
}

// crdSameValue is apiequality.Semantic.DeepEqual on values built by crdValues{semantic: true}.
func crdSameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// crdVersionValue is the internal CustomResourceDefinitionVersion.
type crdVersionValue struct {
	Name                     string
	Served                   bool
	Storage                  bool
	Deprecated               bool
	DeprecationWarning       *string
	Schema                   *crdValidationValue
	Subresources             *crdSubresourcesValue
	AdditionalPrinterColumns []crdColumnValue
	SelectableFields         []crdSelectableFieldValue
}

// crdValidationValue is the internal CustomResourceValidation.
type crdValidationValue struct{ OpenAPIV3Schema *crdSchemaValue }

// crdSubresourcesValue is the internal CustomResourceSubresources; the status subresource has no members.
type crdSubresourcesValue struct {
	Status *struct{}
	Scale  *crdScaleValue
}

// crdScaleValue is the internal CustomResourceSubresourceScale.
type crdScaleValue struct {
	SpecReplicasPath   string
	StatusReplicasPath string
	LabelSelectorPath  *string
}

// crdColumnValue is the internal CustomResourceColumnDefinition.
type crdColumnValue struct {
	Name        string
	Type        string
	Format      string
	Description string
	Priority    int32
	JSONPath    string
}

// crdSelectableFieldValue is the internal SelectableField.
type crdSelectableFieldValue struct{ JSONPath string }

// crdSchemaValue is the internal JSONSchemaProps (types_jsonschema.go), member for member.
type crdSchemaValue struct {
	ID                     string
	Schema                 string
	Ref                    *string
	Description            string
	Type                   string
	Nullable               bool
	Format                 string
	Title                  string
	Default                *any
	Maximum                *float64
	ExclusiveMaximum       bool
	Minimum                *float64
	ExclusiveMinimum       bool
	MaxLength              *int64
	MinLength              *int64
	Pattern                string
	MaxItems               *int64
	MinItems               *int64
	UniqueItems            bool
	MultipleOf             *float64
	Enum                   []any
	MaxProperties          *int64
	MinProperties          *int64
	Required               []string
	Items                  *crdSchemaOrArrayValue
	AllOf                  []crdSchemaValue
	OneOf                  []crdSchemaValue
	AnyOf                  []crdSchemaValue
	Not                    *crdSchemaValue
	Properties             map[string]crdSchemaValue
	AdditionalProperties   *crdSchemaOrBoolValue
	PatternProperties      map[string]crdSchemaValue
	Dependencies           map[string]crdSchemaOrStringArrayValue
	AdditionalItems        *crdSchemaOrBoolValue
	Definitions            map[string]crdSchemaValue
	ExternalDocs           *crdExternalDocsValue
	Example                *any
	XPreserveUnknownFields *bool
	XEmbeddedResource      bool
	XIntOrString           bool
	XListMapKeys           []string
	XListType              *string
	XMapType               *string
	XValidations           []crdValidationRuleValue
}

type crdSchemaOrArrayValue struct {
	Schema      *crdSchemaValue
	JSONSchemas []crdSchemaValue
}

type crdSchemaOrBoolValue struct {
	Allows bool
	Schema *crdSchemaValue
}

type crdSchemaOrStringArrayValue struct {
	Schema   *crdSchemaValue
	Property []string
}

type crdExternalDocsValue struct {
	Description string
	URL         string
}

type crdValidationRuleValue struct {
	Rule              string
	Message           string
	MessageExpression string
	Reason            *string
	FieldPath         string
	OptionalOldSelf   *bool
}

// crdValues builds the internal values from decoded v1 JSON. With semantic set, empty lists and maps are nil, so
// that two values are apiequality.Semantic.DeepEqual exactly when their JSON encodings are equal (crdSameValue);
// otherwise an empty list stays empty, as the decoder and the conversion leave it.
type crdValues struct{ semantic bool }

func (b crdValues) version(v vmap) crdVersionValue {
	out := crdVersionValue{Name: v.str("name"), Served: v.boolean("served"), Storage: v.boolean("storage"),
		Deprecated: v.boolean("deprecated"), DeprecationWarning: crdOptString(v, "deprecationWarning")}
	if s := v.obj("schema"); s != nil {
		out.Schema = &crdValidationValue{}
		if root := s.obj("openAPIV3Schema"); root != nil {
			props := b.schemaProps(root)
			out.Schema.OpenAPIV3Schema = &props
		}
	}
	if s := v.obj("subresources"); s != nil {
		out.Subresources = &crdSubresourcesValue{}
		if s.obj("status") != nil {
			out.Subresources.Status = &struct{}{}
		}
		if scale := s.obj("scale"); scale != nil {
			out.Subresources.Scale = &crdScaleValue{SpecReplicasPath: scale.str("specReplicasPath"),
				StatusReplicasPath: scale.str("statusReplicasPath"), LabelSelectorPath: crdOptString(scale, "labelSelectorPath")}
		}
	}
	if cols := v.list("additionalPrinterColumns"); cols != nil && (len(cols) > 0 || !b.semantic) {
		out.AdditionalPrinterColumns = make([]crdColumnValue, 0, len(cols))
		for _, c := range cols {
			col := vObj(c)
			out.AdditionalPrinterColumns = append(out.AdditionalPrinterColumns, crdColumnValue{Name: col.str("name"),
				Type: col.str("type"), Format: col.str("format"), Description: col.str("description"),
				Priority: int32(col.integer0("priority")), JSONPath: col.str("jsonPath")})
		}
	}
	if fields := v.list("selectableFields"); fields != nil && (len(fields) > 0 || !b.semantic) {
		out.SelectableFields = make([]crdSelectableFieldValue, 0, len(fields))
		for _, f := range fields {
			out.SelectableFields = append(out.SelectableFields, crdSelectableFieldValue{JSONPath: vObj(f).str("jsonPath")})
		}
	}
	return out
}

// schemaProps converts a v1 JSONSchemaProps (decoded JSON) to the internal one.
func (b crdValues) schemaProps(m vmap) crdSchemaValue {
	s := crdSchemaValue{ID: m.str("id"), Schema: m.str("$schema"), Ref: crdOptString(m, "$ref"),
		Description: m.str("description"), Type: m.str("type"), Nullable: m.boolean("nullable"), Format: m.str("format"),
		Title: m.str("title"), Default: crdOptJSON(m, "default"), Maximum: crdOptFloat(m, "maximum"),
		ExclusiveMaximum: m.boolean("exclusiveMaximum"), Minimum: crdOptFloat(m, "minimum"),
		ExclusiveMinimum: m.boolean("exclusiveMinimum"), MaxLength: crdOptInt(m, "maxLength"),
		MinLength: crdOptInt(m, "minLength"), Pattern: m.str("pattern"), MaxItems: crdOptInt(m, "maxItems"),
		MinItems: crdOptInt(m, "minItems"), UniqueItems: m.boolean("uniqueItems"), MultipleOf: crdOptFloat(m, "multipleOf"),
		MaxProperties: crdOptInt(m, "maxProperties"), MinProperties: crdOptInt(m, "minProperties"),
		Required: b.strings(m, "required"), AllOf: b.schemaList(m["allOf"]), OneOf: b.schemaList(m["oneOf"]),
		AnyOf: b.schemaList(m["anyOf"]), Not: b.schemaPtr(m["not"]), Properties: b.schemaMap(m["properties"]),
		AdditionalProperties: b.schemaOrBool(m["additionalProperties"]), PatternProperties: b.schemaMap(m["patternProperties"]),
		AdditionalItems: b.schemaOrBool(m["additionalItems"]), Definitions: b.schemaMap(m["definitions"]),
		Example: crdOptJSON(m, "example"), XEmbeddedResource: m.boolean("x-kubernetes-embedded-resource"),
		XIntOrString: m.boolean("x-kubernetes-int-or-string"), XListMapKeys: b.strings(m, "x-kubernetes-list-map-keys"),
		XListType: crdOptString(m, "x-kubernetes-list-type"), XMapType: crdOptString(m, "x-kubernetes-map-type")}
	if m.hasBool("x-kubernetes-preserve-unknown-fields") {
		v := m.boolean("x-kubernetes-preserve-unknown-fields")
		s.XPreserveUnknownFields = &v
	}
	switch items := m["items"].(type) {
	case map[string]any:
		s.Items = &crdSchemaOrArrayValue{Schema: b.schemaPtr(items)}
	case []any:
		s.Items = &crdSchemaOrArrayValue{JSONSchemas: b.schemaList(items)}
	}
	if enum := m.list("enum"); enum != nil && (len(enum) > 0 || !b.semantic) {
		s.Enum = make([]any, len(enum))
		copy(s.Enum, enum)
	}
	if deps := m.obj("dependencies"); deps != nil && (len(deps) > 0 || !b.semantic) {
		s.Dependencies = make(map[string]crdSchemaOrStringArrayValue, len(deps))
		for k, d := range deps {
			if list, ok := d.([]any); ok {
				s.Dependencies[k] = crdSchemaOrStringArrayValue{Property: vmap{"p": list}.strList("p")}
			} else {
				s.Dependencies[k] = crdSchemaOrStringArrayValue{Schema: b.schemaPtr(d)}
			}
		}
	}
	if docs := m.obj("externalDocs"); docs != nil {
		s.ExternalDocs = &crdExternalDocsValue{Description: docs.str("description"), URL: docs.str("url")}
	}
	for _, r := range m.list("x-kubernetes-validations") {
		rule := vObj(r)
		s.XValidations = append(s.XValidations, crdValidationRuleValue{Rule: rule.str("rule"), Message: rule.str("message"),
			MessageExpression: rule.str("messageExpression"), Reason: crdOptString(rule, "reason"),
			FieldPath: rule.str("fieldPath"), OptionalOldSelf: crdOptBool(rule, "optionalOldSelf")})
	}
	if s.XValidations == nil && m.list("x-kubernetes-validations") != nil && !b.semantic {
		s.XValidations = []crdValidationRuleValue{}
	}
	return s
}

func (b crdValues) schemaPtr(v any) *crdSchemaValue {
	m := vObj(v)
	if m == nil {
		return nil
	}
	s := b.schemaProps(m)
	return &s
}

func (b crdValues) schemaList(v any) []crdSchemaValue {
	list, ok := v.([]any)
	if !ok || len(list) == 0 && b.semantic {
		return nil
	}
	out := make([]crdSchemaValue, 0, len(list))
	for _, e := range list {
		out = append(out, b.schemaProps(vObj(e)))
	}
	return out
}

func (b crdValues) schemaMap(v any) map[string]crdSchemaValue {
	m := vObj(v)
	if m == nil || len(m) == 0 && b.semantic {
		return nil
	}
	out := make(map[string]crdSchemaValue, len(m))
	for k, e := range m {
		out[k] = b.schemaProps(vObj(e))
	}
	return out
}

// schemaOrBool is JSONSchemaPropsOrBool: a boolean, or a schema that allows.
func (b crdValues) schemaOrBool(v any) *crdSchemaOrBoolValue {
	switch t := v.(type) {
	case bool:
		return &crdSchemaOrBoolValue{Allows: t}
	case map[string]any:
		return &crdSchemaOrBoolValue{Allows: true, Schema: b.schemaPtr(t)}
	}
	return nil
}

func (b crdValues) strings(m vmap, key string) []string {
	list := m.strList(key)
	if len(list) == 0 && b.semantic {
		return nil
	}
	return list
}

func crdOptString(m vmap, key string) *string {
	if !m.hasStr(key) {
		return nil
	}
	s := m.str(key)
	return &s
}

func crdOptBool(m vmap, key string) *bool {
	if !m.hasBool(key) {
		return nil
	}
	v := m.boolean(key)
	return &v
}

func crdOptInt(m vmap, key string) *int64 {
	n, ok := m.integer(key)
	if !ok {
		return nil
	}
	return &n
}

func crdOptFloat(m vmap, key string) *float64 {
	var f float64
	switch n := m[key].(type) {
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		return nil
	}
	return &f
}

// crdOptJSON is a *JSON member (default, example): nil when absent or null.
func crdOptJSON(m vmap, key string) *any {
	if !m.has(key) {
		return nil
	}
	v := plainJSON(m[key])
	return &v
}
