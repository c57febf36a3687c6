package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/sundialdb/sundial/types"
)

// pqSource is a Parquet file whose footer has been read and whose schema
// matches the wanted one.
type pqSource struct {
	meta   *metadata.FileMetaData
	leaves []int       // leaf column index of each wanted column
	convs  []converter // how each wanted column is converted
	rows   int64
}

// converter copies an arrow array into a Sundial column of the wanted kind.
type converter func(a arrow.Array, c *types.Column)

// openParquet reads the footer of path and matches its columns to want.
func openParquet(path string, want types.Schema) (src *pqSource, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, fmt.Errorf("%s: corrupt Parquet file: %v", path, p)
		}
	}()
	rdr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %v", path, err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: unsupported Parquet schema: %v", path, err)
	}
	src = &pqSource{meta: rdr.MetaData(), rows: rdr.NumRows()}
	fields := fr.Manifest.Fields
	for _, w := range want {
		idx := -1
		for i := range fields {
			if strings.EqualFold(fields[i].Field.Name, w.Name) {
				idx = i
				break
			}
		}
		if idx < 0 {
			names := make([]string, len(fields))
			for i := range fields {
				names[i] = fields[i].Field.Name
			}
			return nil, fmt.Errorf("%s: column %s: not in file (file has %s)", path, w.Name, strings.Join(names, ", "))
		}
		sf := &fields[idx]
		conv := convertFor(sf.Field.Type, w.Kind)
		if conv == nil || !sf.IsLeaf() {
			return nil, fmt.Errorf("%s: column %s: file has %s, table wants %s", path, w.Name, arrowTypeName(sf.Field.Type), w.Kind)
		}
		src.leaves = append(src.leaves, sf.ColIndex)
		src.convs = append(src.convs, conv)
	}
	return src, nil
}

// units splits the file into pieces of whole row groups.
func (p *pqSource) units(src *source) []*unit {
	var out []*unit
	var cur []int
	var rows int64
	for rg := 0; rg < len(p.meta.RowGroups); rg++ {
		n := p.meta.RowGroup(rg).NumRows()
		if n == 0 {
			continue
		}
		cur = append(cur, rg)
		rows += n
		if rows >= unitRows {
			out = append(out, &unit{src: src, rowGroups: cur})
			cur, rows = nil, 0
		}
	}
	if len(cur) > 0 {
		out = append(out, &unit{src: src, rowGroups: cur})
	}
	return out
}

// read decodes the row groups of u, sending batches of at most batchRows.
func (p *pqSource) read(u *unit, want types.Schema, batchRows int, send func(*types.Batch) bool) error {
	path := u.src.path
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	rdr, err := file.NewParquetReader(f, file.WithMetadata(p.meta), file.WithReadProps(props))
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: int64(batchRows)}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	// pqarrow returns each field once, in the order of the first leaf that
	// names it; map wanted columns onto the record's columns.
	var leaves []int
	pos := make([]int, len(want))
	seen := map[int]int{}
	for i, l := range p.leaves {
		j, ok := seen[l]
		if !ok {
			j = len(leaves)
			seen[l] = j
			leaves = append(leaves, l)
		}
		pos[i] = j
	}
	rr, err := fr.GetRecordReader(context.Background(), leaves, u.rowGroups)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer rr.Release()
	var expect, got int64
	for _, rg := range u.rowGroups {
		expect += p.meta.RowGroup(rg).NumRows()
	}
	for rr.Next() {
		rec := rr.Record()
		n := int(rec.NumRows())
		got += int64(n)
		b := &types.Batch{Schema: want, Cols: make([]*types.Column, len(want))}
		for i, w := range want {
			a := rec.Column(pos[i])
			if a.Len() != n {
				return fmt.Errorf("%s: column %s: corrupt Parquet data (%d values in a batch of %d rows)", path, w.Name, a.Len(), n)
			}
			c := &types.Column{Kind: w.Kind}
			if a.NullN() > 0 {
				if w.NotNull {
					return fmt.Errorf("%s: column %s: NULL in a NOT NULL column", path, w.Name)
				}
				c.Nulls = make([]bool, n)
				for k := range c.Nulls {
					c.Nulls[k] = a.IsNull(k)
				}
			}
			p.convs[i](a, c)
			b.Cols[i] = c
		}
		if !send(b) {
			return nil
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: corrupt Parquet data: %v", path, err)
	}
	// a damaged page header can end a column early without an error
	if got != expect {
		return fmt.Errorf("%s: corrupt Parquet data: read %d rows of row groups %v, which hold %d", path, got, u.rowGroups, expect)
	}
	return nil
}

