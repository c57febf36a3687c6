package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sundialdb/sundial/client"
)

// serverState is what a restart must keep: the deployment's answers, the
// deployments, the rows, the catalog.
func serverState(t *testing.T, p *proc) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, pr := range probes {
		f, err := p.c.Request(ctx, "db", "f", [][]any{pr.in})
		if err != nil {
			t.Fatalf("request %v: %v", pr.in, err)
		}
		fmt.Fprintf(&b, "request %v: %s\n", pr.in, rowsText(f.Rows))
	}
	deps, err := p.c.Deployments(ctx, "db")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "deployments: %v\n", deps)
	fmt.Fprintf(&b, "SHOW DEPLOYMENTS: %s\n", rowsText(p.sql("db", "SHOW DEPLOYMENTS").Rows))
	fmt.Fprintf(&b, "rows: %s\n", rowsText(p.sql("db", "SELECT k, ts, v, n FROM t").Rows))
	tb, err := p.c.Table(ctx, "db", "t")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "table: %+v\n", *tb)
	return b.String()
}

// TestServerRestart: create, insert, deploy, request; stop the process with
// SIGTERM, start it again on the same data directory: the same answers, the
// deployment and the rows are still there. Then a write and kill -9: the
// write survives too.
func TestServerRestart(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode)
		setup(t, p)
		checkProbes(t, p)
		want := serverState(t, p)
		if code, out := p.signal(syscall.SIGTERM); code != 0 || !strings.Contains(out, "sundial server stopped") {
			t.Fatalf("SIGTERM: exit %d, stdout %q, stderr:\n%s", code, out, p.stderrText())
		}

		p2 := startServerAt(t, p.dataDir, "--fast-path", mode)
		if !strings.Contains(p2.first, "recovered snapshot at LSN") || !strings.Contains(p2.first, "with 5 rows") {
			t.Errorf("listening line after a clean stop: %q", p2.first)
		}
		checkProbes(t, p2)
		if got := serverState(t, p2); got != want {
			t.Errorf("after a restart:\n%s\nbefore:\n%s", got, want)
		}
		// A write acknowledged just before kill -9 is replayed from the WAL.
		if err := p2.c.Insert(context.Background(), "db", "t", [][]any{{"z", 3000, 3.0, 3}}); err != nil {
			t.Fatal(err)
		}
		want = serverState(t, p2)
		p2.signal(syscall.SIGKILL)

		p3 := startServerAt(t, p.dataDir, "--fast-path", mode)
		if !strings.Contains(p3.first, "1 WAL row records") {
			t.Errorf("listening line after kill -9: %q", p3.first)
		}
		if got := serverState(t, p3); got != want || !strings.Contains(got, `["z",3000,3,3]`) {
			t.Errorf("after kill -9:\n%s\nbefore:\n%s", got, want)
		}
		checkProbes(t, p3)
	})
}

// TestServerCrash: a writer PUTs rows one request at a time while the
// server is killed (kill -9) at random moments and restarted on the same
// data directory; at the end every row whose PUT was acknowledged is
// present (once), and the server started cleanly every time.
func TestServerCrash(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		const kills = 4
		// Snapshots every 300 records: kills land before, during and after them.
		p := startServer(t, "--fast-path", mode, "--snapshot-every", "300")
		ctx := context.Background()
		p.sql("db", `CREATE DATABASE db;
		CREATE TABLE w (k string, ts timestamp, v bigint, INDEX(KEY=k, TS=ts));
		DEPLOY cnt SELECT k, count(v) OVER x AS c, sum(v) OVER x AS s FROM w
		WINDOW x AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 100d PRECEDING AND CURRENT ROW)`)

		var cur atomic.Pointer[client.Client]
		cur.Store(p.c)
		var (
			mu     sync.Mutex
			acked  []int64
			failed int
			stop   = make(chan struct{})
			done   = make(chan struct{})
		)
		go func() {
			defer close(done)
			for i := int64(1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err := cur.Load().Insert(rctx, "db", "w", [][]any{{"k", i, i}})
				cancel()
				mu.Lock()
				if err == nil {
					acked = append(acked, i)
				} else {
					failed++ // not acknowledged: may or may not be stored
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(5 * time.Millisecond) // the server is restarting
				}
			}
		}()

		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
		for round := range kills {
			time.Sleep(time.Duration(150+rng.IntN(350)) * time.Millisecond)
			mu.Lock()
			before := len(acked)
			mu.Unlock()
			p.signal(syscall.SIGKILL)
			p = startServerAt(t, p.dataDir, "--snapshot-every", "300") // fails the test unless it starts cleanly
			cur.Store(p.c)
			t.Logf("kill %d: %d rows acknowledged before it; restart: %s", round+1, before, strings.TrimSpace(p.first))
		}
		time.Sleep(200 * time.Millisecond)
		close(stop)
		<-done

		mu.Lock()
		defer mu.Unlock()
		if len(acked) < 20 {
			t.Fatalf("only %d rows acknowledged", len(acked))
		}
		check := func(p *proc) {
			t.Helper()
			res := p.sql("db", "SELECT v FROM w")
			seen := map[int64]int{}
			for _, r := range res.Rows {
				v, err := r[0].(json.Number).Int64()
				if err != nil {
					t.Fatalf("row %v: %v", r, err)
				}
				seen[v]++
			}
			for v, n := range seen {
				if n != 1 {
					t.Errorf("row %d stored %d times", v, n)
				}
			}
			missing := 0
			for _, v := range acked {
				if seen[v] != 1 {
					missing++
					if missing < 10 {
						t.Errorf("acknowledged row %d is missing", v)
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d acknowledged rows are missing", missing, len(acked))
			}
			// The store agrees with the rows batch queries read.
			f, err := p.c.Request(ctx, "db", "cnt", [][]any{{"k", 100_000_000, 0}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rowsText(f.Rows), fmt.Sprintf(`[["k",%d,%d]]`, len(seen)+1, sumOf(seen)); got != want {
				t.Errorf("deployment over the store: %s, want %s", got, want)
			}
		}
		check(p)
		t.Logf("%d rows acknowledged, %d PUTs failed while the server was down", len(acked), failed)
		// A clean stop (snapshot) and a last start: the same rows.
		if code, _ := p.signal(syscall.SIGTERM); code != 0 {
			t.Fatalf("SIGTERM: exit %d, stderr:\n%s", code, p.stderrText())
		}
		check(startServerAt(t, p.dataDir, "--fast-path", mode))
	})
}

func sumOf(seen map[int64]int) int64 {
	var s int64
	for v := range seen {
		s += v
	}
	return s
}
