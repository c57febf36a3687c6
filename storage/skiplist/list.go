package skiplist

import "sync/atomic"

// List is one key's rows ordered newest first by (ts desc, seq desc). Its
// head tower lives in the List (Go memory); its nodes live in the arena.
//
// Insert, CutFrom and CopyTo are writer methods: the caller serialises them.
// Front, SeekTS, Seek and iterators may run concurrently with a writer.
type List struct {
	arena  *Arena
	head   [MaxHeight]atomic.Uint32
	height atomic.Int32
	n      int // nodes linked; writer only

	// The list's current chunk of arena words (see maxChunkWords): the
	// offset of its next free word and how many are free. Writer only.
	free, left uint32
}

// allocNode returns the offset of n words for a node of l, from l's chunk,
// taking a new chunk of about want words from the arena when the node does
// not fit.
func (l *List) allocNode(n, want int) uint32 {
	if int(l.left) < n {
		want = min(max(want, n, min(minChunkWords, 4*l.n*n)), maxChunkWords)
		off, got := l.arena.allocChunk(want, n)
		l.free, l.left = off, uint32(got)
	}
	off := l.free
	l.free += uint32(n)
	l.left -= uint32(n)
	return off
}

// NewList returns an empty list whose nodes are allocated from a.
func (a *Arena) NewList() *List { return &List{arena: a} }

// Arena returns the arena the list allocates from.
func (l *List) Arena() *Arena { return l.arena }

// Len returns the number of rows in the list. Writer only (or with writers excluded).
func (l *List) Len() int { return l.n }

// newer reports whether (ts1, seq1) comes before (is newer than) (ts2, seq2).
func newer(ts1 int64, seq1 uint64, ts2 int64, seq2 uint64) bool {
	return ts1 > ts2 || ts1 == ts2 && seq1 > seq2
}

// next returns the level-lvl successor of x (0 is the head).
func (l *List) next(x uint32, lvl int) uint32 {
	if x == 0 {
		return l.head[lvl].Load()
	}
	n := l.arena.node(x)
	return atomic.LoadUint32(&n[nextBase(n)+lvl])
}

func (l *List) setNext(x uint32, lvl int, v uint32) {
	if x == 0 {
		l.head[lvl].Store(v)
		return
	}
	n := l.arena.node(x)
	atomic.StoreUint32(&n[nextBase(n)+lvl], v)
}

// Insert adds the row (ts, seq). seq must be unique in the list. A row newer
// than every row of the list (the common case: rows arriving in ts order)
// takes a fast path that links it after the head without a search.
func (l *List) Insert(ts int64, seq uint64) {
	a := l.arena
	h := a.randomHeight()
	words, wide := nodeWords(ts, seq, h)
	off := l.allocNode(words, l.n)
	n := a.node(off)
	writeNode(n, ts, seq, h, wide)
	next := n[nextBase(n):]

	var preds [MaxHeight]uint32 // 0: the head
	if first := l.head[0].Load(); first != 0 {
		fts, fseq := nodeKey(a.node(first))
		if !newer(ts, seq, fts, fseq) {
			x := uint32(0)
			for lvl := int(l.height.Load()) - 1; lvl >= 0; lvl-- {
				for {
					nx := l.next(x, lvl)
					if nx == 0 {
						break
					}
					nts, nseq := nodeKey(a.node(nx))
					if !newer(nts, nseq, ts, seq) {
						break
					}
					x = nx
				}
				preds[lvl] = x
			}
		}
	}
	// Fill the tower before publishing the node.
	for i := 0; i < h; i++ {
		next[i] = l.next(preds[i], i)
	}
	// Publish, bottom level first.
	for i := 0; i < h; i++ {
		l.setNext(preds[i], i, off)
	}
	if int32(h) > l.height.Load() {
		l.height.Store(int32(h))
	}
	l.n++
	a.live.Add(int64(words) * 4)
}

// Iterator walks a list newest first. The zero Iterator is exhausted.
type Iterator struct {
	a   *Arena
	bl  [][]uint32 // the arena's block table as last loaded
	cur uint32
}

func (l *List) iter(cur uint32) Iterator {
	return Iterator{a: l.arena, bl: *l.arena.blocks.Load(), cur: cur}
}

// node returns the words of the current node, reloading the block table if
// the node is in a block added since the iterator last loaded it.
func (it *Iterator) node() []uint32 {
	b := int(it.cur >> blockShift)
	if b >= len(it.bl) {
		it.bl = *it.a.blocks.Load()
	}
	return it.bl[b][it.cur&blockMask:]
}

// Valid reports whether the iterator is at a row.
func (it *Iterator) Valid() bool { return it.cur != 0 }

// Next moves to the next (older) row.
func (it *Iterator) Next() {
	n := it.node()
	it.cur = atomic.LoadUint32(&n[nextBase(n)])
}

// TS returns the ts of the current row.
func (it *Iterator) TS() int64 { return nodeTS(it.node()) }

// Seq returns the seq of the current row.
func (it *Iterator) Seq() uint64 {
	_, seq := nodeKey(it.node())
	return seq
}

