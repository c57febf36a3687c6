package agg

import (
	"cmp"
	"slices"
	"time"

	"github.com/sundialdb/sundial/types"
)

// top1_ratio(x) is the share of the most frequent non-NULL value among the
// frame's non-NULL values: max count / total, double. An empty (or
// all-NULL) frame gives 0, not NULL, as OpenMLDB's (whose output is not
// nullable).
type top1Ratio struct {
	m counter
	n int64
}

func newTop1Ratio(c *call) (Aggregator, error) {
	if err := c.arity(1, 1); err != nil {
		return nil, err
	}
	if err := c.kind(0, isFreqKind, "numeric, string, date or timestamp"); err != nil {
		return nil, err
	}
	return &top1Ratio{m: newCounter()}, nil
}

func (a *top1Ratio) Reset() { a.m.reset(); a.n = 0 }
func (a *top1Ratio) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), 1)
		a.n++
	}
}
func (a *top1Ratio) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), -1)
		a.n--
	}
}
func (a *top1Ratio) Merge(newer Aggregator) {
	o := peer(a, newer)
	a.m.merge(&o.m)
	a.n += o.n
}
func (a *top1Ratio) Result() types.Value {
	if a.n == 0 {
		return types.DoubleValue(0)
	}
	var top int64
	for _, c := range a.m.m {
		top = max(top, c)
	}
	return types.DoubleValue(float64(top) / float64(a.n))
}

// maxTopN caps topn_frequency's n, as OpenMLDB's MAXIMUM_TOPN.
const maxTopN = 1024

// topn_frequency(x, n) lists the n most frequent non-NULL values of the
// frame, most frequent first, ties broken by the smaller value first,
// separated by commas; when fewer than n distinct values exist the list is
// padded with NULL ("1,2,NULL"). n is a constant integer ≥ 0 (capped at
// 1024); n = 0 gives "". Values are rendered as in the *_cate family (so a
// double 1 is "1.000000"). OpenMLDB's topn_frequency (fz_topn_frequency).
type topNFrequency struct {
	m       counter
	n       int
	kind    types.Kind
	loc     *time.Location
	entries []keyCount
	buf     []byte
}

type keyCount struct {
	k key
	n int64
}

func newTopNFrequency(c *call) (Aggregator, error) {
	if err := c.arity(2, 2); err != nil {
		return nil, err
	}
	if err := c.kind(0, isFreqKind, "numeric, string, date or timestamp"); err != nil {
		return nil, err
	}
	n, err := c.constInt(1)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, c.argError(1, "must be a constant integer ≥ 0, got %d", n)
	}
	return &topNFrequency{m: newCounter(), n: int(min(n, maxTopN)), kind: c.kinds[0], loc: c.opt.Location}, nil
}

func (a *topNFrequency) Reset() { a.m.reset() }
func (a *topNFrequency) Add(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), 1)
	}
}
func (a *topNFrequency) Remove(args []types.Value) {
	if v := args[0]; !v.Null {
		a.m.add(keyOf(v), -1)
	}
}
func (a *topNFrequency) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.n == a.n && o.kind == a.kind)
	a.m.merge(&o.m)
}
func (a *topNFrequency) Result() types.Value {
	if a.n == 0 {
		return types.StringValue("")
	}
	es := a.entries[:0]
	for k, n := range a.m.m {
		es = append(es, keyCount{k, n})
	}
	kind := a.kind
	slices.SortFunc(es, func(x, y keyCount) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return compareKeys(kind, x.k, y.k)
	})
	b := a.buf[:0]
	for i := range a.n {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(es) {
			b = appendValue(b, es[i].k.valueOf(kind), a.loc)
		} else {
			b = append(b, "NULL"...)
		}
	}
	clear(es)
	a.entries, a.buf = es[:0], b
	return types.StringValue(string(b))
}
