package session

import (
	"fmt"
	"testing"

	"github.com/sundialdb/sundial/types"
)

// TestRequestRowsInto: answering into one Answers gives RequestRows's rows,
// call after call, in the same memory; a failing row leaves no rows.
func TestRequestRowsInto(t *testing.T) {
	inst := NewInstance()
	s := New(inst)
	s.Mode = "online"
	runSQL(t, s, `CREATE DATABASE d; USE d;
CREATE TABLE t (k string, ts timestamp, v bigint, INDEX(KEY=k, TS=ts));
INSERT INTO t VALUES ('a', 1000, 1), ('b', 2000, 10), ('a', 3000, 100);
DEPLOY f SELECT k, sum(v) OVER w AS s, count(v) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);`)
	dep, ok := s.Deployment("d", "f")
	if !ok {
		t.Fatal("deployment f not found")
	}
	req := func(k string, ts, v int64) []types.Value {
		return []types.Value{types.StringValue(k), {Kind: types.Timestamp, I: ts}, {Kind: types.Int64, I: v}}
	}
	var ans Answers
	var first *types.Value
	for round, rows := range [][][]types.Value{
		{req("a", 5000, 1), req("b", 5000, 2), req("c", 5000, 3)},
		{req("b", 2500, 4)},
		{req("a", 2000, 5), req("a", 9000, 6)},
	} {
		_, want, err := RequestRows(dep, rows)
		if err != nil {
			t.Fatal(err)
		}
		if err := RequestRowsInto(dep, rows, &ans); err != nil {
			t.Fatal(err)
		}
		if got, w := fmt.Sprint(ans.Rows), fmt.Sprint(want); got != w {
			t.Fatalf("round %d: RequestRowsInto %s, RequestRows %s", round, got, w)
		}
		if round == 0 {
			first = &ans.Rows[0][0]
		} else if &ans.Rows[0][0] != first {
			t.Fatalf("round %d: the values moved to new memory", round)
		}
	}
	if got := fmt.Sprint(ans.Rows); got != "[[a 6 2] [a 107 3]]" {
		t.Fatalf("last round: %s", got)
	}
	bad := []types.Value{types.StringValue("a"), {Kind: types.Timestamp, I: 1}}
	if err := RequestRowsInto(dep, [][]types.Value{req("a", 1, 1), bad}, &ans); err == nil || len(ans.Rows) != 0 {
		t.Fatalf("a row of two values: err %v, %d rows", err, len(ans.Rows))
	}
}
