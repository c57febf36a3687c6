package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sundialdb/sundial/session"
)

// Defaults of Config (and of the flags of 'sundial server').
const (
	DefaultAddr            = ":8080"
	DefaultDataDir         = "./sundial-data"
	DefaultMaxBody         = 16 << 20
	DefaultShutdownTimeout = 10 * time.Second
	DefaultReleaseAfter    = 500 * time.Millisecond
)

// releaseMinBytes is how many bytes of PUT bodies make a load worth a
// release (see Config.ReleaseAfter).
const releaseMinBytes = 32 << 20

// Config configures a Server. The zero value of each field means its default.
type Config struct {
	// DataDir is the instance's data directory, created by Open.
	DataDir string
	// MaxBody is the largest request body accepted, in bytes; a larger one
	// gets 413 before it is read.
	MaxBody int64
	// ShutdownTimeout bounds how long Serve waits for requests in flight
	// once its context is done.
	ShutdownTimeout time.Duration
	// Logger receives request logs (at debug) and server errors; nil means
	// slog.Default().
	Logger *slog.Logger
	// InMemory keeps the data in memory only: Open does not make the
	// instance durable (no WAL, no snapshots), and it is lost when the
	// server stops.
	InMemory bool
	// SnapshotEvery is how many WAL records trigger a snapshot (0:
	// session.DefaultSnapshotEvery).
	SnapshotEvery int64
	// Recover, when set, is called by Open once the data directory exists,
	// after the instance recovered what the directory holds (the snapshot
	// and the WAL; unless InMemory) and before any request is served. An
	// error fails Open.
	Recover func(inst *session.Instance, dataDir string) error
	// ReleaseAfter: once PUTs have brought at least 32 MiB of rows, and
	// none has come for this long, the server returns the heap the load
	// freed (the decoded batches) to the operating system
	// (debug.FreeOSMemory: a full collection, then the free pages are
	// released), so that the resident size after a bulk load is the data's,
	// not the peak of the load. 0 means DefaultReleaseAfter; negative never.
	ReleaseAfter time.Duration
	// MemoryLimit, when positive, is the Go runtime's soft memory limit in
	// bytes (debug.SetMemoryLimit; process-wide, as GOMEMLIMIT): the
	// collector runs more often as the heap nears it rather than letting it
	// grow to twice the live data.
	MemoryLimit int64
	// FastPath is how Serve reads the connections' plain feature requests
	// (fastpath.go): FastPathLoop ("loop", the default on Linux) serves the
	// TCP connections from epoll event loops, one per GOMAXPROCS;
	// FastPathGoroutine ("goroutine", the default elsewhere, and what "loop"
	// falls back to there) reads each connection in a goroutine of its own.
	// Either way, the first request that is something else hands the
	// connection to net/http. Serve rejects any other value.
	FastPath string
	// Loops is the number of event loops of FastPathLoop; 0 means one per
	// GOMAXPROCS. Each loop computes the answers of its connections on its
	// own thread, as Redis does on its one: fewer loops than cores leave
	// the rest to other work (on a small machine shared with the clients,
	// one loop took the least CPU per request). While the loops run,
	// GOMAXPROCS is at least one more than their number, unless the
	// environment sets it (procs.go says why).
	Loops int
	// TTLEvery is how often, while Serve runs, the instance's TTL
	// collector evicts the rows the tables' TTLs expired and gives their
	// memory back (session.Instance.StartCollector; 0:
	// session.DefaultTTLEvery; negative: never, the expired rows then
	// staying in memory though no request or query sees them).
	TTLEvery time.Duration
}

// The values of Config.FastPath.
const (
	FastPathLoop      = "loop"
	FastPathGoroutine = "goroutine"
)

func (c *Config) fill() {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ReleaseAfter == 0 {
		c.ReleaseAfter = DefaultReleaseAfter
	}
	if c.FastPath == "" {
		c.FastPath = defaultFastPath
	}
	if c.TTLEvery == 0 {
		c.TTLEvery = session.DefaultTTLEvery
	}
}

// Server serves the REST API of one instance. It is an http.Handler.
type Server struct {
	cfg  Config
	inst *session.Instance
	log  *slog.Logger
	mux  *http.ServeMux
	m    *metrics
	// recovered is what Open recovered.
	recovered session.RecoveryStats
	// routes holds the metrics of each route pattern (read-only once routes
	// has run).
	routes map[string]*routeMetrics
	rel    releaser
}

