package online_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

var consistencyQueries = flag.Int("online.queries", 300, "random queries for TestBatchEqualsOnlineReplay")

// memTables keeps a storage.Table per catalog table.
type memTables struct{ m map[string]storage.Table }

func (m *memTables) Stored(t *planner.Table) (storage.Table, error) {
	st, ok := m.m[strings.ToLower(t.Name)]
	if !ok {
		return nil, fmt.Errorf("no stored table %s", t.Name)
	}
	return st, nil
}

// TestBatchEqualsOnlineReplay is SEMANTICS §2's consistency contract: for
// random tables (tied timestamps, NULLs) and random window queries, the batch
// output of every main row equals, bit for bit, the online answer for that
// row requested against a store holding exactly the rows before it — rows are
// replayed in (ts, rank, seq) order: a main row is requested, then inserted.
func TestBatchEqualsOnlineReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	compared := 0
	for q := 0; q < *consistencyQueries; q++ {
		compared += checkOne(t, rng, q)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d queries, %d feature values compared bit for bit", *consistencyQueries, compared)
}

const columnsSQL = "k string, g int, ts timestamp, v double, n bigint, s string"

func randomRows(rng *rand.Rand, n int) [][]types.Value {
	rows := make([][]types.Value, n)
	ts := int64(1_700_000_000_000)
	for i := range rows {
		if rng.IntN(3) > 0 { // ties: a third of the rows share the previous timestamp
			ts += int64(rng.IntN(5000))
		}
		rowTS := ts
		if rng.IntN(10) == 0 { // out of order arrivals
			rowTS -= int64(rng.IntN(20000))
		}
		v := types.DoubleValue(math.Round(rng.NormFloat64()*1e4) / 100)
		if rng.IntN(8) == 0 {
			v = types.NullOf(types.Double)
		}
		nv := types.Int64Value(int64(rng.IntN(1000) - 500))
		if rng.IntN(8) == 0 {
			nv = types.NullOf(types.Int64)
		}
		rows[i] = []types.Value{
			types.StringValue(fmt.Sprintf("k%d", rng.IntN(4))),
			types.Int32Value(int32(rng.IntN(3))),
			types.TimestampValue(rowTS),
			v,
			nv,
			types.StringValue(fmt.Sprintf("s%d", rng.IntN(5))),
		}
	}
	return rows
}

var aggCalls = []string{
	"sum(v)", "count(v)", "count(*)", "avg(v)", "min(v)", "max(v)", "sum(n)", "max(n)",
	"distinct_count(s)", "first_value(v)", "lag(v, 1)", "stddev(v)", "count_where(v, n > 0)",
	"avg_cate(v, s)", "topn_frequency(s, 2)", "median(v)", "ew_avg(v, 0.5)",
}

func randomFrame(rng *rand.Rand) string {
	var f string
	switch rng.IntN(4) {
	case 0:
		f = fmt.Sprintf("ROWS BETWEEN %d PRECEDING AND CURRENT ROW", rng.IntN(6))
	case 1:
		f = fmt.Sprintf("ROWS_RANGE BETWEEN %ds PRECEDING AND CURRENT ROW", rng.IntN(20))
	case 2:
		f = "ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	default:
		f = fmt.Sprintf("ROWS BETWEEN %d PRECEDING AND 1 PRECEDING", 1+rng.IntN(5))
	}
	if strings.HasPrefix(f, "ROWS_RANGE") && rng.IntN(3) == 0 {
		f += fmt.Sprintf(" MAXSIZE %d", 1+rng.IntN(4))
	}
	switch rng.IntN(6) {
	case 0:
		f += " EXCLUDE CURRENT_ROW"
	case 1:
		f += " EXCLUDE CURRENT_TIME"
	}
	return f
}

