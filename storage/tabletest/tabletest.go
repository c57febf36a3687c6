package tabletest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// Opener opens an empty table with the given schema and indexes.
type Opener func(t *testing.T, schema types.Schema, idx []storage.IndexSpec) storage.Table

// Run runs the suite against the tables open makes.
func Run(t *testing.T, open Opener) {
	t.Run("Order", func(t *testing.T) { testOrder(t, open) })
	t.Run("MaxTS", func(t *testing.T) { testMaxTS(t, open) })
	t.Run("NoTSColumn", func(t *testing.T) { testNoTS(t, open) })
	t.Run("MultipleIndexes", func(t *testing.T) { testMultipleIndexes(t, open) })
	t.Run("CompositeAndNullKeys", func(t *testing.T) { testKeys(t, open) })
	t.Run("TTL", func(t *testing.T) { testTTL(t, open) })
	t.Run("TTLRandom", func(t *testing.T) { testTTLRandom(t, open) })
	t.Run("SharedRowsAcrossIndexes", func(t *testing.T) { testSharedRows(t, open) })
	t.Run("AddIndex", func(t *testing.T) { testAddIndex(t, open) })
	t.Run("SetTTL", func(t *testing.T) { testSetTTL(t, open) })
	t.Run("ConcurrentPutScan", func(t *testing.T) { testConcurrent(t, open) })
	t.Run("ConcurrentEvict", func(t *testing.T) { testConcurrentEvict(t, open) })
	t.Run("ManyKeys", func(t *testing.T) { testManyKeys(t, open) })
	t.Run("Values", func(t *testing.T) { testValues(t, open) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, open) })
	t.Run("Rows", func(t *testing.T) { testRows(t, open) })
	t.Run("RowsEvicted", func(t *testing.T) { testRowsEvicted(t, open) })
	t.Run("RowsConcurrentPut", func(t *testing.T) { testRowsConcurrentPut(t, open) })
	t.Run("RowsConcurrentEvict", func(t *testing.T) { testRowsConcurrentEvict(t, open) })
}

// The suite's usual table: k1 string, k2 int, ts timestamp, v bigint, d double, f float, b bool, s smallint, dt date.
var schema = types.Schema{
	{Name: "k1", Kind: types.String},
	{Name: "k2", Kind: types.Int32},
	{Name: "ts", Kind: types.Timestamp},
	{Name: "v", Kind: types.Int64},
	{Name: "d", Kind: types.Double},
	{Name: "f", Kind: types.Float},
	{Name: "b", Kind: types.Bool},
	{Name: "s", Kind: types.Int16},
	{Name: "dt", Kind: types.Date},
}

const (
	cK1 = iota
	cK2
	cTS
	cV
)

func mkrow(k1 any, k2 any, ts int64, v int64) []types.Value {
	r := []types.Value{types.NullOf(types.String), types.NullOf(types.Int32), types.TimestampValue(ts), types.Int64Value(v),
		types.DoubleValue(float64(v) / 3), types.FloatValue(float32(v) / 4), types.BoolValue(v%2 == 0), types.Int16Value(int16(v % 1000)), types.DateValue(v % 20000)}
	if s, ok := k1.(string); ok {
		r[cK1] = types.StringValue(s)
	}
	if i, ok := k2.(int); ok {
		r[cK2] = types.Int32Value(int32(i))
	}
	return r
}

type hit struct {
	TS  int64
	Seq uint64
	V   int64
}

func scan(t *testing.T, tb storage.Table, idx int, key []types.Value, maxTS, now int64) []hit {
	t.Helper()
	dec := tb.Decoder([]int{cV})
	var out []hit
	err := tb.Scan(idx, key, maxTS, now, func(ts int64, seq uint64, row []byte) bool {
		out = append(out, hit{ts, seq, dec.Value(row, cV).I})
		return true
	})
	if err != nil {
		t.Fatalf("Scan(%d, %v, %d, %d): %v", idx, key, maxTS, now, err)
	}
	return out
}

func put(t *testing.T, tb storage.Table, row []types.Value) uint64 {
	t.Helper()
	seq, err := tb.Put(row)
	if err != nil {
		t.Fatalf("Put(%v): %v", row, err)
	}
	return seq
}

