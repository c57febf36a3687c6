package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
)

// What the event loop adds to the fast path (pipelining, partial reads and
// writes, handing over, timeouts, shutdown, panics, descriptors), tested
// on both ways of reading: the goroutine way must behave the same.

// serveSetUp is serveLoopback with setup's database and deployment; stop
// may be called by the test, else at its end.
func serveSetUp(t *testing.T, cfg server.Config) (addr string, stop func() error) {
	t.Helper()
	addr, stopServe := serveLoopback(t, cfg)
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { err = stopServe() })
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	setup(t, &proc{t: t, url: "http://" + addr, c: client.New("http://"+addr, hc)})
	return addr, stop
}

// dialTest dials addr, closing the connection at the test's end.
func dialTest(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// featureRequest is a raw feature request to db/f with body and extra
// header lines.
func featureRequest(extra, body string) string {
	return "POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
}

// probeRequest is the request of probes[i], and the row its answer holds.
func probeRequest(i int) (req, want string) {
	body, _ := json.Marshal(map[string]any{"input": [][]any{probes[i].in}})
	w := probes[i].want
	return featureRequest("", string(body)), w[1 : len(w)-1]
}

// checkProbeAnswer checks the answer to probes[i]'s request.
func checkProbeAnswer(t *testing.T, what string, r *http.Response, i int) {
	t.Helper()
	_, want := probeRequest(i)
	if b := bodyOf(r); r.StatusCode != 200 || !strings.Contains(b, want) {
		t.Errorf("%s: %d %s; want 200 with %s", what, r.StatusCode, b, want)
	}
}

// readEOF reports whether the server closes c within d (after what it has
// still to send).
func readEOF(c net.Conn, br *bufio.Reader, d time.Duration) error {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	if _, err := io.Copy(io.Discard, br); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("still open after %v", d)
		}
		if !errors.Is(err, syscall.ECONNRESET) {
			return err
		}
	}
	return nil
}

// fastCount reads sundial_http_fast_requests_total.
func fastCount(t *testing.T, addr string) int {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text := bodyOf(resp)
	resp.Body.Close()
	const name = "\nsundial_http_fast_requests_total "
	i := strings.Index(text, name)
	if i < 0 {
		t.Fatal("no sundial_http_fast_requests_total in /metrics")
	}
	line, _, _ := strings.Cut(text[i+len(name):], "\n")
	n, err := strconv.Atoi(line)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFastPathPipelined: a hundred requests in one write (more than a read
// buffer holds) are answered in order.
func TestFastPathPipelined(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		c, br := dialTest(t, addr)
		var raw strings.Builder
		for i := range 100 {
			req, _ := probeRequest(i % len(probes))
			raw.WriteString(req)
		}
		for i, r := range rawExchange(t, c, br, raw.String(), 100) {
			checkProbeAnswer(t, fmt.Sprintf("request %d", i), r, i%len(probes))
		}
	})
}

// TestFastPathByteByByte: requests that come a byte at a time, head and
// body, one and then two on the same connection.
func TestFastPathByteByByte(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		c, br := dialTest(t, addr)
		trickle := func(s string) {
			for i := range len(s) {
				if _, err := c.Write([]byte{s[i]}); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}
		one, _ := probeRequest(0)
		trickle(one)
		checkProbeAnswer(t, "a byte at a time", rawExchange(t, c, br, "", 1)[0], 0)
		two, _ := probeRequest(1)
		trickle(one + two)
		rs := rawExchange(t, c, br, "", 2)
		checkProbeAnswer(t, "two, a byte at a time: first", rs[0], 0)
		checkProbeAnswer(t, "two, a byte at a time: second", rs[1], 1)
	})
}

// bigRequest is a request of rows rows of key "a" whose timestamps start at
// ts0; its answer takes about 22 bytes a row.
func bigRequest(rows, ts0 int) string {
	var b strings.Builder
	b.WriteString(`{"input": [`)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `["a", %d, 1.0, 1]`, ts0+i)
	}
	b.WriteString(`]}`)
	return featureRequest("", b.String())
}

// checkBigAnswer checks the answer to bigRequest(rows, ts0).
func checkBigAnswer(t *testing.T, what string, r *http.Response, rows, ts0 int) {
	t.Helper()
	var out struct {
		Code int
		Data struct{ Data [][]any }
	}
	b := bodyOf(r)
	if err := json.Unmarshal([]byte(b), &out); err != nil || r.StatusCode != 200 || out.Code != 0 {
		t.Fatalf("%s: %d, %.200s (%v)", what, r.StatusCode, b, err)
	}
	if len(out.Data.Data) != rows {
		t.Fatalf("%s: %d rows, want %d", what, len(out.Data.Data), rows)
	}
	for i, row := range out.Data.Data {
		if ts, _ := row[1].(float64); int(ts) != ts0+i {
			t.Fatalf("%s: row %d has ts %v, want %d", what, i, row[1], ts0+i)
		}
	}
}

