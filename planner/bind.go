package planner

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// Binder binds queries against a catalog into logical plans.
type Binder struct {
	Catalog Catalog
	DB      string // the current database (USE)
	// Fold evaluates a constant expression (exec/expr.Fold); nil disables folding.
	Fold func(Expr) (types.Value, bool)

	ctes []*cte // the WITH queries in scope, innermost last
}

// cte is a named query of a WITH clause. A reference binds it afresh, with
// the WITH queries that were in scope where it was defined (the ones before
// it in its clause, and the outer ones): it may use an earlier one, or a
// table of its own name, but not itself.
type cte struct {
	name  string
	query sql.Query
	outer []*cte
}

// withScope brings a WITH clause's queries into scope; the returned func
// restores the previous scope.
func (b *Binder) withScope(with []*sql.CTE) func() {
	saved := b.ctes
	for _, c := range with {
		b.ctes = append(b.ctes[:len(b.ctes):len(b.ctes)], &cte{name: c.Name, query: c.Query, outer: b.ctes})
	}
	return func() { b.ctes = saved }
}

// lookupCTE finds the innermost WITH query of a name, or nil.
func (b *Binder) lookupCTE(name string) *cte {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if strings.EqualFold(b.ctes[i].name, name) {
			return b.ctes[i]
		}
	}
	return nil
}

// column is one entry of a name scope. An empty name is a hidden column (a
// window aggregate's slot) that no name resolves to.
type column struct {
	db, table, name string
	kind            types.Kind
}

type scope struct{ cols []column }

func (s *scope) add(db, table string, schema types.Schema) {
	for _, f := range schema {
		s.cols = append(s.cols, column{db: db, table: table, name: f.Name, kind: f.Kind})
	}
}

func (s *scope) hidden(k types.Kind) int {
	s.cols = append(s.cols, column{kind: k})
	return len(s.cols) - 1
}

func at(p sql.Pos) string {
	if p.Line == 0 {
		return ""
	}
	return fmt.Sprintf(", line %d, column %d", p.Line, p.Col)
}

// resolve finds the column a reference names.
func (s *scope) resolve(ref *sql.ColumnRef) (int, error) {
	found := -1
	for i, c := range s.cols {
		if c.name == "" || !strings.EqualFold(c.name, ref.Name) {
			continue
		}
		if ref.Table != "" && !strings.EqualFold(c.table, ref.Table) {
			continue
		}
		if ref.DB != "" && !strings.EqualFold(c.db, ref.DB) {
			continue
		}
		if found >= 0 && !(strings.EqualFold(s.cols[found].table, c.table) && ref.Table == "") {
			return 0, errorf(ErrUnknown, "column %s is ambiguous (%s.%s or %s.%s)%s", ref.Name,
				s.cols[found].table, s.cols[found].name, c.table, c.name, at(ref.Pos))
		}
		if found < 0 {
			found = i
		}
	}
	if found < 0 {
		if ref.Table != "" {
			return 0, errorf(ErrUnknown, "unknown column %s in table %s%s", ref.Name, ref.Table, at(ref.Pos))
		}
		return 0, errorf(ErrUnknown, "unknown column %s%s", ref.Name, at(ref.Pos))
	}
	return found, nil
}

// BindConst binds an expression that reads no column (INSERT values, option values).
func (b *Binder) BindConst(e sql.Expr) (Expr, error) { return b.bindExpr(e, &scope{}, nil) }

// ---------------------------------------------------------------------------
// Queries

// BindQuery binds a query into a logical plan whose output schema is the
// query's result.
func (b *Binder) BindQuery(q sql.Query) (Node, error) {
	switch q := q.(type) {
	case *sql.Select:
		return b.bindSelect(q)
	case *sql.SetOp:
		return b.bindSetOp(q)
	}
	return nil, errorf(ErrUnsupported, "query %T", q)
}

// bindSetOp binds q1 UNION [ALL] q2 ...: left to right, consecutive UNION
// ALLs in one Union node; ORDER BY and LIMIT apply to the whole.
func (b *Binder) bindSetOp(q *sql.SetOp) (Node, error) {
	defer b.withScope(q.With)()
	var out Node
	for i, s := range q.Selects {
		n, err := b.BindQuery(s)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = n
			continue
		}
		if err := unionShape(out.Schema(), n.Schema(), i+1); err != nil {
			return nil, err
		}
		distinct := !q.All[i-1]
		if u, ok := out.(*Union); ok && !u.Distinct && !distinct {
			u.Sources = append(u.Sources, n)
			continue
		}
		out = &Union{Sources: []Node{out, n}, Distinct: distinct}
	}
	out, err := b.orderBy(q.OrderBy, out)
	if err != nil {
		return nil, err
	}
	return b.limit(q.Limit, q.Offset, out)
}

// unionShape checks that the nth query of a UNION has the first one's column kinds.
func unionShape(want, got types.Schema, nth int) error {
	if len(want) != len(got) {
		return errorf(ErrType, "UNION: query %d has %d columns, the first query %d", nth, len(got), len(want))
	}
	for i := range want {
		if want[i].Kind != got[i].Kind {
			return errorf(ErrType, "UNION: column %d of query %d (%s) is %s, the first query's (%s) is %s",
				i+1, nth, got[i].Name, got[i].Kind, want[i].Name, want[i].Kind)
		}
	}
	return nil
}

