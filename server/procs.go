package server

import (
	"log/slog"
	"os"
	"runtime"
	"sync"
)

// spareProc keeps one P (GOMAXPROCS) more than the event loops while they
// run, and returns the function that gives it back.
//
// A loop spends most of its time blocked in epoll_wait. Go's sysmon takes
// the P of a thread that stays in a system call for more than one of its
// ticks (20 µs) unless some P is idle; with a P per loop and no more, none
// is when every loop waits, so it takes one, finds work to hand over or not,
// and, having taken one, ticks again 20 µs later instead of backing off.
// On the 2-core VM of bench/RESULTS.md that was 10% of the server's CPU
// (sysmon's sleeps and wakes, each a context switch) and, at 8 clients,
// 19–20k QPS against 25–26k with one P more (W1, N = 10M, HTTP side).
//
// An explicit GOMAXPROCS in the environment is left as it is. Servers of one
// process (tests) share the spare P: the last to stop restores the value.
// Once set, GOMAXPROCS no longer follows a change of the container's CPU
// limit (as the runtime's default does); restart the server after one.
func spareProc(loops int, log *slog.Logger) (restore func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if spare.users == 0 {
		spare.saved = runtime.GOMAXPROCS(0)
	}
	spare.users++
	if want := loops + 1; runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
		log.Info("fast path: GOMAXPROCS raised to one more than the event loops", "loops", loops, "gomaxprocs", want)
	}
	return func() {
		spare.mu.Lock()
		defer spare.mu.Unlock()
		if spare.users--; spare.users == 0 {
			runtime.GOMAXPROCS(spare.saved)
		}
	}
}

var spare struct {
	mu    sync.Mutex
	users int
	saved int // GOMAXPROCS before the first of the running servers raised it
}
