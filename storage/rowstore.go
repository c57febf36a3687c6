package storage

import (
	"encoding/binary"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/sundialdb/sundial/storage/prefetch"
)

// The row store holds every row of a table once, whatever its number of
// indexes. Index nodes carry only (ts, seq); a row is found by its seq
// through the row directory:
//
//	directory  pages of 512 entries, one per seq; an entry packs
//	           chunk id (32 bits) | offset in the chunk (16 bits) |
//	           row length (8 bits, 255: longer) | refs (8 bits);
//	           a page whose rows are mostly dead is rewritten sparse (the
//	           live entries and their positions: 10 bytes a row, not 8 a seq)
//	chunks     64 KiB byte blocks the rows are appended to, each record being
//	           the row's bytes alone when the entry holds its length (under
//	           255 bytes), else uvarint(len) row; a row larger than 16 KiB
//	           gets a chunk of its own (at offset 0)
//
// Records carry no seq: compaction finds the records to move through the
// directory, walking the seqs each chunk spans (chunk.minSeq..maxSeq).
//
// refs counts the indexes that still hold the row; eviction decrements it and
// at zero the row is dead: its bytes are subtracted from its chunk's live
// bytes and its page's live count. A sealed chunk (no longer appended to) with
// no live bytes is dropped, and so is a page with no live entry once all its
// seqs are assigned. A chunk that is mostly dead is compacted: its live rows
// are copied to the active chunk and their entries repointed, then it is
// dropped. Because indexes refer to rows by seq, moving a row touches one
// entry, never the indexes.
//
// Readers take no lock: they load an entry, then the chunk table, and read the
// bytes. Chunks are never written after the bytes of a record are published
// and never reused, so a reader that loaded a chunk just before it was dropped
// reads valid (if stale) bytes, and one that finds its chunk gone reloads the
// entry, which was repointed before the drop. Writers (Put, and eviction when
// it drops or moves) take mu; refs and live counts are only changed by
// eviction and AddIndex, which the table serialises.

const (
	chunkSize    = 64 << 10
	bigRow       = chunkSize / 4
	pageShift    = 9
	pageSize     = 1 << pageShift
	pageMask     = pageSize - 1
	maxChunkOff  = 1<<16 - 1 // offsets in a 64 KiB chunk; a big row sits at 0
	longRow      = 0xff      // entry length of a record that starts with uvarint(len)
	pageBytes    = pageSize*8 + 64
	sparseBelow  = pageSize / 8 // live entries under which a sealed page goes sparse
	chunkBytesOH = 64           // Go object overhead per chunk, for Stats
)

type chunk struct {
	id     uint32
	buf    []byte
	used   int    // bytes appended (mu)
	minSeq uint64 // seqs of the records appended (mu)
	maxSeq uint64
	live   atomic.Int64 // bytes of records of live rows
	sealed atomic.Bool  // no longer appended to
}

// page holds the entries of pageSize consecutive seqs: all of them (dense,
// offs nil) or only those alive when it was made sparse (offs sorted, the
// positions in the page of the entries in e). A sparse page never gains
// entries: it is made from a sealed page.
type page struct {
	e    []atomic.Uint64
	offs []uint16
	live atomic.Int32
}

func newDensePage() *page { return &page{e: make([]atomic.Uint64, pageSize)} }

func (p *page) bytes() int64 {
	if p.offs == nil {
		return pageBytes
	}
	return int64(len(p.e))*10 + 64
}

