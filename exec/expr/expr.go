package expr

import (
	"fmt"
	"time"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/types"
)

// Env is what evaluation depends on besides the row: the engine's time zone
// (SEMANTICS §6; nil means UTC).
type Env struct {
	Loc *time.Location
}

func (e *Env) loc() *time.Location {
	if e == nil || e.Loc == nil {
		return time.UTC
	}
	return e.Loc
}

// Evaluator computes a compiled expression for one row of a batch. It is
// safe for concurrent use: evaluators hold no per-row state.
type Evaluator interface {
	Eval(b *types.Batch, row int) types.Value
}

// Compile turns a bound expression into an evaluator. It fails when a call
// names an unknown or aggregate function or its arguments do not type.
func Compile(e planner.Expr, env *Env) (Evaluator, error) {
	c := &compiler{loc: env.loc()}
	return c.compile(e)
}

// MustCompile is Compile that panics on error, for tests and static tables.
func MustCompile(e planner.Expr, env *Env) Evaluator {
	ev, err := Compile(e, env)
	if err != nil {
		panic(err)
	}
	return ev
}

// Fold evaluates an expression that reads no column (constant folding).
// ok is false when e reads a column or does not compile.
func Fold(e planner.Expr, env *Env) (v types.Value, ok bool) {
	hasCol := false
	planner.Walk(e, func(x planner.Expr) bool {
		if _, isCol := x.(*planner.ColRef); isCol {
			hasCol = true
		}
		return !hasCol
	})
	if hasCol {
		return types.Value{}, false
	}
	ev, err := Compile(e, env)
	if err != nil {
		return types.Value{}, false
	}
	return ev.Eval(nil, 0), true
}

type compiler struct {
	loc *time.Location
}

func (c *compiler) compile(e planner.Expr) (Evaluator, error) {
	switch e := e.(type) {
	case *planner.ColRef:
		return compileColRef(e)
	case *planner.Const:
		v := e.V
		if v.Null {
			v = types.NullOf(v.Kind)
		}
		return constEval{v}, nil
	case *planner.Cast:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		from := e.X.Kind()
		if !planner.CanCast(from, e.T) {
			return nil, plannerErr(planner.ErrType, "cannot cast %s to %s in %s", from, e.T, e)
		}
		return c.cast(x, from, e.T), nil
	case *planner.Call:
		return c.compileCall(e)
	case *planner.Case:
		return c.compileCase(e)
	case nil:
		return nil, fmt.Errorf("expr: nil expression")
	}
	return nil, fmt.Errorf("expr: unsupported expression %T", e)
}

// compileCall resolves the call's signature against its (compiled) arguments,
// casts them as the signature asks, and builds the kernel.
func (c *compiler) compileCall(e *planner.Call) (Evaluator, error) {
	sig, ok := planner.Lookup(e.Name)
	if !ok {
		return nil, plannerErr(planner.ErrUnknown, "unknown function %s", e.Name)
	}
	if sig.Aggregate {
		return nil, plannerErr(planner.ErrUnsupported, "aggregate function %s outside a window or GROUP BY", e.Name)
	}
	b, ok := builders[sig.Name]
	if !ok {
		return nil, plannerErr(planner.ErrUnsupported, "scalar function %s has no kernel", sig.Name)
	}
	args := make([]Evaluator, len(e.Args))
	pargs := make([]planner.Arg, len(e.Args))
	for i, a := range e.Args {
		ev, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = ev
		pargs[i] = planner.Arg{Kind: a.Kind()}
		if k, isConst := a.(*planner.Const); isConst {
			pargs[i].Const, pargs[i].Value = true, k.V
		}
	}
	res, err := sig.Resolve(pargs)
	if err != nil {
		return nil, err
	}
	if len(res.ArgKinds) != len(args) {
		return nil, fmt.Errorf("expr: signature of %s resolved %d argument kinds for %d arguments", sig.Name, len(res.ArgKinds), len(args))
	}
	for i := range args {
		if to := res.ArgKinds[i]; to != pargs[i].Kind {
			args[i] = c.cast(args[i], pargs[i].Kind, to)
			if pargs[i].Const {
				pargs[i].Value = args[i].Eval(nil, 0)
			}
			pargs[i].Kind = to
		}
	}
	ev, err := b(c, &call{name: sig.Name, args: args, in: res.ArgKinds, out: res.Result, consts: pargs})
	if err != nil {
		return nil, err
	}
	if e.T != types.Invalid && e.T != res.Result {
		if !planner.CanCast(res.Result, e.T) {
			return nil, plannerErr(planner.ErrType, "%s returns %s, not %s", e, res.Result, e.T)
		}
		ev = c.cast(ev, res.Result, e.T)
	}
	return ev, nil
}

// call is what a kernel builder gets: the arguments already cast to the
// kinds the signature resolved (in), the result kind, and the constant
// arguments (consts[i].Const) for kernels that precompute from them.
type call struct {
	name   string
	args   []Evaluator
	in     []types.Kind
	out    types.Kind
	consts []planner.Arg
}

// constString returns argument i when it is a non-NULL constant string.
func (k *call) constString(i int) (string, bool) {
	a := k.consts[i]
	if !a.Const || a.Value.Null || a.Value.Kind != types.String {
		return "", false
	}
	return a.Value.S, true
}

type builder func(c *compiler, k *call) (Evaluator, error)

// builders maps a canonical function name to its kernel builder; the kernel
// files add to it in their init functions.
var builders = map[string]builder{}

func register(b builder, names ...string) {
	for _, n := range names {
		if _, dup := builders[n]; dup {
			panic("expr: kernel registered twice: " + n)
		}
		builders[n] = b
	}
}

