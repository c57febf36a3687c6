package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The server's TTL collector (--ttl-interval) evicts the rows a table's TTL
// expired: /metrics' rows stored falls to the live rows.
func TestServerTTLCollector(t *testing.T) {
	p := startServer(t, "--in-memory", "--ttl-interval", "20ms")
	p.sql("db", "CREATE DATABASE db; CREATE TABLE t (k string, ts timestamp, v int, INDEX(KEY=k, TS=ts, TTL=60m, TTL_TYPE=absolute))")
	now := time.Now().UnixMilli()
	var rows []string
	for i := range 105 {
		ts := now - 2*3_600_000 + int64(i) // expired an hour ago
		if i >= 100 {
			ts = now + int64(i)
		}
		rows = append(rows, fmt.Sprintf(`["k%d", %d, %d]`, i%3, ts, i))
	}
	if code, m := p.raw("PUT", "/dbs/db/tables/t", strings.NewReader(`{"data": [`+strings.Join(rows, ",")+`]}`)); code != http.StatusOK {
		t.Fatalf("PUT: %d %v", code, m)
	}
	want := `sundial_table_rows{db="db",table="t"} 5` + "\n"
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(data), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q 20 s after the PUT", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res := p.sql("db", "SELECT count(*) AS n FROM t"); rowsText(res.Rows) != "[[5]]" {
		t.Fatalf("count(*) after the collector: %s, want [[5]]", rowsText(res.Rows))
	}
}
