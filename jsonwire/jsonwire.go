package jsonwire

import (
	"math"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s to b as a JSON string, as encoding/json writes it:
// invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped, control characters as
// \n, \r, \t, \b, \f or \u00XX; with html, <, > and & are escaped too
// (json.Marshal's default).
func AppendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ScanNumber checks the JSON number that starts at s[i],
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and returns the index
// after it.
func ScanNumber[T string | []byte](s T, i int) (int, bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, false
		}
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, false
		}
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	return i, true
}

// SkipSpace returns the index of the first byte of s at or after i that is
// not JSON white space.
func SkipSpace[T string | []byte](s T, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// ScanString checks the JSON string that starts at s[i] (a '"') and returns
// the index just after its closing quote. A control character or an escape
// JSON lacks is not ok; invalid UTF-8 is (encoding/json reads it as U+FFFD).
func ScanString[T string | []byte](s T, i int) (int, bool) {
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(s) {
				return i, false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(s)-i < 5 || !isHex(s[i+1]) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) {
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

// ScanLiteral checks that lit (true, false or null) starts at s[i] and
// returns the index after it.
func ScanLiteral[T string | []byte](s T, i int, lit string) (int, bool) {
	if len(s)-i >= len(lit) && string(s[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// ScanValue checks the JSON value that starts at s[i] (no leading space)
// and returns the index just after it. Arrays and objects may nest depth
// levels deep at most (encoding/json's limit is 10000): a value deeper
// than that is not ok.
func ScanValue[T string | []byte](s T, i, depth int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	switch c := s[i]; {
	case c == '"':
		return ScanString(s, i)
	case c == '[':
		if depth <= 0 {
			return i, false
		}
		i = SkipSpace(s, i+1)
		if i < len(s) && s[i] == ']' {
			return i + 1, true
		}
		for {
			end, ok := ScanValue(s, i, depth-1)
			if !ok {
				return end, false
			}
			var done bool
			if i, done, ok = afterElem(s, end, ']'); !ok || done {
				return i, ok
			}
		}
	case c == '{':
		if depth <= 0 {
			return i, false
		}
		i = SkipSpace(s, i+1)
		if i < len(s) && s[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(s) || s[i] != '"' {
				return i, false
			}
			end, ok := ScanString(s, i)
			if !ok {
				return end, false
			}
			i = SkipSpace(s, end)
			if i >= len(s) || s[i] != ':' {
				return i, false
			}
			i = SkipSpace(s, i+1)
			if end, ok = ScanValue(s, i, depth-1); !ok {
				return end, false
			}
			var done bool
			if i, done, ok = afterElem(s, end, '}'); !ok || done {
				return i, ok
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		return ScanNumber(s, i)
	case c == 't':
		return ScanLiteral(s, i, "true")
	case c == 'f':
		return ScanLiteral(s, i, "false")
	case c == 'n':
		return ScanLiteral(s, i, "null")
	}
	return i, false
}

// afterElem reads what follows an array element or object member that ends
// at end: a comma (i is then the next one's start) or the closing byte
// (done; i is after it). Anything else is not ok.
func afterElem[T string | []byte](s T, end int, closing byte) (i int, done, ok bool) {
	i = SkipSpace(s, end)
	if i >= len(s) {
		return i, false, false
	}
	switch s[i] {
	case ',':
		return SkipSpace(s, i+1), false, true
	case closing:
		return i + 1, true, true
	}
	return i, false, false
}

// AppendFloat appends the finite f as encoding/json writes a float of that
// many bits: the shortest text that reads back to the same bits, in
// exponent form (e-7, e+21: no leading zero in the exponent) only for
// magnitudes under 1e-6 or from 1e21.
func AppendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' { // e-09 → e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
