package batch

import "github.com/sundialdb/sundial/planner"

// neededColumns works out, for every Scan of a plan, which of its table's
// columns the plan reads, so that sources decode only those.
func neededColumns(root planner.Node) map[*planner.Scan][]bool {
	out := map[*planner.Scan][]bool{}
	all := func(n planner.Node) []bool {
		need := make([]bool, len(n.Schema()))
		for i := range need {
			need[i] = true
		}
		return need
	}
	var visit func(n planner.Node, need []bool)
	mark := func(need []bool, es ...planner.Expr) {
		for _, e := range es {
			if e == nil {
				continue
			}
			planner.Walk(e, func(x planner.Expr) bool {
				if c, ok := x.(*planner.ColRef); ok && c.Index < len(need) {
					need[c.Index] = true
				}
				return true
			})
		}
	}
	visit = func(n planner.Node, need []bool) {
		switch n := n.(type) {
		case *planner.Scan:
			if prev, ok := out[n]; ok {
				for i := range need {
					need[i] = need[i] || prev[i]
				}
			}
			out[n] = need
		case *planner.Filter:
			mark(need, n.Cond)
			visit(n.Input, need)
		case *planner.Project:
			in := make([]bool, len(n.Input.Schema()))
			mark(in, n.Exprs...)
			visit(n.Input, in)
		case *planner.Window:
			nIn := len(n.Input.Schema())
			in := append([]bool(nil), need[:nIn]...)
			for _, g := range n.Groups {
				mark(in, g.PartitionBy...)
				mark(in, g.OrderBy)
			}
			for _, a := range n.Aggs {
				mark(in, a.Args...)
			}
			visit(n.Input, in)
			for _, g := range n.Groups {
				for _, u := range g.Unions {
					visit(u, all(u)) // union rows are whole rows of the main table's shape
				}
			}
		case *planner.LastJoin:
			l, r := joinNeeds(need, len(n.Left.Schema()), n.LeftKeys, n.RightKeys, n.Cond, mark)
			mark(r, n.OrderBy)
			visit(n.Left, l)
			visit(n.Right, r)
		case *planner.Join:
			l, r := joinNeeds(need, len(n.Left.Schema()), n.LeftKeys, n.RightKeys, n.Cond, mark)
			visit(n.Left, l)
			visit(n.Right, r)
		case *planner.Aggregate:
			in := make([]bool, len(n.Input.Schema()))
			mark(in, n.Keys...)
			for _, a := range n.Aggs {
				mark(in, a.Args...)
			}
			visit(n.Input, in)
		case *planner.Sort:
			mark(need, n.Keys...)
			visit(n.Input, need)
		case *planner.Limit:
			visit(n.Input, need)
		default:
			for _, in := range n.Inputs() {
				visit(in, all(in))
			}
		}
	}
	visit(root, all(root))
	return out
}

// joinNeeds splits a join's needed columns between its sides and adds those
// its keys and condition read.
func joinNeeds(need []bool, nl int, leftKeys, rightKeys []planner.Expr, cond planner.Expr, mark func([]bool, ...planner.Expr)) (l, r []bool) {
	l, r = append([]bool(nil), need[:nl]...), append([]bool(nil), need[nl:]...)
	mark(l, leftKeys...)
	mark(r, rightKeys...)
	both := make([]bool, len(need))
	mark(both, cond)
	for i, b := range both {
		if b && i < nl {
			l[i] = true
		} else if b {
			r[i-nl] = true
		}
	}
	return l, r
}
