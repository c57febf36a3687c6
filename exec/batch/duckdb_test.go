package batch_test

// TestDifferentialDuckDB checks the batch engine's window aggregates against DuckDB on random
// tables and random windows.
//
// Every table has an id column (= seq, the row's arrival order) and is loaded in the same order into
// Sundial (Session.AppendRows) and DuckDB (an appender). For each random query, Sundial runs its
// OpenMLDB SQL and DuckDB runs two standard-SQL formulations, compared per row (joined on id):
// integers exactly, doubles within 1e-9 relative (plus an absolute floor scaled to the data, for
// sums that cancel to about zero).
//
//   - exact: the frame SEMANTICS.md §2–3 defines, expressed in DuckDB. ROWS frames order by
//     (ts, seq). ROWS_RANGE frames order by a unique key = (ts - min ts)·2^20 + seq with per-row
//     RANGE offsets: ts_s >= ts_r - d  ⇔  key_r - key_s <= d·2^20 + seq_r, so a row with the current
//     row's ts and a larger seq is never in the frame, and one with a smaller seq always is (when the
//     frame reaches the current row). MAXSIZE k is a second ROWS frame over the k latest rows of the
//     range frame (its size counted in a first pass). EXCLUDE CURRENT_TIME (ROWS_RANGE) is
//     ORDER BY ts ... EXCLUDE TIES (GROUP with EXCLUDE CURRENT_ROW). Every row must agree.
//   - standard: what a user would write, ORDER BY ts RANGE BETWEEN INTERVAL ... PRECEDING (a plain
//     integer offset for a bigint ts), for ROWS_RANGE frames without MAXSIZE or EXCLUDE
//     CURRENT_TIME. Standard RANGE puts every peer (same ts) of the current row in the frame,
//     Sundial only the earlier-arrived ones: rows that have a later peer may differ, every other row
//     must agree, and every differing row must have a later peer.
//
// A disagreement is shrunk (rows removed while it persists) and printed as a self-contained
// Sundial script plus the DuckDB query.
//
// go test ./exec/batch -run DifferentialDuckDB -v -duckdb.queries=2000 runs more; -duckdb.seed=0
// draws a seed from the clock (logged, so a failure can be replayed with -duckdb.seed=S).

