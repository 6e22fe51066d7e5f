package store

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stampedRev returns the revision modelStamp wrote into v.
func stampedRev(v string) int64 {
	i := strings.LastIndexByte(v, '@')
	if i < 0 {
		return -1
	}
	r, err := strconv.ParseInt(v[i+1:], 10, 64)
	if err != nil {
		return -1
	}
	return r
}

// committed is a successful write as its writer saw it.
type committed struct {
	op    EventType
	kv    KeyValue[string]
	ifRev int64
}

// follower replays the store's changes as a watch would: Wait, then ChangesAfter from the last revision it applied.
type follower struct {
	pos    atomic.Int64 // the last revision applied; the compactor never passes it
	state  map[string]KeyValue[string]
	events []Event[string]
}

// apply checks that ev continues the replay and applies it.
func (f *follower) apply(ev *Event[string]) error {
	pos := f.pos.Load()
	if ev.Revision != pos+1 {
		return fmt.Errorf("event %d after %d: revisions are not contiguous", ev.Revision, pos)
	}
	prev, live := f.state[ev.Key]
	switch ev.Type {
	case EventCreate:
		if live {
			return fmt.Errorf("create of live key %q at %d", ev.Key, ev.Revision)
		}
		f.state[ev.Key] = KeyValue[string]{Key: ev.Key, Value: ev.Value, CreateRevision: ev.Revision, ModRevision: ev.Revision}
	case EventUpdate, EventDelete:
		if !live {
			return fmt.Errorf("%v of missing key %q at %d", ev.Type, ev.Key, ev.Revision)
		}
		if ev.Prev != prev.Value {
			return fmt.Errorf("event %d: Prev %q, the replay has %q", ev.Revision, ev.Prev, prev.Value)
		}
		if ev.Type == EventDelete {
			delete(f.state, ev.Key)
		} else {
			f.state[ev.Key] = KeyValue[string]{Key: ev.Key, Value: ev.Value, CreateRevision: prev.CreateRevision, ModRevision: ev.Revision}
		}
	default:
		return fmt.Errorf("event %d: bad type %v", ev.Revision, ev.Type)
	}
	if got := stampedRev(ev.Value); got != ev.Revision {
		return fmt.Errorf("event %d: value %q is stamped %d", ev.Revision, ev.Value, got)
	}
	f.events = append(f.events, *ev)
	f.pos.Store(ev.Revision)
	return nil
}

// checkPage checks the internal consistency of a Range result read at rev.
func checkPage(res RangeResult[string], rev int64, prefix string) error {
	if res.Revision != rev {
		return fmt.Errorf("page at %d reports revision %d", rev, res.Revision)
	}
	for i, kv := range res.KVs {
		switch {
		case !strings.HasPrefix(kv.Key, prefix):
			return fmt.Errorf("key %q outside prefix %q", kv.Key, prefix)
		case i > 0 && res.KVs[i-1].Key >= kv.Key:
			return fmt.Errorf("keys out of order or duplicated: %q then %q", res.KVs[i-1].Key, kv.Key)
		case kv.ModRevision > rev || kv.ModRevision < kv.CreateRevision || kv.CreateRevision < 2:
			return fmt.Errorf("at %d: bad revisions %+v", rev, kv)
		case stampedRev(kv.Value) != kv.ModRevision:
			return fmt.Errorf("at %d: value of %+v not stamped with its ModRevision", rev, kv)
		}
	}
	return nil
}

