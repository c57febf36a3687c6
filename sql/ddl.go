package sql

import (
	"strings"
)

// This file parses the statements that exist only in OpenMLDB's dialect
// (their whole grammar is an extension, so there is nothing to hand to TiDB
// but the queries they embed).

// parseDeploy: DEPLOY [IF NOT EXISTS] name [OPTIONS(...)] [AS] query.
func (p *prepass) parseDeploy(c *cursor) (Stmt, error) {
	c.next() // DEPLOY
	d := &Deploy{}
	var err error
	if d.IfNotExists, err = c.ifNotExists(); err != nil {
		return nil, err
	}
	if d.Name, err = c.name("deployment name"); err != nil {
		return nil, err
	}
	if c.accept("OPTIONS") {
		if d.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	c.accept("AS")
	if c.atEnd() {
		return nil, c.errorf("expected SELECT after DEPLOY %s", d.Name)
	}
	q, err := p.parseQueryRange(c.i, c.hi)
	if err != nil {
		return nil, err
	}
	d.Query = q
	return d, nil
}

// parseCreateTable: CREATE TABLE [IF NOT EXISTS] [db.]t (elements) [OPTIONS(...)]
// or CREATE TABLE t LIKE PARQUET|HIVE 'path'.
func (p *prepass) parseCreateTable(c *cursor) (Stmt, error) {
	c.next() // CREATE
	if c.accept("OR") {
		return nil, c.errorf("CREATE OR REPLACE TABLE is not supported")
	}
	c.next() // TABLE
	ct := &CreateTable{}
	var err error
	if ct.IfNotExists, err = c.ifNotExists(); err != nil {
		return nil, err
	}
	if ct.Table, err = c.tableName(); err != nil {
		return nil, err
	}
	if c.accept("LIKE") {
		kind := c.peek()
		if !kind.is("PARQUET") && !kind.is("HIVE") {
			return nil, c.errorf("expected PARQUET or HIVE after LIKE")
		}
		c.next()
		ct.LikeKind = strings.ToLower(kind.Text)
		path := c.peek()
		if path.Kind != tkString {
			return nil, c.errorf("expected a quoted path after LIKE %s", strings.ToUpper(ct.LikeKind))
		}
		c.next()
		if ct.LikePath, err = unquoteString(path.Text); err != nil {
			return nil, err
		}
		return ct, c.end()
	}
	if c.atEnd() || c.peek().is("OPTIONS") {
		// A table without a column list: the catalog rejects it with the table's name.
		if c.accept("OPTIONS") {
			if ct.Options, err = c.options(); err != nil {
				return nil, err
			}
		}
		return ct, c.end()
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	for {
		if c.peek().is("INDEX") || (c.peek().is("KEY") && c.peekAt(1).isOp("(")) {
			idx, err := p.parseIndexDef(c)
			if err != nil {
				return nil, err
			}
			ct.Indexes = append(ct.Indexes, idx)
		} else {
			col, err := p.parseColumnDef(c)
			if err != nil {
				return nil, err
			}
			ct.Columns = append(ct.Columns, col)
		}
		if c.acceptOp(",") {
			if c.peek().isOp(")") { // OpenMLDB tolerates a trailing comma
				break
			}
			continue
		}
		break
	}
	if err := c.expectOp(")"); err != nil {
		return nil, err
	}
	if c.accept("OPTIONS") {
		if ct.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	return ct, c.end()
}

func (p *prepass) parseColumnDef(c *cursor) (*ColumnDef, error) {
	start := c.peek().Start
	name, err := c.name("column name or INDEX")
	if err != nil {
		return nil, err
	}
	col := &ColumnDef{Name: name, Pos: p.pos(start)}
	if col.Type, err = c.typeName(); err != nil {
		return nil, err
	}
	for {
		switch {
		case c.accept("NOT"):
			if err := c.expect("NULL"); err != nil {
				return nil, err
			}
			col.NotNull = true
		case c.accept("NULL"):
			col.NotNull = false
		case c.accept("DEFAULT"):
			end := p.defaultEnd(c.i, c.hi)
			if end == c.i {
				return nil, c.errorf("expected a value after DEFAULT")
			}
			es, err := p.parseExprRange(c.i, end)
			if err != nil {
				return nil, err
			}
			col.Default, c.i = es[0], end
		default:
			return col, nil
		}
	}
}

// defaultEnd finds where a DEFAULT expression ends: at ',' or ')' at depth 0, or NOT NULL.
func (p *prepass) defaultEnd(lo, hi int) int {
	depth := 0
	for j := lo; j < hi; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			if depth == 0 {
				return j
			}
			depth--
		case depth == 0 && (t.isOp(",") || t.is("NOT") || (t.is("NULL") && j > lo)):
			return j
		}
	}
	return hi
}

// parseIndexDef: INDEX [name](KEY=c | KEY=(c1,c2), TS=c, TTL=v | (v1, v2), TTL_TYPE=t).
func (p *prepass) parseIndexDef(c *cursor) (*IndexDef, error) {
	idx := &IndexDef{Pos: p.pos(c.peek().Start)}
	c.next() // INDEX
	if !c.peek().isOp("(") {
		n, err := c.name("index name or '('")
		if err != nil {
			return nil, err
		}
		idx.Name = n
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	for !c.peek().isOp(")") {
		keyTok := c.peek()
		key, err := c.name("KEY, TS, TTL or TTL_TYPE")
		if err != nil {
			return nil, err
		}
		if err := c.expectOp("="); err != nil {
			return nil, err
		}
		switch strings.ToLower(key) {
		case "key":
			if c.acceptOp("(") {
				for {
					k, err := c.name("key column")
					if err != nil {
						return nil, err
					}
					idx.Keys = append(idx.Keys, k)
					if !c.acceptOp(",") {
						break
					}
				}
				if err := c.expectOp(")"); err != nil {
					return nil, err
				}
			} else {
				k, err := c.name("key column")
				if err != nil {
					return nil, err
				}
				idx.Keys = []string{k}
			}
		case "ts":
			if idx.TS, err = c.name("timestamp column"); err != nil {
				return nil, err
			}
		case "ttl":
			if idx.TTLs, err = c.ttl(); err != nil {
				return nil, err
			}
		case "ttl_type":
			if idx.TTLType, err = c.ttlType(); err != nil {
				return nil, err
			}
		default:
			v, err := c.literal()
			if err != nil {
				return nil, err
			}
			idx.Extra = append(idx.Extra, Option{Key: key, Value: v})
			_ = keyTok
		}
		if !c.acceptOp(",") {
			break
		}
	}
	if err := c.expectOp(")"); err != nil {
		return nil, err
	}
	return idx, nil
}

// ttl reads 10m | 1000 | (10m, 2).
func (c *cursor) ttl() ([]TTL, error) {
	one := func() (TTL, error) {
		v, err := c.integer("TTL value")
		if err != nil {
			return TTL{}, err
		}
		u, err := c.unitSuffix()
		return TTL{Value: v, Unit: u}, err
	}
	if c.acceptOp("(") {
		a, err := one()
		if err != nil {
			return nil, err
		}
		if c.acceptOp(")") {
			return []TTL{a}, nil
		}
		if err := c.expectOp(","); err != nil {
			return nil, err
		}
		b, err := one()
		if err != nil {
			return nil, err
		}
		return []TTL{a, b}, c.expectOp(")")
	}
	t, err := one()
	return []TTL{t}, err
}

// ttlType reads a TTL type name. Unknown names are kept: rejecting them is
// the catalog's job, with the table and index in the message.
func (c *cursor) ttlType() (string, error) {
	t := c.peek()
	if t.Kind != tkIdent && t.Kind != tkString {
		return "", c.errorf("expected a TTL type (absolute, latest, absandlat or absorlat)")
	}
	c.next()
	if t.Kind == tkString {
		s, err := unquoteString(t.Text)
		return strings.ToLower(s), err
	}
	return strings.ToLower(t.Text), nil
}

// parseCreateIndex: CREATE INDEX name ON t (cols) [OPTIONS(ts=..., ttl=..., ttl_type=...)].
func (p *prepass) parseCreateIndex(c *cursor) (Stmt, error) {
	c.next() // CREATE
	c.next() // INDEX
	ci := &CreateIndex{}
	var err error
	if ci.Name, err = c.name("index name"); err != nil {
		return nil, err
	}
	if err := c.expect("ON"); err != nil {
		return nil, err
	}
	if ci.Table, err = c.tableName(); err != nil {
		return nil, err
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	for {
		col, err := c.name("column name")
		if err != nil {
			return nil, err
		}
		ci.Columns = append(ci.Columns, col)
		if !c.acceptOp(",") {
			break
		}
	}
	if err := c.expectOp(")"); err != nil {
		return nil, err
	}
	if c.accept("OPTIONS") {
		if ci.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	return ci, c.end()
}

// parseCreateFunction: CREATE [AGGREGATE] FUNCTION [IF NOT EXISTS] name(p type, ...) RETURNS type [OPTIONS(...)].
func (p *prepass) parseCreateFunction(c *cursor) (Stmt, error) {
	c.next() // CREATE
	cf := &CreateFunction{}
	cf.Aggregate = c.accept("AGGREGATE")
	c.next() // FUNCTION
	var err error
	if cf.IfNotExists, err = c.ifNotExists(); err != nil {
		return nil, err
	}
	if cf.Name, err = c.name("function name"); err != nil {
		return nil, err
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	for !c.peek().isOp(")") {
		fp := &FuncParam{}
		// A parameter is "name type" or just "type".
		if (c.peekAt(1).Kind == tkIdent) && !c.peekAt(1).isOp(",") {
			if fp.Name, err = c.name("parameter name"); err != nil {
				return nil, err
			}
		}
		if fp.Type, err = c.typeName(); err != nil {
			return nil, err
		}
		cf.Params = append(cf.Params, fp)
		if !c.acceptOp(",") {
			break
		}
	}
	if err := c.expectOp(")"); err != nil {
		return nil, err
	}
	if err := c.expect("RETURNS"); err != nil {
		return nil, err
	}
	if cf.Returns, err = c.typeName(); err != nil {
		return nil, err
	}
	if c.accept("OPTIONS") {
		if cf.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	return cf, c.end()
}

// parseDrop: DROP DEPLOYMENT|FUNCTION [IF EXISTS] name, DROP INDEX [db.]t.name.
func (p *prepass) parseDrop(c *cursor) (Stmt, error) {
	c.next() // DROP
	what := c.next()
	ifExists, err := c.ifExists()
	if err != nil {
		return nil, err
	}
	switch {
	case what.is("DEPLOYMENT"):
		tn, err := c.qualifiedName("deployment name")
		if err != nil {
			return nil, err
		}
		return &DropDeployment{IfExists: ifExists, DB: tn.DB, Name: tn.Name}, c.end()
	case what.is("FUNCTION"):
		n, err := c.name("function name")
		if err != nil {
			return nil, err
		}
		return &DropFunction{IfExists: ifExists, Name: n}, c.end()
	case what.is("PROCEDURE"):
		tn, err := c.qualifiedName("procedure name")
		if err != nil {
			return nil, err
		}
		return &DropProcedure{IfExists: ifExists, DB: tn.DB, Name: tn.Name}, c.end()
	}
	// DROP INDEX [db.]table.index  (OpenMLDB) or DROP INDEX name ON t (MySQL).
	var parts []string
	for {
		n, err := c.name("index name")
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		if !c.acceptOp(".") {
			break
		}
	}
	di := &DropIndex{}
	switch {
	case len(parts) == 1 && c.accept("ON"):
		di.Name = parts[0]
		if di.Table, err = c.tableName(); err != nil {
			return nil, err
		}
	case len(parts) == 2:
		di.Table.Name, di.Name = parts[0], parts[1]
	case len(parts) == 3:
		di.Table.DB, di.Table.Name, di.Name = parts[0], parts[1], parts[2]
	default:
		return nil, c.errorf("expected DROP INDEX table.index")
	}
	return di, c.end()
}

// parseShow handles the SHOW forms TiDB does not know. ok is false for the
// others, which TiDB parses.
func (p *prepass) parseShow(c *cursor) (Stmt, bool, error) {
	w := c.peekAt(1)
	s := &Show{}
	switch {
	case w.is("DEPLOYMENTS"):
		s.Kind = ShowDeployments
	case w.is("DEPLOYMENT"):
		s.Kind = ShowDeployment
	case w.is("FUNCTIONS"):
		s.Kind = ShowFunctions
	case w.is("JOBS"):
		s.Kind = ShowJobs
	case w.is("COMPONENTS"):
		s.Kind = ShowComponents
	case w.is("JOB") || w.is("JOBLOG"):
		c.i += 2
		id, err := c.jobID()
		if err != nil {
			return nil, true, err
		}
		action := JobShow
		if w.is("JOBLOG") {
			action = JobShowLog
		}
		return &Job{Action: action, ID: id}, true, nil
	case w.is("PROCEDURES"):
		s.Kind = ShowProcedures
	case w.is("PROCEDURE") && c.peekAt(2).is("STATUS"):
		s.Kind = ShowProcedureStatus
		c.i++
	case w.is("CREATE") && c.peekAt(2).is("PROCEDURE"):
		s.Kind = ShowCreateProcedure
		c.i++
	case w.is("TABLE") && c.peekAt(2).is("STATUS"):
		s.Kind = ShowTableStatus
		c.i++
	default:
		return nil, false, nil
	}
	c.i += 2
	if s.Kind == ShowJobs && c.accept("FROM") {
		if err := c.expect("NAMESERVER"); err != nil {
			return nil, true, err
		}
		s.Kind = ShowJobsFromNameServer
	}
	if s.Kind == ShowDeployment || s.Kind == ShowCreateProcedure {
		tn, err := c.qualifiedName(map[bool]string{true: "deployment name", false: "procedure name"}[s.Kind == ShowDeployment])
		if err != nil {
			return nil, true, err
		}
		s.DB, s.Name = tn.DB, tn.Name
	}
	if s.Kind == ShowTableStatus && !c.atEnd() {
		if c.accept("LIKE") {
			t := c.next()
			if t.Kind != tkString {
				return nil, true, p.errAt(t.Start, "expected a quoted pattern after LIKE")
			}
			v, err := unquoteString(t.Text)
			if err != nil {
				return nil, true, err
			}
			s.Like = v
		}
	}
	return s, true, c.end()
}

// jobID reads the rest of a job statement as the job id (ids such as JOB-1122 span several tokens).
func (c *cursor) jobID() (string, error) {
	if c.atEnd() {
		return "", c.errorf("expected a job id")
	}
	start, end := c.peek().Start, c.p.toks[c.hi-1].End
	c.i = c.hi
	id := c.p.src[start:end]
	if t := c.p.toks[c.hi-1]; c.hi-1 == c.i-1 && (t.Kind == tkQIdent || t.Kind == tkString) && t.Start == start {
		id = identText(t)
		if t.Kind == tkString {
			id, _ = unquoteString(t.Text)
		}
	}
	return id, nil
}

// parseJob: STOP JOB id, DELETE JOB id.
func (p *prepass) parseJob(c *cursor) (Stmt, error) {
	action := JobStop
	if c.next().is("DELETE") {
		action = JobDelete
	}
	c.next() // JOB
	id, err := c.jobID()
	if err != nil {
		return nil, err
	}
	return &Job{Action: action, ID: id}, nil
}

// parseUser: CREATE USER [IF NOT EXISTS] u [OPTIONS(...)], ALTER USER [IF EXISTS] u SET OPTIONS(...),
// DROP USER [IF EXISTS] u.
func (p *prepass) parseUser(c *cursor) (Stmt, error) {
	u := &User{}
	switch verb := c.next(); {
	case verb.is("CREATE"):
		u.Action = UserCreate
	case verb.is("ALTER"):
		u.Action = UserAlter
	default:
		u.Action = UserDrop
	}
	c.next() // USER
	var err error
	if u.Action == UserCreate {
		u.IfFlag, err = c.ifNotExists()
	} else {
		u.IfFlag, err = c.ifExists()
	}
	if err != nil {
		return nil, err
	}
	if u.Name, err = c.name("user name"); err != nil {
		return nil, err
	}
	if u.Action == UserAlter {
		if err := c.expect("SET"); err != nil {
			return nil, err
		}
	}
	if u.Action != UserDrop && (u.Action == UserAlter || c.peek().is("OPTIONS")) {
		if err := c.expect("OPTIONS"); err != nil {
			return nil, err
		}
		if u.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	return u, c.end()
}

// parseCreateProcedure: CREATE [OR REPLACE] [TEMP] PROCEDURE [IF NOT EXISTS] name([CONST] p type, ...)
// [OPTIONS(...)] BEGIN [query [;]] END.
func (p *prepass) parseCreateProcedure(c *cursor) (Stmt, error) {
	c.next() // CREATE
	cp := &CreateProcedure{}
	if c.accept("OR") {
		if err := c.expect("REPLACE"); err != nil {
			return nil, err
		}
		cp.OrReplace = true
	}
	cp.Temp = c.accept("TEMP")
	c.next() // PROCEDURE
	var err error
	if cp.IfNotExists, err = c.ifNotExists(); err != nil {
		return nil, err
	}
	if cp.Name, err = c.name("procedure name"); err != nil {
		return nil, err
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	for !c.peek().isOp(")") {
		pp := &ProcParam{Const: c.accept("CONST")}
		if pp.Name, err = c.name("parameter name"); err != nil {
			return nil, err
		}
		if pp.Type, err = c.typeName(); err != nil {
			return nil, err
		}
		cp.Params = append(cp.Params, pp)
		if !c.acceptOp(",") {
			break
		}
	}
	if err := c.expectOp(")"); err != nil {
		return nil, err
	}
	if c.accept("OPTIONS") {
		if cp.Options, err = c.options(); err != nil {
			return nil, err
		}
	}
	if err := c.expect("BEGIN"); err != nil {
		return nil, err
	}
	end := c.hi - 1
	if end < c.i || !p.toks[end].is("END") {
		return nil, p.errTok(c.hi, c.hi, "expected END to close the procedure body")
	}
	bodyHi := end
	for bodyHi > c.i && p.toks[bodyHi-1].isOp(";") {
		bodyHi--
	}
	if bodyHi > c.i {
		saved := p.stmtHi
		p.stmtHi = bodyHi
		if cp.Query, err = p.parseQueryRange(c.i, bodyHi); err != nil {
			return nil, err
		}
		p.stmtHi = saved
	}
	return cp, nil
}
