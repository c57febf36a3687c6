package server

import "github.com/sundialdb/sundial/jsonwire"

// Helpers that walk JSON text already validated (by scanTopObject below, or
// by encoding/json for a json.RawMessage filled by json.Unmarshal, which
// checks the whole document first): they find the extent of values, elements
// and members without reflection or copies, so a request row is read in one
// pass over its bytes. On text that is not valid JSON they never index out of
// range, but what they return is meaningless.

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
	i := jsonwire.SkipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil
	}
	i = jsonwire.SkipSpace(arr, i+1)
	for n := 0; i < len(arr) && arr[i] != ']'; n++ {
		end := valueEnd(arr, i)
		if end <= i {
			return nil // not valid JSON: stop rather than loop
		}
		if err := fn(n, arr[i:end]); err != nil {
			return err
		}
		i = jsonwire.SkipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = jsonwire.SkipSpace(arr, i+1)
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
	i := jsonwire.SkipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i = jsonwire.SkipSpace(obj, i+1)
	for i < len(obj) && obj[i] != '}' {
		kend := stringEnd(obj, i)
		key := obj[i:kend]
		i = jsonwire.SkipSpace(obj, kend)
		if i < len(obj) && obj[i] == ':' {
			i = jsonwire.SkipSpace(obj, i+1)
		}
		end := valueEnd(obj, i)
		if end <= i {
			return nil // not valid JSON: stop rather than loop
		}
		if err := fn(key, obj[i:end]); err != nil {
			return err
		}
		i = jsonwire.SkipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = jsonwire.SkipSpace(obj, i+1)
		}
	}
	return nil
}

// firstByte returns the first non-space byte of b (0 when there is none).
func firstByte(b []byte) byte {
	i := jsonwire.SkipSpace(b, 0)
	if i < len(b) {
		return b[i]
	}
	return 0
}

// trimWS returns b without leading and trailing spaces.
func trimWS(b []byte) []byte {
	b = b[jsonwire.SkipSpace(b, 0):]
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
	i := jsonwire.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = jsonwire.SkipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return jsonwire.SkipSpace(body, i+1) == len(body)
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return false
		}
		kend, ok := jsonwire.ScanString(body, i)
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
		i = jsonwire.SkipSpace(body, kend)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = jsonwire.SkipSpace(body, i+1)
		end, ok := jsonwire.ScanValue(body, i, maxDepth-1)
		if !ok {
			return false
		}
		if k >= 0 {
			if vals[k] != nil {
				return false // a duplicate: encoding/json's rules for which wins
			}
			vals[k] = body[i:end]
		}
		i = jsonwire.SkipSpace(body, end)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = jsonwire.SkipSpace(body, i+1)
		case '}':
			return jsonwire.SkipSpace(body, i+1) == len(body)
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
