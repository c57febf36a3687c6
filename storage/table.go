package storage

import (
	"errors"
	"fmt"
	"time"

	"github.com/sundialdb/sundial/types"
)

// Errors. Every error of this package wraps one of these.
var (
	ErrSchema  = errors.New("storage: bad schema or index")
	ErrRow     = errors.New("storage: bad row")
	ErrKey     = errors.New("storage: bad key")
	ErrCorrupt = errors.New("storage: corrupt data")
	ErrClosed  = errors.New("storage: table closed")
)

// TTLType is an index's time-to-live policy. The values equal planner.TTLType's.
type TTLType uint8

// TTL policies (OpenMLDB's TTL_TYPE); see ttl.go for the exact rules.
const (
	TTLAbsolute  TTLType = iota + 1 // a row expires when ts <= now - AbsMillis (AbsMillis 0: never)
	TTLLatest                       // a row expires when LatCount newer rows of its key exist (LatCount 0: never)
	TTLAbsAndLat                    // a row expires when both limits say so (either 0: never)
	TTLAbsOrLat                     // a row expires when either limit says so (a 0 limit never says so)
)

func (t TTLType) String() string {
	switch t {
	case TTLAbsolute:
		return "absolute"
	case TTLLatest:
		return "latest"
	case TTLAbsAndLat:
		return "absandlat"
	case TTLAbsOrLat:
		return "absorlat"
	}
	return fmt.Sprintf("ttl(%d)", uint8(t))
}

// MaxIndexes is the most indexes a table may have (OpenMLDB's MAX_INDEX_NUM).
const MaxIndexes = 200

// IndexSpec describes an index: its KEY columns, its TS column and its TTL.
type IndexSpec struct {
	Name      string
	KeyCols   []int   // column positions of the KEY
	TSCol     int     // column position of the TS column, or -1 (then rows are ordered by seq only; ts = seq)
	TTLType   TTLType // 0 means TTLAbsolute
	AbsMillis int64   // absolute TTL in ms, 0 = none
	LatCount  int64   // latest TTL in rows per key, 0 = none
}

// Table stores a table's rows once and keeps every index over them.
type Table interface {
	Schema() types.Schema
	Indexes() []IndexSpec
	// Put stores a row (validated by the caller against the schema) and returns its seq (arrival order, from 1).
	// A NULL in a TS column is an error (wrapping ErrRow) and stores nothing.
	Put(row []types.Value) (seq uint64, err error)
	// Scan calls fn for the rows of index idx whose KEY values equal key, newest first by (ts desc, seq desc),
	// starting at the newest row with ts <= maxTS, skipping rows that the index's TTL has expired as of
	// now (ms since epoch); fn returns false to stop. Readers take no lock and may run concurrently with Put.
	// row is the stored encoding (read it with a Decoder); it stays valid after fn returns (callers may keep
	// it) and is never modified, so it must not be modified either.
	Scan(idx int, key []types.Value, maxTS int64, now int64, fn func(ts int64, seq uint64, row []byte) bool) error
	// LastSeq returns the newest seq handed out so far (0: none yet): every row whose Put has
	// returned has a seq <= LastSeq. A reader that wants the rows stored before some moment
	// records LastSeq then and passes it to Rows as last.
	LastSeq() uint64
	// Rows calls fn for every live row with first <= seq <= last, in seq order (the order the
	// rows were put), until fn returns false; to read a table in chunks, stop and call again
	// from the last seq seen + 1. A row is live while an index holds it: rows Evict dropped from
	// every index are gone, but no TTL is applied here (a row expired as of now and not yet
	// evicted is visited). This is how batch queries read the stored rows of a table. It runs
	// concurrently with Put, Scan, Evict and AddIndex without blocking them; a row whose Put is
	// still running may or may not be visited. row is the stored encoding (read it with a
	// Decoder), valid only until fn returns: copy what must outlive the call.
	Rows(first, last uint64, fn func(seq uint64, row []byte) bool) error
	// Decoder returns a decoder of this table's rows reading only the wanted columns (nil = all).
	// It panics if a wanted column is outside the schema (a caller's bug).
	Decoder(wanted []int) *Decoder
	// AddIndex adds an index and backfills it from the stored rows.
	AddIndex(spec IndexSpec) error
	// SetTTL replaces the TTL of index idx (its type and limits; 0: none):
	// DEPLOY raises TTLs to keep the rows its windows reach. Scans apply it
	// at once; rows evicted under the old TTL do not come back.
	SetTTL(idx int, typ TTLType, absMillis, latCount int64) error
	// Evict applies every index's TTL as of now, dropping expired rows, and returns how many index entries it dropped.
	Evict(now int64) (int, error)
	// Stats reports rows stored and bytes held (arena + rows), for metrics and benchmarks.
	Stats() Stats
	Close() error
}