// windowCall is a windowed call of the select list with its resolved window.
type windowCall struct {
	call *sql.Call
	name string
	spec *sql.WindowSpec
}

func (b *Binder) bindSelect(sel *sql.Select) (Node, error) {
	defer b.withScope(sel.With)()
	if sel.From == nil {
		return b.bindNoFrom(sel)
	}
	named := map[string]*sql.WindowSpec{}
	for _, w := range sel.Windows {
		if _, dup := named[strings.ToLower(w.Name)]; dup {
			return nil, errorf(ErrType, "window %s defined twice%s", w.Name, at(w.Pos))
		}
		named[strings.ToLower(w.Name)] = w.Spec
	}
	var calls []windowCall
	var walkErr error
	for _, f := range sel.Fields {
		walkExpr(f.Expr, func(e sql.Expr) {
			c, ok := e.(*sql.Call)
			if !ok || c.Over == nil || walkErr != nil {
				return
			}
			wc := windowCall{call: c, name: "(inline)", spec: c.Over.Spec}
			if c.Over.Spec == nil {
				wc.name = c.Over.Name
				if wc.spec = named[strings.ToLower(c.Over.Name)]; wc.spec == nil {
					walkErr = errorf(ErrUnknown, "unknown window %s%s", c.Over.Name, at(c.Pos))
					return
				}
			}
			if wc.spec.Base != "" {
				walkErr = errorf(ErrUnsupported, "window %s refers to window %s", wc.name, wc.spec.Base)
			}
			if sig, ok := Lookup(c.Name); ok && !sig.Aggregate {
				// f(expression of aggregates) OVER w: every aggregate inside
				// takes the window and f is computed over their results.
				inner := plainAggregates(c.Args)
				if len(inner) == 0 {
					walkErr = errorf(ErrType, "%s is not an aggregate function, it cannot take OVER%s", c.Name, at(c.Pos))
					return
				}
				for _, ic := range inner {
					calls = append(calls, windowCall{call: ic, name: wc.name, spec: wc.spec})
				}
				return
			}
			calls = append(calls, wc)
		})
	}
	if walkErr != nil {
		return nil, walkErr
	}

	// The main table: the leftmost leaf of FROM. Windows are computed over
	// its rows, below any LAST JOIN (SEMANTICS §2: the window's rows are the
	// main table's).
	main, rest := leftmost(sel.From)
	mainNode, mainScope, err := b.bindLeaf(main)
	if err != nil {
		return nil, err
	}
	if sel.Where != nil {
		// WHERE is applied before windows; it may only read the main table.
		cond, err := b.bindBool(sel.Where, mainScope, "WHERE")
		if err != nil {
			if len(rest) > 0 {
				return nil, fmt.Errorf("%w (a WHERE next to a join may only read the main table)", err)
			}
			return nil, err
		}
		mainNode = &Filter{Input: mainNode, Cond: cond}
	}
	slots := map[*sql.Call]int{}
	var node Node
	var sc *scope
	if len(calls) > 0 {
		win, err := b.bindWindows(calls, mainNode, mainScope)
		if err != nil && len(rest) > 0 && errors.Is(err, ErrUnknown) {
			// The windows read columns of LAST JOINed tables: compute them over
			// the joined rows, as OpenMLDB does.
			joined, jsc, jerr := b.bindJoins(mainNode, mainScope, rest)
			if jerr != nil {
				return nil, jerr
			}
			if win, err = b.bindWindows(calls, joined, jsc); err != nil {
				return nil, err
			}
			for _, g := range win.Groups {
				if len(g.Unions) > 0 {
					return nil, errorf(ErrUnsupported, "WINDOW ... UNION over a window that reads joined columns")
				}
			}
			mainScope, rest = jsc, nil
		}
		if err != nil {
			return nil, err
		}
		base := len(mainScope.cols)
		for i, a := range win.Aggs {
			slots[calls[i].call] = base + i
			mainScope.hidden(a.T)
		}
		mainNode = win
	}
	node, sc, err = b.bindJoins(mainNode, mainScope, rest)
	if err != nil {
		return nil, err
	}

	if len(sel.GroupBy) > 0 || sel.Having != nil || hasPlainAggregate(sel, slots) {
		if len(calls) > 0 {
			return nil, errorf(ErrUnsupported, "GROUP BY together with window aggregates")
		}
		return b.bindGrouped(sel, node, sc)
	}

	proj := &Project{Input: node}
	for _, f := range sel.Fields {
		if st, ok := f.Expr.(*sql.Star); ok {
			for i, c := range sc.cols {
				if c.name == "" || (st.Table != "" && !strings.EqualFold(st.Table, c.table)) {
					continue
				}
				proj.Exprs = append(proj.Exprs, &ColRef{Index: i, Name: c.name, T: c.kind})
				proj.Names = append(proj.Names, c.name)
			}
			continue
		}
		e, err := b.bindExpr(f.Expr, sc, slots)
		if err != nil {
			return nil, err
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Names = append(proj.Names, fieldName(f))
	}
	out, err := b.orderBy(sel.OrderBy, proj)
	if err != nil {
		return nil, err
	}
	return b.limit(sel.Limit, sel.Offset, out)
}

// orderBy sorts a query's result by items that read its columns.
func (b *Binder) orderBy(items []*sql.OrderItem, out Node) (Node, error) {
	if len(items) == 0 {
		return out, nil
	}
	s := &Sort{Input: out}
	outScope := &scope{}
	outScope.add("", "", out.Schema())
	for _, o := range items {
		k, err := b.bindExpr(o.Expr, outScope, nil)
		if err != nil {
			return nil, fmt.Errorf("%w (ORDER BY reads the select list's columns)", err)
		}
		s.Keys = append(s.Keys, k)
		s.Desc = append(s.Desc, o.Desc)
	}
	return s, nil
}

func (b *Binder) limit(limit, offset sql.Expr, out Node) (Node, error) {
	if limit == nil {
		return out, nil
	}
	if offset != nil {
		return nil, errorf(ErrUnsupported, "LIMIT ... OFFSET")
	}
	lit, ok := limit.(*sql.Literal)
	if !ok || lit.Kind != sql.LitInt || lit.Int < 0 {
		return nil, errorf(ErrType, "LIMIT takes a non-negative integer")
	}
	return &Limit{Input: out, N: lit.Int}, nil
}

func fieldName(f *sql.SelectField) string {
	if f.Alias != "" {
		return f.Alias
	}
	if c, ok := f.Expr.(*sql.ColumnRef); ok {
		return c.Name
	}
	return sql.Format(f.Expr)
}

// bindNoFrom binds SELECT <constants>.
func (b *Binder) bindNoFrom(sel *sql.Select) (Node, error) {
	if sel.Where != nil || len(sel.GroupBy) > 0 || len(sel.Windows) > 0 {
		return nil, errorf(ErrType, "WHERE, GROUP BY or WINDOW without FROM")
	}
	one := &Table{DB: "", Name: "(one row)"}
	proj := &Project{Input: &Scan{Table: one}}
	sc := &scope{}
	for _, f := range sel.Fields {
		e, err := b.bindExpr(f.Expr, sc, nil)
		if err != nil {
			return nil, err
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Names = append(proj.Names, fieldName(f))
	}
	return b.limit(sel.Limit, sel.Offset, proj)
}

// leftmost splits FROM into its leftmost leaf and the joins applied to it, in order.
func leftmost(t sql.TableExpr) (sql.TableExpr, []*sql.Join) {
	j, ok := t.(*sql.Join)
	if !ok {
		return t, nil
	}
	leaf, joins := leftmost(j.Left)
	return leaf, append(joins, j)
}

// bindLeaf binds a table or subquery of FROM.
func (b *Binder) bindLeaf(t sql.TableExpr) (Node, *scope, error) {
	sc := &scope{}
	switch t := t.(type) {
	case *sql.TableRef:
		if c := b.lookupCTE(t.Name.Name); c != nil && t.Name.DB == "" {
			saved := b.ctes
			b.ctes = c.outer
			n, err := b.BindQuery(c.query)
			b.ctes = saved
			if err != nil {
				return nil, nil, fmt.Errorf("WITH %s: %w", c.name, err)
			}
			alias := t.Alias
			if alias == "" {
				alias = c.name
			}
			sc.add("", alias, n.Schema())
			return n, sc, nil
		}
		db := t.Name.DB
		if db == "" {
			db = b.DB
		}
		if db == "" {
			return nil, nil, errorf(ErrUnknown, "no database selected for table %s (USE a database, or write db.%s)%s", t.Name.Name, t.Name.Name, at(t.Name.Pos))
		}
		tab, err := b.Catalog.Table(db, t.Name.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("%w%s", err, at(t.Name.Pos))
		}
		alias := t.Alias
		if alias == "" {
			alias = tab.Name
		}
		sc.add(tab.DB, alias, tab.Schema)
		return &Scan{Table: tab, Alias: alias}, sc, nil
	case *sql.SubqueryTable:
		n, err := b.BindQuery(t.Query)
		if err != nil {
			return nil, nil, err
		}
		sc.add("", t.Alias, n.Schema())
		return n, sc, nil
	case *sql.Join:
		return nil, nil, errorf(ErrUnsupported, "a parenthesised join as a join's right side")
	}
	return nil, nil, errorf(ErrUnsupported, "FROM item %T", t)
}

// bindJoins applies the joins of FROM, left to right, to the main node.
func (b *Binder) bindJoins(left Node, lsc *scope, joins []*sql.Join) (Node, *scope, error) {
	for _, j := range joins {
		right, rsc, err := b.bindLeaf(j.Right)
		if err != nil {
			return nil, nil, err
		}
		both := &scope{cols: append(append([]column(nil), lsc.cols...), rsc.cols...)}
		if j.On == nil {
			return nil, nil, errorf(ErrUnsupported, "joins need an ON condition (cross joins and USING are not supported)")
		}
		cond, err := b.bindBool(j.On, both, "ON")
		if err != nil {
			return nil, nil, err
		}
		lk, rk := equiKeys(cond, len(lsc.cols))
		switch j.Kind {
		case sql.JoinLast:
			lj := &LastJoin{Left: left, Right: right, Cond: cond, LeftKeys: lk, RightKeys: rk, OrderDesc: j.OrderDesc}
			if j.OrderBy != nil {
				o, err := b.bindExpr(j.OrderBy, rsc, nil)
				if err != nil {
					return nil, nil, fmt.Errorf("%w (LAST JOIN ... ORDER BY reads the right table)", err)
				}
				switch o.Kind() {
				case types.Timestamp, types.Int64, types.Int32, types.Int16:
				default:
					return nil, nil, errorf(ErrType, "LAST JOIN ... ORDER BY %s must be a timestamp or integer column (the right table's time), not %s%s", o, o.Kind(), at(exprPos(j.OrderBy)))
				}
				lj.OrderBy = o
			}
			left = lj
		case sql.JoinLeft, sql.JoinInner:
			if len(lk) == 0 {
				return nil, nil, errorf(ErrUnsupported, "a join condition without an equality between the two sides")
			}
			left = &Join{Left: left, Right: right, Outer: j.Kind == sql.JoinLeft, Cond: cond, LeftKeys: lk, RightKeys: rk}
		default:
			return nil, nil, errorf(ErrUnsupported, "RIGHT and CROSS joins")
		}
		lsc = both
	}
	return left, lsc, nil
}

// exprPos is where an expression starts, when the parser recorded it.
func exprPos(e sql.Expr) sql.Pos {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Pos
	case *sql.Call:
		return e.Pos
	}
	return sql.Pos{}
}

// equiKeys extracts the equality conjuncts of cond that compare a left-only
// expression with a right-only one (columns below nLeft are the left's).
func equiKeys(cond Expr, nLeft int) (left, right []Expr) {
	var visit func(e Expr)
	visit = func(e Expr) {
		c, ok := e.(*Call)
		if !ok {
			return
		}
		switch c.Name {
		case "and":
			visit(c.Args[0])
			visit(c.Args[1])
		case "=":
			l, r := c.Args[0], c.Args[1]
			ls, rs := side(l, nLeft), side(r, nLeft)
			if ls == 1 && rs == 2 {
				left, right = append(left, l), append(right, shift(r, nLeft))
			} else if ls == 2 && rs == 1 {
				left, right = append(left, r), append(right, shift(l, nLeft))
			}
		}
	}
	visit(cond)
	return left, right
}

// side reports whether e reads only left columns (1), only right ones (2), both or none (0).
func side(e Expr, nLeft int) int {
	s := 0
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok {
			k := 1
			if c.Index >= nLeft {
				k = 2
			}
			if s == 0 {
				s = k
			} else if s != k {
				s = 3
			}
		}
		return true
	})
	if s == 3 {
		return 0
	}
	return s
}

