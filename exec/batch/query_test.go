package batch_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
)

// queryFixture is the data of TestQueries: t1 and t2 share a shape, t3 does not.
const queryFixture = `CREATE DATABASE d; USE d;
CREATE TABLE t1 (k string, v int, ts timestamp, INDEX(KEY=k, TS=ts));
CREATE TABLE t2 (k string, v int, ts timestamp, INDEX(KEY=k, TS=ts));
CREATE TABLE t3 (k string, ts timestamp, INDEX(KEY=k, TS=ts));
INSERT INTO t1 VALUES ('a', 1, 3000), ('b', 2, 1000), ('a', 3, 1000), ('a', 4, 2000);
INSERT INTO t2 VALUES ('a', 3, 1000), ('c', 5, 500), ('a', 3, 1000);
INSERT INTO t3 VALUES ('a', 0), ('z', 0);`

// runQuery runs a query over queryFixture and renders its rows, one a line.
func runQuery(t *testing.T, query string) (string, error) {
	t.Helper()
	ctx := context.Background()
	s := session.New(session.NewInstance())
	for _, r := range sql.ParseScript(queryFixture) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if _, err := s.Exec(ctx, r.Stmt); err != nil {
			t.Fatal(err)
		}
	}
	st, err := sql.ParseOne(query)
	if err != nil {
		return "", err
	}
	res, err := s.Exec(ctx, st)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for r := 0; r < res.Rows.Len(); r++ {
		for i, c := range res.Rows.Cols {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(c.Value(r).String())
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// TestQueries runs queries over a small fixture: set operations, WITH, and
// windows without ORDER BY or over expressions of aggregates.
func TestQueries(t *testing.T) {
	for _, tc := range []struct {
		name, query, want string
	}{
		{"union all keeps every row in order",
			"SELECT k, v FROM t1 UNION ALL SELECT k, v FROM t2",
			"a 1\nb 2\na 3\na 4\na 3\nc 5\na 3\n"},
		{"union keeps the first of equal rows",
			"SELECT k, v FROM t1 UNION SELECT k, v FROM t2",
			"a 1\nb 2\na 3\na 4\nc 5\n"},
		{"union then order and limit",
			"SELECT k, v FROM t1 UNION ALL SELECT k, v FROM t2 ORDER BY v DESC LIMIT 2",
			"c 5\na 4\n"},
		{"last join over a union: the latest row of the concatenation",
			"SELECT t3.k, u.v FROM t3 LAST JOIN (SELECT * FROM t2 UNION ALL SELECT * FROM t1) u ON t3.k = u.k",
			"a 4\nz NULL\n"},
		{"with: a named query, used twice",
			"WITH a AS (SELECT k, v + 1 AS w FROM t1 WHERE k = 'a') SELECT x.k, x.w, y.w FROM a x LAST JOIN a y ON x.w = y.w + 1",
			"a 2 NULL\na 4 NULL\na 5 4\n"},
		{"with: a named query shadows its table, and reads it",
			"WITH t1 AS (SELECT k, v * 10 AS v FROM t1) SELECT v FROM t1",
			"10\n20\n30\n40\n"},
		{"with: a later query reads an earlier one",
			"WITH a AS (SELECT v FROM t1), b AS (SELECT v + 100 AS v FROM a) SELECT v FROM b WHERE v > 102",
			"103\n104\n"},
		{"window without ORDER BY: arrival order",
			"SELECT k, sum(v) OVER (PARTITION BY k ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t1",
			"a 1\nb 2\na 4\na 7\n"},
		{"window without ORDER BY: the whole history",
			"SELECT k, count(v) OVER (PARTITION BY k ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c FROM t1",
			"a 1\nb 1\na 2\na 3\n"},
		{"a scalar over aggregates takes the window",
			"SELECT k, concat(string(min(v)), '-', string(max(v))) OVER w AS r, abs(sum(v) - 100) OVER w AS d FROM t1 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
			"a 1-4 95\nb 2-2 98\na 3-3 97\na 3-4 93\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runQuery(t, tc.query)
			if err != nil {
				t.Fatalf("%s: %v", tc.query, err)
			}
			if got != tc.want {
				t.Errorf("%s:\ngot:\n%swant:\n%s", tc.query, got, tc.want)
			}
		})
	}
}

// TestQueryErrors: queries that cannot run fail with an error that says why.
func TestQueryErrors(t *testing.T) {
	for _, tc := range []struct {
		query, err string
		sentinel   error
	}{
		{"SELECT k, v FROM t1 UNION ALL SELECT k, ts FROM t3", "UNION: column 2 of query 2 (ts) is timestamp, the first query's (v) is int", planner.ErrType},
		{"SELECT k, v FROM t1 UNION ALL SELECT k FROM t3", "UNION: query 2 has 1 columns, the first query 2", planner.ErrType},
		{"SELECT k, ts FROM t1 UNION SELECT k, nosuch FROM t3", "unknown column nosuch", planner.ErrUnknown},
		{"WITH a AS (SELECT nosuch FROM t1) SELECT * FROM a", "WITH a: unknown column nosuch", planner.ErrUnknown},
		{"WITH a AS (SELECT * FROM a) SELECT * FROM a", "unknown table a", planner.ErrUnknown},
		{"SELECT sum(v) OVER (PARTITION BY k ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW) FROM t1", "needs ORDER BY a timestamp column", nil},
		{"SELECT abs(v) OVER (PARTITION BY k ORDER BY ts ROWS 1 PRECEDING) FROM t1", "abs is not an aggregate function, it cannot take OVER", planner.ErrType},
	} {
		_, err := runQuery(t, tc.query)
		if err == nil || !strings.Contains(err.Error(), tc.err) || (tc.sentinel != nil && !errors.Is(err, tc.sentinel)) {
			t.Errorf("%s:\n\tgot  %v\n\twant %q wrapping %v", tc.query, err, tc.err, tc.sentinel)
		}
	}
}
