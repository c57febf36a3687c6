package storage

import (
	"fmt"
	"sync"

	"github.com/sundialdb/sundial/types"
)

// ObserveFunc is told about a row linked into an index: the row's encoded
// key in that index, the number of index entries the key holds with it (rows
// the TTL collector has not dropped yet included), its ts and seq, and its
// encoding. It runs on the
// writer's goroutine while the writer holds the key's write lock, so calls
// for one key never overlap and see that key's rows in link order. It must
// not keep key or row (they are the writer's scratch buffers), must not
// write to the table, and should be quick: other writers of the key's
// segment wait for it.
type ObserveFunc func(key []byte, n int, ts int64, seq uint64, row []byte)

// Observable is a Table whose writes can be followed key by key. The memory
// table implements it; online long windows keep their pre-aggregated
// buckets with it (exec/online).
type Observable interface {
	Table
	// Observe calls fn for every row linked into index idx from now on
	// (Put, and AddIndex's backfill of a new index), until cancel is called.
	Observe(idx int, fn ObserveFunc) (cancel func(), err error)
	// EachKey calls fn for every key of index idx with its number of index
	// entries (rows the TTL collector has not dropped yet included),
	// holding the key's write lock while fn runs: no row of the key is
	// linked (and no observer of it called) meanwhile, so that what fn reads
	// with ScanKey and what observers see afterwards never overlap. fn
	// returns false to stop.
	EachKey(idx int, fn func(key []byte, n int) bool) error
	// ScanKey is Scan by an encoded key (AppendKey's, EachKey's or an
	// ObserveFunc's).
	ScanKey(idx int, key []byte, maxTS, now int64, fn func(ts int64, seq uint64, row []byte) bool) error
	// AppendKey appends the encoding of a key of index idx to buf.
	AppendKey(buf []byte, idx int, key []types.Value) ([]byte, error)
}

type observer struct{ fn ObserveFunc }

var obsMu sync.Mutex // serialises changes to any index's observer list

func (t *memTable) index(idx int) (*index, error) {
	ixs := *t.indexes.Load()
	if idx < 0 || idx >= len(ixs) {
		return nil, fmt.Errorf("%w: index %d out of range (the table has %d)", ErrKey, idx, len(ixs))
	}
	return ixs[idx], nil
}

func (t *memTable) Observe(idx int, fn ObserveFunc) (func(), error) {
	ix, err := t.index(idx)
	if err != nil {
		return nil, err
	}
	o := &observer{fn: fn}
	obsMu.Lock()
	var next []*observer
	if cur := ix.obs.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, o)
	ix.obs.Store(&next)
	obsMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			obsMu.Lock()
			defer obsMu.Unlock()
			cur := ix.obs.Load()
			if cur == nil {
				return
			}
			var next []*observer
			for _, x := range *cur {
				if x != o {
					next = append(next, x)
				}
			}
			if len(next) == 0 {
				ix.obs.Store(nil)
			} else {
				ix.obs.Store(&next)
			}
		})
	}, nil
}

func (t *memTable) EachKey(idx int, fn func(key []byte, n int) bool) error {
	if t.closed.Load() {
		return ErrClosed
	}
	ix, err := t.index(idx)
	if err != nil {
		return err
	}
	var buf []byte
	for _, seg := range ix.segs {
		stop := false
		seg.mu.Lock()
		seg.keys.each(func(e *keyEntry) bool {
			buf = append(buf[:0], e.key...)
			if !fn(buf, e.rows().length()) {
				stop = true
			}
			return !stop
		})
		seg.mu.Unlock()
		if stop {
			break
		}
	}
	return nil
}

func (t *memTable) AppendKey(buf []byte, idx int, key []types.Value) ([]byte, error) {
	ix, err := t.index(idx)
	if err != nil {
		return buf, err
	}
	return appendKey(buf, t.schema, ix.spec.KeyCols, key)
}

func (t *memTable) ScanKey(idx int, key []byte, maxTS, now int64, fn func(ts int64, seq uint64, row []byte) bool) error {
	if t.closed.Load() {
		return ErrClosed
	}
	ix, err := t.index(idx)
	if err != nil {
		return err
	}
	lk := getLookupKey()
	lk.buf = append(lk.buf[:0], key...)
	t.scanKey(ix, lk, maxTS, now, fn)
	return nil
}