// shift rebases the column references of a right-only expression onto the right schema.
func shift(e Expr, n int) Expr {
	switch e := e.(type) {
	case *ColRef:
		return &ColRef{Index: e.Index - n, Name: e.Name, T: e.T}
	case *Cast:
		return &Cast{X: shift(e.X, n), T: e.T}
	case *Call:
		args := make([]Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = shift(a, n)
		}
		return &Call{Name: e.Name, Args: args, T: e.T}
	case *Case:
		c := &Case{T: e.T}
		for _, w := range e.Whens {
			c.Whens = append(c.Whens, When{Cond: shift(w.Cond, n), Then: shift(w.Then, n)})
		}
		if e.Else != nil {
			c.Else = shift(e.Else, n)
		}
		return c
	}
	return e
}

// walkExpr visits a parsed expression tree (not descending into subqueries).
func walkExpr(e sql.Expr, f func(sql.Expr)) {
	if e == nil {
		return
	}
	f(e)
	switch e := e.(type) {
	case *sql.Unary:
		walkExpr(e.X, f)
	case *sql.Binary:
		walkExpr(e.L, f)
		walkExpr(e.R, f)
	case *sql.IsNull:
		walkExpr(e.X, f)
	case *sql.IsBool:
		walkExpr(e.X, f)
	case *sql.In:
		walkExpr(e.X, f)
		for _, x := range e.List {
			walkExpr(x, f)
		}
	case *sql.Between:
		walkExpr(e.X, f)
		walkExpr(e.Lo, f)
		walkExpr(e.Hi, f)
	case *sql.Like:
		walkExpr(e.X, f)
		walkExpr(e.Pattern, f)
	case *sql.Case:
		walkExpr(e.Operand, f)
		for _, w := range e.Whens {
			walkExpr(w.Cond, f)
			walkExpr(w.Result, f)
		}
		walkExpr(e.Else, f)
	case *sql.Cast:
		walkExpr(e.X, f)
	case *sql.Call:
		for _, a := range e.Args {
			walkExpr(a, f)
		}
	case *sql.ListExpr:
		for _, x := range e.Items {
			walkExpr(x, f)
		}
	}
}

