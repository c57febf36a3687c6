package agg

import (
	"math/rand/v2"
	"testing"
)

// sink keeps results alive so the compiler cannot drop the work.
var sink float64

// benchValues returns a fixed block of typical values (normal(0, 1000)); a
// power-of-two length lets the loops index with a mask.
func benchValues() []float64 {
	r := rand.New(rand.NewPCG(42, 42))
	xs := make([]float64, 1<<12)
	for i := range xs {
		xs[i] = r.NormFloat64() * 1000
	}
	return xs
}

// benchWide returns values spread over the whole finite exponent range.
func benchWide() []float64 {
	return newGen(rand.New(rand.NewPCG(43, 43)), 0).slice(1 << 12)
}

func benchAdd(b *testing.B, xs []float64) {
	b.ReportAllocs()
	b.SetBytes(8)
	var s ExactSum
	mask := len(xs) - 1
	for i := range b.N {
		s.Add(xs[i&mask])
	}
	sink = s.Result()
}

func BenchmarkExactSumAdd(b *testing.B)     { benchAdd(b, benchValues()) }
func BenchmarkExactSumAddWide(b *testing.B) { benchAdd(b, benchWide()) }

// BenchmarkFloat64Sum is the naive (order-dependent) baseline.
func BenchmarkFloat64Sum(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(8)
	xs := benchValues()
	mask := len(xs) - 1
	var s float64
	for i := range b.N {
		s += xs[i&mask]
	}
	sink = s
}

// BenchmarkExactSumResult measures rounding alone, on a normalised sum of a
// window of typical values (positive and negative totals alternate).
func BenchmarkExactSumResult(b *testing.B) {
	b.ReportAllocs()
	xs := benchValues()
	var pos, neg ExactSum
	for _, x := range xs[:100] {
		pos.Add(x)
		neg.Add(x)
	}
	if pos.Result() < 0 {
		pos, neg = neg, pos
	}
	neg.Add(-2 * pos.Result())
	for i := range b.N {
		if i&1 == 0 {
			sink = pos.Result()
		} else {
			sink = neg.Result()
		}
	}
}

// BenchmarkExactSumSlidingStep is one step of a sliding window over typical
// values: add the new row, remove the oldest, read the result.
func BenchmarkExactSumSlidingStep(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(8)
	xs := benchValues()
	mask := len(xs) - 1
	const w = 100
	var s ExactSum
	for _, x := range xs[:w] {
		s.Add(x)
	}
	for i := w; i < b.N+w; i++ {
		s.Add(xs[i&mask])
		s.Sub(xs[(i-w)&mask])
		sink = s.Result()
	}
}

// BenchmarkFloat64SlidingStep is the naive (order-dependent, drifting)
// baseline for a sliding window step.
func BenchmarkFloat64SlidingStep(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(8)
	xs := benchValues()
	mask := len(xs) - 1
	const w = 100
	var s float64
	for _, x := range xs[:w] {
		s += x
	}
	for i := w; i < b.N+w; i++ {
		s += xs[i&mask]
		s -= xs[(i-w)&mask]
		sink = s
	}
}
