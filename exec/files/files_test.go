package files

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/parquet/file"

	"github.com/sundialdb/sundial/types"
)

// allKinds is a schema with every kind, nullable, plus a NOT NULL column.
func allKinds() types.Schema {
	return types.Schema{
		{Name: "b", Kind: types.Bool},
		{Name: "i16", Kind: types.Int16},
		{Name: "i32", Kind: types.Int32},
		{Name: "i64", Kind: types.Int64},
		{Name: "f32", Kind: types.Float},
		{Name: "f64", Kind: types.Double},
		{Name: "s", Kind: types.String},
		{Name: "ts", Kind: types.Timestamp},
		{Name: "d", Kind: types.Date},
		{Name: "id", Kind: types.Int64, NotNull: true},
	}
}

var tricky = []string{"", "plain", "with,comma", `with "quote"`, "line\nbreak", "tab\there", "null", "ünïcødé ✓", " spaced ", "'single'", "a|b"}

// allKindsRows makes n rows of allKinds, with NULLs every 7th row (offset
// per column) when nulls is set.
func allKindsRows(n int, nulls bool) *types.Batch {
	s := allKinds()
	b := &types.Batch{Schema: s, Cols: make([]*types.Column, len(s))}
	for c, f := range s {
		b.Cols[c] = types.NewColumn(f.Kind, n)
	}
	floats := []float64{0, 1.5, -2.25, math.Inf(1), math.Inf(-1), 1e300, -1e-300, math.Copysign(0, -1), 123456.789}
	for r := 0; r < n; r++ {
		vals := []types.Value{
			types.BoolValue(r%3 == 0),
			types.Int16Value(int16(r%65536 - 32768)),
			types.Int32Value(int32(r*7919 - 1<<30)),
			types.Int64Value(int64(r)*1_000_000_007 - 1<<62),
			types.FloatValue(float32(r) / 8),
			types.DoubleValue(floats[r%len(floats)] + float64(r%2)),
			types.StringValue(tricky[r%len(tricky)]),
			types.TimestampValue(1704067200123 + int64(r)*86_400_001 - 50*86_400_000_000),
			types.DateValue(int64(r) - 1000),
			types.Int64Value(int64(r)),
		}
		if r == 5 {
			vals[5] = types.DoubleValue(math.NaN())
		}
		for c, v := range vals {
			if nulls && !s[c].NotNull && (r+c)%7 == 0 {
				v = types.NullOf(s[c].Kind)
			}
			b.Cols[c].Append(v)
		}
	}
	return b
}

func slice(b *types.Batch, lo, hi int) *types.Batch {
	out := &types.Batch{Schema: b.Schema, Cols: make([]*types.Column, len(b.Cols))}
	for i, c := range b.Cols {
		n := &types.Column{Kind: c.Kind}
		if c.Nulls != nil {
			n.Nulls = c.Nulls[lo:hi]
		}
		switch {
		case c.F != nil:
			n.F = c.F[lo:hi]
		case c.S != nil:
			n.S = c.S[lo:hi]
		case c.I != nil:
			n.I = c.I[lo:hi]
		}
		out.Cols[i] = n
	}
	return out
}

