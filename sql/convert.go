package sql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/sundialdb/sundial/types"
)

// converter turns TiDB's AST into Sundial's, resolving the pre-pass markers
// against p.side.
type converter struct {
	p  *prepass
	lo int // the first token of the text being converted, for error positions
}

// fail reports an unsupported construct at the start of the converted text.
func (cv *converter) fail(format string, args ...any) error {
	return cv.p.errAt(cv.p.toks[cv.lo].Start, format, args...)
}

// unsupported reports a construct Sundial does not parse, at the statement start.
func (cv *converter) unsupported(at int, what string) error {
	return cv.p.errAt(cv.p.toks[at].Start, "%s is not supported", what)
}

func (cv *converter) stmt(n ast.StmtNode, lo int) (Stmt, error) {
	switch n := n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		q, err := cv.query(n.(ast.ResultSetNode))
		if err != nil {
			return nil, err
		}
		// CONFIG(...) belongs to the statement, wherever it was written.
		switch q := q.(type) {
		case *Select:
			q.Config = cv.p.side.config
		case *SetOp:
			q.Config = cv.p.side.config
		}
		return q, nil
	case *ast.ExplainStmt:
		if show, ok := n.Stmt.(*ast.ShowStmt); ok && show.Tp == ast.ShowColumns {
			return &Desc{Table: cv.tableName(show.Table)}, nil
		}
		inner, err := cv.stmt(n.Stmt, lo)
		if err != nil {
			return nil, err
		}
		if n.Analyze || (n.Format != "" && !strings.EqualFold(n.Format, "row")) {
			return nil, cv.unsupported(lo, "EXPLAIN ANALYZE / FORMAT")
		}
		return &Explain{Stmt: inner}, nil
	case *ast.CreateDatabaseStmt:
		if len(n.Options) > 0 {
			return nil, cv.unsupported(lo, "CREATE DATABASE options")
		}
		return &CreateDatabase{IfNotExists: n.IfNotExists, Name: n.Name.O}, nil
	case *ast.DropDatabaseStmt:
		return &DropDatabase{IfExists: n.IfExists, Name: n.Name.O}, nil
	case *ast.UseStmt:
		return &Use{DB: n.DBName}, nil
	case *ast.DropTableStmt:
		if len(n.Tables) != 1 || n.IsView || n.TemporaryKeyword != ast.TemporaryNone {
			return nil, cv.unsupported(lo, "DROP TABLE of several tables or views")
		}
		return &DropTable{IfExists: n.IfExists, Table: cv.tableName(n.Tables[0])}, nil
	case *ast.ShowStmt:
		return cv.show(n, lo)
	case *ast.SetStmt:
		if len(n.Variables) != 1 {
			return nil, cv.unsupported(lo, "SET of several variables")
		}
		v := n.Variables[0]
		if v.Value == nil {
			return nil, cv.unsupported(lo, "this SET form")
		}
		val, err := cv.expr(v.Value)
		if err != nil {
			return nil, err
		}
		return &Set{System: v.IsSystem, Global: v.IsGlobal, Name: strings.ToLower(v.Name), Value: val}, nil
	case *ast.InsertStmt:
		return cv.insert(n, lo)
	case *ast.DeleteStmt:
		if n.IsMultiTable || n.Order != nil || n.Limit != nil {
			return nil, cv.unsupported(lo, "multi-table DELETE, or DELETE with ORDER BY/LIMIT")
		}
		tn, ok := singleTable(n.TableRefs)
		if !ok {
			return nil, cv.unsupported(lo, "DELETE from a join")
		}
		d := &Delete{Table: cv.tableName(tn)}
		if n.Where != nil {
			w, err := cv.expr(n.Where)
			if err != nil {
				return nil, err
			}
			d.Where = w
		}
		return d, nil
	case *ast.CallStmt:
		args, err := cv.exprs(n.Procedure.Args)
		if err != nil {
			return nil, err
		}
		return &CallProcedure{Name: n.Procedure.FnName.O, Args: args}, nil
	case *ast.TruncateTableStmt:
		return &Truncate{Table: cv.tableName(n.Table)}, nil
	case *ast.LoadDataStmt:
		if n.FieldsInfo != nil || n.LinesInfo != nil || len(n.Columns) > 0 || n.IgnoreLines != nil {
			return nil, cv.unsupported(lo, "LOAD DATA FIELDS/LINES/IGNORE clauses (use OPTIONS(...))")
		}
		return &LoadData{Path: n.Path, Table: cv.tableName(n.Table), Options: cv.p.side.options}, nil
	}
	return nil, cv.unsupported(lo, fmt.Sprintf("statement %s", strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast.")))
}

func singleTable(refs *ast.TableRefsClause) (*ast.TableName, bool) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return nil, false
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil, false
	}
	tn, ok := ts.Source.(*ast.TableName)
	return tn, ok
}

