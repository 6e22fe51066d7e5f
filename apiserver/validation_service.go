package apiserver

import (
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Service rules of pkg/apis/core/validation/validation.go: ValidateService (ports, type, session affinity,
// cluster IPs and IP families, external IPs, traffic policies, load balancer fields) and ValidateServiceUpdate
// (validateUpgradeDowngradeClusterIPs, validateUpgradeDowngradeIPFamilies, validateLoadBalancerClassField,
// validateServiceExternalTrafficFieldsUpdate). Node port ranges and conflicts are the allocator's, not
// validation's.
//
// The rules see the Service as kube-apiserver's validation does: after defaulting and allocation, so
// spec.clusterIPs holds spec.clusterIP (NormalizeClusterIPs) and an update carries the allocated values of the
// old object where the client left them out (patchAllocatedValues).

var (
	vServiceTypes           = []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}
	vSessionAffinities      = []string{"ClientIP", "None"}
	vTrafficPolicies        = []string{"Cluster", "Local"}
	vIPFamilies             = []string{"IPv4", "IPv6"}
	vIPFamilyPolicies       = []string{"PreferDualStack", "RequireDualStack", "SingleStack"}
	vTrafficDistributions   = []string{"PreferClose", "PreferSameZone", "PreferSameNode"}
	vMaxClientIPAffinitySec = int64(86400)
)

const (
	vAnnotationTopologyMode       = "service.kubernetes.io/topology-mode"
	vAnnotationTopologyAwareHints = "service.kubernetes.io/topology-aware-hints"
	vAnnotationLBSourceRanges     = "service.beta.kubernetes.io/load-balancer-source-ranges"
	vOnlyForLoadBalancerType      = "may only be used when `type` is 'LoadBalancer'"
)

// servicePortKey is the internal ServicePort{Protocol, Port} a duplicate port error prints (Go member names; the
// zero IntOrString target port encodes as 0).
type servicePortKey struct {
	Name        string
	Protocol    string
	AppProtocol *string
	Port        int64
	TargetPort  int64
	NodePort    int64
}

func vIsHeadless(spec vmap) bool {
	ips := spec.strList("clusterIPs")
	return len(ips) == 1 && ips[0] == "None"
}

// validateService is ValidateService.
func validateService(svc vmap) types.FieldErrorList {
	meta, spec := svc.obj("metadata"), svc.obj("spec")
	errs := validateObjectMetaCreate(meta, true)
	annotations := meta.strMap("annotations")
	if mode, ok := annotations[vAnnotationTopologyMode]; ok {
		if hints, ok := annotations[vAnnotationTopologyAwareHints]; ok && hints != mode {
			errs = append(errs, types.FieldInvalid(vMetaPath.Child("annotations").Key(vAnnotationTopologyMode), mode,
				fmt.Sprintf("must match annotations[%s] when both are specified", vAnnotationTopologyAwareHints)))
		}
	}
	svcType, headless := spec.str("type"), vIsHeadless(spec)
	ports := spec.list("ports")
	if len(ports) == 0 && !headless && svcType != "ExternalName" {
		errs = append(errs, types.FieldRequired(vSpecPath.Child("ports"), ""))
	}
	switch svcType {
	case "LoadBalancer", "NodePort":
		if headless {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("clusterIPs").Index(0), "None",
				fmt.Sprintf("may not be set to 'None' for %s services", svcType)))
		}
	case "ExternalName":
		if len(spec.list("clusterIPs")) > 0 {
			errs = append(errs, types.FieldForbidden(vSpecPath.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if len(spec.list("ipFamilies")) > 0 {
			errs = append(errs, types.FieldForbidden(vSpecPath.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if spec.hasStr("ipFamilyPolicy") {
			errs = append(errs, types.FieldForbidden(vSpecPath.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		if cname := strings.TrimSuffix(spec.str("externalName"), "."); cname != "" {
			errs = append(errs, validateDNSSubdomain(cname, vSpecPath.Child("externalName"))...)
		} else {
			errs = append(errs, types.FieldRequired(vSpecPath.Child("externalName"), ""))
		}
	}
	names := map[string]bool{}
	for i, p := range ports {
		errs = append(errs, validateServicePort(vObj(p), len(ports) > 1, names, vSpecPath.Child("ports").Index(i))...)
	}
	if spec.has("selector") {
		errs = append(errs, validateLabels(spec.strMap("selector"), pathOf(vSpecPath).child("selector"))...)
	}
	affinity := spec.str("sessionAffinity")
	if affinity == "" {
		errs = append(errs, types.FieldRequired(vSpecPath.Child("sessionAffinity"), ""))
	} else if !vOneOf(affinity, vSessionAffinities) {
		errs = append(errs, types.FieldNotSupported(vSpecPath.Child("sessionAffinity"), affinity, vSessionAffinities))
	}
	switch affinity {
	case "ClientIP":
		errs = append(errs, validateClientIPAffinityConfig(spec, vSpecPath.Child("sessionAffinityConfig"))...)
	case "None":
		if spec.has("sessionAffinityConfig") {
			errs = append(errs, types.FieldForbidden(vSpecPath.Child("sessionAffinityConfig"), "must not be set when session affinity is None"))
		}
	}
	errs = append(errs, validateServiceClusterIPs(spec)...)
	for i, ip := range spec.strList("externalIPs") {
		p := vSpecPath.Child("externalIPs").Index(i)
		if ipErrs := validateIP(p, ip); len(ipErrs) != 0 {
			errs = append(errs, ipErrs...)
		} else {
			errs = append(errs, validateNonSpecialIP(ip, p)...)
		}
	}
	if svcType == "" {
		errs = append(errs, types.FieldRequired(vSpecPath.Child("type"), ""))
	} else if !vOneOf(svcType, vServiceTypes) {
		errs = append(errs, types.FieldNotSupported(vSpecPath.Child("type"), svcType, vServiceTypes))
	}
	if svcType == "ClusterIP" {
		for i, p := range ports {
			if vObj(p).integer0("nodePort") != 0 {
				errs = append(errs, types.FieldForbidden(vSpecPath.Child("ports").Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	nodePorts, portKeys := map[string]bool{}, map[string]bool{}
	for i, p := range ports {
		port := vObj(p)
		if np := port.integer0("nodePort"); np != 0 {
			key := fmt.Sprintf("%s/%d", port.str("protocol"), np)
			if nodePorts[key] {
				errs = append(errs, types.FieldDuplicate(vSpecPath.Child("ports").Index(i).Child("nodePort"), np))
			}
			nodePorts[key] = true
		}
	}
	for i, p := range ports {
		port := vObj(p)
		key := fmt.Sprintf("%s/%d", port.str("protocol"), port.integer0("port"))
		if portKeys[key] {
			errs = append(errs, types.FieldDuplicate(vSpecPath.Child("ports").Index(i), servicePortKey{Protocol: port.str("protocol"), Port: port.integer0("port")}))
		}
		portKeys[key] = true
	}
	if ranges := spec.strList("loadBalancerSourceRanges"); len(ranges) > 0 {
		p := vSpecPath.Child("LoadBalancerSourceRanges")
		if svcType != "LoadBalancer" {
			errs = append(errs, types.FieldForbidden(p, vOnlyForLoadBalancerType))
		}
		for i, r := range ranges {
			errs = append(errs, validateCIDR(p.Index(i), strings.TrimSpace(r))...)
		}
	} else if v, ok := annotations[vAnnotationLBSourceRanges]; ok {
		p := vMetaPath.Child("annotations").Key(vAnnotationLBSourceRanges)
		if svcType != "LoadBalancer" {
			errs = append(errs, types.FieldForbidden(p, vOnlyForLoadBalancerType))
		}
		if v = strings.TrimSpace(v); v != "" {
			for _, r := range strings.Split(v, ",") {
				errs = append(errs, validateCIDR(p, strings.TrimSpace(r))...)
			}
		}
	}
	if spec.hasBool("allocateLoadBalancerNodePorts") && svcType != "LoadBalancer" {
		errs = append(errs, types.FieldForbidden(vSpecPath.Child("allocateLoadBalancerNodePorts"), vOnlyForLoadBalancerType))
	}
	if svcType == "LoadBalancer" && !spec.hasBool("allocateLoadBalancerNodePorts") {
		errs = append(errs, types.FieldRequired(types.NewFieldPath("allocateLoadBalancerNodePorts"), ""))
	}
	errs = append(errs, validateLoadBalancerClass(spec)...)
	errs = append(errs, validateServiceExternalTrafficPolicy(spec)...)
	if !spec.hasStr("internalTrafficPolicy") {
		if svcType == "NodePort" || svcType == "LoadBalancer" || svcType == "ClusterIP" {
			errs = append(errs, types.FieldRequired(vSpecPath.Child("internalTrafficPolicy"), ""))
		}
	} else if itp := spec.str("internalTrafficPolicy"); !vOneOf(itp, vTrafficPolicies) {
		errs = append(errs, types.FieldNotSupported(vSpecPath.Child("internalTrafficPolicy"), itp, vTrafficPolicies))
	}
	if spec.hasStr("trafficDistribution") {
		if td := spec.str("trafficDistribution"); !vOneOf(td, vTrafficDistributions) {
			errs = append(errs, types.FieldNotSupported(vSpecPath.Child("trafficDistribution"), td, vTrafficDistributions))
		}
	}
	return errs
}

// validateServicePort is validateServicePort.
func validateServicePort(sp vmap, requireName bool, names map[string]bool, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	name := sp.str("name")
	if requireName && name == "" {
		errs = append(errs, types.FieldRequired(p.Child("name"), ""))
	} else if name != "" {
		errs = append(errs, validateDNSLabel(name, p.Child("name"))...)
		if names[name] {
			errs = append(errs, types.FieldDuplicate(p.Child("name"), name))
		} else {
			names[name] = true
		}
	}
	port := sp.integer0("port")
	errs = append(errs, invalidEach(p.Child("port"), port, portNumMessages(port))...)
	if proto := sp.str("protocol"); proto == "" {
		errs = append(errs, types.FieldRequired(p.Child("protocol"), ""))
	} else if !vOneOf(proto, vPortProtocols) {
		errs = append(errs, types.FieldNotSupported(p.Child("protocol"), proto, vPortProtocols))
	}
	errs = append(errs, validatePortNumOrName(vIntOrString(sp["targetPort"]), pathOf(p).child("targetPort"))...)
	if sp.hasStr("appProtocol") {
		errs = append(errs, validateQualifiedName(sp.str("appProtocol"), p.Child("appProtocol"))...)
	}
	return errs
}

// validateClientIPAffinityConfig is validateClientIPAffinityConfig.
func validateClientIPAffinityConfig(spec vmap, p *types.FieldPath) types.FieldErrorList {
	const detail = "when session affinity type is ClientIP"
	if !spec.has("sessionAffinityConfig") {
		return types.FieldErrorList{types.FieldRequired(p, detail)}
	}
	cfg := spec.obj("sessionAffinityConfig")
	if !cfg.has("clientIP") {
		return types.FieldErrorList{types.FieldRequired(p.Child("clientIP"), detail)}
	}
	timeout, ok := cfg.obj("clientIP").integer("timeoutSeconds")
	if !ok {
		return types.FieldErrorList{types.FieldRequired(p.Child("clientIP", "timeoutSeconds"), detail)}
	}
	if timeout <= 0 || timeout > vMaxClientIPAffinitySec {
		return types.FieldErrorList{types.FieldInvalid(p.Child("clientIP", "timeoutSeconds"), timeout,
			fmt.Sprintf("must be greater than 0 and less than %d", vMaxClientIPAffinitySec))}
	}
	return nil
}

// clusterIPsValue is spec.clusterIPs as a bad value ([]string, null when absent).
func clusterIPsValue(spec vmap) any {
	if !spec.has("clusterIPs") {
		return nil
	}
	return spec.strList("clusterIPs")
}

// validateServiceClusterIPs is ValidateServiceClusterIPsRelatedFields.
func validateServiceClusterIPs(spec vmap) types.FieldErrorList {
	if spec.str("type") == "ExternalName" {
		return nil
	}
	var errs types.FieldErrorList
	ipsPath := vSpecPath.Child("clusterIPs")
	famPath := vSpecPath.Child("ipFamilies")
	clusterIP, ips := spec.str("clusterIP"), spec.strList("clusterIPs")
	if clusterIP != "" {
		if len(ips) == 0 {
			errs = append(errs, types.FieldRequired(ipsPath, ""))
		} else if ips[0] != clusterIP {
			errs = append(errs, types.FieldInvalid(ipsPath, ips, "first value must match `clusterIP`"))
		}
	} else if len(ips) != 0 {
		errs = append(errs, types.FieldInvalid(ipsPath, ips, "must be empty when `clusterIP` is not specified"))
	}
	families := spec.strList("ipFamilies")
	seen := map[string]bool{}
	for i, f := range families {
		if !vOneOf(f, vIPFamilies) {
			errs = append(errs, types.FieldNotSupported(famPath.Index(i), f, vIPFamilies))
		}
		if seen[f] {
			errs = append(errs, types.FieldDuplicate(famPath.Index(i), f))
		}
		seen[f] = true
	}
	if spec.hasStr("ipFamilyPolicy") {
		if policy := spec.str("ipFamilyPolicy"); !vOneOf(policy, vIPFamilyPolicies) {
			errs = append(errs, types.FieldNotSupported(vSpecPath.Child("ipFamilyPolicy"), policy, vIPFamilyPolicies))
		}
	}
	invalid := false
	for i, ip := range ips {
		if i == 0 && ip == "None" {
			if len(ips) > 1 {
				invalid = true
				errs = append(errs, types.FieldInvalid(ipsPath, ips, "'None' must be the first and only value"))
			}
			continue
		}
		ipErrs := validateIP(ipsPath.Index(i), ip)
		invalid = invalid || len(ipErrs) != 0
		errs = append(errs, ipErrs...)
	}
	if len(ips) > 2 {
		errs = append(errs, types.FieldInvalid(ipsPath, ips, "may only hold up to 2 values"))
	}
	if invalid {
		return errs
	}
	if len(ips) > 1 && !vIsDualStack(ips) {
		errs = append(errs, types.FieldInvalid(ipsPath, ips, "may specify no more than one IP for each IP family"))
	}
	if !vIsHeadless(spec) && len(ips) > 0 && len(families) > 0 {
		for i, ip := range ips {
			if i > len(families)-1 {
				break
			}
			v6 := strings.Contains(ip, ":")
			if families[i] == "IPv4" && v6 {
				errs = append(errs, types.FieldInvalid(ipsPath.Index(i), ip, fmt.Sprintf("expected an IPv4 value as indicated by `vIPFamilies[%v]`", i)))
			}
			if families[i] == "IPv6" && !v6 {
				errs = append(errs, types.FieldInvalid(ipsPath.Index(i), ip, fmt.Sprintf("expected an IPv6 value as indicated by `vIPFamilies[%v]`", i)))
			}
		}
	}
	return errs
}

// vIsDualStack is netutils.IsDualStackIPStrings: valid IPs, at least one of each family.
func vIsDualStack(ips []string) bool {
	v4, v6 := false, false
	for _, s := range ips {
		ip := parseIPSloppy(s)
		if ip == nil {
			return false
		}
		if ip.To4() != nil {
			v4 = true
		} else {
			v6 = true
		}
	}
	return v4 && v6
}

// validateNonSpecialIP is ValidateNonSpecialIP.
func validateNonSpecialIP(s string, p *types.FieldPath) types.FieldErrorList {
	ip := parseIPSloppy(s)
	if ip == nil {
		return types.FieldErrorList{types.FieldInvalid(p, s, "must be a valid IP address")}
	}
	var errs types.FieldErrorList
	if ip.IsUnspecified() {
		errs = append(errs, types.FieldInvalid(p, s, fmt.Sprintf("may not be unspecified (%v)", s)))
	}
	if ip.IsLoopback() {
		errs = append(errs, types.FieldInvalid(p, s, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, types.FieldInvalid(p, s, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, types.FieldInvalid(p, s, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

// validateLoadBalancerClass is the create part of validateLoadBalancerClassField.
func validateLoadBalancerClass(spec vmap) types.FieldErrorList {
	if !spec.hasStr("loadBalancerClass") {
		return nil
	}
	p := vSpecPath.Child("loadBalancerClass")
	if spec.str("type") == "LoadBalancer" {
		return validateQualifiedName(spec.str("loadBalancerClass"), p)
	}
	return types.FieldErrorList{types.FieldForbidden(p, vOnlyForLoadBalancerType)}
}

func vExternallyAccessible(spec vmap) bool {
	t := spec.str("type")
	return t == "LoadBalancer" || t == "NodePort" || t == "ClusterIP" && len(spec.list("externalIPs")) > 0
}

func vNeedsHealthCheck(spec vmap) bool {
	return spec.str("type") == "LoadBalancer" && spec.str("externalTrafficPolicy") == "Local"
}

// validateServiceExternalTrafficPolicy is validateServiceExternalTrafficPolicy.
func validateServiceExternalTrafficPolicy(spec vmap) types.FieldErrorList {
	var errs types.FieldErrorList
	etp := spec.str("externalTrafficPolicy")
	if !vExternallyAccessible(spec) {
		if etp != "" {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("externalTrafficPolicy"), etp, "may only be set for externally-accessible services"))
		}
	} else if etp == "" {
		errs = append(errs, types.FieldRequired(vSpecPath.Child("externalTrafficPolicy"), ""))
	} else if !vOneOf(etp, vTrafficPolicies) {
		errs = append(errs, types.FieldNotSupported(vSpecPath.Child("externalTrafficPolicy"), etp, vTrafficPolicies))
	}
	hc := spec.integer0("healthCheckNodePort")
	if !vNeedsHealthCheck(spec) {
		if hc != 0 {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("healthCheckNodePort"), hc,
				"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
		}
	} else if hc == 0 {
		errs = append(errs, types.FieldRequired(vSpecPath.Child("healthCheckNodePort"), ""))
	} else {
		errs = append(errs, invalidEach(vSpecPath.Child("healthCheckNodePort"), hc, portNumMessages(hc))...)
	}
	return errs
}

// validateServiceUpdate is ValidateServiceUpdate: cluster IPs and IP families may only be upgraded or downgraded
// between single and dual stack, the load balancer class and health check node port stay, then ValidateService.
func validateServiceUpdate(svc, old vmap) types.FieldErrorList {
	spec, oldSpec := svc.obj("spec"), old.obj("spec")
	errs := validateObjectMetaUpdate(svc.obj("metadata"), old.obj("metadata"), true)
	errs = append(errs, validateClusterIPsUpdate(oldSpec, spec)...)
	errs = append(errs, validateIPFamiliesUpdate(oldSpec, spec)...)
	if oldSpec.str("type") == "LoadBalancer" && spec.str("type") == "LoadBalancer" &&
		(oldSpec.hasStr("loadBalancerClass") != spec.hasStr("loadBalancerClass") || oldSpec.str("loadBalancerClass") != spec.str("loadBalancerClass")) {
		var bad any
		if spec.hasStr("loadBalancerClass") {
			bad = spec.str("loadBalancerClass")
		}
		errs = append(errs, types.FieldInvalid(vSpecPath.Child("loadBalancerClass"), bad, "may not change once set"))
	}
	errs = append(errs, validateLoadBalancerClass(spec)...)
	if vNeedsHealthCheck(oldSpec) && vNeedsHealthCheck(spec) && oldSpec.integer0("healthCheckNodePort") != spec.integer0("healthCheckNodePort") {
		errs = append(errs, types.FieldForbidden(vSpecPath.Child("healthCheckNodePort"), vFieldImmutableMessage))
	}
	return append(errs, validateService(svc)...)
}

// validateClusterIPsUpdate is validateUpgradeDowngradeClusterIPs.
func validateClusterIPsUpdate(oldSpec, spec vmap) types.FieldErrorList {
	if spec.str("type") == "ExternalName" || oldSpec.str("type") == "ExternalName" {
		return nil
	}
	if vIsHeadless(oldSpec) && vIsHeadless(spec) {
		return nil
	}
	var errs types.FieldErrorList
	p := vSpecPath.Child("clusterIPs")
	olds, news, bad := oldSpec.strList("clusterIPs"), spec.strList("clusterIPs"), clusterIPsValue(spec)
	switch {
	case len(olds) == len(news):
		for i, ip := range olds {
			if ip != news[i] {
				errs = append(errs, types.FieldInvalid(p.Index(i), bad, "may not change once set"))
			}
		}
	case len(olds) > len(news):
		if len(news) == 0 {
			errs = append(errs, types.FieldInvalid(p.Index(0), bad, "primary clusterIP can not be unset"))
		}
		if len(olds) > 0 && len(news) > 0 && news[0] != olds[0] {
			errs = append(errs, types.FieldInvalid(p.Index(0), bad, "may not change once set"))
		}
		if len(news) == 1 && spec.str("ipFamilyPolicy") != "SingleStack" {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("ipFamilyPolicy"), ipFamilyPolicyValue(spec),
				"must be set to 'SingleStack' when releasing the secondary clusterIP"))
		}
	default:
		if len(olds) > 0 && news[0] != olds[0] {
			errs = append(errs, types.FieldInvalid(p.Index(0), bad, "may not change once set"))
		}
	}
	return errs
}

func ipFamilyPolicyValue(spec vmap) any {
	if spec.hasStr("ipFamilyPolicy") {
		return spec.str("ipFamilyPolicy")
	}
	return nil
}

// validateIPFamiliesUpdate is validateUpgradeDowngradeIPFamilies.
func validateIPFamiliesUpdate(oldSpec, spec vmap) types.FieldErrorList {
	if spec.str("type") == "ExternalName" || oldSpec.str("type") == "ExternalName" {
		return nil
	}
	if vIsHeadless(spec) != vIsHeadless(oldSpec) || vIsHeadless(spec) {
		return nil
	}
	var errs types.FieldErrorList
	p := vSpecPath.Child("ipFamilies").Index(0)
	olds, news := oldSpec.strList("ipFamilies"), spec.strList("ipFamilies")
	var famValue any
	if spec.has("ipFamilies") {
		famValue = news
	}
	switch {
	case len(olds) == len(news):
		for i, f := range olds {
			if f != news[i] {
				errs = append(errs, types.FieldInvalid(p, famValue, "may not change once set"))
			}
		}
	case len(olds) > len(news):
		if len(spec.list("clusterIPs")) == 0 {
			errs = append(errs, types.FieldInvalid(p, famValue, "primary ipFamily can not be unset"))
		}
		if len(news) > 0 && news[0] != olds[0] {
			errs = append(errs, types.FieldInvalid(p, clusterIPsValue(spec), "may not change once set"))
		}
		if len(news) == 1 && spec.str("ipFamilyPolicy") != "SingleStack" {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("ipFamilyPolicy"), ipFamilyPolicyValue(spec),
				"must be set to 'SingleStack' when releasing the secondary ipFamily"))
		}
	default:
		if len(olds) > 0 && len(news) > 0 && news[0] != olds[0] {
			errs = append(errs, types.FieldInvalid(p, clusterIPsValue(spec), "may not change once set"))
		}
	}
	return errs
}
