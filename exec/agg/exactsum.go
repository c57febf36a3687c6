package agg

import (
	"math"
	"math/bits"
)

// Fixed-point layout.
//
// Every finite float64 is an integer multiple of 2^-1074 (the smallest
// subnormal), and the largest is below 2^1024, so each one is a signed
// integer of at most 2098 bits in units of 2^-1074: with a biased exponent
// field E and fraction f it is m·2^p units, where m = f|2^52, p = E-1 for a
// normal number and m = f, p = 0 for a subnormal (E = 0). Bit p..p+52 of the
// fixed-point number hold m; p ≤ 2045, so the top bit is at most 2097.
//
// ExactSum keeps that fixed-point number as nChunks signed 64-bit chunks;
// chunk j stands for chunk[j]·2^(32j) units. An Add puts the low 32 bits of
// m<<(p&31) into chunk p>>5 and the rest (under 2^52) into the chunk above,
// without carrying. Each chunk therefore changes by less than 2^52 per Add or
// Sub, and a normalised chunk is below 2^32 in magnitude, so carries can be
// left pending for maxPending operations before a chunk could overflow
// (2^32 + 2047·2^52 < 2^63). Normalising propagates carries so that every
// chunk below the top one is a digit in [0, 2^32) and the top one is signed.
//
// Direct adds reach chunk 64 at most; chunks 65 and 66 receive only carries.
// The top chunk (66, at bit 2112) holds the sign and any excess, which leaves
// room for sums far beyond 2^1024 (2^63 additions of MaxFloat64 and more)
// without losing exactness.
const (
	nChunks    = 67
	chunkBits  = 32
	chunkMask  = 1<<chunkBits - 1
	maxPending = 1<<(63-52) - 1 // 2047 operations between normalisations

	expMask  = 0x7FF << 52
	fracMask = 1<<52 - 1
	signBit  = 1 << 63

	// topBit is the bit (in units of 2^-1074) past the largest finite
	// magnitude: a sum whose top bit is at topBit or above overflows.
	topBit = 2098
)

// ExactSum is an exact, order-independent accumulator for float64 values: a
// "small superaccumulator" in the style of Radford Neal's xsum. It holds the
// exact sum of the finite values added (minus those removed) as a 2098-bit
// (plus headroom) fixed-point integer in units of 2^-1074, and separate
// counts of +Inf, -Inf and NaN. Result rounds the exact value once, to
// nearest with ties to even, so the result does not depend on the order in
// which values were added, removed or merged: any sequence of operations
// leaving the same multiset of values gives the same bits. That is what lets
// an incremental (sliding-window) sum and a sum computed afresh agree.
//
// Signed zeros are not distinguished: an exact sum that is zero, including the
// sum of no values or of only -0.0 values, is +0. SQL engines make no
// distinction between the two zeros either.
//
// The zero value is an empty accumulator ready to use. Add and Sub do not
// allocate. An ExactSum is not safe for concurrent use; Result normalises the
// internal representation (without changing the value it holds) and so is a
// write, too.
type ExactSum struct {
	chunk [nChunks]int64

	// used has bit i set when chunk i (and so possibly i+1) has received a
	// direct add since the last normalisation; pending counts those adds.
	used    uint64
	pending int32

	// bot and top bound the chunks as of the last normalisation (see
	// carry): outside [bot, top] every chunk is zero, inside every chunk
	// below top is a digit in [0, 2^32), chunk top is in [-2^32, 2^32) (or
	// any value when top is the last chunk) and carries the sign, and the
	// bounds are tight.
	bot, top int32

	// Special values, as a multiset: Sub of a special decrements its count.
	posInf, negInf, nan int64
}

// Add adds x to the sum.
func (s *ExactSum) Add(x float64) {
	s.add(math.Float64bits(x), 0)
}

// Sub removes x from the sum, exactly: after Add(x) and then Sub(x) the
// accumulator holds the same exact value it held before. For finite x it is
// exact subtraction and may be done in any order relative to the matching
// Add. For ±Inf and NaN it removes one occurrence from the multiset of
// special values; removing a special value that was never added is a
// contract violation (reported when built with the sundial_invariants tag).
func (s *ExactSum) Sub(x float64) {
	s.add(math.Float64bits(x), signBit)
}

// add adds (flip == 0) or removes (flip == signBit) the float64 whose bits
// are u. It is the hot path: one call per row, no branches but the rare ones.
func (s *ExactSum) add(u, flip uint64) {
	e := (u >> 52) & 0x7FF
	if e == 0x7FF {
		s.special(u, flip)
		return
	}
	u ^= flip
	// nz is 1 for a normal number, 0 for a subnormal or zero: a normal
	// number gets its implicit leading bit and its exponent drops by one,
	// so that subnormals (E = 0) and the smallest normals (E = 1) share p = 0.
	nz := (e + 0x7FF) >> 11
	m := u&fracMask | nz<<52
	p := e - nz        // 0..2045
	i := (p >> 5) & 63 // low chunk; the & only helps the bounds check
	// m·2^(p&31), below 2^84, is split: its low 32 bits go to chunk i and
	// the rest, below 2^52, to chunk i+1; both are negated (two's
	// complement) if u is negative.
	sh := p & 31
	lo := int64((m << sh) & chunkMask)
	hi := int64(m >> (chunkBits - sh))
	neg := int64(u) >> 63 // 0 or -1
	s.chunk[i] += (lo ^ neg) - neg
	s.chunk[i+1] += (hi ^ neg) - neg
	s.used |= 1 << i
	s.pending++
	if s.pending >= maxPending {
		s.normalize()
	}
	if invariants {
		s.check("add")
	}
}

