package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sundialdb/sundial/types"
)

// cast returns x (of kind from) converted to kind to. The planner has checked
// planner.CanCast(from, to); an impossible pair gives a NULL of kind to.
func (c *compiler) cast(x Evaluator, from, to types.Kind) Evaluator {
	if from == to {
		return x
	}
	if from == types.Null || from == types.Invalid {
		return constEval{nullv(to)}
	}
	if (isIntKind(from) || from == types.Timestamp) && (to == types.Float || to == types.Double) {
		if k, ok := x.(constEval); !ok || !k.v.Null {
			ev := &intToFloat{x: asInt(x), f32: to == types.Float, out: to}
			if ok {
				return constEval{ev.Eval(nil, 0)}
			}
			return ev
		}
	}
	f := c.castFunc(from, to)
	if f == nil {
		return constEval{nullv(to)}
	}
	if k, ok := x.(constEval); ok {
		if k.v.Null {
			return constEval{nullv(to)}
		}
		return constEval{f(k.v)}
	}
	return &unaryEval{x: x, out: to, f: f}
}

// castFunc returns the conversion of a non-NULL value of kind from to kind to.
func (c *compiler) castFunc(from, to types.Kind) func(types.Value) types.Value {
	loc := c.loc
	switch to {
	case types.Bool:
		switch {
		case isIntKind(from) || from == types.Timestamp:
			return func(v types.Value) types.Value { return boolv(v.I != 0) }
		case from == types.Float || from == types.Double:
			return func(v types.Value) types.Value { return boolv(v.F != 0 || v.F != v.F) }
		case from == types.String:
			return func(v types.Value) types.Value { return stringToBool(v.S) }
		case from == types.Date:
			return func(types.Value) types.Value { return nullv(types.Bool) }
		}
	case types.Int16, types.Int32, types.Int64:
		switch {
		case isIntKind(from) || from == types.Timestamp:
			return func(v types.Value) types.Value { return types.Value{Kind: to, I: wrapInt(to, v.I)} }
		case from == types.Float || from == types.Double:
			return func(v types.Value) types.Value {
				i, ok := floatToInt(v.F)
				if !ok {
					return nullv(to)
				}
				return types.Value{Kind: to, I: wrapInt(to, i)}
			}
		case from == types.String:
			return func(v types.Value) types.Value { return stringToInt(v.S, to) }
		case from == types.Date:
			return func(types.Value) types.Value { return nullv(to) }
		}
	case types.Float, types.Double:
		round := to == types.Float
		switch {
		case isIntKind(from) || from == types.Timestamp:
			if round {
				return func(v types.Value) types.Value { return types.Value{Kind: to, F: float64(float32(v.I))} }
			}
			return func(v types.Value) types.Value { return types.Value{Kind: to, F: float64(v.I)} }
		case from == types.Float || from == types.Double:
			if round {
				return func(v types.Value) types.Value { return types.Value{Kind: to, F: float64(float32(v.F))} }
			}
			return func(v types.Value) types.Value { return types.Value{Kind: to, F: v.F} }
		case from == types.String:
			return func(v types.Value) types.Value { return stringToFloat(v.S, to) }
		case from == types.Date:
			return func(types.Value) types.Value { return nullv(to) }
		}
	case types.String:
		switch from {
		case types.Bool:
			return func(v types.Value) types.Value {
				if v.I != 0 {
					return types.Value{Kind: types.String, S: "true"}
				}
				return types.Value{Kind: types.String, S: "false"}
			}
		case types.Int16, types.Int32, types.Int64:
			return func(v types.Value) types.Value { return types.Value{Kind: types.String, S: strconv.FormatInt(v.I, 10)} }
		case types.Float:
			return func(v types.Value) types.Value { return types.Value{Kind: types.String, S: formatFloat(v.F, 32)} }
		case types.Double:
			return func(v types.Value) types.Value { return types.Value{Kind: types.String, S: formatFloat(v.F, 64)} }
		case types.Timestamp:
			return func(v types.Value) types.Value {
				return types.Value{Kind: types.String, S: formatTimestamp(v.I, loc)}
			}
		case types.Date:
			return func(v types.Value) types.Value { return types.Value{Kind: types.String, S: formatDate(v.I)} }
		}
	case types.Timestamp:
		switch {
		case isIntKind(from):
			return func(v types.Value) types.Value {
				if v.I < 0 {
					return nullv(types.Timestamp)
				}
				return types.Value{Kind: types.Timestamp, I: v.I}
			}
		case from == types.Float || from == types.Double:
			return func(v types.Value) types.Value {
				i, ok := floatToInt(v.F)
				if !ok || i < 0 {
					return nullv(types.Timestamp)
				}
				return types.Value{Kind: types.Timestamp, I: i}
			}
		case from == types.String:
			return func(v types.Value) types.Value {
				ms, ok := parseTimestamp(v.S, loc)
				if !ok {
					return nullv(types.Timestamp)
				}
				return types.Value{Kind: types.Timestamp, I: ms}
			}
		case from == types.Date:
			return func(v types.Value) types.Value {
				return types.Value{Kind: types.Timestamp, I: dateToTimestamp(v.I, loc)}
			}
		}
	case types.Date:
		switch from {
		case types.String:
			return func(v types.Value) types.Value {
				d, ok := parseDate(v.S)
				if !ok {
					return nullv(types.Date)
				}
				return types.Value{Kind: types.Date, I: d}
			}
		case types.Timestamp:
			return func(v types.Value) types.Value {
				return types.Value{Kind: types.Date, I: timestampToDate(v.I, loc)}
			}
		}
	}
	return nil
}

