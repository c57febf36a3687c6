package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"

	"github.com/sundialdb/sundial/types"
)

// The disk table keeps a table in a Pebble database of its own, with the
// same Table interface and TTL rules as the memory table. Keys:
//
//	0x00 name                               metadata: "schema", "indexes" (JSON), "seq" (seq high-water mark)
//	0x01 seq (8 bytes, big endian)          refs (1 byte) | the encoded row
//	0x02 index id (2) | key | ^ts | ^seq    the encoded row: one entry per row and index
//
// key is the index key encoding (key.go), which is prefix-free for a given
// index, so the entries of one key are exactly those with its prefix; ts is
// stored sign-flipped and then complemented, seq complemented, so a key's
// entries sort newest first by (ts desc, seq desc) and a scan is one seek
// and a forward walk over adjacent entries. Entries carry a copy of the row
// (a covering index: on disk, locality beats size; looking rows up by seq
// costs a random read per row). The 0x01 record keeps the row for AddIndex
// and snapshots, with the count of index entries still holding it; it is
// deleted with the last.

const (
	pfxMeta  = 0x00
	pfxRow   = 0x01
	pfxIndex = 0x02

	seqReserve = 4096 // seqs reserved on disk at a time
)

// DiskOptions tune a disk table.
type DiskOptions struct {
	// Sync makes every Put wait for its write to reach stable storage.
	// Without it a crash may lose the last writes (Pebble's own log is still
	// consistent); pair the table with a WAL, or set Sync, for durability.
	Sync bool
}

type diskTable struct {
	db     *pebble.DB
	schema types.Schema
	lay    *layout
	dec    *Decoder
	wopts  *pebble.WriteOptions

	closeMu sync.RWMutex // Scan and writers: read; Close: write
	putMu   sync.RWMutex
	evictMu sync.Mutex
	closed  atomic.Bool

	seqMu sync.Mutex
	next  uint64 // next seq (seqMu)
	hw    uint64 // seqs below hw are reserved on disk (seqMu)

	indexes atomic.Pointer[[]IndexSpec]
	rows    atomic.Int64
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)         {}
func (quietLogger) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

// diskPebbleOptions: bloom filters on every level (a scan looks rows up by
// seq), otherwise Pebble's defaults.
func diskPebbleOptions() *pebble.Options {
	o := &pebble.Options{Logger: quietLogger{}, Cache: pebble.NewCache(32 << 20)}
	o.Levels = make([]pebble.LevelOptions, 7)
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		o.Levels[i].FilterType = pebble.TableFilter
	}
	return o.EnsureDefaults()
}

func metaKey(name string) []byte { return append([]byte{pfxMeta}, name...) }

func rowKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = pfxRow
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

func indexPrefix(buf []byte, id int) []byte {
	return append(buf, pfxIndex, byte(id>>8), byte(id))
}

// tsOrder maps ts to bytes that sort in descending ts order.
func tsOrder(ts int64) uint64 { return ^(uint64(ts) ^ 1<<63) }

func appendEntrySuffix(buf []byte, ts int64, seq uint64) []byte {
	buf = binary.BigEndian.AppendUint64(buf, tsOrder(ts))
	return binary.BigEndian.AppendUint64(buf, ^seq)
}

func entryTSSeq(k []byte) (int64, uint64) {
	n := len(k)
	return int64(^binary.BigEndian.Uint64(k[n-16:]) ^ 1<<63), ^binary.BigEndian.Uint64(k[n-8:])
}

// prefixEnd returns the smallest key after every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // no upper bound
}

// OpenDiskTable opens the disk table in dir, creating it with schema and
// indexes if dir holds none. An existing table must have the same schema; its
// stored indexes (including those AddIndex added) are used, and indexes, when
// not nil, must equal them.
func OpenDiskTable(dir string, schema types.Schema, indexes []IndexSpec, o *DiskOptions) (Table, error) {
	if o == nil {
		o = &DiskOptions{}
	}
	lay, err := newLayout(schema)
	if err != nil {
		return nil, err
	}
	dec, _ := NewDecoder(schema, nil)
	t := &diskTable{schema: append(types.Schema(nil), schema...), lay: lay, dec: dec, wopts: pebble.NoSync}
	if o.Sync {
		t.wopts = pebble.Sync
	}
	var specs []IndexSpec
	for _, s := range indexes {
		s, err := checkSpec(schema, s)
		if err != nil {
			return nil, err
		}
		for _, x := range specs {
			if s.Name != "" && x.Name == s.Name {
				return nil, fmt.Errorf("%w: index %s declared twice", ErrSchema, s.Name)
			}
		}
		specs = append(specs, s)
	}
	po := diskPebbleOptions()
	db, err := pebble.Open(dir, po)
	po.Cache.Unref() // the DB holds its own reference
	if err != nil {
		return nil, fmt.Errorf("storage: open disk table %s: %w", dir, err)
	}
	t.db = db
	if err := t.load(specs, indexes != nil); err != nil {
		db.Close()
		return nil, err
	}
	return t, nil
}

