package planner

import (
	"fmt"

	"github.com/sundialdb/sundial/types"
)

// This file declares every aggregate function (the kernels live in
// exec/agg, whose New accepts exactly the argument kinds these Resolve
// functions produce; a test there checks the two agree). The accepted kinds
// follow OpenMLDB's UDAF registrations:
//
//   - a * argument is not an argument: the binder drops it, so count(*) is
//     resolved with no arguments and count_where(*, cond) with one;
//   - numeric means smallint, int, bigint, float or double (not bool: OpenMLDB
//     rejects sum(bool));
//   - a condition must be bool (an untyped NULL becomes a bool NULL, i.e.
//     false); rows whose condition is not true are ignored;
//   - category keys of the *_cate family are smallint, int, bigint, date,
//     timestamp or string (not float, double or bool);
//   - "constant integer" arguments (the n of topn_frequency, top_n_*, lag,
//     nth_value_where, top) must be integer literals (or constant
//     expressions), resolved once at bind time;
//   - result kinds: count* bigint; sum, min, max, first/last_value, lag,
//     nth_value_where keep the value kind; avg*, median, var*, stddev*,
//     ew_avg, drawdown, entropy, top1_ratio double; the *_cate family,
//     topn_frequency and top string.
//
// No aggregate casts its value argument (OpenMLDB aggregates are typed by
// their input), except ew_avg's alpha, which becomes a double.

func init() {
	for _, s := range aggSignatures() {
		Register(s)
	}
	Alias("at", "lag")
	Alias("std", "stddev")
	Alias("stddev_samp", "stddev")
	Alias("variance", "var_samp")
	Alias("fz_topn_frequency", "topn_frequency")
	Alias("fz_top1_ratio", "top1_ratio")
}

// Kind classes of aggregate arguments.

func aggNumeric(k types.Kind) bool { return k.IsNumeric() }

func aggAny(k types.Kind) bool {
	switch k {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
		types.String, types.Timestamp, types.Date:
		return true
	}
	return false
}

func aggOrdered(k types.Kind) bool {
	return k.IsNumeric() || k == types.String || k == types.Timestamp || k == types.Date
}

func aggKey(k types.Kind) bool {
	return k.IsInteger() || k == types.String || k == types.Timestamp || k == types.Date
}

// aggArgs checks calls to one aggregate; every check reports the first bad
// argument with ArgError.
type aggArgs struct {
	fn   string
	args []Arg
	res  Resolved
}

func newAggArgs(fn string, args []Arg, result types.Kind) *aggArgs {
	a := &aggArgs{fn: fn, args: args}
	a.res = Same(result, args)
	return a
}

func (a *aggArgs) arity(min, max int) error {
	if n := len(a.args); n < min || n > max {
		want := fmt.Sprint(min)
		if max != min {
			want = fmt.Sprintf("%d or %d", min, max)
		}
		return fmt.Errorf("%w: %s takes %s argument%s, got %d", ErrType, a.fn, want, aggPlural(max), n)
	}
	return nil
}

func aggPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// value checks that argument i has a kind in the class.
func (a *aggArgs) value(i int, ok func(types.Kind) bool, what string) error {
	if k := a.args[i].Kind; !ok(k) {
		if k == types.Null {
			return ArgError(a.fn, i, "must be %s, got an untyped NULL (write CAST(NULL AS type))", what)
		}
		return ArgError(a.fn, i, "must be %s, got %s", what, k)
	}
	return nil
}

// anyValue accepts every value kind; an untyped NULL is typed bool.
func (a *aggArgs) anyValue(i int) error {
	if a.args[i].Kind == types.Null {
		a.res.ArgKinds[i] = types.Bool
		return nil
	}
	return a.value(i, aggAny, "a value")
}

// cond checks a condition argument (an untyped NULL is typed bool).
func (a *aggArgs) cond(i int) error {
	switch a.args[i].Kind {
	case types.Bool:
		return nil
	case types.Null:
		a.res.ArgKinds[i] = types.Bool
		return nil
	}
	return ArgError(a.fn, i, "must be a bool condition, got %s", a.args[i].Kind)
}