// hasPlainAggregate reports whether the select list calls an aggregate
// without OVER (other than those a windowed expression gave a window: slots).
func hasPlainAggregate(sel *sql.Select, slots map[*sql.Call]int) bool {
	found := false
	for _, f := range sel.Fields {
		walkExpr(f.Expr, func(e sql.Expr) {
			if c, ok := e.(*sql.Call); ok && c.Over == nil {
				if _, windowed := slots[c]; windowed {
					return
				}
				if s, ok := Lookup(c.Name); ok && s.Aggregate {
					found = true
				}
			}
		})
	}
	return found
}

// plainAggregates returns the aggregate calls without OVER in es, outermost
// first (not the calls inside their arguments).
func plainAggregates(es []sql.Expr) []*sql.Call {
	var out []*sql.Call
	var inAgg []*sql.Call // aggregates found so far: their arguments are theirs
	for _, e := range es {
		walkExpr(e, func(x sql.Expr) {
			c, ok := x.(*sql.Call)
			if !ok || c.Over != nil {
				return
			}
			if s, ok := Lookup(c.Name); !ok || !s.Aggregate {
				return
			}
			for _, a := range inAgg {
				if containsCall(a, c) {
					return
				}
			}
			inAgg = append(inAgg, c)
			out = append(out, c)
		})
	}
	return out
}

