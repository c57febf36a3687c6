package storage_test

import (
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/storage/tabletest"
	"github.com/sundialdb/sundial/types"
)

func openDisk(t *testing.T, schema types.Schema, idx []storage.IndexSpec) storage.Table {
	tb, err := storage.OpenDiskTable(t.TempDir(), schema, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func TestDiskTable(t *testing.T) {
	t.Parallel()
	tabletest.Run(t, openDisk)
}

func TestDiskTableReopen(t *testing.T) {
	dir := t.TempDir()
	schema := types.Schema{{Name: "k", Kind: types.String}, {Name: "ts", Kind: types.Timestamp}, {Name: "v", Kind: types.Int64}}
	idx := []storage.IndexSpec{{Name: "k", KeyCols: []int{0}, TSCol: 1, TTLType: storage.TTLLatest, LatCount: 100}}
	tb, err := storage.OpenDiskTable(dir, schema, idx, &storage.DiskOptions{Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	row := func(k string, ts, v int64) []types.Value {
		return []types.Value{types.StringValue(k), types.TimestampValue(ts), types.Int64Value(v)}
	}
	var last uint64
	for i := 0; i < 10; i++ {
		if last, err = tb.Put(row("a", int64(i), int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.AddIndex(storage.IndexSpec{Name: "v", KeyCols: []int{2}, TSCol: 1}); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.OpenDiskTable(dir, schema[:2], nil, nil); err == nil {
		t.Fatalf("reopening with another schema succeeded")
	}
	if _, err := storage.OpenDiskTable(dir, schema, idx, nil); err == nil {
		t.Fatalf("reopening with other indexes succeeded")
	}
	tb, err = storage.OpenDiskTable(dir, schema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if n := len(tb.Indexes()); n != 2 {
		t.Fatalf("%d indexes after reopening, want 2", n)
	}
	if st := tb.Stats(); st.Rows != 10 {
		t.Fatalf("rows %d after reopening", st.Rows)
	}
	seq, err := tb.Put(row("a", 10, 10))
	if err != nil || seq <= last {
		t.Fatalf("seq %d after reopening (last before: %d), %v", seq, last, err)
	}
	n := 0
	dec := tb.Decoder([]int{2})
	err = tb.Scan(1, []types.Value{types.Int64Value(4)}, 1<<62, 0, func(ts int64, s uint64, r []byte) bool {
		n++
		if dec.Value(r, 2).I != 4 || ts != 4 {
			t.Errorf("row %v at ts %d", dec.Decode(r, nil), ts)
		}
		return true
	})
	if err != nil || n != 1 {
		t.Fatalf("scan of the added index after reopening: %d rows, %v", n, err)
	}
}

// A TTL SetTTL raised is in the table's metadata; reopened with specs whose
// TTLs differ only (a catalog recovered from before or after the raise), the
// table takes the caller's TTLs; other keys are still refused.
func TestDiskTableSetTTLReopen(t *testing.T) {
	dir := t.TempDir()
	schema := types.Schema{{Name: "k", Kind: types.String}, {Name: "ts", Kind: types.Timestamp}}
	idx := []storage.IndexSpec{{Name: "k", KeyCols: []int{0}, TSCol: 1, TTLType: storage.TTLAbsolute, AbsMillis: 1000}}
	tb, err := storage.OpenDiskTable(dir, schema, idx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.SetTTL(0, storage.TTLAbsAndLat, 5000, 3); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	reopen := func(specs []storage.IndexSpec) storage.IndexSpec {
		t.Helper()
		tb, err := storage.OpenDiskTable(dir, schema, specs, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		return tb.Indexes()[0]
	}
	if got := reopen(nil); got.TTLType != storage.TTLAbsAndLat || got.AbsMillis != 5000 || got.LatCount != 3 {
		t.Fatalf("reopened as stored: %+v, want the raised TTL", got)
	}
	if got := reopen(idx); got.TTLType != storage.TTLAbsolute || got.AbsMillis != 1000 || got.LatCount != 0 {
		t.Fatalf("reopened with the declared TTL: %+v, want it", got)
	}
	other := []storage.IndexSpec{{Name: "k", KeyCols: []int{0}, TSCol: -1}}
	if _, err := storage.OpenDiskTable(dir, schema, other, nil); err == nil {
		t.Fatal("reopening with another TS column succeeded")
	}
}
