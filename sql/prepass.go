package sql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"

	"github.com/sundialdb/sundial/types"
)

// Marker functions the pre-pass writes into the text it hands to TiDB. The
// converter recognises them and turns them back into Sundial's AST.
const (
	mkOver  = "__sd_over"  // __sd_over(k, call): call OVER side.overs[k]
	mkWin   = "__sd_win"   // WINDOW w AS (PARTITION BY __sd_win(k)): side.windows[k]
	mkCast  = "__sd_cast"  // __sd_cast(x, 'type'): CAST(x AS type)
	mkLast  = "__sd_last"  // ON __sd_last([order]) AND (cond): LAST JOIN
	mkStar  = "__sd_star"  // f(*) → f(__sd_star())
	mkFn    = "__sd_fn_"   // a renamed function call: __sd_fn_name(args)
	mkArray = "__sd_array" // [a, b] → __sd_array(a, b)
)

// side is what the pre-pass lifted out of one statement.
type side struct {
	overs   []*WindowRef
	windows []*WindowSpec
	options []Option // OPTIONS(...) of LOAD DATA / INTO OUTFILE
	config  []Option // CONFIG(...)
}

// prepass holds the state for parsing one script.
type prepass struct {
	src        string
	toks       []token
	lineStarts []int
	tp         *tidb.Parser
	side       *side
	firstPos   map[string]int // lower-case identifier → offset of its first token in the statement
	stmtLo     int            // the first of the statement's tokens
	stmtHi     int            // the end of the statement's tokens
	selectStmt bool           // the statement is a query (a trailing comma of its select list is tolerated)
}

func newPrepass(src string) *prepass {
	p := &prepass{src: src, toks: lex(src), tp: tidb.New()}
	p.lineStarts = append(p.lineStarts, 0)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			p.lineStarts = append(p.lineStarts, i+1)
		}
	}
	return p
}

// pos converts an offset of the script into a position.
func (p *prepass) pos(off int) Pos {
	if off > len(p.src) {
		off = len(p.src)
	}
	line := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off })
	return Pos{Line: line, Col: off - p.lineStarts[line-1] + 1, Offset: off}
}

// errAt builds an error at a source offset; the quoted text stops at the end of the statement.
func (p *prepass) errAt(off int, format string, args ...any) *Error {
	end := len(p.src)
	if p.stmtHi > 0 && p.stmtHi <= len(p.toks) && p.toks[p.stmtHi-1].End >= off {
		end = p.toks[p.stmtHi-1].End
	}
	return &Error{Pos: p.pos(off), Msg: fmt.Sprintf(format, args...), Near: nearText(p.src[:end], off)}
}

// errTok builds an error at token i (or at the end of the statement range).
func (p *prepass) errTok(i, hi int, format string, args ...any) *Error {
	if i >= hi || i >= len(p.toks) {
		off := len(p.src)
		if hi > 0 && hi <= len(p.toks) {
			off = p.toks[hi-1].End
		}
		return &Error{Pos: p.pos(off), Msg: fmt.Sprintf(format, args...)}
	}
	return p.errAt(p.toks[i].Start, format, args...)
}

// identPos returns the position of the first token spelling name in the current statement.
func (p *prepass) identPos(name string) Pos {
	if off, ok := p.firstPos[strings.ToLower(name)]; ok {
		return p.pos(off)
	}
	return Pos{}
}

// ParseScript parses every statement of a script independently; positions in
// results and errors are relative to the whole script.
func ParseScript(src string) []Result {
	p := newPrepass(src)
	var out []Result
	for _, sp := range splitTokens(p.toks) {
		first, last := p.toks[sp.lo], p.toks[sp.hi-1]
		r := Result{Segment: Segment{Text: src[first.Start:last.End], Pos: p.pos(first.Start), Terminated: sp.terminated}}
		r.Stmt, r.Err = p.parseStmt(sp.lo, sp.hi)
		if r.Err != nil {
			r.Stmt = nil
		}
		out = append(out, r)
	}
	return out
}

// span is one statement's tokens [lo, hi).
type span struct {
	lo, hi     int
	terminated bool
}

// splitTokens splits a script's tokens into statements on ';'. A ';' inside
// the BEGIN ... END body of CREATE PROCEDURE does not end the statement.
func splitTokens(toks []token) []span {
	var out []span
	start, inBody := -1, false
	for i, t := range toks {
		if t.isOp(";") && !inBody {
			if start >= 0 {
				out = append(out, span{start, i, true})
			}
			start = -1
			continue
		}
		if start < 0 {
			start = i
		}
		if t.is("BEGIN") && isProcedureHead(toks[start:i]) {
			inBody = true
		} else if t.is("END") && inBody {
			inBody = false
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(toks), false})
	}
	return out
}

