package agg

import (
	"math"
	"strings"

	"github.com/sundialdb/sundial/types"
)

// Aggregates that depend on the order of the frame keep the selected rows'
// values in a FIFO ring, oldest first, and compute from it: the ring holds
// exactly the frame's selected values in frame order, whatever the history.

// ring is a growable FIFO queue.
type ring[T any] struct {
	buf  []T // len(buf) is a power of two (or 0)
	head int
	n    int
}

func (r *ring[T]) reset() {
	clear(r.buf) // drop references (strings) for the collector
	r.head, r.n = 0, 0
}

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		nb := make([]T, max(8, 2*len(r.buf)))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

func (r *ring[T]) pop() {
	var zero T
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
}

// at returns the i-th value from the oldest (0 ≤ i < n).
func (r *ring[T]) at(i int) T { return r.buf[(r.head+i)&(len(r.buf)-1)] }

// appendAll pushes o's values, oldest first (o is not changed, and must not
// be r), growing the buffer at most once.
func (r *ring[T]) appendAll(o *ring[T]) {
	if need := r.n + o.n; need > len(r.buf) {
		size := max(8, len(r.buf))
		for size < need {
			size *= 2
		}
		nb := make([]T, size)
		for i := range r.n {
			nb[i] = r.at(i)
		}
		r.buf, r.head = nb, 0
	}
	for i := range o.n {
		r.buf[(r.head+r.n)&(len(r.buf)-1)] = o.at(i)
		r.n++
	}
}

// first_value(x[, ignoreNull]) is x of the oldest row of the frame,
// last_value(x[, ignoreNull]) of the newest (OpenMLDB ≥ 0.9.0). With
// ignoreNull true, of the oldest/newest row whose x is not NULL. NULL on an
// empty frame. The result keeps x's kind.
type firstLast struct {
	r          ring[types.Value]
	last       bool
	ignoreNull bool
	kind       types.Kind
}

func newFirstLast(last bool) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		if err := c.arity(1, 2); err != nil {
			return nil, err
		}
		if err := c.kind(0, isAny, "a value"); err != nil {
			return nil, err
		}
		a := &firstLast{last: last, kind: c.kinds[0]}
		if len(c.kinds) == 2 {
			v, ok := c.constant(1)
			if c.kinds[1] != types.Bool || !ok {
				return nil, c.argError(1, "must be a constant bool (ignore NULLs)")
			}
			a.ignoreNull = isTrue(v)
		}
		return a, nil
	}
}

func (a *firstLast) Reset() { a.r.reset() }
func (a *firstLast) Add(args []types.Value) {
	if v := args[0]; !a.ignoreNull || !v.Null {
		a.r.push(v)
	}
}
func (a *firstLast) Remove(args []types.Value) {
	if !a.ignoreNull || !args[0].Null {
		a.r.pop()
	}
}
func (a *firstLast) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.last == a.last && o.ignoreNull == a.ignoreNull && o.kind == a.kind)
	a.r.appendAll(&o.r)
}
func (a *firstLast) Result() types.Value {
	if a.r.n == 0 {
		return types.NullOf(a.kind)
	}
	v := a.r.at(0)
	if a.last {
		v = a.r.at(a.r.n - 1)
	}
	v.Kind = a.kind
	return v
}

// lag(x, n) (alias at) is x of the row n rows before the newest row of the
// frame it is fed (lag(x, 0) is the newest row's x); NULL when the frame
// has n rows or fewer. n is a constant integer ≥ 0. The result keeps x's kind.
//
// In OpenMLDB the offset counts from the current row within the partition,
// whatever the window's frame (OpenMLDB issue 1554): the window executor
// must feed lag its own frame, ROWS BETWEEN n PRECEDING AND CURRENT ROW of
// the partition (see OwnFrame), not the window's.
type lag struct {
	r    ring[types.Value]
	n    int
	kind types.Kind
}

