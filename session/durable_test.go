package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

func runSQL(t *testing.T, s *Session, text string) *Result {
	t.Helper()
	var last *Result
	for _, r := range sql.ParseScript(text) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		res, err := s.Exec(context.Background(), r.Stmt)
		if err != nil {
			t.Fatalf("%s: %v", r.Text, err)
		}
		last = res
	}
	return last
}

// crash drops a durable instance as kill -9 would: no snapshot, no flush
// beyond what every acknowledged write already did (the WAL is closed only
// to release its lock, which a dead process would have released too).
func crash(t *testing.T, inst *Instance) {
	t.Helper()
	if err := inst.dur.wal.Close(); err != nil {
		t.Fatal(err)
	}
}

// durableState is what must survive a restart: deployments' answers, the
// rows batch queries read, the catalog (tables, their indexes, deployments).
func durableState(t *testing.T, inst *Instance) string {
	t.Helper()
	s := New(inst)
	s.DB = "d"
	var b strings.Builder
	for _, dep := range []string{"f", "g"} {
		if _, ok := s.Deployment("d", dep); !ok {
			fmt.Fprintf(&b, "deployment %s: none\n", dep)
			continue
		}
		_, out, err := s.Request("d", dep, [][]types.Value{
			{types.StringValue("a"), types.Value{Kind: types.Timestamp, I: 25000}, types.Value{Kind: types.Double, F: 0.5}},
			{types.StringValue("b"), types.Value{Kind: types.Timestamp, I: 25000}, types.Value{Kind: types.Double, F: 0.25}},
		})
		if err != nil {
			t.Fatalf("request %s: %v", dep, err)
		}
		fmt.Fprintf(&b, "deployment %s: %v\n", dep, out)
	}
	for _, q := range []string{"SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k", "SELECT count(*) AS n FROM u", "SHOW TABLES", "SHOW DEPLOYMENTS", "DESC t"} {
		stmt, err := sql.ParseOne(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Exec(context.Background(), stmt)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", q, err)
			continue
		}
		if err := Print(&b, res); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func fill(t *testing.T, inst *Instance, from, to int) {
	t.Helper()
	s := New(inst)
	for i := from; i < to; i++ {
		k := string(rune('a' + i%3))
		if i%2 == 0 {
			runSQL(t, s, fmt.Sprintf("INSERT INTO d.t VALUES ('%s', %d, %d.5)", k, 1000*i, i))
		} else if err := s.InsertRows("d", "t", [][]types.Value{{types.StringValue(k), {Kind: types.Timestamp, I: int64(1000 * i)}, {Kind: types.Double, F: float64(i) + 0.5}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDurableReplay: DDL, rows and deployments (with the index DEPLOY adds)
// come back from the WAL alone after a crash; a dropped table's rows stay dropped.
func TestDurableReplay(t *testing.T) {
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	inst.SetSnapshotEvery(0)
	s := New(inst)
	runSQL(t, s, `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k));
		CREATE TABLE u (x int); INSERT INTO u VALUES (1), (2);
		DROP TABLE u; CREATE TABLE u (x int, y int); INSERT INTO u VALUES (3, 4)`)
	fill(t, inst, 0, 20)
	runSQL(t, s, `SET @@execute_mode = 'online';
		DEPLOY f SELECT k, sum(v) OVER w AS s, count(v) OVER w AS c FROM t
		WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 10s PRECEDING AND CURRENT ROW);
		DEPLOY g SELECT k, max(v) OVER w AS m FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW);
		DROP DEPLOYMENT g`)
	fill(t, inst, 20, 30)
	want := durableState(t, inst)
	if !strings.Contains(want, "index2") || !strings.Contains(want, "deployment f: [[a 80.5 5]") {
		t.Fatalf("setup: %s", want)
	}
	crash(t, inst)

	inst2 := NewInstance()
	stats, err := inst2.Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst2.Close()
	if stats.SnapshotLSN != 0 || stats.Rows != 30+3 || stats.CatalogRecords != 8 {
		t.Errorf("stats: %v", stats)
	}
	if got := durableState(t, inst2); got != want {
		t.Errorf("after replay:\n%s\nbefore:\n%s", got, want)
	}
	// The recovered instance goes on logging: one more row survives another crash.
	fill(t, inst2, 30, 31)
	want = durableState(t, inst2)
	crash(t, inst2)
	inst3, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst3.Close()
	if got := durableState(t, inst3); got != want {
		t.Errorf("after a second replay:\n%s\nbefore:\n%s", got, want)
	}
}

// TestDurableSnapshotTail: a snapshot then more writes (rows and a DEPLOY),
// a crash: recovery loads the snapshot and replays only the WAL's tail;
// after Close, the next start reads the snapshot alone.
func TestDurableSnapshotTail(t *testing.T) {
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	inst.SetSnapshotEvery(0)
	s := New(inst)
	runSQL(t, s, `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts));
		CREATE TABLE u (x int); INSERT INTO u VALUES (1), (2)`)
	fill(t, inst, 0, 40)
	if err := inst.Snapshot(); err != nil {
		t.Fatal(err)
	}
	fill(t, inst, 40, 45)
	runSQL(t, s, `DEPLOY f SELECT k, sum(v) OVER w AS s, count(v) OVER w AS c FROM t
		WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 10s PRECEDING AND CURRENT ROW)`)
	fill(t, inst, 45, 47)
	// LOAD DATA in online mode is logged too (one record per batch read).
	csv := filepath.Join(t.TempDir(), "more.csv")
	if err := os.WriteFile(csv, []byte("k,ts,v\na,24000,100.5\nb,24500,200.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runSQL(t, s, "SET @@execute_mode = 'online'; LOAD DATA INFILE '"+csv+"' INTO TABLE t OPTIONS (format = 'csv', header = true)")
	want := durableState(t, inst)
	if !strings.Contains(want, "deployment f: [[a 181 6]") {
		t.Fatalf("setup: %s", want)
	}
	crash(t, inst)

	inst2 := NewInstance()
	stats, err := inst2.Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if stats.SnapshotLSN == 0 || stats.SnapshotRows != 42 || stats.RowRecords != 8 || stats.Rows != 9 {
		t.Errorf("stats: %v", stats)
	}
	if got := durableState(t, inst2); got != want {
		t.Errorf("after snapshot + tail:\n%s\nbefore:\n%s", got, want)
	}
	if err := inst2.Close(); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*"))
	if len(snaps) != 1 {
		t.Errorf("snapshots after Close: %v", snaps)
	}
	inst3 := NewInstance()
	stats, err = inst3.Recover(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst3.Close()
	if stats.RowRecords != 0 || stats.SnapshotRows != 51 {
		t.Errorf("stats after a clean stop: %v", stats)
	}
	if got := durableState(t, inst3); got != want {
		t.Errorf("after a clean stop:\n%s\nbefore:\n%s", got, want)
	}
	// An unfinished snapshot (a crash while writing it) is ignored and removed.
	os.MkdirAll(filepath.Join(dir, "snap-99999999999999999999.tmp"), 0o755)
	crash(t, inst3)
	inst4, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst4.Close()
	if got := durableState(t, inst4); got != want {
		t.Errorf("with an unfinished snapshot:\n%s\nbefore:\n%s", got, want)
	}
}

// TestDurableBackgroundSnapshot: snapshots taken every few records while
// writing lose nothing.
func TestDurableBackgroundSnapshot(t *testing.T) {
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	inst.SetSnapshotEvery(7)
	runSQL(t, New(inst), `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts)); CREATE TABLE u (x int)`)
	fill(t, inst, 0, 60)
	inst.dur.bg.Wait()
	want := durableState(t, inst)
	crash(t, inst)
	inst2, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst2.Close()
	if got := durableState(t, inst2); got != want {
		t.Errorf("after background snapshots:\n%s\nbefore:\n%s", got, want)
	}
}

// TestDurableConcurrent: writers on several tables, DDL and DEPLOYs between
// them, background snapshots every few records; then a crash: every
// acknowledged row is back, once.
func TestDurableConcurrent(t *testing.T) {
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	inst.SetSnapshotEvery(25)
	runSQL(t, New(inst), `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts)); CREATE TABLE u (x int)`)
	const writers, each = 6, 60
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := New(inst)
			for i := range each {
				n := w*each + i
				if err := s.InsertRows("d", "t", [][]types.Value{{types.StringValue(fmt.Sprint(w)), {Kind: types.Timestamp, I: int64(n)}, {Kind: types.Double, F: float64(n)}}}); err != nil {
					t.Error(err)
					return
				}
				if i%20 == 0 {
					s.DB = "d"
					execAll(t, s, fmt.Sprintf("INSERT INTO u VALUES (%d); CREATE TABLE x%d_%d (a int); DEPLOY f%d_%d SELECT k, count(v) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)", n, w, i, w, i))
				}
			}
		}()
	}
	wg.Wait()
	inst.dur.bg.Wait()
	want := durableState(t, inst)
	if !strings.Contains(want, fmt.Sprintf("f%d_%d", writers-1, 40)) {
		t.Fatalf("setup: %s", want)
	}
	crash(t, inst)
	inst2, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst2.Close()
	if got := durableState(t, inst2); got != want {
		t.Errorf("after concurrent writes and snapshots:\n%s\nbefore:\n%s", got, want)
	}
}

// execAll is runSQL for other goroutines: it reports with t.Error.
func execAll(t *testing.T, s *Session, text string) {
	for _, r := range sql.ParseScript(text) {
		if r.Err != nil {
			t.Error(r.Err)
			return
		}
		if _, err := s.Exec(context.Background(), r.Stmt); err != nil {
			t.Errorf("%s: %v", r.Text, err)
			return
		}
	}
}