func (t *diskTable) getMeta(name string) ([]byte, error) {
	v, c, err := t.db.Get(metaKey(name))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return append([]byte(nil), v...), nil
}

func (t *diskTable) load(specs []IndexSpec, given bool) error {
	stored, err := t.getMeta("schema")
	if errors.Is(err, pebble.ErrNotFound) {
		if len(specs) == 0 {
			return fmt.Errorf("%w: a table needs at least one index", ErrSchema)
		}
		if len(specs) > MaxIndexes {
			return fmt.Errorf("%w: %d indexes, at most %d", ErrSchema, len(specs), MaxIndexes)
		}
		sj, _ := json.Marshal(t.schema)
		ij, _ := json.Marshal(specs)
		b := t.db.NewBatch()
		b.Set(metaKey("schema"), sj, nil)
		b.Set(metaKey("indexes"), ij, nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return err
		}
		t.indexes.Store(&specs)
		t.next, t.hw = 1, 1
		return nil
	}
	if err != nil {
		return err
	}
	var s types.Schema
	if err := json.Unmarshal(stored, &s); err != nil {
		return fmt.Errorf("%w: stored schema: %v", ErrCorrupt, err)
	}
	if !reflect.DeepEqual(s, t.schema) {
		return fmt.Errorf("%w: the stored table has another schema", ErrSchema)
	}
	ij, err := t.getMeta("indexes")
	if err != nil {
		return fmt.Errorf("%w: stored indexes: %v", ErrCorrupt, err)
	}
	var have []IndexSpec
	if err := json.Unmarshal(ij, &have); err != nil {
		return fmt.Errorf("%w: stored indexes: %v", ErrCorrupt, err)
	}
	if given && !reflect.DeepEqual(withoutTTL(have), withoutTTL(specs)) {
		return fmt.Errorf("%w: the stored table has other indexes", ErrSchema)
	}
	if given && !reflect.DeepEqual(have, specs) {
		// Only TTLs differ (DEPLOY raised one, and the catalog being
		// recovered is from before it, or the other way round): the
		// caller's hold.
		ij, _ := json.Marshal(specs)
		if err := t.db.Set(metaKey("indexes"), ij, pebble.Sync); err != nil {
			return err
		}
		have = specs
	}
	t.indexes.Store(&have)
	t.next, t.hw = 1, 1
	if v, err := t.getMeta("seq"); err == nil && len(v) == 8 {
		t.next = binary.BigEndian.Uint64(v)
		t.hw = t.next
	}
	it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pfxRow}, UpperBound: []byte{pfxRow + 1}})
	if err != nil {
		return err
	}
	var n int64
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	t.rows.Store(n)
	return it.Close()
}

func (t *diskTable) Schema() types.Schema { return t.schema }

func (t *diskTable) Indexes() []IndexSpec {
	ixs := *t.indexes.Load()
	out := make([]IndexSpec, len(ixs))
	for i, s := range ixs {
		out[i] = s
		out[i].KeyCols = append([]int(nil), s.KeyCols...)
	}
	return out
}

func (t *diskTable) Decoder(wanted []int) *Decoder {
	d, err := NewDecoder(t.schema, wanted)
	if err != nil {
		panic(err)
	}
	return d
}

// nextSeq hands out a seq, reserving a block of them on disk first so that a
// seq is never reused after a restart.
func (t *diskTable) nextSeq() (uint64, error) {
	t.seqMu.Lock()
	defer t.seqMu.Unlock()
	if t.next >= t.hw {
		hw := t.next + seqReserve
		if err := t.db.Set(metaKey("seq"), binary.BigEndian.AppendUint64(nil, hw), pebble.Sync); err != nil {
			return 0, err
		}
		t.hw = hw
	}
	s := t.next
	t.next++
	return s, nil
}

