package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openStore returns a string store with automatic compaction off unless opts asks for it, closed when the test ends.
func openStore(t testing.TB, opts Options[string]) *Store[string] {
	t.Helper()
	if opts.Retention == 0 {
		opts.Retention = -1
	}
	s := New(opts)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// termIndex indexes a value under "t=" + its first byte, so that the values "x1" and "x2" share the term "t=x".
func termIndex(v string) []string {
	if v == "" {
		return nil
	}
	return []string{"t=" + v[:1]}
}

// hasTerm is the Filter that a Range with Term must pass: it rejects values that lost the term.
func hasTerm(term string) func(kv *KeyValue[string]) bool {
	return func(kv *KeyValue[string]) bool {
		for _, t := range termIndex(kv.Value) {
			if t == term {
				return true
			}
		}
		return false
	}
}

func mustCreate[V any](t testing.TB, s *Store[V], key string, v V) KeyValue[V] {
	t.Helper()
	kv, err := s.Create(key, v)
	require.NoError(t, err)
	return kv
}

func mustUpdate[V any](t testing.TB, s *Store[V], key string, v V) KeyValue[V] {
	t.Helper()
	kv, err := s.Update(key, v, 0)
	require.NoError(t, err)
	return kv
}

func mustDelete[V any](t testing.TB, s *Store[V], key string) KeyValue[V] {
	t.Helper()
	kv, err := s.Delete(key, 0)
	require.NoError(t, err)
	return kv
}

// changes returns the events in (after, through], failing the test on an error.
func changes[V any](t testing.TB, s *Store[V], after, through int64) []Event[V] {
	t.Helper()
	var evs []Event[V]
	require.NoError(t, s.ChangesAfter(after, through, func(ev *Event[V]) bool {
		evs = append(evs, *ev)
		return true
	}))
	return evs
}

func keysOf[V any](kvs []KeyValue[V]) []string {
	keys := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		keys = append(keys, kv.Key)
	}
	return keys
}

// writeOp is one write of a scripted test and what it must return.
type writeOp struct {
	op      string // "create", "update" or "delete"
	key     string
	value   string
	ifRev   int64
	want    KeyValue[string] // checked when wantErr is nil
	wantErr error
}

func (o writeOp) apply(s *Store[string]) (KeyValue[string], error) {
	switch o.op {
	case "create":
		return s.Create(o.key, o.value)
	case "update":
		return s.Update(o.key, o.value, o.ifRev)
	case "delete":
		return s.Delete(o.key, o.ifRev)
	}
	panic("unknown op " + o.op)
}

// wantKV builds an expected key-value.
func wantKV(key, value string, create, mod int64) KeyValue[string] {
	return KeyValue[string]{Key: key, Value: value, CreateRevision: create, ModRevision: mod}
}

