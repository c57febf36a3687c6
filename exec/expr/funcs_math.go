package expr

import (
	"fmt"
	"math"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildAbs, "abs")
	register(buildRounding, "ceil", "floor", "round", "truncate")
	for name := range unaryFloatFuncs {
		register(buildUnaryFloat, name)
	}
	register(buildLog, "log")
	register(buildPow, "pow", "atan2")
	register(buildAtan, "atan")
}

// unaryFloatFuncs are the one-argument functions computed in double (or in
// float, rounding the double result, when the argument is a float).
var unaryFloatFuncs = map[string]func(float64) float64{
	"exp":     math.Exp,
	"sqrt":    math.Sqrt,
	"ln":      math.Log,
	"log2":    math.Log2,
	"log10":   math.Log10,
	"sin":     math.Sin,
	"cos":     math.Cos,
	"tan":     math.Tan,
	"cot":     func(x float64) float64 { return float64(math.Cos(x) / math.Sin(x)) },
	"asin":    math.Asin,
	"acos":    math.Acos,
	"radians": func(x float64) float64 { return float64(x * (math.Pi / 180)) },
	"degrees": func(x float64) float64 { return float64(x * (180 / math.Pi)) },
}

// floatUnary applies f to the argument; for float results the value is
// rounded to float32.
func floatUnary(x Evaluator, out types.Kind, f func(float64) float64) Evaluator {
	if out == types.Float {
		return &unaryEval{x: x, out: out, f: func(v types.Value) types.Value {
			return types.Value{Kind: out, F: float64(float32(f(v.F)))}
		}}
	}
	return &unaryEval{x: x, out: out, f: func(v types.Value) types.Value {
		return types.Value{Kind: out, F: f(v.F)}
	}}
}

func buildUnaryFloat(c *compiler, k *call) (Evaluator, error) {
	return floatUnary(k.args[0], k.out, unaryFloatFuncs[k.name]), nil
}

func buildAbs(c *compiler, k *call) (Evaluator, error) {
	out := k.out
	switch k.in[0] {
	case types.Int32, types.Int64:
		return &unaryEval{x: k.args[0], out: out, f: func(v types.Value) types.Value {
			i := v.I
			if i < 0 {
				i = -i
			}
			return types.Value{Kind: out, I: wrapInt(out, i)}
		}}, nil
	case types.Double, types.Float:
		return floatUnary(k.args[0], out, math.Abs), nil
	}
	return nil, fmt.Errorf("expr: abs of %s", k.in[0])
}

func buildRounding(c *compiler, k *call) (Evaluator, error) {
	out := k.out
	if isIntKind(k.in[0]) {
		// ceil/floor/round/truncate of an integer is the integer.
		if out == k.in[0] {
			return k.args[0], nil
		}
		return &unaryEval{x: k.args[0], out: out, f: func(v types.Value) types.Value {
			return types.Value{Kind: out, I: wrapInt(out, v.I)}
		}}, nil
	}
	var f func(float64) float64
	switch k.name {
	case "ceil":
		f = math.Ceil
	case "floor":
		f = math.Floor
	case "round":
		f = math.Round
	case "truncate":
		f = math.Trunc
	}
	return floatUnary(k.args[0], out, f), nil
}

func buildLog(c *compiler, k *call) (Evaluator, error) {
	if len(k.args) == 1 {
		return floatUnary(k.args[0], k.out, math.Log), nil
	}
	// log(base, x) = ln(x) / ln(base)
	return newFloatBin(k.args[0], k.args[1], types.Double, func(base, x float64) float64 {
		return float64(math.Log(x) / math.Log(base))
	}, false), nil
}

func buildPow(c *compiler, k *call) (Evaluator, error) {
	f := math.Pow
	if k.name == "atan2" {
		f = math.Atan2
	}
	if k.out == types.Float {
		return newFloatBin(k.args[0], k.args[1], types.Float, func(x, y float64) float64 {
			return float64(float32(f(x, y)))
		}, false), nil
	}
	return newFloatBin(k.args[0], k.args[1], types.Double, f, false), nil
}

func buildAtan(c *compiler, k *call) (Evaluator, error) {
	if len(k.args) == 1 {
		return floatUnary(k.args[0], k.out, math.Atan), nil
	}
	k.name = "atan2"
	return buildPow(c, k)
}
