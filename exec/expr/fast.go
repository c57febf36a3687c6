package expr

import "github.com/sundialdb/sundial/types"

// Typed fast paths: nodes whose value is an integer (bool, smallint, int,
// bigint, timestamp, date) or a floating-point number also evaluate to the
// bare number and a NULL flag, so chains of arithmetic and comparisons pass
// no types.Value between them.

type intEvaluator interface {
	evalInt(b *types.Batch, row int) (v int64, null bool)
}

type floatEvaluator interface {
	evalFloat(b *types.Batch, row int) (v float64, null bool)
}

type genericInt struct{ e Evaluator }

func (g genericInt) evalInt(b *types.Batch, row int) (int64, bool) {
	v := g.e.Eval(b, row)
	return v.I, v.Null
}

type genericFloat struct{ e Evaluator }

func (g genericFloat) evalFloat(b *types.Batch, row int) (float64, bool) {
	v := g.e.Eval(b, row)
	return v.F, v.Null
}

func asInt(e Evaluator) intEvaluator {
	if ie, ok := e.(intEvaluator); ok {
		return ie
	}
	return genericInt{e}
}

func asFloat(e Evaluator) floatEvaluator {
	if fe, ok := e.(floatEvaluator); ok {
		return fe
	}
	return genericFloat{e}
}

func (e colI) evalInt(b *types.Batch, row int) (int64, bool) {
	c := b.Cols[e.idx]
	if c.Nulls != nil && c.Nulls[row] {
		return 0, true
	}
	return c.I[row], false
}

func (e colF) evalFloat(b *types.Batch, row int) (float64, bool) {
	c := b.Cols[e.idx]
	if c.Nulls != nil && c.Nulls[row] {
		return 0, true
	}
	return c.F[row], false
}

func (e constEval) evalInt(*types.Batch, int) (int64, bool)     { return e.v.I, e.v.Null }
func (e constEval) evalFloat(*types.Batch, int) (float64, bool) { return e.v.F, e.v.Null }

// intToFloat casts an integer-valued node to float or double.
type intToFloat struct {
	x   intEvaluator
	f32 bool
	out types.Kind
}

func (e *intToFloat) evalFloat(b *types.Batch, row int) (float64, bool) {
	i, null := e.x.evalInt(b, row)
	if null {
		return 0, true
	}
	if e.f32 {
		return float64(float32(i)), false
	}
	return float64(i), false
}

func (e *intToFloat) Eval(b *types.Batch, row int) types.Value {
	f, null := e.evalFloat(b, row)
	if null {
		return types.Value{Kind: e.out, Null: true}
	}
	return types.Value{Kind: e.out, F: f}
}
