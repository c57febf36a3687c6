package planner

import (
	"fmt"
	"strings"

	"github.com/sundialdb/sundial/types"
)

// This file declares every scalar function and operator Sundial executes
// (the kernels live in exec/expr), and the typing rules they share: which
// casts are allowed (CanCast), how operands of arithmetic and comparison are
// widened (NumberType), and which type the branches of CASE/ifnull/coalesce
// unify to (CommonType). The rules follow OpenMLDB (hybridse):
//
//   - bool counts as the narrowest integer in arithmetic (true + 1 = 2);
//   - arithmetic widens to the "safe cast" target of the two operands, and an
//     integer meets a float/double as that float type (bigint + float is float);
//   - "/" is always double; DIV takes integers only; bitwise operators take
//     smallint/int/bigint only;
//   - a comparison with a string compares as strings (the other side is cast
//     to string); numbers compare as numbers; other kinds only with their own
//     kind (timestamp = bigint is a type error, as in OpenMLDB);
//   - and/or/xor/not accept any kind and test its truth (non-zero number,
//     non-empty string, non-zero timestamp, any date);
//   - an untyped NULL takes the kind of the other operand.

// CanCast reports whether CAST(x AS to) is accepted for an x of kind from.
// Numbers, strings, timestamps and dates cast to every number and to bool
// (a date gives NULL); everything casts to string; numbers, strings and
// dates cast to timestamp; only strings and timestamps cast to date.
func CanCast(from, to types.Kind) bool {
	if from == to || from == types.Null {
		return isBase(to)
	}
	if !isBase(from) {
		return false
	}
	switch to {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double:
		return true
	case types.String:
		return true
	case types.Timestamp:
		return from != types.Timestamp
	case types.Date:
		return from == types.String || from == types.Timestamp
	}
	return false
}

// isBase reports whether k is one of the value kinds (not Invalid, not Null).
func isBase(k types.Kind) bool { return k >= types.Bool && k <= types.Date }

// isNumber: bool, integers, float, double (OpenMLDB's IsNumber).
func isNumber(k types.Kind) bool { return k >= types.Bool && k <= types.Double }

// isInteger: bool and the integers (OpenMLDB's IsInteger).
func isInteger(k types.Kind) bool { return k >= types.Bool && k <= types.Int64 }

// isIntegral: smallint, int, bigint (OpenMLDB's IsIntegral; no bool).
func isIntegral(k types.Kind) bool { return k.IsInteger() }

// isSafeCast is OpenMLDB's lossless implicit conversion.
func isSafeCast(from, to types.Kind) bool {
	if from == to {
		return true
	}
	switch to {
	case types.Int16:
		return from == types.Bool
	case types.Int32:
		return from == types.Bool || from == types.Int16
	case types.Int64:
		return isInteger(from)
	case types.Float:
		return from == types.Bool
	case types.Double:
		return from == types.Bool || from == types.Float
	case types.Timestamp:
		return isIntegral(from)
	}
	return false
}

// NumberType returns the kind two numeric operands are converted to before an
// arithmetic or comparison operator: the safe-cast target of one to the
// other, else the floating one (an integer meets a float as float).
func NumberType(a, b types.Kind) (types.Kind, bool) {
	if !isNumber(a) || !isNumber(b) {
		return types.Invalid, false
	}
	switch {
	case isSafeCast(a, b):
		return b, true
	case isSafeCast(b, a):
		return a, true
	case b == types.Float || b == types.Double:
		return b, true
	case a == types.Float || a == types.Double:
		return a, true
	}
	return types.Invalid, false
}

// CommonType returns the kind the values of several branches (CASE THEN/ELSE,
// ifnull, nvl2, coalesce, if) unify to: NULLs take the others' kind, a string
// absorbs everything, numbers widen (integers to the widest integer, with
// float to float unless a bigint or double is involved, then double), and
// other kinds must agree. ok is false when they do not unify.
func CommonType(kinds ...types.Kind) (types.Kind, bool) {
	res := types.Null
	for _, k := range kinds {
		if k == types.Null {
			continue
		}
		if !isBase(k) {
			return types.Invalid, false
		}
		if res == types.Null {
			res = k
			continue
		}
		switch {
		case res == k:
		case res == types.String || k == types.String:
			res = types.String
		case isNumber(res) && isNumber(k):
			res = numberSuper(res, k)
		default:
			return types.Invalid, false
		}
	}
	return res, true
}