// writeAll writes b to path in batches of size rows.
func writeAll(t testing.TB, path string, b *types.Batch, size int, opts WriteOptions) {
	t.Helper()
	w, err := Create(path, b.Schema, opts)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < b.Len(); lo += size {
		if err := w.Write(slice(b, lo, min(lo+size, b.Len()))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readAll reads every row of pattern into one batch.
func readAll(t testing.TB, pattern string, want types.Schema, opts ReadOptions) (*types.Batch, error) {
	t.Helper()
	r, err := Open(pattern, want, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := &types.Batch{Schema: want, Cols: make([]*types.Column, len(want))}
	for i, f := range want {
		out.Cols[i] = types.NewColumn(f.Kind, 0)
	}
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if b.Len() > max(opts.BatchRows, 0) && opts.BatchRows > 0 {
			t.Fatalf("batch of %d rows, BatchRows %d", b.Len(), opts.BatchRows)
		}
		for i, c := range b.Cols {
			if c.Kind != want[i].Kind {
				t.Fatalf("column %d has kind %v, want %v", i, c.Kind, want[i].Kind)
			}
			for k := 0; k < c.Len(); k++ {
				out.Cols[i].Append(c.Value(k))
			}
		}
	}
	if got := r.RowsRead(); got != int64(out.Len()) {
		t.Fatalf("RowsRead = %d, read %d", got, out.Len())
	}
	return out, nil
}

func mustReadAll(t testing.TB, pattern string, want types.Schema, opts ReadOptions) *types.Batch {
	t.Helper()
	b, err := readAll(t, pattern, want, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameRows compares two batches value by value, bit for bit.
func sameRows(t testing.TB, got, want *types.Batch) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("got %d rows, want %d", got.Len(), want.Len())
	}
	for c := range want.Cols {
		for r := 0; r < want.Len(); r++ {
			g, w := got.Cols[c].Value(r), want.Cols[c].Value(r)
			if !types.Identical(g, w) {
				t.Fatalf("row %d column %s: got %v (%#v), want %v (%#v)", r, want.Schema[c].Name, g, g, w, w)
			}
		}
	}
}

func TestRoundTripParquet(t *testing.T) {
	defer func(old int64) { unitRows = old }(unitRows)
	unitRows = 1000 // several decoding units, decoded in parallel
	dir := t.TempDir()
	path := filepath.Join(dir, "all.parquet")
	want := allKindsRows(5500, true)
	writeAll(t, path, want, 777, WriteOptions{RowGroupRows: 1000})

	// the file has 6 row groups of at most 1000 rows
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := pf.NumRowGroups(); n != 6 {
		t.Errorf("%d row groups, want 6", n)
	}
	pf.Close()

	for _, batch := range []int{0, 100, 1000, 4096} {
		got := mustReadAll(t, path, allKinds(), ReadOptions{BatchRows: batch})
		sameRows(t, got, want)
	}
	r, err := Open(path, allKinds(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := r.TotalRows(); !ok || n != 5500 {
		t.Errorf("TotalRows = %d, %v; want 5500, true", n, ok)
	}
	r.Close()
}

func TestRoundTripCSV(t *testing.T) {
	dir := t.TempDir()
	want := allKindsRows(1200, true)
	for _, o := range []CSVOptions{
		{},
		{Delimiter: '|', NullValue: "NA"},
		{Delimiter: '\t', NoHeader: true},
		{Quote: '\'', EmptyIsNull: true},
	} {
		path := filepath.Join(dir, fmt.Sprintf("all_%d.csv", o.Delimiter))
		writeAll(t, path, want, 500, WriteOptions{CSV: o, Mode: ModeOverwrite})
		got := mustReadAll(t, path, allKinds(), ReadOptions{CSV: o, BatchRows: 333})
		sameRows(t, got, want)
		r, err := Open(path, allKinds(), ReadOptions{CSV: o})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.TotalRows(); ok {
			t.Error("TotalRows known for CSV")
		}
		r.Close()
	}
}

func TestEmptyOutput(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"e.parquet", "e.csv"} {
		path := filepath.Join(dir, name)
		w, err := Create(path, allKinds(), WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := mustReadAll(t, path, allKinds(), ReadOptions{})
		if got.Len() != 0 {
			t.Errorf("%s: %d rows", name, got.Len())
		}
	}
}

func TestFileOrder(t *testing.T) {
	dir := t.TempDir()
	schema := types.Schema{{Name: "k", Kind: types.String}, {Name: "n", Kind: types.Int64}}
	mk := func(name string, rows int) {
		b := &types.Batch{Schema: schema, Cols: []*types.Column{types.NewColumn(types.String, rows), types.NewColumn(types.Int64, rows)}}
		for i := 0; i < rows; i++ {
			b.Cols[0].Append(types.StringValue(name))
			b.Cols[1].Append(types.Int64Value(int64(i)))
		}
		writeAll(t, filepath.Join(dir, name), b, 1000, WriteOptions{RowGroupRows: 300})
	}
	mk("part_1.parquet", 1000)
	mk("part_10.parquet", 10)
	mk("part_2.parquet", 500)
	mk("extra.csv", 3)
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".part_3.parquet.tmp-1"), []byte("partial"), 0o644)
	order := func(b *types.Batch) []string {
		var out []string
		for i := 0; i < b.Len(); i++ {
			k := b.Cols[0].S[i]
			if len(out) == 0 || out[len(out)-1] != k {
				out = append(out, k)
			}
			if i > 0 && k == b.Cols[0].S[i-1] && b.Cols[1].I[i] != b.Cols[1].I[i-1]+1 {
				t.Fatalf("rows of %s out of order at %d", k, i)
			}
		}
		return out
	}
	for _, tc := range []struct {
		pattern string
		want    string
	}{
		{filepath.Join(dir, "part_*.parquet"), "part_1.parquet part_10.parquet part_2.parquet"},
		{filepath.Join(dir, "part_2.parquet") + "," + filepath.Join(dir, "part_1*.parquet"), "part_2.parquet part_1.parquet part_10.parquet"},
		{filepath.Join(dir, "extra.csv") + ", " + filepath.Join(dir, "part_10.parquet"), "extra.csv part_10.parquet"},
		{dir, "extra.csv part_1.parquet part_10.parquet part_2.parquet"},
		{filepath.Join(dir, "*"), "extra.csv part_1.parquet part_10.parquet part_2.parquet"},
	} {
		got := mustReadAll(t, tc.pattern, schema, ReadOptions{BatchRows: 128})
		if g := strings.Join(order(got), " "); g != tc.want {
			t.Errorf("%s: files read in order %s, want %s", tc.pattern, g, tc.want)
		}
	}
}

func TestProjection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "five.parquet")
	full := allKindsRows(1000, true)
	five := &types.Batch{Schema: full.Schema[3:8], Cols: full.Cols[3:8]} // i64 f32 f64 s ts
	writeAll(t, path, five, 1000, WriteOptions{})
	writeAll(t, filepath.Join(dir, "five.csv"), five, 1000, WriteOptions{})
	want := types.Schema{{Name: "TS", Kind: types.Timestamp}, {Name: "f64", Kind: types.Double}}
	for _, p := range []string{path, filepath.Join(dir, "five.csv")} {
		got := mustReadAll(t, p, want, ReadOptions{})
		sameRows(t, got, &types.Batch{Schema: want, Cols: []*types.Column{full.Cols[7], full.Cols[5]}})
	}
	// a column read twice
	twice := types.Schema{{Name: "s", Kind: types.String}, {Name: "S", Kind: types.String}}
	got := mustReadAll(t, path, twice, ReadOptions{})
	sameRows(t, got, &types.Batch{Schema: twice, Cols: []*types.Column{full.Cols[6], full.Cols[6]}})
}

// TestProjectionSkipsColumns corrupts the data of a column that is not read:
// reading the other columns still works, so unread columns are not decoded.
func TestProjectionSkipsColumns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.parquet")
	schema := types.Schema{{Name: "a", Kind: types.Int64}, {Name: "b", Kind: types.Int64}}
	b := &types.Batch{Schema: schema, Cols: []*types.Column{types.NewColumn(types.Int64, 0), types.NewColumn(types.Int64, 0)}}
	for i := 0; i < 5000; i++ {
		b.Cols[0].Append(types.Int64Value(int64(i)))
		b.Cols[1].Append(types.Int64Value(int64(i * i)))
	}
	writeAll(t, path, b, 5000, WriteOptions{})
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := pf.MetaData().RowGroup(0).ColumnChunk(0)
	start, size := cc.DataPageOffset(), cc.TotalCompressedSize()
	pf.Close()
	data, _ := os.ReadFile(path)
	for i := start + 8; i < start+size; i++ {
		data[i] = 0xAB
	}
	os.WriteFile(path, data, 0o644)
	got := mustReadAll(t, path, schema[1:], ReadOptions{})
	sameRows(t, got, &types.Batch{Schema: schema[1:], Cols: b.Cols[1:]})
	if _, err := readAll(t, path, schema[:1], ReadOptions{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("reading the corrupt column: err = %v, want an error naming the file", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "events_1.parquet")
	events := types.Schema{{Name: "user_id", Kind: types.String}, {Name: "amount", Kind: types.Double}}
	b := &types.Batch{Schema: events, Cols: []*types.Column{{Kind: types.String, S: []string{"u1"}}, {Kind: types.Double, F: []float64{2.5}}}}
	writeAll(t, good, b, 10, WriteOptions{})
	bad := filepath.Join(dir, "events_2.parquet")
	strAmount := types.Schema{{Name: "user_id", Kind: types.String}, {Name: "amount", Kind: types.String}}
	writeAll(t, bad, &types.Batch{Schema: strAmount, Cols: []*types.Column{{Kind: types.String, S: []string{"u1"}}, {Kind: types.String, S: []string{"2.5"}}}}, 10, WriteOptions{})
	wide := filepath.Join(dir, "wide.parquet")
	writeAll(t, wide, allKindsRows(10, false), 10, WriteOptions{})
	garbage := filepath.Join(dir, "garbage.parquet")
	os.WriteFile(garbage, []byte(strings.Repeat("not parquet at all ", 100)), 0o644)
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	tiny := filepath.Join(dir, "tiny.parquet")
	os.WriteFile(tiny, []byte("PAR1"), 0o644)
	empty := filepath.Join(dir, "empty.parquet")
	os.WriteFile(empty, nil, 0o644)
	badFooter := filepath.Join(dir, "badfooter.parquet")
	bf := append([]byte(nil), data...)
	for i := len(bf) - 40; i < len(bf)-8; i++ {
		bf[i] ^= 0x5A
	}
	os.WriteFile(badFooter, bf, 0o644)

	for _, tc := range []struct {
		pattern string
		want    types.Schema
		msg     string
	}{
		{filepath.Join(dir, "nope.parquet"), events, "nope.parquet: file not found"},
		{filepath.Join(dir, "nope_*.parquet"), events, "nope_*.parquet: no files match"},
		{good + "," + filepath.Join(dir, "missing.csv"), events, "missing.csv: file not found"},
		{filepath.Join(dir, "events_*.parquet"), events, "events_2.parquet: column amount: file has string, table wants double"},
		{good, types.Schema{{Name: "user_id", Kind: types.String}, {Name: "country", Kind: types.String}}, "events_1.parquet: column country: not in file (file has user_id, amount)"},
		{wide, types.Schema{{Name: "i64", Kind: types.Int32}}, "wide.parquet: column i64: file has bigint, table wants int"},
		{wide, types.Schema{{Name: "s", Kind: types.Int64}}, "wide.parquet: column s: file has string, table wants bigint"},
		{wide, types.Schema{{Name: "f64", Kind: types.Float}}, "wide.parquet: column f64: file has double, table wants float"},
		{wide, types.Schema{{Name: "ts", Kind: types.Int64}}, "wide.parquet: column ts: file has timestamp[ms], table wants bigint"},
		{wide, types.Schema{{Name: "d", Kind: types.Timestamp}}, "wide.parquet: column d: file has date, table wants timestamp"},
		{wide, types.Schema{{Name: "b", Kind: types.Int32}}, "wide.parquet: column b: file has bool, table wants int"},
		{garbage, events, "garbage.parquet: not a readable Parquet file"},
		{truncated, events, "truncated.parquet: not a readable Parquet file"},
		{tiny, events, "tiny.parquet: not a readable Parquet file"},
		{empty, events, "empty.parquet: not a readable Parquet file"},
		{badFooter, events, "badfooter.parquet:"},
	} {
		r, err := Open(tc.pattern, tc.want, ReadOptions{})
		if err == nil {
			// some corruption only shows when the data is read
			_, err = readAll(t, tc.pattern, tc.want, ReadOptions{})
			r.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Open(%s): err = %v, want it to contain %q", filepath.Base(tc.pattern), err, tc.msg)
		}
	}
}

// TestCorruptData damages pages of a real file in many places: reading
// must fail with an error naming the file (or, where the damage hits bytes
// no check covers, succeed), never panic or hang.
func TestCorruptData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.parquet")
	want := allKindsRows(3000, true)
	writeAll(t, path, want, 3000, WriteOptions{RowGroupRows: 1000})
	data, _ := os.ReadFile(path)
	bad := filepath.Join(dir, "bad.parquet")
	failures := 0
	for off := 4; off < len(data)-8; off += len(data) / 61 {
		d := append([]byte(nil), data...)
		for i := off; i < min(off+16, len(d)-8); i++ {
			d[i] = byte(i * 37)
		}
		os.WriteFile(bad, d, 0o644)
		_, err := readAll(t, bad, allKinds(), ReadOptions{})
		if err != nil {
			failures++
			if !strings.Contains(err.Error(), "bad.parquet") {
				t.Errorf("offset %d: error does not name the file: %v", off, err)
			}
		}
	}
	if failures == 0 {
		t.Error("no damage was detected")
	}
	// a damaged page header must not lose rows silently
	d := append([]byte(nil), data...)
	for i := 4; i < 60; i++ {
		d[i] = 0xFF
	}
	os.WriteFile(bad, d, 0o644)
	if _, err := readAll(t, bad, allKinds(), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "corrupt Parquet data") {
		t.Errorf("damaged first page: err = %v", err)
	}
	// cut anywhere: always an error
	for _, n := range []int{len(data) - 1, len(data) - 9, len(data) / 3, 100, 3} {
		os.WriteFile(bad, data[:n], 0o644)
		if _, err := readAll(t, bad, allKinds(), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "bad.parquet") {
			t.Errorf("truncated to %d bytes: err = %v", n, err)
		}
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	schema := types.Schema{{Name: "id", Kind: types.Int32}, {Name: "ts", Kind: types.Timestamp}, {Name: "x", Kind: types.Double, NotNull: true}}
	for _, tc := range []struct {
		text, msg string
	}{
		{"id,ts,x\n1,2,3\n2,oops,4\n", "bad.csv:3: column ts: cannot parse \"oops\" as timestamp"},
		{"id,ts,x\n99999999999,2,3\n", "bad.csv:2: column id: \"99999999999\" is out of range for int"},
		{"id,ts,x\n1,2\n", "bad.csv:2: 2 fields, want 3"},
		{"id,ts,x\n1,2,null\n", "bad.csv:2: column x: NULL in a NOT NULL column"},
		{"id,ts,x\n1,2,\"3\n", "bad.csv:2: unterminated quoted field"},
		{"id,x\n1,2\n", "bad.csv: column ts: not in file (header has id, x)"},
		{"", "bad.csv: empty file: no header row"},
		{"id,ts,x\n1,2024-02-30 00:00:00,1\n", "cannot parse \"2024-02-30 00:00:00\" as timestamp"},
	} {
		path := filepath.Join(dir, "bad.csv")
		os.WriteFile(path, []byte(tc.text), 0o644)
		_, err := readAll(t, path, schema, ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: err = %v, want %q", tc.text, err, tc.msg)
		}
	}
}

func TestCSVOptions(t *testing.T) {
	dir := t.TempDir()
	schema := types.Schema{
		{Name: "name", Kind: types.String},
		{Name: "ts", Kind: types.Timestamp},
		{Name: "day", Kind: types.Date},
		{Name: "ok", Kind: types.Bool},
		{Name: "n", Kind: types.Int64},
		{Name: "x", Kind: types.Float},
	}
	shanghai := time.FixedZone("CST", 8*3600)
	text := "\ufeffName;TS;day;ok;n;x;ignored\r\n" +
		"'a;b';2024-01-02 03:04:05;2024-01-02;true;-5;1.5;zz\r\n" +
		"'it''s';1704164645000;1970-01-01;0;NA;NA;\r\n" +
		"\r\n" +
		"'multi\nline';2024-01-02T03:04:05.250;1969-12-31;FALSE;;;q\n" +
		"NA;2024-01-02 03:04:05Z;2000-02-29;1;7;-0.25;\n" +
		"'NA';2024-01-02;2024-12-31;1; 8 ;3e2;"
	path := filepath.Join(dir, "opts.txt")
	os.WriteFile(path, []byte(text), 0o644)
	ro, _, err := ParseOptions(map[string]string{"delimiter": ";", "null_value": "NA", "quote": "'", "format": "csv", "header": "true"})
	if err != nil {
		t.Fatal(err)
	}
	ro.Loc = shanghai
	got := mustReadAll(t, path, schema, ro)
	local := func(s string) int64 {
		tm, _ := time.ParseInLocation("2006-01-02 15:04:05.000", s, shanghai)
		return tm.UnixMilli()
	}
	null := types.Value{Null: true}
	rows := [][]types.Value{
		{types.StringValue("a;b"), types.TimestampValue(local("2024-01-02 03:04:05.000")), types.DateValue(19724), types.BoolValue(true), types.Int64Value(-5), types.FloatValue(1.5)},
		{types.StringValue("it's"), types.TimestampValue(1704164645000), types.DateValue(0), types.BoolValue(false), null, null},
		{types.StringValue("multi\nline"), types.TimestampValue(local("2024-01-02 03:04:05.250")), types.DateValue(-1), types.BoolValue(false), null, null},
		{null, types.TimestampValue(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()), types.DateValue(11016), types.BoolValue(true), types.Int64Value(7), types.FloatValue(-0.25)},
		{types.StringValue("NA"), types.TimestampValue(local("2024-01-02 00:00:00.000")), types.DateValue(20088), types.BoolValue(true), types.Int64Value(8), types.FloatValue(300)},
	}
	if got.Len() != len(rows) {
		t.Fatalf("%d rows, want %d", got.Len(), len(rows))
	}
	for r, row := range rows {
		for c, w := range row {
			g := got.Cols[c].Value(r)
			if w.Null != g.Null || (!w.Null && (w.I != g.I || w.F != g.F || w.S != g.S)) {
				t.Errorf("row %d column %s: got %v, want %v", r, schema[c].Name, g, w)
			}
		}
	}

	// no header: by position; no quoting
	path2 := filepath.Join(dir, "nohdr.csv")
	os.WriteFile(path2, []byte("\"x\",1\n\"y\",null\n"), 0o644)
	s2 := types.Schema{{Name: "a", Kind: types.String}, {Name: "b", Kind: types.Int32}}
	got = mustReadAll(t, path2, s2, ReadOptions{CSV: CSVOptions{NoHeader: true, NoQuote: true}})
	if got.Cols[0].S[0] != `"x"` || got.Cols[1].I[0] != 1 || !got.Cols[1].IsNull(1) {
		t.Errorf("no header, no quote: got %v %v", got.Cols[0].S, got.Cols[1])
	}

	if _, _, err := ParseOptions(map[string]string{"delimiter": ",,"}); err == nil {
		t.Error("two-byte delimiter accepted")
	}
	if _, _, err := ParseOptions(map[string]string{"bogus": "1"}); err == nil {
		t.Error("unknown option accepted")
	}
	_, wo, err := ParseOptions(map[string]string{"MODE": "overwrite", "header": "false"})
	if err != nil || wo.Mode != ModeOverwrite || !wo.CSV.NoHeader {
		t.Errorf("ParseOptions: %+v, %v", wo, err)
	}
}

func TestParquetTypeConversions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "arrow.parquet")
	writeArrowTypes(t, path)
	want := types.Schema{
		{Name: "ts_s", Kind: types.Timestamp},
		{Name: "ts_us", Kind: types.Timestamp},
		{Name: "ts_ns", Kind: types.Timestamp},
		{Name: "i8", Kind: types.Int16},
		{Name: "u16", Kind: types.Int32},
		{Name: "i32", Kind: types.Int64},
		{Name: "u32", Kind: types.Int64},
		{Name: "f32", Kind: types.Double},
		{Name: "ls", Kind: types.String},
		{Name: "bin", Kind: types.String},
		{Name: "dict", Kind: types.String},
	}
	got := mustReadAll(t, path, want, ReadOptions{})
	exp := [][]types.Value{
		{types.TimestampValue(-1000), types.TimestampValue(-2), types.TimestampValue(-1), types.Int16Value(-8), types.Int32Value(65535), types.Int64Value(-1 << 31), types.Int64Value(1<<32 - 1), types.DoubleValue(0.5), types.StringValue("large"), types.StringValue("\x00\xff"), types.StringValue("k1")},
		{types.TimestampValue(1704067200000), types.TimestampValue(1704067200123), types.TimestampValue(1704067200123), types.NullOf(types.Int16), types.Int32Value(0), types.Int64Value(7), types.Int64Value(0), types.DoubleValue(-1.25), types.StringValue(""), types.NullOf(types.String), types.StringValue("k0")},
	}
	for r, row := range exp {
		for c, w := range row {
			if g := got.Cols[c].Value(r); !types.Identical(g, w) {
				t.Errorf("row %d column %s: got %v, want %v", r, want[c].Name, g, w)
			}
		}
	}
	for _, bad := range []types.Schema{
		{{Name: "u32", Kind: types.Int32}},
		{{Name: "u64", Kind: types.Int64}},
		{{Name: "i32", Kind: types.Int16}},
		{{Name: "f32", Kind: types.Int64}},
		{{Name: "d64", Kind: types.Date}}, // pqarrow stores date64 as timestamp[ms]
	} {
		if _, err := Open(path, bad, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "arrow.parquet: column "+bad[0].Name+": file has ") {
			t.Errorf("%s as %s: err = %v", bad[0].Name, bad[0].Kind, err)
		}
	}
}

