package expr

import (
	"fmt"
	"strings"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildCompare, "=", "!=", "<", "<=", ">", ">=")
	register(buildNullSafeEq, "<=>")
	register(buildIn, "in")
	register(buildBetween, "between")
	register(buildAnd, "and")
	register(buildOr, "or")
	register(buildXor, "xor")
	register(buildNot, "not")
	register(buildIsNull, "is_null", "is_not_null")
	register(buildIsBool, "is_true", "is_false")
}

// cmpFunc orders two non-NULL values of one kind: <0, 0, >0; for doubles,
// any comparison with NaN is unordered (ok false), as IEEE comparisons are.
type cmpFunc func(a, b types.Value) (c int, ok bool)

func comparer(k types.Kind) cmpFunc {
	switch k {
	case types.Float, types.Double:
		return func(a, b types.Value) (int, bool) {
			switch {
			case a.F < b.F:
				return -1, true
			case a.F > b.F:
				return 1, true
			case a.F == b.F:
				return 0, true
			}
			return 0, false
		}
	case types.String:
		return func(a, b types.Value) (int, bool) { return strings.Compare(a.S, b.S), true }
	}
	return func(a, b types.Value) (int, bool) {
		switch {
		case a.I < b.I:
			return -1, true
		case a.I > b.I:
			return 1, true
		}
		return 0, true
	}
}

// Specialised comparison nodes for the common kinds: no closure per row.

type cmpOp uint8

const (
	opEQ cmpOp = iota
	opNE
	opLT
	opLE
	opGT
	opGE
)

func (op cmpOp) test(c int) bool {
	switch op {
	case opEQ:
		return c == 0
	case opNE:
		return c != 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	}
	return c >= 0
}

// compareOrdered applies a comparison operator to two ordered values: 1 or 0.
func compareOrdered[T int64 | float64](op cmpOp, x, y T) int64 {
	var r bool
	switch op {
	case opEQ:
		r = x == y
	case opNE:
		r = x != y
	case opLT:
		r = x < y
	case opLE:
		r = x <= y
	case opGT:
		r = x > y
	default:
		r = x >= y
	}
	if r {
		return 1
	}
	return 0
}

var cmpOps = map[string]cmpOp{"=": opEQ, "!=": opNE, "<": opLT, "<=": opLE, ">": opGT, ">=": opGE}

type cmpInt struct {
	a, b intEvaluator
	op   cmpOp
}

func (e *cmpInt) evalInt(b *types.Batch, row int) (int64, bool) {
	x, null := e.a.evalInt(b, row)
	if null {
		return 0, true
	}
	y, null := e.b.evalInt(b, row)
	if null {
		return 0, true
	}
	return compareOrdered(e.op, x, y), false
}

func (e *cmpInt) Eval(b *types.Batch, row int) types.Value {
	i, null := e.evalInt(b, row)
	return types.Value{Kind: types.Bool, Null: null, I: i}
}

type cmpFloat struct {
	a, b floatEvaluator
	op   cmpOp
}

func (e *cmpFloat) evalInt(b *types.Batch, row int) (int64, bool) {
	x, null := e.a.evalFloat(b, row)
	if null {
		return 0, true
	}
	y, null := e.b.evalFloat(b, row)
	if null {
		return 0, true
	}
	return compareOrdered(e.op, x, y), false
}

func (e *cmpFloat) Eval(b *types.Batch, row int) types.Value {
	i, null := e.evalInt(b, row)
	return types.Value{Kind: types.Bool, Null: null, I: i}
}

type cmpString struct {
	a, b Evaluator
	op   cmpOp
}

func (e *cmpString) Eval(b *types.Batch, row int) types.Value {
	x := e.a.Eval(b, row)
	if x.Null {
		return types.Value{Kind: types.Bool, Null: true}
	}
	y := e.b.Eval(b, row)
	if y.Null {
		return types.Value{Kind: types.Bool, Null: true}
	}
	return boolv(e.op.test(strings.Compare(x.S, y.S)))
}