func newLag(c *call) (Aggregator, error) {
	if err := c.arity(2, 2); err != nil {
		return nil, err
	}
	if err := c.kind(0, isAny, "a value"); err != nil {
		return nil, err
	}
	n, err := c.constInt(1)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > math.MaxInt32 {
		return nil, c.argError(1, "must be a constant integer between 0 and %d, got %d", math.MaxInt32, n)
	}
	return &lag{n: int(n), kind: c.kinds[0]}, nil
}

func (a *lag) Reset()                    { a.r.reset() }
func (a *lag) Add(args []types.Value)    { a.r.push(args[0]) }
func (a *lag) Remove(args []types.Value) { a.r.pop() }
func (a *lag) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.n == a.n && o.kind == a.kind)
	a.r.appendAll(&o.r)
}
func (a *lag) Result() types.Value {
	i := a.r.n - 1 - a.n
	if i < 0 {
		return types.NullOf(a.kind)
	}
	v := a.r.at(i)
	v.Kind = a.kind
	return v
}

// OwnFrame reports the aggregates that ignore the window's frame and must be
// fed a frame of their own: lag/at(x, n) sees ROWS BETWEEN n PRECEDING AND
// CURRENT ROW of the current row's partition (OpenMLDB's semantics: the
// offset counts from the current row, even when the window's frame ends
// before it or is shorter). It returns the number of preceding rows.
func OwnFrame(name string, consts []types.Value) (preceding int64, ok bool) {
	if n := strings.ToLower(name); n != "lag" && n != "at" {
		return 0, false
	}
	if len(consts) < 2 || consts[1].Kind == types.Invalid || consts[1].Null {
		return 0, false
	}
	v := consts[1]
	if v.Kind == types.Float || v.Kind == types.Double {
		return int64(v.F), true
	}
	return v.I, true
}

// nth_value_where(x, idx, cond) is x of the idx-th row of the frame whose
// cond is true: counting from the oldest (1 is the first matching row) when
// idx > 0, from the newest (-1 is the last matching row) when idx < 0. NULL
// when fewer rows match, and always NULL for idx = 0 (OpenMLDB). idx is a
// constant integer; the result keeps x's kind.
type nthValueWhere struct {
	r    ring[types.Value]
	nth  int
	kind types.Kind
}

func newNthValueWhere(c *call) (Aggregator, error) {
	if err := c.arity(3, 3); err != nil {
		return nil, err
	}
	if err := c.kind(0, isAny, "a value"); err != nil {
		return nil, err
	}
	n, err := c.constInt(1)
	if err != nil {
		return nil, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return nil, c.argError(1, "%d is out of range", n)
	}
	if err := c.cond(2); err != nil {
		return nil, err
	}
	return &nthValueWhere{nth: int(n), kind: c.kinds[0]}, nil
}

func (a *nthValueWhere) Reset() { a.r.reset() }
func (a *nthValueWhere) Add(args []types.Value) {
	if isTrue(args[2]) {
		a.r.push(args[0])
	}
}
func (a *nthValueWhere) Remove(args []types.Value) {
	if isTrue(args[2]) {
		a.r.pop()
	}
}
func (a *nthValueWhere) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.nth == a.nth && o.kind == a.kind)
	a.r.appendAll(&o.r)
}
func (a *nthValueWhere) Result() types.Value {
	i := a.nth - 1
	if a.nth < 0 {
		i = a.r.n + a.nth
	}
	if a.nth == 0 || i < 0 || i >= a.r.n {
		return types.NullOf(a.kind)
	}
	v := a.r.at(i)
	v.Kind = a.kind
	return v
}

// ew_avg(x, alpha) is the exponentially weighted average of the frame's
// non-NULL values, as pandas ewm(alpha, adjust=True, ignore_na=True).mean()
// at the newest row: with values x_0 (newest) ... x_k (oldest) and
// q = 1 - alpha,
//
//	Σ q^i·x_i / Σ q^i
//
// computed by Horner's rule from the oldest value to the newest (num =
// num·q + x, den = den·q + 1), a fixed order over the frame's contents.
// alpha is a constant double in [0, 1]; alpha 0 or NULL falls back to avg
// (OpenMLDB). double, NULL when no value.
type ewAvg struct {
	r     ring[float64]
	q     float64
	plain *avg
}

