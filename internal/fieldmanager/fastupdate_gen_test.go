package fieldmanager

import (
	"math/rand/v2"

	"github.com/kubemem/kubemem/types"
)

// objectGen generates random objects of a built-in kind from its schema, for the differential tests of the fast
// path. Values come from small pools so that list keys collide (duplicates), zero values are common (the typed
// view and the zero object), and now and then a value has the wrong type, is null, or is a key SMD cannot read —
// the cases where the fast path must give up.
type objectGen struct {
	r *rand.Rand
	// wrong is the probability, in percent, of a value of the wrong type or a null.
	wrong int
}

// newObjectGen returns a generator seeded with seed.
func newObjectGen(seed int64, wrong int) *objectGen {
	return &objectGen{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)>>1^0x9e3779b97f4a7c15)), wrong: wrong}
}

// object returns a random object of kind gvk, whose root schema is s.
func (g *objectGen) object(gvk types.GroupVersionKind, s *types.Schema) map[string]any {
	obj := g.structOf(s, 0)
	obj["apiVersion"] = gvk.GroupVersion().String()
	obj["kind"] = gvk.Kind
	return obj
}

var (
	genStrings = []string{"", "a", "web", "x-1", "TCP", "UDP", "0", "1Gi", "100m", "<&>", "q\"uote", "é", "2026-01-02T03:04:05Z"}
	genInts    = []int64{0, 1, 2, 80, 443, -1}
	genFloats  = []float64{0, 1, 0.5, 2.5}
	genKeys    = []string{"a", "b", "app", "tier", "x.y/z"}
)

func (g *objectGen) pct(p int) bool { return g.r.IntN(100) < p }

// structOf returns a random value of the struct schema s at depth d: each field present or not, with a random, zero
// or null value.
func (g *objectGen) structOf(s *types.Schema, d int) map[string]any {
	fields := s.FieldsNoCopy()
	out := map[string]any{}
	p := 40
	if d > 3 {
		p = 10
	}
	if d > 6 {
		return out
	}
	for i := range fields {
		f := &fields[i]
		if !g.pct(p) {
			continue
		}
		out[f.Name] = g.value(f.Type, f, d+1)
	}
	return out
}

// value returns a random value of schema t (in field f, or nil) at depth d.
func (g *objectGen) value(t *types.Schema, f *types.Field, d int) any {
	if g.pct(g.wrong) {
		return g.anyValue(2)
	}
	switch t.Kind() {
	case types.KindObject:
		return g.structOf(t, d)
	case types.KindMap:
		n := g.r.IntN(4)
		m := make(map[string]any, n)
		for range n {
			m[genKeys[g.r.IntN(len(genKeys))]] = g.value(t.Elem(), nil, d+1)
		}
		return m
	case types.KindList:
		n := g.r.IntN(4)
		if d > 6 {
			n = 0
		}
		l := make([]any, 0, n)
		keys := t.ListMapKeys()
		if len(keys) == 0 && f != nil && f.PatchMergeKey != "" && t.ListType() == "" {
			keys = []string{f.PatchMergeKey}
		}
		for range n {
			e := g.value(t.Elem(), nil, d+1)
			if em, ok := e.(map[string]any); ok && len(keys) > 0 && !g.pct(5) {
				for _, k := range keys {
					if kf, ok := t.Elem().Field(k); ok && !g.pct(10) {
						em[k] = g.keyValue(kf.Type)
					}
				}
			}
			l = append(l, e)
		}
		return l
	case types.KindString:
		return genStrings[g.r.IntN(len(genStrings))]
	case types.KindInteger:
		return genInts[g.r.IntN(len(genInts))]
	case types.KindNumber:
		if g.pct(50) {
			return genInts[g.r.IntN(len(genInts))]
		}
		return genFloats[g.r.IntN(len(genFloats))]
	case types.KindBoolean:
		return g.pct(50)
	case types.KindIntOrString:
		if g.pct(50) {
			return genInts[g.r.IntN(len(genInts))]
		}
		return genStrings[g.r.IntN(len(genStrings))]
	default:
		return g.anyValue(3)
	}
}

// keyValue returns a value for a key field of type t from a small pool, so that keys collide.
func (g *objectGen) keyValue(t *types.Schema) any {
	switch t.Kind() {
	case types.KindInteger:
		return genInts[g.r.IntN(3)]
	case types.KindString:
		if g.pct(20) {
			return genStrings[g.r.IntN(len(genStrings))]
		}
		return genStrings[g.r.IntN(6)]
	}
	return g.value(t, nil, 9)
}

// anyValue returns a random JSON value nested at most d deep.
func (g *objectGen) anyValue(d int) any {
	switch g.r.IntN(8) {
	case 0:
		return nil
	case 1:
		return genStrings[g.r.IntN(len(genStrings))]
	case 2:
		return genInts[g.r.IntN(len(genInts))]
	case 3:
		return genFloats[g.r.IntN(len(genFloats))]
	case 4:
		return g.pct(50)
	case 5:
		if d == 0 {
			return []any{}
		}
		n := g.r.IntN(3)
		l := make([]any, n)
		for i := range l {
			l[i] = g.anyValue(d - 1)
		}
		return l
	default:
		if d == 0 {
			return map[string]any{}
		}
		n := g.r.IntN(3)
		m := make(map[string]any, n)
		for range n {
			m[genKeys[g.r.IntN(len(genKeys))]] = g.anyValue(d - 1)
		}
		return m
	}
}
