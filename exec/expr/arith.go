package expr

import (
	"fmt"
	"math"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildArith, "+", "-", "*", "%", "div", "/", "&", "|", "^", "<<", ">>")
	register(buildNeg, "neg")
	register(buildBitNot, "~")
}

// Integer kernels compute in int64 and wrap to the result width; float
// kernels round to float32 for float results. Division and modulo by zero
// give NULL.

type intBin struct {
	a, b intEvaluator
	k    types.Kind
	f    func(x, y int64) int64
}

func newIntBin(a, b Evaluator, k types.Kind, f func(x, y int64) int64) *intBin {
	return &intBin{a: asInt(a), b: asInt(b), k: k, f: f}
}

func (e *intBin) evalInt(b *types.Batch, row int) (int64, bool) {
	x, null := e.a.evalInt(b, row)
	if null {
		return 0, true
	}
	y, null := e.b.evalInt(b, row)
	if null {
		return 0, true
	}
	return wrapInt(e.k, e.f(x, y)), false
}

func (e *intBin) Eval(b *types.Batch, row int) types.Value {
	i, null := e.evalInt(b, row)
	if null {
		return types.Value{Kind: e.k, Null: true}
	}
	return types.Value{Kind: e.k, I: i}
}

// intDiv is intBin for DIV and %: NULL when the divisor is zero.
type intDiv struct {
	a, b intEvaluator
	k    types.Kind
	mod  bool
}

func (e *intDiv) evalInt(b *types.Batch, row int) (int64, bool) {
	x, null := e.a.evalInt(b, row)
	if null {
		return 0, true
	}
	y, null := e.b.evalInt(b, row)
	if null || y == 0 {
		return 0, true
	}
	if e.mod {
		return wrapInt(e.k, x%y), false // MinInt64 % -1 is 0 in Go, no panic
	}
	return wrapInt(e.k, x/y), false // MinInt64 / -1 wraps to MinInt64 in Go
}

func (e *intDiv) Eval(b *types.Batch, row int) types.Value {
	i, null := e.evalInt(b, row)
	if null {
		return types.Value{Kind: e.k, Null: true}
	}
	return types.Value{Kind: e.k, I: i}
}

type floatBin struct {
	a, b  floatEvaluator
	k     types.Kind
	f     func(x, y float64) float64
	zeroN bool // NULL when y == 0
}

func newFloatBin(a, b Evaluator, k types.Kind, f func(x, y float64) float64, zeroN bool) *floatBin {
	return &floatBin{a: asFloat(a), b: asFloat(b), k: k, f: f, zeroN: zeroN}
}

func (e *floatBin) evalFloat(b *types.Batch, row int) (float64, bool) {
	x, null := e.a.evalFloat(b, row)
	if null {
		return 0, true
	}
	y, null := e.b.evalFloat(b, row)
	if null || (e.zeroN && y == 0) {
		return 0, true
	}
	return e.f(x, y), false
}

func (e *floatBin) Eval(b *types.Batch, row int) types.Value {
	f, null := e.evalFloat(b, row)
	if null {
		return types.Value{Kind: e.k, Null: true}
	}
	return types.Value{Kind: e.k, F: f}
}

