package storage

import (
	"encoding/binary"

	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
)

// WAL is Sundial's write-ahead log: every write is appended here, and synced
// to stable storage, before it is applied to a table and acknowledged, so
// that nothing acknowledged is lost on a crash (kill -9 included). On start,
// Replay feeds the records (after the last snapshot) back into the tables.
//
// It is a Pebble database of its own whose keys are 'w' | lsn (8 bytes, big
// endian) and whose values are uvarint(table id) | encoded row. Append syncs
// through Pebble's commit pipeline, which groups the concurrent appends of
// many writers into one fsync (group commit). LSNs increase with every
// Append; an Append that fails leaves a gap, which Replay skips.
type WAL struct {
	db      *pebble.DB
	next    atomic.Uint64
	closeMu sync.RWMutex
	closed  bool
}

const walPrefix = 'w'

func walKey(lsn uint64) []byte {
	k := make([]byte, 9)
	k[0] = walPrefix
	binary.BigEndian.PutUint64(k[1:], lsn)
	return k
}

// OpenWAL opens (or creates) the log in dir.
func OpenWAL(dir string) (*WAL, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("storage: open WAL %s: %w", dir, err)
	}
	w := &WAL{db: db}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{walPrefix}, UpperBound: []byte{walPrefix + 1}})
	if err != nil {
		db.Close()
		return nil, err
	}
	next := uint64(1)
	if it.Last() {
		next = binary.BigEndian.Uint64(it.Key()[1:]) + 1
	}
	if err := it.Close(); err != nil {
		db.Close()
		return nil, err
	}
	// Truncate keeps the last record, so the LSNs never go back.
	w.next.Store(next)
	return w, nil
}

// Append logs row (an encoded row) for table and returns its LSN once the
// record is on stable storage.
func (w *WAL) Append(table uint32, row []byte) (uint64, error) {
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if w.closed {
		return 0, ErrClosed
	}
	lsn := w.next.Add(1) - 1
	v := make([]byte, 0, binary.MaxVarintLen32+len(row))
	v = binary.AppendUvarint(v, uint64(table))
	v = append(v, row...)
	if err := w.db.Set(walKey(lsn), v, pebble.Sync); err != nil {
		return 0, fmt.Errorf("storage: WAL append: %w", err)
	}
	return lsn, nil
}

// Replay calls fn for every record in LSN order; an error from fn stops it
// and is returned. row is only valid during the call.
func (w *WAL) Replay(fn func(lsn uint64, table uint32, row []byte) error) error {
	return w.ReplayFrom(0, fn)
}

// ReplayFrom is Replay from LSN from on (the LSN a snapshot was taken at).
func (w *WAL) ReplayFrom(from uint64, fn func(lsn uint64, table uint32, row []byte) error) error {
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	it, err := w.db.NewIter(&pebble.IterOptions{LowerBound: walKey(from), UpperBound: []byte{walPrefix + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 9 {
			return fmt.Errorf("%w: WAL key %x", ErrCorrupt, k)
		}
		table, n := binary.Uvarint(v)
		if n <= 0 || table > 1<<32-1 {
			return fmt.Errorf("%w: WAL record %d", ErrCorrupt, binary.BigEndian.Uint64(k[1:]))
		}
		if err := fn(binary.BigEndian.Uint64(k[1:]), uint32(table), v[n:]); err != nil {
			return err
		}
	}
	return it.Error()
}

// NextLSN returns the LSN the next Append will get.
func (w *WAL) NextLSN() uint64 { return w.next.Load() }

// Truncate drops the records with LSN < before (once a snapshot holds them).
// The newest record is always kept, so LSNs keep increasing across restarts.
func (w *WAL) Truncate(before uint64) error {
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	if last := w.next.Load() - 1; before > last {
		before = last
	}
	if before <= 1 {
		return nil
	}
	return w.db.DeleteRange(walKey(0), walKey(before), pebble.Sync)
}

// Close closes the log; Append and Replay then fail with ErrClosed.
func (w *WAL) Close() error {
	w.closeMu.Lock()
	defer w.closeMu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.db.Close()
}
