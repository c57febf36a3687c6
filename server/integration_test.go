package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sundialdb/sundial/client"
)

// The integration tests run the real binary: TestMain builds cmd/sundial
// (with -race when the tests run with -race), each test starts
// 'sundial server --addr 127.0.0.1:0' (the kernel picks a free port, which
// the server prints) and drives it over loopback with package client.

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sundial-server-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sundial")
	args := []string{"build", "-buildvcs=false", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "../cmd/sundial")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building sundial: %v\n", err)
		return 1
	}
	return m.Run()
}

// proc is a running 'sundial server'.
type proc struct {
	t       testing.TB
	cmd     *exec.Cmd
	url     string
	first   string // the listening line
	dataDir string
	c       *client.Client
	stderr  *os.File
	mu      sync.Mutex
	stdout  bytes.Buffer // what it printed after the listening line
	exited  chan struct{}
	waitErr error
}

// startServer starts the binary with a fresh data directory and waits for /health.
func startServer(t testing.TB, extra ...string) *proc {
	t.Helper()
	return startServerAt(t, filepath.Join(t.TempDir(), "nested", "data"), extra...)
}

// startServerAt starts the binary on dataDir (a restart, when it exists) and waits for /health.
func startServerAt(t testing.TB, dataDir string, extra ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{t: t, dataDir: dataDir, exited: make(chan struct{})}
	args := append([]string{"server", "--addr", "127.0.0.1:0", "--data", p.dataDir}, extra...)
	p.cmd = exec.Command(binary, args...)
	var err error
	if p.stderr, err = os.Create(filepath.Join(dir, "stderr")); err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		first, _ := r.ReadString('\n')
		lines <- first
		rest, _ := io.ReadAll(r)
		p.mu.Lock()
		p.stdout.Write(rest)
		p.mu.Unlock()
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		p.stderr.Close()
	})
	var first string
	select {
	case first = <-lines:
	case <-time.After(15 * time.Second):
		t.Fatalf("the server printed no listening line; stderr:\n%s", p.stderrText())
	}
	const prefix = "sundial server listening on "
	if !strings.HasPrefix(first, prefix) {
		t.Fatalf("first line %q; stderr:\n%s", first, p.stderrText())
	}
	p.first = first
	p.url, _, _ = strings.Cut(strings.TrimPrefix(first, prefix), " ")
	p.c = client.New(p.url, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := p.c.Health(ctx)
		cancel()
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) stderrText() string {
	b, _ := os.ReadFile(p.stderr.Name())
	return string(b)
}

// signal sends sig and waits for the process to exit; it returns the exit
// status and what the server printed after its listening line.
func (p *proc) signal(sig os.Signal) (int, string) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.t.Fatalf("the server did not exit after %v", sig)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		code = ee.ExitCode()
	} else if p.waitErr != nil {
		p.t.Fatal(p.waitErr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return code, p.stdout.String()
}

// raw sends a request with a raw body and returns the status and the decoded JSON response.
func (p *proc) raw(method, path string, body io.Reader) (int, map[string]any) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.url+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		p.t.Errorf("%s %s: Content-Type %q; body %s", method, path, ct, data)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		p.t.Fatalf("%s %s: response is not JSON: %v: %s", method, path, err, data)
	}
	return resp.StatusCode, m
}

func (p *proc) sql(db, text string) *client.Result {
	p.t.Helper()
	res, err := p.c.SQL(context.Background(), db, text, "")
	if err != nil {
		p.t.Fatalf("%s: %v", text, err)
	}
	return res
}

// rowsText prints rows as JSON for comparisons.
func rowsText(rows [][]any) string {
	b, _ := json.Marshal(rows)
	return string(b)
}

const schemaSQL = `CREATE DATABASE db;
CREATE TABLE t (k string, ts timestamp, v double, n int, INDEX(KEY=k, TS=ts));`