func isIntKind(k types.Kind) bool { return k >= types.Bool && k <= types.Int64 }

// wrapInt truncates x to the width of kind k (two's complement).
func wrapInt(k types.Kind, x int64) int64 {
	switch k {
	case types.Int16:
		return int64(int16(x))
	case types.Int32:
		return int64(int32(x))
	case types.Bool:
		return x & 1
	}
	return x
}

// floatToInt truncates f toward zero; ok is false for NaN, infinities and
// values outside the bigint range.
func floatToInt(f float64) (int64, bool) {
	t := math.Trunc(f)
	if !(t >= -9223372036854775808.0 && t < 9223372036854775808.0) {
		return 0, false
	}
	return int64(t), true
}

// stringToBool is OpenMLDB's string_to_bool: y/yes/1/t/true and
// n/no/0/f/false (any case); anything else, "" included, is NULL.
func stringToBool(s string) types.Value {
	switch strings.ToLower(s) {
	case "y", "yes", "1", "t", "true":
		return boolv(true)
	case "n", "no", "0", "f", "false":
		return boolv(false)
	}
	return nullv(types.Bool)
}

// stringToInt parses a decimal integer (surrounding spaces allowed); out of
// the range of k, or not a number, gives NULL.
func stringToInt(s string, k types.Kind) types.Value {
	s = strings.TrimSpace(s)
	bits := 64
	switch k {
	case types.Int16:
		bits = 16
	case types.Int32:
		bits = 32
	}
	i, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nullv(k)
	}
	return types.Value{Kind: k, I: i}
}

// stringToFloat parses a number as C's strtod does (leading spaces, inf,
// nan, exponents); trailing text gives NULL.
func stringToFloat(s string, k types.Kind) types.Value {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s == "" || strings.ContainsRune(s, '_') {
		return nullv(k)
	}
	bits := 64
	if k == types.Float {
		bits = 32
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return nullv(k)
		}
	}
	if k == types.Float {
		f = float64(float32(f))
	}
	return types.Value{Kind: k, F: f}
}

// formatFloat prints a float or double as C++'s ostream does by default: six
// significant digits, %g style, "inf"/"-inf"/"nan".
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 6, bits)
}

const msPerDay = 86400 * 1000

// formatTimestamp prints ms as "YYYY-MM-DD HH:MM:SS" in loc.
func formatTimestamp(ms int64, loc *time.Location) string {
	t := time.UnixMilli(ms).In(loc)
	var buf [19]byte
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	put4(buf[0:], y)
	buf[4] = '-'
	put2(buf[5:], int(mo))
	buf[7] = '-'
	put2(buf[8:], d)
	buf[10] = ' '
	put2(buf[11:], h)
	buf[13] = ':'
	put2(buf[14:], mi)
	buf[16] = ':'
	put2(buf[17:], s)
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02 15:04:05")
	}
	return string(buf[:])
}