func numberSuper(a, b types.Kind) types.Kind {
	if isInteger(a) && isInteger(b) {
		if a > b {
			return a
		}
		return b
	}
	if a == types.Double || b == types.Double || a == types.Int64 || b == types.Int64 {
		return types.Double
	}
	return types.Float
}

// ---------------------------------------------------------------------------
// Helpers for Resolve functions.

func arity(fn string, args []Arg, lo, hi int) error {
	n := len(args)
	if n >= lo && (hi < 0 || n <= hi) {
		return nil
	}
	want := fmt.Sprintf("%d", lo)
	switch {
	case hi < 0:
		want = fmt.Sprintf("at least %d", lo)
	case hi != lo:
		want = fmt.Sprintf("%d to %d", lo, hi)
	}
	return errorf(ErrType, "%s takes %s argument(s), got %d", fn, want, n)
}

func kindsOf(args []Arg) []types.Kind {
	ks := make([]types.Kind, len(args))
	for i, a := range args {
		ks[i] = a.Kind
	}
	return ks
}

func kindList(ks ...types.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

// conv says, for one argument kind, which kind the argument is cast to and
// which kind the function returns.
type conv struct{ in, out types.Kind }

// unary registers a one-argument function whose typing is a table from the
// argument kind. A NULL literal argument is treated as nullKind.
func unary(name, doc string, table map[types.Kind]conv, nullKind types.Kind) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 1, 1); err != nil {
			return Resolved{}, err
		}
		k := args[0].Kind
		if k == types.Null {
			k = nullKind
		}
		c, ok := table[k]
		if !ok {
			return Resolved{}, ArgError(name, 0, "%s is not supported (want %s)", args[0].Kind, tableKinds(table))
		}
		return Resolved{Result: c.out, ArgKinds: []types.Kind{c.in}}, nil
	}}
}

func tableKinds(t map[types.Kind]conv) string {
	var ks []types.Kind
	for k := types.Bool; k <= types.Date; k++ {
		if _, ok := t[k]; ok {
			ks = append(ks, k)
		}
	}
	return kindList(ks...)
}

// fixed registers a function taking the given parameter kinds; arguments
// are cast to them when accepts allows it (NULL literals always).
func fixed(name, doc string, result types.Kind, params ...types.Kind) *Signature {
	return fixedRange(name, doc, result, len(params), params...)
}

// fixedRange is fixed with trailing optional parameters: at least min arguments.
func fixedRange(name, doc string, result types.Kind, min int, params ...types.Kind) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, min, len(params)); err != nil {
			return Resolved{}, err
		}
		ks := make([]types.Kind, len(args))
		for i, a := range args {
			p := params[i]
			if !accepts(p, a.Kind) {
				return Resolved{}, ArgError(name, i, "must be %s, got %s", paramName(p), a.Kind)
			}
			ks[i] = p
		}
		return Resolved{Result: result, ArgKinds: ks}, nil
	}}
}

// accepts reports whether an argument of kind k may be passed (with an
// implicit cast) for a parameter of kind p: NULL always; integers for
// integer parameters (bigint parameters take any integer); a string only for
// a string.
func accepts(p, k types.Kind) bool {
	if k == p || k == types.Null {
		return true
	}
	switch p {
	case types.Int64, types.Int32:
		return isInteger(k)
	case types.Double:
		return isNumber(k)
	}
	return false
}

func paramName(p types.Kind) string {
	switch p {
	case types.Int64, types.Int32:
		return "an integer"
	case types.Double:
		return "a number"
	}
	return "a " + p.String()
}

func constString(a Arg) (string, bool) {
	if !a.Const || a.Value.Null || a.Value.Kind != types.String {
		return "", false
	}
	return a.Value.S, true
}

// ---------------------------------------------------------------------------
// Operators

