package online_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
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

var longQueries = flag.Int("online.longqueries", 60, "random queries for TestLongWindowsEqualRows")

var longCalls = []string{
	"sum(v)", "count(v)", "count(*)", "avg(v)", "min(v)", "max(v)", "sum(n)", "max(n)", "min(s)",
	"count_where(v, n > 0)", "sum_where(v, n < 100)", "avg_where(n, v >= 0)", "min_where(v, n > -200)", "max_where(n, v != 0)",
}

func longFrame(rng *rand.Rand) string {
	start := 5 + rng.IntN(60)
	var f string
	switch rng.IntN(3) {
	case 0:
		f = fmt.Sprintf("ROWS_RANGE BETWEEN %ds PRECEDING AND %ds PRECEDING", start, rng.IntN(4))
	default:
		f = fmt.Sprintf("ROWS_RANGE BETWEEN %ds PRECEDING AND CURRENT ROW", start)
	}
	switch rng.IntN(5) {
	case 0:
		f += " EXCLUDE CURRENT_ROW"
	case 1:
		f += " EXCLUDE CURRENT_TIME"
	}
	return f
}

// TestLongWindowsEqualRows: a deployment whose windows are pre-aggregated in
// buckets answers every request exactly as the same deployment reading rows,
// while rows arrive out of order, before and after the buckets start, for
// requests at the newest time and older ones, and as an absolute TTL expires
// rows.
func TestLongWindowsEqualRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	served := int64(0)
	for q := 0; q < *longQueries; q++ {
		s, _ := checkLong(t, rng, q, false)
		served += s
		if t.Failed() {
			return
		}
	}
	if served == 0 {
		t.Fatal("no answer came from buckets")
	}
	t.Logf("%d queries, %d answers from buckets", *longQueries, served)
}

// TestLongWindowTiersEqualRows is TestLongWindowsEqualRows with two tiers of
// buckets: keys start in the coarse tier (a multiple of the bucket) and move
// to the fine one as their rows grow, the answers staying the rows'.
func TestLongWindowTiersEqualRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var served, moved int64
	for q := 0; q < *longQueries; q++ {
		s, m := checkLong(t, rng, q, true)
		served, moved = served+s, moved+m
		if t.Failed() {
			return
		}
	}
	if served == 0 || moved == 0 {
		t.Fatalf("%d answers from buckets, %d keys moved to the fine tier: want some of each", served, moved)
	}
	t.Logf("%d queries, %d answers from buckets, %d keys moved to the fine tier", *longQueries, served, moved)
}

func checkLong(t *testing.T, rng *rand.Rand, q int, tiers bool) (served, moved int64) {
	ctx := context.Background()
	s := session.New(session.NewInstance())
	// An absolute TTL of an hour, or absandlat: an hour, or among the key's
	// newest few rows (what DEPLOY makes of an absolute TTL that a ROWS
	// frame reads over).
	ttlSQL, spec := "TTL=1h, TTL_TYPE=absolute", storage.IndexSpec{Name: "k", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLAbsolute, AbsMillis: 3_600_000}
	if rng.IntN(2) == 0 {
		lat := 1 + rng.IntN(20)
		ttlSQL = fmt.Sprintf("TTL=(1h, %d), TTL_TYPE=absandlat", lat)
		spec.TTLType, spec.LatCount = storage.TTLAbsAndLat, int64(lat)
	}
	for _, r := range sql.ParseScript("CREATE DATABASE d; USE d; CREATE TABLE t1 (" + columnsSQL + ", INDEX(KEY=k, TS=ts, " + ttlSQL + "));") {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if _, err := s.Exec(ctx, r.Stmt); err != nil {
			t.Fatal(err)
		}
	}
	var fields, windows, long []string
	nw := 1 + rng.IntN(2)
	for w := 0; w < nw; w++ {
		windows = append(windows, fmt.Sprintf("w%d AS (PARTITION BY k ORDER BY ts %s)", w, longFrame(rng)))
		for c := 0; c < 1+rng.IntN(4); c++ {
			fields = append(fields, fmt.Sprintf("%s OVER w%d AS f%d_%d", longCalls[rng.IntN(len(longCalls))], w, w, c))
		}
		long = append(long, fmt.Sprintf("w%d:%ds", w, 1+rng.IntN(7)))
	}
	query := fmt.Sprintf("SELECT k, ts, %s FROM t1 WINDOW %s", strings.Join(fields, ", "), strings.Join(windows, ", "))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("query %d: %v\n%s", q, err, query)
		}
	}
	st, err := sql.ParseOne(query)
	must(err)
	t1, _ := s.Table(sql.TableName{Name: "t1"})
	mt, err := storage.NewMemTable(t1.Schema, []storage.IndexSpec{spec})
	must(err)
	tables := &memTables{m: map[string]storage.Table{"t1": mt}}
	binder := &planner.Binder{Catalog: s.Catalog(), DB: "d", Fold: func(e planner.Expr) (types.Value, bool) { return expr.Fold(e, &expr.Env{}) }}
	plan, err := binder.BindQuery(st.(sql.Query))
	must(err)
	rowsDep, err := online.Compile(plan, tables, &expr.Env{})
	must(err)
	lws, err := online.ParseLongWindows(strings.Join(long, ","))
	must(err)
	opts := online.Options{LongWindows: lws, LongMinRows: 1 + rng.IntN(8)}
	if tiers {
		opts = online.WithTiers(online.Options{LongWindows: lws}, 20+rng.IntN(60), 1+rng.IntN(8), 2+rng.IntN(3))
	}
	longDep, err := online.CompileWith(plan, tables, &expr.Env{}, opts)
	must(err)
	defer longDep.Close()

	rows := randomRows(rng, 200+rng.IntN(400))
	for i := range rows {
		if rng.IntN(3) > 0 {
			rows[i][0] = types.StringValue("hot")
		}
	}
	startAt := rng.IntN(len(rows))
	newest := int64(math.MinInt64)
	for i, row := range rows {
		if i == startAt {
			must(longDep.Start())
		}
		_, err := mt.Put(row)
		must(err)
		newest = max(newest, row[2].I)
		if rng.IntN(2) == 0 {
			continue
		}
		req := append([]types.Value(nil), rows[rng.IntN(i+1)]...)
		switch rng.IntN(3) {
		case 0:
			req[2] = types.TimestampValue(newest + int64(rng.IntN(3000)))
		case 1:
			req[2] = types.TimestampValue(newest - int64(rng.IntN(120_000)))
		}
		now := int64(math.MaxInt64 / 2)
		if rng.IntN(3) == 0 {
			now = newest + 3_600_000 - int64(rng.IntN(120_000)) // the TTL expires the oldest rows
		}
		want, err := rowsDep.Request(req, now)
		must(err)
		got, err := longDep.Request(req, now)
		must(err)
		for c := range want {
			if !types.Identical(want[c], got[c]) {
				t.Fatalf("query %d, after %d rows, request %v at now %d, column %s: rows %v, buckets %v\n%s\n%s",
					q, i+1, req, now, plan.Schema()[c].Name, want[c], got[c], query, longDep.Explain())
			}
		}
	}
	return longDep.LongWindowServed(), longDep.LongWindowMoved()
}

