package expr

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// The conformance harness runs the OpenMLDB cases that are pure expression
// tests: SELECT <exprs> [FROM t] with no WHERE/GROUP BY/WINDOW/ORDER BY/LIMIT,
// plus "FROM t1 LAST JOIN t2 ON t1.k = t2.k" (the type-matrix cases join two
// one-row tables to get operands of every kind). Inputs are decoded from
// the JSONL, bound with the test binder, evaluated row by row and compared
// with the expected rows. Cases OpenMLDB itself tags TODO are counted apart.

const casesPath = "../../testdata/conformance/cases.jsonl"

type confCase struct {
	ID       string          `json:"id"`
	Category string          `json:"category"`
	SQL      string          `json:"sql"`
	SQLs     []string        `json:"sqls"`
	Steps    json.RawMessage `json:"steps"`
	Inputs   []confTable     `json:"inputs"`
	Expect   confExpect      `json:"expect"`
	Tags     []string        `json:"tags"`
}

type confTable struct {
	Name    string              `json:"name"`
	Columns [][]string          `json:"columns"`
	Rows    [][]json.RawMessage `json:"rows"`
	Repeat  int                 `json:"repeat"`
	Create  string              `json:"create"`
	Insert  string              `json:"insert"`
	Inserts []string            `json:"inserts"`
}

type confExpect struct {
	Success     *bool               `json:"success"`
	Columns     [][]string          `json:"columns"`
	Rows        [][]json.RawMessage `json:"rows"`
	Order       *string             `json:"order"`
	Count       *int                `json:"count"`
	Unspecified bool                `json:"unspecified"`
}

type outcome int

const (
	skip outcome = iota
	pass
	fail
)

var aggregateNames = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "distinct_count": true,
	"count_where": true, "sum_where": true, "avg_where": true, "min_where": true, "max_where": true,
	"lag": true, "first_value": true, "last_value": true, "at": true, "top": true, "topn_frequency": true,
	"fz_topn_frequency": true, "median": true, "std": true, "stddev": true, "variance": true,
	"drawdown": true, "ew_avg": true, "avg_cate": true, "count_cate": true, "sum_cate": true,
	"window_split": true, "split": true, "split_by_key": true, "split_by_value": true, "fz_split": true,
}

type tableData struct {
	name   string
	schema types.Schema
	batch  *types.Batch
}

func loadTable(t confTable, name string) (*tableData, error) {
	if t.Create != "" || t.Insert != "" || len(t.Inserts) > 0 {
		return nil, fmt.Errorf("raw SQL inputs")
	}
	if t.Repeat > 1 {
		return nil, fmt.Errorf("repeat")
	}
	td := &tableData{name: name, batch: &types.Batch{}}
	for _, c := range t.Columns {
		if len(c) < 2 {
			return nil, fmt.Errorf("column without type")
		}
		k, ok := types.LookupKind(c[1])
		if !ok {
			return nil, fmt.Errorf("column type %s", c[1])
		}
		td.schema = append(td.schema, types.Field{Name: c[0], Kind: k})
		td.batch.Cols = append(td.batch.Cols, types.NewColumn(k, len(t.Rows)))
	}
	td.batch.Schema = td.schema
	for _, row := range t.Rows {
		if len(row) != len(td.schema) {
			return nil, fmt.Errorf("row width")
		}
		for i, cell := range row {
			v, err := decodeCell(cell, td.schema[i].Kind)
			if err != nil {
				return nil, err
			}
			if v.Kind == types.String && !v.Null {
				v.S = unescapeInsert(v.S)
			}
			td.batch.Cols[i].Append(v)
		}
	}
	return td, nil
}

