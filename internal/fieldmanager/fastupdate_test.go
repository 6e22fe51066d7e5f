package fieldmanager

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// typicalObjects are objects of built-in kinds as clients create them, after defaulting where it matters.
var typicalObjects = []string{
	benchPod,
	replaceAll(benchDeployment, "REPLICAS", "3"),
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","namespace":"ns","labels":{"a":"1","b":""},"annotations":{"x":"y"},
	  "finalizers":["example.com/f","example.com/g"],"generateName":"big-","uid":"u","resourceVersion":"5","creationTimestamp":"2026-01-01T00:00:00Z"},
	 "spec":{"initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"],"restartPolicy":"Always"}],
	  "containers":[{"name":"c","image":"img","args":["a","b"],"workingDir":"/w",
	   "ports":[{"containerPort":80},{"containerPort":80,"protocol":"UDP"},{"containerPort":8080,"name":"alt","hostPort":0}],
	   "envFrom":[{"configMapRef":{"name":"cm"}},{"prefix":"S_","secretRef":{"name":"s","optional":true}}],
	   "env":[{"name":"A","value":""},{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
	          {"name":"MEM","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}}],
	   "resources":{"limits":{"cpu":"2","memory":"1Gi","nvidia.com/gpu":"1"},"requests":{"cpu":"0","memory":"512Mi"},"claims":[{"name":"gpu"}]},
	   "volumeMounts":[{"name":"data","mountPath":"/data","subPath":"x","mountPropagation":"HostToContainer"},{"name":"tmp","mountPath":"/tmp","readOnly":false}],
	   "volumeDevices":[{"name":"blk","devicePath":"/dev/xvda"}],
	   "livenessProbe":{"exec":{"command":["cat","/ok"]},"initialDelaySeconds":0,"failureThreshold":3},
	   "startupProbe":{"tcpSocket":{"port":80},"periodSeconds":1},
	   "readinessProbe":{"grpc":{"port":9000,"service":""}},
	   "lifecycle":{"preStop":{"sleep":{"seconds":5}},"postStart":{"httpGet":{"path":"/","port":"http","httpHeaders":[{"name":"X","value":"1"}]}}},
	   "securityContext":{"runAsUser":1000,"runAsNonRoot":true,"privileged":false,"capabilities":{"add":["NET_ADMIN"],"drop":["ALL"]},
	     "seccompProfile":{"type":"RuntimeDefault"},"readOnlyRootFilesystem":true},
	   "stdin":false,"tty":true,"imagePullPolicy":"Always","terminationMessagePolicy":"FallbackToLogsOnError",
	   "resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]},
	  {"name":"side","image":"img2","ports":[]}],
	  "ephemeralContainers":[{"name":"dbg","image":"busybox","targetContainerName":"c"}],
	  "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"pvc"}},{"name":"tmp","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}},
	   {"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a.txt","mode":256}],"defaultMode":420}},
	   {"name":"sec","secret":{"secretName":"s"}},{"name":"hp","hostPath":{"path":"/var","type":""}},
	   {"name":"eph","ephemeral":{"volumeClaimTemplate":{"metadata":{"labels":{"a":"b"}},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}}},
	   {"name":"dapi","downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}}]}}],
	  "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]}]}]},
	    "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":1,"preference":{"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["n"]}]}}]},
	   "podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}},
	  "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}],
	  "tolerations":[{"operator":"Exists"},{"key":"k","operator":"Equal","value":"v","effect":"NoSchedule"}],
	  "nodeSelector":{"disk":"ssd"},"hostAliases":[{"ip":"10.0.0.1","hostnames":["a","b"]}],"dnsConfig":{"nameservers":["1.1.1.1"],"options":[{"name":"ndots","value":"2"}]},
	  "imagePullSecrets":[{"name":"reg"},{}],"readinessGates":[{"conditionType":"x/ready"}],"schedulingGates":[{"name":"g"}],
	  "hostNetwork":false,"shareProcessNamespace":true,"overhead":{"cpu":"10m"},"os":{"name":"linux"},"hostname":"h","subdomain":"s",
	  "securityContext":{"fsGroup":2000,"sysctls":[{"name":"net.ipv4.ip_forward","value":"1"}],"supplementalGroups":[1,2]},
	  "resourceClaims":[{"name":"gpu","resourceClaimTemplateName":"t"}],"priorityClassName":"high","activeDeadlineSeconds":60},
	 "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"True"}],"qosClass":"Burstable"}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"type":"LoadBalancer","selector":{"app":"web"},
	  "ports":[{"name":"http","port":80,"targetPort":"http"},{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"port":53,"protocol":"TCP"}],
	  "clusterIP":"10.0.0.10","clusterIPs":["10.0.0.10"],"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","sessionAffinity":"None",
	  "externalTrafficPolicy":"Local","loadBalancerSourceRanges":["10.0.0.0/8"],"externalIPs":["1.2.3.4"]},
	 "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ports":[{"port":80,"protocol":"TCP"}]}]}}}`,
	`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","labels":{"a":"b"}},"data":{"a":"1","b":"","c.json":"{\"x\":1}"},"binaryData":{"bin":"AAEC"},"immutable":false}`,
	`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"empty"}}`,
	`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default","ownerReferences":[{"apiVersion":"v1","kind":"ServiceAccount","name":"sa","uid":"1"}]},
	  "type":"kubernetes.io/tls","data":{"tls.crt":"YQ==","tls.key":"Yg=="},"stringData":{"x":"y"}}`,
	`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},"spec":{"podCIDR":"10.1.0.0/24","podCIDRs":["10.1.0.0/24"],
	  "taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"},{"key":"k","value":"v","effect":"NoExecute","timeAdded":"2026-01-01T00:00:00Z"}],"unschedulable":true},
	 "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"4"},"addresses":[{"type":"InternalIP","address":"10.0.0.5"},{"type":"Hostname","address":"n1"}],
	  "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-01-01T00:00:00Z"}],"nodeInfo":{"kubeletVersion":"v1.37.0","architecture":"amd64"},
	  "images":[{"names":["nginx:1"],"sizeBytes":1000}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}`,
	`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","labels":{"kubernetes.io/metadata.name":"team-a"}},"spec":{"finalizers":["kubernetes"]}}`,
	`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa","namespace":"default"},"secrets":[{"name":"tok"}],"imagePullSecrets":[{"name":"reg"}],"automountServiceAccountToken":false}`,
	`{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc","namespace":"default"},"spec":{"accessModes":["ReadWriteOnce","ReadOnlyMany"],
	  "resources":{"requests":{"storage":"10Gi"}},"storageClassName":"fast","volumeMode":"Filesystem","selector":{"matchExpressions":[{"key":"a","operator":"Exists"}]}}}`,
	`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"default"},"spec":{"serviceName":"db","replicas":3,"podManagementPolicy":"Parallel",
	  "selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres"}]}},
	  "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}],
	  "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0,"maxUnavailable":1}},"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}}`,
	`{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system"},"spec":{"selector":{"matchLabels":{"app":"agent"}},
	  "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"hostNetwork":true,"containers":[{"name":"a","image":"agent","ports":[{"containerPort":9100,"hostPort":9100}]}]}},
	  "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"10%"}}},"status":{"numberReady":0,"desiredNumberScheduled":1}}`,
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default"},"spec":{"backoffLimit":6,"completions":1,"parallelism":1,"ttlSecondsAfterFinished":100,
	  "podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1,2]}}]},
	  "template":{"spec":{"restartPolicy":"Never","containers":[{"name":"j","image":"busybox","command":["echo","hi"]}]}}}}`,
	`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj","namespace":"default"},"spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Forbid","suspend":false,
	  "jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}`,
	`{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"ing","namespace":"default","annotations":{"a":"b"}},"spec":{"ingressClassName":"nginx",
	  "tls":[{"hosts":["a.example.com"],"secretName":"tls"}],"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix",
	  "backend":{"service":{"name":"web","port":{"number":80}}}},{"path":"/api","pathType":"Exact","backend":{"service":{"name":"api","port":{"name":"http"}}}}]}}]}}`,
	`{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np","namespace":"default"},"spec":{"podSelector":{},"policyTypes":["Ingress","Egress"],
	  "ingress":[{"from":[{"podSelector":{"matchLabels":{"a":"b"}}},{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],"ports":[{"protocol":"TCP","port":80}]}],"egress":[{}]}}`,
	`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"default"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]},{"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["web"],"verbs":["*"]}]}`,
	`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
	  "subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"default"},{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}`,
	`{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb","namespace":"default"},"spec":{"minAvailable":"50%",
	  "selector":{"matchLabels":{"app":"web"}},"unhealthyPodEvictionPolicy":"AlwaysAllow"},"status":{"currentHealthy":0,"disruptionsAllowed":0}}`,
	`{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
	  "provisioner":"ebs.csi.aws.com","parameters":{"type":"gp3"},"reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer","allowVolumeExpansion":true,
	  "mountOptions":["debug"],"allowedTopologies":[{"matchLabelExpressions":[{"key":"zone","values":["a"]}]}]}`,
	`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced",
	  "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList","shortNames":["wd"]},
	  "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
	   "additionalPrinterColumns":[{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}],
	   "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
	     "properties":{"replicas":{"type":"integer","default":1,"minimum":0},"mode":{"type":"string","enum":["a","b"]},
	     "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],"items":{"type":"object","properties":{"name":{"type":"string"}}}}}},
	     "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}],
	  "conversion":{"strategy":"None"}}}`,
	`{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"cr","namespace":"default"},"revision":2,"data":{"spec":{"template":{"x":[1,2.5,null]}}}}`,
	`{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"default"},"involvedObject":{"kind":"Pod","name":"p"},"reason":"Started","message":"m","count":1,
	  "type":"Normal","source":{"component":"kubelet"},"firstTimestamp":"2026-01-01T00:00:00Z","eventTime":null}`,
}

