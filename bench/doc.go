// Package bench compares kubemem with the in-process fakes that Go tests use
// today: client-go's kubernetes/fake clientsets and controller-runtime's fake
// client. It runs one fixed workload (the W1–W8) against every
// registered [System] in the same process and reports operations per second per
// system, the ratio kubemem/peer, and the live heap per stored pod.
//
// Every system adapter lives in its own file and registers a [Factory] from an
// init function, so the peers build without the kubemem adapter
// (kubemem_system.go) and the kubemem adapter builds without any peer.
//
// The workload, on pods in namespace "default" named pod-00000, pod-00001, ...
// with labels {app: a<i%10>, tier: t<i%3>} and one nginx container (see [Pod]):
//
//	W1  create N pods one by one
//	W2  get each
//	W3  list with labelSelector app=a3 (N/10 pods), Lists times
//	W4  get, set label w4=<i>, update with the resourceVersion the get returned
//	W5  strategic merge patch of the container image to nginx:1.26
//	W6  delete each
//	W7  Watchers watches, then WatchCreates creates; time from the first create
//	    until every watcher has received every ADDED event
//	W8  time from constructing a system to its first successful (empty) list
//
// W1–W6 run in sequence on one fresh system, each timed separately; W7 and W8
// each start from fresh systems. [Run] executes the comparison and returns a
// [Report]; the program in cmd/compare prints it. Every wait is bounded by
// [Config].Timeout, and a peer that panics or hangs is reported as failed
// instead of stopping the run.
package bench
