package agg

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// ref is the reference: the exact sum as a big.Int in units of 2^-1074 plus
// counts of the special values, rounded by math/big.
type ref struct {
	sum                 big.Int
	posInf, negInf, nan int
}

// exactInt returns finite x as an integer in units of 2^-1074.
func exactInt(x float64) *big.Int {
	u := math.Float64bits(x)
	e := int((u >> 52) & 0x7FF)
	m := u & fracMask
	p := 0
	if e != 0 {
		m |= 1 << 52
		p = e - 1
	}
	z := new(big.Int).SetUint64(m)
	z.Lsh(z, uint(p))
	if u&signBit != 0 {
		z.Neg(z)
	}
	return z
}

func (r *ref) add(x float64, d int) {
	switch {
	case math.IsNaN(x):
		r.nan += d
	case math.IsInf(x, 1):
		r.posInf += d
	case math.IsInf(x, -1):
		r.negInf += d
	case d > 0:
		r.sum.Add(&r.sum, exactInt(x))
	default:
		r.sum.Sub(&r.sum, exactInt(x))
	}
}

func (r *ref) result() float64 {
	switch {
	case r.nan > 0 || (r.posInf > 0 && r.negInf > 0):
		return math.NaN()
	case r.posInf > 0:
		return math.Inf(1)
	case r.negInf > 0:
		return math.Inf(-1)
	}
	return roundRef(&r.sum)
}

// roundRef rounds n·2^-1074 to float64, nearest-even (big.Float.Float64
// rounds once, handles overflow to ±Inf, and the value is exact in f).
func roundRef(n *big.Int) float64 {
	f := new(big.Float).SetInt(n) // precision max(64, bit length): exact
	f.SetMantExp(f, -1074)
	v, _ := f.Float64()
	return v
}

func refSum(xs []float64) float64 {
	var r ref
	for _, x := range xs {
		r.add(x, 1)
	}
	return r.result()
}

func sumOf(xs []float64) float64 {
	var s ExactSum
	for _, x := range xs {
		s.Add(x)
	}
	return s.Result()
}

// exactValue reads the accumulator's finite part as a big.Int, straight from
// the chunks (normalised or not).
func exactValue(s *ExactSum) *big.Int {
	z := new(big.Int)
	for j := nChunks - 1; j >= 0; j-- {
		z.Lsh(z, chunkBits)
		z.Add(z, big.NewInt(s.chunk[j]))
	}
	return z
}

