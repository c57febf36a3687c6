//go:build linux

package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The fast path's event loops (Config.FastPath "loop"), as Redis serves its
// clients: the acceptor takes each TCP connection's file descriptor over (a
// duplicate; the net.Conn is closed) and gives it to one of GOMAXPROCS
// loops, round-robin. A loop is a goroutine locked to its thread, blocked in
// epoll_wait on its connections; when some are readable it reads them,
// answers every complete feature request in order with the same handler
// and writes the answers in one write. Nothing parks or wakes a goroutine
// per request, and no deadline is set per request: a sweep once a second
// closes the connections past readHeaderTimeout or idleTimeout. The first
// request that is not a plain feature request turns the descriptor back
// into a net.Conn for net/http, with what was read ahead, as the goroutine
// way does. As in Redis, a request being answered delays the other
// connections of its loop: feature requests take microseconds, and anything
// long (SQL, loads) is net/http's.

const defaultFastPath = FastPathLoop

const (
	loopBufSize = 4 << 10  // a connection's first read buffer: room for any head the fast path takes
	loopBufKeep = 64 << 10 // a larger read or write buffer is dropped once its request is done
	loopEvents  = 256      // events taken per epoll_wait
)

// eventLoops are the fast path's loops.
type eventLoops struct {
	fs    *fastServer
	loops []*eventLoop
	next  atomic.Uint32
}

// startEventLoops starts n loops, counted in fs.wg.
func startEventLoops(fs *fastServer, n int) (*eventLoops, error) {
	e := &eventLoops{fs: fs}
	for range max(n, 1) {
		l, err := newEventLoop(fs)
		if err != nil {
			for _, l := range e.loops {
				l.exit()
			}
			return nil, err
		}
		e.loops = append(e.loops, l)
	}
	for _, l := range e.loops {
		fs.wg.Add(1)
		go l.run()
	}
	return e, nil
}

// take gives a TCP connection to a loop; false leaves it to the goroutine
// way (another kind of connection, or one whose descriptor cannot be had).
func (e *eventLoops) take(c net.Conn) bool {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	l := e.loops[int(e.next.Add(1))%len(e.loops)]
	if l.exited.Load() && !e.fs.closing.Load() {
		return false // the loop failed (see run): keep serving, the other way
	}
	fd, err := dupConn(tc)
	if err != nil {
		e.fs.s.log.Warn("fast path: cannot take a connection over; reading it in a goroutine", "err", err)
		return false
	}
	lc := &loopConn{fd: fd}
	lc.x.init(c.RemoteAddr().String())
	// The duplicate keeps the socket open; closing the Conn takes it out of
	// Go's poller.
	c.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.exited.Load() || e.fs.closing.Load() {
		syscall.Close(fd)
		return true
	}
	l.pending = append(l.pending, lc)
	l.wakeLocked()
	return true
}

// dupConn returns a non-blocking, close-on-exec duplicate of c's descriptor.
func dupConn(c syscall.Conn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("raw connection: %w", err)
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			derr = errno
			return
		}
		fd = int(r)
	}); err != nil {
		return -1, fmt.Errorf("raw connection: %w", err)
	}
	if derr != nil {
		return -1, fmt.Errorf("dup: %w", derr)
	}
	// Go's sockets are non-blocking, and a duplicate shares the flag; this
	// only makes sure, as a blocking read would stall every connection of
	// the loop.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("non-blocking: %w", err)
	}
	return fd, nil
}

// wake wakes every loop: the server is shutting down.
func (e *eventLoops) wake() {
	for _, l := range e.loops {
		l.mu.Lock()
		l.wakeLocked()
		l.mu.Unlock()
	}
}

// closeAll closes every loop's connections now and waits for the loops to
// exit (the answer being computed, if any, is the last).
func (e *eventLoops) closeAll() {
	for _, l := range e.loops {
		l.force.Store(true)
	}
	e.wake()
	for _, l := range e.loops {
		<-l.done
	}
}

// eventLoop is one loop; its fields above mu are its goroutine's own.
type eventLoop struct {
	fs     *fastServer
	s      *Server
	epfd   int
	wakefd int // an eventfd: written to wake the loop
	events []syscall.EpollEvent
	conns  map[int32]*loopConn // by descriptor
	serial int32               // the last connection's id
	now    time.Time           // when epoll_wait last returned
	swept  time.Time

	mu      sync.Mutex
	pending []*loopConn // taken by the acceptor, not yet registered
	exited  atomic.Bool // set under mu, when wakefd is closed
	force   atomic.Bool // shutdown's time is up: close everything now
	done    chan struct{}
}

