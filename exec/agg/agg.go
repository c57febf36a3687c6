package agg

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sundialdb/sundial/types"
)

// Aggregator computes one aggregate over a window frame that slides FIFO: rows
// enter at the newest end and leave from the oldest end. The same code serves
// batch (slide: Add new rows, Remove old rows) and online (afresh: Reset, Add
// every frame row oldest→newest, Result): both must give identical bits.
//
// Result depends only on the rows in the frame and their order, never on the
// history of Adds and Removes that led there. Result does not change the
// frame; it may be called any number of times.
type Aggregator interface {
	Reset()
	// Add: the newest row enters the frame (args: the evaluated arguments
	// of the call, one per argument kind given to New, constants included).
	Add(args []types.Value)
	// Remove: the oldest row leaves; args are the same values it was added
	// with. Removing from an empty frame is a contract violation.
	Remove(args []types.Value)
	// Merge appends the frame held by newer (an Aggregator built by
	// New/NewWith with the same name, argument kinds and constants) after
	// this one's: afterwards this aggregator holds the concatenation,
	// oldest rows first (this one's rows, then newer's), exactly as if
	// every row had been Added in that order, so Result, later Removes
	// (of this one's oldest rows first) and Adds behave as they would
	// then. newer is not changed. It is how pre-aggregated buckets (online
	// long windows: one partial aggregate per hour, merged at request
	// time) and parallel partial aggregation combine. Merging an
	// aggregator of another type or configuration, or into itself, is a
	// contract violation (it panics).
	Merge(newer Aggregator)
	Result() types.Value
}

// Options tune New. The zero value is the default.
type Options struct {
	// Location is the time zone in which timestamps are rendered inside
	// string results ("%Y-%m-%d %H:%M:%S" keys of the *_cate family,
	// topn_frequency and top). Nil means UTC. It is the engine's time zone
	// (shared/SEMANTICS.md §6); the conformance runner uses +08:00.
	Location *time.Location
}

// Errors of New; test them with errors.Is.
var (
	// ErrUnknown: no aggregate has that name.
	ErrUnknown = errors.New("agg: unknown aggregate function")
	// ErrArgs: the argument kinds or constants do not fit the aggregate.
	ErrArgs = errors.New("agg: bad arguments")
)

// New builds an aggregator for function name (case-insensitive, aliases
// accepted) with the argument kinds the planner resolved (after its implicit
// casts); consts holds constant arguments (consts[i].Null with Kind ==
// Invalid, or i ≥ len(consts), when argument i is not a constant), e.g. the
// 3 of topn_frequency(c, 3). A * argument (count(*), count_where(*, cond)) is
// not an argument: count(*) has no argument kinds, count_where(*, c) one.
// Timestamps inside string results are rendered in UTC; see NewWith.
func New(name string, argKinds []types.Kind, consts []types.Value) (Aggregator, error) {
	return NewWith(name, argKinds, consts, Options{})
}

// NewWith is New with options.
func NewWith(name string, argKinds []types.Kind, consts []types.Value, opt Options) (Aggregator, error) {
	lname := strings.ToLower(name)
	if a, ok := aliases[lname]; ok {
		lname = a
	}
	b, ok := builders[lname]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknown, name)
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	c := &call{name: lname, kinds: argKinds, consts: consts, opt: opt}
	a, err := b(c)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Names returns every aggregate New knows, aliases included, sorted.
