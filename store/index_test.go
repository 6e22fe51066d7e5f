package store

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSkiplistSeekRacingInserts has one writer insert, right in front of what readers seek, an entry that sorts
// before their target, over and over, while the readers check that seek never returns an entry before the target and
// that ascend lists exactly the entries that never change. A seek that compares one load of its predecessor's link
// and returns another returns the writer's entry: a term scan then ends at once (another term) or starts before its
// start key (the same term).
func TestSkiplistSeekRacingInserts(t *testing.T) {
	tests := []struct {
		name        string
		term, start string
		// The writer inserts (churnTerm, fmt.Sprintf(churnKey, n)) for n = 1, 2, ..., each sorting after the one
		// before and before (term, start), and removes the one before.
		churnTerm, churnKey string
		frozen              bool // half of the stable entries are in a frozen layer
	}{
		{
			name: "another term sorts just before the scanned one",
			term: "t=y", start: "k/", churnTerm: "t=x", churnKey: "k/%09d",
		},
		{
			name: "the same term sorts just before the start key",
			term: "t=y", start: "k/50", churnTerm: "t=y", churnKey: "k/49/%09d",
		},
		{
			name: "merged with a frozen layer",
			term: "t=y", start: "k/", churnTerm: "t=x", churnKey: "k/%09d", frozen: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := &indexLayers{active: newSkiplist()}
			frozen := newSkiplist()
			var stable []string
			for i := 50; i < 60; i++ {
				key := fmt.Sprintf("k/%d", i)
				stable = append(stable, key)
				l := x.active
				if tc.frozen && i%2 == 0 {
					l = frozen
				}
				l.insert(tc.term, key)
				l.insert("u=after", key) // entries after the scanned range
			}
			if tc.frozen {
				x.frozen = []*skiplist{frozen}
			}

			var (
				stop     atomic.Bool
				failures atomic.Int32
				wg       sync.WaitGroup
				inserts  atomic.Int64
			)
			fail := func(format string, args ...any) {
				if failures.Add(1) <= 3 {
					t.Errorf(format, args...)
				}
			}
			wg.Go(func() { // the only writer
				prev := ""
				for n := 1; !stop.Load(); n++ {
					key := fmt.Sprintf(tc.churnKey, n)
					x.active.insert(tc.churnTerm, key)
					if prev != "" {
						x.active.remove(tc.churnTerm, prev)
					}
					prev = key
					inserts.Add(1)
				}
			})
			readers := 2
			scans := make([]int, readers)
			for r := range readers {
				wg.Go(func() {
					for ; !stop.Load() && failures.Load() == 0; scans[r]++ {
						if n := x.active.seek(tc.term, tc.start); n != nil && n.less(tc.term, tc.start) {
							fail("seek(%s, %s) returned (%s, %s), which sorts before it", tc.term, tc.start, n.term, n.key)
						}
						var got []string
						x.ascend(tc.term, "k/", tc.start, func(key string) bool {
							got = append(got, key)
							return true
						})
						if !slices.Equal(got, stable) {
							if len(got) > 2*len(stable) {
								got = append(got[:len(stable)], fmt.Sprintf("... (%d in all)", len(got)))
							}
							fail("ascend(%s, from %s) = %v, want %v", tc.term, tc.start, got, stable)
						}
					}
				})
			}
			time.Sleep(stressDuration(300 * time.Millisecond))
			stop.Store(true)
			wg.Wait()
			require.Zero(t, failures.Load())
			t.Logf("%d inserts, %v scans", inserts.Load(), scans)
		})
	}
}

// stressDuration returns d, or a quarter of it with -short.
func stressDuration(d time.Duration) time.Duration {
	if testing.Short() {
		return d / 4
	}
	return d
}