func (t *diskTable) Put(row []types.Value) (uint64, error) {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed.Load() {
		return 0, ErrClosed
	}
	t.putMu.RLock()
	defer t.putMu.RUnlock()
	if len(row) != len(t.schema) {
		return 0, fmt.Errorf("%w: %d values for %d columns", ErrRow, len(row), len(t.schema))
	}
	ixs := *t.indexes.Load()
	var keys []byte
	ends := make([]int, 0, len(ixs))
	tss := make([]int64, 0, len(ixs))
	for i, s := range ixs {
		var ts int64
		if c := s.TSCol; c >= 0 {
			v := row[c]
			if v.Null {
				return 0, fmt.Errorf("%w: TS column %s of index %s is NULL", ErrRow, t.schema[c].Name, s.Name)
			}
			if !isIntLike(v.Kind) {
				return 0, fmt.Errorf("%w: TS column %s is %v, got a %v value", ErrRow, t.schema[c].Name, t.schema[c].Kind, v.Kind)
			}
			ts = v.I
		}
		keys = indexPrefix(keys, i)
		var err error
		if keys, err = appendRowKey(keys, t.schema, s.KeyCols, row); err != nil {
			return 0, err
		}
		ends = append(ends, len(keys))
		tss = append(tss, ts)
	}
	val, err := t.lay.encode(t.schema, row, []byte{byte(len(ixs))})
	if err != nil {
		return 0, err
	}
	seq, err := t.nextSeq()
	if err != nil {
		return 0, err
	}
	b := t.db.NewBatch()
	defer b.Close()
	b.Set(rowKey(seq), val, nil)
	start := 0
	var ek []byte
	for i, s := range ixs {
		ts := tss[i]
		if s.TSCol < 0 {
			ts = int64(seq)
		}
		ek = appendEntrySuffix(append(ek[:0], keys[start:ends[i]]...), ts, seq)
		b.Set(ek, val[1:], nil)
		start = ends[i]
	}
	if err := b.Commit(t.wopts); err != nil {
		return 0, err
	}
	t.rows.Add(1)
	return seq, nil
}

func (t *diskTable) Scan(idx int, key []types.Value, maxTS int64, now int64, fn func(ts int64, seq uint64, row []byte) bool) error {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed.Load() {
		return ErrClosed
	}
	ixs := *t.indexes.Load()
	if idx < 0 || idx >= len(ixs) {
		return fmt.Errorf("%w: index %d out of range (the table has %d)", ErrKey, idx, len(ixs))
	}
	spec := &ixs[idx]
	p, err := appendKey(indexPrefix(make([]byte, 0, 64), idx), t.schema, spec.KeyCols, key)
	if err != nil {
		return err
	}
	it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return err
	}
	defer it.Close()
	seek := func() bool {
		return it.SeekGE(appendEntrySuffix(append([]byte(nil), p...), maxTS, 1<<64-1))
	}
	tt := ttlAt(spec, now)
	pos := int64(1)
	var ok bool
	if tt.lat {
		ok = it.First()
		for ok && pos <= tt.n {
			if ts, _ := entryTSSeq(it.Key()); ts <= maxTS {
				break
			}
			ok = it.Next()
			pos++
		}
		if ok {
			if ts, _ := entryTSSeq(it.Key()); ts > maxTS {
				if !tt.and {
					return nil
				}
				ok = seek()
			}
		}
	} else {
		ok = seek()
	}
	// Rows handed to fn stay valid: they are appended to buf, whose bytes are
	// never written again once handed out.
	var buf []byte
	for ; ok; ok = it.Next() {
		ts, seq := entryTSSeq(it.Key())
		if tt.expired(ts, pos) {
			break
		}
		v := it.Value()
		buf = append(buf, v...)
		row := buf[len(buf)-len(v) : len(buf) : len(buf)]
		if !fn(ts, seq, row) {
			break
		}
		pos++
	}
	return it.Error()
}

// withoutTTL returns specs with their TTLs cleared.
func withoutTTL(specs []IndexSpec) []IndexSpec {
	out := append([]IndexSpec(nil), specs...)
	for i := range out {
		out[i].TTLType, out[i].AbsMillis, out[i].LatCount = 0, 0, 0
	}
	return out
}

// SetTTL replaces the TTL of index idx, in the table's metadata first.
func (t *diskTable) SetTTL(idx int, typ TTLType, absMillis, latCount int64) error {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	if t.closed.Load() {
		return ErrClosed
	}
	old := *t.indexes.Load()
	if err := checkSetTTL(len(old), idx, func(i int) string { return old[i].Name }, absMillis, latCount); err != nil {
		return err
	}
	ixs := append([]IndexSpec(nil), old...)
	ixs[idx].TTLType, ixs[idx].AbsMillis, ixs[idx].LatCount = typ, absMillis, latCount
	ij, _ := json.Marshal(ixs)
	if err := t.db.Set(metaKey("indexes"), ij, pebble.Sync); err != nil {
		return err
	}
	t.indexes.Store(&ixs)
	return nil
}

