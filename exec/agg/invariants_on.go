//go:build sundial_invariants

package agg

// invariants enables expensive self-checks (see invariants.go); it is true
// when built with -tags sundial_invariants.
const invariants = true
