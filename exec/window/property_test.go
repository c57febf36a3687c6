package window

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/sql"
)

// naive decides frame membership row by row, straight from SEMANTICS.md §3 and the rules of
// docs/windows.md, reading the parsed bounds (not the compiled Frame). It returns, for each hist
// row, whether it is in the frame, and whether the current row is.
func naive(spec *sql.WindowSpec, hist []int64, cur int64) (in []bool, curIn bool) {
	fr := spec.Frame
	unitMs := map[string]int64{"": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
	// inBounds: is the row at position p (0 = current row) with timestamp ts inside the bounds?
	inBounds := func(p int64, ts int64) bool {
		switch fr.Unit {
		case sql.FrameRows:
			switch s := fr.Start; s.Kind {
			case sql.Preceding:
				if s.Open && !(p < s.Value) || !s.Open && !(p <= s.Value) {
					return false
				}
			case sql.CurrentRow:
				if p > 0 {
					return false
				}
			}
			switch e := fr.End; e.Kind {
			case sql.Preceding:
				if e.Open && !(p > e.Value) || !e.Open && !(p >= e.Value) {
					return false
				}
			}
			return true
		default:
			switch s := fr.Start; s.Kind {
			case sql.Preceding:
				d := s.Value * unitMs[s.Unit]
				if s.Open && !(ts > cur-d) || !s.Open && !(ts >= cur-d) {
					return false
				}
			case sql.CurrentRow:
				if ts < cur {
					return false
				}
			}
			switch e := fr.End; e.Kind {
			case sql.Preceding:
				d := e.Value * unitMs[e.Unit]
				if e.Open && !(ts < cur-d) || !e.Open && !(ts <= cur-d) {
					return false
				}
			case sql.CurrentRow:
				if ts > cur {
					return false
				}
			}
			return true
		}
	}
	// 1. Candidates: every earlier row; EXCLUDE CURRENT_TIME drops those with the current ts.
	// 2. Number them newest first from 1; the current row is position 0.
	in = make([]bool, len(hist))
	p := int64(0)
	for i := len(hist) - 1; i >= 0; i-- {
		if spec.ExcludeCurrentTime && hist[i] == cur {
			continue
		}
		p++
		// 3. The bounds.
		in[i] = inBounds(p, hist[i])
	}
	curIn = inBounds(0, cur)
	// 4. EXCLUDE CURRENT_ROW.
	if spec.ExcludeCurrentRow {
		curIn = false
	}
	// 5. MAXSIZE: the k latest members (the current row first).
	if k := spec.MaxSize; k > 0 {
		kept := int64(0)
		if curIn {
			kept++
		}
		for i := len(hist) - 1; i >= 0; i-- {
			if in[i] {
				if kept >= k {
					in[i] = false
				} else {
					kept++
				}
			}
		}
	}
	return in, curIn
}

func randomBound(r *rand.Rand, unit sql.FrameUnit, start bool) sql.FrameBound {
	switch x := r.Intn(10); {
	case x == 0 && start:
		return sql.FrameBound{Kind: sql.UnboundedPreceding}
	case x == 1:
		return sql.FrameBound{Kind: sql.CurrentRow}
	case x < 4 && !start:
		return sql.FrameBound{Kind: sql.CurrentRow}
	}
	b := sql.FrameBound{Kind: sql.Preceding, Value: int64(r.Intn(7)), Open: r.Intn(3) == 0}
	if unit != sql.FrameRows && r.Intn(4) == 0 {
		b.Unit = "s"
		b.Value = int64(r.Intn(3))
	}
	return b
}

func randomSpec(r *rand.Rand) *sql.WindowSpec {
	unit := sql.FrameRows
	if r.Intn(2) == 0 {
		unit = sql.FrameRowsRange
	}
	spec := &sql.WindowSpec{
		OrderBy: []*sql.OrderItem{{Expr: &sql.ColumnRef{Name: "ts"}}},
		Frame: &sql.Frame{Unit: unit, Between: true,
			Start: randomBound(r, unit, true), End: randomBound(r, unit, false)},
		ExcludeCurrentRow:   r.Intn(3) == 0,
		ExcludeCurrentTime:  r.Intn(3) == 0,
		InstanceNotInWindow: r.Intn(5) == 0,
	}
	if unit == sql.FrameRowsRange && r.Intn(2) == 0 {
		spec.MaxSize = int64(1 + r.Intn(5))
	}
	return spec
}

// randomHistory returns ascending timestamps with many ties, all <= cur, and cur. scale spreads
// them so that second-unit bounds matter.
func randomHistory(r *rand.Rand) ([]int64, int64) {
	scale := int64(1)
	if r.Intn(3) == 0 {
		scale = 500
	}
	n := r.Intn(30)
	hist := make([]int64, n)
	span := 1 + r.Intn(12)
	for i := range hist {
		hist[i] = int64(r.Intn(span)) * scale
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i] < hist[j] })
	cur := int64(span-1) * scale
	if n > 0 && r.Intn(2) == 0 {
		cur = hist[n-1] // ties with the newest candidates
	}
	cur += int64(r.Intn(2)) * scale
	return hist, cur
}

