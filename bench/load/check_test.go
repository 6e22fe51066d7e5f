package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestKeyAndEventPacking(t *testing.T) {
	for _, k := range []key{makeKey(configMaps, 0, 0), makeKey(pods, maxNamespaces-1, maxNames-1), makeKey(configMaps, 3, 12345)} {
		got, err := parseKey(k.resource(), namespaceName(k.ns()), objectName(k.resource(), k.name()))
		require.NoError(t, err)
		require.Equal(t, k, got)
		for _, typ := range []eventType{added, modified, deleted} {
			e := makeEvent(maxRevision, k, typ)
			require.Equal(t, [3]any{int64(maxRevision), k, typ}, [3]any{e.rv(), e.key(), e.typ()})
		}
	}
	for _, bad := range [][2]string{{"default", "cm-1"}, {"load-1", "cm-01"}, {"load-1", "pod-1"}, {"load-1", "cm-"}, {"load-x", "cm-1"}} {
		_, err := parseKey(configMaps, bad[0], bad[1])
		require.Error(t, err, "%v", bad)
	}
}

// logOf builds a write log from writes given as (revision, key, op, shard).
type logWrite struct {
	rev   int64
	key   key
	op    writeOp
	shard int8
}

func logOf(t *testing.T, writes ...logWrite) *writeLog {
	l := newWriteLog()
	for _, w := range writes {
		at := l.epoch.Add(time.Duration(w.rev) * time.Millisecond)
		require.NoError(t, l.record(w.rev, w.key, w.op, w.shard, fmt.Sprint("uid-", w.key), at, at))
	}
	return l
}

func TestHistoryExpected(t *testing.T) {
	a, b := makeKey(configMaps, 0, 1), makeKey(configMaps, 0, 2)
	other := makeKey(configMaps, 1, 1) // another namespace
	l := logOf(t,
		logWrite{10, a, opCreate, 0},
		logWrite{11, b, opCreate, 1},
		logWrite{12, other, opCreate, 1},
		logWrite{13, a, opUpdate, 1}, // a moves from shard 0 to 1
		logWrite{14, a, opUpdate, 1},
		logWrite{15, b, opUpdate, 0},
		logWrite{16, a, opDelete, 1},
	)
	h := buildHistory(l)
	require.Empty(t, h.problems)
	all, shard1 := uint32(0b11), uint32(0b10)
	tests := []struct {
		name    string
		sel     selection
		from    int64
		want    []event
		stateAt int64
		state   []event
	}{
		{name: "every change of the namespace", sel: selection{res: configMaps, ns: 0, shards: all, name: -1}, from: 0,
			want: []event{makeEvent(10, a, added), makeEvent(11, b, added), makeEvent(13, a, modified), makeEvent(14, a, modified),
				makeEvent(15, b, modified), makeEvent(16, a, deleted)},
			stateAt: 14, state: []event{makeEvent(11, b, added), makeEvent(14, a, added)}},
		{name: "X-12: entering the selection is ADDED, leaving it DELETED", sel: selection{res: configMaps, ns: 0, shards: shard1, name: -1}, from: 0,
			want: []event{makeEvent(11, b, added), makeEvent(13, a, added), makeEvent(14, a, modified), makeEvent(15, b, deleted),
				makeEvent(16, a, deleted)},
			stateAt: 12, state: []event{makeEvent(11, b, added)}},
		{name: "only changes after the start", sel: selection{res: configMaps, ns: 0, shards: shard1, name: -1}, from: 14,
			want: []event{makeEvent(15, b, deleted), makeEvent(16, a, deleted)}, stateAt: 16},
		{name: "one name", sel: selection{res: configMaps, ns: 0, shards: all, name: 2}, from: 0,
			want: []event{makeEvent(11, b, added), makeEvent(15, b, modified)}, stateAt: 16, state: []event{makeEvent(15, b, added)}},
		{name: "every namespace", sel: selection{res: configMaps, ns: -1, shards: shard1, name: -1}, from: 11,
			want: []event{makeEvent(12, other, added), makeEvent(13, a, added), makeEvent(14, a, modified), makeEvent(15, b, deleted),
				makeEvent(16, a, deleted)},
			stateAt: 12, state: []event{makeEvent(11, b, added), makeEvent(12, other, added)}},
		{name: "another resource", sel: selection{res: pods, ns: 0, shards: all, name: -1}, stateAt: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, h.expected(&tt.sel, tt.from))
			require.Equal(t, tt.state, h.stateAt(&tt.sel, tt.stateAt))
		})
	}
}

