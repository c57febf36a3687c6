package server

import "github.com/sundialdb/sundial/jsonwire"

// Helpers that walk JSON text already validated (by scanTopObject below, or
// by encoding/json for a json.RawMessage filled by json.Unmarshal, which
// checks the whole document first): they find the extent of values, elements
// and members without reflection or copies, so a request row is read in one
// pass over its bytes. On text that is not valid JSON they never index out of
// range, but what they return is meaningless.

// skipWS returns the index of the first non-space byte of b at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// valueEnd returns the index just after the JSON value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '[', '{':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// stringEnd returns the index just after the string that starts at b[i] (a '"').
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// forEachElem calls fn with the index and text of each element of the JSON
// array arr (which starts, after spaces, with '['), stopping at fn's first error.
func forEachElem(arr []byte, fn func(i int, v []byte) error) error {
	i := skipWS(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil
	}
	i = skipWS(arr, i+1)
	for n := 0; i < len(arr) && arr[i] != ']'; n++ {
		end := valueEnd(arr, i)
		if end <= i {
			return nil // not valid JSON: stop rather than loop
		}
		if err := fn(n, arr[i:end]); err != nil {
			return err
		}
		i = skipWS(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipWS(arr, i+1)
		}
	}
	return nil
}

// countElems returns the number of elements of the JSON array arr.
func countElems(arr []byte) int {
	n := 0
	forEachElem(arr, func(int, []byte) error { n++; return nil })
	return n
}

// forEachMember calls fn with the raw key (with its quotes) and the value of
// each member of the JSON object obj, stopping at fn's first error.
func forEachMember(obj []byte, fn func(key, v []byte) error) error {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i = skipWS(obj, i+1)
	for i < len(obj) && obj[i] != '}' {
		kend := stringEnd(obj, i)
		key := obj[i:kend]
		i = skipWS(obj, kend)
		if i < len(obj) && obj[i] == ':' {
			i = skipWS(obj, i+1)
		}
		end := valueEnd(obj, i)
		if end <= i {
			return nil // not valid JSON: stop rather than loop
		}
		if err := fn(key, obj[i:end]); err != nil {
			return err
		}
		i = skipWS(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = skipWS(obj, i+1)
		}
	}
	return nil
}

// firstByte returns the first non-space byte of b (0 when there is none).
func firstByte(b []byte) byte {
	i := skipWS(b, 0)
	if i < len(b) {
		return b[i]
	}
	return 0
}

// trimWS returns b without leading and trailing spaces.
func trimWS(b []byte) []byte {
	b = b[skipWS(b, 0):]
	for len(b) > 0 {
		switch b[len(b)-1] {
		case ' ', '\t', '\n', '\r':
			b = b[:len(b)-1]
		default:
			return b
		}
	}
	return b
}

// ---------------------------------------------------------------------------
// Validation: the request bodies of the hot paths (a feature request, a PUT)
// are checked and split into their top-level members in one pass, without
// encoding/json. The scanner accepts exactly the documents encoding/json
// accepts (RFC 8259; strings may hold invalid UTF-8), and reports anything it
// does not handle itself (a syntax error, a key with escapes or non-ASCII
// bytes, nesting deeper than encoding/json's limit) as not ok: the caller then
// decodes the body with encoding/json, which gives the error its wording.

// maxDepth is encoding/json's limit of nesting.
const maxDepth = 10000

// scanTopObject checks that body is one JSON object (with spaces around) and
// sets vals[k] to the raw text of the member whose key matches keys[k]
// (ASCII, compared ignoring case as encoding/json does; a key given twice is
// left to encoding/json). Other members are checked and skipped. vals must
// be nil on entry.
func scanTopObject(body []byte, keys []string, vals [][]byte) bool {
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipWS(body, i+1) == len(body)
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return false
		}
		kend, ok := scanString(body, i)
		if !ok {
			return false
		}
		key := body[i+1 : kend-1]
		k := -1
		for j := range key {
			if c := key[j]; c == '\\' || c >= 0x80 {
				return false // escapes or Unicode folding: encoding/json's business
			}
		}
		for ki, name := range keys {
			if asciiEqualFold(key, name) {
				k = ki
				break
			}
		}
		i = skipWS(body, kend)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipWS(body, i+1)
		end, ok := scanValue(body, i, 1)
		if !ok {
			return false
		}
		if k >= 0 {
			if vals[k] != nil {
				return false // a duplicate: encoding/json's rules for which wins
			}
			vals[k] = body[i:end]
		}
		i = skipWS(body, end)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = skipWS(body, i+1)
		case '}':
			return skipWS(body, i+1) == len(body)
		default:
			return false
		}
	}
}

// asciiEqualFold tells whether the ASCII bytes b spell name (lower case ASCII)
// ignoring case.
func asciiEqualFold(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// scanValue checks the JSON value that starts at b[i] (no leading spaces)
// and returns the index just after it; depth is its nesting level.
func scanValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '[':
		if depth >= maxDepth {
			return i, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			end, ok := scanValue(b, i, depth+1)
			if !ok {
				return end, false
			}
			i = skipWS(b, end)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = skipWS(b, i+1)
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '{':
		if depth >= maxDepth {
			return i, false
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			end, ok := scanString(b, i)
			if !ok {
				return end, false
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			i = skipWS(b, i+1)
			if end, ok = scanValue(b, i, depth+1); !ok {
				return end, false
			}
			i = skipWS(b, end)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = skipWS(b, i+1)
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		return jsonwire.ScanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	}
	return i, false
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// scanString checks the string that starts at b[i] (a '"') and returns the
// index just after its closing quote.
func scanString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
