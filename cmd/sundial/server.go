package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sundialdb/sundial/server"
	"github.com/sundialdb/sundial/session"
)

var serverCommand = &command{
	name:     "server",
	summary:  "serve the REST API (OpenMLDB APIServer paths) over an embedded instance",
	synopsis: "sundial server [--addr :8080] [--data ./sundial-data] [--in-memory] [--max-body 16MiB] [--fast-path loop|goroutine] [--loops n] [--ttl-interval 1m]",
	help: `Server serves Sundial's REST API over an embedded instance: PUT
/dbs/{db}/tables/{t} inserts rows, POST /dbs/{db}/deployments/{name} answers
feature requests, POST /dbs/{db} runs SQL, GET /dbs, /health and /metrics
(Prometheus). It prints the address it listens on, and stops gracefully on
SIGINT or SIGTERM (requests in flight finish), exiting 0.

The data directory is created if missing. Every acknowledged write (rows,
tables, deployments) is in its write-ahead log first; snapshots are taken
as the log grows and when the server stops. On start the server recovers
from the newest snapshot and the log's tail, so nothing acknowledged is lost
even on kill -9. --in-memory keeps nothing on disk.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		addr := fs.String("addr", server.DefaultAddr, "listen on `host:port` (port 0 picks a free port)")
		data := fs.String("data", server.DefaultDataDir, "the data `directory`")
		maxBody := fs.String("max-body", "16MiB", "largest request body accepted: a `size` such as 16MiB, 512KiB or a byte count")
		inMemory := fs.Bool("in-memory", false, "keep the data in memory only (lost when the server stops)")
		snapEvery := fs.Int64("snapshot-every", session.DefaultSnapshotEvery, "take a snapshot every `n` log records")
		shutdown := fs.Duration("shutdown-timeout", server.DefaultShutdownTimeout, "how long to wait for requests in flight when stopping")
		fastPath := fs.String("fast-path", "", "how feature requests are read, a `way`: loop (epoll event loops, one per GOMAXPROCS; the default on Linux) or goroutine (a goroutine per connection; the default elsewhere)")
		loops := fs.Int("loops", 0, "with --fast-path loop: the number of event `loops` (0: one per GOMAXPROCS)")
		ttlEvery := fs.Duration("ttl-interval", session.DefaultTTLEvery, "how often the TTL collector evicts expired rows and frees their memory, a `duration` (0: never; expired rows are invisible either way)")
		return func(e *env, args []string) int {
			if len(args) > 0 {
				return usageError(e, "server", "unexpected arguments: %q", args)
			}
			if *loops < 0 {
				return usageError(e, "server", "--loops: want 0 or more, not %d", *loops)
			}
			if *ttlEvery < 0 {
				return usageError(e, "server", "--ttl-interval: want 0 (never) or a positive duration, not %v", *ttlEvery)
			}
			every := *ttlEvery
			if every == 0 {
				every = -1 // server.Config: never
			}
			limit, err := parseSize(*maxBody)
			if err != nil {
				return usageError(e, "server", "--max-body: %v", err)
			}
			if p := *fastPath; p != "" && p != server.FastPathLoop && p != server.FastPathGoroutine {
				return usageError(e, "server", "--fast-path: want %s or %s, not %q", server.FastPathLoop, server.FastPathGoroutine, p)
			}
			srv, err := server.Open(server.Config{DataDir: *data, MaxBody: limit, ShutdownTimeout: *shutdown, InMemory: *inMemory, SnapshotEvery: *snapEvery, FastPath: *fastPath, Loops: *loops, TTLEvery: every})
			if err != nil {
				fmt.Fprintf(e.stderr, "sundial server: %v\n", err)
				return exitFail
			}
			ln, err := net.Listen("tcp", *addr)
			if err != nil {
				srv.Close()
				fmt.Fprintf(e.stderr, "sundial server: %v\n", err)
				return exitFail
			}
			ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			held := "held in memory"
			if !*inMemory {
				held = "recovered " + srv.Recovered().String()
			}
			fmt.Fprintf(e.stdout, "sundial server listening on http://%s (data directory %s, %s)\n", ln.Addr(), *data, held)
			serr := srv.Serve(ctx, ln)
			// Requests in flight have finished: flush (a last snapshot) and close the log.
			cerr := srv.Close()
			if serr != nil || cerr != nil {
				fmt.Fprintf(e.stderr, "sundial server: %v\n", errors.Join(serr, cerr))
				return exitFail
			}
			fmt.Fprintln(e.stdout, "sundial server stopped")
			return exitOK
		}
	},
}

// parseSize parses a byte size: a count, or a number with a unit KiB, MiB,
// GiB (or K, M, G, KB, MB, GB, all powers of 1024).
func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	num := strings.TrimRightFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' })
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	mult := int64(1)
	switch unit {
	case "", "B":
	case "K", "KB", "KIB":
		mult = 1 << 10
	case "M", "MB", "MIB":
		mult = 1 << 20
	case "G", "GB", "GIB":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("want a size such as 16MiB, 512KiB or 1048576, not %q", v)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("want a size such as 16MiB, 512KiB or 1048576, not %q", v)
	}
	return int64(n * float64(mult)), nil
}
