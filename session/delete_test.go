package session

import (
	"fmt"
	"sync"
	"testing"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// requestSum asks deployment f for the window sum of key k at ts.
func requestSum(t *testing.T, s *Session, k string, ts int64) string {
	t.Helper()
	_, out, err := s.Request("d", "f", [][]types.Value{{types.StringValue(k), {Kind: types.Timestamp, I: ts}, {Kind: types.Int64, I: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(out[0])
}

// TestDeleteDeploymentsAndRecovery: a DELETE changes what deployments read,
// and it survives a crash (replayed from the WAL at its place among the
// rows) and a snapshot.
func TestDeleteDeploymentsAndRecovery(t *testing.T) {
	for _, snapshot := range []bool{false, true} {
		t.Run(fmt.Sprintf("snapshot=%v", snapshot), func(t *testing.T) {
			dir := t.TempDir()
			inst, err := OpenInstance(dir)
			if err != nil {
				t.Fatal(err)
			}
			s := New(inst)
			s.Mode = "online"
			runSQL(t, s, `CREATE DATABASE d; USE d;
CREATE TABLE t (k string, ts timestamp, v bigint, INDEX(KEY=k, TS=ts));
INSERT INTO t VALUES ('a', 1000, 1), ('b', 2000, 10), ('a', 3000, 100);
DEPLOY f SELECT k, sum(v) OVER w AS s FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);`)
			if got := requestSum(t, s, "a", 5000); got != "[a 102]" {
				t.Fatalf("before DELETE: %s", got)
			}
			runSQL(t, s, `DELETE FROM t WHERE k = 'a'; INSERT INTO t VALUES ('a', 4000, 1000);`)
			want := "[a 1001]"
			if got := requestSum(t, s, "a", 5000); got != want {
				t.Fatalf("after DELETE: %s, want %s", got, want)
			}
			if snapshot {
				if err := inst.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			crash(t, inst)
			inst2, err := OpenInstance(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer inst2.Close()
			s2 := New(inst2)
			s2.DB = "d"
			if got := requestSum(t, s2, "a", 5000); got != want {
				t.Fatalf("after recovery: %s, want %s", got, want)
			}
			res := runSQL(t, s2, "SELECT count(*) AS n FROM t")
			if n := res.Rows.Cols[0].Value(0).I; n != 2 {
				t.Fatalf("after recovery: %d rows, want 2", n)
			}
		})
	}
}

// TestDeleteWhileInserting: no acknowledged insert is lost to a DELETE
// rebuilding the store at the same time (run with -race).
func TestDeleteWhileInserting(t *testing.T) {
	s := New(NewInstance())
	s.Mode = "online"
	runSQL(t, s, `CREATE DATABASE d; USE d; CREATE TABLE t (k string, ts timestamp, v bigint, INDEX(KEY=k, TS=ts));`)
	var wg sync.WaitGroup
	const n = 300
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := New(s.inst)
		w.DB, w.Mode = "d", "online"
		for i := 0; i < n; i++ {
			runSQL(t, w, fmt.Sprintf("INSERT INTO t VALUES ('keep', %d, 1)", i))
		}
	}()
	for i := 0; i < 20; i++ {
		runSQL(t, s, fmt.Sprintf("INSERT INTO t VALUES ('gone', %d, 1); DELETE FROM t WHERE k = 'gone';", i))
	}
	wg.Wait()
	res := runSQL(t, s, "SELECT k, count(*) AS n FROM t GROUP BY k")
	if res.Rows.Len() != 1 || res.Rows.Cols[0].Value(0).S != "keep" || res.Rows.Cols[1].Value(0).I != n {
		t.Fatalf("got %d groups, first %v %v; want only keep with %d rows", res.Rows.Len(), res.Rows.Cols[0].Value(0), res.Rows.Cols[1].Value(0), n)
	}
}

// TestDeleteKeepsBatchOrder: batch data interleaves stored rows with rows
// given to AppendRows; a DELETE keeps the interleaving of what remains.
func TestDeleteKeepsBatchOrder(t *testing.T) {
	s := New(NewInstance())
	s.Mode = "online"
	runSQL(t, s, `CREATE DATABASE d; USE d; CREATE TABLE t (id int, k string, ts timestamp, INDEX(KEY=k, TS=ts));
INSERT INTO t VALUES (1, 'a', 1000), (2, 'b', 2000);`)
	tn := sql.TableName{Name: "t"}
	tb, err := s.Table(tn)
	if err != nil {
		t.Fatal(err)
	}
	b := &types.Batch{Schema: tb.Schema}
	for _, f := range tb.Schema {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, 2))
	}
	for _, r := range [][]types.Value{{types.Int32Value(3), types.StringValue("c"), types.TimestampValue(3000)}, {types.Int32Value(4), types.StringValue("b"), types.TimestampValue(4000)}} {
		for i, v := range r {
			b.Cols[i].Append(v)
		}
	}
	if err := s.AppendRows(tn, b); err != nil {
		t.Fatal(err)
	}
	runSQL(t, s, `INSERT INTO t VALUES (5, 'b', 5000), (6, 'a', 6000); DELETE FROM t WHERE k = 'b';`)
	res := runSQL(t, s, "SELECT id FROM t")
	var got []int64
	for r := 0; r < res.Rows.Len(); r++ {
		got = append(got, res.Rows.Cols[0].Value(r).I)
	}
	if fmt.Sprint(got) != "[1 3 6]" {
		t.Fatalf("after DELETE: %v, want [1 3 6]", got)
	}
}
