package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sundialdb/sundial/types"
)

// Index keys. The KEY values of a row are encoded into one byte string, the
// key of layer one. Each column is self-delimiting and tagged, so the encoding
// is collision-free across kinds and column boundaries, and NULL (tag 0) is
// one value equal only to itself (SEMANTICS.md §2: NULL equals NULL for
// PARTITION BY):
//
//	NULL                                   0x00
//	bool, integers, timestamp, date        0x01 zigzag-uvarint(v)
//	float, double                          0x02 8 bytes (float64 bits; -0 and NaNs canonical)
//	string                                 0x03 uvarint(len) bytes
//
// Integer-like values are encoded by value whatever their kind, so a bigint
// literal finds the rows of an int column.

const (
	tagNull   = 0x00
	tagInt    = 0x01
	tagFloat  = 0x02
	tagString = 0x03
)

func isIntLike(k types.Kind) bool {
	switch k {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Timestamp, types.Date:
		return true
	}
	return false
}

// appendKeyValue appends the key encoding of v, a value for a column of kind col.
func appendKeyValue(buf []byte, col types.Kind, v types.Value) ([]byte, error) {
	if v.Null {
		return append(buf, tagNull), nil
	}
	switch {
	case isIntLike(col):
		if !isIntLike(v.Kind) {
			return buf, fmt.Errorf("a %v value for a %v column", v.Kind, col)
		}
		buf = append(buf, tagInt)
		return binary.AppendUvarint(buf, uint64(v.I<<1)^uint64(v.I>>63)), nil
	case col == types.Float || col == types.Double:
		if v.Kind != types.Float && v.Kind != types.Double {
			return buf, fmt.Errorf("a %v value for a %v column", v.Kind, col)
		}
		f := v.F
		if col == types.Float {
			f = float64(float32(f))
		}
		if f == 0 {
			f = 0 // -0 == +0
		}
		bits := math.Float64bits(f)
		if f != f {
			bits = 0x7FF8000000000001 // one NaN
		}
		buf = append(buf, tagFloat)
		return binary.LittleEndian.AppendUint64(buf, bits), nil
	case col == types.String:
		if v.Kind != types.String {
			return buf, fmt.Errorf("a %v value for a string column", v.Kind)
		}
		buf = append(buf, tagString)
		buf = binary.AppendUvarint(buf, uint64(len(v.S)))
		return append(buf, v.S...), nil
	}
	return buf, fmt.Errorf("a %v column cannot be a key", col)
}

// appendKey appends the key of index columns cols for the values vals (one
// per KEY column).
func appendKey(buf []byte, schema types.Schema, cols []int, vals []types.Value) ([]byte, error) {
	if len(vals) != len(cols) {
		return buf, fmt.Errorf("%w: %d key values for %d KEY columns", ErrKey, len(vals), len(cols))
	}
	for i, c := range cols {
		var err error
		if buf, err = appendKeyValue(buf, schema[c].Kind, vals[i]); err != nil {
			return buf, fmt.Errorf("%w: KEY column %s: %v", ErrKey, schema[c].Name, err)
		}
	}
	return buf, nil
}

// appendRowKey appends the key of index columns cols of a full row.
func appendRowKey(buf []byte, schema types.Schema, cols []int, row []types.Value) ([]byte, error) {
	for _, c := range cols {
		var err error
		if buf, err = appendKeyValue(buf, schema[c].Kind, row[c]); err != nil {
			return buf, fmt.Errorf("%w: KEY column %s: %v", ErrRow, schema[c].Name, err)
		}
	}
	return buf, nil
}

// appendEncodedRowKey appends the key of index columns cols of an encoded row.
func appendEncodedRowKey(buf []byte, d *Decoder, cols []int, row []byte) ([]byte, error) {
	for _, c := range cols {
		k := d.l.kinds[c]
		var err error
		if k == types.String {
			// Avoid building a string: encode the bytes directly.
			s, ok := d.StringBytes(row, c)
			if !ok {
				buf = append(buf, tagNull)
				continue
			}
			buf = append(buf, tagString)
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			buf = append(buf, s...)
			continue
		}
		if buf, err = appendKeyValue(buf, k, d.Value(row, c)); err != nil {
			return buf, err
		}
	}
	return buf, nil
}