// arrowTypeName names an arrow type as Sundial would when a kind fits it,
// else as arrow does.
func arrowTypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "bool"
	case arrow.INT16:
		return "smallint"
	case arrow.INT32:
		return "int"
	case arrow.INT64:
		return "bigint"
	case arrow.FLOAT32:
		return "float"
	case arrow.FLOAT64:
		return "double"
	case arrow.STRING, arrow.LARGE_STRING:
		return "string"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "binary"
	case arrow.DATE32:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp[" + t.(*arrow.TimestampType).Unit.String() + "]"
	}
	return t.String()
}

// convertFor returns how to read arrow type t as kind k, or nil when t does
// not fit k. Integers widen (never narrow), float widens to double, any
// timestamp unit becomes milliseconds (rounding toward minus infinity).
func convertFor(t arrow.DataType, k types.Kind) converter {
	id := t.ID()
	switch k {
	case types.Bool:
		if id == arrow.BOOL {
			return convBool
		}
	case types.Int16, types.Int32, types.Int64:
		bits := map[types.Kind]int{types.Int16: 16, types.Int32: 32, types.Int64: 64}[k]
		if c, w := intConverter(id); c != nil && w <= bits {
			return c
		}
	case types.Float:
		if id == arrow.FLOAT32 {
			return convFloat32
		}
	case types.Double:
		switch id {
		case arrow.FLOAT32:
			return convFloat32
		case arrow.FLOAT64:
			return convFloat64
		}
	case types.String:
		switch id {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			return convString
		case arrow.DICTIONARY:
			switch t.(*arrow.DictionaryType).ValueType.ID() {
			case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
				return convDictString
			}
		}
	case types.Timestamp:
		if id == arrow.TIMESTAMP {
			div := map[arrow.TimeUnit]int64{arrow.Second: -1000, arrow.Millisecond: 1, arrow.Microsecond: 1000, arrow.Nanosecond: 1000000}[t.(*arrow.TimestampType).Unit]
			return func(a arrow.Array, c *types.Column) {
				vals := a.(*array.Timestamp).TimestampValues()
				c.I = make([]int64, len(vals))
				for i, v := range vals {
					c.I[i] = scaleMs(int64(v), div)
				}
				zeroNulls(c)
			}
		}
	case types.Date:
		switch id {
		case arrow.DATE32:
			return func(a arrow.Array, c *types.Column) {
				vals := a.(*array.Date32).Date32Values()
				c.I = make([]int64, len(vals))
				for i, v := range vals {
					c.I[i] = int64(v)
				}
				zeroNulls(c)
			}
		case arrow.DATE64:
			return func(a arrow.Array, c *types.Column) {
				vals := a.(*array.Date64).Date64Values()
				c.I = make([]int64, len(vals))
				for i, v := range vals {
					c.I[i] = floorDiv(int64(v), 86400000)
				}
				zeroNulls(c)
			}
		}
	}
	return nil
}