// Open prepares a server on the data directory of cfg: it creates the
// directory, opens a durable instance on it (session.Instance.Recover: the
// newest snapshot, then the WAL's tail; unless cfg.InMemory) and runs the
// recovery hook. Close flushes it.
func Open(cfg Config) (*Server, error) {
	cfg.fill()
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	inst := session.NewInstance()
	var stats session.RecoveryStats
	if !cfg.InMemory {
		var err error
		if stats, err = inst.Recover(cfg.DataDir); err != nil {
			return nil, err
		}
		if cfg.SnapshotEvery > 0 {
			inst.SetSnapshotEvery(cfg.SnapshotEvery)
		}
	}
	if cfg.Recover != nil {
		if err := cfg.Recover(inst, cfg.DataDir); err != nil {
			inst.Close()
			return nil, fmt.Errorf("recovering %s: %w", cfg.DataDir, err)
		}
	}
	s := New(inst, cfg)
	s.recovered = stats
	return s, nil
}

// Recovered says what Open recovered from the data directory.
func (s *Server) Recovered() session.RecoveryStats { return s.recovered }

// Close flushes the instance (a last snapshot, then the WAL is closed): call
// it once Serve has returned. Writes fail afterwards.
func (s *Server) Close() error {
	s.rel.stop()
	return s.inst.Close()
}

// New returns a server of an existing instance (cfg.DataDir and
// cfg.Recover are not used): for tests and for embedding.
func New(inst *session.Instance, cfg Config) *Server {
	cfg.fill()
	s := &Server{cfg: cfg, inst: inst, log: cfg.Logger, mux: http.NewServeMux(), m: newMetrics(inst), routes: map[string]*routeMetrics{}}
	s.rel = releaser{after: cfg.ReleaseAfter, min: releaseMinBytes, free: debug.FreeOSMemory}
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	s.addRoutes()
	return s
}

// Instance is the instance the server serves.
func (s *Server) Instance() *session.Instance { return s.inst }

// deploymentRoute is the pattern of the feature requests (the hot path).
const deploymentRoute = "POST /dbs/{db}/deployments/{name}"

func (s *Server) addRoutes() {
	handle := func(pattern string, h http.Handler) {
		s.mux.Handle(pattern, h)
		s.routes[pattern] = s.m.route(pattern)
	}
	handleFunc := func(pattern string, h http.HandlerFunc) { handle(pattern, h) }
	handleFunc("GET /health", s.health)
	handle("GET /metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
	handleFunc("GET /dbs", s.listDatabases)
	handleFunc("POST /dbs/{db}", s.runSQL)
	handleFunc("GET /dbs/{db}/tables", s.listTables)
	handleFunc("GET /dbs/{db}/tables/{table}", s.getTable)
	handleFunc("PUT /dbs/{db}/tables/{table}", s.putRows)
	handleFunc("GET /dbs/{db}/deployments", s.listDeployments)
	handleFunc("GET /dbs/{db}/deployments/{name}", s.getDeployment)
	handleFunc(deploymentRoute, s.request)
	handleFunc("POST /refresh", s.health) // OpenMLDB's catalog refresh: nothing to refresh here
}

// deploymentPath returns db and name when r is a feature request whose path
// the router would take as is: POST /dbs/{db}/deployments/{name}, clean
// (no empty or dot segment) and without escaped slashes.
func deploymentPath(r *http.Request) (db, name string, ok bool) {
	if r.Method != http.MethodPost || r.URL.RawPath != "" {
		return "", "", false
	}
	const head, mid = "/dbs/", "/deployments/"
	p, found := strings.CutPrefix(r.URL.Path, head)
	if !found {
		return "", "", false
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	db, p = p[:i], p[i:]
	if name, found = strings.CutPrefix(p, mid); !found {
		return "", "", false
	}
	if !cleanSegment(db) || !cleanSegment(name) || strings.IndexByte(name, '/') >= 0 {
		return "", "", false
	}
	return db, name, true
}

func cleanSegment(s string) bool { return s != "" && s != "." && s != ".." }

// ServeHTTP routes a request, counts and times it, logs it at debug, turns
// a panic into a 500 and the router's plain-text 404/405 into JSON. Feature
// requests take a path of their own, the same steps without the router's
// matching and without wrapping the ResponseWriter.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if db, name, ok := deploymentPath(r); ok {
		s.serveDeployment(w, r, db, name)
		return
	}
	start := time.Now()
	rec := &recorder{ResponseWriter: w, r: r, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				writeError(rec, fmt.Errorf("internal error: %v", p))
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.observe(route, rec.status, d)
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes, "duration", d, "remote", r.RemoteAddr)
		}
	}()
	s.mux.ServeHTTP(rec, r)
}

