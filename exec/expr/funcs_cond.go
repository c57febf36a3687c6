package expr

import (
	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildIfnull, "ifnull")
	register(buildNvl2, "nvl2")
	register(buildCoalesce, "coalesce")
	register(buildIf, "if")
	register(buildIdentity, "identity")
	register(buildCastFn, "bool", "smallint", "int", "bigint", "float", "double", "string", "timestamp", "date")
}

// coalesceEval returns the first non-NULL argument (all of the result kind).
type coalesceEval struct {
	args []Evaluator
	out  types.Kind
}

func (e *coalesceEval) Eval(b *types.Batch, row int) types.Value {
	for _, a := range e.args {
		if v := a.Eval(b, row); !v.Null {
			return v
		}
	}
	return nullv(e.out)
}

func buildIfnull(c *compiler, k *call) (Evaluator, error) {
	return &coalesceEval{args: k.args, out: k.out}, nil
}

func buildCoalesce(c *compiler, k *call) (Evaluator, error) {
	return &coalesceEval{args: k.args, out: k.out}, nil
}

// condEval is if(cond, a, b) and nvl2(x, a, b): a when the test holds, else b.
type condEval struct {
	test    Evaluator
	truth   func(types.Value) bool // nil: the test is "not NULL"
	then, e Evaluator
}

func (e *condEval) Eval(b *types.Batch, row int) types.Value {
	v := e.test.Eval(b, row)
	ok := !v.Null
	if ok && e.truth != nil {
		ok = e.truth(v)
	}
	if ok {
		return e.then.Eval(b, row)
	}
	return e.e.Eval(b, row)
}

func buildNvl2(c *compiler, k *call) (Evaluator, error) {
	return &condEval{test: k.args[0], then: k.args[1], e: k.args[2]}, nil
}

func buildIf(c *compiler, k *call) (Evaluator, error) {
	return &condEval{test: k.args[0], truth: truthOf(k.in[0]), then: k.args[1], e: k.args[2]}, nil
}

func buildIdentity(c *compiler, k *call) (Evaluator, error) {
	return k.args[0], nil
}

// buildCastFn: int(x), string(x), ... are CAST(x AS type).
func buildCastFn(c *compiler, k *call) (Evaluator, error) {
	return c.cast(k.args[0], k.in[0], k.out), nil
}
