package fieldmanager

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

var (
	deploymentGVK = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	podGVK        = types.GroupVersionKind{Version: "v1", Kind: "Pod"}
	configMapGVK  = types.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
)

// t0 is the time of the first step of a script; step i happens i seconds later.
var t0 = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := jsontree.DecodeObject([]byte(s))
	require.NoError(t, err, s)
	return m
}

func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := jsontree.Append(nil, v)
	require.NoError(t, err)
	return string(b)
}

// kindManager returns the Manager of a built-in kind with the reset fields of kube's strategies for kinds with a
// status: status through the main resource, and spec and metadata through the status subresource (the strategies
// of most kinds keep labels and annotations writable there too; these tests do not depend on it).
func kindManager(t testing.TB, gvk types.GroupVersionKind) *Manager {
	t.Helper()
	conv, ok := ForKind(gvk)
	require.True(t, ok, gvk)
	return New(conv, gvk, map[string]*fieldpath.Set{
		"":       NewFieldSet("status"),
		"status": NewFieldSet("spec", "metadata"),
	})
}

// step is one write of a script: an apply or an update of the object the previous steps left.
type step struct {
	apply       bool   // an apply of obj; otherwise an update to obj
	manager     string // the field manager
	subresource string
	force       bool
	obj         string // the applied configuration, or the object written by an update
	// wantErr is the expected error message; the live object stays as it was.
	wantErr string
	// wantManaged is the expected metadata.managedFields, as JSON; "" checks nothing, "null" expects none.
	wantManaged string
	// wantObj is the expected object without managedFields, as JSON; "" checks nothing.
	wantObj string
}

// runScript runs steps against m, starting from no object; each successful write becomes the live object and gets
// a uid as the store would give it on create.
func runScript(t *testing.T, m *Manager, steps []step) map[string]any {
	t.Helper()
	var live map[string]any
	for i, s := range steps {
		now := t0.Add(time.Duration(i) * time.Second)
		var out map[string]any
		var err error
		if s.apply {
			out, err = m.Apply(live, decode(t, s.obj), s.manager, s.subresource, s.force, now)
		} else {
			obj := decode(t, s.obj)
			if live != nil {
				// The store keeps the uid whatever the update sends.
				metadataOf(obj)["uid"] = metadataOf(live)["uid"]
			}
			out, err = m.Update(live, obj, s.manager, s.subresource, now)
		}
		if s.wantErr != "" {
			require.EqualError(t, err, s.wantErr, "step %d", i)
			continue
		}
		require.NoError(t, err, "step %d", i)
		meta := metadataOf(out)
		if s.wantManaged != "" {
			require.JSONEq(t, s.wantManaged, encode(t, meta["managedFields"]), "step %d managedFields", i)
		}
		if s.wantObj != "" {
			require.JSONEq(t, s.wantObj, encode(t, withoutManagedFields(out)), "step %d object", i)
		}
		if live == nil {
			if meta == nil {
				meta = map[string]any{}
				out["metadata"] = meta
			}
			meta["uid"] = "u1"
		}
		live = out
	}
	return live
}

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }
