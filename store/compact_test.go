package store

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
)

// chainRevs returns the revisions of the version chain of key in the published state (its tree or its recently
// created keys), newest first; nil when the key is not there.
func chainRevs[V any](s *Store[V], key string) []int64 {
	ki, ok := s.cur.Load().lookup(key)
	if !ok {
		return nil
	}
	revs := []int64{}
	for v := ki.head.Load(); v != nil; v = v.prev {
		revs = append(revs, v.rev)
	}
	return revs
}

// inTree reports whether key is in the published state (tree or recent keys) and in the writer's tree.
func inTree[V any](s *Store[V], key string) (published, writer bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, published = s.cur.Load().lookup(key)
	return published, s.tree.Has(treeItem[V]{key: key})
}

// inIndex reports whether the published index lists key under term.
func inIndex[V any](s *Store[V], term, key string) bool {
	return s.cur.Load().index.has(term, key)
}

// snapshotAll reads every key-value under "" at every revision in [from, to] with Exact reads.
func snapshotAll(t *testing.T, s *Store[string], from, to int64) map[int64][]KeyValue[string] {
	t.Helper()
	all := make(map[int64][]KeyValue[string])
	for r := from; r <= to; r++ {
		res, err := s.Range("", RangeOptions[string]{ReadOptions: ReadOptions{Revision: r, Match: Exact}})
		require.NoError(t, err)
		all[r] = res.KVs
	}
	return all
}

// docHistory writes the history of doc.go's example for key "k" (create 3, update 7, delete 9, create 12), with
// writes to "o" at the other revisions up to 13.
func docHistory(t *testing.T, opts Options[string]) *Store[string] {
	s := openStore(t, opts)
	mustCreate(t, s, "o", "o2")  // 2
	mustCreate(t, s, "k", "k3")  // 3
	mustUpdate(t, s, "o", "o4")  // 4
	mustUpdate(t, s, "o", "o5")  // 5
	mustUpdate(t, s, "o", "o6")  // 6
	mustUpdate(t, s, "k", "k7")  // 7
	mustUpdate(t, s, "o", "o8")  // 8
	mustDelete(t, s, "k")        // 9
	mustUpdate(t, s, "o", "o10") // 10
	mustUpdate(t, s, "o", "o11") // 11
	mustCreate(t, s, "k", "k12") // 12
	mustUpdate(t, s, "o", "o13") // 13
	require.Equal(t, int64(13), s.Revision())
	return s
}

func TestCompactChain(t *testing.T) {
	cases := []struct {
		floor int64
		chain []int64
	}{
		{1, []int64{12, 9, 7, 3}},
		{2, []int64{12, 9, 7, 3}},
		{3, []int64{12, 9, 7, 3}},
		{6, []int64{12, 9, 7, 3}},
		{7, []int64{12, 9, 7}},
		{8, []int64{12, 9, 7}}, // doc.go: "at F=8 leaves {12, 9, 7}"
		{9, []int64{12}},
		{10, []int64{12}}, // doc.go: "at F=10 leaves {rev 12} alone"
		{12, []int64{12}},
		{13, []int64{12}},
		{100, []int64{12}}, // clamped to the current revision
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("compact at %d", tc.floor), func(t *testing.T) {
			s := docHistory(t, Options[string]{})
			before := snapshotAll(t, s, 1, 13)
			s.Compact(tc.floor)
			floor := min(tc.floor, 13)
			require.Equal(t, floor, s.CompactedRevision())
			require.Equal(t, int64(13), s.Revision(), "compaction commits no revision")
			require.Equal(t, tc.chain, chainRevs(s, "k"))

			// Every retained revision reads as before; every older one is compacted.
			for r := int64(1); r <= 13; r++ {
				res, err := s.Range("", RangeOptions[string]{ReadOptions: ReadOptions{Revision: r, Match: Exact}})
				_, _, gerr := s.Get("k", ReadOptions{Revision: r, Match: Exact})
				if r < floor {
					require.ErrorIs(t, err, ErrCompacted, "revision %d", r)
					require.ErrorIs(t, gerr, ErrCompacted, "revision %d", r)
					continue
				}
				require.NoError(t, err, "revision %d", r)
				require.NoError(t, gerr, "revision %d", r)
				require.Equal(t, before[r], res.KVs, "revision %d", r)
			}
			// Replays from the floor are intact; from below it they fail.
			evs := changes(t, s, floor, 13)
			require.Len(t, evs, int(13-floor))
			if floor > 1 {
				err := s.ChangesAfter(floor-1, 13, func(*Event[string]) bool { return true })
				require.ErrorIs(t, err, ErrCompacted)
			}
		})
	}
	t.Run("CreateRevision survives compaction", func(t *testing.T) {
		s := docHistory(t, Options[string]{})
		s.Compact(8)
		got, ok, err := s.Get("k", ReadOptions{Revision: 8, Match: Exact})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, wantKV("k", "k7", 3, 7), got)
		got, ok, err = s.Get("o", ReadOptions{})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, wantKV("o", "o13", 2, 13), got)
	})
	t.Run("compacting in steps equals compacting at once", func(t *testing.T) {
		for f := int64(1); f <= 13; f++ {
			once := docHistory(t, Options[string]{})
			once.Compact(f)
			steps := docHistory(t, Options[string]{})
			for g := int64(1); g <= f; g++ {
				steps.Compact(g)
			}
			require.Equal(t, chainRevs(once, "k"), chainRevs(steps, "k"), "floor %d", f)
			require.Equal(t, chainRevs(once, "o"), chainRevs(steps, "o"), "floor %d", f)
		}
	})
}