const deploySQL = `DEPLOY f AS SELECT k, ts,
  sum(v) OVER w3 AS s3, count(v) OVER w3 AS c3,
  max(n) OVER w10s AS mx, avg(v) OVER w10s AS av
FROM t
WINDOW w3 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
       w10s AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 10s PRECEDING AND CURRENT ROW)`

var seedRows = [][]any{
	{"a", 1000, 1.0, 1},
	{"a", 2000, 2.0, 5},
	{"a", 5000, 4.0, 3},
	{"a", 20000, 8.0, 2},
	{"b", 1000, 100.0, 7},
}

// setup creates db.t, stores the seed rows and deploys f.
func setup(t testing.TB, p *proc) {
	t.Helper()
	ctx := context.Background()
	p.sql("db", schemaSQL)
	if err := p.c.Insert(ctx, "db", "t", seedRows[:3]); err != nil {
		t.Fatal(err)
	}
	// The OpenMLDB object form, with a key that is not a column (ignored).
	objs := []map[string]any{
		{"k": "a", "ts": 20000, "v": 8, "n": 2, "foo": "bar"},
		{"n": 7, "v": 100.0, "ts": 1000, "k": "b"},
	}
	if err := p.c.InsertObjects(ctx, "db", "t", objs); err != nil {
		t.Fatal(err)
	}
	res := p.sql("db", deploySQL)
	if !strings.HasPrefix(res.Msg, "Deploy f") {
		t.Fatalf("DEPLOY: %q", res.Msg)
	}
}

// The features of request rows, computed by hand from seedRows.
var probes = []struct {
	in   []any
	want string
}{
	// w3: (20000, 8), (5000, 4) and the request row; w10s: ts in [11000, 21000].
	{[]any{"a", 21000, 16.0, 4}, `[["a",21000,28,3,4,12]]`},
	// Stored rows after 5500 are not candidates: w3 = 5000, 2000 and the row;
	// w10s: 1000, 2000, 5000 and the row: n max(1,5,3,10), v avg (1+2+4+1)/4.
	{[]any{"a", 5500, 1.0, 10}, `[["a",5500,7,3,10,2]]`},
	// A new key: the request row alone; NULL n leaves max NULL.
	{[]any{"c", 100, 2.5, nil}, `[["c",100,2.5,1,null,2.5]]`},
	// A tie on ts: the stored row is earlier than the request row.
	{[]any{"b", 1000, 1.0, 1}, `[["b",1000,101,2,7,50.5]]`},
}

func checkProbes(t testing.TB, p *proc) {
	t.Helper()
	for _, pr := range probes {
		f, err := p.c.Request(context.Background(), "db", "f", [][]any{pr.in})
		if err != nil {
			t.Fatalf("request %v: %v", pr.in, err)
		}
		if got := rowsText(f.Rows); got != pr.want {
			t.Errorf("request %v: got %s, want %s", pr.in, got, pr.want)
		}
	}
}

func TestServerFeatures(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode)
		if _, err := os.Stat(p.dataDir); err != nil {
			t.Errorf("data directory not created: %v", err)
		}
		setup(t, p)
		checkProbes(t, p)
		checkProbes(t, p) // requests store nothing: the same answers again

		ctx := context.Background()
		// Several rows in one request; the schema when asked for.
		f, err := p.c.Request(ctx, "db", "f", [][]any{probes[0].in, probes[2].in})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rowsText(f.Rows), `[["a",21000,28,3,4,12],["c",100,2.5,1,null,2.5]]`; got != want {
			t.Errorf("two rows: got %s, want %s", got, want)
		}
		sch, _ := json.Marshal(f.Schema)
		if want := `[{"name":"k","type":"string"},{"name":"ts","type":"timestamp"},{"name":"s3","type":"double"},{"name":"c3","type":"int64"},{"name":"mx","type":"int32"},{"name":"av","type":"double"}]`; string(sch) != want {
			t.Errorf("schema: got %s, want %s", sch, want)
		}

		// OpenMLDB's object form: rows in as objects, rows out as objects; without need_schema, no schema.
		status, body := p.raw("POST", "/dbs/db/deployments/f", strings.NewReader(`{"input": [{"k":"a","ts":21000,"v":16,"n":4,"extra":1}]}`))
		got, _ := json.Marshal(body)
		if want := `{"code":0,"data":{"data":[{"av":12,"c3":3,"k":"a","mx":4,"s3":28,"ts":21000}]},"msg":"ok"}`; status != 200 || string(got) != want {
			t.Errorf("object request: %d %s, want %s", status, got, want)
		}

		// SQL results: OpenMLDB's type names, column names, rows.
		res := p.sql("db", "SELECT k, ts, v, n FROM t WHERE k = 'b'")
		if got, want := fmt.Sprintf("%v %v %s", res.Types, res.Names, rowsText(res.Rows)), `[String Timestamp Double Int32] [k ts v n] [["b",1000,100,7]]`; got != want {
			t.Errorf("SELECT: got %s, want %s", got, want)
		}
		res = p.sql("db", "SELECT count(*) AS c FROM t")
		if got := rowsText(res.Rows); got != `[[5]]` {
			t.Errorf("count(*): %s", got)
		}
	})
}