func arith(name string) *Signature {
	return &Signature{Name: name, Doc: "arithmetic operator " + name, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 2); err != nil {
			return Resolved{}, err
		}
		l, r := args[0].Kind, args[1].Kind
		timeOK := name == "+" || name == "-"
		for i, k := range []types.Kind{l, r} {
			if k != types.Null && !isNumber(k) && !(timeOK && k == types.Timestamp) {
				return Resolved{}, ArgError(name, i, "%s is not a number (operands: %s)", k, kindList(l, r))
			}
		}
		switch {
		case l == types.Null && r == types.Null:
			return Resolved{Result: types.Null, ArgKinds: []types.Kind{l, r}}, nil
		case l == types.Null:
			return Resolved{Result: r, ArgKinds: []types.Kind{r, r}}, nil
		case r == types.Null:
			return Resolved{Result: l, ArgKinds: []types.Kind{l, l}}, nil
		case name == "+" && l == types.Timestamp && r == types.Timestamp:
			return Resolved{Result: types.Timestamp, ArgKinds: []types.Kind{l, r}}, nil
		case l == types.Timestamp && isInteger(r):
			return Resolved{Result: types.Timestamp, ArgKinds: []types.Kind{l, types.Int64}}, nil
		case name == "+" && isInteger(l) && r == types.Timestamp:
			return Resolved{Result: types.Timestamp, ArgKinds: []types.Kind{types.Int64, r}}, nil
		case l == types.Timestamp || r == types.Timestamp:
			return Resolved{}, errorf(ErrType, "%s of %s and %s is not supported", name, l, r)
		}
		w, _ := NumberType(l, r)
		return Resolved{Result: w, ArgKinds: []types.Kind{w, w}}, nil
	}}
}

func fdiv() *Signature {
	return &Signature{Name: "/", Doc: "division; always double, NULL when dividing by zero", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("/", args, 2, 2); err != nil {
			return Resolved{}, err
		}
		for i, a := range args {
			if a.Kind != types.Null && !isNumber(a.Kind) {
				return Resolved{}, ArgError("/", i, "%s is not a number", a.Kind)
			}
		}
		return Resolved{Result: types.Double, ArgKinds: []types.Kind{types.Double, types.Double}}, nil
	}}
}

// intOp types DIV, the bitwise operators and shifts: integer operands
// (bitwise: no bool) widened to one kind.
func intOp(name, doc string, allowBool bool) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 2); err != nil {
			return Resolved{}, err
		}
		l, r := args[0].Kind, args[1].Kind
		for i, k := range []types.Kind{l, r} {
			ok := k == types.Null || isIntegral(k) || (allowBool && k == types.Bool)
			if !ok {
				return Resolved{}, ArgError(name, i, "%s is not an integer (operands: %s)", k, kindList(l, r))
			}
		}
		switch {
		case l == types.Null && r == types.Null:
			return Resolved{Result: types.Null, ArgKinds: []types.Kind{l, r}}, nil
		case l == types.Null:
			return Resolved{Result: r, ArgKinds: []types.Kind{r, r}}, nil
		case r == types.Null:
			return Resolved{Result: l, ArgKinds: []types.Kind{l, l}}, nil
		}
		w, _ := NumberType(l, r)
		return Resolved{Result: w, ArgKinds: []types.Kind{w, w}}, nil
	}}
}

// CompareType returns the kind two operands of a comparison are both cast to
// (types.Null when either is an untyped NULL: the comparison is then NULL).
func CompareType(l, r types.Kind) (types.Kind, error) {
	switch {
	case !isBase(l) && l != types.Null, !isBase(r) && r != types.Null:
		return types.Invalid, errorf(ErrType, "cannot compare %s with %s", l, r)
	case l == types.Null || r == types.Null:
		return types.Null, nil
	case isNumber(l) && isNumber(r):
		w, _ := NumberType(l, r)
		return w, nil
	case l == types.String || r == types.String:
		return types.String, nil
	case l == r:
		return l, nil
	}
	return types.Invalid, errorf(ErrType, "cannot compare %s with %s", l, r)
}

func compare(name string) *Signature {
	return &Signature{Name: name, Doc: "comparison operator " + name, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 2); err != nil {
			return Resolved{}, err
		}
		l, r := args[0].Kind, args[1].Kind
		k, err := CompareType(l, r)
		if err != nil {
			return Resolved{}, err
		}
		if k == types.Null {
			return Resolved{Result: types.Bool, ArgKinds: []types.Kind{l, r}}, nil
		}
		return Resolved{Result: types.Bool, ArgKinds: []types.Kind{k, k}}, nil
	}}
}

