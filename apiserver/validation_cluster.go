package apiserver

import (
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Namespace and Node rules of pkg/apis/core/validation/validation.go: ValidateNamespace, ValidateNamespaceUpdate,
// ValidateNode (taints, resources, pod CIDRs) and ValidateNodeUpdate (pod CIDRs and provider ID set once,
// addresses unique). The name rules (a DNS label for namespaces) are validateName's.

// validateNamespace is ValidateNamespace: metadata, and finalizer names in spec.finalizers (reported without an
// index, as kube-apiserver reports them on create).
func validateNamespace(ns vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(ns.obj("metadata"), true)
	p := types.NewFieldPath("spec", "finalizers")
	for _, f := range ns.obj("spec").strList("finalizers") {
		errs = append(errs, invalidEach(p, f, types.IsQualifiedName(f))...)
		errs = append(errs, validateKubeFinalizerName(f, pathOf(p))...)
	}
	return errs
}

// validateNamespaceUpdate is the Namespace strategy's ValidateUpdate: ValidateNamespace, then
// ValidateNamespaceUpdate (the metadata update rules).
func validateNamespaceUpdate(ns, old vmap) types.FieldErrorList {
	errs := validateNamespace(ns)
	return append(errs, validateObjectMetaUpdate(ns.obj("metadata"), old.obj("metadata"), true)...)
}

// validateNode is ValidateNode. Like kube-apiserver, it reports taint errors under metadata.taints.
func validateNode(node vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(node.obj("metadata"), true)
	spec := node.obj("spec")
	if taints := spec.list("taints"); len(taints) > 0 {
		errs = append(errs, validateNodeTaints(taints, vMetaPath.Child("taints"))...)
	}
	errs = append(errs, validateNodeResources(node.obj("status"))...)
	if cidrs := spec.strList("podCIDRs"); len(cidrs) > 0 {
		p := types.NewFieldPath("spec", "podCIDRs")
		for i, c := range cidrs {
			errs = append(errs, validateCIDR(p.Index(i), c)...)
		}
		if len(cidrs) > 1 {
			ips := make([]string, len(cidrs))
			for i, c := range cidrs {
				ips[i], _, _ = strings.Cut(c, "/")
			}
			if !vIsDualStack(ips) || len(cidrs) > 2 {
				errs = append(errs, types.FieldInvalid(p, cidrs, "may specify no more than one CIDR for each IP family"))
			}
			seen := map[string]bool{}
			for i, c := range cidrs {
				if seen[c] {
					errs = append(errs, types.FieldDuplicate(p.Index(i), c))
				}
				seen[c] = true
			}
		}
	}
	return errs
}

// taintValue is the internal Taint as a duplicate-taint error prints it.
type taintValue struct {
	Key       string
	Value     string
	Effect    string
	TimeAdded any
}

// validateNodeTaints is validateNodeTaints: key, value and effect, unique by key and effect.
func validateNodeTaints(taints []any, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	seen := map[string]bool{}
	for i, t := range taints {
		taint, idx := vObj(t), p.Index(i)
		key, value, effect := taint.str("key"), taint.str("value"), taint.str("effect")
		errs = append(errs, validateLabelName(key, pathOf(idx).child("key"))...)
		if msgs := types.IsValidLabelValue(value); len(msgs) != 0 {
			errs = append(errs, types.FieldInvalid(idx.Child("value"), value, strings.Join(msgs, ";")))
		}
		if effect == "" {
			errs = append(errs, types.FieldRequired(idx.Child("effect"), ""))
		} else {
			errs = append(errs, validateTaintEffect(effect, pathOf(idx).child("effect"))...)
		}
		if seen[effect+"\x00"+key] {
			e := types.FieldDuplicate(idx, taintValue{Key: key, Value: value, Effect: effect, TimeAdded: taint["timeAdded"]})
			e.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, e)
			continue
		}
		seen[effect+"\x00"+key] = true
	}
	return errs
}

// validateNodeResources is ValidateNodeResources: status capacity and allocatable quantities.
func validateNodeResources(status vmap) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, list := range []string{"capacity", "allocatable"} {
		res := status.obj(list)
		for _, k := range vSortedKeys(res) {
			p := types.NewFieldPath("status", list, k)
			q, err := vQuantity(res[k])
			if err != nil {
				errs = append(errs, types.FieldInvalid(p, quantityText(res[k]), err.Error()))
				continue
			}
			errs = append(errs, validateResourceQuantityValue(k, q, pathOf(p))...)
		}
	}
	return errs
}

// validateNodeUpdate is the Node strategy's ValidateUpdate: ValidateNode, then ValidateNodeUpdate.
func validateNodeUpdate(node, old vmap) types.FieldErrorList {
	errs := validateNode(node)
	errs = append(errs, validateObjectMetaUpdate(node.obj("metadata"), old.obj("metadata"), true)...)
	errs = append(errs, validateNodeResources(node.obj("status"))...)
	seen := map[string]bool{}
	for i, a := range node.obj("status").list("addresses") {
		addr := vObj(a)
		key := addr.str("type") + "\x00" + addr.str("address")
		if seen[key] {
			errs = append(errs, types.FieldDuplicate(types.NewFieldPath("status", "addresses").Index(i),
				struct{ Type, Address string }{addr.str("type"), addr.str("address")}))
		}
		seen[key] = true
	}
	spec, oldSpec := node.obj("spec"), old.obj("spec")
	if oldCIDRs := oldSpec.strList("podCIDRs"); len(oldCIDRs) > 0 {
		newCIDRs := spec.strList("podCIDRs")
		const detail = "node updates may not change podCIDR except from \"\" to valid"
		if len(oldCIDRs) != len(newCIDRs) {
			errs = append(errs, types.FieldForbidden(types.NewFieldPath("spec", "podCIDRs"), detail))
		} else {
			for i := range oldCIDRs {
				if oldCIDRs[i] != newCIDRs[i] {
					errs = append(errs, types.FieldForbidden(types.NewFieldPath("spec", "podCIDRs"), detail))
				}
			}
		}
	}
	if id := oldSpec.str("providerID"); id != "" && id != spec.str("providerID") {
		errs = append(errs, types.FieldForbidden(types.NewFieldPath("spec", "providerID"),
			fmt.Sprintf("node updates may not change providerID except from %q to valid", "")))
	}
	if taints := spec.list("taints"); len(taints) > 0 {
		errs = append(errs, validateNodeTaints(taints, vMetaPath.Child("taints"))...)
	}
	if spec.str("externalID") != oldSpec.str("externalID") {
		errs = append(errs, types.FieldForbidden(types.NewFieldPath("spec", "externalID"), "may not be updated"))
	}
	return errs
}
