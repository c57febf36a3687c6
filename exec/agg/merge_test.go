package agg

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/types"
)

// The merge property: splitting a frame into consecutive parts, aggregating
// each part on its own and merging the partial aggregates in order gives
// bit-identical results to adding every row afresh, for every aggregate and
// argument kind of the slide test (configs); and the merged aggregator then
// slides on (Removes of the oldest rows, Adds, more Merges) exactly as one
// that was fed row by row.

// mergeTrials is the number of random splits tried per configuration.
var mergeTrials = 12

// buildPart returns an aggregator holding exactly rows, reached through a
// random history (junk rows added before them and removed, Resets, Results
// in between), so that merges see used deques, rings with a moved head and
// accumulators with pending carries, not only pristine state.
func buildPart(t *testing.T, r *rand.Rand, c config, rows [][]types.Value) Aggregator {
	a, err := New(c.name, c.kinds, c.consts)
	if err != nil {
		t.Fatal(err)
	}
	if r.IntN(3) == 0 {
		for _, row := range rows {
			a.Add(row)
		}
		return a
	}
	junk := genRows(r, c, r.IntN(8))
	if r.IntN(4) == 0 {
		for _, row := range genRows(r, c, r.IntN(5)) {
			a.Add(row)
		}
		a.Reset()
	}
	// The junk rows are the oldest: add them, remove some early, add the
	// part's rows, remove the rest.
	for _, row := range junk {
		a.Add(row)
	}
	early := r.IntN(len(junk) + 1)
	for _, row := range junk[:early] {
		a.Remove(row)
	}
	for i, row := range rows {
		a.Add(row)
		if i == len(rows)/2 && r.IntN(2) == 0 {
			a.Result()
		}
	}
	for _, row := range junk[early:] {
		a.Remove(row)
	}
	return a
}

// afresh computes c over frame from scratch.
func afresh(t *testing.T, c config, frame [][]types.Value) types.Value {
	a, err := New(c.name, c.kinds, c.consts)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range frame {
		a.Add(row)
	}
	return a.Result()
}

// merged is a partial aggregate in a merge test and the rows it holds.
type merged struct {
	a      Aggregator
	lo, hi int
}

func TestMergeMatchesAfresh(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cs := configs(t)
	var merges, steps int
	for _, c := range cs {
		for trial := range mergeTrials {
			rows := genRows(r, c, r.IntN(40))
			// k consecutive parts, possibly empty.
			k := 1 + r.IntN(5)
			cuts := []int{0, len(rows)}
			for range k - 1 {
				cuts = append(cuts, r.IntN(len(rows)+1))
			}
			slices.Sort(cuts)
			var parts []merged
			for i := range k {
				lo, hi := cuts[i], cuts[i+1]
				parts = append(parts, merged{buildPart(t, r, c, rows[lo:hi]), lo, hi})
			}
			// Merge adjacent parts in a random order (left fold, right fold
			// and trees): the right one into the left one. The right one
			// must be unchanged.
			leftFold := r.IntN(2) == 0
			for len(parts) > 1 {
				i := 0
				if !leftFold {
					i = r.IntN(len(parts) - 1)
				}
				into, from := &parts[i], parts[i+1]
				before := from.a.Result()
				mergeSome(r, into.a, from.a)
				merges++
				into.hi = from.hi
				if got := from.a.Result(); !same(got, before) {
					t.Fatalf("%v trial %d: Merge changed its argument: %#v, was %#v", c, trial, got, before)
				}
				if got, want := into.a.Result(), afresh(t, c, rows[into.lo:into.hi]); !same(got, want) {
					t.Fatalf("%v trial %d: merged rows[%d:%d] %v (cuts %v): %#v, afresh %#v",
						c, trial, into.lo, into.hi, rows[into.lo:into.hi], cuts, got, want)
				}
				if r.IntN(4) == 0 {
					// The argument still works on its own: remove its
					// oldest row.
					if from.lo < from.hi {
						from.a.Remove(rows[from.lo])
						if got, want := from.a.Result(), afresh(t, c, rows[from.lo+1:from.hi]); !same(got, want) {
							t.Fatalf("%v trial %d: Remove from a merged argument: %#v, afresh %#v", c, trial, got, want)
						}
					}
				}
				parts = slices.Delete(parts, i+1, i+2)
			}
			m := parts[0].a
			// Slide on: Removes from the oldest end, Adds and Merges of
			// fresh parts at the newest.
			rows = append(rows, genRows(r, c, 20+r.IntN(30))...)
			lo, hi := 0, cuts[len(cuts)-1]
			maxFrame := 1 + r.IntN(30)
			for hi < len(rows) || lo < hi {
				switch {
				case hi < len(rows) && (lo == hi || (hi-lo < maxFrame && r.IntN(3) != 0)):
					if r.IntN(5) == 0 {
						n := 1 + r.IntN(min(6, len(rows)-hi))
						mergeSome(r, m, buildPart(t, r, c, rows[hi:hi+n]))
						merges++
						hi += n
					} else {
						m.Add(rows[hi])
						hi++
					}
				default:
					m.Remove(rows[lo])
					lo++
				}
				steps++
				if got, want := m.Result(), afresh(t, c, rows[lo:hi]); !same(got, want) {
					t.Fatalf("%v trial %d: after merging, frame rows[%d:%d] %v: %#v, afresh %#v",
						c, trial, lo, hi, rows[lo:hi], got, want)
				}
			}
		}
	}
	t.Logf("%d configurations, %d trials, %d merges, %d slide steps after merging", len(cs), len(cs)*mergeTrials, merges, steps)
}

