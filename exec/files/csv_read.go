package files

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/sundialdb/sundial/types"
)

// csvSource is a CSV file whose header (if any) matches the wanted schema.
type csvSource struct {
	fields []int // file field index of each wanted column; nil: by position
	nfield int   // fields per record (from the header), 0 when unknown
}

// openCSV reads the header of path, if it has one, and matches it to want.
func openCSV(path string, want types.Schema, opts *ReadOptions) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	src := &csvSource{}
	if opts.CSV.NoHeader {
		return src, nil
	}
	sc := newCSVScanner(f, &opts.CSV)
	ok, err := sc.next()
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %v", path, sc.line, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: empty file: no header row", path)
	}
	names := make([]string, sc.nfields())
	for i := range names {
		names[i] = strings.TrimSpace(string(sc.field(i)))
	}
	src.nfield = len(names)
	for _, w := range want {
		idx := -1
		for i, n := range names {
			if strings.EqualFold(n, w.Name) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("%s: column %s: not in file (header has %s)", path, w.Name, strings.Join(names, ", "))
		}
		src.fields = append(src.fields, idx)
	}
	return src, nil
}

// read parses the whole file, sending batches of at most opts.BatchRows.
func (s *csvSource) read(path string, want types.Schema, opts *ReadOptions, send func(*types.Batch) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	sc := newCSVScanner(f, &opts.CSV)
	if !opts.CSV.NoHeader {
		if _, err := sc.next(); err != nil {
			return fmt.Errorf("%s:%d: %v", path, sc.line, err)
		}
	}
	fields := s.fields
	nfield := s.nfield
	if fields == nil {
		fields = make([]int, len(want))
		for i := range fields {
			fields[i] = i
		}
		nfield = len(want)
	}
	loc := opts.Loc
	if loc == nil {
		loc = time.UTC
	}
	p := csvParser{want: want, null: opts.CSV.null(), emptyNull: opts.CSV.EmptyIsNull, loc: loc}
	p.reset(opts.BatchRows)
	for {
		ok, err := sc.next()
		if err != nil {
			return fmt.Errorf("%s:%d: %v", path, sc.line, err)
		}
		if !ok {
			break
		}
		if sc.nfields() != nfield {
			return fmt.Errorf("%s:%d: %d fields, want %d", path, sc.line, sc.nfields(), nfield)
		}
		for i, fi := range fields {
			if err := p.add(i, sc.field(fi), sc.quoted[fi]); err != nil {
				return fmt.Errorf("%s:%d: column %s: %v", path, sc.line, want[i].Name, err)
			}
		}
		p.n++
		if p.n == opts.BatchRows {
			if !send(p.batch()) {
				return nil
			}
			p.reset(opts.BatchRows)
		}
	}
	if p.n > 0 {
		send(p.batch())
	}
	return nil
}

// csvParser turns CSV fields into the columns of one batch.
type csvParser struct {
	want      types.Schema
	null      string
	emptyNull bool
	loc       *time.Location
	n         int
	cols      []*types.Column
	arena     [][]byte // string bytes of each string column
	ends      [][]int  // end offset of each string in arena
}

func (p *csvParser) reset(capRows int) {
	p.n = 0
	p.cols = make([]*types.Column, len(p.want))
	p.arena = make([][]byte, len(p.want))
	p.ends = make([][]int, len(p.want))
	for i, w := range p.want {
		if w.Kind == types.String {
			p.cols[i] = &types.Column{Kind: types.String}
			p.ends[i] = make([]int, 0, capRows)
		} else {
			p.cols[i] = types.NewColumn(w.Kind, capRows)
		}
	}
}

