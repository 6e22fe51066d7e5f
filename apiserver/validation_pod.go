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
	vPreemptionPolicies  = []string{"PreemptLowerPriority", "Never"}
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
	errs = append(errs, validatePodSpecificAnnotations(meta.strMap("annotations"), spec, vAnnotationsPath)...)
	errs = append(errs, validatePodSpec(spec, meta.str("name"), pathOf(vSpecPath), opts)...)
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
	meta, spec, p := tmpl.obj("metadata"), tmpl.obj("spec"), pathOf(path)
	errs := validateLabels(meta.strMap("labels"), p.child("labels"))
	errs = append(errs, validateAnnotations(meta.strMap("annotations"), p.child("annotations"))...)
	errs = append(errs, validatePodSpecificAnnotations(meta.strMap("annotations"), spec, path.Child("annotations"))...)
	errs = append(errs, validatePodSpec(spec, "", p.child("spec"), podOpts{})...)
	if len(spec.list("ephemeralContainers")) > 0 {
		errs = append(errs, types.FieldForbidden(path.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// validatePodSpec is ValidatePodSpec. podName is the name of the pod, "" for a template.
func validatePodSpec(spec vmap, podName string, path vpath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	grace, hasGrace := spec.integer("terminationGracePeriodSeconds")
	if !hasGrace {
		errs = append(errs, types.FieldRequired(path.child("terminationGracePeriodSeconds").path(), ""))
	}
	var gracePeriod *int64
	if hasGrace {
		gracePeriod = &grace
	}
	vols := map[string]vmap{}
	errs = append(errs, validateVolumes(spec.list("volumes"), podName, path.child("volumes"), opts, vols)...)
	claimNames := map[string]bool{}
	for _, c := range spec.list("resourceClaims") {
		if n := vObj(c).str("name"); n != "" {
			claimNames[n] = true
		}
	}
	containers, initContainers := spec.list("containers"), spec.list("initContainers")
	errs = append(errs, validateContainers(containers, vols, claimNames, gracePeriod, path.child("containers"), opts)...)
	errs = append(errs, validateInitContainers(initContainers, containers, vols, claimNames, gracePeriod, path.child("initContainers"), opts)...)
	if spec.boolean("hostNetwork") {
		for i, c := range containers {
			for j, p := range vObj(c).list("ports") {
				port := vObj(p)
				hp, cp := port.integer0("hostPort"), port.integer0("containerPort")
				if (opts.resourceIsPod || hp != 0) && hp != cp {
					errs = append(errs, types.FieldInvalid(path.child("containers").index(i).child("ports").index(j).child("hostPort").path(), hp,
						"must match `containerPort` when `hostNetwork` is true"))
				}
			}
		}
	}
	errs = append(errs, validateEnum(spec.str("restartPolicy"), vRestartPolicies, path.child("restartPolicy"))...)
	errs = append(errs, validateEnum(spec.str("dnsPolicy"), vDNSPolicies, path.child("dnsPolicy"))...)
	errs = append(errs, validateLabels(spec.strMap("nodeSelector"), path.child("nodeSelector"))...)
	errs = append(errs, validatePodDNSConfig(spec.obj("dnsConfig"), spec.has("dnsConfig"), spec.str("dnsPolicy"), path.child("dnsConfig"))...)
	for i, g := range spec.list("readinessGates") {
		ct := vObj(g).str("conditionType")
		errs = append(errs, invalidAt(path.child("readinessGates").index(i).child("conditionType"), ct, types.IsQualifiedName(ct))...)
	}
	seenGates := map[string]bool{}
	for i, g := range spec.list("schedulingGates") {
		name := vObj(g).str("name")
		errs = append(errs, invalidAt(path.child("schedulingGates").index(i), name, types.IsQualifiedName(name))...)
		if seenGates[name] {
			errs = append(errs, types.FieldDuplicate(path.child("schedulingGates").index(i).path(), name))
		}
		seenGates[name] = true
	}
	errs = append(errs, validateTopologySpreadConstraints(spec.list("topologySpreadConstraints"), path.child("topologySpreadConstraints"))...)
	for _, f := range []string{"serviceAccountName", "nodeName"} {
		if v := spec.str(f); v != "" {
			errs = append(errs, invalidAt(path.child(f), v, types.NameIsDNSSubdomain(v, false))...)
		}
	}
	if v, ok := spec.integer("activeDeadlineSeconds"); ok && (v < 1 || v > vMaxInt32) {
		errs = append(errs, types.FieldInvalid(path.child("activeDeadlineSeconds").path(), v, inclusiveRangeMessage(1, vMaxInt32)))
	}
	for _, f := range []string{"hostname", "subdomain"} {
		if v := spec.str(f); v != "" {
			errs = append(errs, invalidAt(path.child(f), v, types.IsDNS1123Label(v))...)
		}
	}
	if tols := spec.list("tolerations"); len(tols) > 0 {
		errs = append(errs, validateTolerations(tols, path.child("tolerations"))...)
	}
	for i, a := range spec.list("hostAliases") {
		alias, ap := vObj(a), path.child("hostAliases").index(i)
		errs = append(errs, validateIP(ap.child("ip").path(), alias.str("ip"))...)
		for j, h := range alias.strList("hostnames") {
			errs = append(errs, invalidAt(ap.child("hostnames").index(j), h, types.IsDNS1123Subdomain(h))...)
		}
	}
	if v := spec.str("priorityClassName"); v != "" {
		errs = append(errs, invalidAt(path.child("priorityClassName"), v, types.NameIsDNSSubdomain(v, false))...)
	}
	if spec.hasStr("runtimeClassName") {
		v := spec.str("runtimeClassName")
		errs = append(errs, invalidAt(path.child("runtimeClassName"), v, types.NameIsDNSSubdomain(v, false))...)
	}
	if spec.hasStr("preemptionPolicy") {
		errs = append(errs, validateEnum(spec.str("preemptionPolicy"), vPreemptionPolicies, path.child("preemptionPolicy"))...)
	}
	if spec.has("overhead") {
		errs = append(errs, validateResourceRequirements(vmap{"limits": spec["overhead"]}, nil, path.child("overhead"))...)
	}
	if spec.has("os") {
		os := spec.obj("os")
		switch name := os.str("name"); name {
		case "":
			errs = append(errs, types.FieldRequired(path.child("os").child("name").path(), "cannot be empty"))
		case "linux", "windows":
		default:
			errs = append(errs, types.FieldNotSupported(path.child("os").path(), name, []string{"linux", "windows"}))
		}
	}
	return errs
}

// validateEnum is the pattern of validateRestartPolicy, validateDNSPolicy and validatePullPolicy: Required when
// empty, NotSupported outside the values.
func validateEnum(v string, values []string, path vpath) types.FieldErrorList {
	if v == "" {
		return types.FieldErrorList{types.FieldRequired(path.path(), "")}
	}
	for _, ok := range values {
		if v == ok {
			return nil
		}
	}
	return types.FieldErrorList{types.FieldNotSupported(path.path(), v, values)}
}

// validateContainers is validateContainers: at least one, unique names, handlers and probes, no restartPolicy,
// then host port conflicts across all of them.
func validateContainers(containers []any, vols map[string]vmap, claims map[string]bool, grace *int64, path vpath, opts podOpts) types.FieldErrorList {
	if len(containers) == 0 {
		return types.FieldErrorList{types.FieldRequired(path.path(), "")}
	}
	var errs types.FieldErrorList
	names := map[string]bool{}
	for i, c := range containers {
		ctr, p := vObj(c), path.index(i)
		errs = append(errs, validateContainerCommon(ctr, vols, claims, p, opts)...)
		if name := ctr.str("name"); names[name] {
			errs = append(errs, types.FieldDuplicate(p.child("name").path(), name))
		} else {
			names[name] = true
		}
		if ctr.has("lifecycle") {
			errs = append(errs, validateLifecycle(ctr.obj("lifecycle"), grace, p.child("lifecycle"))...)
		}
		errs = append(errs, validateProbe(ctr, "livenessProbe", grace, p)...)
		errs = append(errs, validateProbe(ctr, "readinessProbe", grace, p)...)
		errs = append(errs, validateProbe(ctr, "startupProbe", grace, p)...)
		if ctr.has("restartPolicy") {
			errs = append(errs, types.FieldForbidden(p.child("restartPolicy").path(), "may not be set for non-init containers"))
		}
	}
	errs = append(errs, hostPortConflicts(containers, path)...)
	return errs
}

// validateInitContainers is validateInitContainers: names unique across regular and init containers, only
// restartPolicy Always, handlers and probes only for restartable (sidecar) init containers.
func validateInitContainers(inits, regular []any, vols map[string]vmap, claims map[string]bool, grace *int64, path vpath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	names := map[string]bool{}
	for _, c := range regular {
		names[vObj(c).str("name")] = true
	}
	for i, c := range inits {
		ctr, p := vObj(c), path.index(i)
		errs = append(errs, validateContainerCommon(ctr, vols, claims, p, opts)...)
		restartAlways := false
		if ctr.hasStr("restartPolicy") {
			policy := ctr.str("restartPolicy")
			if policy != "Always" {
				errs = append(errs, types.FieldNotSupported(p.child("restartPolicy").path(), policy, []string{"Always"}))
			}
			restartAlways = policy == "Always"
		}
		if name := ctr.str("name"); names[name] {
			errs = append(errs, types.FieldDuplicate(p.child("name").path(), name))
		} else if name != "" {
			names[name] = true
		}
		errs = append(errs, hostPortConflicts([]any{c}, path)...)
		if restartAlways {
			if ctr.has("lifecycle") {
				errs = append(errs, validateLifecycle(ctr.obj("lifecycle"), grace, p.child("lifecycle"))...)
			}
			errs = append(errs, validateProbe(ctr, "livenessProbe", grace, p)...)
			errs = append(errs, validateProbe(ctr, "readinessProbe", grace, p)...)
			errs = append(errs, validateProbe(ctr, "startupProbe", grace, p)...)
		} else {
			for _, f := range []string{"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"} {
				if ctr.has(f) {
					errs = append(errs, types.FieldForbidden(p.child(f).path(), "may not be set for init containers without restartPolicy=Always"))
				}
			}
		}
	}
	return errs
}

// validateContainerCommon is validateContainerCommon: name, image, terminationMessagePolicy, ports, env,
// envFrom, volumeMounts, volumeDevices, imagePullPolicy and resources.
func validateContainerCommon(ctr vmap, vols map[string]vmap, claims map[string]bool, path vpath, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	if name := ctr.str("name"); name == "" {
		errs = append(errs, types.FieldRequired(path.child("name").path(), ""))
	} else {
		errs = append(errs, invalidAt(path.child("name"), name, types.IsDNS1123Label(name))...)
	}
	if ctr.str("image") == "" {
		errs = append(errs, types.FieldRequired(path.child("image").path(), ""))
	}
	errs = append(errs, validateEnum(ctr.str("terminationMessagePolicy"), vTerminationPolicies, path.child("terminationMessagePolicy"))...)
	mounts, devices := ctr.list("volumeMounts"), ctr.list("volumeDevices")
	errs = append(errs, validateContainerPorts(ctr.list("ports"), path.child("ports"))...)
	errs = append(errs, validateEnv(ctr.list("env"), path.child("env"))...)
	errs = append(errs, validateEnvFrom(ctr.list("envFrom"), path.child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(mounts, devices, vols, ctr, path.child("volumeMounts"))...)
	errs = append(errs, validateVolumeDevices(devices, mounts, vols, path.child("volumeDevices"))...)
	errs = append(errs, validateEnum(ctr.str("imagePullPolicy"), vPullPolicies, path.child("imagePullPolicy"))...)
	errs = append(errs, validateResourceRequirements(ctr.obj("resources"), claims, path.child("resources"))...)
	return errs
}

// validateContainerPorts is validateContainerPorts.
func validateContainerPorts(ports []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	names := map[string]bool{}
	for i, p := range ports {
		port, idx := vObj(p), path.index(i)
		if name := port.str("name"); name != "" {
			if msgs := portNameMessages(name); len(msgs) > 0 {
				errs = append(errs, invalidAt(idx.child("name"), name, msgs)...)
			} else if names[name] {
				errs = append(errs, types.FieldDuplicate(idx.child("name").path(), name))
			} else {
				names[name] = true
			}
		}
		if cp := port.integer0("containerPort"); cp == 0 {
			errs = append(errs, types.FieldRequired(idx.child("containerPort").path(), ""))
		} else {
			errs = append(errs, invalidAt(idx.child("containerPort"), cp, portNumMessages(cp))...)
		}
		if hp := port.integer0("hostPort"); hp != 0 {
			errs = append(errs, invalidAt(idx.child("hostPort"), hp, portNumMessages(hp))...)
		}
		if proto := port.str("protocol"); proto == "" {
			errs = append(errs, types.FieldRequired(idx.child("protocol").path(), ""))
		} else if !vOneOf(proto, vPortProtocols) {
			errs = append(errs, types.FieldNotSupported(idx.child("protocol").path(), proto, vPortProtocols))
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
func hostPortConflicts(containers []any, path vpath) types.FieldErrorList {
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
				errs = append(errs, types.FieldDuplicate(path.index(ci).child("ports").index(pi).child("hostPort").path(), key))
			} else {
				seen[key] = true
			}
		}
	}
	return errs
}

// validateEnv is ValidateEnv with relaxed names.
func validateEnv(vars []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, v := range vars {
		ev, idx := vObj(v), path.index(i)
		if name := ev.str("name"); name == "" {
			errs = append(errs, types.FieldRequired(idx.child("name").path(), ""))
		} else {
			errs = append(errs, invalidAt(idx.child("name"), name, relaxedEnvVarNameMessages(name))...)
		}
		errs = append(errs, validateEnvVarValueFrom(ev, idx.child("valueFrom"))...)
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
func validateEnvVarValueFrom(ev vmap, path vpath) types.FieldErrorList {
	if !ev.has("valueFrom") {
		return nil
	}
	from := ev.obj("valueFrom")
	var errs types.FieldErrorList
	n := 0
	if from.has("fieldRef") {
		n++
		errs = append(errs, validateObjectFieldSelector(from.obj("fieldRef"), envFieldPaths, path.child("fieldRef"))...)
	}
	if from.has("resourceFieldRef") {
		n++
		errs = append(errs, validateResourceFieldSelector(from.obj("resourceFieldRef"), false, path.child("resourceFieldRef"))...)
	}
	for _, ref := range []string{"configMapKeyRef", "secretKeyRef"} {
		if from.has(ref) {
			n++
			sel, p := from.obj(ref), path.child(ref)
			name := sel.str("name")
			errs = append(errs, invalidAt(p.child("name"), name, types.NameIsDNSSubdomain(name, false))...)
			if key := sel.str("key"); key == "" {
				errs = append(errs, types.FieldRequired(p.child("key").path(), ""))
			} else {
				errs = append(errs, invalidAt(p.child("key"), key, configMapKeyMessages(key))...)
			}
		}
	}
	switch {
	case n == 0:
		errs = append(errs, types.FieldInvalid(path.path(), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.str("value") != "":
		errs = append(errs, types.FieldInvalid(path.path(), "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, types.FieldInvalid(path.path(), "", "may not have more than one field specified at a time"))
	}
	return errs
}

// validateObjectFieldSelector is validateObjectFieldSelector: apiVersion and fieldPath set, a label the
// downward API converts, among expressions (or a subscript of metadata.labels or metadata.annotations).
func validateObjectFieldSelector(fs vmap, expressions []string, path vpath) types.FieldErrorList {
	apiVersion, fieldPath := fs.str("apiVersion"), fs.str("fieldPath")
	if apiVersion == "" {
		return types.FieldErrorList{types.FieldRequired(path.child("apiVersion").path(), "")}
	}
	if fieldPath == "" {
		return types.FieldErrorList{types.FieldRequired(path.child("fieldPath").path(), "")}
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
		return types.FieldErrorList{types.FieldInvalid(path.child("fieldPath").path(), fieldPath, "error converting fieldPath: "+convErr)}
	}
	if fieldPath == "spec.host" {
		fieldPath = "spec.nodeName"
	}
	if subscripted {
		if base == "metadata.annotations" {
			subscript = strings.ToLower(subscript)
		}
		return invalidAt(path, subscript, types.IsQualifiedName(subscript))
	}
	if !vOneOf(fieldPath, expressions) {
		return types.FieldErrorList{types.FieldNotSupported(path.child("fieldPath").path(), fieldPath, expressions)}
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
func validateResourceFieldSelector(fs vmap, volume bool, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	resource := fs.str("resource")
	switch {
	case volume && fs.str("containerName") == "":
		errs = append(errs, types.FieldRequired(path.child("containerName").path(), ""))
	case resource == "":
		errs = append(errs, types.FieldRequired(path.child("resource").path(), ""))
	case !vOneOf(resource, containerResourceFieldPaths) && !strings.HasPrefix(resource, "requests.hugepages-") && !strings.HasPrefix(resource, "limits.hugepages-"):
		errs = append(errs, types.FieldNotSupported(path.child("resource").path(), resource, containerResourceFieldPaths))
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
				errs = append(errs, types.FieldInvalid(path.child("divisor").path(), resource, "only divisor's values "+which))
			}
			if strings.HasPrefix(resource, "requests.hugepages-") || strings.HasPrefix(resource, "limits.hugepages-") {
				if !vOneOf(d.String(), memory) {
					errs = append(errs, types.FieldInvalid(path.child("divisor").path(), resource,
						"only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"))
				}
			}
		}
	}
	return errs
}

// validateEnvFrom is ValidateEnvFrom with relaxed prefixes. The source-count errors are reported at path without
// an index, as kube-apiserver reports them.
func validateEnvFrom(sources []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, s := range sources {
		src, idx := vObj(s), path.index(i)
		if prefix := src.str("prefix"); prefix != "" {
			errs = append(errs, invalidAt(idx.child("prefix"), prefix, relaxedEnvVarNameMessages(prefix))...)
		}
		n := 0
		for _, ref := range []string{"configMapRef", "secretRef"} {
			if !src.has(ref) {
				continue
			}
			n++
			p := idx.child(ref)
			if name := src.obj(ref).str("name"); name == "" {
				errs = append(errs, types.FieldRequired(p.child("name").path(), ""))
			} else {
				errs = append(errs, invalidAt(p.child("name"), name, types.NameIsDNSSubdomain(name, true))...)
			}
		}
		switch {
		case n == 0:
			errs = append(errs, types.FieldInvalid(path.path(), "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, types.FieldInvalid(path.path(), "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// validateProbe is validateLivenessProbe, validateReadinessProbe and validateStartupProbe for the probe member
// key of ctr.
func validateProbe(ctr vmap, key string, grace *int64, ctrPath vpath) types.FieldErrorList {
	if !ctr.has(key) {
		return nil
	}
	probe, path := ctr.obj(key), ctrPath.child(key)
	errs := validateHandler(probe, []string{"exec", "httpGet", "tcpSocket", "grpc"}, grace, path)
	for _, f := range []string{"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"} {
		errs = append(errs, validateNonnegative(probe.integer0(f), path.child(f))...)
	}
	tgps, hasTGPS := probe.integer("terminationGracePeriodSeconds")
	if hasTGPS && tgps <= 0 {
		errs = append(errs, types.FieldInvalid(path.child("terminationGracePeriodSeconds").path(), tgps, "must be greater than 0"))
	}
	switch key {
	case "livenessProbe", "startupProbe":
		if st := probe.integer0("successThreshold"); st != 1 {
			errs = append(errs, types.FieldInvalid(path.child("successThreshold").path(), st, "must be 1"))
		}
	case "readinessProbe":
		if hasTGPS {
			errs = append(errs, types.FieldInvalid(path.child("terminationGracePeriodSeconds").path(), tgps, "must not be set for readinessProbes"))
		}
	}
	return errs
}

// validateLifecycle is validateLifecycle: postStart and preStop handlers.
func validateLifecycle(lc vmap, grace *int64, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, h := range []string{"postStart", "preStop"} {
		if lc.has(h) {
			errs = append(errs, validateHandler(lc.obj(h), []string{"exec", "httpGet", "tcpSocket", "sleep"}, grace, path.child(h))...)
		}
	}
	return errs
}

// validateHandler is validateHandler: exactly one of the handler kinds (kinds lists those the handler type has).
func validateHandler(h vmap, kinds []string, grace *int64, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	n := 0
	for _, kind := range []string{"exec", "httpGet", "tcpSocket", "grpc", "sleep"} {
		if !vOneOf(kind, kinds) || !h.has(kind) {
			continue
		}
		p := path.child(kind)
		if n > 0 {
			errs = append(errs, types.FieldForbidden(p.path(), "may not specify more than 1 handler type"))
			continue
		}
		n++
		a := h.obj(kind)
		switch kind {
		case "exec":
			if len(a.list("command")) == 0 {
				errs = append(errs, types.FieldRequired(p.child("command").path(), ""))
			}
		case "httpGet":
			if a.str("path") == "" {
				errs = append(errs, types.FieldRequired(p.child("path").path(), ""))
			}
			errs = append(errs, validatePortNumOrName(vIntOrString(a["port"]), p.child("port"))...)
			if scheme := a.str("scheme"); !vOneOf(scheme, vHTTPSchemes) {
				errs = append(errs, types.FieldNotSupported(p.child("scheme").path(), scheme, vHTTPSchemes))
			}
			for _, hdr := range a.list("httpHeaders") {
				name := vObj(hdr).str("name")
				errs = append(errs, invalidAt(p.child("httpHeaders"), name, httpHeaderNameMessages(name))...)
			}
		case "tcpSocket":
			errs = append(errs, validatePortNumOrName(vIntOrString(a["port"]), p.child("port"))...)
		case "grpc":
			port := a.integer0("port")
			errs = append(errs, invalidAt(p.child("port"), port, portNumMessages(port))...)
		case "sleep":
			secs := a.integer0("seconds")
			if grace != nil && (secs < 0 || secs > *grace) {
				errs = append(errs, types.FieldInvalid(p.path(), secs,
					fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", *grace)))
			}
		}
	}
	if n == 0 {
		errs = append(errs, types.FieldRequired(path.path(), "must specify a handler type"))
	}
	return errs
}

// validatePortNumOrName is ValidatePortNumOrName: a port number, or an IANA service name.
func validatePortNumOrName(port vIntOrStr, path vpath) types.FieldErrorList {
	if port.isString {
		return invalidAt(path, port.strVal, portNameMessages(port.strVal))
	}
	return invalidAt(path, port.intVal, portNumMessages(port.intVal))
}
