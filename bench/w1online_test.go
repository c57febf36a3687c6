package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

var (
	flagW1ON           = flag.String("w1o.n", "1000000", "BenchmarkW1Online: comma-separated row counts")
	flagW1OC           = flag.String("w1o.c", "4,6,8", "BenchmarkW1Online: comma-separated numbers of concurrent clients; each side, once loaded, is driven at each (sub-benchmarks C=c)")
	flagW1OR           = flag.Int("w1o.r", 100000, "BenchmarkW1Online: requests per side")
	flagW1OBatch       = flag.Int("w1o.batch", 10000, "BenchmarkW1Online: rows per load batch (InsertRows, PUT, Redis pipeline)")
	flagW1OSides       = flag.String("w1o.sides", "inproc,http,redis", "BenchmarkW1Online: sides to run")
	flagW1OReport      = flag.String("w1o.report", "", "BenchmarkW1Online: append a markdown table row per N and side to this `file`")
	flagW1OProfile     = flag.String("w1o.cpuprofile", "", "BenchmarkW1Online: write the in-process request phase's CPU profile to `prefix`-N.pprof")
	flagW1ORedis       = flag.String("w1o.redis", "redis-server", "BenchmarkW1Online: the redis-server `binary`")
	flagW1OHTTPProfile = flag.String("w1o.httpprofile", "", "BenchmarkW1Online: run the HTTP side against bench/cmd/w1server and write CPU profiles of its request phase to `prefix`-server-N.pprof and -client-N.pprof")
	flagW1ODurable     = flag.Bool("w1o.durable", false, "BenchmarkW1Online: run the server durable (WAL and snapshots in a temporary --data directory) instead of --in-memory (Redis runs with persistence off)")
	flagW1OCheck       = flag.Int("w1o.check", 50, "BenchmarkW1Online: requests whose answers are checked against a direct computation, per side")
	flagW1OLongMin     = flag.Int("w1o.longmin", 0, "BenchmarkW1Online: the deployment's long_windows_min_rows option (0: the default: each window's buckets in two tiers, see README.md's long windows; N: one tier, from N rows)")
	flagW1OServerProcs = flag.Int("w1o.serverprocs", 0, "BenchmarkW1Online: GOMAXPROCS of the HTTP side's server process (0: the Go default, every core)")
	flagW1OHTTPClient  = flag.String("w1o.httpclient", "raw", "BenchmarkW1Online: the HTTP side's load generator: raw (a minimal keep-alive HTTP/1.1 client, bench/rawhttp) or client (the client package)")
	flagW1OLong        = flag.String("w1o.long", "w30d:1h,w1d:10m,w1h:1m", "BenchmarkW1Online: the deployment's long_windows option (\"\": none)")
)

const (
	w1oDB     = "w1"
	w1oDeploy = "w1features"
	w1oDDL    = `CREATE TABLE events (user_id string, ts timestamp, amount double, category string, flag int, INDEX(KEY=user_id, TS=ts));`
)

// w1Rows is the W1 data held by the benchmark, columnar, in file order (= arrival order, seq from 0).
type w1Rows struct {
	user   []int32 // into ids
	ts     []int64
	amount []float64
	cat    []int8 // into cats
	flag   []int32
	ids    []string
	cats   []string
	maxTS  int64
}

func (d *w1Rows) n() int { return len(d.ts) }

