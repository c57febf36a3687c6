package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// ErrNoData: a table the query reads has no data bound to it.
var ErrNoData = errors.New("batch: no data for table")

// Source provides a table's rows to the batch engine.
type Source interface {
	// Read returns all rows of the table in seq order, with the table's
	// schema. Columns i with need[i] false are not read by the query: the
	// source may return them as types.NullColumn.
	Read(ctx context.Context, t *planner.Table, need []bool) (*types.Batch, error)
}

// Engine runs logical plans over batch sources. It keeps every intermediate
// result in memory, as columns.
type Engine struct {
	// Sources maps "db.table" (lower-case) to the table's data.
	Sources map[string]Source
	Env     *expr.Env
	// Parallelism is the number of partition shards worked on at once (default GOMAXPROCS).
	Parallelism int

	// MemoryLimit is the memory a query may use; a main table that would not
	// fit runs out of core (see Stream). 0 means no limit.
	MemoryLimit int64
	// SpillDir is where out-of-core runs put their files ("" = os.TempDir()).
	SpillDir string

	need     map[*planner.Scan][]bool       // the columns each Scan must read, set by Run
	override map[planner.Node]*types.Batch  // nodes whose rows are given (one bucket of an out-of-core run)
	memo     map[*planner.Scan]*types.Batch // tables read once and reused across buckets
}

// SourceKey is the key of a table in Engine.Sources.
func SourceKey(db, table string) string { return strings.ToLower(db + "." + table) }

// Run executes a plan and returns its result.
func (e *Engine) Run(ctx context.Context, n planner.Node) (*types.Batch, error) {
	e.need = neededColumns(n)
	return e.run(ctx, n)
}

func (e *Engine) run(ctx context.Context, n planner.Node) (*types.Batch, error) {
	if b, ok := e.override[n]; ok {
		return b, nil
	}
	switch n := n.(type) {
	case *planner.Scan:
		if n.Table.Name == "(one row)" {
			return &types.Batch{Schema: nil, Cols: nil}, nil
		}
		if b, ok := e.memo[n]; ok {
			return b, nil
		}
		src, ok := e.Sources[SourceKey(n.Table.DB, n.Table.Name)]
		if !ok {
			return nil, fmt.Errorf("%w %s.%s", ErrNoData, n.Table.DB, n.Table.Name)
		}
		b, err := src.Read(ctx, n.Table, e.need[n])
		if err == nil && e.override != nil {
			if e.memo == nil {
				e.memo = map[*planner.Scan]*types.Batch{}
			}
			e.memo[n] = b
		}
		return b, err
	case *planner.Filter:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		cond, err := expr.Compile(n.Cond, e.Env)
		if err != nil {
			return nil, err
		}
		var keep []int
		for r := 0; r < in.Len(); r++ {
			if v := cond.Eval(in, r); !v.Null && v.I != 0 {
				keep = append(keep, r)
			}
		}
		return take(in, keep), nil
	case *planner.Project:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		return e.project(n, in)
	case *planner.Window:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		unions := make([][]*types.Batch, len(n.Groups))
		for i, g := range n.Groups {
			for _, u := range g.Unions {
				b, err := e.run(ctx, u)
				if err != nil {
					return nil, err
				}
				unions[i] = append(unions[i], b)
			}
		}
		return e.runWindow(ctx, n, in, unions)
	case *planner.LastJoin:
		l, r, err := e.runPair(ctx, n.Left, n.Right)
		if err != nil {
			return nil, err
		}
		return e.lastJoin(n, l, r)
	case *planner.Aggregate:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		return e.aggregate(n, in)
	case *planner.Join:
		l, r, err := e.runPair(ctx, n.Left, n.Right)
		if err != nil {
			return nil, err
		}
		return e.join(n, l, r)
	case *planner.Limit:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		if int64(in.Len()) <= n.N {
			return in, nil
		}
		idx := make([]int, n.N)
		for i := range idx {
			idx[i] = i
		}
		return take(in, idx), nil
	case *planner.Sort:
		in, err := e.run(ctx, n.Input)
		if err != nil {
			return nil, err
		}
		return e.sort(n, in)
	case *planner.Union:
		return e.union(ctx, n)
	}
	return nil, fmt.Errorf("%w: %T in batch mode", planner.ErrUnsupported, n)
}

func (e *Engine) project(p *planner.Project, in *types.Batch) (*types.Batch, error) {
	rows := in.Len()
	if len(in.Cols) == 0 {
		rows = 1 // SELECT without FROM: one row
	}
	out := &types.Batch{Schema: p.Schema()}
	for _, x := range p.Exprs {
		if c, ok := x.(*planner.ColRef); ok && len(in.Cols) > 0 {
			out.Cols = append(out.Cols, in.Cols[c.Index])
			continue
		}
		ev, err := expr.Compile(x, e.Env)
		if err != nil {
			return nil, err
		}
		col := types.NewColumn(x.Kind(), rows)
		for r := 0; r < rows; r++ {
			col.Append(ev.Eval(in, r))
		}
		out.Cols = append(out.Cols, col)
	}
	return out, nil
}

// take returns the rows idx of b, in that order.
func take(b *types.Batch, idx []int) *types.Batch {
	out := &types.Batch{Schema: b.Schema}
	for _, c := range b.Cols {
		nc := types.NewColumn(c.Kind, len(idx))
		for _, i := range idx {
			nc.Append(c.Value(i))
		}
		out.Cols = append(out.Cols, nc)
	}
	return out
}

func (e *Engine) sort(s *planner.Sort, in *types.Batch) (*types.Batch, error) {
	keys := make([]expr.Evaluator, len(s.Keys))
	for i, k := range s.Keys {
		ev, err := expr.Compile(k, e.Env)
		if err != nil {
			return nil, err
		}
		keys[i] = ev
	}
	n := in.Len()
	vals := make([][]types.Value, n)
	idx := make([]int, n)
	for r := 0; r < n; r++ {
		idx[r] = r
		vals[r] = make([]types.Value, len(keys))
		for i, k := range keys {
			vals[r][i] = k.Eval(in, r)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for i := range keys {
			c := types.CompareNullsFirst(vals[a][i], vals[b][i])
			if s.Desc[i] {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return take(in, idx), nil
}

// union concatenates the sources' rows in order; UNION (Distinct) keeps the
// first of equal rows (NULL equal to NULL).
func (e *Engine) union(ctx context.Context, u *planner.Union) (*types.Batch, error) {
	schema := u.Schema()
	out := &types.Batch{Schema: schema}
	for _, f := range schema {
		out.Cols = append(out.Cols, types.NewColumn(f.Kind, 0))
	}
	seen := map[string]bool{}
	var key []byte
	for _, src := range u.Sources {
		b, err := e.run(ctx, src)
		if err != nil {
			return nil, err
		}
		for r := 0; r < b.Len(); r++ {
			if u.Distinct {
				key = key[:0]
				for _, c := range b.Cols {
					key = appendKey(key, c.Value(r))
				}
				if seen[string(key)] {
					continue
				}
				seen[string(key)] = true
			}
			for i, c := range b.Cols {
				out.Cols[i].Append(c.Value(r))
			}
		}
	}
	return out, nil
}

func (e *Engine) compileAll(xs []planner.Expr) ([]expr.Evaluator, error) {
	out := make([]expr.Evaluator, len(xs))
	for i, x := range xs {
		ev, err := expr.Compile(x, e.Env)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}
