package window

import "math"

// Bounds returns the frame of a current row whose timestamp is cur.
//
// hist holds the timestamps of the current row's candidates (SEMANTICS.md §2, §4): the rows of its
// partition key that are earlier than it in (ts, seq) order, union rows merged in, oldest first; for
// INSTANCE_NOT_IN_WINDOW only the union rows. Every hist[i] <= cur (entries greater than cur are not
// candidates and are ignored).
//
// The frame is hist[lo:hi], plus the current row itself when withCurrent. Bounds does not allocate and
// takes O(log len(hist)).
func (f *Frame) Bounds(hist []int64, cur int64) (lo, hi int, withCurrent bool) {
	e := len(hist)
	if e > 0 && hist[e-1] > cur {
		e = searchGT(hist, cur)
	}
	if f.ExcludeCurrentTime && e > 0 && hist[e-1] == cur {
		e = searchGE(hist[:e], cur)
	}
	// hist[:e] are the candidates that count; hist[e-p] is at position p (p >= 1).
	withCurrent = f.End == 0 && !f.ExcludeCurrentRow
	if f.Unit == Rows {
		lo, hi = f.rowsBounds(e)
		return lo, hi, withCurrent
	}
	hi = e
	if f.End > 0 {
		if u, ok := sub(cur, f.End); !ok {
			hi = 0
		} else if hi > 0 && hist[hi-1] > u {
			hi = searchGT(hist[:hi], u)
		}
	}
	// MAXSIZE: at most room rows of hist, the latest.
	floor := 0
	if f.MaxSize > 0 {
		room := f.MaxSize
		if withCurrent {
			room--
		}
		if int64(hi) > room {
			floor = hi - int(room)
		}
	}
	lo = floor
	if !f.Unbounded && hi > floor {
		if l, ok := sub(cur, f.Start); ok && hist[floor] < l {
			lo = floor + searchGE(hist[floor:hi], l)
		}
	}
	return lo, hi, withCurrent
}

// Enough tells an online reader that scans a key's stored rows newest-first that no older row can be
// in the frame of a current row with timestamp cur. read holds the timestamps of the rows read so far
// (all <= cur, the candidates of the current row), newest first; its last entry is the oldest row
// read. Enough(cur, nil) tells whether the reader needs any stored row at all. O(log len(read)).
//
// Having stopped, the reader reverses read into oldest-first order and calls Bounds on it: the frame
// is the same as over the key's whole history.
func (f *Frame) Enough(cur int64, read []int64) bool {
	// top: the newest timestamp a row may have to count towards ROWS positions or MAXSIZE.
	top, ok := cur, true
	if f.ExcludeCurrentTime {
		top, ok = sub(cur, 1)
	}
	if f.Unit == Rows {
		if f.Unbounded {
			return false
		}
		if f.Start == 0 {
			return true
		}
		if !ok {
			return false
		}
		return int64(countLE(read, top)) >= f.Start
	}
	n := len(read)
	if n > 0 && !f.Unbounded {
		if l, lok := sub(cur, f.Start); lok && read[n-1] < l {
			return true // the oldest row read is already before the frame's start
		}
	}
	if f.MaxSize == 0 {
		return false
	}
	room := f.MaxSize
	if f.WithCurrent() {
		room--
	}
	if room <= 0 {
		return true
	}
	if f.End > 0 {
		u, uok := sub(cur, f.End)
		if !uok {
			return false
		}
		if u < top {
			top = u
		}
	}
	if !ok {
		return false
	}
	// Every row read is at or after the frame's start (checked above), so those at or before top
	// are frame members; once there are room of them, older rows fall outside MAXSIZE.
	return int64(countLE(read, top)) >= room
}

// Cursor computes the frames of the successive rows of one partition in batch, in amortised O(1) per
// row. Each call to Next passes a history that extends the previous call's (the same rows, more of
// them appended) and a timestamp no smaller than the previous one, which is the case when the main
// rows of a partition are visited in (ts, seq) order. A call that breaks this is answered correctly
// (Next falls back to Bounds and restarts), just not in O(1).
type Cursor struct {
	f       *Frame
	n       int   // length of the previous history
	cur     int64 // previous timestamp
	started bool
	e       int // first index with ts >= cur (EXCLUDE CURRENT_TIME)
	hi      int // Range with End > 0: first index with ts > cur - End
	lo      int // Range, bounded: first index with ts >= cur - Start, capped at hi
}

// NewCursor returns a cursor over f, positioned before the first row of a partition.
func (f *Frame) NewCursor() Cursor { return Cursor{f: f} }

// Reset positions c before the first row of a new partition.
func (c *Cursor) Reset() { *c = Cursor{f: c.f} }