// dialSmallWindow dials addr with a small receive buffer, so that the
// server's writes fill the socket soon.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// slowReader reads a little at a time, with a pause before each read.
type slowReader struct{ r io.Reader }

func (s slowReader) Read(p []byte) (int, error) {
	time.Sleep(200 * time.Microsecond)
	return s.r.Read(p[:min(len(p), 8<<10)])
}

// TestFastPathSlowReader: three pipelined answers of about 70 KB each, more
// than the server's send buffer (made small) and the client's window, to a
// client that reads slowly. The server writes what the
// socket takes and waits for it to drain (reading no further request of
// that connection meanwhile) while serving other connections; the client
// gets every answer, whole and in order.
func TestFastPathSlowReader(t *testing.T) {
	defer server.SetFastPathSendBuffer(8 << 10)()
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		const rows = 3000
		c := dialSmallWindow(t, addr)
		// The server stops reading this connection while its answers wait,
		// so the requests are written from a goroutine.
		werr := make(chan error, 1)
		go func() {
			var raw strings.Builder
			for j := range 3 {
				raw.WriteString(bigRequest(rows, 100000*(j+1)))
			}
			_, err := io.WriteString(c, raw.String())
			werr <- err
		}()
		time.Sleep(300 * time.Millisecond) // the first answer has filled the socket
		// Meanwhile the other connections (on every loop) are answered.
		for i := range 2*runtime.GOMAXPROCS(0) + 1 {
			o, br := dialTest(t, addr)
			req, _ := probeRequest(i % len(probes))
			checkProbeAnswer(t, fmt.Sprintf("connection %d while one is stalled", i), rawExchange(t, o, br, req, 1)[0], i%len(probes))
			o.Close()
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReaderSize(slowReader{c}, 8<<10)
		for j := range 3 {
			r, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("answer %d: %v", j, err)
			}
			checkBigAnswer(t, fmt.Sprintf("answer %d", j), r, rows, 100000*(j+1))
		}
		if err := <-werr; err != nil {
			t.Fatal(err)
		}
		// The connection is still served, its large buffers let go.
		req, _ := probeRequest(3)
		checkProbeAnswer(t, "after the large answers", rawExchange(t, c, bufio.NewReader(c), req, 1)[0], 3)
	})
}

// TestFastPathHandoffPipelined: two feature requests, GET /health and a
// feature request in one write: the first two are the fast path's, the
// connection then goes to net/http with what was read ahead, and the answers
// come in order.
func TestFastPathHandoffPipelined(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		before := fastCount(t, addr)
		c, br := dialTest(t, addr)
		r0, _ := probeRequest(0)
		r1, _ := probeRequest(1)
		r2, _ := probeRequest(2)
		rs := rawExchange(t, c, br, r0+r1+"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"+r2, 4)
		checkProbeAnswer(t, "first", rs[0], 0)
		checkProbeAnswer(t, "second", rs[1], 1)
		if b := bodyOf(rs[2]); rs[2].StatusCode != 200 || !strings.Contains(b, `"code":0`) {
			t.Errorf("health: %d %s", rs[2].StatusCode, b)
		}
		checkProbeAnswer(t, "after /health", rs[3], 2)
		// And the next, on net/http too.
		checkProbeAnswer(t, "next", rawExchange(t, c, br, r0, 1)[0], 0)
		if n := fastCount(t, addr) - before; n != 2 {
			t.Errorf("%d requests on the fast path, want 2", n)
		}
	})
}

