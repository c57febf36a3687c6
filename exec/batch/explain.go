package batch

import (
	"fmt"
	"strings"

	"github.com/sundialdb/sundial/planner"
)

// Explain describes how the batch engine runs a plan: one line per operator,
// saying how rows are read, partitioned, sorted and joined.
func Explain(n planner.Node) string {
	var b strings.Builder
	var walk func(n planner.Node, depth int)
	walk = func(n planner.Node, depth int) {
		pad := strings.Repeat("  ", depth)
		switch n := n.(type) {
		case *planner.Scan:
			fmt.Fprintf(&b, "%sScanTable %s.%s (files bound by LOAD DATA, then inserted rows, in seq order)\n", pad, n.Table.DB, n.Table.Name)
		case *planner.Filter:
			fmt.Fprintf(&b, "%sFilterRows %s\n", pad, n.Cond)
		case *planner.Project:
			fmt.Fprintf(&b, "%sProjectColumns (%d)\n", pad, len(n.Exprs))
		case *planner.Window:
			for gi, g := range n.Groups {
				var aggs []string
				for _, a := range n.Aggs {
					if a.Group == gi {
						aggs = append(aggs, a.Func)
					}
				}
				order := "arrival"
				if g.OrderBy != nil {
					order = g.OrderBy.String()
				}
				fmt.Fprintf(&b, "%sSlideWindows group %d: hash-partition on (%s) over all cores, sort by (key, %s, source, seq), slide %d frame(s): %s\n",
					pad, gi, exprs(g.PartitionBy), order, len(aggs), strings.Join(aggs, ", "))
			}
		case *planner.LastJoin:
			fmt.Fprintf(&b, "%sHashLastJoin right on (%s), keep the last match by %s\n", pad, exprs(n.RightKeys), orderText(n))
		case *planner.Aggregate:
			fmt.Fprintf(&b, "%sHashAggregate keys (%s), %d aggregate(s)\n", pad, exprs(n.Keys), len(n.Aggs))
		case *planner.Join:
			fmt.Fprintf(&b, "%sHashJoin right on (%s), outer=%v\n", pad, exprs(n.RightKeys), n.Outer)
		case *planner.Sort:
			fmt.Fprintf(&b, "%sSortRows\n", pad)
		case *planner.Limit:
			fmt.Fprintf(&b, "%sLimitRows %d\n", pad, n.N)
		case *planner.Union:
			if n.Distinct {
				fmt.Fprintf(&b, "%sConcatRows of %d inputs in order, keeping the first of equal rows\n", pad, len(n.Sources))
			} else {
				fmt.Fprintf(&b, "%sConcatRows of %d inputs in order\n", pad, len(n.Sources))
			}
		default:
			fmt.Fprintf(&b, "%s%T (not supported in batch mode)\n", pad, n)
		}
		for _, in := range n.Inputs() {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func exprs(es []planner.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func orderText(j *planner.LastJoin) string {
	if j.OrderBy == nil {
		return "seq"
	}
	if j.OrderDesc {
		return j.OrderBy.String() + " DESC, seq"
	}
	return j.OrderBy.String() + ", seq"
}