func TestWriteResults(t *testing.T) {
	cases := []struct {
		name string
		ops  []writeOp
	}{
		{
			name: "first write commits revision 2",
			ops:  []writeOp{{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)}},
		},
		{
			name: "one revision per write across keys",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "create", key: "b", value: "1", want: wantKV("b", "1", 3, 3)},
				{op: "update", key: "a", value: "2", want: wantKV("a", "2", 2, 4)},
				{op: "delete", key: "b", want: wantKV("b", "1", 3, 5)},
			},
		},
		{
			name: "update keeps CreateRevision",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "update", key: "a", value: "2", want: wantKV("a", "2", 2, 3)},
				{op: "update", key: "a", value: "3", want: wantKV("a", "3", 2, 4)},
			},
		},
		{
			name: "delete returns the last value at the deletion revision",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "update", key: "a", value: "2", want: wantKV("a", "2", 2, 3)},
				{op: "delete", key: "a", want: wantKV("a", "2", 2, 4)},
			},
		},
		{
			name: "create after delete starts a new generation",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "delete", key: "a", want: wantKV("a", "1", 2, 3)},
				{op: "create", key: "a", value: "2", want: wantKV("a", "2", 4, 4)},
				{op: "update", key: "a", value: "3", want: wantKV("a", "3", 4, 5)},
			},
		},
		{
			name: "create of a live key fails and commits nothing",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "create", key: "a", value: "2", wantErr: ErrKeyExists},
				{op: "create", key: "b", value: "1", want: wantKV("b", "1", 3, 3)},
			},
		},
		{
			name: "update of a missing key",
			ops:  []writeOp{{op: "update", key: "a", value: "1", wantErr: ErrKeyNotFound}},
		},
		{
			name: "update of a missing key with a condition",
			ops:  []writeOp{{op: "update", key: "a", value: "1", ifRev: 7, wantErr: ErrKeyNotFound}},
		},
		{
			name: "update of a deleted key",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "delete", key: "a", want: wantKV("a", "1", 2, 3)},
				{op: "update", key: "a", value: "2", wantErr: ErrKeyNotFound},
			},
		},
		{
			name: "delete of a missing key",
			ops:  []writeOp{{op: "delete", key: "a", wantErr: ErrKeyNotFound}},
		},
		{
			name: "delete of a deleted key",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "delete", key: "a", want: wantKV("a", "1", 2, 3)},
				{op: "delete", key: "a", wantErr: ErrKeyNotFound},
				{op: "delete", key: "a", ifRev: 3, wantErr: ErrKeyNotFound},
			},
		},
		{
			name: "conditional update with the right revision",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "update", key: "a", value: "2", ifRev: 2, want: wantKV("a", "2", 2, 3)},
				{op: "update", key: "a", value: "3", ifRev: 3, want: wantKV("a", "3", 2, 4)},
			},
		},
		{
			name: "conditional update with a stale revision",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "update", key: "a", value: "2", want: wantKV("a", "2", 2, 3)},
				{op: "update", key: "a", value: "3", ifRev: 2, wantErr: ErrConflict},
				{op: "update", key: "a", value: "3", ifRev: 99, wantErr: ErrConflict},
				{op: "update", key: "a", value: "3", want: wantKV("a", "3", 2, 4)},
			},
		},
		{
			name: "conditional update with another key's revision",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "create", key: "b", value: "1", want: wantKV("b", "1", 3, 3)},
				{op: "update", key: "a", value: "2", ifRev: 3, wantErr: ErrConflict},
			},
		},
		{
			name: "conditional delete",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "delete", key: "a", ifRev: 1, wantErr: ErrConflict},
				{op: "delete", key: "a", ifRev: 2, want: wantKV("a", "1", 2, 3)},
			},
		},
		{
			name: "condition against the new generation after recreate",
			ops: []writeOp{
				{op: "create", key: "a", value: "1", want: wantKV("a", "1", 2, 2)},
				{op: "delete", key: "a", want: wantKV("a", "1", 2, 3)},
				{op: "create", key: "a", value: "2", want: wantKV("a", "2", 4, 4)},
				{op: "update", key: "a", value: "3", ifRev: 2, wantErr: ErrConflict},
				{op: "delete", key: "a", ifRev: 4, want: wantKV("a", "2", 4, 5)},
			},
		},
		{
			name: "empty key and empty value",
			ops: []writeOp{
				{op: "create", key: "", value: "", want: wantKV("", "", 2, 2)},
				{op: "update", key: "", value: "v", ifRev: 2, want: wantKV("", "v", 2, 3)},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, Options[string]{})
			require.Equal(t, int64(1), s.Revision(), "a new store is at revision 1")
			wantRev := int64(1)
			for i, o := range tc.ops {
				got, err := o.apply(s)
				if o.wantErr != nil {
					require.ErrorIs(t, err, o.wantErr, "op %d", i)
					require.Equal(t, KeyValue[string]{}, got, "op %d", i)
				} else {
					require.NoError(t, err, "op %d", i)
					require.Equal(t, o.want, got, "op %d", i)
					wantRev++
				}
				require.Equal(t, wantRev, s.Revision(), "op %d: a failed write commits no revision", i)
			}
			// Every successful write is exactly one event, with contiguous revisions.
			evs := changes(t, s, 1, s.Revision())
			require.Len(t, evs, int(wantRev-1))
			for i, ev := range evs {
				require.Equal(t, int64(i+2), ev.Revision)
			}
		})
	}
}

func TestWriteEvents(t *testing.T) {
	s := openStore(t, Options[string]{})
	mustCreate(t, s, "a", "1")
	mustUpdate(t, s, "a", "2")
	mustDelete(t, s, "a")
	mustCreate(t, s, "a", "3")
	want := []Event[string]{
		{Revision: 2, Type: EventCreate, Key: "a", Value: "1"},
		{Revision: 3, Type: EventUpdate, Key: "a", Value: "2", Prev: "1"},
		{Revision: 4, Type: EventDelete, Key: "a", Value: "2", Prev: "2"},
		{Revision: 5, Type: EventCreate, Key: "a", Value: "3"},
	}
	require.Equal(t, want, changes(t, s, 1, 5))
}