func (t *diskTable) AddIndex(spec IndexSpec) error {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
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
	s, err := checkSpec(t.schema, spec)
	if err != nil {
		return err
	}
	for _, x := range old {
		if s.Name != "" && x.Name == s.Name {
			return fmt.Errorf("%w: index %s already exists", ErrSchema, s.Name)
		}
	}
	id := len(old)
	// One batch: the index appears whole or not at all.
	b := t.db.NewBatch()
	defer b.Close()
	it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pfxRow}, UpperBound: []byte{pfxRow + 1}})
	if err != nil {
		return err
	}
	var ek []byte
	for ok := it.First(); ok; ok = it.Next() {
		seq := binary.BigEndian.Uint64(it.Key()[1:])
		v := it.Value()
		row := v[1:]
		ts := int64(seq)
		if s.TSCol >= 0 {
			x, ok := t.dec.Int(row, s.TSCol)
			if !ok {
				continue // NULL in the new TS column: not in this index
			}
			ts = x
		}
		ek, _ = appendEncodedRowKey(indexPrefix(ek[:0], id), t.dec, s.KeyCols, row)
		ek = appendEntrySuffix(ek, ts, seq)
		b.Set(ek, row, nil)
		nv := append([]byte{v[0] + 1}, row...)
		b.Set(append([]byte(nil), it.Key()...), nv, nil)
	}
	if err := it.Close(); err != nil {
		return err
	}
	ixs := append(append([]IndexSpec(nil), old...), s)
	ij, _ := json.Marshal(ixs)
	b.Set(metaKey("indexes"), ij, nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	t.indexes.Store(&ixs)
	return nil
}

func (t *diskTable) Evict(now int64) (int, error) {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	t.evictMu.Lock()
	defer t.evictMu.Unlock()
	if t.closed.Load() {
		return 0, ErrClosed
	}
	released := map[uint64]int{}
	b := t.db.NewBatch()
	defer func() { b.Close() }()
	dropped := 0
	flush := func() error {
		if b.Len() < 1<<20 {
			return nil
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return err
		}
		b.Close()
		b = t.db.NewBatch()
		return nil
	}
	for id, spec := range *t.indexes.Load() {
		tt := ttlAt(&spec, now)
		if tt.none() {
			continue
		}
		lo := indexPrefix(nil, id)
		it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
		if err != nil {
			return dropped, err
		}
		for ok := it.First(); ok; {
			k := it.Key()
			kp := append([]byte(nil), k[:len(k)-16]...)
			end := prefixEnd(kp)
			inKey := func() bool { return it.Valid() && bytes.HasPrefix(it.Key(), kp) }
			var cut []byte
			byCount, byTime := false, false
			if tt.lat {
				for i := int64(0); i < tt.n && inKey(); i++ {
					it.Next()
				}
				if inKey() {
					cut, byCount = append([]byte(nil), it.Key()...), true
				}
			}
			if tt.abs {
				if it.SeekGE(appendEntrySuffix(append([]byte(nil), kp...), tt.cut, 1<<64-1)); inKey() {
					c := it.Key()
					switch {
					case cut == nil:
						cut = append([]byte(nil), c...)
					case tt.and == (bytes.Compare(c, cut) > 0): // and: the older (greater key); or: the newer
						cut = append(cut[:0], c...)
					}
					byTime = true
				}
			}
			if cut != nil && (!tt.and || byCount && byTime) {
				for it.SeekGE(cut); inKey(); it.Next() {
					_, seq := entryTSSeq(it.Key())
					b.Delete(it.Key(), nil)
					released[seq]++
					dropped++
				}
				if err := flush(); err != nil {
					it.Close()
					return dropped, err
				}
			}
			if end == nil {
				break
			}
			ok = it.SeekGE(end)
		}
		if err := it.Close(); err != nil {
			return dropped, err
		}
	}
	var dead int64
	for seq, n := range released {
		k := rowKey(seq)
		v, c, err := t.db.Get(k)
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return dropped, err
		}
		if int(v[0]) <= n {
			b.Delete(k, nil)
			dead++
		} else {
			nv := append([]byte{v[0] - byte(n)}, v[1:]...)
			b.Set(k, nv, nil)
		}
		c.Close()
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return dropped, err
	}
	t.rows.Add(-dead)
	return dropped, nil
}

func (t *diskTable) Stats() Stats {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed.Load() {
		return Stats{}
	}
	m := t.db.Metrics()
	return Stats{Rows: t.rows.Load(), Bytes: int64(m.DiskSpaceUsage())}
}

func (t *diskTable) Close() error {
	t.closeMu.Lock()
	defer t.closeMu.Unlock()
	if t.closed.Swap(true) {
		return nil
	}
	return t.db.Close()
}
