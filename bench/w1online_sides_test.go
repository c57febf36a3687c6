package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sundialdb/sundial/bench/rawhttp"
	"github.com/sundialdb/sundial/client"
	"github.com/sundialdb/sundial/jsonwire"
)

// flagW1OFastPath chooses how the HTTP side's server reads feature requests,
// so that both ways can be measured in the same run.
var flagW1OLoops = flag.Int("w1o.loops", 0, "BenchmarkW1Online: the HTTP side's server --loops (0: the server's default, one per GOMAXPROCS)")

var flagW1OFastPath = flag.String("w1o.fastpath", "", "BenchmarkW1Online: the HTTP side's server --fast-path, loop or goroutine (\"\": the server's default, loop on Linux)")

// child is a server process started by the benchmark.
type child struct {
	cmd *exec.Cmd
	out *strings.Builder
}

func startChild(b *testing.B, name string, args ...string) *child {
	return startChildEnv(b, nil, name, args...)
}

// flagW1OServerCPUs pins the servers (sundial server or w1server, and
// redis-server) to CPUs, through taskset; run the benchmark itself under
// taskset on the other CPUs, so that load generator and server each have
// cores of their own instead of taking turns on every core (README.md).
var flagW1OServerCPUs = flag.String("w1o.servercpus", "", "BenchmarkW1Online: run the HTTP and Redis sides' servers with taskset -c `cpus` (\"\": not pinned)")

