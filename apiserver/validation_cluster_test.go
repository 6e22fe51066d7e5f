package apiserver

import (
	"testing"

	"github.com/kubemem/kubemem/types"
)

const valBaseNamespace = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team","uid":"u1","resourceVersion":"5",` +
	`"creationTimestamp":"2024-01-01T00:00:00Z","labels":{"kubernetes.io/metadata.name":"team"}},"spec":{"finalizers":["kubernetes"]}}`

const valBaseNode = `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","uid":"u1","resourceVersion":"5",` +
	`"creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"podCIDRs":["10.244.0.0/24"],"providerID":"kind://n1"},` +
	`"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"addresses":[{"type":"InternalIP","address":"172.18.0.2"}]}}`

func TestValidateNamespace(t *testing.T) {
	valRunCreate(t, valGVKNamespace, valBaseNamespace, []valCase{
		{name: "valid"},
		{name: "spec finalizers", patch: `{"spec":{"finalizers":["kubernetes","custom","a/b/c"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.finalizers"), "custom", "name is neither a standard finalizer name nor is it fully qualified"),
			types.FieldInvalid(valPath("spec.finalizers"), "a/b/c", types.IsQualifiedName("a/b/c")[0])}},
	})
	valRunUpdate(t, valGVKNamespace, valBaseNamespace, []valCase{
		{name: "labels", patch: `{"metadata":{"labels":{"team":"a"}}}`},
		{name: "uid", patch: `{"metadata":{"uid":"u2"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.uid"), "u2", "field is immutable")}},
	})
}

func TestValidateNode(t *testing.T) {
	valRunCreate(t, valGVKNode, valBaseNode, []valCase{
		{name: "valid"},
		{name: "taints", patch: `{"spec":{"taints":[{"key":"a","effect":"NoSchedule"},{"key":"-b","value":"v v","effect":"Sometimes"},{"key":"a","effect":"NoSchedule"},{"key":"c"}]}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("metadata.taints[1].key"), "-b", labelKeyNameMsg),
				types.FieldInvalid(valPath("metadata.taints[1].value"), "v v", types.IsValidLabelValue("v v")[0]),
				types.FieldNotSupported(valPath("metadata.taints[1].effect"), "Sometimes", []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}),
				{Type: types.FieldErrorTypeDuplicate, Field: "metadata.taints[2]", BadValue: taintValue{Key: "a", Effect: "NoSchedule"},
					Detail: "taints must be unique by key and effect pair"},
				types.FieldRequired(valPath("metadata.taints[3].effect"), "")}},
		{name: "capacity", patch: `{"status":{"capacity":{"cpu":"-1","pods":"1.5"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("status.capacity.cpu"), "-1", "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("status.capacity.pods"), "1500m", "must be an integer")}},
		{name: "pod CIDRs", patch: `{"spec":{"podCIDRs":["10.244.0.0/24","10.245.0.0/24"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.podCIDRs"), []string{"10.244.0.0/24", "10.245.0.0/24"}, "may specify no more than one CIDR for each IP family")}},
	})
	valRunUpdate(t, valGVKNode, valBaseNode, []valCase{
		{name: "unschedulable", patch: `{"spec":{"unschedulable":true}}`},
		{name: "pod CIDRs set once", patch: `{"spec":{"podCIDRs":["10.244.1.0/24"]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.podCIDRs"), `node updates may not change podCIDR except from "" to valid`)}},
		{name: "pod CIDRs first set", patch: `{"spec":{"podCIDRs":["10.244.1.0/24"]}}`, oldPatch: `{"spec":{"podCIDRs":null}}`},
		{name: "provider ID set once", patch: `{"spec":{"providerID":"kind://n2"}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.providerID"), `node updates may not change providerID except from "" to valid`)}},
		{name: "addresses unique", patch: `{"status":{"addresses":[{"type":"InternalIP","address":"172.18.0.2"},{"type":"InternalIP","address":"172.18.0.2"}]}}`,
			want: types.FieldErrorList{types.FieldDuplicate(valPath("status.addresses[1]"), struct{ Type, Address string }{"InternalIP", "172.18.0.2"})}},
	})
}