// Next returns Bounds(hist, cur) for the next row of the partition.
func (c *Cursor) Next(hist []int64, cur int64) (lo, hi int, withCurrent bool) {
	f := c.f
	n := len(hist)
	if c.started && (n < c.n || cur < c.cur) || n > 0 && hist[n-1] > cur {
		c.Reset()
		return f.Bounds(hist, cur)
	}
	c.started, c.n, c.cur = true, n, cur
	e := n
	if f.ExcludeCurrentTime {
		for c.e < n && hist[c.e] < cur {
			c.e++
		}
		e = c.e
	}
	withCurrent = f.End == 0 && !f.ExcludeCurrentRow
	if f.Unit == Rows {
		lo, hi = f.rowsBounds(e)
		return lo, hi, withCurrent
	}
	hi = e
	if f.End > 0 {
		if u, ok := sub(cur, f.End); ok {
			for c.hi < e && hist[c.hi] <= u {
				c.hi++
			}
			hi = c.hi
		} else {
			hi = 0
		}
	}
	if !f.Unbounded {
		if l, ok := sub(cur, f.Start); ok {
			for c.lo < hi && hist[c.lo] < l {
				c.lo++
			}
			lo = c.lo
		}
		if lo > hi {
			lo = hi
		}
	}
	if f.MaxSize > 0 {
		room := f.MaxSize
		if withCurrent {
			room--
		}
		if int64(hi-lo) > room {
			lo = hi - int(room)
		}
	}
	return lo, hi, withCurrent
}

// sub returns a - b for b >= 0, and false when the result is below math.MinInt64.
func sub(a, b int64) (int64, bool) {
	if a < math.MinInt64+b {
		return 0, false
	}
	return a - b, true
}

// searchGE returns the first index i of the ascending s with s[i] >= x (len(s) if none). Frames
// sit at the end of the history, so it gallops back from the end first: O(log d) for an answer d
// rows from the end.
func searchGE(s []int64, x int64) int {
	i, j := gallop(len(s), func(k int) bool { return s[k] >= x })
	for i < j {
		h := int(uint(i+j) >> 1)
		if s[h] < x {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// searchGT returns the first index i of the ascending s with s[i] > x (len(s) if none), galloping
// back from the end like searchGE.
func searchGT(s []int64, x int64) int {
	i, j := gallop(len(s), func(k int) bool { return s[k] > x })
	for i < j {
		h := int(uint(i+j) >> 1)
		if s[h] <= x {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// gallop narrows the search for the first index where the monotone predicate holds (false...true
// over [0, n)) to [i, j), probing n-1, n-2, n-4, ... from the end.
func gallop(n int, holds func(int) bool) (i, j int) {
	j = n
	for step := 1; ; step <<= 1 {
		k := n - step
		if k < 0 {
			return 0, j
		}
		if !holds(k) {
			return k + 1, j
		}
		j = k
	}
}

// countLE returns how many entries of the descending s are <= x (they are a suffix of s).
func countLE(s []int64, x int64) int {
	i, j := 0, len(s)
	for i < j {
		h := int(uint(i+j) >> 1)
		if s[h] > x {
			i = h + 1
		} else {
			j = h
		}
	}
	return len(s) - i
}

// rowsBounds is the ROWS frame over the e candidates hist[:e] (hist[e-p] is at
// position p, the current row at 0): positions End..Start, as [lo, hi).
func (f *Frame) rowsBounds(e int) (lo, hi int) {
	hi = e
	if f.End > 1 {
		if f.End > int64(e) {
			hi = 0
		} else {
			hi = e - int(f.End) + 1
		}
	}
	if !f.Unbounded && f.Start < int64(e) {
		lo = e - int(f.Start)
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// TSRange gives the frame of a current row with timestamp cur as a closed
// interval of timestamps, for the frames that are one: Range frames with a
// start and no MAXSIZE. The frame is then every candidate (SEMANTICS.md §2)
// with lo <= ts <= hi, plus the current row itself when withCurrent; it is
// what Bounds computes over any history. ok is false for the other frames
// (and when the bounds overflow), which only Bounds describes. lo > hi means
// that no candidate is in the frame.
func (f *Frame) TSRange(cur int64) (lo, hi int64, withCurrent, ok bool) {
	if f.Unit != Range || f.Unbounded || f.MaxSize > 0 {
		return 0, 0, false, false
	}
	withCurrent = f.End == 0 && !f.ExcludeCurrentRow
	hi = cur
	if f.ExcludeCurrentTime {
		if hi, ok = sub(cur, 1); !ok {
			return 0, 0, false, false
		}
	}
	if f.End > 0 {
		u, uok := sub(cur, f.End)
		if !uok {
			return 0, 0, false, false
		}
		hi = min(hi, u)
	}
	if lo, ok = sub(cur, f.Start); !ok {
		return 0, 0, false, false
	}
	return lo, hi, withCurrent, true
}
