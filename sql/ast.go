package sql

import "github.com/sundialdb/sundial/types"

// Node is any node of Sundial's AST. Every node prints in canonical form
// with String (see Format); parsing that text gives the same tree again.
type Node interface {
	String() string
}

// Stmt is a top-level statement.
type Stmt interface {
	Node
	stmt()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	expr()
}

// Query is a SELECT, a set operation over SELECTs, or either with a WITH.
type Query interface {
	Stmt
	query()
}

// TableExpr is an item of FROM: a table, a subquery or a join.
type TableExpr interface {
	Node
	tableExpr()
}

// ---------------------------------------------------------------------------
// Names and options

// TableName is a possibly database-qualified table name.
type TableName struct {
	DB   string
	Name string
	Pos  Pos
}

// Option is one key = value of an OPTIONS(...) or CONFIG(...) list. Value is a
// literal, an identifier (as *ColumnRef), or a list (*ListExpr) of those.
type Option struct {
	Key   string
	Value Expr
}

// ---------------------------------------------------------------------------
// Statements

// CreateDatabase is CREATE DATABASE [IF NOT EXISTS] name.
type CreateDatabase struct {
	IfNotExists bool
	Name        string
}

// DropDatabase is DROP DATABASE [IF EXISTS] name.
type DropDatabase struct {
	IfExists bool
	Name     string
}

// Use is USE db.
type Use struct{ DB string }

// CreateTable is CREATE TABLE [IF NOT EXISTS] t (columns, indexes) [OPTIONS(...)].
type CreateTable struct {
	IfNotExists bool
	Table       TableName
	Columns     []*ColumnDef
	Indexes     []*IndexDef
	Options     []Option
	// LikeKind/LikePath describe CREATE TABLE t LIKE PARQUET|HIVE 'path'.
	LikeKind string
	LikePath string
}

// ColumnDef is one column of CREATE TABLE.
type ColumnDef struct {
	Name    string
	Type    types.Kind
	NotNull bool
	Default Expr // nil when absent
	Pos     Pos
}

// TTL is one component of an index TTL: a number with an optional time
// unit ("" for a bare number, or one of s, m, h, d).
type TTL struct {
	Value int64
	Unit  string
}

// IndexDef is INDEX [name](KEY=..., TS=..., TTL=..., TTL_TYPE=...).
// OpenMLDB writes TTL as `10m`, `1000` or `(10m, 2)`: TTLs holds one or two components.
type IndexDef struct {
	Name    string
	Keys    []string
	TS      string
	TTLs    []TTL
	TTLType string   // absolute, latest, absandlat, absorlat, or ""
	Extra   []Option // other attributes, kept for the catalog to accept or reject
	Pos     Pos
}

// CreateIndex is CREATE INDEX name ON t (cols) [OPTIONS(ts=..., ttl=..., ttl_type=...)].
type CreateIndex struct {
	Name    string
	Table   TableName
	Columns []string
	Options []Option
}

// DropTable is DROP TABLE [IF EXISTS] t.
type DropTable struct {
	IfExists bool
	Table    TableName
}

// DropIndex is DROP INDEX t.name.
type DropIndex struct {
	Table TableName
	Name  string
}

// DropDeployment is DROP DEPLOYMENT [IF EXISTS] name.
type DropDeployment struct {
	IfExists bool
	DB       string
	Name     string
}

// DropFunction is DROP FUNCTION [IF EXISTS] name.
type DropFunction struct {
	IfExists bool
	Name     string
}

// ShowKind says what a SHOW statement lists.
type ShowKind uint8

// The SHOW statements Sundial knows.
const (
	ShowDatabases ShowKind = iota + 1
	ShowTables
	ShowDeployments
	ShowDeployment // SHOW DEPLOYMENT name
	ShowFunctions
	ShowCreateTable // SHOW CREATE TABLE t
	ShowTableStatus
	ShowVariables // SHOW [SESSION|GLOBAL] VARIABLES
	ShowJobs
	ShowComponents
	ShowJobsFromNameServer
	ShowProcedures
	ShowProcedureStatus
	ShowCreateProcedure
)

// Show is a SHOW statement. Name is the deployment or table named by the
// forms that take one; Global marks SHOW GLOBAL VARIABLES.
type Show struct {
	Kind   ShowKind
	DB     string
	Name   string
	Global bool
	Like   string
}

// Truncate is TRUNCATE TABLE t.
type Truncate struct{ Table TableName }

