package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/types"
)

// The request bodies. The hot ones (a feature request, a PUT) are checked and
// split into their members by scanTopObject, without encoding/json; a body it
// does not take (malformed, or unusual: duplicate or escaped keys...) is
// decoded by encoding/json into one of these small structs, whose errors name
// the field. Either way rows stay raw JSON and are parsed column by column by
// rowDecoder, without reflection per value.

// requestBody is the body of POST /dbs/{db}/deployments/{name}.
type requestBody struct {
	Input      json.RawMessage `json:"input"`
	NeedSchema bool            `json:"need_schema"`
}

// putBody is the body of PUT /dbs/{db}/tables/{table}: rows under "data"
// (Sundial) or "value" (OpenMLDB's APIServer).
type putBody struct {
	Data  json.RawMessage `json:"data"`
	Value json.RawMessage `json:"value"`
}

// sqlBody is the body of POST /dbs/{db}.
type sqlBody struct {
	SQL   *string         `json:"sql"`
	Mode  string          `json:"mode"`
	Input json.RawMessage `json:"input"`
}

var (
	requestKeys = []string{"input", "need_schema"}
	putKeys     = []string{"data", "value"}
)

// scanRequestBody splits a feature request's body without encoding/json;
// ok is false when it leaves the body to unmarshalBody. Input is a slice of
// body, not a copy.
func scanRequestBody(body []byte) (req requestBody, ok bool) {
	var vals [2][]byte
	if !scanTopObject(body, requestKeys, vals[:]) {
		return req, false
	}
	req.Input = vals[0]
	switch string(vals[1]) {
	case "", "false":
	case "true":
		req.NeedSchema = true
	default: // null (which keeps the default), or not a bool: encoding/json's way
		return req, false
	}
	return req, true
}

// decodePutBody splits the body of a PUT: the rows under "data" or "value"
// (slices of body when scanTopObject takes it).
func decodePutBody(body []byte) (pb putBody, err error) {
	var vals [2][]byte
	if scanTopObject(body, putKeys, vals[:]) {
		return putBody{Data: vals[0], Value: vals[1]}, nil
	}
	var slow putBody
	err = unmarshalBody(body, &slow)
	return slow, err
}

// decodeRequest decodes the body of a feature request for a deployment
// whose input schema is in (the columns of its main table, named table).
func decodeRequest(body []byte, in types.Schema, table string) (req requestBody, rows [][]types.Value, objects bool, err error) {
	return decodeRequestInto(body, in, table, nil)
}

// decodeRequestInto is decodeRequest with the rows' values in slab (when not
// nil), reused across requests.
func decodeRequestInto(body []byte, in types.Schema, table string, slab *rowSlab) (req requestBody, rows [][]types.Value, objects bool, err error) {
	req, ok := scanRequestBody(body)
	if !ok {
		var slow requestBody // on the heap only on this path
		if err = unmarshalBody(body, &slow); err != nil {
			return slow, nil, false, err
		}
		req = slow
	}
	d := rowDecoder{schema: in, table: table, field: "input", slab: slab}
	rows, objects, err = d.decode(req.Input)
	return req, rows, objects, err
}

// rowSlab holds the values of decoded rows, kept in a pool between requests
// so that decoding a request (or a PUT of many rows) leaves no garbage of
// its own but the strings.
type rowSlab struct {
	rows [][]types.Value
	vals []types.Value
	ans  session.Answers // a feature request's answers
}

var slabPool = sync.Pool{New: func() any { return new(rowSlab) }}

// maxSlabValues bounds the slabs kept in the pool (a PUT of a million values
// keeps its own).
const maxSlabValues = 1 << 20

func getSlab() *rowSlab { return slabPool.Get().(*rowSlab) }

// putSlab returns a slab to the pool once nothing uses its rows any more.
func putSlab(s *rowSlab) {
	if cap(s.vals) > maxSlabValues || s.ans.Size() > maxSlabValues {
		return
	}
	clear(s.vals) // drop the strings
	clear(s.rows)
	s.vals, s.rows = s.vals[:0], s.rows[:0]
	s.ans.Reset()
	slabPool.Put(s)
}

// get returns n rows of width values each, zeroed.
func (s *rowSlab) get(n, width int) ([][]types.Value, []types.Value) {
	if s == nil {
		return make([][]types.Value, n), make([]types.Value, n*width)
	}
	if cap(s.rows) < n {
		s.rows = make([][]types.Value, n)
	}
	if cap(s.vals) < n*width {
		s.vals = make([]types.Value, n*width)
	}
	s.rows, s.vals = s.rows[:n], s.vals[:n*width]
	return s.rows, s.vals
}

