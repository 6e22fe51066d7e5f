package apiserver

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

var valGVKCRD = types.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// The parts of the valid CRD of the tests: two versions whose schemas differ (so each keeps its own) and whose
// subresources and columns are identical (so the conversion to the internal form moves them to the top level).
const (
	crdSchemaV1 = `{"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer"},` +
		`"color":{"type":"string"},"size":{"type":"object"}}},"status":{"type":"object","properties":{"replicas":{"type":"integer"},"selector":{"type":"string"}}}}}`
	crdSchemaV1beta1 = `{"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer"}}},` +
		`"status":{"type":"object","properties":{"replicas":{"type":"integer"},"selector":{"type":"string"}}}}}`
	crdSubresources = `{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}}`
	crdColumns      = `[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},{"name":"Color","type":"string","jsonPath":".spec.color","priority":1}]`
	crdV1beta1      = `{"name":"v1beta1","served":true,"storage":false,"schema":{"openAPIV3Schema":` + crdSchemaV1beta1 + `},` +
		`"subresources":` + crdSubresources + `,"additionalPrinterColumns":` + crdColumns + `}`
	crdV1 = `{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":` + crdSchemaV1 + `},` +
		`"subresources":` + crdSubresources + `,"additionalPrinterColumns":` + crdColumns + `}`
	crdBase = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",` +
		`"metadata":{"name":"foos.example.com","uid":"u1","resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z","generation":1},` +
		`"spec":{"group":"example.com","scope":"Namespaced",` +
		`"names":{"plural":"foos","singular":"foo","kind":"Foo","listKind":"FooList","shortNames":["fo"],"categories":["all"]},` +
		`"versions":[` + crdV1beta1 + `,` + crdV1 + `],"conversion":{"strategy":"None"}},` +
		`"status":{"storedVersions":["v1"]}}`
)

// crdVersions is a merge patch replacing spec.versions.
func crdVersions(versions ...string) string {
	return `{"spec":{"versions":[` + strings.Join(versions, ",") + `]}}`
}

// crdTestVersion is a served version with a schema, and optionally more members.
func crdTestVersion(name string, storage bool, more string) string {
	s := `{"name":"` + name + `","served":true,"storage":` + map[bool]string{true: "true", false: "false"}[storage] +
		`,"schema":{"openAPIV3Schema":{"type":"object"}}`
	if more != "" {
		s += "," + more
	}
	return s + "}"
}

const (
	crdDNS1035Msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
		"character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
	crdDNS1123SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
		"start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	crdApprovalURL = "see https://github.com/kubernetes/enhancements/pull/1111"
	// crdOneVersionValue is spec.versions of crdTestVersion("v1", false, "") as a bad value prints it: the internal
	// type, whose schema moved to the top level.
	crdOneVersionValue = `[{"Name":"v1","Served":true,"Storage":false,"Deprecated":false,"DeprecationWarning":null,"Schema":null,` +
		`"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null}]`
)

// crdCase is one CRD validation case: crdBase with patch applied (and for an update, the old object crdBase with
// oldPatch applied), and the exact texts of the errors, in order.
type crdCase struct {
	name            string
	patch, oldPatch string
	want            []string
}

func crdErrorTexts(errs types.FieldErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func crdRunCreate(t *testing.T, cases []crdCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, crdErrorTexts(validateObject(valGVKCRD, valDoc(t, crdBase, c.patch))))
		})
	}
}

func crdRunUpdate(t *testing.T, cases []crdCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := validateObjectUpdate(valGVKCRD, valDoc(t, crdBase, c.patch), valDoc(t, crdBase, c.oldPatch))
			require.Equal(t, c.want, crdErrorTexts(got))
		})
	}
}

