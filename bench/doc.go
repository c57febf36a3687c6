// Package bench holds Sundial's benchmarks against the systems a user would otherwise pick, on
// the workloads of shared/workloads/README.md, each comparator measured in the same run on the
// same data. The only library code is W1Features (w1.go), the W1 query the benchmarks of bench/, exec/online
// and server deploy; the benchmarks are in the _test.go files and the
// comparators' small driver programs under bench/cmd (w1duck: the W1 batch query in DuckDB).
// README.md has the commands; RESULTS.md the figures kept.
package bench
