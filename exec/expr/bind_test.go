package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// A tiny binder for the tests: sql.Expr → planner.Expr over a list of
// (table, column) names. The real binder is the planner's; this one exists
// so the kernels can be tested from SQL text and against the conformance
// corpus without depending on it.

type bcol struct {
	table, name string
	kind        types.Kind
}

type binder struct {
	cols []bcol
	env  *Env
}

func (bd *binder) column(ref *sql.ColumnRef) (planner.Expr, error) {
	found := -1
	for i, c := range bd.cols {
		if !strings.EqualFold(c.name, ref.Name) {
			continue
		}
		if ref.Table != "" && !strings.EqualFold(c.table, ref.Table) {
			continue
		}
		if found >= 0 {
			return nil, fmt.Errorf("%w: column %s is ambiguous", planner.ErrUnknown, ref.Name)
		}
		found = i
	}
	if found < 0 {
		return nil, fmt.Errorf("%w: column %s", planner.ErrUnknown, ref)
	}
	c := bd.cols[found]
	return &planner.ColRef{Index: found, Name: c.name, T: c.kind}, nil
}

var binOpNames = map[sql.BinaryOp]string{
	sql.OpOr: "or", sql.OpXor: "xor", sql.OpAnd: "and", sql.OpEQ: "=", sql.OpNullEQ: "<=>",
	sql.OpNE: "!=", sql.OpLT: "<", sql.OpLE: "<=", sql.OpGT: ">", sql.OpGE: ">=",
	sql.OpBitOr: "|", sql.OpBitAnd: "&", sql.OpBitXor: "^", sql.OpShl: "<<", sql.OpShr: ">>",
	sql.OpAdd: "+", sql.OpSub: "-", sql.OpMul: "*", sql.OpDiv: "/", sql.OpIntDiv: "div", sql.OpMod: "%",
}

func (bd *binder) bind(e sql.Expr) (planner.Expr, error) {
	switch e := e.(type) {
	case *sql.Literal:
		switch e.Kind {
		case sql.LitNull:
			return &planner.Const{V: types.NullOf(types.Null)}, nil
		case sql.LitBool:
			return &planner.Const{V: types.BoolValue(e.Bool)}, nil
		case sql.LitInt:
			if e.Int >= math.MinInt32 && e.Int <= math.MaxInt32 {
				return &planner.Const{V: types.Int32Value(int32(e.Int))}, nil
			}
			return &planner.Const{V: types.Int64Value(e.Int)}, nil
		case sql.LitFloat:
			return &planner.Const{V: types.DoubleValue(e.Float)}, nil
		case sql.LitString:
			return &planner.Const{V: types.StringValue(e.Str)}, nil
		}
		return nil, fmt.Errorf("%w: literal %s", planner.ErrUnsupported, e)
	case *sql.ColumnRef:
		return bd.column(e)
	case *sql.Unary:
		x, err := bd.bind(e.X)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case sql.OpNeg:
			return bd.call("neg", x)
		case sql.OpNot:
			return bd.call("not", x)
		case sql.OpBitNot:
			return bd.call("~", x)
		}
		return x, nil
	case *sql.Binary:
		l, err := bd.bind(e.L)
		if err != nil {
			return nil, err
		}
		r, err := bd.bind(e.R)
		if err != nil {
			return nil, err
		}
		return bd.call(binOpNames[e.Op], l, r)
	case *sql.IsNull:
		x, err := bd.bind(e.X)
		if err != nil {
			return nil, err
		}
		if e.Not {
			return bd.call("is_not_null", x)
		}
		return bd.call("is_null", x)
	case *sql.IsBool:
		x, err := bd.bind(e.X)
		if err != nil {
			return nil, err
		}
		name := "is_true"
		if !e.Value {
			name = "is_false"
		}
		return bd.not(e.Not)(bd.call(name, x))
	case *sql.In:
		if e.Query != nil {
			return nil, fmt.Errorf("%w: IN (subquery)", planner.ErrUnsupported)
		}
		args, err := bd.binds(append([]sql.Expr{e.X}, e.List...))
		if err != nil {
			return nil, err
		}
		return bd.not(e.Not)(bd.call("in", args...))
	case *sql.Between:
		args, err := bd.binds([]sql.Expr{e.X, e.Lo, e.Hi})
		if err != nil {
			return nil, err
		}
		return bd.not(e.Not)(bd.call("between", args...))
	case *sql.Like:
		args, err := bd.binds([]sql.Expr{e.X, e.Pattern})
		if err != nil {
			return nil, err
		}
		name := map[sql.LikeOp]string{sql.OpLike: "like", sql.OpILike: "ilike", sql.OpRLike: "rlike"}[e.Op]
		switch e.Escape {
		case "": // default: backslash
		case "\x00": // ESCAPE '': no escape character
			args = append(args, &planner.Const{V: types.StringValue("")})
		default:
			args = append(args, &planner.Const{V: types.StringValue(e.Escape)})
		}
		return bd.not(e.Not)(bd.call(name, args...))
	case *sql.Case:
		return bd.caseExpr(e)
	case *sql.Cast:
		x, err := bd.bind(e.X)
		if err != nil {
			return nil, err
		}
		if e.Type == types.Invalid || !planner.CanCast(x.Kind(), e.Type) {
			return nil, fmt.Errorf("%w: cannot cast %s to %s", planner.ErrType, x.Kind(), e.Type)
		}
		return bd.fold(&planner.Cast{X: x, T: e.Type}), nil
	case *sql.Call:
		if e.Over != nil || e.Distinct {
			return nil, fmt.Errorf("%w: window or DISTINCT call %s", planner.ErrUnsupported, e.Name)
		}
		args, err := bd.binds(e.Args)
		if err != nil {
			return nil, err
		}
		return bd.call(e.Name, args...)
	}
	return nil, fmt.Errorf("%w: expression %T", planner.ErrUnsupported, e)
}