func decodeCell(raw json.RawMessage, k types.Kind) (types.Value, error) {
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return types.NullOf(k), nil
	}
	switch k {
	case types.Bool:
		switch s {
		case "true":
			return types.BoolValue(true), nil
		case "false":
			return types.BoolValue(false), nil
		}
	case types.Int16, types.Int32, types.Int64, types.Timestamp:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return types.Value{}, fmt.Errorf("cell %s for %s", s, k)
		}
		return types.Value{Kind: k, I: i}, nil
	case types.Float, types.Double:
		var f float64
		switch s {
		case `"NaN"`:
			f = math.NaN()
		case `"Infinity"`:
			f = math.Inf(1)
		case `"-Infinity"`:
			f = math.Inf(-1)
		default:
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return types.Value{}, fmt.Errorf("cell %s for %s", s, k)
			}
		}
		if k == types.Float {
			f = float64(float32(f))
		}
		return types.Value{Kind: k, F: f}, nil
	case types.String:
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return types.Value{}, err
		}
		return types.StringValue(str), nil
	case types.Date:
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return types.Value{}, err
		}
		var y, m, d int
		if n, err := fmt.Sscanf(str, "%d-%d-%d", &y, &m, &d); err != nil || n != 3 || !validCivil(y, m, d) {
			return types.Value{}, fmt.Errorf("date %q", str)
		}
		return types.DateValue(daysFromCivil(y, m, d)), nil
	}
	return types.Value{}, fmt.Errorf("cell %s for %s", s, k)
}

