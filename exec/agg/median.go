package agg

import (
	"math"
	"slices"
	"time"

	"github.com/sundialdb/sundial/types"
)

// sorted is a sorted multiset: insertion and removal are a binary search and
// a memmove (O(n), fast in practice), order statistics are O(1). Its content
// is a function of the frame's multiset of values alone.
type sorted[T uint64 | string] struct{ v []T }

func (s *sorted[T]) reset() {
	clear(s.v)
	s.v = s.v[:0]
}

func (s *sorted[T]) insert(x T) {
	i, _ := slices.BinarySearch(s.v, x)
	s.v = slices.Insert(s.v, i, x)
}

func (s *sorted[T]) remove(x T) {
	if i, ok := slices.BinarySearch(s.v, x); ok {
		s.v = slices.Delete(s.v, i, i+1)
	}
}

// merge adds o's values to s (o is not changed, and must not be s): a linear
// merge from the back, in place.
func (s *sorted[T]) merge(o *sorted[T]) {
	n, m := len(s.v), len(o.v)
	if m == 0 {
		return
	}
	s.v = slices.Grow(s.v, m)[:n+m]
	i, j := n-1, m-1
	for k := n + m - 1; j >= 0; k-- {
		if i >= 0 && s.v[i] > o.v[j] {
			s.v[k] = s.v[i]
			i--
		} else {
			s.v[k] = o.v[j]
			j--
		}
	}
}

// median is the middle non-NULL value (double), or the mean of the two
// middle values for an even count: (a + b) / 2 in double (a/2 + b/2 if a + b
// overflows; integers beyond ±2^53 are halved before adding). NULL when no
// value. Values are ordered as by min/max (NaN largest, -0 below +0).
type median struct {
	s    sorted[uint64]
	kind types.Kind
}

func newMedian(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isNumeric, "numeric"); err != nil {
		return nil, err
	}
	return &median{kind: c.kinds[0]}, nil
}

func (a *median) Reset() { a.s.reset() }
func (a *median) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.s.insert(numCode(v))
	}
}
func (a *median) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.s.remove(numCode(v))
	}
}
func (a *median) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.kind == a.kind)
	a.s.merge(&o.s)
}
func (a *median) Result() types.Value {
	n := len(a.s.v)
	if n == 0 {
		return types.NullOf(types.Double)
	}
	hi := codeValue(a.kind, a.s.v[n/2])
	if n%2 == 1 {
		return types.DoubleValue(toFloat(hi))
	}
	lo := codeValue(a.kind, a.s.v[n/2-1])
	return types.DoubleValue(midpoint(lo, hi))
}

// midpoint returns (a + b) / 2 of two non-NULL numbers of one kind.
func midpoint(a, b types.Value) float64 {
	if a.Kind == types.Float || a.Kind == types.Double {
		m := (a.F + b.F) / 2
		if math.IsInf(m, 0) && !math.IsInf(a.F, 0) && !math.IsInf(b.F, 0) {
			m = a.F/2 + b.F/2
		}
		return m
	}
	const lim = 1 << 53
	if a.I >= -lim && a.I <= lim && b.I >= -lim && b.I <= lim {
		return (float64(a.I) + float64(b.I)) / 2 // exact sum, exact halving
	}
	return float64(a.I)/2 + float64(b.I)/2
}

// top(x, k) lists the k largest non-NULL values of the frame (repeats
// included), largest first, separated by commas, rendered as in the *_cate
// family (e.g. "4,4,3"); "" when there is none or k ≤ 0. k is a constant
// integer. OpenMLDB's top.
type top struct {
	nums sorted[uint64]
	strs sorted[string]
	k    int64
	kind types.Kind
	loc  *time.Location
	buf  []byte
}

func newTop(c *call) (Aggregator, error) {
	if err := c.arity(2, 2); err != nil {
		return nil, err
	}
	if err := c.kind(0, isFreqKind, "numeric, string, date or timestamp"); err != nil {
		return nil, err
	}
	k, err := c.constInt(1)
	if err != nil {
		return nil, err
	}
	return &top{k: k, kind: c.kinds[0], loc: c.opt.Location}, nil
}

func (a *top) Reset() { a.nums.reset(); a.strs.reset() }
func (a *top) Add(args []types.Value) {
	switch v := args[0]; {
	case v.Null:
	case v.Kind == types.String:
		a.strs.insert(v.S)
	default:
		a.nums.insert(numCode(v))
	}
}
func (a *top) Remove(args []types.Value) {
	switch v := args[0]; {
	case v.Null:
	case v.Kind == types.String:
		a.strs.remove(v.S)
	default:
		a.nums.remove(numCode(v))
	}
}
func (a *top) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.k == a.k && o.kind == a.kind)
	a.nums.merge(&o.nums)
	a.strs.merge(&o.strs)
}
func (a *top) Result() types.Value {
	b := a.buf[:0]
	n := len(a.nums.v)
	if a.kind == types.String {
		n = len(a.strs.v)
	}
	for i := 0; int64(i) < a.k && i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		if a.kind == types.String {
			b = append(b, a.strs.v[n-1-i]...)
		} else {
			b = appendValue(b, codeValue(a.kind, a.nums.v[n-1-i]), a.loc)
		}
	}
	a.buf = b
	return types.StringValue(string(b))
}
