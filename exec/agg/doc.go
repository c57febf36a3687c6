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
// Merge combines two aggregators of one call: a.Merge(b) leaves in a the
// concatenation of a's frame and b's (a's rows oldest), exactly as if every
// row had been Added to a, so its Result is the same bits and it goes on
// sliding (Removes of a's oldest rows first, Adds, more Merges) as one fed
// row by row. Pre-aggregated buckets (online long windows: a partial
// aggregate per hour, merged at request time) and parallel partial
// aggregation rest on it. Per family:
//
//   - invertible state combines: count and sum add (integer sums wrap, so
//     they stay exact); floating sums, avg and the variance family merge
//     their exact sums (ExactSum.Merge, exact, so merged bits equal added
//     bits); distinct_count, entropy, top1_ratio, topn_frequency and the
//     *_cate family add their count maps key by key (per key, the *_cate
//     sums, counts and hits add and max/min merge their deques);
//   - min and max merge monotonic deques: the back of a's deque that b's
//     front (b's best value) dominates is dropped and b's deque appended,
//     renumbered to follow a's rows, which is the deque of the concatenated
//     frame, so Remove still pops a's oldest rows first;
//   - median and top merge their sorted multisets (a linear merge);
//   - the order-dependent aggregates (first_value, last_value, lag,
//     nth_value_where, ew_avg, drawdown) append b's ring to a's;
//   - the _where forms merge their inner aggregates (the filtered rows).
//
// Merge only reads its argument, so one bucket may be merged into several
// aggregators at once (but not while it is itself updated or read with
// Result, which may normalise it). A merge costs O(1) for the counting and
// summing kernels, O(size of b's state) for the others, plus, for min/max,
// the part of a's deque it drops; merging sum, count or max partials does
// not allocate in steady state.
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
