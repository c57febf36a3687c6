package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The fast path: Serve reads each connection's requests itself while they
// are plain feature requests — POST /dbs/{db}/deployments/{name}, HTTP/1.1,
// a Host, a Content-Length within the body limit, no Transfer-Encoding,
// Expect or Upgrade — and answers them with serveDeployment, the handler
// net/http would call, without net/http's per-request machinery (header
// maps, a background reader goroutine, response buffering): on two cores
// that machinery cost as much CPU as computing the features. The first
// request that is anything else hands the connection, with the bytes read
// ahead, to the net/http server for the rest of its life, so every other
// route, every error and every protocol detail is net/http's.
//
// Two ways of reading (Config.FastPath): "goroutine" reads each connection
// in a goroutine of its own (fastConn.serve, below); "loop", the default on
// Linux (eventloop_linux.go), takes the accepted TCP connections' file
// descriptors over and serves them from epoll event loops (Config.Loops, by
// default one per GOMAXPROCS), Redis-style: no goroutine parks and wakes
// around each request, no read ends in EAGAIN, no deadline is set per
// request (in the W1 benchmark's server profile, the scheduler's
// runtime.mcall fell from 5-14% of the CPU to 1-2%, reads from 10-13% to
// 6-8%). Both share the parser (headLen, parseHead) and the answering
// (fastExchange), and hand over to net/http the same way.

// The connection timeouts, as net/http's ReadHeaderTimeout and IdleTimeout,
// and two more for the feature requests the fast path reads itself (their
// bodies are small): a body must arrive within bodyTimeout of its head, and
// the client must take an answer within writeTimeout, so that a client that
// stalls mid-request or stops reading does not hold a connection and its
// buffers for ever. Variables, so that tests can shorten them.
var (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	bodyTimeout       = time.Minute
	writeTimeout      = time.Minute
	// loopSweep is how often an event loop closes its connections that are
	// past those timeouts (it sets no deadline per request).
	loopSweep = time.Second
)

const fastHeadMax = 4 << 10 // a larger request head goes to net/http

// handoffListener gives net/http the connections the fast path hands over.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// give hands a connection to net/http; false once it no longer accepts.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

// handedConn is a connection given to net/http with what was read ahead:
// r reads those bytes first, then the connection.
type handedConn struct {
	net.Conn
	r io.Reader
}

func (c *handedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// fastServer tracks the connections the fast path is serving.
type fastServer struct {
	s       *Server
	handoff *handoffListener
	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	closing atomic.Bool
	wg      sync.WaitGroup // the connections' goroutines and the event loops
	// loops serve the TCP connections when Config.FastPath is "loop"; nil
	// when every connection takes the goroutine path.
	loops *eventLoops
}

// accept serves ln until it is closed.
func (fs *fastServer) accept(ln net.Listener) error {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if fs.closing.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// As net/http does for temporary errors (too many open
			// files): log, back off, try again.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			fs.s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if testSendBuffer > 0 {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetWriteBuffer(testSendBuffer)
			}
		}
		if fs.loops != nil && fs.loops.take(c) {
			continue
		}
		fc := &fastConn{fs: fs, c: c, br: bufio.NewReaderSize(c, fastHeadMax)}
		fs.mu.Lock()
		if fs.closing.Load() {
			fs.mu.Unlock()
			c.Close()
			continue
		}
		fs.conns[fc] = struct{}{}
		fs.wg.Add(1)
		fs.mu.Unlock()
		go fc.serve()
	}
}

// shutdown stops the fast connections: idle ones now, busy ones after
// their request, waiting until done is closed at the most.
func (fs *fastServer) shutdown(done <-chan struct{}) {
	fs.closing.Store(true)
	fs.mu.Lock()
	for fc := range fs.conns {
		if fc.idle.Load() {
			fc.c.SetReadDeadline(time.Now()) // wakes its read: it closes
		}
	}
	fs.mu.Unlock()
	if fs.loops != nil {
		fs.loops.wake() // each closes its idle connections, and exits once it has none
	}
	finished := make(chan struct{})
	go func() { fs.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-done:
		fs.mu.Lock()
		for fc := range fs.conns {
			fc.c.Close()
		}
		fs.mu.Unlock()
		if fs.loops != nil {
			fs.loops.closeAll()
		}
	}
}

// fastConn is one connection read by the fast path's goroutine way.
type fastConn struct {
	fs   *fastServer
	c    net.Conn
	br   *bufio.Reader
	idle atomic.Bool // waiting for a request

	x   fastExchange
	out []byte
	buf []byte // a body larger than what is buffered
}

