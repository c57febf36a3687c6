package tabletest

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// Table.LastSeq and Table.Rows: every live row in seq order.

type seqV struct {
	Seq uint64
	V   int64
}

// rows reads the rows first..last with Rows, checking that seqs increase.
func rows(t *testing.T, tb storage.Table, first, last uint64) []seqV {
	t.Helper()
	dec := tb.Decoder([]int{cV})
	var out []seqV
	err := tb.Rows(first, last, func(seq uint64, row []byte) bool {
		if seq < first || seq > last || len(out) > 0 && seq <= out[len(out)-1].Seq {
			t.Fatalf("Rows(%d, %d): seq %d after %v", first, last, seq, out)
		}
		out = append(out, seqV{seq, dec.Value(row, cV).I})
		return true
	})
	if err != nil {
		t.Fatalf("Rows(%d, %d): %v", first, last, err)
	}
	return out
}

// chunked reads the rows first..last n at a time, resuming after the last seq seen.
func chunked(tb storage.Table, first, last uint64, n int) ([]seqV, error) {
	dec := tb.Decoder([]int{cV})
	var out []seqV
	for from := first; ; {
		got := 0
		err := tb.Rows(from, last, func(seq uint64, row []byte) bool {
			out = append(out, seqV{seq, dec.Value(row, cV).I})
			got++
			return got < n
		})
		if err != nil {
			return out, err
		}
		if got < n {
			return out, nil
		}
		from = out[len(out)-1].Seq + 1
	}
}

func sameRows(t *testing.T, what string, got, want []seqV) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func testRows(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k1", KeyCols: []int{cK1}, TSCol: cTS}, {Name: "k2", KeyCols: []int{cK2}, TSCol: cV}})
	if s := tb.LastSeq(); s != 0 {
		t.Fatalf("LastSeq of an empty table: %d", s)
	}
	sameRows(t, "empty", rows(t, tb, 1, math.MaxUint64), nil)
	// Rows come in seq order whatever their keys and times; a row larger
	// than a chunk's quarter and rows with NULLs among them.
	rowAt := func(i int) []types.Value {
		r := mkrow(fmt.Sprint("k", i%13), i%5, int64((i*7919)%1000), int64(i))
		switch i % 500 {
		case 7:
			r[cK1] = types.StringValue(fmt.Sprint(i, string(make([]byte, 20000))))
		case 8:
			r[cK1], r[cK2] = types.NullOf(types.String), types.NullOf(types.Int32)
		}
		return r
	}
	var want []seqV
	for i := 0; i < 3000; i++ {
		seq := put(t, tb, rowAt(i))
		if s := tb.LastSeq(); s != seq {
			t.Fatalf("LastSeq %d after putting seq %d", s, seq)
		}
		want = append(want, seqV{seq, int64(i)})
	}
	last := tb.LastSeq()
	sameRows(t, "all", rows(t, tb, 1, last), want)
	sameRows(t, "from 0, past the last seq", rows(t, tb, 0, math.MaxUint64), want)
	sameRows(t, "a range", rows(t, tb, want[1000].Seq, want[2100].Seq), want[1000:2101])
	sameRows(t, "one row", rows(t, tb, want[5].Seq, want[5].Seq), want[5:6])
	sameRows(t, "first > last", rows(t, tb, 10, 9), nil)
	sameRows(t, "past the end", rows(t, tb, last+1, last+1000), nil)
	for _, n := range []int{1, 7, 512, 5000} {
		got, err := chunked(tb, 1, last, n)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, fmt.Sprint("chunks of ", n), got, want)
	}
	// Every column decodes as put.
	dec := tb.Decoder(nil)
	i := 0
	if err := tb.Rows(1, last, func(seq uint64, row []byte) bool {
		got, r := dec.Decode(row, nil), rowAt(i)
		for c := range got {
			if !types.Identical(got[c], r[c]) {
				t.Fatalf("row %d column %s: got %v, want %v", i, schema[c].Name, got[c], r[c])
			}
		}
		i++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	// New rows come after; a snapshot's last bounds what is read.
	seq := put(t, tb, mkrow("new", 1, -5, 9999))
	sameRows(t, "bounded by an earlier LastSeq", rows(t, tb, 1, last), want)
	sameRows(t, "the new row", rows(t, tb, last+1, tb.LastSeq()), []seqV{{seq, 9999}})
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tb.Rows(1, last, func(uint64, []byte) bool { return true }); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Rows after Close: %v", err)
	}
}

