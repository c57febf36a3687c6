package agg

import (
	"math"

	"github.com/sundialdb/sundial/types"
)

// count(*) counts rows; count(x) counts non-NULL values. bigint, 0 on an
// empty frame.
type count struct {
	n    int64
	star bool
}

func newCount(c *call) (Aggregator, error) {
	if err := c.arity(0, 1); err != nil {
		return nil, err
	}
	if len(c.kinds) == 0 {
		return &count{star: true}, nil
	}
	if err := c.kind(0, isAny, "a value"); err != nil {
		return nil, err
	}
	return &count{}, nil
}

func (a *count) Reset() { a.n = 0 }
func (a *count) Add(args []types.Value) {
	if a.star || !args[0].Null {
		a.n++
	}
}
func (a *count) Remove(args []types.Value) {
	if a.star || !args[0].Null {
		a.n--
	}
}
func (a *count) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.star == a.star)
	a.n += o.n
}
func (a *count) Result() types.Value     { return types.Int64Value(a.n) }
func (a *count) Pack() int64             { return a.n }
func (a *count) MergePacked(state int64) { a.n += state }

// count_where(x, cond) counts rows whose cond is true and x is not NULL;
// count_where(*, cond) (one argument: the condition) counts rows whose cond
// is true.
func newCountWhere(c *call) (Aggregator, error) {
	if err := c.arity(1, 2); err != nil {
		return nil, err
	}
	return whereOf(newCount)(c)
}

// sum keeps the input kind. Integer (and timestamp) sums wrap in two's
// complement at the kind's width, as OpenMLDB's do (which sum in the C type
// of the input); because wrapping addition is modular, removing a value is
// exact and any order gives the same result. double and float sums are exact
// (ExactSum) and rounded once: a double sum to the nearest double, a float
// sum to the nearest float (round-to-odd then round, no double rounding). An
// exact zero sum is +0. NULLs are skipped; no non-NULL value gives NULL.
type sumInt struct {
	n    int64
	s    uint64
	kind types.Kind
}

type sumFloat struct {
	n    int64
	s    ExactSum
	kind types.Kind
}

func newSum(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	k := c.kinds[0]
	switch {
	case k == types.Float || k == types.Double:
		return &sumFloat{kind: k}, nil
	case k.IsInteger() || (k == types.Timestamp && c.name == "sum"):
		return &sumInt{kind: k}, nil
	}
	if c.name == "sum" {
		return nil, c.argError(0, "must be numeric or timestamp, got %v", k)
	}
	return nil, c.argError(0, "must be numeric, got %v", k)
}

func (a *sumInt) Reset() { a.n, a.s = 0, 0 }
func (a *sumInt) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n++
		a.s += uint64(v.I)
	}
}
func (a *sumInt) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n--
		a.s -= uint64(v.I)
	}
}
func (a *sumInt) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.kind == a.kind)
	a.n += o.n
	a.s += o.s // modular: wrapping commutes with the merge
}
func (a *sumInt) Result() types.Value {
	if a.n == 0 {
		return types.NullOf(a.kind)
	}
	return types.Value{Kind: a.kind, I: wrapInt(a.kind, a.s)}
}

// wrapInt truncates a wrapped 64-bit sum to the width of kind k.
func wrapInt(k types.Kind, s uint64) int64 {
	switch k {
	case types.Int16:
		return int64(int16(s))
	case types.Int32:
		return int64(int32(s))
	}
	return int64(s)
}

func (a *sumFloat) Reset() { a.n = 0; a.s.Reset() }
func (a *sumFloat) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n++
		a.s.Add(v.F)
	}
}
func (a *sumFloat) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n--
		a.s.Sub(v.F)
	}
}
func (a *sumFloat) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.kind == a.kind)
	a.n += o.n
	a.s.Merge(&o.s)
}
func (a *sumFloat) Result() types.Value {
	if a.n == 0 {
		return types.NullOf(a.kind)
	}
	if a.kind == types.Float {
		return types.Value{Kind: types.Float, F: a.s.Result32()}
	}
	return types.DoubleValue(a.s.Result())
}

