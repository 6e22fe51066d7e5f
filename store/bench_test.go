package store

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchIndex indexes "web-17" under "app=web".
func benchIndex(v string) []string {
	if i := strings.IndexByte(v, '-'); i > 0 {
		return []string{"app=" + v[:i]}
	}
	return nil
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("/registry/pods/ns%d/pod-%07d", i%10, i)
	}
	return keys
}

// benchStore returns a store holding n keys; every tenth value has the term "app=web", the others "app=db".
func benchStore(b *testing.B, n int) (*Store[string], []string) {
	s := New(Options[string]{Retention: -1, Index: benchIndex})
	b.Cleanup(func() { _ = s.Close() })
	keys := benchKeys(n)
	for i, k := range keys {
		v := "db-" + k
		if i%10 == 0 {
			v = "web-" + k
		}
		if _, err := s.Create(k, v); err != nil {
			b.Fatal(err)
		}
	}
	return s, keys
}

func BenchmarkCreate(b *testing.B) {
	s := New(Options[string]{Retention: -1, Index: benchIndex})
	defer s.Close()
	keys := benchKeys(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Create(keys[i], "web-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	s, keys := benchStore(b, 10_000)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.Get(keys[r.IntN(len(keys))], ReadOptions{}); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkUpdate updates 10,000 keys round robin and compacts to the current revision every 10,000 updates, as
// automatic compaction would, so that version chains stay short.
func BenchmarkUpdate(b *testing.B) {
	s, keys := benchStore(b, 10_000)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := s.Update(keys[i%len(keys)], "db-updated", 0); err != nil {
			b.Fatal(err)
		}
		i++
		if i%len(keys) == 0 {
			s.Compact(s.Revision())
		}
	}
}

func BenchmarkDelete(b *testing.B) {
	s, keys := benchStore(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Delete(keys[i], 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRangeTerm lists the 1,000 of 10,000 keys that have a term, through the secondary index.
func BenchmarkRangeTerm(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	opts := RangeOptions[string]{Term: "app=web", Filter: func(kv *KeyValue[string]) bool { return strings.HasPrefix(kv.Value, "web-") }}
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Range("/registry/pods/", opts)
		if err != nil || len(res.KVs) != 1000 {
			b.Fatal(len(res.KVs), err)
		}
	}
}

// BenchmarkRangeFull lists all 10,000 keys.
func BenchmarkRangeFull(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Range("/registry/pods/", RangeOptions[string]{})
		if err != nil || len(res.KVs) != 10_000 {
			b.Fatal(len(res.KVs), err)
		}
	}
}

// BenchmarkRangePage reads a 500-key page of 10,000 keys, as a paginated list does.
func BenchmarkRangePage(b *testing.B) {
	s, _ := benchStore(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Range("/registry/pods/", RangeOptions[string]{Limit: 500, Start: "/registry/pods/ns5/"})
		if err != nil || len(res.KVs) != 500 || !res.More {
			b.Fatal(len(res.KVs), err)
		}
	}
}

// BenchmarkFork forks a 10,000-key store and writes one key to the fork: both are O(1) in the store's size.
func BenchmarkFork(b *testing.B) {
	s, keys := benchStore(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		f := s.Fork()
		if _, err := f.Update(keys[0], "db-fork", 0); err != nil {
			b.Fatal(err)
		}
		_ = f.Close()
	}
}
