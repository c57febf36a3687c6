package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sundialdb/sundial/session"
)

// TestReleaseAfterLoad: once PUTs have brought enough bytes and none comes
// for ReleaseAfter, the freed heap is released, once per load.
func TestReleaseAfterLoad(t *testing.T) {
	s := New(session.NewInstance(), Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReleaseAfter: 300 * time.Millisecond})
	defer s.Close()
	var released atomic.Int32
	s.rel.free = func() { released.Add(1) }
	s.rel.min = 100
	do := func(method, path, body string) {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	do("POST", "/dbs/db", `{"sql": "CREATE DATABASE db; CREATE TABLE t (k string, ts timestamp, INDEX(KEY=k, TS=ts))"}`)
	put := `{"data": [["a", 1], ["b", 2], ["c", 3]]}`
	do("PUT", "/dbs/db/tables/t", put) // under the threshold: no release
	time.Sleep(400 * time.Millisecond)
	if n := released.Load(); n != 0 {
		t.Fatalf("released %d times after a small PUT", n)
	}
	for range 5 { // a load: one release, after the last PUT
		do("PUT", "/dbs/db/tables/t", put)
		time.Sleep(10 * time.Millisecond)
	}
	if n := released.Load(); n != 0 {
		t.Fatalf("released %d times during the load", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for released.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond)
	if n := released.Load(); n != 1 {
		t.Fatalf("released %d times after the load, want 1", n)
	}

	off := New(session.NewInstance(), Config{ReleaseAfter: -1})
	off.loaded(1 << 30)
	if off.rel.timer != nil {
		t.Errorf("ReleaseAfter < 0 armed a release")
	}
}
