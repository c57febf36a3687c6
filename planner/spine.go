package planner

// Base finds the table a row of n comes from: the Scan at the bottom of n's
// left spine through projections, filters, windows and LAST JOINs (each row
// of such a node is one row of that table, extended or narrowed). ok is false
// when n is anything else (an aggregate, a join that multiplies rows, ...).
func Base(n Node) (*Scan, bool) {
	for {
		switch x := n.(type) {
		case *Scan:
			return x, true
		case *Project:
			n = x.Input
		case *Filter:
			n = x.Input
		case *LastJoin:
			n = x.Left
		case *Window:
			n = x.Input
		default:
			return nil, false
		}
	}
}

// BaseColumn maps column i of n to the column of Base(n)'s table that it
// carries unchanged. ok is false when the column is computed (an expression,
// a window aggregate), comes from the right side of a LAST JOIN, or n is not a
// spine over a table.
func BaseColumn(n Node, i int) (int, bool) {
	for {
		switch x := n.(type) {
		case *Scan:
			return i, i >= 0 && i < len(x.Table.Schema)
		case *Project:
			if i < 0 || i >= len(x.Exprs) {
				return 0, false
			}
			c, ok := x.Exprs[i].(*ColRef)
			if !ok {
				return 0, false
			}
			n, i = x.Input, c.Index
		case *Filter:
			n = x.Input
		case *LastJoin:
			if i >= len(x.Left.Schema()) {
				return 0, false
			}
			n = x.Left
		case *Window:
			if i >= len(x.Input.Schema()) {
				return 0, false
			}
			n = x.Input
		default:
			return 0, false
		}
	}
}

// BaseExpr maps a bare column reference over n's schema to the column of
// Base(n)'s table (see BaseColumn); any other expression does not map.
func BaseExpr(n Node, e Expr) (*ColRef, bool) {
	c, ok := e.(*ColRef)
	if !ok {
		return nil, false
	}
	i, ok := BaseColumn(n, c.Index)
	if !ok {
		return nil, false
	}
	s, _ := Base(n)
	f := s.Table.Schema[i]
	return &ColRef{Index: i, Name: f.Name, T: f.Kind}, true
}
