package agg

import (
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// FrameSpec returns the window specification a call of function name
// actually aggregates over: spec itself, except for the functions that
// OpenMLDB evaluates over their own frame (lag/at count back from the current
// row, whatever the window's bounds and MAXSIZE; EXCLUDE CURRENT_TIME still
// applies — conformance cases window_attributes/9, test_window_union/18-4).
// Both executors call it, so the rule lives in one place.
func FrameSpec(name string, consts []types.Value, spec *sql.WindowSpec) *sql.WindowSpec {
	n, ok := OwnFrame(name, consts)
	if !ok {
		return spec
	}
	c := *spec
	c.Frame = &sql.Frame{Unit: sql.FrameRows, Between: true,
		Start: sql.FrameBound{Kind: sql.Preceding, Value: n}, End: sql.FrameBound{Kind: sql.CurrentRow}}
	c.MaxSize, c.ExcludeCurrentRow = 0, false
	return &c
}