func (c *compiler) compileCase(e *planner.Case) (Evaluator, error) {
	ce := &caseEval{t: e.T, whens: make([]caseWhen, len(e.Whens))}
	for i, w := range e.Whens {
		cond, err := c.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		ck := w.Cond.Kind()
		if ck != types.Null && !isValueKind(ck) {
			return nil, plannerErr(planner.ErrType, "CASE condition %s has kind %s", w.Cond, ck)
		}
		then, err := c.compile(w.Then)
		if err != nil {
			return nil, err
		}
		if then, err = c.castTo(then, w.Then.Kind(), e.T, w.Then); err != nil {
			return nil, err
		}
		ce.whens[i] = caseWhen{cond: cond, truth: truthOf(ck), then: then}
	}
	if e.Else != nil {
		el, err := c.compile(e.Else)
		if err != nil {
			return nil, err
		}
		if el, err = c.castTo(el, e.Else.Kind(), e.T, e.Else); err != nil {
			return nil, err
		}
		ce.els = el
	}
	return ce, nil
}

// castTo casts x (of kind from) to the kind t of the enclosing expression.
func (c *compiler) castTo(x Evaluator, from, t types.Kind, e planner.Expr) (Evaluator, error) {
	if from == t || t == types.Invalid {
		return x, nil
	}
	if !planner.CanCast(from, t) {
		return nil, plannerErr(planner.ErrType, "%s of kind %s cannot be cast to %s", e, from, t)
	}
	return c.cast(x, from, t), nil
}

// plannerErr builds an error in the planner's style: the message alone,
// matching the sentinel kind with errors.Is.
func plannerErr(kind error, format string, args ...any) error {
	return &planner.Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func isValueKind(k types.Kind) bool { return k >= types.Bool && k <= types.Date }

// ---------------------------------------------------------------------------
// Leaves

type constEval struct{ v types.Value }

func (e constEval) Eval(*types.Batch, int) types.Value { return e.v }

func compileColRef(e *planner.ColRef) (Evaluator, error) {
	if e.Index < 0 {
		return nil, fmt.Errorf("expr: column %s has no index", e)
	}
	switch e.T {
	case types.Float, types.Double:
		return colF{e.Index, e.T}, nil
	case types.String:
		return colS{e.Index}, nil
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Timestamp, types.Date:
		return colI{e.Index, e.T}, nil
	}
	return colAny{e.Index}, nil
}

type colI struct {
	idx  int
	kind types.Kind
}

func (e colI) Eval(b *types.Batch, row int) types.Value {
	c := b.Cols[e.idx]
	if c.Nulls != nil && c.Nulls[row] {
		return types.Value{Kind: e.kind, Null: true}
	}
	return types.Value{Kind: e.kind, I: c.I[row]}
}

type colF struct {
	idx  int
	kind types.Kind
}

func (e colF) Eval(b *types.Batch, row int) types.Value {
	c := b.Cols[e.idx]
	if c.Nulls != nil && c.Nulls[row] {
		return types.Value{Kind: e.kind, Null: true}
	}
	return types.Value{Kind: e.kind, F: c.F[row]}
}

type colS struct{ idx int }

func (e colS) Eval(b *types.Batch, row int) types.Value {
	c := b.Cols[e.idx]
	if c.Nulls != nil && c.Nulls[row] {
		return types.Value{Kind: types.String, Null: true}
	}
	return types.Value{Kind: types.String, S: c.S[row]}
}

type colAny struct{ idx int }

func (e colAny) Eval(b *types.Batch, row int) types.Value { return b.Cols[e.idx].Value(row) }

// ---------------------------------------------------------------------------
// Generic kernel shapes. Each applies NULL-in-NULL-out and calls a typed
// function chosen at compile time.

// unary: f on a non-NULL argument; f may return a NULL.
type unaryEval struct {
	x   Evaluator
	out types.Kind
	f   func(types.Value) types.Value
}

func (e *unaryEval) Eval(b *types.Batch, row int) types.Value {
	v := e.x.Eval(b, row)
	if v.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	return e.f(v)
}

// binaryEval: f on two non-NULL arguments; f may return a NULL.
type binaryEval struct {
	a, b Evaluator
	out  types.Kind
	f    func(a, b types.Value) types.Value
}

func (e *binaryEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.Eval(b, row)
	if x.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	y := e.b.Eval(b, row)
	if y.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	return e.f(x, y)
}

// ternaryEval: f on three non-NULL arguments; f may return a NULL.
type ternaryEval struct {
	a, b, c Evaluator
	out     types.Kind
	f       func(a, b, c types.Value) types.Value
}

func (e *ternaryEval) Eval(b *types.Batch, row int) types.Value {
	x := e.a.Eval(b, row)
	if x.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	y := e.b.Eval(b, row)
	if y.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	z := e.c.Eval(b, row)
	if z.Null {
		return types.Value{Kind: e.out, Null: true}
	}
	return e.f(x, y, z)
}

func nullv(k types.Kind) types.Value { return types.Value{Kind: k, Null: true} }

func boolv(b bool) types.Value {
	if b {
		return types.Value{Kind: types.Bool, I: 1}
	}
	return types.Value{Kind: types.Bool}
}

// ---------------------------------------------------------------------------
// CASE

type caseWhen struct {
	cond  Evaluator
	truth func(types.Value) bool
	then  Evaluator
}

type caseEval struct {
	whens []caseWhen
	els   Evaluator
	t     types.Kind
}

func (e *caseEval) Eval(b *types.Batch, row int) types.Value {
	for i := range e.whens {
		w := &e.whens[i]
		c := w.cond.Eval(b, row)
		if !c.Null && w.truth(c) {
			return w.then.Eval(b, row)
		}
	}
	if e.els != nil {
		return e.els.Eval(b, row)
	}
	return nullv(e.t)
}
