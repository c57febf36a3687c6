package tabletest

import (
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

var setTTLSchema = types.Schema{{Name: "user", Kind: types.String}, {Name: "item", Kind: types.Int64}, {Name: "ts", Kind: types.Timestamp}}

// SetTTL replaces an index's TTL: scans apply the new one at once (rows the
// old one hid, not yet evicted, are seen again), Indexes reports it, and
// Evict follows it.
func testSetTTL(t *testing.T, open Opener) {
	tb := open(t, setTTLSchema, []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2, TTLType: storage.TTLAbsolute, AbsMillis: 1000}})
	for ts := int64(0); ts < 10_000; ts += 1000 {
		if _, err := tb.Put([]types.Value{types.StringValue("a"), types.Int64Value(1), types.TimestampValue(ts)}); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		n := 0
		if err := tb.Scan(0, []types.Value{types.StringValue("a")}, 1<<62, 9500, func(int64, uint64, []byte) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d rows live under a TTL of 1 s at 9.5 s, want 1", n)
	}
	if err := tb.SetTTL(0, storage.TTLAbsAndLat, 1000, 4); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 4 {
		t.Fatalf("%d rows live under absandlat (1 s, 4 rows), want 4", n)
	}
	if got := tb.Indexes()[0]; got.TTLType != storage.TTLAbsAndLat || got.AbsMillis != 1000 || got.LatCount != 4 {
		t.Fatalf("Indexes after SetTTL: %+v", got)
	}
	if n, err := tb.Evict(9500); err != nil || n != 6 {
		t.Fatalf("Evict after SetTTL: %d, %v; want 6 rows dropped", n, err)
	}
	if err := tb.SetTTL(1, storage.TTLLatest, 0, 1); err == nil {
		t.Fatal("SetTTL of index 1 of a table with one: no error")
	}
}
