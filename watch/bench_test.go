package watch_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// benchEnv is a broadcaster whose slow-watcher budget never runs out (a Fake clock that does not move), so that a
// benchmark measures delivery, not terminations.
func benchEnv(b *testing.B) (*watchtest.History, *watch.Broadcaster) {
	h := watchtest.NewHistory()
	return h, newBroadcaster(b, h, watch.Options{Clock: clock.NewFake(t0)})
}

// drainAll reads every watch on its own goroutine, counting events into received.
func drainAll(ws []watch.Interface, received *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for range w.ResultChan() {
				received.Add(1)
			}
		})
	}
	return &wg
}

func waitCount(b *testing.B, received *atomic.Int64, n int64) {
	deadline := time.Now().Add(time.Minute)
	for received.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d events", received.Load(), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// BenchmarkFanOut measures delivering one change to 100 watchers of one scope (a namespace), from the write to
// the last watcher having received it. ns/op is per change; events/s counts deliveries.
func BenchmarkFanOut(b *testing.B) {
	for _, withPredicate := range []bool{false, true} {
		name := "watchers=100"
		if withPredicate {
			name += "/label-selector"
		}
		b.Run(name, func(b *testing.B) {
			h, bc := benchEnv(b)
			var pred func(*types.Object) bool
			if withPredicate {
				pred = labelIs("a")
			}
			ws := make([]watch.Interface, 100)
			for i := range ws {
				ws[i] = startWatch(b, bc, watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Predicate: pred})
			}
			var received atomic.Int64
			done := drainAll(ws, &received)
			obj := pod("ns1", "x", "a", "")
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				h.Put(podKey("ns1", "x"), obj)
			}
			waitCount(b, &received, int64(b.N)*100)
			b.StopTimer()
			b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "events/s")
			bc.Close()
			done.Wait()
		})
	}
}

// BenchmarkSingleKeyWatchers measures the dispatch cost of a change when 1,000 single-object watches (K-3) are
// registered, each on its own key: a change reaches only its key's watcher. The "prefix+name-predicate" variant
// expresses the same watches as namespace watches with a name predicate, to show what the key index saves.
func BenchmarkSingleKeyWatchers(b *testing.B) {
	for _, indexed := range []bool{true, false} {
		name := "key-scope"
		if !indexed {
			name = "prefix+name-predicate"
		}
		b.Run(name+"/watchers=1000", func(b *testing.B) {
			h, bc := benchEnv(b)
			const n = 1000
			keys := make([]string, n)
			objs := make([]*types.Object, n)
			ws := make([]watch.Interface, n)
			for i := range ws {
				pname := "p" + strconv.Itoa(i)
				keys[i], objs[i] = podKey("ns1", pname), pod("ns1", pname, "a", "")
				req := watch.Request{Key: keys[i], From: h.Revision()}
				if !indexed {
					req = watch.Request{
						Prefix: nsPrefix("ns1"), From: h.Revision(),
						Predicate: func(o *types.Object) bool { return o.Name() == pname },
					}
				}
				ws[i] = startWatch(b, bc, req)
			}
			var received atomic.Int64
			done := drainAll(ws, &received)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h.Put(keys[i%n], objs[i%n])
			}
			waitCount(b, &received, int64(b.N))
			b.StopTimer()
			bc.Close()
			done.Wait()
		})
	}
}
