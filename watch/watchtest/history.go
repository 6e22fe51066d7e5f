// Package watchtest provides an in-memory watch.History for tests of watch consumers.
package watchtest

import (
	"strconv"
	"sync"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// History is an in-memory watch.History: a list of changes with contiguous revisions from 2 on, writable with
// Put and Delete, and compactable. It is safe for concurrent use.
type History struct {
	// mu guards everything below.
	mu      sync.Mutex
	rev     int64
	floor   int64
	changes []watch.Change // changes[i] has revision floorBase+i
	base    int64
	live    map[string]*types.Object
	waitCh  chan struct{}
	holds   map[*hold]int64 // revisions held; replays from them stay possible below the floor
}

var _ watch.History = (*History)(nil)

// NewHistory returns an empty history at revision 1.
func NewHistory() *History {
	return &History{rev: 1, floor: 1, base: 2, live: map[string]*types.Object{}, holds: map[*hold]int64{}}
}

// Revision returns the latest revision.
func (h *History) Revision() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rev
}

// Put stores obj under key at a new revision (a create or an update) and returns the stamped object.
func (h *History) Put(key string, obj *types.Object) *types.Object {
	h.mu.Lock()
	h.rev++
	obj = obj.WithResourceVersion(strconv.FormatInt(h.rev, 10))
	prev := h.live[key]
	h.live[key] = obj
	h.changes = append(h.changes, watch.Change{Revision: h.rev, Key: key, Object: obj, Prev: prev})
	ch := h.waitCh
	h.waitCh = nil
	h.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	return obj
}

// Delete removes key at a new revision; it does nothing when key is not live.
func (h *History) Delete(key string) {
	h.mu.Lock()
	prev, ok := h.live[key]
	if !ok {
		h.mu.Unlock()
		return
	}
	h.rev++
	delete(h.live, key)
	h.changes = append(h.changes, watch.Change{Revision: h.rev, Key: key, Object: prev.WithResourceVersion(strconv.FormatInt(h.rev, 10)), Prev: prev, Deleted: true})
	ch := h.waitCh
	h.waitCh = nil
	h.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// Compact makes revisions below rev unavailable for replay.
func (h *History) Compact(rev int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rev > h.floor {
		h.floor = rev
	}
}

// ChangesAfter implements watch.History; it answers 410 Expired with kube-apiserver's watch message below the floor.
func (h *History) ChangesAfter(after, through int64, fn func(watch.Change) bool) error {
	h.mu.Lock()
	if after < h.floor && !h.heldLocked(after) {
		h.mu.Unlock()
		return h.expired(after)
	}
	if through > h.rev {
		through = h.rev
	}
	var batch []watch.Change
	for r := after + 1; r <= through; r++ {
		batch = append(batch, h.changes[r-h.base])
	}
	h.mu.Unlock()
	for _, c := range batch {
		if !fn(c) {
			break
		}
	}
	return nil
}

// Wait implements watch.History.
func (h *History) Wait(rev int64) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rev > rev {
		c := make(chan struct{})
		close(c)
		return c
	}
	if h.waitCh == nil {
		h.waitCh = make(chan struct{})
	}
	return h.waitCh
}

func (h *History) expired(after int64) error {
	return types.NewResourceExpired("too old resource version: " + strconv.FormatInt(after, 10) + " (" + strconv.FormatInt(h.floor, 10) + ")")
}

// heldLocked reports whether a hold keeps the changes after rev. h.mu must be held.
func (h *History) heldLocked(rev int64) bool {
	for _, r := range h.holds {
		if r <= rev {
			return true
		}
	}
	return false
}

// Hold implements watch.History: it fails below the floor, and keeps the changes after after replayable.
func (h *History) Hold(after int64) (watch.Hold, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if after < h.floor {
		return nil, h.expired(after)
	}
	hd := &hold{h: h}
	h.holds[hd] = after
	return hd, nil
}

// Holds returns how many holds are active; tests use it to check that watches release theirs.
func (h *History) Holds() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.holds)
}

type hold struct{ h *History }

func (hd *hold) Move(after int64) {
	hd.h.mu.Lock()
	defer hd.h.mu.Unlock()
	if r, ok := hd.h.holds[hd]; ok && after > r {
		hd.h.holds[hd] = after
	}
}

func (hd *hold) Release() {
	hd.h.mu.Lock()
	defer hd.h.mu.Unlock()
	delete(hd.h.holds, hd)
}
