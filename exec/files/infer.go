package files

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/sundialdb/sundial/types"
)

// InferSchema returns the schema of the first file matching pattern (glob or
// comma-separated list, as Open accepts). It is what a table that is bound to
// files but not declared with CREATE TABLE gets.
//
// A Parquet file's schema comes from its arrow schema: int8/int16 →
// smallint, int32 → int, int64 → bigint, timestamp (any unit, any time zone)
// → timestamp, date32 → date, float32 → float, float64 → double,
// utf8/large_utf8/binary → string, bool → bool. The other representations
// Open reads without loss get the narrowest kind that holds them
// (large_binary and dictionary-encoded strings → string, date64 → date,
// uint8 → smallint, uint16 → int, uint32 → bigint); anything else (uint64,
// decimal, time, nested types, ...) is an error naming the file and the
// column.
//
// A CSV file's columns are named by its header row, every column a string;
// opts.CSV gives the delimiter and the quote character. Names are trimmed
// of spaces, as Open trims them before matching; empty lines before the
// header are skipped, as Open skips them. With opts.CSV.NoHeader the
// columns are named _c0, _c1, ... (as Spark names them), counted from the
// first record (Open matches such files by position).
//
// Every column is nullable (other files of the pattern may hold NULLs where
// the first does not). Duplicate column names (case-insensitively, as Open
// matches them) and empty CSV column names are errors. Errors name the file.
func InferSchema(pattern string, opts ReadOptions) (types.Schema, error) {
	paths, err := expand(pattern)
	if err != nil {
		return nil, err
	}
	path := paths[0]
	format := opts.Format
	if format == FormatAuto {
		format = formatByName(path)
	}
	if format == FormatAuto {
		format = sniff(path)
	}
	var s types.Schema
	if format == FormatParquet {
		s, err = inferParquet(path)
	} else {
		s, err = inferCSV(path, opts.CSV)
	}
	if err != nil {
		return nil, err
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%s: file has no columns", path)
	}
	for i := range s {
		for j := 0; j < i; j++ {
			if strings.EqualFold(s[i].Name, s[j].Name) {
				return nil, fmt.Errorf("%s: column %s: duplicate column name (columns %d and %d)", path, s[i].Name, j+1, i+1)
			}
		}
	}
	return s, nil
}

// inferParquet reads the footer of path and maps its top-level columns to
// kinds.
func inferParquet(path string) (s types.Schema, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("%s: corrupt Parquet file: %v", path, p)
		}
	}()
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %v", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: unsupported Parquet schema: %v", path, err)
	}
	for _, sf := range fr.Manifest.Fields {
		k := inferKind(sf.Field.Type)
		if k == types.Invalid || !sf.IsLeaf() {
			return nil, fmt.Errorf("%s: column %s: unsupported type %s", path, sf.Field.Name, arrowTypeName(sf.Field.Type))
		}
		s = append(s, types.Field{Name: sf.Field.Name, Kind: k})
	}
	return s, nil
}

// inferKind returns the kind a column of arrow type t is read as, or
// Invalid. Every kind it returns is one convertFor accepts for t.
func inferKind(t arrow.DataType) types.Kind {
	switch t.ID() {
	case arrow.BOOL:
		return types.Bool
	case arrow.INT8, arrow.UINT8, arrow.INT16:
		return types.Int16
	case arrow.UINT16, arrow.INT32:
		return types.Int32
	case arrow.UINT32, arrow.INT64:
		return types.Int64
	case arrow.FLOAT32:
		return types.Float
	case arrow.FLOAT64:
		return types.Double
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return types.String
	case arrow.DICTIONARY:
		switch t.(*arrow.DictionaryType).ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			return types.String
		}
	case arrow.TIMESTAMP:
		return types.Timestamp
	case arrow.DATE32, arrow.DATE64:
		return types.Date
	}
	return types.Invalid
}

// inferCSV names the columns of a CSV file from its first record, read by
// the scanner Open's CSV reader uses (so names are trimmed as Open trims
// them before matching).
func inferCSV(path string, o CSVOptions) (types.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	sc := newCSVScanner(f, &o)
	ok, err := sc.next()
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %v", path, sc.line, err)
	}
	if !ok {
		if o.NoHeader {
			return nil, fmt.Errorf("%s: empty file: cannot infer its columns", path)
		}
		return nil, fmt.Errorf("%s: empty file: no header row", path)
	}
	s := make(types.Schema, sc.nfields())
	for i := range s {
		name := "_c" + strconv.Itoa(i)
		if !o.NoHeader {
			name = strings.TrimSpace(string(sc.field(i)))
			if name == "" {
				return nil, fmt.Errorf("%s: column %d: empty name in the header", path, i+1)
			}
		}
		s[i] = types.Field{Name: name, Kind: types.String}
	}
	return s, nil
}
