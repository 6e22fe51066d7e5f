package apiserver

import (
	"testing"

	"github.com/kubemem/kubemem/types"
)

const valTemplate = `"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[` + valContainer + `],` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler","securityContext":{}}}`

const valObjectMeta = `"metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z","generation":1}`

const valBaseDeployment = `{"apiVersion":"apps/v1","kind":"Deployment",` + valObjectMeta + `,"spec":{"replicas":1,` +
	`"selector":{"matchLabels":{"app":"web"}},` + valTemplate + `,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},` +
	`"revisionHistoryLimit":10,"progressDeadlineSeconds":600}}`

const valBaseReplicaSet = `{"apiVersion":"apps/v1","kind":"ReplicaSet",` + valObjectMeta + `,"spec":{"replicas":1,` +
	`"selector":{"matchLabels":{"app":"web"}},` + valTemplate + `}}`

const valBaseStatefulSet = `{"apiVersion":"apps/v1","kind":"StatefulSet",` + valObjectMeta + `,"spec":{"replicas":1,"serviceName":"web",` +
	`"selector":{"matchLabels":{"app":"web"}},` + valTemplate + `,"podManagementPolicy":"OrderedReady",` +
	`"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},"revisionHistoryLimit":10,` +
	`"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"}}}`

const valBaseDaemonSet = `{"apiVersion":"apps/v1","kind":"DaemonSet",` + valObjectMeta + `,"spec":{` +
	`"selector":{"matchLabels":{"app":"web"}},` + valTemplate + `,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},` +
	`"revisionHistoryLimit":10}}`

const valBaseRC = `{"apiVersion":"v1","kind":"ReplicationController",` + valObjectMeta + `,"spec":{"replicas":1,` +
	`"selector":{"app":"web"},` + valTemplate + `}}`

