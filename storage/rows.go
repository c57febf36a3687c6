package storage

import (
	"encoding/binary"
	"math"

	"github.com/cockroachdb/pebble"
)

// Reading a table's rows in seq order (Table.LastSeq and Table.Rows): what
// batch queries read of a table's stored rows, a chunk at a time.

// LastSeq implements Table.
func (t *memTable) LastSeq() uint64 { return t.rows.lastSeq() }

// Rows implements Table: it walks the row directory from first, lock-free.
func (t *memTable) Rows(first, last uint64, fn func(seq uint64, row []byte) bool) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.rows.scan(first, min(last, t.rows.lastSeq()), fn)
	return nil
}

// lastSeq is the newest seq handed out (0: none). Every entry up to it is
// published: append writes it under mu before releasing.
func (s *rowStore) lastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next - 1
}

// scan calls fn for every live row with first <= seq <= last, in seq order,
// until fn returns false. last must not exceed lastSeq (pages past it do not
// exist yet). It takes no lock: pages whose rows all died are skipped whole,
// and get handles rows moved or killed while it reads.
func (s *rowStore) scan(first, last uint64, fn func(seq uint64, row []byte) bool) {
	seq := max(first, 1)
	r := s.reader()
	for seq <= last {
		pn := seq >> pageShift
		pageEnd := (pn+1)<<pageShift - 1 // the page's last seq
		pd := s.pages.Load()
		if pn < pd.base {
			// Every page below base was dropped.
			seq = pd.base << pageShift
			continue
		}
		if pd.get(pn) != nil {
			for end := min(pageEnd, last); seq <= end; seq++ {
				if row := r.get(seq); row != nil && !fn(seq, row) {
					return
				}
			}
		}
		if pageEnd >= last {
			return
		}
		seq = pageEnd + 1
	}
}

// LastSeq implements Table. After a restart it is the seq high-water mark
// reserved on disk, which may exceed the newest stored row's seq.
func (t *diskTable) LastSeq() uint64 {
	t.seqMu.Lock()
	defer t.seqMu.Unlock()
	return t.next - 1
}

// Rows implements Table: one Pebble iterator over the row records (keyed by
// seq, so in seq order). Close waits for it.
func (t *diskTable) Rows(first, last uint64, fn func(seq uint64, row []byte) bool) error {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed.Load() {
		return ErrClosed
	}
	if first > last {
		return nil
	}
	upper := []byte{pfxRow + 1}
	if last < math.MaxUint64 {
		upper = rowKey(last + 1)
	}
	it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: rowKey(first), UpperBound: upper})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		// The value is refs (1 byte) then the row; a record is deleted with its last ref.
		if v := it.Value(); len(v) > 1 && v[0] > 0 && !fn(binary.BigEndian.Uint64(it.Key()[1:]), v[1:]) {
			break
		}
	}
	return it.Error()
}
