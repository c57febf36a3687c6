package files

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/sundialdb/sundial/types"
)

// w1OutSchema is the shape of W1's batch output: user_id, ts and six
// features (four doubles, two bigints).
func w1OutSchema() types.Schema {
	return types.Schema{
		{Name: "user_id", Kind: types.String},
		{Name: "ts", Kind: types.Timestamp},
		{Name: "s1h", Kind: types.Double},
		{Name: "c1h", Kind: types.Int64},
		{Name: "a1d", Kind: types.Double},
		{Name: "m1d", Kind: types.Double},
		{Name: "c30d", Kind: types.Int64},
		{Name: "s10r", Kind: types.Double},
	}
}

// w1OutBatches builds n rows of W1-shaped output in batches of size rows.
func w1OutBatches(n, size int) []*types.Batch {
	w1Names()
	r := rand.New(rand.NewPCG(1, 2))
	var out []*types.Batch
	for lo := 0; lo < n; lo += size {
		k := min(size, n-lo)
		cols := make([]*types.Column, 8)
		for i, f := range w1OutSchema() {
			cols[i] = types.NewColumn(f.Kind, k)
		}
		for i := 0; i < k; i++ {
			row := lo + i
			cols[0].S = append(cols[0].S, w1IDs[r.IntN(W1Keys)])
			cols[1].I = append(cols[1].I, W1Start+int64(row)*259+r.Int64N(1000))
			s := float64(r.IntN(100000)) / 100
			cols[2].F = append(cols[2].F, s*3)
			cols[3].I = append(cols[3].I, int64(r.IntN(20)))
			cols[4].F = append(cols[4].F, s/7)
			cols[5].F = append(cols[5].F, s)
			cols[6].I = append(cols[6].I, int64(r.IntN(2000)))
			cols[7].F = append(cols[7].F, s*5.5)
		}
		out = append(out, &types.Batch{Schema: w1OutSchema(), Cols: cols})
	}
	return out
}

func benchWrite(b *testing.B, format Format, rows int) {
	batches := w1OutBatches(rows, 64<<10)
	dir := b.TempDir()
	path := filepath.Join(dir, "out."+format.String())
	b.SetBytes(int64(rows) * (7 + 8*7))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := Create(path, w1OutSchema(), WriteOptions{Mode: ModeOverwrite})
		if err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if err := w.Write(bt); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/float64(rows), "B/row")
	}
}

// BenchmarkWriteParquetW1 writes 1M rows of W1-shaped output
// (user_id, ts, 6 features) as Parquet.
func BenchmarkWriteParquetW1(b *testing.B) { benchWrite(b, FormatParquet, 1<<20) }

// BenchmarkWriteCSVW1 writes the same rows as CSV.
func BenchmarkWriteCSVW1(b *testing.B) { benchWrite(b, FormatCSV, 1<<20) }

func benchRead(b *testing.B, format Format, rows int) {
	dir := b.TempDir()
	path := filepath.Join(dir, "in."+format.String())
	if format == FormatParquet {
		if err := GenerateW1(path, rows, 1); err != nil {
			b.Fatal(err)
		}
	} else {
		if err := GenerateW1(path+".parquet", rows, 1); err != nil {
			b.Fatal(err)
		}
		copyFile(b, path+".parquet", path, W1Schema())
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, W1Schema(), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			bt, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += bt.Len()
		}
		r.Close()
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadParquetW1 reads 1M rows of the W1 events table.
func BenchmarkReadParquetW1(b *testing.B) { benchRead(b, FormatParquet, 1<<20) }

// BenchmarkReadCSVW1 reads the same rows from CSV.
func BenchmarkReadCSVW1(b *testing.B) { benchRead(b, FormatCSV, 1<<20) }

// BenchmarkGenerateW1 generates 1M rows of W1.
func BenchmarkGenerateW1(b *testing.B) {
	path := filepath.Join(b.TempDir(), "w1.parquet")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := GenerateW1(path, 1<<20, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(1<<20)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// copyFile converts a file to another (by extension), via Open and Create.
func copyFile(tb testing.TB, from, to string, schema types.Schema) {
	tb.Helper()
	r, err := Open(from, schema, ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	w, err := Create(to, schema, WriteOptions{Mode: ModeOverwrite})
	if err != nil {
		tb.Fatal(err)
	}
	for {
		bt, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Abort()
			tb.Fatal(err)
		}
		if err := w.Write(bt); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(fmt.Errorf("close: %w", err))
	}
}