// TestStress runs writers doing conditional writes on overlapping keys, readers checking snapshots and pages, a
// compactor and a follower replaying every change concurrently, then checks that the replay reproduces the final
// state and that every write the writers saw succeed is the event of its revision. Run it with -race.
func TestStress(t *testing.T) {
	const (
		writers = 4
		readers = 3
		keys    = 24
	)
	duration := 700 * time.Millisecond
	if testing.Short() {
		duration = 200 * time.Millisecond
	}
	s := openStore(t, Options[string]{Stamp: modelStamp, Index: modelIndex})
	key := func(r *rand.Rand) string { return fmt.Sprintf("k/%02d", r.IntN(keys)) }

	var (
		stop      = make(chan struct{}) // closed when the writers are done
		wg        sync.WaitGroup
		failures  atomic.Int32
		compacted atomic.Int64 // reads that met ErrCompacted
		// Reads at the current revision that met ErrCompacted: the compactor passed the revision the read loaded
		// before it finished.
		currentCompacted atomic.Int64
	)
	fail := func(format string, args ...any) {
		failures.Add(1)
		t.Errorf(format, args...)
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}

	// The follower starts at the floor at the start.
	f := &follower{state: make(map[string]KeyValue[string])}
	f.pos.Store(s.CompactedRevision())
	followerDone := make(chan struct{})
	go func() {
		defer close(followerDone)
		for {
			pos := f.pos.Load()
			ch := s.Wait(pos)
			var applyErr error
			err := s.ChangesAfter(pos, math.MaxInt64, func(ev *Event[string]) bool {
				applyErr = f.apply(ev)
				return applyErr == nil
			})
			if err != nil || applyErr != nil {
				fail("follower: %v %v", err, applyErr)
				return
			}
			if stopped() && f.pos.Load() == s.Revision() {
				return
			}
			select {
			case <-ch:
			case <-stop:
			}
		}
	}()

	// The compactor keeps about 20 revisions of history, and never passes the follower.
	wg.Go(func() {
		for !stopped() {
			s.Compact(min(f.pos.Load(), s.Revision()-20))
			time.Sleep(200 * time.Microsecond)
		}
	})

	results := make([][]committed, writers)
	var writersWG sync.WaitGroup
	// The writers run for duration, and then on until the compactor has raised the floor (within a minute): on a
	// starved machine the follower, which the compactor never passes, may not have run at all by the deadline.
	deadline := time.Now().Add(duration)
	compactedOrLimit := func() bool { return s.CompactedRevision() > 1 || time.Since(deadline) > time.Minute }
	for w := range writers {
		writersWG.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for n := 0; time.Now().Before(deadline) || !compactedOrLimit(); n++ {
				k := key(r)
				v := fmt.Sprintf("%c%c#w%d-%d", "xy"[r.IntN(2)], "pq"[r.IntN(2)], w, n)
				cur, found, err := s.Get(k, ReadOptions{})
				if errors.Is(err, ErrCompacted) {
					currentCompacted.Add(1)
					continue
				}
				if err != nil {
					fail("writer get: %v", err)
					return
				}
				var c committed
				switch {
				case !found:
					c.op = EventCreate
					c.kv, err = s.Create(k, v)
				case r.IntN(4) == 0:
					c.op, c.ifRev = EventDelete, cur.ModRevision
					c.kv, err = s.Delete(k, c.ifRev)
				default:
					c.op = EventUpdate
					if r.IntN(5) != 0 {
						c.ifRev = cur.ModRevision
					}
					c.kv, err = s.Update(k, v, c.ifRev)
				}
				switch {
				case err == nil:
					results[w] = append(results[w], c)
				case errors.Is(err, ErrKeyExists), errors.Is(err, ErrKeyNotFound), errors.Is(err, ErrConflict):
					// Another writer got there first.
				default:
					fail("writer: %v", err)
					return
				}
			}
		})
	}

	for i := range readers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(100+i), 2))
			var last *Snapshot[string]
			var lastKVs []KeyValue[string]
			for !stopped() {
				if err := stressRead(s, r, &last, &lastKVs); err != nil {
					if errors.Is(err, ErrCompacted) {
						compacted.Add(1)
						continue
					}
					fail("reader: %v", err)
					return
				}
			}
		})
	}

	writersWG.Wait()
	close(stop)
	wg.Wait()
	<-followerDone
	require.Zero(t, failures.Load())

	// Every revision from the start on is exactly one event, and every write a writer saw succeed is its event.
	final := s.Revision()
	require.Len(t, f.events, int(final-1))
	byRev := make(map[int64]committed)
	for _, rs := range results {
		for _, c := range rs {
			_, dup := byRev[c.kv.ModRevision]
			require.False(t, dup, "revision %d committed twice", c.kv.ModRevision)
			byRev[c.kv.ModRevision] = c
		}
	}
	require.Len(t, byRev, int(final-1), "every revision belongs to one successful write")
	for _, ev := range f.events {
		c := byRev[ev.Revision]
		require.Equal(t, c.op, ev.Type, "revision %d", ev.Revision)
		require.Equal(t, c.kv.Key, ev.Key, "revision %d", ev.Revision)
		require.Equal(t, c.kv.Value, ev.Value, "revision %d", ev.Revision)
		if c.ifRev != 0 {
			require.Equal(t, c.ifRev, stampedRev(ev.Prev), "revision %d: a conditional write replaced the version it named", ev.Revision)
		}
	}

	// The replay reproduces the final state.
	res, err := s.Range("", RangeOptions[string]{})
	require.NoError(t, err)
	want := make([]KeyValue[string], 0, len(f.state))
	for _, kv := range f.state {
		want = append(want, kv)
	}
	slices.SortFunc(want, func(a, b KeyValue[string]) int { return strings.Compare(a.Key, b.Key) })
	require.Equal(t, want, res.KVs)
	require.Greater(t, s.CompactedRevision(), int64(1), "the compactor ran")
	t.Logf("%d revisions, floor %d, %d snapshot reads and %d current reads met compaction", final, s.CompactedRevision(),
		compacted.Load(), currentCompacted.Load())
}