func TestWriterModes(t *testing.T) {
	dir := t.TempDir()
	b := allKindsRows(10, true)
	path := filepath.Join(dir, "out.parquet")
	writeAll(t, path, b, 10, WriteOptions{})
	if _, err := Create(path, b.Schema, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "out.parquet: file exists") {
		t.Errorf("error_if_exists: err = %v", err)
	}
	// another writer takes the name while we write
	w, err := Create(filepath.Join(dir, "race.parquet"), b.Schema, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	os.WriteFile(filepath.Join(dir, "race.parquet"), []byte("theirs"), 0o644)
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "file exists") {
		t.Errorf("name taken during write: err = %v", err)
	}
	if d, _ := os.ReadFile(filepath.Join(dir, "race.parquet")); string(d) != "theirs" {
		t.Error("the other file was replaced")
	}
	// overwrite
	small := slice(b, 0, 3)
	writeAll(t, path, small, 10, WriteOptions{Mode: ModeOverwrite})
	sameRows(t, mustReadAll(t, path, b.Schema, ReadOptions{}), small)
	// append: Parquet refused, CSV appends without a second header
	if _, err := Create(path, b.Schema, WriteOptions{Mode: ModeAppend}); err == nil || !strings.Contains(err.Error(), "append") {
		t.Errorf("append to Parquet: err = %v", err)
	}
	csv := filepath.Join(dir, "out.csv")
	writeAll(t, csv, slice(b, 0, 4), 10, WriteOptions{Mode: ModeAppend})
	writeAll(t, csv, slice(b, 4, 10), 3, WriteOptions{Mode: ModeAppend})
	sameRows(t, mustReadAll(t, csv, b.Schema, ReadOptions{}), b)
	// an aborted append leaves the file as it was
	before, _ := os.ReadFile(csv)
	w, err = Create(csv, b.Schema, WriteOptions{Mode: ModeAppend})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Abort()
	if after, _ := os.ReadFile(csv); string(after) != string(before) {
		t.Error("aborted append changed the file")
	}
	w, _ = Create(filepath.Join(dir, "new.csv"), b.Schema, WriteOptions{Mode: ModeAppend})
	w.Write(b)
	w.Abort()
	noFile(t, filepath.Join(dir, "new.csv"))
	noTemps(t, dir)
}

