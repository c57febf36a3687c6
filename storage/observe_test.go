package storage

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sundialdb/sundial/types"
)

// The memory table's observers see every linked row once, with the key's
// entry count; EachKey and ScanKey agree with Scan; cancel stops the calls.
func TestObserve(t *testing.T) {
	schema := types.Schema{{Name: "k", Kind: types.String}, {Name: "ts", Kind: types.Timestamp}}
	tab, err := NewMemTable(schema, []IndexSpec{{Name: "k", KeyCols: []int{0}, TSCol: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ot := tab.(Observable)
	type seen struct {
		key string
		n   int
		ts  int64
	}
	var got []seen
	cancel, err := ot.Observe(0, func(key []byte, n int, ts int64, seq uint64, row []byte) {
		got = append(got, seen{string(key), n, ts})
	})
	if err != nil {
		t.Fatal(err)
	}
	put := func(k string, ts int64) {
		if _, err := tab.Put([]types.Value{types.StringValue(k), types.TimestampValue(ts)}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", 10)
	put("b", 5)
	put("a", 7)
	if len(got) != 3 || got[0].n != 1 || got[1].n != 1 || got[2].n != 2 || got[2].ts != 7 {
		t.Fatalf("observed %+v", got)
	}
	cancel()
	cancel() // idempotent
	put("a", 11)
	if len(got) != 3 {
		t.Fatalf("observed after cancel: %+v", got)
	}
	keys := map[string]int{}
	if err := ot.EachKey(0, func(key []byte, n int) bool {
		var tss []int64
		if err := ot.ScanKey(0, key, 1<<62, 0, func(ts int64, _ uint64, _ []byte) bool {
			tss = append(tss, ts)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		keys[fmt.Sprint(len(tss))+"/"+fmt.Sprint(n)] = len(tss)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys["3/3"] != 3 || keys["1/1"] != 1 {
		t.Fatalf("EachKey/ScanKey: %v", keys)
	}
	kb, err := ot.AppendKey(nil, 0, []types.Value{types.StringValue("a")})
	if err != nil {
		t.Fatal(err)
	}
	var viaKey, viaScan []int64
	_ = ot.ScanKey(0, kb, 10, 0, func(ts int64, _ uint64, _ []byte) bool { viaKey = append(viaKey, ts); return true })
	_ = tab.Scan(0, []types.Value{types.StringValue("a")}, 10, 0, func(ts int64, _ uint64, _ []byte) bool { viaScan = append(viaScan, ts); return true })
	if !slices.Equal(viaKey, viaScan) || !slices.Equal(viaKey, []int64{10, 7}) {
		t.Fatalf("ScanKey %v, Scan %v", viaKey, viaScan)
	}
	if _, err := ot.Observe(3, nil); err == nil {
		t.Fatal("Observe of a missing index succeeded")
	}
}
