package apiserver

import (
	"strconv"

	"github.com/kubemem/kubemem/types"
)

// vpathDepth is how many elements a vpath holds below its base: enough for every field of a pod spec
// ("volumes[0].projected.sources[1].configMap.items[0].path" is nine). A deeper path folds its elements into the
// base, which allocates them.
const vpathDepth = 10

// vpath is the field path of a value the validation rules visit, built only when an error reports it. Validating
// a valid object visits hundreds of fields; building each one's *types.FieldPath on the way down (one allocation
// per element) would cost more than checking it.
//
// A vpath is a plain value (a base *types.FieldPath and up to vpathDepth member names and subscripts), so it lives
// on the caller's stack: child, index and key return a new vpath and leave the receiver alone, and path builds the
// *types.FieldPath on the error branch. (A chain of pointers to the parent vpath would be cheaper to copy, but
// escape analysis would move every parent to the heap, as path hands what it reads from them to the error.) The
// zero vpath is the root: its child("spec") is "spec".
//
//	p := pathOf(vSpecPath).child("containers").index(0) // no allocation
//	types.FieldRequired(p.child("name").path(), "")     // "spec.containers[0].name", built here
type vpath struct {
	base *types.FieldPath
	n    uint8  // elements used
	subs uint16 // bit i is set when elems[i] is a subscript ("[0]", "[cpu]") rather than a member name
	// elems are the names and subscripts below base, in order.
	elems [vpathDepth]string
}

// pathOf returns the vpath of base itself.
func pathOf(base *types.FieldPath) vpath { return vpath{base: base} }

// child returns the path of the member name below p: "<p>.name".
func (p vpath) child(name string) vpath {
	if p.n == vpathDepth {
		p = p.folded()
	}
	p.elems[p.n] = name
	p.n++
	return p
}

// folded returns p with its elements made part of its base, which makes room for more.
func (p vpath) folded() vpath { return pathOf(p.path()) }

// index returns the path of the i-th element of the list at p: "<p>[i]".
func (p vpath) index(i int) vpath { return p.key(strconv.Itoa(i)) }

// key returns the path of the entry k of the map at p: "<p>[k]" (the key is not quoted).
func (p vpath) key(k string) vpath {
	p = p.child(k)
	p.subs |= 1 << (p.n - 1)
	return p
}

// path returns p as a *types.FieldPath, allocating one element per name and subscript below the base. Call it
// only to report an error.
func (p vpath) path() *types.FieldPath {
	fp := p.base
	for i, s := range p.elems[:p.n] {
		if p.subs&(1<<i) != 0 {
			fp = fp.Key(s) // FieldPath.Index(i) is Key(strconv.Itoa(i))
		} else {
			fp = fp.Child(s)
		}
	}
	return fp
}

// invalidAt is invalidEach at p: one Invalid error of value for each message, the path built only when there is
// one.
func invalidAt[T any](p vpath, value T, msgs []string) types.FieldErrorList {
	if len(msgs) == 0 {
		return nil
	}
	return invalidEach(p.path(), value, msgs)
}
