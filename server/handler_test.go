package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
)

// In-process tests: the same handler behind httptest, so that -race sees
// the server's own code, and failures come with Go stacks.

func startInProcess(t testing.TB, cfg server.Config) *proc {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ts := httptest.NewServer(server.New(session.NewInstance(), cfg))
	t.Cleanup(ts.Close)
	return &proc{t: t, url: ts.URL, c: client.New(ts.URL, nil)}
}

func TestHandlerFeatures(t *testing.T) {
	p := startInProcess(t, server.Config{})
	setup(t, p)
	checkProbes(t, p)
}

func TestHandlerBadRequests(t *testing.T) {
	p := startInProcess(t, server.Config{MaxBody: 64 << 10})
	setup(t, p)
	badRequests(t, p)
}

func TestHandlerConcurrent(t *testing.T) {
	p := startInProcess(t, server.Config{})
	setup(t, p)
	concurrent(t, p)
}

// TestHandlerSessions: a USE or SET in one SQL request does not leak into
// the next; the database comes from the path.
func TestHandlerSessions(t *testing.T) {
	p := startInProcess(t, server.Config{})
	setup(t, p)
	p.sql("db", "CREATE DATABASE other; USE other; CREATE TABLE u (x int); SET @@execute_mode = 'offline'")
	if res := p.sql("db", "SHOW TABLES"); rowsText(res.Rows) != `[["t"]]` {
		t.Errorf("SHOW TABLES in db: %s", rowsText(res.Rows))
	}
	if res := p.sql("other", "SHOW TABLES"); rowsText(res.Rows) != `[["u"]]` {
		t.Errorf("SHOW TABLES in other: %s", rowsText(res.Rows))
	}
	// Request mode with the request row in CONFIG: the row is not stored.
	res, err := p.c.SQL(context.Background(), "db", `SELECT k, sum(v) OVER w AS s FROM t
		WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
		CONFIG (execute_mode = 'request', values = ('a', 21000, 16.0, 4))`, "request")
	if err != nil || rowsText(res.Rows) != `[["a",28]]` {
		t.Errorf("request-mode SQL: %v %v", res, err)
	}
	checkProbes(t, p)
}

func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	var got string
	srv, err := server.Open(server.Config{DataDir: dir, Recover: func(inst *session.Instance, d string) error {
		got = d
		s := session.New(inst)
		_, err := s.Exec(context.Background(), &sql.CreateDatabase{Name: "recovered"})
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil || got != dir {
		t.Errorf("data directory %s: %v (hook given %q)", dir, err, got)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dbs, err := client.New(ts.URL, nil).Databases(context.Background())
	if err != nil || strings.Join(dbs, ",") != "recovered" {
		t.Errorf("databases after recovery: %v %v", dbs, err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	if _, err := server.Open(server.Config{DataDir: dir, Recover: func(*session.Instance, string) error { return boom }}); !errors.Is(err, boom) {
		t.Errorf("a failed recovery: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := server.Open(server.Config{DataDir: filepath.Join(file, "x")}); err == nil {
		t.Errorf("a data directory under a file: no error")
	}
}

// TestServeShutdown: Serve returns nil once its context is done, after the
// request in flight completes.
func TestServeShutdown(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, stop := serveLoopback(t, server.Config{FastPath: mode})
		url := "http://" + addr
		if err := client.New(url, nil).Health(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		if _, err := http.Get(url + "/health"); err == nil {
			t.Errorf("still serving after shutdown")
		}
	})
}

// BenchmarkRequestInProcess is BenchmarkRequest against an in-process
// server (httptest over loopback): the same HTTP path without the process boundary.
func BenchmarkRequestInProcess(b *testing.B) {
	p := startInProcess(b, server.Config{})
	setup(b, p)
	ctx := context.Background()
	row := [][]any{probes[0].in}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := p.c.Request(ctx, "db", "f", row); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkHandler: the server's own work for one feature request (routing,
// decoding, the request, encoding, metrics) without a network.
func BenchmarkHandler(b *testing.B) {
	srv := server.New(session.NewInstance(), server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	p := &proc{t: b, url: ts.URL, c: client.New(ts.URL, nil)}
	setup(b, p)
	ts.Close()
	body := `{"input": [["a", 21000, 16.0, 4]]}`
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req := httptest.NewRequest("POST", "/dbs/db/deployments/f", strings.NewReader(body))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}