func isProcedureHead(toks []token) bool {
	return len(toks) >= 2 && toks[0].is("CREATE") && func() bool {
		for _, t := range toks[1:min(len(toks), 5)] {
			if t.is("PROCEDURE") {
				return true
			}
		}
		return false
	}()
}

// Parse parses a script and returns its statements, or the first error.
func Parse(src string) ([]Stmt, error) {
	var stmts []Stmt
	for _, r := range ParseScript(src) {
		if r.Err != nil {
			return nil, r.Err
		}
		stmts = append(stmts, r.Stmt)
	}
	return stmts, nil
}

// ParseOne parses exactly one statement.
func ParseOne(src string) (Stmt, error) {
	rs := ParseScript(src)
	switch {
	case len(rs) == 0:
		return nil, &Error{Pos: Pos{Line: 1, Col: 1}, Msg: "empty statement"}
	case rs[0].Err != nil:
		return nil, rs[0].Err
	case len(rs) > 1:
		return nil, &Error{Pos: rs[1].Pos, Msg: "expected one statement, found more", Near: nearText(src, rs[1].Pos.Offset)}
	}
	return rs[0].Stmt, nil
}

// parseStmt parses the statement made of tokens [lo, hi).
func (p *prepass) parseStmt(lo, hi int) (stmt Stmt, err error) {
	defer func() {
		if r := recover(); r != nil {
			// The TiDB parser or a converter bug must never take the process down.
			stmt, err = nil, p.errTok(lo, hi, "internal error parsing statement: %v", r)
		}
	}()
	p.side = &side{}
	p.firstPos = map[string]int{}
	p.stmtLo, p.stmtHi = lo, hi
	p.selectStmt = p.toks[lo].is("SELECT") || p.toks[lo].is("WITH") || p.toks[lo].is("DEPLOY") || p.toks[lo].isOp("(")
	for i := lo; i < hi; i++ {
		t := p.toks[i]
		if t.Kind == tkBad {
			return nil, p.errAt(t.Start, "unterminated %s", badWhat(t.Text))
		}
		if t.Kind == tkIdent || t.Kind == tkQIdent {
			k := strings.ToLower(identText(t))
			if _, ok := p.firstPos[k]; !ok {
				p.firstPos[k] = t.Start
			}
		}
	}
	c := &cursor{p: p, i: lo, hi: hi}
	t0, t1 := c.peek(), c.peekAt(1)
	switch {
	case (t0.is("CREATE") || t0.is("ALTER") || t0.is("DROP")) && t1.is("USER"):
		return p.parseUser(c)
	case t0.is("DEPLOY"):
		return p.parseDeploy(c)
	case t0.is("CREATE"):
		j := 1
		if c.peekAt(j).is("OR") && c.peekAt(j+1).is("REPLACE") {
			j += 2
		}
		switch {
		case c.peekAt(j).is("TABLE"):
			return p.parseCreateTable(c)
		case c.peekAt(j).is("INDEX"):
			return p.parseCreateIndex(c)
		case c.peekAt(j).is("FUNCTION") || (c.peekAt(j).is("AGGREGATE") && c.peekAt(j+1).is("FUNCTION")):
			return p.parseCreateFunction(c)
		case c.peekAt(j).is("PROCEDURE") || (c.peekAt(j).is("TEMP") && c.peekAt(j+1).is("PROCEDURE")):
			return p.parseCreateProcedure(c)
		}
	case (t0.is("EXIT") || t0.is("QUIT")) && hi == lo+1:
		return &Exit{}, nil
	case t0.is("DROP") && (t1.is("DEPLOYMENT") || t1.is("FUNCTION") || t1.is("INDEX") || t1.is("PROCEDURE")):
		return p.parseDrop(c)
	case (t0.is("STOP") || t0.is("DELETE")) && t1.is("JOB"):
		return p.parseJob(c)
	case t0.is("SHOW"):
		if s, ok, err := p.parseShow(c); ok || err != nil {
			return s, err
		}
	}
	return p.parseWithTiDB(lo, hi)
}

func badWhat(text string) string {
	switch {
	case strings.HasPrefix(text, "/*"):
		return "comment"
	case strings.HasPrefix(text, "`"):
		return "quoted identifier"
	}
	return "string literal"
}

// identText returns an identifier token's name (unquoting `x`).
func identText(t token) string {
	if t.Kind == tkQIdent {
		return strings.ReplaceAll(t.Text[1:len(t.Text)-1], "``", "`")
	}
	return t.Text
}