func readW1(b *testing.B, path string) *w1Rows {
	r, err := files.Open(path, files.W1Schema(), files.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	d := &w1Rows{maxTS: math.MinInt64}
	uid, cid := map[string]int32{}, map[string]int8{}
	for {
		bt, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < bt.Len(); i++ {
			u := bt.Cols[0].S[i]
			k, ok := uid[u]
			if !ok {
				k = int32(len(d.ids))
				uid[u] = k
				d.ids = append(d.ids, u)
			}
			c := bt.Cols[3].S[i]
			ck, ok := cid[c]
			if !ok {
				ck = int8(len(d.cats))
				cid[c] = ck
				d.cats = append(d.cats, c)
			}
			ts := bt.Cols[1].I[i]
			d.user = append(d.user, k)
			d.ts = append(d.ts, ts)
			d.amount = append(d.amount, bt.Cols[2].F[i])
			d.cat = append(d.cat, ck)
			d.flag = append(d.flag, int32(bt.Cols[4].I[i]))
			d.maxTS = max(d.maxTS, ts)
		}
	}
	return d
}

// w1Req is one request row: a uniformly random user of u000000..u099999, ts within the last hour of the data.
type w1Req struct {
	user   string
	ts     int64
	amount float64
	cat    string
	flag   int32
}

func w1Requests(d *w1Rows, r int, seed int64) []w1Req {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	reqs := make([]w1Req, r)
	for i := range reqs {
		reqs[i] = w1Req{
			user:   fmt.Sprintf("u%06d", rng.IntN(files.W1Keys)),
			ts:     d.maxTS - rng.Int64N(3600_000+1),
			amount: math.Round(math.Exp(math.Log(20)+rng.NormFloat64())*100) / 100,
			cat:    fmt.Sprintf("cat%02d", rng.IntN(files.W1Categories)),
			flag:   int32(rng.IntN(2)),
		}
	}
	return reqs
}

// w1Feat is the six W1 features of one request.
type w1Feat struct {
	s1h, a1d, m1d, s10r float64
	c1h, c30d           int64
}

func (f w1Feat) String() string {
	return fmt.Sprintf("s1h=%.2f c1h=%d a1d=%.6f m1d=%.2f c30d=%d s10r=%.2f", f.s1h, f.c1h, f.a1d, f.m1d, f.c30d, f.s10r)
}

func (f w1Feat) equal(g w1Feat) bool {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Max(math.Abs(a), math.Abs(b)), 1) }
	return f.c1h == g.c1h && f.c30d == g.c30d && near(f.s1h, g.s1h) && near(f.a1d, g.a1d) && near(f.m1d, g.m1d) && near(f.s10r, g.s10r)
}

const (
	hourMs = int64(3600_000)
	dayMs  = 24 * hourMs
)

// w1Direct computes a request's features from the data without the engine (SEMANTICS.md §2–3): the candidates
// are the stored rows of the user with ts <= the request's ts, the request row last.
type w1Cand struct {
	ts  int64
	seq int
	amt float64
}

func w1Direct(d *w1Rows, q w1Req) w1Feat {
	var cands []w1Cand
	u := int32(-1)
	for k, id := range d.ids {
		if id == q.user {
			u = int32(k)
		}
	}
	for i := range d.ts {
		if d.user[i] == u && d.ts[i] <= q.ts {
			cands = append(cands, w1Cand{d.ts[i], i, d.amount[i]})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].ts != cands[j].ts {
			return cands[i].ts < cands[j].ts
		}
		return cands[i].seq < cands[j].seq
	})
	cands = append(cands, w1Cand{q.ts, math.MaxInt, q.amount})
	return w1FromCands(cands, q.ts)
}

// w1FromCands computes the features from the candidates in (ts, seq) order, the request row last.
func w1FromCands(cands []w1Cand, ts int64) w1Feat {
	var f w1Feat
	var s1d float64
	var c1d int64
	f.m1d = math.Inf(-1)
	for i, c := range cands {
		if c.ts >= ts-hourMs {
			f.s1h += c.amt
			f.c1h++
		}
		if c.ts >= ts-dayMs {
			s1d += c.amt
			c1d++
			f.m1d = max(f.m1d, c.amt)
		}
		if c.ts >= ts-30*dayMs {
			f.c30d++
		}
		if i >= len(cands)-10 {
			f.s10r += c.amt
		}
	}
	f.a1d = s1d / float64(c1d)
	return f
}

// latency recording: one histogram per client, merged.
func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(100, int64(10*time.Second), 3) }

type driveResult struct {
	hist    *hdrhistogram.Histogram
	wall    time.Duration
	n       int
	slowest []slowReq // the slowest requests, slowest first
}

type slowReq struct {
	lat time.Duration
	i   int
}

// keepSlowest adds a request to a list of at most 5, slowest first.
func keepSlowest(l []slowReq, r slowReq) []slowReq {
	if len(l) == 5 && r.lat <= l[4].lat {
		return l
	}
	l = append(l, r)
	sort.Slice(l, func(a, b int) bool { return l[a].lat > l[b].lat })
	return l[:min(len(l), 5)]
}