// mergeSome merges from into into: by Merge, or, half the time when they are
// Packed, by MergePacked of from's state.
func mergeSome(r *rand.Rand, into, from Aggregator) {
	if p, ok := into.(Packed); ok && r.IntN(2) == 0 {
		p.MergePacked(from.(Packed).Pack())
		return
	}
	into.Merge(from)
}

// The aggregates whose state is one word are Packed (and the tests above
// merge them by their words too), and a state restored into a Reset
// aggregator slides on as the aggregator it came from.
func TestPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	packed := map[string]bool{}
	for _, c := range configs(t) {
		a, err := New(c.name, c.kinds, c.consts)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := a.(Packed)
		if !ok {
			continue
		}
		packed[c.name] = true
		rows := genRows(r, c, 1+r.IntN(30))
		from := buildPart(t, r, c, rows)
		p.Add(genRows(r, c, 1)[0])
		p.Reset()
		p.MergePacked(from.(Packed).Pack())
		for lo := 0; lo <= len(rows); lo++ {
			if got, want := p.Result(), afresh(t, c, rows[lo:]); !same(got, want) {
				t.Fatalf("%v: restored state of %v, %d removed: %#v, want %#v", c, rows, lo, got, want)
			}
			if lo < len(rows) {
				p.Remove(rows[lo])
			}
		}
	}
	for _, name := range []string{"count", "count_where"} {
		if !packed[name] {
			t.Errorf("%s is not Packed", name)
		}
	}
	for name := range packed {
		if name != "count" && name != "count_where" {
			t.Errorf("%s is Packed: its state is more than one word", name)
		}
	}
}

// Merging an empty aggregator changes nothing; merging into an empty one
// copies the frame, which then slides as if added row by row. "Empty"
// includes aggregators whose rows were all removed again.
func TestMergeEmpty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cs := configs(t)
	empty := func(c config) Aggregator {
		// Pristine, or emptied by Removes (deques and rings with history).
		return buildPart(t, r, c, nil)
	}
	for _, c := range cs {
		e := empty(c)
		e.Merge(empty(c))
		if got, want := e.Result(), afresh(t, c, nil); !same(got, want) {
			t.Fatalf("%v: empty merged with empty: %#v, want %#v", c, got, want)
		}
		for range 3 {
			rows := genRows(r, c, 1+r.IntN(25))
			a := buildPart(t, r, c, rows)
			a.Merge(empty(c))
			if got, want := a.Result(), afresh(t, c, rows); !same(got, want) {
				t.Fatalf("%v: %v merged with empty: %#v, want %#v", c, rows, got, want)
			}
			e := empty(c)
			e.Merge(a)
			for lo := 0; ; lo++ {
				if got, want := e.Result(), afresh(t, c, rows[lo:]); !same(got, want) {
					t.Fatalf("%v: empty merged with %v, %d removed: %#v, want %#v", c, rows, lo, got, want)
				}
				if lo == len(rows) {
					break
				}
				e.Remove(rows[lo])
			}
			// Emptied by Removes, it takes rows again.
			e.Merge(a)
			e.Add(rows[0])
			if got, want := e.Result(), afresh(t, c, append(slices.Clip(rows), rows[0])); !same(got, want) {
				t.Fatalf("%v: refilled: %#v, want %#v", c, got, want)
			}
		}
	}
}

