// Command w1duck runs the W1 feature query (shared/workloads/README.md) in DuckDB: the
// standard-SQL equivalent of Sundial's query over a Parquet file, written back as Parquet with
// COPY ... TO, and prints the wall time. It is the batch comparator of BenchmarkW1Batch.
//
//	w1duck -in events.parquet -out features.parquet [-threads N] [-memory-limit 20GB]
//
// ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW becomes RANGE BETWEEN INTERVAL 1 HOUR PRECEDING
// AND CURRENT ROW. Standard RANGE frames include the current row's peers (rows with the same
// user_id and ts that arrived later), which Sundial's do not (SEMANTICS.md §2), so rows with such
// peers differ; the ROWS window orders ties arbitrarily. -tiebreak orders every window by
// (ts, file row number) instead, which makes the ROWS window deterministic (RANGE frames still
// include peers).
package main
