package batch

import (
	"container/heap"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// Spill files hold small row groups, read back in small batches: an
// out-of-core merge keeps one batch of each bucket in memory.
var (
	spillWrite = files.WriteOptions{Format: files.FormatParquet, Mode: files.ModeOverwrite, RowGroupRows: 16 << 10}
	spillRead  = files.ReadOptions{Format: files.FormatParquet, BatchRows: 4 << 10, Parallelism: 1}
)

// Sink receives a query's rows, in order, a batch at a time.
type Sink func(*types.Batch) error

// Iterator yields a table's rows in seq order, a batch at a time; Next
// returns io.EOF at the end.
type Iterator interface {
	Next() (*types.Batch, error)
	Close() error
}

// StreamSource is a Source that can also be read a batch at a time, for
// tables too large to hold in memory.
type StreamSource interface {
	Source
	// Scan reads the table's needed columns (see Source.Read) a batch at a time.
	Scan(ctx context.Context, t *planner.Table, need []bool) (Iterator, error)
	// Rows returns the table's row count, when known without reading it.
	Rows(t *planner.Table) (int64, bool)
}

// Stream runs a plan and passes its rows to sink in order. A plan of the
// feature shape — projections and LAST JOINs over windows that all partition
// the main table by the same key, over the main table (optionally filtered) —
// whose main table would not fit in MemoryLimit runs out of core: the table is
// hash-partitioned by the window key into spill files under SpillDir, each
// bucket is computed in memory on its own, and the buckets' results are
// merged back into the table's row order. Memory then grows with the widest
// partition, not with the table. Every other plan runs in memory.
func (e *Engine) Stream(ctx context.Context, plan planner.Node, sink Sink) error {
	e.need = neededColumns(plan)
	if c, ok := e.outOfCore(plan); ok {
		return e.streamBuckets(ctx, plan, c, sink)
	}
	out, err := e.run(ctx, plan)
	if err != nil {
		return err
	}
	return sink(out)
}

// chain describes a plan of the feature shape.
type chain struct {
	window *planner.Window // nil when the plan has no window
	filter *planner.Filter // a WHERE below the window, or nil
	scan   *planner.Scan
	src    StreamSource
	keys   []planner.Expr // the partition key shared by every window group
	rows   int64
}

// outOfCore reports whether the plan has the feature shape and its main table
// is too large for the memory budget.
func (e *Engine) outOfCore(plan planner.Node) (*chain, bool) {
	if e.MemoryLimit <= 0 {
		return nil, false
	}
	c := &chain{}
	n := plan
walk:
	for {
		switch x := n.(type) {
		case *planner.Project:
			n = x.Input
		case *planner.LastJoin:
			if c.window != nil {
				return nil, false // a window over joined rows: its keys are not the table's
			}
			n = x.Left
		case *planner.Window:
			if c.window != nil {
				return nil, false
			}
			c.window = x
			n = x.Input
		case *planner.Filter:
			c.filter = x
			n = x.Input
			if _, ok := n.(*planner.Scan); !ok {
				return nil, false
			}
		case *planner.Scan:
			c.scan = x
			break walk
		default:
			return nil, false
		}
	}
	if c.window != nil {
		for i, g := range c.window.Groups {
			if len(g.Unions) > 0 {
				return nil, false
			}
			if i == 0 {
				c.keys = g.PartitionBy
			} else if exprList(g.PartitionBy) != exprList(c.keys) {
				return nil, false // windows on different keys cannot share buckets
			}
		}
	}
	src, ok := e.Sources[SourceKey(c.scan.Table.DB, c.scan.Table.Name)].(StreamSource)
	if !ok {
		return nil, false
	}
	rows, known := src.Rows(c.scan.Table)
	if !known {
		return nil, false
	}
	c.src, c.rows = src, rows
	return c, rows*e.rowBytes(c) > e.MemoryLimit/10*7
}

func exprList(es []planner.Expr) string { return exprs(es) }

// rowBytes estimates the memory one main-table row takes while a query runs:
// its needed columns, window outputs and bookkeeping (measured on W1: about
// 80 bytes a row live once computed, more while sorting).
func (e *Engine) rowBytes(c *chain) int64 {
	var b int64 = 24 // sort entry and key id
	for i, f := range c.scan.Table.Schema {
		if need := e.need[c.scan]; need != nil && !need[i] {
			continue
		}
		if f.Kind == types.String {
			b += 24
		} else {
			b += 8
		}
	}
	if c.window != nil {
		b += 9 * int64(len(c.window.Aggs))
	}
	return b
}

// streamBuckets is the out-of-core run: partition, compute per bucket, merge.
func (e *Engine) streamBuckets(ctx context.Context, plan planner.Node, c *chain, sink Sink) error {
	dir, err := os.MkdirTemp(e.SpillDir, "sundial-spill-")
	if err != nil {
		return fmt.Errorf("batch: spill directory: %w", err)
	}
	defer os.RemoveAll(dir)
	budget := max(e.MemoryLimit/3, 1<<20)
	nb := int(min(max(c.rows*e.rowBytes(c)/budget+1, 2), 1024))
	slog.Info("batch: table does not fit the memory limit: spilling", "table", c.scan.Table.Name, "rows", c.rows, "buckets", nb, "dir", dir)

	need := e.need[c.scan]
	var spill types.Schema // the needed columns, then the row's seq
	var idx []int
	for i, f := range c.scan.Table.Schema {
		if need == nil || need[i] {
			spill = append(spill, types.Field{Name: fmt.Sprintf("c%d", i), Kind: f.Kind})
			idx = append(idx, i)
		}
	}
	spill = append(spill, types.Field{Name: "__seq", Kind: types.Int64})

	// Phase 1: route every row (that passes WHERE) to its key's bucket.
	if err := e.partition(ctx, c, dir, nb, spill, idx); err != nil {
		return err
	}
	// Phase 2: compute each bucket; its rows keep their seq.
	var outSchema types.Schema
	for b := 0; b < nb; b++ {
		s, err := e.computeBucket(ctx, plan, c, dir, b, spill, idx)
		if err != nil {
			return err
		}
		if s != nil {
			outSchema = s
		}
	}
	if outSchema == nil {
		// No rows at all: run the plan over an empty table for its schema.
		e.override = map[planner.Node]*types.Batch{c.scan: emptyBatch(c.scan.Table.Schema)}
		out, err := e.run(ctx, plan)
		e.override = nil
		if err != nil {
			return err
		}
		return sink(out)
	}
	// Phase 3: merge the buckets' results by seq.
	return mergeBuckets(dir, nb, outSchema, sink)
}

func bucketPath(dir, kind string, b int) string {
	return filepath.Join(dir, fmt.Sprintf("%s-%04d.parquet", kind, b))
}

func (e *Engine) partition(ctx context.Context, c *chain, dir string, nb int, spill types.Schema, idx []int) error {
	it, err := c.src.Scan(ctx, c.scan.Table, e.need[c.scan])
	if err != nil {
		return err
	}
	defer it.Close()
	var cond expr.Evaluator
	if c.filter != nil {
		if cond, err = expr.Compile(c.filter.Cond, e.Env); err != nil {
			return err
		}
	}
	keys, err := e.compileAll(c.keys)
	if err != nil {
		return err
	}
	writers := make([]*files.Writer, nb)
	bufs := make([]*types.Batch, nb)
	defer func() {
		for _, w := range writers {
			if w != nil {
				w.Abort()
			}
		}
	}()
	flush := func(b int) error {
		if bufs[b] == nil || bufs[b].Len() == 0 {
			return nil
		}
		if writers[b] == nil {
			w, err := files.Create(bucketPath(dir, "in", b), spill, spillWrite)
			if err != nil {
				return err
			}
			writers[b] = w
		}
		if err := writers[b].Write(bufs[b]); err != nil {
			return err
		}
		bufs[b] = nil
		return nil
	}
	seed := maphash.MakeSeed()
	var kb []byte
	var seq int64
	for {
		batch, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for r := 0; r < batch.Len(); r, seq = r+1, seq+1 {
			if cond != nil {
				if v := cond.Eval(batch, r); v.Null || v.I == 0 {
					continue
				}
			}
			var b int
			if len(keys) == 0 {
				b = int(seq % int64(nb)) // rows are independent: spread them evenly
			} else {
				kb = kb[:0]
				for _, k := range keys {
					kb = appendKey(kb, k.Eval(batch, r))
				}
				b = int(maphash.Bytes(seed, kb) % uint64(nb))
			}
			if bufs[b] == nil {
				bufs[b] = emptyBatch(spill)
			}
			for j, ci := range idx {
				bufs[b].Cols[j].Append(batch.Cols[ci].Value(r))
			}
			bufs[b].Cols[len(idx)].Append(types.Int64Value(seq))
			if bufs[b].Len() >= 32<<10 {
				if err := flush(b); err != nil {
					return err
				}
			}
		}
	}
	for b := range bufs {
		if err := flush(b); err != nil {
			return err
		}
	}
	for b, w := range writers {
		if w != nil {
			writers[b] = nil
			if err := w.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

func emptyBatch(s types.Schema) *types.Batch {
	b := &types.Batch{Schema: s}
	for _, f := range s {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, 0))
	}
	return b
}

// computeBucket runs the plan over one bucket's rows and spills the result
// with each row's seq. It returns the result's schema (nil for an empty bucket).
func (e *Engine) computeBucket(ctx context.Context, plan planner.Node, c *chain, dir string, b int, spill types.Schema, idx []int) (types.Schema, error) {
	path := bucketPath(dir, "in", b)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, nil
	}
	r, err := files.Open(path, spill, spillRead)
	if err != nil {
		return nil, err
	}
	in := emptyBatch(spill)
	for {
		part, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Close()
			return nil, err
		}
		for j, col := range part.Cols {
			for i := 0; i < col.Len(); i++ {
				in.Cols[j].Append(col.Value(i))
			}
		}
	}
	r.Close()
	seqs := in.Cols[len(idx)]
	table := &types.Batch{Schema: c.scan.Table.Schema, Cols: make([]*types.Column, len(c.scan.Table.Schema))}
	var allNull []bool
	for i, f := range c.scan.Table.Schema {
		table.Cols[i] = nil
		for j, ci := range idx {
			if ci == i {
				table.Cols[i] = in.Cols[j]
			}
		}
		if table.Cols[i] == nil {
			if allNull == nil {
				allNull = make([]bool, seqs.Len())
				for k := range allNull {
					allNull[k] = true
				}
			}
			table.Cols[i] = types.NullColumn(f.Kind, allNull)
		}
	}
	// The bucket stands in for the (filtered) main table; everything else of
	// the plan (LAST JOIN right sides) is computed once and reused.
	var top planner.Node = c.scan
	if c.filter != nil {
		top = c.filter
	}
	e.override = map[planner.Node]*types.Batch{top: table}
	out, err := e.run(ctx, plan)
	e.override = nil
	if err != nil {
		return nil, err
	}
	if out.Len() != seqs.Len() {
		return nil, fmt.Errorf("batch: internal error: bucket %d has %d rows in, %d out", b, seqs.Len(), out.Len())
	}
	schema := append(append(types.Schema(nil), out.Schema...), types.Field{Name: "__seq", Kind: types.Int64})
	w, err := files.Create(bucketPath(dir, "out", b), renamed(schema), spillWrite)
	if err != nil {
		return nil, err
	}
	res := &types.Batch{Schema: renamed(schema), Cols: append(append([]*types.Column(nil), out.Cols...), seqs)}
	if err := w.Write(res); err != nil {
		w.Abort()
		return nil, err
	}
	return out.Schema, w.Close()
}