func same(t *testing.T, what string, got, want []hit) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !equalHits(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func equalHits(a, b []hit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func str(s string) types.Value { return types.StringValue(s) }
func i32(i int32) types.Value  { return types.Int32Value(i) }

const forever = math.MaxInt64

func testOrder(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{cK1}, TSCol: cTS}})
	// Out of order and with ties on ts: ties are ordered by seq, newest first.
	var want []hit
	for i, ts := range []int64{5, 3, 5, 9, 1, 5, 3, 9, 0, -4} {
		seq := put(t, tb, mkrow("a", 1, ts, int64(i)))
		want = append(want, hit{ts, seq, int64(i)})
		put(t, tb, mkrow("b", 1, ts, 100+int64(i)))
	}
	sort.Slice(want, func(i, j int) bool {
		return want[i].TS > want[j].TS || want[i].TS == want[j].TS && want[i].Seq > want[j].Seq
	})
	same(t, "key a", scan(t, tb, 0, []types.Value{str("a")}, forever, 0), want)
	if got := scan(t, tb, 0, []types.Value{str("zzz")}, forever, 0); len(got) != 0 {
		t.Fatalf("unknown key: %v", got)
	}
	// Seqs are 1, 2, 3, ...
	if seq := put(t, tb, mkrow("c", 1, 0, 0)); seq != 21 {
		t.Fatalf("seq %d, want 21", seq)
	}
	// Stop early.
	n := 0
	if err := tb.Scan(0, []types.Value{str("a")}, forever, 0, func(int64, uint64, []byte) bool { n++; return n < 3 }); err != nil || n != 3 {
		t.Fatalf("stop after 3: n=%d err=%v", n, err)
	}
	if st := tb.Stats(); st.Rows != 21 || st.Bytes <= 0 {
		t.Fatalf("stats %+v", st)
	}
}

func testMaxTS(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{cK1}, TSCol: cTS}})
	var all []hit
	for i := 0; i < 50; i++ {
		ts := int64(i / 2 * 10) // pairs of equal ts: 0,0,10,10,...
		seq := put(t, tb, mkrow("a", nil, ts, int64(i)))
		all = append([]hit{{ts, seq, int64(i)}}, all...)
	}
	for _, maxTS := range []int64{math.MinInt64, -1, 0, 1, 9, 10, 11, 125, 240, 241, 1000, forever} {
		var want []hit
		for _, h := range all {
			if h.TS <= maxTS {
				want = append(want, h)
			}
		}
		same(t, fmt.Sprintf("maxTS %d", maxTS), scan(t, tb, 0, []types.Value{str("a")}, maxTS, 0), want)
	}
}

func testNoTS(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{cK1}, TSCol: -1, TTLType: storage.TTLLatest, LatCount: 3}})
	var want []hit
	for i := 0; i < 6; i++ {
		seq := put(t, tb, mkrow("a", nil, 100-int64(i), int64(i)))
		want = append([]hit{{int64(seq), seq, int64(i)}}, want...)
	}
	same(t, "ordered by seq, latest 3", scan(t, tb, 0, []types.Value{str("a")}, forever, 0), want[:3])
	// maxTS bounds the seq; latest positions still count from the newest row.
	same(t, "maxTS on seq", scan(t, tb, 0, []types.Value{str("a")}, 5, 0), want[1:3])
	if n, err := tb.Evict(0); err != nil || n != 3 {
		t.Fatalf("Evict: %d, %v", n, err)
	}
	same(t, "after evict", scan(t, tb, 0, []types.Value{str("a")}, forever, 0), want[:3])
}

