package batch

import (
	"context"

	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// runPair runs the two inputs of a join.
func (e *Engine) runPair(ctx context.Context, left, right planner.Node) (l, r *types.Batch, err error) {
	if l, err = e.run(ctx, left); err != nil {
		return nil, nil, err
	}
	if r, err = e.run(ctx, right); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// joiner hashes a join's right side on its equality keys and evaluates the
// whole join condition on candidate pairs.
type joiner struct {
	lk      []expr.Evaluator
	cond    expr.Evaluator
	buckets map[string][]int
	l, r    *types.Batch
	pair    *types.Batch // one joined row, to evaluate the condition on
	out     *types.Batch
	kb      []byte
}

func (e *Engine) newJoiner(leftKeys, rightKeys []planner.Expr, cond planner.Expr, schema types.Schema, l, r *types.Batch) (*joiner, error) {
	lk, err := e.compileAll(leftKeys)
	if err != nil {
		return nil, err
	}
	rk, err := e.compileAll(rightKeys)
	if err != nil {
		return nil, err
	}
	c, err := expr.Compile(cond, e.Env)
	if err != nil {
		return nil, err
	}
	j := &joiner{lk: lk, cond: c, buckets: map[string][]int{}, l: l, r: r,
		pair: &types.Batch{Schema: schema}, out: &types.Batch{Schema: schema}}
	for i := 0; i < r.Len(); i++ {
		j.kb = j.kb[:0]
		null := false
		for _, ev := range rk {
			v := ev.Eval(r, i)
			null = null || v.Null
			j.kb = appendKey(j.kb, v)
		}
		if !null { // NULL equals nothing (SEMANTICS §5: rows for which the condition is true)
			j.buckets[string(j.kb)] = append(j.buckets[string(j.kb)], i)
		}
	}
	for _, f := range schema {
		j.pair.Cols = append(j.pair.Cols, types.NewColumn(f.Kind, 1))
		j.out.Cols = append(j.out.Cols, types.NewColumn(f.Kind, l.Len()))
	}
	return j, nil
}

// candidates returns the right rows whose keys equal left row i's, in seq order.
func (j *joiner) candidates(i int) []int {
	if len(j.lk) == 0 {
		return allRows(j.r.Len())
	}
	j.kb = j.kb[:0]
	for _, ev := range j.lk {
		j.kb = appendKey(j.kb, ev.Eval(j.l, i))
	}
	return j.buckets[string(j.kb)]
}

// matches evaluates the join condition on left row li and right row ri.
func (j *joiner) matches(li, ri int) bool {
	nl := len(j.l.Cols)
	for ci, c := range j.l.Cols {
		setOne(j.pair.Cols[ci], c.Value(li))
	}
	for ci, c := range j.r.Cols {
		setOne(j.pair.Cols[nl+ci], c.Value(ri))
	}
	v := j.cond.Eval(j.pair, 0)
	return !v.Null && v.I != 0
}

// emit appends left row li joined with right row ri (-1: NULLs) to the output.
func (j *joiner) emit(li, ri int) {
	nl := len(j.l.Cols)
	for ci, c := range j.l.Cols {
		j.out.Cols[ci].Append(c.Value(li))
	}
	for ci, c := range j.r.Cols {
		if ri < 0 {
			j.out.Cols[nl+ci].Append(types.NullOf(c.Kind))
		} else {
			j.out.Cols[nl+ci].Append(c.Value(ri))
		}
	}
}

// lastJoin joins each left row with the last matching right row
// (SEMANTICS §5): the greatest ORDER BY value, ties and no ORDER BY broken by
// the greatest seq.
func (e *Engine) lastJoin(lj *planner.LastJoin, l, r *types.Batch) (*types.Batch, error) {
	j, err := e.newJoiner(lj.LeftKeys, lj.RightKeys, lj.Cond, lj.Schema(), l, r)
	if err != nil {
		return nil, err
	}
	var order expr.Evaluator
	if lj.OrderBy != nil {
		if order, err = expr.Compile(lj.OrderBy, e.Env); err != nil {
			return nil, err
		}
	}
	for i := 0; i < l.Len(); i++ {
		best := -1
		var bestOrder types.Value
		for _, c := range j.candidates(i) {
			if !j.matches(i, c) {
				continue
			}
			if order == nil {
				best = c // later candidates have a greater seq
				continue
			}
			ov := order.Eval(r, c)
			if best < 0 || better(ov, bestOrder, lj.OrderDesc) {
				best, bestOrder = c, ov
			}
		}
		j.emit(i, best)
	}
	return j.out, nil
}

// join runs an inner or left outer equi-join. Each left row is followed by
// its matches in the right side's seq order.
func (e *Engine) join(pj *planner.Join, l, r *types.Batch) (*types.Batch, error) {
	j, err := e.newJoiner(pj.LeftKeys, pj.RightKeys, pj.Cond, pj.Schema(), l, r)
	if err != nil {
		return nil, err
	}
	for i := 0; i < l.Len(); i++ {
		matched := false
		for _, c := range j.candidates(i) {
			if j.matches(i, c) {
				matched = true
				j.emit(i, c)
			}
		}
		if !matched && pj.Outer {
			j.emit(i, -1)
		}
	}
	return j.out, nil
}

// better reports whether ORDER BY value a beats the best so far b; equal
// values go to the later row (greater seq), which is visited later.
func better(a, b types.Value, desc bool) bool {
	c := types.CompareNullsFirst(a, b)
	if desc {
		return c <= 0
	}
	return c >= 0
}

func allRows(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// setOne makes c a one-value column holding v.
func setOne(c *types.Column, v types.Value) {
	c.Nulls, c.I, c.F, c.S = c.Nulls[:0], c.I[:0], c.F[:0], c.S[:0]
	if c.Nulls != nil || v.Null {
		c.Nulls = append(c.Nulls[:0], v.Null)
	}
	c.AppendData(v)
}
