package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// Status is the outcome of running a case in one mode.
type Status uint8

// Outcomes.
const (
	Pass Status = iota + 1
	Fail
	Skip
)

func (s Status) String() string { return [...]string{"", "pass", "fail", "skip"}[s] }

// Skip reasons: a small fixed set, so that nothing is skipped silently.
const (
	SkipTODO        = "todo-upstream"         // OpenMLDB itself skips the case
	SkipMode        = "mode-disabled"         // the case disables this mode
	SkipStatement   = "unsupported-statement" // a statement kind Sundial does not run in this mode yet
	SkipRequestRows = "batch-request-rows"    // the case feeds explicit request rows (batch_request)
	SkipParameters  = "parameters"            // the case binds ? parameters
	SkipNoSQL       = "no-sql"                // a HybridSE %%fun script without SQL
	SkipCluster     = "cluster-only"          // the case needs tablets or a multi-node deployment
	SkipPlanOnly    = "plan-dump-only"        // a parser/planner test: no data, only OpenMLDB's plan dumps to compare
	SkipResource    = "resource-file"         // reads a file of OpenMLDB's repository that the corpus does not carry
)

// Outcome is the result of one case.
type Outcome struct {
	Case   *Case
	Status Status
	Reason string // the skip reason, or what failed
}

// Runner runs cases in process, each in a fresh embedded instance.
type Runner struct {
	// Loc is the engine's time zone; OpenMLDB's cases assume +08:00.
	Loc *time.Location
	// Env substitutes placeholders; Env.Now is fixed per run.
	Env Env
	// Timeout bounds one case.
	Timeout time.Duration
}

// NewRunner returns a runner with OpenMLDB's conventions.
func NewRunner(rootPath string) *Runner {
	return &Runner{
		Loc:     time.FixedZone("+08:00", 8*3600),
		Env:     Env{RootPath: rootPath, Now: time.Now()},
		Timeout: 30 * time.Second,
	}
}

// skipReason returns why a case cannot run in the given mode, or "".
func skipReason(c *Case, mode string) string {
	text := c.SQL + strings.Join(c.SQLs, ";")
	switch {
	case c.IsTODO():
		return SkipTODO
	case !c.Mode(mode):
		return SkipMode
	case c.BatchRequest != nil:
		return SkipRequestRows
	case c.Parameters != nil:
		return SkipParameters
	case strings.Contains(text, "{tb_endpoint"):
		return SkipCluster
	case strings.Contains(text, "cases/"), strings.Contains(text, "hdfs://"):
		return SkipResource
	case len(c.Inputs) == 0 && c.Expect.Columns == nil && c.Expect.Rows == nil && c.Expect.Count == nil && c.ExpectSuccess() && strings.HasPrefix(c.Category, "plan"):
		return SkipPlanOnly
	}
	return ""
}

// caseRun is a case set up in a fresh instance.
type caseRun struct {
	c    *Case
	s    *session.Session
	env  Env
	db   string
	ctx  context.Context
	main *types.Batch // request mode: the main table's rows, not yet stored
}

func (cr *caseRun) exec(text string) (*session.Result, error) {
	var last *session.Result
	for _, pr := range sql.ParseScript(text) {
		if pr.Err != nil {
			return nil, pr.Err
		}
		res, err := cr.s.Exec(cr.ctx, pr.Stmt)
		if err != nil {
			return nil, err
		}
		last = res
	}
	return last, nil
}

// longWindowDeployment is the name the runner deploys a case's query under
// when the case has a longWindow flag (OpenMLDB's test framework deploys
// those cases with OPTIONS(long_windows=...)).
const longWindowDeployment = "conformance_long_window"

// deployLong deploys query (a case's sql, substituted) with the case's
// long_windows and buckets for every key (long_windows_min_rows 1, so that
// the buckets, not only the rows, answer the case's few rows).
func (cr *caseRun) deployLong(query string) (*online.Deployment, error) {
	lw := strings.ReplaceAll(cr.c.RawFlags.LongWindow, "'", "''")
	return cr.deploy(query, "OPTIONS(long_windows='"+lw+"', long_windows_min_rows='1') ")
}