func testMultipleIndexes(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{
		{Name: "by_k1", KeyCols: []int{cK1}, TSCol: cTS},
		{Name: "by_k2", KeyCols: []int{cK2}, TSCol: cV},
		{Name: "by_both", KeyCols: []int{cK1, cK2}, TSCol: cTS},
	})
	if got := tb.Indexes(); len(got) != 3 || got[1].Name != "by_k2" || got[1].TSCol != cV || got[0].TTLType != storage.TTLAbsolute {
		t.Fatalf("Indexes() = %+v", got)
	}
	type r struct {
		k1 string
		k2 int
		ts int64
		v  int64
	}
	rows := []r{{"a", 1, 10, 7}, {"a", 2, 20, 3}, {"b", 1, 30, 5}, {"a", 1, 40, 1}, {"b", 2, 5, 9}}
	seqs := make([]uint64, len(rows))
	for i, x := range rows {
		seqs[i] = put(t, tb, mkrow(x.k1, x.k2, x.ts, x.v))
	}
	h := func(i int, ts int64) hit { return hit{ts, seqs[i], rows[i].v} }
	same(t, "by_k1 a", scan(t, tb, 0, []types.Value{str("a")}, forever, 0), []hit{h(3, 40), h(1, 20), h(0, 10)})
	// by_k2 orders by column v.
	same(t, "by_k2 1", scan(t, tb, 1, []types.Value{i32(1)}, forever, 0), []hit{h(0, 7), h(2, 5), h(3, 1)})
	same(t, "by_k2 1 maxTS 5", scan(t, tb, 1, []types.Value{i32(1)}, 5, 0), []hit{h(2, 5), h(3, 1)})
	same(t, "by_both a,1", scan(t, tb, 2, []types.Value{str("a"), i32(1)}, forever, 0), []hit{h(3, 40), h(0, 10)})
	same(t, "by_both b,2", scan(t, tb, 2, []types.Value{str("b"), i32(2)}, forever, 0), []hit{h(4, 5)})
	// A bigint literal finds the rows of an int column.
	same(t, "by_k2 bigint key", scan(t, tb, 1, []types.Value{types.Int64Value(2)}, forever, 0), []hit{h(4, 9), h(1, 3)})
}

func testKeys(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "kk", KeyCols: []int{cK1, cK2}, TSCol: cTS}, {Name: "k2", KeyCols: []int{cK2}, TSCol: cTS}})
	type kv struct {
		k1 any
		k2 any
	}
	keys := []kv{{nil, nil}, {"", nil}, {nil, 0}, {"", 0}, {"0", 0}, {"a", 1}, {"a\x00", 1}, {"a", nil}, {nil, 1}, {"\x00", 0}, {"\x03", 1}}
	seqs := map[int][]uint64{}
	for round := 0; round < 3; round++ {
		for i, k := range keys {
			seqs[i] = append([]uint64{put(t, tb, mkrow(k.k1, k.k2, int64(round), int64(i)))}, seqs[i]...)
		}
	}
	val := func(x any, k types.Kind) types.Value {
		switch y := x.(type) {
		case string:
			return str(y)
		case int:
			return i32(int32(y))
		}
		return types.NullOf(k)
	}
	for i, k := range keys {
		got := scan(t, tb, 0, []types.Value{val(k.k1, types.String), val(k.k2, types.Int32)}, forever, 0)
		var want []hit
		for r, s := range seqs[i] {
			want = append(want, hit{int64(2 - r), s, int64(i)})
		}
		same(t, fmt.Sprintf("key %q", fmt.Sprint(k.k1, "|", k.k2)), got, want)
	}
	// NULL equals NULL; a NULL of another kind (the untyped NULL literal) too.
	var nullK2 int
	for _, k := range keys {
		if k.k2 == nil {
			nullK2 += 3
		}
	}
	if got := scan(t, tb, 1, []types.Value{types.NullOf(types.Null)}, forever, 0); len(got) != nullK2 {
		t.Fatalf("NULL k2: %d rows, want %d", len(got), nullK2)
	}
}

// model is a plain reference of one index: every key's rows.
type model struct {
	spec storage.IndexSpec
	keys map[string][]hit
}

func (m *model) add(key string, h hit) { m.keys[key] = append(m.keys[key], h) }

func (m *model) sorted(key string) []hit {
	hs := append([]hit(nil), m.keys[key]...)
	sort.Slice(hs, func(i, j int) bool { return hs[i].TS > hs[j].TS || hs[i].TS == hs[j].TS && hs[i].Seq > hs[j].Seq })
	return hs
}

// expired is the TTL rule, written out independently of the storage package.
func (m *model) expired(ts int64, pos int, now int64) bool {
	s := m.spec
	abs := s.AbsMillis > 0 && s.TSCol >= 0 && ts <= now-s.AbsMillis
	lat := s.LatCount > 0 && int64(pos) > s.LatCount
	switch s.TTLType {
	case storage.TTLLatest:
		return lat
	case storage.TTLAbsAndLat:
		return s.AbsMillis > 0 && s.TSCol >= 0 && s.LatCount > 0 && abs && lat
	case storage.TTLAbsOrLat:
		return abs || lat
	}
	return abs
}

func (m *model) scan(key string, maxTS, now int64) []hit {
	return m.scanSorted(m.sorted(key), maxTS, now)
}

