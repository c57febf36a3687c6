package agg

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/types"
)

// Short value constructors.
var (
	nul  = func(k types.Kind) types.Value { return types.NullOf(k) }
	i16  = func(v int16) types.Value { return types.Int16Value(v) }
	i32  = func(v int32) types.Value { return types.Int32Value(v) }
	i64  = func(v int64) types.Value { return types.Int64Value(v) }
	f32  = func(v float32) types.Value { return types.FloatValue(v) }
	f64  = func(v float64) types.Value { return types.DoubleValue(v) }
	str  = func(s string) types.Value { return types.StringValue(s) }
	ts   = func(ms int64) types.Value { return types.TimestampValue(ms) }
	date = func(s string) types.Value {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			panic(err)
		}
		return types.DateValue(t.Unix() / 86400)
	}
	yes = types.BoolValue(true)
	no  = types.BoolValue(false)
	unk = types.NullOf(types.Bool)
)

// notConst marks an argument that is not a constant.
var notConst = types.Value{Null: true}

// col builds one-argument rows.
func col(vs ...types.Value) [][]types.Value {
	rows := make([][]types.Value, len(vs))
	for i, v := range vs {
		rows[i] = []types.Value{v}
	}
	return rows
}

// withArgs appends constant arguments to every row.
func withArgs(rows [][]types.Value, extra ...types.Value) [][]types.Value {
	out := make([][]types.Value, len(rows))
	for i, r := range rows {
		out[i] = append(append([]types.Value(nil), r...), extra...)
	}
	return out
}

// zip builds rows from columns.
func zip(cols ...[]types.Value) [][]types.Value {
	rows := make([][]types.Value, len(cols[0]))
	for i := range rows {
		for _, c := range cols {
			rows[i] = append(rows[i], c[i])
		}
	}
	return rows
}

func ints(vs ...int32) []types.Value {
	out := make([]types.Value, len(vs))
	for i, v := range vs {
		out[i] = i32(v)
	}
	return out
}

func strs(vs ...string) []types.Value {
	out := make([]types.Value, len(vs))
	for i, v := range vs {
		out[i] = str(v)
	}
	return out
}

func bools(vs ...string) []types.Value {
	out := make([]types.Value, len(vs))
	for i, v := range vs {
		switch v {
		case "T":
			out[i] = yes
		case "F":
			out[i] = no
		default:
			out[i] = unk
		}
	}
	return out
}

// kindsOf returns the kinds of a row.
func kindsOf(row []types.Value) []types.Kind {
	ks := make([]types.Kind, len(row))
	for i, v := range row {
		ks[i] = v.Kind
	}
	return ks
}

// evalAll computes the aggregate over rows afresh, then checks that every
// way of sliding a window to the same frame (adding a prefix of extra rows
// and removing it) gives the same bits.
func evalAll(t *testing.T, name string, kinds []types.Kind, consts []types.Value, rows [][]types.Value) types.Value {
	t.Helper()
	a, err := NewWith(name, kinds, consts, Options{Location: time.FixedZone("+08:00", 8*3600)})
	if err != nil {
		t.Fatalf("New(%s, %v): %v", name, kinds, err)
	}
	for _, r := range rows {
		a.Add(r)
	}
	want := a.Result()
	if again := a.Result(); !types.Identical(want, again) {
		t.Fatalf("%s: Result is not repeatable: %v then %v", name, want, again)
	}
	// Slide: the rows enter one by one, and the first k leave again after
	// the rest were added, for every k; then the frame is rows[k:].
	for k := 0; k <= len(rows); k++ {
		b, _ := NewWith(name, kinds, consts, Options{Location: time.FixedZone("+08:00", 8*3600)})
		fresh, _ := NewWith(name, kinds, consts, Options{Location: time.FixedZone("+08:00", 8*3600)})
		for _, r := range rows {
			b.Add(r)
		}
		for _, r := range rows[:k] {
			b.Remove(r)
		}
		for _, r := range rows[k:] {
			fresh.Add(r)
		}
		if got, exp := b.Result(), fresh.Result(); !types.Identical(got, exp) || got.Kind != exp.Kind {
			t.Fatalf("%s: after removing %d of %d rows: slid %#v, afresh %#v", name, k, len(rows), got, exp)
		}
	}
	return want
}

