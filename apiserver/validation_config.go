package apiserver

import (
	"encoding/base64"
	"encoding/json"

	"github.com/kubemem/kubemem/types"
)

// ConfigMap and Secret rules of pkg/apis/core/validation/validation.go: ValidateConfigMap,
// ValidateConfigMapUpdate, ValidateSecret and ValidateSecretUpdate.

// vMaxConfigSize is core.MaxSecretSize, the limit of a Secret's and a ConfigMap's data: 1 MiB.
const vMaxConfigSize = 1 * 1024 * 1024

const vImmutableWhenSet = "field is immutable when `immutable` is set"

// validateConfigMap is ValidateConfigMap: config keys in data and binaryData, no key in both, 1 MiB in all
// (reported for the whole object, at the path "[]" as kube-apiserver prints an empty path).
func validateConfigMap(cm vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(cm.obj("metadata"), true)
	data, binary := cm.obj("data"), cm.obj("binaryData")
	total := 0
	for _, k := range vSortedKeys(data) {
		p := types.NewFieldPath("data").Key(k)
		errs = append(errs, invalidEach(p, k, configMapKeyMessages(k))...)
		if _, dup := binary[k]; dup {
			errs = append(errs, types.FieldInvalid(p, k, "duplicate of key present in binaryData"))
		}
		s, _ := data[k].(string)
		total += len(s)
	}
	for _, k := range vSortedKeys(binary) {
		errs = append(errs, invalidEach(types.NewFieldPath("binaryData").Key(k), k, configMapKeyMessages(k))...)
		total += len(vDecodedBytes(binary[k]))
	}
	if total > vMaxConfigSize {
		errs = append(errs, types.FieldTooLong(types.NewFieldPath(""), "", vMaxConfigSize))
	}
	return errs
}

// vDecodedBytes is a []byte member: base64 text decoded (the raw text when it does not decode).
func vDecodedBytes(v any) []byte {
	s, _ := v.(string)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b
	}
	return []byte(s)
}

// validateConfigMapUpdate is ValidateConfigMapUpdate.
func validateConfigMapUpdate(cm, old vmap) types.FieldErrorList {
	errs := validateObjectMetaUpdate(cm.obj("metadata"), old.obj("metadata"), true)
	errs = append(errs, validateImmutableData(cm, old, "data", "binaryData")...)
	return append(errs, validateConfigMap(cm)...)
}

// validateImmutableData: once immutable is true it stays true and the data members do not change.
func validateImmutableData(obj, old vmap, members ...string) types.FieldErrorList {
	if !old.boolean("immutable") {
		return nil
	}
	var errs types.FieldErrorList
	if !obj.boolean("immutable") {
		errs = append(errs, types.FieldForbidden(types.NewFieldPath("immutable"), vImmutableWhenSet))
	}
	for _, m := range members {
		if !vSemanticEqualAt(m, obj[m], old[m]) {
			errs = append(errs, types.FieldForbidden(types.NewFieldPath(m), vImmutableWhenSet))
		}
	}
	return errs
}

// vSecretData is the data of a Secret as validation sees it: stringData merged into data (the conversion to the
// internal type does so before validation), values decoded.
func vSecretData(s vmap) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range s.obj("data") {
		out[k] = vDecodedBytes(v)
	}
	for k, v := range s.obj("stringData") {
		str, _ := v.(string)
		out[k] = []byte(str)
	}
	return out
}

// validateSecret is ValidateSecret: config keys, 1 MiB of data, and the keys each secret type requires.
func validateSecret(s vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(s.obj("metadata"), true)
	dataPath := types.NewFieldPath("data")
	data := vSecretData(s)
	total := 0
	for _, k := range vSortedKeys(data) {
		errs = append(errs, invalidEach(dataPath.Key(k), k, configMapKeyMessages(k))...)
		total += len(data[k])
	}
	if total > vMaxConfigSize {
		errs = append(errs, types.FieldTooLong(dataPath, "", vMaxConfigSize))
	}
	requireKey := func(key string) {
		if _, ok := data[key]; !ok {
			errs = append(errs, types.FieldRequired(dataPath.Key(key), ""))
		}
	}
	requireJSON := func(key string) {
		b, ok := data[key]
		if !ok {
			errs = append(errs, types.FieldRequired(dataPath.Key(key), ""))
			return
		}
		if err := json.Unmarshal(b, &map[string]any{}); err != nil {
			errs = append(errs, types.FieldInvalid(dataPath.Key(key), "<secret contents redacted>", err.Error()))
		}
	}
	switch s.str("type") {
	case "kubernetes.io/service-account-token":
		if s.obj("metadata").strMap("annotations")["kubernetes.io/service-account.name"] == "" {
			errs = append(errs, types.FieldRequired(vMetaPath.Child("annotations").Key("kubernetes.io/service-account.name"), ""))
		}
	case "kubernetes.io/dockercfg":
		requireJSON(".dockercfg")
	case "kubernetes.io/dockerconfigjson":
		requireJSON(".dockerconfigjson")
	case "kubernetes.io/basic-auth":
		_, user := data["username"]
		_, password := data["password"]
		if !user && !password {
			requireKey("username")
			requireKey("password")
		}
	case "kubernetes.io/ssh-auth":
		if len(data["ssh-privatekey"]) == 0 {
			errs = append(errs, types.FieldRequired(dataPath.Key("ssh-privatekey"), ""))
		}
	case "kubernetes.io/tls":
		requireKey("tls.crt")
		requireKey("tls.key")
	}
	return errs
}

// validateSecretUpdate is ValidateSecretUpdate: type immutable, data immutable once immutable is set, then
// ValidateSecret.
func validateSecretUpdate(s, old vmap) types.FieldErrorList {
	errs := validateObjectMetaUpdate(s.obj("metadata"), old.obj("metadata"), true)
	if s.str("type") != old.str("type") {
		errs = append(errs, types.FieldInvalid(types.NewFieldPath("type"), s.str("type"), vFieldImmutableMessage))
	}
	if old.boolean("immutable") {
		if !s.boolean("immutable") {
			errs = append(errs, types.FieldForbidden(types.NewFieldPath("immutable"), vImmutableWhenSet))
		}
		if !vSameSecretData(vSecretData(s), vSecretData(old)) {
			errs = append(errs, types.FieldForbidden(types.NewFieldPath("data"), vImmutableWhenSet))
		}
	}
	return append(errs, validateSecret(s)...)
}

func vSameSecretData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || string(v) != string(w) {
			return false
		}
	}
	return true
}
