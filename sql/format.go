package sql

import (
	"strconv"
	"strings"
)

// Format returns the canonical one-line text of n: keywords upper-case,
// function names lower-case, names back-quoted only where needed, minimal
// parentheses. Parsing the result gives a tree that formats identically.
func Format(n Node) string {
	var p printer
	p.node(n)
	return p.b.String()
}

type printer struct{ b strings.Builder }

func (p *printer) w(s ...string) {
	for _, x := range s {
		p.b.WriteString(x)
	}
}

// extraKeywords are words of the dialect that the printer quotes when they
// are used as names, beyond TiDB's reserved words.
var extraKeywords = map[string]bool{
	"ROWS_RANGE": true, "MAXSIZE": true, "INSTANCE_NOT_IN_WINDOW": true, "LAST": true, "OPEN": true,
	"PRECEDING": true, "FOLLOWING": true, "UNBOUNDED": true, "CURRENT": true, "EXCLUDE": true,
	"CURRENT_ROW": true, "CURRENT_TIME": true, "OPTIONS": true, "CONFIG": true, "DEPLOY": true,
	"ROW": true, "ROWS": true, "RANGE": true, "WINDOW": true, "OVER": true, "PARTITION": true,
}

// ident writes a name, back-quoted when it is not a plain identifier.
func (p *printer) ident(s string) {
	if plainIdent(s) {
		p.w(s)
		return
	}
	p.w("`", strings.ReplaceAll(s, "`", "``"), "`")
}

func plainIdent(s string) bool {
	if !plainChars(s) {
		return false
	}
	up := strings.ToUpper(s)
	return !reserved[up] && !extraKeywords[up] && !structural[up] && !strings.HasPrefix(strings.ToLower(s), "__sd_")
}

// jobIDChars reports whether a job id can be written bare (12, JOB-1122).
func jobIDChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c == '-' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