func TestCompactNoop(t *testing.T) {
	s := docHistory(t, Options[string]{})
	s.Compact(8)
	chain := chainRevs(s, "k")
	st := s.cur.Load()
	for _, f := range []int64{-5, 0, 1, 7, 8} {
		s.Compact(f)
		require.Equal(t, int64(8), s.CompactedRevision(), "compacting at %d does not lower the floor", f)
		require.Equal(t, chain, chainRevs(s, "k"))
	}
	require.Same(t, st, s.cur.Load(), "a no-op compaction publishes nothing")
}

func TestCompactTombstones(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "gone", "x")  // 2
	mustCreate(t, s, "late", "x")  // 3
	mustCreate(t, s, "back", "x")  // 4
	mustCreate(t, s, "live", "x")  // 5
	mustDelete(t, s, "gone")       // 6
	mustDelete(t, s, "back")       // 7
	mustCreate(t, s, "back", "y")  // 8
	mustCreate(t, s, "brief", "x") // 9
	mustDelete(t, s, "brief")      // 10
	mustDelete(t, s, "late")       // 11: above the floor
	s.Compact(10)

	cases := []struct {
		key    string
		term   string // the term of the key's last value
		inTree bool
		chain  []int64
	}{
		{key: "gone", term: "t=x", inTree: false},
		{key: "brief", term: "t=x", inTree: false},
		{key: "back", term: "t=y", inTree: true, chain: []int64{8}},
		{key: "late", term: "t=x", inTree: true, chain: []int64{11, 3}},
		{key: "live", term: "t=x", inTree: true, chain: []int64{5}},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			published, writer := inTree(s, tc.key)
			require.Equal(t, tc.inTree, published)
			require.Equal(t, tc.inTree, writer)
			require.Equal(t, tc.chain, chainRevs(s, tc.key))
			require.Equal(t, tc.inTree, inIndex(s, tc.term, tc.key))
		})
	}
	require.Equal(t, 3, s.cur.Load().tree.Len())
	require.False(t, inIndex(s, "t=x", "back"), "back had x only in its first generation")

	t.Run("the late tombstone goes with the next compaction", func(t *testing.T) {
		s.Compact(11)
		published, writer := inTree(s, "late")
		require.False(t, published)
		require.False(t, writer)
		require.False(t, inIndex(s, "t=x", "late"))
		require.Equal(t, 2, s.cur.Load().tree.Len())
	})
	t.Run("a removed key can be created again", func(t *testing.T) {
		got := mustCreate(t, s, "gone", "z")
		require.Equal(t, wantKV("gone", "z", 12, 12), got)
		require.Equal(t, []int64{12}, chainRevs(s, "gone"))
		res, err := s.Range("", RangeOptions[string]{})
		require.NoError(t, err)
		require.Equal(t, []string{"back", "gone", "live"}, keysOf(res.KVs))
	})
}