// sameBits compares results bit for bit, any NaN matching any NaN.
func sameBits(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func checkSum(t *testing.T, name string, xs []float64) {
	t.Helper()
	got, want := sumOf(xs), refSum(xs)
	if !sameBits(got, want) {
		t.Errorf("%s: sum = %v (%#016x), want %v (%#016x); inputs %v",
			name, got, math.Float64bits(got), want, math.Float64bits(want), short(xs))
	}
}

func short(xs []float64) any {
	if len(xs) > 8 {
		return xs[:8]
	}
	return xs
}

var (
	inf      = math.Inf(1)
	nan      = math.NaN()
	maxF     = math.MaxFloat64
	tiny     = math.SmallestNonzeroFloat64 // 2^-1074
	minNorm  = 0x1p-1022
	maxSub   = 0x1p-1022 - 0x1p-1074
	negZero  = math.Copysign(0, -1)
	two53    = 0x1p53
	halfUlpM = 0x1p970 // half an ulp of MaxFloat64
)

func TestExactSumCases(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"neg zero", []float64{negZero}, 0},
		{"neg zeros", []float64{negZero, negZero}, 0},
		{"one", []float64{1}, 1},
		{"neg", []float64{-2.5}, -2.5},
		{"cancel", []float64{1e308, 1, -1e308}, 1},
		{"cancel tiny", []float64{1e308, tiny, -1e308}, tiny},
		{"cancel to zero", []float64{0.1, 0.2, -0.1, -0.2}, 0},
		{"cancel neg to zero", []float64{-0.1, 0.1}, 0},
		{"point one", []float64{0.1, 0.2, 0.3}, 0.6},
		{"tie even down", []float64{two53, 1}, two53},
		{"tie even up", []float64{two53, 3}, two53 + 4},
		{"tie sticky", []float64{two53, 1, tiny}, two53 + 2},
		{"tie sticky neg", []float64{two53, 1, -tiny}, two53},
		{"tie sticky near", []float64{two53, 1, 0x1p-30}, two53 + 2},
		{"tie sticky far", []float64{two53, 1, 0x1p-1000}, two53 + 2},
		{"neg tie", []float64{-two53, -1}, -two53},
		{"neg tie up", []float64{-two53, -3}, -two53 - 4},
		{"subnormals", []float64{tiny, tiny}, 2 * tiny},
		{"to normal", []float64{maxSub, tiny}, minNorm},
		{"neg subnormal", []float64{tiny, -maxSub}, -(maxSub - tiny)},
		{"subnormal halves", []float64{minNorm / 2, minNorm / 2}, minNorm},
		{"overflow", []float64{maxF, maxF}, inf},
		{"neg overflow", []float64{-maxF, -maxF}, -inf},
		{"back in range", []float64{maxF, maxF, -maxF}, maxF},
		{"tie to inf", []float64{maxF, halfUlpM}, inf},
		{"below tie", []float64{maxF, halfUlpM / 2}, maxF},
		{"tie minus tiny", []float64{maxF, halfUlpM, -tiny}, maxF},
		{"neg tie to inf", []float64{-maxF, -halfUlpM}, -inf},
		{"wide", []float64{maxF, tiny, -maxF}, tiny},
		{"nan", []float64{1, nan}, nan},
		{"inf", []float64{1, inf}, inf},
		{"neg inf", []float64{1, -inf, -inf}, -inf},
		{"inf minus inf", []float64{inf, -inf}, nan},
		{"nan inf", []float64{nan, inf}, nan},
		{"inf beats overflow", []float64{maxF, maxF, -inf}, -inf},
	}
	for _, c := range cases {
		if got := sumOf(c.xs); !sameBits(got, c.want) {
			t.Errorf("%s: got %v (%#016x), want %v (%#016x)", c.name, got, math.Float64bits(got), c.want, math.Float64bits(c.want))
		}
		checkSum(t, c.name, c.xs) // and the reference agrees
	}
}

// gen produces float64 values from a mix of distributions chosen to stress
// the accumulator: any finite bit pattern, subnormals, narrow and wide
// exponent clusters, values with few significant bits (ties), huge values.
type gen struct {
	r    *rand.Rand
	kind int
	base int // cluster exponent
}

const nKinds = 7

func newGen(r *rand.Rand, kind int) *gen {
	// base ≤ 965 keeps kinds 2 and 4 finite.
	return &gen{r: r, kind: kind, base: r.IntN(2040) - 1074}
}

func (g *gen) next() float64 {
	r := g.r
	sign := 1.0
	if r.IntN(2) == 0 {
		sign = -1
	}
	switch g.kind {
	case 0: // any finite bit pattern: the whole exponent range
		for {
			x := math.Float64frombits(r.Uint64())
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x
			}
		}
	case 1: // subnormals and the smallest normals
		return math.Float64frombits(r.Uint64N(1<<53) | uint64(r.IntN(2))<<63)
	case 2: // a narrow cluster of exponents
		return sign * math.Ldexp(1+r.Float64(), g.base+r.IntN(8)-4)
	case 3: // typical data: normal(0, 1000)
		return r.NormFloat64() * 1000
	case 4: // few significant bits: many exact ties
		return sign * math.Ldexp(float64(r.IntN(16)+1), g.base+r.IntN(70)-35)
	case 5: // near the top of the range
		return sign * math.Ldexp(1+r.Float64(), 1023-r.IntN(4))
	default: // integers at 2^53 and just above (ties)
		return sign * (two53 + float64(r.IntN(8)))
	}
}

func (g *gen) slice(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = g.next()
	}
	return xs
}

func TestExactSumRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 600 {
		g := newGen(r, iter%nKinds)
		n := r.IntN(40)
		if iter%50 == 0 {
			n = 5000 // cross several normalisations
		}
		checkSum(t, "random", g.slice(n))
		// A mix of distributions in one sum.
		xs := g.slice(n)
		for range r.IntN(10) {
			xs = append(xs, newGen(r, r.IntN(nKinds)).next())
		}
		checkSum(t, "mixed", xs)
	}
}

