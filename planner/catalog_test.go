package planner

import (
	"errors"
	"testing"

	"github.com/sundialdb/sundial/sql"
)

func TestTableStorageMode(t *testing.T) {
	for _, c := range []struct {
		opts string
		want StorageMode
		err  bool
	}{
		{"", StorageMemory, false},
		{"OPTIONS(partitionnum=1, replicanum=1)", StorageMemory, false},
		{"OPTIONS(storage_mode='memory')", StorageMemory, false},
		{"OPTIONS(STORAGE_MODE='SSD')", StorageSSD, false},
		{`OPTIONS(storage_mode="Hdd", replicanum=1)`, StorageHDD, false},
		{"OPTIONS(storage_mode=ssd)", StorageSSD, false},
		{"OPTIONS(storage_mode='nvme')", 0, true},
		{"OPTIONS(storage_mode=2)", 0, true},
	} {
		st, err := sql.ParseOne("CREATE TABLE t (k string, ts timestamp, INDEX(KEY=k, TS=ts)) " + c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.opts, err)
		}
		tb, err := TableFromAST(st.(*sql.CreateTable), "db")
		if c.err {
			if !errors.Is(err, ErrType) {
				t.Errorf("%s: got %v, want an ErrType", c.opts, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.opts, err)
		}
		if tb.Storage != c.want || tb.Storage.Disk() != (c.want != StorageMemory) {
			t.Errorf("%s: storage %v (disk %v), want %v", c.opts, tb.Storage, tb.Storage.Disk(), c.want)
		}
	}
	if StorageSSD.String() != "ssd" || StorageHDD.String() != "hdd" || StorageMemory.String() != "memory" {
		t.Error("StorageMode.String")
	}
}
