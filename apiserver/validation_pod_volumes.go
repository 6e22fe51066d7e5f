package apiserver

import (
	"fmt"
	"math/bits"
	"path"
	"path/filepath"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Volume rules of pkg/apis/core/validation/validation.go: ValidateVolumes, validateVolumeSource (exactly one
// source; the contents of the common sources: emptyDir, hostPath, gitRepo, secret, configMap,
// persistentVolumeClaim, nfs, downwardAPI, projected, csi, ephemeral, image), ValidateVolumeMounts and
// ValidateVolumeDevices.

// volumeSource is one member of a VolumeSource in validateVolumeSource's order, with the name its "more than 1
// volume type" error uses (kube-apiserver spells two of them differently from the JSON member).
type volumeSource struct{ member, errName string }

var volumeSources = [...]volumeSource{
	{"emptyDir", "emptyDir"}, {"hostPath", "hostPath"}, {"gitRepo", "gitRepo"},
	{"gcePersistentDisk", "gcePersistentDisk"}, {"awsElasticBlockStore", "awsElasticBlockStore"},
	{"secret", "secret"}, {"nfs", "nfs"}, {"iscsi", "iscsi"}, {"glusterfs", "glusterfs"}, {"flocker", "flocker"},
	{"persistentVolumeClaim", "persistentVolumeClaim"}, {"rbd", "rbd"}, {"cinder", "cinder"},
	{"cephfs", "cephFS"}, {"quobyte", "quobyte"}, {"downwardAPI", "downwarAPI"}, {"fc", "fc"},
	{"flexVolume", "flexVolume"}, {"configMap", "configMap"}, {"azureFile", "azureFile"},
	{"vsphereVolume", "vsphereVolume"}, {"photonPersistentDisk", "photonPersistentDisk"},
	{"portworxVolume", "portworxVolume"}, {"azureDisk", "azureDisk"}, {"storageos", "storageos"},
	{"projected", "projected"}, {"scaleIO", "scaleIO"}, {"csi", "csi"}, {"ephemeral", "ephemeral"}, {"image", "image"},
}

// volumeSourceIndex is the position of each member in volumeSources.
var volumeSourceIndex = func() map[string]int {
	m := make(map[string]int, len(volumeSources))
	for i, s := range volumeSources {
		m[s.member] = i
	}
	return m
}()

// presentVolumeSources returns the set of volumeSources members vol sets (not null), bit i for volumeSources[i].
// It looks up vol's few members in volumeSourceIndex rather than each of the thirty sources in vol.
func presentVolumeSources(vol vmap) uint64 {
	var _ [64 - len(volumeSources)]struct{} // the set fits a uint64
	var set uint64
	for k, v := range vol {
		if i, ok := volumeSourceIndex[k]; ok && v != nil {
			set |= 1 << i
		}
	}
	return set
}

const fileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive"

// validateVolumes is ValidateVolumes: it records the valid volumes by name in vols (a volume with errors is left
// out, so mounts of it are "Not found" too) and returns the errors.
func validateVolumes(volumes []any, podName string, p vpath, opts podOpts, vols map[string]vmap) types.FieldErrorList {
	var errs types.FieldErrorList
	created := map[string]bool{}
	if podName != "" {
		for _, v := range volumes {
			if vObj(v).has("ephemeral") {
				created[podName+"-"+vObj(v).str("name")] = true
			}
		}
	}
	for i, v := range volumes {
		vol, idx := vObj(v), p.index(i)
		name := vol.str("name")
		el := validateVolumeSource(vol, idx, name, podName, opts)
		if name == "" {
			el = append(el, types.FieldRequired(idx.child("name").path(), ""))
		} else {
			el = append(el, invalidAt(idx.child("name"), name, types.IsDNS1123Label(name))...)
		}
		if _, dup := vols[name]; dup {
			el = append(el, types.FieldDuplicate(idx.child("name").path(), name))
		}
		if len(el) == 0 {
			vols[name] = vol
		} else {
			errs = append(errs, el...)
		}
		if claim := vol.obj("persistentVolumeClaim").str("claimName"); vol.has("persistentVolumeClaim") && created[claim] {
			errs = append(errs, types.FieldInvalid(idx.child("persistentVolumeClaim").child("claimName").path(), claim,
				"must not reference a PVC that gets created for an ephemeral volume"))
		}
	}
	return errs
}

// validateVolumeSource is validateVolumeSource: exactly one source, and the rules of that source.
func validateVolumeSource(vol vmap, p vpath, volName, podName string, opts podOpts) types.FieldErrorList {
	var errs types.FieldErrorList
	n := 0
	for set := presentVolumeSources(vol); set != 0; set &= set - 1 { // the set members in volumeSources order
		s := volumeSources[bits.TrailingZeros64(set)]
		if n > 0 {
			errs = append(errs, types.FieldForbidden(p.child(s.errName).path(), "may not specify more than 1 volume type"))
			continue
		}
		n++
		src, sp := vol.obj(s.member), p.child(s.member)
		switch s.member {
		case "emptyDir":
			if src.has("sizeLimit") {
				if q, err := vQuantity(src["sizeLimit"]); err == nil && q.Sign() < 0 {
					errs = append(errs, types.FieldForbidden(sp.child("sizeLimit").path(), "SizeLimit field must be a valid resource quantity"))
				}
			}
		case "hostPath":
			hp := src.str("path")
			if hp == "" {
				errs = append(errs, types.FieldRequired(sp.child("path").path(), ""))
				break
			}
			errs = append(errs, validatePathNoBacksteps(hp, sp.child("path"))...)
			hostPathTypes := []string{"", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"}
			if src.hasStr("type") && !vOneOf(src.str("type"), hostPathTypes) {
				errs = append(errs, types.FieldNotSupported(sp.child("type").path(), src.str("type"), hostPathTypes))
			}
		case "gitRepo":
			if src.str("repository") == "" {
				errs = append(errs, types.FieldRequired(sp.child("repository").path(), ""))
			}
			errs = append(errs, validateLocalDescendingPath(src.str("directory"), sp.child("directory"))...)
		case "secret", "configMap":
			nameField := "secretName"
			if s.member == "configMap" {
				nameField = "name"
			}
			if src.str(nameField) == "" {
				errs = append(errs, types.FieldRequired(sp.child(nameField).path(), ""))
			}
			errs = append(errs, validateFileMode(src, "defaultMode", sp)...)
			for j, it := range src.list("items") {
				errs = append(errs, validateKeyToPath(vObj(it), sp.child("items").index(j))...)
			}
		case "persistentVolumeClaim":
			if src.str("claimName") == "" {
				errs = append(errs, types.FieldRequired(sp.child("claimName").path(), ""))
			}
		case "nfs":
			if src.str("server") == "" {
				errs = append(errs, types.FieldRequired(sp.child("server").path(), ""))
			}
			np := src.str("path")
			if np == "" {
				errs = append(errs, types.FieldRequired(sp.child("path").path(), ""))
			}
			if !path.IsAbs(np) {
				errs = append(errs, types.FieldInvalid(sp.child("path").path(), np, "must be an absolute path"))
			}
		case "downwardAPI":
			errs = append(errs, validateFileMode(src, "defaultMode", sp)...)
			for _, f := range src.list("items") {
				errs = append(errs, validateDownwardAPIVolumeFile(vObj(f), sp)...)
			}
		case "projected":
			errs = append(errs, validateFileMode(src, "defaultMode", sp)...)
			errs = append(errs, validateProjectionSources(src, sp)...)
		case "csi":
			errs = append(errs, validateCSIDriverName(src.str("driver"), sp.child("driver"))...)
			if src.has("nodePublishSecretRef") {
				if name := src.obj("nodePublishSecretRef").str("name"); name == "" {
					errs = append(errs, types.FieldRequired(sp.child("nodePublishSecretRef").child("name").path(), ""))
				} else {
					errs = append(errs, invalidAt(sp.child("name"), name, types.NameIsDNSSubdomain(name, false))...)
				}
			}
		case "ephemeral":
			if !src.has("volumeClaimTemplate") {
				errs = append(errs, types.FieldRequired(sp.child("volumeClaimTemplate").path(), ""))
			}
			if podName != "" && volName != "" {
				pvc := podName + "-" + volName
				for _, msg := range types.NameIsDNSSubdomain(pvc, false) {
					errs = append(errs, types.FieldInvalid(p.child("name").path(), volName, fmt.Sprintf("PVC name %q: %v", pvc, msg)))
				}
			}
		case "image":
			if opts.resourceIsPod && src.str("reference") == "" {
				errs = append(errs, types.FieldRequired(sp.child("reference").path(), ""))
			}
			errs = append(errs, validateEnum(src.str("pullPolicy"), vPullPolicies, sp.child("pullPolicy"))...)
		}
	}
	if n == 0 {
		errs = append(errs, types.FieldRequired(p.path(), "must specify a volume type"))
	}
	return errs
}

// validateFileMode checks a file mode member: 0 to 0777.
func validateFileMode(m vmap, key string, p vpath) types.FieldErrorList {
	if mode, ok := m.integer(key); ok && (mode > 0o777 || mode < 0) {
		return types.FieldErrorList{types.FieldInvalid(p.child(key).path(), mode, fileModeMessage)}
	}
	return nil
}

// validateKeyToPath is validateKeyToPath.
func validateKeyToPath(kp vmap, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	if kp.str("key") == "" {
		errs = append(errs, types.FieldRequired(p.child("key").path(), ""))
	}
	if kp.str("path") == "" {
		errs = append(errs, types.FieldRequired(p.child("path").path(), ""))
	}
	errs = append(errs, validateLocalNonReservedPath(kp.str("path"), p.child("path"))...)
	errs = append(errs, validateFileMode(kp, "mode", p)...)
	return errs
}

// validateDownwardAPIVolumeFile is validateDownwardAPIVolumeFile; p is the downwardAPI source (kube-apiserver
// reports item errors without the item index).
func validateDownwardAPIVolumeFile(f vmap, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	if f.str("path") == "" {
		errs = append(errs, types.FieldRequired(p.child("path").path(), ""))
	}
	errs = append(errs, validateLocalNonReservedPath(f.str("path"), p.child("path"))...)
	switch {
	case f.has("fieldRef"):
		errs = append(errs, validateObjectFieldSelector(f.obj("fieldRef"), volumeFieldPaths, p.child("fieldRef"))...)
		if f.has("resourceFieldRef") {
			errs = append(errs, types.FieldInvalid(p.path(), "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		}
	case f.has("resourceFieldRef"):
		errs = append(errs, validateResourceFieldSelector(f.obj("resourceFieldRef"), true, p.child("resourceFieldRef"))...)
	default:
		errs = append(errs, types.FieldRequired(p.path(), "one of fieldRef and resourceFieldRef is required"))
	}
	errs = append(errs, validateFileMode(f, "mode", p)...)
	return errs
}

// validateProjectionSources is validateProjectionSources for secret, configMap, downwardAPI and
// serviceAccountToken sources: one kind per source, no path used twice.
func validateProjectionSources(proj vmap, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	paths := map[string]bool{}
	for i, s := range proj.list("sources") {
		src, sp := vObj(s), p.child("sources").index(i)
		n := 0
		for _, kind := range []string{"secret", "configMap"} {
			if !src.has(kind) {
				continue
			}
			n++
			ref, kp := src.obj(kind), sp.child(kind)
			if ref.str("name") == "" {
				errs = append(errs, types.FieldRequired(kp.child("name").path(), ""))
			}
			for j, it := range ref.list("items") {
				item := vObj(it)
				errs = append(errs, validateKeyToPath(item, kp.child("items").index(j))...)
				if ip := item.str("path"); ip != "" {
					if paths[ip] {
						errs = append(errs, types.FieldInvalid(p.path(), ref.str("name"), "conflicting duplicate paths"))
					}
					paths[ip] = true
				}
			}
		}
		if src.has("downwardAPI") {
			n++
			for _, f := range src.obj("downwardAPI").list("items") {
				file := vObj(f)
				errs = append(errs, validateDownwardAPIVolumeFile(file, sp.child("downwardAPI"))...)
				if fp := file.str("path"); fp != "" {
					if paths[fp] {
						errs = append(errs, types.FieldInvalid(p.path(), fp, "conflicting duplicate paths"))
					}
					paths[fp] = true
				}
			}
		}
		if src.has("serviceAccountToken") {
			n++
			tok, tp := src.obj("serviceAccountToken"), sp.child("serviceAccountToken")
			exp := tok.integer0("expirationSeconds")
			if exp < 10*60 {
				errs = append(errs, types.FieldInvalid(tp.child("expirationSeconds").path(), exp, "may not specify a duration less than 10 minutes"))
			}
			if exp > 1<<32 {
				errs = append(errs, types.FieldInvalid(tp.child("expirationSeconds").path(), exp, "may not specify a duration larger than 2^32 seconds"))
			}
			if tok.str("path") == "" {
				errs = append(errs, types.FieldRequired(p.child("path").path(), ""))
			} else {
				errs = append(errs, validateLocalNonReservedPath(tok.str("path"), p.child("path"))...)
			}
		}
		for _, kind := range []string{"clusterTrustBundle", "podCertificate"} {
			if src.has(kind) {
				n++
			}
		}
		if n > 1 {
			errs = append(errs, types.FieldForbidden(sp.path(), "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

// validateCSIDriverName is ValidateCSIDriverName.
func validateCSIDriverName(driver string, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	if driver == "" {
		errs = append(errs, types.FieldRequired(p.path(), ""))
	}
	if len(driver) > 63 {
		errs = append(errs, types.FieldTooLong(p.path(), "", 63))
	}
	return append(errs, invalidAt(p, driver, types.IsDNS1123Subdomain(strings.ToLower(driver)))...)
}

// validateLocalDescendingPath is validateLocalDescendingPath: relative, without "..".
func validateLocalDescendingPath(target string, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	if path.IsAbs(target) {
		errs = append(errs, types.FieldInvalid(p.path(), target, "must be a relative path"))
	}
	return append(errs, validatePathNoBacksteps(target, p)...)
}

// validatePathNoBacksteps is validatePathNoBacksteps.
func validatePathNoBacksteps(target string, p vpath) types.FieldErrorList {
	for item := range strings.SplitSeq(filepath.ToSlash(target), "/") {
		if item == ".." {
			return types.FieldErrorList{types.FieldInvalid(p.path(), target, "must not contain '..'")}
		}
	}
	return nil
}

// validateLocalNonReservedPath is ValidateLocalNonReservedPath.
func validateLocalNonReservedPath(target string, p vpath) types.FieldErrorList {
	errs := validateLocalDescendingPath(target, p)
	if strings.HasPrefix(target, "..") && !strings.HasPrefix(target, "../") {
		errs = append(errs, types.FieldInvalid(p.path(), target, "must not start with '..'"))
	}
	return errs
}

// validateVolumeMounts is ValidateVolumeMounts. Like kube-apiserver, it reports subPath, subPathExpr and
// mountPropagation errors at the list path without the mount index.
func validateVolumeMounts(mounts, devices []any, vols map[string]vmap, ctr vmap, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	devNames, devPaths := map[string]bool{}, map[string]bool{}
	for _, d := range devices {
		devNames[vObj(d).str("name")] = true
		devPaths[vObj(d).str("devicePath")] = true
	}
	mountPoints := map[string]bool{}
	for i, m := range mounts {
		mnt, idx := vObj(m), p.index(i)
		name, mountPath := mnt.str("name"), mnt.str("mountPath")
		if name == "" {
			errs = append(errs, types.FieldRequired(idx.child("name").path(), ""))
		}
		vol, found := vols[name]
		if !found {
			errs = append(errs, types.FieldNotFound(idx.child("name").path(), name))
		}
		if mountPath == "" {
			errs = append(errs, types.FieldRequired(idx.child("mountPath").path(), ""))
		}
		if mountPoints[mountPath] {
			errs = append(errs, types.FieldInvalid(idx.child("mountPath").path(), mountPath, "must be unique"))
		}
		mountPoints[mountPath] = true
		if devNames[name] {
			errs = append(errs, types.FieldInvalid(idx.child("name").path(), name, "must not already exist in volumeDevices"))
		}
		if devPaths[mountPath] {
			errs = append(errs, types.FieldInvalid(idx.child("mountPath").path(), mountPath, "must not already exist as a path in volumeDevices"))
		}
		subPath, subPathExpr := mnt.str("subPath"), mnt.str("subPathExpr")
		if found && vol.has("image") {
			if subPath != "" {
				errs = append(errs, types.FieldInvalid(idx.child("subPath").path(), subPath, "not allowed in image volume sources"))
			}
			if subPathExpr != "" {
				errs = append(errs, types.FieldInvalid(idx.child("subPathExpr").path(), subPathExpr, "not allowed in image volume sources"))
			}
		}
		if subPath != "" {
			errs = append(errs, validateLocalDescendingPath(subPath, p.child("subPath"))...)
		}
		if subPathExpr != "" {
			if subPath != "" {
				errs = append(errs, types.FieldInvalid(idx.child("subPathExpr").path(), subPathExpr, "subPathExpr and subPath are mutually exclusive"))
			}
			errs = append(errs, validateLocalDescendingPath(subPathExpr, p.child("subPathExpr"))...)
		}
		if mnt.hasStr("mountPropagation") {
			prop, pp := mnt.str("mountPropagation"), p.child("mountPropagation")
			props := []string{"Bidirectional", "HostToContainer", "None"}
			if !vOneOf(prop, props) {
				errs = append(errs, types.FieldNotSupported(pp.path(), prop, props))
			}
			if prop == "Bidirectional" && !ctr.obj("securityContext").boolean("privileged") {
				errs = append(errs, types.FieldForbidden(pp.path(), "Bidirectional mount propagation is available only to privileged containers"))
			}
		}
		if mnt.hasStr("recursiveReadOnly") {
			rp := p.child("recursiveReadOnly")
			switch rro := mnt.str("recursiveReadOnly"); rro {
			case "Disabled":
			case "Enabled", "IfPossible":
				if !mnt.boolean("readOnly") {
					errs = append(errs, types.FieldForbidden(rp.path(), "may only be specified when readOnly is true"))
				}
				if prop := mnt.str("mountPropagation"); mnt.hasStr("mountPropagation") && prop != "None" {
					errs = append(errs, types.FieldForbidden(rp.path(), "may only be specified when mountPropagation is None or not specified"))
				}
			default:
				errs = append(errs, types.FieldNotSupported(rp.path(), rro, []string{"Disabled", "Enabled", "IfPossible"}))
			}
		}
	}
	return errs
}

// validateVolumeDevices is ValidateVolumeDevices: block devices of PersistentVolumeClaim or ephemeral volumes.
func validateVolumeDevices(devices, mounts []any, vols map[string]vmap, p vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	mountNames, mountPaths := map[string]bool{}, map[string]bool{}
	for _, m := range mounts {
		mountNames[vObj(m).str("name")] = true
		mountPaths[vObj(m).str("mountPath")] = true
	}
	paths, names := map[string]bool{}, map[string]bool{}
	for i, d := range devices {
		dev, idx := vObj(d), p.index(i)
		name, devPath := dev.str("name"), dev.str("devicePath")
		vol, matched := vols[name]
		isPVC := matched && (vol.has("persistentVolumeClaim") || vol.has("ephemeral"))
		if name == "" {
			errs = append(errs, types.FieldRequired(idx.child("name").path(), ""))
		}
		if names[name] {
			errs = append(errs, types.FieldInvalid(idx.child("name").path(), name, "must be unique"))
		}
		if matched && !isPVC {
			errs = append(errs, types.FieldInvalid(idx.child("name").path(), name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
		}
		if !matched {
			errs = append(errs, types.FieldNotFound(idx.child("name").path(), name))
		}
		if devPath == "" {
			errs = append(errs, types.FieldRequired(idx.child("devicePath").path(), ""))
		}
		if paths[devPath] {
			errs = append(errs, types.FieldInvalid(idx.child("devicePath").path(), devPath, "must be unique"))
		}
		if devPath != "" && len(validatePathNoBacksteps(devPath, idx)) > 0 {
			errs = append(errs, types.FieldInvalid(idx.child("devicePath").path(), devPath, "can not contain backsteps ('..')"))
		} else {
			paths[devPath] = true
		}
		if mountNames[name] {
			errs = append(errs, types.FieldInvalid(idx.child("name").path(), name, "must not already exist in volumeMounts"))
		}
		if mountPaths[devPath] {
			errs = append(errs, types.FieldInvalid(idx.child("devicePath").path(), devPath, "must not already exist as a path in volumeMounts"))
		}
		if name != "" {
			names[name] = true
		}
	}
	return errs
}