type aggCase struct {
	name   string
	consts []types.Value // nil: no constants
	rows   [][]types.Value
	kinds  []types.Kind // nil: from the first row
	want   types.Value
}

func checkCases(t *testing.T, cases []aggCase) {
	t.Helper()
	for _, c := range cases {
		kinds := c.kinds
		if kinds == nil {
			kinds = kindsOf(c.rows[0])
		}
		got := evalAll(t, c.name, kinds, c.consts, c.rows)
		ok := types.Identical(got, c.want) && got.Kind == c.want.Kind
		if !ok && !c.want.Null && (c.want.Kind == types.Double) && got.Kind == types.Double {
			ok = math.Abs(got.F-c.want.F) <= 5e-7*math.Max(1, math.Abs(c.want.F))
		}
		if !ok {
			t.Errorf("%s(%v) = %#v (%v), want %#v (%v)", c.name, kinds, got, got, c.want, c.want)
		}
	}
}

// consts builds the consts of a call whose last arguments are constants.
func constsOf(n int, tail ...types.Value) []types.Value {
	cs := make([]types.Value, n)
	for i := range cs {
		cs[i] = notConst
	}
	copy(cs[n-len(tail):], tail)
	return cs
}

var zero4 = ints(0, 1, 2, 3, 4)

// Examples from OpenMLDB's function documentation (udfs_8h.md), with the
// outputs its C++ code gives (%f rendering inside strings).
func TestDocExamples(t *testing.T) {
	v := col(zero4...)
	gt2 := bools("F", "F", "F", "T", "T")
	le2 := bools("T", "T", "T", "F", "F")
	cateV := ints(0, 1, 2, 3, 4)
	cateK := strs("x", "y", "x", "y", "x")
	cateC := bools("T", "F", "F", "T", "T")
	topV := ints(0, 1, 2, 3, 4, 5, 6)
	topK := strs("x", "y", "x", "y", "x", "z", "z")
	n2 := constsOf(4, i32(2))
	checkCases(t, []aggCase{
		{name: "sum", rows: v, want: i32(10)},
		{name: "min", rows: v, want: i32(0)},
		{name: "max", rows: v, want: i32(4)},
		{name: "count", rows: v, want: i64(5)},
		{name: "avg", rows: v, want: f64(2)},
		{name: "distinct_count", rows: col(ints(0, 0, 2, 2, 4)...), want: i64(3)},
		{name: "sum_where", rows: zip(zero4, gt2), want: i32(7)},
		{name: "count_where", rows: zip(zero4, gt2), want: i64(2)},
		{name: "avg_where", rows: zip(zero4, gt2), want: f64(3.5)},
		{name: "min_where", rows: zip(zero4, gt2), want: i32(3)},
		{name: "max_where", rows: zip(zero4, le2), want: i32(2)},
		{name: "top", rows: withArgs(col(ints(1, 2, 3, 4, 4)...), i32(3)), consts: constsOf(2, i32(3)), want: str("4,4,3")},
		{name: "median", rows: col(ints(1, 2, 3, 4)...), want: f64(2.5)},
		{name: "stddev_pop", rows: col(ints(1, 2, 3, 4)...), want: f64(1.118034)},
		{name: "stddev", rows: col(ints(1, 2, 3, 4)...), want: f64(1.290994)},
		{name: "std", rows: col(ints(1, 2, 3, 4)...), want: f64(1.290994)},
		{name: "stddev_samp", rows: col(ints(1, 2, 3, 4)...), want: f64(1.290994)},
		{name: "var_pop", rows: col(ints(0, 3, 6)...), want: f64(6)},
		{name: "var_samp", rows: col(ints(0, 3, 6)...), want: f64(9)},
		{name: "variance", rows: col(ints(0, 3, 6)...), want: f64(9)},
		{name: "entropy", rows: col(ints(1, 1, 2, 3)...), want: f64(1.5)},
		{name: "ew_avg", rows: withArgs(v, f64(0.5)), consts: constsOf(2, f64(0.5)), want: f64(3.161290)},
		{name: "drawdown", rows: col(ints(1, 8, 5, 2, 10, 4)...), want: f64(0.75)},
		{name: "count_cate", rows: zip(cateV, cateK), want: str("x:3,y:2")},
		{name: "sum_cate", rows: zip(cateV, cateK), want: str("x:6,y:4")},
		{name: "avg_cate", rows: zip(cateV, cateK), want: str("x:2.000000,y:2.000000")},
		{name: "max_cate", rows: zip(cateV, cateK), want: str("x:4,y:3")},
		{name: "min_cate", rows: zip(cateV, cateK), want: str("x:0,y:1")},
		{name: "count_cate_where", rows: zip(cateV, cateC, cateK), want: str("x:2,y:1")},
		{name: "sum_cate_where", rows: zip(cateV, cateC, cateK), want: str("x:4,y:3")},
		{name: "avg_cate_where", rows: zip(cateV, cateC, cateK), want: str("x:2.000000,y:3.000000")},
		{name: "max_cate_where", rows: zip(cateV, cateC, cateK), want: str("x:4,y:3")},
		{name: "min_cate_where", rows: zip(cateV, cateC, cateK), want: str("x:0,y:3")},
		{name: "top_n_key_avg_cate_where", consts: n2, want: str("z:5.000000,y:3.000000"),
			rows: withArgs(zip(topV, bools("T", "F", "F", "T", "T", "T", "F"), topK), i32(2))},
		{name: "top_n_key_count_cate_where", consts: n2, want: str("z:2,y:2"),
			rows: withArgs(zip(topV, bools("T", "T", "F", "T", "F", "T", "T"), topK), i32(2))},
		{name: "top_n_key_sum_cate_where", consts: n2, want: str("z:11,y:4"),
			rows: withArgs(zip(topV, bools("T", "T", "F", "T", "F", "T", "T"), topK), i32(2))},
		{name: "top_n_key_max_cate_where", consts: n2, want: str("z:5,y:3"),
			rows: withArgs(zip(topV, bools("T", "F", "F", "T", "T", "T", "F"), topK), i32(2))},
		{name: "top_n_value_sum_cate_where", consts: n2, want: str("z:11,x:4"),
			rows: withArgs(zip(topV, bools("T", "T", "F", "F", "T", "T", "T"), topK), i32(2))},
		{name: "top_n_value_max_cate_where", consts: n2, want: str("z:5,x:4"),
			rows: withArgs(zip(topV, bools("T", "F", "F", "T", "T", "T", "F"), topK), i32(2))},
		// The doc says "z:5,x:4", copied from max; x's average is (0+4)/2.
		{name: "top_n_value_avg_cate_where", consts: n2, want: str("z:5.000000,x:2.000000"),
			rows: withArgs(zip(topV, bools("T", "F", "F", "F", "T", "T", "F"), topK), i32(2))},
		{name: "top_n_key_ratio_cate", consts: n2, want: str("z:1.000000,y:0.500000"),
			rows: withArgs(zip(ints(0, 2, 4, 1, 3, 5, 6), bools("T", "T", "T", "T", "F", "T", "T"), strs("x", "x", "x", "y", "y", "z", "z")), i32(2))},
		{name: "top_n_value_ratio_cate", consts: n2, want: str("z:1.000000,x:1.000000"),
			rows: withArgs(zip(ints(0, 2, 4, 1, 3, 5, 6), bools("T", "T", "T", "T", "F", "T", "T"), strs("x", "x", "x", "y", "y", "z", "z")), i32(2))},
		{name: "nth_value_where", consts: constsOf(3, i32(2), notConst), want: i32(4),
			rows: zip(ints(1, 2, 3, 4), ints(2, 2, 2, 2), bools("T", "F", "N", "T"))},
		{name: "first_value", rows: col(ints(98, 99, 100)...), want: i32(98)},
		{name: "last_value", rows: col(ints(98, 99, 100)...), want: i32(100)},
	})
}

