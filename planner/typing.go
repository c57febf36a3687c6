package planner

import (
	"errors"
	"fmt"

	"github.com/sundialdb/sundial/types"
)

// Sentinel errors of the planner; callers test them with errors.Is and the
// server maps them to HTTP status codes.
var (
	// ErrType: an expression's types do not fit (wrong argument kind, no implicit cast).
	ErrType = errors.New("planner: type error")
	// ErrUnknown: a name (database, table, column, window, function) does not resolve.
	ErrUnknown = errors.New("planner: unknown name")
	// ErrUnsupported: valid SQL that Sundial does not execute (in this mode).
	ErrUnsupported = errors.New("planner: not supported")
	// ErrExists: a database, table, index or deployment that is being created exists already.
	ErrExists = errors.New("planner: already exists")
)

// Error is a planner error: it prints as its message alone and matches its
// sentinel (ErrType, ErrUnknown, ...) with errors.Is.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf builds an *Error of the given kind.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// ArgError reports a problem with argument i (0-based) of function fn.
func ArgError(fn string, i int, format string, args ...any) error {
	return errorf(ErrType, "argument %d of %s: %s", i+1, fn, fmt.Sprintf(format, args...))
}

// numericRank orders the numeric kinds for implicit widening, as OpenMLDB
// does: smallint < int < bigint < float < double.
var numericRank = map[types.Kind]int{types.Bool: 0, types.Int16: 1, types.Int32: 2, types.Int64: 3, types.Float: 4, types.Double: 5}

// Widen returns the kind both a and b widen to for arithmetic and comparison
// (bool counts as the narrowest integer). ok is false when either is not numeric.
func Widen(a, b types.Kind) (k types.Kind, ok bool) {
	ra, oka := numericRank[a]
	rb, okb := numericRank[b]
	if !oka || !okb {
		return types.Invalid, false
	}
	if ra < rb {
		return b, true
	}
	return a, true
}

// IsNumeric reports whether k takes part in arithmetic (bool included, as in OpenMLDB).
func IsNumeric(k types.Kind) bool {
	_, ok := numericRank[k]
	return ok
}

// Same returns a Resolved that casts no argument.
func Same(result types.Kind, args []Arg) Resolved {
	ks := make([]types.Kind, len(args))
	for i, a := range args {
		ks[i] = a.Kind
	}
	return Resolved{Result: result, ArgKinds: ks}
}
