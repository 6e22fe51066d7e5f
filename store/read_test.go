package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readHistory writes a small history and compacts it at 3:
//
//	rev 2: create a=a1    rev 3: create b=b1    rev 4: update a=a2
//	rev 5: delete b       rev 6: create b=b2    rev 7: create c=c1
func readHistory(t *testing.T) *Store[string] {
	s := openStore(t, Options[string]{})
	mustCreate(t, s, "a", "a1")
	mustCreate(t, s, "b", "b1")
	mustUpdate(t, s, "a", "a2")
	mustDelete(t, s, "b")
	mustCreate(t, s, "b", "b2")
	mustCreate(t, s, "c", "c1")
	s.Compact(3)
	return s
}

func TestGet(t *testing.T) {
	s := readHistory(t)
	cases := []struct {
		name    string
		key     string
		opts    ReadOptions
		want    KeyValue[string]
		found   bool
		wantErr error
	}{
		{name: "current", key: "a", want: wantKV("a", "a2", 2, 4), found: true},
		{name: "current recreated key", key: "b", want: wantKV("b", "b2", 6, 6), found: true},
		{name: "current missing key", key: "zz"},
		{name: "exact at floor", key: "a", opts: ReadOptions{Revision: 3, Match: Exact}, want: wantKV("a", "a1", 2, 2), found: true},
		{name: "exact before update", key: "b", opts: ReadOptions{Revision: 4, Match: Exact}, want: wantKV("b", "b1", 3, 3), found: true},
		{name: "exact at the delete", key: "b", opts: ReadOptions{Revision: 5, Match: Exact}},
		{name: "exact at the recreate", key: "b", opts: ReadOptions{Revision: 6, Match: Exact}, want: wantKV("b", "b2", 6, 6), found: true},
		{name: "exact before the key existed", key: "c", opts: ReadOptions{Revision: 6, Match: Exact}},
		{name: "exact at current", key: "c", opts: ReadOptions{Revision: 7, Match: Exact}, want: wantKV("c", "c1", 7, 7), found: true},
		{name: "exact missing key", key: "zz", opts: ReadOptions{Revision: 4, Match: Exact}},
		{name: "exact below floor", key: "a", opts: ReadOptions{Revision: 2, Match: Exact}, wantErr: ErrCompacted},
		{name: "exact below floor missing key", key: "zz", opts: ReadOptions{Revision: 2, Match: Exact}, wantErr: ErrCompacted},
		{name: "exact in the future", key: "a", opts: ReadOptions{Revision: 8, Match: Exact}, wantErr: ErrFutureRevision},
		{name: "not older than an old revision reads current", key: "a", opts: ReadOptions{Revision: 3}, want: wantKV("a", "a2", 2, 4), found: true},
		{name: "not older than a compacted revision reads current", key: "b", opts: ReadOptions{Revision: 2}, want: wantKV("b", "b2", 6, 6), found: true},
		{name: "not older than current", key: "c", opts: ReadOptions{Revision: 7}, want: wantKV("c", "c1", 7, 7), found: true},
		{name: "not older than the future", key: "a", opts: ReadOptions{Revision: 8}, wantErr: ErrFutureRevision},
		{name: "exact zero reads current", key: "a", opts: ReadOptions{Match: Exact}, want: wantKV("a", "a2", 2, 4), found: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := s.Get(tc.key, tc.opts)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.False(t, found)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.found, found)
			if !tc.found {
				require.Equal(t, KeyValue[string]{}, got)
				return
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRevisionErrors(t *testing.T) {
	s := readHistory(t) // floor 3, current 7
	get := func(rev int64, m Match) error {
		_, _, err := s.Get("a", ReadOptions{Revision: rev, Match: m})
		return err
	}
	rng := func(rev int64, m Match) error {
		_, err := s.Range("", RangeOptions[string]{ReadOptions: ReadOptions{Revision: rev, Match: m}})
		return err
	}
	chg := func(after int64) error {
		return s.ChangesAfter(after, 100, func(*Event[string]) bool { return true })
	}
	cases := []struct {
		name string
		err  error
		want RevisionError
	}{
		{"get exact compacted", get(2, Exact), RevisionError{Err: ErrCompacted, Requested: 2, Floor: 3, Current: 7}},
		{"get exact revision 1", get(1, Exact), RevisionError{Err: ErrCompacted, Requested: 1, Floor: 3, Current: 7}},
		{"get exact future", get(9, Exact), RevisionError{Err: ErrFutureRevision, Requested: 9, Floor: 3, Current: 7}},
		{"get not older than future", get(8, NotOlderThan), RevisionError{Err: ErrFutureRevision, Requested: 8, Floor: 3, Current: 7}},
		{"range exact compacted", rng(2, Exact), RevisionError{Err: ErrCompacted, Requested: 2, Floor: 3, Current: 7}},
		{"range exact future", rng(8, Exact), RevisionError{Err: ErrFutureRevision, Requested: 8, Floor: 3, Current: 7}},
		{"range not older than future", rng(8, NotOlderThan), RevisionError{Err: ErrFutureRevision, Requested: 8, Floor: 3, Current: 7}},
		{"changes after compacted", chg(2), RevisionError{Err: ErrCompacted, Requested: 2, Floor: 3, Current: 7}},
		{"changes after zero", chg(0), RevisionError{Err: ErrCompacted, Requested: 0, Floor: 3, Current: 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.want.Err)
			var re *RevisionError
			require.ErrorAs(t, tc.err, &re)
			require.Equal(t, tc.want, *re)
			require.Contains(t, tc.err.Error(), tc.want.Err.Error())
			other := ErrCompacted
			if tc.want.Err == ErrCompacted {
				other = ErrFutureRevision
			}
			require.NotErrorIs(t, tc.err, other)
		})
	}
	t.Run("at the floor and at current are fine", func(t *testing.T) {
		require.NoError(t, get(3, Exact))
		require.NoError(t, get(7, Exact))
		require.NoError(t, rng(3, Exact))
		require.NoError(t, chg(3))
		require.NoError(t, chg(7))
		require.NoError(t, chg(50), "after beyond current is an empty replay")
	})
}

func TestRangeKeyOrder(t *testing.T) {
	s := openStore(t, Options[string]{})
	keys := []string{"a/x", "a-b/x", "b", "a", "a/", "a/x/y", "a0", "A", "a/\xff", "ab", "a//", ""}
	for _, k := range keys {
		mustCreate(t, s, k, "v:"+k)
	}
	want := slices.Clone(keys)
	slices.Sort(want) // byte-wise order
	require.Less(t, "a-b/x", "a/x")

	res, err := s.Range("", RangeOptions[string]{})
	require.NoError(t, err)
	require.Equal(t, want, keysOf(res.KVs))
	for _, kv := range res.KVs {
		require.Equal(t, "v:"+kv.Key, kv.Value)
	}
	res, err = s.Range("a", RangeOptions[string]{})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "a-b/x", "a/", "a//", "a/x", "a/x/y", "a/\xff", "a0", "ab"}, keysOf(res.KVs))
}