// diffManagers returns the Managers the differential tests run for kind gvk: with kube's reset fields for kinds with
// a status, and with none.
func diffManagers(t testing.TB, gvk types.GroupVersionKind) []*Manager {
	t.Helper()
	conv, ok := ForKind(gvk)
	require.True(t, ok, gvk)
	return []*Manager{
		kindManager(t, gvk),
		New(conv, gvk, nil),
		New(conv, gvk, map[string]*fieldpath.Set{"": NewFieldSet("metadata.labels", "spec.template")}),
	}
}

// diffStats counts the writes a differential test ran, and those the fast path served.
type diffStats struct{ runs, fast int }

// checkFastUpdate runs an update of live to obj with the fast path and with the SMD path and requires identical
// results (the whole object, managedFields included, as JSON) or identical errors; obj and live must be left
// untouched. It reports whether the fast path served the write.
func checkFastUpdate(t testing.TB, m *Manager, live, obj map[string]any, manager, subresource string) bool {
	t.Helper()
	objBefore, liveBefore := encode(t, obj), encode(t, live)
	got, gotErr := m.updateUsing(live, obj, manager, subresource, t0, true)
	want, wantErr := m.updateUsing(live, obj, manager, subresource, t0, false)
	require.Equal(t, objBefore, encode(t, obj), "the object was modified")
	require.Equal(t, liveBefore, encode(t, live), "the live object was modified")
	if wantErr != nil || gotErr != nil {
		require.Error(t, gotErr, "fast path succeeded where SMD failed with %v on %s", wantErr, objBefore)
		require.Equal(t, errorLines(wantErr), errorLines(gotErr), objBefore)
		return false
	}
	require.Equal(t, encode(t, want), encode(t, got), "%s (subresource %q, live %s)", objBefore, subresource, liveBefore)
	return servedFast(m, live, obj, manager, subresource)
}