// listCompare types IN and BETWEEN: every operand is cast to one comparison kind.
func listCompare(name, doc string, lo, hi int) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, lo, hi); err != nil {
			return Resolved{}, err
		}
		k := types.Null
		for i, a := range args {
			if a.Kind == types.Null {
				continue
			}
			if k == types.Null {
				k = a.Kind
				if !isBase(k) {
					return Resolved{}, ArgError(name, i, "%s cannot be compared", k)
				}
				continue
			}
			nk, err := CompareType(k, a.Kind)
			if err != nil {
				return Resolved{}, ArgError(name, i, "%s cannot be compared with %s", a.Kind, args[0].Kind)
			}
			k = nk
		}
		ks := make([]types.Kind, len(args))
		for i, a := range args {
			ks[i] = k
			if a.Kind == types.Null {
				ks[i] = types.Null
			}
		}
		return Resolved{Result: types.Bool, ArgKinds: ks}, nil
	}}
}

func logical(name, doc string, n int) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, n, n); err != nil {
			return Resolved{}, err
		}
		for i, a := range args {
			if a.Kind != types.Null && !isBase(a.Kind) {
				return Resolved{}, ArgError(name, i, "%s has no truth value", a.Kind)
			}
		}
		return Same(types.Bool, args), nil
	}}
}

// likeOp types LIKE/ILIKE (x, pattern[, escape]) and their function forms:
// strings; the pattern and the escape may not be untyped NULLs (as in
// OpenMLDB), and a constant escape has at most one character ("" or "\x00"
// disables escaping; the default is a backslash). A NULL escape gives NULL.
func likeOp(name, doc string) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 3); err != nil {
			return Resolved{}, err
		}
		if k := args[0].Kind; k != types.String && k != types.Null {
			return Resolved{}, ArgError(name, 0, "must be a string, got %s", k)
		}
		if k := args[1].Kind; k != types.String {
			return Resolved{}, ArgError(name, 1, "the pattern must be a string, got %s", k)
		}
		if len(args) == 3 {
			if args[2].Kind != types.String {
				return Resolved{}, ArgError(name, 2, "the escape must be a string, got %s", args[2].Kind)
			}
			if esc, ok := constString(args[2]); ok && len(esc) > 1 {
				return Resolved{}, ArgError(name, 2, "the escape %q must be at most one character", esc)
			}
		}
		return Resolved{Result: types.Bool, ArgKinds: []types.Kind{types.String, types.String, types.String}[:len(args)]}, nil
	}}
}

func regexOp(name, doc string) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 3); err != nil {
			return Resolved{}, err
		}
		if k := args[0].Kind; k != types.String && k != types.Null {
			return Resolved{}, ArgError(name, 0, "must be a string, got %s", k)
		}
		if k := args[1].Kind; k != types.String {
			return Resolved{}, ArgError(name, 1, "the pattern must be a string, got %s", k)
		}
		if len(args) == 3 && args[2].Kind != types.String {
			return Resolved{}, ArgError(name, 2, "the flags must be a string, got %s", args[2].Kind)
		}
		return Resolved{Result: types.Bool, ArgKinds: []types.Kind{types.String, types.String, types.String}[:len(args)]}, nil
	}}
}

// ---------------------------------------------------------------------------
// Functions

// castFn registers a type-named cast function: int(x), string(x), ...
func castFn(name string, to types.Kind) *Signature {
	return &Signature{Name: name, Doc: "cast to " + to.String() + " (as CAST(x AS " + to.String() + "))", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 1, 1); err != nil {
			return Resolved{}, err
		}
		if !CanCast(args[0].Kind, to) {
			return Resolved{}, ArgError(name, 0, "%s cannot be cast to %s", args[0].Kind, to)
		}
		return Resolved{Result: to, ArgKinds: []types.Kind{args[0].Kind}}, nil
	}}
}

// common registers a function whose arguments from index first on unify to
// one kind, which is also the result (ifnull, nvl2, coalesce, if).
func common(name, doc string, lo, hi, first int) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, lo, hi); err != nil {
			return Resolved{}, err
		}
		for i, a := range args {
			if a.Kind != types.Null && !isBase(a.Kind) {
				return Resolved{}, ArgError(name, i, "%s is not a value", a.Kind)
			}
		}
		ks := kindsOf(args)
		t, ok := CommonType(ks[first:]...)
		if !ok {
			return Resolved{}, errorf(ErrType, "%s: arguments of kinds %s have no common type", name, kindList(ks[first:]...))
		}
		for i := first; i < len(ks); i++ {
			ks[i] = t
		}
		return Resolved{Result: t, ArgKinds: ks}, nil
	}}
}

