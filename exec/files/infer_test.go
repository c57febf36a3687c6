package files

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/sundialdb/sundial/types"
)

// inferWriteParquet writes a one-row Parquet file with the given arrow
// fields (every value NULL, so any type can be built the same way).
func inferWriteParquet(t *testing.T, path string, fields ...arrow.Field) {
	t.Helper()
	sc := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, fb := range b.Fields() {
		fb.AppendNull()
	}
	rec := b.NewRecord()
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.Record{rec})
	defer tbl.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	if err := pqarrow.WriteTable(tbl, f, 1, nil, props); err != nil {
		t.Fatal(err)
	}
}

func inferWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func inferField(name string, dt arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: dt, Nullable: true}
}

// inferOpens checks that Open accepts the inferred schema and reads the
// files through.
func inferOpens(t *testing.T, pattern string, s types.Schema, opts ReadOptions) {
	t.Helper()
	r, err := Open(pattern, s, opts)
	if err != nil {
		t.Fatalf("Open with the inferred schema: %v", err)
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
}

func TestInferSchemaParquet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.parquet")
	inferWriteParquet(t, path,
		inferField("b", arrow.FixedWidthTypes.Boolean),
		inferField("i8", arrow.PrimitiveTypes.Int8),
		inferField("i16", arrow.PrimitiveTypes.Int16),
		inferField("i32", arrow.PrimitiveTypes.Int32),
		inferField("i64", arrow.PrimitiveTypes.Int64),
		inferField("f32", arrow.PrimitiveTypes.Float32),
		inferField("f64", arrow.PrimitiveTypes.Float64),
		inferField("s", arrow.BinaryTypes.String),
		inferField("ls", arrow.BinaryTypes.LargeString),
		inferField("bin", arrow.BinaryTypes.Binary),
		inferField("ts_s", &arrow.TimestampType{Unit: arrow.Second}),
		inferField("ts_ms", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}),
		inferField("ts_us", &arrow.TimestampType{Unit: arrow.Microsecond}),
		inferField("ts_ns", &arrow.TimestampType{Unit: arrow.Nanosecond}),
		inferField("d", arrow.FixedWidthTypes.Date32),
		inferField("u8", arrow.PrimitiveTypes.Uint8),
		inferField("u16", arrow.PrimitiveTypes.Uint16),
		inferField("u32", arrow.PrimitiveTypes.Uint32),
		inferField("Mixed_Case", arrow.PrimitiveTypes.Int32),
		inferField("lb", arrow.BinaryTypes.LargeBinary),
		inferField("dict", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}),
	)
	want := types.Schema{
		{Name: "b", Kind: types.Bool},
		{Name: "i8", Kind: types.Int16},
		{Name: "i16", Kind: types.Int16},
		{Name: "i32", Kind: types.Int32},
		{Name: "i64", Kind: types.Int64},
		{Name: "f32", Kind: types.Float},
		{Name: "f64", Kind: types.Double},
		{Name: "s", Kind: types.String},
		{Name: "ls", Kind: types.String},
		{Name: "bin", Kind: types.String},
		{Name: "ts_s", Kind: types.Timestamp},
		{Name: "ts_ms", Kind: types.Timestamp},
		{Name: "ts_us", Kind: types.Timestamp},
		{Name: "ts_ns", Kind: types.Timestamp},
		{Name: "d", Kind: types.Date},
		{Name: "u8", Kind: types.Int16},
		{Name: "u16", Kind: types.Int32},
		{Name: "u32", Kind: types.Int64},
		{Name: "Mixed_Case", Kind: types.Int32},
		{Name: "lb", Kind: types.String},
		{Name: "dict", Kind: types.String},
	}
	got, err := InferSchema(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	inferOpens(t, path, got, ReadOptions{})
}