func TestParseLongWindows(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"w1:1d", "w1 86400000 0"},
		{" w1 : 2h , w2:30m,w3:10s", "w1 7200000 0; w2 1800000 0; w3 10000 0"},
		{"w1:1000", "w1 0 1000"},
		{"w1:2y", "error: long_windows: window w1: bucket 2y is neither a time"},
		{"w1", "error: long_windows: \"w1\" is not window:bucket"},
		{"w1:1d,w1:2d", "error: long_windows: window w1 is named twice"},
		{"w1:0h", "error: long_windows: window w1: bucket 0h is neither"},
		{"", "error: long_windows: no window given"},
	} {
		lws, err := online.ParseLongWindows(tc.in)
		var got string
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var parts []string
			for _, lw := range lws {
				parts = append(parts, fmt.Sprintf("%s %d %d", lw.Window, lw.BucketMS, lw.Rows))
			}
			got = strings.Join(parts, "; ")
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("ParseLongWindows(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestLongWindowsConcurrent: writers put rows while readers request; once
// the writers are done, bucket answers equal row answers. Run with -race.
func TestLongWindowsConcurrent(t *testing.T) {
	ctx := context.Background()
	s := session.New(session.NewInstance())
	for _, r := range sql.ParseScript("CREATE DATABASE d; USE d; CREATE TABLE t1 (" + columnsSQL + ", INDEX(KEY=k, TS=ts));") {
		if _, err := s.Exec(ctx, r.Stmt); err != nil {
			t.Fatal(err)
		}
	}
	// 600s: every key's newest frame holds well over LongMinRows rows of any one
	// writer, so buckets are built however the writers interleave.
	query := "SELECT k, ts, sum(v) OVER w AS s, count(*) OVER w AS c, max(n) OVER w AS m FROM t1 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 600s PRECEDING AND CURRENT ROW)"
	st, _ := sql.ParseOne(query)
	t1, _ := s.Table(sql.TableName{Name: "t1"})
	mt, err := storage.NewMemTable(t1.Schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{0}, TSCol: 2}})
	if err != nil {
		t.Fatal(err)
	}
	tables := &memTables{m: map[string]storage.Table{"t1": mt}}
	binder := &planner.Binder{Catalog: s.Catalog(), DB: "d", Fold: func(e planner.Expr) (types.Value, bool) { return expr.Fold(e, &expr.Env{}) }}
	plan, err := binder.BindQuery(st.(sql.Query))
	if err != nil {
		t.Fatal(err)
	}
	rowsDep, _ := online.Compile(plan, tables, &expr.Env{})
	lws, _ := online.ParseLongWindows("w:5s")
	longDep, err := online.CompileWith(plan, tables, &expr.Env{}, online.Options{LongWindows: lws, LongMinRows: 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := longDep.Start(); err != nil {
		t.Fatal(err)
	}
	defer longDep.Close()
	const writers, perWriter = 4, 1500
	done := make(chan struct{})
	errs := make(chan error, writers+2)
	var all [writers][][]types.Value
	for w := range writers {
		rng := rand.New(rand.NewPCG(uint64(w), 9))
		all[w] = randomRows(rng, perWriter)
		go func(rows [][]types.Value) {
			for _, row := range rows {
				if _, err := mt.Put(row); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(all[w])
	}
	for range 2 {
		go func() {
			rng := rand.New(rand.NewPCG(5, 5))
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				row := all[rng.IntN(writers)][rng.IntN(perWriter)]
				if _, err := longDep.Request(row, math.MaxInt64/2); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for w := range writers {
		// The oldest rows (their frames before the buckets' ring: rows) and
		// the newest (from buckets).
		for _, row := range append(all[w][:300:300], all[w][perWriter-300:]...) {
			want, _ := rowsDep.Request(row, math.MaxInt64/2)
			got, _ := longDep.Request(row, math.MaxInt64/2)
			for c := range want {
				if !types.Identical(want[c], got[c]) {
					t.Fatalf("request %v, column %d: rows %v, buckets %v", row, c, want[c], got[c])
				}
			}
		}
	}
	if longDep.LongWindowServed() == 0 {
		t.Fatal("no answer came from buckets")
	}
}