func TestCompactIndex(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "moved", "x1")     // 2
	mustCreate(t, s, "moved-late", "x") // 3
	mustCreate(t, s, "deleted", "x")    // 4
	mustCreate(t, s, "back", "x")       // 5
	mustCreate(t, s, "reborn", "x")     // 6
	mustCreate(t, s, "stays", "x")      // 7
	mustUpdate(t, s, "moved", "y2")     // 8
	mustDelete(t, s, "deleted")         // 9
	mustUpdate(t, s, "back", "y")       // 10
	mustUpdate(t, s, "back", "x")       // 11
	mustDelete(t, s, "reborn")          // 12
	mustCreate(t, s, "reborn", "y")     // 13
	mustUpdate(t, s, "stays", "x2")     // 14
	mustUpdate(t, s, "moved-late", "y") // 15: after the floor
	const floor = 14

	countVisits := func(t *testing.T, rev int64) (visited []string, kept []string) {
		t.Helper()
		res, err := s.Range("", RangeOptions[string]{
			ReadOptions: ReadOptions{Revision: rev, Match: Exact},
			Term:        "t=x",
			Filter: func(kv *KeyValue[string]) bool {
				visited = append(visited, kv.Key)
				return hasTerm("t=x")(kv)
			},
		})
		require.NoError(t, err)
		return visited, keysOf(res.KVs)
	}
	visited, kept := countVisits(t, floor)
	require.Equal(t, []string{"back", "moved", "moved-late", "reborn", "stays"}, visited, "before compaction the index lists every key that ever had x")
	require.Equal(t, []string{"back", "moved-late", "stays"}, kept)

	s.Compact(floor)
	for _, tc := range []struct {
		key   string
		entry bool
	}{
		{"moved", false},     // x only at 2, dropped
		{"moved-late", true}, // x still readable at 14
		{"deleted", false},   // tombstone at 9 compacted
		{"back", true},       // has x now
		{"reborn", false},    // x only in the dropped generation
		{"stays", true},
	} {
		t.Run(tc.key, func(t *testing.T) {
			require.Equal(t, tc.entry, inIndex(s, "t=x", tc.key))
		})
	}
	require.True(t, inIndex(s, "t=y", "moved"))
	require.True(t, inIndex(s, "t=y", "reborn"))
	require.False(t, inIndex(s, "t=y", "back"), "back had y only at 10, dropped")

	t.Run("term scan after compaction", func(t *testing.T) {
		for _, rev := range []int64{floor, 15} {
			visited, kept := countVisits(t, rev)
			if rev == floor {
				require.Equal(t, []string{"back", "moved-late", "stays"}, visited)
				require.Equal(t, []string{"back", "moved-late", "stays"}, kept)
			} else {
				require.Equal(t, []string{"back", "moved-late", "stays"}, visited, "moved-late still had x at %d", floor)
				require.Equal(t, []string{"back", "stays"}, kept)
			}
		}
	})
	t.Run("next compaction drops the late change", func(t *testing.T) {
		s.Compact(15)
		require.False(t, inIndex(s, "t=x", "moved-late"))
		visited, _ := countVisits(t, 15)
		require.Equal(t, []string{"back", "stays"}, visited)
	})
}

func TestCompactIndexKeepsEntriesOfKeptVersions(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "k", "y1") // 2
	mustUpdate(t, s, "k", "y2") // 3
	mustUpdate(t, s, "k", "x3") // 4
	mustUpdate(t, s, "k", "y4") // 5
	// At floor 3 the version of 3 (y) is visible, 2 (y) is dropped but y is still needed.
	s.Compact(3)
	require.True(t, inIndex(s, "t=y", "k"))
	require.True(t, inIndex(s, "t=x", "k"))
	res, err := s.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x"), ReadOptions: ReadOptions{Revision: 4, Match: Exact}})
	require.NoError(t, err)
	require.Equal(t, []string{"k"}, keysOf(res.KVs))
	s.Compact(5)
	require.True(t, inIndex(s, "t=y", "k"))
	require.False(t, inIndex(s, "t=x", "k"))
}