// toStrings registers concat-like functions: any kinds, all cast to string.
func toStrings(name, doc string, lo int) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, lo, -1); err != nil {
			return Resolved{}, err
		}
		ks := make([]types.Kind, len(args))
		for i, a := range args {
			if a.Kind != types.Null && !isBase(a.Kind) {
				return Resolved{}, ArgError(name, i, "%s cannot be converted to a string", a.Kind)
			}
			ks[i] = types.String
		}
		return Resolved{Result: types.String, ArgKinds: ks}, nil
	}}
}

// binaryFloat types pow/atan2: float when both are float, else double.
func binaryFloat(name, doc string, bools bool) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 2, 2); err != nil {
			return Resolved{}, err
		}
		for i, a := range args {
			if a.Kind != types.Null && !(isNumber(a.Kind) && (bools || a.Kind != types.Bool)) {
				return Resolved{}, ArgError(name, i, "must be a number, got %s", a.Kind)
			}
		}
		if args[0].Kind == types.Float && args[1].Kind == types.Float {
			return Same(types.Float, args), nil
		}
		return Resolved{Result: types.Double, ArgKinds: []types.Kind{types.Double, types.Double}}, nil
	}}
}

// timePart registers year/month/...: bigint (milliseconds), timestamp and
// (unless noDate) date arguments.
func timePart(name, doc string, result types.Kind, noDate bool) *Signature {
	t := map[types.Kind]conv{
		types.Int64:     {types.Int64, result},
		types.Timestamp: {types.Timestamp, result},
	}
	if !noDate {
		t[types.Date] = conv{types.Date, result}
	}
	return unary(name, doc, t, types.Timestamp)
}

func mathTable(ints, flt, dbl, bl conv, withBool bool) map[types.Kind]conv {
	t := map[types.Kind]conv{types.Int16: ints, types.Int32: ints, types.Int64: ints, types.Float: flt, types.Double: dbl}
	if withBool {
		t[types.Bool] = bl
	}
	return t
}

var (
	dd = conv{types.Double, types.Double}
	ff = conv{types.Float, types.Float}
)

// log registers log(x) and log(base, x).
func logFn() *Signature {
	one := mathTable(dd, ff, dd, dd, true)
	return &Signature{Name: "log", Doc: "log(x): natural logarithm; log(base, x): logarithm of x to base", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("log", args, 1, 2); err != nil {
			return Resolved{}, err
		}
		if len(args) == 1 {
			return unary("log", "", one, types.Double).Resolve(args)
		}
		for i, a := range args {
			if a.Kind != types.Null && !isNumber(a.Kind) {
				return Resolved{}, ArgError("log", i, "must be a number, got %s", a.Kind)
			}
		}
		return Resolved{Result: types.Double, ArgKinds: []types.Kind{types.Double, types.Double}}, nil
	}}
}

// atan registers atan(x) and atan(y, x).
func atanFn() *Signature {
	one := mathTable(dd, ff, dd, dd, false)
	return &Signature{Name: "atan", Doc: "atan(x): arc tangent; atan(y, x): arc tangent of y/x", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("atan", args, 1, 2); err != nil {
			return Resolved{}, err
		}
		if len(args) == 1 {
			return unary("atan", "", one, types.Double).Resolve(args)
		}
		return binaryFloat("atan", "", true).Resolve(args)
	}}
}

func datediffFn() *Signature {
	return &Signature{Name: "datediff", Doc: "datediff(a, b): days from date b to date a (dates, timestamps or 'YYYY-MM-DD' strings)", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("datediff", args, 2, 2); err != nil {
			return Resolved{}, err
		}
		for i, a := range args {
			switch a.Kind {
			case types.Date, types.Timestamp, types.String, types.Null:
			default:
				return Resolved{}, ArgError("datediff", i, "must be a date, timestamp or string, got %s", a.Kind)
			}
		}
		return Resolved{Result: types.Int32, ArgKinds: []types.Kind{types.Date, types.Date}}, nil
	}}
}

