// Package files reads and writes the files of Sundial's batch mode: Parquet
// (through github.com/apache/arrow/go/v15's parquet and pqarrow packages) and
// CSV, as Sundial batches (types.Batch).
//
// # Reading
//
// Open(pattern, want, opts) names the input as OpenMLDB's LOAD DATA and
// `sundial batch --table t=...` do: a comma-separated list of paths, globs
// and directories. Files are read in the order given, each glob expanded in
// sorted order; rows come in file order. That order is the rows' seq
// (SEMANTICS.md §1). Only the columns of want are read — for Parquet, only
// their column chunks are even decoded — matched by name, case-insensitively.
// Every file's schema is checked when Open is called, so a bad input fails
// before any work is done, with a message naming file and column:
//
//	data/events_2.parquet: column amount: file has string, table wants double
//	data/events_1.parquet: column country: not in file (file has user_id, ts, amount)
//	data/events_3.parquet: not a readable Parquet file: ...
//	data/bad.csv:17: column ts: cannot parse "oops" as timestamp
//
// Parquet types are accepted where no value can change: integers widen
// (int8/uint8/int16 → smallint and up; uint16/int32 → int and up; uint32 and
// int64 → bigint), float → float or double, double → double, utf8,
// large_utf8, binary and dictionary-encoded strings → string, bool → bool,
// timestamp in any unit → timestamp (milliseconds, rounded toward minus
// infinity), date32 → date. Anything else is refused.
//
// CSV files (LOAD DATA options delimiter, header, null_value, quote; see
// CSVOptions and ParseOptions) have a header row matched by name, or none
// (columns by position). Timestamps are integer milliseconds or
// 'YYYY-MM-DD HH:MM:SS[.fff]' in ReadOptions.Loc (default UTC); dates
// 'YYYY-MM-DD'; bools true/false/1/0. An unquoted null_value (default "null")
// is NULL, as is an empty unquoted field of a non-string column; a quoted
// field never is.
//
// Reader.Next streams batches of at most BatchRows (64Ki) rows and returns
// io.EOF at the end; memory stays bounded whatever the input size. Pieces of
// the input (groups of Parquet row groups, whole CSV files) are decoded by up
// to Parallelism goroutines ahead of the consumer, and delivered in order.
// A damaged file gives an error naming it, never a panic (the arrow decoder
// runs under recover). RowsRead and TotalRows (known when all inputs are
// Parquet) feed progress reports.
//
// # Writing
//
// Create(path, schema, opts) writes Parquet (snappy; row groups of
// RowGroupRows, default 1Mi; timestamp as timestamp[ms, UTC]; date as
// date32; smallint as int16) or CSV (header row; timestamps as integer
// milliseconds so they read back exactly). Rows go to a hidden temporary
// file in the same directory, renamed into place by Close: a failed or
// aborted run never leaves a partial file under the output's name. Modes
// (OpenMLDB's INTO OUTFILE mode option): error_if_exists (default; also
// re-checked at Close, atomically), overwrite, and append — CSV only, which
// writes in place and on Abort or failure truncates the file back.
//
// Write copies the batch into 64Ki-row chunks and returns; a background
// goroutine encodes them, so computing and writing overlap. Parquet columns
// are encoded by one goroutine each, straight from Sundial's []int64,
// []float64 and []string slices into parquet/file's column chunk writers
// (strings as byte views, no copies), into a buffered row group that goes to
// disk when full. Dictionary encoding is used for narrow integer columns only:
// arrow's dictionary memo tables cost 3-4x the time of plain encoding plus
// snappy on high-cardinality keys (W1's 100k user ids) for a file ~10%
// smaller.
//
// # W1
//
// GenerateW1 writes the W1 events table of shared/workloads/README.md,
// deterministically for a seed, in bounded memory; W1Schema is its schema.
package files
