package agg

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/types"
)

// The consistency property: for random inputs (NULLs, ties, signed zeros,
// NaN, infinities, extreme magnitudes) and random FIFO frames, sliding
// (Add new rows, Remove old ones) gives bit-identical results to computing
// afresh (Reset, Add every frame row), for every aggregate and argument kind.

var allKinds = []types.Kind{types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
	types.String, types.Timestamp, types.Date}

var keyKinds = []types.Kind{types.Int16, types.Int32, types.Int64, types.Date, types.Timestamp, types.String}

// Argument shapes per aggregate: V a value (every kind is tried), B a
// condition, K a category key, N a constant integer, A a constant alpha, I a
// constant ignore-NULLs flag.
var shapes = map[string][]string{
	"count": {"", "V"}, "count_where": {"B", "VB"},
	"sum": {"V"}, "sum_where": {"VB"}, "avg": {"V"}, "avg_where": {"VB"},
	"min": {"V"}, "max": {"V"}, "min_where": {"VB"}, "max_where": {"VB"},
	"distinct_count": {"V"}, "first_value": {"V", "VI"}, "last_value": {"V", "VI"},
	"lag": {"VN"}, "at": {"VN"}, "nth_value_where": {"VNB"},
	"median": {"V"}, "stddev": {"V"}, "std": {"V"}, "stddev_samp": {"V"}, "stddev_pop": {"V"},
	"var_samp": {"V"}, "variance": {"V"}, "var_pop": {"V"},
	"ew_avg": {"VA"}, "drawdown": {"V"}, "entropy": {"V"}, "top1_ratio": {"V"}, "fz_top1_ratio": {"V"},
	"topn_frequency": {"VN"}, "fz_topn_frequency": {"VN"}, "top": {"VN"},
}

func shapesOf(name string) []string {
	switch {
	case strings.HasPrefix(name, "top_n_"):
		return []string{"VBKN"}
	case strings.HasSuffix(name, "_cate_where"):
		return []string{"VBK"}
	case strings.HasSuffix(name, "_cate"):
		return []string{"VK"}
	}
	return shapes[name]
}

type config struct {
	name   string
	kinds  []types.Kind
	consts []types.Value
}

func (c config) String() string { return fmt.Sprintf("%s%v", c.name, c.kinds) }

// configs lists every aggregate with every value kind it accepts (keys and
// constants vary with the value kind).
func configs(t *testing.T) []config {
	var out []config
	for _, name := range Names() {
		ss := shapesOf(name)
		if len(ss) == 0 {
			t.Fatalf("no argument shape for %s", name)
		}
		found := false
		for _, shape := range ss {
			for vi, vk := range allKinds {
				c := config{name: name}
				for _, s := range shape {
					var k types.Kind
					cv := types.Value{}
					switch s {
					case 'V':
						k = vk
					case 'B', 'I':
						k = types.Bool
						if s == 'I' {
							cv = types.BoolValue(vi%2 == 0)
						}
					case 'K':
						k = keyKinds[vi%len(keyKinds)]
					case 'N':
						k = types.Int32
						cv = types.Int32Value(int32([]int{2, 0, 1, -1, 3, 5, -2, 1, 2}[vi]))
						if name == "lag" || name == "at" || name == "topn_frequency" || name == "fz_topn_frequency" {
							cv.I = max(cv.I, 0)
						}
					case 'A':
						k = types.Double
						cv = types.DoubleValue([]float64{0.5, 0.25, 1, 0, 0.9, 0.5, 0.1, 0.3, 0.7}[vi])
					}
					c.kinds = append(c.kinds, k)
					c.consts = append(c.consts, cv)
				}
				if _, err := New(c.name, c.kinds, c.consts); err != nil {
					continue
				}
				found = true
				out = append(out, c)
				if !strings.Contains(shape, "V") {
					break
				}
			}
		}
		if !found {
			t.Fatalf("%s accepted no argument kinds", name)
		}
	}
	return out
}