func TestValidateDeployment(t *testing.T) {
	webLabels := map[string]string{"app": "web"}
	valRunCreate(t, valGVKDeployment, valBaseDeployment, []valCase{
		{name: "valid"},
		{name: "selector required", patch: `{"spec":{"selector":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.selector"), ""),
			types.FieldInvalid(valPath("spec.template.metadata.labels"), webLabels, "`selector` does not match template `labels`")}},
		{name: "selector must match", patch: `{"spec":{"selector":{"matchLabels":{"app":"api"}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.template.metadata.labels"), webLabels, "`selector` does not match template `labels`")}},
		{name: "expressions match", patch: `{"spec":{"selector":{"matchLabels":null,"matchExpressions":[{"key":"app","operator":"In","values":["web","api"]}]}}}`},
		{name: "empty selector", patch: `{"spec":{"selector":{"matchLabels":null}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{}, "empty selector is invalid for deployment")}},
		{name: "invalid selector", patch: `{"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Is"}]}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector.matchExpressions[0].operator"), "Is", "not a valid selector operator"),
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: webLabels,
				MatchExpressions: []types.LabelSelectorRequirement{{Key: "app", Operator: "Is"}}}, "invalid label selector")}},
		{name: "replicas", patch: `{"spec":{"replicas":-1}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.replicas"), int64(-1), "must be greater than or equal to 0")}},
		{name: "template pod spec", patch: `{"spec":{"template":{"spec":{"containers":[{"name":"c","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}}}`,
			want: types.FieldErrorList{types.FieldRequired(valPath("spec.template.spec.containers[0].image"), "")}},
		{name: "template labels", patch: `{"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Exists"}],"matchLabels":null},"template":{"metadata":{"labels":{"app":"web","-x":"y"}}}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.template.labels"), "-x", labelKeyNameMsg)}},
		{name: "restartPolicy Always", patch: `{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","activeDeadlineSeconds":10}}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.template.spec.restartPolicy"), "OnFailure", []string{"Always"}),
			types.FieldForbidden(valPath("spec.template.spec.activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported")}},
		{name: "strategy type", patch: `{"spec":{"strategy":{"type":"BlueGreen","rollingUpdate":null}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.strategy"), strategyValue{Type: "BlueGreen"}, []string{"Recreate", "RollingUpdate"})}},
		{name: "recreate", patch: `{"spec":{"strategy":{"type":"Recreate"}}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.strategy.rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}},
		{name: "rolling update", patch: `{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"0%","maxSurge":0}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.strategy.rollingUpdate.maxUnavailable"), "0%", "may not be 0 when `maxSurge` is 0")}},
		{name: "rolling update values", patch: `{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"150%","maxSurge":"a lot"}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.strategy.rollingUpdate.maxSurge"), "a lot", "a valid percent string must be a numeric string followed by an ending '%' "+
				"(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
			types.FieldInvalid(valPath("spec.strategy.rollingUpdate.maxUnavailable"), "150%", "must not be greater than 100%")}},
		{name: "progress deadline", patch: `{"spec":{"minReadySeconds":600}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.progressDeadlineSeconds"), int64(600), "must be greater than minReadySeconds")}},
	})
	valRunUpdate(t, valGVKDeployment, valBaseDeployment, []valCase{
		{name: "scale and new image", patch: `{"spec":{"replicas":3,"template":{"spec":{"containers":[` + valContainerNamed("c2") + `]}}}}`},
		{name: "selector immutable", patch: `{"spec":{"selector":{"matchLabels":{"app":"web","tier":"x"}},"template":{"metadata":{"labels":{"tier":"x"}}}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "x"}}, "field is immutable")}},
	})
}

func TestValidateReplicaSetAndDaemonSet(t *testing.T) {
	webLabels := map[string]string{"app": "web"}
	valRunCreate(t, valGVKReplicaSet, valBaseReplicaSet, []valCase{
		{name: "valid"},
		{name: "empty selector message says deployment", patch: `{"spec":{"selector":{"matchLabels":null}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{}, "empty selector is invalid for deployment")}},
		{name: "minReadySeconds", patch: `{"spec":{"minReadySeconds":-5}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.minReadySeconds"), int64(-5), "must be greater than or equal to 0")}},
	})
	valRunUpdate(t, valGVKReplicaSet, valBaseReplicaSet, []valCase{
		{name: "scale", patch: `{"spec":{"replicas":0}}`},
		{name: "spec errors are reported twice", patch: `{"spec":{"replicas":-1}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.replicas"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.replicas"), int64(-1), "must be greater than or equal to 0")}},
		{name: "selector immutable", patch: `{"spec":{"selector":{"matchLabels":null,"matchExpressions":[{"key":"app","operator":"Exists"}]}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{
				MatchExpressions: []types.LabelSelectorRequirement{{Key: "app", Operator: "Exists"}}}, "field is immutable")}},
	})
	valRunCreate(t, valGVKDaemonSet, valBaseDaemonSet, []valCase{
		{name: "valid"},
		{name: "no selector does not match", patch: `{"spec":{"selector":null}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.template.metadata.labels"), webLabels, "`selector` does not match template `labels`")}},
		{name: "empty selector", patch: `{"spec":{"selector":{"matchLabels":null}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{}, "empty selector is invalid for daemonset")}},
		{name: "update strategy", patch: `{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":1,"maxSurge":1}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.updateStrategy.rollingUpdate.maxSurge"), int64(1), "may not be set when maxUnavailable is non-zero")}},
		{name: "update strategy zero", patch: `{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":0}}}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.updateStrategy.rollingUpdate.maxUnavailable"), "cannot be 0 when maxSurge is 0")}},
		{name: "update strategy type", patch: `{"spec":{"updateStrategy":{"type":"Never","rollingUpdate":null}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.updateStrategy"), strategyValue{Type: "Never"}, []string{"RollingUpdate", "OnDelete"})}},
		{name: "restartPolicy", patch: `{"spec":{"template":{"spec":{"restartPolicy":"Never"}}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.template.spec.restartPolicy"), "Never", []string{"Always"})}},
	})
	valRunUpdate(t, valGVKDaemonSet, valBaseDaemonSet, []valCase{
		{name: "template change", patch: `{"spec":{"template":{"metadata":{"annotations":{"a":"b"}}}}}`},
		{name: "selector immutable", patch: `{"spec":{"selector":{"matchLabels":{"app":"web","x":"y"}},"template":{"metadata":{"labels":{"x":"y"}}}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}, "field is immutable")}},
	})
}

func TestValidateStatefulSet(t *testing.T) {
	webLabels := map[string]string{"app": "web"}
	valRunCreate(t, valGVKStateful, valBaseStatefulSet, []valCase{
		{name: "valid"},
		{name: "the pod spec is not validated", patch: `{"spec":{"template":{"spec":{"containers":[]}}}}`},
		{name: "required policies", patch: `{"spec":{"podManagementPolicy":null,"updateStrategy":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.podManagementPolicy"), ""),
			types.FieldRequired(valPath("spec.updateStrategy"), "")}},
		{name: "policy values", patch: `{"spec":{"podManagementPolicy":"Random","updateStrategy":{"type":"OnDelete"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.podManagementPolicy"), "Random", "must be 'OrderedReady' or 'Parallel'"),
			types.FieldInvalid(valPath("spec.updateStrategy.rollingUpdate"), &statefulSetRollingUpdateValue{}, "only allowed for updateStrategy 'RollingUpdate'")}},
		{name: "strategy type", patch: `{"spec":{"updateStrategy":{"type":"Sometimes","rollingUpdate":null}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.updateStrategy"), statefulSetStrategyValue{Type: "Sometimes"}, "must be 'RollingUpdate' or 'OnDelete'")}},
		{name: "rolling update", patch: `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":-1,"maxUnavailable":0}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.updateStrategy.rollingUpdate.partition"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.updateStrategy.rollingUpdate.maxUnavailable"), int64(0), "cannot be 0")}},
		{name: "retention policy", patch: `{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Keep"}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.persistentVolumeClaimRetentionPolicy.whenScaled"), "Keep", []string{"Retain", "Delete"})}},
		{name: "ordinals", patch: `{"spec":{"ordinals":{"start":-1}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.ordinals.start"), int64(-1), "must be greater than or equal to 0")}},
		{name: "selector", patch: `{"spec":{"selector":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.selector"), ""),
			types.FieldInvalid(valPath("spec.template.metadata.labels"), webLabels, "`selector` does not match template `labels`")}},
		{name: "empty selector", patch: `{"spec":{"selector":{"matchLabels":null}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{}, "empty selector is invalid for statefulset")}},
		{name: "restart policy", patch: `{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","activeDeadlineSeconds":5}}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.template.spec.restartPolicy"), "OnFailure", []string{"Always"}),
			types.FieldForbidden(valPath("spec.template.spec.activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported")}},
	})
	forbidden := types.FieldForbidden(valPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "+
		"'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
	valRunUpdate(t, valGVKStateful, valBaseStatefulSet, []valCase{
		{name: "mutable fields", patch: `{"spec":{"replicas":3,"minReadySeconds":5,"updateStrategy":{"type":"OnDelete","rollingUpdate":null},` +
			`"template":{"metadata":{"annotations":{"a":"b"}}},"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"}}}`},
		{name: "serviceName", patch: `{"spec":{"serviceName":"other"}}`, want: types.FieldErrorList{forbidden}},
		{name: "podManagementPolicy", patch: `{"spec":{"podManagementPolicy":"Parallel"}}`, want: types.FieldErrorList{forbidden}},
		{name: "selector", patch: `{"spec":{"selector":{"matchLabels":{"app":"web","x":"y"}},"template":{"metadata":{"labels":{"x":"y"}}}}}`,
			want: types.FieldErrorList{forbidden}},
	})
}

func TestValidateReplicationController(t *testing.T) {
	valRunCreate(t, valGVKRC, valBaseRC, []valCase{
		{name: "valid"},
		{name: "selector required", patch: `{"spec":{"selector":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.selector"), "")}},
		{name: "selector must match", patch: `{"spec":{"selector":{"app":"api"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.template.metadata.labels"), map[string]string{"app": "web"}, "`selector` does not match template `labels`")}},
		{name: "template required", patch: `{"spec":{"template":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.template"), "")}},
		{name: "restart policy", patch: `{"spec":{"template":{"spec":{"activeDeadlineSeconds":5}}}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.template.spec.activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicationController is not Supported")}},
	})
	valRunUpdate(t, valGVKRC, valBaseRC, []valCase{
		{name: "the selector may change", patch: `{"spec":{"selector":{"app":"web","x":"y"},"template":{"metadata":{"labels":{"x":"y"}}}}}`},
	})
}
