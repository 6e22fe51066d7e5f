package apiserver

import (
	"strings"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// valBasePod is a valid Pod as defaulting leaves it.
const valBasePod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"containers":[` + valContainer + `],` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",` +
	`"schedulerName":"default-scheduler","securityContext":{},"enableServiceLinks":true}}`

const valContainer = `{"name":"c","image":"nginx","imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log",` +
	`"terminationMessagePolicy":"File","resources":{}}`

// valContainerWith is valContainer with extra members (a JSON object body without braces).
func valContainerWith(members string) string {
	return `{"name":"c","image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File",` + members + `}`
}

// valContainerNamed is a valid container named name.
func valContainerNamed(name string) string {
	return `{"name":"` + name + `","image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File"}`
}

const (
	dnsLabelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
		"and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	portRangeMsg = "must be between 1 and 65535, inclusive"
)

func TestValidatePodContainers(t *testing.T) {
	c := func(members string) string { return `{"spec":{"containers":[` + valContainerWith(members) + `]}}` }
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "valid"},
		{name: "containers required", patch: `{"spec":{"containers":[]}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.containers"), "")}},
		{name: "name required", patch: `{"spec":{"containers":[{"image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`,
			want: types.FieldErrorList{types.FieldRequired(valPath("spec.containers[0].name"), "")}},
		{name: "name is a DNS label", patch: `{"spec":{"containers":[{"name":"a.b","image":"nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.containers[0].name"), "a.b", "must not contain dots")}},
		{name: "names unique", patch: `{"spec":{"containers":[` + valContainer + `,` + valContainer + `]}}`, want: types.FieldErrorList{
			types.FieldDuplicate(valPath("spec.containers[1].name"), "c")}},
		{name: "names unique across init containers", patch: `{"spec":{"initContainers":[` + valContainer + `]}}`, want: types.FieldErrorList{
			types.FieldDuplicate(valPath("spec.initContainers[0].name"), "c")}},
		{name: "image required", patch: `{"spec":{"containers":[{"name":"c","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`,
			want: types.FieldErrorList{types.FieldRequired(valPath("spec.containers[0].image"), "")}},
		{name: "image whitespace", patch: `{"spec":{"containers":[{"name":"c","image":" nginx","imagePullPolicy":"Always","terminationMessagePolicy":"File"}]}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.containers[0].image"), " nginx", "must not have leading or trailing whitespace")}},
		{name: "terminationMessagePolicy and imagePullPolicy", patch: `{"spec":{"containers":[{"name":"c","image":"nginx","imagePullPolicy":"Sometimes"}]}}`,
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.containers[0].terminationMessagePolicy"), ""),
				types.FieldNotSupported(valPath("spec.containers[0].imagePullPolicy"), "Sometimes", []string{"Always", "IfNotPresent", "Never"})}},
		{name: "terminationMessagePolicy enum", patch: `{"spec":{"containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never","terminationMessagePolicy":"Logs"}]}}`,
			want: types.FieldErrorList{types.FieldNotSupported(valPath("spec.containers[0].terminationMessagePolicy"), "Logs", []string{"File", "FallbackToLogsOnError"})}},
		{name: "restartPolicy only on init containers", patch: c(`"restartPolicy":"Always"`), want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.containers[0].restartPolicy"), "may not be set for non-init containers")}},
		{name: "ports", patch: c(`"ports":[{"containerPort":0,"protocol":"TCP"},{"containerPort":70000,"hostPort":70000,"protocol":"ICMP"},{"containerPort":80}]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.containers[0].ports[0].containerPort"), ""),
				types.FieldInvalid(valPath("spec.containers[0].ports[1].containerPort"), int64(70000), portRangeMsg),
				types.FieldInvalid(valPath("spec.containers[0].ports[1].hostPort"), int64(70000), portRangeMsg),
				types.FieldNotSupported(valPath("spec.containers[0].ports[1].protocol"), "ICMP", []string{"SCTP", "TCP", "UDP"}),
				types.FieldRequired(valPath("spec.containers[0].ports[2].protocol"), "")}},
		{name: "port names", patch: c(`"ports":[{"name":"HTTP","containerPort":80,"protocol":"TCP"},{"name":"web","containerPort":81,"protocol":"TCP"},{"name":"web","containerPort":82,"protocol":"TCP"}]`),
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.containers[0].ports[0].name"), "HTTP", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
				types.FieldInvalid(valPath("spec.containers[0].ports[0].name"), "HTTP", "must contain at least one letter (a-z)"),
				types.FieldDuplicate(valPath("spec.containers[0].ports[2].name"), "web")}},
		{name: "host ports unique across containers", patch: `{"spec":{"containers":[` +
			`{"name":"a","image":"i","imagePullPolicy":"Always","terminationMessagePolicy":"File","ports":[{"containerPort":80,"hostPort":8080,"protocol":"TCP"}]},` +
			`{"name":"b","image":"i","imagePullPolicy":"Always","terminationMessagePolicy":"File","ports":[{"containerPort":81,"hostPort":8080,"protocol":"TCP"}]}]}}`,
			want: types.FieldErrorList{types.FieldDuplicate(valPath("spec.containers[1].ports[0].hostPort"), "TCP//8080")}},
		{name: "env names", patch: c(`"env":[{"value":"x"},{"name":"A=B"},{"name":"my.var-1"}]`), want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.containers[0].env[0].name"), ""),
			types.FieldInvalid(valPath("spec.containers[0].env[1].name"), "A=B", "a valid environment variable name must consist only of printable ASCII characters other than '='")}},
		{name: "env valueFrom", patch: c(`"env":[{"name":"A","valueFrom":{}},{"name":"B","value":"x","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},` +
			`{"name":"C","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.restartPolicy"}}},` +
			`{"name":"D","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.foo"}}},` +
			`{"name":"E","valueFrom":{"configMapKeyRef":{"name":"cm"},"secretKeyRef":{"name":"s","key":"k"}}},` +
			`{"name":"F","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.labels['app']"}}}]`), want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.containers[0].env[0].valueFrom"), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"),
			types.FieldInvalid(valPath("spec.containers[0].env[1].valueFrom"), "", "may not be specified when `value` is not empty"),
			types.FieldNotSupported(valPath("spec.containers[0].env[2].valueFrom.fieldRef.fieldPath"), "spec.restartPolicy", []string{"metadata.name", "metadata.namespace",
				"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}),
			types.FieldInvalid(valPath("spec.containers[0].env[3].valueFrom.fieldRef.fieldPath"), "spec.foo", "error converting fieldPath: field label not supported: spec.foo"),
			types.FieldRequired(valPath("spec.containers[0].env[4].valueFrom.configMapKeyRef.key"), ""),
			types.FieldInvalid(valPath("spec.containers[0].env[4].valueFrom"), "", "may not have more than one field specified at a time")}},
		{name: "env resourceFieldRef", patch: c(`"env":[{"name":"A","valueFrom":{"resourceFieldRef":{"resource":"limits.gpu"}}},{"name":"B","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu","divisor":"1Mi"}}}]`),
			want: types.FieldErrorList{
				types.FieldNotSupported(valPath("spec.containers[0].env[0].valueFrom.resourceFieldRef.resource"), "limits.gpu",
					[]string{"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"}),
				types.FieldInvalid(valPath("spec.containers[0].env[1].valueFrom.resourceFieldRef.divisor"), "limits.cpu", "only divisor's values 1m and 1 are supported with the cpu resource")}},
		{name: "envFrom", patch: c(`"envFrom":[{},{"prefix":"P=","configMapRef":{"name":"cm"},"secretRef":{"name":""}}]`), want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.containers[0].envFrom"), "", "must specify one of: `configMapRef` or `secretRef`"),
			types.FieldInvalid(valPath("spec.containers[0].envFrom[1].prefix"), "P=", "a valid environment variable name must consist only of printable ASCII characters other than '='"),
			types.FieldRequired(valPath("spec.containers[0].envFrom[1].secretRef.name"), ""),
			types.FieldInvalid(valPath("spec.containers[0].envFrom"), "", "may not have more than one field specified at a time")}},
	})
}

