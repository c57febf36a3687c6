package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

var verifyCommand = &command{
	name:     "verify",
	summary:  "check that online answers equal the batch features, bit for bit",
	synopsis: "sundial verify --sql features.sql --table name=files [--table ...] [--sample N] [--seed S] [--long-windows w:bucket,...]",
	help: `Verify computes the features of the SQL file's query in batch over the files, then
replays the main table's rows in (ts, seq) order through the online engine — each row
is sent as a request, then inserted — and compares every feature of every (sampled)
row bit for bit (SEMANTICS.md §2). The other tables are loaded into the store first.
It prints the rows and features compared, the number of differences and the first
differences in full. The exit status is 0 only when there is none. --sample N checks
N rows chosen at random (every row up to the last one checked is still inserted); the
default checks every row. --long-windows deploys the online side as DEPLOY ...
OPTIONS(long_windows='w30d:1h,...') does: calls over those windows are answered
from per-key time buckets, which makes replays of long windows over hot keys fast.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		sqlFile := fs.String("sql", "", "the feature SQL `file`")
		var tables tableFlags
		fs.Var(&tables, "table", "bind a table to files: `name=glob` (repeatable)")
		sample := fs.Int("sample", 0, "check only `N` rows chosen at random (0: all)")
		seed := fs.Uint64("seed", 1, "random `seed` of the sample")
		zone := fs.String("time-zone", "UTC", "the engine's time `zone`")
		longWindows := fs.String("long-windows", "", "pre-aggregate the calls over these windows online, as DEPLOY's long_windows option: `w:bucket,...`")
		longMinRows := fs.Int("long-windows-min-rows", 0, "rows in a key's newest frame from which it keeps buckets, as DEPLOY's long_windows_min_rows (0: the default)")
		cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
		return func(e *env, args []string) int {
			if len(args) > 0 || *sqlFile == "" {
				return usageError(e, "verify", "--sql is required")
			}
			var opts online.Options
			if *longWindows != "" {
				lw, err := online.ParseLongWindows(*longWindows)
				if err != nil {
					return usageError(e, "verify", "--long-windows: %v", err)
				}
				opts.LongWindows = lw
			}
			if *longMinRows < 0 {
				return usageError(e, "verify", "--long-windows-min-rows must not be negative")
			}
			opts.LongMinRows = *longMinRows
			if *cpuProfile != "" {
				if f, err := os.Create(*cpuProfile); err == nil {
					pprof.StartCPUProfile(f)
					defer func() { pprof.StopCPUProfile(); f.Close() }()
				}
			}
			// Interrupted, it stops the replay and says how far it got
			// (and writes the CPU profile).
			ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			e2 := *e
			e2.ctx = ctx
			diffs, err := runVerify(&e2, *sqlFile, tables, session.VerifyOptions{Sample: *sample, Seed: *seed, Show: 5}, opts, *zone)
			if err != nil {
				fmt.Fprintf(e.stderr, "sundial verify: %v\n", err)
				return exitFail
			}
			if diffs > 0 {
				return exitFail
			}
			return exitOK
		}
	},
}

func runVerify(e *env, sqlFile string, tables []string, vo session.VerifyOptions, opts online.Options, zone string) (int, error) {
	start := time.Now()
	src, err := os.ReadFile(sqlFile)
	if err != nil {
		return 0, err
	}
	s := session.New(session.NewInstance())
	if err := setZone(e, s, zone); err != nil {
		return 0, err
	}
	results := sql.ParseScript(string(src))
	for _, r := range results {
		if r.Err != nil {
			return 0, fmt.Errorf("%s: %w", sqlFile, r.Err)
		}
	}
	if len(results) == 0 {
		return 0, fmt.Errorf("%s: no statements", sqlFile)
	}
	q, ok := results[len(results)-1].Stmt.(sql.Query)
	if !ok {
		return 0, fmt.Errorf("%s: the last statement must be the feature query (SELECT)", sqlFile)
	}
	if err := execAll(e, s, "CREATE DATABASE IF NOT EXISTS verify; USE verify"); err != nil {
		return 0, err
	}
	for _, r := range results[:len(results)-1] {
		if _, err := s.Exec(e.ctx, r.Stmt); err != nil {
			return 0, fmt.Errorf("%s, line %d: %w", sqlFile, r.Pos.Line, err)
		}
	}
	bound := map[string]*planner.Table{}
	patterns := map[string]string{}
	for _, tf := range tables {
		name, pattern, ok := strings.Cut(tf, "=")
		if !ok || name == "" || pattern == "" {
			return 0, fmt.Errorf("--table %q: want name=files", tf)
		}
		tn := sql.TableName{Name: name}
		t, err := s.Table(tn)
		if err != nil {
			schema, ierr := files.InferSchema(pattern, files.ReadOptions{})
			if ierr != nil {
				return 0, fmt.Errorf("--table %s: %w", name, ierr)
			}
			if err := createTable(e, s, tn, schema); err != nil {
				return 0, err
			}
			if t, err = s.Table(tn); err != nil {
				return 0, err
			}
		}
		if err := s.BindFiles(t, pattern, files.ReadOptions{Loc: s.Loc}, true); err != nil {
			return 0, fmt.Errorf("--table %s: %w", name, err)
		}
		bound[strings.ToLower(t.Name)], patterns[strings.ToLower(t.Name)] = t, pattern
	}
	// Batch: every row's features at once.
	want, err := s.Query(e.ctx, q)
	if err != nil {
		return 0, err
	}
	batchDone := time.Now()
	// Online: the request plan, over a store that starts with the other tables.
	dep, err := s.PrepareRequestWith(q, opts)
	if err != nil {
		return 0, fmt.Errorf("request mode: %w", err)
	}
	main := dep.MainTable()
	for name, t := range bound {
		if strings.EqualFold(name, main.Name) {
			continue
		}
		rows, err := readAll(patterns[name], t.Schema, s)
		if err != nil {
			return 0, err
		}
		if err := s.InsertRows(t.DB, t.Name, rows); err != nil {
			return 0, err
		}
	}
	pattern, ok := patterns[strings.ToLower(main.Name)]
	if !ok {
		return 0, fmt.Errorf("the main table %s has no --table", main.Name)
	}
	rows, err := readAll(pattern, main.Schema, s)
	if err != nil {
		return 0, err
	}
	rep, err := s.VerifyReplay(e.ctx, dep, q, want, rows, vo)
	if err != nil {
		if rep != nil {
			for _, d := range rep.First {
				fmt.Fprintf(e.stdout, "difference: %s\n", d)
			}
			return 0, fmt.Errorf("%w: %d of %d rows replayed, %d checked, %d differences so far (batch %.2fs, online replay %.2fs)",
				err, rep.Replayed, rep.Rows, rep.Checked, rep.Differences, batchDone.Sub(start).Seconds(), time.Since(batchDone).Seconds())
		}
		return 0, err
	}
	for _, d := range rep.First {
		fmt.Fprintf(e.stdout, "difference: %s\n", d)
	}
	fmt.Fprintf(e.stdout, "%d rows, %d features compared bit for bit: %d differences (batch %.2fs, online replay %.2fs)\n",
		rep.Checked, rep.Compared, rep.Differences, batchDone.Sub(start).Seconds(), time.Since(batchDone).Seconds())
	return rep.Differences, nil
}

// readAll reads a table's files into rows.
func readAll(pattern string, schema types.Schema, s *session.Session) ([][]types.Value, error) {
	r, err := files.Open(pattern, schema, files.ReadOptions{Loc: s.Loc})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out [][]types.Value
	for {
		b, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := 0; i < b.Len(); i++ {
			row := make([]types.Value, len(b.Cols))
			for c, col := range b.Cols {
				row[c] = col.Value(i)
			}
			out = append(out, row)
		}
	}
}
