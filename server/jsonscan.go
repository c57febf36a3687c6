package server

// Helpers that walk JSON text already validated by encoding/json (a
// json.RawMessage filled by json.Unmarshal, which checks the whole document
// first): they find the extent of values, elements and members without
// reflection or copies, so a request row is read in one pass over its bytes.
// On text that is not valid JSON they never index out of range, but what they
// return is meaningless.

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