func TestCompactDuringReads(t *testing.T) {
	setup := func(t *testing.T) *Store[string] {
		s := openStore(t, Options[string]{Index: termIndex})
		mustCreate(t, s, "a", "x1") // 2
		mustCreate(t, s, "b", "x1") // 3
		mustUpdate(t, s, "a", "x2") // 4
		mustDelete(t, s, "b")       // 5
		mustCreate(t, s, "c", "x3") // 6
		return s
	}
	t.Run("snapshot below the new floor", func(t *testing.T) {
		s := setup(t)
		old := s.Snapshot() // revision 6
		mustUpdate(t, s, "a", "x7")
		mustUpdate(t, s, "c", "x8")
		at := s.Snapshot() // revision 8
		s.Compact(8)
		want := RevisionError{Err: ErrCompacted, Requested: 6, Floor: 8, Current: 8}
		_, _, err := old.Get("a")
		var re *RevisionError
		require.ErrorAs(t, err, &re)
		require.Equal(t, want, *re)
		_, _, err = old.Get("nothing")
		require.ErrorIs(t, err, ErrCompacted)
		_, err = old.Range("", RangeOptions[string]{})
		require.ErrorAs(t, err, &re)
		require.Equal(t, want, *re)
		_, err = old.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
		require.ErrorIs(t, err, ErrCompacted)

		got, ok, err := at.Get("a")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "x7", got.Value)
		res, err := at.Range("", RangeOptions[string]{})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "c"}, keysOf(res.KVs))
	})
	t.Run("compaction in the middle of a range below the floor", func(t *testing.T) {
		s := setup(t)
		mustUpdate(t, s, "a", "x7")
		calls := 0
		_, err := s.Range("", RangeOptions[string]{
			ReadOptions: ReadOptions{Revision: 3, Match: Exact},
			Filter: func(*KeyValue[string]) bool {
				calls++
				s.Compact(7) // the filter runs without the lock
				return true
			},
		})
		require.ErrorIs(t, err, ErrCompacted, "a page half-read before the floor rose is not served")
		require.Equal(t, 2, calls)
	})
	t.Run("compaction in the middle of a range at the floor", func(t *testing.T) {
		s := setup(t)
		mustUpdate(t, s, "a", "x7") // 7
		mustDelete(t, s, "c")       // 8
		want, err := s.Range("", RangeOptions[string]{ReadOptions: ReadOptions{Revision: 7, Match: Exact}})
		require.NoError(t, err)
		res, err := s.Range("", RangeOptions[string]{
			ReadOptions: ReadOptions{Revision: 7, Match: Exact},
			Filter: func(*KeyValue[string]) bool {
				s.Compact(7)
				return true
			},
		})
		require.NoError(t, err)
		require.Equal(t, want, res)
	})
	t.Run("compaction in the middle of a replay", func(t *testing.T) {
		s := setup(t)
		var got []int64
		require.NoError(t, s.ChangesAfter(1, 6, func(ev *Event[string]) bool {
			got = append(got, ev.Revision)
			s.Compact(6)
			return true
		}))
		require.Equal(t, []int64{2, 3, 4, 5, 6}, got, "a replay that passed the floor check finishes from its view")
		require.ErrorIs(t, s.ChangesAfter(1, 6, func(*Event[string]) bool { return true }), ErrCompacted)
	})
}

func TestCompactLog(t *testing.T) {
	s := openStore(t, Options[string]{})
	write := func(n int) {
		for range n {
			r := s.Revision() + 1
			if _, err := s.Update("k", fmt.Sprint(r), 0); err != nil {
				mustCreate(t, s, "k", fmt.Sprint(r))
			}
		}
	}
	write(3 * chunkSize) // revisions 2 .. 3*chunkSize+1: chunks at 2, 514, 1026
	require.Len(t, s.cur.Load().log.chunks, 3)

	check := func(t *testing.T) {
		t.Helper()
		floor, cur := s.CompactedRevision(), s.Revision()
		evs := changes(t, s, floor, cur)
		require.Len(t, evs, int(cur-floor))
		for i, ev := range evs {
			require.Equal(t, floor+1+int64(i), ev.Revision)
			require.Equal(t, fmt.Sprint(ev.Revision), ev.Value)
		}
		got, ok, err := s.Get("k", ReadOptions{Revision: floor, Match: Exact})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, fmt.Sprint(floor), got.Value)
	}
	cases := []struct {
		floor  int64
		chunks int
	}{
		{chunkSize, 3},       // the first chunk still holds chunkSize+1
		{chunkSize + 1, 2},   // the first chunk is wholly compacted
		{chunkSize + 2, 2},   // the second chunk starts at chunkSize+2
		{3 * chunkSize, 1},   // the last chunk still holds 3*chunkSize+1
		{3*chunkSize + 1, 0}, // everything is compacted: the log is empty
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("compact at %d", tc.floor), func(t *testing.T) {
			s.Compact(tc.floor)
			require.Len(t, s.cur.Load().log.chunks, tc.chunks)
			check(t)
		})
	}
	t.Run("writes after the log emptied", func(t *testing.T) {
		write(chunkSize + 10)
		require.Len(t, s.cur.Load().log.chunks, 2)
		check(t)
		s.Compact(s.Revision() - 5)
		require.Len(t, s.cur.Load().log.chunks, 1)
		check(t)
		require.Equal(t, []int64{s.Revision(), s.Revision() - 1, s.Revision() - 2, s.Revision() - 3, s.Revision() - 4, s.Revision() - 5}, chainRevs(s, "k"))
	})
}