// deploy deploys query with options (DEPLOY creates the indexes it needs).
func (cr *caseRun) deploy(query, options string) (*online.Deployment, error) {
	q := strings.TrimRight(strings.TrimSpace(query), ";")
	if _, err := cr.exec("DEPLOY " + longWindowDeployment + " " + options + q); err != nil {
		return nil, err
	}
	dep, ok := cr.s.Deployment(cr.db, longWindowDeployment)
	if !ok {
		return nil, fmt.Errorf("deployment %s not found after DEPLOY", longWindowDeployment)
	}
	return dep, nil
}

// setup creates the case's tables and loads their rows. In request mode the
// main table's (the first input's) rows are kept aside for the requests and
// the other tables' rows go into the online store.
func (r *Runner) setup(ctx context.Context, c *Case, request bool) (*caseRun, *Outcome) {
	env := r.Env
	if env.DBName == "" {
		env.DBName = c.DB
	}
	if r.Env.RootPath != "" {
		// Each case gets its own scratch directory: cases reuse file names.
		env.RootPath = filepath.Join(r.Env.RootPath, strconv.Itoa(c.Index))
		// With an out/ directory, as OpenMLDB's test machines have: the
		// out_in cases write to {root_path}/out/ and expect it to exist
		// (while test_out_in/21 expects a missing directory to fail).
		if err := os.MkdirAll(filepath.Join(env.RootPath, "out"), 0o755); err != nil {
			o := fail(c, "setup: %v", err)
			return nil, &o
		}
	}
	s := session.New(session.NewInstance())
	s.Loc = r.Loc
	s.BaseDir = env.RootPath // relative file paths of a case stay in its scratch directory
	cr := &caseRun{c: c, s: s, env: env, db: c.DB, ctx: ctx}
	if cr.db == "" {
		cr.db = "test_db"
	}
	mustExec := func(text string) error {
		_, err := cr.exec(text)
		return err
	}
	failed := func(o Outcome) (*caseRun, *Outcome) { return nil, &o }
	if err := mustExec("CREATE DATABASE IF NOT EXISTS `" + cr.db + "`; USE `" + cr.db + "`"); err != nil {
		return failed(fail(c, "setup: %v", err))
	}
	for i, in := range c.Inputs {
		name := c.TableName(i)
		tdb := cr.db
		if in.DB != "" {
			tdb = in.DB
			if err := mustExec("CREATE DATABASE IF NOT EXISTS `" + tdb + "`"); err != nil {
				return failed(fail(c, "setup: %v", err))
			}
		}
		if in.Create != "" {
			if err := mustExec(Substitute(in.Create, c, env)); err != nil {
				return failed(setupOutcome(c, fmt.Errorf("create %s: %w", name, err)))
			}
		} else if len(in.Columns) > 0 {
			if err := mustExec(createSQL(tdb, name, in)); err != nil {
				return failed(setupOutcome(c, fmt.Errorf("create %s: %w", name, err)))
			}
		}
		inserts := 0
		for _, ins := range insertTexts(c, in, env) {
			inserts++
			if request && i == 0 {
				continue // below: the main table's inserted rows are requests
			}
			if err := mustExec(ins); err != nil {
				return failed(setupOutcome(c, fmt.Errorf("insert into %s: %w", name, err)))
			}
		}
		if request && i == 0 && inserts > 0 {
			rows, err := r.insertedRows(ctx, c, env, cr, tdb, name)
			if err != nil {
				return failed(setupOutcome(c, fmt.Errorf("insert into %s: %w", name, err)))
			}
			cr.main = rows
		}
		if len(in.Rows) > 0 && !boundInsert(in) {
			tn := sql.TableName{DB: tdb, Name: name}
			t, err := s.Table(tn)
			if err != nil {
				return failed(fail(c, "setup: %v", err))
			}
			rows, err := toBatch(t.Schema, ResolveRows(in.Rows, env), r.Loc)
			if err != nil {
				return failed(fail(c, "rows of %s: %v", name, err))
			}
			for k := 0; k < max(1, in.Repeat); k++ {
				switch {
				case request && i == 0:
					cr.main = appendBatch(cr.main, rows)
				case request:
					if err := s.InsertRows(tdb, name, batchRows(rows)); err != nil {
						return failed(setupOutcome(c, fmt.Errorf("rows of %s: %w", name, err)))
					}
				default:
					if err := s.AppendRows(tn, rows); err != nil {
						return failed(fail(c, "rows of %s: %v", name, err))
					}
				}
			}
		}
	}
	return cr, nil
}

