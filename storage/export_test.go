package storage

import (
	"github.com/sundialdb/sundial/storage/skiplist"
	"github.com/sundialdb/sundial/types"
)

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

// CopyListsNow copies every list of t into fresh arenas, as compaction does
// when an arena is mostly garbage, whatever its garbage: each key's nodes
// then lie together.
func CopyListsNow(t Table) {
	mt := t.(*memTable)
	for _, ix := range *mt.indexes.Load() {
		for _, seg := range ix.segs {
			na := skiplist.NewArena()
			seg.mu.Lock()
			seg.arena.Store(na)
			seg.keys.each(func(e *keyEntry) bool {
				e.list.Store(e.list.Load().CopyTo(na))
				return true
			})
			seg.mu.Unlock()
		}
	}
}
