package session

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// storeRowCount is the number of rows a table's store holds.
func storeRowCount(t *testing.T, s *Session, name string) int64 {
	t.Helper()
	tb, err := s.Table(sql.TableName{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := s.inst.StoreIfExists(tb)
	if !ok {
		t.Fatalf("table %s has no store", name)
	}
	return st.Stats().Rows
}

// ttlSession has a table t with a TTL of an hour holding 1000 rows that
// expired an hour ago and 100 live ones, and a table u without a TTL holding
// the same rows.
func ttlSession(t *testing.T) *Session {
	s := New(NewInstance())
	execAll(t, s, `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v int, INDEX(KEY=k, TS=ts, TTL=60m, TTL_TYPE=absolute));
		CREATE TABLE u (k string, ts timestamp, v int, INDEX(KEY=k, TS=ts));`)
	now := storage.NowMillis()
	var rows [][]types.Value
	for i := range 1100 {
		ts := now - 2*3_600_000 + int64(i)
		if i >= 1000 {
			ts = now + int64(i)
		}
		rows = append(rows, []types.Value{types.StringValue(string(rune('a' + i%7))), types.TimestampValue(ts), types.Int32Value(int32(i))})
	}
	for _, name := range []string{"t", "u"} {
		if err := s.InsertRows("d", name, rows); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// The collector evicts the rows a table's TTL expired, from the store
// (their memory is given back), and leaves the live rows and the tables
// without a TTL alone; it stops when told, even while tables are dropped.
func TestCollectorEvictsExpiredRows(t *testing.T) {
	s := ttlSession(t)
	if n := storeRowCount(t, s, "t"); n != 1100 {
		t.Fatalf("t holds %d rows before the collector, want 1100", n)
	}
	stop := s.inst.StartCollector(5*time.Millisecond, nil)
	defer stop()
	deadline := time.Now().Add(20 * time.Second)
	for storeRowCount(t, s, "t") != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("t holds %d rows 20 s after the collector started, want the 100 live ones", storeRowCount(t, s, "t"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := storeRowCount(t, s, "u"); n != 1100 {
		t.Fatalf("u (no TTL) holds %d rows, want 1100", n)
	}
	res, err := s.Exec(context.Background(), mustParse(t, "SELECT count(*) AS n, min(v) AS lo FROM t"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsText(res.Rows); got != "100 1000\n" {
		t.Fatalf("SELECT over t after the collector: %q, want the live rows (100 1000)", got)
	}
	// Dropping a table while the collector runs, then stopping it twice.
	execAll(t, s, "DROP TABLE u;")
	time.Sleep(20 * time.Millisecond)
	stop()
	stop()
}

// collect is one pass: it reports the rows it dropped.
func TestCollectOnce(t *testing.T) {
	s := ttlSession(t)
	if n := s.inst.collect(storage.NowMillis(), slog.Default()); n != 1000 {
		t.Fatalf("Collect dropped %d rows, want 1000", n)
	}
	if n := s.inst.collect(storage.NowMillis(), slog.Default()); n != 0 {
		t.Fatalf("a second Collect dropped %d rows, want 0", n)
	}
	if n := storeRowCount(t, s, "t"); n != 100 {
		t.Fatalf("t holds %d rows, want 100", n)
	}
}
