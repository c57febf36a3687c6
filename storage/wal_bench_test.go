package storage_test

import (
	"testing"

	"github.com/sundialdb/sundial/storage"
)

// BenchmarkWALAppend appends 60-byte records from many goroutines: each
// Append waits for its fsync, and concurrent appends share one (group commit).
func BenchmarkWALAppend(b *testing.B) {
	w, err := storage.OpenWAL(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	row := make([]byte, 60)
	b.SetParallelism(16) // many writers share each fsync
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.Append(1, row); err != nil {
				b.Fatal(err)
			}
		}
	})
}