func TestValidateCRDMetadataAndNames(t *testing.T) {
	crdRunCreate(t, []crdCase{
		{name: "valid"},
		{name: "name is plural.group", patch: `{"metadata":{"name":"bars.example.com"}}`, want: []string{
			`metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group`}},
		{name: "generateName too", patch: `{"metadata":{"generateName":"foos-"}}`, want: []string{
			`metadata.generateName: Invalid value: "foos-": must be spec.names.plural+"."+spec.group`}},
		{name: "object metadata", patch: `{"metadata":{"labels":{"-a":"b"}}}`, want: []string{
			`metadata.labels: Invalid value: "-a": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
		{name: "group required", patch: `{"metadata":{"name":"foos."},"spec":{"group":null}}`, want: []string{
			`spec.group: Required value`}},
		{name: "group with a dot", patch: `{"metadata":{"name":"foos.example"},"spec":{"group":"example"}}`, want: []string{
			`spec.group: Invalid value: "example": should be a domain with at least one dot`}},
		{name: "group a subdomain", patch: `{"metadata":{"name":"foos.Example.com"},"spec":{"group":"Example.com"}}`, want: []string{
			`spec.group: Invalid value: "Example.com": ` + crdDNS1123SubdomainMsg}},
		{name: "scope required", patch: `{"spec":{"scope":""}}`, want: []string{`spec.scope: Required value`}},
		{name: "scope supported", patch: `{"spec":{"scope":"Global"}}`, want: []string{
			`spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"`}},
		{name: "names required", patch: `{"metadata":{"name":".example.com"},"spec":{"names":{"plural":"","singular":null,"kind":"","listKind":""}}}`, want: []string{
			`spec.names.plural: Required value`, `spec.names.singular: Required value`, `spec.names.kind: Required value`,
			`spec.names.listKind: Required value`}},
		{name: "names formats", patch: `{"metadata":{"name":"Foos.example.com"},"spec":{"names":{"plural":"Foos","singular":"foo_","kind":"Foo_Bar","listKind":"9List","shortNames":["fo","F"],"categories":["all","Al l"]}}}`, want: []string{
			`spec.names.plural: Invalid value: "Foos": ` + crdDNS1035Msg,
			`spec.names.singular: Invalid value: "foo_": ` + crdDNS1035Msg,
			`spec.names.kind: Invalid value: "Foo_Bar": may have mixed case, but should otherwise match: ` + crdDNS1035Msg,
			`spec.names.listKind: Invalid value: "9List": may have mixed case, but should otherwise match: ` + crdDNS1035Msg,
			`spec.names.shortNames[1]: Invalid value: "F": ` + crdDNS1035Msg,
			`spec.names.categories[1]: Invalid value: "Al l": ` + crdDNS1035Msg}},
		{name: "listKind differs from kind", patch: `{"spec":{"names":{"listKind":"Foo"}}}`, want: []string{
			`spec.names.listKind: Invalid value: "Foo": kind and listKind may not be the same`}},
		{name: "accepted names", patch: `{"status":{"acceptedNames":{"plural":"Foos","kind":"Foo","listKind":"Foo"}}}`, want: []string{
			`status.acceptedNames.plural: Invalid value: "Foos": ` + crdDNS1035Msg,
			`status.acceptedNames.listKind: Invalid value: "Foo": kind and listKind may not be the same`}},
		{name: "protected group needs approval", patch: `{"metadata":{"name":"foos.apps.k8s.io"},"spec":{"group":"apps.k8s.io"}}`, want: []string{
			`metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", ` + crdApprovalURL}},
		{name: "protected group approval is a URL", patch: `{"metadata":{"name":"foos.kubernetes.io","annotations":{"api-approved.kubernetes.io":"yes"}},"spec":{"group":"kubernetes.io"}}`, want: []string{
			`metadata.annotations[api-approved.kubernetes.io]: Invalid value: "yes": protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", ` + crdApprovalURL}},
		{name: "protected group approved", patch: `{"metadata":{"name":"foos.x.k8s.io","annotations":{"api-approved.kubernetes.io":"https://github.com/kubernetes/kubernetes/pull/1"}},"spec":{"group":"x.k8s.io"}}`},
		{name: "protected group unapproved", patch: `{"metadata":{"name":"foos.x.k8s.io","annotations":{"api-approved.kubernetes.io":"unapproved, testing"}},"spec":{"group":"x.k8s.io"}}`},
		{name: "unprotected lookalike", patch: `{"metadata":{"name":"foos.notk8s.io"},"spec":{"group":"notk8s.io"}}`},
	})
}

func TestValidateCRDVersions(t *testing.T) {
	crdRunCreate(t, []crdCase{
		{name: "no versions", patch: `{"spec":{"versions":[]},"status":{"storedVersions":["v1"]}}`, want: []string{
			`spec.versions: Invalid value: []: must have exactly one version marked as storage version`,
			`status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions`}},
		{name: "one storage version", patch: crdVersions(crdTestVersion("v1", false, "")), want: []string{
			`spec.versions: Invalid value: ` + crdOneVersionValue + `: must have exactly one version marked as storage version`}},
		{name: "two storage versions", patch: crdVersions(crdTestVersion("v1", true, ""), crdTestVersion("v2", true, `"deprecated":true,"deprecationWarning":"old"`)), want: []string{
			`spec.versions: Invalid value: [{"Name":"v1","Served":true,"Storage":true,"Deprecated":false,"DeprecationWarning":null,"Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null},` +
				`{"Name":"v2","Served":true,"Storage":true,"Deprecated":true,"DeprecationWarning":"old","Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null}]: must have exactly one version marked as storage version`,
			`status.storedVersions: Invalid value: ["v1"]: must have the storage version v2`}},
		{name: "unique names", patch: crdVersions(crdTestVersion("v1", true, ""), crdTestVersion("v1", false, "")), want: []string{
			`spec.versions: Invalid value: [{"Name":"v1","Served":true,"Storage":true,"Deprecated":false,"DeprecationWarning":null,"Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null},` +
				`{"Name":"v1","Served":true,"Storage":false,"Deprecated":false,"DeprecationWarning":null,"Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null}]: must contain unique version names`}},
		{name: "version names, also as spec.version", patch: `{"spec":{"versions":[` + crdTestVersion("V1", true, "") + `,` + crdTestVersion("2", false, "") + `]},"status":{"storedVersions":["V1"]}}`, want: []string{
			`spec.versions[0].name: Invalid value: "V1": ` + crdDNS1035Msg,
			`spec.versions[1].name: Invalid value: "2": ` + crdDNS1035Msg,
			`spec.version: Invalid value: "V1": ` + crdDNS1035Msg}},
		{name: "schemas are required", patch: crdVersions(`{"name":"v1beta1","served":false,"storage":false}`, crdV1), want: []string{
			`spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required`}},
		{name: "schemas are required in every version", patch: crdVersions(`{"name":"v1beta1","served":true,"storage":false,"schema":{}}`, `{"name":"v1","served":true,"storage":true,"schema":{}}`), want: []string{
			`spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required`,
			`spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required`}},
		{name: "deprecation warning", patch: crdVersions(crdTestVersion("v1", true, `"deprecationWarning":"old"`), crdTestVersion("v2", false, `"deprecated":true,"deprecationWarning":"bad\u0007"`)), want: []string{
			`spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions`,
			`spec.versions[1].deprecationWarning: Invalid value: "bad\a": must only contain printable UTF-8 characters; non-printable character found at index 3`}},
		{name: "printer columns of every version", patch: crdVersions(crdTestVersion("v1", true, `"additionalPrinterColumns":[{"name":"A","type":"text","jsonPath":".spec.a"}]`),
			crdTestVersion("v2", false, `"additionalPrinterColumns":[{"name":"A","type":"text","jsonPath":".spec.a"}]`)), want: []string{
			`spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string`}},
		{name: "printer columns of one version", patch: crdVersions(crdTestVersion("v1", true, ""),
			crdTestVersion("v2", false, `"additionalPrinterColumns":[{"name":"A","type":"string"}]`)), want: []string{
			`spec.versions[1].additionalPrinterColumns[0].JSONPath: Required value`}},
		{name: "preserveUnknownFields", patch: `{"spec":{"preserveUnknownFields":true}}`, want: []string{
			`spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead`}},
		{name: "preserveUnknownFields with defaults", patch: `{"spec":{"preserveUnknownFields":true,"versions":[{"name":"v1","served":true,"storage":true,` +
			`"schema":{"openAPIV3Schema":{"type":"object","properties":{"a":{"type":"string","default":"x"}}}}}]}}`, want: []string{
			`spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema`,
			`spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead`}},
	})
}

func TestValidateCRDSubresources(t *testing.T) {
	scale := func(s string) string {
		return crdVersions(crdTestVersion("v1", true, `"subresources":{"scale":`+s+`}`))
	}
	crdRunCreate(t, []crdCase{
		{name: "required paths", patch: scale(`{}`), want: []string{
			`spec.subresources.scale.specReplicasPath: Required value`,
			`spec.subresources.scale.statusReplicasPath: Required value`}},
		{name: "simple json paths", patch: scale(`{"specReplicasPath":"spec.replicas","statusReplicasPath":"status.replicas","labelSelectorPath":"status.selector"}`), want: []string{
			`spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .`,
			`spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .`,
			`spec.subresources.scale.labelSelectorPath: Invalid value: "status.selector": must be a simple json path starting with .`}},
		{name: "under spec and status", patch: scale(`{"specReplicasPath":".status.replicas","statusReplicasPath":".spec.replicas","labelSelectorPath":".metadata.labels"}`), want: []string{
			`spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec`,
			`spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status`,
			`spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status`}},
		{name: "the root of a version's path", patch: scale(`{"specReplicasPath":".","statusReplicasPath":".status.replicas"}`), want: []string{
			`spec.subresources.scale.specReplicasPath: Invalid value: ".": should be a json path under .spec`}},
		{name: "per version", patch: crdVersions(crdTestVersion("v1", true, `"subresources":{"scale":{"specReplicasPath":".spec.replicas"}}`), crdTestVersion("v2", false, "")), want: []string{
			`spec.versions[0].subresources.scale.statusReplicasPath: Required value`}},
		{name: "root of a schema with status", patch: crdVersions(`{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},` +
			`"schema":{"openAPIV3Schema":{"type":"object","nullable":true}}}`), want: []string{
			`spec.validation.openAPIV3Schema: Invalid value: {"ID":"","Schema":"","Ref":null,"Description":"","Type":"object","Nullable":true,` +
				`"Format":"","Title":"","Default":null,"Maximum":null,"ExclusiveMaximum":false,"Minimum":null,"ExclusiveMinimum":false,` +
				`"MaxLength":null,"MinLength":null,"Pattern":"","MaxItems":null,"MinItems":null,"UniqueItems":false,"MultipleOf":null,` +
				`"Enum":null,"MaxProperties":null,"MinProperties":null,"Required":null,"Items":null,"AllOf":null,"OneOf":null,"AnyOf":null,` +
				`"Not":null,"Properties":null,"AdditionalProperties":null,"PatternProperties":null,"Dependencies":null,"AdditionalItems":null,` +
				`"Definitions":null,"ExternalDocs":null,"Example":null,"XPreserveUnknownFields":null,"XEmbeddedResource":false,` +
				`"XIntOrString":false,"XListMapKeys":null,"XListType":null,"XMapType":null,"XValidations":null}: only [Description Type ` +
				`Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems ` +
				`MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the ` +
				`root of the schema if the status subresource is enabled`,
			`spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root`}},
		{name: "root of a schema without status", patch: crdVersions(`{"name":"v1","served":true,"storage":true,` +
			`"schema":{"openAPIV3Schema":{"type":"object","nullable":true}}}`), want: []string{
			`spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root`}},
		{name: "status of one version", patch: crdVersions(`{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},`+
			`"schema":{"openAPIV3Schema":{"type":"object","minProperties":1}}}`, `{"name":"v2","served":true,"storage":false,`+
			`"schema":{"openAPIV3Schema":{"type":"object","minProperties":1}}}`), want: []string{
			`spec.validation.openAPIV3Schema: Invalid value: {"ID":"","Schema":"","Ref":null,"Description":"","Type":"object","Nullable":false,` +
				`"Format":"","Title":"","Default":null,"Maximum":null,"ExclusiveMaximum":false,"Minimum":null,"ExclusiveMinimum":false,` +
				`"MaxLength":null,"MinLength":null,"Pattern":"","MaxItems":null,"MinItems":null,"UniqueItems":false,"MultipleOf":null,` +
				`"Enum":null,"MaxProperties":null,"MinProperties":1,"Required":null,"Items":null,"AllOf":null,"OneOf":null,"AnyOf":null,` +
				`"Not":null,"Properties":null,"AdditionalProperties":null,"PatternProperties":null,"Dependencies":null,"AdditionalItems":null,` +
				`"Definitions":null,"ExternalDocs":null,"Example":null,"XPreserveUnknownFields":null,"XEmbeddedResource":false,` +
				`"XIntOrString":false,"XListMapKeys":null,"XListType":null,"XMapType":null,"XValidations":null}: only [Description Type ` +
				`Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems ` +
				`MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the ` +
				`root of the schema if the status subresource is enabled`}},
	})
}

func TestValidateCRDSelectableFields(t *testing.T) {
	fields := func(paths ...string) string {
		var fs []string
		for _, p := range paths {
			fs = append(fs, `{"jsonPath":"`+p+`"}`)
		}
		return `"selectableFields":[` + strings.Join(fs, ",") + `]`
	}
	v1 := func(more string) string {
		return `{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":` + crdSchemaV1 + `},` + more + `}`
	}
	crdRunCreate(t, []crdCase{
		{name: "valid", patch: crdVersions(v1(fields(".spec.color", ".spec.replicas")))},
		{name: "paths", patch: crdVersions(v1(fields("", ".spec.missing", "spec.color", ".spec['color']", ".spec.", ".spec.size", ".spec.color", ".status.replicas", ".spec.color"))), want: []string{
			`spec.selectableFields[0].jsonPath: Required value`,
			`spec.selectableFields[1].jsonPath: Invalid value: ".spec.missing": is an invalid path: does not refer to a valid field`,
			`spec.selectableFields[2].jsonPath: Invalid value: "spec.color": is an invalid path: expected [ or . but got: spec`,
			`spec.selectableFields[3].jsonPath: Invalid value: ".spec['color']": is an invalid path: array notation is not allowed`,
			`spec.selectableFields[4].jsonPath: Invalid value: ".spec.": is an invalid path: unexpected end of JSON path`,
			`spec.selectableFields[5].jsonPath: Invalid value: ".spec.size": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.`,
			`spec.selectableFields[8].jsonPath: Duplicate value: ".spec.color"`}},
		{name: "per version without a schema of its own", patch: crdVersions(v1(fields(".spec.color")), `{"name":"v2","served":true,"storage":false,"schema":{"openAPIV3Schema":`+crdSchemaV1+`}}`), want: []string{
			`spec.versions[0].selectableFields: Invalid value: "": selectableFields may only be set when version.schema.openAPIV3Schema is not included`}},
		{name: "per version", patch: crdVersions(v1(fields(".spec.colour")), crdV1beta1), want: []string{
			`spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.colour": is an invalid path: does not refer to a valid field`}},
		{name: "metadata", patch: crdVersions(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string"}}}}}},` + fields(".metadata.name") + `}`), want: []string{
			`spec.selectableFields[0].jsonPath: Invalid value: ".metadata.name": must not point to fields in metadata`}},
		{name: "at most 8", patch: crdVersions(`{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","additionalProperties":{"type":"string"}}}}},` +
			fields(".spec.a", ".spec.b", ".spec.c", ".spec.d", ".spec.e", ".spec.f", ".spec.g", ".spec.h", ".spec.i") + `}`), want: []string{
			`spec.selectableFields: Too many: 9: must have at most 8 items`}},
	})
}

func TestValidateCRDConversion(t *testing.T) {
	conv := func(s string) string { return `{"spec":{"conversion":` + s + `}}` }
	const form = "; desired format: https://host[/path]"
	crdRunCreate(t, []crdCase{
		{name: "none", patch: conv(`null`)},
		{name: "strategy required", patch: conv(`{"strategy":""}`), want: []string{`spec.conversion.strategy: Required value`}},
		{name: "strategy supported", patch: conv(`{"strategy":"Magic"}`), want: []string{
			`spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"`}},
		{name: "none forbids a webhook", patch: conv(`{"strategy":"None","webhook":{"clientConfig":{"url":"https://x"},"conversionReviewVersions":["v1"]}}`), want: []string{
			`spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook`,
			`spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook`}},
		{name: "webhook needs a client config", patch: conv(`{"strategy":"Webhook"}`), want: []string{
			`spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook`,
			`spec.conversion.conversionReviewVersions: Required value`}},
		{name: "webhook url", patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"http://u:p@/x?a=b#f"},"conversionReviewVersions":["v1"]}}`), want: []string{
			`spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme` + form,
			`spec.conversion.webhookClientConfig.url: Invalid value: "": host must be specified` + form,
			`spec.conversion.webhookClientConfig.url: Invalid value: "u:p": user information is not permitted in the URL`,
			`spec.conversion.webhookClientConfig.url: Invalid value: "f": fragments are not permitted in the URL`,
			`spec.conversion.webhookClientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL`}},
		{name: "url or service", patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x","service":{"namespace":"n","name":"s","port":443}},"conversionReviewVersions":["v1"]}}`), want: []string{
			`spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required`}},
		{name: "webhook service", patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"port":0,"path":"/a//B/"}},"conversionReviewVersions":["v1","v1","V2"]}}`), want: []string{
			`spec.conversion.webhookClientConfig.service.name: Required value`,
			`spec.conversion.webhookClientConfig.service.namespace: Required value`,
			`spec.conversion.webhookClientConfig.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive`,
			`spec.conversion.webhookClientConfig.service.path: Invalid value: "/a//B/": segment[1] may not be empty`,
			`spec.conversion.webhookClientConfig.service.path: Invalid value: "/a//B/": segment[2]: ` + crdDNS1123SubdomainMsg,
			`spec.conversion.conversionReviewVersions[1]: Invalid value: "v1": duplicate version`,
			`spec.conversion.conversionReviewVersions[2]: Invalid value: "V2": ` + crdDNS1035Msg}},
		{name: "a known review version", patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"n","name":"s","port":443,"path":"/convert"}},"conversionReviewVersions":["v2"]}}`), want: []string{
			`spec.conversion.conversionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1`}},
		{name: "an invalid CA bundle is accepted on create", patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x","caBundle":"bm90IGEgY2VydA=="},"conversionReviewVersions":["v1beta1"]}}`)},
	})
	established := `{"status":{"conditions":[{"type":"Established","status":"True"}]}}`
	crdRunUpdate(t, []crdCase{
		{name: "CA bundle of an established CRD", oldPatch: established,
			patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x","caBundle":"bm90IGEgY2VydA=="},"conversionReviewVersions":["v1"]}}`), want: []string{
				`spec.conversion.webhookClientConfig.caBundle: Invalid value: "bm90IGEgY2VydA==": unable to load root certificates: unable to parse bytes as PEM block`}},
		{name: "CA bundle of a CRD not established", oldPatch: `{"status":{"conditions":[{"type":"Established","status":"False"}]}}`,
			patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x","caBundle":"bm90IGEgY2VydA=="},"conversionReviewVersions":["v1"]}}`)},
		{name: "review versions stay unknown", oldPatch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x"},"conversionReviewVersions":["v2"]}}`),
			patch: conv(`{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://y"},"conversionReviewVersions":["v2"]}}`)},
	})
}