// formatDate prints days since the epoch as "YYYY-MM-DD".
func formatDate(days int64) string {
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return time.Unix(days*86400, 0).UTC().Format("2006-01-02")
	}
	var buf [10]byte
	put4(buf[0:], y)
	buf[4] = '-'
	put2(buf[5:], m)
	buf[7] = '-'
	put2(buf[8:], d)
	return string(buf[:])
}

func put2(b []byte, v int) {
	b[0] = byte('0' + v/10%10)
	b[1] = byte('0' + v%10)
}

func put4(b []byte, v int) {
	b[0] = byte('0' + v/1000%10)
	b[1] = byte('0' + v/100%10)
	b[2] = byte('0' + v/10%10)
	b[3] = byte('0' + v%10)
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian date.
func civilFromDays(days int64) (y, m, d int) {
	// Howard Hinnant's algorithm.
	z := days + 719468
	era := z
	if z < 0 {
		era = z - 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// daysFromCivil is the inverse of civilFromDays.
func daysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy
	if yy < 0 {
		era = yy - 399
	}
	era /= 400
	yoe := yy - era*400
	mp := int64(m + 9)
	if m > 2 {
		mp = int64(m - 3)
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func validCivil(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// timestampToDate returns the date (days since the epoch) of ms in loc.
func timestampToDate(ms int64, loc *time.Location) int64 {
	y, m, d := time.UnixMilli(ms).In(loc).Date()
	return daysFromCivil(y, int(m), d)
}

// dateToTimestamp returns midnight of the date in loc.
func dateToTimestamp(days int64, loc *time.Location) int64 {
	y, m, d := civilFromDays(days)
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc).UnixMilli()
}

// parseDigits reads n decimal digits of s at i.
func parseDigits(s string, i, n int) (int, bool) {
	v := 0
	for j := i; j < i+n; j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseCivil parses "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD" or "YYYYMMDD" (the
// forms OpenMLDB accepts). Years before 1900 are rejected, as OpenMLDB does.
func parseCivil(s string) (y, mo, d, h, mi, sec int, ok bool) {
	var ok1, ok2, ok3 bool
	switch len(s) {
	case 19:
		if s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
			return
		}
		var ok4, ok5, ok6 bool
		y, ok1 = parseDigits(s, 0, 4)
		mo, ok2 = parseDigits(s, 5, 2)
		d, ok3 = parseDigits(s, 8, 2)
		h, ok4 = parseDigits(s, 11, 2)
		mi, ok5 = parseDigits(s, 14, 2)
		sec, ok6 = parseDigits(s, 17, 2)
		if !(ok4 && ok5 && ok6) || h > 23 || mi > 59 || sec > 60 {
			return
		}
	case 10:
		if s[4] != '-' || s[7] != '-' {
			return
		}
		y, ok1 = parseDigits(s, 0, 4)
		mo, ok2 = parseDigits(s, 5, 2)
		d, ok3 = parseDigits(s, 8, 2)
	case 8:
		y, ok1 = parseDigits(s, 0, 4)
		mo, ok2 = parseDigits(s, 4, 2)
		d, ok3 = parseDigits(s, 6, 2)
	default:
		return
	}
	if !(ok1 && ok2 && ok3) || y < 1900 || !validCivil(y, mo, d) {
		return
	}
	return y, mo, d, h, mi, sec, true
}

// parseTimestamp parses a civil time string in loc into milliseconds.
func parseTimestamp(s string, loc *time.Location) (int64, bool) {
	y, mo, d, h, mi, sec, ok := parseCivil(s)
	if !ok {
		return 0, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc).UnixMilli(), true
}

// parseDate parses a civil date (a time part, if present, is ignored).
func parseDate(s string) (int64, bool) {
	y, mo, d, _, _, _, ok := parseCivil(s)
	if !ok {
		return 0, false
	}
	return daysFromCivil(y, mo, d), true
}
