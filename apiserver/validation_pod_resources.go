package apiserver

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Compute resource rules of pkg/apis/core/validation/validation.go (validateResourceRequirements,
// validateContainerResourceName, ValidateResourceQuantityValue, validateResourceQuantityHugePageValue,
// validateResourceClaimNames) with the resource-name helpers of pkg/apis/core/helper/helpers.go.

var (
	vStandardResourceNames = map[string]bool{"cpu": true, "memory": true, "ephemeral-storage": true,
		"requests.cpu": true, "requests.memory": true, "requests.ephemeral-storage": true, "limits.cpu": true,
		"limits.memory": true, "limits.ephemeral-storage": true, "pods": true, "resourcequotas": true,
		"services": true, "replicationcontrollers": true, "secrets": true, "configmaps": true,
		"persistentvolumeclaims": true, "storage": true, "requests.storage": true, "services.nodeports": true,
		"services.loadbalancers": true}
	vIntegerResourceNames = map[string]bool{"pods": true, "resourcequotas": true, "services": true,
		"replicationcontrollers": true, "secrets": true, "configmaps": true, "persistentvolumeclaims": true,
		"services.nodeports": true, "services.loadbalancers": true}
)

const vHugePagesPrefix = "hugepages-"

func vIsHugePages(name string) bool { return strings.HasPrefix(name, vHugePagesPrefix) }

// vIsNativeResource is IsNativeResource: no domain, or a kubernetes.io one.
func vIsNativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

// vIsExtendedResource is IsExtendedResourceName.
func vIsExtendedResource(name string) bool {
	if vIsNativeResource(name) || strings.HasPrefix(name, "requests.") {
		return false
	}
	return len(types.IsQualifiedName("requests."+name)) == 0
}

// vIsOvercommitAllowed is IsOvercommitAllowed: requests may be below limits.
func vIsOvercommitAllowed(name string) bool {
	return vIsNativeResource(name) && !vIsHugePages(name)
}

// validateContainerResourceName is validateContainerResourceName.
func validateContainerResourceName(name string, p vpath) types.FieldErrorList {
	errs := invalidAt(p, name, types.IsQualifiedName(name))
	if len(errs) == 0 && !strings.Contains(name, "/") && !vStandardResourceNames[name] &&
		!vIsHugePages(name) && !strings.HasPrefix(name, "requests.hugepages-") {
		errs = append(errs, types.FieldInvalid(p.path(), name, "must be a standard resource type or fully qualified"))
	}
	if !strings.Contains(name, "/") {
		if name != "cpu" && name != "memory" && name != "ephemeral-storage" && !vIsHugePages(name) {
			errs = append(errs, types.FieldInvalid(p.path(), name, "must be a standard resource for containers"))
		}
	} else if !vIsNativeResource(name) && !vIsExtendedResource(name) {
		errs = append(errs, types.FieldInvalid(p.path(), name, "doesn't follow extended resource name standard"))
	}
	return errs
}

// validateResourceQuantityValue is ValidateResourceQuantityValue: not negative, whole for integer resources.
func validateResourceQuantityValue(name string, q valQuantity, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	if q.Sign() < 0 {
		errs = append(errs, types.FieldInvalid(p.path(), q.String(), vIsNegativeMessage))
	}
	if (vIntegerResourceNames[name] || vIsExtendedResource(name)) && !q.isMilliIntegral() {
		errs = append(errs, types.FieldInvalid(p.path(), q.String(), "must be an integer"))
	}
	return errs
}

// hugePageDivisibility is validateResourceQuantityHugePageValue: a whole number of pages of the size the name
// gives.
func hugePageDivisibility(name string, q valQuantity) string {
	size, err := parseValQuantity(strings.TrimPrefix(name, vHugePagesPrefix))
	divisible := err == nil && size.Sign() > 0 && size.isMilliIntegral() &&
		new(big.Int).Rem(q.value(), size.value()).Sign() == 0
	if divisible {
		return ""
	}
	return fmt.Sprintf("%s is not positive integer multiple of %s", q.String(), name)
}

// validateResourceRequirements is validateResourceRequirements for containers (and pod overhead, given as
// limits): names, quantities, requests within limits, hugepages beside cpu or memory, and claims that name pod
// resource claims (claims is nil for overhead).
func validateResourceRequirements(res vmap, claims map[string]bool, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	limPath, reqPath := p.child("limits"), p.child("requests")
	limits, requests := res.obj("limits"), res.obj("requests")
	limQ := map[string]valQuantity{}
	limCPUOrMemory, reqCPUOrMemory, hugePages := false, false, false
	for _, name := range vSortedKeys(limits) {
		fp := limPath.key(name)
		errs = append(errs, validateContainerResourceName(name, fp)...)
		q, err := vQuantity(limits[name])
		if err != nil {
			errs = append(errs, types.FieldInvalid(fp.path(), quantityText(limits[name]), err.Error()))
			continue
		}
		limQ[name] = q
		errs = append(errs, validateResourceQuantityValue(name, q, fp)...)
		if vIsHugePages(name) {
			hugePages = true
			if msg := hugePageDivisibility(name, q); msg != "" {
				errs = append(errs, types.FieldInvalid(fp.path(), q.String(), msg))
			}
		}
		if name == "cpu" || name == "memory" {
			limCPUOrMemory = true
		}
	}
	for _, name := range vSortedKeys(requests) {
		fp := reqPath.key(name)
		errs = append(errs, validateContainerResourceName(name, fp)...)
		q, err := vQuantity(requests[name])
		if err != nil {
			errs = append(errs, types.FieldInvalid(fp.path(), quantityText(requests[name]), err.Error()))
			continue
		}
		errs = append(errs, validateResourceQuantityValue(name, q, fp)...)
		if limit, ok := limQ[name]; ok {
			if q.Cmp(limit) != 0 && !vIsOvercommitAllowed(name) {
				errs = append(errs, types.FieldInvalid(reqPath.path(), q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
			} else if q.Cmp(limit) > 0 {
				errs = append(errs, types.FieldInvalid(reqPath.path(), q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
			}
		} else if _, set := limits[name]; !set && !vIsOvercommitAllowed(name) {
			errs = append(errs, types.FieldRequired(limPath.path(), "Limit must be set for non overcommitable resources"))
		}
		if vIsHugePages(name) {
			hugePages = true
			if msg := hugePageDivisibility(name, q); msg != "" {
				errs = append(errs, types.FieldInvalid(fp.path(), q.String(), msg))
			}
		}
		if name == "cpu" || name == "memory" {
			reqCPUOrMemory = true
		}
	}
	if !limCPUOrMemory && !reqCPUOrMemory && hugePages {
		errs = append(errs, types.FieldForbidden(p.path(), "HugePages require cpu or memory"))
	}
	if claims != nil {
		errs = append(errs, validateResourceClaimNames(res.list("claims"), claims, p.child("claims"))...)
	}
	return errs
}

// validateResourceClaimNames is validateResourceClaimNames: each claim names a pod resource claim, once.
func validateResourceClaimNames(list []any, podClaims map[string]bool, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	seen := map[string]bool{}
	for i, c := range list {
		claim, idx := vObj(c), p.index(i)
		name, request := claim.str("name"), claim.str("request")
		if name == "" {
			errs = append(errs, types.FieldRequired(idx.path(), ""))
			continue
		}
		if seen[name] {
			errs = append(errs, types.FieldDuplicate(idx.path(), name))
		} else {
			key := name
			if request != "" {
				errs = append(errs, invalidAt(idx.child("request"), request, types.IsDNS1123Label(request))...)
				key += "/" + request
			}
			if seen[key] {
				errs = append(errs, types.FieldDuplicate(idx.path(), key))
			} else if request == "" {
				for k := range seen {
					if before, _, ok := strings.Cut(k, "/"); ok && before == name {
						errs = append(errs, types.FieldDuplicate(idx.path(), name))
					}
				}
			}
			seen[key] = true
		}
		if !podClaims[name] {
			e := types.FieldNotFound(idx.path(), name)
			e.Detail = "must be one of the names in pod.spec.resourceClaims"
			if len(podClaims) == 0 {
				e.Detail += " which is empty"
			} else {
				e.Detail += ": " + strings.Join(vSortedKeys(podClaims), ", ")
			}
			errs = append(errs, e)
		}
	}
	return errs
}