func (m *model) scanSorted(sorted []hit, maxTS, now int64) []hit {
	var out []hit
	for i, h := range sorted {
		if h.TS <= maxTS && !m.expired(h.TS, i+1, now) {
			out = append(out, h)
		}
	}
	return out
}

// evict drops the rows expired at now and returns how many.
func (m *model) evict(now int64) int {
	n := 0
	for k := range m.keys {
		var keep []hit
		for i, h := range m.sorted(k) {
			if m.expired(h.TS, i+1, now) {
				n++
			} else {
				keep = append(keep, h)
			}
		}
		m.keys[k] = keep
	}
	return n
}

func testTTL(t *testing.T, open Opener) {
	// Rows of key "a" at ts 0, 10, ..., 90; now = 100.
	cases := []struct {
		name     string
		spec     storage.IndexSpec
		visible  []int64 // ts visible at now=100, newest first
		atMaxTS  []int64 // with maxTS = 55
		evicted  int
		after200 []int64 // visible at now=200 after Evict(100)
	}{
		{"absolute", storage.IndexSpec{TTLType: storage.TTLAbsolute, AbsMillis: 50},
			// live iff ts > now - 50 = 50: the row at ts 50 is expired (the bound is inclusive).
			[]int64{90, 80, 70, 60}, nil, 6, nil},
		{"absolute-0", storage.IndexSpec{TTLType: storage.TTLAbsolute},
			[]int64{90, 80, 70, 60, 50, 40, 30, 20, 10, 0}, []int64{50, 40, 30, 20, 10, 0}, 0, []int64{90, 80, 70, 60, 50, 40, 30, 20, 10, 0}},
		{"latest", storage.IndexSpec{TTLType: storage.TTLLatest, LatCount: 3},
			// Positions count from the newest row of the key, even under maxTS.
			[]int64{90, 80, 70}, nil, 7, []int64{90, 80, 70}},
		{"latest-maxts", storage.IndexSpec{TTLType: storage.TTLLatest, LatCount: 6},
			[]int64{90, 80, 70, 60, 50, 40}, []int64{50, 40}, 4, []int64{90, 80, 70, 60, 50, 40}},
		{"absandlat", storage.IndexSpec{TTLType: storage.TTLAbsAndLat, AbsMillis: 50, LatCount: 3},
			// expired iff ts <= 50 and position > 3: rows 90..60 by time, no more by count.
			[]int64{90, 80, 70, 60}, nil, 6, []int64{90, 80, 70}},
		{"absandlat-count", storage.IndexSpec{TTLType: storage.TTLAbsAndLat, AbsMillis: 50, LatCount: 7},
			[]int64{90, 80, 70, 60, 50, 40, 30}, []int64{50, 40, 30}, 3, []int64{90, 80, 70, 60, 50, 40, 30}},
		{"absandlat-lat0", storage.IndexSpec{TTLType: storage.TTLAbsAndLat, AbsMillis: 50},
			[]int64{90, 80, 70, 60, 50, 40, 30, 20, 10, 0}, []int64{50, 40, 30, 20, 10, 0}, 0, []int64{90, 80, 70, 60, 50, 40, 30, 20, 10, 0}},
		{"absorlat", storage.IndexSpec{TTLType: storage.TTLAbsOrLat, AbsMillis: 50, LatCount: 3},
			[]int64{90, 80, 70}, nil, 7, nil},
		{"absorlat-time", storage.IndexSpec{TTLType: storage.TTLAbsOrLat, AbsMillis: 35, LatCount: 8},
			[]int64{90, 80, 70}, nil, 7, nil},
		{"absorlat-abs0", storage.IndexSpec{TTLType: storage.TTLAbsOrLat, LatCount: 2},
			[]int64{90, 80}, nil, 8, []int64{90, 80}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec
			spec.Name, spec.KeyCols, spec.TSCol = "k", []int{cK1}, cTS
			tb := open(t, schema, []storage.IndexSpec{spec})
			for _, ts := range []int64{30, 0, 90, 10, 50, 60, 20, 80, 40, 70} { // out of order
				put(t, tb, mkrow("a", nil, ts, ts))
				put(t, tb, mkrow("b", nil, ts+1000, ts))
			}
			tss := func(hs []hit) []int64 {
				var out []int64
				for _, h := range hs {
					out = append(out, h.TS)
				}
				return out
			}
			key := []types.Value{str("a")}
			if got := tss(scan(t, tb, 0, key, forever, 100)); fmt.Sprint(got) != fmt.Sprint(c.visible) {
				t.Fatalf("visible at now=100: %v, want %v", got, c.visible)
			}
			if got := tss(scan(t, tb, 0, key, 55, 100)); fmt.Sprint(got) != fmt.Sprint(c.atMaxTS) {
				t.Fatalf("visible at now=100, maxTS=55: %v, want %v", got, c.atMaxTS)
			}
			before := tb.Stats()
			n, err := tb.Evict(100)
			if err != nil {
				t.Fatal(err)
			}
			// Key "b" (ts 1000..1090) loses rows only by count.
			wantN := c.evicted
			if spec.TTLType == storage.TTLLatest || spec.TTLType == storage.TTLAbsOrLat {
				if spec.LatCount > 0 {
					wantN += 10 - int(spec.LatCount)
				}
			}
			if n != wantN {
				t.Fatalf("Evict(100) dropped %d, want %d", n, wantN)
			}
			if st := tb.Stats(); st.Rows != before.Rows-int64(n) {
				t.Fatalf("rows %d after evicting %d of %d", st.Rows, n, before.Rows)
			}
			// Evicted rows are gone even for a reader whose clock is behind.
			if got := tss(scan(t, tb, 0, key, forever, 0)); len(got) != 10-c.evicted {
				t.Fatalf("after Evict, at now=0: %v (%d rows), want %d rows", got, len(got), 10-c.evicted)
			}
			if got := tss(scan(t, tb, 0, key, forever, 100)); fmt.Sprint(got) != fmt.Sprint(c.visible) {
				t.Fatalf("after Evict, visible at now=100: %v, want %v", got, c.visible)
			}
			if got := tss(scan(t, tb, 0, key, forever, 200)); fmt.Sprint(got) != fmt.Sprint(c.after200) {
				t.Fatalf("after Evict, visible at now=200: %v, want %v", got, c.after200)
			}
			if n, err := tb.Evict(100); err != nil || n != 0 {
				t.Fatalf("second Evict(100): %d, %v", n, err)
			}
		})
	}
}