// insertedRows runs the INSERT statements of a request-mode case's main
// table in a scratch instance and returns the rows they insert: like the
// input's rows, they are the requests (each answered, then stored).
func (r *Runner) insertedRows(ctx context.Context, c *Case, env Env, cr *caseRun, db, name string) (*types.Batch, error) {
	t, err := cr.s.Table(sql.TableName{DB: db, Name: name})
	if err != nil {
		return nil, err
	}
	scratch := &caseRun{c: c, s: session.New(session.NewInstance()), env: env, db: db, ctx: ctx}
	scratch.s.Loc = r.Loc
	var cols []string
	for _, f := range t.Schema {
		cols = append(cols, "`"+f.Name+"` "+f.Kind.String())
	}
	if _, err := scratch.exec("CREATE DATABASE IF NOT EXISTS `" + db + "`; USE `" + db + "`; CREATE TABLE `" + name + "` (" + strings.Join(cols, ", ") + ")"); err != nil {
		return nil, err
	}
	for _, ins := range insertTexts(c, c.Inputs[0], env) {
		if _, err := scratch.exec(ins); err != nil {
			return nil, err
		}
	}
	res, err := scratch.exec("SELECT * FROM `" + db + "`.`" + name + "`")
	if err != nil {
		return nil, err
	}
	return res.Rows, nil
}

// boundInsert reports whether an input's rows are the parameters of its
// INSERT ... VALUES (?, ...) (test_insert_prepared) rather than rows of their own.
func boundInsert(in *Table) bool {
	return len(in.Rows) > 0 && strings.Contains(in.Insert, "?") && len(in.Inserts) == 0
}

// insertTexts returns an input's INSERT statements, placeholders
// substituted; a prepared INSERT (boundInsert) is executed once per row, the
// row's values bound to its ? parameters in order.
func insertTexts(c *Case, in *Table, env Env) []string {
	var out []string
	if boundInsert(in) {
		text := Substitute(in.Insert, c, env)
		for _, row := range ResolveRows(in.Rows, env) {
			out = append(out, bindParams(text, row))
		}
		return out
	}
	for _, ins := range append([]string{in.Insert}, in.Inserts...) {
		if ins != "" {
			out = append(out, Substitute(ins, c, env))
		}
	}
	return out
}

