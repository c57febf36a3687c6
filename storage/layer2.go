package storage

import (
	"math"
	"sync"

	hsl "github.com/huandu/skiplist"

	"github.com/sundialdb/sundial/storage/skiplist"
)

// timeList is layer two of an index: one key's rows, newest first by
// (ts desc, seq desc). insert and evict are writer methods (the segment lock
// is held); scan runs concurrently with them.
//
// arenaList (storage/skiplist: arena nodes, 32-bit links, lock-free readers)
// is what tables use. huList (one github.com/huandu/skiplist per key, a
// read-write lock per key) is the reference the benchmarks compare it with.
type timeList interface {
	insert(ts int64, seq uint64)
	length() int
	// scan calls fn for the rows with ts <= maxTS that tt leaves visible,
	// newest first, until fn returns false.
	scan(maxTS int64, tt ttl, rows *rowStore, fn func(ts int64, seq uint64, row []byte) bool)
	// evict removes the rows tt expires, releasing them in rows, and returns how many.
	evict(tt ttl, rows *rowStore) int
}

// arenaList adapts a *skiplist.List (a one-pointer struct: no allocation
// when it becomes a timeList).
type arenaList struct{ l *skiplist.List }

func (a arenaList) insert(ts int64, seq uint64) { a.l.Insert(ts, seq) }
func (a arenaList) length() int                 { return a.l.Len() }

func (a arenaList) scan(maxTS int64, tt ttl, rows *rowStore, fn func(int64, uint64, []byte) bool) {
	l := a.l
	var it skiplist.Iterator
	pos := int64(1) // position of it from the newest row of the key
	if tt.lat {
		// Positions count from the key's newest row (OpenMLDB's record_idx),
		// so walk from the front; past the latest limit only absandlat can
		// still show rows, and those are found by seeking.
		it = l.Front()
		for it.Valid() && pos <= tt.n && it.TS() > maxTS {
			it.Next()
			pos++
		}
		if it.Valid() && it.TS() > maxTS {
			if !tt.and {
				return
			}
			it = l.SeekTS(maxTS)
		}
	} else {
		it = l.SeekTS(maxTS)
	}
	// Rows are read in batches (4, 8, 16, then 16 at a time: a scan that
	// stops at its first rows walks few rows it does not read), pipelined
	// so that their cache misses (in a large store some 400 ns each)
	// overlap: batch k+1 is walked, then batch k goes to fn, its records
	// having been prefetched when it was resolved, then batch k+1 is
	// resolved (its directory entries read in one tight loop, its records
	// prefetched). Prefetching the entries during the walk as well measured
	// slower (W1 at 10M: p99 +20%), the walk of a long key's contiguous
	// nodes outrunning the memory system.
	r := rows.reader()
	var bufs [2]scanBatch
	cur, next := &bufs[0], &bufs[1]
	size := firstBatch
	expired := false
	walk := func(b *scanBatch) {
		b.n = 0
		for b.n < size && !expired && it.Valid() {
			ts, seq := it.Row()
			if expired = tt.expired(ts, pos); expired {
				break
			}
			b.ts[b.n], b.seq[b.n] = ts, seq
			b.n++
			pos++
			it.Next()
		}
		size = min(2*size, maxBatch)
	}
	walk(cur)
	r.resolve(cur.seq[:cur.n], cur.row[:cur.n])
	for cur.n > 0 {
		walk(next)
		for i := 0; i < cur.n; i++ {
			if cur.row[i] != nil && !fn(cur.ts[i], cur.seq[i], cur.row[i]) {
				return
			}
		}
		r.resolve(next.seq[:next.n], next.row[:next.n])
		cur, next = next, cur
	}
}

// A scan's first batch, and the most rows it walks ahead of those it reads.
const (
	firstBatch = 4
	maxBatch   = 16
)

// scanBatch is a batch of a scan's rows: walked (ts, seq), then resolved (row).
type scanBatch struct {
	n   int
	ts  [maxBatch]int64
	seq [maxBatch]uint64
	row [maxBatch][]byte
}

func (a arenaList) evict(tt ttl, rows *rowStore) int {
	l := a.l
	var cts int64
	var cseq uint64
	found := false
	pick := func(ts int64, seq uint64) {
		switch {
		case !found:
			cts, cseq, found = ts, seq, true
		case tt.and == (ts < cts || ts == cts && seq < cseq):
			// and: cut at the older candidate; or: at the newer.
			cts, cseq = ts, seq
		}
	}
	byCount, byTime := false, false
	if tt.lat && int64(l.Len()) > tt.n {
		it := l.Front()
		for i := int64(0); i < tt.n; i++ {
			it.Next()
		}
		pick(it.Row())
		byCount = true
	}
	if tt.abs {
		if it := l.SeekTS(tt.cut); it.Valid() {
			pick(it.Row())
			byTime = true
		}
	}
	if !found || tt.and && !(byCount && byTime) {
		return 0
	}
	return l.CutFrom(cts, cseq, func(_ int64, seq uint64) { rows.release(seq) })
}

// huList is layer two on github.com/huandu/skiplist: one list per key, keys
// (ts, seq) boxed, a lock per key because huandu lists are not safe for
// concurrent readers and writers.
type huList struct {
	mu sync.RWMutex
	l  *hsl.SkipList
}

type huKey struct {
	ts  int64
	seq uint64
}

var huOrder = hsl.GreaterThanFunc(func(a, b any) int {
	x, y := a.(huKey), b.(huKey)
	switch {
	case x == y:
		return 0
	case x.ts > y.ts || x.ts == y.ts && x.seq > y.seq:
		return -1 // newer first
	}
	return 1
})

func newHuList() *huList { return &huList{l: hsl.New(huOrder)} }

func (h *huList) insert(ts int64, seq uint64) {
	h.mu.Lock()
	h.l.Set(huKey{ts, seq}, nil)
	h.mu.Unlock()
}

func (h *huList) length() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.l.Len()
}

func (h *huList) scan(maxTS int64, tt ttl, rows *rowStore, fn func(int64, uint64, []byte) bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	pos := int64(1)
	var el *hsl.Element
	seek := func() *hsl.Element { return h.l.Find(huKey{maxTS, math.MaxUint64}) }
	if tt.lat {
		el = h.l.Front()
		for el != nil && pos <= tt.n && el.Key().(huKey).ts > maxTS {
			el = el.Next()
			pos++
		}
		if el != nil && el.Key().(huKey).ts > maxTS {
			if !tt.and {
				return
			}
			el = seek()
		}
	} else {
		el = seek()
	}
	for ; el != nil; el = el.Next() {
		k := el.Key().(huKey)
		if tt.expired(k.ts, pos) {
			return
		}
		if row := rows.get(k.seq); row != nil && !fn(k.ts, k.seq, row) {
			return
		}
		pos++
	}
}

func (h *huList) evict(tt ttl, rows *rowStore) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for {
		back := h.l.Back()
		if back == nil {
			return n
		}
		k := back.Key().(huKey)
		if !tt.expired(k.ts, int64(h.l.Len())) {
			return n
		}
		h.l.RemoveBack()
		rows.release(k.seq)
		n++
	}
}