import (
	"context"
	gosql "database/sql"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

var (
	flagDuckQueries = flag.Int("duckdb.queries", 800, "TestDifferentialDuckDB: number of random queries")
	flagDuckSeed    = flag.Int64("duckdb.seed", 1, "TestDifferentialDuckDB: random seed (0: from the clock)")
)

// keyShift: key = (ts - min ts) << keyShift + seq; tables hold fewer than 1<<keyShift rows.
const keyShift = 20

// ---------------------------------------------------------------------------
// Random tables

type dcol struct {
	name  string
	kind  types.Kind
	nullP float64
	card  int     // keys: number of distinct values
	scale float64 // values: magnitude
}

type dtable struct {
	cols   []dcol // cols[0] is id, then keys, ts, values
	keys   []int  // indices into cols of the partition-key columns
	ts     int    // index of the ts column
	vals   []int  // indices of the value columns
	gran   int64  // ts granularity (ms or integer units)
	spread int64  // number of distinct ts slots
	rows   [][]types.Value
}

func (t *dtable) schema() types.Schema {
	s := make(types.Schema, len(t.cols))
	for i, c := range t.cols {
		s[i] = types.Field{Name: c.name, Kind: c.kind}
	}
	return s
}

func (t *dtable) tsKind() types.Kind { return t.cols[t.ts].kind }

func randTable(r *rand.Rand) *dtable {
	t := &dtable{}
	t.cols = append(t.cols, dcol{name: "id", kind: types.Int64})
	nkeys := 1
	if r.IntN(4) == 0 {
		nkeys = 2
	}
	for i := range nkeys {
		kinds := []types.Kind{types.String, types.Int32, types.Int64}
		c := dcol{name: fmt.Sprintf("k%d", i+1), kind: kinds[r.IntN(len(kinds))], card: 1 + r.IntN(5)}
		if r.IntN(3) == 0 {
			c.nullP = 0.05
		}
		t.keys = append(t.keys, len(t.cols))
		t.cols = append(t.cols, c)
	}
	tk := types.Timestamp
	if r.IntN(3) == 0 {
		tk = types.Int64
	}
	t.ts = len(t.cols)
	t.cols = append(t.cols, dcol{name: "ts", kind: tk})
	if tk == types.Timestamp {
		t.gran = []int64{1, 1000, 60_000, 3_600_000, 86_400_000}[r.IntN(5)]
	} else {
		t.gran = []int64{1, 1, 7}[r.IntN(3)]
	}
	nvals := 1 + r.IntN(4)
	for i := range nvals {
		kinds := []types.Kind{types.Int16, types.Int32, types.Int64, types.Double, types.Double, types.String}
		c := dcol{name: fmt.Sprintf("v%d", i), kind: kinds[r.IntN(len(kinds))]}
		c.nullP = []float64{0, 0, 0.1, 0.5, 0.95, 1}[r.IntN(6)]
		c.scale = []float64{1, 10, 1000}[r.IntN(3)]
		if c.kind == types.Int16 {
			c.scale = min(c.scale, 10) // sum(smallint) is a smallint: keep it from wrapping
		}
		t.vals = append(t.vals, len(t.cols))
		t.cols = append(t.cols, c)
	}

	// Row count: log-uniform in [1, 2000], so that tiny tables (edge cases) are common; now and
	// then a larger table with many keys, which the engine spreads over several cores.
	n := int(math.Exp(r.Float64() * math.Log(2000)))
	if r.IntN(25) == 0 {
		n = 2000 + r.IntN(18000)
		t.cols[t.keys[0]].card = 300 + r.IntN(3000)
	}
	// Arrival order: usually random in ts, sometimes already sorted (the engine skips the sort).
	sorted := r.IntN(4) == 0
	// Few distinct ts slots: many ties.
	t.spread = max(1, int64(n)/int64(1+r.IntN(8)))
	var base int64
	if tk == types.Timestamp {
		base = 1_700_000_000_000 + r.Int64N(1_000_000)
	} else {
		base = []int64{0, -500, 1_000_000_000}[r.IntN(3)]
	}
	strs := []string{"", "a", "b", "ab", "B", "zz", "é", "a b"}
	for id := range n {
		row := make([]types.Value, len(t.cols))
		for ci, c := range t.cols {
			null := c.nullP > 0 && r.Float64() < c.nullP
			switch {
			case ci == 0:
				row[ci] = types.Value{Kind: types.Int64, I: int64(id)}
			case ci == t.ts:
				row[ci] = types.Value{Kind: tk, I: base + t.gran*r.Int64N(t.spread)}
			case null:
				row[ci] = types.NullOf(c.kind)
			case c.card > 0: // a key
				v := r.IntN(c.card)
				if c.kind == types.String {
					row[ci] = types.Value{Kind: c.kind, S: fmt.Sprintf("key%d", v)}
				} else {
					row[ci] = types.Value{Kind: c.kind, I: int64(v*1000 - 1000)}
				}
			default:
				switch c.kind {
				case types.Int16, types.Int32, types.Int64:
					row[ci] = types.Value{Kind: c.kind, I: r.Int64N(2*int64(c.scale)+1) - int64(c.scale)}
				case types.Double:
					// Two decimals, mixed signs.
					v := math.Round((r.Float64()*2-1)*c.scale*100) / 100
					row[ci] = types.Value{Kind: c.kind, F: v}
				case types.String:
					row[ci] = types.Value{Kind: c.kind, S: strs[r.IntN(len(strs))]}
				}
			}
		}
		t.rows = append(t.rows, row)
	}
	if sorted {
		tss := make([]int64, n)
		for i, row := range t.rows {
			tss[i] = row[t.ts].I
		}
		slices.Sort(tss)
		for i, row := range t.rows {
			row[t.ts].I = tss[i]
		}
	}
	return t
}

// subset returns t with only the rows whose index is in keep (in order); ids are kept.
func (t *dtable) subset(keep []int) *dtable {
	u := *t
	u.rows = make([][]types.Value, len(keep))
	for i, k := range keep {
		u.rows[i] = t.rows[k]
	}
	return &u
}

// ---------------------------------------------------------------------------
// Random windows and queries

type dwin struct {
	keys      []int // partition columns (indices into table cols)
	rows      bool  // ROWS, else ROWS_RANGE
	rangeWord bool  // write RANGE instead of ROWS_RANGE
	unbounded bool
	start     int64 // closed distance (positions or ts units)
	end       int64 // closed distance; 0 = reaches the current row
	startTxt  string
	endTxt    string
	maxSize   int64
	exclRow   bool
	exclTime  bool
}

type dagg struct {
	fn   string
	col  int // -1: count(*)
	win  int
	kind types.Kind // Sundial's result kind
}

type dquery struct {
	wins []dwin
	aggs []dagg
}

// timeText writes a ts distance d (in ms, or integer units for a bigint ts) as OpenMLDB does.
func timeText(r *rand.Rand, d int64, ts types.Kind) string {
	if ts != types.Timestamp || r.IntN(4) == 0 {
		return fmt.Sprint(d)
	}
	for _, u := range []struct {
		s   string
		mul int64
	}{{"d", 86_400_000}, {"h", 3_600_000}, {"m", 60_000}, {"s", 1000}} {
		if d%u.mul == 0 && (d > 0 || r.IntN(2) == 0) {
			return fmt.Sprintf("%d%s", d/u.mul, u.s)
		}
	}
	return fmt.Sprint(d)
}

func randWindow(r *rand.Rand, t *dtable) dwin {
	w := dwin{keys: t.keys}
	if len(t.keys) > 1 && r.IntN(2) == 0 {
		w.keys = t.keys[:1]
	}
	w.rows = r.IntN(2) == 0
	if w.rows {
		w.unbounded = r.IntN(6) == 0
		if !w.unbounded {
			w.start = int64(r.IntN(12))
			if r.IntN(3) == 0 {
				w.start = int64(r.IntN(200))
			}
		}
		if r.IntN(3) == 0 {
			w.end = int64(r.IntN(4))
			if !w.unbounded && w.end > w.start {
				w.start, w.end = w.end, w.start
			}
		}
		w.startTxt, w.endTxt = rowsBound(r, w.start, w.unbounded, true), rowsBound(r, w.end, false, false)
		w.exclRow = r.IntN(6) == 0
		return w
	}
	w.rangeWord = r.IntN(8) == 0
	w.unbounded = r.IntN(8) == 0
	slots := func() int64 {
		s := r.Int64N(t.spread/2 + 2)
		if r.IntN(3) == 0 {
			s = r.Int64N(4)
		}
		return s * t.gran
	}
	if !w.unbounded {
		w.start = slots()
		if r.IntN(4) == 0 && t.gran > 1 { // an offset off the granularity
			w.start += r.Int64N(t.gran)
		}
	}
	if r.IntN(4) == 0 {
		w.end = slots()
		if !w.unbounded && w.end > w.start {
			w.start, w.end = w.end, w.start
		}
	}
	w.startTxt = "UNBOUNDED PRECEDING"
	if !w.unbounded {
		w.startTxt = rangeBound(r, w.start, t.tsKind(), true)
	}
	w.endTxt = rangeBound(r, w.end, t.tsKind(), false)
	if r.IntN(4) == 0 {
		w.maxSize = 1 + r.Int64N(6)
	}
	w.exclRow = r.IntN(6) == 0
	w.exclTime = w.maxSize == 0 && r.IntN(6) == 0
	return w
}

// rowsBound writes a closed ROWS position, sometimes as an OPEN bound (start: p+1 OPEN is p closed;
// end: p-1 OPEN is p closed).
func rowsBound(r *rand.Rand, p int64, unbounded, start bool) string {
	switch {
	case unbounded:
		return "UNBOUNDED PRECEDING"
	case p == 0 && r.IntN(4) != 0:
		return "CURRENT ROW"
	case r.IntN(5) != 0:
	case start:
		return fmt.Sprintf("%d OPEN PRECEDING", p+1)
	case p > 0:
		return fmt.Sprintf("%d OPEN PRECEDING", p-1)
	}
	return fmt.Sprintf("%d PRECEDING", p)
}

// rangeBound writes a closed ROWS_RANGE distance, sometimes as an OPEN bound (start: d OPEN is
// d-1 closed; end: e OPEN is e+1 closed).
func rangeBound(r *rand.Rand, d int64, ts types.Kind, start bool) string {
	if !start && d == 0 && r.IntN(4) != 0 {
		return "CURRENT ROW"
	}
	if r.IntN(5) == 0 {
		if start {
			return timeText(r, d+1, ts) + " OPEN PRECEDING"
		}
		if d > 0 {
			return timeText(r, d-1, ts) + " OPEN PRECEDING"
		}
	}
	return timeText(r, d, ts) + " PRECEDING"
}

func randQuery(r *rand.Rand, t *dtable) *dquery {
	q := &dquery{}
	for range 1 + r.IntN(3) {
		q.wins = append(q.wins, randWindow(r, t))
	}
	for range 1 + r.IntN(6) {
		a := dagg{win: r.IntN(len(q.wins)), col: t.vals[r.IntN(len(t.vals))]}
		if r.IntN(10) == 0 {
			a.col = t.ts
		}
		ck := t.cols[a.col].kind
		fns := []string{"count", "count*", "sum", "avg", "min", "max", "var_samp", "stddev_samp", "var_pop", "stddev_pop", "variance", "stddev"}
		if ck == types.String || a.col == t.ts {
			// Not sum/avg/var of ts: large values with a small spread make DuckDB's floating-point
			// variance lose digits (Sundial's is exact).
			fns = []string{"count", "count*", "min", "max"}
		}
		a.fn = fns[r.IntN(len(fns))]
		switch a.fn {
		case "count", "count*":
			a.kind = types.Int64
			if a.fn == "count*" {
				a.fn, a.col = "count", -1
			}
		case "sum", "min", "max":
			a.kind = ck
		default:
			a.kind = types.Double
		}
		q.aggs = append(q.aggs, a)
	}
	return q
}

// ---------------------------------------------------------------------------
// SQL text

func (t *dtable) createSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE t (")
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.name, c.kind)
	}
	fmt.Fprintf(&b, ", INDEX(KEY=%s, TS=ts));", t.cols[t.keys[0]].name)
	return b.String()
}