func TestRangePrefix(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	for _, k := range []string{"ns1/a", "ns1/b", "ns10/a", "ns1", "ns2/a", "ns1-x/a", "ns/a", "ns10/b"} {
		mustCreate(t, s, k, "x")
	}
	cases := []struct {
		prefix string
		start  string
		want   []string
	}{
		{prefix: "ns1/", want: []string{"ns1/a", "ns1/b"}},
		{prefix: "ns10/", want: []string{"ns10/a", "ns10/b"}},
		{prefix: "ns1", want: []string{"ns1", "ns1-x/a", "ns1/a", "ns1/b", "ns10/a", "ns10/b"}},
		{prefix: "ns", want: []string{"ns/a", "ns1", "ns1-x/a", "ns1/a", "ns1/b", "ns10/a", "ns10/b", "ns2/a"}},
		{prefix: "ns3/"},
		{prefix: "zz"},
		{prefix: "ns1/", start: "ns1/b", want: []string{"ns1/b"}},
		{prefix: "ns1/", start: "ns1/a\x00", want: []string{"ns1/b"}},
		{prefix: "ns1/", start: "ns1/c"},
		{prefix: "ns1/", start: "a", want: []string{"ns1/a", "ns1/b"}}, // a start before the prefix is the prefix
		{prefix: "ns1/", start: "ns2/", want: nil},                     // a start past the prefix finds nothing
	}
	for _, tc := range cases {
		for _, term := range []string{"", "t=x"} {
			t.Run(fmt.Sprintf("%q from %q term %q", tc.prefix, tc.start, term), func(t *testing.T) {
				opts := RangeOptions[string]{Start: tc.start, Term: term}
				if term != "" {
					opts.Filter = hasTerm(term)
				}
				res, err := s.Range(tc.prefix, opts)
				require.NoError(t, err)
				if tc.want == nil {
					require.Empty(t, res.KVs)
					require.NotNil(t, res.KVs, "an empty page is an empty slice")
				} else {
					require.Equal(t, tc.want, keysOf(res.KVs))
				}
				require.False(t, res.More)
				require.Empty(t, res.NextStart)
				require.Equal(t, s.Revision(), res.Revision)
			})
		}
	}
}