// TestExactSumTies builds exact ties (a value plus half its ulp), broken or
// not by a small perturbation anywhere below, hidden among cancelling pairs.
func TestExactSumTies(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for range 2000 {
		e := r.IntN(2000) - 1021 // a's exponent; a is normal
		a := math.Ldexp(1+float64(r.Uint64N(1<<52))/(1<<52), e)
		if r.IntN(2) == 0 {
			a = -a
		}
		h := math.Ldexp(1, e-53) // half an ulp of a: subnormal for small e
		if r.IntN(2) == 0 {
			h = -h
		}
		xs := []float64{a, h}
		if r.IntN(3) > 0 && e-54 >= -1074 {
			d := math.Ldexp(1, -1074+r.IntN(e-54+1075))
			if r.IntN(2) == 0 {
				d = -d
			}
			xs = append(xs, d)
		}
		for range r.IntN(3) {
			y := newGen(r, 0).next()
			xs = append(xs, y, -y)
		}
		r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		checkSum(t, "tie", xs)
	}
}

// TestExactSumCarryBudget loads one chunk as fast as possible (largest
// significand, shifted so the high part is largest) for several carry
// periods, in both signs, so that a too-generous carry budget overflows.
func TestExactSumCarryBudget(t *testing.T) {
	for _, sh := range []int{0, 1, 31} {
		for _, sign := range []float64{1, -1} {
			// Low bit at position p = 32·33+sh, so p&31 = sh.
			x := sign * math.Ldexp(float64(1<<53-1), 32*33+sh-1074)
			xs := make([]float64, 3*maxPending+5)
			for i := range xs {
				xs[i] = x
			}
			var s ExactSum
			for _, x := range xs {
				s.Add(x)
			}
			want := new(big.Int).Mul(exactInt(x), big.NewInt(int64(len(xs))))
			if exactValue(&s).Cmp(want) != 0 {
				t.Fatalf("shift %d sign %v: exact value wrong", sh, sign)
			}
			checkSum(t, "carry budget", xs)
		}
	}
}

// TestExactSumCancellation sums values and their negatives with a small
// remainder hidden among them.
func TestExactSumCancellation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 200 {
		g := newGen(r, iter%nKinds)
		xs := g.slice(50)
		for _, x := range xs[:50] {
			xs = append(xs, -x)
		}
		xs = append(xs, newGen(r, r.IntN(nKinds)).next())
		r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		checkSum(t, "cancel", xs)
	}
}

func TestExactSumPermutation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 200 {
		g := newGen(r, iter%nKinds)
		xs := g.slice(1 + r.IntN(300))
		if iter%10 == 0 {
			xs = append(xs, inf, nan, -inf)
		}
		want := sumOf(xs)
		for range 3 {
			ys := append([]float64(nil), xs...)
			r.Shuffle(len(ys), func(i, j int) { ys[i], ys[j] = ys[j], ys[i] })
			if got := sumOf(ys); !sameBits(got, want) {
				t.Fatalf("shuffled: %v, in order: %v", got, want)
			}
		}

		// Interleaved: add xs and extra values, remove the extras; every
		// order of those operations leaves the same multiset. (Removing a
		// finite value before it is added is fine; extras are finite.)
		extra := newGen(r, r.IntN(nKinds)).slice(r.IntN(300))
		type op struct {
			x   float64
			sub bool
		}
		var ops []op
		for _, x := range xs {
			ops = append(ops, op{x, false})
		}
		for _, x := range extra {
			ops = append(ops, op{x, false}, op{x, true})
		}
		r.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		var s ExactSum
		for _, o := range ops {
			if o.sub {
				s.Sub(o.x)
			} else {
				s.Add(o.x)
			}
		}
		if got := s.Result(); !sameBits(got, want) {
			t.Fatalf("interleaved add/remove: %v, want %v", got, want)
		}
	}
}

// TestExactSumSliding simulates a sliding window: add the new row, remove the
// oldest, and compare with a sum computed afresh at every step.
func TestExactSumSliding(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for iter := range 20 {
		var xs []float64
		for range 3000 {
			xs = append(xs, newGen(r, r.IntN(nKinds)).next())
		}
		if iter%2 == 1 { // sprinkle specials
			for range 10 {
				xs[r.IntN(len(xs))] = []float64{inf, -inf, nan}[r.IntN(3)]
			}
		}
		w := 1 + r.IntN(200)
		var s ExactSum
		for i, x := range xs {
			s.Add(x)
			if i >= w {
				s.Sub(xs[i-w])
			}
			win := xs[max(0, i-w+1) : i+1]
			got, want := s.Result(), sumOf(win)
			if !sameBits(got, want) {
				t.Fatalf("step %d window %d: incremental %v, afresh %v", i, w, got, want)
			}
			if i%97 == 0 {
				if ref := refSum(win); !sameBits(got, ref) {
					t.Fatalf("step %d: incremental %v, reference %v", i, got, ref)
				}
			}
		}
	}
}