// plainChars reports whether s is spelled like an unquoted identifier.
func plainChars(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

func (p *printer) str(s string) {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		case 26:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	p.w(b.String())
}

func (p *printer) tableName(t TableName) {
	if t.DB != "" {
		p.ident(t.DB)
		p.w(".")
	}
	p.ident(t.Name)
}

func (p *printer) options(kw string, opts []Option) {
	if len(opts) == 0 {
		return
	}
	p.w(" ", kw, " (")
	for i, o := range opts {
		if i > 0 {
			p.w(", ")
		}
		p.ident(o.Key)
		p.w(" = ")
		p.expr(o.Value, 0)
	}
	p.w(")")
}

func (p *printer) node(n Node) {
	switch n := n.(type) {
	case Expr:
		p.expr(n, 0)
	case Query:
		p.query(n)
	case Stmt:
		p.stmt(n)
	case TableExpr:
		p.tableExpr(n)
	case *WindowSpec:
		p.windowSpec(n)
	default:
		p.w("<?>")
	}
}

func ifNotExists(b bool) string {
	if b {
		return " IF NOT EXISTS"
	}
	return ""
}

func ifExists(b bool) string {
	if b {
		return " IF EXISTS"
	}
	return ""
}

func (p *printer) stmt(s Stmt) {
	switch s := s.(type) {
	case Query:
		p.query(s)
	case *CreateDatabase:
		p.w("CREATE DATABASE", ifNotExists(s.IfNotExists), " ")
		p.ident(s.Name)
	case *DropDatabase:
		p.w("DROP DATABASE", ifExists(s.IfExists), " ")
		p.ident(s.Name)
	case *Use:
		p.w("USE ")
		p.ident(s.DB)
	case *CreateTable:
		p.w("CREATE TABLE", ifNotExists(s.IfNotExists), " ")
		p.tableName(s.Table)
		if s.LikeKind != "" {
			p.w(" LIKE ", strings.ToUpper(s.LikeKind), " ")
			p.str(s.LikePath)
			return
		}
		if len(s.Columns) == 0 && len(s.Indexes) == 0 {
			p.options("OPTIONS", s.Options)
			return
		}
		p.w(" (")
		for i, c := range s.Columns {
			if i > 0 {
				p.w(", ")
			}
			p.ident(c.Name)
			p.w(" ", c.Type.String())
			if c.NotNull {
				p.w(" NOT NULL")
			}
			if c.Default != nil {
				p.w(" DEFAULT ")
				p.expr(c.Default, 0)
			}
		}
		for i, idx := range s.Indexes {
			if i > 0 || len(s.Columns) > 0 {
				p.w(", ")
			}
			p.indexDef(idx)
		}
		p.w(")")
		p.options("OPTIONS", s.Options)
	case *CreateIndex:
		p.w("CREATE INDEX ")
		p.ident(s.Name)
		p.w(" ON ")
		p.tableName(s.Table)
		p.w(" (")
		p.identList(s.Columns)
		p.w(")")
		p.options("OPTIONS", s.Options)
	case *DropTable:
		p.w("DROP TABLE", ifExists(s.IfExists), " ")
		p.tableName(s.Table)
	case *DropIndex:
		p.w("DROP INDEX ")
		p.tableName(s.Table)
		p.w(".")
		p.ident(s.Name)
	case *DropDeployment:
		p.w("DROP DEPLOYMENT", ifExists(s.IfExists), " ")
		p.tableName(TableName{DB: s.DB, Name: s.Name})
	case *DropFunction:
		p.w("DROP FUNCTION", ifExists(s.IfExists), " ")
		p.ident(s.Name)
	case *Show:
		p.show(s)
	case *Desc:
		p.w("DESC ")
		p.tableName(s.Table)
	case *Set:
		p.w("SET ")
		switch {
		case s.System && s.Global:
			p.w("@@global.")
		case s.System:
			p.w("@@")
		default:
			p.w("@")
		}
		p.ident(s.Name)
		p.w(" = ")
		p.expr(s.Value, 0)
	case *Insert:
		p.w("INSERT ")
		if s.OrIgnore {
			p.w("OR IGNORE ")
		}
		p.w("INTO ")
		p.tableName(s.Table)
		if len(s.Columns) > 0 {
			p.w(" (")
			p.identList(s.Columns)
			p.w(")")
		}
		p.w(" VALUES ")
		for i, row := range s.Rows {
			if i > 0 {
				p.w(", ")
			}
			p.w("(")
			p.exprList(row)
			p.w(")")
		}
	case *Delete:
		p.w("DELETE FROM ")
		p.tableName(s.Table)
		if s.Where != nil {
			p.w(" WHERE ")
			p.expr(s.Where, 0)
		}
	case *LoadData:
		p.w("LOAD DATA INFILE ")
		p.str(s.Path)
		p.w(" INTO TABLE ")
		p.tableName(s.Table)
		p.options("OPTIONS", s.Options)
	case *Deploy:
		p.w("DEPLOY", ifNotExists(s.IfNotExists), " ")
		p.ident(s.Name)
		p.options("OPTIONS", s.Options)
		p.w(" ")
		p.query(s.Query)
	case *CreateFunction:
		p.w("CREATE ")
		if s.Aggregate {
			p.w("AGGREGATE ")
		}
		p.w("FUNCTION", ifNotExists(s.IfNotExists), " ")
		p.ident(s.Name)
		p.w("(")
		for i, fp := range s.Params {
			if i > 0 {
				p.w(", ")
			}
			if fp.Name != "" {
				p.ident(fp.Name)
				p.w(" ")
			}
			p.w(fp.Type.String())
		}
		p.w(") RETURNS ", s.Returns.String())
		p.options("OPTIONS", s.Options)
	case *Explain:
		p.w("EXPLAIN ")
		p.stmt(s.Stmt)
	case *CreateProcedure:
		p.w("CREATE ")
		if s.OrReplace {
			p.w("OR REPLACE ")
		}
		if s.Temp {
			p.w("TEMP ")
		}
		p.w("PROCEDURE", ifNotExists(s.IfNotExists), " ")
		p.ident(s.Name)
		p.w("(")
		for i, pp := range s.Params {
			if i > 0 {
				p.w(", ")
			}
			if pp.Const {
				p.w("CONST ")
			}
			p.ident(pp.Name)
			p.w(" ", pp.Type.String())
		}
		p.w(")")
		p.options("OPTIONS", s.Options)
		p.w(" BEGIN ")
		if s.Query != nil {
			p.query(s.Query)
			p.w("; ")
		}
		p.w("END")
	case *DropProcedure:
		p.w("DROP PROCEDURE", ifExists(s.IfExists), " ")
		p.tableName(TableName{DB: s.DB, Name: s.Name})
	case *CallProcedure:
		p.w("CALL ")
		p.ident(s.Name)
		p.w("(")
		p.exprList(s.Args)
		p.w(")")
	case *Exit:
		p.w("EXIT")
	case *Truncate:
		p.w("TRUNCATE TABLE ")
		p.tableName(s.Table)
	case *Job:
		p.w([...]string{JobShow: "SHOW JOB ", JobShowLog: "SHOW JOBLOG ", JobStop: "STOP JOB ", JobDelete: "DELETE JOB "}[s.Action])
		if jobIDChars(s.ID) {
			p.w(s.ID)
		} else {
			p.str(s.ID)
		}
	case *User:
		switch s.Action {
		case UserCreate:
			p.w("CREATE USER", ifNotExists(s.IfFlag), " ")
		case UserAlter:
			p.w("ALTER USER", ifExists(s.IfFlag), " ")
		default:
			p.w("DROP USER", ifExists(s.IfFlag), " ")
		}
		p.ident(s.Name)
		if s.Action == UserAlter {
			p.w(" SET")
		}
		p.options("OPTIONS", s.Options)
	default:
		p.w("<?>")
	}
}

func (p *printer) show(s *Show) {
	switch s.Kind {
	case ShowDatabases:
		p.w("SHOW DATABASES")
	case ShowTables:
		p.w("SHOW TABLES")
		if s.DB != "" {
			p.w(" FROM ")
			p.ident(s.DB)
		}
	case ShowDeployments:
		p.w("SHOW DEPLOYMENTS")
	case ShowDeployment:
		p.w("SHOW DEPLOYMENT ")
		p.tableName(TableName{DB: s.DB, Name: s.Name})
	case ShowFunctions:
		p.w("SHOW FUNCTIONS")
	case ShowCreateTable:
		p.w("SHOW CREATE TABLE ")
		p.tableName(TableName{DB: s.DB, Name: s.Name})
	case ShowTableStatus:
		p.w("SHOW TABLE STATUS")
	case ShowVariables:
		if s.Global {
			p.w("SHOW GLOBAL VARIABLES")
		} else {
			p.w("SHOW VARIABLES")
		}
	case ShowJobs:
		p.w("SHOW JOBS")
	case ShowProcedures:
		p.w("SHOW PROCEDURES")
	case ShowProcedureStatus:
		p.w("SHOW PROCEDURE STATUS")
	case ShowCreateProcedure:
		p.w("SHOW CREATE PROCEDURE ")
		p.tableName(TableName{DB: s.DB, Name: s.Name})
	case ShowJobsFromNameServer:
		p.w("SHOW JOBS FROM NAMESERVER")
	case ShowComponents:
		p.w("SHOW COMPONENTS")
	}
	if s.Like != "" {
		p.w(" LIKE ")
		p.str(s.Like)
	}
}

func (p *printer) indexDef(idx *IndexDef) {
	p.w("INDEX")
	if idx.Name != "" {
		p.w(" ")
		p.ident(idx.Name)
	}
	p.w("(")
	sep := ""
	if len(idx.Keys) == 1 {
		p.w("KEY=")
		p.ident(idx.Keys[0])
		sep = ", "
	} else if len(idx.Keys) > 1 {
		p.w("KEY=(")
		p.identList(idx.Keys)
		p.w(")")
		sep = ", "
	}
	if idx.TS != "" {
		p.w(sep, "TS=")
		p.ident(idx.TS)
		sep = ", "
	}
	switch len(idx.TTLs) {
	case 1:
		p.w(sep, "TTL=", ttlText(idx.TTLs[0]))
		sep = ", "
	case 2:
		p.w(sep, "TTL=(", ttlText(idx.TTLs[0]), ", ", ttlText(idx.TTLs[1]), ")")
		sep = ", "
	}
	if idx.TTLType != "" {
		p.w(sep, "TTL_TYPE=", idx.TTLType)
		sep = ", "
	}
	for _, o := range idx.Extra {
		p.w(sep)
		sep = ", "
		p.ident(o.Key)
		p.w("=")
		p.expr(o.Value, 0)
	}
	p.w(")")
}

func ttlText(t TTL) string { return strconv.FormatInt(t.Value, 10) + t.Unit }

func (p *printer) identList(names []string) {
	for i, n := range names {
		if i > 0 {
			p.w(", ")
		}
		p.ident(n)
	}
}

func (p *printer) exprList(es []Expr) {
	for i, e := range es {
		if i > 0 {
			p.w(", ")
		}
		p.expr(e, 0)
	}
}

// ---------------------------------------------------------------------------
// Queries

func (p *printer) with(ctes []*CTE) {
	if len(ctes) == 0 {
		return
	}
	p.w("WITH ")
	for i, c := range ctes {
		if i > 0 {
			p.w(", ")
		}
		p.ident(c.Name)
		p.w(" AS (")
		p.query(c.Query)
		p.w(")")
	}
	p.w(" ")
}

func (p *printer) query(q Query) {
	switch q := q.(type) {
	case *Select:
		p.selectStmt(q)
	case *SetOp:
		p.with(q.With)
		for i, s := range q.Selects {
			if i > 0 {
				if q.All[i-1] {
					p.w(" UNION ALL ")
				} else {
					p.w(" UNION ")
				}
			}
			if needsParens(s) {
				p.w("(")
				p.query(s)
				p.w(")")
			} else {
				p.query(s)
			}
		}
		p.orderLimit(q.OrderBy, q.Limit, q.Offset)
		p.into(q.Into)
		p.options("CONFIG", q.Config)
	}
}

// needsParens reports whether a set-operation operand must be parenthesised.
func needsParens(q Query) bool {
	switch q := q.(type) {
	case *Select:
		return len(q.With) > 0 || len(q.OrderBy) > 0 || q.Limit != nil || q.Into != nil || len(q.Config) > 0
	}
	return true
}

func (p *printer) orderLimit(order []*OrderItem, limit, offset Expr) {
	if len(order) > 0 {
		p.w(" ORDER BY ")
		p.orderItems(order)
	}
	if limit != nil {
		p.w(" LIMIT ")
		p.expr(limit, 0)
		if offset != nil {
			p.w(" OFFSET ")
			p.expr(offset, 0)
		}
	}
}

func (p *printer) into(into *IntoOutfile) {
	if into == nil {
		return
	}
	p.w(" INTO OUTFILE ")
	p.str(into.Path)
	p.options("OPTIONS", into.Options)
}

func (p *printer) orderItems(items []*OrderItem) {
	for i, it := range items {
		if i > 0 {
			p.w(", ")
		}
		p.expr(it.Expr, 0)
		if it.Desc {
			p.w(" DESC")
		}
	}
}

func (p *printer) selectStmt(s *Select) {
	p.with(s.With)
	p.w("SELECT ")
	if s.Distinct {
		p.w("DISTINCT ")
	}
	for i, f := range s.Fields {
		if i > 0 {
			p.w(", ")
		}
		p.expr(f.Expr, 0)
		if f.Alias != "" {
			p.w(" AS ")
			p.ident(f.Alias)
		}
	}
	if s.From != nil {
		p.w(" FROM ")
		p.tableExpr(s.From)
	}
	if s.Where != nil {
		p.w(" WHERE ")
		p.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		p.w(" GROUP BY ")
		p.exprList(s.GroupBy)
	}
	if s.Having != nil {
		p.w(" HAVING ")
		p.expr(s.Having, 0)
	}
	if len(s.Windows) > 0 {
		p.w(" WINDOW ")
		for i, wd := range s.Windows {
			if i > 0 {
				p.w(", ")
			}
			p.ident(wd.Name)
			p.w(" AS ")
			p.windowSpec(wd.Spec)
		}
	}
	p.orderLimit(s.OrderBy, s.Limit, s.Offset)
	p.into(s.Into)
	p.options("CONFIG", s.Config)
}

func (p *printer) tableExpr(t TableExpr) {
	switch t := t.(type) {
	case *TableRef:
		p.tableName(t.Name)
		if t.Alias != "" {
			p.w(" AS ")
			p.ident(t.Alias)
		}
	case *SubqueryTable:
		p.w("(")
		p.query(t.Query)
		p.w(")")
		if t.Alias != "" {
			p.w(" AS ")
			p.ident(t.Alias)
		}
	case *Join:
		p.tableExpr(t.Left)
		switch t.Kind {
		case JoinLeft:
			p.w(" LEFT JOIN ")
		case JoinRight:
			p.w(" RIGHT JOIN ")
		case JoinCross:
			p.w(" CROSS JOIN ")
		case JoinLast:
			p.w(" LAST JOIN ")
		default:
			p.w(" JOIN ")
		}
		if _, nested := t.Right.(*Join); nested {
			p.w("(")
			p.tableExpr(t.Right)
			p.w(")")
		} else {
			p.tableExpr(t.Right)
		}
		if t.OrderBy != nil {
			p.w(" ORDER BY ")
			p.expr(t.OrderBy, 0)
			if t.OrderDesc {
				p.w(" DESC")
			}
		}
		if t.On != nil {
			p.w(" ON ")
			p.expr(t.On, 0)
		}
		if len(t.Using) > 0 {
			p.w(" USING (")
			p.identList(t.Using)
			p.w(")")
		}
	}
}

func (p *printer) windowSpec(s *WindowSpec) {
	p.w("(")
	sep := ""
	part := func(kw string) {
		p.w(sep, kw)
		sep = " "
	}
	if s.Base != "" {
		part("")
		p.ident(s.Base)
	}
	if len(s.Union) > 0 {
		part("UNION ")
		for i, u := range s.Union {
			if i > 0 {
				p.w(", ")
			}
			p.tableExpr(u)
		}
	}
	if len(s.PartitionBy) > 0 {
		part("PARTITION BY ")
		p.exprList(s.PartitionBy)
	}
	if len(s.OrderBy) > 0 {
		part("ORDER BY ")
		p.orderItems(s.OrderBy)
	}
	if f := s.Frame; f != nil {
		switch f.Unit {
		case FrameRows:
			part("ROWS ")
		case FrameRowsRange:
			part("ROWS_RANGE ")
		default:
			part("RANGE ")
		}
		if f.Between {
			p.w("BETWEEN ")
			p.bound(f.Start)
			p.w(" AND ")
			p.bound(f.End)
		} else {
			p.bound(f.Start)
		}
	}
	if s.MaxSize > 0 {
		part("MAXSIZE " + strconv.FormatInt(s.MaxSize, 10))
	}
	if s.ExcludeCurrentRow {
		part("EXCLUDE CURRENT_ROW")
	}
	if s.ExcludeCurrentTime {
		part("EXCLUDE CURRENT_TIME")
	}
	if s.InstanceNotInWindow {
		part("INSTANCE_NOT_IN_WINDOW")
	}
	p.w(")")
}

func (p *printer) bound(b FrameBound) {
	switch b.Kind {
	case UnboundedPreceding:
		p.w("UNBOUNDED PRECEDING")
	case UnboundedFollowing:
		p.w("UNBOUNDED FOLLOWING")
	case CurrentRow:
		p.w("CURRENT ROW")
	default:
		p.w(strconv.FormatInt(b.Value, 10), b.Unit)
		if b.Open {
			p.w(" OPEN")
		}
		if b.Kind == Preceding {
			p.w(" PRECEDING")
		} else {
			p.w(" FOLLOWING")
		}
	}
}

// ---------------------------------------------------------------------------
// Expressions

// Precedence levels, loosest first (MySQL's).
const (
	precOr = iota + 1
	precXor
	precAnd
	precNot
	precCmp // comparisons and predicates: = <> IS LIKE IN BETWEEN
	precBitOr
	precBitAnd
	precShift
	precAdd
	precMul
	precBitXor
	precUnary
	precAtom
)

var binText = map[BinaryOp]string{
	OpOr: "OR", OpXor: "XOR", OpAnd: "AND", OpEQ: "=", OpNullEQ: "<=>", OpNE: "!=", OpLT: "<",
	OpLE: "<=", OpGT: ">", OpGE: ">=", OpBitOr: "|", OpBitAnd: "&", OpBitXor: "^", OpShl: "<<",
	OpShr: ">>", OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpIntDiv: "DIV", OpMod: "%",
}

func binPrec(op BinaryOp) int {
	switch op {
	case OpOr:
		return precOr
	case OpXor:
		return precXor
	case OpAnd:
		return precAnd
	case OpEQ, OpNullEQ, OpNE, OpLT, OpLE, OpGT, OpGE:
		return precCmp
	case OpBitOr:
		return precBitOr
	case OpBitAnd:
		return precBitAnd
	case OpShl, OpShr:
		return precShift
	case OpAdd, OpSub:
		return precAdd
	case OpBitXor:
		return precBitXor
	}
	return precMul
}

func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binPrec(e.Op)
	case *Unary:
		if e.Op == OpNot {
			return precNot
		}
		return precUnary
	case *IsNull, *IsBool, *In, *Between, *Like:
		return precCmp
	case *Literal:
		if (e.Kind == LitInt && e.Int < 0) || (e.Kind == LitFloat && strings.HasPrefix(e.Text, "-")) {
			return precUnary
		}
	}
	return precAtom
}