// testTTLRandom compares scans and evictions with the model on random data.
func testTTLRandom(t *testing.T, open Opener) {
	r := rand.New(rand.NewPCG(7, 11))
	types4 := []storage.TTLType{storage.TTLAbsolute, storage.TTLLatest, storage.TTLAbsAndLat, storage.TTLAbsOrLat}
	var specs []storage.IndexSpec
	for i := 0; i < 8; i++ {
		specs = append(specs, storage.IndexSpec{Name: fmt.Sprint("i", i), KeyCols: []int{cK2}, TSCol: cTS,
			TTLType: types4[i%4], AbsMillis: int64(r.IntN(3)) * 40, LatCount: int64(r.IntN(4)) * 3})
	}
	specs = append(specs, storage.IndexSpec{Name: "nots", KeyCols: []int{cK1}, TSCol: -1, TTLType: storage.TTLLatest, LatCount: 5})
	tb := open(t, schema, specs)
	models := make([]*model, len(specs))
	for i, s := range specs {
		models[i] = &model{spec: s, keys: map[string][]hit{}}
	}
	now := int64(0)
	intKeys, strKeys := make([]string, 6), make([]string, 6)
	for k := range intKeys {
		intKeys[k], strKeys[k] = fmt.Sprint(k), fmt.Sprint("s", k)
	}
	check := func(now int64) {
		for i, m := range models {
			for k := 0; k < 6; k++ {
				key, mk := []types.Value{i32(int32(k))}, intKeys[k]
				if m.spec.KeyCols[0] == cK1 {
					key, mk = []types.Value{str(strKeys[k])}, strKeys[k]
				}
				sorted := m.sorted(mk)
				bounds := []int64{forever, now, now - 30, now - 100}
				for _, maxTS := range []int64{bounds[r.IntN(2)], bounds[2+r.IntN(2)]} {
					got, want := scan(t, tb, i, key, maxTS, now), m.scanSorted(sorted, maxTS, now)
					if !equalHits(got, want) {
						t.Fatalf("index %+v key %s maxTS %d now %d:\n got %v\nwant %v", m.spec, mk, maxTS, now, got, want)
					}
				}
			}
		}
	}
	for step := 0; step < 24; step++ {
		for j := 0; j < 40; j++ {
			ts := now + int64(r.IntN(60)) - 40
			k := r.IntN(6)
			v := int64(step*100 + j)
			seq := put(t, tb, mkrow(strKeys[k], k, ts, v))
			for i, m := range models {
				if specs[i].TSCol < 0 {
					m.add(strKeys[k], hit{int64(seq), seq, v})
				} else {
					m.add(intKeys[k], hit{ts, seq, v})
				}
			}
		}
		now += int64(r.IntN(30))
		check(now)
		if step%3 == 2 {
			n, err := tb.Evict(now)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, m := range models {
				want += m.evict(now)
			}
			if n != want {
				t.Fatalf("Evict(%d) dropped %d entries, the model %d", now, n, want)
			}
			check(now)
			check(now + 25)
		}
	}
}

