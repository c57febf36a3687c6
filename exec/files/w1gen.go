package files

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/sundialdb/sundial/types"
)

// W1 workload constants (shared/workloads/README.md).
const (
	W1Keys       = 100_000
	W1Start      = int64(1704067200000) // 2024-01-01 00:00:00 UTC, in ms
	W1Span       = int64(30 * 24 * 3600 * 1000)
	W1JitterMs   = 60_000
	W1Categories = 20
	W1ZipfS      = 1.1
)

// W1Schema is the schema of the W1 events table:
// events(user_id string, ts timestamp, amount double, category string, flag int).
func W1Schema() types.Schema {
	return types.Schema{
		{Name: "user_id", Kind: types.String},
		{Name: "ts", Kind: types.Timestamp},
		{Name: "amount", Kind: types.Double},
		{Name: "category", Kind: types.String},
		{Name: "flag", Kind: types.Int32},
	}
}

var (
	w1Once sync.Once
	w1IDs  []string
	w1Cats []string
)

func w1Names() {
	w1Once.Do(func() {
		w1IDs = make([]string, W1Keys)
		for i := range w1IDs {
			w1IDs[i] = fmt.Sprintf("u%06d", i)
		}
		w1Cats = make([]string, W1Categories)
		for i := range w1Cats {
			w1Cats[i] = fmt.Sprintf("cat%02d", i)
		}
	})
}

// GenerateW1 writes n rows of the W1 events table to path as Parquet
// (snappy, 1Mi-row groups), replacing any file there. The data depends only
// on n and seed:
//
//   - user_id: u000000..u099999, drawn Zipf(s = 1.1) over the rank, u000000
//     the most frequent (P(rank k) ∝ (k+1)^-1.1);
//   - ts: row i at 2024-01-01 UTC + i·30d/n, plus a uniform jitter of
//     ±60 s (whole milliseconds), so rows come roughly in time order and
//     some (user_id, ts) pairs repeat;
//   - amount: log-normal, median 20 (exp(ln 20 + N(0,1))), rounded to two
//     decimals, at least 0.01;
//   - category: cat00..cat19, uniform; flag: 0 or 1, each with
//     probability 1/2.
//
// Each column draws from its own PCG stream, so columns are generated in
// parallel; memory does not grow with n.
func GenerateW1(path string, n int, seed int64) error {
	if n < 0 {
		return fmt.Errorf("GenerateW1: negative row count %d", n)
	}
	w, err := Create(path, W1Schema(), WriteOptions{Format: FormatParquet, Mode: ModeOverwrite})
	if err != nil {
		return err
	}
	if err := W1Batches(n, seed, w.Write); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// W1Batches calls fn with the n rows GenerateW1 writes for n and seed, in
// order, in batches of up to 1Mi rows whose memory the next batch reuses. It
// stops at fn's first error and returns it. Benchmarks that load W1 into a
// store without a file use it.
func W1Batches(n int, seed int64, fn func(*types.Batch) error) error {
	if n < 0 {
		return fmt.Errorf("W1Batches: negative row count %d", n)
	}
	w1Names()
	g := newW1Gen(n, seed)
	for g.done < n {
		if err := fn(g.next(min(chunkRows, n-g.done))); err != nil {
			return err
		}
	}
	return nil
}

// w1Gen produces W1 rows batch by batch.
type w1Gen struct {
	n, done            int
	user, ts, amt, cat *rand.Rand
	flag               *rand.Rand
	zipf               *rand.Zipf
	users, cats        []string
	tss                []int64
	amounts            []float64
	flags              []int64
	muLog              float64
}

func newW1Gen(n int, seed int64) *w1Gen {
	s := uint64(seed)
	stream := func(k uint64) *rand.Rand { return rand.New(rand.NewPCG(s, 0x9e3779b97f4a7c15*k+1)) }
	g := &w1Gen{n: n, user: stream(1), ts: stream(2), amt: stream(3), cat: stream(4), flag: stream(5), muLog: math.Log(20)}
	g.zipf = rand.NewZipf(g.user, W1ZipfS, 1, W1Keys-1)
	return g
}

// next generates the next k rows.
func (g *w1Gen) next(k int) *types.Batch {
	g.users = grow(g.users, k)
	g.cats = grow(g.cats, k)
	g.tss = grow(g.tss, k)
	g.amounts = grow(g.amounts, k)
	g.flags = grow(g.flags, k)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the Zipf draw is the costly one: it gets its own core
		defer wg.Done()
		for i := range g.users {
			g.users[i] = w1IDs[g.zipf.Uint64()]
		}
	}()
	base := g.done
	for i := range g.tss {
		row := int64(base + i)
		g.tss[i] = W1Start + row*W1Span/int64(g.n) + g.ts.Int64N(2*W1JitterMs+1) - W1JitterMs
	}
	for i := range g.amounts {
		a := math.Round(math.Exp(g.muLog+g.amt.NormFloat64())*100) / 100
		g.amounts[i] = max(a, 0.01)
	}
	for i := range g.cats {
		g.cats[i] = w1Cats[g.cat.IntN(W1Categories)]
	}
	for i := range g.flags {
		g.flags[i] = int64(g.flag.Uint64() & 1)
	}
	wg.Wait()
	g.done += k
	return &types.Batch{Schema: W1Schema(), Cols: []*types.Column{
		{Kind: types.String, S: g.users},
		{Kind: types.Timestamp, I: g.tss},
		{Kind: types.Double, F: g.amounts},
		{Kind: types.String, S: g.cats},
		{Kind: types.Int32, I: g.flags},
	}}
}
