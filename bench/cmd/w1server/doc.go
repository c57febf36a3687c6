// Command w1server is `sundial server` for profiling BenchmarkW1Online's HTTP side: the same
// server (server.Open, Serve), plus a CPU profile written to --cpuprofile between SIGUSR1 (start)
// and SIGUSR2 (stop), so that the benchmark can profile just its request phase. It keeps the data
// in memory unless --durable is given.
package main
