package storage

import (
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/sundialdb/sundial/storage/skiplist"
	"github.com/sundialdb/sundial/types"
)

// DefaultSegments is the number of segments (layer-one lists, each with its
// own writer lock and arena) of every index of a memory table.
const DefaultSegments = 16

// keyEntryBytes estimates the Go memory of one key in layer one (huandu
// element and levels, entry, list head), for Stats.
const keyEntryBytes = 240

// memTable is the in-memory Table: a row store and, per index, segments of
// double-layer skiplists.
//
// Locks: Put holds putMu for reading (AddIndex and Close for writing, so an
// index never misses a row) and, per index, the segment's mu while it links
// the row. Eviction holds evictMu (one pass at a time) and takes each segment's
// mu per key. Readers take only a segment's keysMu for reading, around the
// layer-one lookup; the walk down a key's list is lock-free.
type memTable struct {
	schema types.Schema
	lay    *layout
	dec    *Decoder
	seed   maphash.Seed
	nseg   int
	huandu bool // layer two on huandu lists (benchmark reference)

	putMu   sync.RWMutex
	evictMu sync.Mutex
	closed  atomic.Bool

	indexes atomic.Pointer[[]*index]
	rows    *rowStore
}

type index struct {
	spec IndexSpec // its TTL is the one the index was made with: see ttl
	// ttl is the index's current spec, TTL included (SetTTL replaces it).
	ttl  atomic.Pointer[IndexSpec]
	segs []*segment
	obs  atomic.Pointer[[]*observer] // see observe.go
}

type segment struct {
	mu     sync.Mutex   // writers: Put, eviction, compaction
	keysMu sync.RWMutex // layer one: readers (get) vs writers (put, remove)
	keys   keyIndex
	arena  atomic.Pointer[skiplist.Arena] // where new lists of this segment allocate
	// moving is the arena a compaction is moving the lists out of (nil
	// between compactions): Stats counts it, the unmoved lists living there.
	moving atomic.Pointer[skiplist.Arena]
	nkeys  atomic.Int64
}

// keyEntry is a key's value in layer one: its list of rows.
type keyEntry struct {
	key  string
	hash uint64
	list atomic.Pointer[skiplist.List] // replaced when the segment's arena is compacted
	hu   *huList
}

func (e *keyEntry) rows() timeList {
	if e.hu != nil {
		return e.hu
	}
	return arenaList{e.list.Load()}
}

// NewMemTable returns an empty in-memory table of schema with the given
// indexes (at least one: the planner adds OpenMLDB's default index to a table
// declared without any).
func NewMemTable(schema types.Schema, indexes []IndexSpec) (Table, error) {
	return newMemTable(schema, indexes, memOptions{})
}

type memOptions struct {
	segments int
	huandu   bool
}

func newMemTable(schema types.Schema, indexes []IndexSpec, o memOptions) (*memTable, error) {
	lay, err := newLayout(schema)
	if err != nil {
		return nil, err
	}
	if len(indexes) == 0 {
		return nil, fmt.Errorf("%w: a table needs at least one index", ErrSchema)
	}
	if len(indexes) > MaxIndexes {
		return nil, fmt.Errorf("%w: %d indexes, at most %d", ErrSchema, len(indexes), MaxIndexes)
	}
	dec, _ := NewDecoder(schema, nil)
	t := &memTable{schema: append(types.Schema(nil), schema...), lay: lay, dec: dec, seed: maphash.MakeSeed(),
		nseg: o.segments, huandu: o.huandu, rows: newRowStore()}
	if t.nseg <= 0 {
		t.nseg = DefaultSegments
	}
	var ixs []*index
	for _, s := range indexes {
		ix, err := t.newIndex(s, ixs)
		if err != nil {
			return nil, err
		}
		ixs = append(ixs, ix)
	}
	t.indexes.Store(&ixs)
	return t, nil
}