func TestValidatePodVolumes(t *testing.T) {
	spec := func(volumes, mounts string) string {
		return `{"spec":{"volumes":` + volumes + `,"containers":[` + valContainerWith(`"volumeMounts":`+mounts) + `]}}`
	}
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "valid", patch: spec(`[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"c"}}]`,
			`[{"name":"data","mountPath":"/data"},{"name":"cfg","mountPath":"/cfg","subPath":"a/b"}]`)},
		{name: "volume names", patch: spec(`[{"emptyDir":{}},{"name":"Data","emptyDir":{}},{"name":"d","emptyDir":{}},{"name":"d","emptyDir":{}}]`, `[]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.volumes[0].name"), ""),
				types.FieldInvalid(valPath("spec.volumes[1].name"), "Data", dnsLabelMsg),
				types.FieldDuplicate(valPath("spec.volumes[3].name"), "d")}},
		{name: "exactly one source", patch: spec(`[{"name":"a"},{"name":"b","emptyDir":{},"hostPath":{"path":"/x"},"downwardAPI":{}}]`, `[]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.volumes[0]"), "must specify a volume type"),
				types.FieldForbidden(valPath("spec.volumes[1].hostPath"), "may not specify more than 1 volume type"),
				types.FieldForbidden(valPath("spec.volumes[1].downwarAPI"), "may not specify more than 1 volume type")}},
		{name: "source contents", patch: spec(`[{"name":"a","configMap":{"defaultMode":1000}},{"name":"b","secret":{"secretName":"s","items":[{"key":"k","path":"../x"}]}},`+
			`{"name":"c","hostPath":{"path":""}},{"name":"d","persistentVolumeClaim":{}},{"name":"e","nfs":{"server":"s","path":"rel"}},`+
			`{"name":"f","downwardAPI":{"items":[{"path":"p"}]}},{"name":"g","emptyDir":{"sizeLimit":"-1Gi"}}]`, `[]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.volumes[0].configMap.name"), ""),
				types.FieldInvalid(valPath("spec.volumes[0].configMap.defaultMode"), int64(1000), "must be a number between 0 and 0777 (octal), both inclusive"),
				types.FieldInvalid(valPath("spec.volumes[1].secret.items[0].path"), "../x", "must not contain '..'"),
				types.FieldRequired(valPath("spec.volumes[2].hostPath.path"), ""),
				types.FieldRequired(valPath("spec.volumes[3].persistentVolumeClaim.claimName"), ""),
				types.FieldInvalid(valPath("spec.volumes[4].nfs.path"), "rel", "must be an absolute path"),
				types.FieldRequired(valPath("spec.volumes[5].downwardAPI"), "one of fieldRef and resourceFieldRef is required"),
				types.FieldForbidden(valPath("spec.volumes[6].emptyDir.sizeLimit"), "SizeLimit field must be a valid resource quantity")}},
		{name: "projected sources", patch: spec(`[{"name":"p","projected":{"sources":[{"secret":{"name":"s"},"configMap":{"name":"c"}},`+
			`{"serviceAccountToken":{"expirationSeconds":60,"path":"token"}}]}}]`, `[]`),
			want: types.FieldErrorList{
				types.FieldForbidden(valPath("spec.volumes[0].projected.sources[0]"), "may not specify more than 1 volume type per source"),
				types.FieldInvalid(valPath("spec.volumes[0].projected.sources[1].serviceAccountToken.expirationSeconds"), int64(60), "may not specify a duration less than 10 minutes")}},
		{name: "mounts", patch: spec(`[{"name":"data","emptyDir":{}},{"name":"bad"}]`,
			`[{"name":"missing","mountPath":"/a"},{"name":"data"},{"name":"data","mountPath":"/a","subPath":"/abs"},{"name":"bad","mountPath":"/b"}]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.volumes[1]"), "must specify a volume type"),
				types.FieldNotFound(valPath("spec.containers[0].volumeMounts[0].name"), "missing"),
				types.FieldRequired(valPath("spec.containers[0].volumeMounts[1].mountPath"), ""),
				types.FieldInvalid(valPath("spec.containers[0].volumeMounts[2].mountPath"), "/a", "must be unique"),
				types.FieldInvalid(valPath("spec.containers[0].volumeMounts.subPath"), "/abs", "must be a relative path"),
				types.FieldNotFound(valPath("spec.containers[0].volumeMounts[3].name"), "bad")}},
		{name: "mount propagation", patch: spec(`[{"name":"data","emptyDir":{}}]`, `[{"name":"data","mountPath":"/d","mountPropagation":"Bidirectional"}]`),
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec.containers[0].volumeMounts.mountPropagation"),
				"Bidirectional mount propagation is available only to privileged containers")}},
		{name: "projected token needs a service account", patch: `{"spec":{"serviceAccountName":null,"volumes":[{"name":"t","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3600,"path":"token"}}]}}]}}`,
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec.volumes[0].projected.sources[0].serviceAccountToken"),
				"must not be specified when serviceAccountName is not set")}},
	})
}

