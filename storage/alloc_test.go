package storage_test

import (
	"math"
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

var visited int

func countRow(ts int64, seq uint64, row []byte) bool { visited++; return true }

// Put and Scan allocate nothing of their own in the steady state (a
// capturing closure passed to Scan is the caller's allocation).
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	tb, err := storage.NewMemTable(benchSchema, benchIndex)
	if err != nil {
		t.Fatal(err)
	}
	keys := userKeys(100)
	i := 0
	row := benchRow(keys[0], 0)
	put := func() {
		row[0], row[1] = keys[i%len(keys)], types.TimestampValue(int64(i))
		i++
		if _, err := tb.Put(row); err != nil {
			t.Fatal(err)
		}
	}
	for j := 0; j < 10000; j++ {
		put()
	}
	// Chunks and arena blocks are allocated now and then: average over many Puts.
	if a := testing.AllocsPerRun(2000, put); a > 0.05 {
		t.Errorf("Put: %.3f allocations per row", a)
	}
	key := []types.Value{keys[3]}
	if a := testing.AllocsPerRun(1000, func() {
		if err := tb.Scan(0, key, math.MaxInt64, 0, countRow); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Scan: %.1f allocations", a)
	}
}