func newEventLoop(fs *fastServer) (*eventLoop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	r, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		syscall.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", errno)
	}
	l := &eventLoop{fs: fs, s: fs.s, epfd: epfd, wakefd: int(r), events: make([]syscall.EpollEvent, loopEvents),
		conns: map[int32]*loopConn{}, done: make(chan struct{})}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.wakefd)}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, l.wakefd, &ev); err != nil {
		l.exit()
		return nil, fmt.Errorf("epoll_ctl: %w", err)
	}
	return l, nil
}

// wakeLocked makes the loop's epoll_wait return; l.mu is held, so that
// wakefd is still open.
func (l *eventLoop) wakeLocked() {
	if !l.exited.Load() {
		var one [8]byte // the eventfd counter's increment
		binary.NativeEndian.PutUint64(one[:], 1)
		syscall.Write(l.wakefd, one[:])
	}
}

// run serves the loop's connections until the server has shut down.
func (l *eventLoop) run() {
	// The thread is the loop's: epoll_wait blocks it, not a goroutine the
	// scheduler must park and wake.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer l.fs.wg.Done()
	defer l.exit()
	l.swept = time.Now()
	for {
		n, err := syscall.EpollWait(l.epfd, l.events, int(loopSweep/time.Millisecond))
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			l.s.log.Error("fast path: epoll_wait failed; closing the loop's connections", "err", err)
			return
		}
		l.now = time.Now()
		woken := false
		for i := range n {
			ev := &l.events[i]
			if ev.Fd == int32(l.wakefd) {
				woken = true
				continue
			}
			// The id tells a connection from an earlier one that had the
			// same descriptor.
			if lc := l.conns[ev.Fd]; lc != nil && lc.id == ev.Pad {
				l.serve(lc)
			}
		}
		if woken {
			// After the batch: a connection registered now may reuse the
			// descriptor of one the batch closed.
			l.adopt()
		}
		if l.fs.closing.Load() && l.shuttingDown() {
			return
		}
		if l.now.Sub(l.swept) >= loopSweep {
			l.swept = l.now
			l.sweep()
		}
	}
}

// adopt registers the connections the acceptor has given the loop.
func (l *eventLoop) adopt() {
	var b [8]byte
	syscall.Read(l.wakefd, b[:]) // resets the counter
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	for _, lc := range pending {
		if l.fs.closing.Load() {
			syscall.Close(lc.fd) // as the goroutine way: a new connection is idle
			continue
		}
		if l.serial++; l.serial <= 0 {
			l.serial = 1 // 0 is no connection's
		}
		lc.id = l.serial
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(lc.fd), Pad: lc.id}
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, lc.fd, &ev); err != nil {
			l.s.log.Warn("fast path: cannot register a connection; closing it", "remote", lc.x.remote, "err", err)
			syscall.Close(lc.fd)
			continue
		}
		lc.phase, lc.since = phaseIdle, l.now
		l.conns[int32(lc.fd)] = lc
	}
}

// shuttingDown closes the idle connections, the others being closed once
// answered; it reports whether the loop is done: none is left, or the
// shutdown's time is up.
func (l *eventLoop) shuttingDown() bool {
	if l.force.Load() {
		return true // exit closes them
	}
	for _, lc := range l.conns {
		if lc.idle() {
			l.close(lc)
		}
	}
	if len(l.conns) > 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending) == 0 // else the acceptor's wake-up is on its way
}

// exit closes the loop's connections and descriptors.
func (l *eventLoop) exit() {
	for _, lc := range l.conns {
		l.close(lc)
	}
	l.mu.Lock()
	for _, lc := range l.pending {
		syscall.Close(lc.fd)
	}
	l.pending = nil
	l.exited.Store(true)
	syscall.Close(l.wakefd)
	l.mu.Unlock()
	syscall.Close(l.epfd)
	close(l.done)
}