func TestHistoryProblems(t *testing.T) {
	a, b := makeKey(configMaps, 0, 1), makeKey(configMaps, 0, 2)
	tests := []struct {
		name   string
		writes []logWrite
		dup    *logWrite // recorded again after writes
		want   string
	}{
		{name: "create of an existing object", writes: []logWrite{{1, a, opCreate, 0}, {2, a, opCreate, 0}}, want: "while it existed"},
		{name: "update of a missing object", writes: []logWrite{{1, a, opUpdate, 0}}, want: "while it did not exist"},
		{name: "delete of a missing object", writes: []logWrite{{1, a, opCreate, 0}, {2, a, opDelete, 0}, {3, a, opDelete, 0}}, want: "while it did not exist"},
		{name: "two objects at one revision", writes: []logWrite{{1, a, opCreate, 0}}, dup: &logWrite{1, b, opCreate, 0}, want: "two writes acknowledged at resourceVersion 1"},
		{name: "a no-op update repeats its revision", writes: []logWrite{{1, a, opCreate, 0}}, dup: &logWrite{1, a, opUpdate, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := logOf(t, tt.writes...)
			if d := tt.dup; d != nil {
				require.NoError(t, l.record(d.rev, d.key, d.op, d.shard, "", l.epoch, l.epoch))
			}
			h := buildHistory(l)
			if tt.want == "" {
				require.Empty(t, h.problems)
				return
			}
			require.Len(t, h.problems, 1)
			require.Contains(t, h.problems[0], tt.want)
		})
	}
}

// TestCompareEventsCatchesCorruption shows every kind of bad stream failing the check.
func TestCompareEventsCatchesCorruption(t *testing.T) {
	a, b := makeKey(configMaps, 0, 1), makeKey(configMaps, 0, 2)
	want := []event{makeEvent(5, a, added), makeEvent(6, b, added), makeEvent(7, a, modified), makeEvent(9, a, deleted)}
	tests := []struct {
		name     string
		received []event
		ordered  bool
		want     verdict
	}{
		{name: "complete", received: want, ordered: true},
		{name: "lost", received: []event{want[0], want[1], want[3]}, ordered: true, want: verdict{Missing: 1}},
		{name: "lost at the end", received: want[:3], ordered: true, want: verdict{Missing: 1}},
		{name: "unexpected", received: []event{want[0], want[1], want[2], makeEvent(8, b, modified), want[3]}, ordered: true, want: verdict{Unexpected: 1}},
		{name: "duplicated", received: []event{want[0], want[1], want[1], want[2], want[3]}, ordered: true, want: verdict{Duplicates: 1}},
		{name: "out of order", received: []event{want[1], want[0], want[2], want[3]}, ordered: true, want: verdict{OutOfOrder: 1}},
		{name: "a set may come in any order", received: []event{want[1], want[0], want[3], want[2]}},
		{name: "wrong type", received: []event{want[0], want[1], makeEvent(7, a, added), want[3]}, ordered: true, want: verdict{Mismatched: 1}},
		{name: "wrong object", received: []event{want[0], want[1], makeEvent(7, b, modified), want[3]}, ordered: true, want: verdict{Mismatched: 1}},
		{name: "nothing", ordered: true, want: verdict{Missing: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareEvents("w", tt.received, want, tt.ordered)
			require.Equal(t, tt.want.ok(), got.ok(), "%+v", got)
			got.Examples = nil
			require.Equal(t, tt.want, got)
		})
	}
}

// fakeStore answers exact lists from states given per revision.
type fakeStore map[int64]map[key]stored

func (f fakeStore) list(_ context.Context, r resource, ns int, rev int64) (map[string]stored, error) {
	out := map[string]stored{}
	for k, o := range f[rev] {
		if k.resource() == r && k.ns() == ns {
			out[objectName(r, k.name())] = o
		}
	}
	return out, nil
}

