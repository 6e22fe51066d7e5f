package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The expectations of this file are kube-apiserver's server-side apply as documented in
// https://kubernetes.io/docs/reference/using-api/server-side-apply/ and as kube's field manager
// (k8s.io/apimachinery/pkg/util/managedfields) writes it: managedFields entries, the conflict Status
// ("Apply failed with 1 conflict: conflict with \"a\": .spec.replicas", one FieldManagerConflict cause per field),
// removal of fields a manager stops applying, list merging by the schema's list types.

// applyDeployment is the apply configuration of a one-container deployment labelled app=<name>, replicas as given.
func applyDeployment(name string, replicas int32) *appsv1ac.DeploymentApplyConfiguration {
	sel := map[string]string{"deployment": name}
	return appsv1ac.Deployment(name, testNamespace).
		WithLabels(map[string]string{"app": name}).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(replicas).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(sel)).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(sel).
				WithSpec(corev1ac.PodSpec().WithContainers(corev1ac.Container().WithName("c").WithImage("nginx:1.25")))))
}

// onlyReplicas is an apply configuration that sets nothing but spec.replicas, as a second manager (an autoscaler)
// sends it.
func onlyReplicas(name string, replicas int32) *appsv1ac.DeploymentApplyConfiguration {
	return appsv1ac.Deployment(name, testNamespace).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(replicas))
}

// managedEntry returns obj's managedFields entry of manager through subresource, failing the test without one.
func managedEntry(t *testing.T, obj metav1.Object, manager, subresource string) metav1.ManagedFieldsEntry {
	t.Helper()
	for _, m := range obj.GetManagedFields() {
		if m.Manager == manager && m.Subresource == subresource {
			return m
		}
	}
	t.Fatalf("%s has no managedFields entry of %q (subresource %q): %s", obj.GetName(), manager, subresource, managersOf(obj))
	return metav1.ManagedFieldsEntry{}
}

// hasManager reports whether obj has a managedFields entry of manager (any subresource).
func hasManager(obj metav1.Object, manager string) bool {
	for _, m := range obj.GetManagedFields() {
		if m.Manager == manager {
			return true
		}
	}
	return false
}