func buildArith(c *compiler, k *call) (Evaluator, error) {
	out := k.out
	if out == types.Null {
		return constEval{nullv(types.Null)}, nil
	}
	a, b := k.args[0], k.args[1]
	in := k.in[0]
	if in == types.Null || k.in[1] == types.Null {
		return constEval{nullv(out)}, nil
	}
	switch k.name {
	case "/":
		// Both sides are double here (the signature casts them).
		return newFloatBin(a, b, types.Double, func(x, y float64) float64 { return x / y }, true), nil
	case "div":
		return &intDiv{a: asInt(a), b: asInt(b), k: out}, nil
	}
	if out == types.Timestamp {
		// timestamp ± integer/timestamp: milliseconds.
		switch k.name {
		case "+":
			return newIntBin(a, b, out, func(x, y int64) int64 { return x + y }), nil
		case "-":
			return newIntBin(a, b, out, func(x, y int64) int64 { return x - y }), nil
		}
	}
	switch in {
	case types.Float, types.Double:
		f32 := in == types.Float
		var f func(x, y float64) float64
		switch k.name {
		case "+":
			if f32 {
				f = func(x, y float64) float64 { return float64(float32(x) + float32(y)) }
			} else {
				f = func(x, y float64) float64 { return float64(x + y) }
			}
		case "-":
			if f32 {
				f = func(x, y float64) float64 { return float64(float32(x) - float32(y)) }
			} else {
				f = func(x, y float64) float64 { return float64(x - y) }
			}
		case "*":
			if f32 {
				f = func(x, y float64) float64 { return float64(float32(x) * float32(y)) }
			} else {
				f = func(x, y float64) float64 { return float64(x * y) }
			}
		case "%":
			if f32 {
				f = func(x, y float64) float64 { return float64(float32(math.Mod(x, y))) }
			} else {
				f = math.Mod
			}
			return newFloatBin(a, b, out, f, true), nil
		default:
			return nil, fmt.Errorf("expr: %s on %s", k.name, in)
		}
		return newFloatBin(a, b, out, f, false), nil
	case types.Bool, types.Int16, types.Int32, types.Int64:
		var f func(x, y int64) int64
		switch k.name {
		case "+":
			f = func(x, y int64) int64 { return x + y }
		case "-":
			f = func(x, y int64) int64 { return x - y }
		case "*":
			f = func(x, y int64) int64 { return x * y }
		case "%":
			return &intDiv{a: asInt(a), b: asInt(b), k: out, mod: true}, nil
		case "&":
			f = func(x, y int64) int64 { return x & y }
		case "|":
			f = func(x, y int64) int64 { return x | y }
		case "^":
			f = func(x, y int64) int64 { return x ^ y }
		case "<<", ">>":
			width := int64(64)
			switch in {
			case types.Bool:
				width = 1
			case types.Int16:
				width = 16
			case types.Int32:
				width = 32
			}
			if k.name == "<<" {
				f = func(x, y int64) int64 {
					if y < 0 || y >= width {
						return 0
					}
					return x << uint(y)
				}
			} else {
				f = func(x, y int64) int64 {
					if y < 0 || y >= width {
						return x >> 63
					}
					return x >> uint(y)
				}
			}
		default:
			return nil, fmt.Errorf("expr: %s on %s", k.name, in)
		}
		return newIntBin(a, b, out, f), nil
	}
	return nil, fmt.Errorf("expr: %s on %s", k.name, in)
}

func buildNeg(c *compiler, k *call) (Evaluator, error) {
	switch k.out {
	case types.Null:
		return constEval{nullv(types.Null)}, nil
	case types.Bool:
		// OpenMLDB negates a bool as a 1-bit integer: -true is true.
		return k.args[0], nil
	case types.Int16, types.Int32, types.Int64:
		out := k.out
		return &unaryEval{x: k.args[0], out: out, f: func(v types.Value) types.Value {
			return types.Value{Kind: out, I: wrapInt(out, -v.I)}
		}}, nil
	case types.Float, types.Double:
		out := k.out
		return &unaryEval{x: k.args[0], out: out, f: func(v types.Value) types.Value {
			return types.Value{Kind: out, F: -v.F}
		}}, nil
	}
	return nil, fmt.Errorf("expr: - on %s", k.out)
}

func buildBitNot(c *compiler, k *call) (Evaluator, error) {
	out := k.out
	if out == types.Null {
		return constEval{nullv(types.Null)}, nil
	}
	return &unaryEval{x: k.args[0], out: out, f: func(v types.Value) types.Value {
		return types.Value{Kind: out, I: wrapInt(out, ^v.I)}
	}}, nil
}