// testRowsEvicted: Rows visits the rows some index still holds, expired or
// not, and not those Evict dropped from every index.
func testRowsEvicted(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{
		{Name: "short", KeyCols: []int{cK1}, TSCol: cTS, TTLType: storage.TTLLatest, LatCount: 2},
		{Name: "long", KeyCols: []int{cK2}, TSCol: cTS, TTLType: storage.TTLAbsolute, AbsMillis: 100},
	})
	var all []seqV
	for i := 0; i < 2000; i++ {
		seq := put(t, tb, mkrow(fmt.Sprint("k", i%10), i%3, int64(i), int64(i)))
		all = append(all, seqV{seq, int64(i)})
	}
	last := tb.LastSeq()
	// Nothing evicted yet: expired rows (as of any now) are still visited.
	sameRows(t, "before Evict", rows(t, tb, 1, last), all)
	// As of 1500, "long" holds ts > 1400; "short" the 2 newest rows per key (ts 1980..1999).
	if _, err := tb.Evict(1500); err != nil {
		t.Fatal(err)
	}
	want := all[1401:]
	sameRows(t, "after Evict", rows(t, tb, 1, last), want)
	if st := tb.Stats(); st.Rows != int64(len(want)) {
		t.Fatalf("Stats().Rows %d, Rows visited %d", st.Rows, len(want))
	}
	got, err := chunked(tb, 1, last, 33)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after Evict, in chunks", got, want)
	// Everything but the latest 2 per key of "short".
	if _, err := tb.Evict(100000); err != nil {
		t.Fatal(err)
	}
	want = append([]seqV(nil), all[1980:]...)
	sameRows(t, "after a second Evict", rows(t, tb, 1, last), want)
	seq := put(t, tb, mkrow("k0", 0, 5000, 5000))
	sameRows(t, "a row after eviction", rows(t, tb, 1, tb.LastSeq()), append(want, seqV{seq, 5000}))
}

// testRowsConcurrentPut: writers put while readers read every row in chunks,
// up to a LastSeq taken at their start. Each writer puts its rows one after
// another, so a reader must see, for each writer, its first rows in order
// and at least those whose Put had returned before the reader's LastSeq.
func testRowsConcurrentPut(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{{Name: "k1", KeyCols: []int{cK1}, TSCol: cTS}, {Name: "k2", KeyCols: []int{cK2}, TSCol: cTS}})
	const writers, perWriter = 3, 3000
	var done [writers]atomic.Int64 // rows each writer has put
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(format string, args ...any) { failed.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= perWriter; i++ {
				// v: the writer in the thousands of millions, its row number below.
				if _, err := tb.Put(mkrow(fmt.Sprint("k", i%17), w, int64(i), int64(w)*1e9+int64(i))); err != nil {
					fail("Put: %v", err)
					return
				}
				done[w].Store(int64(i))
			}
		}()
	}
	var stop atomic.Bool
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := 0; !stop.Load() || n < 2; n++ {
				var before [writers]int64
				for w := range before {
					before[w] = done[w].Load()
				}
				last := tb.LastSeq()
				got, err := chunked(tb, 1, last, 100+r*300)
				if err != nil {
					fail("Rows: %v", err)
					return
				}
				var seen [writers]int64
				var prev uint64
				for _, x := range got {
					if x.Seq <= prev || x.Seq > last {
						fail("seq %d after %d (last %d)", x.Seq, prev, last)
						return
					}
					prev = x.Seq
					w, i := x.V/1e9, x.V%1e9
					if w < 0 || w >= writers || i != seen[w]+1 {
						fail("writer %d: row %d after row %d", w, i, seen[w])
						return
					}
					seen[w] = i
				}
				for w := range seen {
					if seen[w] < before[w] {
						fail("writer %d: %d rows seen, %d were put before LastSeq %d", w, seen[w], before[w], last)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	readers.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	if got := rows(t, tb, 1, tb.LastSeq()); len(got) != writers*perWriter {
		t.Fatalf("%d rows, want %d", len(got), writers*perWriter)
	}
}

// testRowsConcurrentEvict reads every row while a writer puts and a
// collector evicts (and compacts): rows come in seq order and read whole.
func testRowsConcurrentEvict(t *testing.T, open Opener) {
	tb := open(t, schema, []storage.IndexSpec{
		{Name: "abs", KeyCols: []int{cK1}, TSCol: cTS, TTLType: storage.TTLAbsolute, AbsMillis: 300},
		{Name: "lat", KeyCols: []int{cK2}, TSCol: cTS, TTLType: storage.TTLLatest, LatCount: 50},
	})
	var clock atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(format string, args ...any) { failed.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
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
				fail("Evict: %v", err)
				return
			}
		}
	}()
	go func() { // reader
		defer wg.Done()
		dec := tb.Decoder(nil)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var prev uint64
			err := tb.Rows(1, tb.LastSeq(), func(seq uint64, row []byte) bool {
				// Row i (from 0) has seq i+1 and v = i; its string key is long
				// enough to fill chunks.
				v := dec.Value(row, cV).I
				if seq <= prev || v != int64(seq)-1 || dec.Value(row, cK1).S != pad(v) || dec.Check(row) != nil {
					fail("seq %d (after %d): v %d, k1 %q", seq, prev, v, dec.Value(row, cK1).S)
					return false
				}
				prev = seq
				return true
			})
			if err != nil {
				fail("Rows: %v", err)
				return
			}
		}
	}()
	for i := 0; i < 6000; i++ {
		clock.Store(int64(i))
		if _, err := tb.Put(mkrow(pad(int64(i)), i%3, int64(i), int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
}

func pad(v int64) string { return fmt.Sprintf("%0100d", v) }