func TestExactSumAddSubRestores(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for iter := range 300 {
		g := newGen(r, iter%nKinds)
		var s ExactSum
		for _, x := range g.slice(r.IntN(100)) {
			s.Add(x)
		}
		before, res := exactValue(&s), s.Result()
		for _, x := range newGen(r, r.IntN(nKinds)).slice(r.IntN(3000)) {
			s.Add(x)
			s.Sub(x)
		}
		if after := exactValue(&s); after.Cmp(before) != 0 {
			t.Fatalf("value changed: %v -> %v", before, after)
		}
		if got := s.Result(); !sameBits(got, res) {
			t.Fatalf("result changed: %v -> %v", res, got)
		}
	}
}

func TestExactSumMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for iter := range 200 {
		g := newGen(r, iter%nKinds)
		xs := g.slice(r.IntN(4000))
		if iter%7 == 0 {
			xs = append(xs, []float64{inf, -inf, nan}[r.IntN(3)])
		}
		want := refSum(xs)
		parts := make([]ExactSum, 1+r.IntN(5))
		for _, x := range xs {
			parts[r.IntN(len(parts))].Add(x)
		}
		var total ExactSum
		for i := range parts {
			before := exactValue(&parts[i])
			total.Merge(&parts[i])
			if exactValue(&parts[i]).Cmp(before) != 0 {
				t.Fatal("Merge changed its argument")
			}
		}
		if got := total.Result(); !sameBits(got, want) {
			t.Fatalf("merged %d parts: %v, want %v", len(parts), got, want)
		}
		// Self-merge doubles: the same as merging a copy twice.
		var a, b ExactSum
		a.Merge(&parts[0])
		a.Merge(&a)
		b.Merge(&parts[0])
		b.Merge(&parts[0])
		if !sameBits(a.Result(), b.Result()) || exactValue(&a).Cmp(exactValue(&b)) != 0 {
			t.Fatalf("self-merge: %v, want %v", a.Result(), b.Result())
		}
		// Merging an empty accumulator changes nothing.
		var empty ExactSum
		total.Merge(&empty)
		if got := total.Result(); !sameBits(got, want) {
			t.Fatalf("after merging empty: %v, want %v", got, want)
		}
	}
}

func TestExactSumOverflowHeadroom(t *testing.T) {
	const n = 300000
	var s ExactSum
	for range n {
		s.Add(maxF)
	}
	if got := s.Result(); got != inf {
		t.Fatalf("%d×MaxFloat64 = %v", n, got)
	}
	want := new(big.Int).Mul(exactInt(maxF), big.NewInt(n))
	if exactValue(&s).Cmp(want) != 0 {
		t.Fatal("exact value of n×MaxFloat64 wrong")
	}
	for range n - 1 {
		s.Sub(maxF)
	}
	if got := s.Result(); got != maxF {
		t.Fatalf("back to one MaxFloat64: %v", got)
	}
	s.Sub(maxF)
	s.Sub(maxF)
	s.Sub(maxF)
	if got := s.Result(); !math.IsInf(got, -1) {
		t.Fatalf("-2×MaxFloat64: %v", got)
	}
	s.Add(maxF)
	s.Add(tiny)
	if got := s.Result(); got != -maxF {
		t.Fatalf("-MaxFloat64+tiny: %v", got)
	}

	// Negative headroom, and a carry chain across the whole range.
	s.Reset()
	for range n {
		s.Add(-maxF)
		s.Add(tiny)
	}
	s.Add(tiny)
	var rf ref
	rf.sum.Mul(exactInt(-maxF), big.NewInt(n))
	rf.sum.Add(&rf.sum, big.NewInt(n+1))
	if exactValue(&s).Cmp(&rf.sum) != 0 {
		t.Fatal("exact value of n×(-MaxFloat64+tiny)+tiny wrong")
	}
	if got := s.Result(); got != -inf {
		t.Fatalf("n×-MaxFloat64: %v", got)
	}
}

