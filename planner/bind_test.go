package planner_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

func catalog(t *testing.T, ddl ...string) *planner.MemCatalog {
	t.Helper()
	c := planner.NewMemCatalog()
	for _, d := range ddl {
		st, err := sql.ParseOne(d)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := planner.TableFromAST(st.(*sql.CreateTable), "db")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddTable(tab, false); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestTableFromAST(t *testing.T) {
	for _, tc := range []struct {
		ddl, err string
		sentinel error
	}{
		{"CREATE TABLE t (a string, b timestamp, INDEX(KEY=a, TS=b, TTL=(1d, 10), TTL_TYPE=absorlat))", "", nil},
		{"CREATE TABLE t (a string, a int)", "column a declared twice (line 1, column 27)", planner.ErrType},
		{"CREATE TABLE t (a string, INDEX(KEY=zz))", "table t, index index1: unknown KEY column zz", planner.ErrUnknown},
		{"CREATE TABLE t (a double, INDEX(KEY=a))", "KEY column a cannot be double", planner.ErrType},
		{"CREATE TABLE t (a string, b string, INDEX(KEY=a, TS=b))", "TS column b must be timestamp or bigint, not string", planner.ErrType},
		{"CREATE TABLE t (a string, INDEX(KEY=a, TTL=10, TTL_TYPE=latest))", "", nil},
		{"CREATE TABLE t (a string, INDEX(KEY=a, TTL=10m, TTL_TYPE=latest))", "a latest TTL is a row count, not 10m", planner.ErrType},
		{"CREATE TABLE t (a string, INDEX(KEY=a, TTL=10m, TTL_TYPE=absandlat))", "needs TTL=(absolute, latest)", planner.ErrType},
		{"CREATE TABLE t LIKE PARQUET 'x.parquet'", "CREATE TABLE t LIKE PARQUET", planner.ErrUnsupported},
	} {
		st, err := sql.ParseOne(tc.ddl)
		if err != nil {
			continue // the parser's own error paths are tested in sql/
		}
		tab, err := planner.TableFromAST(st.(*sql.CreateTable), "db")
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.ddl, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, tc.sentinel) {
			t.Errorf("%s:\n\tgot  %v (%v)\n\twant %q wrapping %v", tc.ddl, err, tab, tc.err, tc.sentinel)
		}
	}
	// TTL units: an absolute TTL without a unit is in minutes, as in OpenMLDB.
	st, _ := sql.ParseOne("CREATE TABLE t (a string, b timestamp, INDEX(KEY=a, TS=b, TTL=10))")
	tab, err := planner.TableFromAST(st.(*sql.CreateTable), "db")
	if err != nil || tab.Indexes[0].AbsMillis != 600_000 || tab.Indexes[0].TTLType != planner.TTLAbsolute {
		t.Errorf("TTL=10: got %+v, %v; want 10 minutes absolute", tab.Indexes[0], err)
	}
}

func TestBindErrors(t *testing.T) {
	c := catalog(t,
		"CREATE TABLE t1 (id int, k string, ts timestamp, v double, INDEX(KEY=k, TS=ts))",
		"CREATE TABLE t2 (id int, k string, ts timestamp, w double, INDEX(KEY=k, TS=ts))")
	b := &planner.Binder{Catalog: c, DB: "db"}
	for _, tc := range []struct {
		query, err string
		sentinel   error
	}{
		{"SELECT c9 FROM t1", "unknown column c9, line 1, column 8", planner.ErrUnknown},
		{"SELECT t1.c9 FROM t1", "unknown column c9 in table t1, line 1, column 11", planner.ErrUnknown},
		{"SELECT id FROM t1 LAST JOIN t2 ON t1.k = t2.k", "column id is ambiguous", planner.ErrUnknown},
		{"SELECT x FROM nosuch", "unknown table nosuch in database db", planner.ErrUnknown},
		{"SELECT sum(v) OVER w FROM t1", "unknown window w", planner.ErrUnknown},
		{"SELECT sum(k) OVER w FROM t1 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)", "argument 1 of sum", planner.ErrType},
		{"SELECT sum(v) OVER w FROM t1 WINDOW w AS (PARTITION BY v ORDER BY ts ROWS 2 PRECEDING)", "a partition key cannot be floating-point", planner.ErrType},
		{"SELECT sum(v) OVER w FROM t1 WINDOW w AS (PARTITION BY k ORDER BY k ROWS 2 PRECEDING)", "must be a timestamp or integer column", planner.ErrType},
		{"SELECT sum(v) FROM t1 WHERE k", "WHERE must be a condition, not string", planner.ErrType},
		{"SELECT nosuchfn(v) FROM t1", "unknown function nosuchfn", planner.ErrUnknown},
		{"SELECT k, v FROM t1 GROUP BY k", "column v must appear in GROUP BY", planner.ErrType},
		{"SELECT CAST(ts AS date) + 1 FROM t1", "", nil},
		{"SELECT v, count(*) FROM t1 GROUP BY v", "GROUP BY v is double: a group key cannot be floating-point", planner.ErrType},
		{"SELECT t1.id FROM t1 LAST JOIN t2 ORDER BY t2.w ON t1.k = t2.k", "LAST JOIN ... ORDER BY t2.w must be a timestamp or integer column (the right table's time), not double, line 1, column 47", planner.ErrType},
		{"SELECT id FROM t1 UNION ALL SELECT k FROM t2", "UNION: column 1 of query 2 (k) is string, the first query's (id) is int", planner.ErrType},
		{"WITH t1 AS (SELECT id FROM t1) SELECT k FROM t1", "unknown column k", planner.ErrUnknown},
	} {
		st, err := sql.ParseOne(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		_, err = b.BindQuery(st.(sql.Query))
		if tc.err == "" {
			continue // only must not panic
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, tc.sentinel) {
			t.Errorf("%s:\n\tgot  %v\n\twant %q wrapping %v", tc.query, err, tc.err, tc.sentinel)
		}
	}
}

// TestWindowGrouping: calls over windows with the same PARTITION BY and
// ORDER BY form one group (one pass in batch); another key is another group.
func TestWindowGrouping(t *testing.T) {
	c := catalog(t, "CREATE TABLE t1 (id int, k string, g int, ts timestamp, v double, INDEX(KEY=k, TS=ts))")
	b := &planner.Binder{Catalog: c, DB: "db"}
	st, err := sql.ParseOne(`SELECT sum(v) OVER a, count(v) OVER b, max(v) OVER c FROM t1
		WINDOW a AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING),
		       b AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW),
		       c AS (PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)`)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := b.BindQuery(st.(sql.Query))
	if err != nil {
		t.Fatal(err)
	}
	w := plan.Inputs()[0].(*planner.Window)
	if len(w.Groups) != 2 || w.Aggs[0].Group != 0 || w.Aggs[1].Group != 0 || w.Aggs[2].Group != 1 {
		t.Fatalf("groups: %s", planner.Explain(plan))
	}
	if w.Aggs[1].T != types.Int64 || w.Aggs[0].T != types.Double {
		t.Fatalf("types: sum %s, count %s", w.Aggs[0].T, w.Aggs[1].T)
	}
}

// TestBindAccepts: queries that bind.
func TestBindAccepts(t *testing.T) {
	c := catalog(t,
		"CREATE TABLE t1 (id int, k string, ts timestamp, v double, INDEX(KEY=k, TS=ts))",
		"CREATE TABLE t2 (id int, k string, ts timestamp, w double, INDEX(KEY=k, TS=ts))")
	b := &planner.Binder{Catalog: c, DB: "db"}
	for _, q := range []string{
		"SELECT k, count(*) FROM t1 GROUP BY t1.k",                       // the key written two ways
		"SELECT t1.k FROM t1 LAST JOIN t2 ORDER BY t2.ts ON t1.k = t2.k", // ORDER BY the right table's time
		"SELECT sum(v) OVER (PARTITION BY k ROWS 2 PRECEDING) FROM t1",   // no ORDER BY: arrival order
		"WITH a AS (SELECT k FROM t1), b AS (SELECT k FROM a) SELECT k FROM b UNION SELECT k FROM t2",
	} {
		st, err := sql.ParseOne(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if _, err := b.BindQuery(st.(sql.Query)); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