// addExact adds (sign = +1) or removes (sign = -1) the number v (an integer
// or floating kind, not NULL) to an exact sum. Integers beyond ±2^53 are
// split into two exactly representable halves, so integer sums are exact too.
func addExact(s *ExactSum, v types.Value, sign int) {
	var hi, lo float64
	switch v.Kind {
	case types.Float, types.Double:
		lo = v.F
	default:
		if x := v.I; x >= -1<<53 && x <= 1<<53 {
			lo = float64(x)
		} else {
			hi = float64(x>>32) * (1 << 32)
			lo = float64(x & (1<<32 - 1))
		}
	}
	if sign > 0 {
		if hi != 0 {
			s.Add(hi)
		}
		s.Add(lo)
	} else {
		if hi != 0 {
			s.Sub(hi)
		}
		s.Sub(lo)
	}
}

// toFloat returns a non-NULL number as a double (integers round to nearest).
func toFloat(v types.Value) float64 {
	switch v.Kind {
	case types.Float, types.Double:
		return v.F
	}
	return float64(v.I)
}

// avg is double: the exact sum of the non-NULL values (integers exactly, see
// addExact) rounded once to double, divided by their count. NULL when there
// is none.
type avg struct {
	n     int64
	s     ExactSum
	float bool // float or double input: no integer splitting
}

func newAvg(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isNumeric, "numeric"); err != nil {
		return nil, err
	}
	return &avg{float: c.kinds[0] == types.Float || c.kinds[0] == types.Double}, nil
}

func (a *avg) Reset() { a.n = 0; a.s.Reset() }
func (a *avg) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n++
		if a.float {
			a.s.Add(v.F)
		} else {
			addExact(&a.s, v, 1)
		}
	}
}
func (a *avg) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.n--
		if a.float {
			a.s.Sub(v.F)
		} else {
			addExact(&a.s, v, -1)
		}
	}
}
func (a *avg) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.float == a.float)
	a.n += o.n
	a.s.Merge(&o.s)
}
func (a *avg) Result() types.Value {
	if a.n == 0 {
		return types.NullOf(types.Double)
	}
	return types.DoubleValue(a.s.Result() / float64(a.n))
}

// Variance and standard deviation.
//
// With n non-NULL values x (integers converted to double), the aggregate
// keeps n and two exact sums: S1 = Σx and S2 = Σx², where each x² enters as
// the exact double-double h + l (h = x·x rounded, l = fma(x, x, -h)), so S2
// is the exact sum of squares (unless some x² overflows). Both sums are
// order-independent, and so is everything computed from them:
//
//	D = n·S2 - S1²   (= n·Σ(x - mean)², ≥ 0)
//	var_pop = D / n², var_samp = D / (n·(n-1)), stddev_* = sqrt(var_*)
//
// D is computed almost exactly: S1 and S2 are each read as a double-double
// (hi = the sum rounded, lo = the rest rounded), the products n·S2 and S1²
// are expanded into exact two-double products (fma), and those terms are
// added in a fresh ExactSum and rounded once. The only error is the ~2^-106
// relative truncation of S1 and S2, so the result does not suffer the
// cancellation of the textbook one-pass formula. A D that truncation makes
// negative is clamped to 0.
//
// var_samp/stddev are NULL for fewer than two values, var_pop/stddev_pop for
// none (OpenMLDB's rules). A NaN or infinite input gives NaN; an x² beyond
// the double range gives +Inf.
type variance struct {
	n      int64
	s1, s2 ExactSum
	mode   varMode
	sqrt   bool
}

type varMode uint8

const (
	varSamp varMode = iota
	varPop
)

func newVariance(mode varMode, sqrt bool) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		if err := c.arity(1, 1); err != nil {
			return nil, err
		}
		if err := c.kind(0, isNumeric, "numeric"); err != nil {
			return nil, err
		}
		return &variance{mode: mode, sqrt: sqrt}, nil
	}
}

func (a *variance) Reset() { a.n = 0; a.s1.Reset(); a.s2.Reset() }

func (a *variance) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		x := toFloat(v)
		a.n++
		a.s1.Add(x)
		h := x * x
		a.s2.Add(h)
		if !math.IsInf(h, 0) && !math.IsNaN(h) {
			a.s2.Add(math.FMA(x, x, -h))
		}
	}
}

func (a *variance) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		x := toFloat(v)
		a.n--
		a.s1.Sub(x)
		h := x * x
		a.s2.Sub(h)
		if !math.IsInf(h, 0) && !math.IsNaN(h) {
			a.s2.Sub(math.FMA(x, x, -h))
		}
	}
}

