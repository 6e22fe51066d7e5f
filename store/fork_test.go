package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forkOf forks s and closes the fork when the test ends.
func forkOf[V any](t testing.TB, s *Store[V]) *Store[V] {
	t.Helper()
	f := s.Fork()
	t.Cleanup(func() { require.NoError(t, f.Close()) })
	return f
}

// contents returns the live key-values of s at rev (zero: current) as key → value.
func contents(t testing.TB, s *Store[string], rev int64) map[string]string {
	t.Helper()
	opts := RangeOptions[string]{}
	if rev != 0 {
		opts.ReadOptions = ReadOptions{Revision: rev, Match: Exact}
	}
	res, err := s.Range("", opts)
	require.NoError(t, err)
	m := make(map[string]string, len(res.KVs))
	for _, kv := range res.KVs {
		m[kv.Key] = kv.Value
	}
	return m
}

func termKeys(t testing.TB, s *Store[string], term string, rev int64) []string {
	t.Helper()
	opts := RangeOptions[string]{Term: term, Filter: hasTerm(term)}
	if rev != 0 {
		opts.ReadOptions = ReadOptions{Revision: rev, Match: Exact}
	}
	res, err := s.Range("", opts)
	require.NoError(t, err)
	return keysOf(res.KVs)
}

// forkBase writes a = x1 (2), b = x1 (3), c = y1 (4), d = x1 (5) and deletes d (6).
func forkBase(t *testing.T) *Store[string] {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "a", "x1")
	mustCreate(t, s, "b", "x1")
	mustCreate(t, s, "c", "y1")
	mustCreate(t, s, "d", "x1")
	mustDelete(t, s, "d")
	return s
}

func TestForkIndependence(t *testing.T) {
	base := map[string]string{"a": "x1", "b": "x1", "c": "y1"}
	writes := []struct {
		name  string
		write func(t *testing.T, s *Store[string])
		after map[string]string
	}{
		{"update a shared key", func(t *testing.T, s *Store[string]) { mustUpdate(t, s, "a", "y2") },
			map[string]string{"a": "y2", "b": "x1", "c": "y1"}},
		{"delete a shared key", func(t *testing.T, s *Store[string]) { mustDelete(t, s, "b") },
			map[string]string{"a": "x1", "c": "y1"}},
		{"create a new key", func(t *testing.T, s *Store[string]) { mustCreate(t, s, "e", "x2") },
			map[string]string{"a": "x1", "b": "x1", "c": "y1", "e": "x2"}},
		{"recreate a deleted key", func(t *testing.T, s *Store[string]) { mustCreate(t, s, "d", "x2") },
			map[string]string{"a": "x1", "b": "x1", "c": "y1", "d": "x2"}},
		{"update twice", func(t *testing.T, s *Store[string]) {
			mustUpdate(t, s, "c", "x2")
			mustUpdate(t, s, "c", "x3")
		}, map[string]string{"a": "x1", "b": "x1", "c": "x3"}},
	}
	for _, w := range writes {
		for _, side := range []string{"parent", "fork"} {
			t.Run(w.name+" in the "+side, func(t *testing.T) {
				s := forkBase(t)
				f := forkOf(t, s)
				writer, other := s, f
				if side == "fork" {
					writer, other = f, s
				}
				w.write(t, writer)
				require.Equal(t, w.after, contents(t, writer, 0))
				require.Equal(t, base, contents(t, other, 0), "the %s does not see the write", side)
				require.Equal(t, int64(6), other.Revision())
				require.Greater(t, writer.Revision(), int64(6))
				// The fork point stays readable in both.
				require.Equal(t, base, contents(t, writer, 6))
				require.Equal(t, base, contents(t, other, 6))
				// The term index of each side follows its own writes.
				var wantX []string
				for _, k := range []string{"a", "b", "c", "d", "e"} {
					if v, ok := w.after[k]; ok && v[0] == 'x' {
						wantX = append(wantX, k)
					}
				}
				require.Equal(t, wantX, termKeys(t, writer, "t=x", 0))
				require.Equal(t, []string{"a", "b"}, termKeys(t, other, "t=x", 0))
			})
		}
	}
	t.Run("both sides write the same key", func(t *testing.T) {
		s := forkBase(t)
		f := forkOf(t, s)
		ps := mustUpdate(t, s, "a", "parent")
		fs := mustUpdate(t, f, "a", "fork")
		require.Equal(t, wantKV("a", "parent", 2, 7), ps)
		require.Equal(t, wantKV("a", "fork", 2, 7), fs, "revisions continue from the fork point on both sides")
		got, _, err := s.Get("a", ReadOptions{})
		require.NoError(t, err)
		require.Equal(t, "parent", got.Value)
		got, _, err = f.Get("a", ReadOptions{})
		require.NoError(t, err)
		require.Equal(t, "fork", got.Value)
		// Conditions are checked against each side's own history.
		_, err = f.Update("a", "z", 2)
		require.ErrorIs(t, err, ErrConflict)
		mustDelete(t, f, "a")
		_, err = f.Update("a", "z", 0)
		require.ErrorIs(t, err, ErrKeyNotFound)
		mustUpdate(t, s, "a", "parent2")
		_, err = s.Create("a", "again")
		require.ErrorIs(t, err, ErrKeyExists)
		require.Equal(t, []Event[string]{
			{Revision: 7, Type: EventUpdate, Key: "a", Value: "parent", Prev: "x1"},
			{Revision: 8, Type: EventUpdate, Key: "a", Value: "parent2", Prev: "parent"},
		}, changes(t, s, 6, 8))
		require.Equal(t, []Event[string]{
			{Revision: 7, Type: EventUpdate, Key: "a", Value: "fork", Prev: "x1"},
			{Revision: 8, Type: EventDelete, Key: "a", Value: "fork", Prev: "fork"},
		}, changes(t, f, 6, 8))
	})
	t.Run("waiters and Close are per store", func(t *testing.T) {
		s := forkBase(t)
		f := s.Fork()
		pw, fw := s.Wait(6), f.Wait(6)
		mustCreate(t, f, "n", "1")
		requireOpen(t, pw)
		requireClosed(t, fw)
		fw = f.Wait(7)
		require.NoError(t, f.Close())
		requireClosed(t, fw)
		requireOpen(t, pw)
		_, err := f.Create("m", "1")
		require.ErrorIs(t, err, ErrClosed)
		mustCreate(t, s, "m", "1")
		requireClosed(t, pw)
	})
}

func requireClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	default:
		t.Fatal("channel is open")
	}
}

func requireOpen(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
		t.Fatal("channel is closed")
	default:
	}
}

func TestForkFloor(t *testing.T) {
	s := forkBase(t)
	s.Compact(3)
	f := forkOf(t, s)
	require.Equal(t, int64(6), f.Revision())
	require.Equal(t, int64(6), f.CompactedRevision(), "the fork's history starts at the fork")
	require.Equal(t, int64(3), s.CompactedRevision(), "forking does not change the parent's floor")

	_, _, err := f.Get("a", ReadOptions{Revision: 5, Match: Exact})
	var re *RevisionError
	require.ErrorAs(t, err, &re)
	require.Equal(t, RevisionError{Err: ErrCompacted, Requested: 5, Floor: 6, Current: 6}, *re)
	_, _, err = s.Get("a", ReadOptions{Revision: 5, Match: Exact})
	require.NoError(t, err, "the parent keeps its history")

	require.Empty(t, changes(t, f, 6, 100))
	require.ErrorIs(t, f.ChangesAfter(5, 100, func(*Event[string]) bool { return true }), ErrCompacted)
	mustCreate(t, f, "e", "x")
	mustUpdate(t, f, "e", "y")
	require.Equal(t, []Event[string]{
		{Revision: 7, Type: EventCreate, Key: "e", Value: "x"},
		{Revision: 8, Type: EventUpdate, Key: "e", Value: "y", Prev: "x"},
	}, changes(t, f, 6, 100))

	t.Run("compacting the fork at or below its floor does nothing", func(t *testing.T) {
		f.Compact(4)
		require.Equal(t, int64(6), f.CompactedRevision())
	})
	t.Run("the fork's log spans chunks", func(t *testing.T) {
		for i := range 2*chunkSize + 3 {
			mustUpdate(t, f, "e", fmt.Sprint(i))
		}
		evs := changes(t, f, 6, f.Revision())
		require.Len(t, evs, int(f.Revision()-6))
		for i, ev := range evs {
			require.Equal(t, int64(7+i), ev.Revision)
		}
		f.Compact(6 + chunkSize + 1)
		require.Len(t, f.cur.Load().log.chunks, 2)
		evs = changes(t, f, 6+chunkSize+1, f.Revision())
		require.Equal(t, int64(6+chunkSize+2), evs[0].Revision)
	})
}