func (q *dquery) sundialSQL(t *dtable) string {
	var b strings.Builder
	b.WriteString("SELECT id")
	for i, a := range q.aggs {
		arg := "*"
		if a.col >= 0 {
			arg = t.cols[a.col].name
		}
		fmt.Fprintf(&b, ", %s(%s) OVER w%d AS f%d", a.fn, arg, a.win, i)
	}
	b.WriteString(" FROM t WINDOW ")
	for i, w := range q.wins {
		if i > 0 {
			b.WriteString(", ")
		}
		unit := "ROWS"
		if !w.rows {
			unit = "ROWS_RANGE"
			if w.rangeWord {
				unit = "RANGE"
			}
		}
		fmt.Fprintf(&b, "w%d AS (PARTITION BY %s ORDER BY ts %s BETWEEN %s AND %s", i, t.colList(w.keys), unit, w.startTxt, w.endTxt)
		if w.maxSize > 0 {
			fmt.Fprintf(&b, " MAXSIZE %d", w.maxSize)
		}
		if w.exclRow {
			b.WriteString(" EXCLUDE CURRENT_ROW")
		}
		if w.exclTime {
			b.WriteString(" EXCLUDE CURRENT_TIME")
		}
		b.WriteString(")")
	}
	b.WriteString(";")
	return b.String()
}

