package window

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sundialdb/sundial/sql"
)

// Unit says how a frame's bounds count.
type Unit uint8

// Frame units.
const (
	// Rows counts rows back from the current row (ROWS).
	Rows Unit = iota + 1
	// Range measures the ORDER BY timestamp back from the current row's (ROWS_RANGE, and RANGE, which
	// Sundial reads as ROWS_RANGE like OpenMLDB does).
	Range
)

// maxOffset bounds frame offsets after unit conversion, so that every bound fits in an int64 with
// room for the OPEN adjustment (±1).
const maxOffset = math.MaxInt64 / 2

// Frame is a compiled frame: plain data, safe to copy, compare and share between goroutines.
//
// Bounds are normalised to closed distances back from the current row: OPEN is folded in
// (n OPEN PRECEDING as a start is n-1, as an end n+1) and time units are converted to milliseconds.
// Start >= End >= 0 always holds.
type Frame struct {
	Unit Unit
	// Unbounded: the frame has no start (UNBOUNDED PRECEDING); Start is then 0 and unused.
	Unbounded bool
	// Start is the oldest end of the frame. Rows: the largest position kept, where position 0 is the
	// current row and position p the p-th candidate before it (newest first). Range: the largest
	// distance r.ts - ts kept (milliseconds for timestamp order columns, the integer value otherwise).
	Start int64
	// End is the newest end of the frame, in the same unit: the smallest position (Rows) or distance
	// (Range) kept. End == 0 means the frame reaches the current row (CURRENT ROW, 0 PRECEDING).
	End int64
	// MaxSize (Range only; 0 = none) keeps only the MaxSize latest rows of the frame.
	MaxSize int64
	// ExcludeCurrentRow removes the current row from the frame.
	ExcludeCurrentRow bool
	// ExcludeCurrentTime removes the candidates whose ts equals the current row's before counting.
	ExcludeCurrentTime bool
	// InstanceNotInWindow: main-table rows other than the current row are not candidates. The caller
	// implements it by passing only union rows as the history; the flag is kept here so that planners
	// and executors read it from one place.
	InstanceNotInWindow bool
}

// Error is a frame that cannot be compiled. Window is the window's name ("" for an inline OVER (...)).
type Error struct {
	Window string
	Msg    string
}

func (e *Error) Error() string {
	if e.Window == "" {
		return "window: " + e.Msg
	}
	return "window " + e.Window + ": " + e.Msg
}

// Compile validates the frame part of a parsed window spec (unit, bounds, OPEN, MAXSIZE, EXCLUDE
// CURRENT_ROW, EXCLUDE CURRENT_TIME, INSTANCE_NOT_IN_WINDOW) and compiles it. Errors are *Error
// values without a window name; use CompileNamed to get messages that name the window.
func Compile(spec *sql.WindowSpec) (*Frame, error) {
	return CompileNamed("", spec)
}

// CompileNamed is Compile for the window called name (as in WINDOW name AS (...)); its errors read
// "window name: ...".
func CompileNamed(name string, spec *sql.WindowSpec) (*Frame, error) {
	fail := func(format string, args ...any) (*Frame, error) {
		return nil, &Error{Window: name, Msg: fmt.Sprintf(format, args...)}
	}
	if spec == nil {
		return fail("no window specification")
	}
	fr := spec.Frame
	if fr == nil {
		return fail("a frame is required: ROWS BETWEEN ... AND CURRENT ROW or ROWS_RANGE BETWEEN ... AND CURRENT ROW")
	}
	f := &Frame{
		MaxSize:             spec.MaxSize,
		ExcludeCurrentRow:   spec.ExcludeCurrentRow,
		ExcludeCurrentTime:  spec.ExcludeCurrentTime,
		InstanceNotInWindow: spec.InstanceNotInWindow,
	}
	unitName := "ROWS_RANGE"
	switch fr.Unit {
	case sql.FrameRows:
		f.Unit, unitName = Rows, "ROWS"
	case sql.FrameRowsRange:
		f.Unit = Range
	case sql.FrameRange:
		f.Unit, unitName = Range, "RANGE"
	default:
		return fail("unknown frame unit %d", fr.Unit)
	}

	// Start bound.
	switch fr.Start.Kind {
	case sql.UnboundedPreceding:
		f.Unbounded = true
	case sql.CurrentRow:
		f.Start = 0
	case sql.Preceding:
		v, err := offset(f.Unit, fr.Start)
		if err != nil {
			return fail("%s", err)
		}
		if fr.Start.Open {
			v-- // ts > r.ts - d  <=>  ts >= r.ts - (d-1); position < n <=> position <= n-1
		}
		f.Start = v
	case sql.Following, sql.UnboundedFollowing:
		return fail("FOLLOWING is not supported: a frame ends at the current row or before it")
	default:
		return fail("the frame has no start bound")
	}

	// End bound.
	switch fr.End.Kind {
	case sql.CurrentRow:
		f.End = 0
	case sql.Preceding:
		v, err := offset(f.Unit, fr.End)
		if err != nil {
			return fail("%s", err)
		}
		if fr.End.Open {
			v++
		}
		f.End = v
	case sql.UnboundedPreceding:
		return fail("the frame cannot end at UNBOUNDED PRECEDING")
	case sql.Following, sql.UnboundedFollowing:
		return fail("FOLLOWING is not supported: a frame ends at the current row or before it")
	default:
		return fail("the frame has no end bound")
	}
	if !f.Unbounded && f.Start < f.End {
		return fail("the frame starts after it ends (%s)", boundsText(fr))
	}

	switch {
	case f.MaxSize < 0:
		return fail("MAXSIZE must be positive")
	case f.MaxSize > 0 && f.Unit == Rows:
		return fail("MAXSIZE needs ROWS_RANGE: a ROWS frame already has a fixed size")
	}

	// The order column. A frame that does not depend on time works without ORDER BY (all rows then
	// have the same timestamp and arrival order decides); one that measures time needs exactly one
	// ascending ORDER BY column.
	needsTime := f.ExcludeCurrentTime || (f.Unit == Range && (!f.Unbounded || f.End > 0))
	switch {
	case len(spec.OrderBy) > 1:
		return fail("a window orders by exactly one column, got %d", len(spec.OrderBy))
	case len(spec.OrderBy) == 1 && spec.OrderBy[0].Desc:
		return fail("ORDER BY ... DESC is not supported: frames count back in time")
	case len(spec.OrderBy) == 0 && f.ExcludeCurrentTime:
		return fail("EXCLUDE CURRENT_TIME needs ORDER BY a timestamp column")
	case len(spec.OrderBy) == 0 && needsTime:
		return fail("%s with a time offset needs ORDER BY a timestamp column", unitName)
	}
	return f, nil
}

