// Package watch fans committed changes out to watchers, in revision order, as Kubernetes watch events.
//
// A Broadcaster consumes a History (the store implements it; the apiserver wires the two) with one dispatcher
// goroutine. Watchers are bucketed by the key scope they cover (a prefix such as a resource or a namespace, or one
// exact key), so an event costs work only for the watchers whose scope contains its key. Each watcher applies its
// predicate to both the previous and the new state of a change, so objects entering its selection arrive as ADDED
// and objects leaving it as DELETED (SEMANTICS X-12).
//
// A new watch first catches up on its own goroutine: initial objects as ADDED, the optional
// initial-events-end bookmark, then a replay of the history after its start revision; it then hands over to
// the dispatcher at a revision both agree on, so no change is lost or repeated at the hand-off.
//
// Writers never wait for watchers: the dispatcher reads history the store already committed. A watcher whose
// buffer stays full longer than the shared slow-watcher budget is terminated with a clean close (K-2); its client
// resumes from the last resourceVersion it saw.
package watch