func unixTimestampFn() *Signature {
	return &Signature{Name: "unix_timestamp", Doc: "unix_timestamp(x): seconds since the epoch of a timestamp, date or 'YYYY-MM-DD[ HH:MM:SS]' string", Resolve: func(args []Arg) (Resolved, error) {
		if len(args) == 0 {
			return Resolved{}, errorf(ErrUnsupported, "unix_timestamp() without an argument reads the clock, which batch and online would not agree on; pass a timestamp")
		}
		if err := arity("unix_timestamp", args, 1, 1); err != nil {
			return Resolved{}, err
		}
		switch args[0].Kind {
		case types.Timestamp, types.Null:
			return Resolved{Result: types.Int64, ArgKinds: []types.Kind{types.Timestamp}}, nil
		case types.Date, types.String:
			return Resolved{Result: types.Int64, ArgKinds: []types.Kind{args[0].Kind}}, nil
		}
		return Resolved{}, ArgError("unix_timestamp", 0, "must be a timestamp, date or string, got %s", args[0].Kind)
	}}
}

func dateFormatFn() *Signature {
	return &Signature{Name: "date_format", Doc: "date_format(t, fmt): format a timestamp or date with strftime-style %Y-%m-%d %H:%M:%S directives", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("date_format", args, 2, 2); err != nil {
			return Resolved{}, err
		}
		k := args[0].Kind
		switch k {
		case types.Timestamp, types.Date:
		case types.Null:
			k = types.Timestamp
		default:
			return Resolved{}, ArgError("date_format", 0, "must be a timestamp or date, got %s", k)
		}
		if args[1].Kind != types.String && args[1].Kind != types.Null {
			return Resolved{}, ArgError("date_format", 1, "the format must be a string, got %s", args[1].Kind)
		}
		return Resolved{Result: types.String, ArgKinds: []types.Kind{k, types.String}}, nil
	}}
}

func identityFn() *Signature {
	return &Signature{Name: "identity", Doc: "identity(x): x", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("identity", args, 1, 1); err != nil {
			return Resolved{}, err
		}
		return Same(args[0].Kind, args), nil
	}}
}

func negFn() *Signature {
	return &Signature{Name: "neg", Doc: "unary minus (wraps on overflow; -true is true, as in OpenMLDB)", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("neg", args, 1, 1); err != nil {
			return Resolved{}, err
		}
		k := args[0].Kind
		if k != types.Null && !isNumber(k) {
			return Resolved{}, ArgError("-", 0, "%s is not a number", k)
		}
		return Same(k, args), nil
	}}
}

func bitNotFn() *Signature {
	return &Signature{Name: "~", Doc: "bitwise NOT of smallint/int/bigint", Resolve: func(args []Arg) (Resolved, error) {
		if err := arity("~", args, 1, 1); err != nil {
			return Resolved{}, err
		}
		k := args[0].Kind
		if k != types.Null && !isIntegral(k) {
			return Resolved{}, ArgError("~", 0, "%s is not an integer", k)
		}
		return Same(k, args), nil
	}}
}

func anyToBool(name, doc string) *Signature {
	return &Signature{Name: name, Doc: doc, Resolve: func(args []Arg) (Resolved, error) {
		if err := arity(name, args, 1, 1); err != nil {
			return Resolved{}, err
		}
		if k := args[0].Kind; k != types.Null && !isBase(k) {
			return Resolved{}, ArgError(name, 0, "%s is not a value", k)
		}
		return Same(types.Bool, args), nil
	}}
}