// containsCall reports whether c appears inside the arguments of outer.
func containsCall(outer, c *sql.Call) bool {
	found := false
	for _, a := range outer.Args {
		walkExpr(a, func(x sql.Expr) {
			if x == sql.Expr(c) {
				found = true
			}
		})
	}
	return found
}

// ---------------------------------------------------------------------------
// Windows

// bindWindows builds the Window node for the windowed calls, over the main
// table's rows.
func (b *Binder) bindWindows(calls []windowCall, input Node, sc *scope) (*Window, error) {
	win := &Window{Input: input}
	groupKey := map[string]int{}
	for i, wc := range calls {
		spec := wc.spec
		if len(spec.OrderBy) > 1 {
			return nil, errorf(ErrType, "window %s needs at most one ORDER BY column (the time column)%s", wc.name, at(wc.call.Pos))
		}
		if len(spec.OrderBy) == 1 && spec.OrderBy[0].Desc {
			return nil, errorf(ErrUnsupported, "window %s: ORDER BY ... DESC", wc.name)
		}
		if spec.Frame == nil {
			return nil, errorf(ErrType, "window %s has no frame (ROWS or ROWS_RANGE)", wc.name)
		}
		var parts []Expr
		for _, p := range spec.PartitionBy {
			e, err := b.bindExpr(p, sc, nil)
			if err != nil {
				return nil, fmt.Errorf("window %s: PARTITION BY: %w", wc.name, err)
			}
			if k := e.Kind(); k == types.Float || k == types.Double {
				return nil, errorf(ErrType, "window %s: PARTITION BY %s is %s: a partition key cannot be floating-point (as in OpenMLDB, whose indexes refuse it)", wc.name, e, k)
			}
			parts = append(parts, e)
		}
		if len(parts) == 0 {
			return nil, errorf(ErrType, "window %s needs PARTITION BY", wc.name)
		}
		// Without ORDER BY, arrival order decides (docs/windows.md); the
		// frame is checked when it is compiled (it may not measure time).
		var order Expr
		orderText := "(arrival)"
		if len(spec.OrderBy) == 1 {
			var err error
			if order, err = b.bindExpr(spec.OrderBy[0].Expr, sc, nil); err != nil {
				return nil, fmt.Errorf("window %s: ORDER BY: %w", wc.name, err)
			}
			switch order.Kind() {
			case types.Timestamp, types.Int64, types.Int32, types.Int16:
			default:
				return nil, errorf(ErrType, "window %s: ORDER BY %s must be a timestamp or integer column, not %s", wc.name, order, order.Kind())
			}
			orderText = order.String()
		}
		var unions []Node
		var unionKey []string
		for _, u := range spec.Union {
			n, _, err := b.bindLeaf(u)
			if err != nil {
				return nil, fmt.Errorf("window %s: UNION: %w", wc.name, err)
			}
			if err := sameShape(input.Schema(), n.Schema()); err != nil {
				return nil, fmt.Errorf("window %s: UNION %s: %w", wc.name, sql.Format(u), err)
			}
			unions = append(unions, n)
			unionKey = append(unionKey, sql.Format(u))
		}
		key := fmt.Sprintf("%s|%s|%s|%v", exprList(parts), orderText, strings.Join(unionKey, ","), spec.InstanceNotInWindow)
		gi, ok := groupKey[key]
		if !ok {
			gi = len(win.Groups)
			groupKey[key] = gi
			win.Groups = append(win.Groups, &WindowGroup{PartitionBy: parts, OrderBy: order, Unions: unions, InstanceNotInWindow: spec.InstanceNotInWindow})
		}
		g := win.Groups[gi]
		if !containsString(g.Windows, wc.name) {
			g.Windows = append(g.Windows, wc.name)
		}
		agg, err := b.bindAggCall(wc.call, sc)
		if err != nil {
			return nil, err
		}
		agg.Frame, agg.Window, agg.Group = spec, wc.name, gi
		agg.Name = fmt.Sprintf("__w%d", i)
		win.Aggs = append(win.Aggs, agg)
	}
	return win, nil
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// sameShape checks that a union source has the main input's columns.
func sameShape(want, got types.Schema) error {
	if len(want) != len(got) {
		return errorf(ErrType, "has %d columns, the main table %d", len(got), len(want))
	}
	for i := range want {
		if want[i].Kind != got[i].Kind {
			return errorf(ErrType, "column %d (%s) is %s, the main table's (%s) is %s", i+1, got[i].Name, got[i].Kind, want[i].Name, want[i].Kind)
		}
	}
	return nil
}

// bindAggCall binds an aggregate call's arguments and types it.
func (b *Binder) bindAggCall(c *sql.Call, sc *scope) (*WindowAgg, error) {
	sig, ok := Lookup(c.Name)
	if !ok || !sig.Aggregate {
		if ok {
			return nil, errorf(ErrType, "%s is not an aggregate function, it cannot take OVER%s", c.Name, at(c.Pos))
		}
		return nil, errorf(ErrUnknown, "unknown function %s%s", c.Name, at(c.Pos))
	}
	name := sig.Name
	if c.Distinct {
		if name != "count" {
			return nil, errorf(ErrUnsupported, "DISTINCT inside %s", c.Name)
		}
		name = "distinct_count"
	}
	agg := &WindowAgg{Func: name}
	var args []Arg
	for i, a := range c.Args {
		if _, star := a.(*sql.Star); star {
			if i != 0 {
				return nil, errorf(ErrType, "* must be the first argument of %s", c.Name)
			}
			continue
		}
		e, err := b.bindExpr(a, sc, nil)
		if err != nil {
			return nil, err
		}
		agg.Args = append(agg.Args, e)
		arg := Arg{Kind: e.Kind()}
		if k, ok := e.(*Const); ok {
			arg.Const, arg.Value = true, k.V
		}
		args = append(args, arg)
	}
	if name == "count" && len(c.Args) == 1 {
		if _, star := c.Args[0].(*sql.Star); !star {
			// count(1) counts rows like count(*)
			if _, ok := agg.Args[0].(*Const); ok && !agg.Args[0].(*Const).V.Null {
				agg.Args, args = nil, nil
			}
		}
	}
	if s2, ok := Lookup(name); ok {
		sig = s2
	}
	res, err := sig.Resolve(args)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, at(c.Pos))
	}
	agg.T = res.Result
	agg.Consts = make([]types.Value, len(agg.Args))
	for i, a := range agg.Args {
		agg.Args[i] = castTo(a, res.ArgKinds[i])
		if args[i].Const {
			agg.Consts[i] = args[i].Value
		}
	}
	return agg, nil
}

