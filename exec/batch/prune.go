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
	split := func(need []bool, nl int) (l, r []bool) {
		return append([]bool(nil), need[:nl]...), append([]bool(nil), need[nl:]...)
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
			nl := len(n.Left.Schema())
			l, r := split(need, nl)
			mark(l, n.LeftKeys...)
			mark(r, n.RightKeys...)
			mark(r, n.OrderBy)
			both := make([]bool, len(need))
			mark(both, n.Cond)
			for i, b := range both {
				if b && i < nl {
					l[i] = true
				} else if b {
					r[i-nl] = true
				}
			}
			visit(n.Left, l)
			visit(n.Right, r)
		case *planner.Join:
			nl := len(n.Left.Schema())
			l, r := split(need, nl)
			mark(l, n.LeftKeys...)
			mark(r, n.RightKeys...)
			both := make([]bool, len(need))
			mark(both, n.Cond)
			for i, b := range both {
				if b && i < nl {
					l[i] = true
				} else if b {
					r[i-nl] = true
				}
			}
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