// add appends field f (quoted or not) to column i.
func (p *csvParser) add(i int, f []byte, quoted bool) error {
	c := p.cols[i]
	w := &p.want[i]
	null := !quoted && ((len(f) == 0 && (w.Kind != types.String || p.emptyNull)) || string(f) == p.null)
	if null {
		if w.NotNull {
			return errors.New("NULL in a NOT NULL column")
		}
		if c.Nulls == nil {
			c.Nulls = make([]bool, p.n, cap(p.ends[i])+cap(c.I)+cap(c.F))
		}
		c.Nulls = append(c.Nulls, true)
	} else if c.Nulls != nil {
		c.Nulls = append(c.Nulls, false)
	}
	switch w.Kind {
	case types.String:
		if !null {
			p.arena[i] = append(p.arena[i], f...)
		}
		p.ends[i] = append(p.ends[i], len(p.arena[i]))
		return nil
	case types.Float, types.Double:
		var v float64
		if !null {
			bits := 64
			if w.Kind == types.Float {
				bits = 32
			}
			var err error
			if v, err = strconv.ParseFloat(view(f), bits); err != nil {
				return fmt.Errorf("cannot parse %q as %s", f, w.Kind)
			}
		}
		c.F = append(c.F, v)
		return nil
	}
	var v int64
	if !null {
		var err error
		if v, err = parseIntKind(f, w.Kind, p.loc); err != nil {
			return err
		}
	}
	c.I = append(c.I, v)
	return nil
}

// batch finishes the current batch: each string column's bytes become one
// Go string that the values slice.
func (p *csvParser) batch() *types.Batch {
	for i, w := range p.want {
		if w.Kind != types.String {
			continue
		}
		all := string(p.arena[i])
		s := make([]string, len(p.ends[i]))
		start := 0
		for k, e := range p.ends[i] {
			s[k] = all[start:e]
			start = e
		}
		p.cols[i].S = s
	}
	return &types.Batch{Schema: p.want, Cols: p.cols}
}

// view returns the bytes as a string without copying, for parsing only.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseIntKind parses a field of an I-valued kind: bool, the integers,
// timestamp and date.
func parseIntKind(f []byte, k types.Kind, loc *time.Location) (int64, error) {
	s := view(f)
	switch k {
	case types.Bool:
		switch strings.ToLower(s) {
		case "true", "1":
			return 1, nil
		case "false", "0":
			return 0, nil
		}
	case types.Int16, types.Int32, types.Int64:
		bits := map[types.Kind]int{types.Int16: 16, types.Int32: 32, types.Int64: 64}[k]
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if err == nil {
			return v, nil
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range for %s", f, k)
		}
	case types.Timestamp:
		if v, ok := ParseTimestamp(s, loc); ok {
			return v, nil
		}
	case types.Date:
		if y, m, d, ok := parseYMD(s); ok && len(s) == 10 {
			return daysFromCivil(y, m, d), nil
		}
	}
	return 0, fmt.Errorf("cannot parse %q as %s", f, k)
}

// ParseTimestamp reads a timestamp as CSV files spell it: an integer number
// of milliseconds since the epoch, or 'YYYY-MM-DD HH:MM:SS' (a 'T' may
// separate date and time; fractional seconds are allowed; a trailing 'Z' or
// ±hh:mm offset overrides loc), or 'YYYY-MM-DD' (midnight in loc).
func ParseTimestamp(s string, loc *time.Location) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if c := s[0]; c == '-' || (c >= '0' && c <= '9') && (len(s) < 5 || s[4] != '-') {
		v, err := strconv.ParseInt(s, 10, 64)
		return v, err == nil
	}
	y, mo, d, ok := parseYMD(s)
	if !ok {
		return 0, false
	}
	var h, mi, sec, ms int
	rest := s[10:]
	if rest != "" {
		if len(rest) < 9 || (rest[0] != ' ' && rest[0] != 'T') || rest[3] != ':' || rest[6] != ':' {
			return 0, false
		}
		h, ok = num(rest[1:3])
		if !ok {
			return 0, false
		}
		if mi, ok = num(rest[4:6]); !ok {
			return 0, false
		}
		if sec, ok = num(rest[7:9]); !ok {
			return 0, false
		}
		rest = rest[9:]
		if rest != "" && rest[0] == '.' {
			i := 1
			scale := 100
			for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
				ms += int(rest[i]-'0') * scale
				scale /= 10
			}
			if i == 1 {
				return 0, false
			}
			rest = rest[i:]
		}
		if h > 23 || mi > 59 || sec > 60 {
			return 0, false
		}
	}
	if rest != "" {
		t, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", strings.Replace(s, " ", "T", 1))
		if err != nil {
			return 0, false
		}
		return t.UnixMilli(), true
	}
	if loc == time.UTC || loc == nil {
		return (daysFromCivil(y, mo, d)*86400+int64(h*3600+mi*60+sec))*1000 + int64(ms), true
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ms*1e6, loc).UnixMilli(), true
}