func (bd *binder) binds(es []sql.Expr) ([]planner.Expr, error) {
	out := make([]planner.Expr, len(es))
	for i, e := range es {
		b, err := bd.bind(e)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (bd *binder) not(wrap bool) func(planner.Expr, error) (planner.Expr, error) {
	return func(e planner.Expr, err error) (planner.Expr, error) {
		if err != nil || !wrap {
			return e, err
		}
		return bd.call("not", e)
	}
}

// fold replaces a constant expression by its value.
func (bd *binder) fold(e planner.Expr) planner.Expr {
	if _, ok := e.(*planner.Const); ok {
		return e
	}
	if v, ok := Fold(e, bd.env); ok {
		if v.Null && v.Kind != e.Kind() {
			v = types.NullOf(e.Kind())
		}
		return &planner.Const{V: v}
	}
	return e
}

// call resolves a function and inserts the implicit casts it asks for.
func (bd *binder) call(name string, args ...planner.Expr) (planner.Expr, error) {
	sig, ok := planner.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: function %s", planner.ErrUnknown, name)
	}
	if sig.Aggregate {
		return nil, fmt.Errorf("%w: aggregate %s", planner.ErrUnsupported, name)
	}
	pargs := make([]planner.Arg, len(args))
	for i, a := range args {
		pargs[i] = planner.Arg{Kind: a.Kind()}
		if c, ok := a.(*planner.Const); ok {
			pargs[i].Const, pargs[i].Value = true, c.V
		}
	}
	res, err := sig.Resolve(pargs)
	if err != nil {
		return nil, err
	}
	cast := make([]planner.Expr, len(args))
	for i, a := range args {
		cast[i] = a
		if to := res.ArgKinds[i]; to != a.Kind() {
			cast[i] = bd.fold(&planner.Cast{X: a, T: to})
		}
	}
	return bd.fold(&planner.Call{Name: name, Args: cast, T: res.Result}), nil
}

func (bd *binder) caseExpr(e *sql.Case) (planner.Expr, error) {
	var operand planner.Expr
	if e.Operand != nil {
		var err error
		if operand, err = bd.bind(e.Operand); err != nil {
			return nil, err
		}
	}
	out := &planner.Case{}
	var kinds []types.Kind
	for _, w := range e.Whens {
		cond, err := bd.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = bd.call("=", operand, cond); err != nil {
				return nil, err
			}
		}
		then, err := bd.bind(w.Result)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, planner.When{Cond: cond, Then: then})
		kinds = append(kinds, then.Kind())
	}
	if e.Else != nil {
		el, err := bd.bind(e.Else)
		if err != nil {
			return nil, err
		}
		out.Else = el
		kinds = append(kinds, el.Kind())
	}
	t, ok := planner.CommonType(kinds...)
	if !ok {
		return nil, fmt.Errorf("%w: CASE branches of kinds %v have no common type", planner.ErrType, kinds)
	}
	out.T = t
	return out, nil
}