// Behaviour taken from the conformance corpus (cases/function/function/
// test_udaf_function.yaml and others).
func TestCorpusBehaviour(t *testing.T) {
	n3 := constsOf(2, i32(3))
	checkCases(t, []aggCase{
		// test_udaf_function/53: topn_frequency pads with NULL; ties by key.
		{name: "topn_frequency", consts: n3, rows: withArgs(col(ints(1)...), i32(3)), want: str("1,NULL,NULL")},
		{name: "topn_frequency", consts: n3, rows: withArgs(col(ints(1, 2, 3)...), i32(3)), want: str("1,2,3")},
		{name: "topn_frequency", consts: n3, rows: withArgs(col(ints(3, 2, 3, 1, 1)...), i32(3)), want: str("1,3,2")},
		// ... and sum_where/avg_where with no matching row are NULL, count_where 0.
		{name: "sum_where", rows: zip(ints(1, 2), bools("F", "F")), want: nul(types.Int32)},
		{name: "avg_where", rows: zip(ints(1, 2), bools("F", "F")), want: nul(types.Double)},
		{name: "count_where", rows: zip(ints(1, 2), bools("F", "N")), want: i64(0)},
		// test_udaf_function/24: avg_cate renders %f; NULL keys/values skipped.
		{name: "avg_cate", want: str("1:4.000000,2:3.000000"),
			rows: zip([]types.Value{i16(4), i16(3), nul(types.Int16)}, []types.Value{i16(1), i16(2), nul(types.Int16)})},
		{name: "avg_cate", want: str("1:1.250000"),
			rows: zip([]types.Value{f32(1.1), f32(1.4)}, []types.Value{i32(1), i32(1)})},
		// test_udaf_function/22: date and timestamp keys (+08:00).
		{name: "count_cate", want: str("2020-05-01:2,2020-05-02:1"),
			rows: zip(ints(1, 2, 3), []types.Value{date("2020-05-01"), date("2020-05-01"), date("2020-05-02")})},
		{name: "count_cate", want: str("2020-05-29 15:56:30:2,2020-05-29 15:56:32:1"),
			rows: zip(ints(1, 2, 3), []types.Value{ts(1590738990000), ts(1590738990000), ts(1590738992000)})},
		// test_udaf_function/62: top_n_value_* ties: the larger key first.
		{name: "top_n_value_count_cate_where", consts: constsOf(4, i32(1)), want: str("g2:1"),
			rows: withArgs(zip(strs("g1", "x", "g2"), bools("T", "T", "T"), []types.Value{str("g1"), nul(types.String), str("g2")}), i32(1))},
		{name: "top_n_value_avg_cate_where", consts: constsOf(4, i32(3)), want: str("4:4.000000,5:2.500000,2:2.000000"),
			rows: withArgs(zip(
				[]types.Value{f64(2), f64(2), nul(types.Double), f64(4), f64(4), f64(4), f64(1)},
				bools("T", "T", "T", "T", "T", "T", "T"),
				[]types.Value{i32(1), i32(2), i32(3), i32(4), nul(types.Int32), i32(5), i32(5)}), i32(3))},
		// test_udaf_function/66: ratio cate, n < 0 all, n = 0 "".
		{name: "top_n_value_ratio_cate", consts: constsOf(4, i32(-1)), want: str("c:1.000000,a:1.000000,b:0.500000"),
			rows: withArgs(zip(ints(200, 300, 200, 10, 101), bools("T", "T", "T", "F", "T"),
				[]types.Value{str("a"), str("b"), nul(types.String), str("b"), str("c")}), i32(-1))},
		{name: "top_n_key_ratio_cate", consts: constsOf(4, i32(-2)), want: str("c:1.000000,b:0.500000,a:1.000000"),
			rows: withArgs(zip(ints(200, 300, 200, 10, 101), bools("T", "T", "T", "F", "T"),
				[]types.Value{str("a"), str("b"), nul(types.String), str("b"), str("c")}), i32(-2))},
		{name: "top_n_key_ratio_cate", consts: constsOf(4, i32(0)), want: str(""),
			rows: withArgs(zip(ints(200), bools("T"), strs("a")), i32(0))},
		// test_udaf_function/64: nth_value_where from the end.
		{name: "nth_value_where", consts: constsOf(3, i32(-2), notConst), want: f32(9),
			rows: zip([]types.Value{f32(4.4), f32(9), f32(7)}, ints(-2, -2, -2), bools("F", "T", "T"))},
		{name: "nth_value_where", consts: constsOf(3, i32(0), notConst), want: nul(types.Int32),
			rows: zip(ints(1), ints(0), bools("T"))},
		// test_udaf_function/46: lag over ROWS 2 PRECEDING keeps the kind.
		{name: "lag", consts: constsOf(2, i32(2)), want: date("2020-05-01"),
			rows: withArgs(col(date("2020-05-01"), date("2020-05-03"), date("2020-05-02")), i32(2))},
		{name: "at", consts: constsOf(2, i32(2)), want: nul(types.Bool),
			rows: withArgs(col(yes, no), i32(2))},
		{name: "lag", consts: constsOf(2, i32(0)), want: nul(types.String),
			rows: withArgs(col(str("a"), nul(types.String)), i32(0))},
		// sum of timestamps is a timestamp (test_udaf_function/7).
		{name: "sum", rows: col(ts(1), ts(2)), want: ts(3)},
	})
}

