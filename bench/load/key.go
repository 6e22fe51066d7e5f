package load

import (
	"fmt"
	"strconv"
	"strings"
)

// resource is one of the two kinds the load writes.
type resource uint8

const (
	configMaps resource = iota
	pods
)

func (r resource) String() string {
	if r == pods {
		return "pods"
	}
	return "configmaps"
}

// namePrefix is the prefix of the names of r's objects: cm-<n> or pod-<n>.
func (r resource) namePrefix() string {
	if r == pods {
		return "pod-"
	}
	return "cm-"
}

// Limits of a key's fields, from its packing into 30 bits (see key).
const (
	maxNamespaces = 1 << 7
	maxNames      = 1 << 22
)

// key identifies one object the load writes: resource (1 bit), namespace index (7 bits) and name index (22 bits),
// packed so that a watch event fits in one uint64 (see event).
type key uint32

func makeKey(r resource, ns, name int) key {
	return key(uint32(r)<<29 | uint32(ns)<<22 | uint32(name))
}

func (k key) resource() resource { return resource(k >> 29) }
func (k key) ns() int            { return int(k>>22) & (maxNamespaces - 1) }
func (k key) name() int          { return int(k) & (maxNames - 1) }

// namespaceName is the name of namespace index ns.
func namespaceName(ns int) string { return "load-" + strconv.Itoa(ns) }

// objectName is the name of object index name of r.
func objectName(r resource, name int) string { return r.namePrefix() + strconv.Itoa(name) }

func (k key) String() string {
	return namespaceName(k.ns()) + "/" + k.resource().String() + "/" + objectName(k.resource(), k.name())
}

// parseKey returns the key of object name in namespace ns of r, or an error for an object the load never writes.
func parseKey(r resource, ns, name string) (key, error) {
	nsIdx, err := parseIndex(ns, "load-", maxNamespaces)
	if err != nil {
		return 0, fmt.Errorf("namespace %q: %w", ns, err)
	}
	nameIdx, err := parseIndex(name, r.namePrefix(), maxNames)
	if err != nil {
		return 0, fmt.Errorf("%s %s/%s: %w", r, ns, name, err)
	}
	return makeKey(r, nsIdx, nameIdx), nil
}

func parseIndex(s, prefix string, limit int) (int, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, fmt.Errorf("not a name of the load (%s<n>)", prefix)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n >= limit || strconv.Itoa(n) != rest {
		return 0, fmt.Errorf("not a name of the load (%s<n>, n < %d)", prefix, limit)
	}
	return n, nil
}

// eventType is a watch event's type in two bits; zero is no event.
type eventType uint8

const (
	added eventType = iota + 1
	modified
	deleted
)

func (t eventType) String() string {
	switch t {
	case added:
		return "ADDED"
	case modified:
		return "MODIFIED"
	case deleted:
		return "DELETED"
	}
	return "none"
}

// event is a received or expected watch event packed in 64 bits: resourceVersion (32 bits), key (30 bits) and type
// (2 bits). Sorting events sorts them by resourceVersion.
type event uint64

// maxRevision bounds the resourceVersions an event can hold.
const maxRevision = 1<<32 - 1

func makeEvent(rv int64, k key, t eventType) event {
	return event(uint64(rv)<<32 | uint64(k)<<2 | uint64(t))
}

func (e event) rv() int64      { return int64(e >> 32) }
func (e event) key() key       { return key(uint32(e) >> 2) }
func (e event) typ() eventType { return eventType(e & 3) }
func (e event) String() string { return fmt.Sprintf("%s %s@%d", e.typ(), e.key(), e.rv()) }