// stressRead does one round of consistency checks on s. It returns an error wrapping ErrCompacted when compaction
// overtook a read; any other error is a failure. last and lastKVs carry the previous round's snapshot and contents.
func stressRead(s *Store[string], r *rand.Rand, last **Snapshot[string], lastKVs *[]KeyValue[string]) error {
	snap := s.Snapshot()
	rev := snap.Revision()
	full, err := snap.Range("k/", RangeOptions[string]{})
	if err != nil {
		return err
	}
	if err := checkPage(full, rev, "k/"); err != nil {
		return err
	}
	if full.More || full.Remaining != 0 {
		return fmt.Errorf("unlimited range at %d has More", rev)
	}

	// Pages at the snapshot's revision add up to the full read, and Remaining counts what follows each page.
	limit := 1 + r.IntN(6)
	var pages []KeyValue[string]
	opts := RangeOptions[string]{Limit: limit, CountRemaining: true, ReadOptions: ReadOptions{Revision: rev, Match: Exact}}
	for {
		page, err := s.Range("k/", opts)
		if err != nil {
			return err
		}
		if err := checkPage(page, rev, "k/"); err != nil {
			return err
		}
		pages = append(pages, page.KVs...)
		want := int64(len(full.KVs) - len(pages))
		if !page.More {
			want = 0
		}
		if page.Remaining != want {
			return fmt.Errorf("at %d: Remaining %d, want %d", rev, page.Remaining, want)
		}
		if !page.More {
			break
		}
		if len(page.KVs) != limit {
			return fmt.Errorf("at %d: short page %d of %d with More", rev, len(page.KVs), limit)
		}
		opts.Start = page.NextStart
	}
	if !slices.Equal(pages, full.KVs) {
		return fmt.Errorf("at %d: pages %v differ from the full read %v", rev, pages, full.KVs)
	}

	// A term scan agrees with a filtered full read.
	term := []string{"t=x", "t=y", "u=p", "u=q"}[r.IntN(4)]
	termRes, err := snap.Range("k/", RangeOptions[string]{Term: term, Filter: func(kv *KeyValue[string]) bool {
		return slices.Contains(modelIndex(kv.Value), term)
	}})
	if err != nil {
		return err
	}
	var want []KeyValue[string]
	for _, kv := range full.KVs {
		if slices.Contains(modelIndex(kv.Value), term) {
			want = append(want, kv)
		}
	}
	if !slices.Equal(want, termRes.KVs) {
		return fmt.Errorf("at %d: term %s gives %v, want %v", rev, term, termRes.KVs, want)
	}

	// Gets agree with the full read.
	k := fmt.Sprintf("k/%02d", r.IntN(24))
	got, found, err := snap.Get(k)
	if err != nil {
		return err
	}
	i, wantFound := slices.BinarySearchFunc(full.KVs, k, func(kv KeyValue[string], k string) int { return strings.Compare(kv.Key, k) })
	if found != wantFound || (found && got != full.KVs[i]) {
		return fmt.Errorf("at %d: Get(%s) = %+v %v, full read has %v", rev, k, got, found, wantFound)
	}

	// Replaying the changes since the previous round's snapshot onto its contents gives this one's.
	if *last != nil {
		state := make(map[string]KeyValue[string])
		for _, kv := range *lastKVs {
			state[kv.Key] = kv
		}
		err := s.ChangesAfter((*last).Revision(), rev, func(ev *Event[string]) bool {
			if !strings.HasPrefix(ev.Key, "k/") {
				return true
			}
			switch ev.Type {
			case EventDelete:
				delete(state, ev.Key)
			case EventCreate:
				state[ev.Key] = KeyValue[string]{Key: ev.Key, Value: ev.Value, CreateRevision: ev.Revision, ModRevision: ev.Revision}
			case EventUpdate:
				state[ev.Key] = KeyValue[string]{Key: ev.Key, Value: ev.Value, CreateRevision: state[ev.Key].CreateRevision, ModRevision: ev.Revision}
			}
			return true
		})
		if err != nil {
			*last = nil
			return err
		}
		if len(state) != len(full.KVs) {
			return fmt.Errorf("replay from %d to %d has %d keys, the read %d", (*last).Revision(), rev, len(state), len(full.KVs))
		}
		for _, kv := range full.KVs {
			if state[kv.Key] != kv {
				return fmt.Errorf("replay from %d to %d has %+v, the read %+v", (*last).Revision(), rev, state[kv.Key], kv)
			}
		}
	}
	*last, *lastKVs = snap, full.KVs
	return nil
}