func specText(s *sql.WindowSpec) string {
	return strings.TrimPrefix(sql.Format(&sql.Select{Windows: []*sql.WindowDef{{Name: "w", Spec: s}}}), "SELECT ")
}

func TestBoundsMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	compiled, rejected := 0, 0
	for iter := 0; iter < 20000; iter++ {
		spec := randomSpec(r)
		f, err := Compile(spec)
		if err != nil {
			// Only frames that start after they end are rejected here: check the naive frame
			// (without MAXSIZE and exclusions) is empty for every history.
			if !strings.Contains(err.Error(), "starts after it ends") {
				t.Fatalf("%s: unexpected error %v", specText(spec), err)
			}
			rejected++
			continue
		}
		compiled++
		for h := 0; h < 5; h++ {
			hist, cur := randomHistory(r)
			in, curIn := naive(spec, hist, cur)
			lo, hi, wc := f.Bounds(hist, cur)
			ok := wc == curIn
			for i := range hist {
				if in[i] != (lo <= i && i < hi) {
					ok = false
				}
			}
			if !ok {
				t.Fatalf("%s\nhist %v cur %d\nnaive %v current=%v\nBounds [%d:%d] current=%v",
					specText(spec), hist, cur, in, curIn, lo, hi, wc)
			}
		}
	}
	if compiled < 10000 || rejected == 0 {
		t.Errorf("poor generator: %d compiled, %d rejected", compiled, rejected)
	}
}

// A reader that stops when Enough says so has read every row Bounds puts in the frame, and Bounds
// over what it read gives the same frame.
func TestEnoughNeverStopsEarly(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	stopped := 0
	for iter := 0; iter < 20000; iter++ {
		spec := randomSpec(r)
		f, err := Compile(spec)
		if err != nil {
			continue
		}
		hist, cur := randomHistory(r)
		n := len(hist)
		read := make([]int64, n)
		for i := range hist {
			read[i] = hist[n-1-i]
		}
		k := 0
		for k < n && !f.Enough(cur, read[:k]) {
			k++
		}
		if k < n {
			stopped++
		}
		lo, hi, wc := f.Bounds(hist, cur)
		rlo, rhi, rwc := f.Bounds(hist[n-k:], cur)
		if hi > lo && lo < n-k || rwc != wc || rhi-rlo != hi-lo || hi > lo && rlo+n-k != lo {
			t.Fatalf("%s\nhist %v cur %d: reader stopped after %d rows\nfull [%d:%d] %v, over the rows read [%d:%d] %v",
				specText(spec), hist, cur, k, lo, hi, wc, rlo, rhi, rwc)
		}
	}
	if stopped < 5000 {
		t.Errorf("Enough stopped a reader early in only %d cases", stopped)
	}
}

