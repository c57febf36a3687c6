// Package batch is the batch (offline) executor: it runs a logical plan over
// whole tables held as columns, computing window aggregates by partitioning
// rows on their key, sorting each partition by (ts, seq) and sliding every
// frame once with the shared kernels of exec/window, exec/agg and exec/expr.
package batch