func checkOne(t *testing.T, rng *rand.Rand, q int) int {
	ctx := context.Background()
	s := session.New(session.NewInstance())
	exec := func(text string) {
		t.Helper()
		for _, r := range sql.ParseScript(text) {
			if r.Err != nil {
				t.Fatalf("query %d: %v", q, r.Err)
			}
			if _, err := s.Exec(ctx, r.Stmt); err != nil {
				t.Fatalf("query %d: %s: %v", q, r.Text, err)
			}
		}
	}
	exec("CREATE DATABASE d; USE d;")
	withUnion := rng.IntN(4) == 0
	withJoin := rng.IntN(3) == 0
	exec("CREATE TABLE t1 (" + columnsSQL + ", INDEX(KEY=k, TS=ts), INDEX(KEY=(k, g), TS=ts))")
	exec("CREATE TABLE t2 (" + columnsSQL + ", INDEX(KEY=k, TS=ts), INDEX(KEY=(k, g), TS=ts))")
	exec("CREATE TABLE r (s string, w double, rts timestamp, INDEX(KEY=s, TS=rts))")

	main := randomRows(rng, 20+rng.IntN(60))
	var union [][]types.Value
	if withUnion {
		union = randomRows(rng, 10+rng.IntN(30))
	}
	right := [][]types.Value{}
	for i := 0; i < 8; i++ {
		right = append(right, []types.Value{types.StringValue(fmt.Sprintf("s%d", rng.IntN(5))), types.DoubleValue(float64(rng.IntN(100))), types.TimestampValue(int64(rng.IntN(10)))})
	}

	// The query.
	part := "k"
	if rng.IntN(3) == 0 {
		part = "k, g"
	}
	var fields []string
	var windows []string
	nw := 1 + rng.IntN(2)
	viaProjection := rng.IntN(4) == 0 // FROM (SELECT ... FROM t1), UNION (SELECT ... FROM t2)
	// Windows without ORDER BY: the replay goes in arrival order instead.
	noOrder := !withUnion && rng.IntN(8) == 0
	for w := 0; w < nw; w++ {
		spec := ""
		if withUnion && viaProjection {
			spec = "UNION (SELECT k, g, ts, v, n, s FROM t2) AS u "
		} else if withUnion {
			spec = "UNION t2 "
		}
		order, frame := "ORDER BY ts ", randomFrame(rng)
		for noOrder && (strings.Contains(frame, "s PRECEDING") || strings.Contains(frame, "CURRENT_TIME")) {
			frame = randomFrame(rng) // time offsets and CURRENT_TIME need a time
		}
		if noOrder {
			order = "" // every row at time 0: arrival order decides
		}
		spec += fmt.Sprintf("PARTITION BY %s %s%s", part, order, frame)
		if withUnion && rng.IntN(3) == 0 {
			spec += " INSTANCE_NOT_IN_WINDOW"
		}
		windows = append(windows, fmt.Sprintf("w%d AS (%s)", w, spec))
		for c := 0; c < 1+rng.IntN(4); c++ {
			call := aggCalls[rng.IntN(len(aggCalls))]
			if withJoin { // r has a column s too
				call = strings.NewReplacer("(s", "(t1.s", ", s)", ", t1.s)").Replace(call)
			}
			fields = append(fields, fmt.Sprintf("%s OVER w%d AS f%d_%d", call, w, w, c))
		}
	}
	from := "t1"
	if viaProjection && !withJoin {
		from = "(SELECT k, g, ts, v, n, s FROM t1) AS t1"
	}
	if withJoin {
		order := []string{"r.rts", "r.rts DESC"}[rng.IntN(2)] // the first match by the index, or a search
		right := "r"
		switch rng.IntN(3) {
		case 0: // a subquery: its rows go through a projection and a WHERE
			right = "(SELECT s, w + 1 AS w, rts FROM r WHERE w > 20) AS r"
		case 1: // a windowed subquery: each candidate's window as of itself
			right = "(SELECT s, rts, sum(w) OVER rw AS w FROM r WINDOW rw AS (PARTITION BY s ORDER BY rts " + randomFrame(rng) + ")) AS r"
		}
		from = "t1 LAST JOIN " + right + " ORDER BY " + order + " ON t1.s = r.s"
		fields = append(fields, "r.w AS rw")
		if !noOrder && rng.IntN(2) == 0 {
			// A windowed subquery of the request table itself: its earlier
			// rows (ts < the request's) are the candidates.
			from += " LAST JOIN (SELECT k AS k2, ts AS ts2, count(v) OVER xw AS xc, max(n) OVER xw AS xm FROM t1 WINDOW xw AS (PARTITION BY k ORDER BY ts " + randomFrame(rng) + ")) AS x ORDER BY x.ts2 ON t1.k = x.k2 AND x.ts2 < t1.ts"
			fields = append(fields, "x.xc AS xc", "x.xm AS xm")
		}
		if !withUnion && rng.IntN(2) == 0 { // a window over the joined rows: each stored row is joined too
			call := []string{"sum(r.w)", "max(r.w)", "count(r.w)", "avg(r.w)"}[rng.IntN(4)]
			fields = append(fields, fmt.Sprintf("%s OVER w0 AS jw", call))
		}
	}
	query := fmt.Sprintf("SELECT t1.k, t1.ts, %s FROM %s WINDOW %s", strings.Join(fields, ", "), from, strings.Join(windows, ", "))

	// Batch: all rows at once.
	t1, _ := s.Table(sql.TableName{Name: "t1"})
	t2, _ := s.Table(sql.TableName{Name: "t2"})
	rt, _ := s.Table(sql.TableName{Name: "r"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("query %d: %v\n%s", q, err, query)
		}
	}
	must(s.AppendRows(sql.TableName{Name: "t1"}, toBatch(t1.Schema, main)))
	if withUnion {
		must(s.AppendRows(sql.TableName{Name: "t2"}, toBatch(t2.Schema, union)))
	}
	must(s.AppendRows(sql.TableName{Name: "r"}, toBatch(rt.Schema, right)))
	st, err := sql.ParseOne(query)
	must(err)
	want, err := s.Query(ctx, st.(sql.Query))
	must(err)

	// Online: stores, the deployment, and the replay.
	tables := &memTables{m: map[string]storage.Table{}}
	for _, pt := range []*planner.Table{t1, t2, rt} {
		var specs []storage.IndexSpec
		for _, ix := range pt.Indexes {
			spec := storage.IndexSpec{Name: ix.Name, TSCol: pt.Schema.Index(ix.TS)}
			for _, k := range ix.Keys {
				spec.KeyCols = append(spec.KeyCols, pt.Schema.Index(k))
			}
			specs = append(specs, spec)
		}
		mt, err := storage.NewMemTable(pt.Schema, specs)
		must(err)
		tables.m[pt.Name] = mt
	}
	for _, row := range right {
		_, err := tables.m["r"].Put(row)
		must(err)
	}
	binder := &planner.Binder{Catalog: s.Catalog(), DB: "d", Fold: func(e planner.Expr) (types.Value, bool) { return expr.Fold(e, &expr.Env{}) }}
	plan, err := binder.BindQuery(st.(sql.Query))
	must(err)
	dep, err := online.Compile(plan, tables, &expr.Env{})
	must(err)

	type ev struct {
		ts   int64
		rank int
		seq  int
		main bool
	}
	var events []ev
	for i, r := range main {
		events = append(events, ev{ts: r[2].I, rank: 1, seq: i, main: true})
	}
	for i, r := range union {
		events = append(events, ev{ts: r[2].I, rank: 0, seq: i})
	}
	sort.SliceStable(events, func(a, b int) bool {
		if noOrder {
			return events[a].seq < events[b].seq
		}
		if events[a].ts != events[b].ts {
			return events[a].ts < events[b].ts
		}
		if events[a].rank != events[b].rank {
			return events[a].rank < events[b].rank
		}
		return events[a].seq < events[b].seq
	})
	compared := 0
	for _, e := range events {
		if !e.main {
			_, err := tables.m["t2"].Put(union[e.seq])
			must(err)
			continue
		}
		got, err := dep.Request(main[e.seq], math.MaxInt64/2)
		must(err)
		for c := range got {
			w := want.Cols[c].Value(e.seq)
			if !types.Identical(w, got[c]) {
				t.Fatalf("query %d, row %d (ts %d), column %s: batch %v, online %v\n%s", q, e.seq, e.ts, want.Schema[c].Name, w, got[c], query)
			}
			compared++
		}
		_, err = tables.m["t1"].Put(main[e.seq])
		must(err)
	}
	return compared
}

func toBatch(s types.Schema, rows [][]types.Value) *types.Batch {
	b := &types.Batch{Schema: s}
	for _, f := range s {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, len(rows)))
	}
	for _, r := range rows {
		for i, v := range r {
			b.Cols[i].Append(v)
		}
	}
	return b
}
