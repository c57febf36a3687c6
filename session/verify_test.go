package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// randomEvents inserts n rows over a few keys, with tied timestamps and NULL amounts.
func randomEvents(t *testing.T, s *Session, n int) {
	t.Helper()
	runSQL(t, s, `CREATE DATABASE db; USE db;
		CREATE TABLE events (user_id string, ts timestamp, amount double, flag int, INDEX(KEY=user_id, TS=ts))`)
	rng := rand.New(rand.NewPCG(7, 7))
	rows := make([][]types.Value, n)
	for i := range rows {
		amount := types.Value{Kind: types.Double, F: float64(rng.IntN(100000)) / 100}
		if rng.IntN(20) == 0 {
			amount = types.NullOf(types.Double)
		}
		rows[i] = []types.Value{
			types.StringValue(fmt.Sprintf("u%d", rng.IntN(12))),
			{Kind: types.Timestamp, I: int64(rng.IntN(400)) * 1000}, // out of order, many ties
			amount,
			{Kind: types.Int32, I: int64(rng.IntN(2))},
		}
	}
	if err := s.InsertRows("db", "events", rows); err != nil {
		t.Fatal(err)
	}
}

const verifyQuery = `SELECT user_id, ts,
  sum(amount) OVER w AS s, count(amount) OVER w AS c, avg(amount) OVER w AS a, max(amount) OVER w AS m,
  sum(amount) OVER r AS s3, count(*) OVER x AS n
FROM events
WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 1m PRECEDING AND CURRENT ROW),
       r AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
       x AS (PARTITION BY user_id ORDER BY ts ROWS_RANGE BETWEEN 30s PRECEDING AND CURRENT ROW MAXSIZE 5 EXCLUDE CURRENT_TIME)`

// TestDeployVerify: DEPLOY ... OPTIONS(verify='true') over random stored
// rows (ties, NULLs, a long window with small buckets) deploys; a LAST JOIN
// of the table with itself without a time condition (batch reads rows that
// arrive later, SEMANTICS §5) is refused with ErrVerify, which is also
// planner.ErrUnsupported, and is not deployed.
func TestDeployVerify(t *testing.T) {
	s := New(NewInstance())
	randomEvents(t, s, 3000)
	for _, opts := range []string{
		`verify='true'`,
		`verify='true', verify_sample='0'`,
		`verify='true', verify_sample='50', long_windows='w:5s', long_windows_min_rows='3'`,
		`verify='true', verify_sample='0', long_windows='w:10', long_windows_min_rows='1'`,
	} {
		name := fmt.Sprintf("d%d", len(s.Deployments("db")))
		runSQL(t, s, "DEPLOY "+name+" OPTIONS("+opts+") "+verifyQuery)
		text, ok := s.DeploymentSQL("db", name)
		if !ok || strings.Contains(text, "verify") {
			t.Errorf("%s: deployment text %q", opts, text)
		}
	}
	stmt, err := sql.Parse(`DEPLOY bad OPTIONS(verify='true') SELECT events.user_id, r.amount AS latest FROM events LAST JOIN events AS r ON events.user_id = r.user_id`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Exec(context.Background(), stmt[0])
	if !errors.Is(err, ErrVerify) || !errors.Is(err, planner.ErrUnsupported) {
		t.Fatalf("self LAST JOIN: %v", err)
	}
	for _, want := range []string{"feature latest: batch ", ", online ", "(the row: user_id="} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, ok := s.Deployment("db", "bad"); ok {
		t.Error("the refused deployment is deployed")
	}
}

// TestVerifyReplaySample: the replay requests Sample rows, reports every
// difference and keeps the first Show.
func TestVerifyReplaySample(t *testing.T) {
	for _, tc := range []struct {
		query       string
		sample      int
		checked     int
		differences bool
	}{
		{verifyQuery, 0, 500, false},
		{verifyQuery, 37, 37, false},
		{`SELECT events.user_id, r.amount AS latest FROM events LAST JOIN events AS r ON events.user_id = r.user_id`, 0, 500, true},
	} {
		src := New(NewInstance())
		randomEvents(t, src, 500)
		stored, err := storedRows(src.inst, mustTable(t, src))
		if err != nil {
			t.Fatal(err)
		}
		s := New(NewInstance())
		runSQL(t, s, `CREATE DATABASE db; USE db;
			CREATE TABLE events (user_id string, ts timestamp, amount double, flag int, INDEX(KEY=user_id, TS=ts))`)
		b := emptyBatchOf(mustTable(t, s).Schema, 0)
		for _, r := range stored {
			for c, v := range r {
				b.Cols[c].Append(v)
			}
		}
		if err := s.AppendRows(sql.TableName{DB: "db", Name: "events"}, b); err != nil {
			t.Fatal(err)
		}
		stmts, err := sql.Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		q := stmts[0].(sql.Query)
		want, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		dep, err := s.PrepareRequestWith(q, online.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.VerifyReplay(context.Background(), dep, q, want, stored, VerifyOptions{Sample: tc.sample, Seed: 3, Show: 2})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 500 || rep.Checked != tc.checked || rep.Compared != tc.checked*len(want.Cols) {
			t.Errorf("%d: %+v", tc.sample, rep)
		}
		if (rep.Differences > 0) != tc.differences || len(rep.First) != min(rep.Differences, 2) {
			t.Errorf("%s: %d differences, first %v", tc.query, rep.Differences, rep.First)
		}
	}
}

func mustTable(t *testing.T, s *Session) *planner.Table {
	t.Helper()
	tb, err := s.Table(sql.TableName{DB: "db", Name: "events"})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestDeployVerifyDurable: a verified deployment is logged without its
// verify options, so recovery deploys it without checking again.
func TestDeployVerifyDurable(t *testing.T) {
	dir := t.TempDir()
	inst, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := New(inst)
	randomEvents(t, s, 300)
	runSQL(t, s, "DEPLOY f OPTIONS(verify='true', verify_sample='20', long_windows='w:5s') "+verifyQuery)
	before, _ := s.DeploymentSQL("db", "f")
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	inst2, err := OpenInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer inst2.Close()
	after, ok := New(inst2).DeploymentSQL("db", "f")
	if !ok || after != before || strings.Contains(after, "verify") || !strings.Contains(after, "long_windows") {
		t.Errorf("recovered deployment %q (before: %q)", after, before)
	}
}

// TestDeployVerifyWhileStoring: rows stored while DEPLOY verifies are not
// in its snapshot; the check passes and nothing races (run with -race).
func TestDeployVerifyWhileStoring(t *testing.T) {
	s := New(NewInstance())
	randomEvents(t, s, 1000)
	done := make(chan struct{})
	stopped := make(chan error)
	go func() {
		w := New(s.inst)
		for i := 0; i < 3000; i++ {
			select {
			case <-done:
				stopped <- nil
				return
			default:
			}
			row := []types.Value{types.StringValue(fmt.Sprintf("u%d", i%12)), {Kind: types.Timestamp, I: int64(i % 500 * 1000)},
				{Kind: types.Double, F: float64(i) / 8}, {Kind: types.Int32, I: int64(i % 2)}}
			if err := w.InsertRows("db", "events", [][]types.Value{row}); err != nil {
				stopped <- err
				return
			}
		}
		<-done
		stopped <- nil
	}()
	for i := range 3 {
		runSQL(t, s, fmt.Sprintf("DEPLOY d%d OPTIONS(verify='true', verify_sample='200', long_windows='w:5s', long_windows_min_rows='2') %s", i, verifyQuery))
	}
	close(done)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
