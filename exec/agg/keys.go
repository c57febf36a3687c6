package agg

import (
	"math"
	"strconv"
	"time"

	"github.com/sundialdb/sundial/types"
)

// key is the canonical, hashable form of a non-NULL value of a known kind:
// integers, bools, dates and timestamps in i, strings in s, floating values
// as the bits of the value in i with -0 folded into +0 and every NaN into one
// NaN (so a key multiset cannot tell signed zeros or NaN payloads apart, and
// a NaN can be removed again).
type key struct {
	i int64
	s string
}

// canonicalNaN is the NaN every NaN key stands for.
var canonicalNaN = math.Float64frombits(0x7FF8000000000000)

func keyOf(v types.Value) key {
	switch v.Kind {
	case types.Float, types.Double:
		f := v.F
		if f == 0 {
			f = 0
		} else if f != f {
			f = canonicalNaN
		}
		return key{i: int64(math.Float64bits(f))}
	case types.String:
		return key{s: v.S}
	}
	return key{i: v.I}
}

// valueOf returns the value a key of kind k stands for.
func (x key) valueOf(k types.Kind) types.Value {
	switch k {
	case types.Float, types.Double:
		return types.Value{Kind: k, F: math.Float64frombits(uint64(x.i))}
	case types.String:
		return types.Value{Kind: k, S: x.s}
	}
	return types.Value{Kind: k, I: x.i}
}

// compareKeys orders two keys of kind k: integers (and dates, timestamps,
// bools) numerically, strings bytewise, floating values numerically with NaN
// after every number.
func compareKeys(k types.Kind, a, b key) int {
	switch k {
	case types.Float, types.Double:
		x, y := math.Float64frombits(uint64(a.i)), math.Float64frombits(uint64(b.i))
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		case x == y:
			return 0
		case x != x && y != y:
			return 0
		case x != x:
			return 1
		}
		return -1
	case types.String:
		switch {
		case a.s < b.s:
			return -1
		case a.s > b.s:
			return 1
		}
		return 0
	}
	switch {
	case a.i < b.i:
		return -1
	case a.i > b.i:
		return 1
	}
	return 0
}

// counter is a multiset of keys.
type counter struct{ m map[key]int64 }

func newCounter() counter { return counter{m: map[key]int64{}} }

func (c *counter) reset() { clear(c.m) }

// add changes the count of x by d, dropping x at zero.
func (c *counter) add(x key, d int64) {
	n := c.m[x] + d
	if n == 0 {
		delete(c.m, x)
	} else {
		c.m[x] = n
	}
}

// merge adds o's counts to c (o is not changed, and must not be c).
func (c *counter) merge(o *counter) {
	for x, n := range o.m {
		c.add(x, n)
	}
}

// Sortable 64-bit codes: an order-preserving map of numbers to uint64, so one
// monotonic deque or sorted multiset serves every numeric kind.

// intCode maps int64 order-preservingly to uint64.
func intCode(i int64) uint64 { return uint64(i) ^ 1<<63 }

func codeInt(u uint64) int64 { return int64(u ^ 1<<63) }

// floatCode maps float64 to uint64 in the total order -Inf < ... < -0 < +0 <
// ... < +Inf < NaN (every NaN becomes the one canonical NaN).
func floatCode(f float64) uint64 {
	if f != f {
		f = canonicalNaN
	}
	u := math.Float64bits(f)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

func codeFloat(u uint64) float64 {
	if u>>63 != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// numCode returns the sortable code of a non-NULL number, bool, date or
// timestamp.
func numCode(v types.Value) uint64 {
	switch v.Kind {
	case types.Float, types.Double:
		return floatCode(v.F)
	}
	return intCode(v.I)
}

// codeValue turns a code back into a value of kind k.
func codeValue(k types.Kind, u uint64) types.Value {
	switch k {
	case types.Float, types.Double:
		return types.Value{Kind: k, F: codeFloat(u)}
	}
	return types.Value{Kind: k, I: codeInt(u)}
}

// Rendering values inside string results, as OpenMLDB's C++ does
// (v1::format_string): integers %d, floating values printf("%f") (float
// widened to double), dates %Y-%m-%d, timestamps %Y-%m-%d %H:%M:%S in the
// engine's time zone, strings as they are.

// appendFixed appends f as C's printf("%f"): six decimals, correctly rounded
// (ties to even on the exact binary value, as glibc), inf/-inf/nan.
func appendFixed(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f != f:
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'f', 6, 64)
}

// appendValue appends the rendering of a non-NULL value.
func appendValue(b []byte, v types.Value, loc *time.Location) []byte {
	switch v.Kind {
	case types.Float, types.Double:
		return appendFixed(b, v.F)
	case types.String:
		return append(b, v.S...)
	case types.Date:
		return time.Unix(v.I*86400, 0).UTC().AppendFormat(b, "2006-01-02")
	case types.Timestamp:
		sec, ms := v.I/1000, v.I%1000
		if ms < 0 {
			sec--
		}
		return time.Unix(sec, 0).In(loc).AppendFormat(b, "2006-01-02 15:04:05")
	case types.Bool:
		return strconv.AppendBool(b, v.I != 0)
	}
	return strconv.AppendInt(b, v.I, 10)
}
