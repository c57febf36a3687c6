package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

var verifyCommand = &command{
	name:     "verify",
	summary:  "check that online answers equal the batch features, bit for bit",
	synopsis: "sundial verify --sql features.sql --table name=files [--table ...] [--sample N] [--seed S]",
	help: `Verify computes the features of the SQL file's query in batch over the files, then
replays the main table's rows in (ts, seq) order through the online engine — each row
is sent as a request, then inserted — and compares every feature of every (sampled)
row bit for bit (SEMANTICS.md §2). The other tables are loaded into the store first.
It prints the rows and features compared, the number of differences and the first
differences in full. The exit status is 0 only when there is none. --sample N checks
N rows chosen at random (every row is still inserted); the default checks every row.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		sqlFile := fs.String("sql", "", "the feature SQL `file`")
		var tables tableFlags
		fs.Var(&tables, "table", "bind a table to files: `name=glob` (repeatable)")
		sample := fs.Int("sample", 0, "check only `N` rows chosen at random (0: all)")
		seed := fs.Uint64("seed", 1, "random `seed` of the sample")
		zone := fs.String("time-zone", "UTC", "the engine's time `zone`")
		cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
		return func(e *env, args []string) int {
			if len(args) > 0 || *sqlFile == "" {
				return usageError(e, "verify", "--sql is required")
			}
			if *cpuProfile != "" {
				if f, err := os.Create(*cpuProfile); err == nil {
					pprof.StartCPUProfile(f)
					defer func() { pprof.StopCPUProfile(); f.Close() }()
				}
			}
			diffs, err := runVerify(e, *sqlFile, tables, *sample, *seed, *zone)
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

func runVerify(e *env, sqlFile string, tables []string, sample int, seed uint64, zone string) (int, error) {
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
	dep, err := s.PrepareRequest(q)
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
	if len(rows) != want.Len() {
		return 0, fmt.Errorf("the batch result has %d rows for %d input rows: verify needs one output row per input row (no WHERE)", want.Len(), len(rows))
	}
	// Replay order: (ts, seq), ts being the ORDER BY column of the query's windows.
	tsCol := replayTS(dep.MainTable(), q)
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	if tsCol >= 0 {
		sort.SliceStable(order, func(a, b int) bool {
			x, y := rows[order[a]][tsCol], rows[order[b]][tsCol]
			return !x.Null && (y.Null || x.I < y.I)
		})
	}
	check := make([]bool, len(rows))
	if sample <= 0 || sample >= len(rows) {
		for i := range check {
			check[i] = true
		}
	} else {
		rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
		for _, i := range rng.Perm(len(rows))[:sample] {
			check[i] = true
		}
	}
	var checked, compared, diffs int
	const show = 5
	now := time.Now().UnixMilli()
	for _, i := range order {
		if check[i] {
			got, err := dep.Request(rows[i], now)
			if err != nil {
				return diffs, fmt.Errorf("request for row %d: %w", i+1, err)
			}
			checked++
			for c, v := range got {
				compared++
				w := want.Cols[c].Value(i)
				if !types.Identical(w, v) {
					if diffs < show {
						fmt.Fprintf(e.stdout, "difference: row %d, feature %s: batch %s, online %s\n", i+1, want.Schema[c].Name, valueBits(w), valueBits(v))
					}
					diffs++
				}
			}
		}
		if err := s.InsertRows(main.DB, main.Name, [][]types.Value{rows[i]}); err != nil {
			return diffs, fmt.Errorf("inserting row %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(e.stdout, "%d rows, %d features compared bit for bit: %d differences (batch %.2fs, online replay %.2fs)\n",
		checked, compared, diffs, batchDone.Sub(start).Seconds(), time.Since(batchDone).Seconds())
	return diffs, nil
}

// replayTS is the main table's column the query's windows order by (-1: none).
func replayTS(t *planner.Table, q sql.Query) int {
	sel, ok := q.(*sql.Select)
	if !ok {
		return -1
	}
	for _, w := range sel.Windows {
		if len(w.Spec.OrderBy) == 1 {
			if c, ok := w.Spec.OrderBy[0].Expr.(*sql.ColumnRef); ok {
				return t.Schema.Index(c.Name)
			}
		}
	}
	return -1
}

// valueBits shows a value with its exact bits for floating-point kinds.
func valueBits(v types.Value) string {
	if !v.Null && (v.Kind == types.Double || v.Kind == types.Float) {
		return fmt.Sprintf("%s (%#016x)", v, math.Float64bits(v.F))
	}
	return v.String()
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