// ---------------------------------------------------------------------------
// The token cursor for OpenMLDB-only statements.

type cursor struct {
	p     *prepass
	i, hi int
}

var eofTok = token{Kind: tkEOF}

func (c *cursor) peek() token { return c.peekAt(0) }
func (c *cursor) peekAt(n int) token {
	if c.i+n < c.hi {
		return c.p.toks[c.i+n]
	}
	return eofTok
}
func (c *cursor) atEnd() bool { return c.i >= c.hi }
func (c *cursor) next() token { t := c.peek(); c.i++; return t }

func (c *cursor) accept(kw string) bool {
	if c.peek().is(kw) {
		c.i++
		return true
	}
	return false
}

func (c *cursor) acceptOp(op string) bool {
	if c.peek().isOp(op) {
		c.i++
		return true
	}
	return false
}

func (c *cursor) errorf(format string, args ...any) *Error {
	return c.p.errTok(c.i, c.hi, format, args...)
}

func (c *cursor) expect(kw string) error {
	if !c.accept(kw) {
		return c.errorf("expected %s", kw)
	}
	return nil
}

func (c *cursor) expectOp(op string) error {
	if !c.acceptOp(op) {
		return c.errorf("expected %q", op)
	}
	return nil
}

// name reads an identifier (unquoted or `quoted`).
func (c *cursor) name(what string) (string, error) {
	t := c.peek()
	if t.Kind == tkIdent || t.Kind == tkQIdent {
		c.i++
		return identText(t), nil
	}
	return "", c.errorf("expected %s", what)
}

// tableName reads [db.]name.
func (c *cursor) tableName() (TableName, error) { return c.qualifiedName("table name") }

// qualifiedName reads [db.]name, where name is described by what.
func (c *cursor) qualifiedName(what string) (TableName, error) {
	start := c.peek().Start
	n, err := c.name(what)
	if err != nil {
		return TableName{}, err
	}
	tn := TableName{Name: n, Pos: c.p.pos(start)}
	if c.acceptOp(".") {
		m, err := c.name(what + " after '.'")
		if err != nil {
			return TableName{}, err
		}
		tn.DB, tn.Name = n, m
	}
	return tn, nil
}

func (c *cursor) ifNotExists() (bool, error) {
	if c.accept("IF") {
		if err := c.expect("NOT"); err != nil {
			return false, err
		}
		return true, c.expect("EXISTS")
	}
	return false, nil
}

func (c *cursor) ifExists() (bool, error) {
	if c.accept("IF") {
		return true, c.expect("EXISTS")
	}
	return false, nil
}

func (c *cursor) end() error {
	if !c.atEnd() {
		return c.errorf("unexpected %q, expected end of statement", c.peek().Text)
	}
	return nil
}