// serveDeployment is ServeHTTP for a feature request.
func (s *Server) serveDeployment(w http.ResponseWriter, r *http.Request, db, name string) {
	start := time.Now()
	status := 0 // set just before the response is written
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if status == 0 {
				err := fmt.Errorf("internal error: %v", p)
				status = statusOf(err)
				writeError(w, err)
			}
		}
		d := time.Since(start)
		s.observe(deploymentRoute, status, d)
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", status, "duration", d, "remote", r.RemoteAddr)
		}
	}()
	s.deploymentRequest(w, r, db, name, &status)
}

// observe counts and times a request to route.
func (s *Server) observe(route string, status int, d time.Duration) {
	rm := s.routes[route]
	if rm == nil { // "unmatched"
		s.m.httpRequests.WithLabelValues(route, statusText(status)).Inc()
		s.m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
		return
	}
	if status == http.StatusOK {
		rm.ok.Inc()
	} else {
		s.m.httpRequests.WithLabelValues(route, statusText(status)).Inc()
	}
	rm.duration.Observe(d.Seconds())
}

func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 400:
		return "400"
	case 404:
		return "404"
	}
	return strconv.Itoa(code)
}

// recorder remembers the status and size of a response, and replaces the
// router's own plain-text errors (no route, method not allowed) by JSON.
type recorder struct {
	http.ResponseWriter
	r       *http.Request
	status  int
	bytes   int
	wrote   bool
	swallow bool // the router's plain-text body is being dropped
}

func (w *recorder) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.status = code
	if w.r.Pattern == "" && code >= 400 {
		// No handler of ours ran: the router is answering 404 or 405.
		w.swallow = true
		h := w.Header()
		h.Del("X-Content-Type-Options")
		msg := fmt.Sprintf("no route for %s %s", w.r.Method, w.r.URL.Path)
		if code == http.StatusMethodNotAllowed {
			msg = fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", w.r.Method, w.r.URL.Path, h.Get("Allow"))
		}
		b := appendErrorBody(nil, code, msg)
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.ResponseWriter.WriteHeader(code)
		n, _ := w.ResponseWriter.Write(b)
		w.bytes += n
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(p), nil
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// releaser returns the heap freed by a bulk load to the operating system once
// the load is over (Config.ReleaseAfter).
type releaser struct {
	after time.Duration
	min   int64  // bytes of PUT bodies worth a release
	free  func() // debug.FreeOSMemory
	mu    sync.Mutex
	bytes int64 // loaded since the last release
	timer *time.Timer
}

// loaded notes a PUT of n body bytes.
func (s *Server) loaded(n int) {
	rl := &s.rel
	if rl.after <= 0 {
		return
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.bytes += int64(n)
	if rl.bytes < rl.min {
		return
	}
	if rl.timer == nil {
		rl.timer = time.AfterFunc(rl.after, rl.release)
	} else {
		rl.timer.Reset(rl.after)
	}
}

func (rl *releaser) release() {
	rl.mu.Lock()
	rl.bytes = 0
	rl.mu.Unlock()
	rl.free()
}

func (rl *releaser) stop() {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.timer != nil {
		rl.timer.Stop()
	}
}

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully:
// it stops accepting connections and waits up to cfg.ShutdownTimeout for
// requests in flight. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.FastPath != FastPathLoop && s.cfg.FastPath != FastPathGoroutine {
		ln.Close()
		return fmt.Errorf("fast path %q: want %q or %q", s.cfg.FastPath, FastPathLoop, FastPathGoroutine)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Connections are read by the fast path (fastpath.go) first; net/http
	// serves those it hands over.
	hl := &handoffListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	fs := &fastServer{s: s, handoff: hl, conns: map[*fastConn]struct{}{}}
	if s.cfg.FastPath == FastPathLoop {
		n := s.cfg.Loops
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		loops, err := startEventLoops(fs, n)
		if err != nil {
			// Not fatal: the goroutine way serves the same requests.
			s.log.Warn("fast path: no event loops; reading each connection in a goroutine", "err", err)
		}
		fs.loops = loops
		if loops != nil {
			defer spareProc(n, s.log)()
		}
	}
	if s.cfg.TTLEvery > 0 {
		defer s.inst.StartCollector(s.cfg.TTLEvery, s.log)()
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(hl) }()
	go func() { errc <- fs.accept(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	fs.closing.Store(true)
	ln.Close()
	fs.shutdown(sctx.Done())
	if serr := hs.Shutdown(sctx); serr != nil {
		hs.Close()
		if err == nil {
			err = fmt.Errorf("shutdown: %w", serr)
		}
	}
	hl.Close()
	if err != nil && (errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed)) {
		err = nil
	}
	return err
}
