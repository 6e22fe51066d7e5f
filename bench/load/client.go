package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ktypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// maxUpdateAttempts bounds the get-modify-update attempts of one update that keeps meeting conflicts.
const maxUpdateAttempts = 5

// client issues one request at a time, chosen at random from ops, and logs every acknowledged write. A client is
// used by one goroutine.
type client struct {
	cs    kubernetes.Interface
	cfg   *Config
	log   *writeLog
	stats *stats
	rng   *rand.Rand
	id    int
	seq   int       // makes every written value new, so that no write is a no-op
	sent  time.Time // when the last timed request was sent
}

// op is one kind of request a client makes, with its share of the mix.
type op struct {
	name   string
	weight int
	run    func(c *client, ctx context.Context)
}

// ops is the mix: about 60% writes, ConfigMaps four times as often as pods.
var ops = []op{
	{"create configmap", 12, func(c *client, ctx context.Context) { c.create(ctx, configMaps) }},
	{"get configmap", 16, func(c *client, ctx context.Context) { c.get(ctx, configMaps) }},
	{"list configmaps", 6, func(c *client, ctx context.Context) { c.list(ctx, configMaps) }},
	{"update configmap", 12, (*client).updateConfigMap},
	{"merge patch configmap", 8, func(c *client, ctx context.Context) { c.patch(ctx, configMaps, ktypes.MergePatchType) }},
	{"strategic merge patch configmap", 8, func(c *client, ctx context.Context) { c.patch(ctx, configMaps, ktypes.StrategicMergePatchType) }},
	{"delete configmap", 10, func(c *client, ctx context.Context) { c.delete(ctx, configMaps) }},
	{"create pod", 4, func(c *client, ctx context.Context) { c.create(ctx, pods) }},
	{"get pod", 4, func(c *client, ctx context.Context) { c.get(ctx, pods) }},
	{"list pods", 2, func(c *client, ctx context.Context) { c.list(ctx, pods) }},
	{"merge patch pod", 2, func(c *client, ctx context.Context) { c.patch(ctx, pods, ktypes.MergePatchType) }},
	{"strategic merge patch pod", 3, func(c *client, ctx context.Context) { c.patch(ctx, pods, ktypes.StrategicMergePatchType) }},
	{"delete pod", 3, func(c *client, ctx context.Context) { c.delete(ctx, pods) }},
}

var opsWeight = func() int {
	n := 0
	for _, o := range ops {
		n += o.weight
	}
	return n
}()

// run issues requests until stop is done. Requests use ctx, which the run does not cancel at the deadline, so
// that every write's outcome is known.
func (c *client) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		n := c.rng.IntN(opsWeight)
		for _, o := range ops {
			if n -= o.weight; n < 0 {
				o.run(c, ctx)
				break
			}
		}
	}
}

// timed runs f as one request of v and records its latency and outcome.
func (c *client) timed(v verb, f func() error) error {
	c.sent = time.Now()
	err := f()
	c.stats.observe(v, time.Since(c.sent), err)
	return err
}

// pick returns a random namespace and name index.
func (c *client) pick() (ns, name int) { return c.rng.IntN(c.cfg.Namespaces), c.rng.IntN(c.cfg.Names) }

// value returns a value no write has written before.
func (c *client) value() string {
	c.seq++
	return strconv.Itoa(c.id) + "-" + strconv.Itoa(c.seq)
}

// objectLabels returns the labels of an object of the load on shard.
func objectLabels(shard int) map[string]string {
	return map[string]string{"app": "load", "shard": strconv.Itoa(shard)}
}

// newObject returns a new object of r named name on a random shard.
func (c *client) newObject(r resource, ns, name int) runtime.Object {
	meta := metav1.ObjectMeta{Name: objectName(r, name), Namespace: namespaceName(ns), Labels: objectLabels(c.rng.IntN(c.cfg.Shards))}
	if r == pods {
		meta.Annotations = map[string]string{"v": c.value()}
		return &corev1.Pod{ObjectMeta: meta, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.27"}}}}
	}
	return &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"v": c.value()}}
}