func newEwAvg(c *call) (Aggregator, error) {
	if err := c.arity(2, 2); err != nil {
		return nil, err
	}
	if err := c.kind(0, isNumeric, "numeric"); err != nil {
		return nil, err
	}
	v, ok := c.constant(1)
	if !ok || !(isNumeric(c.kinds[1]) || c.kinds[1] == types.Null) {
		return nil, c.argError(1, "must be a constant number (alpha)")
	}
	plain := &avg{float: c.kinds[0] == types.Float || c.kinds[0] == types.Double}
	if v.Null {
		return &ewAvg{plain: plain}, nil
	}
	alpha := toFloat(v)
	if !(alpha >= 0 && alpha <= 1) {
		return nil, c.argError(1, "alpha must be between 0 and 1, got %v", alpha)
	}
	if alpha == 0 {
		return &ewAvg{plain: plain}, nil
	}
	return &ewAvg{q: 1 - alpha}, nil
}

func (a *ewAvg) Reset() {
	if a.plain != nil {
		a.plain.Reset()
	}
	a.r.reset()
}
func (a *ewAvg) Add(args []types.Value) {
	if a.plain != nil {
		a.plain.Add(args)
	} else if v := args[0]; !v.Null {
		a.r.push(toFloat(v))
	}
}
func (a *ewAvg) Remove(args []types.Value) {
	if a.plain != nil {
		a.plain.Remove(args)
	} else if !args[0].Null {
		a.r.pop()
	}
}
func (a *ewAvg) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, (o.plain == nil) == (a.plain == nil) && math.Float64bits(o.q) == math.Float64bits(a.q))
	if a.plain != nil {
		a.plain.Merge(o.plain)
	} else {
		a.r.appendAll(&o.r)
	}
}
func (a *ewAvg) Result() types.Value {
	if a.plain != nil {
		return a.plain.Result()
	}
	if a.r.n == 0 {
		return types.NullOf(types.Double)
	}
	var num, den float64
	for i := range a.r.n {
		num = num*a.q + a.r.at(i)
		den = den*a.q + 1
	}
	return types.DoubleValue(num / den)
}

// drawdown(x) is the largest relative decline from a running peak to a later
// value, over the frame's non-NULL, non-negative values in frame order (the
// oldest first): max over i < j of (peak_j - x_j) / peak_j, where peak_j is
// the largest value before j; 0 when there is no decline (or the peak is 0).
// Negative values are ignored (OpenMLDB). double, NULL when no value.
type drawdown struct {
	r ring[float64]
}

func newDrawdown(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isNumeric, "numeric"); err != nil {
		return nil, err
	}
	return &drawdown{}, nil
}

// ddValue is x as drawdown sees it, ok false when the row is ignored.
func ddValue(v types.Value) (float64, bool) {
	if v.Null {
		return 0, false
	}
	x := toFloat(v)
	return x, x >= 0 // NaN is ignored too
}

func (a *drawdown) Reset() { a.r.reset() }
func (a *drawdown) Add(args []types.Value) {
	if x, ok := ddValue(args[0]); ok {
		a.r.push(x)
	}
}
func (a *drawdown) Remove(args []types.Value) {
	if _, ok := ddValue(args[0]); ok {
		a.r.pop()
	}
}
func (a *drawdown) Merge(newer Aggregator) { a.r.appendAll(&peer(a, newer).r) }
func (a *drawdown) Result() types.Value {
	if a.r.n == 0 {
		return types.NullOf(types.Double)
	}
	peak, dd := a.r.at(0), 0.0
	for i := 1; i < a.r.n; i++ {
		x := a.r.at(i)
		if x > peak {
			peak = x
		} else if peak > 0 {
			if d := (peak - x) / peak; d > dd {
				dd = d
			}
		}
	}
	return types.DoubleValue(dd)
}