func TestValidatePodResources(t *testing.T) {
	res := func(r string) string { return `{"spec":{"containers":[` + valContainerWith(`"resources":`+r) + `]}}` }
	p := func(s string) *types.FieldPath { return valPath("spec.containers[0].resources." + s) }
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "valid", patch: res(`{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m","memory":"512Mi"}}`)},
		{name: "requests equal to limits in another form", patch: res(`{"limits":{"cpu":1,"memory":"1024Mi"},"requests":{"cpu":"1000m","memory":"1Gi"}}`)},
		{name: "requests above limits", patch: res(`{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"1500m","memory":"2Gi"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("requests"), "1500m", "must be less than or equal to cpu limit of 1"),
			types.FieldInvalid(p("requests"), "2Gi", "must be less than or equal to memory limit of 1Gi")}},
		{name: "negative", patch: res(`{"limits":{"memory":"-1"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("limits[memory]"), "-1", "must be greater than or equal to 0")}},
		{name: "extended resources", patch: res(`{"requests":{"example.com/gpu":"1"},"limits":{"example.com/gpu":"1"}}`)},
		{name: "resource names", patch: res(`{"requests":{"foo":"1","pods":"1","requests.example.com/x":"1"},"limits":{"requests.example.com/x":"1"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("limits[requests.example.com/x]"), "requests.example.com/x", "doesn't follow extended resource name standard"),
			types.FieldInvalid(p("requests[foo]"), "foo", "must be a standard resource type or fully qualified"),
			types.FieldInvalid(p("requests[foo]"), "foo", "must be a standard resource for containers"),
			types.FieldInvalid(p("requests[pods]"), "pods", "must be a standard resource for containers"),
			types.FieldInvalid(p("requests[requests.example.com/x]"), "requests.example.com/x", "doesn't follow extended resource name standard")}},
		{name: "extended resources are not overcommitted", patch: res(`{"requests":{"vendor.io/gpu":"1","vendor.io/fpga":"1"},"limits":{"vendor.io/gpu":"2"}}`), want: types.FieldErrorList{
			types.FieldRequired(p("limits"), "Limit must be set for non overcommitable resources"),
			types.FieldInvalid(p("requests"), "1", "must be equal to vendor.io/gpu limit of 2")}},
		{name: "extended resources are whole", patch: res(`{"requests":{"vendor.io/gpu":"500m"},"limits":{"vendor.io/gpu":"500m"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("limits[vendor.io/gpu]"), "500m", "must be an integer"),
			types.FieldInvalid(p("requests[vendor.io/gpu]"), "500m", "must be an integer")}},
		{name: "hugepages", patch: res(`{"limits":{"hugepages-2Mi":"3Mi"},"requests":{"hugepages-2Mi":"3Mi"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("limits[hugepages-2Mi]"), "3Mi", "3Mi is not positive integer multiple of hugepages-2Mi"),
			types.FieldInvalid(p("requests[hugepages-2Mi]"), "3Mi", "3Mi is not positive integer multiple of hugepages-2Mi"),
			types.FieldForbidden(valPath("spec.containers[0].resources"), "HugePages require cpu or memory")}},
		{name: "quantity syntax", patch: res(`{"limits":{"cpu":"1 core"}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("limits[cpu]"), "1 core", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")}},
		{name: "claims", patch: `{"spec":{"resourceClaims":[{"name":"gpu","resourceClaimName":"c"}],"containers":[` +
			valContainerWith(`"resources":{"claims":[{"name":"gpu"},{"name":"gpu"},{"name":"other"}]}`) + `]}}`, want: types.FieldErrorList{
			types.FieldDuplicate(valPath("spec.containers[0].resources.claims[1]"), "gpu"),
			{Type: types.FieldErrorTypeNotFound, Field: "spec.containers[0].resources.claims[2]", BadValue: "other",
				Detail: "must be one of the names in pod.spec.resourceClaims: gpu"}}},
	})
}

func TestValidatePodProbes(t *testing.T) {
	c := func(members string) string { return `{"spec":{"containers":[` + valContainerWith(members) + `]}}` }
	p := func(s string) *types.FieldPath { return valPath("spec.containers[0]." + s) }
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "valid", patch: c(`"livenessProbe":{"httpGet":{"path":"/","port":80,"scheme":"HTTP"},"periodSeconds":10,"successThreshold":1,"failureThreshold":3,"timeoutSeconds":1},` +
			`"readinessProbe":{"tcpSocket":{"port":"http"},"successThreshold":2},"lifecycle":{"preStop":{"sleep":{"seconds":5}}}`)},
		{name: "a handler", patch: c(`"livenessProbe":{"successThreshold":1}`), want: types.FieldErrorList{
			types.FieldRequired(p("livenessProbe"), "must specify a handler type")}},
		{name: "one handler", patch: c(`"startupProbe":{"exec":{"command":["true"]},"tcpSocket":{"port":80},"successThreshold":1}`), want: types.FieldErrorList{
			types.FieldForbidden(p("startupProbe.tcpSocket"), "may not specify more than 1 handler type")}},
		{name: "handler contents", patch: c(`"livenessProbe":{"httpGet":{"port":0,"scheme":"FTP","httpHeaders":[{"name":"X Y"}]},"successThreshold":2,"periodSeconds":-1},` +
			`"readinessProbe":{"exec":{},"terminationGracePeriodSeconds":5}`), want: types.FieldErrorList{
			types.FieldRequired(p("livenessProbe.httpGet.path"), ""),
			types.FieldInvalid(p("livenessProbe.httpGet.port"), int64(0), portRangeMsg),
			types.FieldNotSupported(p("livenessProbe.httpGet.scheme"), "FTP", []string{"HTTP", "HTTPS"}),
			types.FieldInvalid(p("livenessProbe.httpGet.httpHeaders"), "X Y", "a valid HTTP header must consist of alphanumeric characters or '-' "+
				"(e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"),
			types.FieldInvalid(p("livenessProbe.periodSeconds"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(p("livenessProbe.successThreshold"), int64(2), "must be 1"),
			types.FieldRequired(p("readinessProbe.exec.command"), ""),
			types.FieldInvalid(p("readinessProbe.terminationGracePeriodSeconds"), int64(5), "must not be set for readinessProbes")}},
		{name: "sleep within the grace period", patch: c(`"lifecycle":{"postStart":{"sleep":{"seconds":31}}}`), want: types.FieldErrorList{
			types.FieldInvalid(p("lifecycle.postStart.sleep"), int64(31), "must be non-negative and less than terminationGracePeriodSeconds (30)")}},
		{name: "init containers", patch: `{"spec":{"initContainers":[` +
			`{"name":"i1","image":"i","imagePullPolicy":"Always","terminationMessagePolicy":"File","livenessProbe":{"exec":{"command":["x"]}},"restartPolicy":"OnFailure"},` +
			`{"name":"i2","image":"i","imagePullPolicy":"Always","terminationMessagePolicy":"File","restartPolicy":"Always","readinessProbe":{"exec":{"command":["x"]}}}]}}`,
			want: types.FieldErrorList{
				types.FieldNotSupported(valPath("spec.initContainers[0].restartPolicy"), "OnFailure", []string{"Always"}),
				types.FieldForbidden(valPath("spec.initContainers[0].livenessProbe"), "may not be set for init containers without restartPolicy=Always")}},
	})
}

func TestValidatePodSpec(t *testing.T) {
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "terminationGracePeriodSeconds required", patch: `{"spec":{"terminationGracePeriodSeconds":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.terminationGracePeriodSeconds"), "")}},
		{name: "a negative grace period is accepted", patch: `{"spec":{"terminationGracePeriodSeconds":-1}}`},
		{name: "restartPolicy and dnsPolicy required", patch: `{"spec":{"restartPolicy":null,"dnsPolicy":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.restartPolicy"), ""),
			types.FieldRequired(valPath("spec.dnsPolicy"), "")}},
		{name: "dnsPolicy enum", patch: `{"spec":{"dnsPolicy":"Google"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.dnsPolicy"), "Google", []string{"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"})}},
		{name: "dnsPolicy None needs dnsConfig", patch: `{"spec":{"dnsPolicy":"None"}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None")}},
		{name: "dnsConfig", patch: `{"spec":{"dnsConfig":{"nameservers":["1.1.1.1","x"],"searches":["ok.example.com.","Bad"],"options":[{}]}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.dnsConfig.nameservers[1]"), "x", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
			types.FieldInvalid(valPath("spec.dnsConfig.searches[1]"), "Bad", dns1123SubdomainUnderscoreMsg),
			types.FieldRequired(valPath("spec.dnsConfig.options[0]"), "must not be empty")}},
		{name: "nodeSelector labels", patch: `{"spec":{"nodeSelector":{"disk":"ssd!"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.nodeSelector"), "ssd!", types.IsValidLabelValue("ssd!")[0])}},
		{name: "names", patch: `{"spec":{"serviceAccountName":"Default","nodeName":"node_1","hostname":"a.b","priorityClassName":"-p"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.serviceAccountName"), "Default", types.IsDNS1123Subdomain("Default")[0]),
			types.FieldInvalid(valPath("spec.nodeName"), "node_1", types.IsDNS1123Subdomain("node_1")[0]),
			types.FieldInvalid(valPath("spec.hostname"), "a.b", "must not contain dots"),
			types.FieldInvalid(valPath("spec.priorityClassName"), "-p", types.IsDNS1123Subdomain("-p")[0])}},
		{name: "activeDeadlineSeconds", patch: `{"spec":{"activeDeadlineSeconds":0}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.activeDeadlineSeconds"), int64(0), "must be between 1 and 2147483647, inclusive")}},
		{name: "tolerations", patch: `{"spec":{"tolerations":[{"operator":"Equal","value":"x"},{"key":"k","operator":"Exists","value":"v","effect":"NoExecute"},` +
			`{"key":"k","operator":"Gt","effect":"Never"},{"key":"k","tolerationSeconds":5,"effect":"NoSchedule"}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.tolerations[0].operator"), "Equal", `operator must be Exists when `+"`key`"+` is empty, which means "match all values and all keys"`),
			types.FieldInvalid(valPath("spec.tolerations[1].operator"), "v", "value must be empty when `operator` is 'Exists'"),
			types.FieldNotSupported(valPath("spec.tolerations[2].operator"), "Gt", []string{"Equal", "Exists"}),
			types.FieldNotSupported(valPath("spec.tolerations[2].effect"), "Never", []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}),
			types.FieldInvalid(valPath("spec.tolerations[3].effect"), "NoSchedule", "effect must be 'NoExecute' when `tolerationSeconds` is set")}},
		{name: "hostNetwork host ports", patch: `{"spec":{"hostNetwork":true,"containers":[` + valContainerWith(`"ports":[{"containerPort":80,"protocol":"TCP"}]`) + `]}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.containers[0].ports[0].hostPort"), int64(0), "must match `containerPort` when `hostNetwork` is true")}},
		{name: "scheduling gates", patch: `{"spec":{"schedulingGates":[{"name":"example.com/a"},{"name":"example.com/a"}]}}`, want: types.FieldErrorList{
			types.FieldDuplicate(valPath("spec.schedulingGates[1]"), "example.com/a")}},
		{name: "nodeName with scheduling gates", patch: `{"spec":{"nodeName":"n1","schedulingGates":[{"name":"example.com/a"}]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.nodeName"), "cannot be set until all schedulingGates have been cleared")}},
		{name: "ephemeral containers on create", patch: `{"spec":{"ephemeralContainers":[{"name":"debug","image":"busybox"}]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.ephemeralContainers"), "cannot be set on create")}},
		{name: "topology spread", patch: `{"spec":{"topologySpreadConstraints":[{"maxSkew":0,"whenUnsatisfiable":"Maybe"},{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"},{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}]}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.topologySpreadConstraints[0].maxSkew"), int64(0), "must be greater than zero"),
				types.FieldRequired(valPath("spec.topologySpreadConstraints[0].topologyKey"), "can not be empty"),
				types.FieldNotSupported(valPath("spec.topologySpreadConstraints[0].whenUnsatisfiable"), "Maybe", []string{"DoNotSchedule", "ScheduleAnyway"}),
				types.FieldDuplicate(valPath("spec.topologySpreadConstraints[1]").Child("{topologyKey, whenUnsatisfiable}"), "{zone, DoNotSchedule}")}},
		{name: "os", patch: `{"spec":{"os":{"name":"plan9"}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.os"), "plan9", []string{"linux", "windows"})}},
		{name: "pod annotations", patch: `{"metadata":{"annotations":{"controller.kubernetes.io/pod-deletion-cost":"+1","kubernetes.io/config.mirror":"x"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.annotations[kubernetes.io/config.mirror]"), "x", "must set spec.nodeName if mirror pod annotation is set"),
			types.FieldInvalid(valPath("metadata.annotations[controller.kubernetes.io/pod-deletion-cost]"), "+1", "must be a 32bit integer")}},
	})
}

const podUpdatableMsg = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
	"`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

func TestValidatePodUpdate(t *testing.T) {
	image := func(img string) string {
		return `{"spec":{"containers":[{"name":"c","image":"` + img + `","imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","resources":{}}]}}`
	}
	valRunUpdate(t, valGVKPod, valBasePod, []valCase{
		{name: "unchanged"},
		{name: "image", patch: image("nginx:2")},
		{name: "labels", patch: `{"metadata":{"labels":{"a":"b"}}}`},
		{name: "image required", patch: image(""), want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.containers[0].image"), ""),
			types.FieldRequired(valPath("spec.containers[0].image"), "")}},
		{name: "containers added", patch: `{"spec":{"containers":[` + valContainer + `,` + valContainerNamed("d") + `]}}`,
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec.containers"), "pod updates may not add or remove containers")}},
		{name: "other fields", patch: `{"spec":{"nodeName":"n1","containers":[` + valContainerWith(`"env":[{"name":"A","value":"1"}]`) + `]}}`,
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec"), podUpdatableMsg+"\n"+
				"- spec.containers[0].env: null\n+ spec.containers[0].env: [{\"name\":\"A\",\"value\":\"1\"}]\n"+
				"- spec.containers[0].terminationMessagePath: \"/dev/termination-log\"\n+ spec.containers[0].terminationMessagePath: null\n"+
				"- spec.nodeName: null\n+ spec.nodeName: \"n1\"")}},
		{name: "activeDeadlineSeconds set", patch: `{"spec":{"activeDeadlineSeconds":100}}`},
		{name: "activeDeadlineSeconds lowered", patch: `{"spec":{"activeDeadlineSeconds":50}}`, oldPatch: `{"spec":{"activeDeadlineSeconds":100}}`},
		{name: "activeDeadlineSeconds raised", patch: `{"spec":{"activeDeadlineSeconds":200}}`, oldPatch: `{"spec":{"activeDeadlineSeconds":100}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.activeDeadlineSeconds"), int64(200), "must be less than or equal to previous value")}},
		{name: "activeDeadlineSeconds removed", oldPatch: `{"spec":{"activeDeadlineSeconds":100}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.activeDeadlineSeconds"), nil, "must not update from a positive integer to nil value")}},
		{name: "tolerations added", patch: `{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}`,
			oldPatch: `{"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}`},
		{name: "tolerationSeconds changed", patch: `{"spec":{"tolerations":[{"key":"a","operator":"Exists","effect":"NoExecute","tolerationSeconds":10}]}}`,
			oldPatch: `{"spec":{"tolerations":[{"key":"a","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}}`},
		{name: "tolerations changed", patch: `{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}`,
			oldPatch: `{"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}`,
			want:     types.FieldErrorList{types.FieldForbidden(valPath("spec.tolerations"), "existing toleration can not be modified except its tolerationSeconds")}},
		{name: "negative grace period set to 1", patch: `{"spec":{"terminationGracePeriodSeconds":1}}`, oldPatch: `{"spec":{"terminationGracePeriodSeconds":-1}}`},
		{name: "grace period changed", patch: `{"spec":{"terminationGracePeriodSeconds":1}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec"), podUpdatableMsg+"\n- spec.terminationGracePeriodSeconds: 30\n+ spec.terminationGracePeriodSeconds: 1")}},
		{name: "scheduling gates removed", oldPatch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}]}}`},
		{name: "scheduling gates added", patch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.schedulingGates[0].name"), "only deletion is allowed, but found new scheduling gate 'example.com/a'")}},
		{name: "gated pods may add node selectors", patch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}],"nodeSelector":{"a":"1","b":"2"}}}`,
			oldPatch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}],"nodeSelector":{"a":"1"}}}`},
		{name: "gated pods may not change node selectors", patch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}],"nodeSelector":{"a":"2"}}}`,
			oldPatch: `{"spec":{"schedulingGates":[{"name":"example.com/a"}],"nodeSelector":{"a":"1"}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.nodeSelector"), map[string]string{"a": "2"},
				"only additions to spec.nodeSelector are allowed (no mutations or deletions)")}},
		{name: "mirror pod annotation", patch: `{"metadata":{"annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n"}}`,
			oldPatch: `{"spec":{"nodeName":"n"}}`,
			want:     types.FieldErrorList{types.FieldForbidden(valPath("metadata.annotations[kubernetes.io/config.mirror]"), "may not add mirror pod annotation")}},
	})
}

func TestValidatePodMoreRules(t *testing.T) {
	spec := func(volumes, ctr string) string {
		return `{"spec":{"volumes":` + volumes + `,"containers":[` + valContainerWith(ctr) + `]}}`
	}
	valRunCreate(t, valGVKPod, valBasePod, []valCase{
		{name: "other volume sources", patch: spec(`[{"name":"g","gitRepo":{"directory":"../x"}},{"name":"c","csi":{"driver":"Bad_Driver"}},`+
			`{"name":"i","image":{"pullPolicy":"IfNotPresent"}},{"name":"e","ephemeral":{}},{"name":"d","downwardAPI":{"items":[{"path":"l","fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}]}}]`, `"volumeMounts":[]`),
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.volumes[0].gitRepo.repository"), ""),
				types.FieldInvalid(valPath("spec.volumes[0].gitRepo.directory"), "../x", "must not contain '..'"),
				types.FieldInvalid(valPath("spec.volumes[1].csi.driver"), "Bad_Driver", types.IsDNS1123Subdomain("bad_driver")[0]),
				types.FieldRequired(valPath("spec.volumes[2].image.reference"), ""),
				types.FieldRequired(valPath("spec.volumes[3].ephemeral.volumeClaimTemplate"), ""),
				types.FieldNotSupported(valPath("spec.volumes[4].downwardAPI.fieldRef.fieldPath"), "spec.nodeName",
					[]string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"})}},
		{name: "ephemeral PVC names", patch: `{"metadata":{"name":"` + strings.Repeat("p", 250) + `"},"spec":{"volumes":[{"name":"data","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}]}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.volumes[0].name"), "data",
				`PVC name "`+strings.Repeat("p", 250)+`-data": must be no more than 253 characters`)}},
		{name: "volume devices", patch: spec(`[{"name":"block","persistentVolumeClaim":{"claimName":"c"}},{"name":"tmp","emptyDir":{}}]`,
			`"volumeDevices":[{"name":"block","devicePath":"/dev/b"},{"name":"tmp","devicePath":"/dev/b"},{"name":"none"}],"volumeMounts":[{"name":"block","mountPath":"/m"}]`),
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.containers[0].volumeMounts[0].name"), "block", "must not already exist in volumeDevices"),
				types.FieldInvalid(valPath("spec.containers[0].volumeDevices[0].name"), "block", "must not already exist in volumeMounts"),
				types.FieldInvalid(valPath("spec.containers[0].volumeDevices[1].name"), "tmp", "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"),
				types.FieldInvalid(valPath("spec.containers[0].volumeDevices[1].devicePath"), "/dev/b", "must be unique"),
				types.FieldNotFound(valPath("spec.containers[0].volumeDevices[2].name"), "none"),
				types.FieldRequired(valPath("spec.containers[0].volumeDevices[2].devicePath"), "")}},
		{name: "recursive read-only", patch: spec(`[{"name":"d","emptyDir":{}}]`, `"volumeMounts":[{"name":"d","mountPath":"/d","recursiveReadOnly":"Enabled"}]`),
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec.containers[0].volumeMounts.recursiveReadOnly"), "may only be specified when readOnly is true")}},
		{name: "host aliases and gates", patch: `{"spec":{"hostAliases":[{"ip":"1.2.3","hostnames":["Bad"]}],"readinessGates":[{"conditionType":"a/b/c"}]}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.readinessGates[0].conditionType"), "a/b/c", types.IsQualifiedName("a/b/c")[0]),
				types.FieldInvalid(valPath("spec.hostAliases[0].ip"), "1.2.3", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
				types.FieldInvalid(valPath("spec.hostAliases[0].hostnames[0]"), "Bad", types.IsDNS1123Subdomain("Bad")[0])}},
		{name: "class names and policies", patch: `{"spec":{"runtimeClassName":"","preemptionPolicy":"Always","overhead":{"cpu":"-1"},"os":{"name":""}}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.runtimeClassName"), "", types.IsDNS1123Subdomain("")[0]),
				types.FieldNotSupported(valPath("spec.preemptionPolicy"), "Always", []string{"PreemptLowerPriority", "Never"}),
				types.FieldInvalid(valPath("spec.overhead.limits[cpu]"), "-1", "must be greater than or equal to 0"),
				types.FieldRequired(valPath("spec.os.name"), "cannot be empty")}},
		{name: "a zero-second sleep", patch: spec(`[]`, `"lifecycle":{"preStop":{"sleep":{"seconds":0}}}`)},
	})
}