func (t *dtable) colList(idx []int) string {
	var names []string
	for _, i := range idx {
		names = append(names, t.cols[i].name)
	}
	return strings.Join(names, ", ")
}

// duckType is the DuckDB type a Sundial kind is stored or compared as.
func duckType(k types.Kind) string {
	switch k {
	case types.Int16:
		return "SMALLINT"
	case types.Int32:
		return "INTEGER"
	case types.Int64:
		return "BIGINT"
	case types.Double:
		return "DOUBLE"
	case types.String:
		return "VARCHAR"
	case types.Timestamp:
		return "TIMESTAMP"
	}
	panic(fmt.Sprintf("no DuckDB type for %s", k))
}

// duckAggName maps Sundial's aggregate names to DuckDB's.
func duckAggName(fn string) string {
	switch fn {
	case "variance":
		return "var_samp"
	case "stddev":
		return "stddev_samp"
	}
	return fn
}

// duckSQL is the exact formulation (see the file comment); with standard, the windows that have a
// standard-SQL formulation use it instead. The table has the extra columns seq, rel (ts - min ts as
// BIGINT) and key (rel<<keyShift + seq).
func (q *dquery) duckSQL(t *dtable, standard bool) string {
	var helpers []string
	var outs []string
	for i, w := range q.wins {
		if w.maxSize > 0 {
			part := "PARTITION BY " + t.colList(w.keys)
			helpers = append(helpers,
				fmt.Sprintf("count(*) OVER (%s ORDER BY key RANGE BETWEEN %s AND %s) AS c%d", part, keyLower(w), keyUpper(w), i),
				fmt.Sprintf("row_number() OVER (%s ORDER BY rel, seq) AS rn%d", part, i))
			if w.end > 0 {
				helpers = append(helpers, fmt.Sprintf("count(*) OVER (%s ORDER BY key RANGE BETWEEN UNBOUNDED PRECEDING AND %s) AS nle%d", part, keyUpper(w), i))
			}
		}
	}
	for j, a := range q.aggs {
		frame := q.duckFrame(t, a.win)
		if w := q.wins[a.win]; standard && standardOK(w) {
			frame = standardFrame(t, w)
		}
		e := fmt.Sprintf("%s OVER (%s)", duckCall(t, a), frame)
		if a.kind == types.Timestamp {
			e = "epoch_ms(" + e + ")"
		}
		outs = append(outs, fmt.Sprintf("CAST(%s AS %s) AS f%d", e, duckType(resultStorage(a.kind)), j))
	}
	from := "t"
	if len(helpers) > 0 {
		from = "(SELECT *, " + strings.Join(helpers, ", ") + " FROM t)"
	}
	return "SELECT id, " + strings.Join(outs, ", ") + " FROM " + from + " ORDER BY id"
}

// resultStorage: integers are compared as BIGINT.
func resultStorage(k types.Kind) types.Kind {
	switch k {
	case types.Int16, types.Int32, types.Int64, types.Timestamp:
		return types.Int64
	}
	return k
}

func duckCall(t *dtable, a dagg) string {
	if a.col < 0 {
		return "count(*)"
	}
	return fmt.Sprintf("%s(%s)", duckAggName(a.fn), t.cols[a.col].name)
}

func keyLower(w dwin) string {
	if w.unbounded {
		return "UNBOUNDED PRECEDING"
	}
	// ts_s >= ts_r - d  ⇔  key_s >= (rel_r - d)<<S  ⇔  key_r - key_s <= d<<S + seq_r
	return fmt.Sprintf("(%d + seq) PRECEDING", w.start<<keyShift)
}

func keyUpper(w dwin) string {
	if w.end == 0 {
		return "CURRENT ROW"
	}
	// ts_s <= ts_r - e  ⇔  key_s <= (rel_r - e + 1)<<S - 1  ⇔  key_r - key_s >= (e-1)<<S + seq_r + 1
	return fmt.Sprintf("(%d + seq + 1) PRECEDING", (w.end-1)<<keyShift)
}