// sweep closes the connections idle for longer than idleTimeout and those
// whose request head has been coming for longer than readHeaderTimeout, as
// net/http would, those whose body has been coming for longer than
// bodyTimeout, and those whose answer has waited for the client to read it
// for longer than writeTimeout.
func (l *eventLoop) sweep() {
	for _, lc := range l.conns {
		age := l.now.Sub(lc.since)
		switch {
		case lc.waitOut:
			if l.now.Sub(lc.outSince) > writeTimeout {
				l.close(lc)
			}
		case lc.idle() && age > idleTimeout,
			lc.phase == phaseHead && age > readHeaderTimeout,
			lc.phase == phaseBody && age > bodyTimeout:
			l.close(lc)
		}
	}
}

// What a loop's connection is waiting for.
const (
	phaseIdle = iota // a request: nothing of it read
	phaseHead        // the rest of a request head: readHeaderTimeout runs
	phaseBody        // the rest of a body: bodyTimeout runs
)

// loopConn is a connection served by a loop.
type loopConn struct {
	fd    int // -1 once closed or handed over
	id    int32
	in    []byte    // read and not yet answered: the beginning of the next request
	out   []byte    // answers not yet written
	sent  int       // how much of out is written
	phase int       // what the connection is waiting for
	since time.Time // when it started to

	closeAfter bool      // close once out is written
	handoff    bool      // hand the connection to net/http once out is written
	waitOut    bool      // waiting for EPOLLOUT (not EPOLLIN) until out is written
	outSince   time.Time // when waitOut began: writeTimeout runs

	x fastExchange
}

// idle reports whether the connection waits for a request with nothing to
// write.
func (lc *loopConn) idle() bool {
	return lc.phase == phaseIdle && len(lc.out) == 0 && !lc.handoff && !lc.closeAfter
}

// serve handles a connection that epoll reported: readable (or closed, or
// failed: the read says), or, while it waits for EPOLLOUT, writable.
func (l *eventLoop) serve(lc *loopConn) {
	defer func() {
		if p := recover(); p != nil {
			l.s.log.Error("panic serving a connection", "remote", lc.x.remote, "panic", p, "stack", string(debug.Stack()))
			l.close(lc)
		}
	}()
	if lc.waitOut {
		l.flush(lc)
		return
	}
	eof, err := l.read(lc)
	if err != nil {
		l.close(lc) // reset by the peer, most likely: as the goroutine way, silently
		return
	}
	l.process(lc)
	if eof && !lc.handoff {
		// The client sent all it will: answer what is complete, then close
		// (net/http, when handed over, sees the end itself).
		lc.closeAfter = true
	}
	l.flush(lc)
}

// read reads once what the connection has for us; level-triggered epoll
// reports it again if there is more.
func (l *eventLoop) read(lc *loopConn) (eof bool, err error) {
	// A body's buffer has room for it all (see process); else read at least
	// a quarter of the first buffer's size at a time.
	if free := cap(lc.in) - len(lc.in); free == 0 || free < loopBufSize/4 && lc.phase != phaseBody {
		b := make([]byte, len(lc.in), max(2*cap(lc.in), loopBufSize))
		copy(b, lc.in)
		lc.in = b
	}
	for {
		n, err := rawRead(lc.fd, lc.in[len(lc.in):cap(lc.in)])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false, nil
		case err != nil:
			return false, fmt.Errorf("read: %w", err)
		case n == 0:
			return true, nil
		}
		lc.in = lc.in[:len(lc.in)+n]
		return false, nil
	}
}

// process answers the complete requests read, in order, appending the
// answers to out, and keeps the rest. It stops at the first request that is
// not a plain feature request: the connection goes to net/http, with it.
func (l *eventLoop) process(lc *loopConn) {
	off, answered := 0, false
	phase := phaseIdle
	for !lc.closeAfter && !lc.handoff && off < len(lc.in) {
		b := lc.in[off:]
		n := headLen(b)
		if n == 0 {
			phase = phaseHead
			break
		}
		if n < 0 {
			lc.handoff = true
			break
		}
		target, length, closeAfter, ok := parseHead(b[:n], l.s.cfg.MaxBody)
		var db, name string
		if ok {
			db, name, ok = lc.x.route(target, length)
		}
		if !ok {
			lc.handoff = true
			break
		}
		if len(b) < n+length {
			phase = phaseBody
			if cap(lc.in)-off < n+length { // room for the whole body
				nb := make([]byte, len(b), n+length)
				copy(nb, b)
				lc.in, off = nb, 0
			}
			break
		}
		closeAfter = closeAfter || l.fs.closing.Load()
		lc.out = lc.x.answer(l.s, lc.out, b[n:n+length], db, name, closeAfter)
		off += n + length
		lc.closeAfter = closeAfter
		answered = true
	}
	if off > 0 {
		lc.in = lc.in[:copy(lc.in, lc.in[off:])]
	}
	if phase != phaseBody && cap(lc.in) > loopBufKeep && len(lc.in) <= loopBufSize {
		// A large body's buffer: not kept for the requests to come.
		b := make([]byte, len(lc.in), loopBufSize)
		copy(b, lc.in)
		lc.in = b
	}
	if phase != lc.phase || answered {
		lc.phase, lc.since = phase, l.now
	}
}

