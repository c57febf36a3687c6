package window

import (
	"strings"
	"testing"
)

// TestDocExamples checks the examples of docs/windows.md: the frame of row r6 of
//
//	row  ts    (key a, in arrival order)
//	r1   1000
//	r2   2000
//	r3   3000
//	r4   3000
//	r5   4000
//	r6   4000   <- the current row
func TestDocExamples(t *testing.T) {
	names := []string{"r1", "r2", "r3", "r4", "r5"}
	hist := []int64{1000, 2000, 3000, 3000, 4000}
	for _, tc := range []struct{ frame, rows string }{
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", "r4 r5 r6"},
		{"ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING", "r4 r5"},
		{"ROWS BETWEEN 3 OPEN PRECEDING AND CURRENT ROW", "r4 r5 r6"},
		{"ROWS BETWEEN 2 PRECEDING AND 0 OPEN PRECEDING", "r4 r5"},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "r1 r2 r3 r4 r5 r6"},
		{"ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW", "r3 r4 r5 r6"},
		{"ROWS_RANGE BETWEEN 1s OPEN PRECEDING AND CURRENT ROW", "r5 r6"},
		{"ROWS_RANGE BETWEEN 2s PRECEDING AND 1s PRECEDING", "r2 r3 r4"},
		{"ROWS_RANGE BETWEEN 2s PRECEDING AND 1s OPEN PRECEDING", "r2"},
		{"ROWS_RANGE BETWEEN 1s PRECEDING AND 0s OPEN PRECEDING", "r3 r4"},
		{"ROWS_RANGE BETWEEN 3000 PRECEDING AND CURRENT ROW", "r1 r2 r3 r4 r5 r6"},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 2s PRECEDING", "r1 r2"},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW", "r4 r5"},
		{"ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW", "r3 r4 r5"},
		{"ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", "r3 r4 r6"},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", "r3 r4 r6"},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME EXCLUDE CURRENT_ROW", "r3 r4"},
		{"ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 3", "r4 r5 r6"},
		{"ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW", "r3 r4 r5"},
		{"ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_TIME", "r3 r4 r6"},
		{"ROWS_RANGE BETWEEN 3s PRECEDING AND 1s PRECEDING MAXSIZE 2", "r3 r4"},
	} {
		f := compileFrame(t, tc.frame)
		lo, hi, wc := f.Bounds(hist, 4000)
		got := append([]string(nil), names[lo:hi]...)
		if wc {
			got = append(got, "r6")
		}
		if strings.Join(got, " ") != tc.rows {
			t.Errorf("%s: got %v, want %s", tc.frame, got, tc.rows)
		}
	}
	// Batch: r5's candidates are r1..r4 only (r6 arrived after it, at the same ts).
	f := compileFrame(t, "ROWS_RANGE BETWEEN 0s PRECEDING AND CURRENT ROW")
	if lo, hi, wc := f.Bounds(hist[:4], 4000); lo != 4 || hi != 4 || !wc {
		t.Errorf("r5 alone: got [%d:%d] %v", lo, hi, wc)
	}

	// UNION: main rows m1 (ts 100) then m2 (ts 100); union t2 rows u1 (99), u2 (100), u3 (101).
	// At equal ts union rows come before main rows, so m2's candidates are u1, u2, m1 (u3 is later).
	f = compileFrame(t, "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW")
	if lo, hi, wc := f.Bounds([]int64{99, 100, 100}, 100); lo != 1 || hi != 3 || !wc { // u2 m1 m2
		t.Errorf("union: got [%d:%d] %v", lo, hi, wc)
	}
	// INSTANCE_NOT_IN_WINDOW: only u1, u2 are candidates.
	f = compileFrame(t, "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW")
	if lo, hi, wc := f.Bounds([]int64{99, 100}, 100); lo != 0 || hi != 2 || !wc { // u1 u2 m2
		t.Errorf("instance_not_in_window: got [%d:%d] %v", lo, hi, wc)
	}
}
