package session

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// rowsText prints a batch's rows, one per line.
func rowsText(b *types.Batch) string { return neededText(b, nil) }

// neededText prints the needed columns of a batch's rows (need nil: all).
func neededText(b *types.Batch, need []bool) string {
	var sb strings.Builder
	for r := 0; r < b.Len(); r++ {
		for i, c := range b.Cols {
			if i > 0 {
				sb.WriteByte(' ')
			}
			if need != nil && !need[i] {
				sb.WriteByte('-')
				continue
			}
			sb.WriteString(c.Value(r).String())
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// scanAll reads a source with Scan, a batch at a time.
func scanAll(t *testing.T, src *source, s *Session, need []bool) *types.Batch {
	t.Helper()
	tb, err := s.Table(sql.TableName{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := src.Scan(context.Background(), tb, need)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	out := emptyLike(tb.Schema)
	for {
		b, err := it.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.Len() == 0 {
			t.Fatalf("Scan returned an empty batch")
		}
		for i, c := range b.Cols {
			for r := 0; r < c.Len(); r++ {
				out.Cols[i].Append(c.Value(r))
			}
		}
	}
}

// TestBatchReadsStore: rows stored online are kept once, in the store, and
// batch queries read them from it: after the bound files, interleaved with
// AppendRows' rows in the order they came, as of the query's start, a batch
// at a time when scanned.
func TestBatchReadsStore(t *testing.T) {
	defer func(n int) { storeBatchRows = n }(storeBatchRows)
	storeBatchRows = 2
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csvPath, []byte("k,ts,v,f,n\nfile,1,0.5,0.25,1\nfile,2,,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inst := NewInstance()
	s := New(inst)
	runSQL(t, s, `CREATE DATABASE d; USE d;
	CREATE TABLE t (k string, ts timestamp, v double, f float, n int, INDEX(KEY=k, TS=ts));
	CREATE TABLE u (k string, ts timestamp, INDEX(KEY=k, TS=ts));
	LOAD DATA INFILE '`+csvPath+`' INTO TABLE t OPTIONS (format = 'csv', header = true);
	INSERT INTO t VALUES ('ins', 10, 1.1, 0.1, 7), ('ins', 5, NULL, NULL, NULL), (NULL, 11, -0.0, 3.4e38, -2147483648);
	INSERT INTO u VALUES ('x', 1), ('y', 2);`)
	tb, err := s.Table(sql.TableName{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	app := emptyBatchOf(tb.Schema, 0)
	for i, v := range []types.Value{types.StringValue("app"), {Kind: types.Timestamp, I: 3}, types.DoubleValue(9), types.FloatValue(1), types.Int32Value(1)} {
		app.Cols[i].Append(v)
	}
	if err := s.AppendRows(sql.TableName{Name: "t"}, app); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendRows(sql.TableName{Name: "t"}, app); err != nil {
		t.Fatal(err)
	}
	runSQL(t, s, `INSERT INTO t VALUES ('ins2', 4, 2, 2, 2)`)
	if err := s.InsertRows("d", "t", [][]types.Value{{types.StringValue("put"), {Kind: types.Timestamp, I: 6}, types.DoubleValue(3), types.FloatValue(3), types.Int32Value(3)}}); err != nil {
		t.Fatal(err)
	}
	want := `file 1 0.5 0.25 1
file 2 NULL NULL NULL
ins 10 1.1 0.1 7
ins 5 NULL NULL NULL
NULL 11 -0 3.4e+38 -2147483648
app 3 9 1 1
app 3 9 1 1
ins2 4 2 2 2
put 6 3 3 3
`
	query := func(q string) *types.Batch {
		t.Helper()
		out, err := s.Query(context.Background(), mustParse(t, q).(sql.Query))
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return out
	}
	if got := rowsText(query("SELECT * FROM t")); got != want {
		t.Fatalf("SELECT * FROM t:\n%s\nwant\n%s", got, want)
	}
	if got := rowsText(query("SELECT count(*) AS n FROM t")); got != "9\n" {
		t.Fatalf("count(*): %s", got)
	}
	if got := rowsText(query("SELECT k FROM u")); got != "x\ny\n" {
		t.Fatalf("SELECT k FROM u: %s", got)
	}
	// The stored rows are not copied into the batch data: only AppendRows' are there.
	inst.mu.RLock()
	if d := inst.data["d.u"]; d != nil && len(d.mem) > 0 {
		t.Errorf("table u keeps %d in-memory parts", len(d.mem))
	}
	if d := inst.data["d.t"]; len(d.mem) != 1 || d.mem[0].rows.Len() != 2 {
		t.Errorf("table t's in-memory parts: %+v", d.mem)
	}
	inst.mu.RUnlock()

	// A query reads the rows stored before it started; Scan a batch at a time
	// gives what Read gives, whatever columns are needed.
	src := s.sources()["d.t"].(*source)
	runSQL(t, s, `INSERT INTO t VALUES ('later', 100, 0, 0, 0)`)
	if err := s.AppendRows(sql.TableName{Name: "t"}, app); err != nil {
		t.Fatal(err)
	}
	read, err := src.Read(context.Background(), tb, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsText(read); got != want {
		t.Fatalf("Read of a snapshot:\n%s\nwant\n%s", got, want)
	}
	for _, need := range [][]bool{nil, {true, false, true, false, true}, {false, false, false, false, false}} {
		wantScan, err := src.Read(context.Background(), tb, need)
		if err != nil {
			t.Fatal(err)
		}
		if wantScan.Len() != 9 {
			t.Fatalf("Read (need %v): %d rows", need, wantScan.Len())
		}
		if got, want := neededText(scanAll(t, src, s, need), need), neededText(wantScan, need); got != want {
			t.Fatalf("Scan (need %v):\n%s\nwant\n%s", need, got, want)
		}
	}
	// (A CSV file's rows are not known without reading it.)
	tu, _ := s.Table(sql.TableName{Name: "u"})
	if n, ok := s.sources()["d.u"].(*source).Rows(tu); !ok || n != 2 {
		t.Fatalf("Rows of u: %d, %v", n, ok)
	}
	want += "later 100 0 0 0\napp 3 9 1 1\n"
	if got := rowsText(query("SELECT * FROM t")); got != want {
		t.Fatalf("after later rows:\n%s\nwant\n%s", got, want)
	}

	// LOAD DATA ... overwrite replaces the batch data, stored rows included
	// (they stay online); rows stored afterwards are batch data again.
	runSQL(t, s, `LOAD DATA INFILE '`+csvPath+`' INTO TABLE t OPTIONS (format = 'csv', header = true, mode = 'overwrite');
	INSERT INTO t VALUES ('after', 7, 1, 1, 1)`)
	want = "file 1 0.5 0.25 1\nfile 2 NULL NULL NULL\nafter 7 1 1 1\n"
	if got := rowsText(query("SELECT * FROM t")); got != want {
		t.Fatalf("after LOAD DATA overwrite:\n%s\nwant\n%s", got, want)
	}
	if st, ok := inst.StoreIfExists(tb); !ok || st.Stats().Rows != 7 {
		t.Fatalf("the store after LOAD DATA overwrite: %v", st.Stats())
	}
	res := runSQL(t, s, `SELECT k, ts, count(v) OVER w AS c FROM t
	  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW)
	  CONFIG (execute_mode = 'request', values = ('ins', 20, 1.0, 1.0, 1))`)
	if got := rowsText(res.Rows); got != "ins 20 2\n" {
		t.Fatalf("a request over the stored rows: %s", got)
	}
}

// TestStoredRowsAfterDrop: a query whose table is dropped under it fails
// (its store is closed); a new table of the same name starts empty.
func TestStoredRowsAfterDrop(t *testing.T) {
	s := New(NewInstance())
	runSQL(t, s, `CREATE DATABASE d; USE d; CREATE TABLE t (k string, ts timestamp, v double, f float, n int, INDEX(KEY=k, TS=ts));
	INSERT INTO t VALUES ('a', 1, 1, 1, 1)`)
	src := s.sources()["d.t"].(*source)
	tb, _ := s.Table(sql.TableName{Name: "t"})
	runSQL(t, s, `DROP TABLE t`)
	if _, err := src.Read(context.Background(), tb, nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("reading a dropped table's store: %v", err)
	}
	runSQL(t, s, `CREATE TABLE t (k string, ts timestamp, v double, f float, n int, INDEX(KEY=k, TS=ts))`)
	out, err := s.Query(context.Background(), mustParse(t, "SELECT count(*) AS n FROM t").(sql.Query))
	if err != nil || fmt.Sprint(out.Cols[0].Value(0)) != "0" {
		t.Fatalf("the new table t: %v, %v", out, err)
	}
}

// TestBatchQueriesWhileStoring: writers store rows while queries run, in
// memory and out of core: each query sees, for every writer, a prefix of its
// rows in order, and no fewer rows than the query before it.
func TestBatchQueriesWhileStoring(t *testing.T) {
	defer func(n int) { storeBatchRows = n }(storeBatchRows)
	storeBatchRows = 7
	inst := NewInstance()
	runSQL(t, New(inst), `CREATE DATABASE d; USE d; CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts))`)
	const writers, batches, per = 3, 150, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := New(inst)
			for b := range batches {
				var rows [][]types.Value
				for i := range per {
					n := b*per + i
					rows = append(rows, []types.Value{types.StringValue(fmt.Sprint("w", w)), {Kind: types.Timestamp, I: int64(n % 17)}, types.DoubleValue(float64(n))})
				}
				if err := s.InsertRows("d", "t", rows); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	check := func(b *types.Batch, prev int) int {
		next := map[string]float64{}
		for r := 0; r < b.Len(); r++ {
			k, v := b.Cols[0].Value(r).S, b.Cols[1].Value(r).F
			if v != next[k] {
				t.Errorf("writer %s: row %v after %v", k, v, next[k]-1)
				return prev
			}
			next[k]++
		}
		if b.Len() < prev {
			t.Errorf("a query saw %d rows, the one before %d", b.Len(), prev)
		}
		return b.Len()
	}
	var readers sync.WaitGroup
	var done atomic.Bool
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			s := New(inst)
			s.DB = "d"
			s.SpillDir = t.TempDir()
			q := mustParse(t, `SELECT k, v, count(v) OVER w AS c FROM t
			  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)`).(sql.Query)
			prev := 0
			for i := 0; !done.Load() || i < 2; i++ {
				if r == 0 {
					out, err := s.Query(context.Background(), q)
					if err != nil {
						t.Error(err)
						return
					}
					prev = check(out, prev)
					continue
				}
				s.MemoryLimit = 1 // out of core: the table is scanned a batch at a time
				out := emptyLike(nil)
				schema, err := s.Stream(context.Background(), q, func(b *types.Batch) error {
					if out.Schema == nil {
						out = emptyLike(b.Schema)
					}
					for i, c := range b.Cols {
						for r := 0; r < c.Len(); r++ {
							out.Cols[i].Append(c.Value(r))
						}
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if out.Schema == nil {
					out = emptyLike(schema)
				}
				prev = check(out, prev)
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	readers.Wait()
	s := New(inst)
	s.DB = "d"
	out, err := s.Query(context.Background(), mustParse(t, "SELECT k, v FROM t").(sql.Query))
	if err != nil {
		t.Fatal(err)
	}
	if check(out, 0) != writers*batches*per {
		t.Fatalf("%d rows at the end", out.Len())
	}
}
