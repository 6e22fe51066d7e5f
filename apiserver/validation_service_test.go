package apiserver

import (
	"fmt"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// valBaseService is a valid ClusterIP Service as defaulting and allocation leave it.
const valBaseService = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"type":"ClusterIP","selector":{"app":"web"},` +
	`"ports":[{"port":80,"protocol":"TCP","targetPort":8080}],"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],` +
	`"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","sessionAffinity":"None","internalTrafficPolicy":"Cluster"}}`

func TestValidateService(t *testing.T) {
	valRunCreate(t, valGVKService, valBaseService, []valCase{
		{name: "valid"},
		{name: "ports required", patch: `{"spec":{"ports":[]}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.ports"), "")}},
		{name: "headless without ports", patch: `{"spec":{"ports":[],"clusterIP":"None","clusterIPs":["None"]}}`},
		{name: "port names required with several ports", patch: `{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":80},{"port":81,"protocol":"TCP","targetPort":81}]}}`,
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.ports[0].name"), ""),
				types.FieldRequired(valPath("spec.ports[1].name"), "")}},
		{name: "port names", patch: `{"spec":{"ports":[{"name":"web","port":80,"protocol":"TCP","targetPort":80},{"name":"web","port":81,"protocol":"TCP","targetPort":81},{"name":"Metrics","port":82,"protocol":"TCP","targetPort":82}]}}`,
			want: types.FieldErrorList{
				types.FieldDuplicate(valPath("spec.ports[1].name"), "web"),
				types.FieldInvalid(valPath("spec.ports[2].name"), "Metrics", dnsLabelMsg)}},
		{name: "port fields", patch: `{"spec":{"ports":[{"port":0,"protocol":"HTTP","targetPort":"HTTP"}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.ports[0].port"), int64(0), portRangeMsg),
			types.FieldNotSupported(valPath("spec.ports[0].protocol"), "HTTP", []string{"SCTP", "TCP", "UDP"}),
			types.FieldInvalid(valPath("spec.ports[0].targetPort"), "HTTP", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
			types.FieldInvalid(valPath("spec.ports[0].targetPort"), "HTTP", "must contain at least one letter (a-z)")}},
		{name: "target port required", patch: `{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":null}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.ports[0].targetPort"), int64(0), portRangeMsg)}},
		{name: "duplicate ports", patch: `{"spec":{"ports":[{"name":"a","port":80,"protocol":"TCP","targetPort":80},{"name":"b","port":80,"protocol":"TCP","targetPort":81},{"name":"c","port":80,"protocol":"UDP","targetPort":80}]}}`,
			want: types.FieldErrorList{types.FieldDuplicate(valPath("spec.ports[1]"), servicePortKey{Protocol: "TCP", Port: 80})}},
		{name: "type", patch: `{"spec":{"type":"Internal"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.type"), "Internal", []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"})}},
		{name: "type required", patch: `{"spec":{"type":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.type"), "")}},
		{name: "session affinity", patch: `{"spec":{"sessionAffinity":"ClientIP"}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.sessionAffinityConfig"), "when session affinity type is ClientIP")}},
		{name: "session affinity timeout", patch: `{"spec":{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":0}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.sessionAffinityConfig.clientIP.timeoutSeconds"), int64(0), "must be greater than 0 and less than 86400")}},
		{name: "node port on ClusterIP", patch: `{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":80,"nodePort":30080}]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.ports[0].nodePort"), "may not be used when `type` is 'ClusterIP'")}},
		{name: "NodePort", patch: `{"spec":{"type":"NodePort","ports":[{"port":80,"protocol":"TCP","targetPort":80,"nodePort":30080}],"externalTrafficPolicy":"Cluster"}}`},
		{name: "NodePort needs externalTrafficPolicy", patch: `{"spec":{"type":"NodePort"}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.externalTrafficPolicy"), "")}},
		{name: "externalTrafficPolicy only when reachable", patch: `{"spec":{"externalTrafficPolicy":"Local"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.externalTrafficPolicy"), "Local", "may only be set for externally-accessible services")}},
		{name: "LoadBalancer", patch: `{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local","loadBalancerSourceRanges":["10.0.0.0/8","x"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.LoadBalancerSourceRanges[1]"), "x", "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"),
			types.FieldRequired(valPath("allocateLoadBalancerNodePorts"), ""),
			types.FieldRequired(valPath("spec.healthCheckNodePort"), "")}},
		{name: "cluster IPs", patch: `{"spec":{"clusterIPs":["10.96.0.11"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs"), []string{"10.96.0.11"}, "first value must match `clusterIP`")}},
		{name: "cluster IP syntax", patch: `{"spec":{"clusterIP":"10.96.0.300","clusterIPs":["10.96.0.300"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs[0]"), "10.96.0.300", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}},
		{name: "cluster IP family", patch: `{"spec":{"clusterIP":"fd00::10","clusterIPs":["fd00::10"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs[0]"), "fd00::10", "expected an IPv4 value as indicated by `vIPFamilies[0]`")}},
		{name: "dual stack", patch: `{"spec":{"clusterIPs":["10.96.0.10","10.96.0.11"],"ipFamilies":["IPv4","IPv4"],"ipFamilyPolicy":"Maybe"}}`, want: types.FieldErrorList{
			types.FieldDuplicate(valPath("spec.ipFamilies[1]"), "IPv4"),
			types.FieldNotSupported(valPath("spec.ipFamilyPolicy"), "Maybe", []string{"PreferDualStack", "RequireDualStack", "SingleStack"}),
			types.FieldInvalid(valPath("spec.clusterIPs"), []string{"10.96.0.10", "10.96.0.11"}, "may specify no more than one IP for each IP family")}},
		{name: "ExternalName", patch: `{"spec":{"type":"ExternalName","ports":[]}}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.clusterIPs"), "may not be set for ExternalName services"),
			types.FieldForbidden(valPath("spec.ipFamilies"), "may not be set for ExternalName services"),
			types.FieldForbidden(valPath("spec.ipFamilyPolicy"), "may not be set for ExternalName services"),
			types.FieldRequired(valPath("spec.externalName"), "")}},
		{name: "ExternalName valid", patch: `{"spec":{"type":"ExternalName","externalName":"db.example.com.","clusterIP":null,"clusterIPs":null,"ipFamilies":null,"ipFamilyPolicy":null,"internalTrafficPolicy":null}}`},
		{name: "external IPs", patch: `{"spec":{"externalIPs":["127.0.0.1","bad"],"externalTrafficPolicy":"Cluster"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.externalIPs[0]"), "127.0.0.1", "may not be in the loopback range (127.0.0.0/8, ::1/128)"),
			types.FieldInvalid(valPath("spec.externalIPs[1]"), "bad", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}},
		{name: "internal traffic policy", patch: `{"spec":{"internalTrafficPolicy":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.internalTrafficPolicy"), "")}},
		{name: "selector labels", patch: `{"spec":{"selector":{"app":"a b"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), "a b", types.IsValidLabelValue("a b")[0])}},
	})
	valRunUpdate(t, valGVKService, valBaseService, []valCase{
		{name: "ports change", patch: `{"spec":{"ports":[{"port":443,"protocol":"TCP","targetPort":8443}]}}`},
		{name: "cluster IP is immutable", patch: `{"spec":{"clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs[0]"), []string{"10.96.0.11"}, "may not change once set")}},
		{name: "cluster IP cannot be unset", patch: `{"spec":{"clusterIP":null,"clusterIPs":null}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs[0]"), nil, "primary clusterIP can not be unset")}},
		{name: "dual stack upgrade", patch: `{"spec":{"clusterIPs":["10.96.0.10","fd00::10"],"ipFamilies":["IPv4","IPv6"],"ipFamilyPolicy":"PreferDualStack"}}`},
		{name: "to ExternalName", patch: `{"spec":{"type":"ExternalName","externalName":"db.example.com","ports":[],"clusterIP":null,"clusterIPs":null,"ipFamilies":null,"ipFamilyPolicy":null}}`},
		{name: "load balancer class", patch: `{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Cluster","allocateLoadBalancerNodePorts":true,"loadBalancerClass":"example.com/b"}}`,
			oldPatch: `{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Cluster","allocateLoadBalancerNodePorts":true,"loadBalancerClass":"example.com/a"}}`,
			want:     types.FieldErrorList{types.FieldInvalid(valPath("spec.loadBalancerClass"), "example.com/b", "may not change once set")}},
	})
}

func TestValidateServiceMoreRules(t *testing.T) {
	valRunCreate(t, valGVKService, valBaseService, []valCase{
		{name: "topology annotations", patch: `{"metadata":{"annotations":{"service.kubernetes.io/topology-mode":"Auto","service.kubernetes.io/topology-aware-hints":"auto"}}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("metadata.annotations[service.kubernetes.io/topology-mode]"), "Auto",
				"must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified")}},
		{name: "affinity config without ClientIP", patch: `{"spec":{"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10}}}}`,
			want: types.FieldErrorList{types.FieldForbidden(valPath("spec.sessionAffinityConfig"), "must not be set when session affinity is None")}},
		{name: "headless LoadBalancer", patch: `{"spec":{"type":"LoadBalancer","clusterIP":"None","clusterIPs":["None"],"externalTrafficPolicy":"Cluster","allocateLoadBalancerNodePorts":true}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.clusterIPs[0]"), "None", "may not be set to 'None' for LoadBalancer services")}},
		{name: "load balancer fields on ClusterIP", patch: `{"spec":{"allocateLoadBalancerNodePorts":false,"loadBalancerClass":"example.com/lb","loadBalancerSourceRanges":["10.0.0.0/8"]}}`,
			want: types.FieldErrorList{
				types.FieldForbidden(valPath("spec.LoadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"),
				types.FieldForbidden(valPath("spec.allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"),
				types.FieldForbidden(valPath("spec.loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'")}},
		{name: "traffic policies", patch: `{"spec":{"internalTrafficPolicy":"Near","trafficDistribution":"Anywhere"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.internalTrafficPolicy"), "Near", []string{"Cluster", "Local"}),
			types.FieldNotSupported(valPath("spec.trafficDistribution"), "Anywhere", []string{"PreferClose", "PreferSameZone", "PreferSameNode"})}},
		{name: "health check node port only for Local load balancers", patch: `{"spec":{"healthCheckNodePort":30000}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.healthCheckNodePort"), int64(30000), "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")}},
		{name: "duplicate node ports", patch: `{"spec":{"type":"NodePort","externalTrafficPolicy":"Cluster","ports":[{"name":"a","port":80,"protocol":"TCP","targetPort":80,"nodePort":30001},{"name":"b","port":81,"protocol":"TCP","targetPort":81,"nodePort":30001}]}}`,
			want: types.FieldErrorList{types.FieldDuplicate(valPath("spec.ports[1].nodePort"), int64(30001))}},
	})
	lb := `{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":true,"healthCheckNodePort":%d}}`
	valRunUpdate(t, valGVKService, valBaseService, []valCase{
		{name: "health check node port is immutable", patch: fmt.Sprintf(lb, 30001), oldPatch: fmt.Sprintf(lb, 30000), want: types.FieldErrorList{
			types.FieldForbidden(valPath("spec.healthCheckNodePort"), "field is immutable")}},
		{name: "ip families are immutable", patch: `{"spec":{"clusterIP":"fd00::10","clusterIPs":["fd00::10"],"ipFamilies":["IPv6"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.clusterIPs[0]"), []string{"fd00::10"}, "may not change once set"),
			types.FieldInvalid(valPath("spec.ipFamilies[0]"), []string{"IPv6"}, "may not change once set")}},
		{name: "dual stack downgrade needs SingleStack", patch: `{"spec":{"ipFamilyPolicy":"PreferDualStack"}}`,
			oldPatch: `{"spec":{"clusterIPs":["10.96.0.10","fd00::10"],"ipFamilies":["IPv4","IPv6"],"ipFamilyPolicy":"PreferDualStack"}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("spec.ipFamilyPolicy"), "PreferDualStack", "must be set to 'SingleStack' when releasing the secondary clusterIP"),
				types.FieldInvalid(valPath("spec.ipFamilyPolicy"), "PreferDualStack", "must be set to 'SingleStack' when releasing the secondary ipFamily")}},
	})
}