// readAllPages reads every page of a paginated Range, the later ones pinned at the first page's revision, calling
// between after each page.
func readAllPages(t *testing.T, s *Store[string], prefix string, opts RangeOptions[string], between func()) (kvs []KeyValue[string], pages []RangeResult[string]) {
	t.Helper()
	for {
		res, err := s.Range(prefix, opts)
		require.NoError(t, err)
		pages = append(pages, res)
		kvs = append(kvs, res.KVs...)
		if len(pages) == 1 {
			opts.Revision, opts.Match = res.Revision, Exact
		} else {
			require.Equal(t, pages[0].Revision, res.Revision, "every page is read at the first page's revision")
		}
		if opts.Limit > 0 {
			require.LessOrEqual(t, len(res.KVs), opts.Limit)
		}
		if !res.More {
			require.Empty(t, res.NextStart)
			return kvs, pages
		}
		require.NotEmpty(t, res.KVs)
		require.Greater(t, res.NextStart, res.KVs[len(res.KVs)-1].Key)
		opts.Start = res.NextStart
		require.Less(t, len(pages), 1000, "pagination does not end")
		if between != nil {
			between()
		}
	}
}

func TestRangePagination(t *testing.T) {
	for _, limit := range []int{1, 2, 3, 7, 10, 11, 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			s := openStore(t, Options[string]{})
			for i := range 10 {
				mustCreate(t, s, fmt.Sprintf("p/%02d", i), fmt.Sprint(i))
			}
			mustCreate(t, s, "q/0", "outside")
			mustCreate(t, s, "o/0", "outside")
			start := s.Revision()
			n := 0
			// Between pages, change keys on both sides of the cursor: none of it may show.
			between := func() {
				n++
				mustUpdate(t, s, fmt.Sprintf("p/%02d", 9-n%10), "changed")
				mustDelete(t, s, fmt.Sprintf("p/%02d", n%10))
				mustCreate(t, s, fmt.Sprintf("p/%02d", n%10), "recreated")
				mustCreate(t, s, fmt.Sprintf("p/%02d-new", n), "new")
			}
			got, pages := readAllPages(t, s, "p/", RangeOptions[string]{Limit: limit}, between)
			require.Equal(t, start, pages[0].Revision)
			require.Len(t, pages, (10+limit-1)/limit)
			exact, err := s.Range("p/", RangeOptions[string]{ReadOptions: ReadOptions{Revision: start, Match: Exact}})
			require.NoError(t, err)
			require.Equal(t, exact.KVs, got)
			require.Len(t, got, 10)
			for i, kv := range got {
				require.Equal(t, fmt.Sprint(i), kv.Value)
			}
		})
	}
	t.Run("pages skip keys deleted at the page revision", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		for i := range 6 {
			mustCreate(t, s, fmt.Sprintf("k%d", i), "v")
		}
		mustDelete(t, s, "k1")
		mustDelete(t, s, "k2")
		mustDelete(t, s, "k5")
		got, pages := readAllPages(t, s, "k", RangeOptions[string]{Limit: 2}, nil)
		require.Equal(t, []string{"k0", "k3", "k4"}, keysOf(got))
		require.Len(t, pages, 2)
		require.True(t, pages[0].More)
		require.False(t, pages[1].More, "only tombstones follow k4")
	})
	t.Run("a snapshot paginates at its revision", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		for i := range 5 {
			mustCreate(t, s, fmt.Sprintf("k%d", i), "v")
		}
		snap := s.Snapshot()
		mustDelete(t, s, "k0")
		mustCreate(t, s, "k22", "v")
		var got []string
		opts := RangeOptions[string]{Limit: 2, ReadOptions: ReadOptions{Revision: 1, Match: Exact}} // ignored
		for {
			res, err := snap.Range("k", opts)
			require.NoError(t, err)
			require.Equal(t, snap.Revision(), res.Revision)
			got = append(got, keysOf(res.KVs)...)
			if !res.More {
				break
			}
			opts.Start = res.NextStart
		}
		require.Equal(t, []string{"k0", "k1", "k2", "k3", "k4"}, got)
	})
}