// servedFast reports whether the fast path serves an update of live to obj.
func servedFast(m *Manager, live, obj map[string]any, manager, subresource string) bool {
	if m.kind == nil {
		return false
	}
	if live != nil {
		out, meta := withOwnMetadata(obj)
		if meta != nil {
			delete(meta, "managedFields")
		}
		id := identity{Manager: cmp.Or(manager, UnknownManager), Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
		return m.fastUpdateLive(live, obj, out, meta, id, t0, m.kind)
	}
	if mgd := m.decodeLiveOrNew(live, obj, subresource != ""); len(mgd.fields) != 0 {
		return false
	}
	reset, ok := m.fast.resetFor(subresource)
	if !ok {
		return false
	}
	_, ok = fastCreateFields(m.kind, m.zero, withoutManagedFields(obj), reset)
	return ok
}

// checkAllWays runs checkFastUpdate on obj as a create through the main resource and the status subresource, with
// each Manager, and as a create that clears managedFields.
func checkAllWays(t testing.TB, ms []*Manager, obj map[string]any, st *diffStats) {
	t.Helper()
	for _, m := range ms {
		for _, sub := range []string{"", "status"} {
			st.runs++
			if checkFastUpdate(t, m, nil, obj, "creator", sub) {
				st.fast++
			}
		}
	}
	reset, meta := withOwnMetadata(obj)
	if meta == nil {
		meta = map[string]any{}
		reset["metadata"] = meta
	}
	meta["managedFields"] = []any{}
	st.runs++
	if checkFastUpdate(t, ms[0], nil, reset, "", "") {
		st.fast++
	}
}

func TestFastUpdateTypicalObjects(t *testing.T) {
	var st diffStats
	for i, s := range typicalObjects {
		obj := decode(t, s)
		gvk := gvkOf(obj)
		t.Run(fmt.Sprintf("%d-%s", i, gvk.Kind), func(t *testing.T) {
			checkAllWays(t, diffManagers(t, gvk), obj, &st)
		})
	}
	t.Logf("%d writes, %d served by the fast path", st.runs, st.fast)
	require.Greater(t, st.fast, st.runs/2)
}

func TestFastUpdateRandomObjects(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 5
	}
	var st diffStats
	for _, gvk := range types.SchemaKinds() {
		s, _ := types.SchemaFor(gvk)
		ms := diffManagers(t, gvk)
		t.Run(gvk.GroupVersion().String()+"/"+gvk.Kind, func(t *testing.T) {
			for seed := range int64(n) {
				wrong := 0
				if seed%4 == 3 {
					wrong = 3
				}
				obj := newObjectGen(seed, wrong).object(gvk, s)
				checkAllWays(t, ms, obj, &st)
			}
		})
	}
	t.Logf("%d writes, %d served by the fast path", st.runs, st.fast)
}

