package types

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Value is one SQL value. It is a plain struct passed by value: kernels never
// box values in interfaces on the hot path.
//
//   - Bool, Int16, Int32, Int64: I (bools are 0/1)
//   - Timestamp: I, milliseconds since the Unix epoch
//   - Date: I, days since 1970-01-01
//   - Float, Double: F (a Float holds a value exactly representable as float32)
//   - String: S
//
// Null is true for SQL NULL; the other fields are then zero. The Kind of a
// NULL is the type of the expression that produced it (or Null for an
// untyped NULL literal).
type Value struct {
	Kind Kind
	Null bool
	I    int64
	F    float64
	S    string
}

// NullOf returns the NULL of kind k.
func NullOf(k Kind) Value { return Value{Kind: k, Null: true} }

// BoolValue, IntValue, ... build non-NULL values.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, I: 1}
	}
	return Value{Kind: Bool}
}
func Int16Value(v int16) Value             { return Value{Kind: Int16, I: int64(v)} }
func Int32Value(v int32) Value             { return Value{Kind: Int32, I: int64(v)} }
func Int64Value(v int64) Value             { return Value{Kind: Int64, I: v} }
func FloatValue(v float32) Value           { return Value{Kind: Float, F: float64(v)} }
func DoubleValue(v float64) Value          { return Value{Kind: Double, F: v} }
func StringValue(s string) Value           { return Value{Kind: String, S: s} }
func TimestampValue(ms int64) Value        { return Value{Kind: Timestamp, I: ms} }
func DateValue(daysSinceEpoch int64) Value { return Value{Kind: Date, I: daysSinceEpoch} }

// Bool reports the truth of a non-NULL bool value.
func (v Value) Bool() bool { return v.I != 0 }

// String renders v as OpenMLDB's CLI does: NULL, true/false, numbers in their
// shortest round-trip form, timestamps as integers, dates as YYYY-MM-DD.
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	switch v.Kind {
	case Bool:
		return strconv.FormatBool(v.I != 0)
	case Int16, Int32, Int64, Timestamp:
		return strconv.FormatInt(v.I, 10)
	case Float:
		return strconv.FormatFloat(v.F, 'g', -1, 32)
	case Double:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case String:
		return v.S
	case Date:
		return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
	}
	return fmt.Sprintf("<%v>", v.Kind)
}

// Identical reports whether a and b are the same value bit for bit (NULLs of
// any kind are identical to each other; NaNs with the same bits are identical).
// This is the equality of Sundial's consistency contract.
func Identical(a, b Value) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Float, Double:
		return math.Float64bits(a.F) == math.Float64bits(b.F)
	case String:
		return a.S == b.S
	}
	return a.I == b.I
}

// Compare orders two non-NULL values of the same kind: -1, 0 or +1. Doubles
// order NaN after every number. It is the order of min/max, ORDER BY and
// LAST JOIN ... ORDER BY.
func Compare(a, b Value) int {
	switch a.Kind {
	case Float, Double:
		switch {
		case a.F < b.F:
			return -1
		case a.F > b.F:
			return 1
		case a.F == b.F:
			return 0
		case math.IsNaN(a.F) && math.IsNaN(b.F):
			return 0
		case math.IsNaN(a.F):
			return 1
		}
		return -1
	case String:
		switch {
		case a.S < b.S:
			return -1
		case a.S > b.S:
			return 1
		}
		return 0
	}
	switch {
	case a.I < b.I:
		return -1
	case a.I > b.I:
		return 1
	}
	return 0
}

// CompareNullsFirst is Compare with NULL ordered before every value (and
// equal to NULL): the order of ORDER BY and of LAST JOIN ... ORDER BY.
func CompareNullsFirst(a, b Value) int {
	switch {
	case a.Null && b.Null:
		return 0
	case a.Null:
		return -1
	case b.Null:
		return 1
	}
	return Compare(a, b)
}
