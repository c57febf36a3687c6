package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/cockroachdb/pebble"

	"github.com/sundialdb/sundial/types"
)

// RowSource is a table that can list its live rows, oldest first: the memory
// and disk tables are.
type RowSource interface {
	EachRow(fn func(seq uint64, row []byte) bool) error
}

// Snapshot format:
//
//	"SDSNAP1\n" uvarint(lsn) uvarint(ncols) ncols kind bytes
//	{ uvarint(len) row }* uvarint(0)
//	CRC-32C (4 bytes, little endian) of everything before it
const snapMagic = "SDSNAP1\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes every live row of t, oldest first, tagged with lsn:
// the WAL's NextLSN when the snapshot was taken. Writes to t must be paused
// while it runs (so that the rows are exactly those of the records before
// lsn); reads may go on.
func WriteSnapshot(w io.Writer, t Table, lsn uint64) error {
	src, ok := t.(RowSource)
	if !ok {
		return fmt.Errorf("storage: %T cannot list its rows", t)
	}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriter(io.MultiWriter(w, crc))
	var tmp [binary.MaxVarintLen64]byte
	put := func(x uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], x)]) }
	bw.WriteString(snapMagic)
	put(lsn)
	put(uint64(len(t.Schema())))
	for _, f := range t.Schema() {
		bw.WriteByte(byte(f.Kind))
	}
	if err := src.EachRow(func(_ uint64, row []byte) bool {
		put(uint64(len(row)))
		bw.Write(row)
		return true
	}); err != nil {
		return err
	}
	put(0)
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// ReadSnapshot reads a snapshot of a table of schema, calling fn with each
// row (checked against the schema) in order, and returns the snapshot's LSN.
// A corrupt snapshot is reported (ErrCorrupt) only once read to its end, so
// load it into a fresh table and drop that table on error.
func ReadSnapshot(r io.Reader, schema types.Schema, fn func(row []byte) error) (uint64, error) {
	dec, err := NewDecoder(schema, nil)
	if err != nil {
		return 0, err
	}
	crc := crc32.New(castagnoli)
	br := bufio.NewReader(r)
	tr := io.TeeReader(br, crc)
	byteReader := &teeByteReader{r: br, crc: crc}
	corrupt := func(what string, err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: snapshot truncated in %s", ErrCorrupt, what)
		}
		if err != nil {
			return fmt.Errorf("storage: snapshot %s: %w", what, err)
		}
		return fmt.Errorf("%w: snapshot %s", ErrCorrupt, what)
	}
	magic := make([]byte, len(snapMagic))
	if _, err := io.ReadFull(tr, magic); err != nil || string(magic) != snapMagic {
		return 0, corrupt("header", err)
	}
	lsn, err := binary.ReadUvarint(byteReader)
	if err != nil {
		return 0, corrupt("header", err)
	}
	n, err := binary.ReadUvarint(byteReader)
	if err != nil || n != uint64(len(schema)) {
		return 0, corrupt("schema", err)
	}
	kinds := make([]byte, n)
	if _, err := io.ReadFull(tr, kinds); err != nil {
		return 0, corrupt("schema", err)
	}
	for i, k := range kinds {
		if types.Kind(k) != schema[i].Kind {
			return 0, fmt.Errorf("%w: the snapshot's column %d is %v, the table's %s is %v", ErrSchema, i, types.Kind(k), schema[i].Name, schema[i].Kind)
		}
	}
	var row []byte
	for {
		l, err := binary.ReadUvarint(byteReader)
		if err != nil {
			return 0, corrupt("rows", err)
		}
		if l == 0 {
			break
		}
		if l > 1<<32 {
			return 0, corrupt("row length", nil)
		}
		if uint64(cap(row)) < l {
			row = make([]byte, l)
		}
		row = row[:l]
		if _, err := io.ReadFull(tr, row); err != nil {
			return 0, corrupt("rows", err)
		}
		if err := dec.Check(row); err != nil {
			return 0, err
		}
		if err := fn(row); err != nil {
			return 0, err
		}
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return 0, corrupt("checksum", err)
	}
	if binary.LittleEndian.Uint32(sum[:]) != want {
		return 0, corrupt("checksum", nil)
	}
	return lsn, nil
}

type teeByteReader struct {
	r   *bufio.Reader
	crc io.Writer
}

func (t *teeByteReader) ReadByte() (byte, error) {
	b, err := t.r.ReadByte()
	if err == nil {
		t.crc.Write([]byte{b})
	}
	return b, err
}

// Restore rebuilds t (empty, with the schema of the stored table) from a
// snapshot (nil: none) and the records of table in w from the snapshot's LSN
// on, and returns how many rows it put. Rows get new seqs, in their original
// order.
func Restore(t Table, snap io.Reader, w *WAL, table uint32) (int, error) {
	dec := t.Decoder(nil)
	var vals []types.Value
	n := 0
	put := func(row []byte) error {
		if err := dec.Check(row); err != nil {
			return err
		}
		vals = dec.Decode(row, vals)
		if _, err := t.Put(vals); err != nil {
			return err
		}
		n++
		return nil
	}
	var from uint64
	if snap != nil {
		lsn, err := ReadSnapshot(snap, t.Schema(), put)
		if err != nil {
			return n, err
		}
		from = lsn
	}
	if w == nil {
		return n, nil
	}
	err := w.ReplayFrom(from, func(_ uint64, tid uint32, row []byte) error {
		if tid != table {
			return nil
		}
		return put(row)
	})
	return n, err
}

// EachRow implements RowSource.
func (t *memTable) EachRow(fn func(seq uint64, row []byte) bool) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.putMu.Lock() // writers paused: the row directory holds still
	defer t.putMu.Unlock()
	t.evictMu.Lock() // no page or chunk is dropped meanwhile
	defer t.evictMu.Unlock()
	stop := false
	t.rows.each(func(seq uint64, row []byte) {
		if !stop && !fn(seq, row) {
			stop = true
		}
	})
	return nil
}

// EachRow implements RowSource.
func (t *diskTable) EachRow(fn func(seq uint64, row []byte) bool) error {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed.Load() {
		return ErrClosed
	}
	it, err := t.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pfxRow}, UpperBound: []byte{pfxRow + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if v := it.Value(); len(v) > 1 && !fn(binary.BigEndian.Uint64(it.Key()[1:]), v[1:]) {
			break
		}
	}
	return it.Error()
}