func TestResolveDeletes(t *testing.T) {
	cm1, cm2, p := makeKey(configMaps, 0, 1), makeKey(configMaps, 0, 2), makeKey(pods, 0, 1)
	ms := func(n int64) time.Time { return time.Time{}.Add(time.Duration(n) * time.Millisecond) }
	type ack struct {
		key            key
		rev            int64
		sent, answered int64 // ms
	}
	tests := []struct {
		name    string
		writes  []logWrite // sent and answered at rev ms
		deletes []ack
		states  fakeStore
		want    []logWrite // the published writes after resolution
		foreign []int64
		marked  int
		problem string
	}{
		{
			name:    "a ConfigMap's removal is where it vanished",
			writes:  []logWrite{{1, cm1, opCreate, 0}, {2, cm2, opCreate, 1}, {5, cm2, opUpdate, 1}},
			deletes: []ack{{key: cm1, sent: 2, answered: 6}, {key: cm2, sent: 6, answered: 8}},
			states: fakeStore{
				3: {cm2: {uid: "uid-" + cm2.String(), rev: 2}},
				4: {cm2: {uid: "uid-" + cm2.String(), rev: 2}},
				6: {},
			},
			want:    []logWrite{{1, cm1, opCreate, 0}, {2, cm2, opCreate, 1}, {3, cm1, opDelete, 0}, {5, cm2, opUpdate, 1}, {6, cm2, opDelete, 1}},
			foreign: []int64{4},
		},
		{
			name:    "a pod is marked, then removed at the answer's revision",
			writes:  []logWrite{{1, p, opCreate, 2}, {3, p, opUpdate, 3}},
			deletes: []ack{{key: p, rev: 4, sent: 1, answered: 5}},
			states: fakeStore{
				2: {p: {uid: "uid-" + p.String(), rev: 2, marked: true}},
				4: {},
			},
			want: []logWrite{{1, p, opCreate, 2}, {2, p, opUpdate, 2}, {3, p, opUpdate, 3}, {4, p, opDelete, 3}},
		},
		{
			name:    "a pod left marked: the answer is the mark",
			writes:  []logWrite{{1, p, opCreate, 2}},
			deletes: []ack{{key: p, rev: 2, sent: 1, answered: 3}},
			states:  fakeStore{2: {p: {uid: "uid-" + p.String(), rev: 2, marked: true}}},
			want:    []logWrite{{1, p, opCreate, 2}, {2, p, opUpdate, 2}},
			marked:  1,
		},
		{
			name:    "a delete acknowledged but never committed",
			writes:  []logWrite{{1, cm1, opCreate, 0}, {3, cm2, opCreate, 0}},
			deletes: []ack{{key: cm1, sent: 1, answered: 2}},
			states:  fakeStore{2: {cm1: {uid: "uid-" + cm1.String(), rev: 1}}},
			want:    []logWrite{{1, cm1, opCreate, 0}, {3, cm2, opCreate, 0}},
			foreign: []int64{2},
			problem: "acknowledged, never committed",
		},
		{
			name:    "a delete answered before the revision it is looked for",
			writes:  []logWrite{{1, cm1, opCreate, 0}, {2, cm2, opCreate, 0}},
			deletes: []ack{{key: cm1, sent: 1, answered: 1}},
			states:  fakeStore{3: {cm2: {uid: "uid-" + cm2.String(), rev: 2}}},
			want:    []logWrite{{1, cm1, opCreate, 0}, {2, cm2, opCreate, 0}},
			foreign: []int64{3},
			problem: "acknowledged, never committed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := logOf(t, tt.writes...)
			l.epoch = time.Time{}
			to := int64(0)
			for _, d := range tt.deletes {
				l.recordDelete(d.key, "uid-"+d.key.String(), d.rev, ms(d.sent), ms(d.answered))
			}
			for rev := range tt.states {
				to = max(to, rev)
			}
			for _, w := range tt.writes {
				to = max(to, w.rev)
			}
			res, err := resolveDeletes(context.Background(), l, tt.states.list, 0, to)
			require.NoError(t, err)
			require.Equal(t, tt.foreign, res.foreign)
			require.Equal(t, tt.marked, res.leftMarked)
			if tt.problem == "" {
				require.Empty(t, res.problems)
			} else {
				require.Len(t, res.problems, 1)
				require.Contains(t, res.problems[0], tt.problem)
			}
			var got []logWrite
			for rev := int64(1); rev <= to; rev++ {
				if w, ok := l.get(rev); ok {
					got = append(got, logWrite{rev, w.key, w.op, w.shard})
				}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestReportFailures(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	tests := []struct {
		name string
		rep  Report
		want string
	}{
		{name: "good", rep: Report{GoroutinesBefore: 10, GoroutinesAfter: 12, HeapBefore: 1 << 20, HeapAfter: 2 << 20}},
		{name: "lost events", rep: Report{Lost: 1}, want: "1 lost"},
		{name: "goroutine leak", rep: Report{GoroutinesBefore: 10, GoroutinesAfter: 13}, want: "goroutine leak"},
		{name: "heap leak", rep: Report{HeapBefore: 1 << 20, HeapAfter: 18 << 20}, want: "heap leak"},
		{name: "unexpected errors", rep: Report{Errors: 2, ErrorExamples: []string{"boom"}}, want: "boom"},
		{name: "foreign revisions", rep: Report{ForeignRevisions: []int64{7}}, want: "no acknowledged write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rep.Config = cfg
			got := tt.rep.Failures()
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			require.Contains(t, got[0], tt.want)
		})
	}
}