// testSharedRows: a row is stored once and lives while any index holds it.
func testSharedRows(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{
		{Name: "short", KeyCols: []int{cK1}, TSCol: cTS, TTLType: storage.TTLLatest, LatCount: 1},
		{Name: "long", KeyCols: []int{cK2}, TSCol: cTS, TTLType: storage.TTLAbsolute, AbsMillis: 1000},
	})
	for i := 0; i < 10; i++ {
		put(t, tb, mkrow("a", 1, int64(i), int64(i)))
	}
	n, err := tb.Evict(5)
	if err != nil || n != 9 {
		t.Fatalf("Evict: %d, %v; want 9 (latest 1 on short)", n, err)
	}
	if st := tb.Stats(); st.Rows != 10 {
		t.Fatalf("rows %d, want 10: the long index still holds them", st.Rows)
	}
	if got := scan(t, tb, 1, []types.Value{i32(1)}, forever, 5); len(got) != 10 {
		t.Fatalf("long index: %d rows", len(got))
	}
	n, err = tb.Evict(1005) // long drops ts <= 5
	if err != nil || n != 6 {
		t.Fatalf("Evict: %d, %v; want 6", n, err)
	}
	if st := tb.Stats(); st.Rows != 4 {
		t.Fatalf("rows %d, want 4", st.Rows)
	}
}

func testAddIndex(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k1", KeyCols: []int{cK1}, TSCol: cTS}})
	var want []hit
	for i := 0; i < 300; i++ {
		seq := put(t, tb, mkrow(fmt.Sprint("k", i%7), i%3, int64(i), int64(i)))
		if i%3 == 1 {
			want = append([]hit{{int64(i), seq, int64(i)}}, want...)
		}
	}
	before := tb.Stats()
	if err := tb.AddIndex(storage.IndexSpec{Name: "k2", KeyCols: []int{cK2}, TSCol: cTS, TTLType: storage.TTLLatest, LatCount: 50}); err != nil {
		t.Fatal(err)
	}
	if err := tb.AddIndex(storage.IndexSpec{Name: "k2", KeyCols: []int{cK2}, TSCol: cTS}); err == nil {
		t.Fatalf("AddIndex with a duplicate name succeeded")
	}
	if err := tb.AddIndex(storage.IndexSpec{Name: "bad", KeyCols: []int{99}, TSCol: cTS}); !errors.Is(err, storage.ErrSchema) {
		t.Fatalf("AddIndex with a bad column: %v", err)
	}
	if st := tb.Stats(); st.Rows != before.Rows {
		t.Fatalf("rows %d after AddIndex, want %d (rows are stored once)", st.Rows, before.Rows)
	}
	same(t, "backfilled", scan(t, tb, 1, []types.Value{i32(1)}, forever, 0), want[:50])
	seq := put(t, tb, mkrow("x", 1, 1000, 1000))
	want = append([]hit{{1000, seq, 1000}}, want...)
	same(t, "after a new row", scan(t, tb, 1, []types.Value{i32(1)}, forever, 0), want[:50])
	if n, err := tb.Evict(0); err != nil || n != 301-150 {
		t.Fatalf("Evict: %d, %v; want %d", n, err, 301-150)
	}
	same(t, "after evict", scan(t, tb, 1, []types.Value{i32(1)}, forever, 0), want[:50])
	// The old index still has every row.
	if got := scan(t, tb, 0, []types.Value{str("k1")}, forever, 0); len(got) != 43 {
		t.Fatalf("old index: %d rows for k1, want 43", len(got))
	}
	if len(tb.Indexes()) != 2 {
		t.Fatalf("Indexes: %+v", tb.Indexes())
	}
}

