package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
)

// fastPaths are the ways of reading the fast path (Config.FastPath,
// --fast-path) that the tests of Serve and of the binary run with.
var fastPaths = []string{server.FastPathLoop, server.FastPathGoroutine}

// eachFastPath runs f as a subtest for each of fastPaths.
func eachFastPath(t *testing.T, f func(t *testing.T, mode string)) {
	t.Helper()
	for _, mode := range fastPaths {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// serveLoopback runs Server.Serve on a loopback port, as `sundial server`
// does: feature requests take the fast path (fastpath.go) the way
// cfg.FastPath says, the rest net/http. stop cancels Serve and returns what
// it returned.
func serveLoopback(t testing.TB, cfg server.Config) (addr string, stop func() error) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(session.NewInstance(), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return ln.Addr().String(), func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Serve did not return after shutdown")
		}
	}
}

// startServing is serveLoopback with a client, stopped at the test's end.
func startServing(t testing.TB, cfg server.Config) (*proc, string) {
	t.Helper()
	addr, stop := serveLoopback(t, cfg)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	url := "http://" + addr
	return &proc{t: t, url: url, c: client.New(url, nil)}, addr
}

// The suites the net/http handler passes, through Serve.
func TestServeFeatures(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p, _ := startServing(t, server.Config{FastPath: mode})
		setup(t, p)
		checkProbes(t, p)
	})
}

func TestServeBadRequests(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p, _ := startServing(t, server.Config{MaxBody: 64 << 10, FastPath: mode})
		setup(t, p)
		badRequests(t, p)
	})
}

func TestServeConcurrent(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p, _ := startServing(t, server.Config{FastPath: mode})
		setup(t, p)
		concurrent(t, p)
	})
}

// rawExchange writes raw bytes on a connection and reads n responses.
func rawExchange(t *testing.T, c net.Conn, br *bufio.Reader, raw string, n int) []*http.Response {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	var out []*http.Response
	for range n {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading a response to %q: %v", raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		out = append(out, resp)
	}
	return out
}

func bodyOf(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }

// TestFastPathProtocol: what the fast path answers and what it hands to
// net/http, on one keep-alive connection: pipelined requests, other routes,
// chunked bodies, Expect, Connection: close; every answer is the row the
// client package's probes expect.
func TestFastPathProtocol(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p, addr := startServing(t, server.Config{MaxBody: 1 << 10, FastPath: mode})
		setup(t, p)
		body := fmt.Sprintf(`{"input": [[%q, %v, %v, %v]]}`, probes[0].in...)
		post := func(extra, b string) string {
			return "POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
				fmt.Sprintf("Content-Length: %d\r\n\r\n", len(b)) + b
		}
		check := func(what string, r *http.Response, status int, sub string) {
			t.Helper()
			b := bodyOf(r)
			if r.StatusCode != status || !strings.Contains(b, sub) {
				t.Errorf("%s: %d %s; want %d with %q", what, r.StatusCode, b, status, sub)
			}
		}
		wantText := probes[0].want[1 : len(probes[0].want)-1] // the row, as the client package gets it

		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		// Two pipelined requests in one write, then a bad one: all on the fast path.
		rs := rawExchange(t, c, br, post("", body)+post("", body)+post("", `{"input": [[1]]}`), 3)
		check("pipelined 1", rs[0], 200, `"code":0`)
		check("pipelined 2", rs[1], 200, wantText)
		check("bad row", rs[2], 400, "input[0]")
		if rs[0].Header.Get("Content-Type") != "application/json" || rs[0].Header.Get("Date") == "" {
			t.Errorf("headers: %v", rs[0].Header)
		}
		// A body over the limit: net/http's 413, then the connection is its.
		big := strings.Repeat(" ", 2<<10) + body
		check("too large", rawExchange(t, c, br, post("", big), 1)[0], 413, "limit")
		c.Close()

		c, err = net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br = bufio.NewReader(c)
		check("fast first", rawExchange(t, c, br, post("", body), 1)[0], 200, wantText)
		// Another route hands the connection over; feature requests still work.
		check("health", rawExchange(t, c, br, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 1)[0], 200, "")
		check("after handoff", rawExchange(t, c, br, post("", body), 1)[0], 200, wantText)

		for _, tc := range []struct{ name, raw string }{
			{"chunked", "POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
				fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)},
			{"expect", post("Expect: 100-continue\r\n", body)},
			{"escaped path", strings.Replace(post("", body), "/deployments/f", "/deployments/%66", 1)},
			{"HTTP/1.0", strings.Replace(post("", body), "HTTP/1.1", "HTTP/1.0", 1)},
		} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			resps := rawExchange(t, c, br, tc.raw, 1)
			if tc.name == "expect" && resps[0].StatusCode == 100 {
				resps = rawExchange(t, c, br, "", 1)
			}
			check(tc.name, resps[0], 200, wantText)
			c.Close()
		}

		// What net/http refuses, the fast path hands it to refuse.
		for _, tc := range []struct{ name, raw string }{
			{"bare LF", "POST /dbs/db/deployments/f HTTP/1.1\nHost: x\nContent-Length: " + fmt.Sprint(len(body)) + "\n\n" + body},
			{"signed length", strings.Replace(post("", body), "Content-Length: ", "Content-Length: +", 1)},
			{"two hosts", post("Host: y\r\n", body)},
			{"bad header name", post("Bad Name: 1\r\n", body)},
		} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			r := rawExchange(t, c, br, tc.raw, 1)[0]
			if tc.name == "bare LF" {
				check(tc.name, r, 200, wantText) // net/http accepts bare LF line ends
			} else {
				check(tc.name, r, 400, "")
			}
			c.Close()
		}

		// Connection: close gets its answer, then the server closes.
		c2, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		br2 := bufio.NewReader(c2)
		r := rawExchange(t, c2, br2, post("Connection: close\r\n", body), 1)[0]
		check("close", r, 200, wantText)
		if !r.Close {
			t.Error("Connection: close not answered with Connection: close")
		}
		c2.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := br2.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("after Connection: close: read %d, %v; want EOF", n, err)
		}
		// A head cut short, then the client goes: nothing breaks.
		c3, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c3, "POST /dbs/db/deployments/f HTTP/1.1\r\nHost:")
		c3.Close()
		checkProbes(t, p)
		// The fast way: the 3 pipelined, the first before /health and the one
		// with Connection: close, and the client package's feature requests
		// (on connections of their own: TestClientFeatureRequestsStayFast).
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics := bodyOf(resp)
		resp.Body.Close()
		var fast int
		if i := strings.Index(metrics, "\nsundial_http_fast_requests_total "); i < 0 {
			t.Error("no sundial_http_fast_requests_total in /metrics")
		} else if fmt.Sscan(metrics[i+len("\nsundial_http_fast_requests_total "):], &fast); fast < 5 {
			t.Errorf("%d requests on the fast path, want at least 5", fast)
		}
	})
}

// TestFastPathShutdown: Serve returns promptly with idle keep-alive
// connections open on the fast path.
func TestFastPathShutdown(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, stop := serveLoopback(t, server.Config{FastPath: mode})
		var conns []net.Conn
		for range 4 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns = append(conns, c)
		}
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		if err := stop(); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("shutdown took %v", d)
		}
		for _, c := range conns {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err == nil {
				t.Error("a connection is still open after shutdown")
			}
		}
	})
}