// bindParams replaces the ? parameters of a statement (outside quotes) with
// the row's values as SQL literals, in order; extra ? are left as they are.
func bindParams(text string, row Row) string {
	var b strings.Builder
	var quote byte
	k := 0
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"' || ch == '`':
			quote = ch
		case ch == '?' && k < len(row):
			b.WriteString(sqlLiteral(row[k]))
			k++
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// sqlLiteral writes a case value (JSON: string, number, bool, null) as SQL.
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// appendBatch appends b's rows to a (nil: b itself).
func appendBatch(a, b *types.Batch) *types.Batch {
	if a == nil {
		return b
	}
	for i, c := range b.Cols {
		for r := 0; r < c.Len(); r++ {
			a.Cols[i].Append(c.Value(r))
		}
	}
	return a
}

func batchRows(b *types.Batch) [][]types.Value {
	out := make([][]types.Value, b.Len())
	for r := range out {
		out[r] = make([]types.Value, len(b.Cols))
		for i, c := range b.Cols {
			out[r][i] = c.Value(r)
		}
	}
	return out
}

// RunBatch runs a case in batch (offline) mode.
func (r *Runner) RunBatch(ctx context.Context, c *Case) (out Outcome) {
	out.Case = c
	defer func() {
		if p := recover(); p != nil {
			out.Status, out.Reason = Fail, fmt.Sprintf("panic: %v", p)
		}
	}()
	if reason := skipReason(c, "batch"); reason != "" {
		return skip(c, reason)
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cr, o := r.setup(ctx, c, false)
	if o != nil {
		return *o
	}
	env, exec := cr.env, cr.exec
	expect := &c.Expect
	if v, ok, err := c.ExpectVariant("unequalExpect.batch_expect"); err == nil && ok {
		expect = v
	}
	if c.RawFlags.LongWindow != "" && c.SQL != "" {
		// The deployment validates the long windows: what it refuses fails
		// the case in batch mode too.
		if _, err := cr.deployLong(Substitute(c.SQL, c, env)); err != nil {
			if isUnsupportedStatement(err) {
				return skipWith(c, SkipStatement, err)
			}
			return check(c, expect, nil, err)
		}
	}
	ran := false
	for _, st := range c.Statements(env) {
		if st.Setup || st.Teardown {
			continue
		}
		if strings.TrimSpace(st.Text) == "" {
			if st.UDFScript != "" && !ran {
				return skip(c, SkipNoSQL)
			}
			continue
		}
		ran = true
		res, err := exec(st.Text)
		if err != nil && isUnsupportedStatement(err) {
			return skipWith(c, SkipStatement, err)
		}
		if st.Expect != nil {
			exp := st.Expect
			if st.Expect == &c.Expect {
				exp = expect
			}
			if o := check(c, exp, res, err); o.Status != Pass {
				return o
			}
			continue
		}
		if err != nil {
			// An earlier statement of sqls failed: OpenMLDB stops there, and the
			// case passes only if it expected the failure.
			if !expect.Succeeds() {
				return Outcome{Case: c, Status: Pass}
			}
			return fail(c, "%v", err)
		}
		_ = res
	}
	if !ran {
		return skip(c, SkipNoSQL)
	}
	return Outcome{Case: c, Status: Pass}
}

func skip(c *Case, reason string) Outcome { return Outcome{Case: c, Status: Skip, Reason: reason} }

func skipWith(c *Case, reason string, err error) Outcome {
	return Outcome{Case: c, Status: Skip, Reason: reason + ": " + firstLine(err.Error())}
}

func fail(c *Case, format string, args ...any) Outcome {
	return Outcome{Case: c, Status: Fail, Reason: firstLine(fmt.Sprintf(format, args...))}
}

// setupOutcome: a case that expects failure may fail while setting up (bad DDL is often the point).
func setupOutcome(c *Case, err error) Outcome {
	if isUnsupportedStatement(err) {
		return skipWith(c, SkipStatement, err)
	}
	if !c.ExpectSuccess() {
		return Outcome{Case: c, Status: Pass}
	}
	return fail(c, "setup: %v", err)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

// isUnsupportedStatement tells a statement kind the session does not run
// (DEPLOY, SHOW JOBS, ...) from an unsupported feature inside a query.
func isUnsupportedStatement(err error) bool {
	var pe *planner.Error
	if !errors.As(err, &pe) || !errors.Is(err, planner.ErrUnsupported) {
		return errors.Is(err, session.ErrMode)
	}
	return strings.HasPrefix(pe.Msg, "statement ")
}

// createSQL builds the CREATE TABLE of an input given as columns and indexes.
func createSQL(db, name string, in *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE `%s`.`%s` (", db, name)
	notNull := map[string]bool{}
	for _, n := range in.NotNullColumns {
		notNull[n] = true
	}
	for i, col := range in.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "`%s` %s", col.Name, col.Type)
		if notNull[col.Name] {
			b.WriteString(" NOT NULL")
		}
	}
	for _, ix := range in.Indexes {
		fmt.Fprintf(&b, ", INDEX(KEY=(%s)", backquoteAll(ix.Keys))
		if ix.TS != "" {
			fmt.Fprintf(&b, ", TS=`%s`", ix.TS)
		}
		if ix.TTL != "" {
			fmt.Fprintf(&b, ", TTL=%s", ix.TTL)
		}
		if ix.TTLType != "" {
			fmt.Fprintf(&b, ", TTL_TYPE=%s", ix.TTLType)
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	if in.Storage != "" { // memory, SSD or HDD: SSD and HDD make a disk table
		fmt.Fprintf(&b, " OPTIONS(storage_mode='%s')", strings.ReplaceAll(in.Storage, "'", "''"))
	}
	return b.String()
}

func backquoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

// toBatch converts case rows to a batch of the table's kinds.
func toBatch(schema types.Schema, rows []Row, loc *time.Location) (*types.Batch, error) {
	b := &types.Batch{Schema: schema}
	for _, f := range schema {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, len(rows)))
	}
	for ri, row := range rows {
		if len(row) != len(schema) {
			return nil, fmt.Errorf("row %d has %d values, the table %d columns", ri+1, len(row), len(schema))
		}
		for ci, cell := range row {
			v, err := toValue(cell, schema[ci].Kind, loc)
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s: %w", ri+1, schema[ci].Name, err)
			}
			b.Cols[ci].Append(v)
		}
	}
	return b, nil
}

// toValue converts one JSON cell to a value of kind k.
func toValue(cell any, k types.Kind, loc *time.Location) (types.Value, error) {
	if cell == nil {
		return types.NullOf(k), nil
	}
	switch x := cell.(type) {
	case json.Number:
		switch k {
		case types.Float, types.Double:
			f, err := x.Float64()
			if err != nil {
				return types.Value{}, err
			}
			if k == types.Float {
				f = float64(float32(f))
			}
			return types.Value{Kind: k, F: f}, nil
		case types.String:
			return types.StringValue(x.String()), nil
		case types.Bool:
			return types.BoolValue(x.String() != "0"), nil
		}
		n, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil {
			f, ferr := x.Float64()
			if ferr != nil {
				return types.Value{}, err
			}
			n = int64(f)
		}
		return types.Value{Kind: k, I: n}, nil
	case bool:
		switch k {
		case types.Bool:
			return types.BoolValue(x), nil
		case types.String:
			return types.StringValue(strconv.FormatBool(x)), nil
		}
		return types.Value{Kind: k, I: map[bool]int64{true: 1}[x]}, nil
	case string:
		switch k {
		case types.String:
			return types.StringValue(x), nil
		case types.Float, types.Double:
			f, err := parseFloatSpecial(x)
			if err != nil {
				return types.Value{}, err
			}
			return types.Value{Kind: k, F: f}, nil
		case types.Date:
			t, err := time.Parse("2006-1-2", x)
			if err != nil {
				return types.Value{}, err
			}
			return types.DateValue(t.Unix() / 86400), nil
		case types.Timestamp:
			if t, err := time.ParseInLocation("2006-01-02 15:04:05", x, loc); err == nil {
				return types.TimestampValue(t.UnixMilli()), nil
			}
		case types.Bool:
			return types.BoolValue(strings.EqualFold(x, "true")), nil
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return types.Value{}, fmt.Errorf("cannot read %q as %s", x, k)
		}
		return types.Value{Kind: k, I: n}, nil
	}
	return types.Value{}, fmt.Errorf("unexpected cell %v (%T)", cell, cell)
}

func parseFloatSpecial(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity", "Inf", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity", "-Inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// check compares a statement's result with an expectation.
func check(c *Case, e *Expect, res *session.Result, err error) Outcome {
	if !e.Succeeds() {
		if err != nil {
			return Outcome{Case: c, Status: Pass}
		}
		return fail(c, "expected an error, the statement succeeded")
	}
	if err != nil {
		return fail(c, "%v", err)
	}
	if e.Count != nil {
		n := 0
		if res != nil && res.Rows != nil {
			n = res.Rows.Len()
		}
		if n != *e.Count {
			return fail(c, "expected %d rows, got %d", *e.Count, n)
		}
	}
	if e.Columns == nil && e.Rows == nil {
		return Outcome{Case: c, Status: Pass}
	}
	if res == nil || res.Rows == nil {
		return fail(c, "expected rows, the statement returned none")
	}
	if e.Columns != nil {
		if len(e.Columns) != len(res.Schema) {
			return fail(c, "expected %d columns, got %d (%s)", len(e.Columns), len(res.Schema), schemaText(res.Schema))
		}
		for i, col := range e.Columns {
			f := res.Schema[i]
			if !strings.EqualFold(col.Name, f.Name) {
				return fail(c, "column %d: expected name %s, got %s", i+1, col.Name, f.Name)
			}
			if col.Type != "" && normType(col.Type) != f.Kind.String() {
				return fail(c, "column %s: expected type %s, got %s", f.Name, col.Type, f.Kind)
			}
		}
	}
	if e.Rows == nil {
		return Outcome{Case: c, Status: Pass}
	}
	got := res.Rows
	if len(e.Rows) != got.Len() {
		return fail(c, "expected %d rows, got %d", len(e.Rows), got.Len())
	}
	gotRows := make([][]types.Value, got.Len())
	for r := range gotRows {
		gotRows[r] = make([]types.Value, len(got.Cols))
		for ci, col := range got.Cols {
			gotRows[r][ci] = col.Value(r)
		}
	}
	want := e.Rows
	if e.Order != "" {
		oi := res.Schema.Index(e.Order)
		if oi < 0 {
			return fail(c, "order column %s is not in the result", e.Order)
		}
		sort.SliceStable(gotRows, func(a, b int) bool { return lessValue(gotRows[a][oi], gotRows[b][oi]) })
		want = append([]Row(nil), want...)
		sort.SliceStable(want, func(a, b int) bool { return lessCell(want[a][oi], want[b][oi]) })
	}
	for r, row := range want {
		if len(row) != len(gotRows[r]) {
			return fail(c, "row %d: expected %d values, got %d", r+1, len(row), len(gotRows[r]))
		}
		for ci, cell := range row {
			if !cellEqual(cell, gotRows[r][ci]) {
				return fail(c, "row %d, column %s: expected %v, got %s", r+1, res.Schema[ci].Name, cellText(cell), gotRows[r][ci])
			}
		}
	}
	return Outcome{Case: c, Status: Pass}
}

func schemaText(s types.Schema) string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.Name + " " + f.Kind.String()
	}
	return strings.Join(parts, ", ")
}