// testConcurrent: one writer per key puts rows in ts order while readers
// scan; every scan must see a consistent prefix: the first k rows put for the
// key, newest first, with nothing missing.
func testConcurrent(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k1", KeyCols: []int{cK1}, TSCol: cTS}, {Name: "k2", KeyCols: []int{cK2}, TSCol: cV}})
	const keys, perKey = 4, 1500
	var wg sync.WaitGroup
	var done atomic.Bool
	var failed atomic.Value
	fail := func(format string, args ...any) {
		failed.CompareAndSwap(nil, fmt.Sprintf(format, args...))
	}
	for k := 0; k < keys; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= perKey; i++ {
				// ts repeats in pairs: ties are ordered by seq.
				if _, err := tb.Put(mkrow(fmt.Sprint("k", k), k, int64(i/2), int64(i))); err != nil {
					fail("Put: %v", err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			dec := tb.Decoder([]int{cV})
			for n := 0; !done.Load() || n < 3; n++ {
				for k := 0; k < keys; k++ {
					idx := n % 2
					key := []types.Value{str(fmt.Sprint("k", k))}
					if idx == 1 {
						key = []types.Value{i32(int32(k))}
					}
					var prev int64 = -1
					var prevSeq uint64
					err := tb.Scan(idx, key, forever, 0, func(ts int64, seq uint64, row []byte) bool {
						v := dec.Value(row, cV).I
						if prev >= 0 && (v != prev-1 || seq >= prevSeq) {
							fail("key %d index %d: row %d (seq %d) after row %d (seq %d)", k, idx, v, seq, prev, prevSeq)
							return false
						}
						prev, prevSeq = v, seq
						return true
					})
					if err != nil {
						fail("Scan: %v", err)
					}
					if prev > 1 {
						fail("key %d index %d: scan ended at row %d, not 1", k, idx, prev)
					}
				}
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	readers.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	if st := tb.Stats(); st.Rows != keys*perKey {
		t.Fatalf("rows %d", st.Rows)
	}
}

// testConcurrentEvict runs Put, Scan and Evict at once (for the race detector
// and for the invariant that a scan never sees rows out of order).
func testConcurrentEvict(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{
		{Name: "abs", KeyCols: []int{cK1}, TSCol: cTS, TTLType: storage.TTLAbsolute, AbsMillis: 200},
		{Name: "lat", KeyCols: []int{cK2}, TSCol: cTS, TTLType: storage.TTLLatest, LatCount: 20},
	})
	var clock atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	stop := make(chan struct{})
	wg.Add(2)
	go func() { // collector
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := tb.Evict(clock.Load()); err != nil {
				failed.CompareAndSwap(nil, err.Error())
				return
			}
		}
	}()
	go func() { // reader
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for idx := 0; idx < 2; idx++ {
				key := []types.Value{str("a")}
				if idx == 1 {
					key = []types.Value{i32(1)}
				}
				now := clock.Load()
				var pts int64 = math.MaxInt64
				n := 0
				_ = tb.Scan(idx, key, forever, now, func(ts int64, seq uint64, row []byte) bool {
					if ts > pts || idx == 0 && ts <= now-200 {
						failed.CompareAndSwap(nil, fmt.Sprintf("index %d: ts %d after %d at now %d", idx, ts, pts, now))
					}
					pts = ts
					n++
					return true
				})
				if idx == 1 && n > 20 {
					failed.CompareAndSwap(nil, fmt.Sprintf("latest 20 showed %d rows", n))
				}
			}
		}
	}()
	for i := 0; i < 4000; i++ {
		clock.Store(int64(i))
		if _, err := tb.Put(mkrow("a", 1, int64(i), int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	if _, err := tb.Evict(4000); err != nil {
		t.Fatal(err)
	}
	if st := tb.Stats(); st.Rows > 200 {
		t.Fatalf("%d rows left after the final Evict", st.Rows)
	}
}

func testManyKeys(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k1", KeyCols: []int{cK1}, TSCol: cTS}, {Name: "k12", KeyCols: []int{cK1, cK2}, TSCol: cTS}})
	const n, keys = 12000, 3000
	for i := 0; i < n; i++ {
		put(t, tb, mkrow(fmt.Sprint("key-", i%keys), i%2, int64(i), int64(i)))
	}
	for k := 0; k < keys; k += 7 {
		got := scan(t, tb, 0, []types.Value{str(fmt.Sprint("key-", k))}, forever, 0)
		if len(got) != 4 || got[0].V != int64(k+3*keys) || got[3].V != int64(k) {
			t.Fatalf("key-%d: %v", k, got)
		}
		got = scan(t, tb, 1, []types.Value{str(fmt.Sprint("key-", k)), i32(int32(k % 2))}, forever, 0)
		if len(got) != 4 {
			t.Fatalf("key-%d,%d: %v", k, k%2, got)
		}
	}
	if st := tb.Stats(); st.Rows != n {
		t.Fatalf("rows %d", st.Rows)
	}
}

func testValues(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{cK2}, TSCol: cTS}})
	rows := [][]types.Value{
		mkrow("hello", 1, 1, 42),
		mkrow(strings.Repeat("long string ", 3000), 1, 2, -7), // larger than a chunk's quarter
		{types.NullOf(types.String), i32(1), types.TimestampValue(3), types.NullOf(types.Int64), types.NullOf(types.Double),
			types.NullOf(types.Float), types.NullOf(types.Bool), types.NullOf(types.Int16), types.NullOf(types.Date)},
		{str(""), i32(1), types.TimestampValue(4), types.Int64Value(math.MinInt64), types.DoubleValue(math.Inf(-1)),
			types.FloatValue(-0.5), types.BoolValue(true), types.Int16Value(-32768), types.DateValue(-1)},
	}
	for _, r := range rows {
		put(t, tb, r)
	}
	dec := tb.Decoder(nil)
	i := len(rows) - 1
	err := tb.Scan(0, []types.Value{i32(1)}, forever, 0, func(ts int64, seq uint64, row []byte) bool {
		got := dec.Decode(row, nil)
		for c := range got {
			if !types.Identical(got[c], rows[i][c]) || got[c].Kind != schema[c].Kind {
				t.Errorf("row %d column %s: got %v (%v), want %v", i, schema[c].Name, got[c], got[c].Kind, rows[i][c])
			}
		}
		if err := dec.Check(row); err != nil {
			t.Errorf("row %d: %v", i, err)
		}
		i--
		return true
	})
	if err != nil || i != -1 {
		t.Fatalf("scan: %v, %d rows left", err, i+1)
	}
	// Only the wanted columns are decoded.
	part := tb.Decoder([]int{cV}).Decode(func() []byte {
		var b []byte
		_ = tb.Scan(0, []types.Value{i32(1)}, 1, 0, func(_ int64, _ uint64, row []byte) bool { b = row; return false })
		return b
	}(), nil)
	if part[cV].I != 42 || !part[cK1].Null {
		t.Fatalf("partial decode: %v", part)
	}
}

func testErrors(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k", KeyCols: []int{cK1, cK2}, TSCol: cTS}})
	nop := func(int64, uint64, []byte) bool { return true }
	if err := tb.Scan(1, []types.Value{str("a"), i32(1)}, 0, 0, nop); err == nil {
		t.Errorf("Scan of a missing index succeeded")
	}
	if err := tb.Scan(0, []types.Value{str("a")}, 0, 0, nop); !errors.Is(err, storage.ErrKey) {
		t.Errorf("Scan with one of two key values: %v", err)
	}
	if err := tb.Scan(0, []types.Value{i32(1), i32(1)}, 0, 0, nop); !errors.Is(err, storage.ErrKey) || !strings.Contains(err.Error(), "k1") {
		t.Errorf("Scan with an int for a string key: %v", err)
	}
	r := mkrow("a", 1, 0, 0)
	r[cTS] = types.NullOf(types.Timestamp)
	if _, err := tb.Put(r); !errors.Is(err, storage.ErrRow) {
		t.Errorf("Put with a NULL ts: %v", err)
	}
	if _, err := tb.Put(r[:3]); !errors.Is(err, storage.ErrRow) {
		t.Errorf("Put of a short row: %v", err)
	}
	r = mkrow("a", 1, 0, 0)
	r[cV] = str("x")
	if _, err := tb.Put(r); !errors.Is(err, storage.ErrRow) || !strings.Contains(err.Error(), "column v") {
		t.Errorf("Put of a string into a bigint column: %v", err)
	}
	if st := tb.Stats(); st.Rows != 0 {
		t.Errorf("failed Puts stored %d rows", st.Rows)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Put(mkrow("a", 1, 0, 0)); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Put after Close: %v", err)
	}
	if err := tb.Scan(0, []types.Value{str("a"), i32(1)}, 0, 0, nop); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Scan after Close: %v", err)
	}
}
