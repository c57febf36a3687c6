package client

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sundialdb/sundial/jsonwire"
)

// The hot calls (Request, RequestData, Insert) encode their bodies and decode
// the features without encoding/json's reflection. The results are the same
// as encoding/json's: a body the encoder does not take (a value of another
// type) is marshalled by encoding/json, and a response the decoder does not
// take (anything but the server's own shape) is decoded by encoding/json.

// appendRowsBody appends {"<field>":[[v, ...], ...]<tail>} (tail: more
// members, e.g. `,"need_schema":true`).
func appendRowsBody(b []byte, field string, rows [][]any, tail string) ([]byte, error) {
	b = append(b, `{"`...)
	b = append(b, field...)
	b = append(b, `":`...)
	if rows == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for ri, row := range rows {
			if ri > 0 {
				b = append(b, ',')
			}
			if row == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for i, v := range row {
				if i > 0 {
					b = append(b, ',')
				}
				var err error
				if b, err = appendJSON(b, v); err != nil {
					return nil, err
				}
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	b = append(b, tail...)
	return append(b, '}'), nil
}

// appendJSON appends v as encoding/json writes it.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return jsonwire.AppendString(b, x, true), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return jsonwire.AppendFloat(b, x, 64), nil
		}
	case float32:
		if f := float64(x); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return jsonwire.AppendFloat(b, f, 32), nil
		}
	case json.Number:
		if x != "" && isNumber(string(x)) {
			return append(b, x...), nil
		}
	}
	// Anything else (and the errors: NaN, an invalid json.Number...) as
	// encoding/json has it.
	m, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}

// isNumber tells whether s is a JSON number.
func isNumber(s string) bool {
	end, ok := jsonwire.ScanNumber(s, 0)
	return ok && end == len(s)
}

// ---------------------------------------------------------------------------
// Decoding the features

// decoder reads the server's answer to a feature request,
// {"code":0,"msg":"ok","data":{"schema":[{"name":..,"type":..}],"data":[[v, ...], ...]}},
// members in any order, others skipped. s is the response body as a string
// (never written to again): the strings and numbers of the rows are slices
// of it. Any other shape (a value that is an array or an object, rows that
// are objects) is not ok, and is left to encoding/json.
type decoder struct {
	s string
}

// features decodes the response.
func (d *decoder) features() (code int, msg string, schema []Column, rows [][]any, ok bool) {
	s := d.s
	i := d.ws(0)
	if i >= len(s) || s[i] != '{' {
		return
	}
	var seenCode, seenMsg, seenData bool
	i, ok = d.members(i, func(key string, i int) (int, bool) {
		switch key {
		case "code":
			if seenCode {
				return i, false
			}
			seenCode = true
			end, ok := jsonwire.ScanNumber(d.s, i)
			if !ok {
				return end, false
			}
			n, err := strconv.Atoi(s[i:end])
			code = n
			return end, err == nil
		case "msg":
			if seenMsg {
				return i, false
			}
			seenMsg = true
			end, v, ok := d.str(i)
			msg = v
			return end, ok
		case "data":
			if seenData || i >= len(s) || s[i] != '{' {
				return i, false
			}
			seenData = true
			var seenRows, seenSchema bool
			return d.members(i, func(key string, i int) (int, bool) {
				switch key {
				case "data":
					if seenRows {
						return i, false
					}
					seenRows = true
					end, r, ok := d.rows(i)
					rows = r
					return end, ok
				case "schema":
					if seenSchema {
						return i, false
					}
					seenSchema = true
					end, sc, ok := d.schema(i)
					schema = sc
					return end, ok
				}
				return d.other(key, i, "data", "schema")
			})
		}
		return d.other(key, i, "code", "msg", "data")
	})
	if !ok || d.ws(i) != len(s) {
		return 0, "", nil, nil, false
	}
	return code, msg, schema, rows, true
}

