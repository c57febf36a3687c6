package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

type scanned struct {
	ts  int64
	row string
}

func scanAll(t *testing.T, tb storage.Table, key types.Value) []scanned {
	var out []scanned
	if err := tb.Scan(0, []types.Value{key}, math.MaxInt64, 0, func(ts int64, _ uint64, row []byte) bool {
		out = append(out, scanned{ts, string(row)})
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSnapshotRecovery: a table is rebuilt from a snapshot plus the WAL
// records after it, for both table kinds, and scans the same.
func TestSnapshotRecovery(t *testing.T) {
	t.Parallel()
	idx := []storage.IndexSpec{{Name: "u", KeyCols: []int{0}, TSCol: 2}}
	for _, kind := range []string{"mem", "disk"} {
		t.Run(kind, func(t *testing.T) {
			open := func() storage.Table {
				if kind == "mem" {
					return openMem(t, streamSchema, idx)
				}
				return openDisk(t, streamSchema, idx)
			}
			w, err := storage.OpenWAL(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			tb := open()
			enc := func(v []types.Value) []byte {
				b, err := storage.Encode(streamSchema, v, nil)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			r := rand.New(rand.NewPCG(1, 1))
			write := func(n int) {
				for i := 0; i < n; i++ {
					row := streamRow(r, 20, int64(r.IntN(1000)))
					if _, err := w.Append(7, enc(row)); err != nil {
						t.Fatal(err)
					}
					if _, err := w.Append(8, []byte("another table")); err != nil {
						t.Fatal(err)
					}
					if _, err := tb.Put(row); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(60)
			var snap bytes.Buffer
			if err := storage.WriteSnapshot(&snap, tb, w.NextLSN()); err != nil {
				t.Fatal(err)
			}
			if err := w.Truncate(w.NextLSN()); err != nil {
				t.Fatal(err)
			}
			write(40)

			re := open()
			n, err := storage.Restore(re, bytes.NewReader(snap.Bytes()), w, 7)
			if err != nil {
				t.Fatal(err)
			}
			if n != 100 {
				t.Fatalf("restored %d rows, want 100", n)
			}
			for k := 0; k < 20; k++ {
				key := types.StringValue(fmt.Sprintf("user-%05d", k))
				a, b := scanAll(t, tb, key), scanAll(t, re, key)
				if fmt.Sprint(a) != fmt.Sprint(b) {
					t.Fatalf("key %v: restored table differs\n%v\n%v", key, a, b)
				}
			}
			// A damaged snapshot is refused.
			bad := append([]byte(nil), snap.Bytes()...)
			bad[len(bad)/2] ^= 0x40
			if _, err := storage.Restore(open(), bytes.NewReader(bad), nil, 7); !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("damaged snapshot: %v", err)
			}
			if _, err := storage.Restore(open(), bytes.NewReader(snap.Bytes()[:snap.Len()-3]), nil, 7); !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("truncated snapshot: %v", err)
			}
		})
	}
}