func TestSemantics(t *testing.T) {
	big := int64(1) << 62
	checkCases(t, []aggCase{
		// Empty and all-NULL frames.
		{name: "count", kinds: []types.Kind{}, rows: [][]types.Value{{}, {}}, want: i64(2)},
		{name: "count", rows: col(nul(types.Int32), i32(1)), want: i64(1)},
		{name: "sum", rows: col(nul(types.Double)), want: nul(types.Double)},
		{name: "min", rows: col(nul(types.String)), want: nul(types.String)},
		{name: "max", rows: col(nul(types.Date)), want: nul(types.Date)},
		{name: "top1_ratio", rows: col(nul(types.Int32)), want: f64(0)},
		{name: "count_cate", rows: zip([]types.Value{i32(1)}, []types.Value{nul(types.String)}), want: str("")},
		{name: "count_where", kinds: []types.Kind{types.Bool}, rows: col(yes, no, unk, yes), want: i64(2)},
		// Integer sums wrap at the kind's width.
		{name: "sum", rows: col(i16(32767), i16(1)), want: i16(-32768)},
		{name: "sum", rows: col(i32(math.MaxInt32), i32(2)), want: i32(math.MinInt32 + 1)},
		{name: "sum", rows: col(i64(math.MaxInt64), i64(1)), want: i64(math.MinInt64)},
		// avg of integers is exact before the one rounding.
		{name: "avg", rows: col(i64(big+1), i64(big+1), i64(-big)), want: f64(float64(big+2) / 3)},
		// Float sums round once to float32.
		{name: "sum", rows: col(f32(1), f32(1e-8), f32(1e-8)), want: f32(1)},
		{name: "sum", rows: col(f32(16777216), f32(1), f32(1)), want: f32(16777218)},
		// Exact double sums: order and cancellation do not matter.
		{name: "sum", rows: col(f64(1e100), f64(1), f64(-1e100)), want: f64(1)},
		{name: "avg", rows: col(f64(1e100), f64(1), f64(-1e100)), want: f64(1.0 / 3)},
		{name: "sum", rows: col(f64(math.Copysign(0, -1))), want: f64(0)},
		// min/max: -0 < +0, NaN largest, strings bytewise.
		{name: "max", rows: col(f64(0), f64(math.Copysign(0, -1))), want: f64(0)},
		{name: "min", rows: col(f64(0), f64(math.Copysign(0, -1))), want: f64(math.Copysign(0, -1))},
		{name: "max", rows: col(f64(1), f64(math.NaN()), f64(math.Inf(1))), want: f64(canonicalNaN)},
		{name: "min", rows: col(f64(1), f64(math.NaN()), f64(math.Inf(-1))), want: f64(math.Inf(-1))},
		{name: "max", rows: col(str("B"), str("a"), str("ab")), want: str("ab")},
		{name: "min", rows: col(str("b"), str("B"), str("")), want: str("")},
		{name: "max", rows: col(ts(5), ts(-5)), want: ts(5)},
		// Variance without cancellation trouble.
		{name: "var_samp", rows: col(f64(1e9+1), f64(1e9+2), f64(1e9+3)), want: f64(1)},
		{name: "var_pop", rows: col(i64(1<<52+1), i64(1<<52+3)), want: f64(1)},
		{name: "var_samp", rows: col(f64(5)), want: nul(types.Double)},
		{name: "var_pop", rows: col(f64(5)), want: f64(0)},
		{name: "stddev_pop", rows: col(f64(math.Inf(1)), f64(1)), want: f64(math.NaN())},
		// Median of an even count, NaN largest.
		{name: "median", rows: col(i64(math.MaxInt64), i64(math.MaxInt64-2)), want: f64(float64(math.MaxInt64))},
		{name: "median", rows: col(f64(math.MaxFloat64), f64(math.MaxFloat64)), want: f64(math.MaxFloat64)},
		{name: "median", rows: col(f64(1), f64(math.NaN()), f64(2)), want: f64(2)},
		// first/last with ignore_nulls.
		{name: "first_value", consts: constsOf(2, yes), rows: withArgs(col(nul(types.Int32), i32(7), i32(8)), yes), want: i32(7)},
		{name: "last_value", consts: constsOf(2, yes), rows: withArgs(col(i32(7), i32(8), nul(types.Int32)), yes), want: i32(8)},
		{name: "last_value", consts: constsOf(2, no), rows: withArgs(col(i32(7), i32(8), nul(types.Int32)), no), want: nul(types.Int32)},
		// ew_avg: alpha 1 is the newest value, alpha 0 and NULL plain avg.
		{name: "ew_avg", consts: constsOf(2, f64(1)), rows: withArgs(col(i32(1), i32(5)), f64(1)), want: f64(5)},
		{name: "ew_avg", consts: constsOf(2, f64(0)), rows: withArgs(col(i32(1), i32(5)), f64(0)), want: f64(3)},
		{name: "ew_avg", consts: constsOf(2, nul(types.Null)), kinds: []types.Kind{types.Int32, types.Double},
			rows: withArgs(col(i32(1), i32(5)), nul(types.Double)), want: f64(3)},
		// drawdown ignores negative values; no decline is 0.
		{name: "drawdown", rows: col(f64(1), f64(-5), f64(2)), want: f64(0)},
		{name: "drawdown", rows: col(f64(4), f64(1), f64(-1), f64(2)), want: f64(0.75)},
		// sum_cate keeps the value kind: smallint wraps, float sums in float.
		{name: "sum_cate", rows: zip([]types.Value{i16(32767), i16(1)}, strs("k", "k")), want: str("k:-32768")},
		{name: "sum_cate", rows: zip([]types.Value{f32(0.1), f32(0.2)}, strs("k", "k")), want: str("k:0.300000")},
		{name: "max_cate", rows: zip([]types.Value{f64(math.Inf(1)), f64(math.NaN())}, strs("a", "b")), want: str("a:inf,b:nan")},
		// distinct_count folds -0 into +0 and NaNs together.
		{name: "distinct_count", rows: col(f64(0), f64(math.Copysign(0, -1)), f64(math.NaN()), f64(math.NaN())), want: i64(2)},
		{name: "top", consts: constsOf(2, i32(0)), rows: withArgs(col(i32(1)), i32(0)), want: str("")},
		{name: "top", consts: constsOf(2, i32(5)), rows: withArgs(col(str("b"), str("a"), str("c")), i32(5)), want: str("c,b,a")},
	})
}