// valueGen draws random values of a kind, with NULLs, ties and edge cases.
func valueGen(r *rand.Rand, k types.Kind) types.Value {
	if r.IntN(7) == 0 {
		return types.NullOf(k)
	}
	pick := func(n int) int { return r.IntN(n) }
	switch k {
	case types.Bool:
		return types.BoolValue(r.IntN(2) == 0)
	case types.Int16:
		return types.Int16Value([]int16{0, 1, -1, 2, 7, 7, math.MaxInt16, math.MinInt16}[pick(8)])
	case types.Int32:
		return types.Int32Value([]int32{0, 1, -1, 3, 3, 42, math.MaxInt32, math.MinInt32}[pick(8)])
	case types.Int64:
		return types.Int64Value([]int64{0, 1, -1, 3, 3, 1<<53 + 1, -(1 << 53) - 3, 1 << 62, math.MaxInt64, math.MinInt64}[pick(10)])
	case types.Float:
		fs := []float32{0, float32(math.Copysign(0, -1)), 1.5, -2.25, 0.1, 0.1, 3e38, -3e38, 1e-40, 16777216}
		if r.IntN(40) == 0 {
			return types.FloatValue(float32([]float64{math.Inf(1), math.Inf(-1), math.NaN()}[pick(3)]))
		}
		return types.FloatValue(fs[pick(len(fs))])
	case types.Double:
		ds := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.1, 1e308, -1e308, 1e-310, 5e-324, 1e16, 3, 1e154, -7.5}
		if r.IntN(40) == 0 {
			return types.DoubleValue([]float64{math.Inf(1), math.Inf(-1), math.NaN()}[pick(3)])
		}
		if r.IntN(4) == 0 {
			return types.DoubleValue(r.NormFloat64() * 1000)
		}
		return types.DoubleValue(ds[pick(len(ds))])
	case types.String:
		return types.StringValue([]string{"", "a", "b", "ab", "B", "ä", "a"}[pick(7)])
	case types.Timestamp:
		return types.TimestampValue([]int64{0, 1590738990000, -1, -1001, 1 << 40, 1590738990000}[pick(6)])
	case types.Date:
		return types.DateValue([]int64{0, 18383, -1, 18384, 18383}[pick(5)])
	}
	panic(k)
}

func genRows(r *rand.Rand, c config, n int) [][]types.Value {
	rows := make([][]types.Value, n)
	for i := range rows {
		row := make([]types.Value, len(c.kinds))
		for j, k := range c.kinds {
			if c.consts[j].Kind != types.Invalid {
				row[j] = c.consts[j]
				continue
			}
			row[j] = valueGen(r, k)
		}
		rows[i] = row
	}
	return rows
}

func same(a, b types.Value) bool { return types.Identical(a, b) && a.Kind == b.Kind }

func TestSlidingMatchesAfresh(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cs := configs(t)
	for _, c := range cs {
		slide, _ := New(c.name, c.kinds, c.consts)
		fresh, _ := New(c.name, c.kinds, c.consts)
		rows := genRows(r, c, slideRows)
		maxFrame := 1 + r.IntN(30)
		lo, hi := 0, 0
		for step := 0; hi < len(rows) || lo < hi; step++ {
			switch {
			case hi < len(rows) && (lo == hi || (hi-lo < maxFrame && r.IntN(3) != 0)):
				slide.Add(rows[hi])
				hi++
			default:
				slide.Remove(rows[lo])
				lo++
			}
			if r.IntN(50) == 0 {
				// Reset reuses state; the frame is added again.
				slide.Reset()
				for _, row := range rows[lo:hi] {
					slide.Add(row)
				}
			}
			fresh.Reset()
			for _, row := range rows[lo:hi] {
				fresh.Add(row)
			}
			got, want := slide.Result(), fresh.Result()
			if !same(got, want) {
				t.Fatalf("%v step %d, frame rows[%d:%d] %v: slid %#v, afresh %#v", c, step, lo, hi, rows[lo:hi], got, want)
			}
			if ref, ok := reference(c, rows[lo:hi]); ok && !refEqual(c.name, got, ref) {
				t.Fatalf("%v frame %v: got %#v (%v), reference %#v (%v)", c, rows[lo:hi], got, got, ref, ref)
			}
		}
	}
	t.Logf("%d configurations", len(cs))
}