func TestServerCatalog(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode)
		setup(t, p)
		ctx := context.Background()
		dbs, err := p.c.Databases(ctx)
		if err != nil || fmt.Sprint(dbs) != "[db]" {
			t.Errorf("Databases: %v %v", dbs, err)
		}
		tables, err := p.c.Tables(ctx, "db")
		if err != nil || len(tables) != 1 || tables[0].Name != "t" {
			t.Fatalf("Tables: %+v %v", tables, err)
		}
		tb, err := p.c.Table(ctx, "db", "t")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range tb.ColumnDesc {
			cols = append(cols, c.Name+":"+c.DataType)
		}
		if got := strings.Join(cols, " "); got != "k:kVarchar ts:kTimestamp v:kDouble n:kInt" {
			t.Errorf("columns: %s", got)
		}
		if len(tb.ColumnKey) == 0 || fmt.Sprint(tb.ColumnKey[0].ColName) != "[k]" || tb.ColumnKey[0].TSName != "ts" {
			t.Errorf("indexes: %+v", tb.ColumnKey)
		}
		deps, err := p.c.Deployments(ctx, "db")
		if err != nil || fmt.Sprint(deps) != "[f]" {
			t.Errorf("Deployments: %v %v", deps, err)
		}
		d, err := p.c.Deployment(ctx, "db", "f")
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "f" || !strings.HasPrefix(d.Procedure, "SELECT k, ts") || len(d.InputSchema) != 4 || len(d.OutputSchema) != 6 || fmt.Sprint(d.Tables) != "[t]" {
			t.Errorf("Deployment: %+v", d)
		}
		for _, c := range []struct {
			err    error
			status int
		}{
			{second(p.c.Tables(ctx, "nodb")), 404},
			{second(p.c.Table(ctx, "db", "nope")), 404},
			{second(p.c.Deployments(ctx, "nodb")), 404},
			{second(p.c.Deployment(ctx, "db", "nope")), 404},
		} {
			if client.StatusOf(c.err) != c.status {
				t.Errorf("got %v, want status %d", c.err, c.status)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestServerBadRequests sends every kind of bad request: each gets its 4xx
// and a JSON error naming the field, and nothing stored changes.
func TestServerBadRequests(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode, "--max-body", "64KiB")
		setup(t, p)
		badRequests(t, p)
	})
}