func TestValidateCRDUpdate(t *testing.T) {
	established := `{"status":{"conditions":[{"type":"Established","status":"True"}]}}`
	const missingV1beta1 = `status.storedVersions[0]: Invalid value: "v1beta1": missing from spec.versions; v1beta1 was previously a storage ` +
		`version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1beta1 and removes v1beta1 from status.storedVersions`
	crdRunUpdate(t, []crdCase{
		{name: "unchanged"},
		{name: "new version and columns", patch: crdVersions(crdV1beta1, crdV1, crdTestVersion("v2", false, ""))},
		{name: "scope and kind while not established", patch: `{"spec":{"scope":"Cluster","names":{"kind":"Bar","listKind":"BarList"}}}`},
		{name: "scope and kind once established", oldPatch: established, patch: `{"spec":{"scope":"Cluster","names":{"kind":"Bar","listKind":"BarList"}}}`, want: []string{
			`spec.scope: Invalid value: "Cluster": field is immutable`,
			`spec.names.kind: Invalid value: "Bar": field is immutable`}},
		{name: "group and plural", patch: `{"spec":{"group":"example.org","names":{"plural":"bars"}}}`, want: []string{
			`spec.group: Invalid value: "example.org": field is immutable`,
			`spec.names.plural: Invalid value: "bars": field is immutable`}},
		{name: "metadata", patch: `{"metadata":{"name":"bars.example.com","resourceVersion":""}}`, want: []string{
			`metadata.resourceVersion: Invalid value: "": must be specified for an update`,
			`metadata.name: Invalid value: "bars.example.com": field is immutable`}},
		{name: "stored versions stay", oldPatch: `{"status":{"storedVersions":["v1beta1","v1"]}}`,
			patch: `{"spec":{"versions":[` + crdV1 + `]},"status":{"storedVersions":["v1beta1","v1"]}}`, want: []string{missingV1beta1}},
		{name: "stored versions include the storage version", patch: `{"status":{"storedVersions":["v1beta1"]}}`, want: []string{
			`status.storedVersions: Invalid value: ["v1beta1"]: must have the storage version v1`}},
		{name: "stored versions not empty", patch: `{"status":{"storedVersions":[]}}`, want: []string{
			`status.storedVersions: Invalid value: []: must have at least one stored version`}},
		{name: "schemas stay optional once missing", oldPatch: crdVersions(`{"name":"v1beta1","served":false,"storage":false}`, crdV1),
			patch: crdVersions(`{"name":"v1beta1","served":false,"storage":false}`, crdV1)},
		{name: "served versions need a schema once missing", oldPatch: crdVersions(`{"name":"v1beta1","served":false,"storage":false}`, crdV1),
			patch: crdVersions(`{"name":"v1beta1","served":true,"storage":false}`, crdV1), want: []string{
				`spec.versions[0].schema.openAPIV3Schema: Required value: because otherwise all fields are pruned`}},
		{name: "schemas stay required", patch: crdVersions(`{"name":"v1beta1","served":false,"storage":false}`, crdV1), want: []string{
			`spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required`}},
		{name: "preserveUnknownFields kept", oldPatch: `{"spec":{"preserveUnknownFields":true}}`, patch: `{"spec":{"preserveUnknownFields":true}}`},
		{name: "preserveUnknownFields set", patch: `{"spec":{"preserveUnknownFields":true}}`, want: []string{
			`spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead`}},
		{name: "approval state unchanged", oldPatch: `{"metadata":{"name":"foos.x.k8s.io"},"spec":{"group":"x.k8s.io"}}`,
			patch: `{"metadata":{"name":"foos.x.k8s.io"},"spec":{"group":"x.k8s.io","scope":"Cluster"}}`},
		{name: "approval removed", oldPatch: `{"metadata":{"name":"foos.x.k8s.io","annotations":{"api-approved.kubernetes.io":"unapproved"}},"spec":{"group":"x.k8s.io"}}`,
			patch: `{"metadata":{"name":"foos.x.k8s.io"},"spec":{"group":"x.k8s.io"}}`, want: []string{
				`metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", ` + crdApprovalURL}},
	})
}

