package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
)

// The client against an in-process server (the server's own tests drive
// the real binary with it).
func newClient(t *testing.T) *client.Client {
	srv := server.New(session.NewInstance(), server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return client.New(ts.URL+"/", nil)
}

func TestClient(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SQL(ctx, "db", `CREATE DATABASE db; CREATE TABLE t (k string, ts timestamp, v double, d date, INDEX(KEY=k, TS=ts));
		DEPLOY f AS SELECT k, sum(v) OVER w AS s FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)`, "online"); err != nil {
		t.Fatal(err)
	}
	if err := c.Insert(ctx, "db", "t", [][]any{{"a", 1000, 1.5, "2021-05-20"}}); err != nil {
		t.Fatal(err)
	}
	f, err := c.Request(ctx, "db", "f", [][]any{{"a", 2000, 2.0, nil}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || f.Rows[0][0] != "a" || f.Rows[0][1] != json.Number("3.5") || len(f.Schema) != 2 || f.Schema[1] != (client.Column{Name: "s", Type: "double"}) {
		t.Errorf("features: %+v", f)
	}
	rows, err := c.RequestData(ctx, "db", "f", [][]any{{"a", 2000, 2.0, nil}})
	if err != nil || len(rows) != 1 || rows[0][0] != "a" || rows[0][1] != json.Number("3.5") {
		t.Errorf("RequestData: %v %v", rows, err)
	}
	res, err := c.SQL(ctx, "db", "SELECT k, d FROM t", "offline")
	if err != nil || strings.Join(res.Types, ",") != "String,Date" || strings.Join(res.Names, ",") != "k,d" || len(res.Rows) != 1 || res.Rows[0][1] != "2021-05-20" {
		t.Errorf("SQL: %+v %v", res, err)
	}

	// Errors carry the server's status, code and message.
	_, err = c.Request(ctx, "db", "f", [][]any{{"a", "noon", 2.0, nil}})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code != 400 || !strings.Contains(e.Msg, "input[0][1] (column ts)") {
		t.Errorf("bad request: %#v", err)
	}
	if _, err := c.Request(ctx, "db", "nope", [][]any{{"a"}}); client.StatusOf(err) != 404 {
		t.Errorf("unknown deployment: %v", err)
	}
	if err := c.Do(ctx, "POST", "/dbs/db", []byte(`{"sql": 1}`), nil); client.StatusOf(err) != 400 || !strings.Contains(err.Error(), "sql: expected a string") {
		t.Errorf("raw body: %v", err)
	}
	if client.StatusOf(errors.New("x")) != 0 {
		t.Errorf("StatusOf of a plain error")
	}
}

func TestClientNonJSON(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer ts.Close()
	err := client.New(ts.URL, nil).Health(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Msg != "bad gateway" {
		t.Errorf("got %#v", err)
	}
}