// badRequests runs the bad requests against a server set up by setup
// whose body limit is 64 KiB.
func badRequests(t *testing.T, p *proc) {
	big := `{"data": [["` + strings.Repeat("x", 70<<10) + `", 1, 1.0, 1]]}`
	cases := []struct {
		name, method, path, body string
		status                   int
		msg                      string // a substring of the error message
	}{
		// PUT /dbs/{db}/tables/{t}
		{"put malformed", "PUT", "/dbs/db/tables/t", `{"data": [["a", 1, 1.0, 1]`, 400, "body: invalid JSON at byte"},
		{"put empty body", "PUT", "/dbs/db/tables/t", ``, 400, "body: empty"},
		{"put not an object", "PUT", "/dbs/db/tables/t", `[1, 2]`, 400, "body: expected a JSON object"},
		{"put no rows field", "PUT", "/dbs/db/tables/t", `{"rows": []}`, 400, "data: missing"},
		{"put data not array", "PUT", "/dbs/db/tables/t", `{"data": 5}`, 400, "data: expected an array of rows, got 5"},
		{"put no rows", "PUT", "/dbs/db/tables/t", `{"data": []}`, 400, "data: no rows"},
		{"put arity", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1], ["a", 31000, 1.0]]}`, 400, "data[1]: expected 4 values (the columns of t), got 3"},
		{"put type", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1], ["a", 31000, 1.0, 1], ["a", "abc", 1.0, 1]]}`, 400, `data[2][1] (column ts): expected an integer timestamp (milliseconds since the epoch), got "abc"`},
		{"put value form type", "PUT", "/dbs/db/tables/t", `{"value": [["a", 30000, "1.0", 1]]}`, 400, `value[0][2] (column v): expected a number, got "1.0"`},
		{"put int range", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 3000000000]]}`, 400, "data[0][3] (column n): 3000000000 is out of range for int"},
		{"put int fraction", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1.5]]}`, 400, "data[0][3] (column n): expected an integer, got 1.5"},
		{"put string for number", "PUT", "/dbs/db/tables/t", `{"data": [[5, 30000, 1.0, 1]]}`, 400, "data[0][0] (column k): expected a string, got 5"},
		{"put null ts", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1], ["a", null, 1.0, 1]]}`, 400, "data[1][1] (column ts): cannot be null: it is the time column of index"},
		{"put object missing column", "PUT", "/dbs/db/tables/t", `{"data": [{"k": "a", "ts": 30000, "v": 1.0}]}`, 400, "data[0]: missing column n"},
		{"put object twice", "PUT", "/dbs/db/tables/t", `{"data": [{"k": "a", "ts": 30000, "v": 1.0, "n": 1, "N": 2}]}`, 400, "column n given twice"},
		{"put mixed forms", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1], {"k": "a"}]}`, 400, "data[1]: expected an array like data[0]"},
		{"put row not a row", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1], 7]}`, 400, "data[1]: expected a row"},
		{"put both fields", "PUT", "/dbs/db/tables/t", `{"data": [["a", 30000, 1.0, 1]], "value": [["a", 30000, 1.0, 1]]}`, 400, "not both"},
		{"put unknown table", "PUT", "/dbs/db/tables/nope", `{"data": [["a", 30000, 1.0, 1]]}`, 404, "unknown table nope in database db"},
		{"put unknown db", "PUT", "/dbs/nodb/tables/t", `{"data": [["a", 30000, 1.0, 1]]}`, 404, "unknown database nodb"},
		{"put oversized", "PUT", "/dbs/db/tables/t", big, 413, "body: larger than the limit of 64 KiB"},
		// POST /dbs/{db}/deployments/{name}
		{"request malformed", "POST", "/dbs/db/deployments/f", `{"input": [["a", 1, 1.0, 1]`, 400, "body: invalid JSON"},
		{"request no input", "POST", "/dbs/db/deployments/f", `{"rows": [["a", 1, 1.0, 1]]}`, 400, "input: missing"},
		{"request empty input", "POST", "/dbs/db/deployments/f", `{"input": []}`, 400, "input: no rows"},
		{"request arity", "POST", "/dbs/db/deployments/f", `{"input": [["a", 1, 1.0, 1, 5]]}`, 400, "input[0]: expected 4 values (the columns of t), got 5"},
		{"request type", "POST", "/dbs/db/deployments/f", `{"input": [["a", 1, 1.0, 1], ["a", "abc", 1.0, 1]]}`, 400, `input[1][1] (column ts): expected an integer timestamp (milliseconds since the epoch), got "abc"`},
		{"request object type", "POST", "/dbs/db/deployments/f", `{"input": [{"k": "a", "ts": 1, "v": true, "n": 1}]}`, 400, "input[0].v (column v): expected a number, got true"},
		{"request need_schema type", "POST", "/dbs/db/deployments/f", `{"input": [["a", 1, 1.0, 1]], "need_schema": "yes"}`, 400, "need_schema: expected true or false"},
		{"request unknown deployment", "POST", "/dbs/db/deployments/nope", `{"input": [["a", 1, 1.0, 1]]}`, 404, "unknown deployment nope in database db"},
		{"request unknown db", "POST", "/dbs/nodb/deployments/f", `{"input": [["a", 1, 1.0, 1]]}`, 404, "unknown database nodb"},
		{"request oversized", "POST", "/dbs/db/deployments/f", big, 413, "body: larger than the limit"},
		// POST /dbs/{db}
		{"sql syntax", "POST", "/dbs/db", `{"sql": "SELEC 1"}`, 400, "line 1, column 1"},
		{"sql syntax second statement", "POST", "/dbs/db", `{"sql": "INSERT INTO t VALUES ('a', 30000, 1.0, 1); SELEC 1"}`, 400, "statement 2: line 1"},
		{"sql unknown table", "POST", "/dbs/db", `{"sql": "SELECT * FROM nope"}`, 404, "nope"},
		{"sql exists", "POST", "/dbs/db", `{"sql": "CREATE TABLE t (x int)"}`, 409, "already exists"},
		{"sql type", "POST", "/dbs/db", `{"sql": "INSERT INTO t VALUES ('a', 'x', 1.0, 1)"}`, 400, "column ts"},
		{"sql bad mode", "POST", "/dbs/db", `{"sql": "SELECT 1", "mode": "fast"}`, 400, `mode: expected online, offline or request, got "fast"`},
		{"sql missing", "POST", "/dbs/db", `{"mode": "online"}`, 400, "sql: missing"},
		{"sql not a string", "POST", "/dbs/db", `{"sql": 5}`, 400, "sql: expected a string, got number"},
		{"sql parameters", "POST", "/dbs/db", `{"sql": "SELECT * FROM t WHERE k = ?", "input": {"schema": ["String"], "data": ["a"]}}`, 422, "input: parameterized queries are not supported"},
		{"sql request mode", "POST", "/dbs/db", `{"sql": "SELECT * FROM t", "mode": "request"}`, 422, "request mode"},
		{"sql deploy exists", "POST", "/dbs/db", `{"sql": ` + jsonQuote(deploySQL) + `}`, 409, "deployment f already exists"},
		// Routing
		{"no route", "GET", "/nothing", ``, 404, "no route for GET /nothing"},
		{"method", "DELETE", "/dbs/db/tables/t", ``, 405, "method DELETE is not allowed"},
	}
	for _, c := range cases {
		status, body := p.raw(c.method, c.path, strings.NewReader(c.body))
		msg, _ := body["msg"].(string)
		code, _ := body["code"].(float64)
		if status != c.status || int(code) != c.status || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: got %d {code %v, msg %q}, want %d and a msg with %q", c.name, status, code, msg, c.status, c.msg)
		}
	}
	// A body without Content-Length (chunked) over the limit.
	status, body := p.raw("PUT", "/dbs/db/tables/t", io.MultiReader(strings.NewReader(big)))
	if status != 413 || !strings.Contains(fmt.Sprint(body["msg"]), "larger than the limit") {
		t.Errorf("chunked oversized body: %d %v", status, body)
	}

	// Nothing stored changed: the same features, the same rows.
	checkProbes(t, p)
	res := p.sql("db", "SELECT k, ts, v, n FROM t")
	sort.Slice(res.Rows, func(i, j int) bool { return fmt.Sprint(res.Rows[i]) < fmt.Sprint(res.Rows[j]) })
	if got, want := rowsText(res.Rows), `[["a",1000,1,1],["a",2000,2,5],["a",20000,8,2],["a",5000,4,3],["b",1000,100,7]]`; got != want {
		t.Errorf("stored rows changed:\n got %s\nwant %s", got, want)
	}
	if err := p.c.Health(context.Background()); err != nil {
		t.Errorf("after the bad requests: %v", err)
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestServerConcurrent sends requests from several goroutines while others
// insert rows on keys of their own.
func TestServerConcurrent(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode)
		setup(t, p)
		concurrent(t, p)
	})
}

// concurrent runs requests and inserts from several goroutines against a
// server set up by setup.
func concurrent(t *testing.T, p *proc) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				pr := probes[(g+i)%len(probes)]
				f, err := p.c.Request(ctx, "db", "f", [][]any{pr.in})
				if err != nil {
					errs <- err
					return
				}
				if got := rowsText(f.Rows); got != pr.want {
					errs <- fmt.Errorf("request %v: got %s, want %s", pr.in, got, pr.want)
					return
				}
			}
		}(g)
	}
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			key := fmt.Sprintf("w%d", g)
			for i := 1; i <= 50; i++ {
				if err := p.c.Insert(ctx, "db", "t", [][]any{{key, i * 1000, 1.0, i}}); err != nil {
					errs <- err
					return
				}
				// The writer's own rows are visible at once: the last three sum to 3.
				f, err := p.c.Request(ctx, "db", "f", [][]any{{key, i * 1000, 0.0, 0}})
				if err != nil {
					errs <- err
					return
				}
				if want := min(i+1, 3); fmt.Sprint(f.Rows[0][3]) != fmt.Sprint(want) {
					errs <- fmt.Errorf("%s after %d inserts: c3 = %v, want %d", key, i, f.Rows[0][3], want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res := p.sql("db", "SELECT count(*) FROM t")
	if got := rowsText(res.Rows); got != "[[105]]" {
		t.Errorf("rows after the concurrent inserts: %s, want 105", got)
	}
}

func TestServerMetrics(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		p := startServer(t, "--fast-path", mode)
		setup(t, p)
		checkProbes(t, p)
		p.raw("POST", "/dbs/db/deployments/f", strings.NewReader(`{"input": [["a"]]}`))
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := string(data)
		for _, want := range []string{
			`sundial_deployment_requests_total{db="db",deployment="f"} 5`,
			`sundial_deployment_errors_total{db="db",deployment="f"} 1`,
			`sundial_deployment_request_rows_total{db="db",deployment="f"} 4`,
			`sundial_deployment_request_duration_seconds_count{db="db",deployment="f"} 5`,
			`sundial_deployment_request_duration_seconds_bucket{db="db",deployment="f",le="0.001"}`,
			`sundial_rows_inserted_total{db="db",table="t"} 5`,
			`sundial_table_rows{db="db",table="t"} 5`,
			`sundial_table_bytes{db="db",table="t"}`,
			`sundial_http_requests_total{code="200",route="PUT /dbs/{db}/tables/{table}"} 2`,
			`sundial_http_requests_total{code="400",route="POST /dbs/{db}/deployments/{name}"} 1`,
			`go_memstats_heap_alloc_bytes`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

func TestServerSignals(t *testing.T) {
	eachFastPath(t, func(t *testing.T, mode string) {
		for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
			p := startServer(t, "--fast-path", mode)
			setup(t, p)
			checkProbes(t, p)
			code, out := p.signal(sig)
			if code != 0 || !strings.Contains(out, "sundial server stopped") {
				t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", sig, code, out, p.stderrText())
			}
		}
	})
}

// BenchmarkRequest measures a feature request to the real server over
// loopback with the client, one at a time, and reports percentiles:
//
//	go test ./server -run '^$' -bench BenchmarkRequest -benchtime 10000x
func BenchmarkRequest(b *testing.B) {
	p := startServer(b)
	setup(b, p)
	ctx := context.Background()
	row := [][]any{probes[0].in}
	for range 200 { // warm up connections and caches
		if _, err := p.c.Request(ctx, "db", "f", row); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := p.c.Request(ctx, "db", "f", row); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(0.999), "p999-µs")
}