// TestFastPathTimeouts: an idle connection is closed after idleTimeout, one
// whose request head is not all there after readHeaderTimeout.
func TestFastPathTimeouts(t *testing.T) {
	const header, idle = 300 * time.Millisecond, 900 * time.Millisecond
	defer server.SetFastPathTimeouts(header, idle, 20*time.Millisecond)()
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		req, _ := probeRequest(0)
		cases := []struct {
			name     string
			send     string
			answers  int
			min, max time.Duration
		}{
			{"new and idle", "", 0, idle, idle + 2*time.Second},
			{"idle after a request", req, 1, idle, idle + 2*time.Second},
			{"head cut short", "POST /dbs/db/deployments/f HTTP/1.1\r\nHost:", 0, header, idle - 100*time.Millisecond},
			{"head cut short after a request", req + "POST /dbs/db/dep", 1, header, idle - 100*time.Millisecond},
		}
		var wg sync.WaitGroup
		for _, tc := range cases {
			c, br := dialTest(t, addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				if _, err := io.WriteString(c, tc.send); err != nil {
					t.Errorf("%s: %v", tc.name, err)
					return
				}
				for range tc.answers {
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Errorf("%s: %v", tc.name, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err := readEOF(c, br, tc.max+time.Second); err != nil {
					t.Errorf("%s: %v", tc.name, err)
					return
				}
				if d := time.Since(start); d < tc.min || d > tc.max {
					t.Errorf("%s: closed after %v, want between %v and %v", tc.name, d, tc.min, tc.max)
				}
			}()
		}
		wg.Wait()
	})
}

// TestFastPathShutdownMidRequest: once Serve's context is done, an idle
// connection is closed at once, and those in the middle of a request (its
// head, its body) get their answer, with Connection: close, then are closed.
func TestFastPathShutdownMidRequest(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, stop := serveSetUp(t, server.Config{FastPath: mode})
		req, _ := probeRequest(0)
		cut := strings.Index(req, "Host:")
		inHead, hbr := dialTest(t, addr)
		io.WriteString(inHead, req[:cut])
		inBody, bbr := dialTest(t, addr)
		io.WriteString(inBody, req[:len(req)-5])
		idle, ibr := dialTest(t, addr)
		time.Sleep(200 * time.Millisecond) // all read
		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		if err := readEOF(idle, ibr, 2*time.Second); err != nil {
			t.Errorf("the idle connection: %v", err)
		}
		select {
		case err := <-stopped:
			t.Fatalf("Serve returned (%v) with two requests in the middle", err)
		case <-time.After(200 * time.Millisecond):
		}
		for _, x := range []struct {
			name string
			c    net.Conn
			br   *bufio.Reader
			rest string
		}{{"in its head", inHead, hbr, req[cut:]}, {"in its body", inBody, bbr, req[len(req)-5:]}} {
			r := rawExchange(t, x.c, x.br, x.rest, 1)[0]
			checkProbeAnswer(t, x.name, r, 0)
			if !r.Close {
				t.Errorf("%s: answered without Connection: close", x.name)
			}
			if err := readEOF(x.c, x.br, 2*time.Second); err != nil {
				t.Errorf("%s, answered: %v", x.name, err)
			}
		}
		select {
		case err := <-stopped:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return once the requests were answered")
		}
	})
}