// unmarshalBody decodes a JSON body into v, turning encoding/json's errors
// into field errors.
func unmarshalBody(body []byte, v any) error {
	if len(trimWS(body)) == 0 {
		return badRequest("body: empty, expected a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError describes an encoding/json error as a field error.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("body: invalid JSON at byte %d: %v", se.Offset, se))
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest(fmt.Sprintf("body: expected a JSON object, got %s", te.Value))
		}
		return badRequest(fmt.Sprintf("%s: expected %s, got %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value))
	}
	return badRequest("body: " + err.Error())
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string", "ptr":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	}
	return goKind
}

// isAbsent tells whether a raw field was missing or null.
func isAbsent(raw json.RawMessage) bool {
	t := trimWS(raw)
	return len(t) == 0 || string(t) == "null"
}

// rowDecoder parses rows given as JSON into values of a schema: each row an
// array of values in column order, or an object keyed by column name (extra
// keys are ignored, as OpenMLDB does). Every error names the field, row,
// column and value at fault.
type rowDecoder struct {
	schema types.Schema
	table  string // named in arity errors
	field  string // the JSON field holding the rows: input, data or value
	// notNull[i], when not empty, is the error for a null in column i; nil
	// means notNullMsg for the NOT NULL columns.
	notNull []string
	slab    *rowSlab // where the values go (nil: fresh slices)
}

const notNullMsg = "expected a value (the column is NOT NULL), got null"

// newRowDecoder returns a decoder whose notNull may be extended.
func newRowDecoder(schema types.Schema, table, field string) *rowDecoder {
	d := &rowDecoder{schema: schema, table: table, field: field, notNull: make([]string, len(schema))}
	for i, f := range schema {
		if f.NotNull {
			d.notNull[i] = notNullMsg
		}
	}
	return d
}

// nullError is the error for a null in column ci ("" when it may be null).
func (d *rowDecoder) nullError(ci int) string {
	if d.notNull != nil {
		return d.notNull[ci]
	}
	if d.schema[ci].NotNull {
		return notNullMsg
	}
	return ""
}

// decode parses the rows of raw, a JSON array of rows. objects tells whether
// the rows were objects (all rows of a request have one format).
func (d *rowDecoder) decode(raw json.RawMessage) (rows [][]types.Value, objects bool, err error) {
	switch firstByte(raw) {
	case '[':
	case 0, 'n':
		return nil, false, badRequest(fmt.Sprintf("%s: missing, expected an array of rows", d.field))
	default:
		return nil, false, badRequest(fmt.Sprintf("%s: expected an array of rows, got %s", d.field, show(raw)))
	}
	n := countElems(raw)
	if n == 0 {
		return nil, false, badRequest(fmt.Sprintf("%s: no rows", d.field))
	}
	rows, vals := d.slab.get(n, len(d.schema))
	err = forEachElem(raw, func(ri int, row []byte) error {
		out := vals[ri*len(d.schema) : (ri+1)*len(d.schema) : (ri+1)*len(d.schema)]
		rows[ri] = out
		c := firstByte(row)
		if ri == 0 {
			objects = c == '{'
		}
		switch {
		case c == '[' && !objects:
			return d.arrayRow(ri, row, out)
		case c == '{' && objects:
			return d.objectRow(ri, row, out)
		case c == '[' || c == '{':
			want := "an array"
			if objects {
				want = "an object"
			}
			return badRequest(fmt.Sprintf("%s[%d]: expected %s like %s[0] (rows of one request are all arrays or all objects)", d.field, ri, want, d.field))
		}
		return badRequest(fmt.Sprintf("%s[%d]: expected a row (an array of %d values or an object), got %s", d.field, ri, len(d.schema), show(row)))
	})
	if err != nil {
		return nil, false, err
	}
	return rows, objects, nil
}

// arrayRow decodes a row given as an array, in one pass: an arity error
// comes before an error in a value.
func (d *rowDecoder) arrayRow(ri int, row []byte, out []types.Value) error {
	n, bad := 0, -1
	var verr error
	forEachElem(row, func(ci int, v []byte) error {
		n++
		if ci < len(out) && bad < 0 {
			val, err := d.value(ci, v)
			if err != nil {
				bad, verr = ci, err
			}
			out[ci] = val
		}
		return nil
	})
	if n != len(d.schema) {
		return badRequest(fmt.Sprintf("%s[%d]: expected %d values (the columns of %s), got %d", d.field, ri, len(d.schema), d.table, n))
	}
	if bad >= 0 {
		return badRequest(fmt.Sprintf("%s[%d][%d] (column %s): %v", d.field, ri, bad, d.schema[bad].Name, verr))
	}
	return nil
}

func (d *rowDecoder) objectRow(ri int, row []byte, out []types.Value) error {
	var seenBuf [64]bool
	seen := seenBuf[:0]
	if len(d.schema) <= len(seenBuf) {
		seen = seenBuf[:len(d.schema)]
	} else {
		seen = make([]bool, len(d.schema))
	}
	err := forEachMember(row, func(key, v []byte) error {
		name, err := jsonString(key)
		if err != nil {
			return badRequest(fmt.Sprintf("%s[%d]: bad key %s", d.field, ri, show(key)))
		}
		ci := d.column(name)
		if ci < 0 {
			return nil // OpenMLDB ignores keys that are not columns
		}
		if seen[ci] {
			return badRequest(fmt.Sprintf("%s[%d].%s: column %s given twice", d.field, ri, name, d.schema[ci].Name))
		}
		seen[ci] = true
		val, err := d.value(ci, v)
		if err != nil {
			return badRequest(fmt.Sprintf("%s[%d].%s (column %s): %v", d.field, ri, name, d.schema[ci].Name, err))
		}
		out[ci] = val
		return nil
	})
	if err != nil {
		return err
	}
	for ci, ok := range seen {
		if !ok {
			return badRequest(fmt.Sprintf("%s[%d]: missing column %s", d.field, ri, d.schema[ci].Name))
		}
	}
	return nil
}

// column returns the index of the column named name: the exact name first,
// then ignoring case (Sundial's names are case-insensitive).
func (d *rowDecoder) column(name string) int {
	for i, f := range d.schema {
		if f.Name == name {
			return i
		}
	}
	return d.schema.Index(name)
}

// value parses the JSON value v for column ci.
func (d *rowDecoder) value(ci int, v []byte) (types.Value, error) {
	f := d.schema[ci]
	v = trimWS(v)
	if len(v) == 4 && string(v) == "null" {
		if msg := d.nullError(ci); msg != "" {
			return types.Value{}, errors.New(msg)
		}
		return types.NullOf(f.Kind), nil
	}
	return parseValue(f.Kind, v)
}

// parseValue converts one JSON value (not null) to a value of kind k.
func parseValue(k types.Kind, v []byte) (types.Value, error) {
	switch k {
	case types.Bool:
		switch string(v) {
		case "true":
			return types.BoolValue(true), nil
		case "false":
			return types.BoolValue(false), nil
		}
		return types.Value{}, fmt.Errorf("expected true or false, got %s", show(v))
	case types.Int16, types.Int32, types.Int64, types.Timestamp:
		n, ok, overflow := parseInt(v)
		if !ok {
			if k == types.Timestamp {
				return types.Value{}, fmt.Errorf("expected an integer timestamp (milliseconds since the epoch), got %s", show(v))
			}
			return types.Value{}, fmt.Errorf("expected an integer, got %s", show(v))
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		switch k {
		case types.Int16:
			lo, hi = math.MinInt16, math.MaxInt16
		case types.Int32:
			lo, hi = math.MinInt32, math.MaxInt32
		}
		if overflow || n < lo || n > hi {
			return types.Value{}, fmt.Errorf("%s is out of range for %s", show(v), k)
		}
		return types.Value{Kind: k, I: n}, nil
	case types.Float, types.Double:
		if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			return types.Value{}, fmt.Errorf("expected a number, got %s", show(v))
		}
		bits := 64
		if k == types.Float {
			bits = 32
		}
		// The string does not outlive the call: the error is replaced.
		f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(v), len(v)), bits)
		if err != nil {
			return types.Value{}, fmt.Errorf("%s is out of range for %s", show(v), k)
		}
		if k == types.Float {
			return types.FloatValue(float32(f)), nil
		}
		return types.DoubleValue(f), nil
	case types.String:
		if len(v) == 0 || v[0] != '"' {
			return types.Value{}, fmt.Errorf("expected a string, got %s", show(v))
		}
		s, err := jsonString(v)
		if err != nil {
			return types.Value{}, fmt.Errorf("expected a string, got %s", show(v))
		}
		return types.StringValue(s), nil
	case types.Date:
		if len(v) == 0 || v[0] != '"' {
			return types.Value{}, fmt.Errorf("expected a date \"YYYY-MM-DD\", got %s", show(v))
		}
		days, ok := parseDate(v)
		if !ok {
			return types.Value{}, fmt.Errorf("expected a date \"YYYY-MM-DD\", got %s", show(v))
		}
		return types.DateValue(days), nil
	}
	return types.Value{}, fmt.Errorf("columns of type %s cannot be given in JSON", k)
}

