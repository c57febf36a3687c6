package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// Query is the W1 feature query in DuckDB's SQL; %[1]s is the input file, %[2]s the ORDER BY.
const Query = `SELECT user_id, ts,
  sum(amount)   OVER w1h  AS s1h,
  count(amount) OVER w1h  AS c1h,
  avg(amount)   OVER w1d  AS a1d,
  max(amount)   OVER w1d  AS m1d,
  count(amount) OVER w30d AS c30d,
  sum(amount)   OVER w10r AS s10r
FROM read_parquet(%[1]s%[3]s)
WINDOW w1h  AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW),
       w1d  AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW),
       w30d AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW),
       w10r AS (PARTITION BY user_id ORDER BY %[2]s ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)`

func main() {
	in := flag.String("in", "", "the W1 events `file` (Parquet)")
	out := flag.String("out", "", "the features `file` to write (Parquet)")
	threads := flag.Int("threads", 0, "DuckDB threads (0: DuckDB's default, one per core)")
	memLimit := flag.String("memory-limit", "", "DuckDB memory_limit (e.g. 20GB; empty: DuckDB's default)")
	tiebreak := flag.Bool("tiebreak", false, "order the ROWS window by (ts, file row number): deterministic ties")
	explain := flag.Bool("explain", false, "print the query and exit")
	flag.Parse()
	q := query(*in, *tiebreak)
	if *explain {
		fmt.Println(q)
		return
	}
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: w1duck -in events.parquet -out features.parquet")
		os.Exit(2)
	}
	start := time.Now()
	n, err := run(q, *out, *threads, *memLimit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "w1duck:", err)
		os.Exit(1)
	}
	el := time.Since(start)
	fmt.Printf("duckdb: %d rows written to %s in %.3fs (%.0f rows/s)\n", n, *out, el.Seconds(), float64(n)/el.Seconds())
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func query(in string, tiebreak bool) string {
	order, opts := "ts", ""
	if tiebreak {
		order, opts = "ts, file_row_number", ", file_row_number = true"
	}
	return fmt.Sprintf(Query, quote(in), order, opts)
}

func run(q, out string, threads int, memLimit string) (int64, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if threads > 0 {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return 0, err
		}
	}
	if memLimit != "" {
		if _, err := db.Exec("SET memory_limit = " + quote(memLimit)); err != nil {
			return 0, err
		}
	}
	res, err := db.Exec(fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION snappy)", q, quote(out)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
