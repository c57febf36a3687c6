// Package expr compiles bound scalar expressions (planner.Expr) into
// evaluator trees and holds the kernels of every scalar function and
// operator. Both executors call it: the batch executor row by row over a
// types.Batch, the online executor over the request row (a one-row batch)
// and its windows, so both give the same bits for the same inputs.
//
// Compile does all the work that depends only on types once: it resolves
// each call's signature (planner/sig_scalar.go), inserts the implicit casts
// the signature asks for (whether or not the planner already did), and picks
// a kernel specialised for the argument kinds. Evaluation then reads columns
// and calls typed Go functions; values travel as types.Value structs, never
// boxed in interfaces, and nothing allocates except kernels that build
// strings.
//
// Semantics follow OpenMLDB with Sundial's own rules where it leaves room
// (shared/SEMANTICS.md §6):
//
//   - NULL in, NULL out for operators and functions, except the three-valued
//     and/or (NULL AND false is false, NULL OR true is true), IS [NOT]
//     NULL/TRUE/FALSE, <=>, ifnull/nvl/nvl2/coalesce/if and CASE.
//   - "/" always gives double; "/", DIV and % by zero give NULL; integer
//     arithmetic wraps in two's complement at the width of its type.
//   - Time functions and the timestamp/string casts use Env.Loc (default UTC).
//     A timestamp casts to string as "YYYY-MM-DD HH:MM:SS", a date as
//     "YYYY-MM-DD"; strings parse in the same forms (also "YYYY-MM-DD" and
//     "YYYYMMDD"); unparsable strings give NULL.
//   - A double casts to an integer by truncating toward zero; NaN, infinities
//     and values beyond the bigint range give NULL. A date casts to a number
//     or bool as NULL (OpenMLDB's behaviour); a negative number casts to
//     timestamp as NULL.
//   - Numbers cast to string the way OpenMLDB prints them (C++ ostream
//     defaults: 6 significant digits, "inf", "nan").
//   - String functions work on bytes, as OpenMLDB's do (upper/lower change
//     ASCII letters only).
//   - Floating-point kernels round each operation to the result type
//     explicitly (no fused multiply-add), so results are the same on every
//     platform Go supports.
package expr
