package planner

import (
	"strconv"
	"strings"

	"github.com/sundialdb/sundial/types"
)

// Expr is a bound scalar expression: every name resolved, every node typed.
// The planner produces it from sql.Expr; exec/expr compiles it once into an
// evaluator that both the batch and the online executor run.
//
// Operators are Calls of registered functions (see sig_scalar.go for the
// names: "+", "=", "and", "like", "in", ...). Implicit casts are explicit
// Cast nodes: the planner wraps argument i of a Call in a Cast when the
// signature's Resolved.ArgKinds[i] differs from the argument's kind.
type Expr interface {
	// Kind is the type of the expression's value (types.Null for an untyped NULL).
	Kind() types.Kind
	// String renders the expression for plans and error messages.
	String() string
}

// ColRef reads column Index of the input batch.
type ColRef struct {
	Index int
	Name  string
	T     types.Kind
}

// Const is a constant (possibly a NULL of some kind).
type Const struct {
	V types.Value
}

// Cast converts X to kind T (CAST(x AS t), and implicit casts).
type Cast struct {
	X Expr
	T types.Kind
}

// Call applies a registered scalar function or operator to Args; T is the
// result kind its signature resolved.
type Call struct {
	Name string
	Args []Expr
	T    types.Kind
}

// Case is a searched CASE: the Then of the first When whose Cond is true,
// else Else (nil means NULL). The planner desugars the simple form
// (CASE x WHEN v ...) into Cond = Call{"=", x, v}.
type Case struct {
	Whens []When
	Else  Expr
	T     types.Kind
}

// When is one WHEN cond THEN value of a Case.
type When struct {
	Cond, Then Expr
}

// Kind implements Expr.
func (e *ColRef) Kind() types.Kind { return e.T }

// Kind implements Expr.
func (e *Const) Kind() types.Kind { return e.V.Kind }

// Kind implements Expr.
func (e *Cast) Kind() types.Kind { return e.T }

// Kind implements Expr.
func (e *Call) Kind() types.Kind { return e.T }

// Kind implements Expr.
func (e *Case) Kind() types.Kind { return e.T }

func (e *ColRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return "#" + strconv.Itoa(e.Index)
}

func (e *Const) String() string {
	v := e.V
	switch {
	case v.Null:
		if v.Kind == types.Null || v.Kind == types.Invalid {
			return "NULL"
		}
		return "CAST(NULL AS " + v.Kind.String() + ")"
	case v.Kind == types.String:
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'"
	case v.Kind == types.Int64 && v.I >= -1<<31 && v.I < 1<<31:
		return v.String() + "L"
	case v.Kind == types.Int16 || v.Kind == types.Float || v.Kind == types.Timestamp || v.Kind == types.Date:
		return v.Kind.String() + "(" + v.String() + ")"
	}
	return v.String()
}

func (e *Cast) String() string {
	return "CAST(" + e.X.String() + " AS " + e.T.String() + ")"
}

// binaryOps are the Call names printed infix.
var binaryOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "div": true,
	"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "<=>": true,
	"and": true, "or": true, "xor": true, "&": true, "|": true, "^": true, "<<": true, ">>": true,
}

func (e *Call) String() string {
	var b strings.Builder
	switch {
	case binaryOps[e.Name] && len(e.Args) == 2:
		b.WriteString("(")
		b.WriteString(e.Args[0].String())
		b.WriteString(" ")
		b.WriteString(strings.ToUpper(e.Name))
		b.WriteString(" ")
		b.WriteString(e.Args[1].String())
		b.WriteString(")")
		return b.String()
	case e.Name == "neg" && len(e.Args) == 1:
		return "(-" + e.Args[0].String() + ")"
	case e.Name == "~" && len(e.Args) == 1:
		return "(~" + e.Args[0].String() + ")"
	case e.Name == "not" && len(e.Args) == 1:
		return "(NOT " + e.Args[0].String() + ")"
	}
	b.WriteString(e.Name)
	b.WriteString("(")
	for i, a := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteString(")")
	return b.String()
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN ")
		b.WriteString(w.Cond.String())
		b.WriteString(" THEN ")
		b.WriteString(w.Then.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE ")
		b.WriteString(e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

// Walk calls fn for e and, depth first, every expression below it, until fn
// returns false for a node (its children are then skipped).
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Cast:
		Walk(e.X, fn)
	case *Call:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	case *Case:
		for _, w := range e.Whens {
			Walk(w.Cond, fn)
			Walk(w.Then, fn)
		}
		Walk(e.Else, fn)
	}
}
