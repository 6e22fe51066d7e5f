package proof

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/stretchr/testify/require"
)

// Regression tests of the library bugs the runs found, all fixed since. Each race misses the bug's window most of the
// time, so each test repeats it.

// TestConditionalUpdateRacingDeleteAnswersNotFound: a conditional update and a delete of the same object race.
// The object keeps the resourceVersion the update names until the delete removes it, so the update either succeeds
// (before the delete) or answers 404 NotFound (after it); kube-apiserver's GuaranteedUpdate re-reads the key when
// its compare fails and answers NotFound. No moment of the update's interval explains 409 Conflict (SEMANTICS W-2,
// W-3). porcupine found such histories in the http-disconnects runs; fixed in apiserver's update (commit 3839f3f).
func TestConditionalUpdateRacingDeleteAnswersNotFound(t *testing.T) {
	ctx := context.Background()
	srv, err := apiserver.New(apiserver.Options{Retention: -1})
	require.NoError(t, err)
	defer srv.Close()
	cms := srv.Resource(apiserver.ConfigMaps).Namespace(namespace)
	conflicts := 0
	for i := 0; i < 1000; i++ {
		obj, err := cms.Create(ctx, configMap(0, Value{V: "a"}, 0, ""), apiserver.CreateOptions{})
		require.NoError(t, err)
		var updateErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, updateErr = cms.Update(ctx, configMap(0, Value{V: "b"}, mustRV(obj), obj.UID()), apiserver.UpdateOptions{})
		}()
		go func() { defer wg.Done(); _, _ = cms.Delete(ctx, keyName(0), apiserver.DeleteOptions{}) }()
		wg.Wait()
		if types.IsConflict(updateErr) {
			conflicts++
		} else if updateErr == nil {
			_, _ = cms.Delete(ctx, keyName(0), apiserver.DeleteOptions{})
		}
	}
	require.Zero(t, conflicts, "conditional updates answered 409 Conflict though the object they named was only deleted")
}

// TestWatchOfCurrentStateNeverExpires: a watch with resourceVersion unset starts from a snapshot of now (X-6,
// X-10); kube-apiserver's watch cache never answers such a watch with 410 Expired. kubemem takes the snapshot and
// then registers the watch from its revision, and a Compact in between makes the watch fail, or end with a 410
// ERROR event. The mixed-compaction runs found it; fixed by watch.Request.StartOrFail (commit b529d72). Lists of the
// current state are checked here too.
func TestWatchOfCurrentStateNeverExpires(t *testing.T) {
	ctx := context.Background()
	srv, err := apiserver.New(apiserver.Options{Retention: -1})
	require.NoError(t, err)
	defer srv.Close()
	cms := srv.Resource(apiserver.ConfigMaps).Namespace(namespace)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = cms.Patch(ctx, keyName(0), apiserver.MergePatchType, []byte(`{"data":{"v":"`+string(rune('a'+i%26))+`"}}`), apiserver.PatchOptions{})
			srv.Compact(srv.Revision())
		}
	}()
	_, err = cms.Create(ctx, configMap(0, Value{V: "a"}, 0, ""), apiserver.CreateOptions{})
	require.NoError(t, err)
	expired, failedStart, listExpired := 0, 0, 0
	for i := 0; i < 1000; i++ {
		if _, err := cms.List(ctx, apiserver.ListOptions{}); err != nil {
			listExpired++
		}
		w, err := cms.Watch(ctx, apiserver.ListOptions{AllowWatchBookmarks: true})
		if types.IsResourceExpired(err) {
			failedStart++
			continue
		}
		require.NoError(t, err)
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				expired++
			}
			if ev.Type == watch.Error || ev.Type == watch.Bookmark {
				break
			}
		}
		w.Stop()
	}
	close(stop)
	wg.Wait()
	require.Zero(t, listExpired, "lists without resourceVersion failed")
	require.Zero(t, expired+failedStart, "watches without resourceVersion expired: %d failed to start, %d ended with 410", failedStart, expired)
}

// TestCloseDeliversNoGap: Server.Close ends every watch; a stream may stop early, but what it delivered must be
// gap-free (reliable, E-2, X-15). The dispatcher stopped a batch when the broadcaster closed ("nothing may follow an
// event some of them skipped"), but its loop then selected among the closed done channel and the history or tick
// channels at random, so it could claim and deliver the next batch: the stream showed a gap, and a bookmark after the
// interrupted batch claimed revisions that were never delivered. The mixed-shutdown runs found it; fixed in
// watch.Broadcaster (commit ace3cc3).
func TestCloseDeliversNoGap(t *testing.T) {
	ctx := context.Background()
	gaps := 0
	for round := 0; round < 25 && gaps == 0; round++ {
		srv, err := apiserver.New(apiserver.Options{Retention: -1})
		require.NoError(t, err)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace(namespace)
		from := srv.Revision()
		var ws []watch.Interface
		for range 4 {
			w, err := cms.Watch(ctx, apiserver.ListOptions{ResourceVersion: strconv.FormatInt(from, 10)})
			require.NoError(t, err)
			ws = append(ws, w)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if _, err := cms.Create(ctx, configMap(i%maxKeys, Value{V: strconv.Itoa(i)}, 0, ""), apiserver.CreateOptions{}); types.IsAlreadyExists(err) {
					_, err = cms.Delete(ctx, keyName(i%maxKeys), apiserver.DeleteOptions{})
				} else if err != nil {
					return // closed
				}
				if i == 200 {
					go srv.Close()
				}
			}
		}()
		for _, w := range ws {
			next := from + 1
			for ev := range w.ResultChan() {
				rv, err := strconv.ParseInt(ev.Object.ResourceVersion(), 10, 64)
				require.NoError(t, err)
				if rv != next {
					gaps++
					t.Logf("round %d: revision %d delivered after %d; %d..%d never were", round, rv, next-1, next, rv-1)
					break
				}
				next++
			}
		}
		wg.Wait()
		srv.Close()
	}
	require.Zero(t, gaps, "watch streams with a gap at Close")
}
