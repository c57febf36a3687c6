package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sundialdb/sundial/types"
)

// Row format (version 0). A row is encoded once, when it is stored, and read
// column by column afterwards:
//
//	header   1 byte: bits 0-1 offset width (0: 1 byte, 1: 2 bytes, 2: 4 bytes), bits 2-7 version (0)
//	nulls    ceil(n/8) bytes: bit i (LSB first) set when column i is NULL
//	fixed    the non-string columns in schema order, little endian, zero when NULL:
//	         bool 1, smallint 2, int 4, bigint 8, float 4, double 8, timestamp 8, date 4 bytes
//	offsets  one per string column: the end of its bytes, relative to the start of the string data
//	strings  the string columns' bytes, back to back
//
// Every column sits at a position computed once per schema (strings through
// two offsets), so a Decoder reads one column without touching the others.
// The offset width is the narrowest that holds the total string length, so a
// typical row pays one byte per string column.

const (
	rowVersion   = 0
	maxRowString = math.MaxUint32
)

// fixedWidth returns the bytes a kind takes in the fixed section (0 for strings).
func fixedWidth(k types.Kind) int {
	switch k {
	case types.Bool:
		return 1
	case types.Int16:
		return 2
	case types.Int32, types.Float, types.Date:
		return 4
	case types.Int64, types.Double, types.Timestamp:
		return 8
	}
	return 0
}

// layout is where each column of a schema lives in an encoded row.
type layout struct {
	kinds     []types.Kind
	pos       []int // fixed: offset in the fixed section; string: ordinal among strings
	bitmapLen int
	fixedLen  int
	nstr      int
}

func newLayout(schema types.Schema) (*layout, error) {
	l := &layout{kinds: make([]types.Kind, len(schema)), pos: make([]int, len(schema)), bitmapLen: (len(schema) + 7) / 8}
	for i, f := range schema {
		l.kinds[i] = f.Kind
		if f.Kind == types.String {
			l.pos[i] = l.nstr
			l.nstr++
			continue
		}
		w := fixedWidth(f.Kind)
		if w == 0 {
			return nil, fmt.Errorf("%w: column %s has kind %v, which cannot be stored", ErrSchema, f.Name, f.Kind)
		}
		l.pos[i] = l.fixedLen
		l.fixedLen += w
	}
	return l, nil
}

func offsetWidth(code byte) int { return 1 << code } // 1, 2, 4 (code 3 is invalid)

// Encode appends the encoding of row (whose values follow schema) to buf and
// returns the extended buffer. A value must have its column's kind, except that
// the integer kinds (smallint, int, bigint) are accepted for one another when
// the value fits; NULL (of any kind) is accepted unless the column is NOT NULL.
// Errors wrap ErrRow and name the column at fault.
func Encode(schema types.Schema, row []types.Value, buf []byte) ([]byte, error) {
	l, err := newLayout(schema)
	if err != nil {
		return buf, err
	}
	return l.encode(schema, row, buf)
}

func (l *layout) encode(schema types.Schema, row []types.Value, buf []byte) ([]byte, error) {
	if len(row) != len(schema) {
		return buf, fmt.Errorf("%w: %d values for %d columns", ErrRow, len(row), len(schema))
	}
	strLen := 0
	for i, v := range row {
		if err := checkValue(schema[i], v); err != nil {
			return buf, err
		}
		if l.kinds[i] == types.String && !v.Null {
			strLen += len(v.S)
		}
	}
	if strLen > maxRowString {
		return buf, fmt.Errorf("%w: strings of %d bytes exceed the row limit", ErrRow, strLen)
	}
	code := byte(0)
	switch {
	case strLen > math.MaxUint16:
		code = 2
	case strLen > math.MaxUint8:
		code = 1
	}
	w := offsetWidth(code)
	start := len(buf)
	total := 1 + l.bitmapLen + l.fixedLen + l.nstr*w + strLen
	buf = append(buf, make([]byte, total)...)
	out := buf[start:]
	out[0] = code | rowVersion<<2
	nulls := out[1 : 1+l.bitmapLen]
	fixed := out[1+l.bitmapLen : 1+l.bitmapLen+l.fixedLen]
	offs := out[1+l.bitmapLen+l.fixedLen : 1+l.bitmapLen+l.fixedLen+l.nstr*w]
	strs := out[1+l.bitmapLen+l.fixedLen+l.nstr*w:]
	end := 0
	for i, v := range row {
		k := l.kinds[i]
		if v.Null {
			nulls[i/8] |= 1 << (i % 8)
		}
		if k == types.String {
			if !v.Null {
				end += copy(strs[end:], v.S)
			}
			putOffset(offs[l.pos[i]*w:], w, end)
			continue
		}
		if v.Null {
			continue
		}
		p := fixed[l.pos[i]:]
		switch k {
		case types.Bool:
			if v.I != 0 {
				p[0] = 1
			}
		case types.Int16:
			binary.LittleEndian.PutUint16(p, uint16(v.I))
		case types.Int32, types.Date:
			binary.LittleEndian.PutUint32(p, uint32(v.I))
		case types.Int64, types.Timestamp:
			binary.LittleEndian.PutUint64(p, uint64(v.I))
		case types.Float:
			binary.LittleEndian.PutUint32(p, math.Float32bits(float32(v.F)))
		case types.Double:
			binary.LittleEndian.PutUint64(p, math.Float64bits(v.F))
		}
	}
	return buf, nil
}