func (t *memTable) newIndex(s IndexSpec, existing []*index) (*index, error) {
	s, err := checkSpec(t.schema, s)
	if err != nil {
		return nil, err
	}
	for _, ix := range existing {
		if s.Name != "" && ix.spec.Name == s.Name {
			return nil, fmt.Errorf("%w: index %s already exists", ErrSchema, s.Name)
		}
	}
	ix := &index{spec: s, segs: make([]*segment, t.nseg)}
	ix.ttl.Store(&ix.spec)
	for i := range ix.segs {
		seg := &segment{keys: newHuKeys()}
		seg.arena.Store(skiplist.NewArena())
		ix.segs[i] = seg
	}
	return ix, nil
}

func (t *memTable) Schema() types.Schema { return t.schema }

// SetTTL replaces the TTL of index idx (its type and limits; 0: none).
// Readers see the new TTL from their next Scan; rows already evicted under
// the old one do not come back.
func (t *memTable) SetTTL(idx int, typ TTLType, absMillis, latCount int64) error {
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	if t.closed.Load() {
		return ErrClosed
	}
	ixs := *t.indexes.Load()
	if err := checkSetTTL(len(ixs), idx, func(i int) string { return ixs[i].spec.Name }, absMillis, latCount); err != nil {
		return err
	}
	s := *ixs[idx].ttl.Load()
	s.TTLType, s.AbsMillis, s.LatCount = typ, absMillis, latCount
	ixs[idx].ttl.Store(&s)
	return nil
}

func (t *memTable) Indexes() []IndexSpec {
	ixs := *t.indexes.Load()
	out := make([]IndexSpec, len(ixs))
	for i, ix := range ixs {
		out[i] = *ix.ttl.Load()
		out[i].KeyCols = append([]int(nil), ix.spec.KeyCols...)
	}
	return out
}

func (t *memTable) Decoder(wanted []int) *Decoder {
	d, err := NewDecoder(t.schema, wanted)
	if err != nil {
		panic(err)
	}
	return d
}

// segmentOf hashes key (into lk.hash) and returns its segment of ix.
func (t *memTable) segmentOf(ix *index, key []byte, lk *lookupKey) *segment {
	lk.hash = maphash.Bytes(t.seed, key)
	return ix.segs[lk.hash%uint64(len(ix.segs))]
}

// putScratch is Put's reusable memory.
type putScratch struct {
	row  []byte
	keys []byte
	ends []int
	ts   []int64
	lk   lookupKey
}

var putPool = sync.Pool{New: func() any { return new(putScratch) }}

func (t *memTable) Put(row []types.Value) (uint64, error) {
	if t.closed.Load() {
		return 0, ErrClosed
	}
	t.putMu.RLock()
	defer t.putMu.RUnlock()
	if t.closed.Load() {
		return 0, ErrClosed
	}
	if len(row) != len(t.schema) {
		return 0, fmt.Errorf("%w: %d values for %d columns", ErrRow, len(row), len(t.schema))
	}
	ixs := *t.indexes.Load()
	sc := putPool.Get().(*putScratch)
	defer putPool.Put(sc)
	sc.keys, sc.ends, sc.ts = sc.keys[:0], sc.ends[:0], sc.ts[:0]
	for _, ix := range ixs {
		var ts int64
		if c := ix.spec.TSCol; c >= 0 {
			v := row[c]
			if v.Null {
				return 0, fmt.Errorf("%w: TS column %s of index %s is NULL", ErrRow, t.schema[c].Name, ix.spec.Name)
			}
			if !isIntLike(v.Kind) {
				return 0, fmt.Errorf("%w: TS column %s is %v, got a %v value", ErrRow, t.schema[c].Name, t.schema[c].Kind, v.Kind)
			}
			ts = v.I
		}
		var err error
		if sc.keys, err = appendRowKey(sc.keys, t.schema, ix.spec.KeyCols, row); err != nil {
			return 0, err
		}
		sc.ends = append(sc.ends, len(sc.keys))
		sc.ts = append(sc.ts, ts)
	}
	var err error
	if sc.row, err = t.lay.encode(t.schema, row, sc.row[:0]); err != nil {
		return 0, err
	}
	seq := t.rows.append(sc.row, len(ixs))
	start := 0
	for i, ix := range ixs {
		ts := sc.ts[i]
		if ix.spec.TSCol < 0 {
			ts = int64(seq)
		}
		t.link(ix, sc.keys[start:sc.ends[i]], ts, seq, sc.row, &sc.lk)
		start = sc.ends[i]
	}
	return seq, nil
}