// FuzzFastUpdate compares the fast paths with SMD on objects of a built-in kind — the decoded doc when it is a JSON
// object, else an object generated from the kind's schema with seed — created, and then updated to random
// mutations of it (which keep whatever managedFields the doc brings, as a client's).
func FuzzFastUpdate(f *testing.F) {
	kinds := types.SchemaKinds()
	index := map[types.GroupVersionKind]uint16{}
	for i, gvk := range kinds {
		index[gvk] = uint16(i)
	}
	for _, s := range typicalObjects {
		obj, err := jsontree.DecodeObject([]byte(s))
		require.NoError(f, err)
		f.Add(index[gvkOf(obj)], int64(0), []byte(s))
	}
	for i := range 8 {
		f.Add(uint16(i*37), int64(i), []byte(nil))
	}
	var managers sync.Map // uint16 -> []*Manager
	f.Fuzz(func(t *testing.T, kind uint16, seed int64, doc []byte) {
		gvk := kinds[int(kind)%len(kinds)]
		obj, err := jsontree.DecodeObject(doc)
		if err != nil || obj == nil {
			s, _ := types.SchemaFor(gvk)
			obj = newObjectGen(seed, int(seed&7)).object(gvk, s)
		} else {
			obj["apiVersion"], obj["kind"] = gvk.GroupVersion().String(), gvk.Kind
		}
		ms, ok := managers.Load(kind)
		if !ok {
			ms, _ = managers.LoadOrStore(kind, diffManagers(t, gvk))
		}
		var st diffStats
		checkAllWays(t, ms.([]*Manager), obj, &st)
		r := rand.New(rand.NewPCG(uint64(seed), uint64(kind)))
		objs := []map[string]any{mutate(r, obj, 1)}
		objs = append(objs, mutate(r, objs[0], 2))
		objs = append(objs, mutate(r, objs[1], 1), obj)
		checkUpdateChain(t, ms.([]*Manager)[int(seed&3)%3], obj, objs, &st, int(seed&15))
	})
}