// renamed gives spill files positional column names (result names may repeat).
func renamed(s types.Schema) types.Schema {
	out := make(types.Schema, len(s))
	for i, f := range s {
		out[i] = types.Field{Name: fmt.Sprintf("o%d", i), Kind: f.Kind}
		if strings.HasPrefix(f.Name, "__seq") && i == len(s)-1 {
			out[i].Name = "__seq"
		}
	}
	return out
}

// mergeBuckets merges the buckets' results, each in seq order, into one
// stream in seq order.
func mergeBuckets(dir string, nb int, schema types.Schema, sink Sink) error {
	spill := renamed(append(append(types.Schema(nil), schema...), types.Field{Name: "__seq", Kind: types.Int64}))
	h := &mergeHeap{}
	for b := 0; b < nb; b++ {
		path := bucketPath(dir, "out", b)
		if _, err := os.Stat(path); os.IsNotExist(err) {
			continue
		}
		r, err := files.Open(path, spill, spillRead)
		if err != nil {
			return err
		}
		defer r.Close()
		cur := &mergeInput{r: r}
		ok, err := cur.advance()
		if err != nil {
			return err
		}
		if ok {
			h.items = append(h.items, cur)
		}
	}
	heap.Init(h)
	nc := len(schema)
	out := emptyBatch(schema)
	for h.Len() > 0 {
		top := h.items[0]
		for j := 0; j < nc; j++ {
			out.Cols[j].Append(top.b.Cols[j].Value(top.i))
		}
		if out.Len() >= 64<<10 {
			if err := sink(out); err != nil {
				return err
			}
			out = emptyBatch(schema)
		}
		top.i++
		ok := true
		if top.i >= top.b.Len() {
			var err error
			if ok, err = top.advance(); err != nil {
				return err
			}
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	if out.Len() > 0 || nc == 0 {
		return sink(out)
	}
	return nil
}

type mergeInput struct {
	r *files.Reader
	b *types.Batch
	i int
}

func (m *mergeInput) advance() (bool, error) {
	for {
		b, err := m.r.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if b.Len() > 0 {
			m.b, m.i = b, 0
			return true, nil
		}
	}
}

func (m *mergeInput) seq() int64 { return m.b.Cols[len(m.b.Cols)-1].I[m.i] }

type mergeHeap struct{ items []*mergeInput }

func (h *mergeHeap) Len() int           { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool { return h.items[i].seq() < h.items[j].seq() }
func (h *mergeHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)         { h.items = append(h.items, x.(*mergeInput)) }
func (h *mergeHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
