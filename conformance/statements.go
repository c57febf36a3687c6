package conformance

import (
	"fmt"
	"strings"
)

// Statement is one SQL text a case runs, after placeholder substitution.
// Text may itself hold several ';'-separated statements (as written in the
// case); it is left as one text.
type Statement struct {
	Text string
	// ExpectOK reports whether OpenMLDB expects the statement to succeed:
	// true for setup statements and all but the last of `sqls`; the case's
	// expect.success for the last (or only) statement; a step's own expect
	// for steps; the case's expect.success for tearDown statements.
	ExpectOK bool
	Setup    bool // an input table's create/insert/inserts text
	Teardown bool // a raw_flags.tearDown statement, run after the case
	// Source names where the text comes from: "inputs[0].create",
	// "inputs[1].inserts[2]", "sql", "sqls[3]", "steps[1]", "tearDown[0]".
	Source string
	// UDFScript is a HybridSE "%%fun" block that preceded the SQL (its own
	// Python-like language for user functions, not SQL); Text then holds only
	// the "%%sql" part, and is empty when the case has no SQL at all.
	UDFScript string
	// Expect is the expectation checked after this statement: the case's
	// expect for the last (or only) statement, a step's expect for a step,
	// nil otherwise.
	Expect *Expect
}

// Statements returns every SQL statement the case runs, in order, with
// placeholders substituted (see Substitute; {auto} names are numbered across
// the whole case): the input tables' raw create, insert and inserts texts
// (Setup), then sql, or each of sqls (and then sql, when it is not the last
// of them again), or each step's sql, then the
// raw_flags.tearDown statements (Teardown).
//
// Input tables given as columns/indexes/rows are not turned into SQL here;
// a runner creates and fills them itself.
func (c *Case) Statements(env Env) []Statement {
	s := substituter{c: c, env: env}
	var out []Statement
	add := func(text, source string, ok bool) *Statement {
		udf, sqlText := splitUDFScript(text)
		out = append(out, Statement{Text: s.run(sqlText), UDFScript: udf, ExpectOK: ok, Source: source})
		return &out[len(out)-1]
	}
	for i, in := range c.Inputs {
		if in.Create != "" {
			add(in.Create, fmt.Sprintf("inputs[%d].create", i), true).Setup = true
		}
		if in.Insert != "" {
			add(in.Insert, fmt.Sprintf("inputs[%d].insert", i), true).Setup = true
		}
		for j, ins := range in.Inserts {
			add(ins, fmt.Sprintf("inputs[%d].inserts[%d]", i, j), true).Setup = true
		}
	}
	switch {
	case len(c.Steps) > 0:
		for i, st := range c.Steps {
			add(st.SQL, fmt.Sprintf("steps[%d]", i), st.Expect.Succeeds()).Expect = &st.Expect
		}
	case len(c.SQLs) > 0:
		// sqls, then sql when it is another statement (test_delete: the
		// deletes, then the query the expect is about); many cases repeat
		// the last of sqls as sql.
		withSQL := c.SQL != "" && !sameStatement(c.SQL, c.SQLs[len(c.SQLs)-1])
		for i, q := range c.SQLs {
			last := i == len(c.SQLs)-1 && !withSQL
			st := add(q, fmt.Sprintf("sqls[%d]", i), !last || c.ExpectSuccess())
			if last {
				st.Expect = &c.Expect
			}
		}
		if withSQL {
			add(c.SQL, "sql", c.ExpectSuccess()).Expect = &c.Expect
		}
	case c.SQL != "":
		add(c.SQL, "sql", c.ExpectSuccess()).Expect = &c.Expect
	}
	for i, q := range c.RawFlags.TearDown {
		add(q, fmt.Sprintf("tearDown[%d]", i), c.ExpectSuccess()).Teardown = true
	}
	return out
}

// sameStatement reports whether two statement texts are the same but for
// spacing and a trailing semicolon.
func sameStatement(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimSuffix(strings.Join(strings.Fields(s), " "), ";")
	}
	return norm(a) == norm(b)
}

// splitUDFScript separates a leading "%%fun ... [%%sql]" block from the SQL.
func splitUDFScript(text string) (udf, sqlText string) {
	t := strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(t, "%%fun") {
		return "", text
	}
	i := strings.Index(t, "%%sql")
	if i < 0 {
		return t, ""
	}
	return t[:i], t[i+len("%%sql"):]
}