func TestRangeRemaining(t *testing.T) {
	s := openStore(t, Options[string]{})
	for i := range 10 {
		mustCreate(t, s, fmt.Sprintf("r/%d", i), "v")
	}
	mustCreate(t, s, "s/0", "outside")
	mustCreate(t, s, "r/x", "deleted")
	mustDelete(t, s, "r/x")
	var remaining []int64
	var more []bool
	opts := RangeOptions[string]{Limit: 3, CountRemaining: true}
	for {
		res, err := s.Range("r/", opts)
		require.NoError(t, err)
		remaining = append(remaining, res.Remaining)
		more = append(more, res.More)
		if !res.More {
			require.Len(t, res.KVs, 1)
			break
		}
		require.Len(t, res.KVs, 3)
		opts.Start = res.NextStart
	}
	require.Equal(t, []int64{7, 4, 1, 0}, remaining)
	require.Equal(t, []bool{true, true, true, false}, more)

	t.Run("without CountRemaining", func(t *testing.T) {
		res, err := s.Range("r/", RangeOptions[string]{Limit: 3})
		require.NoError(t, err)
		require.True(t, res.More)
		require.Zero(t, res.Remaining)
	})
	t.Run("at an old revision", func(t *testing.T) {
		res, err := s.Range("r/", RangeOptions[string]{Limit: 3, CountRemaining: true, ReadOptions: ReadOptions{Revision: 7, Match: Exact}})
		require.NoError(t, err)
		require.Equal(t, int64(3), res.Remaining, "revision 7 has r/0..r/5")
	})
	t.Run("limit equal to the count", func(t *testing.T) {
		res, err := s.Range("r/", RangeOptions[string]{Limit: 10, CountRemaining: true})
		require.NoError(t, err)
		require.False(t, res.More)
		require.Zero(t, res.Remaining)
	})
}

func TestRangeFilter(t *testing.T) {
	s := openStore(t, Options[string]{})
	// Values: k00..k19, every third one "match".
	var want []string
	for i := range 20 {
		v := "other"
		if i%3 == 0 {
			v = "match"
			want = append(want, fmt.Sprintf("k%02d", i))
		}
		mustCreate(t, s, fmt.Sprintf("k%02d", i), v)
	}
	mustCreate(t, s, "k99", "other")
	base := ReadOptions{Revision: s.Revision(), Match: Exact} // later subtests add matching keys
	match := func(kv *KeyValue[string]) bool { return kv.Value == "match" }

	t.Run("without limit", func(t *testing.T) {
		res, err := s.Range("k", RangeOptions[string]{ReadOptions: base, Filter: match})
		require.NoError(t, err)
		require.Equal(t, want, keysOf(res.KVs))
		require.False(t, res.More)
	})
	for _, limit := range []int{1, 2, 3, 6, 7, 50} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			got, pages := readAllPages(t, s, "k", RangeOptions[string]{ReadOptions: base, Filter: match, Limit: limit}, func() {
				mustCreate(t, s, fmt.Sprintf("k%02d-new", s.Revision()), "match")
			})
			require.Equal(t, want, keysOf(got))
			for i, p := range pages {
				last := i == len(pages)-1
				require.Equal(t, !last, p.More, "page %d: More is set exactly when a matching key follows", i)
				for _, kv := range p.KVs {
					require.Equal(t, "match", kv.Value)
				}
			}
			// No page is needed only to learn that nothing follows.
			require.Len(t, pages, max(1, (len(want)+limit-1)/limit))
		})
	}
	t.Run("filter sees live key-values only", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		mustCreate(t, s, "a", "1")
		mustCreate(t, s, "b", "1")
		mustDelete(t, s, "b")
		mustUpdate(t, s, "a", "2")
		var seen []KeyValue[string]
		_, err := s.Range("", RangeOptions[string]{
			ReadOptions: ReadOptions{Revision: 4, Match: Exact},
			Filter:      func(kv *KeyValue[string]) bool { seen = append(seen, *kv); return true },
		})
		require.NoError(t, err)
		require.Equal(t, []KeyValue[string]{wantKV("a", "1", 2, 2)}, seen)
	})
}

