package window

import (
	"math"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/sql"
)

// parseSpec parses a window spec written as it appears between the parentheses of WINDOW w AS (...).
func parseSpec(t testing.TB, body string) *sql.WindowSpec {
	t.Helper()
	st, err := sql.ParseOne("SELECT count(*) OVER w FROM t WINDOW w AS (" + body + ")")
	if err != nil {
		t.Fatalf("parsing %q: %v", body, err)
	}
	return st.(*sql.Select).Windows[0].Spec
}

// compileFrame parses "PARTITION BY k ORDER BY ts <frame>" and compiles it.
func compileFrame(t testing.TB, frame string) *Frame {
	t.Helper()
	f, err := CompileNamed("w", parseSpec(t, "PARTITION BY k ORDER BY ts "+frame))
	if err != nil {
		t.Fatalf("compiling %q: %v", frame, err)
	}
	return f
}

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  Frame
		str   string
	}{
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", Frame{Unit: Rows, Start: 2}, "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"},
		{"ROWS 2 PRECEDING", Frame{Unit: Rows, Start: 2}, ""},
		{"ROWS BETWEEN 3 OPEN PRECEDING AND 0 OPEN PRECEDING", Frame{Unit: Rows, Start: 2, End: 1}, "ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING"},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", Frame{Unit: Rows, Unbounded: true}, "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{"ROWS BETWEEN CURRENT ROW AND CURRENT ROW", Frame{Unit: Rows}, ""},
		{"ROWS_RANGE BETWEEN 3s OPEN PRECEDING AND 1s OPEN PRECEDING MAXSIZE 5 EXCLUDE CURRENT_ROW",
			Frame{Unit: Range, Start: 2999, End: 1001, MaxSize: 5, ExcludeCurrentRow: true},
			"ROWS_RANGE BETWEEN 2999 PRECEDING AND 1001 PRECEDING MAXSIZE 5 EXCLUDE CURRENT_ROW"},
		{"ROWS_RANGE BETWEEN 2d PRECEDING AND 1h PRECEDING", Frame{Unit: Range, Start: 2 * 86400000, End: 3600000}, ""},
		{"ROWS_RANGE BETWEEN 10m PRECEDING AND 0s PRECEDING", Frame{Unit: Range, Start: 600000}, ""},
		{"ROWS_RANGE BETWEEN 100 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME INSTANCE_NOT_IN_WINDOW",
			Frame{Unit: Range, Start: 100, ExcludeCurrentTime: true, InstanceNotInWindow: true},
			"ROWS_RANGE BETWEEN 100 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME INSTANCE_NOT_IN_WINDOW"},
		{"RANGE BETWEEN 5 PRECEDING AND CURRENT ROW", Frame{Unit: Range, Start: 5}, ""},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 1s OPEN PRECEDING MAXSIZE 3",
			Frame{Unit: Range, Unbounded: true, End: 1001, MaxSize: 3}, ""},
	} {
		f := compileFrame(t, tc.frame)
		if *f != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.frame, *f, tc.want)
		}
		if tc.str != "" && f.String() != tc.str {
			t.Errorf("%s: String() = %q, want %q", tc.frame, f.String(), tc.str)
		}
		// The printed form compiles back to the same frame.
		if g := compileFrame(t, f.String()); *g != *f {
			t.Errorf("%s: String() %q compiles to %+v", tc.frame, f.String(), *g)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ spec, err string }{
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 3", "window w: MAXSIZE needs ROWS_RANGE"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 PRECEDING", "window w: the frame starts after it ends (1 PRECEDING AND 2 PRECEDING)"},
		{"PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1s PRECEDING AND 2s PRECEDING", "the frame starts after it ends"},
		{"PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND 2s OPEN PRECEDING", "the frame starts after it ends"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN 0 OPEN PRECEDING AND CURRENT ROW", "the frame starts after it ends"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN CURRENT ROW AND 1 PRECEDING", "the frame starts after it ends"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING", "FOLLOWING is not supported"},
		{"PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2 FOLLOWING AND 3 FOLLOWING", "FOLLOWING is not supported"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING", "FOLLOWING is not supported"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND UNBOUNDED PRECEDING", "cannot end at UNBOUNDED PRECEDING"},
		{"PARTITION BY k ORDER BY ts ROWS BETWEEN -1 PRECEDING AND CURRENT ROW", "cannot be negative"},
		{"PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 9223372036854775807d PRECEDING AND CURRENT ROW", "too large"},
		{"PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 9223372036854775807 PRECEDING AND CURRENT ROW", "too large"},
		{"PARTITION BY k ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW", "ROWS_RANGE with a time offset needs ORDER BY"},
		{"PARTITION BY k ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING", "ROWS_RANGE with a time offset needs ORDER BY"},
		{"PARTITION BY k ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", "EXCLUDE CURRENT_TIME needs ORDER BY"},
		{"PARTITION BY k ORDER BY ts DESC ROWS BETWEEN 3 PRECEDING AND CURRENT ROW", "DESC is not supported"},
		{"PARTITION BY k ORDER BY ts, ts2 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW", "exactly one column"},
		{"PARTITION BY k ORDER BY ts", "a frame is required"},
	} {
		_, err := CompileNamed("w", parseSpec(t, tc.spec))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got error %v, want one containing %q", tc.spec, err, tc.err)
		}
	}
	// Inline windows have no name.
	_, err := Compile(parseSpec(t, "ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 PRECEDING"))
	if err == nil || !strings.HasPrefix(err.Error(), "window: ") {
		t.Errorf("inline window error = %v", err)
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
	// Frames that do not measure time need no ORDER BY.
	for _, spec := range []string{
		"PARTITION BY k ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW",
		"PARTITION BY k ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW MAXSIZE 3",
		"UNION t2 PARTITION BY k ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING INSTANCE_NOT_IN_WINDOW",
	} {
		if _, err := Compile(parseSpec(t, spec)); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
}

type boundsCase struct {
	frame string
	lo    int
	hi    int
	cur   bool
}

func checkBounds(t *testing.T, hist []int64, cur int64, cases []boundsCase) {
	t.Helper()
	for _, tc := range cases {
		f := compileFrame(t, tc.frame)
		lo, hi, wc := f.Bounds(hist, cur)
		if lo != tc.lo || hi != tc.hi || wc != tc.cur {
			t.Errorf("hist %v cur %d, %s: got [%d:%d] current=%v, want [%d:%d] current=%v",
				hist, cur, tc.frame, lo, hi, wc, tc.lo, tc.hi, tc.cur)
		}
		c := f.NewCursor()
		if clo, chi, cwc := c.Next(hist, cur); clo != lo || chi != hi || cwc != wc {
			t.Errorf("%s: cursor gives [%d:%d] %v", tc.frame, clo, chi, cwc)
		}
	}
}

func TestBounds(t *testing.T) {
	// Candidates, oldest first; the two rows at 7 tie with the current row and arrived before it.
	hist := []int64{1, 2, 3, 5, 5, 7, 7}
	checkBounds(t, hist, 7, []boundsCase{
		// ROWS: positions back from the current row (position 0), newest first.
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", 5, 7, true},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW", 5, 7, false},
		{"ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING", 5, 7, false},
		{"ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING EXCLUDE CURRENT_ROW", 5, 7, false},
		{"ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING", 4, 6, false},
		{"ROWS BETWEEN 2 PRECEDING AND 0 OPEN PRECEDING", 5, 7, false},
		{"ROWS BETWEEN 3 OPEN PRECEDING AND CURRENT ROW", 5, 7, true},
		{"ROWS BETWEEN 3 OPEN PRECEDING AND 0 OPEN PRECEDING", 5, 7, false},
		{"ROWS BETWEEN 0 PRECEDING AND 0 PRECEDING", 7, 7, true},
		{"ROWS BETWEEN CURRENT ROW AND CURRENT ROW", 7, 7, true},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", 0, 7, true},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND 3 PRECEDING", 0, 5, false},
		{"ROWS BETWEEN 10 PRECEDING AND CURRENT ROW", 0, 7, true},
		{"ROWS BETWEEN 7 PRECEDING AND 7 PRECEDING", 0, 1, false},
		{"ROWS BETWEEN 20 PRECEDING AND 8 PRECEDING", 0, 0, false},
		// EXCLUDE CURRENT_TIME drops the ties before counting: positions 1, 2 are the rows at 5.
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 3, 5, true},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME EXCLUDE CURRENT_ROW", 3, 5, false},
		{"ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING EXCLUDE CURRENT_TIME", 2, 4, false},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 0, 5, true},
		// INSTANCE_NOT_IN_WINDOW changes what the caller passes, not the arithmetic.
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW", 5, 7, true},

		// ROWS_RANGE: r.ts - start <= ts <= r.ts - end. Ties with the current row are candidates.
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW", 3, 7, true},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND 0 PRECEDING", 3, 7, true},
		{"ROWS_RANGE BETWEEN 2 OPEN PRECEDING AND CURRENT ROW", 5, 7, true},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW", 3, 7, false},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 3, 5, true},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME EXCLUDE CURRENT_ROW", 3, 5, false},
		{"ROWS_RANGE BETWEEN 4 PRECEDING AND 2 PRECEDING", 2, 5, false},
		{"ROWS_RANGE BETWEEN 4 PRECEDING AND 2 OPEN PRECEDING", 2, 3, false},
		{"ROWS_RANGE BETWEEN 4 OPEN PRECEDING AND 2 OPEN PRECEDING", 3, 3, false},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND 0 OPEN PRECEDING", 3, 5, false},
		{"ROWS_RANGE BETWEEN 0 PRECEDING AND CURRENT ROW", 5, 7, true},
		{"ROWS_RANGE BETWEEN CURRENT ROW AND CURRENT ROW", 5, 7, true},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", 0, 7, true},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 3 PRECEDING", 0, 3, false},
		{"ROWS_RANGE BETWEEN 100 PRECEDING AND 50 PRECEDING", 0, 0, false},
		// MAXSIZE keeps the k latest rows of the frame; the current row, when in, is the latest.
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 3", 5, 7, true},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 1", 7, 7, true},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 10", 3, 7, true},
		// An excluded current row takes no slot.
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW", 4, 7, false},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 1 EXCLUDE CURRENT_ROW", 6, 7, false},
		// EXCLUDE CURRENT_TIME applies before MAXSIZE.
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 2 EXCLUDE CURRENT_TIME", 4, 5, true},
		{"ROWS_RANGE BETWEEN 6 PRECEDING AND 1 PRECEDING MAXSIZE 2", 3, 5, false},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING MAXSIZE 4", 1, 5, false},
	})

	// Time units convert to milliseconds; bounds are inclusive unless OPEN.
	const day = 86400000
	units := []int64{0, 1, day - 3600000, day - 60000, day - 1000, day - 1}
	checkBounds(t, units, day, []boundsCase{
		{"ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW", 0, 6, true},
		{"ROWS_RANGE BETWEEN 1d OPEN PRECEDING AND CURRENT ROW", 1, 6, true},
		{"ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW", 2, 6, true},
		{"ROWS_RANGE BETWEEN 1m PRECEDING AND CURRENT ROW", 3, 6, true},
		{"ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW", 4, 6, true},
		{"ROWS_RANGE BETWEEN 1 PRECEDING AND CURRENT ROW", 5, 6, true},
		{"ROWS_RANGE BETWEEN 1d PRECEDING AND 1s PRECEDING", 0, 5, false},
		{"ROWS_RANGE BETWEEN 1d PRECEDING AND 1s OPEN PRECEDING", 0, 4, false},
		{"ROWS_RANGE BETWEEN 1d PRECEDING AND 1h PRECEDING", 0, 3, false},
	})

	// Empty histories.
	checkBounds(t, nil, 5, []boundsCase{
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", 0, 0, true},
		{"ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING", 0, 0, false},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW MAXSIZE 1 EXCLUDE CURRENT_ROW", 0, 0, false},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 0, 0, true},
	})

	// Extreme timestamps (bigint order columns) do not overflow.
	checkBounds(t, []int64{math.MinInt64, math.MinInt64 + 1}, math.MinInt64+1, []boundsCase{
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW", 0, 2, true},
		{"ROWS_RANGE BETWEEN 5 OPEN PRECEDING AND CURRENT ROW", 0, 2, true},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND 2 PRECEDING", 0, 0, false},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND 1 PRECEDING", 0, 1, false},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 0, 1, true},
	})
	checkBounds(t, []int64{math.MaxInt64 - 1, math.MaxInt64}, math.MaxInt64, []boundsCase{
		{"ROWS_RANGE BETWEEN 1 PRECEDING AND CURRENT ROW", 0, 2, true},
		{"ROWS_RANGE BETWEEN 1 OPEN PRECEDING AND CURRENT ROW", 1, 2, true},
	})
}