// JobAction is what a job statement does.
type JobAction uint8

// Job statements (OpenMLDB's offline jobs).
const (
	JobShow JobAction = iota + 1
	JobShowLog
	JobStop
	JobDelete
)

// Job is SHOW JOB id, SHOW JOBLOG id, STOP JOB id or DELETE JOB id.
type Job struct {
	Action JobAction
	ID     string
}

// UserAction is what a user statement does.
type UserAction uint8

// User statements.
const (
	UserCreate UserAction = iota + 1
	UserAlter
	UserDrop
)

// User is CREATE USER [IF NOT EXISTS] u [OPTIONS(...)], ALTER USER [IF EXISTS] u SET OPTIONS(...)
// or DROP USER [IF EXISTS] u.
type User struct {
	Action  UserAction
	IfFlag  bool // IF NOT EXISTS (create) or IF EXISTS (alter, drop)
	Name    string
	Options []Option
}

// CreateProcedure is OpenMLDB's older form of a deployment:
// CREATE [OR REPLACE] [TEMP] PROCEDURE [IF NOT EXISTS] name(params) [OPTIONS(...)] BEGIN query END.
type CreateProcedure struct {
	OrReplace   bool
	Temp        bool
	IfNotExists bool
	Name        string
	Params      []*ProcParam
	Options     []Option
	Query       Query // nil for an empty body
}

// ProcParam is a procedure parameter; Const marks a constant (common) column.
type ProcParam struct {
	Const bool
	Name  string
	Type  types.Kind
}

// DropProcedure is DROP PROCEDURE [IF EXISTS] name.
type DropProcedure struct {
	IfExists bool
	DB, Name string
}

// CallProcedure is CALL name(args).
type CallProcedure struct {
	Name string
	Args []Expr
}

// Exit is EXIT or QUIT (the shell leaves).
type Exit struct{}

// Desc is DESC t (also DESCRIBE).
type Desc struct{ Table TableName }

// Set is SET [@@][GLOBAL|SESSION.]name = value.
type Set struct {
	System bool // written with @@ (or GLOBAL/SESSION)
	Global bool
	Name   string
	Value  Expr
}

// Insert is INSERT [OR IGNORE] INTO t [(cols)] VALUES (...), (...).
type Insert struct {
	OrIgnore bool
	Table    TableName
	Columns  []string
	Rows     [][]Expr
}

// Delete is DELETE FROM t [WHERE cond].
type Delete struct {
	Table TableName
	Where Expr
}

// LoadData is LOAD DATA INFILE 'path' INTO TABLE t [OPTIONS(...)].
type LoadData struct {
	Path    string
	Table   TableName
	Options []Option
}

// Deploy is DEPLOY [IF NOT EXISTS] name [OPTIONS(...)] [AS] query.
type Deploy struct {
	IfNotExists bool
	Name        string
	Options     []Option
	Query       Query
}

// CreateFunction is CREATE [AGGREGATE] FUNCTION name(params) RETURNS type [OPTIONS(...)].
type CreateFunction struct {
	Aggregate   bool
	IfNotExists bool
	Name        string
	Params      []*FuncParam
	Returns     types.Kind
	Options     []Option
}

// FuncParam is one parameter of CREATE FUNCTION.
type FuncParam struct {
	Name string
	Type types.Kind
}

// Explain is EXPLAIN statement.
type Explain struct{ Stmt Stmt }

// ---------------------------------------------------------------------------
// Queries

// Select is one SELECT block.
type Select struct {
	With     []*CTE
	Distinct bool
	Fields   []*SelectField
	From     TableExpr // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	Windows  []*WindowDef
	OrderBy  []*OrderItem
	Limit    Expr // nil when absent
	Offset   Expr // nil when absent
	Into     *IntoOutfile
	Config   []Option // CONFIG(execute_mode = 'request', values = ...)
}

// SetOp is a chain of SELECTs combined with UNION [ALL | DISTINCT].
type SetOp struct {
	With    []*CTE
	Selects []Query // Selects[i] for i > 0 joins with Ops[i-1]
	All     []bool  // All[i-1]: UNION ALL (true) or UNION (false) before Selects[i]
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
	Into    *IntoOutfile
	Config  []Option
}

// CTE is one named query of a WITH clause.
type CTE struct {
	Name  string
	Query Query
}

