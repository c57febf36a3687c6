package agg

import (
	"cmp"
	"slices"
	"time"

	"github.com/sundialdb/sundial/types"
)

// The *_cate family groups the frame's rows by a category key and renders
// one aggregate per group as a string "k1:v1,k2:v2" (OpenMLDB's
// BoundedGroupByDict):
//
//	count_cate(v, k), sum_cate, avg_cate, max_cate, min_cate
//	    every group, keys ascending
//	count_cate_where(v, cond, k), ... (_where)
//	    the same over rows whose cond is true
//	top_n_key_<op>_cate_where(v, cond, k, n)
//	    the n largest keys, keys descending
//	top_n_value_<op>_cate_where(v, cond, k, n)
//	    the n groups with the largest aggregate, by (aggregate, key) descending
//	top_n_key_ratio_cate(v, cond, k, n), top_n_value_ratio_cate(v, cond, k, n)
//	    per group, the share of rows whose cond is true
//
// A row takes part when its key and value are not NULL (and, but for the
// ratio forms, its cond is true). n < 0 means every group, n = 0 none. No
// group gives "" (not NULL). Keys are smallint, int, bigint, date, timestamp
// or string; values are numeric (any kind for count and ratio). Rendering:
// integers %d, floating values %f ("2.500000"; count %d, avg and ratio are
// double), dates YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS in the engine's
// time zone, strings as they are. Like OpenMLDB, the output stops before the
// entry that would take it past 4096 bytes (counting a comma after each).
//
// Aggregates per group: count (bigint); sum keeps the value kind (integers
// wrap at their width, floating sums are exact, rounded once); avg is double
// (exact sum / count); max/min keep the kind (a monotonic deque per group,
// FIFO per key as the frame is FIFO); ratio is hits/rows as double.
type cateOp uint8

const (
	cateCount cateOp = iota
	cateSum
	cateAvg
	cateMax
	cateMin
	cateRatio
)

func (op cateOp) String() string {
	return [...]string{"count", "sum", "avg", "max", "min", "ratio"}[op]
}

type topMode uint8

const (
	topAll   topMode = iota // every group, keys ascending
	topKey                  // the n largest keys, descending
	topValue                // the n largest (aggregate, key), descending
)

// maxCateOutput is OpenMLDB's MAX_OUTPUT_STR_SIZE.
const maxCateOutput = 4096

type group struct {
	n    int64        // rows taking part
	hits int64        // ratio: rows whose condition is true
	isum uint64       // integer sum, wrapping
	fsum ExactSum     // floating sum (sum), exact sum (avg)
	ext  mono[uint64] // max/min
}

type cateEntry struct {
	k    key
	g    *group
	val  types.Value // the group's aggregate
	code uint64      // its sortable code (topValue)
}

type cate struct {
	op               cateOp
	mode             topMode
	topN             int64
	vIdx, cIdx, kIdx int
	vKind, kKind     types.Kind
	groups           map[key]*group
	free             []*group
	loc              *time.Location
	entries          []cateEntry
	buf              []byte
}

func newCate(op cateOp, withCond bool, mode topMode) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		a := &cate{op: op, mode: mode, cIdx: -1, groups: map[key]*group{}, loc: c.opt.Location}
		nargs := 2
		if withCond {
			nargs = 3
			a.cIdx, a.kIdx = 1, 2
		} else {
			a.kIdx = 1
		}
		if mode != topAll {
			nargs = 4
		}
		if err := c.arity(nargs, nargs); err != nil {
			return nil, err
		}
		if op == cateCount || op == cateRatio {
			if err := c.kind(0, isAny, "a value"); err != nil {
				return nil, err
			}
		} else if err := c.kind(0, isNumeric, "numeric"); err != nil {
			return nil, err
		}
		if withCond {
			if err := c.cond(1); err != nil {
				return nil, err
			}
		}
		if err := c.kind(a.kIdx, isKeyKind, "a category key (smallint, int, bigint, date, timestamp or string)"); err != nil {
			return nil, err
		}
		if mode != topAll {
			n, err := c.constInt(3)
			if err != nil {
				return nil, err
			}
			a.topN = n
		}
		a.vKind, a.kKind = c.kinds[0], c.kinds[a.kIdx]
		return a, nil
	}
}

func (a *cate) Reset() {
	for k, g := range a.groups {
		a.release(g)
		delete(a.groups, k)
	}
}

func (a *cate) release(g *group) {
	g.n, g.hits, g.isum = 0, 0, 0
	g.fsum.Reset()
	g.ext.reset()
	a.free = append(a.free, g)
}

// group returns the group of key k, adding an empty one if there is none.
func (a *cate) group(k key) *group {
	g := a.groups[k]
	if g == nil {
		if n := len(a.free); n > 0 {
			g, a.free = a.free[n-1], a.free[:n-1]
		} else {
			g = &group{}
		}
		g.ext.max = a.op == cateMax
		a.groups[k] = g
	}
	return g
}

