package apiserver

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubemem/kubemem/types"
)

// printer is the server-side Table form of a resource: kube-apiserver's column definitions and how to compute the
// cells of one object (pkg/printers/internalversion/printers.go in kube).
type printer struct {
	columns []tableColumn
	cells   func(u types.Unstructured, o *types.Object, now time.Time) []any
}

// Column descriptions, as kube-apiserver words the common ones.
const (
	nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
	ageDescription  = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

func nameColumn() tableColumn {
	return tableColumn{Name: "Name", Type: "string", Format: "name", Description: nameDescription}
}
func ageColumn() tableColumn {
	return tableColumn{Name: "Age", Type: "string", Description: ageDescription}
}
func col(name, typ string, priority int, description string) tableColumn {
	return tableColumn{Name: name, Type: typ, Priority: priority, Description: description}
}

// printers holds the Table forms of the kinds kubectl users look at most; other kinds get NAME and AGE.
var printers = map[types.GroupVersionResource]printer{
	// CRDs have no printer of their own in kube-apiserver: its default table convertor gives Name and Created At.
	CustomResourceDefinitions: {
		columns: []tableColumn{nameColumn(), {Name: "Created At", Type: "date", Description: ageDescription}},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			return []any{o.Name(), o.CreationTimestamp().UTC().Format(time.RFC3339)}
		},
	},
	Pods: {
		columns: []tableColumn{nameColumn(), col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
			col("Status", "string", 0, "The aggregate status of the containers in this pod."),
			col("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
			ageColumn(), col("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
			col("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
			col("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
			col("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness.")},
		cells: podCells,
	},
	Deployments: {
		columns: []tableColumn{nameColumn(), col("Ready", "string", 0, "Number of the pod with ready state"),
			col("Up-to-date", "string", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
			col("Available", "string", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
			ageColumn(), col("Containers", "string", 1, "Names of each container in the template."),
			col("Images", "string", 1, "Images referenced by each container in the template."),
			col("Selector", "string", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.")},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			names, images := containerNamesImages(u, "spec", "template", "spec", "containers")
			return []any{o.Name(), fmt.Sprintf("%d/%d", intAt(u, "status", "readyReplicas"), intAt(u, "spec", "replicas")),
				intAt(u, "status", "updatedReplicas"), intAt(u, "status", "availableReplicas"), age(o, now), names, images, selectorString(u)}
		},
	},
	ReplicaSets: {
		columns: []tableColumn{nameColumn(), col("Desired", "integer", 0, "Replicas is the number of desired replicas."),
			col("Current", "integer", 0, "Replicas is the most recently observed number of replicas."),
			col("Ready", "integer", 0, "The number of ready replicas for this replica set."), ageColumn(),
			col("Containers", "string", 1, "Names of each container in the template."), col("Images", "string", 1, "Images referenced by each container in the template."),
			col("Selector", "string", 1, "Selector is a label query over pods that should match the replica count.")},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			names, images := containerNamesImages(u, "spec", "template", "spec", "containers")
			return []any{o.Name(), intAt(u, "spec", "replicas"), intAt(u, "status", "replicas"), intAt(u, "status", "readyReplicas"), age(o, now), names, images, selectorString(u)}
		},
	},
	StatefulSets: {
		columns: []tableColumn{nameColumn(), col("Ready", "string", 0, "Number of the pod with ready state"), ageColumn(),
			col("Containers", "string", 1, "Names of each container in the template."), col("Images", "string", 1, "Images referenced by each container in the template.")},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			names, images := containerNamesImages(u, "spec", "template", "spec", "containers")
			return []any{o.Name(), fmt.Sprintf("%d/%d", intAt(u, "status", "readyReplicas"), intAt(u, "spec", "replicas")), age(o, now), names, images}
		},
	},
	DaemonSets: {
		columns: []tableColumn{nameColumn(), col("Desired", "integer", 0, "The total number of nodes that should be running the daemon pod."),
			col("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod."), col("Ready", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
			col("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"), col("Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
			col("Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node."), ageColumn()},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			sel, _ := u.NestedStringMap("spec", "template", "spec", "nodeSelector")
			return []any{o.Name(), intAt(u, "status", "desiredNumberScheduled"), intAt(u, "status", "currentNumberScheduled"), intAt(u, "status", "numberReady"),
				intAt(u, "status", "updatedNumberScheduled"), intAt(u, "status", "numberAvailable"), labelsString(sel, "<none>"), age(o, now)}
		},
	},
	Services: {
		columns: []tableColumn{nameColumn(), col("Type", "string", 0, "type determines how the Service is exposed."),
			col("Cluster-IP", "string", 0, "clusterIP is the IP address of the service."), col("External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
			col("Port(s)", "string", 0, "The list of ports that are exposed by this service."), ageColumn(), col("Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector.")},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			typ := stringOr(u, "ClusterIP", "spec", "type")
			ip := stringOr(u, "<none>", "spec", "clusterIP")
			sel, _ := u.NestedStringMap("spec", "selector")
			return []any{o.Name(), typ, ip, "<none>", servicePorts(u), age(o, now), labelsString(sel, "<none>")}
		},
	},
	ConfigMaps: {
		columns: []tableColumn{nameColumn(), col("Data", "integer", 0, "Data contains the configuration data."), ageColumn()},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			d, _ := u.NestedMap("data")
			bd, _ := u.NestedMap("binaryData")
			return []any{o.Name(), int64(len(d) + len(bd)), age(o, now)}
		},
	},
	Secrets: {
		columns: []tableColumn{nameColumn(), col("Type", "string", 0, "The type of secret"), col("Data", "integer", 0, "Data contains the secret data."), ageColumn()},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			t, _ := u.NestedString("type")
			d, _ := u.NestedMap("data")
			return []any{o.Name(), t, int64(len(d)), age(o, now)}
		},
	},
	Namespaces: {
		columns: []tableColumn{nameColumn(), col("Status", "string", 0, "The status of the namespace"), ageColumn()},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			phase, _ := u.NestedString("status", "phase")
			return []any{o.Name(), phase, age(o, now)}
		},
	},
	Nodes: {
		columns: []tableColumn{nameColumn(), col("Status", "string", 0, "The status of the node"), col("Roles", "string", 0, "The roles of the node"),
			ageColumn(), col("Version", "string", 0, "Kubelet Version reported by the node.")},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			status := "Unknown"
			if conds, ok := u.NestedSlice("status", "conditions"); ok {
				for _, c := range conds {
					if m, ok := c.(map[string]any); ok && m["type"] == "Ready" {
						status = "NotReady"
						if m["status"] == "True" {
							status = "Ready"
						}
					}
				}
			}
			if unsched, _ := u.NestedBool("spec", "unschedulable"); unsched {
				status += ",SchedulingDisabled"
			}
			var roles []string
			for k := range o.LabelsNoCopy() {
				if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
					roles = append(roles, r)
				}
			}
			sort.Strings(roles)
			rs := strings.Join(roles, ",")
			if rs == "" {
				rs = "<none>"
			}
			v, _ := u.NestedString("status", "nodeInfo", "kubeletVersion")
			return []any{o.Name(), status, rs, age(o, now), v}
		},
	},
	Jobs: {
		columns: []tableColumn{nameColumn(), col("Status", "string", 0, "Status of the job."), col("Completions", "string", 0, "The desired number of successfully finished pods the job should be run with."),
			col("Duration", "string", 0, "Time required to complete the job."), ageColumn()},
		cells: func(u types.Unstructured, o *types.Object, now time.Time) []any {
			completions := "1"
			if n, ok := u.NestedInt64("spec", "completions"); ok {
				completions = strconv.FormatInt(n, 10)
			}
			status := "Running"
			if conds, ok := u.NestedSlice("status", "conditions"); ok {
				for _, c := range conds {
					if m, ok := c.(map[string]any); ok && m["status"] == "True" {
						switch m["type"] {
						case "Complete":
							status = "Complete"
						case "Failed":
							status = "Failed"
						case "Suspended":
							status = "Suspended"
						}
					}
				}
			}
			return []any{o.Name(), status, fmt.Sprintf("%d/%s", intAt(u, "status", "succeeded"), completions), "", age(o, now)}
		},
	},
}

// genericPrinter is the Table form of kinds without their own: NAME and AGE.
var genericPrinter = printer{
	columns: []tableColumn{nameColumn(), ageColumn()},
	cells:   func(u types.Unstructured, o *types.Object, now time.Time) []any { return []any{o.Name(), age(o, now)} },
}

func printerFor(gvr types.GroupVersionResource) printer {
	if p, ok := printers[gvr]; ok {
		return p
	}
	return genericPrinter
}

// podCells computes a pod's row as kube-apiserver's printer does.
func podCells(u types.Unstructured, o *types.Object, now time.Time) []any {
	containers, _ := u.NestedSlice("spec", "containers")
	statuses, _ := u.NestedSlice("status", "containerStatuses")
	ready, restarts := 0, int64(0)
	reason, _ := u.NestedString("status", "phase")
	if r, ok := u.NestedString("status", "reason"); ok && r != "" {
		reason = r
	}
	for _, cs := range statuses {
		m, ok := cs.(map[string]any)
		if !ok {
			continue
		}
		if b, _ := m["ready"].(bool); b {
			ready++
		}
		if n, ok := m["restartCount"].(int64); ok {
			restarts += n
		}
		if st, ok := m["state"].(map[string]any); ok {
			if w, ok := st["waiting"].(map[string]any); ok {
				if r, _ := w["reason"].(string); r != "" {
					reason = r
				}
			} else if t, ok := st["terminated"].(map[string]any); ok {
				if r, _ := t["reason"].(string); r != "" {
					reason = r
				}
			}
		}
	}
	if o.DeletionTimestamp() != nil {
		reason = "Terminating"
	}
	if reason == "" {
		reason = "Pending"
	}
	ip := stringOr(u, "<none>", "status", "podIP")
	node := stringOr(u, "<none>", "spec", "nodeName")
	nominated := stringOr(u, "<none>", "status", "nominatedNodeName")
	return []any{o.Name(), fmt.Sprintf("%d/%d", ready, len(containers)), reason, strconv.FormatInt(restarts, 10), age(o, now), ip, node, nominated, "<none>"}
}

// stringOr returns the string at path, or def when it is missing or empty.
func stringOr(u types.Unstructured, def string, path ...string) string {
	if v, _ := u.NestedString(path...); v != "" {
		return v
	}
	return def
}

func intAt(u types.Unstructured, path ...string) int64 {
	n, _ := u.NestedInt64(path...)
	return n
}

func containerNamesImages(u types.Unstructured, path ...string) (string, string) {
	cs, _ := u.NestedSlice(path...)
	var names, images []string
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok {
			n, _ := m["name"].(string)
			i, _ := m["image"].(string)
			names, images = append(names, n), append(images, i)
		}
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

func selectorString(u types.Unstructured) string {
	ml, _ := u.NestedStringMap("spec", "selector", "matchLabels")
	return labelsString(ml, "<none>")
}

func labelsString(m map[string]string, empty string) string {
	if len(m) == 0 {
		return empty
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

func servicePorts(u types.Unstructured) string {
	ports, _ := u.NestedSlice("spec", "ports")
	if len(ports) == 0 {
		return "<none>"
	}
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		m, ok := p.(map[string]any)
		if !ok {
			continue
		}
		port, _ := m["port"].(int64)
		proto, _ := m["protocol"].(string)
		if proto == "" {
			proto = "TCP"
		}
		s := strconv.FormatInt(port, 10)
		if np, ok := m["nodePort"].(int64); ok && np != 0 {
			s += ":" + strconv.FormatInt(np, 10)
		}
		parts = append(parts, s+"/"+proto)
	}
	return strings.Join(parts, ",")
}

// age formats the time since the object's creation as kubectl users know it.
func age(o *types.Object, now time.Time) string {
	ts := o.CreationTimestamp()
	if ts.IsZero() {
		return "<unknown>"
	}
	return humanDuration(now.Sub(ts.Time))
}

// humanDuration formats d the way kube-apiserver's printers do (apimachinery util/duration.HumanDuration).
func humanDuration(d time.Duration) string {
	if s := int(d.Seconds()); s < -1 {
		return "<invalid>"
	} else if s < 0 {
		return "0s"
	} else if s < 120 {
		return fmt.Sprintf("%ds", s)
	}
	minutes := int(d / time.Minute)
	if minutes < 10 {
		if s := int(d/time.Second) % 60; s != 0 {
			return fmt.Sprintf("%dm%ds", minutes, s)
		}
		return fmt.Sprintf("%dm", minutes)
	} else if minutes < 180 {
		return fmt.Sprintf("%dm", minutes)
	}
	hours := int(d / time.Hour)
	switch {
	case hours < 8:
		if m := minutes % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", hours, m)
		}
		return fmt.Sprintf("%dh", hours)
	case hours < 48:
		return fmt.Sprintf("%dh", hours)
	case hours < 24*8:
		if h := hours % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", hours/24, h)
		}
		return fmt.Sprintf("%dd", hours/24)
	case hours < 24*365*2:
		return fmt.Sprintf("%dd", hours/24)
	case hours < 24*365*8:
		if dy := (hours / 24) % 365; dy != 0 {
			return fmt.Sprintf("%dy%dd", hours/24/365, dy)
		}
		return fmt.Sprintf("%dy", hours/24/365)
	}
	return fmt.Sprintf("%dy", hours/24/365)
}
