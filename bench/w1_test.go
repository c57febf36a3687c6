package bench

import (
	"bytes"
	gosql "database/sql"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/sundialdb/sundial/exec/files"
)

var (
	flagW1N       = flag.String("w1.n", "1000000", "BenchmarkW1Batch: comma-separated row counts")
	flagW1Cache   = flag.String("w1.cache", filepath.Join(os.TempDir(), "sundial-bench"), "BenchmarkW1Batch: `dir` for the generated Parquet files (kept between runs)")
	flagW1Seed    = flag.Int64("w1.seed", 1, "BenchmarkW1Batch: data seed")
	flagW1Profile = flag.String("w1.cpuprofile", "", "BenchmarkW1Batch: write the Sundial side's CPU profile to `prefix`-N.pprof")
	flagW1Report  = flag.String("w1.report", "", "BenchmarkW1Batch: append a markdown table row per N to this `file`")
	flagW1Verify  = flag.Bool("w1.verify", true, "BenchmarkW1Batch: check that Sundial's and DuckDB's outputs agree")
)

// binaries are built once per test binary run.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func buildBinaries(b *testing.B) (sundial, w1duck string) {
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sundial-bench-bin")
		if buildErr != nil {
			return
		}
		for _, pkg := range []string{"github.com/sundialdb/sundial/cmd/sundial", "github.com/sundialdb/sundial/bench/cmd/w1duck"} {
			cmd := exec.Command("go", "build", "-o", binDir, pkg)
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return filepath.Join(binDir, "sundial"), filepath.Join(binDir, "w1duck")
}

// w1Data returns the W1 Parquet file of n rows, generating it into the cache when missing.
func w1Data(b *testing.B, n int) string {
	if err := os.MkdirAll(*flagW1Cache, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(*flagW1Cache, fmt.Sprintf("w1-n%d-seed%d.parquet", n, *flagW1Seed))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	start := time.Now()
	tmp := path + ".tmp"
	if err := files.GenerateW1(tmp, n, *flagW1Seed); err != nil {
		os.Remove(tmp)
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s in %v", path, time.Since(start).Round(time.Millisecond))
	return path
}

// warm reads a file once so that both sides find it in the page cache.
func warm(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		b.Fatal(err)
	}
}

// run measures one child process: wall time and peak RSS (MiB).
type run struct {
	wall   time.Duration
	peakMB float64
	out    string
}

func runChild(b *testing.B, dir, name string, args ...string) run {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	var peak float64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = float64(ru.Maxrss) / 1024 // Linux: KiB
	}
	return run{wall: wall, peakMB: peak, out: strings.TrimSpace(out.String())}
}

func parseNs(b *testing.B) []int {
	var ns []int
	for _, f := range strings.Split(*flagW1N, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(f, "_", "")))
		if err != nil || n <= 0 {
			b.Fatalf("-w1.n: bad row count %q", f)
		}
		ns = append(ns, n)
	}
	return ns
}