// TestCRDCreateInvalidThroughTheAPI creates an invalid CustomResourceDefinition through the Go API: 422 Invalid with
// kube-apiserver's message and one cause per field error, and nothing stored.
func TestCRDCreateInvalidThroughTheAPI(t *testing.T) {
	s, err := New(Options{})
	require.NoError(t, err)
	ctx := context.Background()
	crds := s.Resource(CustomResourceDefinitions)
	obj, err := types.ParseObject([]byte(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
		"metadata":{"name":"foos.example.com"},
		"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"foos","kind":"Foo"},
			"versions":[{"name":"v1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}`))
	require.NoError(t, err)
	_, err = crds.Create(ctx, obj, CreateOptions{})
	require.True(t, types.IsInvalid(err), "%v", err)
	status := err.(*types.StatusError).Status()
	require.EqualValues(t, 422, status.Code)
	require.Equal(t, `CustomResourceDefinition.apiextensions.k8s.io "foos.example.com" is invalid: [`+
		`spec.versions: Invalid value: `+crdOneVersionValue+`: must have exactly one version marked as storage version, `+
		`status.storedVersions: Invalid value: null: must have at least one stored version]`, status.Message)
	require.Equal(t, []types.StatusCause{
		{Type: types.CauseTypeFieldValueInvalid, Field: "spec.versions",
			Message: "Invalid value: " + crdOneVersionValue + ": must have exactly one version marked as storage version"},
		{Type: types.CauseTypeFieldValueInvalid, Field: "status.storedVersions",
			Message: "Invalid value: null: must have at least one stored version"},
	}, status.Details.Causes)
	_, err = crds.Get(ctx, "foos.example.com", GetOptions{})
	require.True(t, types.IsNotFound(err), "%v", err)
}