// logWrite records the acknowledged write of obj (the answer) that did op, sent at c.sent and answered now.
func (c *client) logWrite(r resource, op writeOp, obj runtime.Object) {
	at := time.Now()
	m, err := meta.Accessor(obj)
	if err != nil {
		c.stats.fail("%s %s answered %T: %v", op, r, obj, err)
		return
	}
	k, err := parseKey(r, m.GetNamespace(), m.GetName())
	if err != nil {
		c.stats.fail("%s answered: %v", op, err)
		return
	}
	rev, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
	if err != nil {
		c.stats.fail("%s of %s answered resourceVersion %q", op, k, m.GetResourceVersion())
		return
	}
	shard, err := strconv.Atoi(m.GetLabels()["shard"])
	if err != nil || shard < 0 || shard >= c.cfg.Shards {
		c.stats.fail("%s of %s answered labels %v", op, k, m.GetLabels())
		return
	}
	if err := c.log.record(rev, k, op, int8(shard), string(m.GetUID()), c.sent, at); err != nil {
		c.stats.fail("%v", err)
	}
}

func (c *client) create(ctx context.Context, r resource) {
	ns, name := c.pick()
	c.createAt(ctx, r, ns, name)
}

// createAt creates object name of r in namespace ns.
func (c *client) createAt(ctx context.Context, r resource, ns, name int) {
	obj := c.newObject(r, ns, name)
	var out runtime.Object
	err := c.timed(verbCreate, func() (err error) {
		switch o := obj.(type) {
		case *corev1.Pod:
			out, err = c.cs.CoreV1().Pods(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		case *corev1.ConfigMap:
			out, err = c.cs.CoreV1().ConfigMaps(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		}
		return err
	})
	if err == nil {
		c.logWrite(r, opCreate, out)
	}
}

func (c *client) get(ctx context.Context, r resource) {
	ns, name := c.pick()
	_ = c.timed(verbGet, func() (err error) {
		if r == pods {
			_, err = c.cs.CoreV1().Pods(namespaceName(ns)).Get(ctx, objectName(r, name), metav1.GetOptions{})
		} else {
			_, err = c.cs.CoreV1().ConfigMaps(namespaceName(ns)).Get(ctx, objectName(r, name), metav1.GetOptions{})
		}
		return err
	})
}

// list lists one namespace with a random label selector, whole or in pages of 10 or 50 (each page one request).
func (c *client) list(ctx context.Context, r resource) {
	ns, _ := c.pick()
	opts := metav1.ListOptions{LabelSelector: randomSelector(c.rng, c.cfg.Shards), Limit: []int64{0, 10, 50}[c.rng.IntN(3)]}
	for {
		var next string
		err := c.timed(verbList, func() error {
			if r == pods {
				l, err := c.cs.CoreV1().Pods(namespaceName(ns)).List(ctx, opts)
				if err == nil {
					next = l.Continue
				}
				return err
			}
			l, err := c.cs.CoreV1().ConfigMaps(namespaceName(ns)).List(ctx, opts)
			if err == nil {
				next = l.Continue
			}
			return err
		})
		if err != nil || next == "" {
			return
		}
		opts.Continue = next
	}
}

// randomSelector returns one of the label selectors the load uses, all of them within app=load.
func randomSelector(rng *rand.Rand, shards int) string {
	s := rng.IntN(shards)
	switch rng.IntN(4) {
	case 0:
		return "app=load"
	case 1:
		return fmt.Sprintf("app=load,shard=%d", s)
	case 2:
		return fmt.Sprintf("app=load,shard in (%d,%d)", s, (s+1)%shards)
	default:
		return fmt.Sprintf("app=load,shard!=%d", s)
	}
}

// updateConfigMap gets a ConfigMap, moves it to a random shard with a new value and updates it with the
// resourceVersion it read, re-reading and retrying on conflict.
func (c *client) updateConfigMap(ctx context.Context) {
	ns, name := c.pick()
	cms := c.cs.CoreV1().ConfigMaps(namespaceName(ns))
	for range maxUpdateAttempts {
		var cur *corev1.ConfigMap
		if err := c.timed(verbGet, func() (err error) {
			cur, err = cms.Get(ctx, objectName(configMaps, name), metav1.GetOptions{})
			return err
		}); err != nil {
			return
		}
		cur.Labels = objectLabels(c.rng.IntN(c.cfg.Shards))
		cur.Data = map[string]string{"v": c.value()}
		var out *corev1.ConfigMap
		err := c.timed(verbUpdate, func() (err error) {
			out, err = cms.Update(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		switch {
		case err == nil:
			c.logWrite(configMaps, opUpdate, out)
			return
		case !apierrors.IsConflict(err):
			return
		}
		c.stats.conflicts.Add(1)
	}
}

// patch moves an object to a random shard with a new value: a ConfigMap's data, a pod's annotation and, for a
// strategic merge patch, its container's image (merged by name).
func (c *client) patch(ctx context.Context, r resource, pt ktypes.PatchType) {
	ns, name := c.pick()
	shard, v := c.rng.IntN(c.cfg.Shards), c.value()
	var body string
	switch {
	case r == configMaps:
		body = fmt.Sprintf(`{"metadata":{"labels":{"shard":"%d"}},"data":{"v":%q}}`, shard, v)
	case pt == ktypes.StrategicMergePatchType:
		body = fmt.Sprintf(`{"metadata":{"labels":{"shard":"%d"},"annotations":{"v":%q}},"spec":{"containers":[{"name":"c","image":"nginx:1.%d"}]}}`,
			shard, v, c.rng.IntN(30))
	default:
		body = fmt.Sprintf(`{"metadata":{"labels":{"shard":"%d"},"annotations":{"v":%q}}}`, shard, v)
	}
	v2 := verbMergePatch
	if pt == ktypes.StrategicMergePatchType {
		v2 = verbStrategicPatch
	}
	var out runtime.Object
	err := c.timed(v2, func() (err error) {
		if r == pods {
			out, err = c.cs.CoreV1().Pods(namespaceName(ns)).Patch(ctx, objectName(r, name), pt, []byte(body), metav1.PatchOptions{})
		} else {
			out, err = c.cs.CoreV1().ConfigMaps(namespaceName(ns)).Patch(ctx, objectName(r, name), pt, []byte(body), metav1.PatchOptions{})
		}
		return err
	})
	if err == nil {
		c.logWrite(r, opUpdate, out)
	}
}

// delete deletes an object through the REST client, which keeps the answer: for a pod (grace period 0), the last
// state with the deletion's resourceVersion (SEMANTICS X-13); for a ConfigMap, a success Status naming it (W-7).
// Neither tells every revision the delete committed: resolveDeletes finds them (see ackDelete).
func (c *client) delete(ctx context.Context, r resource) {
	ns, name := c.pick()
	var out runtime.Object
	err := c.timed(verbDelete, func() (err error) {
		opts := &metav1.DeleteOptions{}
		if r == pods {
			zero := int64(0)
			opts.GracePeriodSeconds = &zero
		}
		out, err = c.cs.CoreV1().RESTClient().Delete().Namespace(namespaceName(ns)).Resource(r.String()).
			Name(objectName(r, name)).Body(opts).Do(ctx).Get()
		return err
	})
	if err != nil {
		return
	}
	if st, ok := out.(*metav1.Status); ok {
		// W-7: a ConfigMap's delete answers a success Status, which names the object but not the revision.
		if st.Status != metav1.StatusSuccess || st.Details == nil || st.Details.Name != objectName(r, name) || st.Details.UID == "" {
			c.stats.fail("delete of %s/%s answered %+v", namespaceName(ns), objectName(r, name), st)
			return
		}
		c.log.recordDelete(makeKey(r, ns, name), string(st.Details.UID), 0, c.sent, time.Now())
		return
	}
	at := time.Now()
	m, err := meta.Accessor(out)
	if err != nil {
		c.stats.fail("delete of %s/%s answered %T", namespaceName(ns), objectName(r, name), out)
		return
	}
	rev, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
	if err != nil || m.GetName() != objectName(r, name) || m.GetDeletionTimestamp() == nil {
		c.stats.fail("delete of %s/%s answered %s at resourceVersion %q, deletionTimestamp %v",
			namespaceName(ns), objectName(r, name), m.GetName(), m.GetResourceVersion(), m.GetDeletionTimestamp())
		return
	}
	c.log.recordDelete(makeKey(r, ns, name), string(m.GetUID()), rev, c.sent, at)
}