// offset converts a PRECEDING bound's value to rows or milliseconds.
func offset(u Unit, b sql.FrameBound) (int64, error) {
	if b.Value < 0 {
		return 0, fmt.Errorf("a frame offset cannot be negative (%d%s PRECEDING)", b.Value, b.Unit)
	}
	if u == Rows {
		if b.Unit != "" {
			return 0, fmt.Errorf("a ROWS frame counts rows: the offset %d%s takes no time unit", b.Value, b.Unit)
		}
		if b.Value > maxOffset {
			return 0, fmt.Errorf("frame offset %d is too large", b.Value)
		}
		return b.Value, nil
	}
	var mul int64
	switch strings.ToLower(b.Unit) {
	case "":
		mul = 1
	case "s":
		mul = 1000
	case "m":
		mul = 60 * 1000
	case "h":
		mul = 60 * 60 * 1000
	case "d":
		mul = 24 * 60 * 60 * 1000
	default:
		return 0, fmt.Errorf("unknown time unit %q in frame offset (expected s, m, h or d)", b.Unit)
	}
	if b.Value > maxOffset/mul {
		return 0, fmt.Errorf("frame offset %d%s is too large", b.Value, b.Unit)
	}
	return b.Value * mul, nil
}

func boundsText(fr *sql.Frame) string {
	return boundText(fr.Start) + " AND " + boundText(fr.End)
}

func boundText(b sql.FrameBound) string {
	switch b.Kind {
	case sql.UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case sql.CurrentRow:
		return "CURRENT ROW"
	case sql.UnboundedFollowing:
		return "UNBOUNDED FOLLOWING"
	}
	s := strconv.FormatInt(b.Value, 10) + b.Unit
	if b.Open {
		s += " OPEN"
	}
	if b.Kind == sql.Following {
		return s + " FOLLOWING"
	}
	return s + " PRECEDING"
}

// WithCurrent reports whether the current row is in its own frame: the frame reaches the current
// row (End == 0) and EXCLUDE CURRENT_ROW is absent.
func (f *Frame) WithCurrent() bool { return f.End == 0 && !f.ExcludeCurrentRow }

// String prints the compiled frame in Sundial's SQL, with bounds normalised (closed, milliseconds).
func (f *Frame) String() string {
	var b strings.Builder
	if f.Unit == Rows {
		b.WriteString("ROWS BETWEEN ")
	} else {
		b.WriteString("ROWS_RANGE BETWEEN ")
	}
	bound := func(v int64) {
		if v == 0 {
			b.WriteString("CURRENT ROW")
			return
		}
		b.WriteString(strconv.FormatInt(v, 10))
		b.WriteString(" PRECEDING")
	}
	if f.Unbounded {
		b.WriteString("UNBOUNDED PRECEDING")
	} else {
		bound(f.Start)
	}
	b.WriteString(" AND ")
	bound(f.End)
	if f.MaxSize > 0 {
		b.WriteString(" MAXSIZE ")
		b.WriteString(strconv.FormatInt(f.MaxSize, 10))
	}
	if f.ExcludeCurrentRow {
		b.WriteString(" EXCLUDE CURRENT_ROW")
	}
	if f.ExcludeCurrentTime {
		b.WriteString(" EXCLUDE CURRENT_TIME")
	}
	if f.InstanceNotInWindow {
		b.WriteString(" INSTANCE_NOT_IN_WINDOW")
	}
	return b.String()
}