// serve answers the connection's feature requests until it closes, fails,
// or sends something else, which hands it to net/http.
func (fc *fastConn) serve() {
	fs := fc.fs
	handed := false
	defer func() {
		if p := recover(); p != nil {
			fs.s.log.Error("panic serving a connection", "remote", fc.c.RemoteAddr().String(), "panic", p, "stack", string(debug.Stack()))
		}
		fs.mu.Lock()
		delete(fs.conns, fc)
		fs.mu.Unlock()
		if !handed {
			fc.c.Close()
		}
		fs.wg.Done()
	}()
	fc.x.init(fc.c.RemoteAddr().String())
	for !fs.closing.Load() {
		fc.idle.Store(true)
		fc.c.SetReadDeadline(time.Now().Add(idleTimeout))
		if fs.closing.Load() { // shutdown may have looked before idle was set
			return
		}
		_, err := fc.br.Peek(1)
		fc.idle.Store(false)
		if err != nil || fs.closing.Load() {
			return
		}
		fc.c.SetReadDeadline(time.Now().Add(readHeaderTimeout))
		ok, closeAfter, err := fc.one()
		if err != nil {
			return
		}
		if !ok {
			fc.c.SetDeadline(time.Time{}) // net/http sets its own
			handed = fs.handoff.give(&handedConn{Conn: fc.c, r: fc.br})
			return
		}
		if closeAfter {
			return
		}
	}
}

// one reads a request head; if it is a plain feature request it answers it
// (ok), else it leaves the bytes unread for net/http.
func (fc *fastConn) one() (ok, closeAfter bool, err error) {
	head, err := fc.peekHead()
	if err != nil || head == nil {
		return false, false, err
	}
	target, length, closeAfter, fast := parseHead(head, fc.fs.s.cfg.MaxBody)
	if !fast {
		return false, false, nil
	}
	db, name, isDep := fc.x.route(target, length)
	if !isDep {
		return false, false, nil
	}
	fc.br.Discard(len(head))
	fc.c.SetReadDeadline(time.Now().Add(bodyTimeout)) // the body's limit now, not the head's
	// The body: in the read buffer when it fits, else read into fc.buf.
	var body []byte
	if length <= fc.br.Size() {
		if body, err = fc.br.Peek(length); err != nil {
			return false, false, err
		}
	} else {
		if cap(fc.buf) < length {
			fc.buf = make([]byte, length)
		}
		body = fc.buf[:length]
		if _, err := io.ReadFull(fc.br, body); err != nil {
			return false, false, err
		}
	}
	// Closing now (shutdown began while the body came): say so.
	closeAfter = closeAfter || fc.fs.closing.Load()
	fc.out = fc.x.answer(fc.fs.s, fc.out[:0], body, db, name, closeAfter)
	if length <= fc.br.Size() {
		fc.br.Discard(length)
	}
	fc.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := fc.c.Write(fc.out); err != nil {
		return false, false, err
	}
	return true, closeAfter, nil
}

// peekHead returns the request head (through the blank line) without
// consuming it; nil when the fast path leaves it to net/http.
func (fc *fastConn) peekHead() ([]byte, error) {
	for {
		b, _ := fc.br.Peek(fc.br.Buffered())
		switch n := headLen(b); {
		case n > 0:
			return b[:n], nil
		case n < 0:
			return nil, nil
		}
		// The buffer (fastHeadMax) is not full, or headLen would have
		// given up: wait for more.
		if _, err := fc.br.Peek(fc.br.Buffered() + 1); err != nil {
			if fc.br.Buffered() > 0 && errors.Is(err, bufio.ErrBufferFull) {
				return nil, nil
			}
			return nil, err
		}
	}
}

// headLen returns the length of the request head at the start of b, through
// its blank line; 0 when b holds only the beginning of one, which more bytes
// may complete; -1 when the fast path leaves it to net/http: a bare LF
// (net/http's rules for line ends) or a head longer than fastHeadMax. Both
// ways of reading use it, so they take the same requests.
func headLen(b []byte) int {
	if len(b) > fastHeadMax {
		b = b[:fastHeadMax]
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		if bareLF(b[:i+4]) {
			return -1
		}
		return i + 4
	}
	if bareLF(b) || len(b) >= fastHeadMax {
		return -1
	}
	return 0
}

