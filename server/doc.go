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
// Durability: Open creates the data directory and calls Config.Recover, the
// hook where recovery from the WAL and snapshots will plug in. Until storage
// writes them, the data is held in memory only and is lost when the server
// stops.
package server