func TestInferSchemaParquetFirstFile(t *testing.T) {
	dir := t.TempDir()
	// the glob expands sorted: a.parquet is first; b.parquet's schema differs
	inferWriteParquet(t, filepath.Join(dir, "b.parquet"), inferField("other", arrow.BinaryTypes.String))
	inferWriteParquet(t, filepath.Join(dir, "a.parquet"), inferField("id", arrow.PrimitiveTypes.Int64))
	got, err := InferSchema(filepath.Join(dir, "*.parquet"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (types.Schema{{Name: "id", Kind: types.Int64}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// a comma-separated list: its first entry decides
	got, err = InferSchema(filepath.Join(dir, "b.parquet")+", "+filepath.Join(dir, "a.parquet"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (types.Schema{{Name: "other", Kind: types.String}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// a file without a Parquet extension is sniffed; opts.Format overrides
	data, err := os.ReadFile(filepath.Join(dir, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	inferWriteFile(t, filepath.Join(dir, "a.dat"), string(data))
	for _, opts := range []ReadOptions{{}, {Format: FormatParquet}} {
		got, err = InferSchema(filepath.Join(dir, "a.dat"), opts)
		if err != nil {
			t.Fatal(err)
		}
		if want := (types.Schema{{Name: "id", Kind: types.Int64}}); !reflect.DeepEqual(got, want) {
			t.Fatalf("format %v: got %v, want %v", opts.Format, got, want)
		}
	}
}

func TestInferSchemaParquetUnsupported(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		dt   arrow.DataType
	}{
		{"u64", arrow.PrimitiveTypes.Uint64},
		{"dec", &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{"tm", arrow.FixedWidthTypes.Time32ms},
		{"lst", arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{"st", arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true})},
	} {
		path := filepath.Join(dir, tc.name+".parquet")
		inferWriteParquet(t, path, inferField("ok", arrow.PrimitiveTypes.Int32), inferField(tc.name, tc.dt))
		_, err := InferSchema(path, ReadOptions{})
		if err == nil {
			t.Errorf("%s: no error", tc.dt)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "column "+tc.name+":") {
			t.Errorf("%s: error %q does not name the file and the column", tc.dt, msg)
		}
	}
}

func TestInferSchemaCSV(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		opts          ReadOptions
		want          []string
	}{
		{"plain.csv", "id,name,ts\n1,a,2024-01-01\n", ReadOptions{}, []string{"id", "name", "ts"}},
		{"crlf.csv", "id,name\r\n1,a\r\n", ReadOptions{}, []string{"id", "name"}},
		{"bom.csv", "\ufeffid,name\n", ReadOptions{}, []string{"id", "name"}},
		{"noeol.csv", "id,name", ReadOptions{}, []string{"id", "name"}},
		{"spaces.csv", " id , name \n", ReadOptions{}, []string{"id", "name"}},
		{"blank.csv", "\n\nid,name\n", ReadOptions{}, []string{"id", "name"}},
		{"quoted.csv", "\"a,b\",\"say \"\"hi\"\"\",c\n", ReadOptions{}, []string{"a,b", `say "hi"`, "c"}},
		{"semi.txt", "x;y;z\n", ReadOptions{CSV: CSVOptions{Delimiter: ';'}}, []string{"x", "y", "z"}},
		{"tab.tsv", "x\ty\n", ReadOptions{CSV: CSVOptions{Delimiter: '\t'}}, []string{"x", "y"}},
		{"squote.csv", "'a,b',c\n", ReadOptions{CSV: CSVOptions{Quote: '\''}}, []string{"a,b", "c"}},
		{"noheader.csv", "1,2,3\n4,5,6\n", ReadOptions{CSV: CSVOptions{NoHeader: true}}, []string{"_c0", "_c1", "_c2"}},
		{"events", "k,v\n", ReadOptions{Format: FormatCSV}, []string{"k", "v"}}, // no extension
		{"sniffed.dat", "k,v\n", ReadOptions{}, []string{"k", "v"}},             // not Parquet's magic: CSV
	} {
		path := filepath.Join(dir, tc.name)
		inferWriteFile(t, path, tc.content)
		got, err := InferSchema(path, tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var want types.Schema
		for _, n := range tc.want {
			want = append(want, types.Field{Name: n, Kind: types.String})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, want)
			continue
		}
		inferOpens(t, path, got, tc.opts)
	}
}

func TestInferSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		inferWriteFile(t, p, content)
		return p
	}
	dupPq := filepath.Join(dir, "dup.parquet")
	inferWriteParquet(t, dupPq, inferField("id", arrow.PrimitiveTypes.Int32), inferField("ID", arrow.PrimitiveTypes.Int64))
	for _, tc := range []struct {
		pattern string
		opts    ReadOptions
		want    []string // substrings of the error
	}{
		{filepath.Join(dir, "missing.parquet"), ReadOptions{}, []string{"missing.parquet", "not found"}},
		{filepath.Join(dir, "nothing*.parquet"), ReadOptions{}, []string{"nothing*.parquet", "no files match"}},
		{file("empty.csv", ""), ReadOptions{}, []string{"empty.csv", "empty file"}},
		{file("empty2.csv", ""), ReadOptions{CSV: CSVOptions{NoHeader: true}}, []string{"empty2.csv", "empty file"}},
		{file("dup.csv", "id,name,ID\n"), ReadOptions{}, []string{"dup.csv", "column ID:", "duplicate"}},
		{file("noname.csv", "id,,name\n"), ReadOptions{}, []string{"noname.csv", "column 2:", "empty name"}},
		{file("unterminated.csv", "id,\"name\n"), ReadOptions{}, []string{"unterminated.csv", "unterminated"}},
		{file("bad.parquet", "PAR1 this is not parquet"), ReadOptions{}, []string{"bad.parquet", "Parquet"}},
		{file("text.csv", "id\n"), ReadOptions{Format: FormatParquet}, []string{"text.csv", "Parquet"}},
		{dupPq, ReadOptions{}, []string{"dup.parquet", "column ID:", "duplicate"}},
	} {
		_, err := InferSchema(tc.pattern, tc.opts)
		if err == nil {
			t.Errorf("%s: no error", tc.pattern)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.pattern, err, w)
			}
		}
	}
}
