package files

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/sundialdb/sundial/types"
)

// csvEncoder formats rows as CSV text: the header (unless turned off), then
// one line per row. NULL is written as the null marker; a string that needs
// quoting (it holds the delimiter, the quote or a line break, or looks like
// the null marker, or is empty where empty means NULL) is quoted, so that
// reading the file back with the same options gives the same values.
// Timestamps are integer milliseconds, dates YYYY-MM-DD, bools true/false,
// floating-point numbers in their shortest round-trip form.
type csvEncoder struct {
	w         *bufio.Writer
	schema    types.Schema
	delim     byte
	quote     int
	null      string
	emptyNull bool
	header    bool
	line      []byte
}

func newCSVEncoder(w io.Writer, schema types.Schema, o *CSVOptions, header bool) *csvEncoder {
	return &csvEncoder{
		w: bufio.NewWriterSize(w, 1<<20), schema: schema,
		delim: o.delim(), quote: o.quote(), null: o.null(), emptyNull: o.EmptyIsNull, header: header,
	}
}

func (e *csvEncoder) write(b *types.Batch, done func()) error {
	defer done()
	if err := e.writeHeader(); err != nil {
		return err
	}
	n := b.Len()
	for r := 0; r < n; r++ {
		line := e.line[:0]
		for i, c := range b.Cols {
			if i > 0 {
				line = append(line, e.delim)
			}
			if c.Nulls != nil && c.Nulls[r] {
				line = append(line, e.null...)
				continue
			}
			switch c.Kind {
			case types.Bool:
				line = strconv.AppendBool(line, c.I[r] != 0)
			case types.Int16, types.Int32, types.Int64, types.Timestamp:
				line = strconv.AppendInt(line, c.I[r], 10)
			case types.Date:
				line = appendDate(line, c.I[r])
			case types.Float:
				line = appendFloat(line, c.F[r], 32)
			case types.Double:
				line = appendFloat(line, c.F[r], 64)
			case types.String:
				line = e.appendString(line, c.S[r], true)
			}
		}
		line = append(line, '\n')
		if _, err := e.w.Write(line); err != nil {
			return err
		}
		e.line = line
	}
	return nil
}

// writeHeader writes the header row, once, if there is one.
func (e *csvEncoder) writeHeader() error {
	if !e.header {
		return nil
	}
	e.header = false
	e.line = e.line[:0]
	for i, f := range e.schema {
		if i > 0 {
			e.line = append(e.line, e.delim)
		}
		e.line = e.appendString(e.line, f.Name, false)
	}
	e.line = append(e.line, '\n')
	_, err := e.w.Write(e.line)
	return err
}

func appendFloat(b []byte, f float64, bits int) []byte {
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendDate writes days since the epoch as YYYY-MM-DD.
func appendDate(b []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return strconv.AppendInt(b, days, 10)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// appendString writes s, quoted when reading it back needs that.
func (e *csvEncoder) appendString(b []byte, s string, value bool) []byte {
	need := false
	if e.quote >= 0 {
		q := byte(e.quote)
		need = (value && (s == e.null || (s == "" && e.emptyNull))) ||
			strings.IndexByte(s, e.delim) >= 0 || strings.IndexByte(s, q) >= 0 ||
			strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
		if need {
			b = append(b, q)
			for i := 0; i < len(s); i++ {
				if s[i] == q {
					b = append(b, q)
				}
				b = append(b, s[i])
			}
			return append(b, q)
		}
	}
	return append(b, s...)
}

func (e *csvEncoder) close() error {
	if err := e.writeHeader(); err != nil {
		return err
	}
	return e.w.Flush()
}

func (e *csvEncoder) discard() {}