func TestForkOfFork(t *testing.T) {
	s := forkBase(t)
	f1 := forkOf(t, s)
	mustUpdate(t, f1, "a", "f1") // 7 in f1
	f2 := forkOf(t, f1)
	require.Equal(t, int64(7), f2.CompactedRevision())
	mustUpdate(t, f2, "b", "f2") // 8 in f2
	mustUpdate(t, f1, "b", "f1") // 8 in f1
	mustUpdate(t, s, "c", "s")   // 7 in s
	f3 := forkOf(t, f2)
	mustDelete(t, f3, "a") // 9 in f3
	mustDelete(t, f2, "c") // 9 in f2

	require.Equal(t, map[string]string{"a": "x1", "b": "x1", "c": "s"}, contents(t, s, 0))
	require.Equal(t, map[string]string{"a": "f1", "b": "f1", "c": "y1"}, contents(t, f1, 0))
	require.Equal(t, map[string]string{"a": "f1", "b": "f2"}, contents(t, f2, 0))
	require.Equal(t, map[string]string{"b": "f2", "c": "y1"}, contents(t, f3, 0))
	require.Equal(t, map[string]string{"a": "f1", "b": "f2", "c": "y1"}, contents(t, f3, 8))
	require.Equal(t, map[string]string{"a": "f1", "b": "x1", "c": "y1"}, contents(t, f2, 7))
	require.Equal(t, []string{"a", "b"}, termKeys(t, s, "t=x", 0))
	require.Equal(t, []string{"c"}, termKeys(t, f1, "t=y", 0))
	require.Empty(t, termKeys(t, f3, "t=x", 0))
	require.Equal(t, []string{"c"}, termKeys(t, f3, "t=y", 0))
	require.Equal(t, int64(8), f3.CompactedRevision())
}

func TestForkSnapshots(t *testing.T) {
	s := forkBase(t)
	before := s.Snapshot()
	f := forkOf(t, s)
	fsnap := f.Snapshot()
	mustUpdate(t, s, "a", "s")
	mustUpdate(t, f, "a", "f")
	mustDelete(t, f, "b")
	for name, snap := range map[string]*Snapshot[string]{"parent before the fork": before, "fork at the fork": fsnap} {
		t.Run(name, func(t *testing.T) {
			res, err := snap.Range("", RangeOptions[string]{})
			require.NoError(t, err)
			require.Equal(t, []KeyValue[string]{wantKV("a", "x1", 2, 2), wantKV("b", "x1", 3, 3), wantKV("c", "y1", 4, 4)}, res.KVs)
			res, err = snap.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
			require.NoError(t, err)
			require.Equal(t, []string{"a", "b"}, keysOf(res.KVs))
		})
	}
}

func TestForkTerm(t *testing.T) {
	s := forkBase(t) // x: a, b; y: c
	f := forkOf(t, s)
	mustUpdate(t, s, "a", "y2") // parent: x: b; y: a, c
	mustUpdate(t, f, "c", "x2") // fork: x: a, b, c
	mustCreate(t, f, "e", "y3") // fork: y: e
	mustCreate(t, s, "d", "x2") // parent: x: b, d
	mustDelete(t, f, "b")       // fork: x: a, c

	require.Equal(t, []string{"b", "d"}, termKeys(t, s, "t=x", 0))
	require.Equal(t, []string{"a", "c"}, termKeys(t, s, "t=y", 0))
	require.Equal(t, []string{"a", "c"}, termKeys(t, f, "t=x", 0))
	require.Equal(t, []string{"e"}, termKeys(t, f, "t=y", 0))
	// At the fork point both agree.
	for _, st := range []*Store[string]{s, f} {
		require.Equal(t, []string{"a", "b"}, termKeys(t, st, "t=x", 6))
		require.Equal(t, []string{"c"}, termKeys(t, st, "t=y", 6))
	}
	require.Equal(t, []string{"a", "b", "c"}, termKeys(t, f, "t=x", 7))

	t.Run("compaction on one side leaves the other's index alone", func(t *testing.T) {
		s.Compact(s.Revision()) // drops the parent's a=x1
		require.True(t, inIndex(f, "t=x", "a"))
		require.Equal(t, []string{"a", "b"}, termKeys(t, f, "t=x", 6))
		require.Equal(t, []string{"a", "c"}, termKeys(t, f, "t=x", 0))
		f.Compact(f.Revision()) // drops the fork's b
		require.True(t, inIndex(s, "t=x", "b"))
		require.Equal(t, []string{"b", "d"}, termKeys(t, s, "t=x", 0))
		require.Equal(t, []string{"a", "c"}, termKeys(t, f, "t=x", 0))
	})
}

