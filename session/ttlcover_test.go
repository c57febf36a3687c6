package session

import (
	"math/rand/v2"
	"testing"

	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// kept is storage's TTL rule (storage/ttl.go): whether a row age ms old
// (now - ts), at 1-based position pos among its key's rows newest first, is
// live.
func kept(typ planner.TTLType, abs, lat int64, age, pos int64) bool {
	byTime := abs > 0 && age >= abs // ts <= now - abs
	byCount := lat > 0 && pos > lat
	switch typ {
	case planner.TTLLatest:
		return !byCount
	case planner.TTLAbsAndLat:
		return abs == 0 || lat == 0 || !(byTime && byCount)
	case planner.TTLAbsOrLat:
		return !byTime && !byCount
	}
	return !byTime
}

// coverTTL's TTL keeps every row the index's TTL kept, and every row the
// frames reach: those within the range of a request at now, and a key's
// newest rows that ROWS frames read.
func TestCoverTTL(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	limit := func(max int64) int64 {
		if r.IntN(4) == 0 {
			return 0
		}
		return 1 + r.Int64N(max)
	}
	for trial := range 20000 {
		ix := &planner.Index{TTLType: planner.TTLType(1 + r.IntN(4)), AbsMillis: limit(10 * 60_000), LatCount: limit(20)}
		var need ttlNeed
		switch r.IntN(4) {
		case 0:
			need.abs = limit(20 * 60_000)
		case 1:
			need.lat = limit(30)
		case 2:
			need.abs, need.lat = limit(20*60_000), limit(30)
		}
		need.absAll, need.latAll = r.IntN(8) == 0, r.IntN(8) == 0
		typ, abs, lat := coverTTL(ix, true, need)
		for range 50 {
			age, pos := r.Int64N(25*60_000), 1+r.Int64N(40)
			before := kept(ix.TTLType, ix.AbsMillis, ix.LatCount, age, pos)
			after := kept(typ, abs, lat, age, pos)
			needed := need.absAll || need.latAll || age <= need.abs || pos <= need.lat
			if (before || needed) && !after {
				t.Fatalf("trial %d: %s abs %d lat %d, need %+v: became %s abs %d lat %d, which drops a row %d ms old at position %d (kept before: %v, needed: %v)",
					trial, ix.TTLType, ix.AbsMillis, ix.LatCount, need, typ, abs, lat, age, pos, before, needed)
			}
		}
	}
}

// After DEPLOY, a window reaches rows older than the TTL the table was
// created with: the deployment raised it.
func TestDeployRaisesTTL(t *testing.T) {
	s := New(NewInstance())
	execAll(t, s, `CREATE DATABASE d; USE d;
		CREATE TABLE t (k string, ts timestamp, v int, INDEX(KEY=k, TS=ts, TTL=10m, TTL_TYPE=absolute));`)
	now := storage.NowMillis()
	var rows [][]types.Value
	for i, age := range []int64{5 * 3_600_000, 2 * 3_600_000, 60_000} {
		rows = append(rows, []types.Value{types.StringValue("a"), types.TimestampValue(now - age), types.Int32Value(int32(1 << i))})
	}
	if err := s.InsertRows("d", "t", rows); err != nil {
		t.Fatal(err)
	}
	execAll(t, s, "DEPLOY f SELECT k, sum(v) OVER w AS s FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW);")
	_, out, err := s.Request("d", "f", [][]types.Value{{types.StringValue("a"), types.TimestampValue(now), types.Int32Value(8)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0][1]; got.I != 15 {
		t.Fatalf("sum over a day after DEPLOY: %v, want 15 (the three stored rows and the request's)", got)
	}
}

// A raised TTL survives a restart, in a memory table and in a disk table:
// from the log (DEPLOY is replayed), and from a snapshot (the catalog's index
// holds it).
func TestRaisedTTLDurable(t *testing.T) {
	for _, c := range []struct {
		snap bool
		mode string
	}{{false, "memory"}, {true, "memory"}, {false, "ssd"}, {true, "ssd"}} {
		snap := c.snap
		dir := t.TempDir()
		inst, err := OpenInstance(dir)
		if err != nil {
			t.Fatal(err)
		}
		s := New(inst)
		execAll(t, s, `CREATE DATABASE d; USE d;
			CREATE TABLE t (k string, ts timestamp, v int, INDEX(KEY=k, TS=ts, TTL=10m, TTL_TYPE=absolute)) OPTIONS(storage_mode='`+c.mode+`');
			DEPLOY f SELECT k, sum(v) OVER w AS s FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW);`)
		if snap {
			if err := inst.Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		if err := inst.Close(); err != nil {
			t.Fatal(err)
		}
		inst, err = OpenInstance(dir)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := New(inst).Table(sql.TableName{DB: "d", Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		st, ok := inst.StoreIfExists(tb)
		if !ok {
			t.Fatal("no store for t after the restart")
		}
		ix, spec := tb.Indexes[0], st.Indexes()[0]
		if ix.AbsMillis != 86_460_000 || spec.AbsMillis != 86_460_000 {
			t.Fatalf("%s table, snapshot %v: after a restart the TTL is %d ms in the catalog and %d in the store, want 86460000", c.mode, snap, ix.AbsMillis, spec.AbsMillis)
		}
		inst.Close()
	}
}
