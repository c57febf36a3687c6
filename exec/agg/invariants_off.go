//go:build !sundial_invariants

package agg

// invariants enables expensive self-checks (see invariants.go); build with
// -tags sundial_invariants to turn them on.
const invariants = false