// matchParen returns the index of the ')' (or ']') that closes the opener at i.
func (p *prepass) matchParen(i, hi int) (int, error) {
	depth := 0
	for j := i; j < hi; j++ {
		t := p.toks[j]
		if t.Kind != tkOp {
			continue
		}
		switch t.Text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, p.errAt(p.toks[i].Start, "unbalanced %q: no closing bracket", p.toks[i].Text)
}

// number reads an optionally negative integer.
func (c *cursor) integer(what string) (int64, error) {
	neg := c.acceptOp("-")
	t := c.peek()
	if t.Kind != tkNumber {
		return 0, c.errorf("expected %s", what)
	}
	v, err := strconv.ParseInt(t.Text, 10, 64)
	if err != nil {
		return 0, c.errorf("invalid %s %q", what, t.Text)
	}
	c.i++
	if neg {
		v = -v
	}
	return v, nil
}

// unitSuffix reads a time unit glued to the number just read (3d, 10m).
func (c *cursor) unitSuffix() (string, error) {
	prev := c.p.toks[c.i-1]
	t := c.peek()
	if t.Kind != tkIdent || t.Start != prev.End {
		return "", nil
	}
	u := strings.ToLower(t.Text)
	switch u {
	case "s", "m", "h", "d":
		c.i++
		return u, nil
	}
	return "", c.errorf("unknown time unit %q (expected s, m, h or d)", t.Text)
}

// literal reads a constant: number (optionally signed, optionally with a time
// unit), string, TRUE/FALSE/NULL, an identifier, or a bracketed list.
func (c *cursor) literal() (Expr, error) {
	t := c.peek()
	switch {
	case t.isOp("(") || t.isOp("["):
		closeTok := ")"
		if t.Text == "[" {
			closeTok = "]"
		}
		c.i++
		l := &ListExpr{Bracket: closeTok == "]"}
		for !c.peek().isOp(closeTok) {
			v, err := c.literal()
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
			if !c.acceptOp(",") {
				break
			}
		}
		return l, c.expectOp(closeTok)
	case t.Kind == tkString:
		c.i++
		s, err := unquoteString(t.Text)
		if err != nil {
			return nil, c.p.errAt(t.Start, "%v", err)
		}
		return &Literal{Kind: LitString, Str: s}, nil
	case t.isOp("-") || t.isOp("+") || t.Kind == tkNumber:
		neg := false
		if t.Kind == tkOp {
			neg = t.Text == "-"
			c.i++
			t = c.peek()
			if t.Kind != tkNumber {
				return nil, c.errorf("expected a number")
			}
		}
		c.i++
		if u, err := c.unitSuffix(); err != nil {
			return nil, err
		} else if u != "" {
			v, err := strconv.ParseInt(t.Text, 10, 64)
			if err != nil {
				return nil, c.p.errAt(t.Start, "invalid duration %q", t.Text)
			}
			if neg {
				v = -v
			}
			return &Literal{Kind: LitDuration, Int: v, Str: u}, nil
		}
		return numberLiteral(t.Text, neg, func(msg string) error { return c.p.errAt(t.Start, "%s", msg) })
	case t.is("TRUE") || t.is("FALSE"):
		c.i++
		return &Literal{Kind: LitBool, Bool: t.is("TRUE")}, nil
	case t.is("NULL"):
		c.i++
		return &Literal{Kind: LitNull}, nil
	case t.Kind == tkIdent || t.Kind == tkQIdent:
		c.i++
		return &ColumnRef{Name: identText(t), Pos: c.p.pos(t.Start)}, nil
	}
	return nil, c.errorf("expected a constant")
}

// numberLiteral parses the text of a numeric token.
func numberLiteral(text string, neg bool, fail func(string) error) (*Literal, error) {
	if strings.ContainsAny(text, ".eE") && !strings.HasPrefix(text, "0x") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fail(fmt.Sprintf("invalid number %q", text))
		}
		if neg {
			f, text = -f, "-"+text
		}
		return &Literal{Kind: LitFloat, Float: f, Text: text}, nil
	}
	u, err := strconv.ParseUint(text, 0, 64)
	if err != nil || (!neg && u > 1<<63-1) || (neg && u > 1<<63) {
		return nil, fail(fmt.Sprintf("integer %s%s out of the bigint range", map[bool]string{true: "-"}[neg], text))
	}
	v := int64(u)
	if neg {
		v = -v
	}
	return &Literal{Kind: LitInt, Int: v}, nil
}

// unquoteString decodes a MySQL string literal ('...' or "...").
func unquoteString(text string) (string, error) {
	q := text[0]
	body := text[1 : len(text)-1]
	if !strings.ContainsAny(body, "\\"+string(q)) {
		return body, nil
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		ch := body[i]
		switch {
		case ch == '\\' && i+1 < len(body):
			i++
			switch body[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(26)
			default: // \\ \' \" \% \_ and anything else: the character itself
				b.WriteByte(body[i])
			}
		case ch == q && i+1 < len(body) && body[i+1] == q:
			b.WriteByte(q)
			i++
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), nil
}

// options reads OPTIONS ( key = value, ... ) or CONFIG ( ... ); the keyword is already consumed.
func (c *cursor) options() ([]Option, error) {
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	var opts []Option
	for !c.peek().isOp(")") {
		k, err := c.name("option name")
		if err != nil {
			return nil, err
		}
		if err := c.expectOp("="); err != nil {
			return nil, err
		}
		v, err := c.literal()
		if err != nil {
			return nil, err
		}
		opts = append(opts, Option{Key: k, Value: v})
		if !c.acceptOp(",") {
			break
		}
	}
	return opts, c.expectOp(")")
}

// typeName reads a column type: a name with an optional (n[, m]) that is ignored.
func (c *cursor) typeName() (types.Kind, error) {
	t := c.peek()
	if t.Kind != tkIdent {
		return 0, c.errorf("expected a type name")
	}
	c.i++
	k, ok := types.LookupKind(t.Text)
	if !ok {
		if c.peek().isOp("<") {
			return 0, c.p.errAt(t.Start, "type %s<...> is not supported", strings.ToLower(t.Text))
		}
		return 0, c.p.errAt(t.Start, "unknown type %q", t.Text)
	}
	if c.peek().isOp("(") {
		close, err := c.p.matchParen(c.i, c.hi)
		if err != nil {
			return 0, err
		}
		c.i = close + 1
	}
	return k, nil
}