// expr prints e; min is the loosest precedence that may stand here unparenthesised.
func (p *printer) expr(e Expr, min int) {
	if exprPrec(e) < min {
		p.w("(")
		p.expr(e, 0)
		p.w(")")
		return
	}
	switch e := e.(type) {
	case *Literal:
		p.literal(e)
	case *ColumnRef:
		if e.DB != "" {
			p.ident(e.DB)
			p.w(".")
		}
		if e.Table != "" {
			p.ident(e.Table)
			p.w(".")
		}
		p.ident(e.Name)
	case *Star:
		if e.DB != "" {
			p.ident(e.DB)
			p.w(".")
		}
		if e.Table != "" {
			p.ident(e.Table)
			p.w(".")
		}
		p.w("*")
	case *Param:
		p.w("?")
	case *Variable:
		switch {
		case e.System && e.Global:
			p.w("@@global.")
		case e.System:
			p.w("@@")
		default:
			p.w("@")
		}
		p.ident(e.Name)
	case *Unary:
		switch e.Op {
		case OpNot:
			p.w("NOT ")
			p.expr(e.X, precNot)
		case OpNeg:
			p.w("-")
			p.expr(e.X, precUnary+1)
		case OpPlus:
			p.w("+")
			p.expr(e.X, precUnary+1)
		case OpBitNot:
			p.w("~")
			p.expr(e.X, precUnary+1)
		}
	case *Binary:
		prec := binPrec(e.Op)
		// Left-associative: an equal-precedence child stays bare on the left
		// only; comparisons do not chain.
		left := prec
		if prec == precCmp {
			left = prec + 1
		}
		p.expr(e.L, left)
		p.w(" ", binText[e.Op], " ")
		p.expr(e.R, prec+1)
	case *IsNull:
		p.expr(e.X, precCmp+1)
		if e.Not {
			p.w(" IS NOT NULL")
		} else {
			p.w(" IS NULL")
		}
	case *IsBool:
		p.expr(e.X, precCmp+1)
		p.w(" IS ")
		if e.Not {
			p.w("NOT ")
		}
		if e.Value {
			p.w("TRUE")
		} else {
			p.w("FALSE")
		}
	case *In:
		p.expr(e.X, precCmp+1)
		if e.Not {
			p.w(" NOT")
		}
		p.w(" IN (")
		if e.Query != nil {
			p.query(e.Query)
		} else {
			p.exprList(e.List)
		}
		p.w(")")
	case *Between:
		p.expr(e.X, precCmp+1)
		if e.Not {
			p.w(" NOT")
		}
		p.w(" BETWEEN ")
		p.expr(e.Lo, precCmp+1)
		p.w(" AND ")
		p.expr(e.Hi, precCmp+1)
	case *Like:
		p.expr(e.X, precCmp+1)
		if e.Not {
			p.w(" NOT")
		}
		switch e.Op {
		case OpILike:
			p.w(" ILIKE ")
		case OpRLike:
			p.w(" RLIKE ")
		default:
			p.w(" LIKE ")
		}
		p.expr(e.Pattern, precCmp+1)
		if e.Escape != "" {
			p.w(" ESCAPE ")
			p.str(e.Escape)
		}
	case *Case:
		p.w("CASE")
		if e.Operand != nil {
			p.w(" ")
			p.expr(e.Operand, 0)
		}
		for _, wh := range e.Whens {
			p.w(" WHEN ")
			p.expr(wh.Cond, 0)
			p.w(" THEN ")
			p.expr(wh.Result, 0)
		}
		if e.Else != nil {
			p.w(" ELSE ")
			p.expr(e.Else, 0)
		}
		p.w(" END")
	case *Cast:
		p.w("CAST(")
		p.expr(e.X, 0)
		p.w(" AS ", e.Type.String(), ")")
	case *Call:
		if plainChars(e.Name) && !structural[strings.ToUpper(e.Name)] {
			p.w(e.Name)
		} else {
			p.w("`", strings.ReplaceAll(e.Name, "`", "``"), "`")
		}
		p.w("(")
		if e.Distinct {
			p.w("DISTINCT ")
		}
		p.exprList(e.Args)
		p.w(")")
		if e.Over != nil {
			p.w(" OVER ")
			if e.Over.Spec != nil {
				p.windowSpec(e.Over.Spec)
			} else {
				p.ident(e.Over.Name)
			}
		}
	case *Subquery:
		if e.Exists {
			p.w("EXISTS ")
		}
		p.w("(")
		p.query(e.Query)
		p.w(")")
	case *ListExpr:
		if e.Bracket {
			p.w("[")
		} else {
			p.w("(")
		}
		p.exprList(e.Items)
		if e.Bracket {
			p.w("]")
		} else {
			p.w(")")
		}
	default:
		p.w("<?>")
	}
}