func TestForkCompaction(t *testing.T) {
	s := forkBase(t)
	mustUpdate(t, s, "a", "x2") // 7
	mustUpdate(t, s, "a", "x3") // 8
	f := forkOf(t, s)
	mustUpdate(t, f, "a", "f9") // 9 in f
	mustUpdate(t, s, "a", "s9") // 9 in s

	s.Compact(9)
	require.Equal(t, []int64{9}, chainRevs(s, "a"))
	require.Equal(t, []int64{9, 8, 7, 2}, chainRevs(f, "a"), "the parent's compaction does not trim the fork's chain")
	require.Equal(t, map[string]string{"a": "x3", "b": "x1", "c": "y1"}, contents(t, f, 8))
	require.Equal(t, map[string]string{"a": "f9", "b": "x1", "c": "y1"}, contents(t, f, 9))

	f.Compact(9)
	require.Equal(t, []int64{9}, chainRevs(f, "a"))
	require.Equal(t, map[string]string{"a": "s9", "b": "x1", "c": "y1"}, contents(t, s, 9))
	require.Equal(t, map[string]string{"a": "f9", "b": "x1", "c": "y1"}, contents(t, f, 0))
	_, _, err := f.Get("a", ReadOptions{Revision: 8, Match: Exact})
	require.ErrorIs(t, err, ErrCompacted)
}

// TestForkCompactCleansHistory runs the same history in a store, in a fork of a store and in a store that was
// forked, and compacts each at its current revision: all three must end in the same state (tombstones at or below
// the floor gone from the tree, versions below the floor gone from the chains, index entries that only dropped
// versions had gone, so that a term scan no longer visits those keys).
func TestForkCompactCleansHistory(t *testing.T) {
	cases := []struct {
		name  string
		build func(t *testing.T, s *Store[string]) *Store[string] // returns the store to compact
	}{
		{"store", func(t *testing.T, s *Store[string]) *Store[string] { return s }},
		{"fork", func(t *testing.T, s *Store[string]) *Store[string] { return forkOf(t, s) }},
		{"parent of a fork", func(t *testing.T, s *Store[string]) *Store[string] { forkOf(t, s); return s }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, Options[string]{Index: termIndex})
			mustCreate(t, s, "moved", "x1") // 2
			mustUpdate(t, s, "moved", "y2") // 3
			mustCreate(t, s, "gone", "x")   // 4
			mustDelete(t, s, "gone")        // 5
			s = tc.build(t, s)
			mustCreate(t, s, "new", "z") // 6
			s.Compact(s.Revision())
			require.Equal(t, int64(6), s.CompactedRevision())
			require.Equal(t, map[string]string{"moved": "y2", "new": "z"}, contents(t, s, 0))

			published, writer := inTree(s, "gone")
			assert.False(t, published, "a tombstone at or below the floor is removed from the published tree")
			assert.False(t, writer, "a tombstone at or below the floor is removed from the writer's tree")
			assert.Equal(t, []int64{3}, chainRevs(s, "moved"), "versions below the floor are dropped")
			assert.False(t, inIndex(s, "t=x", "moved"), "index entries of dropped versions are removed")
			var visited []string
			_, err := s.Range("", RangeOptions[string]{Term: "t=x", Filter: func(kv *KeyValue[string]) bool {
				visited = append(visited, kv.Key)
				return hasTerm("t=x")(kv)
			}})
			require.NoError(t, err)
			assert.Empty(t, visited, "a term scan no longer visits keys that lost the term before the floor")
		})
	}
}