func (cv *converter) tableName(tn *ast.TableName) TableName {
	return TableName{DB: tn.Schema.O, Name: tn.Name.O, Pos: cv.p.identPos(tn.Name.O)}
}

func (cv *converter) show(n *ast.ShowStmt, lo int) (Stmt, error) {
	s := &Show{DB: n.DBName}
	switch n.Tp {
	case ast.ShowDatabases:
		s.Kind = ShowDatabases
	case ast.ShowTables:
		s.Kind = ShowTables
	case ast.ShowCreateTable:
		s.Kind = ShowCreateTable
		tn := cv.tableName(n.Table)
		s.DB, s.Name = tn.DB, tn.Name
	case ast.ShowVariables:
		s.Kind = ShowVariables
		s.Global = n.GlobalScope
	case ast.ShowTableStatus:
		s.Kind = ShowTableStatus
	default:
		return nil, cv.unsupported(lo, "this SHOW statement")
	}
	if n.Where != nil {
		return nil, cv.unsupported(lo, "SHOW ... WHERE")
	}
	if n.Pattern != nil {
		lit, ok := n.Pattern.Pattern.(*driver.ValueExpr)
		if !ok || lit.Kind() != driver.KindString {
			return nil, cv.unsupported(lo, "SHOW ... LIKE with a non-literal pattern")
		}
		s.Like = lit.GetString()
	}
	return s, nil
}

func (cv *converter) insert(n *ast.InsertStmt, lo int) (Stmt, error) {
	if n.IsReplace || n.Select != nil || n.Setlist || len(n.OnDuplicate) > 0 {
		return nil, cv.unsupported(lo, "REPLACE, INSERT ... SELECT, INSERT ... SET and ON DUPLICATE KEY")
	}
	tn, ok := singleTable(n.Table)
	if !ok {
		return nil, cv.unsupported(lo, "INSERT into a join")
	}
	ins := &Insert{OrIgnore: n.IgnoreErr, Table: cv.tableName(tn)}
	for _, c := range n.Columns {
		ins.Columns = append(ins.Columns, c.Name.O)
	}
	for _, row := range n.Lists {
		var vals []Expr
		for _, e := range row {
			v, err := cv.expr(e)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		ins.Rows = append(ins.Rows, vals)
	}
	return ins, nil
}

// ---------------------------------------------------------------------------
// Queries

func (cv *converter) query(n ast.ResultSetNode) (Query, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return cv.selectStmt(n)
	case *ast.SetOprStmt:
		so := &SetOp{}
		if err := cv.setOprList(so, n.SelectList); err != nil {
			return nil, err
		}
		var err error
		if so.With, err = cv.with(n.With); err != nil {
			return nil, err
		}
		if n.OrderBy != nil {
			if so.OrderBy, err = cv.orderBy(n.OrderBy.Items); err != nil {
				return nil, err
			}
		}
		if so.Limit, so.Offset, err = cv.limit(n.Limit); err != nil {
			return nil, err
		}
		return so, nil
	}
	return nil, cv.fail("unsupported query node %T", n)
}