func castTo(e Expr, k types.Kind) Expr {
	if k == types.Invalid || e.Kind() == k {
		return e
	}
	if c, ok := e.(*Const); ok && c.V.Null {
		return &Const{V: types.NullOf(k)}
	}
	return &Cast{X: e, T: k}
}

// ---------------------------------------------------------------------------
// GROUP BY

func (b *Binder) bindGrouped(sel *sql.Select, input Node, sc *scope) (Node, error) {
	agg := &Aggregate{Input: input}
	keyText := map[string]int{}
	for _, g := range sel.GroupBy {
		e, err := b.bindExpr(g, sc, nil)
		if err != nil {
			return nil, fmt.Errorf("GROUP BY: %w", err)
		}
		if k := e.Kind(); k == types.Float || k == types.Double {
			return nil, errorf(ErrType, "GROUP BY %s is %s: a group key cannot be floating-point (as in OpenMLDB)", e, k)
		}
		keyText[sql.Format(g)] = len(agg.Keys)
		agg.Keys = append(agg.Keys, e)
		name := sql.Format(g)
		if c, ok := g.(*sql.ColumnRef); ok {
			name = c.Name
		}
		agg.Names = append(agg.Names, name)
	}
	nk := len(agg.Keys)
	// Bind an expression over the aggregate's output: group keys and aggregate calls.
	var bindOut func(e sql.Expr) (Expr, error)
	outScope := &scope{}
	bindOut = func(e sql.Expr) (Expr, error) {
		if k, ok := keyText[sql.Format(e)]; ok {
			return &ColRef{Index: k, Name: agg.Names[k], T: agg.Keys[k].Kind()}, nil
		}
		switch x := e.(type) {
		case *sql.Call:
			if s, ok := Lookup(x.Name); ok && s.Aggregate {
				name := sql.Format(x)
				for i, a := range agg.Aggs {
					if a.Name == name { // the same call twice (select list and HAVING) is computed once
						return &ColRef{Index: nk + i, Name: name, T: a.T}, nil
					}
				}
				a, err := b.bindAggCall(x, sc)
				if err != nil {
					return nil, err
				}
				a.Name = name
				agg.Aggs = append(agg.Aggs, a)
				return &ColRef{Index: nk + len(agg.Aggs) - 1, Name: a.Name, T: a.T}, nil
			}
		case *sql.ColumnRef:
			// A key written differently (t.c in GROUP BY, c in the select list) is the same column.
			if i, err := sc.resolve(x); err == nil {
				for k, key := range agg.Keys {
					if c, ok := key.(*ColRef); ok && c.Index == i {
						return &ColRef{Index: k, Name: agg.Names[k], T: key.Kind()}, nil
					}
				}
			}
			return nil, errorf(ErrType, "column %s must appear in GROUP BY or inside an aggregate%s", x.Name, at(x.Pos))
		}
		return b.bindExprWith(e, outScope, nil, bindOut)
	}
	proj := &Project{Input: agg}
	for _, f := range sel.Fields {
		if _, star := f.Expr.(*sql.Star); star {
			return nil, errorf(ErrType, "SELECT * with GROUP BY")
		}
		e, err := bindOut(f.Expr)
		if err != nil {
			return nil, err
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Names = append(proj.Names, fieldName(f))
	}
	var out Node = proj
	if sel.Having != nil {
		cond, err := bindOut(sel.Having)
		if err != nil {
			return nil, fmt.Errorf("HAVING: %w", err)
		}
		if cond.Kind() != types.Bool {
			return nil, errorf(ErrType, "HAVING must be a condition, not %s", cond.Kind())
		}
		// HAVING filters the aggregate's rows, before the projection.
		proj.Input = &Filter{Input: agg, Cond: cond}
	}
	out, err := b.orderBy(sel.OrderBy, out)
	if err != nil {
		return nil, err
	}
	return b.limit(sel.Limit, sel.Offset, out)
}

// ---------------------------------------------------------------------------
// Expressions

var binaryNames = map[sql.BinaryOp]string{
	sql.OpOr: "or", sql.OpXor: "xor", sql.OpAnd: "and", sql.OpEQ: "=", sql.OpNullEQ: "<=>", sql.OpNE: "!=",
	sql.OpLT: "<", sql.OpLE: "<=", sql.OpGT: ">", sql.OpGE: ">=", sql.OpBitOr: "|", sql.OpBitAnd: "&",
	sql.OpBitXor: "^", sql.OpShl: "<<", sql.OpShr: ">>", sql.OpAdd: "+", sql.OpSub: "-", sql.OpMul: "*",
	sql.OpDiv: "/", sql.OpIntDiv: "div", sql.OpMod: "%",
}

// bindBool binds a condition and checks that it is boolean.
func (b *Binder) bindBool(e sql.Expr, sc *scope, clause string) (Expr, error) {
	x, err := b.bindExpr(e, sc, nil)
	if err != nil {
		return nil, err
	}
	if x.Kind() != types.Bool && x.Kind() != types.Null {
		return nil, errorf(ErrType, "%s must be a condition, not %s (%s)", clause, x.Kind(), sql.Format(e))
	}
	return x, nil
}

// bindExpr binds a scalar expression; slots maps windowed calls to the scope
// column holding their result.
func (b *Binder) bindExpr(e sql.Expr, sc *scope, slots map[*sql.Call]int) (Expr, error) {
	return b.bindExprWith(e, sc, slots, nil)
}

func (b *Binder) bindExprWith(e sql.Expr, sc *scope, slots map[*sql.Call]int, sub func(sql.Expr) (Expr, error)) (Expr, error) {
	rec := func(x sql.Expr) (Expr, error) {
		if sub != nil {
			return sub(x)
		}
		return b.bindExpr(x, sc, slots)
	}
	switch e := e.(type) {
	case *sql.Literal:
		return &Const{V: literalValue(e)}, nil
	case *sql.ColumnRef:
		i, err := sc.resolve(e)
		if err != nil {
			return nil, err
		}
		c := sc.cols[i]
		name := c.name
		if e.Table != "" && c.table != "" {
			name = c.table + "." + c.name // as written: plans show which side a column comes from
		}
		return &ColRef{Index: i, Name: name, T: c.kind}, nil
	case *sql.Unary:
		x, err := rec(e.X)
		if err != nil {
			return nil, err
		}
		name := map[sql.UnaryOp]string{sql.OpNeg: "neg", sql.OpNot: "not", sql.OpBitNot: "~"}[e.Op]
		if e.Op == sql.OpPlus {
			return x, nil
		}
		return b.call(name, []Expr{x}, sql.Pos{})
	case *sql.Binary:
		l, err := rec(e.L)
		if err != nil {
			return nil, err
		}
		r, err := rec(e.R)
		if err != nil {
			return nil, err
		}
		return b.call(binaryNames[e.Op], []Expr{l, r}, sql.Pos{})
	case *sql.IsNull:
		x, err := rec(e.X)
		if err != nil {
			return nil, err
		}
		if e.Not {
			return b.call("is_not_null", []Expr{x}, sql.Pos{})
		}
		return b.call("is_null", []Expr{x}, sql.Pos{})
	case *sql.IsBool:
		x, err := rec(e.X)
		if err != nil {
			return nil, err
		}
		name := "is_true"
		if !e.Value {
			name = "is_false"
		}
		r, err := b.call(name, []Expr{x}, sql.Pos{})
		if err != nil || !e.Not {
			return r, err
		}
		return b.call("not", []Expr{r}, sql.Pos{})
	case *sql.In:
		if e.Query != nil {
			return nil, errorf(ErrUnsupported, "IN (subquery)")
		}
		args := make([]Expr, 0, len(e.List)+1)
		for _, x := range append([]sql.Expr{e.X}, e.List...) {
			a, err := rec(x)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		r, err := b.call("in", args, sql.Pos{})
		if err != nil || !e.Not {
			return r, err
		}
		return b.call("not", []Expr{r}, sql.Pos{})
	case *sql.Between:
		var args []Expr
		for _, x := range []sql.Expr{e.X, e.Lo, e.Hi} {
			a, err := rec(x)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		r, err := b.call("between", args, sql.Pos{})
		if err != nil || !e.Not {
			return r, err
		}
		return b.call("not", []Expr{r}, sql.Pos{})
	case *sql.Like:
		x, err := rec(e.X)
		if err != nil {
			return nil, err
		}
		p, err := rec(e.Pattern)
		if err != nil {
			return nil, err
		}
		args := []Expr{x, p}
		if e.Escape != "" {
			args = append(args, &Const{V: types.StringValue(e.Escape)})
		}
		name := map[sql.LikeOp]string{sql.OpLike: "like", sql.OpILike: "ilike", sql.OpRLike: "rlike"}[e.Op]
		r, err := b.call(name, args, sql.Pos{})
		if err != nil || !e.Not {
			return r, err
		}
		return b.call("not", []Expr{r}, sql.Pos{})
	case *sql.Case:
		return b.bindCase(e, rec)
	case *sql.Cast:
		x, err := rec(e.X)
		if err != nil {
			return nil, err
		}
		if x.Kind() != types.Null && x.Kind() != e.Type && !CanCast(x.Kind(), e.Type) {
			return nil, errorf(ErrType, "cannot cast %s to %s (%s)", x.Kind(), e.Type, sql.Format(e))
		}
		return b.fold(castTo(x, e.Type)), nil
	case *sql.Call:
		if slot, ok := slots[e]; ok {
			return &ColRef{Index: slot, Name: sql.Format(e), T: sc.cols[slot].kind}, nil
		}
		if e.Over != nil {
			if s, ok := Lookup(e.Name); !ok || s.Aggregate || slots == nil {
				return nil, errorf(ErrUnsupported, "a window aggregate here%s", at(e.Pos))
			}
			// f(...) OVER w of a scalar f: its aggregates have slots, f is
			// computed over them below.
		}
		if s, ok := Lookup(e.Name); ok && s.Aggregate {
			return nil, errorf(ErrType, "aggregate %s needs OVER a window or a GROUP BY%s", e.Name, at(e.Pos))
		}
		args := make([]Expr, 0, len(e.Args))
		for _, a := range e.Args {
			if _, star := a.(*sql.Star); star {
				return nil, errorf(ErrType, "* as an argument of %s%s", e.Name, at(e.Pos))
			}
			x, err := rec(a)
			if err != nil {
				return nil, err
			}
			args = append(args, x)
		}
		return b.call(e.Name, args, e.Pos)
	case *sql.Star:
		return nil, errorf(ErrType, "* is only allowed in the select list and in count(*)")
	case *sql.Param:
		return nil, errorf(ErrUnsupported, "query parameters (?)")
	case *sql.Variable:
		return nil, errorf(ErrUnsupported, "variables in expressions")
	case *sql.Subquery:
		return nil, errorf(ErrUnsupported, "subqueries in expressions")
	}
	return nil, errorf(ErrUnsupported, "expression %s", sql.Format(e))
}

func (b *Binder) bindCase(e *sql.Case, rec func(sql.Expr) (Expr, error)) (Expr, error) {
	c := &Case{}
	var operand Expr
	if e.Operand != nil {
		var err error
		if operand, err = rec(e.Operand); err != nil {
			return nil, err
		}
	}
	var results []Expr
	for _, w := range e.Whens {
		cond, err := rec(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = b.call("=", []Expr{operand, cond}, sql.Pos{}); err != nil {
				return nil, err
			}
		} else if cond.Kind() != types.Bool && cond.Kind() != types.Null {
			return nil, errorf(ErrType, "CASE WHEN %s is not a condition", sql.Format(w.Cond))
		}
		then, err := rec(w.Result)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Then: then})
		results = append(results, then)
	}
	if e.Else != nil {
		el, err := rec(e.Else)
		if err != nil {
			return nil, err
		}
		c.Else = el
		results = append(results, el)
	}
	t, err := commonKind(results)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, sql.Format(e))
	}
	c.T = t
	for i := range c.Whens {
		c.Whens[i].Then = castTo(c.Whens[i].Then, t)
	}
	if c.Else != nil {
		c.Else = castTo(c.Else, t)
	}
	return c, nil
}