// unescapeInsert undoes the backslash escapes a string cell goes through
// when OpenMLDB's runner inserts it with an INSERT statement (\x is x).
func unescapeInsert(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// substTables replaces {i} with the input names.
func substTables(q string, names []string) string {
	for i, n := range names {
		q = strings.ReplaceAll(q, "{"+strconv.Itoa(i)+"}", n)
	}
	return q
}

type caseRun struct {
	res    outcome
	reason string
}

// skippedCategories hold projections whose expectations are not about
// expressions: TTL expiry, and the YAML-format demos (deliberately
// inconsistent, says FORMAT.md).
var skippedCategories = map[string]bool{
	"function/data_expiration": true, "integration_test/data_expiration": true, "yaml": true,
}

// joinCategories are where the LAST JOIN shape is only a way to get
// operands (one row per table); elsewhere joins are exec's business.
func joinCategory(cat string) bool {
	return strings.HasSuffix(cat, "/expression") || strings.HasSuffix(cat, "/function")
}

func runCase(c *confCase, env *Env) caseRun {
	if c.SQL == "" || len(c.SQLs) > 0 || len(c.Steps) > 0 {
		return caseRun{skip, "not a single statement"}
	}
	if skippedCategories[c.Category] {
		return caseRun{skip, "category"}
	}
	names := make([]string, len(c.Inputs))
	for i, in := range c.Inputs {
		names[i] = in.Name
		if strings.HasPrefix(in.Name, "{") {
			names[i] = "auto_t" + strconv.Itoa(i)
		}
	}
	q := substTables(c.SQL, names)
	if strings.Contains(q, "{") && !strings.Contains(q, "'") && !strings.Contains(q, `"`) {
		return caseRun{skip, "placeholders"}
	}
	st, err := sql.ParseOne(q)
	if err != nil {
		if c.Expect.Success != nil && !*c.Expect.Success && joinCategory(c.Category) {
			return caseRun{pass, "rejected by the parser"}
		}
		return caseRun{skip, "parse: " + err.Error()}
	}
	sel, ok := st.(*sql.Select)
	if !ok || sel.Where != nil || len(sel.GroupBy) > 0 || sel.Having != nil || len(sel.Windows) > 0 ||
		len(sel.OrderBy) > 0 || sel.Limit != nil || sel.Distinct || len(sel.With) > 0 || sel.Into != nil {
		return caseRun{skip, "not a projection"}
	}
	for _, f := range sel.Fields {
		if _, star := f.Expr.(*sql.Star); star {
			return caseRun{skip, "star"}
		}
		if hasAggregate(f.Expr) {
			return caseRun{skip, "aggregate or window"}
		}
	}
	// Inputs and the row source.
	tables := map[string]*tableData{}
	for i, in := range c.Inputs {
		td, err := loadTable(in, names[i])
		if err != nil {
			return caseRun{skip, "input: " + err.Error()}
		}
		tables[strings.ToLower(names[i])] = td
	}
	if _, isJoin := sel.From.(*sql.Join); isJoin && !joinCategory(c.Category) {
		return caseRun{skip, "join"}
	}
	if hasParam(sel) {
		return caseRun{skip, "parameters"}
	}
	src, reason := rowSource(sel.From, tables, env)
	if src == nil {
		return caseRun{skip, reason}
	}
	bd := &binder{env: env}
	for _, s := range src.parts {
		for _, f := range s.schema {
			bd.cols = append(bd.cols, bcol{table: s.name, name: f.Name, kind: f.Kind})
		}
	}
	wantOK := c.Expect.Success == nil || *c.Expect.Success
	var evs []Evaluator
	var kinds []types.Kind
	for _, f := range sel.Fields {
		e, err := bd.bind(f.Expr)
		if err == nil {
			var ev Evaluator
			if ev, err = Compile(e, env); err == nil {
				evs = append(evs, ev)
				kinds = append(kinds, e.Kind())
				continue
			}
		}
		if wantOK {
			return caseRun{fail, fmt.Sprintf("bind %s: %v", f.Expr, err)}
		}
		return caseRun{pass, ""}
	}
	if !wantOK {
		return caseRun{fail, "expected an error, got none"}
	}
	// Evaluate.
	var got [][]types.Value
	for r := 0; r < src.batch.Len() || (len(src.parts) == 0 && r == 0); r++ {
		row := make([]types.Value, len(evs))
		for i, ev := range evs {
			row[i] = ev.Eval(src.batch, r)
		}
		got = append(got, row)
	}
	if c.Expect.Unspecified {
		return caseRun{pass, ""}
	}
	if c.Expect.Count != nil && c.Expect.Rows == nil {
		if *c.Expect.Count != len(got) {
			return caseRun{fail, fmt.Sprintf("count %d, want %d", len(got), *c.Expect.Count)}
		}
		return caseRun{pass, ""}
	}
	if c.Expect.Columns != nil {
		if len(c.Expect.Columns) != len(kinds) {
			return caseRun{fail, fmt.Sprintf("%d columns, want %d", len(kinds), len(c.Expect.Columns))}
		}
		for i, col := range c.Expect.Columns {
			if len(col) < 2 {
				continue
			}
			wk, ok := types.LookupKind(col[1])
			if ok && kinds[i] != types.Null && kinds[i] != wk {
				return caseRun{fail, fmt.Sprintf("column %d (%s) is %s, want %s", i+1, sel.Fields[i].Expr, kinds[i], wk)}
			}
		}
	}
	if c.Expect.Rows == nil {
		return caseRun{pass, ""}
	}
	want := c.Expect.Rows
	if len(want) != len(got) {
		return caseRun{fail, fmt.Sprintf("%d rows, want %d", len(got), len(want))}
	}
	if c.Expect.Order != nil && c.Expect.Columns != nil {
		idx := -1
		for i, col := range c.Expect.Columns {
			if strings.EqualFold(col[0], *c.Expect.Order) {
				idx = i
			}
		}
		if idx >= 0 {
			sort.SliceStable(got, func(a, b int) bool { return lessValue(got[a][idx], got[b][idx]) })
			wk := kinds[idx]
			sort.SliceStable(want, func(a, b int) bool {
				x, _ := decodeCell(want[a][idx], wk)
				y, _ := decodeCell(want[b][idx], wk)
				return lessValue(x, y)
			})
		}
	}
	for r := range want {
		if len(want[r]) != len(got[r]) {
			return caseRun{fail, fmt.Sprintf("row %d has %d values, want %d", r, len(got[r]), len(want[r]))}
		}
		for i, cell := range want[r] {
			if !matchCell(got[r][i], cell) {
				return caseRun{fail, fmt.Sprintf("row %d column %d (%s): got %s, want %s", r, i+1, sel.Fields[i].Expr, show(got[r][i]), string(cell))}
			}
		}
	}
	return caseRun{pass, ""}
}

func lessValue(a, b types.Value) bool {
	if a.Null || b.Null {
		return a.Null && !b.Null
	}
	return types.Compare(a, b) < 0
}

func show(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	if v.Kind == types.String {
		return strconv.Quote(v.S)
	}
	return v.Kind.String() + " " + v.String()
}

func matchCell(v types.Value, raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return v.Null
	}
	if v.Null {
		return false
	}
	switch v.Kind {
	case types.Bool:
		return s == strconv.FormatBool(v.I != 0)
	case types.Int16, types.Int32, types.Int64, types.Timestamp:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			return ferr == nil && f == float64(v.I)
		}
		return i == v.I
	case types.Float, types.Double:
		w, err := decodeCell(raw, v.Kind)
		if err != nil {
			return false
		}
		return floatClose(v.F, w.F, v.Kind == types.Float)
	case types.String:
		var str string
		return json.Unmarshal(raw, &str) == nil && str == v.S
	case types.Date:
		w, err := decodeCell(raw, types.Date)
		return err == nil && w.I == v.I
	}
	return false
}