func buildCompare(c *compiler, k *call) (Evaluator, error) {
	op := cmpOps[k.name]
	a, b := k.args[0], k.args[1]
	kind := k.in[0]
	if kind == types.Null || k.in[1] == types.Null {
		return constEval{nullv(types.Bool)}, nil
	}
	if kind != k.in[1] {
		return nil, fmt.Errorf("expr: %s compares %s with %s", k.name, kind, k.in[1])
	}
	switch kind {
	case types.Float, types.Double:
		return &cmpFloat{asFloat(a), asFloat(b), op}, nil
	case types.String:
		return &cmpString{a, b, op}, nil
	}
	return &cmpInt{asInt(a), asInt(b), op}, nil
}

// equalValues is = on two non-NULL values of kind k (false when unordered).
func equalValues(cmp cmpFunc, a, b types.Value) bool {
	r, ok := cmp(a, b)
	return ok && r == 0
}

type nullSafeEq struct {
	a, b Evaluator
	cmp  cmpFunc
}

func (e *nullSafeEq) Eval(b *types.Batch, row int) types.Value {
	x, y := e.a.Eval(b, row), e.b.Eval(b, row)
	if x.Null || y.Null {
		return boolv(x.Null && y.Null)
	}
	return boolv(equalValues(e.cmp, x, y))
}

func buildNullSafeEq(c *compiler, k *call) (Evaluator, error) {
	kind := k.in[0]
	if kind == types.Null {
		kind = k.in[1]
	}
	return &nullSafeEq{a: k.args[0], b: k.args[1], cmp: comparer(kind)}, nil
}

// inEval is x IN (list): true on a match; NULL when there is none and x or
// some item is NULL; false otherwise.
type inEval struct {
	x     Evaluator
	items []Evaluator
	cmp   cmpFunc
}

func (e *inEval) Eval(b *types.Batch, row int) types.Value {
	x := e.x.Eval(b, row)
	if x.Null {
		return nullv(types.Bool)
	}
	sawNull := false
	for _, it := range e.items {
		v := it.Eval(b, row)
		if v.Null {
			sawNull = true
			continue
		}
		if equalValues(e.cmp, x, v) {
			return boolv(true)
		}
	}
	if sawNull {
		return nullv(types.Bool)
	}
	return boolv(false)
}

func firstKind(ks []types.Kind) types.Kind {
	for _, k := range ks {
		if k != types.Null {
			return k
		}
	}
	return types.Null
}

func buildIn(c *compiler, k *call) (Evaluator, error) {
	if k.in[0] == types.Null {
		return constEval{nullv(types.Bool)}, nil
	}
	return &inEval{x: k.args[0], items: k.args[1:], cmp: comparer(firstKind(k.in))}, nil
}

// betweenEval is lo <= x AND x <= hi with three-valued AND.
type betweenEval struct {
	x, lo, hi Evaluator
	cmp       cmpFunc
}

func (e *betweenEval) Eval(b *types.Batch, row int) types.Value {
	x := e.x.Eval(b, row)
	if x.Null {
		return nullv(types.Bool)
	}
	lo, hi := e.lo.Eval(b, row), e.hi.Eval(b, row)
	geLo, loNull := false, lo.Null
	if !loNull {
		r, ok := e.cmp(x, lo)
		geLo = ok && r >= 0
		if !geLo {
			return boolv(false)
		}
	}
	if !hi.Null {
		r, ok := e.cmp(x, hi)
		if !(ok && r <= 0) {
			return boolv(false)
		}
		if !loNull {
			return boolv(true)
		}
	}
	return nullv(types.Bool)
}

func buildBetween(c *compiler, k *call) (Evaluator, error) {
	if k.in[0] == types.Null {
		return constEval{nullv(types.Bool)}, nil
	}
	return &betweenEval{x: k.args[0], lo: k.args[1], hi: k.args[2], cmp: comparer(firstKind(k.in))}, nil
}

// ---------------------------------------------------------------------------
// Logic

