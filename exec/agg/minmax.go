package agg

import (
	"github.com/sundialdb/sundial/types"
)

// min and max keep the input kind; NULLs are skipped and an empty (or
// all-NULL) frame gives NULL. Numbers, dates and timestamps compare
// numerically, strings bytewise. Floating values use the total order
// -Inf < ... < -0 < +0 < ... < +Inf < NaN: NaN is the largest (as in
// types.Compare) and -0 is below +0, so the result is one definite value
// whatever the order rows arrived in.
//
// Both use a monotonic deque over the frame's non-NULL values: a value stays
// in the deque while no later value in the frame is at least as good, so the
// deque's front is the answer, and the deque's content is a function of the
// frame alone. Add is amortised O(1); Remove is O(1) (the oldest value is at
// the front if it is still there).

// mono is a monotonic deque of values with their arrival numbers.
type mono[T uint64 | string] struct {
	vals []T
	seqs []uint64
	head int
	// in counts values added, out values removed: the value leaving next
	// has arrival number out.
	in, out uint64
	max     bool
}

func (m *mono[T]) reset() {
	m.vals, m.seqs = m.vals[:0], m.seqs[:0]
	m.head, m.in, m.out = 0, 0, 0
}

func (m *mono[T]) push(v T) {
	n := len(m.vals)
	if m.max {
		for n > m.head && m.vals[n-1] <= v {
			n--
		}
	} else {
		for n > m.head && m.vals[n-1] >= v {
			n--
		}
	}
	m.vals, m.seqs = append(m.vals[:n], v), append(m.seqs[:n], m.in)
	m.in++
}

func (m *mono[T]) pop() {
	if m.head < len(m.vals) && m.seqs[m.head] == m.out {
		m.head++
		if m.head == len(m.vals) {
			m.vals, m.seqs, m.head = m.vals[:0], m.seqs[:0], 0
		} else if m.head >= 64 && m.head*2 >= len(m.vals) {
			// Compact: the live part is at most half the slice.
			n := copy(m.vals, m.vals[m.head:])
			copy(m.seqs, m.seqs[m.head:])
			m.vals, m.seqs, m.head = m.vals[:n], m.seqs[:n], 0
		}
	}
	m.out++
}

func (m *mono[T]) empty() bool { return m.head == len(m.vals) }

// merge appends o's frame after m's (o is not changed, and must not be m).
// In the concatenated frame, a value of o's part is dominated only by later
// values of o's part, so o's deque carries over as it is; a value of m's part
// stays only if nothing in o's part is at least as good, and o's front is the
// best of o's part: the back of m's deque that o's front dominates is
// dropped, then o's deque is appended. Arrival numbers of o's values are
// renumbered to follow m's (o's value leaving first, numbered o.out, becomes
// m.in), so pop keeps removing the oldest row first, m's rows before o's.
func (m *mono[T]) merge(o *mono[T]) {
	if o.head < len(o.vals) {
		v := o.vals[o.head]
		n := len(m.vals)
		if m.max {
			for n > m.head && m.vals[n-1] <= v {
				n--
			}
		} else {
			for n > m.head && m.vals[n-1] >= v {
				n--
			}
		}
		m.vals = append(m.vals[:n], o.vals[o.head:]...)
		m.seqs = append(m.seqs[:n], o.seqs[o.head:]...)
		shift := m.in - o.out // modular, like the arrival numbers
		for i := n; i < len(m.seqs); i++ {
			m.seqs[i] += shift
		}
	}
	m.in += o.in - o.out
}

func (m *mono[T]) front() T { return m.vals[m.head] }

// minMaxNum is min/max of a numeric, date or timestamp kind, over sortable codes.
type minMaxNum struct {
	d    mono[uint64]
	kind types.Kind
}

// minMaxStr is min/max of strings.
type minMaxStr struct {
	d mono[string]
}

func newMinMax(max bool) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		if err := c.arity(1, 1); err != nil {
			return nil, err
		}
		if err := c.kind(0, isOrdered, "numeric, string, date or timestamp"); err != nil {
			return nil, err
		}
		if c.kinds[0] == types.String {
			return &minMaxStr{d: mono[string]{max: max}}, nil
		}
		return &minMaxNum{d: mono[uint64]{max: max}, kind: c.kinds[0]}, nil
	}
}

// newMinMaxNumeric builds min_where/max_where's inner aggregate: OpenMLDB
// accepts only numeric values there.
func newMinMaxNumeric(max bool) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		if err := c.arity(1, 1); err != nil {
			return nil, err
		}
		if err := c.kind(0, isNumeric, "numeric"); err != nil {
			return nil, err
		}
		return &minMaxNum{d: mono[uint64]{max: max}, kind: c.kinds[0]}, nil
	}
}

func (a *minMaxNum) Reset() { a.d.reset() }
func (a *minMaxNum) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.d.push(numCode(v))
	}
}
func (a *minMaxNum) Remove(args []types.Value) {
	if !args[0].Null {
		a.d.pop()
	}
}
func (a *minMaxNum) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.kind == a.kind && o.d.max == a.d.max)
	a.d.merge(&o.d)
}
func (a *minMaxNum) Result() types.Value {
	if a.d.empty() {
		return types.NullOf(a.kind)
	}
	return codeValue(a.kind, a.d.front())
}

func (a *minMaxStr) Reset() { a.d.reset() }
func (a *minMaxStr) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.d.push(v.S)
	}
}
func (a *minMaxStr) Remove(args []types.Value) {
	if !args[0].Null {
		a.d.pop()
	}
}
func (a *minMaxStr) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.d.max == a.d.max)
	a.d.merge(&o.d)
}
func (a *minMaxStr) Result() types.Value {
	if a.d.empty() {
		return types.NullOf(types.String)
	}
	return types.StringValue(a.d.front())
}