func TestRangeTerm(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "p/a", "x1")     // 2
	mustCreate(t, s, "p/b", "y1")     // 3
	mustCreate(t, s, "p/c", "x1")     // 4
	mustCreate(t, s, "q/a", "x1")     // 5
	mustUpdate(t, s, "p/a", "y2")     // 6: p/a leaves x
	mustUpdate(t, s, "p/b", "x2")     // 7: p/b joins x
	mustDelete(t, s, "p/c")           // 8
	mustCreate(t, s, "p/c", "y3")     // 9: p/c is back, without x
	mustCreate(t, s, "p/d", "x4")     // 10
	mustUpdate(t, s, "p/a", "x5")     // 11: p/a is back in x
	mustCreate(t, s, "p/e", "")       // 12: no terms at all
	mustUpdate(t, s, "p/b", "x2-bis") // 13: same term again

	byRev := map[int64][]string{
		1:  nil,
		2:  {"p/a"},
		4:  {"p/a", "p/c"},
		5:  {"p/a", "p/c"},
		6:  {"p/c"},
		7:  {"p/b", "p/c"},
		8:  {"p/b"},
		9:  {"p/b"},
		10: {"p/b", "p/d"},
		11: {"p/a", "p/b", "p/d"},
		13: {"p/a", "p/b", "p/d"},
	}
	for rev, want := range byRev {
		t.Run(fmt.Sprintf("term x at %d", rev), func(t *testing.T) {
			res, err := s.Range("p/", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x"), ReadOptions: ReadOptions{Revision: rev, Match: Exact}})
			require.NoError(t, err)
			require.Equal(t, want, nilIfEmpty(keysOf(res.KVs)))
			// The same as a full scan with the filter.
			full, err := s.Range("p/", RangeOptions[string]{Filter: hasTerm("t=x"), ReadOptions: ReadOptions{Revision: rev, Match: Exact}})
			require.NoError(t, err)
			require.Equal(t, full.KVs, res.KVs)
		})
	}
	t.Run("current", func(t *testing.T) {
		res, err := s.Range("p/", RangeOptions[string]{Term: "t=y", Filter: hasTerm("t=y")})
		require.NoError(t, err)
		require.Equal(t, []string{"p/c"}, keysOf(res.KVs))
		res, err = s.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
		require.NoError(t, err)
		require.Equal(t, []string{"p/a", "p/b", "p/d", "q/a"}, keysOf(res.KVs))
		require.Equal(t, "x2-bis", res.KVs[1].Value)
	})
	t.Run("unknown term", func(t *testing.T) {
		res, err := s.Range("", RangeOptions[string]{Term: "t=nope", Filter: hasTerm("t=nope")})
		require.NoError(t, err)
		require.Empty(t, res.KVs)
	})
	t.Run("the index is a superset and only visits keys that ever had the term", func(t *testing.T) {
		var visited []string
		_, err := s.Range("p/", RangeOptions[string]{Term: "t=x", Filter: func(kv *KeyValue[string]) bool {
			visited = append(visited, kv.Key)
			return hasTerm("t=x")(kv)
		}})
		require.NoError(t, err)
		// p/c had x at revision 4 (still retained): it is a candidate, rejected by the filter. p/e never had x.
		require.Equal(t, []string{"p/a", "p/b", "p/c", "p/d"}, visited)
	})
	t.Run("paginated", func(t *testing.T) {
		got, pages := readAllPages(t, s, "", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x"), Limit: 2}, func() {
			mustUpdate(t, s, "q/a", "y9")
			mustCreate(t, s, fmt.Sprintf("p/z%d", s.Revision()), "x")
		})
		require.Equal(t, []string{"p/a", "p/b", "p/d", "q/a"}, keysOf(got))
		require.Len(t, pages, 2)
	})
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestChangesAfter(t *testing.T) {
	s := openStore(t, Options[string]{})
	mustCreate(t, s, "a", "1") // 2
	mustCreate(t, s, "b", "1") // 3
	mustUpdate(t, s, "a", "2") // 4
	mustDelete(t, s, "b")      // 5
	mustCreate(t, s, "b", "2") // 6
	revs := func(evs []Event[string]) []int64 {
		var r []int64
		for _, ev := range evs {
			r = append(r, ev.Revision)
		}
		return r
	}
	cases := []struct {
		name           string
		after, through int64
		want           []int64
	}{
		{"all", 1, 6, []int64{2, 3, 4, 5, 6}},
		{"through clamped to current", 1, 1000, []int64{2, 3, 4, 5, 6}},
		{"after excluded, through included", 2, 4, []int64{3, 4}},
		{"single", 4, 5, []int64{5}},
		{"empty: after equals through", 4, 4, nil},
		{"empty: through before after", 5, 3, nil},
		{"empty: after current", 6, 100, nil},
		{"empty: after beyond current", 60, 100, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, revs(changes(t, s, tc.after, tc.through)))
		})
	}
	t.Run("events", func(t *testing.T) {
		require.Equal(t, []Event[string]{
			{Revision: 2, Type: EventCreate, Key: "a", Value: "1"},
			{Revision: 3, Type: EventCreate, Key: "b", Value: "1"},
			{Revision: 4, Type: EventUpdate, Key: "a", Value: "2", Prev: "1"},
			{Revision: 5, Type: EventDelete, Key: "b", Value: "1", Prev: "1"},
			{Revision: 6, Type: EventCreate, Key: "b", Value: "2"},
		}, changes(t, s, 1, 6))
	})
	t.Run("fn stops the replay", func(t *testing.T) {
		var got []int64
		require.NoError(t, s.ChangesAfter(1, 6, func(ev *Event[string]) bool {
			got = append(got, ev.Revision)
			return len(got) < 2
		}))
		require.Equal(t, []int64{2, 3}, got)
	})
	t.Run("compacted", func(t *testing.T) {
		s.Compact(4)
		err := s.ChangesAfter(3, 6, func(*Event[string]) bool { t.Fatal("called"); return true })
		require.ErrorIs(t, err, ErrCompacted)
		require.Equal(t, []int64{5, 6}, revs(changes(t, s, 4, 6)))
	})
	t.Run("across chunks", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		n := 3*chunkSize + 5
		for i := range n {
			mustCreate(t, s, fmt.Sprintf("k%05d", i), strings.Repeat("v", i%3))
		}
		evs := changes(t, s, 1, s.Revision())
		require.Len(t, evs, n)
		for i, ev := range evs {
			require.Equal(t, int64(i+2), ev.Revision)
			require.Equal(t, fmt.Sprintf("k%05d", i), ev.Key)
		}
		mid := int64(chunkSize + 7)
		evs = changes(t, s, mid, mid+chunkSize+3)
		require.Len(t, evs, chunkSize+3)
		require.Equal(t, mid+1, evs[0].Revision)
	})
}

func TestSnapshot(t *testing.T) {
	s := openStore(t, Options[string]{Index: termIndex})
	mustCreate(t, s, "a", "x1")
	mustCreate(t, s, "b", "x1")
	snap := s.Snapshot()
	require.Equal(t, int64(3), snap.Revision())

	mustUpdate(t, s, "a", "y2")
	mustDelete(t, s, "b")
	mustCreate(t, s, "c", "x3")

	got, ok, err := snap.Get("a")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, wantKV("a", "x1", 2, 2), got)
	got, ok, err = snap.Get("b")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "x1", got.Value)
	_, ok, err = snap.Get("c")
	require.NoError(t, err)
	require.False(t, ok)

	res, err := snap.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, keysOf(res.KVs))
	require.Equal(t, int64(3), res.Revision)

	now := s.Snapshot()
	res, err = now.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, keysOf(res.KVs))
	require.Equal(t, s.Revision(), now.Revision())
}