func normType(t string) string {
	if k, ok := types.LookupKind(strings.TrimSpace(t)); ok {
		return k.String()
	}
	return strings.ToLower(t)
}

func cellText(cell any) string {
	if cell == nil {
		return "NULL"
	}
	return fmt.Sprint(cell)
}

// cellEqual compares an expected JSON cell with a value: doubles within 1e-9 relative.
func cellEqual(cell any, v types.Value) bool {
	if cell == nil {
		return v.Null
	}
	if v.Null {
		return false
	}
	switch v.Kind {
	case types.Float, types.Double:
		var want float64
		switch x := cell.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return false
			}
			want = f
		case string:
			f, err := parseFloatSpecial(x)
			if err != nil {
				return false
			}
			want = f
		default:
			return false
		}
		if v.Kind == types.Float {
			// A float column is compared at float32 precision.
			return float32(want) == float32(v.F) || floatClose(float64(float32(want)), v.F) || float32Close(want, v.F)
		}
		return floatClose(want, v.F)
	case types.Bool:
		switch x := cell.(type) {
		case bool:
			return x == (v.I != 0)
		case json.Number:
			return (x.String() != "0") == (v.I != 0)
		case string:
			return strings.EqualFold(x, strconv.FormatBool(v.I != 0))
		}
		return false
	case types.String:
		switch x := cell.(type) {
		case string:
			return x == v.S
		case json.Number:
			return x.String() == v.S
		case bool:
			return strconv.FormatBool(x) == v.S
		}
		return false
	case types.Date:
		s, ok := cell.(string)
		return ok && s == v.String()
	}
	switch x := cell.(type) {
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		return err == nil && n == v.I
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return err == nil && n == v.I
	case bool:
		return map[bool]int64{true: 1}[x] == v.I
	}
	return false
}