func (p *printer) literal(l *Literal) {
	switch l.Kind {
	case LitNull:
		p.w("NULL")
	case LitBool:
		if l.Bool {
			p.w("TRUE")
		} else {
			p.w("FALSE")
		}
	case LitInt:
		p.w(strconv.FormatInt(l.Int, 10))
	case LitFloat:
		text := l.Text
		if text == "" {
			text = strconv.FormatFloat(l.Float, 'g', -1, 64)
		}
		if !strings.ContainsAny(text, ".eE") {
			text += ".0"
		}
		p.w(text)
	case LitString:
		p.str(l.Str)
	case LitDuration:
		p.w(strconv.FormatInt(l.Int, 10), l.Str)
	}
}

// String methods: every node prints in canonical form.

func (n *CreateDatabase) String() string  { return Format(n) }
func (n *DropDatabase) String() string    { return Format(n) }
func (n *Use) String() string             { return Format(n) }
func (n *CreateTable) String() string     { return Format(n) }
func (n *CreateIndex) String() string     { return Format(n) }
func (n *DropTable) String() string       { return Format(n) }
func (n *DropIndex) String() string       { return Format(n) }
func (n *DropDeployment) String() string  { return Format(n) }
func (n *DropFunction) String() string    { return Format(n) }
func (n *Show) String() string            { return Format(n) }
func (n *Desc) String() string            { return Format(n) }
func (n *Set) String() string             { return Format(n) }
func (n *Insert) String() string          { return Format(n) }
func (n *Delete) String() string          { return Format(n) }
func (n *LoadData) String() string        { return Format(n) }
func (n *Deploy) String() string          { return Format(n) }
func (n *CreateFunction) String() string  { return Format(n) }
func (n *Explain) String() string         { return Format(n) }
func (n *Truncate) String() string        { return Format(n) }
func (n *CreateProcedure) String() string { return Format(n) }
func (n *DropProcedure) String() string   { return Format(n) }
func (n *CallProcedure) String() string   { return Format(n) }
func (n *Exit) String() string            { return Format(n) }
func (n *Job) String() string             { return Format(n) }
func (n *User) String() string            { return Format(n) }
func (n *Select) String() string          { return Format(n) }
func (n *SetOp) String() string           { return Format(n) }
func (n *TableRef) String() string        { return Format(n) }
func (n *SubqueryTable) String() string   { return Format(n) }
func (n *Join) String() string            { return Format(n) }
func (n *Literal) String() string         { return Format(n) }
func (n *ColumnRef) String() string       { return Format(n) }
func (n *Star) String() string            { return Format(n) }
func (n *Param) String() string           { return Format(n) }
func (n *Variable) String() string        { return Format(n) }
func (n *Unary) String() string           { return Format(n) }
func (n *Binary) String() string          { return Format(n) }
func (n *IsNull) String() string          { return Format(n) }
func (n *IsBool) String() string          { return Format(n) }
func (n *In) String() string              { return Format(n) }
func (n *Between) String() string         { return Format(n) }
func (n *Like) String() string            { return Format(n) }
func (n *Case) String() string            { return Format(n) }
func (n *Cast) String() string            { return Format(n) }
func (n *Call) String() string            { return Format(n) }
func (n *Subquery) String() string        { return Format(n) }
func (n *ListExpr) String() string        { return Format(n) }
func (n *WindowSpec) String() string      { return Format(n) }
