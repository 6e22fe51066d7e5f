package watch

import (
	"sync"

	"github.com/kubemem/kubemem/types"
)

// EventType is the type of a watch event, as it appears on the wire.
type EventType string

// The watch event types (SEMANTICS X-3).
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
	Error    EventType = "ERROR"
)

// InitialEventsEndAnnotation marks the bookmark that ends the initial events of a sendInitialEvents watch.
const InitialEventsEndAnnotation = "k8s.io/initial-events-end"

// Event is one watch event.
//
//   - Added, Modified: Object is the object as committed.
//   - Deleted: Object is the last state of the object with metadata.resourceVersion set to the revision of the
//     change that removed it from the watch (its deletion, or the update that took it out of the selection).
//   - Bookmark: Object has the watched kind and apiVersion and only metadata.resourceVersion set (plus the
//     InitialEventsEndAnnotation on the bookmark that ends initial events).
//   - Error: Object is nil and Err is the Status; it is the last event of the watch.
//
// Events are values; the Object they carry is immutable and shared by every watcher.
type Event struct {
	Type   EventType
	Object *types.Object
	Err    *types.StatusError
	// Encodings, when set, is shared by every watcher that receives this Object for the same change, so that
	// serializers encode it once per media type rather than once per watcher. It may be nil (use Encode, which
	// accepts a nil receiver).
	Encodings *Encodings
}

// Encodings caches serialized forms of one event's object, by form name ("protobuf", ...). The zero value is
// empty and ready; a nil *Encodings caches nothing. It is safe for concurrent use.
type Encodings struct {
	mu    sync.Mutex // guards forms; held while a form is encoded, so that it is encoded once
	forms []encodedForm
}

type encodedForm struct {
	name string
	data []byte
}

// Encode returns the form called name, calling encode to build it the first time. The bytes are shared by every
// caller and must not be modified. An error is returned to the caller and not cached.
func (e *Encodings) Encode(name string, encode func() ([]byte, error)) ([]byte, error) {
	if e == nil {
		return encode()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.forms {
		if f.name == name {
			return f.data, nil
		}
	}
	data, err := encode()
	if err != nil {
		return nil, err
	}
	e.forms = append(e.forms, encodedForm{name, data})
	return data, nil
}

// Interface is a running watch. Its methods are safe for concurrent use.
type Interface interface {
	// Stop ends the watch; the channel returned by ResultChan is closed soon after. Stop may be called any number of
	// times.
	Stop()
	// ResultChan returns the channel events arrive on. It is closed when the watch ends for any reason: Stop, the
	// context, the timeout, an Error event, a slow consumer, or the Broadcaster closing.
	ResultChan() <-chan Event
}

// Change is one committed change as a History reports it.
type Change struct {
	Revision int64
	Key      string
	// Object is the new state; for a deletion, the last state stamped with the deletion revision.
	Object *types.Object
	// Prev is the state before the change; nil when the change created the key.
	Prev *types.Object
	// Deleted reports whether the change removed the key.
	Deleted bool
}

// History is the source of committed changes a Broadcaster fans out. Implementations must be safe for concurrent
// use.
type History interface {
	// Revision returns the latest committed revision.
	Revision() int64
	// ChangesAfter calls fn for each change with a revision in (after, through], in revision order, until fn returns
	// false. When the changes after `after` are no longer retained it returns an error, ideally a
	// *types.StatusError (410 Expired), which the watch delivers as its Error event.
	ChangesAfter(after, through int64, fn func(Change) bool) error
	// Wait returns a channel that is closed once a revision newer than rev is committed (or the history is closed).
	Wait(rev int64) <-chan struct{}
	// Hold keeps the changes after revision after replayable through ChangesAfter until the hold is released,
	// whatever compaction does meanwhile; it fails like ChangesAfter when they are gone already.
	Hold(after int64) (Hold, error)
}

// Hold is a History's promise to keep the changes after a revision. Its methods are safe for concurrent use.
type Hold interface {
	// Move moves the hold forward to a later revision.
	Move(after int64)
	// Release ends the hold; it is idempotent.
	Release()
}
