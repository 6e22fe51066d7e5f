// Package load is a load test of kubemem over loopback HTTP: many concurrent client-go clients of mixed verbs and
// many open watches against one server, measuring throughput, latency, watch delivery lag, goroutines and heap, and
// checking that every watch received exactly the events it was owed.
//
// [Run] starts an apiserver.Server served by its Handler on a loopback listener (httptest.NewServer) and a client-go
// clientset for it: the default content type (protobuf), no client-side rate limit (QPS -1), one http.Transport
// shared by all. Then:
//
//  1. Set-up: Namespaces namespaces load-0, load-1, ...; half of the names of each as ConfigMaps and a quarter as
//     pods (cm-<n>, pod-<n>, labels app=load and shard=<s>).
//  2. Watches: Watches watches open at once and stay open to the end. A fifth watch pods, the rest ConfigMaps; 3%
//     watch every namespace, the others one; each selects app=load, and perhaps shard=s, shard in (s,t) or
//     shard!=s; 5% of the namespaced ones watch a single name (fieldSelector metadata.name). They start in turn as
//     a reflector does (list, then watch from the list's resourceVersion), with sendInitialEvents=true (no
//     resourceVersion, or one of the set-up's with resourceVersionMatch=NotOlderThan), or from an old
//     resourceVersion of the set-up (a replay). Every stream asks for bookmarks and a random timeoutSeconds
//     (Config.WatchTimeout); when a stream ends — its timeout, or the server cutting a slow watcher — the watch
//     resumes from the last resourceVersion it saw.
//  3. Load: Clients clients for Duration, each making one request at a time, chosen at random (see ops): create,
//     get, list (label selectors; whole or in pages of 10 or 50), get-then-update with the resourceVersion read
//     (retried on conflict), merge and strategic merge patches, delete — on ConfigMaps, and a fifth as often on
//     pods. Writes move objects between shards, so watches see objects enter and leave their selection. Every
//     request's latency is recorded per verb; every acknowledged write is logged with the resourceVersion of its
//     answer and the times it was sent and answered.
//  4. Check: the committed history is rebuilt from the log (buildHistory). A ConfigMap's delete answers a Status
//     without a revision, and a pod's delete commits a mark (deletionTimestamp) before the removal; their revisions
//     are found with Exact lists through the server's Go API, the store's own MVCC reads (resolveDeletes). From
//     the history, each watch is owed the changes of its selection after its start, as ADDED, MODIFIED or DELETED
//     by SEMANTICS X-12, and its list or initial events must equal the state at its start. The run waits until
//     every watch has received its last owed event, stops the watches and compares: any lost, unexpected,
//     duplicated, disordered or mismatched event is a failure.
//  5. Leaks: goroutines and live heap (after two collections) are measured before the server starts and after
//     everything is closed; the goroutines must return to the baseline (Config.GoroutineSlack), the heap within
//     Config.HeapSlack.
//
// The watch delivery lag of an event is the time from its write's answer (as the writing client got it) to its
// receipt by a watch, for writes sent after the watch opened; an event that arrives before the answer counts as
// zero. The lag from the write's request is reported too.
//
// `go test` runs the short version (3 s, 20 clients, 100 watches). The environment variables of [ConfigFromEnv]
// make TestLoad the full run; the command in cmd/load takes the same settings as flags:
//
//	cd bench && KUBEMEM_LOAD_DURATION=60s KUBEMEM_LOAD_CLIENTS=200 KUBEMEM_LOAD_WATCHES=1000 go test -run TestLoad -v ./load
//	cd bench && go run ./cmd/load -duration 60s -clients 200 -watches 1000
package load
