package apiserver

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// Server is an in-process Kubernetes API server: a registry of resources over one MVCC store and one watch
// broadcaster. It is safe for concurrent use; Close releases its goroutines.
type Server struct {
	opts      Options
	clock     clock.Clock
	store     *store.Store[*types.Object]
	watch     *watch.Broadcaster
	reg       atomic.Pointer[registry] // the served resources; swapped when a CRD changes
	admission admissionChain           // immutable after New
	services  *serviceAllocator        // cluster IPs and node ports
	openapi   *openAPICache            // built on first request; shared with forks
	kcm       *controllers             // kube-controller-manager: garbage collector, namespace controller
	crds      *crdState                // the CRDs' served resources and cleanups
	scale     *lazyFieldManager        // the field manager of autoscaling/v1 Scale (scale.go); shared with forks

	// randMu guards rand.
	randMu sync.Mutex
	rand   *rand.Rand
}

// DefaultNamespaces are the namespaces every new Server has, as a fresh cluster does.
var DefaultNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// New returns a Server with every built-in resource registered and the default namespaces created.
func New(opts Options) (*Server, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	s := &Server{opts: opts, clock: opts.Clock, rand: opts.Rand, openapi: &openAPICache{}, crds: newCRDState(), scale: &lazyFieldManager{}}
	if s.rand == nil {
		var seed [16]byte
		_, _ = crand.Read(seed[:]) // never fails on supported platforms
		s.rand = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	s.reg.Store(newBuiltinRegistry())
	s.store = store.New(store.Options[*types.Object]{
		Stamp:     stampRevision,
		Index:     labelTerms,
		Retention: opts.Retention,
		Clock:     opts.Clock,
		Logger:    opts.Logger,
	})
	s.watch = watch.NewBroadcaster(history{s.store}, s.watchOptions())
	s.admission = append(s.builtinAdmission(opts.DisableAdmissionPlugins), opts.Admission...)
	var err error
	if s.services, err = newServiceAllocator(opts.ServiceClusterIPRange, opts.ServiceNodePortRange); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.createDefaultNamespaces(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.createSystemPriorityClasses(); err != nil {
		s.Close()
		return nil, err
	}
	s.kcm = s.startControllers()
	return s, nil
}

// DefaultWatchBufferSize is the per-watcher event buffer of a Server: ten times kube-apiserver's, because kubemem
// commits writes far faster than etcd does, and a burst of writes (a test creating a thousand objects) would
// otherwise overrun watchers sized for etcd's pace and get them terminated as slow (SEMANTICS K-2).
const DefaultWatchBufferSize = 1000

func (s *Server) watchOptions() watch.Options {
	size := s.opts.WatchBufferSize
	if size <= 0 {
		size = DefaultWatchBufferSize
	}
	return watch.Options{Clock: s.clock, BufferSize: size, SlowWatcherBudget: s.opts.SlowWatcherBudget, Logger: s.opts.Logger}
}

func (s *Server) createDefaultNamespaces() error {
	ns := s.registry().resources[Namespaces]
	for _, name := range DefaultNamespaces {
		u := types.Unstructured{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"finalizers": []any{"kubernetes"}},
			"status":   map[string]any{"phase": "Active"},
		}
		obj, err := u.ToObject()
		if err != nil {
			return err
		}
		if _, err := s.create(context.Background(), ns, "", obj, CreateOptions{FieldManager: managerAPIServer}); err != nil {
			return err
		}
	}
	return nil
}

// createSystemPriorityClasses creates the priority classes every cluster has.
func (s *Server) createSystemPriorityClasses() error {
	pcr, served := s.registry().resources[PriorityClasses]
	if !served {
		return nil
	}
	for _, pc := range systemPriorityClasses {
		u := types.Unstructured{
			"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
			"metadata":    map[string]any{"name": pc.name},
			"value":       pc.value,
			"description": pc.description,
		}
		obj, err := u.ToObject()
		if err != nil {
			return err
		}
		if _, err := s.create(context.Background(), pcr, "", obj, CreateOptions{FieldManager: managerAPIServer}); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the server's goroutines and ends every watch. It is idempotent.
func (s *Server) Close() error {
	s.kcm.stop()
	s.watch.Close()
	s.crds.stop()
	return s.store.Close()
}

// Fork returns an independent Server that starts with this server's current objects, in O(1): later writes to
// either are invisible to the other. A test can build fixtures once and fork them per subtest. The fork's history
// starts at the fork, and it has its own watch broadcaster, admission plugins bound to it, service allocator and
// built-in controllers (garbage collector, namespace controller); Close it when done.
func (s *Server) Fork() *Server {
	f := &Server{opts: s.opts, clock: s.clock, openapi: s.openapi, crds: newCRDState(), scale: s.scale}
	f.reg.Store(s.registry().builtinOnly())
	s.randMu.Lock()
	f.rand = rand.New(rand.NewPCG(s.rand.Uint64(), s.rand.Uint64()))
	s.randMu.Unlock()
	f.store = s.store.Fork()
	f.watch = watch.NewBroadcaster(history{f.store}, f.watchOptions())
	f.admission = append(f.builtinAdmission(s.opts.DisableAdmissionPlugins), s.opts.Admission...) // the built-ins read f
	f.services = s.services.fork()
	f.crds.mu.Lock()
	f.syncCustomResources() // the fork's own: their watches end with the fork's CRDs, not with this server's
	f.crds.mu.Unlock()
	f.kcm = f.startControllers()
	return f
}

// Revision returns the current resourceVersion of the whole server.
func (s *Server) Revision() int64 { return s.store.Revision() }

// Compact discards history before revision rev (SEMANTICS K-7): reads, lists and watches at older
// resourceVersions then answer 410 Expired.
func (s *Server) Compact(rev int64) { s.store.Compact(rev) }

// CompactedRevision returns the oldest resourceVersion reads and watches can start from.
func (s *Server) CompactedRevision() int64 { return s.store.CompactedRevision() }

// Resources returns the registered resources. The values are shared and must not be modified.
func (s *Server) Resources() []*Resource {
	reg := s.registry()
	out := make([]*Resource, 0, len(reg.resources))
	for _, r := range reg.resources {
		out = append(out, r)
	}
	return out
}

// ResourceFor returns the registered resource gvr names.
func (s *Server) ResourceFor(gvr types.GroupVersionResource) (*Resource, bool) {
	r, ok := s.registry().resources[gvr]
	return r, ok
}

// lookup returns the resource or kube-apiserver's 404 for an unknown one.
func (s *Server) lookup(gvr types.GroupVersionResource) (*Resource, error) {
	if r, ok := s.registry().resources[gvr]; ok {
		return r, nil
	}
	return nil, types.NewNotFound(gvr.GroupResource(), "")
}

// stampRevision sets metadata.resourceVersion on a value the store commits.
func stampRevision(o *types.Object, rev int64) *types.Object {
	return o.WithResourceVersion(strconv.FormatInt(rev, 10))
}

// labelTerms returns the label index terms of an object: "key=value" per label.
func labelTerms(o *types.Object) []string {
	labels := o.LabelsNoCopy()
	if len(labels) == 0 {
		return nil
	}
	terms := make([]string, 0, len(labels))
	for k, v := range labels {
		terms = append(terms, k+"="+v)
	}
	return terms
}

// history adapts the store to the watch package's History.
type history struct{ s *store.Store[*types.Object] }

func (h history) Revision() int64                { return h.s.Revision() }
func (h history) Wait(rev int64) <-chan struct{} { return h.s.Wait(rev) }

func (h history) Hold(after int64) (watch.Hold, error) {
	hd, err := h.s.HoldHistory(after)
	if err != nil {
		return nil, watchError(err)
	}
	return hd, nil
}

func (h history) ChangesAfter(after, through int64, fn func(watch.Change) bool) error {
	err := h.s.ChangesAfter(after, through, func(ev *store.Event[*types.Object]) bool {
		return fn(watch.Change{Revision: ev.Revision, Key: ev.Key, Object: ev.Value, Prev: ev.Prev, Deleted: ev.Type == store.EventDelete})
	})
	return watchError(err)
}

// watchError maps a replay error to the Status a watch delivers as its ERROR event (SEMANTICS X-8).
func watchError(err error) error {
	var re *store.RevisionError
	if errors.As(err, &re) && errors.Is(err, store.ErrCompacted) {
		return types.NewTooOldResourceVersion(uint64(re.Requested), uint64(re.Floor))
	}
	return err
}

// readError maps a store read error to kube-apiserver's Status (SEMANTICS ).
func readError(err error) error {
	var re *store.RevisionError
	if errors.As(err, &re) {
		if errors.Is(err, store.ErrFutureRevision) {
			return types.NewTooLargeResourceVersion(uint64(re.Requested), uint64(re.Current), 1)
		}
		return types.NewResourceVersionTooOldForList()
	}
	if errors.Is(err, store.ErrClosed) {
		return types.NewServiceUnavailable("the server is shutting down")
	}
	return err
}

// randomString returns n characters from kube-apiserver's generateName alphabet.
func (s *Server) randomString(n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789" // apimachinery utilrand: no vowels, no confusable characters
	b := make([]byte, n)
	s.randMu.Lock()
	for i := range b {
		b[i] = alphabet[s.rand.IntN(len(alphabet))]
	}
	s.randMu.Unlock()
	return string(b)
}

// newUID returns a random version 4 UUID.
func (s *Server) newUID() string {
	var u [16]byte
	s.randMu.Lock()
	binary.LittleEndian.PutUint64(u[:8], s.rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], s.rand.Uint64())
	s.randMu.Unlock()
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(out[:])
}