func (cv *converter) setOprList(so *SetOp, l *ast.SetOprSelectList) error {
	for i, n := range l.Selects {
		var q Query
		var after *ast.SetOprType
		switch n := n.(type) {
		case *ast.SelectStmt:
			s, err := cv.selectStmt(n)
			if err != nil {
				return err
			}
			q, after = s, n.AfterSetOperator
		case *ast.SetOprSelectList:
			inner := &SetOp{}
			if err := cv.setOprList(inner, n); err != nil {
				return err
			}
			var err error
			if inner.With, err = cv.with(n.With); err != nil {
				return err
			}
			if n.OrderBy != nil {
				if inner.OrderBy, err = cv.orderBy(n.OrderBy.Items); err != nil {
					return err
				}
			}
			if inner.Limit, inner.Offset, err = cv.limit(n.Limit); err != nil {
				return err
			}
			q, after = inner, n.AfterSetOperator
			if len(inner.Selects) == 1 && inner.With == nil && inner.OrderBy == nil && inner.Limit == nil {
				q = inner.Selects[0]
			}
		default:
			return cv.fail("unexpected set operand %T", n)
		}
		if i > 0 {
			if after == nil || (*after != ast.Union && *after != ast.UnionAll) {
				return cv.fail("only UNION and UNION ALL are supported")
			}
			so.All = append(so.All, *after == ast.UnionAll)
		}
		so.Selects = append(so.Selects, q)
	}
	return nil
}

func (cv *converter) with(w *ast.WithClause) ([]*CTE, error) {
	if w == nil {
		return nil, nil
	}
	if w.IsRecursive {
		return nil, cv.fail("WITH RECURSIVE is not supported")
	}
	var out []*CTE
	for _, c := range w.CTEs {
		q, err := cv.query(c.Query.Query)
		if err != nil {
			return nil, err
		}
		out = append(out, &CTE{Name: c.Name.O, Query: q})
	}
	return out, nil
}

func (cv *converter) limit(l *ast.Limit) (count, offset Expr, err error) {
	if l == nil {
		return nil, nil, nil
	}
	if count, err = cv.expr(l.Count); err != nil {
		return nil, nil, err
	}
	if l.Offset != nil {
		if offset, err = cv.expr(l.Offset); err != nil {
			return nil, nil, err
		}
	}
	return count, offset, nil
}

func (cv *converter) orderBy(items []*ast.ByItem) ([]*OrderItem, error) {
	var out []*OrderItem
	for _, it := range items {
		e, err := cv.expr(it.Expr)
		if err != nil {
			return nil, err
		}
		out = append(out, &OrderItem{Expr: e, Desc: it.Desc})
	}
	return out, nil
}

