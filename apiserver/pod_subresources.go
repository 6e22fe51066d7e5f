package apiserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Bind assigns a pod to a node, as the pods/binding subresource does (pkg/registry/core/pod/storage assignPod):
// spec.nodeName is set once and status gets the PodScheduled condition, bypassing the pod update rules that forbid
// changing spec.nodeName. Binding a pod that is already assigned, or being deleted, is 409 Conflict.
func (c *ResourceClient) Bind(ctx context.Context, name, node string, opts UpdateOptions) error {
	if c.err != nil {
		return c.err
	}
	if c.r.GVR != Pods {
		return types.NewNotFound(c.r.GroupResource(), name)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
		return err
	}
	if c.ns == "" {
		return types.NewBadRequest("namespace is required for a namespaced resource")
	}
	binding := types.GroupResource{Resource: "pods/binding"}
	now := types.NewTime(c.s.clock.Now())
	_, err = c.s.guaranteedUpdate(c.r, c.ns, name, dryRun, func(cur *types.Object) (*types.Object, error) {
		if cur.DeletionTimestamp() != nil {
			return nil, types.NewConflict(binding, name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", name))
		}
		if assigned := cur.Field("spec.nodeName"); assigned != "" {
			return nil, types.NewConflict(binding, name, fmt.Errorf("pod %v is already assigned to node %q", name, assigned))
		}
		tree, err := decodeTree(cur)
		if err != nil {
			return nil, err
		}
		spec, _ := tree["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
			tree["spec"] = spec
		}
		spec["nodeName"] = node
		setPodCondition(tree, "PodScheduled", "True", now)
		return encodeTree(tree)
	})
	return err
}

// setPodCondition sets a condition in a pod's status.conditions as podutil.UpdatePodCondition does: the transition
// time changes only when the status does.
func setPodCondition(pod map[string]any, condType, status string, now types.Time) {
	st, _ := pod["status"].(map[string]any)
	if st == nil {
		st = map[string]any{}
		pod["status"] = st
	}
	stamp, _ := now.MarshalJSON()
	conditions, _ := st["conditions"].([]any)
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		if cond["type"] != condType {
			continue
		}
		if cond["status"] != status {
			cond["status"] = status
			cond["lastTransitionTime"] = strings.Trim(string(stamp), `"`)
		}
		return
	}
	st["conditions"] = append(conditions, map[string]any{
		"type": condType, "status": status, "lastProbeTime": nil, "lastTransitionTime": strings.Trim(string(stamp), `"`),
	})
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
