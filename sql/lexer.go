package sql

import (
	"strings"
)

// tokKind classifies a token of the pre-pass lexer.
type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkIdent          // unquoted identifier or keyword
	tkQIdent         // `quoted identifier`
	tkString         // 'string' or "string"
	tkNumber         // 123, 1.5, 1e3, 0x1F
	tkOp             // punctuation and operators
	tkBad            // an unterminated string, quoted identifier or comment
)

// token is one lexeme of the user's text: src[Start:End].
type token struct {
	Kind       tokKind
	Start, End int
	Text       string // the raw text
}

// upper returns the token text upper-cased (for keyword comparisons).
func (t token) is(kw string) bool {
	return t.Kind == tkIdent && strings.EqualFold(t.Text, kw)
}

func (t token) isOp(op string) bool { return t.Kind == tkOp && t.Text == op }

// lex splits src into tokens, skipping white space and comments. It never
// fails: an unterminated literal or comment becomes a tkBad token.
func lex(src string) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#' || (c == '-' && i+1 < len(src) && src[i+1] == '-' && (i+2 == len(src) || isSpace(src[i+2]))):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				toks = append(toks, token{Kind: tkBad, Start: i, End: len(src), Text: src[i:]})
				i = len(src)
				continue
			}
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			end, ok := scanQuoted(src, i)
			kind := tkString
			if c == '`' {
				kind = tkQIdent
			}
			if !ok {
				kind = tkBad
			}
			toks = append(toks, token{Kind: kind, Start: i, End: end, Text: src[i:end]})
			i = end
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			end := scanNumber(src, i)
			toks = append(toks, token{Kind: tkNumber, Start: i, End: end, Text: src[i:end]})
			i = end
		case isIdentStart(c):
			end := i + 1
			for end < len(src) && isIdentPart(src[end]) {
				end++
			}
			toks = append(toks, token{Kind: tkIdent, Start: i, End: end, Text: src[i:end]})
			i = end
		default:
			n := opLen(src, i)
			toks = append(toks, token{Kind: tkOp, Start: i, End: i + n, Text: src[i : i+n]})
			i += n
		}
	}
	return toks
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

// scanQuoted scans a quoted literal starting at src[i] (a quote character).
// Backslash escapes apply to strings; a doubled quote escapes itself.
func scanQuoted(src string, i int) (end int, ok bool) {
	q := src[i]
	j := i + 1
	for j < len(src) {
		switch src[j] {
		case '\\':
			if q != '`' {
				j += 2
				continue
			}
		case q:
			if j+1 < len(src) && src[j+1] == q {
				j += 2
				continue
			}
			return j + 1, true
		}
		j++
	}
	return len(src), false
}

// scanNumber scans a numeric literal. A unit suffix such as the d of 3d is
// not part of the number: it lexes as an adjacent identifier.
func scanNumber(src string, i int) int {
	j := i
	if src[j] == '0' && j+1 < len(src) && (src[j+1] == 'x' || src[j+1] == 'X') {
		j += 2
		for j < len(src) && (isDigit(src[j]) || (src[j]|0x20 >= 'a' && src[j]|0x20 <= 'f')) {
			j++
		}
		return j
	}
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if j < len(src) && src[j] == '.' {
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

var ops3 = []string{"<=>"}
var ops2 = []string{"==", "!=", "<>", "<=", ">=", "<<", ">>", "&&", "||", ":=", "@@"}

func opLen(src string, i int) int {
	for _, op := range ops3 {
		if strings.HasPrefix(src[i:], op) {
			return 3
		}
	}
	for _, op := range ops2 {
		if strings.HasPrefix(src[i:], op) {
			return 2
		}
	}
	return 1
}

// posAt converts a byte offset of src into a line/column position.
func posAt(src string, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off + 1
	if nl := strings.LastIndexByte(src[:off], '\n'); nl >= 0 {
		col = off - nl
	}
	return Pos{Line: line, Col: col, Offset: off}
}

// nearText returns a short excerpt of src starting at off, for error messages.
func nearText(src string, off int) string {
	if off >= len(src) {
		return ""
	}
	s := src[off:]
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[:nl]
	}
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut]
	}
	return strings.TrimRight(s, " \t\r")
}

// SplitScript splits a script into statements on top-level ';' (semicolons in
// strings, quoted identifiers, comments and procedure bodies do not count).
// Empty statements are dropped. The last segment is Terminated only when a
// ';' follows it.
func SplitScript(src string) []Segment {
	toks := lex(src)
	var segs []Segment
	for _, sp := range splitTokens(toks) {
		start, end := toks[sp.lo].Start, toks[sp.hi-1].End
		segs = append(segs, Segment{Text: src[start:end], Pos: posAt(src, start), Terminated: sp.terminated})
	}
	return segs
}