// BenchmarkW1Batch runs the W1 feature query (shared/workloads/README.md) over the same Parquet
// file with `sundial batch` and with DuckDB (bench/cmd/w1duck), each as a child process, and
// reports both sides' wall time, rows/s and peak RSS. Use -benchtime 1x: one run per side and N.
func BenchmarkW1Batch(b *testing.B) {
	sundialBin, duckBin := buildBinaries(b)
	for _, n := range parseNs(b) {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			data := w1Data(b, n)
			dir := b.TempDir()
			sqlFile := filepath.Join(dir, "features.sql")
			if err := os.WriteFile(sqlFile, []byte(W1Features), 0o644); err != nil {
				b.Fatal(err)
			}
			sunOut, duckOut := filepath.Join(dir, "sundial.parquet"), filepath.Join(dir, "duckdb.parquet")
			warm(b, data)
			b.ResetTimer()
			var sun, duck run
			for i := 0; i < b.N; i++ {
				args := []string{"batch", "--sql", sqlFile, "--table", "events=" + data, "--out", sunOut}
				if *flagW1Profile != "" {
					args = append(args, "--cpuprofile", fmt.Sprintf("%s-%d.pprof", *flagW1Profile, n))
				}
				s := runChild(b, dir, sundialBin, args...)
				d := runChild(b, dir, duckBin, "-in", data, "-out", duckOut)
				sun.wall += s.wall
				duck.wall += d.wall
				sun.peakMB, duck.peakMB = max(sun.peakMB, s.peakMB), max(duck.peakMB, d.peakMB)
				sun.out, duck.out = s.out, d.out
			}
			b.StopTimer()
			ss, ds := sun.wall.Seconds()/float64(b.N), duck.wall.Seconds()/float64(b.N)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ss, "sundial_s")
			b.ReportMetric(ds, "duckdb_s")
			b.ReportMetric(float64(n)/ss, "sundial_rows/s")
			b.ReportMetric(float64(n)/ds, "duckdb_rows/s")
			b.ReportMetric(ds/ss, "speedup")
			b.ReportMetric(sun.peakMB, "sundial_peak_MB")
			b.ReportMetric(duck.peakMB, "duckdb_peak_MB")
			b.Logf("sundial: %s", sun.out)
			b.Logf("duckdb: %s", duck.out)
			if *flagW1Verify {
				if err := verifyW1(b, data, sunOut, duckOut); err != nil {
					b.Fatal(err)
				}
			}
			if *flagW1Report != "" {
				appendReport(b, n, ss, ds, sun.peakMB, duck.peakMB)
			}
		})
	}
}

