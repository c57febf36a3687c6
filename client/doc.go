// Package client is a Go client of Sundial's REST API (package server, run
// by 'sundial server'): Insert rows, Request features from a deployment, run
// SQL, list Databases, Tables and Deployments, check Health.
//
//	c := client.New("http://127.0.0.1:8080", nil)
//	_, err := c.SQL(ctx, "db", "CREATE TABLE t (k string, ts timestamp, v double, INDEX(KEY=k, TS=ts))", "")
//	err = c.Insert(ctx, "db", "t", [][]any{{"a", 1000, 1.5}})
//	f, err := c.Request(ctx, "db", "features", [][]any{{"a", 2000, 2.5}})
//
// A failed call returns an *Error carrying the HTTP status and the server's
// code and msg (which names the field at fault). Values come back as decoded
// by encoding/json with UseNumber: json.Number, string, bool or nil. The
// client depends on nothing of Sundial's engine.
//
// Request, RequestData and Insert write their bodies and read the features
// without encoding/json's reflection (codec.go; identical results, with
// encoding/json as the fallback for unusual values and answers). The client
// New makes keeps up to MaxIdleConnsPerHost keep-alive connections and
// sends requests to its transport directly; its feature requests have a pool
// of connections of their own, which stay on the server's fast path (the
// server hands a connection to net/http at its first request of another
// kind).
package client
