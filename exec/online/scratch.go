package online

import (
	"github.com/sundialdb/sundial/exec/window"
	"github.com/sundialdb/sundial/types"
)

// Per-request memory. A request allocates little: the one-row batches its
// steps pass each other come from an arena that lives for the request (and
// is pooled by the deployment), and each window group computes in a pooled
// groupScratch. Nothing in either outlives the request: Request copies the
// answer out before giving them back, aggregators keep Values (never
// columns), and strings are immutable, so a Value read from a reused column
// stays valid.

// slab hands out sub-slices of one buffer; reset makes it all free again.
// A buffer that fills is replaced by one twice as large (the old one stays
// with whoever holds parts of it), so a pooled slab soon holds a whole
// request.
type slab[T any] struct {
	buf []T
	n   int
}

// take returns k zeroed elements, with cap k: appending to them copies.
func (s *slab[T]) take(k int) []T {
	if s.n+k > len(s.buf) {
		s.buf = make([]T, max(2*len(s.buf), k, 16))
		s.n = 0
	}
	r := s.buf[s.n : s.n+k : s.n+k]
	s.n += k
	return r
}

// reset zeroes what was handed out; a buffer over limit elements is let go.
func (s *slab[T]) reset(limit int) {
	if len(s.buf) > limit {
		*s = slab[T]{}
		return
	}
	clear(s.buf[:s.n])
	s.n = 0
}

// arena is the memory of one request: its request, and the one-row batches
// and columns its steps build.
type arena struct {
	r     request
	bats  slab[types.Batch]
	ptrs  slab[*types.Column]
	cols  slab[types.Column]
	vals  slab[types.Value]
	i64   slab[int64]
	f64   slab[float64]
	strs  slab[string]
	nulls slab[bool]
}

// arenaLimit is the most elements a pooled arena keeps per slab: a request
// that built more (a window over LAST JOINs of many rows) lets them go.
const arenaLimit = 1 << 14

func (a *arena) release() {
	a.r = request{}
	a.bats.reset(arenaLimit)
	a.ptrs.reset(arenaLimit)
	a.cols.reset(arenaLimit)
	a.vals.reset(arenaLimit)
	a.i64.reset(arenaLimit)
	a.f64.reset(arenaLimit)
	a.strs.reset(arenaLimit)
	a.nulls.reset(arenaLimit)
}

// batch returns a batch of schema s with n nil columns.
func (a *arena) batch(s types.Schema, n int) *types.Batch {
	b := &a.bats.take(1)[0]
	b.Schema = s
	b.Cols = a.ptrs.take(n)
	return b
}

// col1 returns a column of kind k holding v alone, as
// types.NewColumn(k, 1) then Append(v) would.
func (a *arena) col1(k types.Kind, v types.Value) *types.Column {
	c := &a.cols.take(1)[0]
	c.Kind = k
	switch k {
	case types.Float, types.Double:
		c.F = a.f64.take(1)
	case types.String:
		c.S = a.strs.take(1)
	default:
		c.I = a.i64.take(1)
	}
	set1(c, v, nil, a)
	return c
}

// set1 makes c, a column from col1, hold v alone, as a fresh
// types.NewColumn(c.Kind, 1) then Append(v) would. A NULL's flag is kept in
// null (one element) or, when null is nil, in the arena.
func set1(c *types.Column, v types.Value, null []bool, a *arena) {
	c.I, c.F, c.S = c.I[:0], c.F[:0], c.S[:0]
	c.AppendData(v)
	if !v.Null {
		c.Nulls = nil
		return
	}
	if null == nil {
		null = a.nulls.take(1)
	}
	null[0] = true
	c.Nulls = null[:1:1]
}

// frameBounds is a frame's rows for a request (window.Frame.Bounds).
type frameBounds struct {
	lo, hi       int
	withCur, set bool
}

