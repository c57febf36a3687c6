// Package planner binds parsed statements to the catalog (names, types,
// implicit casts, constant folding) and builds the one logical plan of a
// query, from which the batch and online physical plans are derived. It also
// holds the function signature registry that type-checks calls; the kernels
// that implement those functions live in exec/expr and exec/agg.
package planner