// Row returns the ts and seq of the current row.
func (it *Iterator) Row() (ts int64, seq uint64) { return nodeKey(it.node()) }

// Front returns an iterator at the newest row.
func (l *List) Front() Iterator { return l.iter(l.head[0].Load()) }

// SeekTS returns an iterator at the newest row with ts <= maxTS.
func (l *List) SeekTS(maxTS int64) Iterator {
	// A request usually asks for the newest rows: then the first node is
	// the answer, without the descent from the top level, whose first
	// nodes lie further back (a cache miss each).
	if first := l.head[0].Load(); first == 0 || nodeTS(l.arena.node(first)) <= maxTS {
		return l.iter(first)
	}
	x := uint32(0)
	for lvl := int(l.height.Load()) - 1; lvl >= 0; lvl-- {
		for {
			nx := l.next(x, lvl)
			if nx == 0 || nodeTS(l.arena.node(nx)) <= maxTS {
				break
			}
			x = nx
		}
	}
	return l.iter(l.next(x, 0))
}

// SeekKey returns an iterator at the newest row not newer than (ts, seq).
func (l *List) SeekKey(ts int64, seq uint64) Iterator {
	var preds [MaxHeight]uint32
	l.preds(ts, seq, &preds)
	return l.iter(l.next(preds[0], 0))
}

// preds fills preds[lvl] with the last node at each level newer than (ts, seq).
func (l *List) preds(ts int64, seq uint64, preds *[MaxHeight]uint32) int {
	x := uint32(0)
	h := int(l.height.Load())
	for lvl := h - 1; lvl >= 0; lvl-- {
		for {
			nx := l.next(x, lvl)
			if nx == 0 {
				break
			}
			nts, nseq := nodeKey(l.arena.node(nx))
			if !newer(nts, nseq, ts, seq) {
				break
			}
			x = nx
		}
		preds[lvl] = x
	}
	return h
}

// CutFrom removes every row not newer than (ts, seq) (a suffix of the list),
// calling fn for each removed row, oldest last, and returns how many it
// removed. Readers already walking the suffix finish their walk: the removed
// nodes keep their links. Writer only.
func (l *List) CutFrom(ts int64, seq uint64, fn func(ts int64, seq uint64)) int {
	var preds [MaxHeight]uint32
	h := l.preds(ts, seq, &preds)
	first := l.next(preds[0], 0)
	if first == 0 {
		return 0
	}
	for lvl := 0; lvl < h; lvl++ {
		if l.next(preds[lvl], lvl) != 0 {
			l.setNext(preds[lvl], lvl, 0)
		}
	}
	var n int
	var freed int64
	for x := first; x != 0; {
		nn := l.arena.node(x)
		if fn != nil {
			fn(nodeKey(nn))
		}
		freed += nodeBytes(nn)
		n++
		x = atomic.LoadUint32(&nn[nextBase(nn)])
	}
	l.n -= n
	l.arena.live.Add(-freed)
	return n
}

// CopyTo returns a copy of l whose nodes are allocated from dst, for
// compaction: the caller publishes the copy in place of l, and l's arena is
// garbage once no list uses it. Writer only (of both arenas).
func (l *List) CopyTo(dst *Arena) *List {
	nl := dst.NewList()
	var tails [MaxHeight]uint32
	maxH := 0
	for x := l.head[0].Load(); x != 0; {
		src := l.arena.node(x)
		ts, seq := nodeKey(src)
		h := dst.randomHeight()
		words, wide := nodeWords(ts, seq, h)
		off := nl.allocNode(words, 5*(l.n-nl.n)) // room for the rest (4.3 words a node on average)
		writeNode(dst.node(off), ts, seq, h, wide)
		for i := 0; i < h; i++ {
			nl.setNext(tails[i], i, off)
			tails[i] = off
		}
		maxH = max(maxH, h)
		nl.n++
		dst.live.Add(int64(words) * 4)
		x = atomic.LoadUint32(&src[nextBase(src)])
	}
	nl.height.Store(int32(maxH))
	return nl
}

// check verifies the list's invariants (order at every level, level-0
// reachability of every node, the count). For tests.
func (l *List) check() error {
	count := 0
	var pts int64
	var pseq uint64
	for x := l.head[0].Load(); x != 0; x = l.next(x, 0) {
		ts, seq := nodeKey(l.arena.node(x))
		if count > 0 && !newer(pts, pseq, ts, seq) {
			return errOrder
		}
		pts, pseq = ts, seq
		count++
	}
	if count != l.n {
		return errCount
	}
	for lvl := 1; lvl < MaxHeight; lvl++ {
		// Every node at level lvl must appear, in order, at level lvl-1.
		lower := l.next(0, lvl-1)
		for x := l.next(0, lvl); x != 0; x = l.next(x, lvl) {
			for lower != 0 && lower != x {
				lower = l.next(lower, lvl-1)
			}
			if lower == 0 {
				return errLevel
			}
		}
	}
	return nil
}

type listError string

func (e listError) Error() string { return string(e) }

const (
	errOrder listError = "skiplist: rows out of order"
	errCount listError = "skiplist: count mismatch"
	errLevel listError = "skiplist: upper level not a sublist of the lower"
)
