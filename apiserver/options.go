package apiserver

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/kubemem/kubemem/clock"
)

// Options configures a Server. The zero value works: wall clock, random UIDs and names, five minutes of history.
type Options struct {
	// Clock is the source of creationTimestamps, watch bookmarks and timeouts, and history retention. Nil means
	// the wall clock.
	Clock clock.Clock
	// Rand is the source of UIDs and generateName suffixes. Nil means a generator seeded from crypto/rand. The Server
	// serializes its use.
	Rand *rand.Rand
	// Retention is how long history stays readable (store.Options.Retention): zero means five minutes, negative
	// turns automatic compaction off.
	Retention time.Duration
	// WatchBufferSize is the per-watcher event buffer; zero means DefaultWatchBufferSize.
	WatchBufferSize int
	// SlowWatcherBudget is how long the broadcaster waits for full watcher buffers before terminating those
	// watchers; zero means watch.DefaultSlowWatcherBudget.
	SlowWatcherBudget time.Duration
	// Logger receives the server's diagnostic messages. Nil means none.
	Logger *slog.Logger
	// ServiceClusterIPRange is the IPv4 CIDR services get their cluster IPs from; empty means
	// DefaultServiceClusterIPRange.
	ServiceClusterIPRange string
	// ServiceNodePortRange is the "low-high" range of node ports; empty means DefaultServiceNodePortRange.
	ServiceNodePortRange string
	// DisableGarbageCollector turns the garbage collector off: deletes then ignore propagation policies (no orphan
	// or foregroundDeletion finalizers are added) and dependents of deleted owners stay.
	DisableGarbageCollector bool
	// Admission holds the embedder's admission plugins, run after the built-in ones (see AdmissionPlugin).
	Admission []AdmissionPlugin
	// DisableAdmissionPlugins names built-in admission plugins to turn off, as kube-apiserver's
	// --disable-admission-plugins: AdmissionNamespaceLifecycle, AdmissionServiceAccount, AdmissionPriority,
	// AdmissionDefaultTolerationSeconds.
	DisableAdmissionPlugins []string
	// PodLogs, if set, provides what the pods/log subresource serves; without it every pod's log is empty.
	PodLogs func(ctx context.Context, namespace, pod, container string) ([]byte, error)
}

// Deterministic returns Options whose clock, UIDs and generated names come from the given fake clock and a
// generator seeded with seed, so that a test run produces the same objects every time. Automatic compaction is off
// (call Server.Compact).
func Deterministic(c *clock.Fake, seed uint64) Options {
	return Options{Clock: c, Rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Retention: -1}
}

// DryRunAll is the only dryRun value kube-apiserver accepts.
const DryRunAll = "All"

// GetOptions are the options of a get (metav1.GetOptions).
type GetOptions struct {
	// ResourceVersion: "" is the most recent state, "0" any state, N a state not older than N (SEMANTICS R-1).
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// ListOptions are the options of a list or watch (metav1.ListOptions).
type ListOptions struct {
	LabelSelector        string `json:"labelSelector,omitempty"`
	FieldSelector        string `json:"fieldSelector,omitempty"`
	ResourceVersion      string `json:"resourceVersion,omitempty"`
	ResourceVersionMatch string `json:"resourceVersionMatch,omitempty"`
	Limit                int64  `json:"limit,omitempty"`
	Continue             string `json:"continue,omitempty"`
	// AllowWatchBookmarks asks a watch for bookmark events.
	AllowWatchBookmarks bool `json:"allowWatchBookmarks,omitempty"`
	// SendInitialEvents asks a watch for the current state as ADDED events, then the initial-events-end bookmark.
	SendInitialEvents *bool `json:"sendInitialEvents,omitempty"`
	// TimeoutSeconds ends a watch after this many seconds.
	TimeoutSeconds *int64 `json:"timeoutSeconds,omitempty"`
}

// The values of ListOptions.ResourceVersionMatch.
const (
	ResourceVersionMatchExact        = "Exact"
	ResourceVersionMatchNotOlderThan = "NotOlderThan"
)

// CreateOptions are the options of a create (metav1.CreateOptions).
type CreateOptions struct {
	DryRun       []string `json:"dryRun,omitempty"`
	FieldManager string   `json:"fieldManager,omitempty"`
	// FieldValidation says what unknown fields and duplicate keys in the object cause: "Strict" a 400,
	// "Warn" (the default, "") a warning each (see WithWarnings), "Ignore" nothing. They are dropped either way.
	FieldValidation string `json:"fieldValidation,omitempty"`
}

// UpdateOptions are the options of an update (metav1.UpdateOptions).
type UpdateOptions struct {
	DryRun          []string `json:"dryRun,omitempty"`
	FieldManager    string   `json:"fieldManager,omitempty"`
	FieldValidation string   `json:"fieldValidation,omitempty"`
}

// Preconditions must hold for a delete to proceed (metav1.Preconditions).
type Preconditions struct {
	UID             *string `json:"uid,omitempty"`
	ResourceVersion *string `json:"resourceVersion,omitempty"`
}

// DeletionPropagation is how a delete treats dependents.
type DeletionPropagation string

// The propagation policies.
const (
	DeletePropagationOrphan     DeletionPropagation = "Orphan"
	DeletePropagationBackground DeletionPropagation = "Background"
	DeletePropagationForeground DeletionPropagation = "Foreground"
)

// DeleteOptions are the options of a delete (metav1.DeleteOptions).
type DeleteOptions struct {
	GracePeriodSeconds *int64               `json:"gracePeriodSeconds,omitempty"`
	Preconditions      *Preconditions       `json:"preconditions,omitempty"`
	OrphanDependents   *bool                `json:"orphanDependents,omitempty"`
	PropagationPolicy  *DeletionPropagation `json:"propagationPolicy,omitempty"`
	DryRun             []string             `json:"dryRun,omitempty"`
}