// errorLines returns the lines of err's message, those after the first sorted: SMD lists the errors of a comparison
// in the order it walks maps, which varies from run to run.
func errorLines(err error) []string {
	lines := strings.Split(err.Error(), "\n")
	slices.Sort(lines[1:])
	return lines
}

// checkUpdateChain creates obj0 with SMD, then updates it to each of objs in turn, by managers and through
// subresources that vary, checking each update with checkFastUpdate and going on from SMD's result. The store keeps
// the uid; now and then an update carries the live managedFields, or clears them.
func checkUpdateChain(t testing.TB, m *Manager, obj0 map[string]any, objs []map[string]any, st *diffStats, seed int) {
	t.Helper()
	live, err := m.updateUsing(nil, obj0, "creator", "", t0, false)
	if err != nil {
		return
	}
	live = withUID(live)
	managers := []string{"creator", "kubectl-edit", "controller", ""}
	subs := []string{"", "", "status", "scale"}
	for i, obj := range objs {
		obj = withUID(obj)
		switch (seed + i) % 7 {
		case 3:
			if mf, ok := metadataOf(live)["managedFields"]; ok {
				metadataOf(obj)["managedFields"] = mf
			}
		case 5:
			metadataOf(obj)["managedFields"] = []any{}
		}
		mgr, sub := managers[(seed+i)%len(managers)], subs[(seed/3+i)%len(subs)]
		st.runs++
		if checkFastUpdate(t, m, live, obj, mgr, sub) {
			st.fast++
		}
		next, err := m.updateUsing(live, obj, mgr, sub, t0.Add(time.Duration(i+1)*time.Second), false)
		if err != nil {
			continue
		}
		live = next
	}
}

// withUID returns a copy of obj's top level and metadata with the uid the store gives the chain's object.
func withUID(obj map[string]any) map[string]any {
	out, meta := withOwnMetadata(obj)
	if meta == nil {
		meta = map[string]any{}
		out["metadata"] = meta
	}
	meta["uid"] = "u1"
	return out
}

// mutate returns a copy of obj with n random changes: a value replaced, a key or list element removed, a list
// element duplicated with a changed value, a map key added.
func mutate(r *rand.Rand, obj map[string]any, n int) map[string]any {
	out := deepCopy(obj).(map[string]any)
	for range n {
		mutateOne(r, out, 0)
	}
	return out
}

// mutateOne makes one random change in the tree m at depth d.
func mutateOne(r *rand.Rand, m map[string]any, d int) {
	if len(m) == 0 {
		m[genKeys[r.IntN(len(genKeys))]] = genStrings[r.IntN(len(genStrings))]
		return
	}
	keys := slices.Sorted(maps.Keys(m))
	k := keys[r.IntN(len(keys))]
	if d == 0 && (k == "apiVersion" || k == "kind") {
		return
	}
	switch v := m[k].(type) {
	case map[string]any:
		if r.IntN(4) > 0 {
			mutateOne(r, v, d+1)
			return
		}
	case []any:
		if len(v) > 0 && r.IntN(4) > 0 {
			i := r.IntN(len(v))
			switch r.IntN(3) {
			case 0:
				m[k] = slices.Delete(slices.Clone(v), i, i+1)
			case 1:
				if em, ok := v[i].(map[string]any); ok {
					c := deepCopy(em).(map[string]any)
					mutateOne(r, c, d+1)
					m[k] = append(slices.Clone(v), c)
				}
			default:
				if em, ok := v[i].(map[string]any); ok {
					mutateOne(r, em, d+1)
				}
			}
			return
		}
	}
	switch r.IntN(5) {
	case 0:
		delete(m, k)
	case 1:
		m[k] = genInts[r.IntN(len(genInts))]
	case 2:
		m[k] = genStrings[r.IntN(len(genStrings))]
	case 3:
		switch v := m[k].(type) { // a change of the same type, which the schema accepts
		case string:
			m[k] = v + "x"
		case int64:
			m[k] = v + 1
		case bool:
			m[k] = !v
		}
	default:
		m[genKeys[r.IntN(len(genKeys))]] = genStrings[r.IntN(len(genStrings))]
	}
}

