package session

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// diskState is what a restart must keep of the disk table of
// TestDiskTableRestart: deployments' answers, its rows, its indexes.
func diskState(t *testing.T, inst *Instance) string {
	t.Helper()
	s := New(inst)
	s.DB = "d"
	var b strings.Builder
	for _, dep := range []string{"f", "g"} {
		_, out, err := s.Request("d", dep, [][]types.Value{
			{types.StringValue("a"), {Kind: types.Timestamp, I: 25000}, {Kind: types.Double, F: 0.5}, {Kind: types.Int32, I: 1}},
			{types.StringValue("b"), {Kind: types.Timestamp, I: 25000}, {Kind: types.Double, F: 0.25}, {Kind: types.Int32, I: 0}},
		})
		if err != nil {
			fmt.Fprintf(&b, "request %s: %v\n", dep, err)
			continue
		}
		fmt.Fprintf(&b, "deployment %s: %v\n", dep, out)
	}
	for _, q := range []string{"SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k", "SELECT count(*) AS n FROM m", "SHOW TABLES", "SHOW DEPLOYMENTS", "DESC t"} {
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

func diskRows(t *testing.T, s *Session, table string, from, to int) {
	t.Helper()
	var vals []string
	for i := from; i < to; i++ {
		vals = append(vals, fmt.Sprintf("('%c', %d, %d.5, %d)", 'a'+i%3, 1000*i, i, i%2))
	}
	runSQL(t, s, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ", "))
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// A durable instance's disk table keeps its rows in its own directory under
// the data directory, not in the WAL or the snapshots; a restart (after
// Close, or a crash) reopens it with its rows and the indexes DEPLOY added,
// and the replayed deployments answer as before.
func TestDiskTableRestart(t *testing.T) {
	for _, how := range []string{"close", "crash"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			inst, err := OpenInstance(dir)
			if err != nil {
				t.Fatal(err)
			}
			s := New(inst)
			runSQL(t, s, `CREATE DATABASE d; USE d;
				CREATE TABLE t (k string, ts timestamp, v double, flag int, INDEX(KEY=k, TS=ts)) OPTIONS(storage_mode='SSD');
				CREATE TABLE m (k string, ts timestamp, v double, flag int, INDEX(KEY=k, TS=ts))`)
			diskRows(t, s, "t", 0, 20)
			diskRows(t, s, "m", 0, 5)
			// g needs an index on flag: DEPLOY adds it to the disk table.
			runSQL(t, s, `DEPLOY f SELECT k, sum(v) OVER w AS s, count(v) OVER w AS c FROM t
					WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 10s PRECEDING AND CURRENT ROW);
				DEPLOY g SELECT flag, max(v) OVER w AS mx, count(v) OVER w AS c FROM t
					WINDOW w AS (PARTITION BY flag ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)`)
			if err := inst.Snapshot(); err != nil {
				t.Fatal(err)
			}
			diskRows(t, s, "t", 20, 30) // after the snapshot
			diskRows(t, s, "m", 5, 8)
			// A dropped disk table's files go at once.
			runSQL(t, s, `CREATE TABLE gone (k string, ts timestamp, v double, flag int, INDEX(KEY=k, TS=ts)) OPTIONS(storage_mode='hdd')`)
			diskRows(t, s, "gone", 0, 3)
			if got := dirNames(t, filepath.Join(dir, "tables")); len(got) != 2 {
				t.Fatalf("tables/ holds %v, want two tables", got)
			}
			runSQL(t, s, "DROP TABLE gone")
			tables := dirNames(t, filepath.Join(dir, "tables"))
			if len(tables) != 1 {
				t.Fatalf("after DROP TABLE, tables/ holds %v", tables)
			}
			want := diskState(t, inst)
			if !strings.Contains(want, "index2(key=flag") || strings.Contains(want, "request") {
				t.Fatalf("unexpected state before the restart:\n%s", want)
			}
			if how == "close" {
				if err := inst.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				crash(t, inst)
				if err := inst.closeDisk(); err != nil { // releases Pebble's lock, as a dead process would
					t.Fatal(err)
				}
			}
			// No snapshot file and no WAL row record holds the disk table's rows.
			snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*", "t*.snap"))
			if len(snaps) != 1 {
				t.Errorf("snapshot files %v: want one (table m's)", snaps)
			}
			// A stale directory (a table created just before a crash, never logged) goes on restart.
			if err := os.MkdirAll(filepath.Join(dir, "tables", "t99"), 0o755); err != nil {
				t.Fatal(err)
			}

			inst2 := NewInstance()
			stats, err := inst2.Recover(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer inst2.Close()
			if how == "close" && stats.Rows != 0 {
				t.Errorf("recovery replayed %d WAL rows after a clean close", stats.Rows)
			}
			if how == "crash" && stats.Rows != 3 {
				t.Errorf("recovery replayed %d WAL rows, want 3 (table m's after the snapshot): %v", stats.Rows, stats)
			}
			if got := diskState(t, inst2); got != want {
				t.Fatalf("after the restart:\n%s\nwant:\n%s", got, want)
			}
			if got := dirNames(t, filepath.Join(dir, "tables")); fmt.Sprint(got) != fmt.Sprint(tables) {
				t.Errorf("tables/ holds %v after the restart, want %v", got, tables)
			}
			// Writes go on, and a second restart sees them.
			s2 := New(inst2)
			s2.DB = "d"
			diskRows(t, s2, "t", 30, 33)
			want2 := diskState(t, inst2)
			if want2 == want {
				t.Fatal("rows inserted after the restart changed nothing")
			}
			if err := inst2.Close(); err != nil {
				t.Fatal(err)
			}
			inst3, err := OpenInstance(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer inst3.Close()
			if got := diskState(t, inst3); got != want2 {
				t.Fatalf("after the second restart:\n%s\nwant:\n%s", got, want2)
			}
		})
	}
}

// An in-memory instance keeps its disk tables in a temporary directory that
// Close removes (and DROP TABLE of the last one).
func TestDiskTableInMemoryInstance(t *testing.T) {
	for _, end := range []string{"close", "drop"} {
		t.Run(end, func(t *testing.T) {
			inst := NewInstance()
			s := New(inst)
			runSQL(t, s, `CREATE DATABASE d; USE d;
				CREATE TABLE t (k string, ts timestamp, v double, flag int, INDEX(KEY=k, TS=ts)) OPTIONS(storage_mode='ssd')`)
			diskRows(t, s, "t", 0, 10)
			root := inst.disk.root
			if root == "" || len(dirNames(t, root)) != 1 {
				t.Fatalf("disk tables' directory %q holds %v", root, dirNames(t, root))
			}
			res := runSQL(t, s, "SELECT count(*) AS n FROM t")
			if n := res.Rows.Cols[0].Value(0).I; n != 10 {
				t.Fatalf("count = %d", n)
			}
			if end == "close" {
				if err := inst.Close(); err != nil {
					t.Fatal(err)
				}
				if err := s.InsertRows("d", "t", [][]types.Value{{types.StringValue("a"), {Kind: types.Timestamp, I: 1}, {Kind: types.Double, F: 1}, {Kind: types.Int32, I: 1}}}); err == nil {
					t.Error("an insert into a closed instance's disk table succeeded")
				}
			} else {
				runSQL(t, s, "DROP TABLE t")
			}
			if _, err := os.Stat(root); !os.IsNotExist(err) {
				t.Fatalf("%s still exists after %s: %v", root, end, err)
			}
		})
	}
}

// A disk table's acknowledged rows survive the process dying without Close
// (os.Exit in a child process: no snapshot, nothing flushed beyond what each
// write did).
func TestDiskTableKilled(t *testing.T) {
	if dir := os.Getenv("SUNDIAL_DISK_CHILD"); dir != "" {
		inst, err := OpenInstance(dir)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(2)
		}
		s := New(inst)
		s.DB = "d"
		for i := 0; i < 50; i++ {
			if err := s.InsertRows("d", "t", [][]types.Value{{types.StringValue("a"), {Kind: types.Timestamp, I: int64(i)}, {Kind: types.Double, F: float64(i)}, {Kind: types.Int32, I: 0}}}); err != nil {
				fmt.Println("insert:", err)
				os.Exit(2)
			}
		}
		fmt.Println("acknowledged 50")
		os.Exit(0) // no Close
	}
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	runSQL(t, New(inst), `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v double, flag int, INDEX(KEY=k, TS=ts)) OPTIONS(storage_mode='ssd')`)
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskTableKilled$")
	cmd.Env = append(os.Environ(), "SUNDIAL_DISK_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "acknowledged 50") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	inst2, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst2.Close()
	s := New(inst2)
	s.DB = "d"
	res := runSQL(t, s, "SELECT count(*) AS n, sum(v) AS s FROM t")
	if n, sum := res.Rows.Cols[0].Value(0).I, res.Rows.Cols[1].Value(0).F; n != 50 || sum != 1225 {
		t.Fatalf("after the kill: %d rows, sum %v; want 50 and 1225", n, sum)
	}
}