// duckFrame is the exact DuckDB window for q.wins[i].
func (q *dquery) duckFrame(t *dtable, i int) string {
	w := q.wins[i]
	part := "PARTITION BY " + t.colList(w.keys)
	excl := ""
	if w.exclRow {
		excl = " EXCLUDE CURRENT ROW"
	}
	switch {
	case w.rows:
		start := "UNBOUNDED PRECEDING"
		if !w.unbounded {
			start = fmt.Sprintf("%d PRECEDING", w.start)
		}
		end := "CURRENT ROW"
		if w.end > 0 {
			end = fmt.Sprintf("%d PRECEDING", w.end)
		}
		return fmt.Sprintf("%s ORDER BY rel, seq ROWS BETWEEN %s AND %s%s", part, start, end, excl)
	case w.maxSize > 0:
		// The k latest rows of the range frame: positions y .. y+min(c, k)-1 back.
		y, c := "0", fmt.Sprintf("c%d", i)
		switch {
		case w.end > 0:
			y = fmt.Sprintf("(rn%d - nle%d)", i, i)
		case w.exclRow:
			y, c = "1", fmt.Sprintf("(c%d - 1)", i)
		}
		return fmt.Sprintf("%s ORDER BY rel, seq ROWS BETWEEN (%s + least(%s, %d) - 1) PRECEDING AND %s PRECEDING", part, y, c, w.maxSize, y)
	case w.exclTime && w.end == 0:
		start := "UNBOUNDED PRECEDING"
		if !w.unbounded {
			start = fmt.Sprintf("%d PRECEDING", w.start)
		}
		ex := " EXCLUDE TIES"
		if w.exclRow {
			ex = " EXCLUDE GROUP"
		}
		return fmt.Sprintf("%s ORDER BY rel RANGE BETWEEN %s AND CURRENT ROW%s", part, start, ex)
	}
	return fmt.Sprintf("%s ORDER BY key RANGE BETWEEN %s AND %s%s", part, keyLower(w), keyUpper(w), excl)
}

// standardOK tells whether window w has a standard-SQL formulation worth checking.
func standardOK(w dwin) bool { return !w.rows && w.maxSize == 0 && !w.exclTime }

// standardFrame is what a user would write: ORDER BY ts RANGE BETWEEN INTERVAL ... (a plain
// integer for a bigint ts).
func standardFrame(t *dtable, w dwin) string {
	off := func(d int64) string {
		if t.tsKind() == types.Timestamp {
			for _, u := range []struct {
				name string
				ms   int64
			}{{"DAY", 86_400_000}, {"HOUR", 3_600_000}, {"MINUTE", 60_000}, {"SECOND", 1000}} {
				if d > 0 && d%u.ms == 0 && d/u.ms <= math.MaxInt32 {
					return fmt.Sprintf("INTERVAL %d %s PRECEDING", d/u.ms, u.name)
				}
			}
			return fmt.Sprintf("to_milliseconds(%d::BIGINT) PRECEDING", d)
		}
		return fmt.Sprintf("%d PRECEDING", d)
	}
	start, end := "UNBOUNDED PRECEDING", "CURRENT ROW"
	if !w.unbounded {
		start = off(w.start)
	}
	if w.end > 0 {
		end = off(w.end)
	}
	excl := ""
	if w.exclRow {
		excl = " EXCLUDE CURRENT ROW"
	}
	return fmt.Sprintf("PARTITION BY %s ORDER BY ts RANGE BETWEEN %s AND %s%s", t.colList(w.keys), start, end, excl)
}

// ---------------------------------------------------------------------------
// Running both sides

type duckRunner struct {
	db *gosql.DB
}

