package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// tableFlags collects repeated --table name=files flags.
type tableFlags []string

func (t *tableFlags) String() string     { return strings.Join(*t, " ") }
func (t *tableFlags) Set(v string) error { *t = append(*t, v); return nil }

var batchCommand = &command{
	name:     "batch",
	summary:  "compute features over Parquet/CSV files (a training-set backfill)",
	synopsis: "sundial batch --sql features.sql --table name=files [--table ...] --out out.parquet",
	help: `Batch runs a feature query over files, point-in-time correct: every row of the
main table gets its features as of that row (SEMANTICS.md). The SQL file may
declare tables (CREATE TABLE) and must end with the query; a --table whose
table is not declared gets its schema from the first file. Files are Parquet
or CSV (by extension), given as a glob or a comma-separated list; their order
defines the rows' arrival order. The output (Parquet or CSV, by extension, or
the query's INTO OUTFILE) is written to a temporary file and renamed when
complete: a failed run leaves no output behind.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		sqlFile := fs.String("sql", "", "the feature SQL `file`")
		var tables tableFlags
		fs.Var(&tables, "table", "bind a table to files: `name=glob` (repeatable)")
		out := fs.String("out", "", "write the result to this `file` (.parquet or .csv)")
		zone := fs.String("time-zone", "UTC", "the engine's time `zone` (IANA name or +08:00)")
		cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
		memProfile := fs.String("memprofile", "", "write a heap profile to `file` when the result is computed")
		memLimit := fs.String("memory-limit", "", "memory a run may use, e.g. 4G or 512M (default 2G, or half of RAM if less); a larger main table is processed out of core")
		spillDir := fs.String("spill-dir", "", "`directory` for out-of-core spill files (default: the system's temporary directory)")
		return func(e *env, args []string) int {
			if len(args) > 0 {
				return usageError(e, "batch", "unexpected arguments: %q", args)
			}
			if *sqlFile == "" {
				return usageError(e, "batch", "--sql is required")
			}
			if *cpuProfile != "" {
				f, err := os.Create(*cpuProfile)
				if err != nil {
					fmt.Fprintf(e.stderr, "sundial batch: %v\n", err)
					return exitFail
				}
				defer f.Close()
				pprof.StartCPUProfile(f)
				defer pprof.StopCPUProfile()
			}
			limit, err := memoryLimit(*memLimit)
			if err != nil {
				return usageError(e, "batch", "--memory-limit: %v", err)
			}
			heapProfile = *memProfile
			if err := runBatch(e, *sqlFile, tables, *out, *zone, limit, *spillDir); err != nil {
				fmt.Fprintf(e.stderr, "sundial batch: %v\n", err)
				return exitFail
			}
			return exitOK
		}
	},
}

// heapProfile, when set, names the file a heap profile is written to once the result is computed.
var heapProfile string

func writeHeapProfile() {
	if heapProfile == "" {
		return
	}
	if f, err := os.Create(heapProfile); err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}

// memoryLimit parses a size such as 2G, 512M or 1048576; "" means the
// default: 2 GiB, or half of the machine's memory if that is less.
func memoryLimit(v string) (int64, error) {
	if v == "" {
		return min(physicalMemory()/2, 2<<30), nil
	}
	mult := int64(1)
	switch strings.ToUpper(v[len(v)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a size such as 2G or 512M, not %q", v)
	}
	return int64(n * float64(mult)), nil
}

// physicalMemory reads the machine's memory from /proc/meminfo (8 GiB when unknown).
func physicalMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 8 << 30
}

func runBatch(e *env, sqlFile string, tables []string, out, zone string, limit int64, spillDir string) error {
	start := time.Now()
	src, err := os.ReadFile(sqlFile)
	if err != nil {
		return err
	}
	s := session.New(session.NewInstance())
	s.MemoryLimit, s.SpillDir = limit, spillDir
	debug.SetMemoryLimit(limit / 10 * 9) // the garbage collector keeps the heap within the budget too, with room for the rest of the process
	if err := setZone(e, s, zone); err != nil {
		return err
	}
	// The statements before the query: DDL, settings; the last one is the query.
	results := sql.ParseScript(string(src))
	if len(results) == 0 {
		return fmt.Errorf("%s: no statements", sqlFile)
	}
	for _, r := range results {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", sqlFile, r.Err)
		}
	}
	q, ok := results[len(results)-1].Stmt.(sql.Query)
	if !ok {
		return fmt.Errorf("%s: the last statement must be the feature query (SELECT)", sqlFile)
	}
	if err := execAll(e, s, "CREATE DATABASE IF NOT EXISTS batch; USE batch"); err != nil {
		return err
	}
	for _, r := range results[:len(results)-1] {
		if _, err := s.Exec(e.ctx, r.Stmt); err != nil {
			return fmt.Errorf("%s, line %d: %w", sqlFile, r.Pos.Line, err)
		}
	}
	// Bind the tables to their files, inferring undeclared schemas.
	var total int64
	for _, tf := range tables {
		name, pattern, ok := strings.Cut(tf, "=")
		if !ok || name == "" || pattern == "" {
			return fmt.Errorf("--table %q: want name=files", tf)
		}
		tn := sql.TableName{Name: name}
		if db, tab, ok := strings.Cut(name, "."); ok {
			tn = sql.TableName{DB: db, Name: tab}
		}
		t, err := s.Table(tn)
		if err != nil {
			schema, ierr := files.InferSchema(pattern, files.ReadOptions{})
			if ierr != nil {
				return fmt.Errorf("--table %s: %w", name, ierr)
			}
			if err := createTable(e, s, tn, schema); err != nil {
				return err
			}
			if t, err = s.Table(tn); err != nil {
				return err
			}
		}
		opts := files.ReadOptions{Loc: s.Loc}
		if err := s.BindFiles(t, pattern, opts, true); err != nil {
			return fmt.Errorf("--table %s: %w", name, err)
		}
		if r, err := files.Open(pattern, t.Schema, opts); err == nil {
			if n, ok := r.TotalRows(); ok {
				total += n
			}
			r.Close()
		}
	}
	var into *sql.IntoOutfile
	if sel, ok := q.(*sql.Select); ok && sel.Into != nil {
		into = sel.Into
		c := *sel
		c.Into = nil
		q = &c
	}
	if out == "" && into == nil {
		return fmt.Errorf("--out is required (or end the query with INTO OUTFILE)")
	}
	// Progress on a terminal; a summary line always.
	var rowsRead int64
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions64(max(total, -1),
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("reading"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	var readDone time.Time
	s.OnRead = func(n int) {
		rowsRead += int64(n)
		readDone = time.Now()
		if bar != nil {
			bar.Add(n)
		}
	}
	path, wopts := out, files.WriteOptions{Mode: files.ModeOverwrite}
	if into != nil && out == "" {
		path = strings.TrimPrefix(into.Path, "file://")
		if wopts, err = outfileOptions(into); err != nil {
			return err
		}
	}
	// The result streams into the output file; it is renamed into place only
	// when complete, and removed on any failure.
	var w *files.Writer
	var written int64
	queryStart := time.Now()
	var computed time.Time
	schema, err := s.Stream(e.ctx, q, func(b *types.Batch) error {
		if w == nil {
			computed = time.Now()
			writeHeapProfile()
			var err error
			if w, err = files.Create(path, b.Schema, wopts); err != nil {
				return err
			}
		}
		written += int64(b.Len())
		return w.Write(b)
	})
	if bar != nil {
		bar.Finish()
	}
	if err == nil && w == nil {
		computed = time.Now()
		w, err = files.Create(path, schema, wopts)
	}
	if err != nil {
		if w != nil {
			w.Abort()
		}
		return err
	}
	if readDone.IsZero() {
		readDone = queryStart
	}
	if err := w.Close(); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "sundial batch: %d rows read, %d rows written to %s in %.2fs (%.0f rows/s; read %.2fs, compute %.2fs, write %.2fs), %d MiB heap at peak\n",
		rowsRead, written, path, el.Seconds(), float64(written)/el.Seconds(),
		readDone.Sub(queryStart).Seconds(), computed.Sub(readDone).Seconds(), time.Since(computed).Seconds(), ms.HeapSys>>20)
	return nil
}

func setZone(e *env, s *session.Session, zone string) error {
	return execAll(e, s, fmt.Sprintf("SET @@time_zone = '%s'", strings.ReplaceAll(zone, "'", "")))
}

func execAll(e *env, s *session.Session, text string) error {
	for _, r := range sql.ParseScript(text) {
		if r.Err != nil {
			return r.Err
		}
		if _, err := s.Exec(e.ctx, r.Stmt); err != nil {
			return err
		}
	}
	return nil
}

// createTable declares a table with an inferred schema.
func createTable(e *env, s *session.Session, tn sql.TableName, schema types.Schema) error {
	ct := &sql.CreateTable{Table: tn}
	for _, f := range schema {
		ct.Columns = append(ct.Columns, &sql.ColumnDef{Name: f.Name, Type: f.Kind})
	}
	_, err := s.Exec(e.ctx, ct)
	return err
}

// outfileOptions reads INTO OUTFILE's OPTIONS into write options.
func outfileOptions(into *sql.IntoOutfile) (files.WriteOptions, error) {
	kv := map[string]string{}
	for _, o := range into.Options {
		lit, ok := o.Value.(*sql.Literal)
		if !ok {
			return files.WriteOptions{}, fmt.Errorf("INTO OUTFILE option %s takes a constant", o.Key)
		}
		v := lit.Str
		if lit.Kind != sql.LitString {
			v = sql.Format(lit)
		}
		kv[strings.ToLower(o.Key)] = v
	}
	_, w, err := files.ParseOptions(kv)
	return w, err
}
