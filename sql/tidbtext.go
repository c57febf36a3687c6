package sql

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values for the TiDB parser

	"github.com/sundialdb/sundial/types"
)

// reserved holds TiDB's reserved words: where OpenMLDB lets them stand as
// names, the pre-pass back-quotes them.
var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range tidb.Keywords {
		if k.Reserved {
			m[strings.ToUpper(k.Word)] = true
		}
	}
	return m
}()

// structural lists keywords that may precede '(' without being a function call.
var structural = map[string]bool{
	"IN": true, "VALUES": true, "VALUE": true, "EXISTS": true, "OVER": true, "AS": true, "FROM": true,
	"JOIN": true, "USING": true, "ON": true, "WHERE": true, "SELECT": true, "AND": true, "OR": true,
	"NOT": true, "XOR": true, "ANY": true, "SOME": true, "ALL": true, "KEY": true, "INDEX": true,
	"UNIQUE": true, "PRIMARY": true, "BY": true, "WHEN": true, "THEN": true, "ELSE": true, "CASE": true,
	"END": true, "IS": true, "LIKE": true, "ILIKE": true, "RLIKE": true, "REGEXP": true, "BETWEEN": true,
	"DISTINCT": true, "HAVING": true, "LIMIT": true, "OFFSET": true, "WITH": true, "UNION": true,
	"WINDOW": true, "PARTITION": true, "SET": true, "DEFAULT": true, "INTO": true, "TABLE": true,
	"OPTIONS": true, "CONFIG": true, "ROW": true, "INTERVAL": true, "DIV": true, "OUTFILE": true,
	"INFILE": true, "RETURNS": true, "ESCAPE": true, "ASC": true, "DESC": true, "GROUP": true,
	"ORDER": true, "EXPLAIN": true, "DESCRIBE": true, "LATERAL": true, "DUAL": true, "INTERSECT": true,
	"EXCEPT": true, "RECURSIVE": true,
}