func (cv *converter) selectStmt(n *ast.SelectStmt) (*Select, error) {
	if n.Kind != ast.SelectStmtKindSelect {
		return nil, cv.fail("TABLE and VALUES statements are not supported")
	}
	s := &Select{Distinct: n.Distinct}
	var err error
	if s.With, err = cv.with(n.With); err != nil {
		return nil, err
	}
	for _, f := range n.Fields.Fields {
		if f.WildCard != nil {
			s.Fields = append(s.Fields, &SelectField{Expr: &Star{DB: f.WildCard.Schema.O, Table: f.WildCard.Table.O}})
			continue
		}
		e, err := cv.expr(f.Expr)
		if err != nil {
			return nil, err
		}
		s.Fields = append(s.Fields, &SelectField{Expr: e, Alias: f.AsName.O})
	}
	if n.From != nil {
		if s.From, err = cv.tableExpr(n.From.TableRefs); err != nil {
			return nil, err
		}
	}
	if n.Where != nil {
		if s.Where, err = cv.expr(n.Where); err != nil {
			return nil, err
		}
	}
	if n.GroupBy != nil {
		for _, it := range n.GroupBy.Items {
			e, err := cv.expr(it.Expr)
			if err != nil {
				return nil, err
			}
			s.GroupBy = append(s.GroupBy, e)
		}
	}
	if n.Having != nil {
		if s.Having, err = cv.expr(n.Having.Expr); err != nil {
			return nil, err
		}
	}
	for i := range n.WindowSpecs {
		ws := &n.WindowSpecs[i]
		spec, err := cv.liftedWindow(ws)
		if err != nil {
			return nil, err
		}
		s.Windows = append(s.Windows, &WindowDef{Name: ws.Name.O, Spec: spec, Pos: cv.p.identPos(ws.Name.O)})
	}
	if n.OrderBy != nil {
		if s.OrderBy, err = cv.orderBy(n.OrderBy.Items); err != nil {
			return nil, err
		}
	}
	if s.Limit, s.Offset, err = cv.limit(n.Limit); err != nil {
		return nil, err
	}
	if n.SelectIntoOpt != nil {
		if n.SelectIntoOpt.Tp != ast.SelectIntoOutfile || n.SelectIntoOpt.FieldsInfo != nil || n.SelectIntoOpt.LinesInfo != nil {
			return nil, cv.fail("only SELECT ... INTO OUTFILE 'path' [OPTIONS(...)] is supported")
		}
		s.Into = &IntoOutfile{Path: n.SelectIntoOpt.FileName, Options: cv.p.side.options}
	}
	return s, nil
}

// liftedWindow finds the spec the pre-pass lifted out of a WINDOW clause.
func (cv *converter) liftedWindow(ws *ast.WindowSpec) (*WindowSpec, error) {
	if ws.PartitionBy != nil && len(ws.PartitionBy.Items) == 1 {
		if k, ok := cv.markerIndex(ws.PartitionBy.Items[0].Expr, mkWin); ok && k < len(cv.p.side.windows) {
			return cv.p.side.windows[k], nil
		}
	}
	return nil, cv.fail("internal error: window %s was not lifted by the pre-pass", ws.Name.O)
}

// markerIndex reads the integer argument of a marker call name(k).
func (cv *converter) markerIndex(e ast.ExprNode, name string) (int, bool) {
	fc, ok := e.(*ast.FuncCallExpr)
	if !ok || fc.FnName.L != name || len(fc.Args) == 0 {
		return 0, false
	}
	v, ok := fc.Args[0].(*driver.ValueExpr)
	if !ok || v.Kind() != driver.KindInt64 {
		return 0, false
	}
	return int(v.GetInt64()), true
}