// link inserts (ts, seq) into the list of key in index ix, creating the key,
// and tells the index's observers, still under the segment's lock.
func (t *memTable) link(ix *index, key []byte, ts int64, seq uint64, row []byte, lk *lookupKey) {
	seg := t.segmentOf(ix, key, lk)
	lk.buf = key
	lk.view()
	seg.mu.Lock()
	e := seg.keys.get(lk) // writers are serialised by mu: no keysMu needed to read
	if e == nil {
		e = &keyEntry{key: string(key), hash: lk.hash}
		if t.huandu {
			e.hu = newHuList()
		} else {
			e.list.Store(seg.arena.Load().NewList())
		}
		seg.keysMu.Lock()
		seg.keys.put(e)
		seg.keysMu.Unlock()
		seg.nkeys.Add(1)
	}
	rows := e.rows()
	rows.insert(ts, seq)
	if obs := ix.obs.Load(); obs != nil {
		n := rows.length()
		for _, o := range *obs {
			o.fn(key, n, ts, seq, row)
		}
	}
	seg.mu.Unlock()
	lk.buf, lk.s = nil, ""
}

func (t *memTable) Scan(idx int, key []types.Value, maxTS int64, now int64, fn func(ts int64, seq uint64, row []byte) bool) error {
	if t.closed.Load() {
		return ErrClosed
	}
	ix, err := t.index(idx)
	if err != nil {
		return err
	}
	lk := getLookupKey()
	if lk.buf, err = appendKey(lk.buf[:0], t.schema, ix.spec.KeyCols, key); err != nil {
		putLookupKey(lk)
		return err
	}
	t.scanKey(ix, lk, maxTS, now, fn)
	return nil
}

// scanKey is Scan of the key in lk.buf; it gives lk back to the pool.
func (t *memTable) scanKey(ix *index, lk *lookupKey, maxTS int64, now int64, fn func(ts int64, seq uint64, row []byte) bool) {
	seg := t.segmentOf(ix, lk.buf, lk)
	lk.view()
	seg.keysMu.RLock()
	e := seg.keys.get(lk)
	seg.keysMu.RUnlock()
	putLookupKey(lk)
	if e == nil {
		return
	}
	// Concrete calls (not through timeList) so that fn does not escape and
	// the caller's closure can stay on its stack.
	if e.hu != nil {
		e.hu.scan(maxTS, ttlAt(ix.ttl.Load(), now), t.rows, fn)
	} else {
		arenaList{e.list.Load()}.scan(maxTS, ttlAt(ix.ttl.Load(), now), t.rows, fn)
	}
}

func (t *memTable) AddIndex(spec IndexSpec) error {
	t.putMu.Lock()
	defer t.putMu.Unlock()
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	if t.closed.Load() {
		return ErrClosed
	}
	old := *t.indexes.Load()
	if len(old) >= MaxIndexes {
		return fmt.Errorf("%w: the table has %d indexes already, the most it may have", ErrSchema, len(old))
	}
	ix, err := t.newIndex(spec, old)
	if err != nil {
		return err
	}
	var lk lookupKey
	var kb []byte
	t.rows.each(func(seq uint64, row []byte) {
		ts := int64(seq)
		if c := ix.spec.TSCol; c >= 0 {
			v, ok := t.dec.Int(row, c)
			if !ok {
				return // NULL in the new TS column: the row is not in this index
			}
			ts = v
		}
		kb, _ = appendEncodedRowKey(kb[:0], t.dec, ix.spec.KeyCols, row)
		t.rows.addRef(seq)
		t.link(ix, kb, ts, seq, row, &lk)
	})
	ixs := append(append([]*index(nil), old...), ix)
	t.indexes.Store(&ixs)
	return nil
}

