package conformance

import (
	"context"
	"net/http"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
)

// watchTimeout is the timeoutSeconds watchSteer gives every watch, so that informers re-watch within the test.
const watchTimeout = "2"

// watchSteer is a rest.Config.WrapTransport that counts how client-go lists and watches each resource, shortens
// every watch to watchTimeout seconds (instead of client-go's 5 to 10 minutes), and can hold new plain watches
// (those without sendInitialEvents) until released, so a test can change the server while an informer is between
// two watches.
type watchSteer struct {
	mu       sync.Mutex // guards the fields below
	lists    map[string]int
	initial  map[string]int // watches with sendInitialEvents=true (WatchList)
	watches  map[string]int // plain watches
	held     map[string]int
	hold     chan struct{} // non-nil: plain watches wait until it is closed
	heldCond chan struct{} // closed and replaced whenever a watch is held
}

func newWatchSteer() *watchSteer {
	return &watchSteer{lists: map[string]int{}, initial: map[string]int{}, watches: map[string]int{}, held: map[string]int{},
		heldCond: make(chan struct{})}
}

func (s *watchSteer) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet {
			return rt.RoundTrip(req)
		}
		q := req.URL.Query()
		res := path.Base(req.URL.Path)
		if q.Get("watch") != "true" {
			s.mu.Lock()
			s.lists[res]++
			s.mu.Unlock()
			return rt.RoundTrip(req)
		}
		q.Set("timeoutSeconds", watchTimeout)
		req = req.Clone(req.Context())
		req.URL.RawQuery = q.Encode()
		s.mu.Lock()
		if q.Get("sendInitialEvents") == "true" {
			s.initial[res]++
			s.mu.Unlock()
			return rt.RoundTrip(req)
		}
		s.watches[res]++
		hold := s.hold
		if hold != nil {
			s.held[res]++
			close(s.heldCond)
			s.heldCond = make(chan struct{})
		}
		s.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-req.Context().Done():
				return nil, req.Context().Err()
			}
		}
		return rt.RoundTrip(req)
	})
}

// counts returns the counters of a resource: lists, WatchList watches, plain watches.
func (s *watchSteer) counts(res string) (lists, initial, watches int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[res], s.initial[res], s.watches[res]
}

// holdWatches makes new plain watches wait and returns a function that releases them.
func (s *watchSteer) holdWatches() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = make(chan struct{})
	s.held = map[string]int{}
	hold := s.hold
	return func() {
		s.mu.Lock()
		s.hold = nil
		s.mu.Unlock()
		close(hold)
	}
}

// waitHeld waits until a plain watch of every named resource is held.
func (s *watchSteer) waitHeld(t *testing.T, resources ...string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		all := true
		for _, r := range resources {
			all = all && s.held[r] > 0
		}
		cond := s.heldCond
		s.mu.Unlock()
		if all {
			return
		}
		select {
		case <-cond:
		case <-deadline:
			require.FailNow(t, "informers did not re-watch", "resources %v", resources)
		}
	}
}

// handlerLog records the calls of a ResourceEventHandler.
type handlerLog struct {
	mu     sync.Mutex // guards events
	events []handlerEvent
}

type handlerEvent struct {
	verb      string // add, update, delete
	name      string
	rv        string
	tombstone bool // delete of a cache.DeletedFinalStateUnknown (found missing by a relist)
	obj       any
}

func (h *handlerLog) handler() cache.ResourceEventHandler {
	add := func(verb string, obj any) {
		ev := handlerEvent{verb: verb, obj: obj}
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			ev.tombstone, obj = true, d.Obj
		}
		m := objectMeta(obj)
		ev.name, ev.rv = m.GetName(), m.GetResourceVersion()
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { add("add", obj) },
		UpdateFunc: func(_, obj any) { add("update", obj) },
		DeleteFunc: func(obj any) { add("delete", obj) },
	}
}

// find returns the last recorded event with this verb and name.
func (h *handlerLog) find(verb, name string) (handlerEvent, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].verb == verb && h.events[i].name == name {
			return h.events[i], true
		}
	}
	return handlerEvent{}, false
}

// requireHandled waits until the handler saw verb on name and returns that call.
func (h *handlerLog) requireHandled(t *testing.T, verb, name string) handlerEvent {
	t.Helper()
	var ev handlerEvent
	eventually(t, func() bool {
		var ok bool
		ev, ok = h.find(verb, name)
		return ok
	}, "handler %s %s", verb, name)
	return ev
}