// nativeCalls are left to TiDB's own grammar (they take DISTINCT).
var nativeCalls = map[string]bool{"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true}

// onEnd lists the keywords that end a join condition.
var onEnd = map[string]bool{
	"JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "CROSS": true, "LAST": true, "NATURAL": true,
	"STRAIGHT_JOIN": true, "WHERE": true, "GROUP": true, "HAVING": true, "WINDOW": true, "ORDER": true,
	"LIMIT": true, "UNION": true, "INTO": true, "CONFIG": true, "OPTIONS": true,
}

// process writes tokens [lo, hi) to w in TiDB's dialect, lifting OpenMLDB's
// extensions into p.side.
func (p *prepass) process(w *rewriter, lo, hi int) error {
	for i := lo; i < hi; {
		t := p.toks[i]
		var prev, next token
		if i > lo {
			prev = p.toks[i-1]
		}
		if i+1 < hi {
			next = p.toks[i+1]
		}
		switch {
		case (t.Kind == tkIdent || t.Kind == tkQIdent) && next.isOp("(") && p.isCall(i):
			j, err := p.processCall(w, i, hi)
			if err != nil {
				return err
			}
			i = j
			continue
		case t.is("LAST") && next.is("JOIN"):
			j, err := p.processLastJoin(w, i, hi)
			if err != nil {
				return err
			}
			i = j
			continue
		case t.is("WINDOW") && i+3 < hi && (next.Kind == tkIdent || next.Kind == tkQIdent) &&
			p.toks[i+2].is("AS") && p.toks[i+3].isOp("("):
			j, err := p.processWindowClause(w, i, hi)
			if err != nil {
				return err
			}
			i = j
			continue
		case (t.is("OPTIONS") || t.is("CONFIG")) && next.isOp("("):
			c := &cursor{p: p, i: i + 1, hi: hi}
			opts, err := c.options()
			if err != nil {
				return err
			}
			if t.is("OPTIONS") {
				p.side.options = append(p.side.options, opts...)
			} else {
				p.side.config = append(p.side.config, opts...)
			}
			i = c.i
			continue
		case t.isOp("=="):
			w.replaceTok("=", t)
		case t.isOp("[") && !(prev.Kind == tkIdent || prev.Kind == tkQIdent || prev.Kind == tkNumber ||
			prev.Kind == tkString || prev.isOp(")") || prev.isOp("]")):
			// An array literal [a, b] (OpenMLDB's array functions take them).
			closeIdx, err := p.matchParen(i, hi)
			if err != nil {
				return err
			}
			w.replaceTok(mkArray+"(", t)
			if err := p.process(w, i+1, closeIdx); err != nil {
				return err
			}
			w.replaceTok(")", p.toks[closeIdx])
			i = closeIdx + 1
			continue
		case t.isOp("*") && i > 0 && (p.toks[i-1].isOp("(") || p.toks[i-1].isOp(",")) && (next.isOp(")") || next.isOp(",")) && p.inCallArgs(i):
			w.replaceTok(mkStar+"()", t)
		case t.Kind == tkNumber && next.Kind == tkIdent && next.Start == t.End && numberSuffix(next.Text) != "":
			// OpenMLDB's typed literals: 3.5f is a float, 5L a bigint.
			w.replaceTok(mkCast+"("+t.Text+", '"+numberSuffix(next.Text)+"')", t)
			i += 2
			continue
		case t.Kind == tkNumber && !strings.ContainsAny(t.Text, "xX") && numberTooBig(t.Text):
			// TiDB turns such literals into decimals (and its test driver panics
			// on the longest ones); Sundial has no decimal type.
			return p.errAt(t.Start, "number %s is out of range", t.Text)
		case t.Kind == tkNumber && len(t.Text) > 2 && (t.Text[1] == 'x' || t.Text[1] == 'X'):
			v, err := strconv.ParseUint(t.Text[2:], 16, 64)
			if err != nil || v > 1<<63-1 {
				return p.errAt(t.Start, "hexadecimal literal %s out of the bigint range", t.Text)
			}
			w.replaceTok(strconv.FormatUint(v, 10), t)
		case t.isOp(",") && (next.is("FROM") || (i+1 == p.stmtHi && p.selectStmt && !p.hasFrom(i))):
			// OpenMLDB tolerates a trailing comma in the select list.
		case t.is("OR") && prev.is("INSERT") && next.is("IGNORE"):
			// INSERT OR IGNORE → INSERT IGNORE
		case t.Kind == tkIdent && reserved[strings.ToUpper(t.Text)] &&
			(prev.isOp(".") || (next.isOp(".") && i+2 < hi && p.toks[i+2].Kind != tkOp) || (prev.is("AS") && !next.isOp("("))):
			w.replaceTok("`"+t.Text+"`", t)
		default:
			w.copyTok(t)
		}
		i++
	}
	return nil
}

// hasFrom reports whether a FROM stands at depth 0 before token i of the statement.
func (p *prepass) hasFrom(i int) bool {
	depth := 0
	for j := p.stmtLo; j < i; j++ {
		switch t := p.toks[j]; {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("FROM"):
			return true
		}
	}
	return false
}

// numberTooBig reports whether a decimal literal is an integer beyond uint64
// or a decimal with more digits than a double can carry meaningfully.
func numberTooBig(text string) bool {
	if strings.ContainsAny(text, "eE") {
		return false // a float literal: strconv decides
	}
	if !strings.Contains(text, ".") {
		_, err := strconv.ParseUint(text, 10, 64)
		return err != nil
	}
	return len(text) > 64
}

// numberSuffix maps a literal suffix to the type it gives the number.
func numberSuffix(s string) string {
	switch s {
	case "f", "F":
		return "float"
	case "l", "L":
		return "bigint"
	}
	return ""
}

// inCallArgs reports whether token i sits directly in the argument list of a call.
func (p *prepass) inCallArgs(i int) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := p.toks[j]
		switch {
		case t.isOp(")"):
			depth++
		case t.isOp("("):
			if depth == 0 {
				return j > 0 && (p.toks[j-1].Kind == tkIdent || p.toks[j-1].Kind == tkQIdent) && p.isCall(j-1)
			}
			depth--
		}
	}
	return false
}