// compactGarbage is the fraction of an arena that must be garbage before its
// segment is copied into a fresh arena, and compactMinBytes the smallest arena
// worth compacting.
const (
	compactGarbage  = 0.5
	compactMinBytes = 4 << 10
)

func (t *memTable) Evict(now int64) (int, error) {
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	if t.closed.Load() {
		return 0, ErrClosed
	}
	dropped := 0
	var entries []*keyEntry
	for _, ix := range *t.indexes.Load() {
		tt := ttlAt(ix.ttl.Load(), now)
		if tt.none() {
			continue
		}
		for _, seg := range ix.segs {
			// Snapshot the keys (only eviction removes keys, and it is us).
			entries = entries[:0]
			seg.mu.Lock()
			seg.keys.each(func(e *keyEntry) bool { entries = append(entries, e); return true })
			seg.mu.Unlock()
			var empty []*keyEntry
			for _, e := range entries {
				seg.mu.Lock()
				l := e.rows()
				dropped += l.evict(tt, t.rows)
				if l.length() == 0 {
					empty = append(empty, e)
				}
				seg.mu.Unlock()
			}
			if len(empty) > 0 {
				seg.mu.Lock()
				seg.keysMu.Lock()
				for _, k := range empty {
					seg.keys.remove(k)
				}
				seg.nkeys.Add(-int64(len(empty)))
				seg.keysMu.Unlock()
				seg.mu.Unlock()
			}
			t.maybeCompact(seg)
		}
	}
	t.rows.sweep()
	t.rows.compact()
	return dropped, nil
}

// maybeCompact copies the lists of seg into a fresh arena when its arena is
// mostly garbage. Readers keep walking the old lists (and the old arena stays
// alive) until they finish. New keys take the fresh arena at once; the lists
// move one key at a time, each under the segment lock, so a writer waits
// for one key's copy at most, not the segment's (until a list moves, its
// inserts still allocate from the old arena, under the same lock).
// evictMu held: no key is removed meanwhile.
func (t *memTable) maybeCompact(seg *segment) {
	if t.huandu {
		return
	}
	a := seg.arena.Load()
	total, live := a.Bytes(), a.LiveBytes()
	if total < compactMinBytes || float64(total-live) < compactGarbage*float64(total) {
		return
	}
	na := skiplist.NewArena()
	var entries []*keyEntry
	seg.mu.Lock()
	seg.moving.Store(a)
	seg.arena.Store(na)
	seg.keys.each(func(e *keyEntry) bool { entries = append(entries, e); return true })
	seg.mu.Unlock()
	for _, e := range entries {
		seg.mu.Lock()
		if l := e.list.Load(); l.Arena() != na {
			e.list.Store(l.CopyTo(na))
		}
		seg.mu.Unlock()
		if compactStep != nil {
			compactStep(t, a)
		}
	}
	seg.moving.Store(nil)
}

// compactStep, when set (by a test), runs after each key maybeCompact moves,
// with the arena it moves them out of.
var compactStep func(t *memTable, from *skiplist.Arena)

func (t *memTable) Stats() Stats {
	st := Stats{Rows: t.rows.rows.Load(), Bytes: t.rows.bytes.Load()}
	for _, ix := range *t.indexes.Load() {
		for _, seg := range ix.segs {
			a := seg.arena.Load()
			st.Bytes += a.Bytes() + seg.nkeys.Load()*keyEntryBytes
			if m := seg.moving.Load(); m != nil && m != a {
				st.Bytes += m.Bytes()
			}
		}
	}
	return st
}

func (t *memTable) Close() error {
	t.putMu.Lock()
	defer t.putMu.Unlock()
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	t.closed.Store(true)
	return nil
}
