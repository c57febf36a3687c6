package sql

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// -rewrite regenerates the golden files in testdata/ (datadriven's own flag).
var _ = flag.Lookup("rewrite")

// TestParseGolden runs the data-driven files in testdata/parse/. Directives:
//
//	parse   each statement of the input: its canonical form, or "error: ..."
//	split   the statements SplitScript finds, with positions
//
// Every statement that parses must also be a fixed point of print → parse.
func TestParseGolden(t *testing.T) {
	datadriven.Walk(t, "testdata/parse", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				var b strings.Builder
				for _, r := range ParseScript(d.Input) {
					if r.Err != nil {
						fmt.Fprintf(&b, "error: %v\n", r.Err)
						continue
					}
					text := Format(r.Stmt)
					checkFixedPoint(t, text)
					b.WriteString(text + "\n")
				}
				return b.String()
			case "split":
				var b strings.Builder
				for _, s := range SplitScript(d.Input) {
					fmt.Fprintf(&b, "%d:%d terminated=%v %q\n", s.Pos.Line, s.Pos.Col, s.Terminated, s.Text)
				}
				return b.String()
			}
			t.Fatalf("%s: unknown directive %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

// checkFixedPoint asserts that canonical text parses back to the same text.
func checkFixedPoint(t *testing.T, text string) {
	t.Helper()
	st, err := ParseOne(text)
	if err != nil {
		t.Errorf("canonical text does not parse: %v\n\t%s", err, text)
		return
	}
	if again := Format(st); again != text {
		t.Errorf("print → parse is not a fixed point:\n\tfirst:  %s\n\tsecond: %s", text, again)
	}
}

func TestErrorIsSyntax(t *testing.T) {
	_, err := Parse("select from where")
	var perr *Error
	if !errors.As(err, &perr) || !errors.Is(err, ErrSyntax) {
		t.Fatalf("got %v (%T), want an *Error wrapping ErrSyntax", err, err)
	}
	if perr.Pos.Line != 1 || perr.Pos.Col == 0 {
		t.Fatalf("position %+v lacks line/column", perr.Pos)
	}
}

// TestErrorPositionsAreOriginal checks that errors point into the user's text
// even where the pre-pass rewrote what TiDB saw before the error.
func TestErrorPositionsAreOriginal(t *testing.T) {
	for _, tc := range []struct {
		sql        string
		line, col  int
		nearPrefix string
	}{
		// Windowed calls become marker calls before TiDB sees them.
		{"select distinct_count(c) over w, sum(x) over w1 as s1 fromm t", 1, 55, "fromm t"},
		// LAST JOIN is rewritten to LEFT JOIN with a marker condition.
		{"select * from t1 last join t2 order by t2.ts on t1.a = t2.a wher x", 1, 61, "wher x"},
		// Multi-line, after a lifted WINDOW clause.
		{"select sum(c) over w\nfrom t\nwindow w as (partition by a order by b rows_range between 3d preceding and current row)\nlimit limit", 4, 7, "limit"},
		// Inside a window specification (the pre-pass's own grammar).
		{"select 1 from t window w as (partition by a order by b rows between 3 precedin and current row)", 1, 71, "precedin"},
		{"select 1 from t window w as (partition by a order by b rows_range between 3x preceding and current row)", 1, 76, "x"},
		// CREATE TABLE is parsed by the pre-pass.
		{"create table t (\n  c1 string,\n  c2 decimal\n)", 3, 6, "decimal"},
		// Positions count bytes of multi-byte text correctly.
		{"select '日本語', 1 +* 2 from t", 1, 24, "* 2"},
	} {
		_, err := Parse(tc.sql)
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("%q: want a parse error, got %v", tc.sql, err)
			continue
		}
		if perr.Pos.Line != tc.line || perr.Pos.Col != tc.col || !strings.HasPrefix(perr.Near, tc.nearPrefix) {
			t.Errorf("%q:\n\tgot  line %d, column %d near %q (%v)\n\twant line %d, column %d near %q...",
				tc.sql, perr.Pos.Line, perr.Pos.Col, perr.Near, perr, tc.line, tc.col, tc.nearPrefix)
		}
	}
}

// TestScriptPositions checks that ParseScript reports positions relative to
// the whole script, for statements and for errors in later statements.
func TestScriptPositions(t *testing.T) {
	src := "select 1;\n\n  select a frm t;\nselect 3"
	rs := ParseScript(src)
	if len(rs) != 3 {
		t.Fatalf("got %d results, want 3", len(rs))
	}
	if rs[1].Pos.Line != 3 || rs[1].Pos.Col != 3 {
		t.Errorf("statement 2 at %+v, want line 3, column 3", rs[1].Pos)
	}
	var perr *Error
	if !errors.As(rs[1].Err, &perr) || perr.Pos.Line != 3 || perr.Pos.Col != 16 || perr.Near != "t" {
		t.Errorf("statement 2 error = %v, want line 3, column 16 near \"t\"", rs[1].Err)
	}
	if rs[2].Err != nil || rs[2].Terminated {
		t.Errorf("statement 3: err=%v terminated=%v", rs[2].Err, rs[2].Terminated)
	}
}

func TestColumnPositions(t *testing.T) {
	st, err := ParseOne("select a,\n  t.c9 + 1 from t")
	if err != nil {
		t.Fatal(err)
	}
	sel := st.(*Select)
	c := sel.Fields[1].Expr.(*Binary).L.(*ColumnRef)
	if c.Pos.Line != 2 || c.Pos.Col != 5 {
		t.Errorf("c9 at %+v, want line 2, column 5", c.Pos)
	}
}

// TestManyStatements parses a script of thousands of statements in one pass.
func TestManyStatements(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "select c%d, sum(x) over w from t%d window w as (partition by k order by ts rows between %d preceding and current row);\n", i, i, i)
	}
	rs := ParseScript(b.String())
	if len(rs) != 5000 {
		t.Fatalf("got %d statements", len(rs))
	}
	for i, r := range rs {
		if r.Err != nil {
			t.Fatalf("statement %d: %v", i+1, r.Err)
		}
		if r.Pos.Line != i+1 {
			t.Fatalf("statement %d at line %d", i+1, r.Pos.Line)
		}
	}
}
