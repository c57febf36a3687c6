package storage_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

var sink int64

var (
	flagW1ScanRows = flag.Int("w1scan.rows", 1_000_000, "BenchmarkW1Scan: W1 rows stored before the scans")
	flagW1ScanCopy = flag.Bool("w1scan.copy", false, "BenchmarkW1Scan: copy every key's list into a fresh arena after the load (each key's nodes together)")
)

var benchSchema = types.Schema{
	{Name: "user", Kind: types.String},
	{Name: "ts", Kind: types.Timestamp},
	{Name: "amount", Kind: types.Double},
	{Name: "item", Kind: types.Int64},
}

var benchIndex = []storage.IndexSpec{{Name: "user", KeyCols: []int{0}, TSCol: 1}}

type opener func([]storage.IndexSpec) (storage.Table, error)

var layers = []struct {
	name string
	open opener
}{
	{"arena", func(ix []storage.IndexSpec) (storage.Table, error) { return storage.NewMemTable(benchSchema, ix) }},
	{"huandu", func(ix []storage.IndexSpec) (storage.Table, error) { return storage.NewHuanduMemTable(benchSchema, ix) }},
}

func userKeys(n int) []types.Value {
	ks := make([]types.Value, n)
	for i := range ks {
		ks[i] = types.StringValue(fmt.Sprintf("user-%06d", i))
	}
	return ks
}

func benchRow(key types.Value, ts int64) []types.Value {
	return []types.Value{key, types.TimestampValue(ts), types.DoubleValue(float64(ts) / 7), types.Int64Value(ts % 1000)}
}

// BenchmarkPut stores rows in ts order spread over 100k keys.
func BenchmarkPut(b *testing.B) {
	for _, l := range layers {
		for _, nidx := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/indexes=%d", l.name, nidx), func(b *testing.B) {
				ix := benchIndex
				if nidx == 2 {
					ix = append(ix, storage.IndexSpec{Name: "item", KeyCols: []int{3}, TSCol: 1})
				}
				tb, err := l.open(ix)
				if err != nil {
					b.Fatal(err)
				}
				keys := userKeys(100000)
				rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
				row := benchRow(keys[0], 0)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					// Keys in a random (but repeating) order, ts increasing.
					row[0], row[1], row[3] = keys[i%len(keys)], types.TimestampValue(int64(i)), types.Int64Value(int64(i%1000))
					if _, err := tb.Put(row); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkScan reads the newest n rows of a key holding 10,000 rows (in a
// table of 1,000 such keys), decoding one column of each.
func BenchmarkScan(b *testing.B) {
	for _, l := range layers {
		tb, err := l.open(benchIndex)
		if err != nil {
			b.Fatal(err)
		}
		keys := userKeys(1000)
		for i := 0; i < 10000*len(keys); i++ {
			if _, err := tb.Put(benchRow(keys[i%len(keys)], int64(i/len(keys)))); err != nil {
				b.Fatal(err)
			}
		}
		dec := tb.Decoder([]int{2})
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/newest=%d", l.name, n), func(b *testing.B) {
				key := []types.Value{keys[17]}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c := 0
					var s float64
					err := tb.Scan(0, key, math.MaxInt64, 0, func(ts int64, seq uint64, row []byte) bool {
						s += dec.Value(row, 2).F
						c++
						return c < n
					})
					if err != nil || c != n {
						b.Fatal(err, c)
					}
					sink += int64(s)
				}
			})
		}
		b.Run(l.name+"/window-at-maxTS", func(b *testing.B) {
			// A window of 100 rows ending at a ts in the middle of the key's history.
			key := []types.Value{keys[17]}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c := 0
				_ = tb.Scan(0, key, 5000, 0, func(ts int64, seq uint64, row []byte) bool { c++; return c < 100 })
				sink += int64(c)
			}
		})
	}
}

// BenchmarkBytesPerRow stores 1M rows over 100k keys (ten rows a key) and
// reports the memory per row: Stats().Bytes and the growth of the Go heap
// (runtime.MemStats.HeapInuse), for layer two on Sundial's arena skiplist
// and on one huandu skiplist per key. Run it with -benchtime=1x.
func BenchmarkBytesPerRow(b *testing.B) {
	const rows, nkeys = 1_000_000, 100_000
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				keys := userKeys(nkeys)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tb, err := l.open(benchIndex)
				if err != nil {
					b.Fatal(err)
				}
				row := benchRow(keys[0], 0)
				for j := 0; j < rows; j++ {
					row[0], row[1], row[2], row[3] = keys[j%nkeys], types.TimestampValue(int64(j)), types.DoubleValue(float64(j)), types.Int64Value(int64(j))
					if _, err := tb.Put(row); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				st := tb.Stats()
				b.ReportMetric(float64(st.Bytes)/rows, "stats-B/row")
				b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/rows, "heap-B/row")
				total, live := storage.ArenaBytes(tb)
				b.ReportMetric(float64(total)/rows, "arena-B/row")
				b.ReportMetric(float64(live)/rows, "arena-live-B/row")
				runtime.KeepAlive(tb)
				runtime.KeepAlive(keys)
			}
		})
	}
}