func (d *duckRunner) load(ctx context.Context, t *dtable) error {
	if _, err := d.db.ExecContext(ctx, "DROP TABLE IF EXISTS t"); err != nil {
		return err
	}
	var defs []string
	for _, c := range t.cols {
		defs = append(defs, c.name+" "+duckType(c.kind))
	}
	defs = append(defs, "seq BIGINT", "rel BIGINT", "key BIGINT")
	if _, err := d.db.ExecContext(ctx, "CREATE TABLE t ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	if len(t.rows) == 0 {
		return nil
	}
	minTS := int64(math.MaxInt64)
	for _, row := range t.rows {
		minTS = min(minTS, row[t.ts].I)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "t")
		if err != nil {
			return err
		}
		args := make([]driver.Value, len(t.cols)+3)
		for _, row := range t.rows {
			for i, v := range row {
				switch {
				case v.Null:
					args[i] = nil
				case v.Kind == types.Int16:
					args[i] = int16(v.I)
				case v.Kind == types.Int32:
					args[i] = int32(v.I)
				case v.Kind == types.Int64:
					args[i] = v.I
				case v.Kind == types.Double:
					args[i] = v.F
				case v.Kind == types.String:
					args[i] = v.S
				case v.Kind == types.Timestamp:
					args[i] = time.UnixMilli(v.I).UTC()
				default:
					return fmt.Errorf("kind %s", v.Kind)
				}
			}
			seq, rel := row[0].I, row[t.ts].I-minTS
			args[len(t.cols)], args[len(t.cols)+1], args[len(t.cols)+2] = seq, rel, rel<<keyShift+seq
			if err := app.AppendRow(args...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// cell is one output value, normalised: integers in I, doubles in F, strings in S.
type cell struct {
	null bool
	i    int64
	f    float64
	s    string
}

// result maps id to the row's aggregate values.
type result map[int64][]cell

func (d *duckRunner) query(ctx context.Context, q string, kinds []types.Kind) (result, error) {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := result{}
	for rows.Next() {
		var id int64
		dst := []any{&id}
		ints := make([]gosql.NullInt64, len(kinds))
		flts := make([]gosql.NullFloat64, len(kinds))
		strs := make([]gosql.NullString, len(kinds))
		for j, k := range kinds {
			switch resultStorage(k) {
			case types.Int64:
				dst = append(dst, &ints[j])
			case types.Double:
				dst = append(dst, &flts[j])
			default:
				dst = append(dst, &strs[j])
			}
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		cells := make([]cell, len(kinds))
		for j, k := range kinds {
			switch resultStorage(k) {
			case types.Int64:
				cells[j] = cell{null: !ints[j].Valid, i: ints[j].Int64}
			case types.Double:
				cells[j] = cell{null: !flts[j].Valid, f: flts[j].Float64}
			default:
				cells[j] = cell{null: !strs[j].Valid, s: strs[j].String}
			}
		}
		out[id] = cells
	}
	return out, rows.Err()
}

// runSundial loads t into a fresh instance and runs the query.
func runSundial(ctx context.Context, t *dtable, query string) (result, error) {
	s := session.New(session.NewInstance())
	for _, r := range sql.ParseScript("CREATE DATABASE d; USE d; " + t.createSQL()) {
		if r.Err != nil {
			return nil, r.Err
		}
		if _, err := s.Exec(ctx, r.Stmt); err != nil {
			return nil, err
		}
	}
	b := &types.Batch{Schema: t.schema()}
	for _, c := range t.cols {
		b.Cols = append(b.Cols, types.NewColumn(c.kind, len(t.rows)))
	}
	for _, row := range t.rows {
		for i, v := range row {
			b.Cols[i].Append(v)
		}
	}
	if err := s.AppendRows(sql.TableName{DB: "d", Name: "t"}, b); err != nil {
		return nil, err
	}
	stmts := sql.ParseScript(query)
	if len(stmts) != 1 || stmts[0].Err != nil {
		return nil, fmt.Errorf("parse: %v", stmts)
	}
	res, err := s.Exec(ctx, stmts[0].Stmt)
	if err != nil {
		return nil, err
	}
	if res.Rows == nil {
		return nil, errors.New("no rows")
	}
	out := result{}
	n := res.Rows.Len()
	for r := range n {
		id := res.Rows.Cols[0].Value(r).I
		cells := make([]cell, len(res.Rows.Cols)-1)
		for j, c := range res.Rows.Cols[1:] {
			v := c.Value(r)
			switch {
			case v.Null:
				cells[j] = cell{null: true}
			case v.Kind.IsInteger() || v.Kind == types.Timestamp:
				cells[j] = cell{i: v.I}
			case v.Kind == types.Double || v.Kind == types.Float:
				cells[j] = cell{f: v.F}
			case v.Kind == types.String:
				cells[j] = cell{s: v.S}
			default:
				return nil, fmt.Errorf("result column %d has kind %s", j, v.Kind)
			}
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("id %d twice in the result", id)
		}
		out[id] = cells
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Comparing

// tolerance for an aggregate's double results: relative 1e-9 plus an absolute floor from the
// column's scale (DuckDB sums in floating point, Sundial exactly; the floor covers sums that
// cancel to about zero).
func equalCells(a dagg, scale float64, x, y cell) bool {
	if x.null || y.null {
		return x.null == y.null
	}
	switch resultStorage(a.kind) {
	case types.Int64:
		return x.i == y.i
	case types.String:
		return x.s == y.s
	}
	if x.f == y.f {
		return true
	}
	if math.IsNaN(x.f) || math.IsNaN(y.f) {
		return false
	}
	p, q, floor := x.f, y.f, 1e-9*scale
	switch a.fn {
	case "stddev", "stddev_samp", "stddev_pop":
		p, q, floor = p*p, q*q, 1e-9*scale*scale
	case "var_samp", "var_pop", "variance":
		floor = 1e-9 * scale * scale
	}
	return math.Abs(p-q) <= 1e-9*math.Max(math.Abs(p), math.Abs(q))+floor
}

type mismatch struct {
	id       int64
	agg      int
	sun, duk cell
}

func (c cell) String() string {
	switch {
	case c.null:
		return "NULL"
	case c.s != "":
		return fmt.Sprintf("%q", c.s)
	case c.f != 0:
		return fmt.Sprint(c.f)
	}
	return fmt.Sprint(c.i)
}

// compare returns the cells that differ; allowed (may be nil) says which (id, agg) may differ.
func compare(q *dquery, t *dtable, sun, duk result) (diffs []mismatch, err error) {
	if len(sun) != len(duk) || len(sun) != len(t.rows) {
		return nil, fmt.Errorf("row counts: sundial %d, duckdb %d, table %d", len(sun), len(duk), len(t.rows))
	}
	for id, drow := range duk {
		srow, ok := sun[id]
		if !ok {
			return nil, fmt.Errorf("id %d missing from Sundial's result", id)
		}
		if len(srow) != len(drow) {
			return nil, fmt.Errorf("id %d: Sundial has %d columns, DuckDB %d", id, len(srow), len(drow))
		}
		for j, a := range q.aggs {
			scale := 1.0
			if a.col >= 0 {
				scale = max(1, t.cols[a.col].scale)
			}
			if !equalCells(a, scale, srow[j], drow[j]) {
				diffs = append(diffs, mismatch{id: id, agg: j, sun: srow[j], duk: drow[j]})
			}
		}
	}
	return diffs, nil
}

// laterPeers returns the ids of rows that have a later peer: a row of the same partition (of
// window w) with the same ts and a larger seq.
func laterPeers(t *dtable, w dwin) map[int64]bool {
	type pk struct {
		key string
		ts  int64
	}
	last := map[pk]int64{}
	first := map[pk]int64{}
	for _, row := range t.rows {
		var kb strings.Builder
		for _, k := range w.keys {
			fmt.Fprintf(&kb, "%v|", row[k])
		}
		p := pk{kb.String(), row[t.ts].I}
		if _, ok := first[p]; !ok {
			first[p] = row[0].I
		}
		last[p] = row[0].I
	}
	out := map[int64]bool{}
	for _, row := range t.rows {
		var kb strings.Builder
		for _, k := range w.keys {
			fmt.Fprintf(&kb, "%v|", row[k])
		}
		if last[pk{kb.String(), row[t.ts].I}] != row[0].I {
			out[row[0].I] = true
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// The test

type diffStats struct {
	queries, tables, rows, cells, stdCells, stdPeerDiffs int
}

func TestDifferentialDuckDB(t *testing.T) {
	ctx := context.Background()
	seed := *flagDuckSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (replay with -duckdb.seed=%d)", seed, seed)
	r := rand.New(rand.NewPCG(uint64(seed), 0x5d))

	db, err := gosql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	duck := &duckRunner{db: db}

	var st diffStats
	failures := 0
	start := time.Now()
	for st.queries < *flagDuckQueries && failures < 3 {
		tab := randTable(r)
		if err := duck.load(ctx, tab); err != nil {
			t.Fatalf("DuckDB load: %v", err)
		}
		st.tables++
		for range 1 + r.IntN(4) {
			if st.queries >= *flagDuckQueries {
				break
			}
			q := randQuery(r, tab)
			st.queries++
			if msg := checkQuery(ctx, duck, tab, q, &st); msg != "" {
				failures++
				t.Error(msg)
				if err := duck.load(ctx, tab); err != nil { // the shrinker reloaded subsets
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("%d queries over %d random tables in %v: %d rows, %d aggregate values compared exactly against DuckDB; "+
		"%d values also against standard RANGE frames, of which %d differ only because of later peers (same ts, larger seq)",
		st.queries, st.tables, time.Since(start).Round(time.Millisecond), st.rows, st.cells, st.stdCells, st.stdPeerDiffs)
}

// checkQuery runs q on both sides and returns a failure report, or "".
func checkQuery(ctx context.Context, duck *duckRunner, tab *dtable, q *dquery, st *diffStats) string {
	kinds := make([]types.Kind, len(q.aggs))
	for j, a := range q.aggs {
		kinds[j] = a.kind
	}
	sq, dq := q.sundialSQL(tab), q.duckSQL(tab, false)
	sun, err := runSundial(ctx, tab, sq)
	if err != nil {
		return fmt.Sprintf("Sundial: %v\n%s\n%s", err, tab.createSQL(), sq)
	}
	duk, err := duck.query(ctx, dq, kinds)
	if err != nil {
		return fmt.Sprintf("DuckDB: %v\n%s", err, dq)
	}
	diffs, err := compare(q, tab, sun, duk)
	if err != nil {
		return fmt.Sprintf("%v\n%s\n%s", err, sq, dq)
	}
	if len(diffs) > 0 {
		return report(ctx, duck, tab, q, diffs)
	}
	st.rows += len(tab.rows)
	st.cells += len(tab.rows) * len(q.aggs)

	// The standard formulation: only rows with a later peer may differ.
	hasStd := false
	for _, w := range q.wins {
		hasStd = hasStd || standardOK(w)
	}
	if !hasStd {
		return ""
	}
	std, err := duck.query(ctx, q.duckSQL(tab, true), kinds)
	if err != nil {
		return fmt.Sprintf("DuckDB (standard): %v\n%s", err, q.duckSQL(tab, true))
	}
	diffs, err = compare(q, tab, sun, std)
	if err != nil {
		return err.Error()
	}
	peers := map[int]map[int64]bool{}
	for _, d := range diffs {
		a := q.aggs[d.agg]
		w := q.wins[a.win]
		if peers[a.win] == nil {
			peers[a.win] = laterPeers(tab, w)
		}
		if !standardOK(w) || w.end > 0 || !peers[a.win][d.id] {
			return fmt.Sprintf("standard RANGE differs on id %d (f%d: Sundial %v, DuckDB %v), a row without later peers\n%s\n%s",
				d.id, d.agg, d.sun, d.duk, sq, q.duckSQL(tab, true))
		}
	}
	for _, a := range q.aggs {
		if standardOK(q.wins[a.win]) {
			st.stdCells += len(tab.rows)
		}
	}
	st.stdPeerDiffs += len(diffs)
	return ""
}

// report shrinks a disagreement to a small table and writes it as a replayable script.
func report(ctx context.Context, duck *duckRunner, tab *dtable, q *dquery, diffs []mismatch) string {
	// One aggregate, its window only.
	a := q.aggs[diffs[0].agg]
	one := &dquery{wins: []dwin{q.wins[a.win]}, aggs: []dagg{a}}
	one.aggs[0].win = 0
	fails := func(u *dtable) bool {
		if err := duck.load(ctx, u); err != nil {
			return false
		}
		sun, err := runSundial(ctx, u, one.sundialSQL(u))
		if err != nil {
			return false
		}
		duk, err := duck.query(ctx, one.duckSQL(u, false), []types.Kind{a.kind})
		if err != nil {
			return false
		}
		d, err := compare(one, u, sun, duk)
		return err != nil || len(d) > 0
	}
	keep := make([]int, len(tab.rows))
	for i := range keep {
		keep[i] = i
	}
	small := tab
	if fails(tab) {
		// ddmin-style: drop chunks while the disagreement persists.
		for chunk := len(keep) / 2; chunk >= 1; {
			removed := false
			for lo := 0; lo < len(keep); lo += chunk {
				try := append(append([]int(nil), keep[:lo]...), keep[min(lo+chunk, len(keep)):]...)
				if len(try) > 0 && fails(tab.subset(try)) {
					keep, removed = try, true
					lo -= chunk
				}
			}
			if !removed {
				chunk /= 2
			}
		}
		small = tab.subset(keep)
	} else {
		one = q // the disagreement needs the whole query
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Sundial and DuckDB disagree on %d values; first: id %d, f%d: Sundial %v, DuckDB %v\n",
		len(diffs), diffs[0].id, diffs[0].agg, diffs[0].sun, diffs[0].duk)
	fmt.Fprintf(&b, "original query:\n  %s\n  DuckDB: %s\n", q.sundialSQL(tab), q.duckSQL(tab, false))
	fmt.Fprintf(&b, "shrunk to %d rows; Sundial script:\n", len(small.rows))
	b.WriteString("CREATE DATABASE d; USE d;\n" + small.createSQL() + "\nINSERT INTO t VALUES\n")
	for i, row := range small.rows {
		var vs []string
		for _, v := range row {
			switch {
			case v.Null:
				vs = append(vs, "NULL")
			case v.Kind == types.String:
				vs = append(vs, fmt.Sprintf("'%s'", v.S))
			case v.Kind == types.Double:
				vs = append(vs, fmt.Sprint(v.F))
			default:
				vs = append(vs, fmt.Sprint(v.I))
			}
		}
		sep := ","
		if i == len(small.rows)-1 {
			sep = ";"
		}
		fmt.Fprintf(&b, "  (%s)%s\n", strings.Join(vs, ", "), sep)
	}
	b.WriteString(one.sundialSQL(small) + "\n")
	fmt.Fprintf(&b, "DuckDB (columns seq = id, rel = ts - min ts, key = rel<<%d + seq): %s\n", keyShift, one.duckSQL(small, false))
	if err := duck.load(ctx, small); err == nil {
		sun, err1 := runSundial(ctx, small, one.sundialSQL(small))
		duk, err2 := duck.query(ctx, one.duckSQL(small, false), []types.Kind{a.kind})
		if err1 == nil && err2 == nil {
			for _, row := range small.rows {
				id := row[0].I
				mark := ""
				for j, oa := range one.aggs {
					scale := 1.0
					if oa.col >= 0 {
						scale = max(1, small.cols[oa.col].scale)
					}
					if len(sun[id]) != len(one.aggs) || len(duk[id]) != len(one.aggs) || !equalCells(oa, scale, sun[id][j], duk[id][j]) {
						mark = "   <-- differs"
					}
				}
				if len(small.rows) == 1 || mark != "" || len(small.rows) <= 20 {
					fmt.Fprintf(&b, "  id %d: Sundial %v, DuckDB %v%s\n", id, sun[id], duk[id], mark)
				}
			}
		}
	}
	return b.String()
}
