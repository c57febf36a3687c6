package session

import (
	"errors"
	"log/slog"
	"time"

	"github.com/sundialdb/sundial/storage"
)

// DefaultTTLEvery is how often the TTL collector of a served instance runs
// (server.Config.TTLEvery): rows stay invisible from the moment they
// expire, and the collector gives their memory back.
const DefaultTTLEvery = time.Minute

// StartCollector starts the instance's TTL collector (storage.StartCollector
// over every table): every period, in a goroutine of its own, each table's
// store evicts its expired rows as of the wall clock (storage.Table.Evict; a
// table without a TTL is skipped at once). Eviction never blocks readers or
// writers for longer than one key. Rows that expired are invisible to
// requests and queries before the collector reaches them; the collector
// returns their memory (chunks and directory pages freed or compacted,
// arenas rebuilt), so that a store under a steady stream with a TTL stays
// flat. stop ends it and waits for a pass under way. Each pass that evicted
// rows from a table is logged at Info, a failure at Error.
func (inst *Instance) StartCollector(every time.Duration, log *slog.Logger) (stop func()) {
	if log == nil {
		log = slog.Default()
	}
	return storage.StartCollector(instEvicter{inst, log}, every, storage.NowMillis, nil)
}

// instEvicter evicts from every table of an instance.
type instEvicter struct {
	inst *Instance
	log  *slog.Logger
}

func (e instEvicter) Evict(now int64) (int, error) { return e.inst.collect(now, e.log), nil }

// collect evicts the expired rows of every table's store as of now (ms
// since the epoch) once, a pass of the collector, and returns how many rows
// were dropped.
func (inst *Instance) collect(now int64, log *slog.Logger) int {
	inst.mu.RLock()
	stores := make(map[string]storage.Table, len(inst.stores))
	for k, st := range inst.stores {
		stores[k] = st
	}
	inst.mu.RUnlock()
	total := 0
	for k, st := range stores {
		start := time.Now()
		n, err := st.Evict(now)
		switch {
		case errors.Is(err, storage.ErrClosed):
			// Dropped, or rebuilt by DELETE, since the snapshot of the
			// stores: its successor is evicted next time.
		case err != nil:
			log.Error("ttl collector: evicting expired rows failed", "table", k, "err", err)
		case n > 0:
			total += n
			log.Info("ttl collector: evicted expired rows", "table", k, "rows", n, "took", time.Since(start))
		}
	}
	return total
}