// TestFastPathShutdownFlush: an answer still being written when Serve's
// context is done is written whole before the connection is closed.
func TestFastPathShutdownFlush(t *testing.T) {
	defer server.SetFastPathSendBuffer(8 << 10)()
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, stop := serveSetUp(t, server.Config{FastPath: mode})
		const rows = 5000
		c := dialSmallWindow(t, addr)
		if _, err := io.WriteString(c, bigRequest(rows, 50000)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // answered, part of it written
		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		time.Sleep(200 * time.Millisecond)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReaderSize(slowReader{c}, 8<<10)
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkBigAnswer(t, "the answer being written", r, rows, 50000)
		if err := readEOF(c, br, 5*time.Second); err != nil {
			t.Error(err)
		}
		if err := <-stopped; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

// syncBuffer is a log destination for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFastPathPanic: a panic that escapes the handler closes its connection
// and is logged; the server (every event loop) goes on serving.
func TestFastPathPanic(t *testing.T) {
	var boom atomic.Bool
	defer server.SetFastAnswerHook(func() {
		if boom.Load() {
			panic("a handler's panic")
		}
	})()
	eachFastPath(t, func(t *testing.T, mode string) {
		var logs syncBuffer
		addr, _ := serveSetUp(t, server.Config{FastPath: mode, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		boom.Store(true)
		c, br := dialTest(t, addr)
		req, _ := probeRequest(0)
		io.WriteString(c, req)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if r, err := http.ReadResponse(br, nil); err == nil {
			t.Errorf("an answer after a panic: %d %s", r.StatusCode, bodyOf(r))
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("the connection is still open after a panic")
		}
		boom.Store(false)
		if !strings.Contains(logs.String(), "panic serving a connection") || !strings.Contains(logs.String(), "a handler's panic") {
			t.Errorf("the panic was not logged: %s", logs.String())
		}
		for i := range 2*runtime.GOMAXPROCS(0) + 1 {
			c, br := dialTest(t, addr)
			checkProbeAnswer(t, fmt.Sprintf("connection %d after the panic", i), rawExchange(t, c, br, req, 1)[0], 0)
			c.Close()
		}
	})
}

// openFDs lists the process's descriptors and what they are.
func openFDs(t *testing.T) map[string]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	fds := map[string]string{}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || strings.HasPrefix(target, "/proc/") {
			continue // ReadDir's own
		}
		fds[e.Name()] = target
	}
	return fds
}

// newFDs is what after has that before has not.
func newFDs(before, after map[string]string) []string {
	var out []string
	for fd, target := range after {
		if before[fd] != target {
			out = append(out, fd+" -> "+target)
		}
	}
	return out
}

// TestFastPathNoLeak: after Serve returns, every descriptor it opened (the
// connections, their duplicates, the loops' epoll and eventfd) is closed and
// its goroutines are gone, whatever the connections did. While it serves,
// "loop" has one epoll descriptor per GOMAXPROCS (as it was when Serve
// started), "goroutine" none.
func TestFastPathNoLeak(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // Go's own poller's descriptors, for good
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	eachFastPath(t, func(t *testing.T, mode string) {
		before := openFDs(t)
		goroutines := runtime.NumGoroutine()
		procs := runtime.GOMAXPROCS(0) // before Serve raises it (procs.go)
		addr, stop := serveSetUp(t, server.Config{FastPath: mode})
		epolls := 0
		for _, fd := range newFDs(before, openFDs(t)) {
			if strings.HasSuffix(fd, "anon_inode:[eventpoll]") {
				epolls++
			}
		}
		if want := map[string]int{server.FastPathLoop: procs}[mode]; epolls != want {
			t.Errorf("%d epoll descriptors while serving, want %d", epolls, want)
		}
		req, _ := probeRequest(0)
		var open []net.Conn
		for i := range 3 { // pipelined, closed by the client
			c, br := dialTest(t, addr)
			rawExchange(t, c, br, strings.Repeat(req, i+1), i+1)
			c.Close()
		}
		c, br := dialTest(t, addr) // Connection: close
		body := req[strings.Index(req, "\r\n\r\n")+4:]
		rawExchange(t, c, br, featureRequest("Connection: close\r\n", body), 1)
		if err := readEOF(c, br, 2*time.Second); err != nil {
			t.Errorf("after Connection: close: %v", err)
		}
		c.Close()
		c, br = dialTest(t, addr) // handed over, closed by the client
		rawExchange(t, c, br, req+"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 2)
		c.Close()
		c, br = dialTest(t, addr) // handed over, left open
		rawExchange(t, c, br, req+req+"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 3)
		open = append(open, c)
		c, _ = dialTest(t, addr) // a head cut short, the client gone
		io.WriteString(c, req[:20])
		c.Close()
		c, br = dialTest(t, addr) // served, then idle
		rawExchange(t, c, br, req, 1)
		open = append(open, c)
		c, _ = dialTest(t, addr) // idle
		open = append(open, c)
		time.Sleep(100 * time.Millisecond)
		if err := stop(); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		for _, c := range open {
			c.Close()
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			leaked := newFDs(before, openFDs(t))
			n := runtime.NumGoroutine()
			if len(leaked) == 0 && n <= goroutines {
				break
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("after Serve returned: descriptors %v; %d goroutines, %d before:\n%s", leaked, n, goroutines, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// wrappedListener's connections are not *net.TCPConn.
type wrappedListener struct{ net.Listener }

func (l wrappedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return struct{ net.Conn }{c}, nil
}

// TestFastPathOtherListener: with "loop", the connections of a listener
// other than TCP's are read the goroutine way, still on the fast path; a
// FastPath that is neither way fails Serve.
func TestFastPathOtherListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(session.NewInstance(), server.Config{FastPath: server.FastPathLoop, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, wrappedListener{ln}) }()
	addr := ln.Addr().String()
	hc := &http.Client{Transport: &http.Transport{}}
	setup(t, &proc{t: t, url: "http://" + addr, c: client.New("http://"+addr, hc)})
	hc.CloseIdleConnections()
	before := fastCount(t, addr)
	c, br := dialTest(t, addr)
	req, _ := probeRequest(1)
	checkProbeAnswer(t, "through a wrapped listener", rawExchange(t, c, br, req+req, 2)[1], 1)
	if n := fastCount(t, addr) - before; n != 2 {
		t.Errorf("%d requests on the fast path, want 2", n)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}

	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bad := server.New(session.NewInstance(), server.Config{FastPath: "threads"})
	if err := bad.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), `"threads"`) {
		t.Errorf("Serve with FastPath threads: %v", err)
	}
}

// TestLoopCount: Config.Loops sets the number of event loops (one epoll
// descriptor each), and connections spread over them are all answered.
// While they run GOMAXPROCS is at least one more than the loops (procs.go),
// and it is given back when Serve returns.
func TestLoopCount(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loops are Linux's")
	}
	procs := runtime.GOMAXPROCS(0)
	for _, loops := range []int{1, 3, procs} {
		t.Run(fmt.Sprint(loops), func(t *testing.T) {
			before := openFDs(t)
			addr, stop := serveSetUp(t, server.Config{FastPath: server.FastPathLoop, Loops: loops})
			if got := runtime.GOMAXPROCS(0); os.Getenv("GOMAXPROCS") == "" && got < loops+1 {
				t.Errorf("GOMAXPROCS %d while %d loops run, want at least %d", got, loops, loops+1)
			}
			epolls := 0
			for _, fd := range newFDs(before, openFDs(t)) {
				if strings.HasSuffix(fd, "anon_inode:[eventpoll]") {
					epolls++
				}
			}
			if epolls != loops {
				t.Errorf("%d epoll descriptors, want %d", epolls, loops)
			}
			req, _ := probeRequest(0)
			for i := range 2 * loops {
				c, br := dialTest(t, addr)
				rawExchange(t, c, br, strings.Repeat(req, i+1), i+1)
				c.Close()
			}
			if err := stop(); err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if got := runtime.GOMAXPROCS(0); got != procs {
				t.Errorf("GOMAXPROCS %d after Serve returned, want %d as before", got, procs)
			}
		})
	}
}

// TestClientFeatureRequestsStayFast: the client package keeps its feature
// requests on connections of their own, so after its SQL and PUT calls
// (which hand their connections to net/http) every feature request is
// still answered on the fast path.
func TestClientFeatureRequestsStayFast(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p, addr := startServing(t, server.Config{FastPath: mode})
		setup(t, p)
		before := fastCount(t, addr)
		for range 3 {
			checkProbes(t, p)
			// A key no probe asks for: the answers stay the same.
			if err := p.c.Insert(context.Background(), "db", "t", [][]any{{"zz", 1000, 1, 1}}); err != nil {
				t.Fatal(err)
			}
			p.sql("db", "SELECT count(*) AS n FROM t")
		}
		if got, want := fastCount(t, addr)-before, 3*len(probes); got != want {
			t.Errorf("%d of %d feature requests on the fast path", got, want)
		}
	})
}

// TestFastPathBodyAndWriteTimeouts: a request whose body stops coming is
// closed after bodyTimeout; a client that stops reading its answers is
// closed after writeTimeout (the server's send buffer made small, so the
// answers wait), having received only part of them.
func TestFastPathBodyAndWriteTimeouts(t *testing.T) {
	const body, write = 300 * time.Millisecond, 400 * time.Millisecond
	defer server.SetFastPathTimeouts(10*time.Second, time.Minute, 20*time.Millisecond)()
	defer server.SetFastPathBodyWriteTimeouts(body, write)()
	defer server.SetFastPathSendBuffer(8 << 10)()
	eachFastPath(t, func(t *testing.T, mode string) {
		addr, _ := serveSetUp(t, server.Config{FastPath: mode})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // the body stops after 10 of its 100 bytes
			defer wg.Done()
			c, br := dialTest(t, addr)
			start := time.Now()
			io.WriteString(c, "POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"input\":")
			if err := readEOF(c, br, body+3*time.Second); err != nil {
				t.Errorf("body cut short: %v", err)
			} else if d := time.Since(start); d < body || d > body+2*time.Second {
				t.Errorf("body cut short: closed after %v, want about %v", d, body)
			}
		}()
		go func() { // three answers of about 70 KB each, none read
			defer wg.Done()
			c := dialSmallWindow(t, addr)
			defer c.Close()
			var raw strings.Builder
			for j := range 3 {
				raw.WriteString(bigRequest(3000, 100000*(j+1)))
			}
			io.WriteString(c, raw.String())
			time.Sleep(write + time.Second)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := io.Copy(io.Discard, c)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("unread answers: the connection is still open after %v", write+time.Second)
			} else if n >= 3*70_000 {
				t.Errorf("unread answers: %d bytes came, all of the answers: the connection was not cut", n)
			}
		}()
		wg.Wait()
	})
}