// Merge adds newer's count and exact sums: S1 and S2 of the concatenation
// are the sums of the parts' (exactly), so the result is the same bits.
func (a *variance) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.mode == a.mode && o.sqrt == a.sqrt)
	a.n += o.n
	a.s1.Merge(&o.s1)
	a.s2.Merge(&o.s2)
}

func (a *variance) Result() types.Value {
	if a.n == 0 || (a.mode == varSamp && a.n == 1) {
		return types.NullOf(types.Double)
	}
	v := varianceOf(a.n, &a.s1, &a.s2, a.mode)
	if a.sqrt {
		v = math.Sqrt(v)
	}
	return types.DoubleValue(v)
}

// hiLo reads an exact sum as a double-double: hi is the sum rounded, lo the
// remainder rounded. s holds the same value afterwards (hi is subtracted and
// added back, exactly).
func hiLo(s *ExactSum) (hi, lo float64) {
	hi = s.Result()
	if math.IsInf(hi, 0) || math.IsNaN(hi) {
		return hi, 0
	}
	s.Sub(hi)
	lo = s.Result()
	s.Add(hi)
	return hi, lo
}

// twoProd adds (sign +1) or subtracts (-1) the exact product x·y to s.
func twoProd(s *ExactSum, x, y float64, sign float64) {
	p := x * y
	e := math.FMA(x, y, -p)
	s.Add(sign * p)
	s.Add(sign * e)
}

// varianceOf computes the variance of n ≥ 1 values from their exact sums.
func varianceOf(n int64, s1, s2 *ExactSum, mode varMode) float64 {
	a, b := hiLo(s1)
	c, d := hiLo(s2)
	switch {
	case math.IsNaN(a) || math.IsNaN(c) || math.IsInf(a, 0):
		return math.NaN()
	case math.IsInf(c, 0):
		return math.Inf(1)
	}
	nf := float64(n)
	var dsum ExactSum
	twoProd(&dsum, nf, c, 1)
	twoProd(&dsum, nf, d, 1)
	twoProd(&dsum, a, a, -1)
	twoProd(&dsum, 2*a, b, -1)
	twoProd(&dsum, b, b, -1)
	dv := dsum.Result()
	if dv < 0 || math.IsNaN(dv) {
		dv = 0
	}
	if mode == varPop {
		return dv / (nf * nf)
	}
	return dv / (nf * (nf - 1))
}

// distinct_count counts distinct non-NULL values (bigint, 0 on an empty
// frame). Floating values are compared as in a C++ hash set except that all
// NaNs are one value (-0 and +0 are one value, as there).
type distinctCount struct {
	m counter
}

func newDistinctCount(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isAny, "a value"); err != nil {
		return nil, err
	}
	return &distinctCount{m: newCounter()}, nil
}

func (a *distinctCount) Reset() { a.m.reset() }
func (a *distinctCount) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), 1)
	}
}
func (a *distinctCount) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), -1)
	}
}
func (a *distinctCount) Merge(newer Aggregator) { a.m.merge(&peer(a, newer).m) }
func (a *distinctCount) Result() types.Value    { return types.Int64Value(int64(len(a.m.m))) }

// entropy is the Shannon entropy (base 2) of the non-NULL values: -Σ p·log2 p
// over the distinct values, p = count/total; double, NULL on no value. The
// terms are added in an ExactSum, so the map's iteration order cannot matter.
type entropy struct {
	m counter
	n int64
}

func newEntropy(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isAny, "a value"); err != nil {
		return nil, err
	}
	return &entropy{m: newCounter()}, nil
}

func (a *entropy) Reset() { a.m.reset(); a.n = 0 }
func (a *entropy) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), 1)
		a.n++
	}
}
func (a *entropy) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), -1)
		a.n--
	}
}
func (a *entropy) Merge(newer Aggregator) {
	o := peer(a, newer)
	a.m.merge(&o.m)
	a.n += o.n
}
func (a *entropy) Result() types.Value {
	if a.n == 0 {
		return types.NullOf(types.Double)
	}
	var s ExactSum
	total := float64(a.n)
	for _, c := range a.m.m {
		p := float64(c) / total
		s.Add(-p * math.Log2(p))
	}
	return types.DoubleValue(s.Result())
}