func TestConditionError(t *testing.T) {
	cases := []struct {
		name  string
		write func(s *Store[string]) error
		want  ConditionError
	}{
		{
			name: "update",
			write: func(s *Store[string]) error {
				_, err := s.Update("k", "v", 2)
				return err
			},
			want: ConditionError{Key: "k", Expected: 2, Actual: 3},
		},
		{
			name: "delete",
			write: func(s *Store[string]) error {
				_, err := s.Delete("k", 17)
				return err
			},
			want: ConditionError{Key: "k", Expected: 17, Actual: 3},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, Options[string]{})
			mustCreate(t, s, "k", "v0")
			mustUpdate(t, s, "k", "v1")
			err := tc.write(s)
			require.ErrorIs(t, err, ErrConflict)
			require.NotErrorIs(t, err, ErrKeyNotFound)
			var ce *ConditionError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.want, *ce)
			require.Contains(t, err.Error(), ErrConflict.Error())
			require.Contains(t, err.Error(), `"k"`)
			// Wrapped errors still match.
			require.ErrorIs(t, fmt.Errorf("wrapped: %w", err), ErrConflict)
			require.Equal(t, int64(3), s.Revision())
		})
	}
}

// obj is a value type with a resourceVersion that Stamp fills in.
type obj struct {
	Name string
	RV   int64
}

type stampCall struct {
	v   obj
	rev int64
}

func TestStamp(t *testing.T) {
	cases := []struct {
		name      string
		write     func(s *Store[obj]) (KeyValue[obj], error)
		wantCall  stampCall
		wantValue obj
		wantEvent Event[obj]
	}{
		{
			name:      "create",
			write:     func(s *Store[obj]) (KeyValue[obj], error) { return s.Create("new", obj{Name: "n"}) },
			wantCall:  stampCall{v: obj{Name: "n"}, rev: 4},
			wantValue: obj{Name: "n", RV: 4},
			wantEvent: Event[obj]{Revision: 4, Type: EventCreate, Key: "new", Value: obj{Name: "n", RV: 4}},
		},
		{
			name:      "update",
			write:     func(s *Store[obj]) (KeyValue[obj], error) { return s.Update("k", obj{Name: "k2"}, 3) },
			wantCall:  stampCall{v: obj{Name: "k2"}, rev: 4},
			wantValue: obj{Name: "k2", RV: 4},
			wantEvent: Event[obj]{Revision: 4, Type: EventUpdate, Key: "k", Value: obj{Name: "k2", RV: 4}, Prev: obj{Name: "k1", RV: 3}},
		},
		{
			name:      "delete stamps the last value with the deletion revision",
			write:     func(s *Store[obj]) (KeyValue[obj], error) { return s.Delete("k", 0) },
			wantCall:  stampCall{v: obj{Name: "k1", RV: 3}, rev: 4},
			wantValue: obj{Name: "k1", RV: 4},
			wantEvent: Event[obj]{Revision: 4, Type: EventDelete, Key: "k", Value: obj{Name: "k1", RV: 4}, Prev: obj{Name: "k1", RV: 3}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls []stampCall
			s := New(Options[obj]{Retention: -1, Stamp: func(v obj, rev int64) obj {
				calls = append(calls, stampCall{v, rev})
				v.RV = rev
				return v
			}})
			defer s.Close()
			mustCreate(t, s, "k", obj{Name: "k0"})
			mustUpdate(t, s, "k", obj{Name: "k1"})
			require.Equal(t, []stampCall{{obj{Name: "k0"}, 2}, {obj{Name: "k1"}, 3}}, calls)
			calls = nil

			got, err := tc.write(s)
			require.NoError(t, err)
			require.Equal(t, []stampCall{tc.wantCall}, calls)
			require.Equal(t, tc.wantValue, got.Value)
			require.Equal(t, int64(4), got.ModRevision)
			require.Equal(t, []Event[obj]{tc.wantEvent}, changes(t, s, 3, 4))
			if tc.wantEvent.Type != EventDelete {
				stored, ok, err := s.Get(tc.wantEvent.Key, ReadOptions{})
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, tc.wantValue, stored.Value, "the stamped value is what is stored")
			}

			// A failed write never calls Stamp.
			calls = nil
			_, err = s.Update("k", obj{Name: "x"}, 2)
			require.Error(t, err)
			_, err = s.Create("new", obj{Name: "x"})
			if tc.name != "create" {
				require.NoError(t, err)
				require.Len(t, calls, 1)
			} else {
				require.ErrorIs(t, err, ErrKeyExists)
				require.Empty(t, calls)
			}
		})
	}
}