// members walks the object at s[i] ('{'), calling fn with each key (plain:
// a key with escapes is not ok) and the index of its value; fn returns the
// index after the value.
func (d *decoder) members(i int, fn func(key string, i int) (int, bool)) (int, bool) {
	s := d.s
	i = d.ws(i + 1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	for {
		end, key, ok := d.str(i)
		if !ok || len(key) != end-i-2 { // escaped keys: encoding/json's business
			return i, false
		}
		i = d.ws(end)
		if i >= len(s) || s[i] != ':' {
			return i, false
		}
		if i, ok = fn(key, d.ws(i+1)); !ok {
			return i, false
		}
		i = d.ws(i)
		if i >= len(s) {
			return i, false
		}
		switch s[i] {
		case ',':
			i = d.ws(i + 1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// rows decodes [[v, ...], ...] (or null) at s[i].
func (d *decoder) rows(i int) (int, [][]any, bool) {
	s := d.s
	if end, ok := jsonwire.ScanLiteral(d.s, i, "null"); ok {
		return end, nil, true
	}
	if i >= len(s) || s[i] != '[' {
		return i, nil, false
	}
	// All values in one slice, cut into rows at the end.
	vals := make([]any, 0, 16)
	var ends []int
	var endsBuf [8]int
	ends = endsBuf[:0]
	i = d.ws(i + 1)
	if i < len(s) && s[i] == ']' {
		return i + 1, [][]any{}, true
	}
	for {
		if i >= len(s) || s[i] != '[' {
			return i, nil, false
		}
		i = d.ws(i + 1)
		if i < len(s) && s[i] == ']' {
			i++
		} else {
			for {
				end, v, ok := d.scalar(i)
				if !ok {
					return end, nil, false
				}
				vals = append(vals, v)
				i = d.ws(end)
				if i >= len(s) {
					return i, nil, false
				}
				if s[i] == ']' {
					i++
					break
				}
				if s[i] != ',' {
					return i, nil, false
				}
				i = d.ws(i + 1)
			}
		}
		ends = append(ends, len(vals))
		i = d.ws(i)
		if i >= len(s) {
			return i, nil, false
		}
		if s[i] == ']' {
			break
		}
		if s[i] != ',' {
			return i, nil, false
		}
		i = d.ws(i + 1)
	}
	rows := make([][]any, len(ends))
	from := 0
	for r, to := range ends {
		rows[r] = vals[from:to:to]
		from = to
	}
	return i + 1, rows, true
}

// schema decodes [{"name": .., "type": ..}, ...] at s[i].
func (d *decoder) schema(i int) (int, []Column, bool) {
	s := d.s
	if i >= len(s) || s[i] != '[' {
		return i, nil, false
	}
	cols := []Column{}
	i = d.ws(i + 1)
	if i < len(s) && s[i] == ']' {
		return i + 1, cols, true
	}
	for {
		if i >= len(s) || s[i] != '{' {
			return i, nil, false
		}
		var c Column
		end, ok := d.members(i, func(key string, i int) (int, bool) {
			switch key {
			case "name":
				end, v, ok := d.str(i)
				c.Name = v
				return end, ok
			case "type":
				end, v, ok := d.str(i)
				c.Type = v
				return end, ok
			}
			return d.other(key, i, "name", "type")
		})
		if !ok {
			return end, nil, false
		}
		cols = append(cols, c)
		i = d.ws(end)
		if i >= len(s) {
			return i, nil, false
		}
		if s[i] == ']' {
			return i + 1, cols, true
		}
		if s[i] != ',' {
			return i, nil, false
		}
		i = d.ws(i + 1)
	}
}

// scalar decodes the string, number, bool or null at s[i] as encoding/json
// (UseNumber) does into an interface.
func (d *decoder) scalar(i int) (int, any, bool) {
	s := d.s
	if i >= len(s) {
		return i, nil, false
	}
	switch c := s[i]; {
	case c == '"':
		end, v, ok := d.str(i)
		return end, v, ok
	case c == '-' || '0' <= c && c <= '9':
		end, ok := jsonwire.ScanNumber(d.s, i)
		return end, json.Number(s[i:end]), ok
	case c == 't':
		end, ok := jsonwire.ScanLiteral(d.s, i, "true")
		return end, true, ok
	case c == 'f':
		end, ok := jsonwire.ScanLiteral(d.s, i, "false")
		return end, false, ok
	case c == 'n':
		end, ok := jsonwire.ScanLiteral(d.s, i, "null")
		return end, nil, ok
	}
	return i, nil, false
}

// str decodes the string at s[i]: a slice of s when it has no escapes and
// is valid UTF-8, else what encoding/json makes of it.
func (d *decoder) str(i int) (int, string, bool) {
	s := d.s
	if i >= len(s) || s[i] != '"' {
		return i, "", false
	}
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			if plain {
				if v := s[i+1 : j]; utf8.ValidString(v) {
					return j + 1, v, true
				}
			}
			var v string
			if err := json.Unmarshal(unsafe.Slice(unsafe.StringData(s[i:]), j+1-i), &v); err != nil {
				return j, "", false
			}
			return j + 1, v, true
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			return j, "", false
		}
	}
	return len(s), "", false
}

// other skips the value of a member whose key is none of names; a key that
// matches one ignoring case (as encoding/json matches fields) is not ok.
func (d *decoder) other(key string, i int, names ...string) (int, bool) {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return i, false
		}
	}
	return jsonwire.ScanValue(d.s, i, maxDepth)
}

func (d *decoder) ws(i int) int { return jsonwire.SkipSpace(d.s, i) }

// maxDepth bounds the nesting of a value the decoder skips, as
// encoding/json's limit does.
const maxDepth = 10000