func TestFastUpdateLiveTypicalObjects(t *testing.T) {
	var st diffStats
	for i, s := range typicalObjects {
		obj := decode(t, s)
		gvk := gvkOf(obj)
		t.Run(fmt.Sprintf("%d-%s", i, gvk.Kind), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for j, m := range diffManagers(t, gvk) {
				objs := []map[string]any{obj}
				for n := range 12 {
					objs = append(objs, mutate(r, objs[len(objs)-1], 1+n%3))
				}
				checkUpdateChain(t, m, obj, objs, &st, i+j)
			}
		})
	}
	t.Logf("%d updates, %d served by the fast path", st.runs, st.fast)
	require.Greater(t, st.fast, st.runs/3)
}

func TestFastUpdateLiveRandomObjects(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 3
	}
	var st diffStats
	for _, gvk := range types.SchemaKinds() {
		s, _ := types.SchemaFor(gvk)
		ms := diffManagers(t, gvk)
		t.Run(gvk.GroupVersion().String()+"/"+gvk.Kind, func(t *testing.T) {
			for seed := range n {
				g := newObjectGen(int64(seed), 0)
				r := rand.New(rand.NewPCG(uint64(seed), 2))
				obj0 := g.object(gvk, s)
				objs := []map[string]any{mutate(r, obj0, 1), g.object(gvk, s)}
				objs = append(objs, mutate(r, objs[1], 2))
				objs = append(objs, mutate(r, objs[2], 3), obj0)
				checkUpdateChain(t, ms[seed%len(ms)], obj0, objs, &st, seed)
			}
		})
	}
	t.Logf("%d updates, %d served by the fast path", st.runs, st.fast)
}

// oddFieldsV1 are FieldsV1 objects a client may write that SMD reads, rewrites or rejects: the fast path must give
// them to SMD or agree with it.
var oddFieldsV1 = []string{
	`{"f:spec":{"f:replicas":{}}}`,
	`{"f:spec":{"f:replicas":null}}`,
	`{"f:spec":{".":{},"f:replicas":{}}}`,
	`{"f:spec":{".":{}}}`,
	`{".":{},"f:spec":{"f:replicas":{}}}`,
	`{"f:spec":{"f:replicas":{"f:x":{}}}}`,
	`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:args":{"v:\"sleep\"":{}}}}}}}}`,
	`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}},"k:{\"name\": \"web\"}":{}}}}}}`,
	`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\",\"a\":1}":{}}}}}}`,
	`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"i:0":{}}}}}}`,
	`{"f:spec":{"f:selector":{"f:matchLabels":{"f:app":{}}}}}`,
	`{"f:spec":{"f:strategy":{"f:rollingUpdate":{"f:maxSurge":{}}}}}`,
	`{"f:spec":{"f:unknown":{}}}`,
	`{"f:metadata":{"f:name":{},"f:labels":{"f:app":{}}}}`,
	`{"f:metadata":{".":{},"f:labels":{}}}`,
	`{"f:apiVersion":{}}`,
	`{"x:spec":{}}`,
	`{"f:spec":"x"}`,
	`{}`,
	`[]`,
	`null`,
}

