package fieldmanager

import (
	"slices"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// capUpdateManagers keeps at most MaxUpdateManagers Update entries, as kube's capManagersManager does: the oldest
// entries (by time, then key) are merged, per apiVersion, into an "ancient-changes" entry of that version, which
// takes the time of the newest entry merged into it, until few enough are left.
func (m *Manager) capUpdateManagers(mgd *managed) {
	var updaters []string
	for k, vs := range mgd.fields {
		if !vs.Applied() {
			updaters = append(updaters, k)
		}
	}
	if len(updaters) <= MaxUpdateManagers {
		return
	}
	slices.SortFunc(updaters, func(a, b string) int {
		ta, tb := mgd.times[a], mgd.times[b]
		var sa, sb int64
		if !ta.IsZero() {
			sa = ta.Unix()
		}
		if !tb.IsZero() {
			sb = tb.Unix()
		}
		if sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	firstOfVersion := map[fieldpath.APIVersion]string{}
	for i, n := 0, len(updaters); i < len(updaters) && n > MaxUpdateManagers; i++ {
		k := updaters[i]
		vs := mgd.fields[k]
		version := vs.APIVersion()
		bucketID := identity{Manager: AncientChangesManager, Operation: operationUpdate, APIVersion: string(version)}
		bucket := bucketID.key()
		first, seen := firstOfVersion[version]
		if !seen {
			firstOfVersion[version] = k
			continue
		}
		if _, ok := mgd.fields[bucket]; !ok {
			mgd.fields[bucket] = mgd.fields[first]
			delete(mgd.fields, first)
		}
		mgd.fields[bucket] = fieldpath.NewVersionedSet(vs.Set().Union(mgd.fields[bucket].Set()), version, vs.Applied())
		delete(mgd.fields, k)
		n--
		if t, ok := mgd.times[k]; ok {
			mgd.times[bucket] = t
		} else {
			delete(mgd.times, bucket)
		}
		mgd.ids[bucket] = bucketID
	}
}