// floatClose compares with the tolerance libm differences need (the C++
// runtime and Go's math package may differ in the last bits).
func floatClose(got, want float64, f32 bool) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if got == want {
		return true
	}
	tol := 1e-12
	if f32 {
		tol = 1e-6
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

func hasParam(sel *sql.Select) bool {
	return strings.Contains(sql.Format(sel), "?")
}

func hasAggregate(e sql.Expr) bool {
	found := false
	var walk func(sql.Expr)
	walk = func(e sql.Expr) {
		if found || e == nil {
			return
		}
		switch e := e.(type) {
		case *sql.Call:
			if e.Over != nil || aggregateNames[e.Name] {
				found = true
				return
			}
			for _, a := range e.Args {
				walk(a)
			}
		case *sql.Unary:
			walk(e.X)
		case *sql.Binary:
			walk(e.L)
			walk(e.R)
		case *sql.IsNull:
			walk(e.X)
		case *sql.IsBool:
			walk(e.X)
		case *sql.In:
			walk(e.X)
			for _, a := range e.List {
				walk(a)
			}
		case *sql.Between:
			walk(e.X)
			walk(e.Lo)
			walk(e.Hi)
		case *sql.Like:
			walk(e.X)
			walk(e.Pattern)
		case *sql.Case:
			walk(e.Operand)
			for _, w := range e.Whens {
				walk(w.Cond)
				walk(w.Result)
			}
			walk(e.Else)
		case *sql.Cast:
			walk(e.X)
		case *sql.Subquery:
			found = true
		}
	}
	walk(e)
	return found
}

// source is the batch a case's expressions read: one table, or a LAST JOIN
// of two flattened into one batch (left columns, then right columns).
type source struct {
	parts []*tableData
	batch *types.Batch
}

func rowSource(from sql.TableExpr, tables map[string]*tableData, env *Env) (*source, string) {
	switch f := from.(type) {
	case nil:
		return &source{batch: &types.Batch{}}, ""
	case *sql.TableRef:
		td := tables[strings.ToLower(f.Name.Name)]
		if td == nil {
			return nil, "unknown table " + f.Name.Name
		}
		return &source{parts: []*tableData{td}, batch: td.batch}, ""
	case *sql.Join:
		if f.Kind != sql.JoinLast {
			return nil, "join"
		}
		lt, lok := f.Left.(*sql.TableRef)
		rt, rok := f.Right.(*sql.TableRef)
		if !lok || !rok || lt.Alias != "" || rt.Alias != "" {
			return nil, "join shape"
		}
		l, r := tables[strings.ToLower(lt.Name.Name)], tables[strings.ToLower(rt.Name.Name)]
		if l == nil || r == nil {
			return nil, "unknown join table"
		}
		// Evaluate ON over every (left, right) pair, then keep for each left
		// row the matching right row that is last by ORDER BY (ties and no
		// ORDER BY: the last inserted).
		cross := &types.Batch{}
		for _, fd := range l.schema {
			cross.Cols = append(cross.Cols, types.NewColumn(fd.Kind, 0))
		}
		for _, fd := range r.schema {
			cross.Cols = append(cross.Cols, types.NewColumn(fd.Kind, 0))
		}
		for lr := 0; lr < l.batch.Len(); lr++ {
			for rr := 0; rr < r.batch.Len(); rr++ {
				for i := range l.schema {
					cross.Cols[i].Append(l.batch.Cols[i].Value(lr))
				}
				for i := range r.schema {
					cross.Cols[len(l.schema)+i].Append(r.batch.Cols[i].Value(rr))
				}
			}
		}
		bd := &binder{env: env}
		for _, s := range []*tableData{l, r} {
			for _, fd := range s.schema {
				bd.cols = append(bd.cols, bcol{table: s.name, name: fd.Name, kind: fd.Kind})
			}
		}
		on, err := bd.bind(f.On)
		if err != nil {
			return nil, "join condition: " + err.Error()
		}
		onEv, err := Compile(on, env)
		if err != nil {
			return nil, "join condition: " + err.Error()
		}
		orderIdx := -1
		if oc, ok := f.OrderBy.(*sql.ColumnRef); ok {
			orderIdx = r.schema.Index(oc.Name)
		}
		out := &types.Batch{}
		for _, c := range cross.Cols {
			out.Cols = append(out.Cols, types.NewColumn(c.Kind, l.batch.Len()))
		}
		nr := r.batch.Len()
		for lr := 0; lr < l.batch.Len(); lr++ {
			match := -1
			for rr := 0; rr < nr; rr++ {
				v := onEv.Eval(cross, lr*nr+rr)
				if v.Null || !truthOf(v.Kind)(v) {
					continue
				}
				if match < 0 || orderIdx < 0 || !lessValue(r.batch.Cols[orderIdx].Value(rr), r.batch.Cols[orderIdx].Value(match)) {
					match = rr
				}
			}
			for i := range l.schema {
				out.Cols[i].Append(l.batch.Cols[i].Value(lr))
			}
			for i, fd := range r.schema {
				v := types.NullOf(fd.Kind)
				if match >= 0 {
					v = r.batch.Cols[i].Value(match)
				}
				out.Cols[len(l.schema)+i].Append(v)
			}
		}
		return &source{parts: []*tableData{l, r}, batch: out}, ""
	}
	return nil, "from shape"
}

type tally struct{ pass, fail, todoPass, todoFail int }

func TestConformanceExpressions(t *testing.T) {
	f, err := os.Open(casesPath)
	if err != nil {
		t.Skipf("conformance corpus: %v", err)
	}
	defer f.Close()
	env := &Env{Loc: time.FixedZone("+08:00", 8*3600)}
	byCat := map[string]*tally{}
	var failures []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var c confCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("decode: %v", err)
		}
		r := runCase(&c, env)
		if r.res == skip {
			continue
		}
		todo := false
		for _, tag := range c.Tags {
			if strings.EqualFold(tag, "todo") {
				todo = true
			}
		}
		ty := byCat[c.Category]
		if ty == nil {
			ty = &tally{}
			byCat[c.Category] = ty
		}
		switch {
		case todo && r.res == pass:
			ty.todoPass++
		case todo:
			ty.todoFail++
		case r.res == pass:
			ty.pass++
		default:
			ty.fail++
			failures = append(failures, c.ID+": "+r.reason)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cats := make([]string, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	total := tally{}
	for _, c := range cats {
		ty := byCat[c]
		t.Logf("%-34s %4d passed %4d failed   (TODO-tagged: %d passed, %d failed)", c, ty.pass, ty.fail, ty.todoPass, ty.todoFail)
		total.pass += ty.pass
		total.fail += ty.fail
		total.todoPass += ty.todoPass
		total.todoFail += ty.todoFail
	}
	t.Logf("%-34s %4d passed %4d failed   (TODO-tagged: %d passed, %d failed)", "total", total.pass, total.fail, total.todoPass, total.todoFail)
	if os.Getenv("CONFORMANCE_VERBOSE") != "" {
		for _, f := range failures {
			t.Log("FAIL " + f)
		}
	}
	if total.pass < minConformancePass {
		t.Errorf("%d conformance cases passed, fewer than the %d this package has reached", total.pass, minConformancePass)
	}
}

// minConformancePass guards against regressions; raise it as cases are fixed.
const minConformancePass = 1950
