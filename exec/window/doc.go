// Package window is the one place in Sundial that decides which rows belong to a window frame.
// The batch and the online executor both call it, which is what makes their window features equal.
//
// Compile turns the frame part of a parsed window spec (sql.WindowSpec) into a Frame: plain data
// with bounds normalised to closed distances back from the current row (OPEN folded in, time units
// in milliseconds), validated with errors that name the window.
//
// Frame.Bounds answers the one question: given the timestamps of a current row's candidates (the
// rows of its key earlier than it in (ts, seq) order, oldest first, union rows merged in per
// SEMANTICS.md §4; only the union rows for INSTANCE_NOT_IN_WINDOW) and its own timestamp, which of
// them are in its frame. The answer is always a contiguous range hist[lo:hi], plus the current row
// itself or not, and costs O(log n) without allocating.
//
// The rules, in the order they apply (docs/windows.md has them with examples):
//
//  1. EXCLUDE CURRENT_TIME drops the candidates whose ts equals the current row's.
//  2. The remaining candidates are numbered newest first: the current row is position 0, the
//     candidate just before it position 1, and so on.
//  3. ROWS keeps positions End..Start; ROWS_RANGE keeps the rows with r.ts-Start <= ts <= r.ts-End.
//     The current row is in when the frame reaches it (End == 0).
//  4. EXCLUDE CURRENT_ROW drops the current row.
//  5. MAXSIZE k keeps the k latest rows of what is left (the current row, when in, is one of them).
//
// Batch visits the main rows of a partition in (ts, seq) order; a Cursor exploits that to compute
// successive frames in amortised O(1). Online, the reader scans a key's stored rows newest first
// and asks Frame.Enough after each row whether older rows could still be in the frame; it then
// reverses what it read and calls Bounds.
//
// A window without ORDER BY is accepted when its frame does not measure time (ROWS without EXCLUDE
// CURRENT_TIME, ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW); callers then give every
// row the same timestamp (0), so that arrival order alone decides.
package window