// managersOf lists obj's managedFields entries as manager/operation[/subresource], for failure messages.
func managersOf(obj metav1.Object) string {
	var out []string
	for _, m := range obj.GetManagedFields() {
		s := m.Manager + "/" + string(m.Operation)
		if m.Subresource != "" {
			s += "/" + m.Subresource
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// fieldsOf decodes an entry's FieldsV1 set.
func fieldsOf(t *testing.T, m metav1.ManagedFieldsEntry) map[string]any {
	t.Helper()
	require.Equal(t, "FieldsV1", m.FieldsType)
	require.NotNil(t, m.FieldsV1)
	var set map[string]any
	require.NoError(t, json.Unmarshal(m.FieldsV1.Raw, &set))
	return set
}

// owns reports whether manager's entry (main resource) lists the field at path, each element a FieldsV1 key
// ("f:spec", `k:{"name":"c"}`).
func owns(t *testing.T, obj metav1.Object, manager string, path ...string) bool {
	t.Helper()
	var cur any = fieldsOf(t, managedEntry(t, obj, manager, ""))
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

// requireFields checks an entry's FieldsV1 set against the JSON kube-apiserver records.
func requireFields(t *testing.T, m metav1.ManagedFieldsEntry, want string) {
	t.Helper()
	var w map[string]any
	require.NoError(t, json.Unmarshal([]byte(want), &w))
	require.Equal(t, w, fieldsOf(t, m), "fieldsV1 of %s: %s", m.Manager, m.FieldsV1.Raw)
}

// requireApplyConflict checks a conflict as kube-apiserver answers it: 409, reason Conflict, the message of kube's
// field manager, and one FieldManagerConflict cause per field, each naming the manager.
func requireApplyConflict(t *testing.T, err error, message string, causes ...metav1.StatusCause) {
	t.Helper()
	require.True(t, apierrors.IsConflict(err), "%v", err)
	se := requireStatus(t, err, 409, metav1.StatusReasonConflict, message)
	require.NotNil(t, se.ErrStatus.Details, "a conflict has details: %+v", se.ErrStatus)
	require.ElementsMatch(t, causes, se.ErrStatus.Details.Causes)
}

func conflictCause(field, message string) metav1.StatusCause {
	return metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Message: message, Field: field}
}

// userAgentManager is the manager kube-apiserver names a write without fieldManager after: client-go's User-Agent
// up to its first "/" (the test binary's name).
func userAgentManager() string {
	return strings.SplitN(rest.DefaultKubernetesUserAgent(), "/", 2)[0]
}

// TestApplyTyped drives server-side apply with client-go's typed Apply and ApplyConfigurations on deployments.
func TestApplyTyped(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		deploys := e.cs.AppsV1().Deployments(testNamespace)
		apply := func(ac *appsv1ac.DeploymentApplyConfiguration, manager string, force bool) (*appsv1.Deployment, error) {
			return deploys.Apply(e.ctx, ac, metav1.ApplyOptions{FieldManager: manager, Force: force})
		}
		mustApply := func(t *testing.T, ac *appsv1ac.DeploymentApplyConfiguration, manager string) *appsv1.Deployment {
			t.Helper()
			d, err := apply(ac, manager, false)
			require.NoError(t, err)
			return d
		}

		cases := []namedRun{
			{"apply creates the object and records the applied fields", func(t *testing.T, e *env) {
				d := mustApply(t, applyDeployment("create", 2), "a")
				require.NotEmpty(t, d.UID)
				require.Equal(t, int32(2), *d.Spec.Replicas)
				require.Equal(t, "nginx:1.25", d.Spec.Template.Spec.Containers[0].Image)
				require.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type, "defaulted as on create")
				require.Len(t, d.ManagedFields, 1, managersOf(d))
				m := d.ManagedFields[0]
				require.Equal(t, "a", m.Manager)
				require.Equal(t, metav1.ManagedFieldsOperationApply, m.Operation)
				require.Equal(t, "apps/v1", m.APIVersion)
				require.Empty(t, m.Subresource)
				require.NotNil(t, m.Time)
				// The selector is atomic (structType=atomic) and owned whole; defaulted fields are owned by nobody.
				requireFields(t, m, `{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},`+
					`"f:template":{"f:metadata":{"f:labels":{"f:deployment":{}}},"f:spec":{"f:containers":{`+
					`"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}}}`)
				got, err := deploys.Get(e.ctx, "create", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, d.ManagedFields, got.ManagedFields)
			}},
			{"apply without fieldManager is 422", func(t *testing.T, e *env) {
				body := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nomanager"}}`
				err := e.cs.AppsV1().RESTClient().Patch(types.ApplyPatchType).Namespace(testNamespace).Resource("deployments").
					Name("nomanager").Body([]byte(body)).Do(e.ctx).Error()
				requireStatus(t, err, 422, metav1.StatusReasonInvalid,
					`PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`)
			}},
			{"re-applying without a field removes it", func(t *testing.T, e *env) {
				ac := applyDeployment("drop", 1).WithLabels(map[string]string{"extra": "yes"})
				ac.Spec.WithMinReadySeconds(5)
				d := mustApply(t, ac, "a")
				require.Equal(t, "yes", d.Labels["extra"])
				require.Equal(t, int32(5), d.Spec.MinReadySeconds)
				d = mustApply(t, applyDeployment("drop", 1), "a")
				require.Equal(t, map[string]string{"app": "drop"}, d.Labels)
				require.Zero(t, d.Spec.MinReadySeconds, "dropped from the configuration: removed")
				require.False(t, owns(t, d, "a", "f:metadata", "f:labels", "f:extra"))
				require.False(t, owns(t, d, "a", "f:spec", "f:minReadySeconds"))
			}},
			{"two managers applying the same value share the field", func(t *testing.T, e *env) {
				mustApply(t, applyDeployment("share", 3), "a")
				d := mustApply(t, onlyReplicas("share", 3), "b")
				require.True(t, owns(t, d, "a", "f:spec", "f:replicas"))
				require.True(t, owns(t, d, "b", "f:spec", "f:replicas"))
				requireFields(t, managedEntry(t, d, "b", ""), `{"f:spec":{"f:replicas":{}}}`)
				// a stops applying replicas: b still owns it, so it stays.
				ac := applyDeployment("share", 3)
				ac.Spec.Replicas = nil
				d = mustApply(t, ac, "a")
				require.Equal(t, int32(3), *d.Spec.Replicas, "still applied by b")
				require.False(t, owns(t, d, "a", "f:spec", "f:replicas"))
				require.True(t, owns(t, d, "b", "f:spec", "f:replicas"))
			}},
			{"a different value is a conflict and writes nothing", func(t *testing.T, e *env) {
				mustApply(t, applyDeployment("conflict", 1), "a")
				rev := e.s.API.Revision()
				_, err := apply(onlyReplicas("conflict", 2), "b", false)
				requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "a": .spec.replicas`,
					conflictCause(".spec.replicas", `conflict with "a"`))
				require.Equal(t, rev, e.s.API.Revision(), "a conflict makes no revision")
				d, err := deploys.Get(e.ctx, "conflict", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, int32(1), *d.Spec.Replicas)
				require.False(t, hasManager(d, "b"))

				// Two fields, one manager: the causes list both, the message groups them by manager.
				ac := applyDeployment("conflict", 2)
				ac.Spec.Template.Spec.Containers[0].WithImage("nginx:1.27")
				_, err = apply(ac, "b", false)
				requireApplyConflict(t, err,
					"Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"c\"].image",
					conflictCause(".spec.replicas", `conflict with "a"`),
					conflictCause(`.spec.template.spec.containers[name="c"].image`, `conflict with "a"`))
			}},
			{"force takes the field from its owner", func(t *testing.T, e *env) {
				mustApply(t, applyDeployment("force", 1), "a")
				d, err := apply(onlyReplicas("force", 2), "b", true)
				require.NoError(t, err)
				require.Equal(t, int32(2), *d.Spec.Replicas)
				require.True(t, owns(t, d, "b", "f:spec", "f:replicas"))
				require.False(t, owns(t, d, "a", "f:spec", "f:replicas"), "force moves ownership")
				require.True(t, owns(t, d, "a", "f:spec", "f:template"), "a keeps the rest")
				// Now a conflicts with b.
				_, err = apply(applyDeployment("force", 1), "a", false)
				requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "b": .spec.replicas`,
					conflictCause(".spec.replicas", `conflict with "b"`))
			}},
			{"containers merge by name, ports by containerPort and protocol", func(t *testing.T, e *env) {
				ac := applyDeployment("lists", 1)
				ac.Spec.Template.Spec.Containers[0].WithPorts(corev1ac.ContainerPort().WithContainerPort(53).WithProtocol(corev1.ProtocolTCP))
				mustApply(t, ac, "a")
				b := appsv1ac.Deployment("lists", testNamespace).WithSpec(appsv1ac.DeploymentSpec().
					WithTemplate(corev1ac.PodTemplateSpec().WithSpec(corev1ac.PodSpec().WithContainers(
						corev1ac.Container().WithName("c").
							WithPorts(corev1ac.ContainerPort().WithContainerPort(53).WithProtocol(corev1.ProtocolUDP)),
						corev1ac.Container().WithName("sidecar").WithImage("busybox:1.36")))))
				d := mustApply(t, b, "b")
				cs := d.Spec.Template.Spec.Containers
				require.Len(t, cs, 2, "merged by name: %+v", cs)
				require.Equal(t, "c", cs[0].Name)
				require.Equal(t, "nginx:1.25", cs[0].Image, "a's image is kept")
				require.Equal(t, "sidecar", cs[1].Name)
				require.Len(t, cs[0].Ports, 2, "53/TCP and 53/UDP are two ports: %+v", cs[0].Ports)
				require.Equal(t, corev1.ProtocolTCP, cs[0].Ports[0].Protocol)
				require.Equal(t, corev1.ProtocolUDP, cs[0].Ports[1].Protocol)
				requireFields(t, managedEntry(t, d, "b", ""), `{"f:spec":{"f:template":{"f:spec":{"f:containers":{`+
					`"k:{\"name\":\"c\"}":{".":{},"f:name":{},"f:ports":{"k:{\"containerPort\":53,\"protocol\":\"UDP\"}":`+
					`{".":{},"f:containerPort":{},"f:protocol":{}}}},`+
					`"k:{\"name\":\"sidecar\"}":{".":{},"f:image":{},"f:name":{}}}}}}}`)
				require.True(t, owns(t, d, "a", "f:spec", "f:template", "f:spec", "f:containers", `k:{"name":"c"}`,
					"f:ports", `k:{"containerPort":53,"protocol":"TCP"}`))
				// b drops the sidecar: it goes; a's container stays.
				d = mustApply(t, appsv1ac.Deployment("lists", testNamespace), "b")
				require.Len(t, d.Spec.Template.Spec.Containers, 1)
				require.Len(t, d.Spec.Template.Spec.Containers[0].Ports, 1)
				require.Equal(t, corev1.ProtocolTCP, d.Spec.Template.Spec.Containers[0].Ports[0].Protocol)
			}},
			{"an atomic list is replaced whole", func(t *testing.T, e *env) {
				ac := applyDeployment("atomic", 1)
				ac.Spec.Template.Spec.Containers[0].WithArgs("one", "two")
				d := mustApply(t, ac, "a")
				require.True(t, owns(t, d, "a", "f:spec", "f:template", "f:spec", "f:containers", `k:{"name":"c"}`, "f:args"))
				ac = applyDeployment("atomic", 1)
				ac.Spec.Template.Spec.Containers[0].WithArgs("three")
				d = mustApply(t, ac, "a")
				require.Equal(t, []string{"three"}, d.Spec.Template.Spec.Containers[0].Args)
				b := appsv1ac.Deployment("atomic", testNamespace).WithSpec(appsv1ac.DeploymentSpec().
					WithTemplate(corev1ac.PodTemplateSpec().WithSpec(corev1ac.PodSpec().WithContainers(
						corev1ac.Container().WithName("c").WithArgs("four")))))
				_, err := apply(b, "b", false)
				requireApplyConflict(t, err,
					`Apply failed with 1 conflict: conflict with "a": .spec.template.spec.containers[name="c"].args`,
					conflictCause(`.spec.template.spec.containers[name="c"].args`, `conflict with "a"`))
				d, err = apply(b, "b", true)
				require.NoError(t, err)
				require.Equal(t, []string{"four"}, d.Spec.Template.Spec.Containers[0].Args, "replaced, not merged")
			}},
			{"dryRun apply stores nothing", func(t *testing.T, e *env) {
				rev := e.s.API.Revision()
				d, err := deploys.Apply(e.ctx, applyDeployment("dry", 1), metav1.ApplyOptions{FieldManager: "a", DryRun: []string{metav1.DryRunAll}})
				require.NoError(t, err)
				require.Equal(t, int32(1), *d.Spec.Replicas)
				require.Len(t, d.ManagedFields, 1)
				_, err = deploys.Get(e.ctx, "dry", metav1.GetOptions{})
				require.True(t, apierrors.IsNotFound(err), "%v", err)
				require.Equal(t, rev, e.s.API.Revision())

				live := mustApply(t, applyDeployment("dry", 1), "a")
				rev = e.s.API.Revision()
				d, err = deploys.Apply(e.ctx, onlyReplicas("dry", 4), metav1.ApplyOptions{FieldManager: "b", Force: true, DryRun: []string{metav1.DryRunAll}})
				require.NoError(t, err)
				require.Equal(t, int32(4), *d.Spec.Replicas)
				require.Equal(t, rev, e.s.API.Revision())
				got, err := deploys.Get(e.ctx, "dry", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, int32(1), *got.Spec.Replicas)
				require.Equal(t, live.ManagedFields, got.ManagedFields)
			}},
			{"managedFields after create, update, patch and status", func(t *testing.T, e *env) {
				d, err := deploys.Create(e.ctx, newDeployment("writes", labelsFor("writes")), metav1.CreateOptions{FieldManager: "creator"})
				require.NoError(t, err)
				require.Len(t, d.ManagedFields, 1, managersOf(d))
				m := managedEntry(t, d, "creator", "")
				require.Equal(t, metav1.ManagedFieldsOperationUpdate, m.Operation)
				require.Equal(t, "apps/v1", m.APIVersion)
				require.True(t, owns(t, d, "creator", "f:spec", "f:replicas"))
				require.False(t, owns(t, d, "creator", "f:status"), "status is reset on the main resource")

				// An update without fieldManager is named after the User-Agent; it owns what it changed.
				*d.Spec.Replicas = 2
				d, err = deploys.Update(e.ctx, d, metav1.UpdateOptions{})
				require.NoError(t, err)
				ua := userAgentManager()
				requireFields(t, managedEntry(t, d, ua, ""), `{"f:spec":{"f:replicas":{}}}`)
				require.Equal(t, metav1.ManagedFieldsOperationUpdate, managedEntry(t, d, ua, "").Operation)
				require.False(t, owns(t, d, "creator", "f:spec", "f:replicas"), "an update takes what it changes")

				d, err = deploys.Patch(e.ctx, "writes", types.MergePatchType, []byte(`{"metadata":{"labels":{"patched":"yes"}}}`),
					metav1.PatchOptions{FieldManager: "patcher"})
				require.NoError(t, err)
				requireFields(t, managedEntry(t, d, "patcher", ""), `{"f:metadata":{"f:labels":{"f:patched":{}}}}`)

				d.Status.Replicas = 1
				d.Status.UpdatedReplicas = 1
				d.Spec.Paused = true // ignored by the status subresource
				d, err = deploys.UpdateStatus(e.ctx, d, metav1.UpdateOptions{FieldManager: "status-writer"})
				require.NoError(t, err)
				require.False(t, d.Spec.Paused)
				m = managedEntry(t, d, "status-writer", "status")
				require.Equal(t, metav1.ManagedFieldsOperationUpdate, m.Operation)
				requireFields(t, m, `{"f:status":{"f:replicas":{},"f:updatedReplicas":{}}}`)

				d, err = deploys.ApplyStatus(e.ctx, appsv1ac.Deployment("writes", testNamespace).
					WithStatus(appsv1ac.DeploymentStatus().WithReadyReplicas(1)), metav1.ApplyOptions{FieldManager: "status-applier"})
				require.NoError(t, err)
				require.Equal(t, int32(1), d.Status.ReadyReplicas)
				m = managedEntry(t, d, "status-applier", "status")
				require.Equal(t, metav1.ManagedFieldsOperationApply, m.Operation)
				requireFields(t, m, `{"f:status":{"f:readyReplicas":{}}}`)
				require.ElementsMatch(t, []string{"creator/Update", ua + "/Update", "patcher/Update", "status-writer/Update/status",
					"status-applier/Apply/status"}, strings.Split(managersOf(d), ", "))

				// An apply of a field an Update manager owns conflicts with it, naming its version (kube's manager
				// identifiers leave the time out).
				_, err = apply(onlyReplicas("writes", 5), "a", false)
				require.True(t, apierrors.IsConflict(err), "%v", err)
				causes := requireStatus(t, err, 409, metav1.StatusReasonConflict, "").ErrStatus.Details.Causes
				require.Len(t, causes, 1)
				require.Equal(t, ".spec.replicas", causes[0].Field)
				require.Equal(t, `conflict with "`+ua+`" using apps/v1`, causes[0].Message)
			}},
			{"managedFields [{}] clears them", func(t *testing.T, e *env) {
				d := mustApply(t, applyDeployment("reset", 1), "a")
				d.ManagedFields = []metav1.ManagedFieldsEntry{{}}
				d, err := deploys.Update(e.ctx, d, metav1.UpdateOptions{})
				require.NoError(t, err)
				require.Empty(t, d.ManagedFields, "reset: %s", managersOf(d))
				// An apply to an object without managedFields first gives what it has to "before-first-apply".
				d = mustApply(t, applyDeployment("reset", 1), "a")
				require.Equal(t, metav1.ManagedFieldsOperationUpdate, managedEntry(t, d, "before-first-apply", "").Operation)
				// Without managedFields in the request, an update keeps them.
				d.ManagedFields = nil
				d.Labels["x"] = "y"
				d, err = deploys.Update(e.ctx, d, metav1.UpdateOptions{FieldManager: "u"})
				require.NoError(t, err)
				require.True(t, hasManager(d, "a"), managersOf(d))
				require.True(t, hasManager(d, "u"), managersOf(d))
				d, err = deploys.Patch(e.ctx, "reset", types.MergePatchType, []byte(`{"metadata":{"managedFields":[{}]}}`), metav1.PatchOptions{})
				require.NoError(t, err)
				require.Empty(t, d.ManagedFields, "reset by merge patch: %s", managersOf(d))
			}},
			{"extract the applied configuration and apply it back", func(t *testing.T, e *env) {
				ac := applyDeployment("extract", 2)
				ac.Spec.Template.Spec.Containers[0].WithArgs("x").WithPorts(corev1ac.ContainerPort().WithContainerPort(80).WithProtocol(corev1.ProtocolTCP))
				d := mustApply(t, ac, "a")
				// Another manager's fields are not a's.
				d, err := deploys.Patch(e.ctx, "extract", types.MergePatchType, []byte(`{"metadata":{"labels":{"other":"yes"}}}`),
					metav1.PatchOptions{FieldManager: "other"})
				require.NoError(t, err)
				got, err := appsv1ac.ExtractDeployment(d, "a")
				require.NoError(t, err)
				require.Equal(t, ac, got, "extraction returns exactly what a applied")
				got.Spec.WithReplicas(3)
				d, err = apply(got, "a", false)
				require.NoError(t, err)
				require.Equal(t, int32(3), *d.Spec.Replicas)
				require.Equal(t, "yes", d.Labels["other"])
				again, err := appsv1ac.ExtractDeployment(d, "a")
				require.NoError(t, err)
				require.Equal(t, got, again)
				none, err := appsv1ac.ExtractDeployment(d, "nobody")
				require.NoError(t, err)
				require.Nil(t, none.Spec)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { c.run(t, e) })
		}
	})
}

