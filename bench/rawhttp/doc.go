// Package rawhttp is the load generators' HTTP/1.1 client: keep-alive
// connections with one request in flight, Content-Length bodies only, and
// nothing allocated per request once a connection's buffers have grown. It
// spends a few microseconds a request, so that on a shared machine the CPU
// goes to the server being measured, as a RESP client leaves it to
// redis-server. The W1 benchmark (bench) and the server's HTTP benchmarks
// (server) drive their servers with it; correctness is checked elsewhere,
// through the client package.
package rawhttp