// constInt checks that argument i is a constant, non-NULL integer in
// [min, max] and returns it.
func (a *aggArgs) constInt(i int, min, max int64) (int64, error) {
	arg := a.args[i]
	if !arg.Kind.IsInteger() || !arg.Const || arg.Value.Null {
		what := "a constant integer"
		if min == 0 {
			what = "a constant integer ≥ 0"
		}
		got := arg.Kind.String()
		if !arg.Const && arg.Kind.IsInteger() {
			got = "a non-constant " + got
		}
		return 0, ArgError(a.fn, i, "must be %s, got %s", what, got)
	}
	if v := arg.Value.I; v < min || v > max {
		return 0, ArgError(a.fn, i, "must be between %d and %d, got %d", min, max, v)
	}
	return arg.Value.I, nil
}

// resultOf sets the result to argument i's (resolved) kind.
func (a *aggArgs) resultOf(i int) { a.res.Result = a.res.ArgKinds[i] }

// aggSig declares one aggregate.
func aggSig(name, doc string, resolve func(a *aggArgs) error) *Signature {
	return &Signature{
		Name:      name,
		Aggregate: true,
		Doc:       doc,
		Resolve: func(args []Arg) (Resolved, error) {
			a := newAggArgs(name, args, types.Invalid)
			if err := resolve(a); err != nil {
				return Resolved{}, err
			}
			return a.res, nil
		},
	}
}

// aggOneNumeric: f(numeric) → result (the value's kind when result is Invalid).
func aggOneNumeric(result types.Kind) func(a *aggArgs) error {
	return func(a *aggArgs) error {
		if err := a.arity(1, 1); err != nil {
			return err
		}
		if err := a.value(0, aggNumeric, "numeric"); err != nil {
			return err
		}
		a.res.Result = result
		if result == types.Invalid {
			a.resultOf(0)
		}
		return nil
	}
}

// aggNumericWhere: f(numeric, cond) → result (the value's kind when Invalid).
func aggNumericWhere(result types.Kind) func(a *aggArgs) error {
	return func(a *aggArgs) error {
		if err := a.arity(2, 2); err != nil {
			return err
		}
		if err := a.value(0, aggNumeric, "numeric"); err != nil {
			return err
		}
		if err := a.cond(1); err != nil {
			return err
		}
		a.res.Result = result
		if result == types.Invalid {
			a.resultOf(0)
		}
		return nil
	}
}

// oneOf: f(x) with x in a class → result (x's kind when Invalid).
func aggOneOf(ok func(types.Kind) bool, what string, result types.Kind) func(a *aggArgs) error {
	return func(a *aggArgs) error {
		if err := a.arity(1, 1); err != nil {
			return err
		}
		if err := a.value(0, ok, what); err != nil {
			return err
		}
		a.res.Result = result
		if result == types.Invalid {
			a.resultOf(0)
		}
		return nil
	}
}

