package expr

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildLike, "like", "ilike", "like_match", "ilike_match")
	register(buildRegexp, "rlike", "regexp_like")
}

// LIKE, as OpenMLDB's like_internal defines it: '_' matches one byte, '%'
// any run of bytes, the escape character (backslash by default; "" or NUL
// disables it) makes the next pattern byte literal, and a pattern ending in
// the escape character matches nothing. The escape is checked first, so an
// escape of '%' or '_' takes away that wildcard. ILIKE folds ASCII case.

type likeTok struct {
	kind byte // 'c' literal, '_' one, '%' any run, '!' never matches
	c    byte
}

type likePattern struct {
	toks []likeTok
	fold bool
}

func compileLike(pattern string, esc int, fold bool) *likePattern {
	p := &likePattern{fold: fold}
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case esc >= 0 && c == byte(esc):
			if i+1 == len(pattern) {
				p.toks = append(p.toks, likeTok{kind: '!'})
			} else {
				i++
				p.toks = append(p.toks, likeTok{kind: 'c', c: lower(pattern[i], fold)})
			}
		case c == '%':
			if n := len(p.toks); n > 0 && p.toks[n-1].kind == '%' {
				continue
			}
			p.toks = append(p.toks, likeTok{kind: '%'})
		case c == '_':
			p.toks = append(p.toks, likeTok{kind: '_'})
		default:
			p.toks = append(p.toks, likeTok{kind: 'c', c: lower(c, fold)})
		}
	}
	return p
}

func lower(c byte, fold bool) byte {
	if fold && 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// match is the classic wildcard match with backtracking to the last '%':
// linear in practice, and the same answers as OpenMLDB's exhaustive search.
func (p *likePattern) match(s string) bool {
	toks := p.toks
	ti, si := 0, 0
	star, starS := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '%':
				star, starS = ti, si
				ti++
				continue
			case '_':
				ti++
				si++
				continue
			case 'c':
				if t.c == lower(s[si], p.fold) {
					ti++
					si++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		starS++
		si = starS
		ti = star + 1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// escapeOf reads LIKE's escape argument: a backslash when absent, none for
// "" or NUL (how the parser spells an empty ESCAPE), else its single byte.
func escapeOf(s string) (int, error) {
	switch {
	case s == "" || s == "\x00":
		return -1, nil
	case len(s) == 1:
		return int(s[0]), nil
	}
	return 0, fmt.Errorf("expr: LIKE escape %q must be one character", s)
}

type likeConst struct {
	x Evaluator
	p *likePattern
}

func (e *likeConst) Eval(b *types.Batch, row int) types.Value {
	v := e.x.Eval(b, row)
	if v.Null {
		return nullv(types.Bool)
	}
	return boolv(e.p.match(v.S))
}

func buildLike(c *compiler, k *call) (Evaluator, error) {
	fold := k.name == "ilike" || k.name == "ilike_match"
	esc := int('\\')
	escConst := true
	if len(k.args) == 3 {
		s, ok := k.constString(2)
		if ok {
			e, err := escapeOf(s)
			if err != nil {
				return nil, err
			}
			esc = e
		} else {
			escConst = false
		}
	}
	if pat, ok := k.constString(1); ok && escConst {
		return &likeConst{x: k.args[0], p: compileLike(pat, esc, fold)}, nil
	}
	// Pattern (or escape) varies per row.
	if len(k.args) == 2 {
		return &binaryEval{a: k.args[0], b: k.args[1], out: types.Bool, f: func(s, p types.Value) types.Value {
			return boolv(compileLike(p.S, esc, fold).match(s.S))
		}}, nil
	}
	return &ternaryEval{a: k.args[0], b: k.args[1], c: k.args[2], out: types.Bool, f: func(s, p, escape types.Value) types.Value {
		e, err := escapeOf(escape.S)
		if err != nil {
			return boolv(false) // OpenMLDB: an invalid escape matches nothing
		}
		return boolv(compileLike(p.S, e, fold).match(s.S))
	}}, nil
}

// Regular expressions: RE2 syntax (Go's regexp), matching the whole string.
// Flags as OpenMLDB's regexp_like: c case-sensitive (default), i
// case-insensitive, m multi-line, s dot matches newline; others ignored. An
// invalid pattern gives NULL, as in OpenMLDB.

func compileRegexp(pattern, flags string) (*regexp.Regexp, error) {
	var f strings.Builder
	for _, c := range flags {
		switch c {
		case 'i', 'm', 's':
			f.WriteRune(c)
		case 'c':
			s := strings.ReplaceAll(f.String(), "i", "")
			f.Reset()
			f.WriteString(s)
		}
	}
	prefix := ""
	if f.Len() > 0 {
		prefix = "(?" + f.String() + ")"
	}
	return regexp.Compile(prefix + `^(?:` + pattern + `)$`)
}

type regexCache struct {
	mu sync.Mutex
	m  map[[2]string]*regexp.Regexp
}

func (rc *regexCache) get(pattern, flags string) (*regexp.Regexp, error) {
	key := [2]string{pattern, flags}
	rc.mu.Lock()
	re, ok := rc.m[key]
	rc.mu.Unlock()
	if ok {
		return re, nil
	}
	re, err := compileRegexp(pattern, flags)
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	if len(rc.m) > 1024 {
		rc.m = map[[2]string]*regexp.Regexp{}
	}
	rc.m[key] = re
	rc.mu.Unlock()
	return re, nil
}

type regexConst struct {
	x  Evaluator
	re *regexp.Regexp
}

func (e *regexConst) Eval(b *types.Batch, row int) types.Value {
	v := e.x.Eval(b, row)
	if v.Null || e.re == nil {
		return nullv(types.Bool)
	}
	return boolv(e.re.MatchString(v.S))
}

func buildRegexp(c *compiler, k *call) (Evaluator, error) {
	flags, flagsConst := "c", true
	if len(k.args) == 3 {
		flags, flagsConst = k.constString(2)
	}
	if pat, ok := k.constString(1); ok && flagsConst {
		re, err := compileRegexp(pat, flags)
		if err != nil {
			re = nil
		}
		return &regexConst{x: k.args[0], re: re}, nil
	}
	cache := &regexCache{m: map[[2]string]*regexp.Regexp{}}
	match := func(s, p, fl string) types.Value {
		re, err := cache.get(p, fl)
		if err != nil {
			return nullv(types.Bool)
		}
		return boolv(re.MatchString(s))
	}
	if len(k.args) == 2 {
		return &binaryEval{a: k.args[0], b: k.args[1], out: types.Bool, f: func(s, p types.Value) types.Value {
			return match(s.S, p.S, flags)
		}}, nil
	}
	return &ternaryEval{a: k.args[0], b: k.args[1], c: k.args[2], out: types.Bool, f: func(s, p, fl types.Value) types.Value {
		return match(s.S, p.S, fl.S)
	}}, nil
}