// Reference implementations (brute force over the frame) for the core
// aggregates, independent of the kernels' data structures.
func reference(c config, frame [][]types.Value) (types.Value, bool) {
	vals := func() []types.Value {
		var vs []types.Value
		for _, row := range frame {
			if len(row) > 0 && !row[0].Null {
				vs = append(vs, row[0])
			}
		}
		return vs
	}
	var vk types.Kind
	if len(c.kinds) > 0 {
		vk = c.kinds[0]
	}
	switch c.name {
	case "count":
		if len(c.kinds) == 0 {
			return types.Int64Value(int64(len(frame))), true
		}
		return types.Int64Value(int64(len(vals()))), true
	case "sum":
		vs := vals()
		if len(vs) == 0 {
			return types.NullOf(vk), true
		}
		if vk == types.Float || vk == types.Double {
			f, ok := exactSumRef(vs)
			if !ok {
				return types.Value{}, false
			}
			if vk == types.Float {
				f32, _ := f.Float32()
				return types.Value{Kind: vk, F: float64(f32)}, true
			}
			f64, _ := f.Float64()
			return types.DoubleValue(f64), true
		}
		var s int64
		for _, v := range vs {
			s += v.I
		}
		return types.Value{Kind: vk, I: wrapInt(vk, uint64(s))}, true
	case "min", "max":
		vs := vals()
		if len(vs) == 0 {
			return types.NullOf(vk), true
		}
		best := vs[0]
		for _, v := range vs[1:] {
			if d := refCompare(v, best); (c.name == "max" && d > 0) || (c.name == "min" && d < 0) {
				best = v
			}
		}
		if best.Kind == types.Float || best.Kind == types.Double {
			if best.F != best.F {
				best.F = canonicalNaN
			}
		}
		return best, true
	case "median":
		vs := vals()
		if len(vs) == 0 {
			return types.NullOf(types.Double), true
		}
		slices.SortFunc(vs, refCompare)
		n := len(vs)
		if n%2 == 1 {
			return types.DoubleValue(toFloat(vs[n/2])), true
		}
		return types.DoubleValue(midpoint(vs[n/2-1], vs[n/2])), true
	case "var_pop", "var_samp":
		vs := vals()
		n := int64(len(vs))
		if n == 0 || (c.name == "var_samp" && n == 1) {
			return types.NullOf(types.Double), true
		}
		var s1, s2 big.Rat
		for _, v := range vs {
			x := toFloat(v)
			if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > 1e150 {
				return types.Value{}, false
			}
			var q big.Rat
			q.SetFloat64(x)
			s1.Add(&s1, &q)
			q.Mul(&q, &q)
			s2.Add(&s2, &q)
		}
		var d, t big.Rat
		d.Mul(new(big.Rat).SetInt64(n), &s2)
		t.Mul(&s1, &s1)
		d.Sub(&d, &t)
		den := n * n
		if c.name == "var_samp" {
			den = n * (n - 1)
		}
		d.Quo(&d, new(big.Rat).SetInt64(den))
		f, _ := d.Float64()
		return types.DoubleValue(f), true
	case "distinct_count":
		seen := map[key]bool{}
		for _, v := range vals() {
			seen[keyOf(v)] = true
		}
		return types.Int64Value(int64(len(seen))), true
	case "first_value", "last_value":
		if len(c.kinds) == 2 && isTrue(c.consts[1]) {
			return types.Value{}, false
		}
		if len(frame) == 0 {
			return types.NullOf(vk), true
		}
		v := frame[0][0]
		if c.name == "last_value" {
			v = frame[len(frame)-1][0]
		}
		v.Kind = vk
		return v, true
	case "lag", "at":
		n := int(c.consts[1].I)
		if len(frame) <= n {
			return types.NullOf(vk), true
		}
		v := frame[len(frame)-1-n][0]
		v.Kind = vk
		return v, true
	case "count_cate":
		counts := map[key]int64{}
		var keys []types.Value
		for _, row := range frame {
			if row[0].Null || row[1].Null {
				continue
			}
			k := keyOf(row[1])
			if counts[k] == 0 {
				keys = append(keys, row[1])
			}
			counts[k]++
		}
		slices.SortFunc(keys, refCompare)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s:%d", string(appendValue(nil, k, time.UTC)), counts[keyOf(k)]))
		}
		return types.StringValue(strings.Join(parts, ",")), true
	}
	return types.Value{}, false
}

// refCompare orders values as min/max do: types.Compare, with -0 < +0 and
// NaN largest.
func refCompare(a, b types.Value) int {
	if (a.Kind == types.Float || a.Kind == types.Double) && a.F == 0 && b.F == 0 {
		sa, sb := math.Signbit(a.F), math.Signbit(b.F)
		switch {
		case sa && !sb:
			return -1
		case !sa && sb:
			return 1
		}
		return 0
	}
	return types.Compare(a, b)
}

// exactSumRef sums finite values exactly with math/big (ok false if any is
// not finite).
func exactSumRef(vs []types.Value) (*big.Float, bool) {
	s := new(big.Float).SetPrec(4096)
	for _, v := range vs {
		if math.IsInf(v.F, 0) || math.IsNaN(v.F) {
			return nil, false
		}
		s.Add(s, new(big.Float).SetFloat64(v.F))
	}
	return s, true
}

// refEqual compares a result to the reference: bit-exact, except variance
// (the kernel's double-double evaluation is within a few ulps of the exact
// value).
func refEqual(name string, got, ref types.Value) bool {
	if strings.HasPrefix(name, "var_") && !got.Null && !ref.Null {
		return math.Abs(got.F-ref.F) <= 1e-12*math.Abs(ref.F)
	}
	if got.Kind == types.Double && !got.Null && !ref.Null && got.F == 0 && ref.F == 0 {
		return true // the reference may produce -0 where the kernel gives +0
	}
	return same(got, ref)
}

// slideRows is the number of rows each configuration slides over.
var slideRows = 200