// isCall reports whether the identifier at i (followed by '(') is a function call.
func (p *prepass) isCall(i int) bool {
	up := strings.ToUpper(p.toks[i].Text)
	if p.toks[i].Kind == tkIdent && structural[up] {
		// join(list, sep) is a function where an expression may start.
		if up != "JOIN" || i == 0 {
			return false
		}
		prev := p.toks[i-1]
		return prev.isOp(",") || prev.isOp("(") || prev.is("SELECT") || (prev.Kind == tkOp && !prev.isOp(")"))
	}
	if i > 0 {
		prev := p.toks[i-1]
		if prev.isOp(".") || prev.is("INTO") || prev.is("TABLE") || prev.is("UNION") || prev.is("CALL") {
			return false
		}
	}
	return true
}

// processCall rewrites the call at i: CAST, f(*) and windowed calls get markers;
// every function outside TiDB's own aggregate grammar is renamed so that TiDB
// parses it as a generic call (lag, top, int, string, ... are keywords there).
func (p *prepass) processCall(w *rewriter, i, hi int) (int, error) {
	t := p.toks[i]
	closeIdx, err := p.matchParen(i+1, hi)
	if err != nil {
		return 0, err
	}
	up := strings.ToUpper(t.Text)
	if up == "CAST" {
		return closeIdx + 1, p.processCast(w, i, closeIdx)
	}
	after := closeIdx + 1
	var over *WindowRef
	if after < hi && p.toks[after].is("OVER") {
		over, after, err = p.parseOver(after+1, hi)
		if err != nil {
			return 0, err
		}
		w.replaceTok(mkOver+"("+strconv.Itoa(len(p.side.overs))+",", t)
		p.side.overs = append(p.side.overs, over)
	}
	if t.Kind == tkIdent && (nativeCalls[up] || p.hasKeywordArg(i+2, closeIdx)) {
		w.copyTok(t)
	} else {
		w.replaceTok("`"+mkFn+strings.ReplaceAll(identText(t), "`", "``")+"`", t)
	}
	w.copyTok(p.toks[i+1])
	if closeIdx == i+3 && p.toks[i+2].isOp("*") {
		w.replaceTok(mkStar+"()", p.toks[i+2])
	} else if err := p.process(w, i+2, closeIdx); err != nil {
		return 0, err
	}
	w.copyTok(p.toks[closeIdx])
	if over != nil {
		w.emit(")", p.toks[closeIdx].End)
	}
	return after, nil
}

// hasKeywordArg reports whether a call's arguments use MySQL's keyword forms
// (TRIM(x FROM y), POSITION(a IN b), CONVERT(x USING c)), which only TiDB's
// own grammar for those functions accepts.
func (p *prepass) hasKeywordArg(lo, hi int) bool {
	depth := 0
	for j := lo; j < hi; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && (t.is("FROM") || t.is("IN") || t.is("USING") || t.is("FOR")):
			return true
		}
	}
	return false
}

// processCast rewrites CAST(x AS type) as __sd_cast(x, 'type').
func (p *prepass) processCast(w *rewriter, i, closeIdx int) error {
	as := -1
	depth := 0
	for j := i + 2; j < closeIdx; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("AS"):
			as = j
		}
	}
	if as < 0 {
		return p.errTok(closeIdx, closeIdx+1, "expected AS <type> in CAST")
	}
	if as+1 >= closeIdx {
		return p.errTok(as+1, closeIdx+1, "expected a type after AS in CAST")
	}
	tt := p.toks[as+1]
	k, ok := castKind(tt.Text)
	if !ok {
		return p.errAt(tt.Start, "unknown type %q in CAST", tt.Text)
	}
	w.replaceTok(mkCast+"(", p.toks[i])
	if err := p.process(w, i+2, as); err != nil {
		return err
	}
	w.emit(", '"+k.String()+"')", tt.Start)
	return nil
}

// castKind resolves a CAST target: OpenMLDB type names plus MySQL's cast names.
func castKind(name string) (types.Kind, bool) {
	switch strings.ToUpper(name) {
	case "SIGNED", "UNSIGNED":
		return types.Int64, true
	}
	return types.LookupKind(name)
}

