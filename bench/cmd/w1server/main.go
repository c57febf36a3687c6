package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/sundialdb/sundial/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen on `host:port`")
	data := flag.String("data", os.TempDir(), "the data `directory`")
	maxBody := flag.Int64("max-body", 256<<20, "largest request body, bytes")
	profile := flag.String("cpuprofile", "", "CPU profile `file`, written between SIGUSR1 and SIGUSR2")
	durable := flag.Bool("durable", false, "log writes to a WAL under --data (default: in memory, as before durability)")
	memLimit := flag.Int64("memory-limit", 0, "the Go runtime's soft memory limit, bytes (0: none; see server.Config.MemoryLimit)")
	releaseAfter := flag.Duration("release-after", server.DefaultReleaseAfter, "return the heap a bulk load freed to the OS after this long without PUTs (negative: never)")
	loops := flag.Int("loops", 0, "with --fast-path loop: the number of event `loops` (0: one per GOMAXPROCS)")
	fastPath := flag.String("fast-path", "", "how feature requests are read, a `way`: loop or goroutine (see server.Config.FastPath; \"\": the default)")
	flag.Parse()
	srv, err := server.Open(server.Config{DataDir: *data, MaxBody: *maxBody, InMemory: !*durable, MemoryLimit: *memLimit, ReleaseAfter: *releaseAfter, FastPath: *fastPath, Loops: *loops})
	if err != nil {
		fmt.Fprintln(os.Stderr, "w1server:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "w1server:", err)
		os.Exit(1)
	}
	if *profile != "" {
		sig := make(chan os.Signal, 2)
		signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
		go func() {
			var f *os.File
			for s := range sig {
				switch {
				case s == syscall.SIGUSR1 && f == nil:
					if f, err = os.Create(*profile); err == nil {
						err = pprof.StartCPUProfile(f)
					}
					if err != nil {
						fmt.Fprintln(os.Stderr, "w1server: cpuprofile:", err)
					}
				case s == syscall.SIGUSR2 && f != nil:
					pprof.StopCPUProfile()
					f.Close()
					f = nil
				}
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("w1server listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, "w1server:", err)
		os.Exit(1)
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "w1server:", err)
		os.Exit(1)
	}
}
