package window

import "testing"

var sinkLo, sinkHi int
var sinkCur bool

// benchHistory returns n ascending timestamps, three rows per 100 ms (so there are ties).
func benchHistory(n int) []int64 {
	hist := make([]int64, n)
	for i := range hist {
		hist[i] = 1_600_000_000_000 + int64(i/3)*100
	}
	return hist
}

var benchFrames = []struct{ name, frame string }{
	{"rows", "ROWS BETWEEN 100 PRECEDING AND CURRENT ROW"},
	{"rows_ect", "ROWS BETWEEN 100 PRECEDING AND 1 PRECEDING EXCLUDE CURRENT_TIME"},
	{"range", "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW"},
	{"range_1d", "ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW"},
	{"range_maxsize_ect", "ROWS_RANGE BETWEEN 1h PRECEDING AND 1s OPEN PRECEDING MAXSIZE 1000 EXCLUDE CURRENT_TIME"},
}

// BenchmarkBounds asks for the frame of rows of a 10M-row partition, as batch would without a cursor.
func BenchmarkBounds(b *testing.B) {
	const n = 10_000_000
	hist := benchHistory(n)
	for _, bf := range benchFrames {
		f := compileFrame(b, bf.frame)
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			i := n / 2
			for b.Loop() {
				sinkLo, sinkHi, sinkCur = f.Bounds(hist[:i], hist[i])
				if i++; i == n {
					i = n / 2
				}
			}
		})
	}
}

// BenchmarkCursor visits the rows of a 10M-row partition in order, as batch does.
func BenchmarkCursor(b *testing.B) {
	const n = 10_000_000
	hist := benchHistory(n)
	for _, bf := range benchFrames {
		f := compileFrame(b, bf.frame)
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			c := f.NewCursor()
			i := 0
			for b.Loop() {
				sinkLo, sinkHi, sinkCur = c.Next(hist[:i], hist[i])
				if i++; i == n {
					i = 0
					c.Reset()
				}
			}
		})
	}
}

// BenchmarkEnough is an online reader's check after each row read (newest first).
func BenchmarkEnough(b *testing.B) {
	read := benchHistory(100_000)
	for i, j := 0, len(read)-1; i < j; i, j = i+1, j-1 {
		read[i], read[j] = read[j], read[i]
	}
	cur := read[0]
	f := compileFrame(b, "ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW MAXSIZE 1000 EXCLUDE CURRENT_TIME")
	b.ReportAllocs()
	k := 1
	for b.Loop() {
		sinkCur = f.Enough(cur, read[:k])
		if k++; k > 2000 {
			k = 1
		}
	}
}