func init() {
	S, I16, I32, I64, F, D := types.String, types.Int16, types.Int32, types.Int64, types.Float, types.Double
	sigs := []*Signature{
		// Arithmetic.
		arith("+"), arith("-"), arith("*"), arith("%"), fdiv(),
		intOp("div", "integer division; NULL when dividing by zero", true),
		negFn(),
		// Comparison.
		compare("="), compare("!="), compare("<"), compare("<="), compare(">"), compare(">="), compare("<=>"),
		listCompare("in", "x IN (list): true when x equals an item; NULL when none does and x or an item is NULL", 2, -1),
		listCompare("between", "x BETWEEN lo AND hi (inclusive)", 3, 3),
		// Logic (three-valued).
		logical("and", "logical AND (NULL AND false is false)", 2),
		logical("or", "logical OR (NULL OR true is true)", 2),
		logical("xor", "logical XOR (NULL when either side is NULL)", 2),
		logical("not", "logical NOT", 1),
		anyToBool("is_null", "is_null(x), x IS NULL: true when x is NULL"),
		anyToBool("is_not_null", "x IS NOT NULL"),
		anyToBool("is_true", "x IS TRUE: never NULL"),
		anyToBool("is_false", "x IS FALSE: never NULL"),
		// Bits.
		intOp("&", "bitwise AND of smallint/int/bigint", false),
		intOp("|", "bitwise OR of smallint/int/bigint", false),
		intOp("^", "bitwise XOR of smallint/int/bigint", false),
		intOp("<<", "left shift (0 when shifting by the width or more)", true),
		intOp(">>", "arithmetic right shift", true),
		bitNotFn(),
		// Patterns.
		likeOp("like", "x LIKE pattern [ESCAPE e]: _ one character, % any; backslash escapes by default"),
		likeOp("ilike", "x ILIKE pattern [ESCAPE e]: case-insensitive LIKE (ASCII)"),
		likeOp("like_match", "like_match(x, pattern[, escape]): the LIKE predicate as a function"),
		likeOp("ilike_match", "ilike_match(x, pattern[, escape]): the ILIKE predicate as a function"),
		regexOp("rlike", "x RLIKE pattern: the whole of x matches the RE2 regular expression"),
		regexOp("regexp_like", "regexp_like(x, pattern[, flags]): full RE2 match; flags c (case-sensitive), i, m, s"),

		// Casts by type name.
		castFn("bool", types.Bool), castFn("smallint", I16), castFn("int", I32), castFn("bigint", I64),
		castFn("float", F), castFn("double", D), castFn("string", S), castFn("timestamp", types.Timestamp),
		castFn("date", types.Date),

		// Math.
		unary("abs", "absolute value", map[types.Kind]conv{I16: {I32, I32}, I32: {I32, I32}, I64: {I64, I64}, F: dd, D: dd, types.Bool: dd}, D),
		unary("ceil", "smallest integer not less than x", mathTable(conv{I64, I64}, dd, dd, dd, true), D),
		unary("floor", "largest integer not greater than x", mathTable(conv{I64, I64}, dd, dd, dd, true), D),
		unary("round", "x rounded to the nearest integer, halves away from zero", map[types.Kind]conv{I16: {I32, I32}, I32: {I32, I32}, I64: {I64, I64}, F: ff, D: dd, types.Bool: dd}, D),
		unary("truncate", "x rounded toward zero", map[types.Kind]conv{I16: {I32, I32}, I32: {I32, I32}, I64: {I64, I64}, F: dd, D: dd, types.Bool: dd}, D),
		unary("exp", "e raised to x", mathTable(dd, ff, dd, dd, false), D),
		unary("sqrt", "square root", mathTable(dd, ff, dd, dd, false), D),
		unary("ln", "natural logarithm", mathTable(dd, ff, dd, dd, true), D),
		unary("log2", "base-2 logarithm", mathTable(dd, ff, dd, dd, true), D),
		unary("log10", "base-10 logarithm", mathTable(dd, ff, dd, dd, true), D),
		logFn(),
		binaryFloat("pow", "pow(x, y): x raised to y", true),
		unary("sin", "sine", mathTable(dd, ff, dd, dd, false), D),
		unary("cos", "cosine", mathTable(dd, ff, dd, dd, false), D),
		unary("tan", "tangent", mathTable(dd, ff, dd, dd, false), D),
		unary("cot", "cotangent", mathTable(dd, ff, dd, dd, false), D),
		unary("asin", "arc sine (NaN outside [-1, 1])", mathTable(dd, ff, dd, dd, false), D),
		unary("acos", "arc cosine (NaN outside [-1, 1])", mathTable(dd, ff, dd, dd, false), D),
		atanFn(),
		binaryFloat("atan2", "atan2(y, x): arc tangent of y/x", true),
		unary("radians", "degrees to radians", mathTable(dd, dd, dd, dd, true), D),
		unary("degrees", "radians to degrees", mathTable(dd, dd, dd, dd, true), D),

		// Strings (byte-oriented, as OpenMLDB's).
		toStrings("concat", "concat(a, ...): the arguments as strings, joined; NULL if any is NULL", 0),
		toStrings("concat_ws", "concat_ws(sep, a, ...): the arguments joined by sep; NULL if any is NULL", 1),
		fixedRange("substring", "substring(s, pos[, len]): len bytes of s from pos (1-based; negative counts from the end)", S, 2, S, I64, I64),
		fixed("upper", "s in upper case (ASCII letters)", S, S),
		fixed("lower", "s in lower case (ASCII letters)", S, S),
		fixed("reverse", "the bytes of s in reverse order", S, S),
		fixed("char_length", "length of s in bytes", I32, S),
		fixed("trim", "s without leading and trailing spaces", S, S),
		fixed("ltrim", "s without leading spaces", S, S),
		fixed("rtrim", "s without trailing spaces", S, S),
		fixedRange("replace", "replace(s, search[, with]): every occurrence of search replaced (removed when with is absent)", S, 2, S, S, S),
		fixed("strcmp", "strcmp(a, b): -1, 0 or 1", I32, S, S),
		fixed("lpad", "lpad(s, n, pad): s left-padded with pad (or cut) to n bytes", S, S, I64, S),
		fixed("rpad", "rpad(s, n, pad): s right-padded with pad (or cut) to n bytes", S, S, I64, S),
		fixed("left", "left(s, n): the first n bytes of s", S, S, I64),
		fixed("right", "right(s, n): the last n bytes of s", S, S, I64),
		fixed("instr", "instr(s, sub): 1-based position of the first sub in s, 0 if absent", I32, S, S),
		fixed("char", "char(n): the byte n % 256 as a string", S, I32),

		// Date and time (in the engine's time zone).
		timePart("year", "year of a timestamp, date or bigint (milliseconds)", I32, false),
		timePart("month", "month (1-12)", I32, false),
		timePart("dayofmonth", "day of the month (1-31)", I32, false),
		timePart("dayofweek", "day of the week, 1 = Sunday ... 7 = Saturday", I32, false),
		timePart("dayofyear", "day of the year (1-366)", I32, false),
		timePart("weekofyear", "ISO-8601 week of the year (1-53)", I32, false),
		timePart("hour", "hour (0-23) of a timestamp or bigint (milliseconds)", I32, true),
		timePart("minute", "minute (0-59)", I32, true),
		timePart("second", "second (0-59)", I32, true),
		timePart("last_day", "last_day(t): the last day of t's month", types.Date, false),
		dateFormatFn(),
		unixTimestampFn(),
		datediffFn(),

		// Conditionals.
		common("ifnull", "ifnull(x, y): x unless it is NULL, else y", 2, 2, 0),
		common("nvl2", "nvl2(x, a, b): a when x is not NULL, else b", 3, 3, 1),
		common("coalesce", "coalesce(a, ...): the first argument that is not NULL", 1, -1, 0),
		common("if", "if(cond, a, b): a when cond is true, else b", 3, 3, 1),
		identityFn(),
		unary("hash64", "hash64(x): FarmHash Fingerprint64 of x's bytes (OpenMLDB's hash64), a bigint", map[types.Kind]conv{
			types.Bool: {types.Bool, I64}, I16: {I16, I64}, I32: {I32, I64}, I64: {I64, I64}, F: {F, I64}, D: {D, I64},
			S: {S, I64}, types.Timestamp: {types.Timestamp, I64}, types.Date: {types.Date, I64}}, S),
	}
	for _, s := range sigs {
		Register(s)
	}
	for alias, name := range map[string]string{
		"ceiling": "ceil", "power": "pow", "mod": "%", "add": "+",
		"substr": "substring", "ucase": "upper", "lcase": "lower",
		"length": "char_length", "character_length": "char_length",
		"day": "dayofmonth", "week": "weekofyear", "date_diff": "datediff",
		"if_null": "ifnull", "farm_fingerprint": "hash64", "nvl": "ifnull", "isnull": "is_null",
		"boolean": "bool", "int16": "smallint", "int32": "int", "integer": "int",
		"int64": "bigint", "varchar": "string", "float64": "double", "float32": "float",
	} {
		Alias(alias, name)
	}
}
