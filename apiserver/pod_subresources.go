package apiserver

import (
	"context"
	"errors"
	"strconv"

	"github.com/kubemem/kubemem/types"
)

// Bind assigns a pod to a node, as the pods/binding subresource does: it sets spec.nodeName once; binding a pod
// that is already assigned is 409 Conflict.
func (c *ResourceClient) Bind(ctx context.Context, name, node string, opts UpdateOptions) error {
	if c.err != nil {
		return c.err
	}
	if c.r.GVR != Pods {
		return types.NewNotFound(c.r.GroupResource(), name)
	}
	binding := types.GroupResource{Resource: "pods/binding"}
	for {
		cur, err := c.Get(ctx, name, GetOptions{})
		if err != nil {
			return err
		}
		if assigned := cur.Field("spec.nodeName"); assigned != "" {
			return types.NewConflict(binding, name, errors.New("pod "+name+" is already assigned to node "+strconv.Quote(assigned)))
		}
		obj := cur.WithMember("spec", mustSetNodeName(cur, node))
		_, _, err = c.s.update(ctx, c.r, c.ns, obj, opts)
		if types.IsConflict(err) {
			continue // the pod changed meanwhile: check again
		}
		return err
	}
}

// mustSetNodeName returns the pod's spec with nodeName set.
func mustSetNodeName(pod *types.Object, node string) []byte {
	u, err := pod.Unstructured()
	if err != nil {
		return []byte(`{"nodeName":` + strconv.Quote(node) + `}`)
	}
	spec, _ := u.NestedMap("spec")
	if spec == nil {
		spec = map[string]any{}
	}
	spec["nodeName"] = node
	b, _ := types.Unstructured(spec).MarshalJSON()
	return b
}

// Evict deletes a pod through the pods/eviction subresource. kubemem has no PodDisruptionBudget controller, so an
// eviction is the delete it asks for.
func (c *ResourceClient) Evict(ctx context.Context, name string, opts DeleteOptions) error {
	if c.err != nil {
		return c.err
	}
	if c.r.GVR != Pods {
		return types.NewNotFound(c.r.GroupResource(), name)
	}
	_, err := c.Delete(ctx, name, opts)
	return err
}

// Logs returns the log of a pod's container, from Options.PodLogs when the embedder set it; with no runtime behind
// kubemem a pod's log is empty. The pod must exist.
func (c *ResourceClient) Logs(ctx context.Context, name, container string) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.r.GVR != Pods {
		return nil, types.NewNotFound(c.r.GroupResource(), name)
	}
	if _, err := c.Get(ctx, name, GetOptions{}); err != nil {
		return nil, err
	}
	if c.s.opts.PodLogs == nil {
		return nil, nil
	}
	return c.s.opts.PodLogs(ctx, c.ns, name, container)
}