// TestForkConcurrent forks a store while writers and readers work on it, and checks each fork against the parent's
// history at the fork revision. Run it with -race.
func TestForkConcurrent(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	const keys = 16
	for i := range keys {
		mustCreate(t, s, fmt.Sprintf("k%02d", i), "x0")
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := range 3000 {
				select {
				case <-done:
					return
				default:
				}
				key := fmt.Sprintf("k%02d", (i*7+w)%keys)
				v := fmt.Sprintf("%c%d", "xy"[i%2], i)
				if _, err := s.Update(key, v, 0); err != nil {
					if _, err := s.Create(key, v); err != nil && !errors.Is(err, ErrKeyExists) {
						report(fmt.Errorf("writer: %w", err))
						return
					}
				}
				if i%5 == 0 {
					_, _ = s.Delete(fmt.Sprintf("k%02d", (i*3+w)%keys), 0)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				snap := s.Snapshot()
				res, err := snap.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
				if err != nil {
					report(err)
					return
				}
				for _, kv := range res.KVs {
					if kv.ModRevision > snap.Revision() || kv.Value[0] != 'x' {
						report(fmt.Errorf("reader: bad %+v at %d", kv, snap.Revision()))
						return
					}
				}
			}
		})
	}

	writersDone := make(chan struct{})
	go func() { writers.Wait(); close(writersDone) }()
	// Fork at least 10 times, and on while the writers write.
	writing := func() bool {
		select {
		case <-writersDone:
			return false
		default:
			return true
		}
	}
	forks, concurrent := 0, 0
	for forks < 20 {
		if writing() {
			concurrent++
		}
		i := forks
		forks++
		f := s.Fork()
		rev := f.Revision()
		require.Equal(t, rev, f.CompactedRevision())
		want := contents(t, s, rev)
		require.Equal(t, want, contents(t, f, 0), "fork %d at %d", i, rev)
		require.Equal(t, termKeys(t, s, "t=x", rev), termKeys(t, f, "t=x", 0))

		// Write to the fork, concurrently with the parent's writers, and fork the fork.
		var fwg sync.WaitGroup
		fwg.Go(func() {
			for j := range 20 {
				key := fmt.Sprintf("k%02d", j%keys)
				if _, err := f.Update(key, "fork", 0); err != nil {
					_, _ = f.Create(key, "fork")
				}
			}
		})
		ff := f.Fork()
		fwg.Wait()
		require.Equal(t, want, contents(t, s, rev), "the fork's writes do not reach the parent")
		require.Equal(t, want, contents(t, f, rev))
		for k, v := range contents(t, f, 0) {
			require.Equal(t, "fork", v, "key %s", k)
		}
		ffRev := ff.Revision()
		require.Equal(t, contents(t, f, ffRev), contents(t, ff, 0))
		require.NoError(t, ff.Close())
		require.NoError(t, f.Close())
	}
	t.Logf("%d forks, %d of them while the writers wrote", forks, concurrent)
	close(done)
	wg.Wait()
	<-writersDone
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

func TestForkOptions(t *testing.T) {
	var stamped []int64
	var mu sync.Mutex
	s := New(Options[obj]{
		Retention: -1,
		Stamp: func(v obj, rev int64) obj {
			mu.Lock()
			stamped = append(stamped, rev)
			mu.Unlock()
			v.RV = rev
			return v
		},
		Index: func(v obj) []string { return []string{"name=" + v.Name} },
	})
	defer s.Close()
	mustCreate(t, s, "a", obj{Name: "n"})
	f := forkOf(t, s)
	got := mustCreate(t, f, "b", obj{Name: "n"})
	require.Equal(t, obj{Name: "n", RV: 3}, got.Value, "the fork stamps like its parent")
	res, err := f.Range("", RangeOptions[obj]{Term: "name=n"})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, keysOf(res.KVs), "the fork indexes like its parent")
	require.Equal(t, []int64{2, 3}, stamped)
}
