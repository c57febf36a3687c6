package planner

import (
	"fmt"
	"strings"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// Node is a node of the logical plan. Every node produces rows of its
// Schema; expressions of a node refer to its input's columns by index.
type Node interface {
	Schema() types.Schema
	Inputs() []Node
	// describe returns the node's one-line description for EXPLAIN.
	describe() string
}

// Scan reads a table. Alias is the name the query uses for it.
type Scan struct {
	Table *Table
	Alias string
}

// Filter keeps the rows for which Cond is true.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes the output columns.
type Project struct {
	Input Node
	Exprs []Expr
	Names []string
}

// Window computes window aggregates: its rows are its input's, each followed
// by one column per aggregate, in the order of Aggs.
type Window struct {
	Input  Node
	Groups []*WindowGroup
	Aggs   []*WindowAgg
}

// WindowGroup is the set of window aggregates that share PARTITION BY, ORDER
// BY and UNION sources: the batch engine computes them in one pass over the
// rows sorted by (key, ts, seq); online, one read of the key's rows serves them.
type WindowGroup struct {
	Windows             []string // the window names (or "(inline)") sharing the group
	PartitionBy         []Expr   // over the Window's input columns
	OrderBy             Expr     // the time column (timestamp or integer) over the input columns; nil: none, arrival order decides
	Unions              []Node   // union sources, each with the input's schema
	InstanceNotInWindow bool
}

// WindowAgg is one aggregate call over a window frame.
type WindowAgg struct {
	Func   string
	Args   []Expr        // over the Window's input columns; empty for count(*)
	Consts []types.Value // Consts[i] is the value of constant argument i (Kind Invalid when not constant)
	Frame  *sql.WindowSpec
	Window string // the window's name (or "(inline)")
	Group  int    // index of the WindowGroup in Window.Groups
	T      types.Kind
	Name   string // the output column's name
}

// LastJoin joins each left row with at most one right row (SEMANTICS §5).
// LeftKeys/RightKeys are the equality conjuncts of On used to look the right
// row up (by index online, by hash in batch); Cond is the whole condition over
// the joined schema (left columns then right columns).
type LastJoin struct {
	Left, Right Node
	Cond        Expr
	LeftKeys    []Expr // over the left schema
	RightKeys   []Expr // over the right schema
	OrderBy     Expr   // over the right schema; nil: the latest inserted
	OrderDesc   bool
}

// Join is an inner or left outer equi-join (batch only).
type Join struct {
	Left, Right Node
	Outer       bool // LEFT JOIN
	Cond        Expr
	LeftKeys    []Expr
	RightKeys   []Expr
}

// Aggregate groups by Keys and computes Aggs (GROUP BY; batch only). Its rows
// are the keys followed by the aggregates.
type Aggregate struct {
	Input Node
	Keys  []Expr
	Names []string
	Aggs  []*WindowAgg // Frame is nil
}

// Sort orders the rows (top-level ORDER BY; batch only).
type Sort struct {
	Input Node
	Keys  []Expr
	Desc  []bool
}

// Union concatenates the rows of its sources, in order (UNION ALL); with
// Distinct, only the first of equal rows is kept (UNION). Every source has
// the first one's column kinds; the names are the first one's.
type Union struct {
	Sources  []Node
	Distinct bool
}

// Limit keeps the first N rows.
type Limit struct {
	Input Node
	N     int64
}

// ---------------------------------------------------------------------------
// Schemas

// Schema implements Node.
func (s *Scan) Schema() types.Schema { return s.Table.Schema }

// Schema implements Node.
func (f *Filter) Schema() types.Schema { return f.Input.Schema() }

// Schema implements Node.
func (p *Project) Schema() types.Schema {
	s := make(types.Schema, len(p.Exprs))
	for i, e := range p.Exprs {
		s[i] = types.Field{Name: p.Names[i], Kind: e.Kind()}
	}
	return s
}

// Schema implements Node.
func (w *Window) Schema() types.Schema {
	s := append(types.Schema(nil), w.Input.Schema()...)
	for _, a := range w.Aggs {
		s = append(s, types.Field{Name: a.Name, Kind: a.T})
	}
	return s
}

// Schema implements Node.
func (j *LastJoin) Schema() types.Schema {
	return append(append(types.Schema(nil), j.Left.Schema()...), j.Right.Schema()...)
}

// Schema implements Node.
func (j *Join) Schema() types.Schema {
	return append(append(types.Schema(nil), j.Left.Schema()...), j.Right.Schema()...)
}

// Schema implements Node.
func (a *Aggregate) Schema() types.Schema {
	var s types.Schema
	for i, k := range a.Keys {
		s = append(s, types.Field{Name: a.Names[i], Kind: k.Kind()})
	}
	for _, g := range a.Aggs {
		s = append(s, types.Field{Name: g.Name, Kind: g.T})
	}
	return s
}

// Schema implements Node.
func (s *Sort) Schema() types.Schema { return s.Input.Schema() }

// Schema implements Node.
func (l *Limit) Schema() types.Schema { return l.Input.Schema() }

// Schema implements Node.
func (u *Union) Schema() types.Schema { return u.Sources[0].Schema() }

// Inputs implements Node.
func (s *Scan) Inputs() []Node      { return nil }
func (f *Filter) Inputs() []Node    { return []Node{f.Input} }
func (p *Project) Inputs() []Node   { return []Node{p.Input} }
func (j *LastJoin) Inputs() []Node  { return []Node{j.Left, j.Right} }
func (j *Join) Inputs() []Node      { return []Node{j.Left, j.Right} }
func (a *Aggregate) Inputs() []Node { return []Node{a.Input} }
func (s *Sort) Inputs() []Node      { return []Node{s.Input} }
func (l *Limit) Inputs() []Node     { return []Node{l.Input} }
func (u *Union) Inputs() []Node     { return u.Sources }
func (w *Window) Inputs() []Node {
	in := []Node{w.Input}
	for _, g := range w.Groups {
		in = append(in, g.Unions...)
	}
	return in
}

// ---------------------------------------------------------------------------
// EXPLAIN

// Explain renders a plan as an indented tree, one node a line.
func Explain(n Node) string {
	var b strings.Builder
	var walk func(n Node, depth int)
	walk = func(n Node, depth int) {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), n.describe())
		for _, in := range n.Inputs() {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func exprList(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (s *Scan) describe() string {
	name := s.Table.DB + "." + s.Table.Name
	if s.Alias != "" && !strings.EqualFold(s.Alias, s.Table.Name) {
		name += " AS " + s.Alias
	}
	return "Scan " + name
}

func (f *Filter) describe() string { return "Filter " + f.Cond.String() }

func (p *Project) describe() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String() + " AS " + p.Names[i]
	}
	return "Project " + strings.Join(parts, ", ")
}

func (w *Window) describe() string {
	var b strings.Builder
	b.WriteString("Window")
	for gi, g := range w.Groups {
		fmt.Fprintf(&b, "\n      group %d: PARTITION BY %s", gi, exprList(g.PartitionBy))
		if g.OrderBy != nil {
			fmt.Fprintf(&b, " ORDER BY %s", g.OrderBy)
		}
		if len(g.Unions) > 0 {
			fmt.Fprintf(&b, " UNION %d source(s)", len(g.Unions))
		}
		if g.InstanceNotInWindow {
			b.WriteString(" INSTANCE_NOT_IN_WINDOW")
		}
		for _, a := range w.Aggs {
			if a.Group == gi {
				fmt.Fprintf(&b, "\n        %s = %s(%s) OVER %s %s", a.Name, a.Func, exprList(a.Args), a.Window, frameText(a.Frame))
			}
		}
	}
	return b.String()
}

// frameText prints the frame part of a window spec.
func frameText(s *sql.WindowSpec) string {
	if s == nil {
		return ""
	}
	c := *s
	c.Union, c.PartitionBy, c.OrderBy, c.Base = nil, nil, nil, ""
	return sql.Format(&c)
}

func (j *LastJoin) describe() string {
	s := "LastJoin ON " + j.Cond.String()
	if j.OrderBy != nil {
		s += " ORDER BY " + j.OrderBy.String()
		if j.OrderDesc {
			s += " DESC"
		}
	}
	return s
}

func (j *Join) describe() string {
	if j.Outer {
		return "LeftJoin ON " + j.Cond.String()
	}
	return "Join ON " + j.Cond.String()
}

func (a *Aggregate) describe() string {
	parts := make([]string, len(a.Aggs))
	for i, g := range a.Aggs {
		parts[i] = fmt.Sprintf("%s = %s(%s)", g.Name, g.Func, exprList(g.Args))
	}
	return fmt.Sprintf("Aggregate keys [%s] %s", exprList(a.Keys), strings.Join(parts, ", "))
}

func (s *Sort) describe() string {
	parts := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		parts[i] = k.String()
		if s.Desc[i] {
			parts[i] += " DESC"
		}
	}
	return "Sort " + strings.Join(parts, ", ")
}

func (l *Limit) describe() string { return fmt.Sprintf("Limit %d", l.N) }

func (u *Union) describe() string {
	if u.Distinct {
		return "Union DISTINCT"
	}
	return "Union ALL"
}