// parseOver reads what follows OVER: a window name or (spec). It returns the
// index just after.
func (p *prepass) parseOver(i, hi int) (*WindowRef, int, error) {
	if i >= hi {
		return nil, 0, p.errTok(i, hi, "expected a window name or (window specification) after OVER")
	}
	t := p.toks[i]
	switch {
	case t.Kind == tkQIdent || (t.Kind == tkIdent && !structural[strings.ToUpper(t.Text)] && !reserved[strings.ToUpper(t.Text)]):
		return &WindowRef{Name: identText(t)}, i + 1, nil
	case t.isOp("("):
		closeIdx, err := p.matchParen(i, hi)
		if err != nil {
			return nil, 0, err
		}
		spec, err := p.parseWindowSpec(i+1, closeIdx)
		if err != nil {
			return nil, 0, err
		}
		return &WindowRef{Spec: spec}, closeIdx + 1, nil
	}
	return nil, 0, p.errAt(t.Start, "expected a window name or (window specification) after OVER")
}

// processLastJoin rewrites `LAST JOIN r [ORDER BY e] ON cond` as
// `LEFT JOIN r ON __sd_last([e]) AND (cond)`.
func (p *prepass) processLastJoin(w *rewriter, i, hi int) (int, error) {
	w.replaceTok("LEFT", p.toks[i])
	w.copyTok(p.toks[i+1])
	j := i + 2
	depth := 0
	orderAt, onAt := -1, -1
	for ; j < hi && onAt < 0; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("ORDER") && j+1 < hi && p.toks[j+1].is("BY") && orderAt < 0:
			orderAt = j
		case depth == 0 && t.is("ON"):
			onAt = j
		}
	}
	if onAt < 0 {
		return 0, p.errTok(hi, hi, "expected ON after LAST JOIN")
	}
	rightEnd := onAt
	if orderAt >= 0 {
		rightEnd = orderAt
	}
	if err := p.process(w, i+2, rightEnd); err != nil {
		return 0, err
	}
	w.copyTok(p.toks[onAt])
	w.emit(mkLast+"(", p.toks[i].Start)
	if orderAt >= 0 {
		orderEnd := onAt
		desc := false
		if t := p.toks[onAt-1]; t.is("ASC") || t.is("DESC") {
			desc = t.is("DESC")
			orderEnd--
		}
		if orderAt+2 >= orderEnd {
			return 0, p.errTok(orderAt+2, hi, "expected a column after LAST JOIN ... ORDER BY")
		}
		if err := p.process(w, orderAt+2, orderEnd); err != nil {
			return 0, err
		}
		if desc {
			w.emit(", TRUE", p.toks[onAt-1].Start)
		}
	}
	w.emit(") AND (", p.toks[onAt].Start)
	end := onAt + 1
	depth = 0
	for ; end < hi; end++ {
		t := p.toks[end]
		if t.isOp("(") {
			depth++
		} else if t.isOp(")") {
			if depth == 0 {
				break
			}
			depth--
		} else if depth == 0 && (t.isOp(",") || (t.Kind == tkIdent && onEnd[strings.ToUpper(t.Text)])) {
			break
		}
	}
	if end == onAt+1 {
		return 0, p.errTok(end, hi, "expected a join condition after ON")
	}
	if err := p.process(w, onAt+1, end); err != nil {
		return 0, err
	}
	w.emit(")", p.toks[end-1].End)
	return end, nil
}

// processWindowClause lifts every `name AS (spec)` of a WINDOW clause into
// p.side.windows, writing `name AS (PARTITION BY __sd_win(k))` for TiDB.
func (p *prepass) processWindowClause(w *rewriter, i, hi int) (int, error) {
	w.copyTok(p.toks[i])
	j := i + 1
	for {
		nameTok := p.toks[j]
		openIdx := j + 2
		closeIdx, err := p.matchParen(openIdx, hi)
		if err != nil {
			return 0, err
		}
		spec, err := p.parseWindowSpec(openIdx+1, closeIdx)
		if err != nil {
			return 0, err
		}
		k := len(p.side.windows)
		p.side.windows = append(p.side.windows, spec)
		w.replaceTok("`"+strings.ReplaceAll(identText(nameTok), "`", "``")+"`", nameTok)
		w.emit("AS (PARTITION BY "+mkWin+"("+strconv.Itoa(k)+"))", nameTok.Start)
		j = closeIdx + 1
		if j+3 < hi && p.toks[j].isOp(",") && p.toks[j+2].is("AS") && p.toks[j+3].isOp("(") {
			w.copyTok(p.toks[j])
			j++
			continue
		}
		return j, nil
	}
}