// slot returns the entry word of position i, or nil if a sparse page lacks it.
func (p *page) slot(i uint64) *atomic.Uint64 {
	if p.offs == nil {
		return &p.e[i]
	}
	lo, hi := 0, len(p.offs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if uint64(p.offs[m]) < i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(p.offs) && uint64(p.offs[lo]) == i {
		return &p.e[lo]
	}
	return nil
}

func packEntry(id uint32, off int, rowLen int, refs int) uint64 {
	return uint64(id)<<32 | uint64(off)<<16 | uint64(min(rowLen, longRow))<<8 | uint64(refs)
}
func entryChunk(e uint64) uint32 { return uint32(e >> 32) }
func entryOff(e uint64) int      { return int(e>>16) & maxChunkOff }
func entryLen(e uint64) int      { return int(e>>8) & 0xff }
func entryRefs(e uint64) int     { return int(e & 0xff) }

// record returns the row of the record e points to in c.
func record(c *chunk, e uint64) []byte {
	off, n := entryOff(e), entryLen(e)
	if n == longRow {
		l, w := binary.Uvarint(c.buf[off:])
		off, n = off+w, int(l)
	}
	return c.buf[off : off+n : off+n]
}

// recordLen returns the bytes of the record of a row of rowLen bytes.
func recordLen(rowLen int) int {
	if rowLen < longRow {
		return rowLen
	}
	return uvarintLen(uint64(rowLen)) + rowLen
}

// dir is an append-mostly table of pointers indexed by an ever-growing id,
// readable without locks. Writers hold the row store's mu.
type dir[T any] struct {
	base  uint64
	slots []atomic.Pointer[T]
	n     int // slots in use (writers only)
}

func (d *dir[T]) get(id uint64) *T {
	if id < d.base || id-d.base >= uint64(len(d.slots)) { // slots past n are nil
		return nil
	}
	return d.slots[id-d.base].Load()
}

// dirAppend stores x at id (the next id: base+n) and returns the dir to publish.
func dirAppend[T any](d *dir[T], id uint64, x *T) *dir[T] {
	if d.n == 0 && len(d.slots) == 0 {
		d = &dir[T]{base: id, slots: make([]atomic.Pointer[T], 16)}
	}
	if id != d.base+uint64(d.n) {
		panic("storage: dir ids must be contiguous")
	}
	if d.n == len(d.slots) {
		// Rebuild: drop the dead prefix, double the room for the rest.
		start := 0
		for start < d.n && d.slots[start].Load() == nil {
			start++
		}
		live := d.n - start
		nd := &dir[T]{base: d.base + uint64(start), slots: make([]atomic.Pointer[T], max(16, 2*live+1)), n: live}
		for i := 0; i < live; i++ {
			nd.slots[i].Store(d.slots[start+i].Load())
		}
		d = nd
	}
	d.slots[d.n].Store(x)
	d.n++
	return d
}

type rowStore struct {
	mu     sync.Mutex
	next   uint64 // next seq to assign (mu)
	active *chunk // chunk being appended to (mu)
	lastID uint32 // last chunk id handed out (mu)

	pages  atomic.Pointer[dir[page]]
	chunks atomic.Pointer[dir[chunk]]

	rows  atomic.Int64 // live rows
	bytes atomic.Int64 // chunk buffers + pages

	// Eviction state (the table's evictMu).
	deadChunks []uint32
	deadPages  []uint64
}

func newRowStore() *rowStore {
	s := &rowStore{next: 1}
	s.pages.Store(&dir[page]{})
	s.chunks.Store(&dir[chunk]{})
	return s
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// newChunk adds a chunk of size bytes to the chunk table. mu held.
func (s *rowStore) newChunk(size int) *chunk {
	s.lastID++
	c := &chunk{id: s.lastID, buf: make([]byte, size)}
	s.chunks.Store(dirAppend(s.chunks.Load(), uint64(c.id), c))
	s.bytes.Add(int64(size) + chunkBytesOH)
	return c
}

// place reserves need bytes for a record and returns its chunk and offset. mu held.
func (s *rowStore) place(need int) (*chunk, int) {
	if need > bigRow {
		c := s.newChunk(need)
		c.used = need
		c.sealed.Store(true)
		return c, 0
	}
	// max(need, 1): a record never starts at the chunk's end (offsets have 16 bits).
	if s.active == nil || s.active.used+max(need, 1) > len(s.active.buf) {
		if old := s.active; old != nil {
			old.sealed.Store(true)
			if old.live.Load() == 0 {
				s.dropChunk(old.id)
			}
		}
		s.active = s.newChunk(chunkSize)
	}
	c := s.active
	off := c.used
	c.used += need
	return c, off
}

// writeRecord writes the record of row seq into c at off (reserved by place).
func writeRecord(c *chunk, off int, seq uint64, row []byte) {
	b := c.buf[off:]
	if len(row) >= longRow {
		b = b[binary.PutUvarint(b, uint64(len(row))):]
	}
	copy(b, row)
	if c.minSeq == 0 || seq < c.minSeq {
		c.minSeq = seq
	}
	c.maxSeq = max(c.maxSeq, seq)
}

// append stores row with refs references and returns its seq.
func (s *rowStore) append(row []byte, refs int) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.next
	s.next++
	need := recordLen(len(row))
	c, off := s.place(need)
	writeRecord(c, off, seq, row)
	c.live.Add(int64(need))

	pn := seq >> pageShift
	pd := s.pages.Load()
	p := pd.get(pn)
	if p == nil {
		p = newDensePage()
		s.pages.Store(dirAppend(pd, pn, p))
		s.bytes.Add(pageBytes)
	}
	p.live.Add(1)
	p.e[seq&pageMask].Store(packEntry(c.id, off, len(row), refs)) // the newest page is dense
	s.rows.Add(1)
	return seq
}

// entry returns the entry word of seq and its value (nil, 0 when absent).
func (s *rowStore) entry(seq uint64) (*atomic.Uint64, uint64) {
	p := s.pages.Load().get(seq >> pageShift)
	if p == nil {
		return nil, 0
	}
	w := p.slot(seq & pageMask)
	if w == nil {
		return nil, 0
	}
	return w, w.Load()
}

// get returns the bytes of row seq, or nil if it is no longer stored.
func (s *rowStore) get(seq uint64) []byte {
	r := s.reader()
	return r.get(seq)
}

// rowReader reads rows for one reader (a scan): it keeps the page and chunk
// tables it loaded and reloads them only when they lack what it looks for,
// so reading a row costs no load of the store's tables. Stale tables are
// safe: pages and chunks are never reused; a page that was dropped or made
// sparse since holds entries that no longer change (dead, or pointing to a
// chunk that may be gone, which makes the reader reload).
type rowReader struct {
	s  *rowStore
	pd *dir[page]
	cd *dir[chunk]
}

func (s *rowStore) reader() rowReader {
	return rowReader{s: s, pd: s.pages.Load(), cd: s.chunks.Load()}
}

func (r *rowReader) reload() { r.pd, r.cd = r.s.pages.Load(), r.s.chunks.Load() }

// entry returns the entry of seq in r's pages; ok is false when r lacks its page.
func (r *rowReader) entry(seq uint64) (e uint64, ok bool) {
	p := r.pd.get(seq >> pageShift)
	if p == nil {
		return 0, false
	}
	if w := p.slot(seq & pageMask); w != nil {
		return w.Load(), true
	}
	return 0, true // a sparse page lacks it: dead
}

// resolve sets rows[i] to the bytes of row seqs[i], or nil if it is no
// longer stored, as get does, and starts loading them into the cache (the
// scan reads them a batch later). It reads every entry before it looks at
// any chunk, so that their cache misses overlap.
func (r *rowReader) resolve(seqs []uint64, rows [][]byte) {
	var es [maxBatch]uint64
	var found [maxBatch]bool
	for i, seq := range seqs {
		es[i], found[i] = r.entry(seq)
	}
	for i, seq := range seqs {
		e := es[i]
		var c *chunk
		if found[i] && entryRefs(e) > 0 {
			c = r.cd.get(uint64(entryChunk(e)))
		}
		var row []byte
		switch {
		case c != nil:
			row = record(c, e)
		case found[i] && entryRefs(e) == 0:
		default:
			row = r.get(seq) // the tables need reloading
		}
		rows[i] = row
		if len(row) > 0 {
			first := uintptr(unsafe.Pointer(&row[0]))
			prefetch.Line(first)
			if last := first + uintptr(len(row)-1); last>>6 != first>>6 {
				prefetch.Line(last)
			}
		}
	}
}

// get returns the bytes of row seq, or nil if it is no longer stored.
func (r *rowReader) get(seq uint64) []byte {
	fresh := false
	for {
		e, ok := r.entry(seq)
		if !ok && !fresh {
			r.reload() // a page added since r loaded the table, or a dropped one
			fresh = true
			continue
		}
		if entryRefs(e) == 0 {
			return nil
		}
		if c := r.cd.get(uint64(entryChunk(e))); c != nil {
			return record(c, e)
		}
		// The chunk is newer than r's table, or gone: the row moved (its
		// entry was repointed first) or died since the entry was read.
		r.reload()
		if fresh {
			if e2, _ := r.entry(seq); e2 == e {
				return nil
			}
		}
		fresh = true
	}
}

// addRef adds a reference to live row seq (AddIndex backfill). evictMu held.
func (s *rowStore) addRef(seq uint64) {
	w, e := s.entry(seq)
	if entryRefs(e) == 0 || entryRefs(e) == 0xff {
		panic("storage: addRef on a dead or saturated row")
	}
	w.Store(e + 1)
}

// release drops one reference to row seq; the last one kills the row. evictMu held.
func (s *rowStore) release(seq uint64) {
	w, e := s.entry(seq)
	refs := entryRefs(e)
	if refs == 0 {
		return
	}
	if refs > 1 {
		w.Store(e - 1)
		return
	}
	p := s.pages.Load().get(seq >> pageShift)
	c := s.chunks.Load().get(uint64(entryChunk(e)))
	w.Store(0)
	s.rows.Add(-1)
	if c != nil {
		if c.live.Add(-int64(recordLen(len(record(c, e))))) == 0 {
			s.deadChunks = append(s.deadChunks, c.id)
		}
	}
	if p.live.Add(-1) == 0 {
		s.deadPages = append(s.deadPages, seq>>pageShift)
	}
}

// dropChunk removes chunk id from the table. mu held.
func (s *rowStore) dropChunk(id uint32) {
	d := s.chunks.Load()
	c := d.get(uint64(id))
	if c == nil {
		return
	}
	d.slots[uint64(id)-d.base].Store(nil)
	s.bytes.Add(-int64(len(c.buf)) - chunkBytesOH)
}

// sweep drops the chunks and pages that eviction emptied. evictMu held.
func (s *rowStore) sweep() {
	if len(s.deadChunks) == 0 && len(s.deadPages) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cd := s.chunks.Load()
	for _, id := range s.deadChunks {
		if c := cd.get(uint64(id)); c != nil && c.sealed.Load() && c.live.Load() == 0 {
			s.dropChunk(id)
		}
	}
	pd := s.pages.Load()
	for _, pn := range s.deadPages {
		sealed := (pn+1)<<pageShift <= s.next // every seq of the page assigned
		if p := pd.get(pn); p != nil && sealed && p.live.Load() == 0 {
			pd.slots[pn-pd.base].Store(nil)
			s.bytes.Add(-p.bytes())
		}
	}
	s.deadChunks = s.deadChunks[:0]
	s.deadPages = s.deadPages[:0]
	// A page emptied before it was sealed is the newest page: its next row
	// makes it live again, and that row's death puts it back on the list.
}

// compact moves the live rows of sealed chunks that are mostly dead into the
// active chunk and drops those chunks. evictMu held. It takes mu a page of
// the directory at a time, not for the whole pass, so that writers (append
// needs mu) wait for at most one page's moves: a pass can walk the entries
// of millions of rows. Between pages nothing it relies on changes: release
// and addRef also need evictMu, sealed chunks take no new records, and
// appends only add pages and chunks after the ones it walks.
func (s *rowStore) compact() {
	s.mu.Lock()
	cd := s.chunks.Load()
	var sparse []*chunk
	for i := 0; i < cd.n; i++ {
		c := cd.slots[i].Load()
		if c == nil || !c.sealed.Load() || len(c.buf) != chunkSize {
			continue
		}
		if live := c.live.Load(); live == 0 {
			s.dropChunk(c.id)
		} else if live < chunkSize/4 {
			sparse = append(sparse, c)
		}
	}
	s.mu.Unlock()
	if len(sparse) > 0 {
		s.move(sparse)
	}
	s.sparsify()
}

// move copies the live records of the sparse chunks into the active chunk,
// repointing their entries, then drops the chunks. evictMu held; it takes mu
// a page at a time (see compact).
func (s *rowStore) move(sparse []*chunk) {
	from := make(map[uint32]*chunk, len(sparse))
	lo, hi := uint64(math.MaxUint64), uint64(0)
	for _, c := range sparse {
		from[c.id] = c
		lo, hi = min(lo, c.minSeq), max(hi, c.maxSeq)
	}
	for pn := lo >> pageShift; pn <= hi>>pageShift; pn++ {
		s.mu.Lock()
		if p := s.pages.Load().get(pn); p != nil {
			s.movePage(pn, p, from)
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	for _, c := range sparse {
		s.dropChunk(c.id)
	}
	s.mu.Unlock()
}

// movePage moves the records of page p (number pn) that live in the chunks
// of from. mu held.
func (s *rowStore) movePage(pn uint64, p *page, from map[uint32]*chunk) {
	for j := range p.e {
		e := p.e[j].Load()
		c := from[entryChunk(e)]
		if c == nil || entryRefs(e) == 0 {
			continue
		}
		seq := pn<<pageShift | uint64(j)
		if p.offs != nil {
			seq = pn<<pageShift | uint64(p.offs[j])
		}
		row := record(c, e)
		size := recordLen(len(row))
		nc, off := s.place(size)
		writeRecord(nc, off, seq, row)
		nc.live.Add(int64(size))
		p.e[j].Store(packEntry(nc.id, off, len(row), entryRefs(e)))
		c.live.Add(-int64(size))
	}
}

// sparsify rebuilds the sealed pages with few live entries as sparse pages
// (offsets and entries of the live ones only). evictMu held; it takes mu a
// page at a time (see compact).
func (s *rowStore) sparsify() {
	s.mu.Lock()
	pd := s.pages.Load()
	first, end := pd.base, pd.base+uint64(pd.n)
	s.mu.Unlock()
	for pn := first; pn < end; pn++ {
		s.mu.Lock()
		s.sparsifyPage(pn)
		s.mu.Unlock()
	}
}

// sparsifyPage makes page pn sparse if it is sealed and has few live
// entries. mu held.
func (s *rowStore) sparsifyPage(pn uint64) {
	pd := s.pages.Load()
	p := pd.get(pn)
	if p == nil || p.offs != nil || (pn+1)<<pageShift > s.next || p.live.Load() >= sparseBelow {
		return
	}
	np := &page{}
	for j := range p.e {
		if e := p.e[j].Load(); entryRefs(e) > 0 {
			np.offs = append(np.offs, uint16(j))
		}
	}
	np.e = make([]atomic.Uint64, len(np.offs))
	for k, j := range np.offs {
		np.e[k].Store(p.e[j].Load())
	}
	np.live.Store(int32(len(np.offs)))
	pd.slots[pn-pd.base].Store(np)
	s.bytes.Add(np.bytes() - p.bytes())
}

func (s *rowStore) each(fn func(seq uint64, row []byte)) {
	pd, cd := s.pages.Load(), s.chunks.Load()
	for i := 0; i < pd.n; i++ {
		p := pd.slots[i].Load()
		if p == nil {
			continue
		}
		pn := pd.base + uint64(i)
		for j := range p.e {
			off := uint64(j)
			if p.offs != nil {
				off = uint64(p.offs[j])
			}
			e := p.e[j].Load()
			if entryRefs(e) == 0 {
				continue
			}
			if c := cd.get(uint64(entryChunk(e))); c != nil {
				fn(pn<<pageShift|off, record(c, e))
			}
		}
	}
}
