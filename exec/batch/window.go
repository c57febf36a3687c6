package batch

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/sundialdb/sundial/exec/agg"
	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/window"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// entry is one row of a partition's merged, sorted row list: a main-table
// row (src 0) or a union source's row (src k+1), with its time.
type entry struct {
	ts   int64
	row  int32 // row index in its source batch (its seq order within the source)
	src  int16
	rank int16 // at equal ts: union sources listed last are earliest, main rows latest (SEMANTICS §4)
}

// compiledAgg is a window aggregate ready to run.
type compiledAgg struct {
	plan  *planner.WindowAgg
	frame *window.Frame
	args  []expr.Evaluator
	out   *types.Column
	// set by runGroup: the slots of the group's distinct arguments this call
	// reads, and the index of its frame among the group's distinct frames.
	argSlots []int
	frameID  int
}

// runWindow computes a Window node over its input batch and union batches.
func (e *Engine) runWindow(ctx context.Context, w *planner.Window, in *types.Batch, unions [][]*types.Batch) (*types.Batch, error) {
	n := in.Len()
	out := &types.Batch{Schema: w.Schema(), Cols: append([]*types.Column(nil), in.Cols...)}
	aggs := make([]*compiledAgg, len(w.Aggs))
	for i, a := range w.Aggs {
		spec := agg.FrameSpec(a.Func, a.Consts, a.Frame)
		f, err := window.Compile(spec)
		if err != nil {
			return nil, fmt.Errorf("window %s: %w", a.Window, err)
		}
		ca := &compiledAgg{plan: a, frame: f, out: newFilledColumn(a.T, n)}
		for _, x := range a.Args {
			ev, err := expr.Compile(x, e.Env)
			if err != nil {
				return nil, err
			}
			ca.args = append(ca.args, ev)
		}
		aggs[i] = ca
		out.Cols = append(out.Cols, ca.out)
	}
	for gi, g := range w.Groups {
		var mine []*compiledAgg
		for _, ca := range aggs {
			if ca.plan.Group == gi {
				mine = append(mine, ca)
			}
		}
		if err := e.runGroup(ctx, g, in, unions[gi], mine); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newFilledColumn makes a column of n zero values, to be written by row index.
func newFilledColumn(k types.Kind, n int) *types.Column {
	c := &types.Column{Kind: k, Nulls: make([]bool, n)}
	switch k {
	case types.Float, types.Double:
		c.F = make([]float64, n)
	case types.String:
		c.S = make([]string, n)
	default:
		c.I = make([]int64, n)
	}
	return c
}

// setValue writes v at row i of a column made by newFilledColumn.
func setValue(c *types.Column, i int, v types.Value) {
	if v.Null {
		c.Nulls[i] = true
		return
	}
	switch c.Kind {
	case types.Float, types.Double:
		c.F[i] = v.F
	case types.String:
		c.S[i] = v.S
	default:
		c.I[i] = v.I
	}
}

// runGroup computes the aggregates of one window group: rows of the main
// batch and of the union batches are bucketed by partition key (a counting
// sort, in seq order within each key), each key's rows sorted by (ts, rank)
// unless already in order, and the keys' frames slid over on every core.
func (e *Engine) runGroup(ctx context.Context, g *planner.WindowGroup, main *types.Batch, unions []*types.Batch, aggs []*compiledAgg) error {
	srcs := append([]*types.Batch{main}, unions...)
	keyEvals := make([]expr.Evaluator, len(g.PartitionBy))
	for i, p := range g.PartitionBy {
		ev, err := expr.Compile(p, e.Env)
		if err != nil {
			return err
		}
		keyEvals[i] = ev
	}
	// Without ORDER BY every row has time 0: (rank, seq), the arrival order, decides.
	var tsEval expr.Evaluator
	if g.OrderBy != nil {
		var err error
		if tsEval, err = expr.Compile(g.OrderBy, e.Env); err != nil {
			return err
		}
	}
	// Each distinct argument expression is evaluated once per row, and each
	// distinct frame bounded once per row, whatever the number of calls.
	var argEvals []expr.Evaluator
	var frames []*window.Frame
	argIDs, frameIDs := map[string]int{}, map[string]int{}
	for _, ca := range aggs {
		ca.argSlots = ca.argSlots[:0]
		for i, a := range ca.plan.Args {
			k := a.String() + "|" + a.Kind().String()
			id, ok := argIDs[k]
			if !ok {
				id = len(argEvals)
				argIDs[k] = id
				argEvals = append(argEvals, ca.args[i])
			}
			ca.argSlots = append(ca.argSlots, id)
		}
		fk := ca.frame.String()
		id, ok := frameIDs[fk]
		if !ok {
			id = len(frames)
			frameIDs[fk] = id
			frames = append(frames, ca.frame)
		}
		ca.frameID = id
	}

	t0 := time.Now()
	// Pass 1: the key id of every row, and the number of rows per key.
	total := 0
	for _, b := range srcs {
		total += b.Len()
	}
	keyOf := make([]int32, total)
	var counts []int
	ids := map[string]int32{}
	var keyBuf []byte
	stringKey := len(keyEvals) == 1 && g.PartitionBy[0].Kind() == types.String
	pos := 0
	for _, b := range srcs {
		for r := 0; r < b.Len(); r++ {
			if r&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var id int32
			var ok bool
			if stringKey {
				v := keyEvals[0].Eval(b, r)
				if v.Null {
					keyBuf = append(keyBuf[:0], 0xff) // NULL is its own key (NULL equals NULL)
					id, ok = ids[string(keyBuf)]
				} else {
					keyBuf = append(append(keyBuf[:0], 0), v.S...)
					id, ok = ids[string(keyBuf)]
				}
			} else {
				keyBuf = keyBuf[:0]
				for _, ev := range keyEvals {
					keyBuf = appendKey(keyBuf, ev.Eval(b, r))
				}
				id, ok = ids[string(keyBuf)]
			}
			if !ok {
				id = int32(len(counts))
				ids[string(keyBuf)] = id
				counts = append(counts, 0)
			}
			keyOf[pos] = id
			counts[id]++
			pos++
		}
	}
	ids = nil
	t1 := time.Now()
	// Pass 2: place every row in its key's run, in seq order.
	starts := make([]int, len(counts)+1)
	for k, c := range counts {
		starts[k+1] = starts[k] + c
	}
	next := append([]int(nil), starts[:len(counts)]...)
	entries := make([]entry, total)
	nUnions := int16(len(unions))
	pos = 0
	for si, b := range srcs {
		rank := nUnions // main rows are the latest at equal ts
		if si > 0 {
			rank = nUnions - int16(si) // the first union source is later than the second, ...
		}
		for r := 0; r < b.Len(); r++ {
			var ts int64
			if tsEval != nil {
				tv := tsEval.Eval(b, r)
				ts = tv.I
				if tv.Null {
					ts = math.MinInt64
				}
			}
			k := keyOf[pos]
			entries[next[k]] = entry{ts: ts, row: int32(r), src: int16(si), rank: rank}
			next[k]++
			pos++
		}
	}
	keyOf, next = nil, nil
	t2 := time.Now()
	// Keys are handed out to the cores in chunks.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	nextKey := 0
	const chunk = 256
	for w := 0; w < e.parallelism(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sl, err := newShard(aggs, argEvals, frames, e.Env.Loc)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			for {
				mu.Lock()
				lo := nextKey
				nextKey += chunk
				stop := firstErr != nil
				mu.Unlock()
				if stop || lo >= len(counts) {
					return
				}
				hi := min(lo+chunk, len(counts))
				for k := lo; k < hi; k++ {
					part := entries[starts[k]:starts[k+1]]
					sortPartition(part)
					if err := sl.slide(ctx, g, srcs, part); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	slog.Debug("batch: window group", "rows", total, "keys", len(counts), "calls", len(aggs),
		"key_ids", t1.Sub(t0), "bucket", t2.Sub(t1), "slide", time.Since(t2))
	return firstErr
}

// sortPartition orders a key's rows by (ts, rank); rows arrive in seq order
// per source, so a stable sort keeps seq order among equals. Input that is
// already in order (the common case for event data) costs one pass.
func sortPartition(p []entry) {
	less := func(a, b entry) int {
		if a.ts != b.ts {
			return cmpInt(a.ts, b.ts)
		}
		if a.rank != b.rank {
			return cmpInt(int64(a.rank), int64(b.rank))
		}
		return cmpInt(int64(a.src), int64(b.src))
	}
	for i := 1; i < len(p); i++ {
		if less(p[i-1], p[i]) > 0 {
			slices.SortStableFunc(p, less)
			return
		}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *Engine) parallelism() int {
	if e.Parallelism > 0 {
		return e.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

// appendKey appends a value's key encoding: a kind byte, a null byte, then the
// value, so that distinct values (NULL included, equal to NULL) never collide.
func appendKey(buf []byte, v types.Value) []byte {
	buf = append(buf, byte(v.Kind))
	if v.Null {
		return append(buf, 1)
	}
	buf = append(buf, 0)
	switch v.Kind {
	case types.Float, types.Double:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.F))
	case types.String:
		buf = binary.AppendUvarint(buf, uint64(len(v.S)))
		return append(buf, v.S...)
	}
	return binary.LittleEndian.AppendUint64(buf, uint64(v.I))
}

// slider keeps one aggregate's state over a contiguous range [lo, hi) of a
// partition's entries.
type slider struct {
	ca     *compiledAgg
	agg    agg.Aggregator
	lo, hi int
	argBuf []types.Value
	vals   [][]types.Value // the partition's argument values, by slot then entry
}

// args returns the call's arguments for entry i of the partition.
func (s *slider) args(i int) []types.Value {
	for j, slot := range s.ca.argSlots {
		s.argBuf[j] = s.vals[slot][i]
	}
	return s.argBuf
}

// bounds is one distinct frame's extent for the current row.
type bounds struct {
	lo, hi  int
	withCur bool
}

// shard is one core's working state: an aggregator per call, a cursor per
// frame, and buffers reused from partition to partition.
type shard struct {
	sliders  []*slider
	argEvals []expr.Evaluator
	frames   []*window.Frame
	cursors  []window.Cursor
	vals     [][]types.Value
	fb       []bounds
	hist     []int64
	unionH   []int64
	unionIdx []int
}

func newShard(aggs []*compiledAgg, argEvals []expr.Evaluator, frames []*window.Frame, loc *time.Location) (*shard, error) {
	sh := &shard{argEvals: argEvals, frames: frames, vals: make([][]types.Value, len(argEvals)), fb: make([]bounds, len(frames))}
	for _, ca := range aggs {
		kinds := make([]types.Kind, len(ca.args))
		for j, a := range ca.plan.Args {
			kinds[j] = a.Kind()
		}
		a, err := agg.NewWith(ca.plan.Func, kinds, ca.plan.Consts, agg.Options{Location: loc})
		if err != nil {
			return nil, fmt.Errorf("%s over window %s: %w", ca.plan.Func, ca.plan.Window, err)
		}
		sh.sliders = append(sh.sliders, &slider{ca: ca, agg: a, argBuf: make([]types.Value, len(ca.args)), vals: sh.vals})
	}
	for _, f := range frames {
		sh.cursors = append(sh.cursors, f.NewCursor())
	}
	return sh, nil
}

// slide computes every call's value for the main rows of one partition
// (entries sorted by ts, rank, seq).
func (sh *shard) slide(ctx context.Context, g *planner.WindowGroup, srcs []*types.Batch, part []entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for slot, ev := range sh.argEvals {
		v := sh.vals[slot][:0]
		for _, en := range part {
			v = append(v, ev.Eval(srcs[en.src], int(en.row)))
		}
		sh.vals[slot] = v
	}
	sh.hist, sh.unionH, sh.unionIdx = sh.hist[:0], sh.unionH[:0], sh.unionIdx[:0]
	for _, s := range sh.sliders {
		s.agg.Reset()
		s.lo, s.hi = 0, 0
	}
	for i := range sh.cursors {
		sh.cursors[i].Reset()
	}
	for i, en := range part {
		if en.src != 0 {
			sh.hist = append(sh.hist, en.ts)
			sh.unionH = append(sh.unionH, en.ts)
			sh.unionIdx = append(sh.unionIdx, i)
			continue
		}
		for fi := range sh.frames {
			b := &sh.fb[fi]
			if g.InstanceNotInWindow {
				b.lo, b.hi, b.withCur = sh.frames[fi].Bounds(sh.unionH, en.ts)
			} else {
				b.lo, b.hi, b.withCur = sh.cursors[fi].Next(sh.hist, en.ts)
			}
		}
		for _, s := range sh.sliders {
			b := sh.fb[s.ca.frameID]
			var v types.Value
			if g.InstanceNotInWindow {
				v = s.afresh(sh.unionIdx[b.lo:b.hi], i, b.withCur)
			} else {
				v = s.slide(i, b.lo, b.hi, b.withCur)
			}
			setValue(s.ca.out, int(en.row), v)
		}
		sh.hist = append(sh.hist, en.ts)
	}
	return nil
}

// slide moves the slider to the frame hist[lo:hi] (+ the current row at
// index cur when withCur) and returns the aggregate. Frames that are a
// contiguous range of the partition slide incrementally; others are computed
// afresh.
func (s *slider) slide(cur, lo, hi int, withCur bool) types.Value {
	if withCur {
		if hi != cur {
			idx := make([]int, 0, hi-lo)
			for i := lo; i < hi; i++ {
				idx = append(idx, i)
			}
			return s.afresh(idx, cur, true)
		}
		hi = cur + 1
	}
	if lo < s.lo || hi < s.hi || lo > s.hi {
		s.agg.Reset()
		s.lo, s.hi = lo, lo
	}
	for ; s.hi < hi; s.hi++ {
		s.agg.Add(s.args(s.hi))
	}
	for ; s.lo < lo; s.lo++ {
		s.agg.Remove(s.args(s.lo))
	}
	return s.agg.Result()
}

// afresh computes the aggregate over the given entries plus the current row
// (entry cur) when withCur, leaving the slider empty so that the next slide
// starts over.
func (s *slider) afresh(idx []int, cur int, withCur bool) types.Value {
	s.agg.Reset()
	for _, i := range idx {
		s.agg.Add(s.args(i))
	}
	if withCur {
		s.agg.Add(s.args(cur))
	}
	v := s.agg.Result()
	s.agg.Reset()
	s.lo, s.hi = 0, 0
	return v
}