func aggSignatures() []*Signature {
	sigs := []*Signature{
		aggSig("count", "number of rows (count(*)) or of non-NULL values; bigint", func(a *aggArgs) error {
			if err := a.arity(0, 1); err != nil {
				return err
			}
			a.res.Result = types.Int64
			if len(a.args) == 1 {
				return a.anyValue(0)
			}
			return nil
		}),
		aggSig("count_where", "count_where(x, cond): number of non-NULL x whose cond is true (count_where(*, cond): of rows); bigint", func(a *aggArgs) error {
			if err := a.arity(1, 2); err != nil {
				return err
			}
			a.res.Result = types.Int64
			if len(a.args) == 2 {
				if err := a.anyValue(0); err != nil {
					return err
				}
			}
			return a.cond(len(a.args) - 1)
		}),
		aggSig("sum", "sum of non-NULL values, in the value's type (integers wrap); NULL if none", func(a *aggArgs) error {
			if err := a.arity(1, 1); err != nil {
				return err
			}
			if err := a.value(0, func(k types.Kind) bool { return aggNumeric(k) || k == types.Timestamp }, "numeric or timestamp"); err != nil {
				return err
			}
			a.resultOf(0)
			return nil
		}),
		aggSig("sum_where", "sum_where(x, cond): sum of x over rows whose cond is true", aggNumericWhere(types.Invalid)),
		aggSig("avg", "average of non-NULL values; double", aggOneNumeric(types.Double)),
		aggSig("avg_where", "avg_where(x, cond): average of x over rows whose cond is true; double", aggNumericWhere(types.Double)),
		aggSig("min", "smallest non-NULL value", aggOneOf(aggOrdered, "numeric, string, date or timestamp", types.Invalid)),
		aggSig("max", "largest non-NULL value", aggOneOf(aggOrdered, "numeric, string, date or timestamp", types.Invalid)),
		aggSig("min_where", "min_where(x, cond): smallest x over rows whose cond is true", aggNumericWhere(types.Invalid)),
		aggSig("max_where", "max_where(x, cond): largest x over rows whose cond is true", aggNumericWhere(types.Invalid)),
		aggSig("distinct_count", "number of distinct non-NULL values; bigint", func(a *aggArgs) error {
			if err := a.arity(1, 1); err != nil {
				return err
			}
			a.res.Result = types.Int64
			return a.anyValue(0)
		}),
		aggSig("first_value", "first_value(x[, ignore_nulls]): x of the oldest row of the frame", aggFirstLast),
		aggSig("last_value", "last_value(x[, ignore_nulls]): x of the newest row of the frame", aggFirstLast),
		aggSig("lag", "lag(x, n) (alias at): x of the row n rows before the current row (n ≥ 0 constant)", func(a *aggArgs) error {
			if err := a.arity(2, 2); err != nil {
				return err
			}
			if err := a.anyValue(0); err != nil {
				return err
			}
			if _, err := a.constInt(1, 0, 1<<31-1); err != nil {
				return err
			}
			a.resultOf(0)
			return nil
		}),
		aggSig("nth_value_where", "nth_value_where(x, idx, cond): x of the idx-th row (from the oldest if idx > 0, the newest if < 0) whose cond is true", func(a *aggArgs) error {
			if err := a.arity(3, 3); err != nil {
				return err
			}
			if err := a.anyValue(0); err != nil {
				return err
			}
			if _, err := a.constInt(1, -1<<31, 1<<31-1); err != nil {
				return err
			}
			if err := a.cond(2); err != nil {
				return err
			}
			a.resultOf(0)
			return nil
		}),
		aggSig("median", "median of non-NULL values; double", aggOneNumeric(types.Double)),
		aggSig("stddev", "sample standard deviation (aliases std, stddev_samp); double", aggOneNumeric(types.Double)),
		aggSig("stddev_pop", "population standard deviation; double", aggOneNumeric(types.Double)),
		aggSig("var_samp", "sample variance (alias variance); double", aggOneNumeric(types.Double)),
		aggSig("var_pop", "population variance; double", aggOneNumeric(types.Double)),
		aggSig("ew_avg", "ew_avg(x, alpha): exponentially weighted average (pandas ewm adjust=True, ignore_na=True); double", func(a *aggArgs) error {
			if err := a.arity(2, 2); err != nil {
				return err
			}
			if err := a.value(0, aggNumeric, "numeric"); err != nil {
				return err
			}
			arg := a.args[1]
			if !arg.Const || !(aggNumeric(arg.Kind) || arg.Kind == types.Null) {
				return ArgError(a.fn, 1, "must be a constant number between 0 and 1 (alpha)")
			}
			if !arg.Value.Null {
				alpha := float64(arg.Value.I)
				if arg.Kind == types.Float || arg.Kind == types.Double {
					alpha = arg.Value.F
				}
				if !(alpha >= 0 && alpha <= 1) {
					return ArgError(a.fn, 1, "alpha must be between 0 and 1, got %v", alpha)
				}
			}
			a.res.ArgKinds[1] = types.Double
			a.res.Result = types.Double
			return nil
		}),
		aggSig("drawdown", "largest relative decline from a peak to a later value (non-negative values); double", aggOneNumeric(types.Double)),
		aggSig("entropy", "Shannon entropy (base 2) of the non-NULL values; double", func(a *aggArgs) error {
			if err := a.arity(1, 1); err != nil {
				return err
			}
			a.res.Result = types.Double
			return a.anyValue(0)
		}),
		aggSig("top1_ratio", "share of the most frequent non-NULL value (0 if none); double", aggOneOf(aggFreq, "numeric, string, date or timestamp", types.Double)),
		aggSig("topn_frequency", "topn_frequency(x, n): the n most frequent values, comma-separated, padded with NULL; string", func(a *aggArgs) error {
			if err := a.arity(2, 2); err != nil {
				return err
			}
			if err := a.value(0, aggFreq, "numeric, string, date or timestamp"); err != nil {
				return err
			}
			if _, err := a.constInt(1, 0, 1<<31-1); err != nil {
				return err
			}
			a.res.Result = types.String
			return nil
		}),
		aggSig("top", "top(x, k): the k largest values, largest first, comma-separated; string", func(a *aggArgs) error {
			if err := a.arity(2, 2); err != nil {
				return err
			}
			if err := a.value(0, aggFreq, "numeric, string, date or timestamp"); err != nil {
				return err
			}
			if _, err := a.constInt(1, -1<<63, 1<<63-1); err != nil {
				return err
			}
			a.res.Result = types.String
			return nil
		}),
	}
	for _, op := range []string{"count", "sum", "avg", "max", "min"} {
		sigs = append(sigs,
			aggSig(op+"_cate", op+"_cate(v, k): "+op+" of v per category k, \"k:v,...\" by key; string", aggCate(op, false, false)),
			aggSig(op+"_cate_where", op+"_cate_where(v, cond, k): "+op+" of v per category k over rows whose cond is true; string", aggCate(op, true, false)),
			aggSig("top_n_key_"+op+"_cate_where", "top_n_key_"+op+"_cate_where(v, cond, k, n): the n largest keys' "+op+", keys descending; string", aggCate(op, true, true)),
			aggSig("top_n_value_"+op+"_cate_where", "top_n_value_"+op+"_cate_where(v, cond, k, n): the n groups with the largest "+op+", descending; string", aggCate(op, true, true)),
		)
	}
	sigs = append(sigs,
		aggSig("top_n_key_ratio_cate", "top_n_key_ratio_cate(v, cond, k, n): share of rows whose cond is true per category, the n largest keys; string", aggCate("ratio", true, true)),
		aggSig("top_n_value_ratio_cate", "top_n_value_ratio_cate(v, cond, k, n): share of rows whose cond is true per category, the n largest shares; string", aggCate("ratio", true, true)),
	)
	return sigs
}

