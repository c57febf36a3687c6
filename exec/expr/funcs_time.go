package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildTimePart, "year", "month", "dayofmonth", "dayofweek", "dayofyear", "weekofyear",
		"hour", "minute", "second", "last_day")
	register(buildDateFormat, "date_format")
	register(buildUnixTimestamp, "unix_timestamp")
	register(buildDatediff, "datediff")
}

// timeOf returns the time.Time of a timestamp (or bigint milliseconds) in
// loc, or of a date at midnight (in UTC, which only the civil fields matter for).
func timeOf(v types.Value, kind types.Kind, loc *time.Location) time.Time {
	if kind == types.Date {
		y, m, d := civilFromDays(v.I)
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	}
	return time.UnixMilli(v.I).In(loc)
}

func buildTimePart(c *compiler, k *call) (Evaluator, error) {
	kind, loc, out := k.in[0], c.loc, k.out
	i32 := func(x int) types.Value { return types.Value{Kind: types.Int32, I: int64(x)} }
	var f func(v types.Value) types.Value
	switch k.name {
	case "year":
		f = func(v types.Value) types.Value {
			if kind == types.Date {
				y, _, _ := civilFromDays(v.I)
				return i32(y)
			}
			return i32(timeOf(v, kind, loc).Year())
		}
	case "month":
		f = func(v types.Value) types.Value {
			if kind == types.Date {
				_, m, _ := civilFromDays(v.I)
				return i32(m)
			}
			return i32(int(timeOf(v, kind, loc).Month()))
		}
	case "dayofmonth":
		f = func(v types.Value) types.Value {
			if kind == types.Date {
				_, _, d := civilFromDays(v.I)
				return i32(d)
			}
			return i32(timeOf(v, kind, loc).Day())
		}
	case "dayofweek":
		f = func(v types.Value) types.Value { return i32(int(timeOf(v, kind, loc).Weekday()) + 1) }
	case "dayofyear":
		f = func(v types.Value) types.Value {
			if kind != types.Date && v.I < 0 {
				return nullv(types.Int32) // as OpenMLDB
			}
			return i32(timeOf(v, kind, loc).YearDay())
		}
	case "weekofyear":
		f = func(v types.Value) types.Value {
			_, w := timeOf(v, kind, loc).ISOWeek()
			return i32(w)
		}
	case "hour":
		f = func(v types.Value) types.Value { return i32(timeOf(v, kind, loc).Hour()) }
	case "minute":
		f = func(v types.Value) types.Value { return i32(timeOf(v, kind, loc).Minute()) }
	case "second":
		f = func(v types.Value) types.Value { return i32(timeOf(v, kind, loc).Second()) }
	case "last_day":
		f = func(v types.Value) types.Value {
			if kind != types.Date && v.I < 0 {
				return nullv(types.Date)
			}
			t := timeOf(v, kind, loc)
			y, m := t.Year(), int(t.Month())
			return types.Value{Kind: types.Date, I: daysFromCivil(y, m, daysIn(y, m))}
		}
	}
	return &unaryEval{x: k.args[0], out: out, f: f}, nil
}

func buildDateFormat(c *compiler, k *call) (Evaluator, error) {
	kind, loc := k.in[0], c.loc
	if format, ok := k.constString(1); ok {
		return &unaryEval{x: k.args[0], out: types.String, f: func(v types.Value) types.Value {
			return strv(strftime(timeOf(v, kind, loc), format))
		}}, nil
	}
	return &binaryEval{a: k.args[0], b: k.args[1], out: types.String, f: func(v, format types.Value) types.Value {
		return strv(strftime(timeOf(v, kind, loc), format.S))
	}}, nil
}

func buildUnixTimestamp(c *compiler, k *call) (Evaluator, error) {
	kind, loc := k.in[0], c.loc
	return &unaryEval{x: k.args[0], out: types.Int64, f: func(v types.Value) types.Value {
		var ms int64
		switch kind {
		case types.Timestamp:
			ms = v.I
		case types.Date:
			ms = dateToTimestamp(v.I, loc)
		case types.String:
			var ok bool
			if ms, ok = parseTimestamp(v.S, loc); !ok {
				return nullv(types.Int64)
			}
		}
		return types.Value{Kind: types.Int64, I: ms / 1000}
	}}, nil
}

func buildDatediff(c *compiler, k *call) (Evaluator, error) {
	return &binaryEval{a: k.args[0], b: k.args[1], out: types.Int32, f: func(a, b types.Value) types.Value {
		return types.Value{Kind: types.Int32, I: a.I - b.I}
	}}, nil
}

var (
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	dayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// strftime formats t with C strftime directives (the C locale): %Y %m %d %H
// %M %S %y %e %j %I %p %b %h %B %a %A %u %w %F %T %D %R %s %n %t %%; other
// directives are copied as written.
func strftime(t time.Time, format string) string {
	if strings.IndexByte(format, '%') < 0 {
		return format
	}
	var b []byte
	pad := func(v, width int, fill byte) {
		s := strconv.Itoa(v)
		for i := len(s); i < width; i++ {
			b = append(b, fill)
		}
		b = append(b, s...)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			pad(t.Year(), 4, '0')
		case 'm':
			pad(int(t.Month()), 2, '0')
		case 'd':
			pad(t.Day(), 2, '0')
		case 'e':
			pad(t.Day(), 2, ' ')
		case 'H':
			pad(t.Hour(), 2, '0')
		case 'M':
			pad(t.Minute(), 2, '0')
		case 'S':
			pad(t.Second(), 2, '0')
		case 'y':
			pad(t.Year()%100, 2, '0')
		case 'j':
			pad(t.YearDay(), 3, '0')
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, 2, '0')
		case 'p':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'b', 'h':
			b = append(b, monthNames[t.Month()-1][:3]...)
		case 'B':
			b = append(b, monthNames[t.Month()-1]...)
		case 'a':
			b = append(b, dayNames[t.Weekday()][:3]...)
		case 'A':
			b = append(b, dayNames[t.Weekday()]...)
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			pad(wd, 1, '0')
		case 'w':
			pad(int(t.Weekday()), 1, '0')
		case 'F':
			b = append(b, strftime(t, "%Y-%m-%d")...)
		case 'T':
			b = append(b, strftime(t, "%H:%M:%S")...)
		case 'D':
			b = append(b, strftime(t, "%m/%d/%y")...)
		case 'R':
			b = append(b, strftime(t, "%H:%M")...)
		case 's':
			b = strconv.AppendInt(b, t.Unix(), 10)
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '%':
			b = append(b, '%')
		default:
			b = append(b, '%', format[i])
		}
	}
	return string(b)
}
