package agg_test

import (
	"slices"
	"testing"

	"github.com/sundialdb/sundial/exec/agg"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// The planner's aggregate signatures (planner/sig_agg.go) and New agree:
// the same names, and for every argument list the planner accepts, New
// builds an aggregator from the resolved kinds whose result has the
// resolved kind; every argument list New accepts, the planner accepts.

var argKinds = []types.Kind{types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
	types.String, types.Timestamp, types.Date, types.Null}

// constFor is the constant a test passes for an argument of kind k.
func constFor(k types.Kind) types.Value {
	switch k {
	case types.Bool:
		return types.BoolValue(true)
	case types.Int16:
		return types.Int16Value(2)
	case types.Int32:
		return types.Int32Value(3)
	case types.Int64:
		return types.Int64Value(1)
	case types.Float:
		return types.FloatValue(0.5)
	case types.Double:
		return types.DoubleValue(0.25)
	case types.String:
		return types.StringValue("s")
	case types.Timestamp:
		return types.TimestampValue(1)
	case types.Date:
		return types.DateValue(1)
	}
	return types.NullOf(types.Null)
}

func aggregateNames() []string {
	var names []string
	for _, n := range planner.Functions() {
		if s, ok := planner.Lookup(n); ok && s.Aggregate {
			names = append(names, n)
		}
	}
	return names
}

func TestRegistryNamesMatch(t *testing.T) {
	reg := aggregateNames()
	if got := agg.Names(); !slices.Equal(reg, got) {
		t.Errorf("planner aggregates %v\nagg.Names %v", reg, got)
	}
}

// constKinds are the kinds tried as constant arguments.
var constKinds = []types.Kind{types.Bool, types.Int32, types.Double, types.Null}

// eachArgList calls f with argument lists of up to 4 arguments: the first
// three of any kind (constant or not, but the first never constant), the
// fourth (only the top_n_* family takes four) a constant or an int column.
func eachArgList(f func(args []planner.Arg)) {
	var rec func(args []planner.Arg)
	rec = func(args []planner.Arg) {
		f(args)
		n := len(args)
		if n == 4 {
			return
		}
		if n < 3 {
			for _, k := range argKinds {
				rec(append(args[:n:n], planner.Arg{Kind: k}))
			}
		} else {
			rec(append(args[:n:n], planner.Arg{Kind: types.Int32}))
		}
		if n >= 1 {
			ks := constKinds
			if n == 3 {
				ks = append(ks[:len(ks):len(ks)], types.Int64)
			}
			for _, k := range ks {
				rec(append(args[:n:n], planner.Arg{Kind: k, Const: true, Value: constFor(k)}))
			}
		}
	}
	rec(nil)
}

func TestRegistryAgreesWithNew(t *testing.T) {
	names := aggregateNames()
	accepted := map[string]int{}
	eachArgList(func(args []planner.Arg) {
		kinds := make([]types.Kind, len(args))
		consts := make([]types.Value, len(args))
		for i, a := range args {
			kinds[i] = a.Kind
			if a.Const {
				consts[i] = a.Value
			}
		}
		for _, name := range names {
			sig, _ := planner.Lookup(name)
			res, rerr := sig.Resolve(args)
			a, nerr := agg.New(name, kinds, consts)
			if rerr == nil {
				accepted[name]++
				// Build from the resolved kinds.
				b, err := agg.New(name, res.ArgKinds, consts)
				if err != nil {
					t.Fatalf("%s%v: planner resolves to %v → %v, but New fails: %v", name, kinds, res.ArgKinds, res.Result, err)
				}
				if got := b.Result().Kind; got != res.Result {
					t.Fatalf("%s%v: planner result %v, New's empty-frame result %v", name, kinds, res.Result, got)
				}
			}
			if nerr == nil {
				if rerr != nil {
					t.Fatalf("%s%v (consts %v): New accepts, planner rejects: %v", name, kinds, consts, rerr)
				}
				if got := a.Result().Kind; got != res.Result {
					t.Fatalf("%s%v: planner result %v, New's %v", name, kinds, res.Result, got)
				}
			}
		}
	})
	for _, name := range names {
		if accepted[name] == 0 {
			t.Errorf("the planner accepts no call of %s", name)
		}
	}
}

// Every registered aggregate builds with New for a typical call.
func TestEveryRegisteredAggregateBuilds(t *testing.T) {
	i := planner.Arg{Kind: types.Int32}
	d := planner.Arg{Kind: types.Double}
	s := planner.Arg{Kind: types.String}
	b := planner.Arg{Kind: types.Bool}
	n := planner.Arg{Kind: types.Int32, Const: true, Value: types.Int32Value(2)}
	calls := map[string][]planner.Arg{
		"count": {}, "count_where": {i, b}, "sum": {d}, "sum_where": {d, b}, "avg": {i}, "avg_where": {i, b},
		"min": {s}, "max": {s}, "min_where": {d, b}, "max_where": {d, b}, "distinct_count": {s},
		"first_value": {s}, "last_value": {i}, "lag": {s, n}, "at": {i, n}, "nth_value_where": {i, n, b},
		"median": {d}, "stddev": {d}, "std": {d}, "stddev_samp": {d}, "stddev_pop": {d},
		"var_samp": {d}, "variance": {d}, "var_pop": {d},
		"ew_avg":   {d, {Kind: types.Double, Const: true, Value: types.DoubleValue(0.5)}},
		"drawdown": {d}, "entropy": {s}, "top1_ratio": {s}, "fz_top1_ratio": {s},
		"topn_frequency": {s, n}, "fz_topn_frequency": {i, n}, "top": {i, n},
	}
	for _, name := range aggregateNames() {
		args, ok := calls[name]
		if !ok {
			switch {
			case len(name) > 6 && name[:6] == "top_n_":
				args = []planner.Arg{i, b, s, n}
			case len(name) > 11 && name[len(name)-11:] == "_cate_where":
				args = []planner.Arg{i, b, s}
			default:
				args = []planner.Arg{i, s}
			}
		}
		sig, _ := planner.Lookup(name)
		res, err := sig.Resolve(args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		consts := make([]types.Value, len(args))
		for j, a := range args {
			if a.Const {
				consts[j] = a.Value
			}
		}
		if _, err := agg.New(name, res.ArgKinds, consts); err != nil {
			t.Errorf("%s: New: %v", name, err)
		}
	}
}