// commonKind is the kind CASE branches are unified to (OpenMLDB's rule, CommonType).
func commonKind(es []Expr) (types.Kind, error) {
	kinds := make([]types.Kind, len(es))
	for i, e := range es {
		kinds[i] = e.Kind()
	}
	t, ok := CommonType(kinds...)
	if !ok {
		return 0, errorf(ErrType, "CASE branches of kinds %v have no common type", kinds)
	}
	return t, nil
}

// call types a scalar call through the registry, inserting implicit casts.
func (b *Binder) call(name string, args []Expr, pos sql.Pos) (Expr, error) {
	sig, ok := Lookup(name)
	if !ok {
		return nil, errorf(ErrUnknown, "unknown function %s%s", name, at(pos))
	}
	in := make([]Arg, len(args))
	for i, a := range args {
		in[i] = Arg{Kind: a.Kind()}
		if c, ok := a.(*Const); ok {
			in[i].Const, in[i].Value = true, c.V
		}
	}
	res, err := sig.Resolve(in)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, at(pos))
	}
	for i := range args {
		args[i] = b.fold(castTo(args[i], res.ArgKinds[i]))
	}
	return b.fold(&Call{Name: sig.Name, Args: args, T: res.Result}), nil
}

// fold replaces an expression without column references by its value.
func (b *Binder) fold(e Expr) Expr {
	if b.Fold == nil {
		return e
	}
	constant := true
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*ColRef); ok {
			constant = false
		}
		return constant
	})
	if !constant {
		return e
	}
	if v, ok := b.Fold(e); ok {
		return &Const{V: v}
	}
	return e
}

// literalValue types a literal as OpenMLDB does: integers are int unless
// they need bigint; decimals are double.
func literalValue(l *sql.Literal) types.Value {
	switch l.Kind {
	case sql.LitBool:
		return types.BoolValue(l.Bool)
	case sql.LitInt:
		if l.Int >= math.MinInt32 && l.Int <= math.MaxInt32 {
			return types.Int32Value(int32(l.Int))
		}
		return types.Int64Value(l.Int)
	case sql.LitFloat:
		return types.DoubleValue(l.Float)
	case sql.LitString:
		return types.StringValue(l.Str)
	case sql.LitDuration:
		return types.StringValue(fmt.Sprintf("%d%s", l.Int, l.Str))
	}
	return types.NullOf(types.Null)
}
