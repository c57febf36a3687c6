package online

import (
	"fmt"
	"hash/maphash"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sundialdb/sundial/exec/agg"
	"github.com/sundialdb/sundial/exec/window"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// Long windows (DEPLOY ... OPTIONS(long_windows='w30d:1h')).
//
// For a window named in the option, every key of its index whose newest
// frame holds at least MinRows rows keeps one partial aggregate per call and
// per bucket of time (1h above): a ring of the buckets that a frame ending at the key's
// newest row can cover. The buckets follow the store through an observer
// (storage.Observable), so they hold exactly the rows the store does. A
// request merges the buckets wholly inside its frame (agg.Merge) and reads
// only the rows of the frame's two partial buckets from the store: a 30-day
// window over a key with a million rows reads two hours of rows and merges
// 720 partial aggregates. The answer is the one computed from the rows, bit
// for bit: the calls allowed are order-insensitive (count, sum, avg, min,
// max and their _where forms; sums are exact), and a request the buckets
// cannot serve (a key below MinRows, a frame older than the ring) is
// computed from the rows as usual. A key may keep coarser buckets (a multiple
// of the option's) while it has few rows, and move to the option's when it
// has many (tiersOf).

// DefaultLongMinRows is the number of rows in a key's newest frame from
// which the key keeps the buckets of a long window whose ring has nb
// buckets: four rows a bucket, and at least 64. Below it, reading the rows
// is about as quick as merging buckets and reading the partial ones, and
// the buckets would cost memory for little: a bucket costs some 40 bytes per
// call (an aggregator), a stored row some 65, so a key's buckets stay under
// a sixth of its rows' memory per call. A day's buckets over 30 days (nb 32)
// start at 128 rows; an hour's (nb 722) at 2,888.
//
// When every call of the window keeps its buckets packed (agg.Packed: count,
// count_where), a bucket costs 12 bytes (its word and its row count) and
// the buckets are merged from one array: one row a bucket, and at least 32.
func DefaultLongMinRows(nb int64, packed bool) int {
	if packed {
		return int(max(32, min(nb, 1<<30)))
	}
	return int(max(64, min(4*nb, 1<<30)))
}

// coarseBuckets is about the number of buckets a frame is cut into by a long
// window's coarse tier.
const coarseBuckets = 30

// tiersOf returns the tiers of a long window over a frame of start ms. The
// fine tier is the option's bucket, for keys from minRows rows (0: from
// DefaultLongMinRows of its ring). Without minRows, and when the option's
// bucket cuts the frame into more than coarseBuckets, keys with fewer rows
// use a coarse tier whose bucket is the smallest multiple of the option's
// that cuts it into at most coarseBuckets (a day for w30d:1h), from
// DefaultLongMinRows of its own ring, until its coarse buckets hold fineFrom
// rows each (7,680 rows for w30d:1h): a key of a few thousand rows then
// keeps 32 buckets rather than 722 (memory), and a key of a million rows
// still reads at most an hour of rows at each end of its frame, not a day
// (time). Either tier gives the rows' answer.
func tiersOf(spec LongWindow, start int64, minRows int, packed bool) (tier, *tier) {
	nb := start/spec.BucketMS + 2
	fine := tier{b: spec.BucketMS, nb: nb, minRows: minRows, text: spec.Text}
	if minRows > 0 {
		return fine, nil
	}
	fine.minRows = DefaultLongMinRows(nb, packed)
	m := (start/spec.BucketMS + coarseBuckets - 1) / coarseBuckets
	if m < 2 || spec.BucketMS > math.MaxInt64/m {
		return fine, nil
	}
	coarse := coarseTier(spec.BucketMS*m, start, 0, packed)
	if coarse.minRows >= fine.minRows {
		return fine, nil
	}
	// The fine tier costs nb buckets a key: keys keep the coarse one until
	// its buckets hold fineFrom rows each on average, the two partial ones a
	// request reads then costing more than merging fine buckets.
	fine.minRows = int(max(int64(fine.minRows), min(fineFrom*(coarse.nb-2), 1<<30)))
	return fine, coarse
}

// coarseTier is the tier of buckets of b ms over a frame of start ms, for
// keys from minRows rows (0: DefaultLongMinRows of its ring).
func coarseTier(b, start int64, minRows int, packed bool) *tier {
	t := &tier{b: b, nb: start/b + 2, minRows: minRows, text: bucketText(b)}
	if minRows <= 0 {
		t.minRows = DefaultLongMinRows(t.nb, packed)
	}
	return t
}

// fineFrom is the average number of rows in a coarse bucket from which a key
// moves to the fine tier.
const fineFrom = 256

// bucketText writes a bucket of ms as the option would: in the largest of
// d, h, m and s that divides it, else in ms.
func bucketText(ms int64) string {
	for _, u := range []struct {
		ms   int64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}} {
		if ms%u.ms == 0 {
			return strconv.FormatInt(ms/u.ms, 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// LongWindow is one window of a long_windows option.
type LongWindow struct {
	Window   string
	Text     string // the bucket as written: "1h", "1000"
	BucketMS int64  // a time bucket, in ms; 0 for a row-count bucket
	Rows     int64  // a row-count bucket; 0 for a time bucket
}

var longBucketRE = regexp.MustCompile(`^([0-9]+)([smhdSMHD]?)$`)

// ParseLongWindows parses the value of DEPLOY's long_windows option: a
// comma-separated list of window:bucket, where a bucket is a time (a number
// with s, m, h or d) or a number of rows.
func ParseLongWindows(s string) ([]LongWindow, error) {
	var out []LongWindow
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, bucket, ok := strings.Cut(part, ":")
		name, bucket = strings.TrimSpace(name), strings.TrimSpace(bucket)
		if !ok || name == "" || bucket == "" {
			return nil, planner.Errorf(planner.ErrUnsupported, "long_windows: %q is not window:bucket (as in 'w1:1d')", part)
		}
		if seen[strings.ToLower(name)] {
			return nil, planner.Errorf(planner.ErrUnsupported, "long_windows: window %s is named twice", name)
		}
		seen[strings.ToLower(name)] = true
		m := longBucketRE.FindStringSubmatch(bucket)
		var n int64
		var err error
		if m != nil {
			n, err = strconv.ParseInt(m[1], 10, 64)
		}
		if m == nil || err != nil || n <= 0 {
			return nil, planner.Errorf(planner.ErrUnsupported, "long_windows: window %s: bucket %s is neither a time (a positive number with s, m, h or d) nor a number of rows", name, bucket)
		}
		lw := LongWindow{Window: name, Text: bucket}
		unit := map[string]int64{"": 0, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}[strings.ToLower(m[2])]
		if unit == 0 {
			lw.Rows = n
		} else {
			if n > math.MaxInt64/unit {
				return nil, planner.Errorf(planner.ErrUnsupported, "long_windows: window %s: bucket %s is too long", name, bucket)
			}
			lw.BucketMS = n * unit
		}
		out = append(out, lw)
	}
	if len(out) == 0 {
		return nil, planner.Errorf(planner.ErrUnsupported, "long_windows: no window given (as in 'w1:1d')")
	}
	return out, nil
}

// longFuncs are the aggregates a long window may compute (OpenMLDB's list):
// each is insensitive to the order of its rows, so buckets that received
// late rows out of order still give the rows' answer.
var longFuncs = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"count_where": true, "sum_where": true, "avg_where": true, "min_where": true, "max_where": true,
}

// checkLongCall refuses, as OpenMLDB does, the calls a long window cannot
// pre-aggregate, naming the window and the call.
func checkLongCall(a *planner.WindowAgg) error {
	fail := func(format string, args ...any) error {
		return planner.Errorf(planner.ErrUnsupported, "long window %s: %s(...): %s", a.Window, a.Func, fmt.Sprintf(format, args...))
	}
	if !longFuncs[a.Func] {
		return fail("only count, sum, avg, min, max and count_where, sum_where, avg_where, min_where, max_where are pre-aggregated")
	}
	args := a.Args
	if a.Func == "count_where" && len(args) == 1 {
		// count_where(*, cond): the binder drops the *.
		return checkLongCondOf(fail, args[0])
	}
	if len(args) == 0 {
		if a.Func == "count" {
			return nil
		}
		return fail("needs a column argument")
	}
	v := args[0].Kind()
	switch a.Func {
	case "sum":
		if !v.IsNumeric() && v != types.Timestamp {
			return fail("the value is %s, not a number", v)
		}
	case "avg", "sum_where", "avg_where", "min_where", "max_where":
		if !v.IsNumeric() {
			return fail("the value is %s, not a number", v)
		}
	case "min", "max":
		if v == types.Bool {
			return fail("the value is bool")
		}
	}
	if strings.HasSuffix(a.Func, "_where") {
		if len(args) != 2 {
			return fail("needs a value and a condition")
		}
		return checkLongCondOf(fail, args[1])
	}
	return nil
}

func checkLongCondOf(fail func(string, ...any) error, cond planner.Expr) error {
	if err := checkLongCond(cond); err != nil {
		return fail("%v", err)
	}
	return nil
}

// checkLongCond accepts the conditions OpenMLDB pre-aggregates: one
// comparison of a column (not a timestamp or a date) with a constant.
func checkLongCond(e planner.Expr) error {
	c, ok := e.(*planner.Call)
	if !ok || len(c.Args) != 2 {
		return fmt.Errorf("the condition must compare one column with a constant (as in c2 > 1), not %s", e)
	}
	switch c.Name {
	case "<", "<=", ">", ">=", "=", "==", "!=", "<>":
	default:
		return fmt.Errorf("the condition must compare one column with a constant (as in c2 > 1), not %s", e)
	}
	col, cst := 0, 0
	for _, x := range c.Args {
		for {
			cast, ok := x.(*planner.Cast)
			if !ok {
				break
			}
			x = cast.X
		}
		switch x := x.(type) {
		case *planner.ColRef:
			if x.T == types.Timestamp || x.T == types.Date {
				return fmt.Errorf("the condition compares column %s of type %s; time columns are not pre-aggregated", x.Name, x.T)
			}
			col++
		case *planner.Const:
			cst++
		}
	}
	if col != 1 || cst != 1 {
		return fmt.Errorf("the condition must compare one column with a constant (as in c2 > 1), not %s", e)
	}
	return nil
}

// longWindow keeps the buckets of the calls of one window that run over
// buckets. Its keys are the encoded keys of the source's index.
type longWindow struct {
	spec  LongWindow
	group *windowGroup
	src   *source
	st    storage.Observable
	calls []*windowCall
	// place is where each call keeps its state in a bucket: call c's is
	// series.aggs[slot*nAgg+place[c]] when place[c] >= 0, else the word
	// series.words[slot*nPacked+(-1-place[c])] (an agg.Packed call).
	place         []int
	nAgg, nPacked int64
	// fine is the option's bucket; coarse (nil when the option's bucket
	// cuts the frame into few buckets already, or long_windows_min_rows is
	// given) a multiple of it that cuts the frame into some 30, for the
	// keys with fewer rows: see tiersOf.
	fine   tier
	coarse *tier
	ttl    storage.IndexSpec
	seed   maphash.Seed
	shards [64]lwShard
	// has filters the keys with a series, so that most requests and
	// writes (keys below MinRows) skip the shard's lock and map: bit
	// (hash>>6)%hasBits is set before a key's series is published and never
	// cleared (a set bit only means "look in the map").
	has     [hasBits / 64]atomic.Uint64
	cancel  func()
	scratch sync.Pool // of *lwScratch
	served  atomic.Int64
	moved   atomic.Int64 // keys moved from the coarse tier to the fine
}

type lwShard struct {
	mu     sync.RWMutex
	series map[string]*series
	// later: keys with MinRows rows of which fewer than MinRows are in
	// the newest frame, and the row count at which to look again.
	later map[string]int
}

// tier is a bucket size of a long window and the keys that use it.
type tier struct {
	b       int64 // bucket, in ms
	nb      int64 // ring length in buckets
	minRows int   // rows in a key's newest frame from which it uses the tier
	text    string
}

// series is one key's ring of buckets of tier t: bucket k (rows with k*b <=
// ts < (k+1)*b) lives in slot k mod nb while head-nb < k <= head, head being
// the bucket of the key's newest row.
type series struct {
	mu     sync.RWMutex
	t      *tier // never changes: a key moving to the fine tier gets a new series
	head   int64
	newest int64            // the newest row's ts
	total  int              // rows in the ring
	aggs   []agg.Aggregator // see longWindow.place; nil until the slot first holds a row
	words  []int64          // the packed calls' states (see longWindow.place)
	rows   []int32          // rows per slot; a slot without rows holds no state
}

type lwScratch struct {
	b       types.Batch
	args    []types.Value
	vals    [][]types.Value // per call
	rows    [][]byte
	ts      []int64
	allNull []bool
	packs   []agg.Packed // per packed call: adds a row to a word
	// addRows' scan: collect keeps the rows with ts >= lo (bound once, so
	// that a scan allocates no callback).
	lo      int64
	collect func(ts int64, seq uint64, row []byte) bool
}

func (sc *lwScratch) collected(ts int64, _ uint64, row []byte) bool {
	if ts < sc.lo {
		return false
	}
	sc.rows = append(sc.rows, row)
	return true
}

// hasBits is the size of longWindow.has: 8 KiB, a few percent of false
// positives with thousands of keys in buckets.
const hasBits = 1 << 16

// slot returns a key's shard, and the word of lw.has and the bit in it of
// the key: both from one hash of it.
func (lw *longWindow) slot(key []byte) (sh *lwShard, w *atomic.Uint64, bit uint64) {
	h := maphash.Bytes(lw.seed, key)
	b := (h >> 6) % hasBits
	return &lw.shards[h%uint64(len(lw.shards))], &lw.has[b/64], 1 << (b % 64)
}

func (lw *longWindow) get(key []byte) *series {
	sh, w, bit := lw.slot(key)
	if w.Load()&bit == 0 {
		return nil
	}
	sh.mu.RLock()
	s := sh.series[string(key)]
	sh.mu.RUnlock()
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// minRows is the fewest rows in a key's newest frame from which it keeps
// buckets (of either tier).
func (lw *longWindow) minRows() int {
	if lw.coarse != nil {
		return lw.coarse.minRows
	}
	return lw.fine.minRows
}

// start follows the store: it registers the observer, then gives buckets to
// the keys that already hold MinRows rows.
func (lw *longWindow) start() error {
	cancel, err := lw.st.Observe(lw.src.index, lw.observe)
	if err != nil {
		return err
	}
	lw.cancel = cancel
	return lw.st.EachKey(lw.src.index, func(key []byte, n int) bool {
		if n >= lw.minRows() && lw.get(key) == nil {
			lw.consider(key, n)
		}
		return true
	})
}

// consider builds a key's buckets when its newest frame holds MinRows rows:
// below that, reading the frame's rows is as quick as merging buckets, and
// buckets would cost memory for nothing. Otherwise it looks again once the
// key has a quarter more rows. The caller holds the key's write lock.
func (lw *longWindow) consider(key []byte, n int) {
	sh, _, _ := lw.slot(key)
	sh.mu.RLock()
	next, wait := sh.later[string(key)]
	sh.mu.RUnlock()
	if wait && n < next {
		return
	}
	start := lw.calls[0].frame.Start
	inFrame, from := 0, int64(math.MinInt64)
	_ = lw.st.ScanKey(lw.src.index, key, math.MaxInt64, math.MinInt64, func(ts int64, _ uint64, _ []byte) bool {
		if from == math.MinInt64 {
			from, _ = subOK(ts, start)
		}
		if ts < from {
			return false
		}
		inFrame++
		return inFrame < lw.fine.minRows
	})
	t := &lw.fine
	if inFrame < lw.fine.minRows {
		t = lw.coarse
	}
	if t != nil && inFrame >= t.minRows {
		sh.mu.Lock()
		delete(sh.later, string(key))
		sh.mu.Unlock()
		lw.build(key, t)
		return
	}
	sh.mu.Lock()
	if sh.later == nil {
		sh.later = map[string]int{}
	}
	sh.later[string(key)] = n + n/4 + 1
	sh.mu.Unlock()
}

func (lw *longWindow) stop() {
	if lw.cancel != nil {
		lw.cancel()
	}
}

// observe is the storage observer: it runs under the key's write lock.
func (lw *longWindow) observe(key []byte, n int, ts int64, _ uint64, row []byte) {
	s := lw.get(key)
	if s == nil {
		if n >= lw.minRows() {
			lw.consider(key, n) // the row is linked already: a build reads it
		}
		return
	}
	sc := lw.getScratch()
	sc.rows = append(sc.rows[:0], row)
	lw.evalRows(sc, sc.rows, -1)
	s.mu.Lock()
	lw.add(s, ts, sc, 0)
	grown := s.t != &lw.fine && s.total >= lw.fine.minRows
	s.mu.Unlock()
	lw.putScratch(sc)
	if grown {
		// The key has the fine tier's rows (in its ring, a little more
		// than its frame): its frames' partial buckets are cheaper to read
		// at the fine size.
		lw.build(key, &lw.fine)
		lw.moved.Add(1)
	}
}

// build reads a key's rows into a new series of tier t and publishes it (in
// place of the key's series of the coarse tier, if any). The caller holds
// the key's write lock (observe, EachKey), so no row is linked between the
// scan and the publication.
func (lw *longWindow) build(key []byte, t *tier) {
	s := &series{t: t, head: math.MinInt64, newest: math.MinInt64}
	sc := lw.getScratch()
	sc.rows, sc.ts = sc.rows[:0], sc.ts[:0]
	// Every row the store holds, expired or not: requests never merge a
	// bucket that the TTL has started to expire (see answer).
	_ = lw.st.ScanKey(lw.src.index, key, math.MaxInt64, math.MinInt64, func(ts int64, _ uint64, row []byte) bool {
		if s.head == math.MinInt64 {
			s.head = floorDiv(ts, t.b)
		} else if floorDiv(ts, t.b) <= s.head-t.nb {
			return false // older than the ring
		}
		sc.rows = append(sc.rows, row)
		sc.ts = append(sc.ts, ts)
		return true
	})
	lw.alloc(s)
	// Oldest first, as a fresh aggregate would see them.
	slices.Reverse(sc.rows)
	slices.Reverse(sc.ts)
	lw.evalRows(sc, sc.rows, -1)
	for i, ts := range sc.ts {
		lw.add(s, ts, sc, i)
	}
	lw.putScratch(sc)
	sh, w, bit := lw.slot(key)
	w.Or(bit)
	sh.mu.Lock()
	if sh.series == nil {
		sh.series = map[string]*series{}
	}
	sh.series[string(key)] = s
	sh.mu.Unlock()
}

// add puts row i of sc (evaluated by evalRows) with timestamp ts into its
// bucket, moving the ring forward when it is the key's newest bucket yet.
// The caller holds s.mu (or owns s).
func (lw *longWindow) add(s *series, ts int64, sc *lwScratch, i int) {
	t := s.t
	k := floorDiv(ts, t.b)
	if s.rows == nil {
		lw.alloc(s)
		s.head = k
	}
	if k > s.head {
		for j := s.head + 1; j <= k && j <= s.head+t.nb; j++ {
			slot := mod(j, t.nb)
			if s.rows[slot] != 0 {
				s.total -= int(s.rows[slot])
				s.rows[slot] = 0
				for _, a := range s.aggs[slot*lw.nAgg : (slot+1)*lw.nAgg] {
					if a != nil {
						a.Reset()
					}
				}
			}
		}
		s.head = k
	}
	if k <= s.head-t.nb {
		return // older than the ring: requests reaching it read rows
	}
	slot := mod(k, t.nb)
	for c, call := range lw.calls {
		args := sc.vals[c][i*len(call.args) : (i+1)*len(call.args)]
		if p := int64(lw.place[c]); p >= 0 {
			a := s.aggs[slot*lw.nAgg+p]
			if a == nil {
				a = call.newAgg()
				s.aggs[slot*lw.nAgg+p] = a
			}
			a.Add(args)
			continue
		}
		w := &s.words[slot*lw.nPacked-1-int64(lw.place[c])]
		pk := sc.packs[c]
		if pk == nil {
			pk = call.newAgg().(agg.Packed)
			sc.packs[c] = pk
		}
		pk.Reset()
		if s.rows[slot] != 0 {
			pk.MergePacked(*w)
		}
		pk.Add(args)
		*w = pk.Pack()
	}
	s.rows[slot]++
	s.total++
	s.newest = max(s.newest, ts)
}

// alloc gives s (of tier s.t) its empty ring.
func (lw *longWindow) alloc(s *series) {
	nb := s.t.nb
	s.aggs = make([]agg.Aggregator, nb*lw.nAgg)
	if lw.nPacked > 0 {
		s.words = make([]int64, nb*lw.nPacked)
	}
	s.rows = make([]int32, nb)
}

// lay decides where each call keeps its state in a bucket (place): a word
// for the calls whose aggregate is agg.Packed, an aggregator for the others.
func (lw *longWindow) lay() {
	lw.place = make([]int, len(lw.calls))
	lw.nAgg, lw.nPacked = 0, 0
	for c, call := range lw.calls {
		if _, ok := call.newAgg().(agg.Packed); ok {
			lw.nPacked++
			lw.place[c] = -int(lw.nPacked)
		} else {
			lw.place[c] = int(lw.nAgg)
			lw.nAgg++
		}
	}
}

func (lw *longWindow) getScratch() *lwScratch {
	if sc, ok := lw.scratch.Get().(*lwScratch); ok {
		return sc
	}
	sc := &lwScratch{vals: make([][]types.Value, len(lw.calls)), packs: make([]agg.Packed, len(lw.calls))}
	sc.collect = sc.collected
	return sc
}

func (lw *longWindow) putScratch(sc *lwScratch) {
	if len(sc.rows) > 4096 {
		return // a build's: let it go
	}
	clear(sc.rows)
	sc.rows = sc.rows[:0]
	lw.scratch.Put(sc)
}

// evalRows evaluates the arguments of call only (-1: every call) over stored
// rows: sc.vals[c] holds row i's arguments at [i*len(args), (i+1)*len(args)).
func (lw *longWindow) evalRows(sc *lwScratch, rows [][]byte, only int) {
	g := lw.group
	b := &sc.b
	schema := lw.src.dec.Schema()[:lw.src.cols]
	if len(b.Cols) != len(schema) {
		b.Schema = schema
		b.Cols = make([]*types.Column, len(schema))
		for ci, f := range schema {
			b.Cols[ci] = &types.Column{Kind: f.Kind}
		}
	}
	sc.allNull = boolsTrue(sc.allNull, len(rows))
	for ci := range schema {
		col := b.Cols[ci]
		if !g.need[ci] {
			*col = types.Column{Kind: col.Kind, Nulls: sc.allNull[:len(rows)]}
			continue
		}
		// Reused: truncated, not reallocated (the aggregators keep Values,
		// never the columns).
		clear(col.S)
		*col = types.Column{Kind: col.Kind, I: col.I[:0], F: col.F[:0], S: col.S[:0]}
		for _, row := range rows {
			col.Append(lw.src.dec.Value(row, ci))
		}
	}
	for c, call := range lw.calls {
		if only >= 0 && c != only {
			continue
		}
		v := sc.vals[c][:0]
		for i := range rows {
			for _, ev := range call.args {
				v = append(v, ev.Eval(b, i))
			}
		}
		sc.vals[c] = v
	}
}

// answer computes call c (one of lw.calls) for a request at cur over s,
// the key's series (lw.get; nil: none), and the rows of the frame's partial
// buckets. ok is false when the buckets cannot serve the request: the caller
// reads rows.
func (lw *longWindow) answer(r *request, c *windowCall, s *series, key []byte, cur int64, in *types.Batch, args *[]types.Value) (types.Value, bool) {
	if s == nil {
		return types.Value{}, false
	}
	lo, hi, withCur, ok := c.frame.TSRange(cur)
	if !ok {
		return types.Value{}, false
	}
	b := s.t.b
	// Full buckets: kLo*b >= lo and (kHi+1)*b-1 <= hi.
	kLo := floorDiv(lo, b)
	if kLo*b < lo {
		kLo++
	}
	if hi == math.MaxInt64 {
		return types.Value{}, false
	}
	kHi := floorDiv(hi+1, b) - 1
	// A bucket the TTL has started to expire is read as rows (the store
	// hides expired rows): rows expire by time when ts <= now - AbsMillis
	// (under absandlat only those may expire, if the count limit agrees).
	if ttl := lw.ttl; ttl.AbsMillis > 0 && ttl.TTLType != storage.TTLLatest {
		if cut, ok := subOK(r.now, ttl.AbsMillis); ok {
			kLo = max(kLo, floorDiv(cut, b)+1)
		}
	}
	if kLo > kHi {
		return types.Value{}, false
	}
	a := c.aggs.Get().(agg.Aggregator)
	defer c.aggs.Put(a)
	a.Reset()
	sc := lw.getScratch()
	defer lw.putScratch(sc)
	// The rows before the first full bucket, oldest first.
	if !lw.addRows(a, sc, c, key, lo, kLo*b-1, r.now) {
		return types.Value{}, false
	}
	p := int64(lw.place[c.longI])
	s.mu.RLock()
	if s.rows == nil || kLo <= s.head-s.t.nb {
		s.mu.RUnlock()
		return types.Value{}, false // older than the ring
	}
	top, after := min(kHi, s.head), true
	if s.newest <= hi {
		// No row of the key is newer than the frame: the buckets after
		// the last full one hold only rows of the frame.
		top, after = s.head, false
	}
	if p >= 0 {
		for k := kLo; k <= top; k++ {
			if slot := mod(k, s.t.nb); s.rows[slot] != 0 {
				a.Merge(s.aggs[slot*lw.nAgg+p])
			}
		}
	} else {
		pk := a.(agg.Packed)
		for k := kLo; k <= top; k++ {
			if slot := mod(k, s.t.nb); s.rows[slot] != 0 {
				pk.MergePacked(s.words[slot*lw.nPacked-1-p])
			}
		}
	}
	s.mu.RUnlock()
	// The rows after the last full bucket (and any row newer than the ring's
	// head when the frame reaches past it).
	if after && !lw.addRows(a, sc, c, key, (top+1)*b, hi, r.now) {
		return types.Value{}, false
	}
	if withCur {
		a.Add(evalArgs(c.args, in, 0, args))
	}
	lw.served.Add(1)
	return a.Result(), true
}

func subOK(a, b int64) (int64, bool) {
	if a < math.MinInt64+b {
		return 0, false
	}
	return a - b, true
}

// addRows adds to a the key's live rows with lo <= ts <= hi, oldest first.
func (lw *longWindow) addRows(a agg.Aggregator, sc *lwScratch, c *windowCall, key []byte, lo, hi, now int64) bool {
	if lo > hi {
		return true
	}
	sc.rows, sc.lo = sc.rows[:0], lo
	if err := lw.st.ScanKey(lw.src.index, key, hi, now, sc.collect); err != nil {
		return false
	}
	if len(sc.rows) == 0 {
		return true
	}
	slices.Reverse(sc.rows)
	ci := c.longI
	lw.evalRows(sc, sc.rows, ci)
	n := len(c.args)
	for i := range sc.rows {
		a.Add(sc.vals[ci][i*n : (i+1)*n])
	}
	return true
}

// LongWindowServed is the number of call answers the deployment's long
// windows have given from buckets (the others were read from rows).
func (d *Deployment) LongWindowServed() int64 {
	return d.longSum(func(lw *longWindow) int64 { return lw.served.Load() })
}

// longSum adds up f over the deployment's long windows.
func (d *Deployment) longSum(f func(*longWindow) int64) int64 {
	var n int64
	for _, lw := range d.longs {
		n += f(lw)
	}
	return n
}

// describe is the long window's EXPLAIN line.
func (lw *longWindow) describe() string {
	var names []string
	for _, c := range lw.calls {
		names = append(names, c.plan.Func)
	}
	coarse := ""
	if t := lw.coarse; t != nil {
		coarse = fmt.Sprintf(", and of %s from %d rows (%d buckets)", t.text, t.minRows, t.nb)
	}
	packed := ""
	if lw.nAgg == 0 {
		packed = " (a word each)"
	}
	return fmt.Sprintf("long window %s: %s pre-aggregated in buckets%s of %s for keys with >= %d rows in their newest frame (%d buckets per key)%s; the frame's partial buckets read as rows",
		lw.spec.Window, strings.Join(names, ", "), packed, lw.fine.text, lw.fine.minRows, lw.fine.nb, coarse)
}

// finishLongs lays out the buckets of each long window, now that its calls
// are known, and sets its tiers.
func (c *compiler) finishLongs() {
	for _, lw := range c.longs {
		lw.lay()
		spec, start := lw.spec, lw.calls[0].frame.Start
		lw.fine, lw.coarse = tiersOf(spec, start, c.opts.LongMinRows, lw.nAgg == 0)
		if tt := c.opts.tiers; tt != nil {
			lw.fine.minRows = tt.fineMin
			lw.coarse = coarseTier(spec.BucketMS*int64(tt.mult), start, tt.coarseMin, false)
		}
	}
}

// newAgg builds an aggregator of the call (the pool's New, unpooled).
func (c *windowCall) newAgg() agg.Aggregator { return c.aggs.New().(agg.Aggregator) }

// longCall attaches a call over a window named in long_windows to the
// window's buckets, or records why it reads rows; a call or a table that
// long windows refuse is an error.
func (c *compiler) longCall(g *windowGroup, call *windowCall) error {
	a := call.plan
	spec, ok := c.longSpec(a.Window)
	if !ok {
		return nil
	}
	c.longUsed[spec.Window] = true
	switch {
	case c.inPipe > 0:
		// Over a pipeline's stored rows, framed as of each: buckets hold
		// the newest state only.
		call.why = "a window inside a subquery, computed as of each of its rows: read as rows"
		return nil
	case g.order == nil:
		call.why = "a window without ORDER BY: read as rows"
		return nil
	}
	if err := checkLongCall(a); err != nil {
		return err
	}
	if len(g.sources) != 1 || g.plan.InstanceNotInWindow || len(g.plan.Unions) > 0 {
		return planner.Errorf(planner.ErrUnsupported, "long window %s: a window with UNION tables is not pre-aggregated", a.Window)
	}
	src := g.sources[0]
	st, ok := src.table.(storage.Observable)
	if !ok {
		return planner.Errorf(planner.ErrUnsupported, "long window %s: table %s is a disk table; pre-aggregated buckets need a memory table", a.Window, src.name)
	}
	ix := st.Indexes()[src.index]
	// A row a count limit expires may sit in any bucket. Under absandlat
	// only rows the time limit expired too are gone, and buckets the time
	// limit reaches are read as rows (see answer).
	if ix.LatCount > 0 && ix.TTLType != storage.TTLAbsolute && ix.TTLType != storage.TTLAbsAndLat {
		return planner.Errorf(planner.ErrUnsupported, "long window %s: index %s keeps the latest %d rows per key (TTL %s); buckets need an absolute or absandlat TTL", a.Window, ix.Name, ix.LatCount, ix.TTLType)
	}
	f := call.frame
	switch {
	case spec.BucketMS == 0:
		call.why = fmt.Sprintf("bucket %s counts rows: the frame is read as rows", spec.Text)
		return nil
	case f.Unit != window.Range:
		call.why = "a ROWS frame holds a bounded number of rows: read as rows"
		return nil
	case f.Unbounded:
		call.why = "an unbounded frame: read as rows"
		return nil
	case f.MaxSize > 0:
		call.why = "MAXSIZE keeps the latest rows only: read as rows"
		return nil
	case src.pipe != nil:
		call.why = "a window over LAST JOINs or a filtered view: read as rows"
		return nil
	case src.proj != nil:
		call.why = "a window over a projection: read as rows"
		return nil
	}
	var lw *longWindow
	for _, x := range c.longs {
		if x.group == g && x.spec.Window == spec.Window {
			lw = x
		}
	}
	if lw == nil {
		nb := f.Start/spec.BucketMS + 2
		if nb > 1<<20 {
			return planner.Errorf(planner.ErrUnsupported, "long window %s: buckets of %s cut the frame into %d buckets; give a longer bucket (at most %d per frame)", a.Window, spec.Text, nb, 1<<20)
		}
		lw = &longWindow{spec: spec, group: g, src: src, st: st, ttl: ix, seed: maphash.MakeSeed()}
		c.longs = append(c.longs, lw)
	}
	call.longI = len(lw.calls)
	lw.calls = append(lw.calls, call)
	call.long = lw
	return nil
}