// groupScratch is what a window group computes a request in: pooled per
// group, so that the candidate slices, the window's columns and the scan's
// callback are reused from request to request.
type groupScratch struct {
	bounds  []frameBounds   // per distinct frame of the group, this request's
	noOrder bool            // the group's window has no ORDER BY
	keyVals []types.Value   // the request's partition values
	key     []types.Value   // one source's index key
	kb      []byte          // the encoded key of the long windows' source
	served  []bool          // calls their buckets answered
	seen    []bool          // frames listed in frames
	frames  []*window.Frame // the frames to cover: the group's, or some
	some    []*window.Frame // the frames of the calls buckets did not serve
	rows    []histRow       // candidates, oldest first
	read    []int64         // one source's candidates' ts, newest first
	ts      []int64         // the candidates' ts, oldest first (several sources)
	args    []types.Value
	hist    types.Batch     // the window's rows, the request row last
	cols    []types.Column  // hist's columns
	nulls   [][]bool        // per column, the NULL flags being built
	hasNull []bool          // per column: a NULL was appended
	vals    [][]types.Value // per column read as is (valCols), its Values
	allNull []bool          // all true: the columns the calls do not read
	proj    types.Batch     // a stored row of a projected source, decoded
	projNul []bool          // proj's NULL flags, one per column

	// The scan in progress (visit is bound to the scratch once).
	visit func(ts int64, seq uint64, row []byte) bool
	r     *request
	src   *source
	si    int
	cur   int64
	perr  error
}

// scratchRowsLimit is the most candidates a pooled scratch keeps room for:
// a request over a huge key lets its slices go.
const scratchRowsLimit = 1 << 16

func (g *windowGroup) getScratch() *groupScratch {
	if sc, ok := g.scratch.Get().(*groupScratch); ok {
		return sc
	}
	sc := &groupScratch{}
	sc.visit = sc.scanned
	return sc
}

func (g *windowGroup) putScratch(sc *groupScratch) {
	sc.r, sc.src, sc.perr, sc.frames = nil, nil, nil, nil
	if cap(sc.rows) > scratchRowsLimit {
		sc.rows, sc.read, sc.ts = nil, nil, nil
		for i := range sc.cols {
			sc.cols[i] = types.Column{Kind: sc.cols[i].Kind}
			sc.nulls[i] = nil
			sc.vals[i] = nil
		}
		sc.allNull = nil
	} else {
		clear(sc.rows) // stored rows and pipeline batches: not kept alive
		for i := range sc.cols {
			clear(sc.cols[i].S)
			clear(sc.vals[i])
		}
	}
	sc.rows = sc.rows[:0]
	clear(sc.keyVals)
	clear(sc.key)
	clear(sc.args)
	for i := range sc.proj.Cols {
		clear(sc.proj.Cols[i].S)
	}
	g.scratch.Put(sc)
}

// scanned is the storage scan's callback: it keeps a candidate of source
// sc.src and tells whether the frames need older ones.
func (sc *groupScratch) scanned(ts int64, seq uint64, row []byte) bool {
	s := sc.src
	if sc.noOrder {
		ts = 0 // every row at time 0, read whole: arrival order decides
	}
	if s.main && sc.r.asOf && ts == sc.cur && seq >= sc.r.curSeq {
		return true // the current (stored) row itself, or later at its ts
	}
	h := histRow{ts: ts, rank: s.rank, seq: seq, src: sc.si, row: row}
	if s.pipe != nil {
		if h.vals, sc.perr = runAsOf(s.pipe, sc.r, seq, storedRow(sc.r, s.dec, s.base, row)); sc.perr != nil {
			return false
		}
		if h.vals == nil {
			return true // a filter of the view dropped it
		}
	}
	sc.rows = append(sc.rows, h)
	sc.read = append(sc.read, ts)
	if sc.noOrder {
		return true // index order is not arrival order: read them all
	}
	for _, f := range sc.frames {
		if !f.Enough(sc.cur, sc.read) {
			return true
		}
	}
	return false
}

// appendCol appends v to column ci of hist.
func (sc *groupScratch) appendCol(ci int, v types.Value) {
	sc.cols[ci].AppendData(v)
	sc.nulls[ci] = append(sc.nulls[ci], v.Null)
	if v.Null {
		sc.hasNull[ci] = true
	}
}

// boolsTrue returns b grown to at least n elements, all true.
func boolsTrue(b []bool, n int) []bool {
	for len(b) < n {
		b = append(b, true)
	}
	return b
}