// flush writes the answers; what the socket does not take waits for
// EPOLLOUT, and the connection's requests with it. Once everything is
// written, the connection is handed over or closed if it is to be.
func (l *eventLoop) flush(lc *loopConn) {
	if lc.sent < len(lc.out) {
		n, err := rawWrite(lc.fd, lc.out[lc.sent:])
		if err != nil && err != syscall.EAGAIN && err != syscall.EINTR {
			l.close(lc)
			return
		}
		lc.sent += max(n, 0)
		if lc.sent < len(lc.out) {
			// A short write: the socket's buffer is full.
			if !lc.waitOut {
				if !l.modify(lc, syscall.EPOLLOUT) {
					return
				}
				lc.outSince = l.now
			}
			lc.waitOut = true
			return
		}
	}
	if cap(lc.out) > loopBufKeep {
		lc.out = nil
	} else {
		lc.out = lc.out[:0]
	}
	lc.sent = 0
	if lc.waitOut {
		if !l.modify(lc, syscall.EPOLLIN) {
			return
		}
		lc.waitOut = false
	}
	switch {
	case lc.handoff:
		l.handoff(lc)
	case lc.closeAfter:
		l.close(lc)
	}
}

// modify sets the event the connection waits for; false when it failed and
// the connection is closed.
func (l *eventLoop) modify(lc *loopConn, events uint32) bool {
	ev := syscall.EpollEvent{Events: events, Fd: int32(lc.fd), Pad: lc.id}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, lc.fd, &ev); err != nil {
		l.s.log.Warn("fast path: epoll_ctl failed; closing the connection", "remote", lc.x.remote, "err", err)
		l.close(lc)
		return false
	}
	return true
}

// handoff gives the connection to net/http for good, with the bytes read
// ahead in front.
func (l *eventLoop) handoff(lc *loopConn) {
	rest := bytes.Clone(lc.in)
	fd := lc.fd
	// Out of the loop's epoll first: a descriptor's registration lives as
	// long as the socket, which net/http's duplicate keeps open.
	l.forget(lc)
	f := os.NewFile(uintptr(fd), "fast path connection")
	c, err := net.FileConn(f) // a duplicate, in Go's poller
	f.Close()
	if err != nil {
		l.s.log.Warn("fast path: cannot hand a connection to net/http; closing it", "remote", lc.x.remote, "err", err)
		return
	}
	var r io.Reader = c
	if len(rest) > 0 {
		r = io.MultiReader(bytes.NewReader(rest), c)
	}
	hc := &handedConn{Conn: c, r: r}
	// net/http's Accept may be slow to come: not on the loop's time.
	go func() {
		if !l.fs.handoff.give(hc) {
			hc.Close()
		}
	}()
}

// close closes the connection.
func (l *eventLoop) close(lc *loopConn) {
	if lc.fd < 0 {
		return
	}
	fd := lc.fd
	l.forget(lc)
	syscall.Close(fd)
}

// forget takes the connection out of the loop.
func (l *eventLoop) forget(lc *loopConn) {
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, lc.fd, nil)
	delete(l.conns, int32(lc.fd))
	lc.fd = -1
}

// rawRead and rawWrite are read(2) and write(2) on a non-blocking descriptor
// without telling the scheduler: they return at once (EAGAIN when they
// would wait), so the loop's P need not be handed over, which syscall.Read
// and Write prepare for on every call (entersyscall, exitsyscall). n is -1
// when err is not nil, as theirs.
func rawRead(fd int, p []byte) (n int, err error) {
	return rawIO(syscall.SYS_READ, fd, p)
}

func rawWrite(fd int, p []byte) (n int, err error) {
	return rawIO(syscall.SYS_WRITE, fd, p)
}

func rawIO(trap uintptr, fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	r, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}