// truthOf returns the truth test of a non-NULL value of kind k, as OpenMLDB
// converts operands of logical operators: non-zero numbers and timestamps,
// non-empty strings, and every date are true.
func truthOf(k types.Kind) func(types.Value) bool {
	switch k {
	case types.Float, types.Double:
		return func(v types.Value) bool { return v.F != 0 }
	case types.String:
		return func(v types.Value) bool { return v.S != "" }
	case types.Date:
		return func(types.Value) bool { return true }
	}
	return func(v types.Value) bool { return v.I != 0 }
}

// truthEval evaluates an operand's three-valued truth: -1 NULL, 0 false, 1 true.
type truthEval struct {
	x     Evaluator
	ix    intEvaluator // set for integer-valued operands that evaluate natively
	truth func(types.Value) bool
}

func (t *truthEval) eval(b *types.Batch, row int) int {
	if t.ix != nil {
		i, null := t.ix.evalInt(b, row)
		switch {
		case null:
			return -1
		case i != 0:
			return 1
		}
		return 0
	}
	v := t.x.Eval(b, row)
	if v.Null {
		return -1
	}
	if t.truth(v) {
		return 1
	}
	return 0
}

func truths(k *call) []truthEval {
	ts := make([]truthEval, len(k.args))
	for i, a := range k.args {
		ts[i] = truthEval{x: a, truth: truthOf(k.in[i])}
		if ie, ok := a.(intEvaluator); ok && isIntKind(k.in[i]) {
			ts[i].ix = ie
		}
	}
	return ts
}

type andEval struct{ a, b truthEval }

func (e *andEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.eval(b, row)
	if x == 0 {
		return boolv(false)
	}
	y := e.b.eval(b, row)
	if y == 0 {
		return boolv(false)
	}
	if x < 0 || y < 0 {
		return nullv(types.Bool)
	}
	return boolv(true)
}

type orEval struct{ a, b truthEval }

func (e *orEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.eval(b, row)
	if x == 1 {
		return boolv(true)
	}
	y := e.b.eval(b, row)
	if y == 1 {
		return boolv(true)
	}
	if x < 0 || y < 0 {
		return nullv(types.Bool)
	}
	return boolv(false)
}

type xorEval struct{ a, b truthEval }

func (e *xorEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.eval(b, row)
	if x < 0 {
		return nullv(types.Bool)
	}
	y := e.b.eval(b, row)
	if y < 0 {
		return nullv(types.Bool)
	}
	return boolv(x != y)
}

type notEval struct{ a truthEval }

func (e *notEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.eval(b, row)
	if x < 0 {
		return nullv(types.Bool)
	}
	return boolv(x == 0)
}

func buildAnd(c *compiler, k *call) (Evaluator, error) {
	t := truths(k)
	return &andEval{t[0], t[1]}, nil
}

func buildOr(c *compiler, k *call) (Evaluator, error) {
	t := truths(k)
	return &orEval{t[0], t[1]}, nil
}

func buildXor(c *compiler, k *call) (Evaluator, error) {
	t := truths(k)
	return &xorEval{t[0], t[1]}, nil
}

func buildNot(c *compiler, k *call) (Evaluator, error) {
	return &notEval{truths(k)[0]}, nil
}

type isNullEval struct {
	x   Evaluator
	not bool
}

func (e *isNullEval) Eval(b *types.Batch, row int) types.Value {
	return boolv(e.x.Eval(b, row).Null != e.not)
}

func buildIsNull(c *compiler, k *call) (Evaluator, error) {
	return &isNullEval{x: k.args[0], not: k.name == "is_not_null"}, nil
}

type isBoolEval struct {
	a    truthEval
	want int
}

func (e *isBoolEval) Eval(b *types.Batch, row int) types.Value {
	return boolv(e.a.eval(b, row) == e.want)
}

func buildIsBool(c *compiler, k *call) (Evaluator, error) {
	want := 1
	if k.name == "is_false" {
		want = 0
	}
	return &isBoolEval{a: truths(k)[0], want: want}, nil
}