// special records a +Inf, -Inf or NaN (u has an all-ones exponent) for Add
// (flip == 0) or removes one for Sub (flip == signBit).
//
//go:noinline
func (s *ExactSum) special(u, flip uint64) {
	d := int64(1)
	if flip != 0 {
		d = -1
	}
	switch {
	case u&fracMask != 0:
		s.nan += d
	case u&signBit == 0:
		s.posInf += d
	default:
		s.negInf += d
	}
	if invariants {
		s.check("special")
	}
}

// Merge adds all of o's values to s; o is not changed (not even its
// representation: Merge only reads o, so several accumulators may merge the
// same o concurrently). s.Merge(s) doubles s.
func (s *ExactSum) Merge(o *ExactSum) {
	if o == s {
		oc := *o
		o = &oc
	}
	s.normalize()
	// The chunks o holds: [bot, top] as of its last normalisation (empty if
	// that was zero: bot == top and the chunk is 0, unless a later add
	// touched it), widened, as in normalize, by the chunks used since.
	// Empty ranges are left out of the hulls below, so that merging into a
	// zero accumulator, or a partial that was never normalised, carries
	// over the chunks in use only, not from chunk 0 up.
	lo, hi := int32(nChunks), int32(-1)
	if o.bot < o.top || o.chunk[o.top] != 0 {
		lo, hi = o.bot, o.top
	}
	if o.used != 0 {
		lo = min(lo, int32(bits.TrailingZeros64(o.used)))
		hi = max(hi, int32(64-bits.LeadingZeros64(o.used)))
	}
	if lo <= hi {
		sZero := s.bot == s.top && s.chunk[s.top] == 0
		// s is normalised (its chunks, the top aside, are below 2^32 in
		// magnitude) and o's are within their carry budget (below 2^32 +
		// o.pending·2^52, o.pending < maxPending), so every chunk sum
		// stays below 2^63 (the top chunk, which may hold any value,
		// aside), and one carry pass normalises the lot.
		for j := lo; j <= hi; j++ {
			s.chunk[j] += o.chunk[j]
		}
		if !sZero {
			lo, hi = min(lo, s.bot), max(hi, s.top)
		}
		s.bot, s.top = carry(&s.chunk, lo, hi)
	}
	s.posInf += o.posInf
	s.negInf += o.negInf
	s.nan += o.nan
	if invariants {
		s.checkNormal("merge")
	}
}

// Reset empties the accumulator.
func (s *ExactSum) Reset() {
	*s = ExactSum{}
}

// Result returns the exact sum rounded to the nearest float64, ties to even.
// If a NaN is present, or both +Inf and -Inf are, the result is NaN;
// otherwise if an infinity is present the result is that infinity; otherwise
// the exact finite sum is rounded, and a sum too large for float64 gives ±Inf
// (following IEEE 754 rounding: a magnitude of at least 2^1024 - 2^970 rounds
// to infinity). An exact sum of zero gives +0.
func (s *ExactSum) Result() float64 {
	switch {
	case s.nan > 0 || (s.posInf > 0 && s.negInf > 0):
		return math.NaN()
	case s.posInf > 0:
		return math.Inf(1)
	case s.negInf > 0:
		return math.Inf(-1)
	}
	s.normalize()
	if invariants {
		s.check("result")
	}
	return round(&s.chunk, int(s.bot), int(s.top), false)
}

// Result32 returns the exact sum rounded once to the nearest float32, ties to
// even, widened to float64 (so float32(s.Result32()) loses nothing). It rounds
// the exact value to 53 bits with round-to-odd first, which cannot change the
// float32 rounding (53 ≥ 24+2), so there is no double-rounding error.
// Special values and overflow behave as in Result.
func (s *ExactSum) Result32() float64 {
	switch {
	case s.nan > 0 || (s.posInf > 0 && s.negInf > 0):
		return math.NaN()
	case s.posInf > 0:
		return math.Inf(1)
	case s.negInf > 0:
		return math.Inf(-1)
	}
	s.normalize()
	if invariants {
		s.check("result")
	}
	return float64(float32(round(&s.chunk, int(s.bot), int(s.top), true)))
}

// normalise propagates pending carries; the value held does not change.
func (s *ExactSum) normalize() {
	if s.used != 0 {
		lo := min(s.bot, int32(bits.TrailingZeros64(s.used)))
		hi := max(s.top, int32(64-bits.LeadingZeros64(s.used))) // highest used + 1
		s.bot, s.top = carry(&s.chunk, lo, hi)
		s.used = 0
	}
	s.pending = 0
	if invariants {
		s.checkNormal("normalize")
	}
}

