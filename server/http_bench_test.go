package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/sundialdb/sundial/bench"
	"github.com/sundialdb/sundial/bench/rawhttp"
	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// The W1 request path over a real loopback HTTP connection, split in three:
//
//	BenchmarkW1HTTP/both:   client.RequestData → the server (what a W1 client sees)
//	BenchmarkW1HTTP/server: a raw keep-alive client that allocates nothing → the server
//	                        (allocs/op are the server's)
//	BenchmarkW1HTTP/client: client.RequestData → a canned responder that allocates nothing
//	                        (allocs/op are the client's)
//
// Each runs 8 closed-loop goroutines (W1's C), one keep-alive connection each,
// and reports cpu-ns/op, the process's CPU time per request (user and system;
// the load generator's share is the same before and after a change to either
// side):
//
//	go test ./server -run '^$' -bench W1HTTP -benchtime 20000x -count 5

// w1HTTPDDL creates W1's table and deploys its feature query.
var w1HTTPDDL = `CREATE DATABASE w1; USE w1;
CREATE TABLE events (user_id string, ts timestamp, amount double, category string, flag int, INDEX(KEY=user_id, TS=ts));
DEPLOY feat ` + bench.W1Features

const (
	w1HTTPUsers   = 1000
	w1HTTPRows    = 20000
	w1HTTPClients = 8
	w1HTTPDay     = 86_400_000
)

// w1HTTPServer starts an in-process server (httptest, loopback) holding a
// small W1 table (w1HTTPRows rows over w1HTTPUsers users, 30 days) and the
// W1 deployment "feat".
func w1HTTPServer(b *testing.B) *httptest.Server {
	b.Helper()
	inst := session.NewInstance()
	s := session.New(inst)
	for _, r := range sql.ParseScript(w1HTTPDDL) {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
		if r.Stmt == nil {
			continue
		}
		if _, err := s.Exec(context.Background(), r.Stmt); err != nil {
			b.Fatal(err)
		}
	}
	rows := make([][]types.Value, 0, w1HTTPRows)
	for i := range w1HTTPRows {
		rows = append(rows, []types.Value{
			types.StringValue(fmt.Sprintf("u%06d", i%w1HTTPUsers)),
			types.TimestampValue(int64(i) * 30 * w1HTTPDay / w1HTTPRows),
			types.DoubleValue(float64(i%997) / 7),
			types.StringValue(fmt.Sprintf("cat%02d", i%20)),
			types.Int32Value(int32(i % 2)),
		})
	}
	if err := s.InsertRows("w1", "events", rows); err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(server.New(inst, server.Config{InMemory: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	ts.Start()
	b.Cleanup(ts.Close)
	return ts
}

// w1HTTPRow is the i-th request row: a user, a time within the last hour.
func w1HTTPRow(i int) []any {
	return []any{fmt.Sprintf("u%06d", (i*7919)%w1HTTPUsers), int64(30*w1HTTPDay - 3_600_000 + (i*37)%3_600_000), 12.5, "cat03", 1}
}

func BenchmarkW1HTTP(b *testing.B) {
	const nreq = 256
	reqRows := make([][][]any, nreq)
	for i := range reqRows {
		reqRows[i] = [][]any{w1HTTPRow(i)}
	}

	b.Run("both", func(b *testing.B) {
		ts := w1HTTPServer(b)
		c := client.New(ts.URL, nil)
		runW1Clients(b, func(g, i int) error {
			rows, err := c.RequestData(context.Background(), "w1", "feat", reqRows[(g*131+i)%nreq])
			if err == nil && len(rows) != 1 {
				err = fmt.Errorf("%d rows", len(rows))
			}
			return err
		})
	})

	b.Run("server", func(b *testing.B) {
		ts := w1HTTPServer(b)
		addr := ts.Listener.Addr().String()
		reqs := make([][]byte, nreq)
		for i := range reqs {
			body := fmt.Sprintf(`{"input":[["%s",%d,%v,"%s",%d]]}`, reqRows[i][0]...)
			reqs[i] = fmt.Appendf(nil, "POST /dbs/w1/deployments/feat HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
		}
		conns := make([]*rawhttp.Conn, w1HTTPClients)
		for g := range conns {
			rc, err := rawhttp.Dial(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer rc.Close()
			conns[g] = rc
		}
		var bytesOut atomic.Int64
		runW1Clients(b, func(g, i int) error {
			status, body, err := conns[g].RoundTrip(reqs[(g*131+i)%nreq])
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("HTTP %d: %.200s", status, body)
			}
			bytesOut.Add(int64(len(body)))
			return err
		})
		b.ReportMetric(float64(bytesOut.Load())/float64(b.N), "resp-B/op")
	})

	b.Run("client", func(b *testing.B) {
		body := `{"code":0,"msg":"ok","data":{"data":[["u000123",2588400000,1234.5600000000002,17,98.76543209876543,199.99,412,512.25]]}}`
		addr := cannedServer(b, []byte(body))
		c := client.New("http://"+addr, nil)
		runW1Clients(b, func(g, i int) error {
			rows, err := c.RequestData(context.Background(), "w1", "feat", reqRows[(g*131+i)%nreq])
			if err == nil && len(rows) != 1 {
				err = fmt.Errorf("%d rows", len(rows))
			}
			return err
		})
	})
}

// runW1Clients runs b.N calls of do from w1HTTPClients goroutines (g is the
// goroutine, i its call), after a warm-up of 50 calls each.
func runW1Clients(b *testing.B, do func(g, i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	var failed atomic.Value
	run := func(n int) {
		var next atomic.Int64
		for g := range w1HTTPClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					if next.Add(1) > int64(n) {
						return
					}
					if err := do(g, i); err != nil {
						failed.CompareAndSwap(nil, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	run(50 * w1HTTPClients)
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	// The process's CPU time per request (both sides live in this process):
	// steadier than ns/op on a machine whose cores are shared.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time (user and system) the process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// cannedServer answers every request on a loopback port with body (200,
// application/json), allocating nothing per request.
func cannedServer(b *testing.B, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bufio.NewReaderSize(c, 16<<10)
				buf := make([]byte, 64<<10)
				for {
					if _, _, err := rawhttp.ReadMessage(r, buf); err != nil {
						return
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkW1HTTPPut: the server's side of a W1 load, PUT batches of 10,000
// rows sent by a raw client (allocs/op and B/op are the server's, per batch,
// including the store's own):
//
//	go test ./server -run '^$' -bench W1HTTPPut -benchtime 50x -count 5
func BenchmarkW1HTTPPut(b *testing.B) {
	const batch = 10000
	ts := w1HTTPServer(b)
	addr := ts.Listener.Addr().String()
	rc, err := rawhttp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	// Distinct keys and times per batch: the same body would store duplicates
	// just as well, but fresh rows are what a load sends.
	bodies := make([][]byte, 8)
	for k := range bodies {
		body := []byte(`{"data":[`)
		for i := range batch {
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, `["u%06d",%d,%.2f,"cat%02d",%d]`, (k*batch+i)*7919%w1HTTPUsers, int64(k*batch+i)*1000, float64(i%9973)/3, i%20, i%2)
		}
		body = append(body, "]}"...)
		bodies[k] = fmt.Appendf(nil, "PUT /dbs/w1/tables/events HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
	}
	b.SetBytes(int64(len(bodies[0])))
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := range b.N {
		if status, body, err := rc.RoundTrip(bodies[i%len(bodies)]); err != nil || status != http.StatusOK {
			b.Fatal(status, string(body), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/batch, "cpu-ns/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/batch, "ns/row")
}