// Rows later than the current row are not candidates; Bounds ignores them if a caller passes them.
func TestBoundsIgnoresLaterRows(t *testing.T) {
	f := compileFrame(t, "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW")
	if lo, hi, _ := f.Bounds([]int64{1, 2, 3, 9, 9}, 3); lo != 2 || hi != 3 {
		t.Errorf("got [%d:%d], want [2:3]", lo, hi)
	}
	g := compileFrame(t, "ROWS_RANGE BETWEEN 1 PRECEDING AND CURRENT ROW")
	if lo, hi, _ := g.Bounds([]int64{1, 2, 3, 9, 9}, 3); lo != 1 || hi != 3 {
		t.Errorf("got [%d:%d], want [1:3]", lo, hi)
	}
}

func TestBoundsDoesNotAllocate(t *testing.T) {
	hist := make([]int64, 1000)
	for i := range hist {
		hist[i] = int64(i / 3)
	}
	read := make([]int64, len(hist))
	for i := range hist {
		read[i] = hist[len(hist)-1-i]
	}
	f := compileFrame(t, "ROWS_RANGE BETWEEN 30 PRECEDING AND 2 PRECEDING MAXSIZE 20 EXCLUDE CURRENT_TIME")
	c := f.NewCursor()
	allocs := testing.AllocsPerRun(100, func() {
		f.Bounds(hist, 400)
		f.Enough(400, read)
		c.Reset()
		c.Next(hist, 400)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}

func TestEnoughStopsEarly(t *testing.T) {
	// Newest first: ties with cur = 10 first.
	read := []int64{10, 10, 9, 8, 8, 7, 5, 3, 1}
	for _, tc := range []struct {
		frame string
		need  int // rows to read before Enough holds (len(read)+1: never)
	}{
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", 2},
		{"ROWS BETWEEN CURRENT ROW AND CURRENT ROW", 0},
		{"ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME", 4},
		{"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", 10},
		{"ROWS_RANGE BETWEEN 2 PRECEDING AND CURRENT ROW", 6},      // stops at 7 < 10-2
		{"ROWS_RANGE BETWEEN 2 OPEN PRECEDING AND CURRENT ROW", 4}, // stops at 8 <= 10-2
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW MAXSIZE 3", 2},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW", 3},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW MAXSIZE 1", 0},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND 2 PRECEDING MAXSIZE 2", 5},
		{"ROWS_RANGE BETWEEN 5 PRECEDING AND CURRENT ROW MAXSIZE 2 EXCLUDE CURRENT_TIME", 3},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", 10},
		{"ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING MAXSIZE 2", 4},
	} {
		f := compileFrame(t, tc.frame)
		got := len(read) + 1
		for k := 0; k <= len(read); k++ {
			if f.Enough(10, read[:k]) {
				got = k
				break
			}
		}
		if got != tc.need {
			t.Errorf("%s: Enough after %d rows, want %d", tc.frame, got, tc.need)
		}
	}
}
