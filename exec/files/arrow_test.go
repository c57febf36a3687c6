package files

import (
	"os"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// writeArrowTypes writes a two-row Parquet file with arrow types other
// writers produce (other timestamp units, unsigned and narrow integers,
// float32, large strings, binary, dictionaries, date64), keeping the arrow
// schema in the file so that they read back as those types.
func writeArrowTypes(t *testing.T, path string) {
	t.Helper()
	mem := memory.DefaultAllocator
	ts := func(u arrow.TimeUnit) *arrow.TimestampType { return &arrow.TimestampType{Unit: u, TimeZone: "UTC"} }
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts_s", Type: ts(arrow.Second), Nullable: true},
		{Name: "ts_us", Type: ts(arrow.Microsecond), Nullable: true},
		{Name: "ts_ns", Type: ts(arrow.Nanosecond), Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "dict", Type: dictType, Nullable: true},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{-1, 1704067200}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{-1500, 1704067200123456}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{-1, 1704067200123999999}, nil)
	b.Field(3).(*array.Int8Builder).AppendValues([]int8{-8, 0}, []bool{true, false})
	b.Field(4).(*array.Uint16Builder).AppendValues([]uint16{65535, 0}, nil)
	b.Field(5).(*array.Int32Builder).AppendValues([]int32{-1 << 31, 7}, nil)
	b.Field(6).(*array.Uint32Builder).AppendValues([]uint32{1<<32 - 1, 0}, nil)
	b.Field(7).(*array.Float32Builder).AppendValues([]float32{0.5, -1.25}, nil)
	b.Field(8).(*array.LargeStringBuilder).AppendValues([]string{"large", ""}, nil)
	b.Field(9).(*array.BinaryBuilder).AppendValues([][]byte{{0, 0xff}, nil}, []bool{true, false})
	db := b.Field(10).(*array.BinaryDictionaryBuilder)
	db.AppendString("k1")
	db.AppendString("k0")
	b.Field(11).(*array.Date64Builder).AppendValues([]arrow.Date64{-86400000, 19723 * 86400000}, nil)
	b.Field(12).(*array.Uint64Builder).AppendValues([]uint64{1, 2}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
