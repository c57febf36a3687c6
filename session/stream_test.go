package session

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestOfflineSQLWorkflow is the batch workflow through SQL alone, as a user
// types it in `sundial sql`: LOAD DATA binds a file, SELECT ... INTO OUTFILE
// writes the features, and the written file loads back with the same values.
func TestOfflineSQLWorkflow(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := New(NewInstance())
	exec := func(text string) *Result {
		t.Helper()
		var last *Result
		for _, r := range sql.ParseScript(text) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			res, err := s.Exec(ctx, r.Stmt)
			if err != nil {
				t.Fatalf("%s: %v", r.Text, err)
			}
			last = res
		}
		return last
	}
	csvPath := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csvPath, []byte("k,ts,v\na,1000,1.5\nb,1500,7\na,2000,2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "features.parquet")
	exec(`SET @@execute_mode = 'offline';
	CREATE DATABASE d; USE d;
	CREATE TABLE events (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts));
	LOAD DATA INFILE '` + csvPath + `' INTO TABLE events OPTIONS (format = 'csv', header = true, mode = 'append');
	SELECT k, ts, sum(v) OVER w AS s FROM events
	  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
	  INTO OUTFILE '` + out + `' OPTIONS (format = 'parquet', mode = 'overwrite');
	CREATE TABLE features (k string, ts timestamp, s double);
	LOAD DATA INFILE '` + out + `' INTO TABLE features OPTIONS (format = 'parquet');`)
	res := exec(`SELECT k, ts, s FROM features`)
	var got []string
	for r := 0; r < res.Rows.Len(); r++ {
		got = append(got, res.Rows.Cols[0].Value(r).String()+" "+res.Rows.Cols[1].Value(r).String()+" "+res.Rows.Cols[2].Value(r).String())
	}
	want := []string{"a 1000 1.5", "b 1500 7", "a 2000 4"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("features read back:\n\tgot  %q\n\twant %q", got, want)
	}
	// A bad LOAD DATA names the file and column, and changes nothing.
	if _, err := s.Exec(ctx, mustParse(t, `LOAD DATA INFILE '`+out+`' INTO TABLE events OPTIONS (format = 'parquet')`)); err == nil ||
		!strings.Contains(err.Error(), "features.parquet") || !strings.Contains(err.Error(), "column") {
		t.Fatalf("loading a file of another schema: got %v, want an error naming file and column", err)
	}
	if n := exec(`SELECT count(*) AS n FROM events`).Rows.Cols[0].Value(0).I; n != 3 {
		t.Fatalf("events has %d rows after a failed LOAD DATA, want 3", n)
	}
}

func mustParse(t *testing.T, text string) sql.Stmt {
	t.Helper()
	st, err := sql.ParseOne(text)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