// TestInformer runs a shared informer factory on pods and configmaps against kubemem, with client-go's WatchList
// on (its v0.37 default: the initial state comes from a sendInitialEvents watch, SEMANTICS C-6, X-10) and off
// (LIST then WATCH, C-1, C-2): it syncs quickly, its handlers see adds, updates and deletes, idle re-watches do not
// relist (C-4), and a watch that resumes below the compaction floor relists exactly once and ends consistent with
// the server (C-5, C-7, C-8).
func TestInformer(t *testing.T) {
	for _, mode := range []struct {
		name      string
		watchList bool
	}{{"WatchListClient=true", true}, {"WatchListClient=false", false}} {
		t.Run(mode.name, func(t *testing.T) {
			// The supported way to flip a client-go feature in a test: client-go reads KUBE_FEATURE_* environment
			// variables only once per process, so setting one in a subtest would not take effect.
			clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.WatchListClient, mode.watchList)
			for _, tr := range transports {
				t.Run(tr.name, func(t *testing.T) {
					t.Parallel()
					steer := newWatchSteer()
					runInformer(t, newEnv(t, tr, apiserver.Options{}, steer.wrap), steer, mode.watchList)
				})
			}
		})
	}
}

func runInformer(t *testing.T, e *env, steer *watchSteer, watchList bool) {
	cms := e.cs.CoreV1().ConfigMaps(testNamespace)
	pods := e.cs.CoreV1().Pods(testNamespace)
	for _, name := range []string{"keep", "change", "remove"} {
		_, err := cms.Create(e.ctx, newConfigMap(name, labelsFor("a")), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err := pods.Create(e.ctx, newPod("pod-0", labelsFor("a")), metav1.CreateOptions{})
	require.NoError(t, err)

	ctx, stop := context.WithCancel(e.ctx)
	factory := informers.NewSharedInformerFactory(e.cs, 0)
	cmInformer := factory.Core().V1().ConfigMaps().Informer()
	podInformer := factory.Core().V1().Pods().Informer()
	cmLog, podLog := &handlerLog{}, &handlerLog{}
	_, err = cmInformer.AddEventHandler(cmLog.handler())
	require.NoError(t, err)
	_, err = podInformer.AddEventHandler(podLog.handler())
	require.NoError(t, err)
	defer func() {
		stop()
		factory.Shutdown()
	}()

	start := time.Now()
	factory.Start(ctx.Done())
	syncCtx, cancelSync := context.WithTimeout(ctx, 5*time.Second)
	defer cancelSync()
	for typ, ok := range factory.WaitForCacheSync(syncCtx.Done()) {
		require.True(t, ok, "%v did not sync within 5 s", typ)
	}
	t.Logf("caches synced in %v", time.Since(start).Round(time.Millisecond))
	requireConsistent(t, e, cmInformer, podInformer)
	for _, res := range []string{"configmaps", "pods"} {
		lists, initial, _ := steer.counts(res)
		if watchList {
			require.Equal(t, 1, initial, "%s: the initial state comes from one sendInitialEvents watch", res)
			require.Zero(t, lists, "%s: no LIST with WatchList", res)
		} else {
			require.Equal(t, 1, lists, "%s: one initial LIST", res)
			require.Zero(t, initial, "%s: no sendInitialEvents watch without WatchList", res)
		}
	}

	t.Run("handlers", func(t *testing.T) {
		cm, err := cms.Create(e.ctx, newConfigMap("new", labelsFor("b")), metav1.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, cm.ResourceVersion, cmLog.requireHandled(t, "add", "new").rv)
		cm.Data["key"] = "updated"
		cm, err = cms.Update(e.ctx, cm, metav1.UpdateOptions{})
		require.NoError(t, err)
		up := cmLog.requireHandled(t, "update", "new")
		require.Equal(t, cm.ResourceVersion, up.rv)
		require.Equal(t, "updated", up.obj.(*corev1.ConfigMap).Data["key"])
		require.NoError(t, cms.Delete(e.ctx, "new", metav1.DeleteOptions{}))
		del := cmLog.requireHandled(t, "delete", "new")
		require.False(t, del.tombstone, "a watched delete hands over the object itself")
		require.Equal(t, "updated", del.obj.(*corev1.ConfigMap).Data["key"], "the last state")

		p, err := pods.Create(e.ctx, newPod("pod-1", labelsFor("b")), metav1.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, p.ResourceVersion, podLog.requireHandled(t, "add", "pod-1").rv)
		require.NoError(t, pods.Delete(e.ctx, "pod-1", metav1.DeleteOptions{}))
		podLog.requireHandled(t, "delete", "pod-1")
	})

	// C-4, C-8: watches that end at their timeout are resumed without a relist.
	cmLists, cmInitial, cmWatches := steer.counts("configmaps")
	podLists, podInitial, podWatches := steer.counts("pods")
	eventually(t, func() bool {
		_, _, c := steer.counts("configmaps")
		_, _, p := steer.counts("pods")
		return c >= cmWatches+2 && p >= podWatches+2
	}, "informers re-watch after each %s s timeout", watchTimeout)
	l, i, _ := steer.counts("configmaps")
	require.Equal(t, []int{cmLists, cmInitial}, []int{l, i}, "configmaps: no relist after clean watch ends")
	l, i, _ = steer.counts("pods")
	require.Equal(t, []int{podLists, podInitial}, []int{l, i}, "pods: no relist after clean watch ends")

	t.Run("relist after 410", func(t *testing.T) {
		release := steer.holdWatches()
		steer.waitHeld(t, "configmaps", "pods")
		// The informers are between two watches: change the server behind their back, then compact, so that
		// resuming at their last resourceVersion is 410 Expired.
		direct := e.s.API.Resource(apiserver.ConfigMaps).Namespace(testNamespace)
		obj, err := types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "missed"}, "data": map[string]any{"key": "value"}}.ToObject()
		require.NoError(t, err)
		_, err = direct.Create(e.ctx, obj, apiserver.CreateOptions{})
		require.NoError(t, err)
		cur, err := direct.Get(e.ctx, "change", apiserver.GetOptions{})
		require.NoError(t, err)
		u, err := cur.Unstructured()
		require.NoError(t, err)
		u["data"] = map[string]any{"key": "changed while away"}
		obj, err = u.ToObject()
		require.NoError(t, err)
		_, err = direct.Update(e.ctx, obj, apiserver.UpdateOptions{})
		require.NoError(t, err)
		_, err = direct.Delete(e.ctx, "remove", apiserver.DeleteOptions{})
		require.NoError(t, err)
		podObj, err := types.Unstructured{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "pod-missed"},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}.ToObject()
		require.NoError(t, err)
		_, err = e.s.API.Resource(apiserver.Pods).Namespace(testNamespace).Create(e.ctx, podObj, apiserver.CreateOptions{})
		require.NoError(t, err)
		e.s.API.Compact(e.s.API.Revision())
		cmLists, cmInitial, _ := steer.counts("configmaps")
		podLists, podInitial, _ := steer.counts("pods")
		release()

		cmLog.requireHandled(t, "add", "missed")
		up := cmLog.requireHandled(t, "update", "change")
		require.Equal(t, "changed while away", up.obj.(*corev1.ConfigMap).Data["key"])
		del := cmLog.requireHandled(t, "delete", "remove")
		require.True(t, del.tombstone, "a delete found by relisting is a DeletedFinalStateUnknown")
		podLog.requireHandled(t, "add", "pod-missed")
		requireConsistent(t, e, cmInformer, podInformer)

		// Exactly one relist per informer: a LIST, or with WatchList a sendInitialEvents watch.
		l, i, _ := steer.counts("configmaps")
		require.Equal(t, 1, l-cmLists+i-cmInitial, "configmaps relisted once (lists %d→%d, watch-lists %d→%d)", cmLists, l, cmInitial, i)
		l, i, _ = steer.counts("pods")
		require.Equal(t, 1, l-podLists+i-podInitial, "pods relisted once (lists %d→%d, watch-lists %d→%d)", podLists, l, podInitial, i)
	})
}

