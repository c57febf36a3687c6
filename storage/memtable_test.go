package storage_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/storage/tabletest"
	"github.com/sundialdb/sundial/types"
)

func openMem(t *testing.T, schema types.Schema, idx []storage.IndexSpec) storage.Table {
	tb, err := storage.NewMemTable(schema, idx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func TestMemTable(t *testing.T) {
	t.Parallel()
	tabletest.Run(t, openMem)
}

// The huandu reference of layer two passes the same suite (without the race
// detector: its locking is a plain RWMutex per key, and the race run has a
// time budget).
func TestMemTableHuandu(t *testing.T) {
	if raceEnabled {
		t.Skip("reference implementation; run without -race")
	}
	tabletest.Run(t, func(t *testing.T, schema types.Schema, idx []storage.IndexSpec) storage.Table {
		tb, err := storage.NewHuanduMemTable(schema, idx)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	})
}

var streamSchema = types.Schema{
	{Name: "user", Kind: types.String},
	{Name: "item", Kind: types.Int64},
	{Name: "ts", Kind: types.Timestamp},
	{Name: "price", Kind: types.Double},
	{Name: "note", Kind: types.String},
}

func streamRow(r *rand.Rand, keys int, ts int64) []types.Value {
	k := r.IntN(keys)
	return []types.Value{types.StringValue(fmt.Sprintf("user-%05d", k)), types.Int64Value(int64(r.IntN(keys / 10))), types.TimestampValue(ts),
		types.DoubleValue(r.Float64()), types.StringValue(fmt.Sprintf("note %d", r.IntN(1000000)))}
}

// TestMemoryFlat streams rows through TTL'd indexes, evicting as it goes, and
// checks that the bytes held stop growing once the TTL window is full.
func TestMemoryFlat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		idx  []storage.IndexSpec
	}{
		{"absolute", []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLAbsolute, AbsMillis: 2000}}},
		{"latest+absolute", []storage.IndexSpec{
			{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLLatest, LatCount: 5},
			{Name: "i", KeyCols: []int{1}, TSCol: 2, TTLType: storage.TTLAbsolute, AbsMillis: 1000}}},
		{"absorlat", []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLAbsOrLat, AbsMillis: 3000, LatCount: 3}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := openMem(t, streamSchema, c.idx)
			r := rand.New(rand.NewPCG(3, 4))
			perTick, ticks, keys := 500, 120, 2000
			if raceEnabled {
				perTick, ticks, keys = 100, 90, 300
			}
			var warm, peak int64
			var warmRows, peakRows int64
			for tick := 0; tick < ticks; tick++ {
				now := int64(tick) * 100 // 100 ms per tick: the 2 s window holds 20 ticks
				for i := 0; i < perTick; i++ {
					if _, err := tb.Put(streamRow(r, keys, now+int64(i%100))); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := tb.Evict(now); err != nil {
					t.Fatal(err)
				}
				st := tb.Stats()
				switch {
				case tick < ticks/3:
				case tick < 2*ticks/3:
					warm, warmRows = max(warm, st.Bytes), max(warmRows, st.Rows)
				default:
					peak, peakRows = max(peak, st.Bytes), max(peakRows, st.Rows)
				}
			}
			total, live := storage.ArenaBytes(tb)
			t.Logf("bytes: %d in the middle third, %d in the last; rows %d / %d; arenas %d (live %d)", warm, peak, warmRows, peakRows, total, live)
			if float64(peak) > 1.15*float64(warm) {
				t.Fatalf("memory grows under a steady stream: peak %d bytes in the last third, %d in the middle", peak, warm)
			}
		})
	}
}

// TestCollector runs the background collector against a stream.
func TestCollector(t *testing.T) {
	tb := openMem(t, streamSchema, []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLAbsolute, AbsMillis: 50}})
	var clock atomic.Int64
	stop := storage.StartCollector(tb, time.Millisecond, clock.Load, func(err error) { t.Error(err) })
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		clock.Store(int64(i / 10))
		if _, err := tb.Put(streamRow(r, 100, int64(i/10))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for tb.Stats().Rows > 510 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	stop() // idempotent
	if rows := tb.Stats().Rows; rows > 510 {
		t.Fatalf("%d rows left; the collector should keep about 500", rows)
	}
}

// TestCompactWhileWriting: a writer keeps adding rows to many keys (new keys
// too) while eviction passes keep each key's newest rows and compact the
// arenas, which move lists one key at a time between the writer's inserts;
// at the end every key holds exactly its newest rows, in order. Run with
// -race.
func TestCompactWhileWriting(t *testing.T) {
	const latest = 4
	tb := openMem(t, streamSchema, []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLLatest, LatCount: latest}})
	keys, rounds := 400, 60
	if raceEnabled {
		keys, rounds = 100, 30
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for round := 0; round < rounds; round++ {
			for k := 0; k < keys+round*10; k++ { // ten new keys a round
				row := []types.Value{types.StringValue(fmt.Sprintf("k%04d", k)), types.Int64Value(int64(round)),
					types.TimestampValue(int64(round)), types.DoubleValue(float64(k)), types.StringValue("n")}
				if _, err := tb.Put(row); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	passes := 0
	for running := true; running; passes++ {
		select {
		case <-done:
			running = false
		default:
		}
		if _, err := tb.Evict(0); err != nil {
			t.Fatal(err)
		}
	}
	for k := 0; k < keys+(rounds-1)*10; k++ {
		first := max(0, (k-keys)/10+1) // the round that created the key
		if k < keys {
			first = 0
		}
		var got []int64
		err := tb.Scan(0, []types.Value{types.StringValue(fmt.Sprintf("k%04d", k))}, 1<<40, 0, func(ts int64, _ uint64, _ []byte) bool {
			got = append(got, ts)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{}
		for r := rounds - 1; r >= first && len(want) < latest; r-- {
			want = append(want, int64(r))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("key %d: ts %v, want %v", k, got, want)
		}
	}
	total, live := storage.ArenaBytes(tb)
	t.Logf("%d eviction passes; arenas %d bytes (live %d)", passes, total, live)
}