// parseYMD reads 'YYYY-MM-DD' at the start of s.
func parseYMD(s string) (y, m, d int, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func num(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// csvScanner splits a CSV stream into records of fields. Fields are
// unquoted into buf; quoted reports which fields were quoted (a quoted field
// is never NULL).
type csvScanner struct {
	r        *bufio.Reader
	delim    byte
	quote    int
	line     int // line number of the current record's first line
	nextLine int // line number of the next line to read
	buf      []byte
	ends     []int
	quoted   []bool
}

func newCSVScanner(r io.Reader, o *CSVOptions) *csvScanner {
	br := bufio.NewReaderSize(r, 1<<20)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3)
	}
	return &csvScanner{r: br, delim: o.delim(), quote: o.quote(), nextLine: 1}
}

func (s *csvScanner) nfields() int { return len(s.ends) }

func (s *csvScanner) field(i int) []byte {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.buf[start:s.ends[i]]
}

// readLine returns the next line without its line break; ok is false at the
// end of the input.
func (s *csvScanner) readLine() (line []byte, ok bool, err error) {
	line, err = s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = s.r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if len(line) == 0 && err == io.EOF {
		return nil, false, nil
	}
	s.nextLine++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, true, nil
}

// next reads the next record, skipping empty lines; ok is false at the end.
func (s *csvScanner) next() (ok bool, err error) {
	s.buf, s.ends, s.quoted = s.buf[:0], s.ends[:0], s.quoted[:0]
	var line []byte
	for {
		s.line = s.nextLine
		line, ok, err = s.readLine()
		if err != nil || !ok {
			return false, err
		}
		if len(line) > 0 {
			break
		}
	}
	if s.quote < 0 || bytes.IndexByte(line, byte(s.quote)) < 0 {
		for {
			i := bytes.IndexByte(line, s.delim)
			if i < 0 {
				s.buf = append(s.buf, line...)
				s.ends = append(s.ends, len(s.buf))
				s.quoted = append(s.quoted, false)
				return true, nil
			}
			s.buf = append(s.buf, line[:i]...)
			s.ends = append(s.ends, len(s.buf))
			s.quoted = append(s.quoted, false)
			line = line[i+1:]
		}
	}
	q := byte(s.quote)
	for {
		// at the start of a field
		if len(line) > 0 && line[0] == q {
			line = line[1:]
			for {
				i := bytes.IndexByte(line, q)
				if i < 0 {
					// the field goes on on the next line
					s.buf = append(s.buf, line...)
					s.buf = append(s.buf, '\n')
					var more bool
					line, more, err = s.readLine()
					if err != nil {
						return false, err
					}
					if !more {
						return false, errors.New("unterminated quoted field")
					}
					continue
				}
				s.buf = append(s.buf, line[:i]...)
				line = line[i+1:]
				if len(line) > 0 && line[0] == q { // doubled quote
					s.buf = append(s.buf, q)
					line = line[1:]
					continue
				}
				break
			}
			// after the closing quote: the delimiter or the end of the line;
			// anything else is kept as it is
			i := bytes.IndexByte(line, s.delim)
			if i < 0 {
				s.buf = append(s.buf, line...)
				s.ends = append(s.ends, len(s.buf))
				s.quoted = append(s.quoted, true)
				return true, nil
			}
			s.buf = append(s.buf, line[:i]...)
			s.ends = append(s.ends, len(s.buf))
			s.quoted = append(s.quoted, true)
			line = line[i+1:]
			continue
		}
		i := bytes.IndexByte(line, s.delim)
		if i < 0 {
			s.buf = append(s.buf, line...)
			s.ends = append(s.ends, len(s.buf))
			s.quoted = append(s.quoted, false)
			return true, nil
		}
		s.buf = append(s.buf, line[:i]...)
		s.ends = append(s.ends, len(s.buf))
		s.quoted = append(s.quoted, false)
		line = line[i+1:]
	}
}
