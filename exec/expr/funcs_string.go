package expr

import (
	"strings"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildConcat, "concat")
	register(buildConcatWS, "concat_ws")
	register(buildSubstring, "substring")
	register(buildStringUnary, "upper", "lower", "reverse", "trim", "ltrim", "rtrim", "char_length")
	register(buildReplace, "replace")
	register(buildStringBinary, "strcmp", "instr", "left", "right")
	register(buildPad, "lpad", "rpad")
	register(buildChar, "char")
}

func strv(s string) types.Value { return types.Value{Kind: types.String, S: s} }

// concatEval joins string arguments; NULL if any is NULL.
type concatEval struct {
	args []Evaluator
	sep  Evaluator // nil for concat
}

func (e *concatEval) Eval(b *types.Batch, row int) types.Value {
	sep := ""
	if e.sep != nil {
		v := e.sep.Eval(b, row)
		if v.Null {
			return nullv(types.String)
		}
		sep = v.S
	}
	switch len(e.args) {
	case 0:
		return strv("")
	case 1:
		return e.args[0].Eval(b, row)
	case 2:
		x := e.args[0].Eval(b, row)
		if x.Null {
			return x
		}
		y := e.args[1].Eval(b, row)
		if y.Null {
			return y
		}
		return strv(x.S + sep + y.S)
	}
	var buf [8]string
	parts := buf[:0]
	n := 0
	for _, a := range e.args {
		v := a.Eval(b, row)
		if v.Null {
			return nullv(types.String)
		}
		parts = append(parts, v.S)
		n += len(v.S)
	}
	var sb strings.Builder
	sb.Grow(n + len(sep)*(len(parts)-1))
	for i, p := range parts {
		if i > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(p)
	}
	return strv(sb.String())
}

func buildConcat(c *compiler, k *call) (Evaluator, error) {
	return &concatEval{args: k.args}, nil
}

func buildConcatWS(c *compiler, k *call) (Evaluator, error) {
	return &concatEval{sep: k.args[0], args: k.args[1:]}, nil
}

// substring as OpenMLDB's sub_string: pos counts from 1 (negative: from the
// end); pos 0, len < 1 or pos outside the string give "".
func substring(s string, pos, n int64) string {
	size := int64(len(s))
	if pos == 0 || n < 1 || pos > size || pos < -size {
		return ""
	}
	if pos < 0 {
		pos = size + pos
	} else {
		pos--
	}
	if size-pos < n {
		n = size - pos
	}
	return s[pos : pos+n]
}

func buildSubstring(c *compiler, k *call) (Evaluator, error) {
	if len(k.args) == 2 {
		return &binaryEval{a: k.args[0], b: k.args[1], out: types.String, f: func(s, p types.Value) types.Value {
			return strv(substring(s.S, p.I, int64(len(s.S))))
		}}, nil
	}
	return &ternaryEval{a: k.args[0], b: k.args[1], c: k.args[2], out: types.String, f: func(s, p, n types.Value) types.Value {
		return strv(substring(s.S, p.I, n.I))
	}}, nil
}

func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'a' <= c && c <= 'z' {
					b[j] = c - ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

func reverseBytes(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = s[i]
	}
	return string(b)
}

func buildStringUnary(c *compiler, k *call) (Evaluator, error) {
	if k.name == "char_length" {
		return &unaryEval{x: k.args[0], out: types.Int32, f: func(v types.Value) types.Value {
			return types.Value{Kind: types.Int32, I: int64(len(v.S))}
		}}, nil
	}
	var f func(string) string
	switch k.name {
	case "upper":
		f = upperASCII
	case "lower":
		f = lowerASCII
	case "reverse":
		f = reverseBytes
	case "trim":
		f = func(s string) string { return strings.Trim(s, " ") }
	case "ltrim":
		f = func(s string) string { return strings.TrimLeft(s, " ") }
	case "rtrim":
		f = func(s string) string { return strings.TrimRight(s, " ") }
	}
	return &unaryEval{x: k.args[0], out: types.String, f: func(v types.Value) types.Value {
		return strv(f(v.S))
	}}, nil
}

// replaceAll is every occurrence of search replaced; an empty search
// changes nothing.
func replaceAll(s, search, with string) string {
	if search == "" {
		return s
	}
	return strings.ReplaceAll(s, search, with)
}

func buildReplace(c *compiler, k *call) (Evaluator, error) {
	if len(k.args) == 2 {
		return &binaryEval{a: k.args[0], b: k.args[1], out: types.String, f: func(s, search types.Value) types.Value {
			return strv(replaceAll(s.S, search.S, ""))
		}}, nil
	}
	return &ternaryEval{a: k.args[0], b: k.args[1], c: k.args[2], out: types.String, f: func(s, search, with types.Value) types.Value {
		return strv(replaceAll(s.S, search.S, with.S))
	}}, nil
}

func buildStringBinary(c *compiler, k *call) (Evaluator, error) {
	var f func(a, b types.Value) types.Value
	switch k.name {
	case "strcmp":
		f = func(a, b types.Value) types.Value {
			return types.Value{Kind: types.Int32, I: int64(strings.Compare(a.S, b.S))}
		}
	case "instr":
		f = func(a, b types.Value) types.Value {
			return types.Value{Kind: types.Int32, I: int64(strings.Index(a.S, b.S) + 1)}
		}
	case "left":
		f = func(a, b types.Value) types.Value {
			n := b.I
			if n <= 0 {
				return strv("")
			}
			if n >= int64(len(a.S)) {
				return a
			}
			return strv(a.S[:n])
		}
	case "right":
		f = func(a, b types.Value) types.Value {
			n := b.I
			if n <= 0 {
				return strv("")
			}
			if n >= int64(len(a.S)) {
				return a
			}
			return strv(a.S[int64(len(a.S))-n:])
		}
	}
	return &binaryEval{a: k.args[0], b: k.args[1], out: k.out, f: f}, nil
}

// maxPad bounds lpad/rpad results (OpenMLDB caps string buffers at 2 MiB).
const maxPad = 2 << 20

// pad as MySQL's lpad/rpad: s cut to n bytes when longer; else padded with
// repetitions of pad to n bytes; NULL when n is negative, the result would
// exceed 2 MiB, or padding is needed and pad is empty.
func pad(s string, n int64, p string, left bool) (string, bool) {
	if n < 0 || n > maxPad {
		return "", false
	}
	if n <= int64(len(s)) {
		return s[:n], true
	}
	if p == "" {
		return "", false
	}
	need := int(n) - len(s)
	var sb strings.Builder
	sb.Grow(int(n))
	if !left {
		sb.WriteString(s)
	}
	for need > 0 {
		if need >= len(p) {
			sb.WriteString(p)
			need -= len(p)
		} else {
			sb.WriteString(p[:need])
			need = 0
		}
	}
	if left {
		sb.WriteString(s)
	}
	return sb.String(), true
}

func buildPad(c *compiler, k *call) (Evaluator, error) {
	left := k.name == "lpad"
	return &ternaryEval{a: k.args[0], b: k.args[1], c: k.args[2], out: types.String, f: func(s, n, p types.Value) types.Value {
		r, ok := pad(s.S, n.I, p.S, left)
		if !ok {
			return nullv(types.String)
		}
		return strv(r)
	}}, nil
}

func buildChar(c *compiler, k *call) (Evaluator, error) {
	return &unaryEval{x: k.args[0], out: types.String, f: func(v types.Value) types.Value {
		return strv(string([]byte{byte(v.I % 256)}))
	}}, nil
}