// bareLF reports whether b has a line feed without a carriage return before it.
func bareLF(b []byte) bool {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// isToken reports whether b is an HTTP token (a valid header name).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// parseHead checks that a head (headLen's) is a plain POST with a
// Content-Length of at most maxBody that the fast path answers, and returns
// its target, body length and whether the client asked to close.
func parseHead(head []byte, maxBody int64) (target []byte, length int, closeAfter, ok bool) {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || string(method) != http.MethodPost || string(proto) != "HTTP/1.1" ||
		len(target) == 0 || target[0] != '/' || bytes.ContainsAny(target, "%?#") {
		return nil, 0, false, false
	}
	length, host := -1, false
	for len(rest) > 2 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		k, v, found := bytes.Cut(h, []byte(":"))
		if !found || !isToken(k) {
			return nil, 0, false, false // malformed (or folded): net/http answers it
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			n, err := strconv.ParseUint(string(v), 10, 63) // digits only, as net/http
			if length >= 0 || err != nil || v[0] == '+' || n > uint64(maxBody) {
				return nil, 0, false, false
			}
			length = int(n)
		case bytes.EqualFold(k, []byte("Host")):
			if host {
				return nil, 0, false, false // two: net/http's 400
			}
			host = true
		case bytes.EqualFold(k, []byte("Connection")):
			switch {
			case bytes.EqualFold(v, []byte("close")):
				closeAfter = true
			case len(v) > 0 && !bytes.EqualFold(v, []byte("keep-alive")):
				return nil, 0, false, false
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")), bytes.EqualFold(k, []byte("Expect")),
			bytes.EqualFold(k, []byte("Upgrade")), bytes.EqualFold(k, []byte("Trailer")):
			return nil, 0, false, false
		}
	}
	if length < 0 || !host {
		return nil, 0, false, false
	}
	return target, length, closeAfter, true
}

// fastExchange is what a connection's feature requests reuse from one to the
// next, on either way of reading: the request the handler sees, its body
// reader and the response writer.
type fastExchange struct {
	req    http.Request
	url    url.URL
	hdr    http.Header // the request's headers as the handler sees them: none
	path   string      // the last request's path, reused while it repeats
	remote string
	body   bodyReader
	w      fastWriter
}

func (x *fastExchange) init(remote string) {
	x.remote = remote
	x.w.h = http.Header{}
	x.hdr = http.Header{}
}

// route makes the request of a parsed head and returns its deployment; ok
// is false when its path is one the router must see.
func (x *fastExchange) route(target []byte, length int) (db, name string, ok bool) {
	if string(target) != x.path {
		x.path = string(target)
	}
	x.url = url.URL{Path: x.path}
	x.req = http.Request{Method: http.MethodPost, URL: &x.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: x.hdr, ContentLength: int64(length), Host: "", RemoteAddr: x.remote, RequestURI: x.path}
	return deploymentPath(&x.req)
}

// testSendBuffer, when positive (set by tests, before Serve), is the send
// buffer of the connections accepted: a small one makes the answers' writes
// short without megabytes of answers (the kernel grows its own up to
// net.ipv4.tcp_wmem's 4 MiB).
var testSendBuffer int

// testHookAnswer, when set (by tests, before Serve), runs before each fast
// answer: a handler's panic reaching the connection's code.
var testHookAnswer func()

// answer runs the routed request on body with serveDeployment and appends
// its response to out.
func (x *fastExchange) answer(s *Server, out, body []byte, db, name string, closeAfter bool) []byte {
	x.body.Reset(body)
	x.req.Body = &x.body
	x.w.reset()
	s.m.fast.Inc()
	if testHookAnswer != nil {
		testHookAnswer()
	}
	s.serveDeployment(&x.w, &x.req, db, name)
	return x.w.appendResponse(out, closeAfter)
}

// bodyReader is a request body over bytes already read.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// fastWriter collects what the handler writes.
type fastWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *fastWriter) Header() http.Header { return w.h }

func (w *fastWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *fastWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func (w *fastWriter) reset() {
	clear(w.h)
	w.status = 0
	w.body = w.body[:0]
}

// appendResponse appends the HTTP/1.1 response: status line, the handler's
// headers, Content-Length and Date, and the body.
func (w *fastWriter) appendResponse(b []byte, closeAfter bool) []byte {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	for k, vs := range w.h {
		if k == "Content-Length" || k == "Date" || k == "Connection" {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(w.body)), 10)
	b = append(b, "\r\nDate: "...)
	b = appendDate(b)
	if closeAfter {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, w.body...)
}

// The Date header, formatted once a second and shared without a lock (the
// event loops answer in parallel).
type dateText struct {
	sec  int64
	text []byte
}

var dateCache atomic.Pointer[dateText]

func appendDate(b []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if s := now.Unix(); d == nil || d.sec != s {
		d = &dateText{sec: s, text: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(b, d.text...)
}