// take reports whether a row takes part, and whether its condition holds.
func (a *cate) take(args []types.Value) (ok, hit bool) {
	if args[a.vIdx].Null || args[a.kIdx].Null {
		return false, false
	}
	hit = a.cIdx < 0 || isTrue(args[a.cIdx])
	return hit || a.op == cateRatio, hit
}

func (a *cate) Add(args []types.Value) {
	ok, hit := a.take(args)
	if !ok {
		return
	}
	g := a.group(keyOf(args[a.kIdx]))
	g.n++
	v := args[a.vIdx]
	switch a.op {
	case cateRatio:
		if hit {
			g.hits++
		}
	case cateSum:
		if v.Kind == types.Float || v.Kind == types.Double {
			g.fsum.Add(v.F)
		} else {
			g.isum += uint64(v.I)
		}
	case cateAvg:
		addExact(&g.fsum, v, 1)
	case cateMax, cateMin:
		g.ext.push(numCode(v))
	}
}

func (a *cate) Remove(args []types.Value) {
	ok, hit := a.take(args)
	if !ok {
		return
	}
	k := keyOf(args[a.kIdx])
	g := a.groups[k]
	g.n--
	if g.n == 0 {
		delete(a.groups, k)
		a.release(g)
		return
	}
	v := args[a.vIdx]
	switch a.op {
	case cateRatio:
		if hit {
			g.hits--
		}
	case cateSum:
		if v.Kind == types.Float || v.Kind == types.Double {
			g.fsum.Sub(v.F)
		} else {
			g.isum -= uint64(v.I)
		}
	case cateAvg:
		addExact(&g.fsum, v, -1)
	case cateMax, cateMin:
		g.ext.pop()
	}
}

// Merge combines the groups key by key: a group's rows in the concatenated
// frame are this one's rows of that key, then newer's (counts and sums add,
// the max/min deques merge as min and max's do).
func (a *cate) Merge(newer Aggregator) {
	o := peer(a, newer)
	mergeCheck(a, o.op == a.op && o.mode == a.mode && o.topN == a.topN && o.vIdx == a.vIdx &&
		o.cIdx == a.cIdx && o.kIdx == a.kIdx && o.vKind == a.vKind && o.kKind == a.kKind)
	floatSum := a.op == cateAvg || (a.op == cateSum && (a.vKind == types.Float || a.vKind == types.Double))
	for k, og := range o.groups {
		g := a.group(k)
		g.n += og.n
		g.hits += og.hits
		g.isum += og.isum
		if floatSum {
			g.fsum.Merge(&og.fsum)
		}
		if a.op == cateMax || a.op == cateMin {
			g.ext.merge(&og.ext)
		}
	}
}

// value returns a group's aggregate.
func (a *cate) value(g *group) types.Value {
	switch a.op {
	case cateCount:
		return types.Int64Value(g.n)
	case cateSum:
		switch a.vKind {
		case types.Float:
			return types.Value{Kind: types.Float, F: g.fsum.Result32()}
		case types.Double:
			return types.DoubleValue(g.fsum.Result())
		}
		return types.Value{Kind: a.vKind, I: wrapInt(a.vKind, g.isum)}
	case cateAvg:
		return types.DoubleValue(g.fsum.Result() / float64(g.n))
	case cateRatio:
		return types.DoubleValue(float64(g.hits) / float64(g.n))
	}
	return codeValue(a.vKind, g.ext.front())
}

func (a *cate) Result() types.Value {
	if len(a.groups) == 0 || (a.mode != topAll && a.topN == 0) {
		return types.StringValue("")
	}
	es := a.entries[:0]
	for k, g := range a.groups {
		es = append(es, cateEntry{k: k, g: g})
	}
	kk := a.kKind
	switch a.mode {
	case topAll:
		slices.SortFunc(es, func(x, y cateEntry) int { return compareKeys(kk, x.k, y.k) })
	case topKey:
		slices.SortFunc(es, func(x, y cateEntry) int { return compareKeys(kk, y.k, x.k) })
	case topValue:
		for i := range es {
			es[i].val = a.value(es[i].g)
			es[i].code = numCode(es[i].val)
		}
		slices.SortFunc(es, func(x, y cateEntry) int {
			if c := cmp.Compare(y.code, x.code); c != 0 {
				return c
			}
			return compareKeys(kk, y.k, x.k)
		})
	}
	limit := len(es)
	if a.mode != topAll && a.topN >= 0 && a.topN < int64(limit) {
		limit = int(a.topN)
	}
	b := a.buf[:0]
	for _, e := range es[:limit] {
		start := len(b)
		b = appendValue(b, e.k.valueOf(kk), a.loc)
		b = append(b, ':')
		if a.mode != topValue {
			e.val = a.value(e.g)
		}
		b = appendValue(b, e.val, a.loc)
		b = append(b, ',')
		if len(b) > maxCateOutput {
			b = b[:start]
			break
		}
	}
	if len(b) > 0 {
		b = b[:len(b)-1]
	}
	clear(es)
	a.entries, a.buf = es[:0], b
	return types.StringValue(string(b))
}
