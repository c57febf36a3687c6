// Package agg owns Sundial's aggregate kernels: it is the one place an
// aggregate is computed, and both batch (incremental, sliding-window) and
// online (afresh, per request) execution call it, so the two modes cannot
// disagree about an aggregate's value.
//
// For now it holds only the exact floating-point accumulator, ExactSum, which
// double/float sum, avg, variance and every aggregate built on a sum must use
// (shared/SEMANTICS.md §6). ExactSum keeps the exact sum of its inputs and
// rounds once, so the result has the same bits whatever order values are
// added, removed or merged in.
//
// Building with -tags sundial_invariants turns on expensive self-checks of
// the accumulator's internal representation after every operation.
package agg