// carry normalises d, given that every chunk outside [lo, hi] is zero. It
// propagates carries upward from lo so that chunks below the top are digits
// in [0, 2^32), extends the top while it does not fit in [-2^32, 2^32) (the
// last chunk takes whatever remains), and returns the tight bounds [bot, top]:
// every chunk outside them is zero, and when bot < top, d[bot] is not zero
// and d[top] is neither 0 nor -1. For an all-zero d, bot == top and d[top]
// is zero. A negative value has d[top] < 0.
func carry(d *[nChunks]int64, lo, hi int32) (bot, top int32) {
	var c int64 // the carry, kept in a register
	for j := lo; j < hi; j++ {
		v := d[j] + c
		d[j] = v & chunkMask
		c = v >> chunkBits
	}
	d[hi] += c
	for hi < nChunks-1 {
		v := d[hi]
		if c := v >> chunkBits; c == 0 || c == -1 {
			break
		}
		d[hi] = v & chunkMask
		d[hi+1] += v >> chunkBits
		hi++
	}
	// Tighten: drop zero top chunks, and fold a top chunk of -1 into the
	// one below (-2^32·2^(32j) + d·2^(32(j-1)) is (d-2^32)·2^(32(j-1)), and
	// d-2^32 is in [-2^32, 0)), so that the top chunk holds the leading bits
	// of the magnitude; then skip zero bottom chunks.
	for hi > lo {
		switch d[hi] {
		case 0:
		case -1:
			d[hi-1] -= 1 << chunkBits
		default:
			goto tight
		}
		d[hi] = 0
		hi--
	}
tight:
	for lo < hi && d[lo] == 0 {
		lo++
	}
	return lo, hi
}

// round returns d, normalised with bounds [bot, top] as carry leaves them,
// rounded to float64: nearest-even, or, when odd is set, round-to-odd (the
// truncated significand with its low bit set if anything was dropped; a
// value too large for float64 still gives ±Inf).
func round(d *[nChunks]int64, bot, top int, odd bool) float64 {
	var sign uint64
	if d[top] < 0 {
		sign = signBit
	}
	mag := magnitude{d, bot, top, sign != 0}
	t := mag.chunk(top) // not zero unless the sum is
	if t == 0 {
		return 0 // the exact sum is zero: +0
	}
	// b is the position of the leading one bit, in units of 2^-1074.
	b := top*chunkBits + bits.Len64(t) - 1
	if b >= topBit {
		return math.Float64frombits(sign | expMask) // ±Inf
	}
	if b <= 52 {
		// Below 2^53 units: exactly representable, as a subnormal or (from
		// 2^52) a number with biased exponent 1; either way its bits are
		// the integer itself.
		n := mag.chunk(0) | mag.chunk(1)<<chunkBits
		return math.Float64frombits(sign | n)
	}
	// Take the 53 significant bits and the rounding bit below them: bits
	// lo..b, where lo = b-53, from the chunks c, c+1 and c+2 (c+2 ≤ 65).
	lo := b - 53
	c, off := lo>>5, uint(lo&31)
	dc := mag.chunk(c)
	w := dc>>off | mag.chunk(c+1)<<(chunkBits-off) | mag.chunk(c+2)<<(2*chunkBits-off)
	w &= 1<<54 - 1
	m := w >> 1 // 53 bits, leading one at bit 52
	// Round up if the rounding bit is set and m is odd or any bit below the
	// rounding bit is set (the sticky bits): the low bits of chunk c, or any
	// chunk below it, and bot is the lowest nonzero chunk.
	var st uint64
	if dc&(1<<off-1) != 0 || bot < c {
		st = 1
	}
	if odd {
		m |= (w | st) & 1 // never carries: round-to-odd only sets the low bit
	} else {
		m += w & (m | st) & 1 // may carry into bit 53: the addition below moves up an exponent
	}
	// The low bit of m is at position p = b-52 ≥ 1, i.e. biased exponent
	// p+1; (p+1)<<52 + (m-2^52) is p<<52 + m.
	r := uint64(b-52)<<52 + m
	if r >= expMask {
		r = expMask // rounded up to 2^1024 or beyond: ±Inf
	}
	return math.Float64frombits(sign | r)
}

// magnitude reads the chunks of |v| for a v normalised by carry, without
// negating v in place: for negative v, -v = ^v + 1, and the +1 carries
// through the zero chunks below bot and stops at bot, which is nonzero.
type magnitude struct {
	d        *[nChunks]int64
	bot, top int
	neg      bool
}

// chunk returns chunk j of the magnitude (j < nChunks); every chunk is below
// 2^32 except possibly the top one.
func (m magnitude) chunk(j int) uint64 {
	v := m.d[j]
	switch {
	case !m.neg:
		return uint64(v)
	case j < m.bot || j > m.top:
		return 0
	case j == m.bot && j == m.top:
		return uint64(-v)
	case j == m.bot:
		return 1<<chunkBits - uint64(v)
	case j < m.top:
		return uint64(^v) & chunkMask
	default: // the top, below 0 and not -1 (carry folded that away)
		return uint64(-v - 1)
	}
}