func putOffset(p []byte, w, v int) {
	switch w {
	case 1:
		p[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(p, uint16(v))
	default:
		binary.LittleEndian.PutUint32(p, uint32(v))
	}
}

func getOffset(p []byte, w int) int {
	switch w {
	case 1:
		return int(p[0])
	case 2:
		return int(binary.LittleEndian.Uint16(p))
	}
	return int(binary.LittleEndian.Uint32(p))
}

// checkValue reports whether v may be stored in a column f.
func checkValue(f types.Field, v types.Value) error {
	if v.Null {
		if f.NotNull {
			return fmt.Errorf("%w: column %s is NOT NULL", ErrRow, f.Name)
		}
		return nil
	}
	ok := v.Kind == f.Kind
	if !ok && f.Kind.IsInteger() && v.Kind.IsInteger() {
		ok = true
	}
	if !ok {
		return fmt.Errorf("%w: column %s is %v, got a %v value", ErrRow, f.Name, f.Kind, v.Kind)
	}
	var lo, hi int64
	switch f.Kind {
	case types.Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case types.Int32, types.Date:
		lo, hi = math.MinInt32, math.MaxInt32
	default:
		return nil
	}
	if v.I < lo || v.I > hi {
		return fmt.Errorf("%w: column %s is %v, value %d out of range", ErrRow, f.Name, f.Kind, v.I)
	}
	return nil
}

// Decoder reads the columns of rows encoded for one schema. It is immutable
// and safe for concurrent use.
//
// Corrupt input never makes a Decoder panic: Value returns the NULL of the
// column's kind when the row is too short or its offsets point outside it, and
// Check reports exactly what is wrong. Rows written by Encode always pass
// Check; bytes read back from a log or a snapshot are checked before use.
type Decoder struct {
	l      *layout
	schema types.Schema
	wanted []int
}

// NewDecoder returns a decoder of rows of schema reading the wanted columns
// (nil: all of them). Value may still read any column; wanted is what Decode
// fills.
func NewDecoder(schema types.Schema, wanted []int) (*Decoder, error) {
	l, err := newLayout(schema)
	if err != nil {
		return nil, err
	}
	if wanted == nil {
		wanted = make([]int, len(schema))
		for i := range wanted {
			wanted[i] = i
		}
	}
	for _, c := range wanted {
		if c < 0 || c >= len(schema) {
			return nil, fmt.Errorf("%w: wanted column %d out of range (the table has %d)", ErrSchema, c, len(schema))
		}
	}
	return &Decoder{l: l, schema: schema, wanted: append([]int(nil), wanted...)}, nil
}

// Schema returns the schema the decoder reads.
func (d *Decoder) Schema() types.Schema { return d.schema }

// Wanted returns the columns Decode fills.
func (d *Decoder) Wanted() []int { return d.wanted }

// IsNull reports whether column col of row is NULL (true also for a corrupt row).
func (d *Decoder) IsNull(row []byte, col int) bool {
	if col < 0 || col >= len(d.l.kinds) || len(row) < 1+d.l.bitmapLen {
		return true
	}
	return row[1+col/8]&(1<<(col%8)) != 0
}

// Value returns column col of row. For a corrupt row (or a col outside the
// schema) it returns a NULL instead of panicking; Check tells the two apart.
func (d *Decoder) Value(row []byte, col int) types.Value {
	l := d.l
	if col < 0 || col >= len(l.kinds) {
		return types.NullOf(types.Invalid)
	}
	k := l.kinds[col]
	if d.IsNull(row, col) {
		return types.NullOf(k)
	}
	base := 1 + l.bitmapLen
	if k != types.String {
		p := base + l.pos[col]
		w := fixedWidth(k)
		if p+w > len(row) {
			return types.NullOf(k)
		}
		b := row[p : p+w]
		switch k {
		case types.Bool:
			return types.Value{Kind: k, I: int64(b[0] & 1)}
		case types.Int16:
			return types.Value{Kind: k, I: int64(int16(binary.LittleEndian.Uint16(b)))}
		case types.Int32, types.Date:
			return types.Value{Kind: k, I: int64(int32(binary.LittleEndian.Uint32(b)))}
		case types.Int64, types.Timestamp:
			return types.Value{Kind: k, I: int64(binary.LittleEndian.Uint64(b))}
		case types.Float:
			return types.Value{Kind: k, F: float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))}
		case types.Double:
			return types.Value{Kind: k, F: math.Float64frombits(binary.LittleEndian.Uint64(b))}
		}
		return types.NullOf(k)
	}
	s, ok := d.stringBytes(row, col)
	if !ok {
		return types.NullOf(k)
	}
	return types.Value{Kind: k, S: string(s)}
}