func (r driveResult) us(q float64) float64 { return float64(r.hist.ValueAtQuantile(q)) / 1e3 }
func (r driveResult) qps() float64         { return float64(r.n) / r.wall.Seconds() }

// drive sends reqs from c concurrent clients (each takes the next request when done), recording every latency.
// The load generator does not collect garbage while it drives: the test process holds the
// whole data set, and a collection of it would stall the clients and count against the side
// measured. (In-process, the side is this process: a request allocates nothing once the
// scratch of its call and of the deployment has grown.)
func drive(reqs []w1Req, c int, do func(q *w1Req) error) (driveResult, error) {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var next atomic.Int64
	hists := make([]*hdrhistogram.Histogram, c)
	slow := make([][]slowReq, c)
	errs := make([]error, c)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		hists[w] = newHist()
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			h := hists[w]
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				t0 := time.Now()
				if err := do(&reqs[i]); err != nil {
					errs[w] = err
					next.Store(int64(len(reqs)))
					return
				}
				lat := time.Since(t0)
				h.RecordValue(int64(lat))
				if len(slow[w]) < 5 || lat > slow[w][4].lat {
					slow[w] = keepSlowest(slow[w], slowReq{lat, i})
				}
			}
		}(w)
	}
	wg.Wait()
	res := driveResult{hist: newHist(), wall: time.Since(start), n: len(reqs)}
	for w := range hists {
		res.hist.Merge(hists[w])
		for _, r := range slow[w] {
			res.slowest = keepSlowest(res.slowest, r)
		}
		if errs[w] != nil {
			return res, errs[w]
		}
	}
	return res, nil
}

// rssOf returns a process's resident set size in bytes (VmRSS of /proc/PID/status; "self" for this process).
func rssOf(pid string) (int64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%s/status", pid)
}

func selfRSS(b *testing.B) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	n, err := rssOf("self")
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// w1oConcurrencies parses -w1o.c.
func w1oConcurrencies(b *testing.B) []int {
	var cs []int
	for _, f := range strings.Split(*flagW1OC, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c <= 0 {
			b.Fatalf("-w1o.c: bad number of clients %q", f)
		}
		cs = append(cs, c)
	}
	return cs
}

// w1oMaxC is the largest concurrency of -w1o.c: the connections a side opens.
func w1oMaxC(b *testing.B) int { return slices.Max(w1oConcurrencies(b)) }

// w1oSide is one side's figures.
type w1oSide struct {
	name        string
	n           int
	loadRowsPS  float64
	rssPerRow   float64 // (process RSS after load - before load) / N
	rssMB       float64 // process RSS after load, MiB
	storePerRow float64 // Sundial: storage Stats().Bytes / N; Redis: used_memory / N
	runs        []w1oRun
	reqs        []w1Req
	// notes are the side's log lines from before its drives, logged by
	// the first drive's sub-benchmark (a benchmark with sub-benchmarks
	// prints its own lines only under -test.v).
	notes []string
}

// w1oRun is one drive of a side: its requests from c clients.
type w1oRun struct {
	c   int
	res driveResult
}

// run returns the side's drive at c clients, if any.
func (s *w1oSide) run(c int) (driveResult, bool) {
	for _, r := range s.runs {
		if r.c == c {
			return r.res, true
		}
	}
	return driveResult{}, false
}

// driveEach drives the side's requests (do) from each number of clients of
// -w1o.c in turn, after a warm-up, each a sub-benchmark C=c of b that reports
// the side's figures with that drive's latencies. around, if not nil, runs
// each drive (drive) with what must surround it (profiles, the server's
// histogram), logging to the sub-benchmark's b.
func (s *w1oSide) driveEach(b *testing.B, do func(q *w1Req) error, around func(b *testing.B, c int, drive func())) {
	cs := w1oConcurrencies(b)
	if _, err := drive(s.reqs[:min(len(s.reqs), 5000)], slices.Max(cs), do); err != nil { // warm-up
		b.Fatal(err)
	}
	for _, c := range cs {
		b.Run(fmt.Sprintf("C=%d", c), func(b *testing.B) {
			var res driveResult
			var err error
			d := func() {
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if res, err = drive(s.reqs, c, do); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
			}
			if around != nil {
				around(b, c, d)
			} else {
				d()
			}
			s.runs = append(s.runs, w1oRun{c, res})
			s.report(b, c, res)
		})
	}
}