func TestWait(t *testing.T) {
	closedWithin := func(ch <-chan struct{}, d time.Duration) bool {
		select {
		case <-ch:
			return true
		case <-time.After(d):
			return false
		}
	}
	isClosed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}

	t.Run("revision already passed", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		mustCreate(t, s, "a", "1")
		require.True(t, isClosed(s.Wait(1)))
		require.True(t, isClosed(s.Wait(0)))
		require.False(t, isClosed(s.Wait(2)))
	})
	t.Run("closed by a later write, not before", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		ch := s.Wait(1)
		ch2 := s.Wait(1)
		require.False(t, closedWithin(ch, 10*time.Millisecond))
		// A failed write commits nothing and wakes nobody.
		_, err := s.Update("a", "1", 0)
		require.ErrorIs(t, err, ErrKeyNotFound)
		s.Compact(1)
		require.False(t, isClosed(ch))
		mustCreate(t, s, "a", "1")
		require.True(t, isClosed(ch))
		require.True(t, isClosed(ch2))
		later := s.Wait(2)
		require.False(t, isClosed(later))
		mustUpdate(t, s, "a", "2")
		require.True(t, isClosed(later))
	})
	t.Run("closed by a write in another goroutine", func(t *testing.T) {
		s := openStore(t, Options[string]{})
		ch := s.Wait(1)
		go func() { _, _ = s.Create("a", "1") }()
		require.True(t, closedWithin(ch, 5*time.Second))
		require.Equal(t, int64(2), s.Revision(), "the write is published before waiters wake")
	})
	t.Run("closed by Close", func(t *testing.T) {
		s := New(Options[string]{Retention: -1})
		ch := s.Wait(1)
		require.False(t, isClosed(ch))
		require.NoError(t, s.Close())
		require.True(t, isClosed(ch))
		require.True(t, isClosed(s.Wait(100)), "Wait after Close returns a closed channel")
	})
}

func TestClose(t *testing.T) {
	s := New(Options[string]{Retention: time.Hour, Index: termIndex})
	mustCreate(t, s, "a", "x1")
	mustCreate(t, s, "b", "x2")
	mustUpdate(t, s, "a", "y1")
	snap := s.Snapshot()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	writes := map[string]func() error{
		"create":             func() error { _, err := s.Create("c", "1"); return err },
		"create existing":    func() error { _, err := s.Create("a", "1"); return err },
		"update":             func() error { _, err := s.Update("a", "z", 0); return err },
		"conditional update": func() error { _, err := s.Update("a", "z", 4); return err },
		"delete":             func() error { _, err := s.Delete("a", 0); return err },
		"delete missing":     func() error { _, err := s.Delete("zz", 0); return err },
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, write(), ErrClosed)
			require.Equal(t, int64(4), s.Revision())
		})
	}
	t.Run("reads work", func(t *testing.T) {
		got, ok, err := s.Get("a", ReadOptions{})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, wantKV("a", "y1", 2, 4), got)
		got, ok, err = s.Get("a", ReadOptions{Revision: 3, Match: Exact})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "x1", got.Value)
		res, err := s.Range("", RangeOptions[string]{Term: "t=x", Filter: hasTerm("t=x")})
		require.NoError(t, err)
		require.Equal(t, []string{"b"}, keysOf(res.KVs))
		require.Len(t, changes(t, s, 1, 10), 3)
		res, err = snap.Range("", RangeOptions[string]{})
		require.NoError(t, err)
		require.Len(t, res.KVs, 2)
	})
	t.Run("compaction still works", func(t *testing.T) {
		s.Compact(3)
		require.Equal(t, int64(3), s.CompactedRevision())
		_, _, err := s.Get("a", ReadOptions{Revision: 2, Match: Exact})
		require.True(t, errors.Is(err, ErrCompacted))
	})
}
