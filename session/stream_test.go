package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// TestOutOfCoreMatchesInMemory runs feature queries over a real Parquet file
// twice: in memory, and out of core under a memory limit small enough to
// force spilling into several buckets. The results must be identical, row for
// row and bit for bit, in the same order.
func TestOutOfCoreMatchesInMemory(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "events.parquet")
	if err := files.GenerateW1(data, 30000, 7); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := New(NewInstance())
	s.SpillDir = dir
	run := func(text string) {
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
	run(`CREATE DATABASE d; USE d;
	CREATE TABLE events (user_id string, ts timestamp, amount double, category string, flag int);
	LOAD DATA INFILE '` + data + `' INTO TABLE events OPTIONS (format = 'parquet');
	CREATE TABLE cats (category string, weight double, cts timestamp);
	INSERT INTO cats VALUES ('cat01', 1.5, 1), ('cat02', 2.5, 2), ('cat01', 3.5, 3);`)
	for _, q := range []string{
		// W1's features: several frames over one key.
		`SELECT user_id, ts, sum(amount) OVER w1h AS s1h, count(amount) OVER w1h AS c1h, avg(amount) OVER w1d AS a1d,
		   max(amount) OVER w1d AS m1d, sum(amount) OVER w10r AS s10r, distinct_count(category) OVER w1d AS dc
		 FROM events
		 WINDOW w1h AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW),
		        w1d AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW MAXSIZE 50),
		        w10r AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)`,
		// A WHERE below the windows, a LAST JOIN above them, an expression over both.
		`SELECT user_id, ts, cats.weight * sum(amount) OVER w AS x, lag(amount, 2) OVER w AS l2
		 FROM events LAST JOIN cats ORDER BY cats.cts ON events.category = cats.category
		 WHERE flag = 1
		 WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 30m PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)`,
		// No window: row-local work only.
		`SELECT user_id, amount * 2 AS a2 FROM events WHERE amount > 100`,
	} {
		stmt, err := sql.ParseOne(q)
		if err != nil {
			t.Fatal(err)
		}
		s.MemoryLimit = 0
		want, err := s.Query(ctx, stmt.(sql.Query))
		if err != nil {
			t.Fatalf("in memory: %v", err)
		}
		s.MemoryLimit = 256 << 10 // forces several buckets
		var got *types.Batch
		_, err = s.Stream(ctx, stmt.(sql.Query), func(b *types.Batch) error {
			if got == nil {
				got = emptyLike(b.Schema)
			}
			for i, c := range b.Cols {
				for r := 0; r < c.Len(); r++ {
					got.Cols[i].Append(c.Value(r))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("out of core: %v", err)
		}
		if got.Len() != want.Len() {
			t.Fatalf("%d rows out of core, %d in memory", got.Len(), want.Len())
		}
		for i := range want.Cols {
			for r := 0; r < want.Len(); r++ {
				if a, b := want.Cols[i].Value(r), got.Cols[i].Value(r); !types.Identical(a, b) {
					t.Fatalf("row %d, column %s: in memory %v, out of core %v", r, want.Schema[i].Name, a, b)
				}
			}
		}
		t.Logf("%d rows identical", want.Len())
	}
}

func emptyLike(s types.Schema) *types.Batch {
	b := &types.Batch{Schema: s}
	for _, f := range s {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, 0))
	}
	return b
}