// profileName is the file of a CPU profile of a drive at c clients:
// prefix-N.pprof, with -cC when -w1o.c names more than one.
func profileName(b *testing.B, prefix string, n, c int) string {
	if len(w1oConcurrencies(b)) > 1 {
		return fmt.Sprintf("%s-%d-c%d.pprof", prefix, n, c)
	}
	return fmt.Sprintf("%s-%d.pprof", prefix, n)
}

func (s *w1oSide) report(b *testing.B, c int, res driveResult) {
	n := s.n
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(s.loadRowsPS, "load_rows/s")
	b.ReportMetric(s.rssPerRow, "rss_B/row")
	b.ReportMetric(s.rssMB, "rss_MB")
	b.ReportMetric(s.storePerRow, "store_B/row")
	b.ReportMetric(res.us(50), "p50_us")
	b.ReportMetric(res.us(99), "p99_us")
	b.ReportMetric(res.us(99.9), "p999_us")
	b.ReportMetric(res.qps(), "qps")
	if len(s.runs) == 1 {
		for _, n := range s.notes {
			b.Log(n)
		}
	}
	b.Logf("%s N=%d: load %.0f rows/s, RSS %.0f MiB after load, RSS growth %.1f B/row, store %.1f B/row, p50 %.1f µs, p99 %.1f µs, p999 %.1f µs, max %.1f µs, %.0f QPS (C=%d, R=%d)",
		s.name, n, s.loadRowsPS, s.rssMB, s.rssPerRow, s.storePerRow, res.us(50), res.us(99), res.us(99.9), float64(res.hist.Max())/1e3, res.qps(), c, res.n)
	for _, r := range res.slowest {
		b.Logf("%s: slow request %d: %s at %d, %.1f ms", s.name, r.i, s.reqs[r.i].user, s.reqs[r.i].ts, float64(r.lat)/1e6)
	}
	if *flagW1OReport != "" {
		f, err := os.OpenFile(*flagW1OReport, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		host, _ := os.Hostname()
		fmt.Fprintf(f, "| %s | %s | %d | %s | %d | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f |\n",
			time.Now().UTC().Format("2006-01-02"), host, n, s.name, c, s.loadRowsPS, s.rssMB, s.rssPerRow, s.storePerRow,
			res.us(50), res.us(99), res.us(99.9), res.qps())
	}
}

// checkAnswers compares a side's answers for the first k requests with the
// direct computation, and says so (a note of the side).
func checkAnswers(b *testing.B, side string, d *w1Rows, reqs []w1Req, want []w1Feat, answer func(q *w1Req) (w1Feat, error)) string {
	for i := range want {
		got, err := answer(&reqs[i])
		if err != nil {
			b.Fatalf("%s: request %d: %v", side, i, err)
		}
		if !got.equal(want[i]) {
			b.Fatalf("%s: request %d (%s at %d): got %v, want %v", side, i, reqs[i].user, reqs[i].ts, got, want[i])
		}
	}
	return fmt.Sprintf("%s: %d answers equal the direct computation", side, len(want))
}

func w1oWant(d *w1Rows, reqs []w1Req) []w1Feat {
	k := min(*flagW1OCheck, len(reqs))
	want := make([]w1Feat, k)
	var wg sync.WaitGroup
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); want[i] = w1Direct(d, reqs[i]) }(i)
		if i%2 == 1 {
			wg.Wait()
		}
	}
	wg.Wait()
	return want
}