func aggFreq(k types.Kind) bool {
	return k.IsNumeric() || k == types.String || k == types.Timestamp || k == types.Date
}

// aggFirstLast resolves first_value/last_value(x[, ignore_nulls]).
func aggFirstLast(a *aggArgs) error {
	if err := a.arity(1, 2); err != nil {
		return err
	}
	if err := a.anyValue(0); err != nil {
		return err
	}
	if len(a.args) == 2 {
		if arg := a.args[1]; arg.Kind != types.Bool || !arg.Const {
			return ArgError(a.fn, 1, "must be a constant bool (ignore NULLs), got %s", arg.Kind)
		}
	}
	a.resultOf(0)
	return nil
}

// cate resolves the *_cate family: (v, k), (v, cond, k) or (v, cond, k, n).
func aggCate(op string, where, topN bool) func(a *aggArgs) error {
	return func(a *aggArgs) error {
		n := 2
		if where {
			n = 3
		}
		if topN {
			n = 4
		}
		if err := a.arity(n, n); err != nil {
			return err
		}
		if op == "count" || op == "ratio" {
			if err := a.anyValue(0); err != nil {
				return err
			}
		} else if err := a.value(0, aggNumeric, "numeric"); err != nil {
			return err
		}
		k := 1
		if where {
			if err := a.cond(1); err != nil {
				return err
			}
			k = 2
		}
		if err := a.value(k, aggKey, "a category key (smallint, int, bigint, date, timestamp or string)"); err != nil {
			return err
		}
		if topN {
			if _, err := a.constInt(3, -1<<63, 1<<63-1); err != nil {
				return err
			}
		}
		a.res.Result = types.String
		return nil
	}
}