// Stats is a table's size.
type Stats struct {
	Rows  int64 // rows held by at least one index
	Bytes int64 // bytes of index arenas, row chunks and the row directory
}

// checkSetTTL checks SetTTL's arguments against a table of n indexes (name:
// index idx's name).
func checkSetTTL(n, idx int, name func(int) string, absMillis, latCount int64) error {
	if idx < 0 || idx >= n {
		return fmt.Errorf("%w: no index %d (the table has %d)", ErrSchema, idx, n)
	}
	if absMillis < 0 || latCount < 0 {
		return fmt.Errorf("%w: index %s: a negative TTL", ErrSchema, name(idx))
	}
	return nil
}

// Evicter is what a collector evicts from: a Table, or a set of them
// (session.Instance's collector).
type Evicter interface {
	Evict(now int64) (int, error)
}

// StartCollector evicts t's expired rows every period, as of now(), in a
// goroutine of its own, until stop is called (stop waits for a running pass).
// Eviction never blocks readers. Errors other than ErrClosed are passed to
// onErr when it is not nil; ErrClosed ends the collector.
func StartCollector(t Evicter, every time.Duration, now func() int64, onErr func(error)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if _, err := t.Evict(now()); err != nil {
				if errors.Is(err, ErrClosed) {
					return
				}
				if onErr != nil {
					onErr(err)
				}
			}
		}
	}()
	var stopped bool
	return func() {
		if !stopped {
			stopped = true
			close(done)
		}
		<-finished
	}
}

// NowMillis is the wall clock in ms since the epoch, the usual now for StartCollector.
func NowMillis() int64 { return time.Now().UnixMilli() }

// checkSpec validates an index against a schema.
func checkSpec(schema types.Schema, s IndexSpec) (IndexSpec, error) {
	where := func() string {
		if s.Name != "" {
			return "index " + s.Name
		}
		return "index"
	}
	if len(s.KeyCols) == 0 {
		return s, fmt.Errorf("%w: %s has no KEY column", ErrSchema, where())
	}
	for _, c := range s.KeyCols {
		if c < 0 || c >= len(schema) {
			return s, fmt.Errorf("%w: %s: KEY column %d out of range", ErrSchema, where(), c)
		}
	}
	if s.TSCol < -1 || s.TSCol >= len(schema) {
		return s, fmt.Errorf("%w: %s: TS column %d out of range", ErrSchema, where(), s.TSCol)
	}
	if s.TSCol >= 0 {
		switch k := schema[s.TSCol].Kind; k {
		case types.Int16, types.Int32, types.Int64, types.Timestamp, types.Date:
		default:
			return s, fmt.Errorf("%w: %s: TS column %s is %v, not an integer or timestamp", ErrSchema, where(), schema[s.TSCol].Name, k)
		}
	}
	if s.TTLType == 0 {
		s.TTLType = TTLAbsolute
	}
	if s.TTLType > TTLAbsOrLat {
		return s, fmt.Errorf("%w: %s: unknown TTL type %d", ErrSchema, where(), s.TTLType)
	}
	if s.AbsMillis < 0 || s.LatCount < 0 {
		return s, fmt.Errorf("%w: %s: negative TTL", ErrSchema, where())
	}
	s.KeyCols = append([]int(nil), s.KeyCols...)
	return s, nil
}