// BenchmarkW1Online runs W1's online part (shared/workloads/README.md) per N: Sundial in-process (session),
// Sundial over HTTP (the `sundial server` binary and the client package) and Redis sorted sets (a
// redis-server child), each loading all N rows, then answering the same R requests from C clients.
// Use -benchtime 1x.
func BenchmarkW1Online(b *testing.B) {
	var ns []int
	for _, f := range strings.Split(*flagW1ON, ",") {
		var n int
		if _, err := fmt.Sscan(strings.ReplaceAll(strings.TrimSpace(f), "_", ""), &n); err != nil || n <= 0 {
			b.Fatalf("-w1o.n: bad row count %q", f)
		}
		ns = append(ns, n)
	}
	sides := map[string]bool{}
	for _, s := range strings.Split(*flagW1OSides, ",") {
		sides[strings.TrimSpace(s)] = true
	}
	for _, n := range ns {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			start := time.Now()
			d := readW1(b, w1Data(b, n))
			reqs := w1Requests(d, *flagW1OR, *flagW1Seed)
			want := w1oWant(d, reqs)
			b.Logf("read %d rows (%d users) and computed %d reference answers in %v", d.n(), len(d.ids), len(want), time.Since(start).Round(time.Millisecond))
			var got []*w1oSide
			if sides["inproc"] {
				b.Run("side=inproc", func(b *testing.B) { got = append(got, w1oInProc(b, d, reqs, want)) })
				// The in-process store is garbage now: freed and given back
				// before the next side, whose load generator is this process,
				// so that no sweeping or scavenging of it runs during its drives.
				runtime.GC()
				debug.FreeOSMemory()
			}
			if sides["http"] {
				b.Run("side=http", func(b *testing.B) { got = append(got, w1oHTTP(b, d, reqs, want)) })
			}
			if sides["redis"] {
				b.Run("side=redis", func(b *testing.B) { got = append(got, w1oRedis(b, d, reqs, want)) })
			}
			var redis *w1oSide
			for _, s := range got {
				if s.name == "redis" {
					redis = s
				}
			}
			if redis == nil {
				return
			}
			for _, s := range got {
				if s == redis {
					continue
				}
				for _, r := range s.runs {
					rr, ok := redis.run(r.c)
					if !ok {
						continue
					}
					fmt.Printf("W1Online N=%d C=%d: %s vs redis: QPS %.2f× (%.0f), p99 %.2f× (%.0f µs), RSS/row %.2f×, store/used_memory per row %.2f×; targets: HTTP p99 < 1 ms at ≥ 20k QPS, QPS ≥ 1× redis, memory ≤ 0.7× redis\n",
						n, r.c, s.name, r.res.qps()/rr.qps(), r.res.qps(), r.res.us(99)/rr.us(99), r.res.us(99), s.rssPerRow/redis.rssPerRow, s.storePerRow/redis.storePerRow)
				}
			}
		})
	}
}

func w1oExec(b *testing.B, s *session.Session, src string) {
	stmts, err := sql.Parse(src)
	if err != nil {
		b.Fatalf("%s: %v", src, err)
	}
	for _, st := range stmts {
		if _, err := s.Exec(context.Background(), st); err != nil {
			b.Fatalf("%s: %v", src, err)
		}
	}
}

func (d *w1Rows) values(i int) []types.Value {
	return []types.Value{
		types.StringValue(d.ids[d.user[i]]), types.TimestampValue(d.ts[i]), types.DoubleValue(d.amount[i]),
		types.StringValue(d.cats[d.cat[i]]), types.Int32Value(d.flag[i]),
	}
}

// appendValues appends the request row's values to vs.
func (q *w1Req) appendValues(vs []types.Value) []types.Value {
	return append(vs,
		types.StringValue(q.user), types.TimestampValue(q.ts), types.DoubleValue(q.amount),
		types.StringValue(q.cat), types.Int32Value(q.flag),
	)
}

func featOfValues(v []types.Value) (w1Feat, error) {
	if len(v) != 8 {
		return w1Feat{}, fmt.Errorf("%d output columns, want 8", len(v))
	}
	return w1Feat{s1h: v[2].F, c1h: v[3].I, a1d: v[4].F, m1d: v[5].F, c30d: v[6].I, s10r: v[7].F}, nil
}

// w1oDeploySQL is the DEPLOY statement of both Sundial sides.
func w1oDeploySQL() string {
	if *flagW1OLong == "" {
		return "DEPLOY " + w1oDeploy + " " + W1Features
	}
	opts := "long_windows='" + *flagW1OLong + "'"
	if *flagW1OLongMin > 0 {
		opts += fmt.Sprintf(", long_windows_min_rows='%d'", *flagW1OLongMin)
	}
	return "DEPLOY " + w1oDeploy + " OPTIONS(" + opts + ") " + W1Features
}