// startChildEnv is startChild with more environment variables.
func startChildEnv(b *testing.B, env []string, name string, args ...string) *child {
	if *flagW1OServerCPUs != "" { // taskset execs the server: the pid stays the server's
		name, args = "taskset", append([]string{"-c", *flagW1OServerCPUs, name}, args...)
	}
	cmd := exec.Command(name, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return &child{cmd: cmd, out: out}
}

func (c *child) pid() string { return strconv.Itoa(c.cmd.Process.Pid) }

func (c *child) rss(b *testing.B) int64 {
	n, err := rssOf(c.pid())
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// stop sends SIGTERM and waits (SIGKILL after 10 s).
func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

func waitUp(b *testing.B, c *child, ready func() error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not come up: %v\n%s", c.cmd.Path, err, c.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func featOfJSON(row []any) (w1Feat, error) {
	if len(row) != 8 {
		return w1Feat{}, fmt.Errorf("%d output columns, want 8", len(row))
	}
	var x [6]float64
	for i := range x {
		n, ok := row[i+2].(json.Number)
		if !ok {
			return w1Feat{}, fmt.Errorf("column %d: %T %v", i+2, row[i+2], row[i+2])
		}
		v, err := n.Float64()
		if err != nil {
			return w1Feat{}, err
		}
		x[i] = v
	}
	return w1Feat{s1h: x[0], c1h: int64(x[1]), a1d: x[2], m1d: x[3], c30d: int64(x[4]), s10r: x[5]}, nil
}

// w1oHTTP: the `sundial server` binary on a free loopback port, loaded with the client's PUT in batches,
// (DEPLOY through SQL first), then requests from C goroutines: the client
// package checks answers, and the timed requests go through the minimal
// load generator (-w1o.httpclient=raw, the default) or the client package.
func w1oHTTP(b *testing.B, d *w1Rows, reqs []w1Req, want []w1Feat) *w1oSide {
	n := d.n()
	addr := freeAddr(b)
	var srv *child
	var mode []string
	if !*flagW1ODurable {
		mode = []string{"--in-memory"} // like redis-server --save '' --appendonly no
	}
	if *flagW1OFastPath != "" {
		mode = append(mode, "--fast-path", *flagW1OFastPath)
	}
	if *flagW1OLoops > 0 {
		mode = append(mode, "--loops", fmt.Sprint(*flagW1OLoops))
	}
	if *flagW1OHTTPProfile == "" {
		var env []string
		if *flagW1OServerProcs > 0 {
			env = []string{fmt.Sprintf("GOMAXPROCS=%d", *flagW1OServerProcs)}
		}
		srv = startChildEnv(b, env, buildSundial(b), append([]string{"server", "--addr", addr, "--data", b.TempDir(), "--max-body", "256MiB"}, mode...)...)
	} else {
		args := []string{"--addr", addr, "--data", b.TempDir(), "--cpuprofile", w1serverProfile(n)}
		if *flagW1ODurable {
			args = append(args, "--durable") // w1server is in memory unless told
		}
		if *flagW1OFastPath != "" {
			args = append(args, "--fast-path", *flagW1OFastPath)
		}
		if *flagW1OLoops > 0 {
			args = append(args, "--loops", fmt.Sprint(*flagW1OLoops))
		}
		srv = startChild(b, buildW1Server(b), args...)
	}
	defer srv.stop()
	ctx := context.Background()
	cl := client.New("http://"+addr, nil)
	waitUp(b, srv, func() error { return cl.Health(ctx) })
	base := srv.rss(b)
	for _, q := range []string{"CREATE DATABASE " + w1oDB, w1oDDL, w1oDeploySQL()} {
		if _, err := cl.SQL(ctx, w1oDB, q, ""); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	start := time.Now()
	rows := make([][]any, 0, *flagW1OBatch)
	for i := 0; i < n; i++ {
		rows = append(rows, []any{d.ids[d.user[i]], d.ts[i], d.amount[i], d.cats[d.cat[i]], d.flag[i]})
		if len(rows) == cap(rows) || i == n-1 {
			if err := cl.Insert(ctx, w1oDB, "events", rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	load := time.Since(start)
	time.Sleep(time.Second)
	rss := srv.rss(b)
	heap := map[string]int64{}
	for _, k := range []string{"alloc", "inuse", "idle", "released"} {
		heap[k] = serverMetric(ctx, "http://"+addr, "go_memstats_heap_"+k+"_bytes")
	}
	answer := func(q *w1Req) (w1Feat, error) {
		rows, err := cl.RequestData(ctx, w1oDB, w1oDeploy, [][]any{{q.user, q.ts, q.amount, q.cat, q.flag}})
		if err != nil {
			return w1Feat{}, err
		}
		if len(rows) != 1 {
			return w1Feat{}, fmt.Errorf("%d rows, want 1", len(rows))
		}
		return featOfJSON(rows[0])
	}
	notes := []string{checkAnswers(b, "http", d, reqs, want, answer)}
	do := func(q *w1Req) error { _, err := answer(q); return err }
	if *flagW1OHTTPClient == "raw" {
		// C keep-alive connections of the minimal load generator
		// (bench/rawhttp), one per client goroutine.
		type rawClient struct {
			c   *rawhttp.Conn
			buf []byte
		}
		conns := make(chan *rawClient, w1oMaxC(b))
		for range w1oMaxC(b) {
			rc, err := rawhttp.Dial(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer rc.Close()
			conns <- &rawClient{c: rc}
		}
		path := "/dbs/" + w1oDB + "/deployments/" + w1oDeploy
		do = func(q *w1Req) error {
			rc := <-conns
			defer func() { conns <- rc }()
			return requestW1(rc.c, &rc.buf, path, q)
		}
	} else if *flagW1OHTTPClient != "client" {
		b.Fatalf("-w1o.httpclient %q: raw or client", *flagW1OHTTPClient)
	}
	name := "http"
	if *flagW1ODurable {
		name = "http-durable"
	}
	if *flagW1OFastPath != "" {
		name += "-" + *flagW1OFastPath
	}
	if *flagW1OLoops > 0 {
		name += fmt.Sprintf("-loops%d", *flagW1OLoops)
	}
	side := &w1oSide{name: name, n: n, loadRowsPS: float64(n) / load.Seconds(), rssPerRow: float64(rss-base) / float64(n), rssMB: float64(rss) / (1 << 20), reqs: reqs, notes: notes}
	if m := serverMetric(ctx, "http://"+addr, "sundial_table_bytes"); m > 0 {
		side.storePerRow = float64(m) / float64(n)
	}
	side.notes = append(side.notes, fmt.Sprintf("server RSS: %d MiB before load, %d MiB after load; Go heap after load (not collected): alloc %d MiB, in use %d MiB, idle %d MiB, released %d MiB; table store %d MiB",
		base>>20, rss>>20, heap["alloc"]>>20, heap["inuse"]>>20, heap["idle"]>>20, heap["released"]>>20, serverMetric(ctx, "http://"+addr, "sundial_table_bytes")>>20))
	side.driveEach(b, do, func(b *testing.B, c int, drive func()) {
		if *flagW1OHTTPProfile != "" {
			f, err := os.Create(profileName(b, *flagW1OHTTPProfile+"-client", n, c))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			srv.cmd.Process.Signal(syscall.SIGUSR1)
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
		}
		before := serverBuckets(ctx, "http://"+addr)
		drive()
		logServerLatency(b, before, serverBuckets(ctx, "http://"+addr))
		if *flagW1OHTTPProfile != "" {
			pprof.StopCPUProfile()
			srv.cmd.Process.Signal(syscall.SIGUSR2)
			time.Sleep(500 * time.Millisecond)
			// The server writes each profile to the name it was given at
			// start (bench/cmd/w1server): this drive's is renamed.
			if err := os.Rename(w1serverProfile(n), profileName(b, *flagW1OHTTPProfile+"-server", n, c)); err != nil {
				b.Fatal(err)
			}
		}
	})
	return side
}

// w1serverProfile is the file bench/cmd/w1server writes its profiles to.
func w1serverProfile(n int) string { return fmt.Sprintf("%s-server-%d.pprof", *flagW1OHTTPProfile, n) }

// buildW1Server builds bench/cmd/w1server (the server with a signal-driven CPU profile) once.
var (
	w1serverOnce sync.Once
	w1serverBin  string
	w1serverErr  error
)

func buildW1Server(b *testing.B) string {
	w1serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sundial-bench-w1server")
		if err != nil {
			w1serverErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", dir, "github.com/sundialdb/sundial/bench/cmd/w1server")
		if out, err := cmd.CombinedOutput(); err != nil {
			w1serverErr = fmt.Errorf("go build bench/cmd/w1server: %v\n%s", err, out)
			return
		}
		w1serverBin = filepath.Join(dir, "w1server")
	})
	if w1serverErr != nil {
		b.Fatal(w1serverErr)
	}
	return w1serverBin
}

// serverMetric sums a metric of the server's /metrics over its labels (0 if it is missing).
func serverMetric(ctx context.Context, base, name string) int64 {
	resp, err := httpGet(ctx, base+"/metrics")
	if err != nil {
		return 0
	}
	var total float64
	sc := bufio.NewScanner(strings.NewReader(resp))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") && !strings.HasPrefix(line, name+"{") {
			continue
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			total += v
		}
	}
	return int64(total)
}

// serverBuckets reads the server's cumulative histogram of feature request
// times (sundial_deployment_request_duration_seconds): upper bound → count.
func serverBuckets(ctx context.Context, base string) map[float64]float64 {
	resp, err := httpGet(ctx, base+"/metrics")
	if err != nil {
		return nil
	}
	out := map[float64]float64{}
	const name = "sundial_deployment_request_duration_seconds_bucket{"
	for _, line := range strings.Split(resp, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		_, le, ok := strings.Cut(line, `le="`)
		if !ok {
			continue
		}
		le, rest, _ := strings.Cut(le, `"`)
		bound, err1 := strconv.ParseFloat(le, 64)
		f := strings.Fields(rest)
		n, err2 := strconv.ParseFloat(f[len(f)-1], 64)
		if err1 == nil && err2 == nil {
			out[bound] += n
		}
	}
	return out
}

// logServerLatency logs what the server measured of the timed requests (from
// the body read to the response written), beside what the clients measured:
// the share answered within each bucket bound up to 10 ms.
func logServerLatency(b *testing.B, before, after map[float64]float64) {
	total := after[math.Inf(1)] - before[math.Inf(1)]
	if total <= 0 {
		return
	}
	var parts []string
	for _, le := range []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01} {
		parts = append(parts, fmt.Sprintf("≤%gms %.2f%%", le*1e3, 100*(after[le]-before[le])/total))
	}
	b.Logf("http: the server's own time per request (its histogram, %0.f requests): %s", total, strings.Join(parts, ", "))
}

// Redis: one sorted set per user, score = ts, member = 8 bytes: seq (uint32, big-endian, so that
// members of equal score sort in arrival order) and amount in cents (int32, big-endian).
func redisMember(seq int, amount float64) string {
	var m [8]byte
	binary.BigEndian.PutUint32(m[:4], uint32(seq))
	binary.BigEndian.PutUint32(m[4:], uint32(int32(math.Round(amount*100))))
	return string(m[:])
}

func redisAmount(member string) float64 {
	return float64(int32(binary.BigEndian.Uint32([]byte(member[4:8])))) / 100
}

// w1oRedis: redis-server on a free loopback port, persistence off; pipelined ZADD load; then per request one
// round trip (a pipeline of ZCOUNT over 30 d, ZRANGEBYSCORE over 1 d, ZREVRANGEBYSCORE LIMIT 9) and the six
// features computed client-side.
func w1oRedis(b *testing.B, d *w1Rows, reqs []w1Req, want []w1Feat) *w1oSide {
	n := d.n()
	addr := freeAddr(b)
	host, port, _ := strings.Cut(addr, ":")
	srv := startChild(b, *flagW1ORedis, "--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
	defer srv.stop()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: w1oMaxC(b) + 2, Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	waitUp(b, srv, func() error { return rdb.Ping(ctx).Err() })
	base := srv.rss(b)
	start := time.Now()
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.ZAdd(ctx, d.ids[d.user[i]], redis.Z{Score: float64(d.ts[i]), Member: redisMember(i, d.amount[i])})
		if pipe.Len() == *flagW1OBatch || i == n-1 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	load := time.Since(start)
	rss := srv.rss(b)
	info, err := rdb.InfoMap(ctx, "memory", "server").Result()
	if err != nil {
		b.Fatal(err)
	}
	used, _ := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
	answer := func(q *w1Req) (w1Feat, error) {
		t := q.ts
		ts := strconv.FormatInt(t, 10)
		p := rdb.Pipeline()
		c30 := p.ZCount(ctx, q.user, strconv.FormatInt(t-30*dayMs, 10), ts)
		day := p.ZRangeByScoreWithScores(ctx, q.user, &redis.ZRangeBy{Min: strconv.FormatInt(t-dayMs, 10), Max: ts})
		last := p.ZRevRangeByScoreWithScores(ctx, q.user, &redis.ZRangeBy{Max: ts, Min: "-inf", Count: 9})
		if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
			return w1Feat{}, err
		}
		f := w1Feat{s1h: q.amount, c1h: 1, m1d: q.amount, c30d: c30.Val() + 1, s10r: q.amount}
		s1d := q.amount
		for _, z := range day.Val() {
			a := redisAmount(z.Member.(string))
			if int64(z.Score) >= t-hourMs {
				f.s1h += a
				f.c1h++
			}
			s1d += a
			f.m1d = max(f.m1d, a)
		}
		f.a1d = s1d / float64(len(day.Val())+1)
		for _, z := range last.Val() {
			f.s10r += redisAmount(z.Member.(string))
		}
		return f, nil
	}
	checked := checkAnswers(b, "redis", d, reqs, want, answer)
	do := func(q *w1Req) error { _, err := answer(q); return err }
	side := &w1oSide{name: "redis", n: n, loadRowsPS: float64(n) / load.Seconds(), rssPerRow: float64(rss-base) / float64(n), rssMB: float64(rss) / (1 << 20), storePerRow: float64(used) / float64(n), reqs: reqs,
		notes: []string{checked, fmt.Sprintf("redis: RSS %d MiB before load, %d MiB after; used_memory %d MiB (%s)", base>>20, rss>>20, used>>20, info["Server"]["redis_version"])}}
	side.driveEach(b, do, nil)
	return side
}

func httpGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return string(data), err
}

// requestW1 posts one W1 request row to a deployment through the minimal
// load generator (bench/rawhttp; buf is the connection's body buffer) and
// checks that the answer is 200 with code 0 and one row (the values are
// checked through the client package: checkAnswers).
func requestW1(rc *rawhttp.Conn, buf *[]byte, path string, q *w1Req) error {
	b := (*buf)[:0]
	b = append(b, `{"input":[[`...)
	b = jsonwire.AppendString(b, q.user, false)
	b = append(b, ',')
	b = strconv.AppendInt(b, q.ts, 10)
	b = append(b, ',')
	b = jsonwire.AppendFloat(b, q.amount, 64)
	b = append(b, ',')
	b = jsonwire.AppendString(b, q.cat, false)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(q.flag), 10)
	b = append(b, `]],"need_schema":false}`...)
	*buf = b
	status, resp, err := rc.Post(path, b)
	if err != nil {
		return err
	}
	if status != 200 || !bytes.HasPrefix(resp, []byte(`{"code":0,`)) || bytes.Count(resp, []byte("[[")) != 1 {
		return fmt.Errorf("HTTP %d: %.200s", status, resp)
	}
	return nil
}