func (cv *converter) tableExpr(n ast.ResultSetNode) (TableExpr, error) {
	switch n := n.(type) {
	case *ast.Join:
		if n.Right == nil {
			return cv.tableExpr(n.Left)
		}
		if n.NaturalJoin || n.StraightJoin {
			return nil, cv.fail("NATURAL JOIN and STRAIGHT_JOIN are not supported")
		}
		l, err := cv.tableExpr(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := cv.tableExpr(n.Right)
		if err != nil {
			return nil, err
		}
		j := &Join{Left: l, Right: r}
		switch n.Tp {
		case ast.LeftJoin:
			j.Kind = JoinLeft
		case ast.RightJoin:
			j.Kind = JoinRight
		default:
			j.Kind = JoinInner
			if n.On == nil && len(n.Using) == 0 {
				j.Kind = JoinCross
			}
		}
		for _, u := range n.Using {
			j.Using = append(j.Using, u.Name.O)
		}
		if n.On != nil {
			cond := n.On.Expr
			if b, ok := cond.(*ast.BinaryOperationExpr); ok && b.Op == opcode.LogicAnd {
				if fc, ok := b.L.(*ast.FuncCallExpr); ok && fc.FnName.L == mkLast {
					j.Kind = JoinLast
					if len(fc.Args) >= 1 {
						if j.OrderBy, err = cv.expr(fc.Args[0]); err != nil {
							return nil, err
						}
						j.OrderDesc = len(fc.Args) == 2
					}
					cond = b.R
					if p, ok := cond.(*ast.ParenthesesExpr); ok {
						cond = p.Expr
					}
				}
			}
			if j.On, err = cv.expr(cond); err != nil {
				return nil, err
			}
		}
		return j, nil
	case *ast.TableSource:
		switch src := n.Source.(type) {
		case *ast.TableName:
			return &TableRef{Name: cv.tableName(src), Alias: n.AsName.O}, nil
		case *ast.SelectStmt, *ast.SetOprStmt:
			q, err := cv.query(src)
			if err != nil {
				return nil, err
			}
			return &SubqueryTable{Query: q, Alias: n.AsName.O}, nil
		case *ast.Join:
			return cv.tableExpr(src)
		}
		return nil, cv.fail("unsupported table source %T", n.Source)
	}
	return nil, cv.fail("unsupported FROM item %T", n)
}

// ---------------------------------------------------------------------------
// Expressions

var binOps = map[opcode.Op]BinaryOp{
	opcode.LogicOr: OpOr, opcode.LogicXor: OpXor, opcode.LogicAnd: OpAnd,
	opcode.EQ: OpEQ, opcode.NullEQ: OpNullEQ, opcode.NE: OpNE, opcode.LT: OpLT, opcode.LE: OpLE,
	opcode.GT: OpGT, opcode.GE: OpGE, opcode.Or: OpBitOr, opcode.And: OpBitAnd, opcode.Xor: OpBitXor,
	opcode.LeftShift: OpShl, opcode.RightShift: OpShr, opcode.Plus: OpAdd, opcode.Minus: OpSub,
	opcode.Mul: OpMul, opcode.Div: OpDiv, opcode.IntDiv: OpIntDiv, opcode.Mod: OpMod,
}

func (cv *converter) exprs(in []ast.ExprNode) ([]Expr, error) {
	out := make([]Expr, 0, len(in))
	for _, e := range in {
		x, err := cv.expr(e)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (cv *converter) expr(n ast.ExprNode) (Expr, error) {
	switch n := n.(type) {
	case *driver.ValueExpr:
		return cv.value(n)
	case *driver.ParamMarkerExpr:
		return &Param{Index: n.Order}, nil
	case *ast.ColumnNameExpr:
		c := n.Name
		return &ColumnRef{DB: c.Schema.O, Table: c.Table.O, Name: c.Name.O, Pos: cv.p.identPos(c.Name.O)}, nil
	case *ast.ParenthesesExpr:
		return cv.expr(n.Expr)
	case *ast.BinaryOperationExpr:
		op, ok := binOps[n.Op]
		if !ok {
			return nil, cv.fail("unsupported operator %s", n.Op)
		}
		l, err := cv.expr(n.L)
		if err != nil {
			return nil, err
		}
		r, err := cv.expr(n.R)
		if err != nil {
			return nil, err
		}
		return &Binary{Op: op, L: l, R: r}, nil
	case *ast.UnaryOperationExpr:
		x, err := cv.expr(n.V)
		if err != nil {
			return nil, err
		}
		switch n.Op {
		case opcode.Minus:
			if lit, ok := x.(*Literal); ok {
				switch {
				case lit.Kind == LitInt && lit.Int != -1<<63:
					return &Literal{Kind: LitInt, Int: -lit.Int}, nil
				case lit.Kind == LitFloat && !strings.HasPrefix(lit.Text, "-"):
					return &Literal{Kind: LitFloat, Float: -lit.Float, Text: "-" + lit.Text}, nil
				}
			}
			return &Unary{Op: OpNeg, X: x}, nil
		case opcode.Plus:
			return &Unary{Op: OpPlus, X: x}, nil
		case opcode.Not, opcode.Not2:
			return &Unary{Op: OpNot, X: x}, nil
		case opcode.BitNeg:
			return &Unary{Op: OpBitNot, X: x}, nil
		}
		return nil, cv.fail("unsupported unary operator %s", n.Op)
	case *ast.IsNullExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		return &IsNull{X: x, Not: n.Not}, nil
	case *ast.IsTruthExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		return &IsBool{X: x, Not: n.Not, Value: n.True != 0}, nil
	case *ast.PatternInExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		in := &In{X: x, Not: n.Not}
		if n.Sel != nil {
			sq, ok := n.Sel.(*ast.SubqueryExpr)
			if !ok {
				return nil, cv.fail("unsupported IN operand")
			}
			if in.Query, err = cv.query(sq.Query); err != nil {
				return nil, err
			}
			return in, nil
		}
		if in.List, err = cv.exprs(n.List); err != nil {
			return nil, err
		}
		return in, nil
	case *ast.BetweenExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		lo, err := cv.expr(n.Left)
		if err != nil {
			return nil, err
		}
		hi, err := cv.expr(n.Right)
		if err != nil {
			return nil, err
		}
		return &Between{X: x, Lo: lo, Hi: hi, Not: n.Not}, nil
	case *ast.PatternLikeOrIlikeExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		pat, err := cv.expr(n.Pattern)
		if err != nil {
			return nil, err
		}
		l := &Like{Op: OpLike, X: x, Pattern: pat, Not: n.Not}
		if !n.IsLike {
			l.Op = OpILike
		}
		if n.Escape != '\\' {
			l.Escape = string(n.Escape)
		}
		return l, nil
	case *ast.PatternRegexpExpr:
		x, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		pat, err := cv.expr(n.Pattern)
		if err != nil {
			return nil, err
		}
		return &Like{Op: OpRLike, X: x, Pattern: pat, Not: n.Not}, nil
	case *ast.CaseExpr:
		c := &Case{}
		var err error
		if n.Value != nil {
			if c.Operand, err = cv.expr(n.Value); err != nil {
				return nil, err
			}
		}
		for _, wc := range n.WhenClauses {
			cond, err := cv.expr(wc.Expr)
			if err != nil {
				return nil, err
			}
			res, err := cv.expr(wc.Result)
			if err != nil {
				return nil, err
			}
			c.Whens = append(c.Whens, &When{Cond: cond, Result: res})
		}
		if n.ElseClause != nil {
			if c.Else, err = cv.expr(n.ElseClause); err != nil {
				return nil, err
			}
		}
		return c, nil
	case *ast.FuncCallExpr:
		return cv.call(n)
	case *ast.AggregateFuncExpr:
		args, err := cv.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		if n.Order != nil {
			return nil, cv.fail("ORDER BY inside %s() is not supported", n.F)
		}
		return &Call{Name: strings.ToLower(n.F), Args: args, Distinct: n.Distinct, Pos: cv.p.identPos(n.F)}, nil
	case *ast.SubqueryExpr:
		q, err := cv.query(n.Query)
		if err != nil {
			return nil, err
		}
		return &Subquery{Query: q, Exists: n.Exists}, nil
	case *ast.ExistsSubqueryExpr:
		sq, ok := n.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, cv.fail("unsupported EXISTS operand")
		}
		q, err := cv.query(sq.Query)
		if err != nil {
			return nil, err
		}
		var e Expr = &Subquery{Query: q, Exists: true}
		if n.Not {
			e = &Unary{Op: OpNot, X: e}
		}
		return e, nil
	case *ast.VariableExpr:
		if n.Value != nil {
			return nil, cv.fail("variable assignment inside an expression is not supported")
		}
		return &Variable{System: n.IsSystem, Global: n.IsGlobal, Name: strings.ToLower(n.Name)}, nil
	case *ast.RowExpr:
		items, err := cv.exprs(n.Values)
		if err != nil {
			return nil, err
		}
		return &ListExpr{Items: items}, nil
	case *ast.FuncCastExpr:
		return nil, cv.fail("CONVERT/BINARY casts are not supported")
	case *ast.WindowFuncExpr:
		return nil, cv.fail("window function %s needs OVER", n.Name)
	}
	return nil, cv.fail("unsupported expression %s", strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast."))
}

func (cv *converter) value(v *driver.ValueExpr) (Expr, error) {
	switch v.Kind() {
	case driver.KindNull:
		return &Literal{Kind: LitNull}, nil
	case driver.KindInt64:
		if v.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return &Literal{Kind: LitBool, Bool: v.GetInt64() != 0}, nil
		}
		return &Literal{Kind: LitInt, Int: v.GetInt64()}, nil
	case driver.KindUint64:
		u := v.GetUint64()
		if u <= 1<<63-1 {
			return &Literal{Kind: LitInt, Int: int64(u)}, nil
		}
		if u == 1<<63 { // only valid under a unary minus, which folds it
			return &Literal{Kind: LitInt, Int: -1 << 63}, nil
		}
		return nil, cv.fail("integer %d out of the bigint range", u)
	case driver.KindFloat32, driver.KindFloat64:
		f := v.GetFloat64()
		return &Literal{Kind: LitFloat, Float: f, Text: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	case driver.KindMysqlDecimal:
		text := v.GetMysqlDecimal().String()
		if !strings.ContainsAny(text, ".eE") {
			return nil, cv.fail("integer %s out of the bigint range", text)
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, cv.fail("invalid number %s", text)
		}
		return &Literal{Kind: LitFloat, Float: f, Text: text}, nil
	case driver.KindString, driver.KindBytes:
		return &Literal{Kind: LitString, Str: v.GetString()}, nil
	}
	return nil, cv.fail("unsupported literal %v", v.GetValue())
}

// call converts a function call, undoing the pre-pass markers.
func (cv *converter) call(n *ast.FuncCallExpr) (Expr, error) {
	name := n.FnName.O
	switch {
	case strings.EqualFold(name, mkOver):
		k, ok := cv.markerIndex(n, mkOver)
		if !ok || len(n.Args) != 2 || k >= len(cv.p.side.overs) {
			return nil, cv.fail("internal error: malformed window marker")
		}
		inner, err := cv.expr(n.Args[1])
		if err != nil {
			return nil, err
		}
		c, ok := inner.(*Call)
		if !ok {
			return nil, cv.fail("OVER must follow a function call")
		}
		c.Over = cv.p.side.overs[k]
		return c, nil
	case strings.EqualFold(name, mkCast):
		if len(n.Args) != 2 {
			return nil, cv.fail("internal error: malformed cast marker")
		}
		x, err := cv.expr(n.Args[0])
		if err != nil {
			return nil, err
		}
		tv := n.Args[1].(*driver.ValueExpr).GetString()
		k, _ := types.LookupKind(tv)
		return &Cast{X: x, Type: k}, nil
	case strings.EqualFold(name, mkStar):
		return &Star{}, nil
	case strings.EqualFold(name, mkArray):
		items, err := cv.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		return &ListExpr{Items: items, Bracket: true}, nil
	case strings.EqualFold(name, mkLast):
		return nil, cv.fail("LAST JOIN marker outside a join")
	}
	if len(name) > len(mkFn) && strings.EqualFold(name[:len(mkFn)], mkFn) {
		name = name[len(mkFn):]
	}
	if strings.HasPrefix(strings.ToLower(name), "__sd_") {
		return nil, cv.fail("function names starting with __sd_ are reserved")
	}
	args, err := cv.exprs(n.Args)
	if err != nil {
		return nil, err
	}
	return &Call{Name: strings.ToLower(name), Args: args, Pos: cv.p.identPos(name)}, nil
}