// w1oInProc: a session, DEPLOY, InsertRows in batches, then session.RequestRowsInto from C goroutines.
func w1oInProc(b *testing.B, d *w1Rows, reqs []w1Req, want []w1Feat) *w1oSide {
	n := d.n()
	base := selfRSS(b)
	inst := session.NewInstance()
	s := session.New(inst)
	w1oExec(b, s, "CREATE DATABASE "+w1oDB+"; USE "+w1oDB+"; "+w1oDDL)
	// Deployed first: the load keeps the long windows' buckets, and the RSS
	// after it counts them.
	w1oExec(b, s, w1oDeploySQL())
	start := time.Now()
	rows := make([][]types.Value, 0, *flagW1OBatch)
	for i := 0; i < n; i++ {
		rows = append(rows, d.values(i))
		if len(rows) == cap(rows) || i == n-1 {
			if err := s.InsertRows(w1oDB, "events", rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	load := time.Since(start)
	rows = nil
	after := selfRSS(b)
	rss := after - base
	t, err := s.Table(sql.TableName{DB: w1oDB, Name: "events"})
	if err != nil {
		b.Fatal(err)
	}
	tab, ok := inst.StoreIfExists(t)
	if !ok {
		b.Fatal("no online store for events")
	}
	stats := tab.Stats() // arenas, row chunks, row directory
	if stats.Rows != int64(n) {
		b.Fatalf("store holds %d rows, want %d", stats.Rows, n)
	}
	storeBytes := stats.Bytes
	// As an embedding service would: the deployment looked up once, each
	// goroutine answering into memory of its own (session.Answers).
	dep, ok := s.Deployment(w1oDB, w1oDeploy)
	if !ok {
		b.Fatal("no deployment", w1oDeploy)
	}
	type call struct {
		in  [1][]types.Value
		ans session.Answers
	}
	calls := sync.Pool{New: func() any { return new(call) }}
	answer := func(q *w1Req) (w1Feat, error) {
		c := calls.Get().(*call)
		defer calls.Put(c)
		c.in[0] = q.appendValues(c.in[0][:0]) // the call's own row: nothing allocated per request
		if err := session.RequestRowsInto(dep, c.in[:], &c.ans); err != nil {
			return w1Feat{}, err
		}
		return featOfValues(c.ans.Rows[0])
	}
	checked := checkAnswers(b, "inproc", d, reqs, want, answer)
	do := func(q *w1Req) error { _, err := answer(q); return err }
	side := &w1oSide{name: "inproc", n: n, loadRowsPS: float64(n) / load.Seconds(), rssPerRow: float64(rss) / float64(n), rssMB: float64(after) / (1 << 20), storePerRow: float64(storeBytes) / float64(n), reqs: reqs,
		notes: []string{checked, "inproc: the deployment's online plan:\n" + dep.Explain()}}
	side.driveEach(b, do, func(b *testing.B, c int, drive func()) {
		if *flagW1OProfile != "" {
			f, err := os.Create(profileName(b, *flagW1OProfile, n, c))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
			defer pprof.StopCPUProfile()
		}
		before := dep.LongWindowServed()
		drive()
		b.Logf("inproc: %d of %d feature answers from long-window buckets", dep.LongWindowServed()-before, 6*len(reqs)*b.N)
	})
	runtime.KeepAlive(s)
	return side
}

// freeAddr returns a free loopback address.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// buildSundial builds cmd/sundial once into a temporary directory.
var (
	sundialOnce sync.Once
	sundialBin  string
	sundialErr  error
)

func buildSundial(b *testing.B) string {
	sundialOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sundial-bench-w1o")
		if err != nil {
			sundialErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", dir, "github.com/sundialdb/sundial/cmd/sundial")
		if out, err := cmd.CombinedOutput(); err != nil {
			sundialErr = fmt.Errorf("go build cmd/sundial: %v\n%s", err, out)
			return
		}
		sundialBin = filepath.Join(dir, "sundial")
	})
	if sundialErr != nil {
		b.Fatal(sundialErr)
	}
	return sundialBin
}