// parseInt parses a JSON integer (no fraction, no exponent). ok is false
// when v is not one; overflow when it does not fit an int64.
func parseInt(v []byte) (n int64, ok, overflow bool) {
	neg := false
	if len(v) > 0 && v[0] == '-' {
		neg, v = true, v[1:]
	}
	if len(v) == 0 {
		return 0, false, false
	}
	var u uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		if u > (math.MaxUint64-9)/10 {
			overflow = true
			continue
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case overflow:
		return 0, true, true
	case neg && u > 1<<63:
		return 0, true, true
	case neg:
		return -int64(u), true, false
	case u > math.MaxInt64:
		return 0, true, true
	}
	return int64(u), true, false
}

// jsonString decodes a JSON string literal (with its quotes).
func jsonString(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("not a string")
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// parseDate parses "YYYY-MM-DD" (with its quotes) into days since the epoch.
func parseDate(v []byte) (int64, bool) {
	if len(v) != 12 || v[5] != '-' || v[8] != '-' {
		return 0, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(v[1:5])
	m, ok2 := num(v[6:8])
	d, ok3 := num(v[9:11])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m { // e.g. 2021-02-30
		return 0, false
	}
	return t.Unix() / 86400, true
}

// show quotes a JSON value for an error message, shortened when long.
func show(v []byte) string {
	v = trimWS(v)
	const max = 40
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return string(v[:cut]) + "..."
	}
	if len(v) == 0 {
		return "nothing"
	}
	return string(v)
}