func TestAutoCompaction(t *testing.T) {
	const r = time.Minute
	fc := clock.NewFake(time.Unix(1_000_000, 0))
	var logs bytes.Buffer
	s := New(Options[string]{
		Retention: r,
		Clock:     fc,
		Logger:    slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	armed := func() {
		t.Helper()
		require.Eventually(t, func() bool { return fc.Waiters() == 1 }, 10*time.Second, time.Millisecond,
			"the compaction goroutine arms its timer")
	}
	readable := func(rev int64) error {
		_, _, err := s.Get("a", ReadOptions{Revision: rev, Match: Exact})
		return err
	}
	armed()
	mustCreate(t, s, "a", "1") // 2
	mustUpdate(t, s, "a", "2") // 3
	mustUpdate(t, s, "a", "3") // 4

	fc.Step(r) // t=R: remembers that 4 is current
	armed()
	require.Equal(t, int64(1), s.CompactedRevision(), "nothing is a Retention old yet")
	mustUpdate(t, s, "a", "5") // 5
	mustUpdate(t, s, "a", "6") // 6

	fc.Step(r) // t=2R: compacts to 4, the revision current one Retention ago
	armed()
	require.Equal(t, int64(4), s.CompactedRevision())
	require.ErrorIs(t, readable(3), ErrCompacted)
	require.NoError(t, readable(4))
	require.NoError(t, readable(5))
	require.Contains(t, logs.String(), "store: compacted")

	fc.Step(r / 2) // not yet a tick
	require.Equal(t, 1, fc.Waiters())
	require.Equal(t, int64(4), s.CompactedRevision())
	fc.Step(r / 2) // t=3R: compacts to 6
	armed()
	require.Equal(t, int64(6), s.CompactedRevision())
	require.ErrorIs(t, readable(5), ErrCompacted)

	fc.Step(r) // t=4R: nothing was written, the floor stays at the current revision
	armed()
	require.Equal(t, int64(6), s.CompactedRevision())
	mustUpdate(t, s, "a", "7")
	require.NoError(t, readable(6))

	require.NoError(t, s.Close())
	require.Zero(t, fc.Waiters(), "Close stops the compaction goroutine and its timer")
}

func TestAutoCompactionOptions(t *testing.T) {
	t.Run("negative retention starts no goroutine", func(t *testing.T) {
		fc := clock.NewFake(time.Unix(0, 0))
		s := New(Options[string]{Retention: -1, Clock: fc})
		defer s.Close()
		mustCreate(t, s, "a", "1")
		mustUpdate(t, s, "a", "2")
		time.Sleep(10 * time.Millisecond)
		require.Zero(t, fc.Waiters())
		fc.Step(time.Hour)
		require.Equal(t, int64(1), s.CompactedRevision())
	})
	t.Run("zero retention means the default", func(t *testing.T) {
		fc := clock.NewFake(time.Unix(0, 0))
		s := New(Options[string]{Clock: fc})
		defer s.Close()
		require.Eventually(t, func() bool { return fc.Waiters() == 1 }, 10*time.Second, time.Millisecond)
		mustCreate(t, s, "a", "1")
		mustUpdate(t, s, "a", "2")
		fc.Step(DefaultRetention - time.Second)
		require.Equal(t, 1, fc.Waiters(), "no tick before the default retention")
		fc.Step(time.Second)
		require.Eventually(t, func() bool { return fc.Waiters() == 1 }, 10*time.Second, time.Millisecond)
		fc.Step(DefaultRetention)
		require.Eventually(t, func() bool { return s.CompactedRevision() == 3 }, 10*time.Second, time.Millisecond)
	})
}

// TestCompactDuringCurrentRead races compaction with reads that ask for the current state (no revision, or
// NotOlderThan a retained one): they name no old revision, so compaction must not fail them with ErrCompacted. The
// filter stands in for a concurrent writer and compactor that run while the read walks the tree.
func TestCompactDuringCurrentRead(t *testing.T) {
	for _, opts := range []ReadOptions{{}, {Revision: 2, Match: NotOlderThan}} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			s := openStore(t, Options[string]{})
			mustCreate(t, s, "a", "a2") // 2
			mustCreate(t, s, "b", "b3") // 3
			raced := false
			res, err := s.Range("", RangeOptions[string]{ReadOptions: opts, Filter: func(*KeyValue[string]) bool {
				if !raced {
					raced = true
					mustUpdate(t, s, "a", "a4")
					s.Compact(s.Revision())
				}
				return true
			}})
			require.NoError(t, err, "a read of the current state is never compacted")
			want := map[int64][]KeyValue[string]{
				3: {wantKV("a", "a2", 2, 2), wantKV("b", "b3", 3, 3)},
				4: {wantKV("a", "a4", 2, 4), wantKV("b", "b3", 3, 3)},
			}
			require.Equal(t, want[res.Revision], res.KVs, "the page is the state at its revision")
		})
	}
}