// windowStop lists the keywords that end a clause inside a window specification.
var windowStop = map[string]bool{
	"PARTITION": true, "ORDER": true, "ROWS": true, "ROWS_RANGE": true, "RANGE": true, "MAXSIZE": true,
	"EXCLUDE": true, "INSTANCE_NOT_IN_WINDOW": true,
}

// parseWindowSpec parses a window specification in tokens [lo, hi):
// [UNION src, ...] [PARTITION BY ...] [ORDER BY ...] [frame] [MAXSIZE n] [EXCLUDE ...] [INSTANCE_NOT_IN_WINDOW].
func (p *prepass) parseWindowSpec(lo, hi int) (*WindowSpec, error) {
	spec := &WindowSpec{}
	c := &cursor{p: p, i: lo, hi: hi}
	// clauseEnd finds the next window keyword at depth 0.
	clauseEnd := func(from int) int {
		depth := 0
		for j := from; j < hi; j++ {
			t := p.toks[j]
			switch {
			case t.isOp("("):
				depth++
			case t.isOp(")"):
				depth--
			case depth == 0 && t.Kind == tkIdent && windowStop[strings.ToUpper(t.Text)]:
				return j
			}
		}
		return hi
	}
	if t := c.peek(); (t.Kind == tkIdent || t.Kind == tkQIdent) && !windowStop[strings.ToUpper(t.Text)] && !t.is("UNION") {
		spec.Base = identText(t)
		c.next()
	}
	if c.accept("UNION") {
		for {
			src, err := p.parseUnionSource(c)
			if err != nil {
				return nil, err
			}
			spec.Union = append(spec.Union, src)
			if !c.acceptOp(",") {
				break
			}
		}
	}
	if err := p.windowModifiers(c, spec); err != nil {
		return nil, err
	}
	if c.accept("PARTITION") {
		if err := c.expect("BY"); err != nil {
			return nil, err
		}
		end := clauseEnd(c.i)
		if end == c.i {
			return nil, c.errorf("expected an expression after PARTITION BY")
		}
		exprs, err := p.parseExprRange(c.i, end)
		if err != nil {
			return nil, err
		}
		spec.PartitionBy = exprs
		c.i = end
	}
	if c.accept("ORDER") {
		if err := c.expect("BY"); err != nil {
			return nil, err
		}
		end := clauseEnd(c.i)
		items, err := p.parseOrderItems(c.i, end)
		if err != nil {
			return nil, err
		}
		spec.OrderBy = items
		c.i = end
	}
	if t := c.peek(); t.is("ROWS") || t.is("ROWS_RANGE") || t.is("RANGE") {
		f, err := p.parseFrame(c)
		if err != nil {
			return nil, err
		}
		spec.Frame = f
	}
	if err := p.windowModifiers(c, spec); err != nil {
		return nil, err
	}
	if !c.atEnd() {
		return nil, c.errorf("unexpected %q in window specification", c.peek().Text)
	}
	return spec, nil
}

// windowModifiers reads the attributes after a frame (or before PARTITION BY):
// MAXSIZE, which is part of the frame and so comes first (OpenMLDB's grammar),
// then EXCLUDE and INSTANCE_NOT_IN_WINDOW in any order.
func (p *prepass) windowModifiers(c *cursor, spec *WindowSpec) error {
	attrs := false // an EXCLUDE or INSTANCE_NOT_IN_WINDOW was read
	for {
		switch {
		case c.peek().is("MAXSIZE") && attrs:
			return p.errTok(c.i, c.hi, "MAXSIZE belongs to the frame: write it before EXCLUDE and INSTANCE_NOT_IN_WINDOW")
		case c.accept("MAXSIZE"):
			n, err := c.integer("MAXSIZE row count")
			if err != nil {
				return err
			}
			if n <= 0 {
				return p.errTok(c.i-1, c.hi, "MAXSIZE must be positive")
			}
			spec.MaxSize = n
		case c.accept("EXCLUDE"):
			attrs = true
			switch {
			case c.accept("CURRENT_ROW"):
				spec.ExcludeCurrentRow = true
			case c.accept("CURRENT_TIME"):
				spec.ExcludeCurrentTime = true
			default:
				return c.errorf("expected CURRENT_ROW or CURRENT_TIME after EXCLUDE")
			}
		case c.accept("INSTANCE_NOT_IN_WINDOW"):
			attrs = true
			spec.InstanceNotInWindow = true
		default:
			return nil
		}
	}
}

