package bench

import _ "embed" // W1Features

// W1Features is workload W1's feature query, exactly as
// shared/workloads/README.md gives it (testdata/w1.sql, which `sundial
// verify --sql` reads too). The benchmarks of bench/, exec/online and server
// deploy it.
//
//go:embed testdata/w1.sql
var W1Features string
