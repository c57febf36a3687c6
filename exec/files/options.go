package files

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Format is a file format.
type Format uint8

const (
	// FormatAuto picks the format from the file name: .parquet, .parq and
	// .pq are Parquet; .csv, .tsv and .txt are CSV. When reading a file with
	// any other extension, Parquet's magic bytes decide.
	FormatAuto Format = iota
	FormatParquet
	FormatCSV
)

func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatCSV:
		return "csv"
	}
	return "auto"
}

// ParseFormat resolves a format name (OpenMLDB's format option): "parquet",
// "csv" or "" (auto).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "parquet":
		return FormatParquet, nil
	case "csv":
		return FormatCSV, nil
	}
	return FormatAuto, fmt.Errorf("unknown format %q (want parquet or csv)", s)
}

// formatByName returns the format implied by the extension of path, or
// FormatAuto when the extension says nothing.
func formatByName(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".parq", ".pq":
		return FormatParquet
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	}
	return FormatAuto
}

// CSVOptions are the options of CSV files, as OpenMLDB's LOAD DATA and
// SELECT ... INTO OUTFILE spell them (delimiter, header, null_value, quote).
// The zero value is the default: comma-delimited, a header row, "null" as
// the NULL marker, '"' as the quote character.
type CSVOptions struct {
	// Delimiter separates fields; 0 means ','.
	Delimiter byte
	// NoHeader says the file has no header row (OpenMLDB header=false):
	// columns are then matched by position.
	NoHeader bool
	// NullValue is the unquoted field text that means NULL; "" means "null".
	// An empty unquoted field is NULL in every non-string column.
	NullValue string
	// EmptyIsNull makes an empty unquoted field NULL in string columns too
	// (OpenMLDB null_value=''); otherwise it is the empty string.
	EmptyIsNull bool
	// Quote encloses fields that contain the delimiter, the quote or a line
	// break; a quote inside is doubled. 0 means '"'.
	Quote byte
	// NoQuote turns quoting off: fields are split at every delimiter.
	NoQuote bool
}

func (o CSVOptions) delim() byte {
	if o.Delimiter == 0 {
		return ','
	}
	return o.Delimiter
}

func (o CSVOptions) null() string {
	if o.NullValue == "" {
		return "null"
	}
	return o.NullValue
}

// quote returns the quote character, or -1 when quoting is off.
func (o CSVOptions) quote() int {
	if o.NoQuote {
		return -1
	}
	if o.Quote == 0 {
		return '"'
	}
	return int(o.Quote)
}

// ReadOptions configure Open.
type ReadOptions struct {
	// Format overrides detection by file name.
	Format Format
	// CSV options (CSV files only).
	CSV CSVOptions
	// Loc is the time zone of 'YYYY-MM-DD HH:MM:SS' timestamps in CSV files;
	// nil means UTC.
	Loc *time.Location
	// BatchRows is the largest batch Next returns; 0 means 65536.
	BatchRows int
	// Parallelism is how many files or row groups are decoded at once;
	// 0 means GOMAXPROCS (at least 2, at most 8).
	Parallelism int
}

// Mode says what Create does when the output file exists (OpenMLDB's mode
// option of SELECT ... INTO OUTFILE).
type Mode uint8

const (
	// ModeErrorIfExists (the default) refuses to replace an existing file.
	ModeErrorIfExists Mode = iota
	// ModeOverwrite replaces an existing file (atomically, on Close).
	ModeOverwrite
	// ModeAppend appends rows to an existing CSV file (without a second
	// header), or creates it. Parquet files cannot be appended to.
	ModeAppend
)

func (m Mode) String() string {
	switch m {
	case ModeOverwrite:
		return "overwrite"
	case ModeAppend:
		return "append"
	}
	return "error_if_exists"
}

// ParseMode resolves a mode name: "error_if_exists" (or ""), "overwrite",
// "append".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "error_if_exists", "errorifexists":
		return ModeErrorIfExists, nil
	case "overwrite":
		return ModeOverwrite, nil
	case "append":
		return ModeAppend, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want error_if_exists, overwrite or append)", s)
}

// WriteOptions configure Create.
type WriteOptions struct {
	// Format overrides detection by file name; a name without a known
	// extension is written as CSV, OpenMLDB's default format.
	Format Format
	// Mode decides what happens when the file exists.
	Mode Mode
	// CSV options (CSV files only).
	CSV CSVOptions
	// RowGroupRows is the number of rows per Parquet row group; 0 means
	// 1Mi (1,048,576).
	RowGroupRows int
	// Parallelism is how many columns are encoded at once; 0 means
	// GOMAXPROCS.
	Parallelism int
	// Sync makes Close fsync the file before renaming it into place.
	Sync bool
}

// ParseOptions reads OpenMLDB-style options (as in LOAD DATA ... OPTIONS(...)
// and SELECT ... INTO OUTFILE ... OPTIONS(...)) into read and write options:
// format, delimiter, header, null_value, quote, mode. Keys are
// case-insensitive; an unknown key or a bad value is an error.
func ParseOptions(kv map[string]string) (ReadOptions, WriteOptions, error) {
	var ro ReadOptions
	var wo WriteOptions
	for k, v := range kv {
		var err error
		switch strings.ToLower(k) {
		case "format":
			ro.Format, err = ParseFormat(v)
			wo.Format = ro.Format
		case "delimiter":
			if len(v) != 1 {
				err = fmt.Errorf("delimiter must be one byte, got %q", v)
			} else {
				ro.CSV.Delimiter = v[0]
			}
		case "header":
			switch strings.ToLower(v) {
			case "true", "1", "yes":
				ro.CSV.NoHeader = false
			case "false", "0", "no":
				ro.CSV.NoHeader = true
			default:
				err = fmt.Errorf("header must be true or false, got %q", v)
			}
		case "null_value":
			if v == "" {
				ro.CSV.EmptyIsNull = true
			} else {
				ro.CSV.NullValue = v
			}
		case "quote":
			switch len(v) {
			case 0:
				ro.CSV.NoQuote = true
			case 1:
				if v[0] == 0 {
					ro.CSV.NoQuote = true
				} else {
					ro.CSV.Quote = v[0]
				}
			default:
				err = fmt.Errorf("quote must be one byte, got %q", v)
			}
		case "mode":
			wo.Mode, err = ParseMode(v)
		default:
			err = fmt.Errorf("unknown option %q", k)
		}
		if err != nil {
			return ReadOptions{}, WriteOptions{}, fmt.Errorf("option %s: %w", k, err)
		}
	}
	wo.CSV = ro.CSV
	return ro, wo, nil
}