// parseUnionSource reads a WINDOW ... UNION source: [db.]table or (query) [AS] alias.
func (p *prepass) parseUnionSource(c *cursor) (TableExpr, error) {
	if c.peek().isOp("(") {
		closeIdx, err := p.matchParen(c.i, c.hi)
		if err != nil {
			return nil, err
		}
		q, err := p.parseQueryRange(c.i+1, closeIdx)
		if err != nil {
			return nil, err
		}
		c.i = closeIdx + 1
		st := &SubqueryTable{Query: q}
		if c.accept("AS") || (c.peek().Kind == tkIdent && !windowStop[strings.ToUpper(c.peek().Text)]) || c.peek().Kind == tkQIdent {
			if st.Alias, err = c.name("alias"); err != nil {
				return nil, err
			}
		}
		return st, nil
	}
	tn, err := c.tableName()
	if err != nil {
		return nil, c.errorf("expected a table or (subquery) after UNION")
	}
	return &TableRef{Name: tn}, nil
}

// parseFrame reads ROWS|ROWS_RANGE|RANGE (BETWEEN a AND b | a).
func (p *prepass) parseFrame(c *cursor) (*Frame, error) {
	f := &Frame{}
	switch u := c.next(); {
	case u.is("ROWS"):
		f.Unit = FrameRows
	case u.is("ROWS_RANGE"):
		f.Unit = FrameRowsRange
	default:
		f.Unit = FrameRange
	}
	var err error
	if c.accept("BETWEEN") {
		f.Between = true
		if f.Start, err = p.parseBound(c, f.Unit); err != nil {
			return nil, err
		}
		if err := c.expect("AND"); err != nil {
			return nil, err
		}
		if f.End, err = p.parseBound(c, f.Unit); err != nil {
			return nil, err
		}
	} else {
		if f.Start, err = p.parseBound(c, f.Unit); err != nil {
			return nil, err
		}
		f.End = FrameBound{Kind: CurrentRow}
	}
	return f, nil
}

func (p *prepass) parseBound(c *cursor, unit FrameUnit) (FrameBound, error) {
	switch {
	case c.accept("UNBOUNDED"):
		if c.accept("PRECEDING") {
			return FrameBound{Kind: UnboundedPreceding}, nil
		}
		if c.accept("FOLLOWING") {
			return FrameBound{Kind: UnboundedFollowing}, nil
		}
		return FrameBound{}, c.errorf("expected PRECEDING or FOLLOWING after UNBOUNDED")
	case c.accept("CURRENT"):
		if err := c.expect("ROW"); err != nil {
			return FrameBound{}, err
		}
		return FrameBound{Kind: CurrentRow}, nil
	case c.accept("CURRENT_ROW"):
		return FrameBound{Kind: CurrentRow}, nil
	}
	numTok := c.peek()
	if numTok.Kind != tkNumber && !numTok.isOp("-") {
		return FrameBound{}, c.errorf("expected UNBOUNDED, CURRENT ROW or an offset in the frame")
	}
	v, err := c.integer("frame offset")
	if err != nil {
		return FrameBound{}, err
	}
	b := FrameBound{Value: v}
	if b.Unit, err = c.unitSuffix(); err != nil {
		return FrameBound{}, err
	}
	if b.Unit != "" && unit == FrameRows {
		return FrameBound{}, p.errAt(numTok.Start, "a ROWS frame counts rows: the offset takes no time unit")
	}
	b.Open = c.accept("OPEN")
	switch {
	case c.accept("PRECEDING"):
		b.Kind = Preceding
	case c.accept("FOLLOWING"):
		b.Kind = Following
	default:
		return FrameBound{}, c.errorf("expected PRECEDING or FOLLOWING")
	}
	return b, nil
}

