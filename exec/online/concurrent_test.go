package online_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// TestConcurrentRequestsEqualSerial: requests share pooled memory (the
// request arena, the window groups' and LAST JOINs' scratch); answered from
// several goroutines at once, every answer equals the one computed alone.
// Run with -race.
func TestConcurrentRequestsEqualSerial(t *testing.T) {
	ctx := context.Background()
	queries := []string{
		// Windows over a union of a projection, a LAST JOIN of a subquery.
		`SELECT t1.k, t1.ts, sum(v) OVER w AS s, count(*) OVER w AS c, max(t1.s) OVER w AS m, lag(n, 1) OVER w AS l,
			count_where(v, n > 0) OVER w AS cw, r.w AS rw
		 FROM t1 LAST JOIN (SELECT s, w + 1 AS w, rts FROM r WHERE w > 20) AS r ORDER BY r.rts ON t1.s = r.s
		 WINDOW w AS (UNION (SELECT k, g, ts, v, n, s FROM t2) AS u PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 30s PRECEDING AND CURRENT ROW)`,
		// A window over the LAST JOIN's rows: each stored row is joined too.
		`SELECT t1.k, t1.ts, sum(r.w) OVER w AS sw, avg(v) OVER w2 AS a, distinct_count(t1.s) OVER w2 AS d
		 FROM t1 LAST JOIN r ORDER BY r.rts DESC ON t1.s = r.s
		 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW),
		        w2 AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20s PRECEDING AND CURRENT ROW MAXSIZE 7)`,
	}
	s := session.New(session.NewInstance())
	exec := func(text string) {
		t.Helper()
		for _, r := range sql.ParseScript(text) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if _, err := s.Exec(ctx, r.Stmt); err != nil {
				t.Fatalf("%s: %v", r.Text, err)
			}
		}
	}
	exec("CREATE DATABASE d; USE d;")
	exec("CREATE TABLE t1 (" + columnsSQL + ", INDEX(KEY=k, TS=ts))")
	exec("CREATE TABLE t2 (" + columnsSQL + ", INDEX(KEY=k, TS=ts))")
	exec("CREATE TABLE r (s string, w double, rts timestamp, INDEX(KEY=s, TS=rts))")
	for i, q := range queries {
		exec(fmt.Sprintf("DEPLOY q%d %s", i, q))
	}
	rng := rand.New(rand.NewPCG(11, 12))
	rows := randomRows(rng, 400)
	if err := s.InsertRows("d", "t1", rows); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertRows("d", "t2", randomRows(rng, 200)); err != nil {
		t.Fatal(err)
	}
	var right [][]types.Value
	for range 30 {
		right = append(right, []types.Value{types.StringValue(fmt.Sprintf("s%d", rng.IntN(5))), types.DoubleValue(float64(rng.IntN(100))), types.TimestampValue(int64(rng.IntN(10)))})
	}
	if err := s.InsertRows("d", "r", right); err != nil {
		t.Fatal(err)
	}
	const now = int64(1) << 62
	for i := range queries {
		dep, ok := s.Deployment("d", fmt.Sprintf("q%d", i))
		if !ok {
			t.Fatal("no deployment")
		}
		want := make([][]types.Value, len(rows))
		for j, row := range rows {
			v, err := dep.Request(row, now)
			if err != nil {
				t.Fatal(err)
			}
			want[j] = v
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 2 * len(rows) {
					j := (n*7 + g*13) % len(rows)
					got, err := dep.Request(rows[j], now)
					if err != nil {
						errs <- err
						return
					}
					for c := range got {
						if !types.Identical(got[c], want[j][c]) {
							errs <- fmt.Errorf("query %d, request %d, column %d: %v concurrently, %v alone", i, j, c, got[c], want[j][c])
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
}