func TestFastUpdateOddManagedFields(t *testing.T) {
	m := kindManager(t, deploymentGVK)
	var st diffStats
	base := benchConfig(t, "3")
	for i, fv := range oddFieldsV1 {
		for j, entry := range []string{
			`{"manager":"m","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":FV}`,
			`{"manager":"m","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":FV}`,
			`{"manager":"m","operation":"Update","apiVersion":"apps/v1beta1","fieldsType":"FieldsV1","fieldsV1":FV}`,
			`{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:05.5+01:00","fieldsType":"FieldsV1","fieldsV1":FV}`,
			`{"manager":"m","operation":"Patch","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":FV}`,
		} {
			mf := decode(t, `{"l":[`+replaceAll(entry, "FV", fv)+`,`+replaceAll(replaceAll(entry, "FV", `{"f:spec":{"f:paused":{}}}`), `"manager":"`, `"manager":"other-`)+`]}`)["l"]
			t.Run(fmt.Sprintf("%d-%d", i, j), func(t *testing.T) {
				live := withUID(base)
				metadataOf(live)["managedFields"] = mf
				next := mutate(rand.New(rand.NewPCG(uint64(i), uint64(j))), live, 2)
				for _, obj := range []map[string]any{next, withUID(benchConfig(t, "4"))} {
					for _, sub := range []string{"", "status"} {
						st.runs++
						if checkFastUpdate(t, m, live, obj, "kubectl-edit", sub) {
							st.fast++
						}
						withMF := withUID(obj)
						metadataOf(withMF)["managedFields"] = mf
						st.runs++
						if checkFastUpdate(t, m, withUID(base), withMF, "kubectl-edit", sub) {
							st.fast++
						}
					}
				}
			})
		}
	}
	t.Logf("%d updates, %d served by the fast path", st.runs, st.fast)
}

// TestFastUpdateManyManagers checks the cap: the fast path leaves an update that would exceed it to SMD.
func TestFastUpdateManyManagers(t *testing.T) {
	m := kindManager(t, configMapGVK)
	live, err := m.Update(nil, decode(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k0":"v"}}`), "m0", "", t0)
	require.NoError(t, err)
	live = withUID(live)
	var st diffStats
	for i := 1; i < 14; i++ {
		obj := withUID(live)
		data := maps.Clone(obj["data"].(map[string]any))
		data[fmt.Sprintf("k%d", i)] = "v"
		obj["data"] = data
		st.runs++
		if checkFastUpdate(t, m, live, obj, fmt.Sprintf("m%d", i), "") {
			st.fast++
		}
		live, err = m.updateUsing(live, obj, fmt.Sprintf("m%d", i), "", t0.Add(time.Duration(i)*time.Second), false)
		require.NoError(t, err)
	}
	t.Logf("%d updates, %d served by the fast path", st.runs, st.fast)
}

// requirePlainPECanonical checks that a path element plainPE accepts reads back and serializes to itself in SMD.
func requirePlainPECanonical(t *testing.T, k string) {
	t.Helper()
	if !plainPE(k) {
		return
	}
	pe, err := fieldpath.DeserializePathElement(k)
	require.NoError(t, err, k)
	s, err := fieldpath.SerializePathElement(pe)
	require.NoError(t, err, k)
	require.Equal(t, k, s)
}

func TestPlainPE(t *testing.T) {
	for _, c := range []struct {
		k    string
		want bool
	}{
		{`k:{"name":"web"}`, true},
		{`k:{"containerPort":80,"protocol":"TCP"}`, true},
		{`k:{"a":true,"b":-1}`, true},
		{`v:"x/y"`, true},
		{`v:42`, true},
		{`v:false`, true},
		{`k:{"protocol":"TCP","containerPort":80}`, false},
		{`k:{"a":1,"a":2}`, false},
		{`k:{"a":01}`, false},
		{`k:{"a":-0}`, false},
		{`k:{"a":1.5}`, false},
		{`k:{"a" :1}`, false},
		{`k:{"a":"<"}`, false},
		{`k:{"a":"\u0041"}`, false},
		{`k:{"a":null}`, false},
		{`k:{}`, false},
		{`k:{"a":1,}`, false},
		{`v:"x"y`, false},
		{`f:name`, false},
	} {
		require.Equal(t, c.want, plainPE(c.k), c.k)
		requirePlainPECanonical(t, c.k)
	}
}

func FuzzPlainPE(f *testing.F) {
	for _, k := range []string{`k:{"name":"web"}`, `k:{"a":true,"b":-1}`, `v:"x"`, `v:42`, `k:{"a":1,"b":"c"}`} {
		f.Add(k)
	}
	f.Fuzz(requirePlainPECanonical)
}