// parseOrderItems parses `e [ASC|DESC], ...` in tokens [lo, hi).
func (p *prepass) parseOrderItems(lo, hi int) ([]*OrderItem, error) {
	var items []*OrderItem
	var exprLo = lo
	depth := 0
	flush := func(end int) error {
		if end == exprLo {
			return p.errTok(end, hi, "expected an expression in ORDER BY")
		}
		desc := false
		if t := p.toks[end-1]; t.is("ASC") || t.is("DESC") {
			desc = t.is("DESC")
			end--
		}
		es, err := p.parseExprRange(exprLo, end)
		if err != nil {
			return err
		}
		items = append(items, &OrderItem{Expr: es[0], Desc: desc})
		return nil
	}
	for j := lo; j < hi; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.isOp(","):
			if err := flush(j); err != nil {
				return nil, err
			}
			exprLo = j + 1
		}
	}
	if err := flush(hi); err != nil {
		return nil, err
	}
	return items, nil
}

// parseExprRange parses a comma-separated expression list in tokens [lo, hi).
func (p *prepass) parseExprRange(lo, hi int) ([]Expr, error) {
	w := &rewriter{}
	w.emit("SELECT", p.toks[lo].Start)
	if err := p.process(w, lo, hi); err != nil {
		return nil, err
	}
	n, err := p.tidbParse(w, lo, hi)
	if err != nil {
		return nil, err
	}
	sel, ok := n.(*ast.SelectStmt)
	if !ok || sel.From != nil || sel.Where != nil {
		return nil, p.errAt(p.toks[lo].Start, "expected an expression list")
	}
	cv := &converter{p: p, lo: lo}
	var out []Expr
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil || f.AsName.O != "" {
			return nil, p.errAt(p.toks[lo].Start, "expected an expression list")
		}
		e, err := cv.expr(f.Expr)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// parseQueryRange parses a query in tokens [lo, hi).
func (p *prepass) parseQueryRange(lo, hi int) (Query, error) {
	st, err := p.parseWithTiDB(lo, hi)
	if err != nil {
		return nil, err
	}
	q, ok := st.(Query)
	if !ok {
		return nil, p.errAt(p.toks[lo].Start, "expected a SELECT")
	}
	return q, nil
}

// parseWithTiDB rewrites tokens [lo, hi) and parses them with TiDB.
func (p *prepass) parseWithTiDB(lo, hi int) (Stmt, error) {
	w := &rewriter{}
	if err := p.process(w, lo, hi); err != nil {
		return nil, err
	}
	n, err := p.tidbParse(w, lo, hi)
	if err != nil {
		return nil, err
	}
	cv := &converter{p: p, lo: lo}
	return cv.stmt(n, lo)
}

var tidbErrRe = regexp.MustCompile(`line (\d+) column (\d+) near "((?s).*)"`)

// tidbParse parses the rewritten text of tokens [lo, hi) as one statement.
func (p *prepass) tidbParse(w *rewriter, lo, hi int) (ast.StmtNode, error) {
	text := w.String()
	stmts, _, err := p.tp.Parse(text, "", "")
	if err != nil {
		return nil, p.mapTiDBError(w, text, err, lo, hi)
	}
	if len(stmts) != 1 {
		return nil, p.errAt(p.toks[lo].Start, "expected one statement")
	}
	return stmts[0], nil
}

// mapTiDBError turns a TiDB syntax error into an *Error at the user's position.
func (p *prepass) mapTiDBError(w *rewriter, text string, err error, lo, hi int) error {
	m := tidbErrRe.FindStringSubmatch(err.Error())
	if m == nil {
		return p.errAt(p.toks[lo].Start, "syntax error: %v", errors.Unwrap(err))
	}
	col, _ := strconv.Atoi(m[2])
	near := strings.TrimSuffix(m[3], " ")
	if near == "" {
		return p.errTok(hi, hi, "syntax error: unexpected end of statement")
	}
	at := -1
	for o := min(col, len(text)); o >= 0; o-- {
		if strings.HasPrefix(text[o:], near) {
			at = o
			break
		}
	}
	if at < 0 {
		at = min(col, len(text))
	}
	off := w.srcOffset(at)
	msg := "syntax error"
	for _, t := range p.toks[lo:hi] {
		if t.Start == off && t.Kind == tkIdent && reserved[strings.ToUpper(t.Text)] && !structural[strings.ToUpper(t.Text)] {
			msg = "syntax error: " + strings.ToUpper(t.Text) + " is a reserved word; quote it as `" + t.Text + "` to use it as a name"
		}
	}
	return p.errAt(off, "%s", msg)
}