// scaleMs converts a timestamp to milliseconds: div < 0 multiplies by -div,
// div > 0 divides (floor).
func scaleMs(v, div int64) int64 {
	switch {
	case div == 1:
		return v
	case div < 0:
		return v * -div
	}
	return floorDiv(v, div)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// zeroNulls clears the values under NULLs, which arrow leaves undefined:
// a NULL's other fields are zero in Sundial.
func zeroNulls(c *types.Column) {
	for i, null := range c.Nulls {
		if null {
			switch {
			case c.I != nil:
				c.I[i] = 0
			case c.F != nil:
				c.F[i] = 0
			case c.S != nil:
				c.S[i] = ""
			}
		}
	}
}

// intConverter returns the converter of an integer arrow type and the
// width of the smallest signed Sundial integer that holds all its values.
func intConverter(id arrow.Type) (converter, int) {
	switch id {
	case arrow.INT8:
		return intConv(func(a arrow.Array) []int8 { return a.(*array.Int8).Int8Values() }), 16
	case arrow.UINT8:
		return intConv(func(a arrow.Array) []uint8 { return a.(*array.Uint8).Uint8Values() }), 16
	case arrow.INT16:
		return intConv(func(a arrow.Array) []int16 { return a.(*array.Int16).Int16Values() }), 16
	case arrow.UINT16:
		return intConv(func(a arrow.Array) []uint16 { return a.(*array.Uint16).Uint16Values() }), 32
	case arrow.INT32:
		return intConv(func(a arrow.Array) []int32 { return a.(*array.Int32).Int32Values() }), 32
	case arrow.UINT32:
		return intConv(func(a arrow.Array) []uint32 { return a.(*array.Uint32).Uint32Values() }), 64
	case arrow.INT64:
		return func(a arrow.Array, c *types.Column) {
			c.I = append([]int64(nil), a.(*array.Int64).Int64Values()...)
			zeroNulls(c)
		}, 64
	}
	return nil, 0
}

func intConv[T int8 | uint8 | int16 | uint16 | int32 | uint32](vals func(arrow.Array) []T) converter {
	return func(a arrow.Array, c *types.Column) {
		v := vals(a)
		c.I = make([]int64, len(v))
		for i, x := range v {
			c.I[i] = int64(x)
		}
		zeroNulls(c)
	}
}

func convBool(a arrow.Array, c *types.Column) {
	b := a.(*array.Boolean)
	c.I = make([]int64, b.Len())
	for i := range c.I {
		if b.Value(i) {
			c.I[i] = 1
		}
	}
	zeroNulls(c)
}

func convFloat32(a arrow.Array, c *types.Column) {
	v := a.(*array.Float32).Float32Values()
	c.F = make([]float64, len(v))
	for i, x := range v {
		c.F[i] = float64(x)
	}
	zeroNulls(c)
}

func convFloat64(a arrow.Array, c *types.Column) {
	c.F = append([]float64(nil), a.(*array.Float64).Float64Values()...)
	zeroNulls(c)
}

// convString copies the value bytes of a string or binary array into one
// Go string and slices it: one allocation per batch, not one per value.
func convString(a arrow.Array, c *types.Column) {
	n := a.Len()
	c.S = make([]string, n)
	switch s := a.(type) {
	case *array.String:
		sliceStrings(c.S, s.ValueBytes(), s.ValueOffsets())
	case *array.Binary:
		sliceStrings(c.S, s.ValueBytes(), s.ValueOffsets())
	case *array.LargeString:
		sliceStrings(c.S, s.ValueBytes(), s.ValueOffsets())
	case *array.LargeBinary:
		sliceStrings(c.S, s.ValueBytes(), s.ValueOffsets())
	}
	zeroNulls(c)
}

func sliceStrings[O int32 | int64](out []string, data []byte, offs []O) {
	if len(out) == 0 {
		return
	}
	all := string(data)
	base := offs[0]
	for i := range out {
		out[i] = all[offs[i]-base : offs[i+1]-base]
	}
}

// convDictString decodes a dictionary-encoded string column.
func convDictString(a arrow.Array, c *types.Column) {
	d := a.(*array.Dictionary)
	tmp := &types.Column{}
	convString(d.Dictionary(), tmp)
	dict := tmp.S
	c.S = make([]string, d.Len())
	for i := range c.S {
		if !d.IsNull(i) {
			c.S[i] = dict[d.GetValueIndex(i)]
		}
	}
}
