package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNotSupported is returned by a [System] method for an operation that the
// system does not implement; the report shows n/a for that workload.
var ErrNotSupported = errors.New("bench: not supported")

// System is one in-process implementation of the Kubernetes API under test,
// seen through the operations of the workload. Every pod method addresses the
// pod built by [Pod](i) in [Namespace].
//
// A System must be safe for concurrent use: W7 drains its watchers from other
// goroutines while the runner creates pods.
type System interface {
	// Create creates Pod(i).
	Create(ctx context.Context, i int) error
	// Get reads pod i.
	Get(ctx context.Context, i int) error
	// ListSelected lists the pods in Namespace matching the label selector
	// (Kubernetes syntax; "" selects all) and returns how many it got.
	ListSelected(ctx context.Context, selector string) (int, error)
	// GetModifyUpdate gets pod i, sets its label "w4" to the decimal i and
	// updates it, carrying the resourceVersion the get returned.
	GetModifyUpdate(ctx context.Context, i int) error
	// PatchImage applies the strategic merge patch [ImagePatch] to pod i. It
	// returns ErrNotSupported if the system has no strategic merge patch.
	PatchImage(ctx context.Context, i int) error
	// Delete deletes pod i.
	Delete(ctx context.Context, i int) error
	// Watch starts a watch on the pods in Namespace from now on (no initial
	// events for existing pods). When Watch returns, the watch is registered:
	// every later change is delivered to it.
	Watch(ctx context.Context) (Watcher, error)
	// Close releases the system. No method is called after Close.
	Close()
}

// Watcher is one open watch of a [System]. Next is called from a single
// goroutine; Stop may be called from any goroutine, also while Next blocks.
type Watcher interface {
	// Next blocks until the next event and reports whether it is ADDED (other
	// event types, bookmarks included, report false). It returns an error once
	// the watch has ended or ctx is done; it must never block past ctx.
	Next(ctx context.Context) (added bool, err error)
	// Stop ends the watch and releases its resources; a blocked Next returns.
	Stop()
}

// Factory constructs fresh instances of one system. W8 times New itself; the
// runner calls New again for every round of W1–W6 and for W7.
type Factory struct {
	// Name labels the system's column in the report; [KubememName] for kubemem.
	Name string
	// New constructs an empty system.
	New func() (System, error)
}

// KubememName is the Factory name of the system under test. The report puts it
// first and divides every other system's figures into its own.
const KubememName = "kubemem"

// factories holds what Register was given. It is written only by init
// functions, which Go runs sequentially before main or any test.
var factories []Factory

// Register adds a system to the comparison. Call it from an init function. It
// panics if the name is empty or already registered: that is a bug in an
// adapter file, not an input error.
func Register(f Factory) {
	if f.Name == "" || f.New == nil {
		panic("bench: Register needs a Name and a New function")
	}
	for _, g := range factories {
		if g.Name == f.Name {
			panic(fmt.Sprintf("bench: system %q registered twice", f.Name))
		}
	}
	factories = append(factories, f)
}

// Factories returns the registered systems, kubemem first and the peers in
// name order.
func Factories() []Factory {
	return sortFactories(factories)
}

// IsKubemem reports whether a system is kubemem itself (KubememName, or a variant named "kubemem (...)"), as
// opposed to a peer: variants sit next to kubemem and get no ratio column.
func IsKubemem(name string) bool {
	return name == KubememName || strings.HasPrefix(name, KubememName+" (")
}

// sortFactories returns a copy of fs: kubemem, then its variants, then the peers, each by name.
func sortFactories(fs []Factory) []Factory {
	out := slices.Clone(fs)
	rank := func(name string) int {
		switch {
		case name == KubememName:
			return 0
		case IsKubemem(name):
			return 1
		}
		return 2
	}
	slices.SortFunc(out, func(a, b Factory) int {
		if c := cmp.Compare(rank(a.Name), rank(b.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}