// Int returns column col of row as an integer (bool, integer, timestamp and
// date columns) without building a Value; ok is false for NULL, for other
// kinds and for a corrupt row.
func (d *Decoder) Int(row []byte, col int) (v int64, ok bool) {
	l := d.l
	if col < 0 || col >= len(l.kinds) || d.IsNull(row, col) {
		return 0, false
	}
	k := l.kinds[col]
	p := 1 + l.bitmapLen + l.pos[col]
	w := fixedWidth(k)
	if k == types.String || k == types.Float || k == types.Double || p+w > len(row) {
		return 0, false
	}
	b := row[p : p+w]
	switch k {
	case types.Bool:
		return int64(b[0] & 1), true
	case types.Int16:
		return int64(int16(binary.LittleEndian.Uint16(b))), true
	case types.Int32, types.Date:
		return int64(int32(binary.LittleEndian.Uint32(b))), true
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}

// StringBytes returns the bytes of string column col of row without copying
// them (the caller must not modify them); ok is false for NULL, for a column
// of another kind and for a corrupt row.
func (d *Decoder) StringBytes(row []byte, col int) ([]byte, bool) {
	if col < 0 || col >= len(d.l.kinds) || d.l.kinds[col] != types.String || d.IsNull(row, col) {
		return nil, false
	}
	return d.stringBytes(row, col)
}

func (d *Decoder) stringBytes(row []byte, col int) ([]byte, bool) {
	l := d.l
	code := row[0] & 3
	if code == 3 {
		return nil, false
	}
	w := offsetWidth(code)
	offs := 1 + l.bitmapLen + l.fixedLen
	strs := offs + l.nstr*w
	if strs > len(row) {
		return nil, false
	}
	i := l.pos[col]
	start := 0
	if i > 0 {
		start = getOffset(row[offs+(i-1)*w:], w)
	}
	end := getOffset(row[offs+i*w:], w)
	if start > end || strs+end > len(row) {
		return nil, false
	}
	return row[strs+start : strs+end], true
}

// Decode fills dst (grown to the schema's width) with the wanted columns of
// row; the other columns are set to NULL. It returns dst.
func (d *Decoder) Decode(row []byte, dst []types.Value) []types.Value {
	n := len(d.l.kinds)
	if cap(dst) < n {
		dst = make([]types.Value, n)
	}
	dst = dst[:n]
	if len(d.wanted) < n {
		for i, k := range d.l.kinds {
			dst[i] = types.NullOf(k)
		}
	}
	for _, c := range d.wanted {
		dst[c] = d.Value(row, c)
	}
	return dst
}

// Check verifies that row is a well-formed encoding for the decoder's schema:
// the version, the exact length, the offsets, NOT NULL columns. It returns an
// error wrapping ErrCorrupt, or nil.
func (d *Decoder) Check(row []byte) error {
	l := d.l
	if len(row) < 1+l.bitmapLen+l.fixedLen {
		return fmt.Errorf("%w: row of %d bytes is shorter than its fixed part (%d)", ErrCorrupt, len(row), 1+l.bitmapLen+l.fixedLen)
	}
	if v := row[0] >> 2; v != rowVersion {
		return fmt.Errorf("%w: row format version %d", ErrCorrupt, v)
	}
	code := row[0] & 3
	if code == 3 {
		return fmt.Errorf("%w: bad offset width", ErrCorrupt)
	}
	w := offsetWidth(code)
	offs := 1 + l.bitmapLen + l.fixedLen
	strs := offs + l.nstr*w
	if strs > len(row) {
		return fmt.Errorf("%w: row of %d bytes is shorter than its offsets (%d)", ErrCorrupt, len(row), strs)
	}
	n := len(l.kinds)
	if extra := l.bitmapLen*8 - n; extra > 0 && row[l.bitmapLen]>>(8-extra) != 0 {
		return fmt.Errorf("%w: NULL bits set past the last column", ErrCorrupt)
	}
	prev := 0
	for i := 0; i < l.nstr; i++ {
		end := getOffset(row[offs+i*w:], w)
		if end < prev {
			return fmt.Errorf("%w: string offsets decrease", ErrCorrupt)
		}
		prev = end
	}
	if strs+prev != len(row) {
		return fmt.Errorf("%w: row of %d bytes, its layout says %d", ErrCorrupt, len(row), strs+prev)
	}
	for i, f := range d.schema {
		if f.NotNull && d.IsNull(row, i) {
			return fmt.Errorf("%w: NOT NULL column %s is NULL", ErrCorrupt, f.Name)
		}
	}
	return nil
}

// DecodeRow decodes every column of a row after checking it.
func DecodeRow(schema types.Schema, row []byte) ([]types.Value, error) {
	d, err := NewDecoder(schema, nil)
	if err != nil {
		return nil, err
	}
	if err := d.Check(row); err != nil {
		return nil, err
	}
	return d.Decode(row, nil), nil
}
