package batch

import (
	"fmt"

	"github.com/sundialdb/sundial/exec/agg"
	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// aggregate runs GROUP BY by hashing the keys: one aggregator per group and
// call, groups output in order of first appearance. Without keys there is
// exactly one group, even over no rows.
func (e *Engine) aggregate(a *planner.Aggregate, in *types.Batch) (*types.Batch, error) {
	keys, err := e.compileAll(a.Keys)
	if err != nil {
		return nil, err
	}
	type call struct {
		args  []expr.Evaluator
		kinds []types.Kind
	}
	calls := make([]call, len(a.Aggs))
	for i, g := range a.Aggs {
		c := call{}
		for _, x := range g.Args {
			ev, err := expr.Compile(x, e.Env)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, ev)
			c.kinds = append(c.kinds, x.Kind())
		}
		calls[i] = c
	}
	newGroup := func() ([]agg.Aggregator, error) {
		out := make([]agg.Aggregator, len(a.Aggs))
		for i, g := range a.Aggs {
			ag, err := agg.NewWith(g.Func, calls[i].kinds, g.Consts, agg.Options{Location: e.Env.Loc})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", g.Func, err)
			}
			out[i] = ag
		}
		return out, nil
	}
	ids := map[string]int{}
	var groups [][]agg.Aggregator
	var firstRow []int
	var kb []byte
	var argBuf []types.Value
	for r := 0; r < in.Len(); r++ {
		kb = kb[:0]
		for _, k := range keys {
			kb = appendKey(kb, k.Eval(in, r))
		}
		gi, ok := ids[string(kb)]
		if !ok {
			aggs, err := newGroup()
			if err != nil {
				return nil, err
			}
			gi = len(groups)
			ids[string(kb)] = gi
			groups = append(groups, aggs)
			firstRow = append(firstRow, r)
		}
		for i, c := range calls {
			argBuf = argBuf[:0]
			for _, ev := range c.args {
				argBuf = append(argBuf, ev.Eval(in, r))
			}
			groups[gi][i].Add(argBuf)
		}
	}
	if len(keys) == 0 && len(groups) == 0 {
		aggs, err := newGroup()
		if err != nil {
			return nil, err
		}
		groups, firstRow = append(groups, aggs), append(firstRow, -1)
	}
	schema := a.Schema()
	out := &types.Batch{Schema: schema}
	for _, f := range schema {
		out.Cols = append(out.Cols, types.NewColumn(f.Kind, len(groups)))
	}
	for gi, aggs := range groups {
		for ki, k := range keys {
			out.Cols[ki].Append(k.Eval(in, firstRow[gi]))
		}
		for i, ag := range aggs {
			out.Cols[len(keys)+i].Append(ag.Result())
		}
	}
	return out, nil
}
