package apiserver

import (
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// valCase is one validation case: the kind's valid base object with patch (an RFC 7386 merge patch) applied is
// validated; for an update case, oldPatch gives the old object the same way. want is the exact error list.
type valCase struct {
	name     string
	patch    string
	oldPatch string
	want     types.FieldErrorList
}

// valDoc decodes base with the merge patches applied, as the server decodes request bodies (integers as int64).
func valDoc(t *testing.T, base string, patches ...string) map[string]any {
	t.Helper()
	doc := []byte(base)
	for _, p := range patches {
		if p == "" {
			continue
		}
		var err error
		doc, err = jsonpatch.MergePatch(doc, []byte(p))
		require.NoError(t, err, p)
	}
	m, err := jsontree.DecodeObject(doc)
	require.NoError(t, err)
	return m
}

// valRequire compares error lists: nil and empty are the same.
func valRequire(t *testing.T, want, got types.FieldErrorList) {
	t.Helper()
	if len(want) == 0 {
		require.Empty(t, got, "%v", got.ToAggregate())
		return
	}
	require.Equal(t, want, got, "%v", got.ToAggregate())
}

// valRunCreate validates each case as a create of gvk.
func valRunCreate(t *testing.T, gvk types.GroupVersionKind, base string, cases []valCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			valRequire(t, c.want, validateObject(gvk, valDoc(t, base, c.patch)))
		})
	}
}

// valRunUpdate validates each case as an update of gvk from base+oldPatch to base+patch.
func valRunUpdate(t *testing.T, gvk types.GroupVersionKind, base string, cases []valCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			valRequire(t, c.want, validateObjectUpdate(gvk, valDoc(t, base, c.patch), valDoc(t, base, c.oldPatch)))
		})
	}
}

var (
	valGVKPod        = types.GroupVersionKind{Version: "v1", Kind: "Pod"}
	valGVKService    = types.GroupVersionKind{Version: "v1", Kind: "Service"}
	valGVKConfigMap  = types.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	valGVKSecret     = types.GroupVersionKind{Version: "v1", Kind: "Secret"}
	valGVKNamespace  = types.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	valGVKNode       = types.GroupVersionKind{Version: "v1", Kind: "Node"}
	valGVKRC         = types.GroupVersionKind{Version: "v1", Kind: "ReplicationController"}
	valGVKDeployment = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	valGVKReplicaSet = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}
	valGVKStateful   = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
	valGVKDaemonSet  = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}
	valGVKJob        = types.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}
	valGVKCronJob    = types.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"}
	valGVKLease      = types.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}
)

// valPath parses the printed form of a field path ("spec.containers[0].image", "[]"), for compact expectations.
func valPath(s string) *types.FieldPath {
	var p *types.FieldPath
	name := ""
	flush := func() {
		if name == "" {
			return
		}
		if p == nil {
			p = types.NewFieldPath(name)
		} else {
			p = p.Child(name)
		}
		name = ""
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			j := i + 1
			for s[j] != ']' {
				j++
			}
			if p == nil {
				p = types.NewFieldPath("")
				if s[i+1:j] == "" {
					i = j
					continue
				}
			}
			p = p.Key(s[i+1 : j])
			i = j
		default:
			name += string(c)
		}
	}
	flush()
	return p
}

func TestValidationFieldPathHelper(t *testing.T) {
	require.Equal(t, "spec.containers[0].image", valPath("spec.containers[0].image").String())
	require.Equal(t, "metadata.annotations[a/b]", valPath("metadata.annotations[a/b]").String())
	require.Equal(t, "[]", valPath("[]").String())
}

// TestValidationInvalidStatus: the errors become kube-apiserver's 422, one cause per error.
func TestValidationInvalidStatus(t *testing.T) {
	t.Run("a pod without image", func(t *testing.T) {
		pod := valDoc(t, valBasePod, `{"spec":{"containers":[{"name":"c","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`)
		errs := validateObject(valGVKPod, pod)
		err := types.NewInvalid(valGVKPod.GroupKind(), "x", errs)
		require.Equal(t, `Pod "x" is invalid: spec.containers[0].image: Required value`, err.Error())
		st := types.StatusFromError(err)
		require.Equal(t, int32(422), st.Code)
		require.Equal(t, types.StatusReasonInvalid, st.Reason)
		require.Equal(t, []types.StatusCause{{Type: "FieldValueRequired", Message: "Required value", Field: "spec.containers[0].image"}}, st.Details.Causes)
	})

	t.Run("a deployment whose selector does not match", func(t *testing.T) {
		d := valDoc(t, valBaseDeployment, `{"spec":{"selector":{"matchLabels":{"app":"other"}}}}`)
		err := types.NewInvalid(valGVKDeployment.GroupKind(), "web", validateObject(valGVKDeployment, d))
		require.Equal(t, `Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"web"}: `+
			"`selector` does not match template `labels`", err.Error())
	})

	t.Run("several errors are listed in brackets", func(t *testing.T) {
		pod := valDoc(t, valBasePod, `{"spec":{"restartPolicy":"Sometimes","containers":[{"name":"C","image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`)
		err := types.NewInvalid(valGVKPod.GroupKind(), "x", validateObject(valGVKPod, pod))
		require.Equal(t, `Pod "x" is invalid: [spec.containers[0].name: Invalid value: "C": a lowercase RFC 1123 label must consist of `+
			`lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or `+
			`'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), spec.restartPolicy: Unsupported value: `+
			`"Sometimes": supported values: "Always", "OnFailure", "Never"]`, err.Error())
		require.Len(t, types.StatusFromError(err).Details.Causes, 2)
	})

	t.Run("a service port out of range", func(t *testing.T) {
		svc := valDoc(t, valBaseService, `{"spec":{"ports":[{"port":70000,"protocol":"TCP","targetPort":80}]}}`)
		err := types.NewInvalid(valGVKService.GroupKind(), "web", validateObject(valGVKService, svc))
		require.Equal(t, `Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive`, err.Error())
	})

	t.Run("an immutable configmap", func(t *testing.T) {
		cm := valDoc(t, valBaseConfigMap, `{"immutable":true,"data":{"a":"2"}}`)
		old := valDoc(t, valBaseConfigMap, `{"immutable":true}`)
		err := types.NewInvalid(valGVKConfigMap.GroupKind(), "cfg", validateObjectUpdate(valGVKConfigMap, cm, old))
		require.Equal(t, "ConfigMap \"cfg\" is invalid: data: Forbidden: field is immutable when `immutable` is set", err.Error())
	})
}

// TestValidationOtherKinds: kinds without their own rules get the metadata rules.
func TestValidationOtherKinds(t *testing.T) {
	base := `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"default","resourceVersion":"1"},"spec":{}}`
	valRunCreate(t, valGVKLease, base, []valCase{
		{name: "valid"},
		{name: "bad label value", patch: `{"metadata":{"labels":{"a":"-x"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.labels"), "-x", types.IsValidLabelValue("-x")[0])}},
		{name: "a finalizer without a domain must be standard", patch: `{"metadata":{"finalizers":["custom"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.finalizers[0]"), "custom", "name is neither a standard finalizer name nor is it fully qualified")}},
	})
	valRunUpdate(t, valGVKLease, base, []valCase{
		{name: "valid"},
		{name: "uid is immutable", patch: `{"metadata":{"uid":"b"}}`, oldPatch: `{"metadata":{"uid":"a"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.uid"), "b", "field is immutable")}},
	})
	custom := types.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	valRequire(t, nil, validateObject(custom, valDoc(t, `{"metadata":{"name":"w","finalizers":["custom"]}}`)))
}