// BenchmarkDisk measures the Pebble disk table: Put (without fsync) and a
// scan of the newest 100 rows of a key holding 1,000.
func BenchmarkDisk(b *testing.B) {
	tb, err := storage.OpenDiskTable(b.TempDir(), benchSchema, benchIndex, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tb.Close()
	keys := userKeys(100)
	for i := 0; i < 100_000; i++ {
		if _, err := tb.Put(benchRow(keys[i%len(keys)], int64(i/len(keys)))); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Put", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := tb.Put(benchRow(keys[i%len(keys)], int64(1000+i))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Scan/newest=100", func(b *testing.B) {
		key := []types.Value{keys[17]}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c := 0
			if err := tb.Scan(0, key, 999, 0, func(int64, uint64, []byte) bool { c++; return c < 100 }); err != nil || c != 100 {
				b.Fatal(err, c)
			}
			sink += int64(c)
		}
	})
}

// w1Schema is workload W1's table (exec/files.W1Schema; see
// shared/workloads/README.md), INDEX(KEY=user_id, TS=ts) as benchIndex.
var w1Schema = files.W1Schema()

// w1Rows calls fn with the first n rows of W1 as the benchmarks' Parquet
// files hold them (exec/files.W1Batches, seed 1): 100k user ids drawn
// Zipf(1.1), ts spread over 30 days in order with ±60 s of jitter. row is
// reused between calls.
func w1Rows(n int, fn func(row []types.Value)) {
	row := make([]types.Value, len(w1Schema))
	err := files.W1Batches(n, 1, func(b *types.Batch) error {
		for i := 0; i < b.Len(); i++ {
			for c, col := range b.Cols {
				row[c] = col.Value(i)
			}
			fn(row)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
}

// BenchmarkW1BytesPerRow stores 1M W1-like rows in a memory table and reports
// the store's bytes per row (Stats().Bytes), the growth of the Go heap, and
// the index arenas' share. Run it with -benchtime=1x.
func BenchmarkW1BytesPerRow(b *testing.B) {
	const rows = 1_000_000
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tb, err := storage.NewMemTable(w1Schema, benchIndex)
		if err != nil {
			b.Fatal(err)
		}
		w1Rows(rows, func(row []types.Value) {
			if _, err := tb.Put(row); err != nil {
				b.Fatal(err)
			}
		})
		runtime.GC()
		runtime.ReadMemStats(&after)
		st := tb.Stats()
		total, live := storage.ArenaBytes(tb)
		b.ReportMetric(float64(st.Bytes)/rows, "stats-B/row")
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/rows, "heap-B/row")
		b.ReportMetric(float64(total)/rows, "arena-B/row")
		b.ReportMetric(float64(live)/rows, "arena-live-B/row")
		runtime.KeepAlive(tb)
	}
}

// BenchmarkW1Scan reads windows of W1-like keys after storing 1M rows
// (-w1scan.rows; at 10M the store is larger than any cache or TLB): per
// op, the newest rows (up to 1,000) of a random key, decoding amount, and it
// reports the time per row read. top100 draws among the 100 hottest keys
// (thousands of rows each, half the table: more than the caches hold),
// uniform among all 100k keys as W1's requests do (most keys hold few rows).
func BenchmarkW1Scan(b *testing.B) {
	tb, err := storage.NewMemTable(w1Schema, benchIndex)
	if err != nil {
		b.Fatal(err)
	}
	w1Rows(*flagW1ScanRows, func(row []types.Value) {
		if _, err := tb.Put(row); err != nil {
			b.Fatal(err)
		}
	})
	if *flagW1ScanCopy {
		storage.CopyListsNow(tb)
	}
	dec := tb.Decoder([]int{2})
	for _, nkeys := range []int{100, 100_000} {
		name := "top100"
		if nkeys == 100_000 {
			name = "uniform"
		}
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			keys := make([][]types.Value, 4096)
			for i := range keys {
				keys[i] = []types.Value{types.StringValue(fmt.Sprintf("u%06d", r.IntN(nkeys)))}
			}
			rows := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := 0
				var s float64
				_ = tb.Scan(0, keys[i%len(keys)], math.MaxInt64, 0, func(ts int64, seq uint64, row []byte) bool {
					s += dec.Value(row, 2).F
					c++
					return c < 1000
				})
				rows += c
				sink += int64(s)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(rows, 1)), "ns/row")
		})
	}
}
