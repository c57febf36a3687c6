// Package agg owns Sundial's aggregate kernels: it is the one place an
// aggregate is computed, and both batch (incremental, sliding-window) and
// online (afresh, per request) execution call it, so the two modes cannot
// disagree about an aggregate's value.
//
// An Aggregator (New, NewWith) computes one aggregate call over a window
// frame that slides FIFO: batch execution Adds the rows entering a frame and
// Removes the rows leaving it; online execution Resets and Adds every frame
// row, oldest first. Every kernel's Result is a function of the frame's rows
// (and their order) alone, never of the history of Adds and Removes, so both
// give the same bits; a property test checks this for every aggregate and
// argument kind against random FIFO frames. Invertible aggregates (count,
// sum, avg, variance, distinct_count, the *_cate family, ...) update in O(1);
// min and max use monotonic deques; median and top a sorted multiset;
// order-dependent ones (first_value, last_value, lag, nth_value_where,
// ew_avg, drawdown) a FIFO ring of the frame's values. Add and Remove do not
// allocate in steady state.
//
// Floating-point sums (sum, avg, variance, the sums inside avg_cate and
// sum_cate) use ExactSum, an exact accumulator that rounds once, so they do
// not depend on the order rows are added or removed (shared/SEMANTICS.md §6).
//
// The aggregates and their OpenMLDB semantics (argument order, result kinds,
// NULL handling, the "k:v,..." strings) are documented on their kernels; the
// planner's signatures for them are in planner/sig_agg.go, and a test checks
// that the two accept the same calls. testdata/corpus_frames.json holds
// aggregate calls of the conformance corpus as frames with expected values,
// replayed by TestCorpusFrames (regenerate with testdata/gen_corpus_frames.py).
//
// Building with -tags sundial_invariants turns on expensive self-checks of
// the accumulator's internal representation after every operation.
package agg