// IntoOutfile is INTO OUTFILE 'path' [OPTIONS(...)].
type IntoOutfile struct {
	Path    string
	Options []Option
}

// SelectField is one item of the select list: an expression with an optional
// alias, or a star (Expr is *Star).
type SelectField struct {
	Expr  Expr
	Alias string
}

// OrderItem is an ORDER BY item.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// TableRef is a named table in FROM, with an optional alias.
type TableRef struct {
	Name  TableName
	Alias string
}

// SubqueryTable is (query) AS alias in FROM.
type SubqueryTable struct {
	Query Query
	Alias string
}

// JoinKind is the kind of a join.
type JoinKind uint8

// The joins Sundial parses.
const (
	JoinInner JoinKind = iota + 1
	JoinLeft
	JoinRight
	JoinCross // a comma or CROSS JOIN
	JoinLast  // OpenMLDB's LAST JOIN
)

// Join joins two table expressions. OrderBy is LAST JOIN's ORDER BY column
// expression (nil when absent).
type Join struct {
	Kind      JoinKind
	Left      TableExpr
	Right     TableExpr
	On        Expr
	Using     []string
	OrderBy   Expr
	OrderDesc bool // LAST JOIN ... ORDER BY c DESC
}

// ---------------------------------------------------------------------------
// Windows

// WindowDef is a named window of the WINDOW clause.
type WindowDef struct {
	Name string
	Spec *WindowSpec
	Pos  Pos
}

// WindowSpec is a window specification, with OpenMLDB's extensions.
type WindowSpec struct {
	Base                string      // an existing window name this spec refines, or ""
	Union               []TableExpr // UNION sources: *TableRef or *SubqueryTable
	PartitionBy         []Expr
	OrderBy             []*OrderItem
	Frame               *Frame // nil when the spec has no frame clause
	MaxSize             int64  // 0 when absent
	ExcludeCurrentRow   bool
	ExcludeCurrentTime  bool
	InstanceNotInWindow bool
}

// FrameUnit is how frame bounds count.
type FrameUnit uint8

// Frame units: ROWS counts rows, ROWS_RANGE measures the ORDER BY timestamp,
// RANGE is standard SQL RANGE (accepted by OpenMLDB with the same meaning as ROWS_RANGE).
const (
	FrameRows FrameUnit = iota + 1
	FrameRowsRange
	FrameRange
)

// Frame is BETWEEN Start AND End (or a single Start bound, End = CURRENT ROW).
type Frame struct {
	Unit       FrameUnit
	Start, End FrameBound
	Between    bool // written with BETWEEN; a bare bound means BETWEEN bound AND CURRENT ROW
}

// BoundKind is the kind of a frame bound.
type BoundKind uint8

// Frame bound kinds.
const (
	UnboundedPreceding BoundKind = iota + 1
	Preceding
	CurrentRow
	Following
	UnboundedFollowing
)

// FrameBound is one end of a frame. For Preceding/Following, Value is the
// count (ROWS) or the time offset as written, with Unit "", s, m, h or d
// ("" meaning milliseconds for time frames); Open is OpenMLDB's OPEN bound.
type FrameBound struct {
	Kind  BoundKind
	Value int64
	Unit  string
	Open  bool
}

// ---------------------------------------------------------------------------
// Expressions

// LiteralKind is the kind of a literal.
type LiteralKind uint8

// Literal kinds.
const (
	LitNull LiteralKind = iota + 1
	LitBool
	LitInt
	LitFloat
	LitString
	LitDuration // OPTIONS/TTL values such as 10m: Int with the unit in Str
)

// Literal is a constant written in the SQL text.
type Literal struct {
	Kind  LiteralKind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	// Text is the float literal as written (so 1.50 prints back as 1.50); empty for other kinds.
	Text string
}

// ColumnRef is [db.][table.]column.
type ColumnRef struct {
	DB, Table string
	Name      string
	Pos       Pos
}

// Star is * or t.* in a select list (or count(*)).
type Star struct {
	DB, Table string
}

// Param is a ? placeholder of a parameterised query; Index counts from 0.
type Param struct{ Index int }