func floatClose(a, b float64) bool {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.IsNaN(a) && math.IsNaN(b)
	case math.IsInf(a, 0) || math.IsInf(b, 0):
		return a == b
	case a == b:
		return true
	}
	d := math.Abs(a - b)
	return d <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) || d < 1e-12
}

// float32Close compares within float32's precision (about 6e-8 relative).
func float32Close(a, b float64) bool {
	d := math.Abs(a - b)
	return d <= 1e-6*math.Max(math.Abs(a), math.Abs(b))
}

func lessValue(a, b types.Value) bool {
	switch {
	case a.Null:
		return !b.Null
	case b.Null:
		return false
	}
	return types.Compare(a, b) < 0
}

func lessCell(a, b any) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	}
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		af, _ := an.Float64()
		bf, _ := bn.Float64()
		return af < bf
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

// RunRequest runs a case in request mode, the way OpenMLDB's request runner
// does: the query is compiled for request mode, then each row of the main
// table (the first input), in insertion order, is sent as a request against
// a store holding the rows inserted before it, and inserted after its answer.
// The other inputs are stored first.
func (r *Runner) RunRequest(ctx context.Context, c *Case) (out Outcome) {
	out.Case = c
	defer func() {
		if p := recover(); p != nil {
			out.Status, out.Reason = Fail, fmt.Sprintf("panic: %v", p)
		}
	}()
	if reason := skipReason(c, "request"); reason != "" {
		return skip(c, reason)
	}
	var queries []Statement
	for _, st := range c.Statements(r.Env) {
		if !st.Setup && !st.Teardown {
			queries = append(queries, st)
		}
	}
	// Statements before the query (sqls, then sql: DELETEs) change the
	// tables first; the main table's rows that remain are the requests.
	var pre []string
	if len(queries) > 1 && queries[len(queries)-1].Source == "sql" {
		for _, st := range queries[:len(queries)-1] {
			var i int
			if _, err := fmt.Sscanf(st.Source, "sqls[%d]", &i); err != nil || i >= len(c.SQLs) || isQueryText(st.Text) {
				pre = nil
				break
			}
			pre = append(pre, c.SQLs[i])
		}
		if pre != nil {
			queries = queries[len(queries)-1:]
		}
	}
	if len(queries) != 1 || len(c.Inputs) == 0 {
		return skip(c, SkipStatement+": request mode runs a single query over the case's tables")
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cr, o := r.setup(ctx, c, true)
	if o != nil {
		return *o
	}
	if len(pre) > 0 {
		// The whole case as batch mode sets it up, changed by pre: its main
		// table's rows, in arrival order, are the requests.
		all, o := r.setup(ctx, c, false)
		if o != nil {
			return *o
		}
		for _, text := range pre {
			if _, err := all.exec(Substitute(text, c, all.env)); err != nil {
				return check(c, &c.Expect, nil, err)
			}
			if _, err := cr.exec(Substitute(text, c, cr.env)); err != nil {
				return check(c, &c.Expect, nil, err)
			}
		}
		mdb := all.db
		if c.Inputs[0].DB != "" {
			mdb = c.Inputs[0].DB
		}
		res, err := all.exec("SELECT * FROM `" + mdb + "`.`" + c.TableName(0) + "`")
		if err != nil {
			return fail(c, "reading the requests: %v", err)
		}
		cr.main = res.Rows
	}
	expect := &c.Expect
	if v, ok, err := c.ExpectVariant("unequalExpect.request_expect"); err == nil && ok {
		expect = v
	}
	text := Substitute(c.SQL, c, cr.env)
	pr := sql.ParseScript(text)
	if len(pr) != 1 {
		return skip(c, SkipStatement+": request mode runs one statement")
	}
	if pr[0].Err != nil {
		return check(c, expect, nil, pr[0].Err)
	}
	q, ok := pr[0].Stmt.(sql.Query)
	if !ok {
		return skip(c, SkipStatement+": not a query")
	}
	var dep *online.Deployment
	var err error
	if c.RawFlags.LongWindow != "" {
		dep, err = cr.deployLong(text)
	} else {
		dep, err = cr.s.PrepareRequest(q)
		if err != nil && strings.Contains(err.Error(), "(DEPLOY creates it)") {
			// OpenMLDB's request runner deploys the query, which creates the
			// indexes its windows and joins need.
			dep, err = cr.deploy(text, "")
		}
	}
	if err != nil {
		return check(c, expect, nil, err)
	}
	mainName := c.TableName(0)
	if !strings.EqualFold(dep.MainTable().Name, mainName) {
		return fail(c, "the query's main table is %s, the case's first input %s", dep.MainTable().Name, mainName)
	}
	res := &types.Batch{Schema: dep.Schema()}
	for _, f := range res.Schema {
		res.Cols = append(res.Cols, types.NewColumn(f.Kind, 0))
	}
	now := r.Env.Now.UnixMilli()
	if cr.main != nil {
		for _, row := range batchRows(cr.main) {
			got, err := dep.Request(row, now)
			if err != nil {
				return check(c, expect, nil, err)
			}
			for i, v := range got {
				res.Cols[i].Append(v)
			}
			if err := cr.s.InsertRows(dep.MainTable().DB, mainName, [][]types.Value{row}); err != nil {
				return fail(c, "storing request row: %v", err)
			}
		}
	}
	return check(c, expect, &session.Result{Schema: res.Schema, Rows: res}, nil)
}

// isQueryText reports whether a statement text is a SELECT (or WITH) query.
func isQueryText(text string) bool {
	t := strings.ToLower(strings.TrimLeft(text, " \t\r\n("))
	return strings.HasPrefix(t, "select") || strings.HasPrefix(t, "with")
}

// RunAll runs cases on every core with run (RunBatch or RunRequest) and
// returns their outcomes in the cases' order.
func RunAll(ctx context.Context, cases []*Case, run func(context.Context, *Case) Outcome) []Outcome {
	out := make([]Outcome, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = run(ctx, cases[i])
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