// TestApplyDynamic drives server-side apply with the dynamic client's Apply: a configmap, and a custom resource
// whose schema has a map list, a set list and an atomic list.
func TestApplyDynamic(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		cms := e.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(testNamespace)
		createCRD(t, e, newGizmoCRD())
		gizmos := e.dyn.Resource(gizmosV1).Namespace(testNamespace)

		t.Run("configmap", func(t *testing.T) {
			cm := func(data map[string]any) *unstructured.Unstructured {
				return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
					"metadata": map[string]any{"name": "dyn"}, "data": data}}
			}
			got, err := cms.Apply(e.ctx, "dyn", cm(map[string]any{"a": "1", "b": "2"}), metav1.ApplyOptions{FieldManager: "a"})
			require.NoError(t, err)
			require.Equal(t, map[string]any{"a": "1", "b": "2"}, nested(t, got, "data"))
			requireFields(t, managedEntry(t, got, "a", ""), `{"f:data":{"f:a":{},"f:b":{}}}`)
			got, err = cms.Apply(e.ctx, "dyn", cm(map[string]any{"a": "1"}), metav1.ApplyOptions{FieldManager: "a"})
			require.NoError(t, err)
			require.Equal(t, map[string]any{"a": "1"}, nested(t, got, "data"))
			_, err = cms.Apply(e.ctx, "dyn", cm(map[string]any{"a": "other"}), metav1.ApplyOptions{FieldManager: "b"})
			requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "a": .data.a`,
				conflictCause(".data.a", `conflict with "a"`))
			got, err = cms.Apply(e.ctx, "dyn", cm(map[string]any{"a": "other"}), metav1.ApplyOptions{FieldManager: "b", Force: true})
			require.NoError(t, err)
			require.Equal(t, "other", nested(t, got, "data", "a"))
		})

		t.Run("custom resource", func(t *testing.T) {
			gizmo := func(spec map[string]any) *unstructured.Unstructured {
				return &unstructured.Unstructured{Object: map[string]any{"apiVersion": gizmosV1.GroupVersion().String(), "kind": "Gizmo",
					"metadata": map[string]any{"name": "g"}, "spec": spec}}
			}
			a := map[string]any{
				"replicas": int64(1),
				"ports":    []any{map[string]any{"name": "http", "port": int64(80)}},
				"tags":     []any{"x"},
				"command":  []any{"run", "fast"},
				"config":   map[string]any{"level": "debug", "nested": map[string]any{"deep": true}},
			}
			got, err := gizmos.Apply(e.ctx, "g", gizmo(a), metav1.ApplyOptions{FieldManager: "a"})
			require.NoError(t, err)
			m := managedEntry(t, got, "a", "")
			require.Equal(t, metav1.ManagedFieldsOperationApply, m.Operation)
			require.Equal(t, gizmosV1.GroupVersion().String(), m.APIVersion)
			require.True(t, owns(t, got, "a", "f:spec", "f:ports", `k:{"name":"http"}`, "f:port"))
			require.True(t, owns(t, got, "a", "f:spec", "f:tags", `v:"x"`))
			require.True(t, owns(t, got, "a", "f:spec", "f:command"))
			require.True(t, owns(t, got, "a", "f:spec", "f:config", "f:nested", "f:deep"), "preserved unknown fields are tracked")

			b := map[string]any{
				"ports":   []any{map[string]any{"name": "metrics", "port": int64(9090)}},
				"tags":    []any{"y"},
				"command": []any{"run", "fast"},
			}
			got, err = gizmos.Apply(e.ctx, "g", gizmo(b), metav1.ApplyOptions{FieldManager: "b"})
			require.NoError(t, err)
			require.Equal(t, []any{map[string]any{"name": "http", "port": int64(80)}, map[string]any{"name": "metrics", "port": int64(9090)}},
				nested(t, got, "spec", "ports"), "merged by name")
			require.Equal(t, []any{"x", "y"}, nested(t, got, "spec", "tags"), "a set merges")
			require.True(t, owns(t, got, "b", "f:spec", "f:command"), "the same atomic value is shared")

			b["ports"] = []any{map[string]any{"name": "http", "port": int64(8080)}}
			_, err = gizmos.Apply(e.ctx, "g", gizmo(b), metav1.ApplyOptions{FieldManager: "b"})
			requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "a": .spec.ports[name="http"].port`,
				conflictCause(`.spec.ports[name="http"].port`, `conflict with "a"`))

			// a drops its port, a tag and a subtree of the unknown fields, and changes the atomic list.
			a = map[string]any{"replicas": int64(1), "command": []any{"stop"}, "config": map[string]any{"level": "debug"}}
			_, err = gizmos.Apply(e.ctx, "g", gizmo(a), metav1.ApplyOptions{FieldManager: "a"})
			requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "b": .spec.command`,
				conflictCause(".spec.command", `conflict with "b"`))
			got, err = gizmos.Apply(e.ctx, "g", gizmo(a), metav1.ApplyOptions{FieldManager: "a", Force: true})
			require.NoError(t, err)
			require.Equal(t, []any{map[string]any{"name": "metrics", "port": int64(9090)}}, nested(t, got, "spec", "ports"))
			require.Equal(t, []any{"y"}, nested(t, got, "spec", "tags"))
			require.Equal(t, []any{"stop"}, nested(t, got, "spec", "command"))
			require.Equal(t, map[string]any{"level": "debug"}, nested(t, got, "spec", "config"))
			require.False(t, owns(t, got, "b", "f:spec", "f:command"), "force took it")

			got, err = gizmos.ApplyStatus(e.ctx, "g", &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": gizmosV1.GroupVersion().String(), "kind": "Gizmo", "metadata": map[string]any{"name": "g"},
				"status": map[string]any{"phase": "Ready"}}}, metav1.ApplyOptions{FieldManager: "status"})
			require.NoError(t, err)
			require.Equal(t, "Ready", nested(t, got, "status", "phase"))
			requireFields(t, managedEntry(t, got, "status", "status"), `{"f:status":{"f:phase":{}}}`)
		})
	})
}

// TestApplyControllerRuntime drives server-side apply with controller-runtime: client.Apply patches with typed and
// unstructured objects, and Client.Apply with ApplyConfigurations.
func TestApplyControllerRuntime(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		createCRD(t, e, newGizmoCRD())
		c, err := client.New(e.cfg, client.Options{})
		require.NoError(t, err)
		ctx := e.ctx

		t.Run("patch with client.Apply, built-in", func(t *testing.T) {
			d := newDeployment("cr-apply", nil)
			d.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
			//nolint:staticcheck // client.Apply is deprecated for Client.Apply, and still used by most controllers.
			require.NoError(t, c.Patch(ctx, d, client.Apply, client.FieldOwner("x"), client.ForceOwnership))
			require.NotEmpty(t, d.UID, "the response is decoded into the object")
			require.Equal(t, metav1.ManagedFieldsOperationApply, managedEntry(t, d, "x", "").Operation)
			require.True(t, owns(t, d, "x", "f:spec", "f:replicas"))

			other := &appsv1.Deployment{TypeMeta: d.TypeMeta, ObjectMeta: metav1.ObjectMeta{Name: "cr-apply", Namespace: testNamespace},
				Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(4))}}
			raw, err := json.Marshal(map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
				"metadata": map[string]any{"name": "cr-apply"}, "spec": map[string]any{"replicas": 4}})
			require.NoError(t, err)
			err = c.Patch(ctx, other, client.RawPatch(types.ApplyPatchType, raw), client.FieldOwner("y"))
			requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "x": .spec.replicas`,
				conflictCause(".spec.replicas", `conflict with "x"`))
			require.NoError(t, c.Patch(ctx, other, client.RawPatch(types.ApplyPatchType, raw), client.FieldOwner("y"), client.ForceOwnership))
			require.Equal(t, int32(4), *other.Spec.Replicas)
			require.True(t, owns(t, other, "y", "f:spec", "f:replicas"))
		})

		t.Run("Client.Apply with ApplyConfigurations, built-in", func(t *testing.T) {
			ac := applyDeployment("cr-ac", 1)
			require.NoError(t, c.Apply(ctx, ac, client.FieldOwner("x")))
			require.NotNil(t, ac.UID, "the response is decoded into the configuration")
			d := &appsv1.Deployment{}
			require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: testNamespace, Name: "cr-ac"}, d))
			got, err := appsv1ac.ExtractDeployment(d, "x")
			require.NoError(t, err)
			require.Equal(t, applyDeployment("cr-ac", 1), got)
			err = c.Apply(ctx, onlyReplicas("cr-ac", 3), client.FieldOwner("y"))
			require.True(t, apierrors.IsConflict(err), "%v", err)
			require.NoError(t, c.Apply(ctx, onlyReplicas("cr-ac", 3), client.FieldOwner("y"), client.ForceOwnership))
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(d), d))
			require.Equal(t, int32(3), *d.Spec.Replicas)
		})

		t.Run("custom resource", func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": gizmosV1.GroupVersion().String(), "kind": "Gizmo",
				"metadata": map[string]any{"name": "cr", "namespace": testNamespace},
				"spec":     map[string]any{"ports": []any{map[string]any{"name": "http", "port": int64(80)}}}}}
			//nolint:staticcheck // client.Apply is deprecated for Client.Apply, and still used by most controllers.
			require.NoError(t, c.Patch(ctx, u, client.Apply, client.FieldOwner("x"), client.ForceOwnership))
			require.NotEmpty(t, u.GetUID())
			require.True(t, owns(t, u, "x", "f:spec", "f:ports", `k:{"name":"http"}`, "f:port"))

			gizmo := func(name string, port int64) *unstructured.Unstructured {
				return &unstructured.Unstructured{Object: map[string]any{"apiVersion": gizmosV1.GroupVersion().String(), "kind": "Gizmo",
					"metadata": map[string]any{"name": "cr", "namespace": testNamespace},
					"spec":     map[string]any{"ports": []any{map[string]any{"name": name, "port": port}}}}}
			}
			y := gizmo("grpc", 9000)
			require.NoError(t, c.Apply(ctx, client.ApplyConfigurationFromUnstructured(y), client.FieldOwner("y")))
			require.NotEmpty(t, y.GetManagedFields(), "the response is decoded into the configuration")
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(gizmosV1.GroupVersion().WithKind("Gizmo"))
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(u), got))
			require.Equal(t, []any{map[string]any{"name": "http", "port": int64(80)}, map[string]any{"name": "grpc", "port": int64(9000)}},
				nested(t, got, "spec", "ports"))

			y = gizmo("http", 81) // Apply refuses a configuration carrying managedFields, as the response left in y
			err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(y), client.FieldOwner("y"))
			requireApplyConflict(t, err, `Apply failed with 1 conflict: conflict with "x": .spec.ports[name="http"].port`,
				conflictCause(`.spec.ports[name="http"].port`, `conflict with "x"`))
			require.NoError(t, c.Apply(ctx, client.ApplyConfigurationFromUnstructured(y), client.FieldOwner("y"), client.ForceOwnership))
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(u), got))
			require.Equal(t, []any{map[string]any{"name": "http", "port": int64(81)}}, nested(t, got, "spec", "ports"),
				"y dropped grpc and took http's port; x still owns http's name")
		})
	})
}

// The CRD of the apply tests: namespaced Gizmos whose spec has a map list (ports, keyed by name), a set (tags), an
// atomic list (command) and an x-kubernetes-preserve-unknown-fields subtree (config), with a status subresource.
var gizmosV1 = schema.GroupVersionResource{Group: widgetGroup, Version: "v1", Resource: "gizmos"}

func newGizmoCRD() *apiextensionsv1.CustomResourceDefinition {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	spec := apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"replicas": {Type: "integer", Format: "int32"},
			"ports": {Type: "array", XListType: ptr.To("map"), XListMapKeys: []string{"name"},
				Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Required: []string{"name"},
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": str, "port": {Type: "integer"}},
				}}},
			"tags":    {Type: "array", XListType: ptr.To("set"), Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &str}},
			"command": {Type: "array", XListType: ptr.To("atomic"), Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &str}},
			"config":  {Type: "object", XPreserveUnknownFields: ptr.To(true)},
		},
	}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s", gizmosV1.Resource, gizmosV1.Group)},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: gizmosV1.Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "gizmos", Singular: "gizmo", Kind: "Gizmo", ListKind: "GizmoList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec":   spec,
						"status": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"phase": str}},
					},
				}},
				Subresources: &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}},
			}},
		},
	}
}