func TestExactSumSpecials(t *testing.T) {
	var s ExactSum
	s.Add(1)
	s.Add(inf)
	if s.Result() != inf {
		t.Fatal("1+Inf")
	}
	s.Add(-inf)
	if !math.IsNaN(s.Result()) {
		t.Fatal("Inf-Inf")
	}
	s.Sub(inf)
	if s.Result() != -inf {
		t.Fatal("after removing +Inf")
	}
	s.Sub(-inf)
	if s.Result() != 1 {
		t.Fatal("after removing both")
	}
	s.Add(nan)
	s.Add(math.Float64frombits(0xFFF8000000000001)) // negative NaN, payload
	if !math.IsNaN(s.Result()) {
		t.Fatal("NaN")
	}
	s.Sub(nan)
	if !math.IsNaN(s.Result()) {
		t.Fatal("one NaN left")
	}
	s.Sub(math.Float64frombits(0x7FF0000000000001)) // any NaN removes a NaN
	if s.Result() != 1 {
		t.Fatal("NaNs removed")
	}
	s.Reset()
	if r := s.Result(); r != 0 || math.Signbit(r) {
		t.Fatal("Reset")
	}
}

func TestExactSumNoAlloc(t *testing.T) {
	xs := newGen(rand.New(rand.NewPCG(13, 14)), 0).slice(5000)
	var s, o ExactSum
	o.Add(-1)
	allocs := testing.AllocsPerRun(20, func() {
		for _, x := range xs {
			s.Add(x)
		}
		for _, x := range xs[:100] {
			s.Sub(x)
			sink = s.Result()
		}
		s.Merge(&o)
		sink = s.Result()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

// FuzzExactSum decodes the input as operations of 9 bytes each (a byte
// choosing add or remove, then 8 bytes of float64 bits) and checks the result
// against the math/big reference, and against the same multiset summed in
// reverse order and by merging two halves.
func FuzzExactSum(f *testing.F) {
	enc := func(xs ...float64) []byte {
		var b []byte
		for _, x := range xs {
			b = append(b, 0)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	f.Add(enc(1e308, 1, -1e308))
	f.Add(enc(two53, 1, tiny))
	f.Add(enc(maxF, halfUlpM))
	f.Add(enc(tiny, maxSub, -minNorm))
	f.Add(enc(inf, -inf, nan, 0.1))
	f.Add(append(enc(0.1, 0.2), 1, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f)) // remove 0.1
	f.Fuzz(func(t *testing.T, data []byte) {
		var (
			s      ExactSum
			r      ref
			net    []float64 // adds, then removes as negated finite values
			specN  = map[uint64]int{}
			specOf = func(x float64) uint64 {
				switch {
				case math.IsNaN(x):
					return 0
				case x > 0:
					return 1
				}
				return 2
			}
		)
		for len(data) >= 9 {
			x := math.Float64frombits(binary.LittleEndian.Uint64(data[1:9]))
			sub := data[0]&1 == 1
			data = data[9:]
			special := math.IsNaN(x) || math.IsInf(x, 0)
			if special && sub && specN[specOf(x)] == 0 {
				sub = false // remove only specials that are present
			}
			switch {
			case !sub:
				s.Add(x)
				r.add(x, 1)
				if special {
					specN[specOf(x)]++
				}
				net = append(net, x)
			default:
				s.Sub(x)
				r.add(x, -1)
				if special {
					specN[specOf(x)]--
					for i, y := range net { // drop one matching special
						if (math.IsNaN(y) || math.IsInf(y, 0)) && specOf(y) == specOf(x) {
							net = append(net[:i], net[i+1:]...)
							break
						}
					}
				} else {
					net = append(net, -x)
				}
			}
		}
		got, want := s.Result(), r.result()
		if !sameBits(got, want) {
			t.Fatalf("got %v (%#016x), want %v (%#016x)", got, math.Float64bits(got), want, math.Float64bits(want))
		}
		var rev, lo, hi ExactSum
		for i := len(net) - 1; i >= 0; i-- {
			rev.Add(net[i])
		}
		for i, x := range net {
			if i%2 == 0 {
				lo.Add(x)
			} else {
				hi.Add(x)
			}
		}
		lo.Merge(&hi)
		if g := rev.Result(); !sameBits(g, want) {
			t.Fatalf("reversed: %v, want %v", g, want)
		}
		if g := lo.Result(); !sameBits(g, want) {
			t.Fatalf("merged halves: %v, want %v", g, want)
		}
	})
}
