package fieldmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/merge"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// LastAppliedConfigAnnotation is the annotation in which client-side apply (kubectl apply) keeps the
// configuration it last applied.
const LastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// kubectlManager is the only manager whose applies upgrade and sync client-side apply ownership: kubectl apply
// --server-side's default. Other managers opt out of both.
const kubectlManager = "kubectl"

// totalAnnotationSizeLimit is kube's limit on the summed length of an object's annotation keys and values.
const totalAnnotationSizeLimit = 256 * (1 << 10)

// applyUpgradingLastApplied is kube's lastAppliedManager: an apply by kubectl whose conflicts all lie in the fields
// of the last-applied-configuration annotation that still hold their applied values (the fields kubectl apply
// manages client-side) is retried with force, so kubectl apply --server-side takes over from client-side apply.
func (m *Manager) applyUpgradingLastApplied(live, config map[string]any, mgd *managed, manager, subresource string, force bool, now time.Time) (map[string]any, *managed, error) {
	out, newMgd, err := m.apply(live, config, mgd, manager, subresource, force, now)
	if manager != kubectlManager || err == nil {
		return out, newMgd, err
	}
	var conflicts merge.Conflicts
	if !errors.As(err, &conflicts) {
		return out, newMgd, err
	}
	allowed, aerr := m.lastAppliedFields(live)
	if aerr != nil {
		return out, newMgd, err
	}
	var left merge.Conflicts
	for _, c := range conflicts {
		if !allowed.Has(c.Path) {
			left = append(left, c)
		}
	}
	if len(left) > 0 {
		return nil, nil, left
	}
	return m.apply(live, config, mgd, manager, subresource, true, now)
}

// lastAppliedFields returns the fields of live's last-applied-configuration annotation whose values live still
// holds.
func (m *Manager) lastAppliedFields(live map[string]any) (*fieldpath.Set, error) {
	annotation := lastApplied(live)
	if annotation == "" {
		return nil, errors.New("no last applied annotation")
	}
	liveTyped, err := m.conv.ObjectToTyped(live)
	if err != nil {
		return nil, fmt.Errorf("failed to convert live obj to typed: %w", err)
	}
	applied, err := jsontree.DecodeObject([]byte(annotation))
	if err != nil {
		return nil, fmt.Errorf("failed to decode last applied obj: %w", err)
	}
	if v, _ := applied["apiVersion"].(string); v != string(m.apiVersion) {
		return nil, fmt.Errorf("expected version of last applied to match live object '%s', but got '%s'", m.apiVersion, v)
	}
	appliedTyped, err := m.conv.ObjectToTyped(applied)
	if err != nil {
		return nil, fmt.Errorf("failed to convert last applied to typed: %w", err)
	}
	set, err := appliedTyped.ToFieldSet()
	if err != nil {
		return nil, fmt.Errorf("failed to create fieldset for last applied object: %w", err)
	}
	cmp, err := appliedTyped.Compare(liveTyped)
	if err != nil {
		return nil, fmt.Errorf("failed to compare last applied object and live object: %w", err)
	}
	return set.Difference(cmp.Modified).Difference(cmp.Added).Difference(cmp.Removed), nil
}

// lastApplied returns obj's last-applied-configuration annotation, or "".
func lastApplied(obj map[string]any) string {
	annotations, _ := metadataOf(obj)["annotations"].(map[string]any)
	s, _ := annotations[LastAppliedConfigAnnotation].(string)
	return s
}

// syncLastApplied is kube's lastAppliedUpdater: after an apply by kubectl on an object that has a
// last-applied-configuration annotation, the annotation is set to the applied configuration (without the
// annotation), so that a later client-side kubectl apply computes its patch from it. The annotation is dropped when
// it would make the annotations exceed kube's size limit. out's metadata and annotations maps must be its own.
func syncLastApplied(out, config map[string]any) error {
	value, err := encodeLastApplied(config)
	if err != nil {
		return fmt.Errorf("failed to build last-applied annotation: %w", err)
	}
	meta := metadataOf(out)
	annotations, _ := meta["annotations"].(map[string]any)
	if annotations == nil {
		annotations = map[string]any{}
		meta["annotations"] = annotations
	}
	annotations[LastAppliedConfigAnnotation] = value
	size := 0
	for k, v := range annotations {
		s, _ := v.(string)
		size += len(k) + len(s)
	}
	if size > totalAnnotationSizeLimit {
		delete(annotations, LastAppliedConfigAnnotation)
	}
	return nil
}

// encodeLastApplied encodes config without its last-applied annotation as kube's unstructured JSON encoder does:
// encoding/json with sorted keys and HTML escaping, and a trailing newline.
func encodeLastApplied(config map[string]any) (string, error) {
	obj := config
	if annotations, ok := metadataOf(config)["annotations"].(map[string]any); ok {
		if _, has := annotations[LastAppliedConfigAnnotation]; has {
			var meta map[string]any
			obj, meta = withOwnMetadata(config)
			rest := make(map[string]any, len(annotations))
			for k, v := range annotations {
				if k != LastAppliedConfigAnnotation {
					rest[k] = v
				}
			}
			if len(rest) == 0 {
				delete(meta, "annotations")
			} else {
				meta["annotations"] = rest
			}
		}
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(obj); err != nil {
		return "", err
	}
	return b.String(), nil
}
