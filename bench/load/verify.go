package load

import (
	"fmt"
	"slices"
)

// maxExamples bounds the examples a verdict keeps.
const maxExamples = 5

// verdict is the comparison of the events a watch received with those it owed.
type verdict struct {
	Missing    int // owed, never received: lost events
	Unexpected int // received, not owed
	Mismatched int // received at an owed resourceVersion, but of another object or type
	Duplicates int // received more than once
	OutOfOrder int // received after an event with a higher resourceVersion
	Examples   []string
}

func (v *verdict) ok() bool {
	return v.Missing == 0 && v.Unexpected == 0 && v.Mismatched == 0 && v.Duplicates == 0 && v.OutOfOrder == 0
}

func (v *verdict) example(format string, args ...any) {
	if len(v.Examples) < maxExamples {
		v.Examples = append(v.Examples, fmt.Sprintf(format, args...))
	}
}

func (v *verdict) add(o verdict) {
	v.Missing += o.Missing
	v.Unexpected += o.Unexpected
	v.Mismatched += o.Mismatched
	v.Duplicates += o.Duplicates
	v.OutOfOrder += o.OutOfOrder
	for _, e := range o.Examples {
		v.example("%s", e)
	}
}

// compareEvents compares received with want (in revision order, unique). With ordered set, received must also be
// in strictly increasing revision order (a watch stream, SEMANTICS X-15); without, it is a set (initial events, a
// list). what names the stream in examples.
func compareEvents(what string, received, want []event, ordered bool) verdict {
	var v verdict
	if ordered {
		for i := 1; i < len(received); i++ {
			if prev, cur := received[i-1], received[i]; cur.rv() <= prev.rv() {
				if cur == prev {
					continue // counted as a duplicate below
				}
				v.OutOfOrder++
				v.example("%s: %s after %s", what, cur, prev)
			}
		}
	}
	got := slices.Clone(received)
	slices.Sort(got)
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case i > 0 && i < len(got) && got[i] == got[i-1]:
			v.Duplicates++
			v.example("%s: %s received twice", what, got[i])
			i++
		case j == len(want) || i < len(got) && got[i].rv() < want[j].rv():
			v.Unexpected++
			v.example("%s: %s received, not owed", what, got[i])
			i++
		case i == len(got) || want[j].rv() < got[i].rv():
			v.Missing++
			v.example("%s: %s lost", what, want[j])
			j++
		default:
			if got[i] != want[j] {
				v.Mismatched++
				v.example("%s: %s received, %s owed", what, got[i], want[j])
			}
			i++
			j++
		}
	}
	return v
}
