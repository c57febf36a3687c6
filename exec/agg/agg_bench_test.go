package agg

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sundialdb/sundial/types"
)

// sinkValue keeps results alive so the compiler cannot drop the work.
var sinkValue types.Value

// benchRows returns rows of one double argument (normal(0, 1000), 5% NULL),
// a power of two of them.
func benchRows(k types.Kind) [][]types.Value {
	r := rand.New(rand.NewPCG(7, 7))
	rows := make([][]types.Value, 1<<12)
	for i := range rows {
		var v types.Value
		switch {
		case r.IntN(20) == 0:
			v = types.NullOf(k)
		case k == types.Double:
			v = types.DoubleValue(r.NormFloat64() * 1000)
		case k == types.String:
			v = types.StringValue(fmt.Sprintf("k%d", r.IntN(50)))
		default:
			v = types.Value{Kind: k, I: r.Int64N(1 << 40)}
		}
		rows[i] = []types.Value{v}
	}
	return rows
}

// benchSlide measures one slide step of a window of w rows: the newest row
// enters, the oldest leaves, and the result is read (batch mode's per-row
// work).
func benchSlide(b *testing.B, name string, kinds []types.Kind, rows [][]types.Value, w int) {
	a, err := New(name, kinds, nil)
	if err != nil {
		b.Fatal(err)
	}
	mask := len(rows) - 1
	for i := range w {
		a.Add(rows[i&mask])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		a.Add(rows[(i+w)&mask])
		a.Remove(rows[i&mask])
		sinkValue = a.Result()
	}
}

// benchAfresh measures computing a frame of w rows afresh (online mode's
// per-request work), per row.
func benchAfresh(b *testing.B, name string, kinds []types.Kind, rows [][]types.Value, w int) {
	a, err := New(name, kinds, nil)
	if err != nil {
		b.Fatal(err)
	}
	mask := len(rows) - 1
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += w {
		a.Reset()
		for j := range w {
			a.Add(rows[(i+j)&mask])
		}
		sinkValue = a.Result()
	}
}

var (
	doubleKinds = []types.Kind{types.Double}
	int64Kinds  = []types.Kind{types.Int64}
)

func BenchmarkSlideSumDouble(b *testing.B) {
	benchSlide(b, "sum", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideSumInt64(b *testing.B) {
	benchSlide(b, "sum", int64Kinds, benchRows(types.Int64), 100)
}
func BenchmarkSlideCount(b *testing.B) {
	benchSlide(b, "count", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideAvgDouble(b *testing.B) {
	benchSlide(b, "avg", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideMaxDouble(b *testing.B) {
	benchSlide(b, "max", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideMaxString(b *testing.B) {
	benchSlide(b, "max", []types.Kind{types.String}, benchRows(types.String), 100)
}
func BenchmarkSlideStddevDouble(b *testing.B) {
	benchSlide(b, "stddev", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideMedianDouble(b *testing.B) {
	benchSlide(b, "median", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkSlideDistinctCountString(b *testing.B) {
	benchSlide(b, "distinct_count", []types.Kind{types.String}, benchRows(types.String), 100)
}
func BenchmarkAfreshSumDouble(b *testing.B) {
	benchAfresh(b, "sum", doubleKinds, benchRows(types.Double), 100)
}
func BenchmarkAfreshMaxDouble(b *testing.B) {
	benchAfresh(b, "max", doubleKinds, benchRows(types.Double), 100)
}

// BenchmarkSlideCountCate measures count_cate(x, k) with 50 string keys: the
// result string (one allocation) dominates.
func BenchmarkSlideCountCate(b *testing.B) {
	keys := benchRows(types.String)
	vals := benchRows(types.Double)
	rows := make([][]types.Value, len(keys))
	for i := range rows {
		rows[i] = []types.Value{vals[i][0], keys[i][0]}
	}
	benchSlide(b, "count_cate", []types.Kind{types.Double, types.String}, rows, 100)
}

// Add and Remove do not allocate in steady state.
func TestSlideNoAlloc(t *testing.T) {
	for _, c := range []struct {
		name string
		k    types.Kind
	}{{"sum", types.Double}, {"sum", types.Int64}, {"count", types.Double}, {"avg", types.Double},
		{"max", types.Double}, {"min", types.String}, {"stddev", types.Double}, {"median", types.Double},
		{"distinct_count", types.String}, {"first_value", types.String}, {"drawdown", types.Double}} {
		rows := benchRows(c.k)
		a, err := New(c.name, []types.Kind{c.k}, nil)
		if err != nil {
			t.Fatal(err)
		}
		mask := len(rows) - 1
		for i := range 100 {
			a.Add(rows[i])
		}
		i := 0
		// Warm up (growth of buffers and maps), then measure.
		step := func() {
			a.Add(rows[(i+100)&mask])
			a.Remove(rows[i&mask])
			i++
		}
		for range 5000 {
			step()
		}
		if n := testing.AllocsPerRun(1000, step); n != 0 {
			t.Errorf("%s(%v): %v allocations per Add+Remove", c.name, c.k, n)
		}
	}
}
