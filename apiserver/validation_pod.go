package apiserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Pod rules of pkg/apis/core/validation/validation.go: ValidatePodCreate, validatePodMetadataAndSpec,
// ValidatePodSpecificAnnotations, ValidatePodSpec, validateContainers, validateInitContainers,
// validateContainerCommon, validateContainerPorts, ValidateEnv, ValidateEnvFrom, the probe and lifecycle handler
// rules and ValidatePodTemplateSpec, with the options kube-apiserver's current feature gates give a new object
// (relaxed environment variable names, zero-second sleep actions). Volumes, resources, scheduling fields and
// updates have their own files.

// podOpts are the PodValidationOptions that change a rule.
type podOpts struct {
	// resourceIsPod is set for a Pod, clear for a pod template.
	resourceIsPod bool
}

const (
	vAnnotationMirrorPod       = "kubernetes.io/config.mirror"
	vAnnotationPodDeletionCost = "controller.kubernetes.io/pod-deletion-cost"
)

var (
	vPortProtocols       = []string{"SCTP", "TCP", "UDP"}
	vRestartPolicies     = []string{"Always", "OnFailure", "Never"}
	vDNSPolicies         = []string{"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}
	vPullPolicies        = []string{"Always", "IfNotPresent", "Never"}
	vTerminationPolicies = []string{"File", "FallbackToLogsOnError"}
	vHTTPSchemes         = []string{"HTTP", "HTTPS"}
)

// validatePodCreate is ValidatePodCreate.
func validatePodCreate(pod vmap) types.FieldErrorList {
	errs := validatePodMetadataAndSpec(pod, podOpts{resourceIsPod: true})
	spec := pod.obj("spec")
	if len(spec.list("ephemeralContainers")) > 0 {
		errs = append(errs, types.FieldForbidden(vSpecPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	if spec.str("nodeName") != "" && len(spec.list("schedulingGates")) != 0 {
		errs = append(errs, types.FieldForbidden(vSpecPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return errs
}

// validatePodMetadataAndSpec is validatePodMetadataAndSpec: metadata, pod annotations, the spec, and the rules
// only pods (not templates) have.
func validatePodMetadataAndSpec(pod vmap, opts podOpts) types.FieldErrorList {
	meta, spec := pod.obj("metadata"), pod.obj("spec")
	errs := validateObjectMetaCreate(meta, true)
	errs = append(errs, validatePodSpecificAnnotations(meta.strMap("annotations"), spec, vMetaPath.Child("annotations"))...)
	errs = append(errs, validatePodSpec(spec, meta.str("name"), vSpecPath, opts)...)
	if spec.str("serviceAccountName") == "" {
		for vi, v := range spec.list("volumes") {
			for si, src := range vObj(v).obj("projected").list("sources") {
				if vObj(src).has("serviceAccountToken") {
					errs = append(errs, types.FieldForbidden(vSpecPath.Child("volumes").Index(vi).Child("projected", "sources").Index(si).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	for _, list := range []string{"containers", "initContainers"} {
		for i, c := range spec.list(list) {
			if image := vObj(c).str("image"); len(image) != len(strings.TrimSpace(image)) {
				errs = append(errs, types.FieldInvalid(vSpecPath.Child(list).Index(i).Child("image"), image, "must not have leading or trailing whitespace"))
			}
		}
	}
	return errs
}

// validatePodSpecificAnnotations is ValidatePodSpecificAnnotations for the mirror-pod and pod-deletion-cost
// annotations.
func validatePodSpecificAnnotations(annotations map[string]string, spec vmap, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	if v, ok := annotations[vAnnotationMirrorPod]; ok && spec.str("nodeName") == "" {
		errs = append(errs, types.FieldInvalid(path.Key(vAnnotationMirrorPod), v, "must set spec.nodeName if mirror pod annotation is set"))
	}
	if v, ok := annotations[vAnnotationPodDeletionCost]; ok && !validDeletionCost(v) {
		errs = append(errs, types.FieldInvalid(path.Key(vAnnotationPodDeletionCost), v, "must be a 32bit integer"))
	}
	return errs
}

// validDeletionCost is GetDeletionCostFromPodAnnotations succeeding: a 32-bit integer without '+' or leading
// zeros.
func validDeletionCost(v string) bool {
	if v == "" || !(v[0] == '-' || v == "0" || v[0] >= '1' && v[0] <= '9') {
		return false
	}
	_, err := strconv.ParseInt(v, 10, 32)
	return err == nil
}

// validatePodTemplateSpec is ValidatePodTemplateSpec: labels and annotations at path (not path.metadata), the pod
// spec, and no ephemeral containers.
func validatePodTemplateSpec(tmpl vmap, path *types.FieldPath) types.FieldErrorList {
	meta, spec := tmpl.obj("metadata"), tmpl.obj("spec")
	errs := validateLabels(meta.strMap("labels"), path.Child("labels"))
	errs = append(errs, validateAnnotations(meta.strMap("annotations"), path.Child("annotations"))...)
	errs = append(errs, validatePodSpecificAnnotations(meta.strMap("annotations"), spec, path.Child("annotations"))...)
	errs = append(errs, validatePodSpec(spec, "", path.Child("spec"), podOpts{})...)
	if len(spec.list("ephemeralContainers")) > 0 {
		errs = append(errs, types.FieldForbidden(path.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// validatePodSpec is ValidatePodSpec. podName is the name of the pod, "" for a template.
func validatePodSpec(spec vmap, podName string, path *types.FieldPath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	grace, hasGrace := spec.integer("terminationGracePeriodSeconds")
	if !hasGrace {
		errs = append(errs, types.FieldRequired(path.Child("terminationGracePeriodSeconds"), ""))
	}
	var gracePeriod *int64
	if hasGrace {
		gracePeriod = &grace
	}
	vols, volErrs := validateVolumes(spec.list("volumes"), podName, path.Child("volumes"), opts)
	errs = append(errs, volErrs...)
	claimNames := map[string]bool{}
	for _, c := range spec.list("resourceClaims") {
		if n := vObj(c).str("name"); n != "" {
			claimNames[n] = true
		}
	}
	containers, initContainers := spec.list("containers"), spec.list("initContainers")
	errs = append(errs, validateContainers(containers, vols, claimNames, gracePeriod, path.Child("containers"), opts)...)
	errs = append(errs, validateInitContainers(initContainers, containers, vols, claimNames, gracePeriod, path.Child("initContainers"), opts)...)
	if spec.boolean("hostNetwork") {
		for i, c := range containers {
			for j, p := range vObj(c).list("ports") {
				port := vObj(p)
				hp, cp := port.integer0("hostPort"), port.integer0("containerPort")
				if (opts.resourceIsPod || hp != 0) && hp != cp {
					errs = append(errs, types.FieldInvalid(path.Child("containers").Index(i).Child("ports").Index(j).Child("hostPort"), hp,
						"must match `containerPort` when `hostNetwork` is true"))
				}
			}
		}
	}
	errs = append(errs, validateEnum(spec.str("restartPolicy"), vRestartPolicies, path.Child("restartPolicy"))...)
	errs = append(errs, validateEnum(spec.str("dnsPolicy"), vDNSPolicies, path.Child("dnsPolicy"))...)
	errs = append(errs, validateLabels(spec.strMap("nodeSelector"), path.Child("nodeSelector"))...)
	errs = append(errs, validatePodDNSConfig(spec.obj("dnsConfig"), spec.has("dnsConfig"), spec.str("dnsPolicy"), path.Child("dnsConfig"))...)
	for i, g := range spec.list("readinessGates") {
		errs = append(errs, validateQualifiedName(vObj(g).str("conditionType"), path.Child("readinessGates").Index(i).Child("conditionType"))...)
	}
	seenGates := map[string]bool{}
	for i, g := range spec.list("schedulingGates") {
		name := vObj(g).str("name")
		errs = append(errs, validateQualifiedName(name, path.Child("schedulingGates").Index(i))...)
		if seenGates[name] {
			errs = append(errs, types.FieldDuplicate(path.Child("schedulingGates").Index(i), name))
		}
		seenGates[name] = true
	}
	errs = append(errs, validateTopologySpreadConstraints(spec.list("topologySpreadConstraints"), path.Child("topologySpreadConstraints"))...)
	for _, f := range []string{"serviceAccountName", "nodeName"} {
		if v := spec.str(f); v != "" {
			errs = append(errs, invalidEach(path.Child(f), v, types.NameIsDNSSubdomain(v, false))...)
		}
	}
	if v, ok := spec.integer("activeDeadlineSeconds"); ok && (v < 1 || v > vMaxInt32) {
		errs = append(errs, types.FieldInvalid(path.Child("activeDeadlineSeconds"), v, inclusiveRangeMessage(1, vMaxInt32)))
	}
	for _, f := range []string{"hostname", "subdomain"} {
		if v := spec.str(f); v != "" {
			errs = append(errs, validateDNSLabel(v, path.Child(f))...)
		}
	}
	if tols := spec.list("tolerations"); len(tols) > 0 {
		errs = append(errs, validateTolerations(tols, path.Child("tolerations"))...)
	}
	for i, a := range spec.list("hostAliases") {
		alias := vObj(a)
		errs = append(errs, validateIP(path.Child("hostAliases").Index(i).Child("ip"), alias.str("ip"))...)
		for j, h := range alias.strList("hostnames") {
			errs = append(errs, validateDNSSubdomain(h, path.Child("hostAliases").Index(i).Child("hostnames").Index(j))...)
		}
	}
	if v := spec.str("priorityClassName"); v != "" {
		errs = append(errs, invalidEach(path.Child("priorityClassName"), v, types.NameIsDNSSubdomain(v, false))...)
	}
	if spec.hasStr("runtimeClassName") {
		v := spec.str("runtimeClassName")
		errs = append(errs, invalidEach(path.Child("runtimeClassName"), v, types.NameIsDNSSubdomain(v, false))...)
	}
	if spec.hasStr("preemptionPolicy") {
		errs = append(errs, validateEnum(spec.str("preemptionPolicy"), []string{"PreemptLowerPriority", "Never"}, path.Child("preemptionPolicy"))...)
	}
	if spec.has("overhead") {
		errs = append(errs, validateResourceRequirements(vmap{"limits": spec["overhead"]}, nil, path.Child("overhead"))...)
	}
	if spec.has("os") {
		os := spec.obj("os")
		switch name := os.str("name"); name {
		case "":
			errs = append(errs, types.FieldRequired(path.Child("os", "name"), "cannot be empty"))
		case "linux", "windows":
		default:
			errs = append(errs, types.FieldNotSupported(path.Child("os"), name, []string{"linux", "windows"}))
		}
	}
	return errs
}

// validateEnum is the pattern of validateRestartPolicy, validateDNSPolicy and validatePullPolicy: Required when
// empty, NotSupported outside the values.
func validateEnum(v string, values []string, path *types.FieldPath) types.FieldErrorList {
	if v == "" {
		return types.FieldErrorList{types.FieldRequired(path, "")}
	}
	for _, ok := range values {
		if v == ok {
			return nil
		}
	}
	return types.FieldErrorList{types.FieldNotSupported(path, v, values)}
}

// validateContainers is validateContainers: at least one, unique names, handlers and probes, no restartPolicy,
// then host port conflicts across all of them.
func validateContainers(containers []any, vols map[string]vmap, claims map[string]bool, grace *int64, path *types.FieldPath, opts podOpts) types.FieldErrorList {
	if len(containers) == 0 {
		return types.FieldErrorList{types.FieldRequired(path, "")}
	}
	var errs types.FieldErrorList
	names := map[string]bool{}
	for i, c := range containers {
		ctr, p := vObj(c), path.Index(i)
		errs = append(errs, validateContainerCommon(ctr, vols, claims, p, opts)...)
		if name := ctr.str("name"); names[name] {
			errs = append(errs, types.FieldDuplicate(p.Child("name"), name))
		} else {
			names[name] = true
		}
		if ctr.has("lifecycle") {
			errs = append(errs, validateLifecycle(ctr.obj("lifecycle"), grace, p.Child("lifecycle"))...)
		}
		errs = append(errs, validateProbe(ctr, "livenessProbe", grace, p)...)
		errs = append(errs, validateProbe(ctr, "readinessProbe", grace, p)...)
		errs = append(errs, validateProbe(ctr, "startupProbe", grace, p)...)
		if ctr.has("restartPolicy") {
			errs = append(errs, types.FieldForbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	errs = append(errs, hostPortConflicts(containers, path)...)
	return errs
}

// validateInitContainers is validateInitContainers: names unique across regular and init containers, only
// restartPolicy Always, handlers and probes only for restartable (sidecar) init containers.
func validateInitContainers(inits, regular []any, vols map[string]vmap, claims map[string]bool, grace *int64, path *types.FieldPath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	names := map[string]bool{}
	for _, c := range regular {
		names[vObj(c).str("name")] = true
	}
	for i, c := range inits {
		ctr, p := vObj(c), path.Index(i)
		errs = append(errs, validateContainerCommon(ctr, vols, claims, p, opts)...)
		restartAlways := false
		if ctr.hasStr("restartPolicy") {
			policy := ctr.str("restartPolicy")
			if policy != "Always" {
				errs = append(errs, types.FieldNotSupported(p.Child("restartPolicy"), policy, []string{"Always"}))
			}
			restartAlways = policy == "Always"
		}
		if name := ctr.str("name"); names[name] {
			errs = append(errs, types.FieldDuplicate(p.Child("name"), name))
		} else if name != "" {
			names[name] = true
		}
		errs = append(errs, hostPortConflicts([]any{c}, path)...)
		if restartAlways {
			if ctr.has("lifecycle") {
				errs = append(errs, validateLifecycle(ctr.obj("lifecycle"), grace, p.Child("lifecycle"))...)
			}
			errs = append(errs, validateProbe(ctr, "livenessProbe", grace, p)...)
			errs = append(errs, validateProbe(ctr, "readinessProbe", grace, p)...)
			errs = append(errs, validateProbe(ctr, "startupProbe", grace, p)...)
		} else {
			for _, f := range []string{"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"} {
				if ctr.has(f) {
					errs = append(errs, types.FieldForbidden(p.Child(f), "may not be set for init containers without restartPolicy=Always"))
				}
			}
		}
	}
	return errs
}

// validateContainerCommon is validateContainerCommon: name, image, terminationMessagePolicy, ports, env,
// envFrom, volumeMounts, volumeDevices, imagePullPolicy and resources.
func validateContainerCommon(ctr vmap, vols map[string]vmap, claims map[string]bool, path *types.FieldPath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	if name := ctr.str("name"); name == "" {
		errs = append(errs, types.FieldRequired(path.Child("name"), ""))
	} else {
		errs = append(errs, validateDNSLabel(name, path.Child("name"))...)
	}
	if ctr.str("image") == "" {
		errs = append(errs, types.FieldRequired(path.Child("image"), ""))
	}
	errs = append(errs, validateEnum(ctr.str("terminationMessagePolicy"), vTerminationPolicies, path.Child("terminationMessagePolicy"))...)
	mounts, devices := ctr.list("volumeMounts"), ctr.list("volumeDevices")
	errs = append(errs, validateContainerPorts(ctr.list("ports"), path.Child("ports"))...)
	errs = append(errs, validateEnv(ctr.list("env"), path.Child("env"))...)
	errs = append(errs, validateEnvFrom(ctr.list("envFrom"), path.Child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(mounts, devices, vols, ctr, path.Child("volumeMounts"))...)
	errs = append(errs, validateVolumeDevices(devices, mounts, vols, path.Child("volumeDevices"))...)
	errs = append(errs, validateEnum(ctr.str("imagePullPolicy"), vPullPolicies, path.Child("imagePullPolicy"))...)
	errs = append(errs, validateResourceRequirements(ctr.obj("resources"), claims, path.Child("resources"))...)
	return errs
}

// validateContainerPorts is validateContainerPorts.
func validateContainerPorts(ports []any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	names := map[string]bool{}
	for i, p := range ports {
		port, idx := vObj(p), path.Index(i)
		if name := port.str("name"); name != "" {
			if msgs := portNameMessages(name); len(msgs) > 0 {
				errs = append(errs, invalidEach(idx.Child("name"), name, msgs)...)
			} else if names[name] {
				errs = append(errs, types.FieldDuplicate(idx.Child("name"), name))
			} else {
				names[name] = true
			}
		}
		if cp := port.integer0("containerPort"); cp == 0 {
			errs = append(errs, types.FieldRequired(idx.Child("containerPort"), ""))
		} else {
			errs = append(errs, invalidEach(idx.Child("containerPort"), cp, portNumMessages(cp))...)
		}
		if hp := port.integer0("hostPort"); hp != 0 {
			errs = append(errs, invalidEach(idx.Child("hostPort"), hp, portNumMessages(hp))...)
		}
		if proto := port.str("protocol"); proto == "" {
			errs = append(errs, types.FieldRequired(idx.Child("protocol"), ""))
		} else if !vOneOf(proto, vPortProtocols) {
			errs = append(errs, types.FieldNotSupported(idx.Child("protocol"), proto, vPortProtocols))
		}
	}
	return errs
}

func vOneOf(v string, values []string) bool {
	for _, ok := range values {
		if v == ok {
			return true
		}
	}
	return false
}

// hostPortConflicts is AccumulateUniqueHostPorts: a protocol/hostIP/hostPort triple is used once.
func hostPortConflicts(containers []any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	seen := map[string]bool{}
	for ci, c := range containers {
		for pi, p := range vObj(c).list("ports") {
			port := vObj(p)
			hp := port.integer0("hostPort")
			if hp == 0 {
				continue
			}
			key := fmt.Sprintf("%s/%s/%d", port.str("protocol"), port.str("hostIP"), hp)
			if seen[key] {
				errs = append(errs, types.FieldDuplicate(path.Index(ci).Child("ports").Index(pi).Child("hostPort"), key))
			} else {
				seen[key] = true
			}
		}
	}
	return errs
}

// validateEnv is ValidateEnv with relaxed names.
func validateEnv(vars []any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, v := range vars {
		ev, idx := vObj(v), path.Index(i)
		if name := ev.str("name"); name == "" {
			errs = append(errs, types.FieldRequired(idx.Child("name"), ""))
		} else {
			errs = append(errs, invalidEach(idx.Child("name"), name, relaxedEnvVarNameMessages(name))...)
		}
		errs = append(errs, validateEnvVarValueFrom(ev, idx.Child("valueFrom"))...)
	}
	return errs
}

var (
	envFieldPaths = []string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
		"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}
	volumeFieldPaths = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}
	// downwardFieldLabels are the labels ConvertDownwardAPIFieldLabel (pkg/apis/core/pods/helpers.go) accepts.
	downwardFieldLabels = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
		"metadata.uid", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
		"status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs", "spec.terminationGracePeriodSeconds"}
	containerResourceFieldPaths = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory",
		"requests.cpu", "requests.ephemeral-storage", "requests.memory"}
)

// validateEnvVarValueFrom is validateEnvVarValueFrom: exactly one source, and no value beside it.
func validateEnvVarValueFrom(ev vmap, path *types.FieldPath) types.FieldErrorList {
	if !ev.has("valueFrom") {
		return nil
	}
	from := ev.obj("valueFrom")
	var errs types.FieldErrorList
	n := 0
	if from.has("fieldRef") {
		n++
		errs = append(errs, validateObjectFieldSelector(from.obj("fieldRef"), envFieldPaths, path.Child("fieldRef"))...)
	}
	if from.has("resourceFieldRef") {
		n++
		errs = append(errs, validateResourceFieldSelector(from.obj("resourceFieldRef"), false, path.Child("resourceFieldRef"))...)
	}
	for _, ref := range []string{"configMapKeyRef", "secretKeyRef"} {
		if from.has(ref) {
			n++
			sel, p := from.obj(ref), path.Child(ref)
			name := sel.str("name")
			errs = append(errs, invalidEach(p.Child("name"), name, types.NameIsDNSSubdomain(name, false))...)
			if key := sel.str("key"); key == "" {
				errs = append(errs, types.FieldRequired(p.Child("key"), ""))
			} else {
				errs = append(errs, invalidEach(p.Child("key"), key, configMapKeyMessages(key))...)
			}
		}
	}
	switch {
	case n == 0:
		errs = append(errs, types.FieldInvalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.str("value") != "":
		errs = append(errs, types.FieldInvalid(path, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, types.FieldInvalid(path, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// validateObjectFieldSelector is validateObjectFieldSelector: apiVersion and fieldPath set, a label the
// downward API converts, among expressions (or a subscript of metadata.labels or metadata.annotations).
func validateObjectFieldSelector(fs vmap, expressions []string, path *types.FieldPath) types.FieldErrorList {
	apiVersion, fieldPath := fs.str("apiVersion"), fs.str("fieldPath")
	if apiVersion == "" {
		return types.FieldErrorList{types.FieldRequired(path.Child("apiVersion"), "")}
	}
	if fieldPath == "" {
		return types.FieldErrorList{types.FieldRequired(path.Child("fieldPath"), "")}
	}
	base, subscript, subscripted := splitSubscriptedPath(fieldPath)
	var convErr string
	switch {
	case apiVersion != "v1":
		convErr = "unsupported pod version: " + apiVersion
	case subscripted && base != "metadata.annotations" && base != "metadata.labels":
		convErr = "field label does not support subscript: " + fieldPath
	case !subscripted && fieldPath != "spec.host" && !vOneOf(fieldPath, downwardFieldLabels):
		convErr = "field label not supported: " + fieldPath
	}
	if convErr != "" {
		return types.FieldErrorList{types.FieldInvalid(path.Child("fieldPath"), fieldPath, "error converting fieldPath: "+convErr)}
	}
	if fieldPath == "spec.host" {
		fieldPath = "spec.nodeName"
	}
	if subscripted {
		if base == "metadata.annotations" {
			subscript = strings.ToLower(subscript)
		}
		return validateQualifiedName(subscript, path)
	}
	if !vOneOf(fieldPath, expressions) {
		return types.FieldErrorList{types.FieldNotSupported(path.Child("fieldPath"), fieldPath, expressions)}
	}
	return nil
}

// splitSubscriptedPath is fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['k']" is ("metadata.labels", "k").
func splitSubscriptedPath(p string) (string, string, bool) {
	if !strings.HasSuffix(p, "']") {
		return p, "", false
	}
	base, sub, ok := strings.Cut(strings.TrimSuffix(p, "']"), "['")
	if !ok || base == "" {
		return p, "", false
	}
	return base, sub, true
}

// validateResourceFieldSelector is validateContainerResourceFieldSelector (containerName required in volumes)
// with validateContainerResourceDivisor.
func validateResourceFieldSelector(fs vmap, volume bool, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	resource := fs.str("resource")
	switch {
	case volume && fs.str("containerName") == "":
		errs = append(errs, types.FieldRequired(path.Child("containerName"), ""))
	case resource == "":
		errs = append(errs, types.FieldRequired(path.Child("resource"), ""))
	case !vOneOf(resource, containerResourceFieldPaths) && !strings.HasPrefix(resource, "requests.hugepages-") && !strings.HasPrefix(resource, "limits.hugepages-"):
		errs = append(errs, types.FieldNotSupported(path.Child("resource"), resource, containerResourceFieldPaths))
	}
	if fs.has("divisor") {
		d, err := vQuantity(fs["divisor"])
		if err == nil && d.Sign() != 0 {
			memory := []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
			var ok bool
			var which string
			switch resource {
			case "limits.cpu", "requests.cpu":
				ok, which = vOneOf(d.String(), []string{"1m", "1"}), "1m and 1 are supported with the cpu resource"
			case "limits.memory", "requests.memory":
				ok, which = vOneOf(d.String(), memory), "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"
			case "limits.ephemeral-storage", "requests.ephemeral-storage":
				ok, which = vOneOf(d.String(), memory), "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"
			default:
				ok = true
			}
			if !ok {
				errs = append(errs, types.FieldInvalid(path.Child("divisor"), resource, "only divisor's values "+which))
			}
			if strings.HasPrefix(resource, "requests.hugepages-") || strings.HasPrefix(resource, "limits.hugepages-") {
				if !vOneOf(d.String(), memory) {
					errs = append(errs, types.FieldInvalid(path.Child("divisor"), resource,
						"only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"))
				}
			}
		}
	}
	return errs
}

// validateEnvFrom is ValidateEnvFrom with relaxed prefixes. The source-count errors are reported at path without
// an index, as kube-apiserver reports them.
func validateEnvFrom(sources []any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, s := range sources {
		src, idx := vObj(s), path.Index(i)
		if prefix := src.str("prefix"); prefix != "" {
			errs = append(errs, invalidEach(idx.Child("prefix"), prefix, relaxedEnvVarNameMessages(prefix))...)
		}
		n := 0
		for _, ref := range []string{"configMapRef", "secretRef"} {
			if !src.has(ref) {
				continue
			}
			n++
			p := idx.Child(ref)
			if name := src.obj(ref).str("name"); name == "" {
				errs = append(errs, types.FieldRequired(p.Child("name"), ""))
			} else {
				errs = append(errs, invalidEach(p.Child("name"), name, types.NameIsDNSSubdomain(name, true))...)
			}
		}
		switch {
		case n == 0:
			errs = append(errs, types.FieldInvalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, types.FieldInvalid(path, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// validateProbe is validateLivenessProbe, validateReadinessProbe and validateStartupProbe for the probe member
// key of ctr.
func validateProbe(ctr vmap, key string, grace *int64, ctrPath *types.FieldPath) types.FieldErrorList {
	if !ctr.has(key) {
		return nil
	}
	probe, path := ctr.obj(key), ctrPath.Child(key)
	errs := validateHandler(probe, []string{"exec", "httpGet", "tcpSocket", "grpc"}, grace, path)
	for _, f := range []string{"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"} {
		errs = append(errs, validateNonnegative(probe.integer0(f), path.Child(f))...)
	}
	tgps, hasTGPS := probe.integer("terminationGracePeriodSeconds")
	if hasTGPS && tgps <= 0 {
		errs = append(errs, types.FieldInvalid(path.Child("terminationGracePeriodSeconds"), tgps, "must be greater than 0"))
	}
	switch key {
	case "livenessProbe", "startupProbe":
		if st := probe.integer0("successThreshold"); st != 1 {
			errs = append(errs, types.FieldInvalid(path.Child("successThreshold"), st, "must be 1"))
		}
	case "readinessProbe":
		if hasTGPS {
			errs = append(errs, types.FieldInvalid(path.Child("terminationGracePeriodSeconds"), tgps, "must not be set for readinessProbes"))
		}
	}
	return errs
}

// validateLifecycle is validateLifecycle: postStart and preStop handlers.
func validateLifecycle(lc vmap, grace *int64, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, h := range []string{"postStart", "preStop"} {
		if lc.has(h) {
			errs = append(errs, validateHandler(lc.obj(h), []string{"exec", "httpGet", "tcpSocket", "sleep"}, grace, path.Child(h))...)
		}
	}
	return errs
}

// validateHandler is validateHandler: exactly one of the handler kinds (kinds lists those the handler type has).
func validateHandler(h vmap, kinds []string, grace *int64, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	n := 0
	for _, kind := range []string{"exec", "httpGet", "tcpSocket", "grpc", "sleep"} {
		if !vOneOf(kind, kinds) || !h.has(kind) {
			continue
		}
		p := path.Child(kind)
		if n > 0 {
			errs = append(errs, types.FieldForbidden(p, "may not specify more than 1 handler type"))
			continue
		}
		n++
		a := h.obj(kind)
		switch kind {
		case "exec":
			if len(a.list("command")) == 0 {
				errs = append(errs, types.FieldRequired(p.Child("command"), ""))
			}
		case "httpGet":
			if a.str("path") == "" {
				errs = append(errs, types.FieldRequired(p.Child("path"), ""))
			}
			errs = append(errs, validatePortNumOrName(vIntOrString(a["port"]), p.Child("port"))...)
			if scheme := a.str("scheme"); !vOneOf(scheme, vHTTPSchemes) {
				errs = append(errs, types.FieldNotSupported(p.Child("scheme"), scheme, vHTTPSchemes))
			}
			for _, hdr := range a.list("httpHeaders") {
				name := vObj(hdr).str("name")
				errs = append(errs, invalidEach(p.Child("httpHeaders"), name, httpHeaderNameMessages(name))...)
			}
		case "tcpSocket":
			errs = append(errs, validatePortNumOrName(vIntOrString(a["port"]), p.Child("port"))...)
		case "grpc":
			port := a.integer0("port")
			errs = append(errs, invalidEach(p.Child("port"), port, portNumMessages(port))...)
		case "sleep":
			secs := a.integer0("seconds")
			if grace != nil && (secs < 0 || secs > *grace) {
				errs = append(errs, types.FieldInvalid(p, secs,
					fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", *grace)))
			}
		}
	}
	if n == 0 {
		errs = append(errs, types.FieldRequired(path, "must specify a handler type"))
	}
	return errs
}

// validatePortNumOrName is ValidatePortNumOrName: a port number, or an IANA service name.
func validatePortNumOrName(port vIntOrStr, path *types.FieldPath) types.FieldErrorList {
	if port.isString {
		return invalidEach(path, port.strVal, portNameMessages(port.strVal))
	}
	return invalidEach(path, port.intVal, portNumMessages(port.intVal))
}