func Names() []string {
	names := make([]string, 0, len(builders)+len(aliases))
	for n := range builders {
		names = append(names, n)
	}
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// aliases maps alternative names to the name in builders (OpenMLDB's aliases).
var aliases = map[string]string{
	"at":                "lag",
	"std":               "stddev",
	"stddev_samp":       "stddev",
	"variance":          "var_samp",
	"fz_topn_frequency": "topn_frequency",
	"fz_top1_ratio":     "top1_ratio",
}

// call is what a builder gets: the call's name and arguments.
type call struct {
	name   string
	kinds  []types.Kind
	consts []types.Value
	opt    Options
}

// builders maps each aggregate to its constructor. Each constructor checks
// the argument kinds itself, with the same rules as the planner's signature
// (planner/sig_agg.go; a test checks that the two agree).
var builders map[string]func(*call) (Aggregator, error)

func init() {
	builders = map[string]func(*call) (Aggregator, error){
		"count":           newCount,
		"count_where":     newCountWhere,
		"sum":             newSum,
		"sum_where":       whereOf(newSum),
		"avg":             newAvg,
		"avg_where":       whereOf(newAvg),
		"min":             newMinMax(false),
		"max":             newMinMax(true),
		"min_where":       whereOf(newMinMaxNumeric(false)),
		"max_where":       whereOf(newMinMaxNumeric(true)),
		"distinct_count":  newDistinctCount,
		"first_value":     newFirstLast(false),
		"last_value":      newFirstLast(true),
		"lag":             newLag,
		"nth_value_where": newNthValueWhere,
		"median":          newMedian,
		"stddev":          newVariance(varSamp, true),
		"stddev_pop":      newVariance(varPop, true),
		"var_samp":        newVariance(varSamp, false),
		"var_pop":         newVariance(varPop, false),
		"ew_avg":          newEwAvg,
		"drawdown":        newDrawdown,
		"entropy":         newEntropy,
		"top1_ratio":      newTop1Ratio,
		"topn_frequency":  newTopNFrequency,
		"top":             newTop,
	}
	for _, op := range []cateOp{cateCount, cateSum, cateAvg, cateMax, cateMin} {
		builders[op.String()+"_cate"] = newCate(op, false, topAll)
		builders[op.String()+"_cate_where"] = newCate(op, true, topAll)
		builders["top_n_key_"+op.String()+"_cate_where"] = newCate(op, true, topKey)
		builders["top_n_value_"+op.String()+"_cate_where"] = newCate(op, true, topValue)
	}
	builders["top_n_key_ratio_cate"] = newCate(cateRatio, true, topKey)
	builders["top_n_value_ratio_cate"] = newCate(cateRatio, true, topValue)
}

// Kind classes, as OpenMLDB's UDAF registrations accept them.

// isNumeric: smallint, int, bigint, float, double (not bool: OpenMLDB's sum,
// avg, ... reject bool).
func isNumeric(k types.Kind) bool { return k.IsNumeric() }

// isAny: every storable kind.
func isAny(k types.Kind) bool {
	switch k {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
		types.String, types.Timestamp, types.Date:
		return true
	}
	return false
}

// isOrdered: kinds min and max accept.
func isOrdered(k types.Kind) bool {
	return isNumeric(k) || k == types.String || k == types.Timestamp || k == types.Date
}

// isKeyKind: kinds that can be a category key of the *_cate family.
func isKeyKind(k types.Kind) bool {
	return k.IsInteger() || k == types.String || k == types.Timestamp || k == types.Date
}

// isFreqKind: kinds top1_ratio, topn_frequency and top count.
func isFreqKind(k types.Kind) bool {
	return isNumeric(k) || k == types.String || k == types.Timestamp || k == types.Date
}

// argError reports a problem with argument i (0-based) of the call.
func (c *call) argError(i int, format string, args ...any) error {
	return fmt.Errorf("%w: argument %d of %s: %s", ErrArgs, i+1, c.name, fmt.Sprintf(format, args...))
}

// arity checks the number of arguments.
func (c *call) arity(min, max int) error {
	if n := len(c.kinds); n < min || n > max {
		want := fmt.Sprint(min)
		if max != min {
			want = fmt.Sprintf("%d to %d", min, max)
		}
		return fmt.Errorf("%w: %s takes %s arguments, got %d", ErrArgs, c.name, want, n)
	}
	return nil
}

// kind checks that argument i has a kind in the class.
func (c *call) kind(i int, ok func(types.Kind) bool, what string) error {
	if !ok(c.kinds[i]) {
		return c.argError(i, "must be %s, got %v", what, c.kinds[i])
	}
	return nil
}

// cond checks that argument i is a bool condition.
func (c *call) cond(i int) error {
	if c.kinds[i] != types.Bool {
		return c.argError(i, "must be a bool condition, got %v", c.kinds[i])
	}
	return nil
}

// constant returns argument i's constant value, if it is a constant.
func (c *call) constant(i int) (types.Value, bool) {
	if i >= len(c.consts) || c.consts[i].Kind == types.Invalid {
		return types.Value{}, false
	}
	return c.consts[i], true
}

// constInt returns argument i as a constant, non-NULL integer.
func (c *call) constInt(i int) (int64, error) {
	if !c.kinds[i].IsInteger() {
		return 0, c.argError(i, "must be a constant integer, got %v", c.kinds[i])
	}
	v, ok := c.constant(i)
	if !ok || v.Null {
		return 0, c.argError(i, "must be a constant integer")
	}
	switch v.Kind {
	case types.Float, types.Double:
		if v.F != float64(int64(v.F)) {
			return 0, c.argError(i, "must be a constant integer, got %v", v.F)
		}
		return int64(v.F), nil
	}
	return v.I, nil
}

// isTrue reports whether a condition value is true (NULL is not).
func isTrue(v types.Value) bool { return !v.Null && v.I != 0 }

// whereOf turns the builder of an aggregate into the builder of its _where
// form: the same arguments plus a last bool condition; rows whose condition
// is not true (false or NULL) are ignored.
func whereOf(inner func(*call) (Aggregator, error)) func(*call) (Aggregator, error) {
	return func(c *call) (Aggregator, error) {
		if len(c.kinds) == 0 {
			return nil, fmt.Errorf("%w: %s takes a condition as its last argument, got no arguments", ErrArgs, c.name)
		}
		n := len(c.kinds) - 1
		if err := c.cond(n); err != nil {
			return nil, err
		}
		ic := *c
		ic.kinds = c.kinds[:n]
		if len(ic.consts) > n {
			ic.consts = ic.consts[:n]
		}
		a, err := inner(&ic)
		if err != nil {
			return nil, err
		}
		if _, ok := a.(Packed); ok {
			return &packedWhere{where{inner: a, cond: n}}, nil
		}
		return &where{inner: a, cond: n}, nil
	}
}

// where filters the rows an aggregate sees by a condition argument (the last).
type where struct {
	inner Aggregator
	cond  int
}

func (w *where) Reset() { w.inner.Reset() }
func (w *where) Add(args []types.Value) {
	if isTrue(args[w.cond]) {
		w.inner.Add(args[:w.cond])
	}
}
func (w *where) Remove(args []types.Value) {
	if isTrue(args[w.cond]) {
		w.inner.Remove(args[:w.cond])
	}
}
func (w *where) Merge(newer Aggregator) {
	o := peer(w, newer)
	mergeCheck(w, o.cond == w.cond)
	w.inner.Merge(o.inner)
}
func (w *where) Result() types.Value { return w.inner.Result() }

// packedWhere is the _where form of a Packed aggregate (count_where): the
// condition only filters the rows added, so the state is the inner one's.
type packedWhere struct{ where }

func (w *packedWhere) Merge(newer Aggregator) {
	o := peer(w, newer)
	w.where.Merge(&o.where)
}
func (w *packedWhere) Pack() int64             { return w.inner.(Packed).Pack() }
func (w *packedWhere) MergePacked(state int64) { w.inner.(Packed).MergePacked(state) }

// Packed is implemented by the aggregators whose whole state is one int64
// (count and count_where): pre-aggregated buckets (online long windows)
// keep that word per bucket rather than an aggregator each.
type Packed interface {
	Aggregator
	// Pack returns the state.
	Pack() int64
	// MergePacked is Merge of an aggregator of the same configuration
	// whose Pack returned state: afterwards this one holds its rows, then
	// the other's. Into a Reset aggregator it restores the state.
	MergePacked(state int64)
}

// peer returns newer, the argument of a Merge into a, as a's concrete type.
// It panics when newer is of another type or is a itself.
func peer[T Aggregator](a T, newer Aggregator) T {
	o, ok := newer.(T)
	if !ok {
		panic(fmt.Sprintf("agg: Merge of a %T into a %T", newer, a))
	}
	if any(o) == any(a) {
		panic(fmt.Sprintf("agg: Merge of a %T into itself", a))
	}
	return o
}

// mergeCheck panics unless ok, which a Merge into a computes from the two
// aggregators' configurations (kinds, constants, flags).
func mergeCheck(a Aggregator, ok bool) {
	if !ok {
		panic(fmt.Sprintf("agg: Merge of a %T built with other arguments", a))
	}
}
