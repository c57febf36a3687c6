package expr

import (
	"testing"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// sampleKinds are the argument kinds tried against every signature.
var sampleKinds = []types.Kind{types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
	types.String, types.Timestamp, types.Date, types.Null}

func sampleValue(k types.Kind) types.Value {
	switch k {
	case types.Bool:
		return types.BoolValue(true)
	case types.Int16:
		return types.Int16Value(3)
	case types.Int32:
		return types.Int32Value(2)
	case types.Int64:
		return types.Int64Value(1590115420000)
	case types.Float:
		return types.FloatValue(0.5)
	case types.Double:
		return types.DoubleValue(2.5)
	case types.String:
		return types.StringValue("a")
	case types.Timestamp:
		return types.TimestampValue(1590115420000)
	case types.Date:
		return types.DateValue(18404)
	}
	return types.NullOf(types.Null)
}

// argLists enumerates argument kind lists of length n.
func argLists(n int) [][]types.Kind {
	if n == 0 {
		return [][]types.Kind{{}}
	}
	var out [][]types.Kind
	for _, rest := range argLists(n - 1) {
		for _, k := range sampleKinds {
			out = append(out, append(append([]types.Kind{}, rest...), k))
		}
	}
	return out
}

// TestEverySignatureHasAKernel checks that every registered scalar function
// resolves for some arguments, compiles for every argument list it accepts,
// and evaluates to values of the kind it declared, over constants, over
// columns, and over NULL rows.
func TestEverySignatureHasAKernel(t *testing.T) {
	// A batch with one column per sample kind: row 0 values, row 1 NULLs.
	b := &types.Batch{}
	colOf := map[types.Kind]int{}
	for _, k := range sampleKinds {
		if k == types.Null {
			continue
		}
		colOf[k] = len(b.Cols)
		c := types.NewColumn(k, 2)
		c.Append(sampleValue(k))
		c.Append(types.NullOf(k))
		b.Cols = append(b.Cols, c)
	}
	lists := [][][]types.Kind{argLists(0), argLists(1), argLists(2), argLists(3)}
	seen := map[string]bool{}
	for _, name := range planner.Functions() {
		sig, _ := planner.Lookup(name)
		if sig.Aggregate || seen[sig.Name] {
			continue
		}
		seen[sig.Name] = true
		resolved := 0
		for _, byArity := range lists {
			for _, kinds := range byArity {
				pargs := make([]planner.Arg, len(kinds))
				consts := make([]planner.Expr, len(kinds))
				cols := make([]planner.Expr, len(kinds))
				for i, k := range kinds {
					v := sampleValue(k)
					pargs[i] = planner.Arg{Kind: k, Const: true, Value: v}
					consts[i] = &planner.Const{V: v}
					if k == types.Null {
						cols[i] = consts[i]
					} else {
						cols[i] = &planner.ColRef{Index: colOf[k], T: k}
					}
				}
				res, err := sig.Resolve(pargs)
				if err != nil {
					continue
				}
				resolved++
				if len(res.ArgKinds) != len(kinds) {
					t.Errorf("%s%v: %d argument kinds resolved", sig.Name, kinds, len(res.ArgKinds))
					continue
				}
				for _, args := range [][]planner.Expr{consts, cols} {
					e := &planner.Call{Name: sig.Name, Args: args, T: res.Result}
					ev, err := Compile(e, nil)
					if err != nil {
						t.Errorf("%s: %v", e, err)
						continue
					}
					for row := 0; row < 2; row++ {
						v := ev.Eval(b, row)
						if !v.Null && v.Kind != res.Result {
							t.Errorf("%s row %d: value of kind %s, declared %s", e, row, v.Kind, res.Result)
						}
					}
				}
			}
		}
		if resolved == 0 {
			t.Errorf("function %s accepts none of the sample argument lists", sig.Name)
		}
	}
	t.Logf("%d scalar functions and operators checked", len(seen))
	if len(seen) < 90 {
		t.Errorf("only %d scalar functions registered", len(seen))
	}
}

// TestOperatorsRegistered checks the operator names the planner emits.
func TestOperatorsRegistered(t *testing.T) {
	for _, op := range []string{"+", "-", "*", "/", "%", "div", "neg", "=", "!=", "<", "<=", ">", ">=", "<=>",
		"and", "or", "xor", "not", "&", "|", "^", "~", "<<", ">>", "is_null", "is_not_null", "is_true", "is_false",
		"like", "ilike", "rlike", "in", "between"} {
		sig, ok := planner.Lookup(op)
		if !ok || sig.Aggregate {
			t.Errorf("operator %s is not registered", op)
			continue
		}
		if _, ok := builders[sig.Name]; !ok {
			t.Errorf("operator %s has no kernel", op)
		}
	}
	for name := range builders {
		if _, ok := planner.Lookup(name); !ok {
			t.Errorf("kernel %s has no signature", name)
		}
	}
}

func TestCanCastMatrix(t *testing.T) {
	// Every allowed cast compiles and gives a value of the target kind (or NULL).
	for _, from := range sampleKinds {
		for _, to := range sampleKinds[:9] {
			e := &planner.Cast{X: &planner.Const{V: sampleValue(from)}, T: to}
			ev, err := Compile(e, nil)
			if planner.CanCast(from, to) != (err == nil) {
				t.Errorf("CAST(%s AS %s): CanCast %v, Compile error %v", from, to, planner.CanCast(from, to), err)
				continue
			}
			if err != nil {
				continue
			}
			if v := ev.Eval(nil, 0); !v.Null && v.Kind != to {
				t.Errorf("CAST(%s AS %s) gave %s", from, to, v.Kind)
			}
		}
	}
	for _, c := range []struct {
		from, to types.Kind
		ok       bool
	}{
		{types.Int32, types.Date, false}, {types.Bool, types.Date, false}, {types.Double, types.Date, false},
		{types.String, types.Date, true}, {types.Timestamp, types.Date, true}, {types.Date, types.Int64, true},
		{types.Date, types.Timestamp, true}, {types.Double, types.Timestamp, true}, {types.Timestamp, types.String, true},
		{types.Null, types.Date, true}, {types.Int32, types.Null, false},
	} {
		if got := planner.CanCast(c.from, c.to); got != c.ok {
			t.Errorf("CanCast(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
