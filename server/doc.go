// Package server is Sundial's REST API: the paths of OpenMLDB's APIServer
// over one embedded instance (a session.Instance), served by 'sundial server'.
//
// Endpoints (bodies and responses are JSON; every response carries "code",
// 0 on success, and "msg"):
//
//	PUT  /dbs/{db}/tables/{t}            {"data": [[v, ...], ...]} (or OpenMLDB's "value"), rows as
//	                                     arrays in column order or objects {"col": v}; all rows or none
//	POST /dbs/{db}/deployments/{name}    {"input": [[v, ...], ...], "need_schema": false}
//	                                     → {"code":0,"msg":"ok","data":{"data":[[...]]}} (+ "schema"
//	                                     [{"name","type"}] when need_schema; object rows in, object rows out)
//	POST /dbs/{db}                       {"sql": "...", "mode": "online"|"offline"|"request"}
//	                                     → {"code":0,"msg":..,"data":{"schema":["Int32"],"names":[..],"data":[[..]]}}
//	GET  /dbs                            {"dbs": [...]}
//	GET  /dbs/{db}/tables[/{t}]          {"tables": [...]} / {"table": {...}} (column_desc, column_key)
//	GET  /dbs/{db}/deployments[/{name}]  {"deployments": [...]} / {"data": {name, procedure, input_schema, ...}}
//	GET  /health, GET /metrics (Prometheus), POST /refresh (a no-op, as OpenMLDB's)
//
// JSON values are converted to each column's type: integers (range-checked)
// for smallint, int and bigint; numbers for float and double; integer
// milliseconds since the epoch for timestamps; "YYYY-MM-DD" for dates;
// true/false for bools; strings; null for NULL. Responses write values the
// same way.
//
// Errors are {"code": <HTTP status>, "msg": "..."} with the status taken from
// one table (statusTable in errors.go): syntax, type and bad-request errors
// 400, unknown names 404, existing names 409, unsupported statements or modes
// 422, an oversized body 413, anything else 500. Decoding errors name the
// field, e.g. `input[2][1] (column ts): expected an integer timestamp
// (milliseconds since the epoch), got "abc"`. A request is validated whole
// before anything is stored: a bad PUT stores no row.
//
// Metrics (GET /metrics): sundial_deployment_request_duration_seconds
// (histogram), sundial_deployment_requests_total, _errors_total and
// _request_rows_total per db and deployment; sundial_http_requests_total per
// route and status and sundial_http_request_duration_seconds per route;
// sundial_rows_inserted_total, and sundial_table_rows and sundial_table_bytes
// (from the online store's Stats) per db and table; Go runtime and process
// metrics (go_memstats_*, process_*).
//
// Each request runs in a fresh session (cheap) whose database is the one of
// the path, so USE or SET in one SQL request never affects another.
//
// The hot paths: a feature request is routed without the router (same
// paths; an escaped or unclean one goes through it), its body checked and
// split in one pass by a hand-rolled scanner (jsonscan.go; encoding/json
// only decodes what the scanner leaves, to word the error), its rows decoded
// into pooled value slabs, its answer appended to a pooled buffer and
// written in one Write (headers and body leave in one write for answers up
// to a few KiB), its metrics looked up once per deployment. A PUT is
// scanned the same way. After a bulk load (Config.ReleaseAfter) the server
// returns the heap the load freed to the OS; Config.MemoryLimit sets the Go
// runtime's soft memory limit.
//
// Serve reads plain feature requests (POST /dbs/{db}/deployments/{name},
// HTTP/1.1 with a Content-Length) itself, without net/http's per-request
// machinery, and hands a connection to net/http for good at its first other
// request, with the bytes read ahead (fastpath.go). Config.FastPath (and
// 'sundial server --fast-path') chooses how: "loop", the default on Linux,
// takes the accepted TCP connections' descriptors over and serves them from
// epoll event loops, one per GOMAXPROCS, each a goroutine locked to its
// thread (eventloop_linux.go; while they run GOMAXPROCS is one more than
// the loops, procs.go): pipelined requests are answered in order with
// one write, a short write waits for the socket to drain, and a sweep each
// second closes connections idle for 2 minutes or sending a head for 10
// seconds, as net/http's timeouts would, and those whose body has not come
// within a minute of its head or whose client has not taken an answer
// within a minute (the goroutine way sets the same as deadlines); "goroutine" (the default elsewhere)
// reads each connection in a goroutine of its own. Both parse heads with the
// same functions and answer with the same handler; shutting down, both
// close idle connections at once and finish the requests under way (answered
// with Connection: close) and the answers being written.
//
// Durability: Open creates the data directory and opens a durable instance
// on it (session.Instance.Recover; Config.InMemory opts out). Every
// acknowledged write (the rows of a PUT, an INSERT or an online LOAD DATA;
// databases created; tables created or dropped; deployments, with the
// indexes they add, created or dropped) is in the write-ahead log (a Pebble
// database under DataDir/wal, fsync'd with group commit) before its response
// is sent, so nothing acknowledged is lost on kill -9. Snapshots
// (DataDir/snap-<lsn>) are taken every Config.SnapshotEvery log records and
// by Close, which 'sundial server' calls on SIGTERM or SIGINT once the
// requests in flight have finished; the log is truncated up to each
// snapshot. On start the instance loads the newest snapshot and replays the
// log from its LSN; Recovered reports what was found, and Config.Recover (a
// hook for tests and embedders) runs after.
//
// While Serve runs, the instance's TTL collector (session.Instance.
// StartCollector) evicts the rows the tables' TTLs expired every
// Config.TTLEvery (--ttl-interval), giving their memory back.
package server