// Variable is @name or @@[global.|session.]name.
type Variable struct {
	System bool
	Global bool
	Name   string
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// Unary operators.
const (
	OpNeg UnaryOp = iota + 1
	OpNot
	OpBitNot
	OpPlus
)

// Unary is a prefix operator applied to an expression.
type Unary struct {
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp uint8

// Binary operators, roughly by precedence groups.
const (
	OpOr BinaryOp = iota + 1
	OpXor
	OpAnd
	OpEQ
	OpNullEQ // <=>
	OpNE
	OpLT
	OpLE
	OpGT
	OpGE
	OpBitOr
	OpBitAnd
	OpBitXor
	OpShl
	OpShr
	OpAdd
	OpSub
	OpMul
	OpDiv    // /
	OpIntDiv // DIV
	OpMod    // % and MOD
)

// Binary is an infix operator expression.
type Binary struct {
	Op   BinaryOp
	L, R Expr
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// IsBool is X IS [NOT] TRUE|FALSE.
type IsBool struct {
	X     Expr
	Not   bool
	Value bool
}

// In is X [NOT] IN (list) or X [NOT] IN (subquery).
type In struct {
	X     Expr
	List  []Expr
	Query Query // set instead of List for IN (subquery)
	Not   bool
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
}

// LikeOp says which pattern match a Like is.
type LikeOp uint8

// Pattern operators.
const (
	OpLike LikeOp = iota + 1
	OpILike
	OpRLike // RLIKE / REGEXP
)

// Like is X [NOT] LIKE|ILIKE|RLIKE pattern [ESCAPE e].
type Like struct {
	Op      LikeOp
	X       Expr
	Pattern Expr
	Escape  string // "" when absent (LIKE's default is backslash)
	Not     bool
}

// When is one WHEN ... THEN ... of a CASE.
type When struct {
	Cond, Result Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Operand Expr // nil for the searched form
	Whens   []*When
	Else    Expr
}

// Cast is CAST(X AS Type).
type Cast struct {
	X    Expr
	Type types.Kind
}

// Call is a function call, possibly windowed: f(args) OVER w.
// Name is lower-case as OpenMLDB's functions are case-insensitive.
type Call struct {
	Name     string
	Args     []Expr
	Distinct bool       // count(DISTINCT x)
	Over     *WindowRef // nil for a plain call
	Pos      Pos
}

// WindowRef is what follows OVER: a window name or an inline spec.
type WindowRef struct {
	Name string      // OVER w
	Spec *WindowSpec // OVER (...)
}

// Subquery is a scalar (or EXISTS) subquery used as an expression.
type Subquery struct {
	Query  Query
	Exists bool
}

// ListExpr is a parenthesised or bracketed list of expressions, used by
// OPTIONS/CONFIG values and row constructors.
type ListExpr struct {
	Items   []Expr
	Bracket bool // [a, b] instead of (a, b)
}

func (*CreateDatabase) stmt()  {}
func (*DropDatabase) stmt()    {}
func (*Use) stmt()             {}
func (*CreateTable) stmt()     {}
func (*CreateIndex) stmt()     {}
func (*DropTable) stmt()       {}
func (*DropIndex) stmt()       {}
func (*DropDeployment) stmt()  {}
func (*DropFunction) stmt()    {}
func (*Show) stmt()            {}
func (*Desc) stmt()            {}
func (*Set) stmt()             {}
func (*Insert) stmt()          {}
func (*Delete) stmt()          {}
func (*LoadData) stmt()        {}
func (*Deploy) stmt()          {}
func (*CreateFunction) stmt()  {}
func (*Explain) stmt()         {}
func (*Truncate) stmt()        {}
func (*CreateProcedure) stmt() {}
func (*DropProcedure) stmt()   {}
func (*CallProcedure) stmt()   {}
func (*Exit) stmt()            {}
func (*Job) stmt()             {}
func (*User) stmt()            {}
func (*Select) stmt()          {}
func (*SetOp) stmt()           {}

func (*Select) query() {}
func (*SetOp) query()  {}

func (*TableRef) tableExpr()      {}
func (*SubqueryTable) tableExpr() {}
func (*Join) tableExpr()          {}

func (*Literal) expr()   {}
func (*ColumnRef) expr() {}
func (*Star) expr()      {}
func (*Param) expr()     {}
func (*Variable) expr()  {}
func (*Unary) expr()     {}
func (*Binary) expr()    {}
func (*IsNull) expr()    {}
func (*IsBool) expr()    {}
func (*In) expr()        {}
func (*Between) expr()   {}
func (*Like) expr()      {}
func (*Case) expr()      {}
func (*Cast) expr()      {}
func (*Call) expr()      {}
func (*Subquery) expr()  {}
func (*ListExpr) expr()  {}