// The output of the *_cate family stops before 4096 bytes, as OpenMLDB's.
func TestCateOutputLimit(t *testing.T) {
	var rows [][]types.Value
	for i := range 1000 {
		rows = append(rows, []types.Value{i32(1), i32(int32(1000 + i))})
	}
	a, _ := New("count_cate", []types.Kind{types.Int32, types.Int32}, nil)
	for _, r := range rows {
		a.Add(r)
	}
	got := a.Result()
	// Each entry "1xyz:1," is 7 bytes: 585 entries fit in 4096.
	if n := strings.Count(got.S, ",") + 1; n != 585 || len(got.S) != 585*7-1 {
		t.Errorf("count_cate output has %d entries, %d bytes", n, len(got.S))
	}
}

func TestNewErrors(t *testing.T) {
	bad := []struct {
		name   string
		kinds  []types.Kind
		consts []types.Value
		want   error
	}{
		{"nope", []types.Kind{types.Int32}, nil, ErrUnknown},
		{"sum", []types.Kind{types.Bool}, nil, ErrArgs},
		{"sum", []types.Kind{types.String}, nil, ErrArgs},
		{"sum_where", []types.Kind{types.Timestamp, types.Bool}, nil, ErrArgs},
		{"avg", []types.Kind{types.Date}, nil, ErrArgs},
		{"max", []types.Kind{types.Bool}, nil, ErrArgs},
		{"count_where", []types.Kind{types.Int32, types.Int32}, nil, ErrArgs},
		{"count", []types.Kind{types.Int32, types.Int32}, nil, ErrArgs},
		{"lag", []types.Kind{types.Int32, types.Int32}, nil, ErrArgs},
		{"lag", []types.Kind{types.Int32, types.Int32}, constsOf(2, i32(-1)), ErrArgs},
		{"topn_frequency", []types.Kind{types.Bool, types.Int32}, constsOf(2, i32(1)), ErrArgs},
		{"topn_frequency", []types.Kind{types.Int32, types.Double}, constsOf(2, f64(1)), ErrArgs},
		{"sum_cate", []types.Kind{types.Int32, types.Double}, nil, ErrArgs},
		{"sum_cate", []types.Kind{types.String, types.Int32}, nil, ErrArgs},
		{"count_cate", []types.Kind{types.Int32, types.Bool}, nil, ErrArgs},
		{"top_n_key_sum_cate_where", []types.Kind{types.Int32, types.Bool, types.Int32, types.Int32}, nil, ErrArgs},
		{"ew_avg", []types.Kind{types.Int32, types.Double}, constsOf(2, f64(2)), ErrArgs},
		{"first_value", []types.Kind{types.Int32, types.Bool}, nil, ErrArgs},
	}
	for _, b := range bad {
		if _, err := New(b.name, b.kinds, b.consts); !errors.Is(err, b.want) {
			t.Errorf("New(%s, %v) error = %v, want %v", b.name, b.kinds, err, b.want)
		}
	}
	if _, err := New("LAG", []types.Kind{types.Int32, types.Int64}, constsOf(2, i64(1))); err != nil {
		t.Errorf("LAG: %v", err)
	}
}