// requireConsistent waits until each informer's store holds exactly the server's objects at their
// resourceVersions.
func requireConsistent(t *testing.T, e *env, cmInformer, podInformer cache.SharedIndexInformer) {
	t.Helper()
	for _, c := range []struct {
		gvr      types.GroupVersionResource
		informer cache.SharedIndexInformer
	}{{apiserver.ConfigMaps, cmInformer}, {apiserver.Pods, podInformer}} {
		var want, got map[string]string
		cond := func() bool {
			l, err := e.s.API.Resource(c.gvr).List(e.ctx, apiserver.ListOptions{})
			require.NoError(t, err)
			want = map[string]string{}
			for _, o := range l.Items {
				want[o.Namespace()+"/"+o.Name()] = o.ResourceVersion()
			}
			got = map[string]string{}
			for _, o := range c.informer.GetStore().List() {
				m := objectMeta(o)
				got[m.GetNamespace()+"/"+m.GetName()] = m.GetResourceVersion()
			}
			return len(want) == len(got) && func() bool {
				for k, v := range want {
					if got[k] != v {
						return false
					}
				}
				return true
			}()
		}
		if err := pollUntil(e.ctx, 10*time.Second, cond); err != nil {
			require.Equal(t, want, got, "%s: informer store vs server", c.gvr.Resource)
		}
	}
}