func appendReport(b *testing.B, n int, ss, ds, sunMB, duckMB float64) {
	f, err := os.OpenFile(*flagW1Report, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	host, _ := os.Hostname()
	fmt.Fprintf(f, "| %s | %s | %d | %.2f | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n",
		time.Now().UTC().Format("2006-01-02"), host, n, ss, float64(n)/ss, sunMB, ds, float64(n)/ds, duckMB, ds/ss)
}

// verifyW1 checks Sundial's output against DuckDB's (and against the input), so that a wrong but
// fast Sundial cannot pass:
//
//   - both have one row per input row;
//   - rows whose (user_id, ts) is unique in the input have no peers, so standard RANGE frames and
//     Sundial's are the same: c1h and c30d must be equal, s1h, a1d and m1d equal within 1e-9
//     relative (DuckDB sums in floating point, Sundial exactly);
//   - over all rows, DuckDB's count windows exceed Sundial's by exactly the number of
//     (row, later peer) pairs, Σ g(g-1)/2 over the (user_id, ts) groups of size g, and DuckDB's
//     s1h by the sum, over rows, of the amounts of their later peers (arrival = file row order);
//   - the total of s10r equals Σ amount · min(10, rows after it in its user's (ts, arrival)
//     order + 1), computed from the input without window frames; DuckDB's total (ties in
//     arbitrary order) is reported.
func verifyW1(b *testing.B, data, sunOut, duckOut string) error {
	start := time.Now()
	db, err := gosql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	q := func(query string, args ...any) *gosql.Row { return db.QueryRow(fmt.Sprintf(query, args...)) }
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	in, so, do := lit(data), lit(sunOut), lit(duckOut)

	var nIn, nSun, nDuck int64
	if err := q(`SELECT (SELECT count(*) FROM read_parquet(%s)), (SELECT count(*) FROM read_parquet(%s)), (SELECT count(*) FROM read_parquet(%s))`, in, so, do).Scan(&nIn, &nSun, &nDuck); err != nil {
		return err
	}
	if nSun != nIn || nDuck != nIn {
		return fmt.Errorf("row counts: input %d, sundial %d, duckdb %d", nIn, nSun, nDuck)
	}

	// Rows with a unique (user_id, ts): every feature but s10r must agree.
	var uniq, bad int64
	err = q(`WITH s AS (SELECT * FROM read_parquet(%[1]s) QUALIFY count(*) OVER (PARTITION BY user_id, ts) = 1),
	              d AS (SELECT * FROM read_parquet(%[2]s) QUALIFY count(*) OVER (PARTITION BY user_id, ts) = 1)
	         SELECT count(*), count(*) FILTER (WHERE NOT (s.c1h = d.c1h AND s.c30d = d.c30d
	             AND abs(s.s1h - d.s1h) <= 1e-9 * greatest(abs(s.s1h), abs(d.s1h), 1e-3)
	             AND abs(s.a1d - d.a1d) <= 1e-9 * greatest(abs(s.a1d), abs(d.a1d), 1e-3)
	             AND s.m1d = d.m1d))
	         FROM s JOIN d USING (user_id, ts)`, so, do).Scan(&uniq, &bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d rows with a unique (user_id, ts) differ between Sundial and DuckDB", bad, uniq)
	}

	// Totals: peers account exactly for the difference of the RANGE windows.
	var pairs, laterAmt, exactS10r float64
	var uniqIn int64
	err = q(`WITH r AS (SELECT user_id, ts, amount,
	              count(*) OVER (PARTITION BY user_id, ts) AS g,
	              row_number() OVER (PARTITION BY user_id, ts ORDER BY file_row_number DESC) - 1 AS later,
	              sum(amount) OVER (PARTITION BY user_id, ts ORDER BY file_row_number ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later_amt,
	              count(*) OVER (PARTITION BY user_id ORDER BY ts DESC, file_row_number DESC ROWS UNBOUNDED PRECEDING) AS from_end
	            FROM read_parquet(%s, file_row_number = true))
	         SELECT sum(later)::DOUBLE, coalesce(sum(later_amt), 0), sum(amount * least(10, from_end)), count(*) FILTER (WHERE g = 1) FROM r`, in).Scan(&pairs, &laterAmt, &exactS10r, &uniqIn)
	if err != nil {
		return err
	}
	if uniq != uniqIn {
		return fmt.Errorf("%d rows have a unique (user_id, ts) in the input, %d in both outputs", uniqIn, uniq)
	}
	type totals struct{ c1h, c30d, s1h, s10r float64 }
	var st, dt totals
	for _, x := range []struct {
		file string
		t    *totals
	}{{so, &st}, {do, &dt}} {
		if err := q(`SELECT sum(c1h)::DOUBLE, sum(c30d)::DOUBLE, sum(s1h), sum(s10r) FROM read_parquet(%s)`, x.file).Scan(&x.t.c1h, &x.t.c30d, &x.t.s1h, &x.t.s10r); err != nil {
			return err
		}
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1) }
	switch {
	case dt.c1h-st.c1h != pairs:
		return fmt.Errorf("sum(c1h): DuckDB %.0f - Sundial %.0f = %.0f, want %.0f (row, later peer) pairs", dt.c1h, st.c1h, dt.c1h-st.c1h, pairs)
	case dt.c30d-st.c30d != pairs:
		return fmt.Errorf("sum(c30d): DuckDB %.0f - Sundial %.0f = %.0f, want %.0f (row, later peer) pairs", dt.c30d, st.c30d, dt.c30d-st.c30d, pairs)
	case math.Abs(dt.s1h-st.s1h-laterAmt) > 1e-9*math.Abs(st.s1h):
		return fmt.Errorf("sum(s1h): DuckDB %.6f - Sundial %.6f = %.6f, want %.6f (the later peers' amounts)", dt.s1h, st.s1h, dt.s1h-st.s1h, laterAmt)
	case rel(st.s10r, exactS10r) > 1e-9:
		return fmt.Errorf("sum(s10r): Sundial %.6f, want %.6f", st.s10r, exactS10r)
	}
	b.Logf("verified in %v: %d rows; %d rows with a unique (user_id, ts) equal; %.0f (row, later peer) pairs explain sum(c1h) and sum(c30d) exactly; "+
		"sum(s1h) differs by %.2f (later peers' amounts %.2f); sum(s10r) Sundial %.2f = exact %.2f, DuckDB %.2f (ties in arbitrary order)",
		time.Since(start).Round(time.Millisecond), nIn, uniq, pairs, dt.s1h-st.s1h, laterAmt, st.s10r, exactS10r, dt.s10r)
	return nil
}
