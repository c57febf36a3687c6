package storage

import "github.com/sundialdb/sundial/types"

// NewHuanduMemTable returns a memory table whose layer two is one huandu
// skiplist per key: the reference the tests and benchmarks compare with.
func NewHuanduMemTable(schema types.Schema, indexes []IndexSpec) (Table, error) {
	return newMemTable(schema, indexes, memOptions{huandu: true})
}

// ArenaBytes reports the bytes and live bytes of the index arenas of t.
func ArenaBytes(t Table) (total, live int64) {
	for _, ix := range *t.(*memTable).indexes.Load() {
		for _, seg := range ix.segs {
			a := seg.arena.Load()
			total += a.Bytes()
			live += a.LiveBytes()
		}
	}
	return total, live
}