func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists (err %v)", path, err)
	}
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestNoPartialOutput(t *testing.T) {
	dir := t.TempDir()
	b := allKindsRows(100_000, true)
	for _, name := range []string{"a.parquet", "a.csv"} {
		path := filepath.Join(dir, name)
		// Abort
		w, err := Create(path, b.Schema, WriteOptions{RowGroupRows: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		w.Abort()
		if err := w.Write(b); err == nil {
			t.Error("Write after Abort succeeded")
		}
		if err := w.Close(); err == nil || !strings.Contains(err.Error(), "aborted") {
			t.Errorf("Close after Abort: %v", err)
		}
		noFile(t, path)
		// a failed Write: wrong kind
		w, _ = Create(path, b.Schema, WriteOptions{})
		w.Write(slice(b, 0, 10))
		wrong := slice(b, 0, 10)
		wrong.Cols = append([]*types.Column{}, wrong.Cols...)
		wrong.Cols[2] = &types.Column{Kind: types.String, S: make([]string, 10)}
		if err := w.Write(wrong); err == nil || !strings.Contains(err.Error(), name+": column i32: batch has string, file has int") {
			t.Errorf("wrong kind: err = %v", err)
		}
		if err := w.Write(b); err == nil {
			t.Error("Write after a failed Write succeeded")
		}
		if err := w.Close(); err == nil {
			t.Error("Close after a failed Write succeeded")
		}
		noFile(t, path)
		// NULL in a NOT NULL column
		w, _ = Create(path, b.Schema, WriteOptions{})
		bad := slice(b, 0, 10)
		bad.Cols = append([]*types.Column{}, bad.Cols...)
		bad.Cols[9] = &types.Column{Kind: types.Int64, I: make([]int64, 10), Nulls: make([]bool, 10)}
		bad.Cols[9].Nulls[4] = true
		if err := w.Write(bad); err == nil || !strings.Contains(err.Error(), "column id: NULL in a NOT NULL column") {
			t.Errorf("NULL in NOT NULL: err = %v", err)
		}
		w.Close()
		noFile(t, path)
		// ragged batch
		w, _ = Create(path, b.Schema, WriteOptions{})
		ragged := slice(b, 0, 10)
		ragged.Cols = append([]*types.Column{}, ragged.Cols...)
		ragged.Cols[1] = &types.Column{Kind: types.Int16, I: make([]int64, 9)}
		if err := w.Write(ragged); err == nil || !strings.Contains(err.Error(), "column i16: 9 values in a batch of 10 rows") {
			t.Errorf("ragged: err = %v", err)
		}
		w.Abort()
		noFile(t, path)
	}
	// the directory disappears under the writer: Close fails, nothing left
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	w, err := Create(filepath.Join(sub, "x.parquet"), b.Schema, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	os.RemoveAll(sub)
	if err := w.Close(); err == nil {
		t.Error("Close succeeded after its directory was removed")
	}
	noTemps(t, dir)
	// bad schemas
	if _, err := Create(filepath.Join(dir, "dup.parquet"), types.Schema{{Name: "a", Kind: types.Int64}, {Name: "A", Kind: types.Int64}}, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "column A: duplicate column name") {
		t.Errorf("duplicate names: err = %v", err)
	}
	if _, err := Create(filepath.Join(dir, "nul.parquet"), types.Schema{{Name: "a", Kind: types.Null}}, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "column a: cannot write type null") {
		t.Errorf("null kind: err = %v", err)
	}
	if _, err := Create(dir, b.Schema, WriteOptions{Mode: ModeOverwrite}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: err = %v", err)
	}
}

// TestWriterReusesCallerBatch checks that Write copies: changing the batch
// after Write does not change the file.
func TestWriterReusesCallerBatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.parquet")
	b := allKindsRows(1000, true)
	want := allKindsRows(1000, true)
	w, _ := Create(path, b.Schema, WriteOptions{})
	w.Write(b)
	for _, c := range b.Cols {
		clear(c.I)
		clear(c.F)
		clear(c.S)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sameRows(t, mustReadAll(t, path, want.Schema, ReadOptions{}), want)
}

func TestReaderCloseEarly(t *testing.T) {
	defer func(old int64) { unitRows = old }(unitRows)
	unitRows = 1000
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		writeAll(t, filepath.Join(dir, fmt.Sprintf("f%d.parquet", i)), allKindsRows(5000, false), 5000, WriteOptions{RowGroupRows: 1000})
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		r, err := Open(filepath.Join(dir, "*.parquet"), allKinds(), ReadOptions{BatchRows: 100})
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < i; k++ {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		r.Close()
		r.Close()
		if _, err := r.Next(); err == nil || err == io.EOF {
			t.Errorf("Next after Close: %v", err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines: %d before, %d after", before, after)
	}
}

func TestGenerateW1(t *testing.T) {
	dir := t.TempDir()
	const n = 200_000
	a, b, c := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet"), filepath.Join(dir, "c.parquet")
	for _, p := range []struct {
		path string
		seed int64
	}{{a, 7}, {b, 7}, {c, 8}} {
		if err := GenerateW1(p.path, n, p.seed); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	dc, _ := os.ReadFile(c)
	if string(da) != string(db) {
		t.Error("same seed, different files")
	}
	if string(da) == string(dc) {
		t.Error("different seeds, same file")
	}
	r, err := Open(a, W1Schema(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if total, ok := r.TotalRows(); !ok || total != n {
		t.Errorf("TotalRows = %d, %v", total, ok)
	}
	r.Close()
	got := mustReadAll(t, a, W1Schema(), ReadOptions{})
	if got.Len() != n {
		t.Fatalf("%d rows, want %d", got.Len(), n)
	}
	perKey := map[string]int{}
	cats := map[string]bool{}
	var flags, small int
	var amounts []float64
	for i := 0; i < n; i++ {
		u := got.Cols[0].S[i]
		if len(u) != 7 || u[0] != 'u' || u > "u099999" {
			t.Fatalf("row %d: user_id %q", i, u)
		}
		perKey[u]++
		ts := got.Cols[1].I[i]
		expect := W1Start + int64(i)*W1Span/n
		if ts < expect-W1JitterMs || ts > expect+W1JitterMs {
			t.Fatalf("row %d: ts %d is not within 60 s of %d", i, ts, expect)
		}
		amt := got.Cols[2].F[i]
		if amt < 0.01 || math.Abs(amt*100-math.Round(amt*100)) > 1e-6 {
			t.Fatalf("row %d: amount %v", i, amt)
		}
		if amt < 20 {
			small++
		}
		amounts = append(amounts, amt)
		cats[got.Cols[3].S[i]] = true
		flags += int(got.Cols[4].I[i])
		for c := range got.Cols {
			if got.Cols[c].IsNull(i) {
				t.Fatalf("row %d: NULL", i)
			}
		}
	}
	top := float64(perKey["u000000"]) / n
	if top < 0.11 || top > 0.16 {
		t.Errorf("u000000 holds %.3f of rows, want ~0.135 (Zipf 1.1 over 100k keys)", top)
	}
	if perKey["u000001"] >= perKey["u000000"] || perKey["u000002"] >= perKey["u000001"] {
		t.Errorf("key counts not decreasing: %d %d %d", perKey["u000000"], perKey["u000001"], perKey["u000002"])
	}
	if f := float64(small) / n; f < 0.48 || f > 0.52 {
		t.Errorf("%.3f of amounts below 20, want ~0.5 (median 20)", f)
	}
	if len(cats) != 20 || !cats["cat00"] || !cats["cat19"] {
		t.Errorf("categories: %v", cats)
	}
	if f := float64(flags) / n; f < 0.48 || f > 0.52 {
		t.Errorf("flag mean %.3f", f)
	}
	// half the keys that occur at all hold fewer than ten rows at N=10M;
	// at 200k rows the distinct keys are fewer, but the head is as heavy
	if len(perKey) < 20_000 || len(perKey) > 60_000 {
		t.Errorf("%d distinct keys", len(perKey))
	}
}

func TestFormatDetection(t *testing.T) {
	dir := t.TempDir()
	b := allKindsRows(50, true)
	noExt := filepath.Join(dir, "out")
	writeAll(t, noExt, b, 50, WriteOptions{})
	if d, _ := os.ReadFile(noExt); !strings.HasPrefix(string(d), "b,i16,i32") {
		t.Errorf("a name without extension is not written as CSV: %.20q", d)
	}
	pq := filepath.Join(dir, "out.data")
	writeAll(t, pq, b, 50, WriteOptions{Format: FormatParquet})
	// unknown extensions are sniffed
	sameRows(t, mustReadAll(t, pq, b.Schema, ReadOptions{}), b)
	sameRows(t, mustReadAll(t, noExt, b.Schema, ReadOptions{}), b)
	// an explicit format wins over the name
	if _, err := readAll(t, pq, b.Schema, ReadOptions{Format: FormatCSV}); err == nil {
		t.Error("Parquet read as CSV without error")
	}
	for _, s := range []string{"parquet", "CSV", ""} {
		if _, err := ParseFormat(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseFormat("orc"); err == nil {
		t.Error("orc accepted")
	}
	if _, err := ParseMode("sometimes"); err == nil {
		t.Error("bad mode accepted")
	}
}