// Merging aggregators of different types, of different arguments, or an
// aggregator into itself panics.
func TestMergeMisuse(t *testing.T) {
	mk := func(name string, kinds []types.Kind, consts []types.Value) Aggregator {
		a, err := New(name, kinds, consts)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	d := []types.Kind{types.Double}
	sum := mk("sum", d, nil)
	for _, tc := range []struct {
		what        string
		into, newer Aggregator
	}{
		{"sum into itself", sum, sum},
		{"count into sum", sum, mk("count", d, nil)},
		{"min into max", mk("max", d, nil), mk("min", d, nil)},
		{"int sum into double sum", sum, mk("sum", []types.Kind{types.Int64}, nil)},
		{"lag 1 into lag 2", mk("lag", []types.Kind{types.Int32, types.Int32}, []types.Value{{}, types.Int32Value(2)}),
			mk("lag", []types.Kind{types.Int32, types.Int32}, []types.Value{{}, types.Int32Value(1)})},
		{"sum_cate into count_cate", mk("count_cate", []types.Kind{types.Double, types.String}, nil),
			mk("sum_cate", []types.Kind{types.Double, types.String}, nil)},
	} {
		func() {
			defer func() {
				if e := recover(); e == nil {
					t.Errorf("%s: no panic", tc.what)
				} else if !strings.HasPrefix(e.(string), "agg: Merge") {
					t.Errorf("%s: panic %v", tc.what, e)
				}
			}()
			tc.into.Merge(tc.newer)
		}()
	}
}

// Merging partials does not allocate in steady state (sum, count, max).
func TestMergeNoAlloc(t *testing.T) {
	for _, c := range []struct {
		name string
		k    types.Kind
	}{{"sum", types.Double}, {"sum", types.Int64}, {"count", types.Double}, {"avg", types.Double},
		{"max", types.Double}, {"min", types.String}, {"stddev", types.Double}} {
		acc, parts := mergeBench(t, c.name, c.k, 24, 100)
		i := 0
		step := func() {
			if i%len(parts) == 0 {
				acc.Reset()
			}
			acc.Merge(parts[i%len(parts)])
			i++
		}
		for range 100 {
			step()
		}
		if n := testing.AllocsPerRun(1000, step); n != 0 {
			t.Errorf("%s(%v): %v allocations per Merge", c.name, c.k, n)
		}
	}
}

// mergeBench returns an empty aggregator and n partials of w rows each (an
// hour's pre-aggregated bucket each).
func mergeBench(tb testing.TB, name string, k types.Kind, n, w int) (Aggregator, []Aggregator) {
	rows := benchRows(k)
	kinds := []types.Kind{k}
	acc, err := New(name, kinds, nil)
	if err != nil {
		tb.Fatal(err)
	}
	parts := make([]Aggregator, n)
	for i := range parts {
		parts[i], _ = New(name, kinds, nil)
		for j := range w {
			parts[i].Add(rows[(i*w+j)&(len(rows)-1)])
		}
	}
	return acc, parts
}

// benchMerge measures one Merge of a 100-row partial into an aggregator that
// collects 24 of them (a day of hourly buckets) and is reset after each day.
func benchMerge(b *testing.B, name string, k types.Kind) {
	acc, parts := mergeBench(b, name, k, 24, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(parts)
		if j == 0 {
			acc.Reset()
		}
		acc.Merge(parts[j])
	}
	sinkValue = acc.Result()
}

func BenchmarkMergeSumDouble(b *testing.B) { benchMerge(b, "sum", types.Double) }
func BenchmarkMergeSumInt64(b *testing.B)  { benchMerge(b, "sum", types.Int64) }
func BenchmarkMergeCount(b *testing.B)     { benchMerge(b, "count", types.Double) }
func BenchmarkMergeMaxDouble(b *testing.B) { benchMerge(b, "max", types.Double) }
func BenchmarkMergeMaxString(b *testing.B) { benchMerge(b, "max", types.String) }

// ExactSum.Merge from and into accumulators in every state: zero (pristine,
// reset, or cancelled down to zero after normalising), with pending carries
// (up to the budget), normalised, with specials. The sum is exact and o is
// left bit for bit as it was.
func TestExactSumMergeStates(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	build := func(g *gen) (*ExactSum, *ref) {
		s, rf := new(ExactSum), new(ref)
		var live []float64
		for range r.IntN(6) {
			switch op := r.IntN(9); {
			case op < 3:
				for range r.IntN(20) {
					x := g.next()
					s.Add(x)
					rf.add(x, 1)
					live = append(live, x)
				}
			case op == 3:
				// Up to the pending budget.
				for range r.IntN(maxPending) {
					x := g.next()
					s.Add(x)
					rf.add(x, 1)
					live = append(live, x)
				}
			case op == 4:
				s.Result()
			case op == 5:
				// Cancel everything: zero, with bounds from the past.
				for _, x := range live {
					s.Sub(x)
					rf.add(x, -1)
				}
				live = live[:0]
			case op == 6:
				s.Reset()
				*rf = ref{}
				live = live[:0]
			case op == 7 && r.IntN(4) == 0:
				x := []float64{inf, -inf, nan}[r.IntN(3)]
				s.Add(x)
				rf.add(x, 1)
			default:
				if len(live) > 0 {
					i := r.IntN(len(live))
					s.Sub(live[i])
					rf.add(live[i], -1)
					live = slices.Delete(live, i, i+1)
				}
			}
		}
		return s, rf
	}
	for iter := range 1200 {
		s, rs := build(newGen(r, iter%nKinds))
		o, ro := build(newGen(r, r.IntN(nKinds)))
		before := *o
		s.Merge(o)
		if *o != before {
			t.Fatalf("iter %d: Merge changed its argument's representation", iter)
		}
		var want ref
		want.sum.Add(&rs.sum, &ro.sum)
		want.posInf, want.negInf, want.nan = rs.posInf+ro.posInf, rs.negInf+ro.negInf, rs.nan+ro.nan
		if got := exactValue(s); got.Cmp(&want.sum) != 0 {
			t.Fatalf("iter %d: merged value %v, want %v", iter, got, &want.sum)
		}
		if got, w := s.Result(), want.result(); !sameBits(got, w) {
			t.Fatalf("iter %d: merged result %v, want %v", iter, got, w)
		}
		// The merged accumulator takes more adds (a full budget of them).
		g := newGen(r, r.IntN(nKinds))
		for range r.IntN(maxPending + 10) {
			x := g.next()
			s.Add(x)
			want.add(x, 1)
		}
		if got, w := s.Result(), want.result(); !sameBits(got, w) {
			t.Fatalf("iter %d: after more adds %v, want %v", iter, got, w)
		}
	}
}

// Merge only reads its argument: one bucket merged into several aggregators
// at once (run with -race).
func TestMergeConcurrentReaders(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, c := range configs(t) {
		rows := genRows(r, c, 30)
		bucket := buildPart(t, r, c, rows)
		want := afresh(t, c, append(slices.Clip(rows[:5]), rows...))
		done := make(chan types.Value)
		for range 3 {
			go func() {
				a, _ := New(c.name, c.kinds, c.consts)
				for _, row := range rows[:5] {
					a.Add(row)
				}
				a.Merge(bucket)
				done <- a.Result()
			}()
		}
		for range 3 {
			if got := <-done; !same(got, want) {
				t.Fatalf("%v: concurrent merge %#v, want %#v", c, got, want)
			}
		}
	}
}