func TestOwnFrame(t *testing.T) {
	if n, ok := OwnFrame("AT", constsOf(2, i32(3))); !ok || n != 3 {
		t.Errorf("OwnFrame(at, 3) = %d, %v", n, ok)
	}
	if _, ok := OwnFrame("sum", nil); ok {
		t.Error("OwnFrame(sum) reported a frame")
	}
}

func TestExactSumResult32(t *testing.T) {
	// 1 + 2^-24 + 2^-60: rounding the exact sum to double first gives
	// 1 + 2^-24 (a float32 tie, to even: 1); rounding once gives 1 + 2^-23.
	var s ExactSum
	s.Add(1)
	s.Add(math.Ldexp(1, -24))
	s.Add(math.Ldexp(1, -60))
	if got, want := s.Result32(), 1+math.Ldexp(1, -23); got != want {
		t.Errorf("Result32 = %v, want %v", got, want)
	}
	if got := float64(float32(s.Result())); got != 1 {
		t.Errorf("double rounding gives %v, the test does not exercise it", got)
	}
	s.Reset()
	s.Add(math.MaxFloat32)
	s.Add(math.MaxFloat32)
	if got := s.Result32(); !math.IsInf(got, 1) {
		t.Errorf("Result32 overflow = %v", got)
	}
}

// Result32 rounds the exact sum once to float32 (checked against math/big).
func TestExactSumResult32Random(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var s ExactSum
		ref := new(big.Float).SetPrec(2000)
		n := 1 + r.IntN(6)
		for range n {
			// float32 values and double values at assorted scales, so that
			// the exact sum often lies near a float32 rounding boundary.
			x := math.Ldexp(float64(r.Int64N(1<<53)), r.IntN(120)-140)
			if r.IntN(2) == 0 {
				x = float64(float32(x))
			}
			if r.IntN(2) == 0 {
				x = -x
			}
			s.Add(x)
			ref.Add(ref, new(big.Float).SetFloat64(x))
		}
		want, _ := ref.Float32()
		if got := s.Result32(); got != float64(want) {
			t.Fatalf("Result32 = %v, math/big %v", got, want)
		}
	}
}