// The cursor gives Bounds' answer for every row of random partitions, both for a partition's own
// rows and for INSTANCE_NOT_IN_WINDOW-style histories (union rows only).
func TestCursorMatchesBounds(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for iter := 0; iter < 3000; iter++ {
		spec := randomSpec(r)
		f, err := Compile(spec)
		if err != nil {
			continue
		}
		n := r.Intn(60)
		ts := make([]int64, n)
		t0 := int64(r.Intn(5)) - 2
		for i := range ts {
			if i > 0 {
				ts[i] = ts[i-1]
			} else {
				ts[i] = t0
			}
			if r.Intn(3) > 0 {
				ts[i] += int64(r.Intn(4) * (1 + 499*r.Intn(2)))
			}
		}
		c := f.NewCursor()
		for i := range ts {
			lo, hi, wc := c.Next(ts[:i], ts[i])
			blo, bhi, bwc := f.Bounds(ts[:i], ts[i])
			if lo != blo || hi != bhi || wc != bwc {
				t.Fatalf("%s\nrow %d of %v: cursor [%d:%d] %v, Bounds [%d:%d] %v",
					specText(spec), i, ts, lo, hi, wc, blo, bhi, bwc)
			}
		}
		// Union-only history: main rows at mains[j], candidates = union rows up to and including
		// their ts (union rows are earlier at equal ts).
		union := ts
		c.Reset()
		cur := t0 - 1
		for j := 0; j < 20; j++ {
			cur += int64(r.Intn(3))
			m := sort.Search(len(union), func(i int) bool { return union[i] > cur })
			lo, hi, wc := c.Next(union[:m], cur)
			blo, bhi, bwc := f.Bounds(union[:m], cur)
			if lo != blo || hi != bhi || wc != bwc {
				t.Fatalf("%s\nunion %v cur %d: cursor [%d:%d] %v, Bounds [%d:%d] %v",
					specText(spec), union[:m], cur, lo, hi, wc, blo, bhi, bwc)
			}
		}
	}
}

func ExampleFrame_Bounds() {
	st, _ := sql.ParseOne(`SELECT sum(v) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY ts
		ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW)`)
	f, _ := CompileNamed("w", st.(*sql.Select).Windows[0].Spec)
	// The current row has ts 5000; its candidates, oldest first:
	hist := []int64{1000, 3000, 3500, 4000, 5000}
	lo, hi, withCurrent := f.Bounds(hist, 5000)
	fmt.Println(f)
	fmt.Println(hist[lo:hi], withCurrent)
	// Output:
	// ROWS_RANGE BETWEEN 2000 PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW
	// [3500 4000 5000] false
}

// TSRange, where it answers, puts exactly Bounds' frame in its interval.
func TestTSRangeMatchesBounds(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	answered := 0
	for iter := 0; iter < 20000; iter++ {
		spec := randomSpec(r)
		f, err := Compile(spec)
		if err != nil {
			continue
		}
		hist, cur := randomHistory(r)
		tlo, thi, twc, ok := f.TSRange(cur)
		if !ok {
			if f.Unit == Range && !f.Unbounded && f.MaxSize == 0 {
				t.Fatalf("%s: TSRange declined a plain range frame at cur %d", specText(spec), cur)
			}
			continue
		}
		answered++
		lo, hi, wc := f.Bounds(hist, cur)
		if twc != wc {
			t.Fatalf("%s cur %d: TSRange current=%v, Bounds %v", specText(spec), cur, twc, wc)
		}
		for i, ts := range hist {
			if ts > cur {
				continue // not a candidate
			}
			if (tlo <= ts && ts <= thi) != (lo <= i && i < hi) {
				t.Fatalf("%s\nhist %v cur %d: row %d (ts %d): TSRange [%d, %d], Bounds [%d:%d]",
					specText(spec), hist, cur, i, ts, tlo, thi, lo, hi)
			}
		}
	}
	if answered < 1000 {
		t.Errorf("poor generator: TSRange answered %d frames", answered)
	}
}