// TestStressTermScan races term scans at snapshots against writes whose index entries land right where the scans
// seek: a writer keeps creating keys whose entries sort just before the scanned term ("t=x" keys after every other
// "t=x" key) or, under the scanned term, just before a scan's start key, deletes the previous ones, and compacts them
// away. A reader checks that each term scan, whole, from a start key, and in pages, gives what filtering a full read
// of the same snapshot gives.
func TestStressTermScan(t *testing.T) {
	s := openStore(t, Options[string]{Stamp: modelStamp, Index: modelIndex})
	for i := 50; i < 60; i++ {
		mustCreate(t, s, fmt.Sprintf("k/%d", i), fmt.Sprintf("yp#%d", i))
	}
	var (
		stop      atomic.Bool
		failures  atomic.Int32
		compacted atomic.Int64
		checked   atomic.Int64
		wg        sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 3 {
			t.Errorf(format, args...)
		}
	}
	wg.Go(func() { // the writer
		var prev []string
		for n := 1; !stop.Load() && failures.Load() == 0; n++ {
			keys := []string{fmt.Sprintf("k/zz/%09d", n), fmt.Sprintf("k/49/%09d", n)}
			for i, v := range []string{"x", "y"} { // one index entry each
				if _, err := s.Create(keys[i], v); err != nil {
					fail("create: %v", err)
					return
				}
			}
			for _, k := range prev {
				if _, err := s.Delete(k, 0); err != nil {
					fail("delete: %v", err)
					return
				}
			}
			prev = keys
			if n%8 == 0 {
				s.Compact(s.Revision() - 32) // drops the deleted keys' index entries
			}
		}
	})
	// One reader: with the writer it keeps both of a small machine's cores busy, which makes the overlap likeliest.
	wg.Go(func() {
		for !stop.Load() && failures.Load() == 0 {
			n, err := stressTermRead(s.Snapshot(), "t=y")
			checked.Add(int64(n))
			switch {
			case errors.Is(err, ErrCompacted):
				compacted.Add(1)
			case err != nil:
				fail("%v", err)
			}
		}
	})
	time.Sleep(stressDuration(700 * time.Millisecond))
	stop.Store(true)
	wg.Wait()
	require.Zero(t, failures.Load())
	t.Logf("revision %d, floor %d, %d scans checked, %d snapshots met compaction", s.Revision(), s.CompactedRevision(),
		checked.Load(), compacted.Load())
}

// stressTermRead checks that scans of term under "k/" at snap (whole, from "k/50", and from there in pages of 3)
// give what filtering a full read of snap gives, each a few times. It returns the number of scans checked, and an
// error wrapping ErrCompacted when compaction overtook the snapshot.
func stressTermRead(snap *Snapshot[string], term string) (int, error) {
	full, err := snap.Range("k/", RangeOptions[string]{})
	if err != nil {
		return 0, err
	}
	hasTerm := func(kv *KeyValue[string]) bool { return slices.Contains(modelIndex(kv.Value), term) }
	scans := []struct {
		start string
		limit int
	}{{}, {start: "k/50"}, {start: "k/50", limit: 3}}
	checked := 0
	for range 4 {
		for _, sc := range scans {
			var want []KeyValue[string]
			for _, kv := range full.KVs {
				if kv.Key >= sc.start && hasTerm(&kv) {
					want = append(want, kv)
				}
			}
			var got []KeyValue[string]
			opts := RangeOptions[string]{Term: term, Filter: hasTerm, Start: sc.start, Limit: sc.limit}
			for pages := 1; ; pages++ {
				page, err := snap.Range("k/", opts)
				if err != nil {
					return checked, err
				}
				got = append(got, page.KVs...)
				if !page.More {
					break
				}
				if pages > len(full.KVs) {
					return checked, fmt.Errorf("at %d: more than %d pages", snap.Revision(), pages)
				}
				opts.Start = page.NextStart
			}
			if !slices.Equal(want, got) {
				return checked, fmt.Errorf("at %d: term %s from %q in pages of %d gives %v, want %v", snap.Revision(),
					term, sc.start, sc.limit, keysOf(got), keysOf(want))
			}
			checked++
		}
	}
	return checked, nil
}
