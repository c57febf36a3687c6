package conformance

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/sql"
)

var rewrite = flag.Bool("rewrite", false,
	"rewrite testdata/conformance/parse_failures.txt from the current parse failures (go test ./conformance -run TestCorpusParses -rewrite)")

const (
	failuresPath   = "../testdata/conformance/parse_failures.txt"
	parseTimeout   = 10 * time.Second // per statement text; longer is reported as a hang
	minParseShare  = 0.99             // of the statements OpenMLDB expects to succeed
	maxHangs       = 5                // stop the run after this many hangs
	newEntryReason = "TODO: explain"
	prefixRunes    = 80
)

// TestCorpusParses parses every statement of every (non-duplicate) corpus
// case. Statements OpenMLDB expects to succeed must parse, except those
// listed in parse_failures.txt (which may only shrink), and at least 99% of
// them must parse. Every parsed statement must survive a Format round trip
// (Format, re-parse, Format again gives the same text). Panics and hangs fail.
func TestCorpusParses(t *testing.T) {
	if len(sql.ParseScript("select 1")) == 0 {
		t.Skip("sql.ParseScript is still the placeholder (returns nil)")
	}
	rep := runCorpus(corpus(t), checkWithParser, parseTimeout)
	listed, err := readFailures(failuresPath)
	if err != nil {
		t.Fatal(err)
	}
	summary := rep.summary()
	t.Log(summary)
	fmt.Println(summary)
	for _, p := range rep.problems(listed, *rewrite) {
		t.Error(p)
	}
	if *rewrite {
		if err := writeFailures(failuresPath, rep.failures, listed); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s: %d entries", failuresPath, len(rep.failures))
	}
}

// checkResult is the outcome of parsing one statement text.
type checkResult struct {
	stmts     int      // statements parsed
	parseErr  string   // the first parse error; "" when every statement parsed
	roundTrip []string // round-trip failures
}

// checkWithParser parses text with sql.ParseScript and round-trips every
// parsed statement through sql.Format and sql.Parse.
func checkWithParser(text string) checkResult {
	var r checkResult
	for _, res := range sql.ParseScript(text) {
		if res.Err != nil {
			if r.parseErr == "" {
				r.parseErr = res.Err.Error()
			}
			continue
		}
		if res.Stmt == nil { // an empty segment
			continue
		}
		r.stmts++
		f1 := sql.Format(res.Stmt)
		again, err := sql.Parse(f1)
		switch {
		case err != nil:
			r.roundTrip = append(r.roundTrip, fmt.Sprintf("Format output does not parse: %v\n\tformatted: %s", err, f1))
		case len(again) != 1:
			r.roundTrip = append(r.roundTrip, fmt.Sprintf("Format output parses as %d statements\n\tformatted: %s", len(again), f1))
		default:
			if f2 := sql.Format(again[0]); f2 != f1 {
				r.roundTrip = append(r.roundTrip, fmt.Sprintf("Format is not a fixed point\n\tfirst:  %s\n\tsecond: %s", f1, f2))
			}
		}
	}
	return r
}

// outcome is a checkResult, or the panic or hang that prevented it.
type outcome struct {
	checkResult
	panicMsg string
	hang     bool
}

func (o outcome) parsed() bool { return o.panicMsg == "" && !o.hang && o.parseErr == "" }

// runBounded runs check(text) on its own goroutine, recovering a panic and
// giving up after timeout (the goroutine is then abandoned).
func runBounded(check func(string) checkResult, text string, timeout time.Duration) outcome {
	ch := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{panicMsg: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
			ch <- o
		}()
		o.checkResult = check(text)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case o := <-ch:
		return o
	case <-timer.C:
		return outcome{hang: true}
	}
}

// failure is an expected-to-succeed statement that did not parse.
type failure struct {
	id, prefix string
	reason     string // the parse error (the file keeps a human reason instead)
	text       string
}

func (f failure) key() string { return f.id + "\t" + f.prefix }

// corpusReport collects the results of a corpus run.
type corpusReport struct {
	okTotal, okParsed       int // statements OpenMLDB expects to succeed / of those, parsed
	failTotal, failRejected int // statements OpenMLDB expects to fail / of those, rejected by the parser
	stmts                   int // statements (segments) parsed, each round-tripped
	udfScripts              int // HybridSE %%fun blocks set aside (not SQL)
	failures                []failure
	roundTrip, panics       []string
	hangs                   []string
	aborted                 bool
}

// runCorpus checks every statement of every non-duplicate case.
func runCorpus(cases []*Case, check func(string) checkResult, timeout time.Duration) *corpusReport {
	rep := new(corpusReport)
	seen := map[string]bool{}
	for _, c := range cases {
		if c.IsDuplicate() {
			continue
		}
		for _, st := range c.Statements(testEnv) {
			if st.UDFScript != "" {
				rep.udfScripts++
			}
			if strings.TrimSpace(st.Text) == "" {
				continue // a UDF script with no SQL: nothing for the parser
			}
			o := runBounded(check, st.Text, timeout)
			where := fmt.Sprintf("case %s %s", c.ID, st.Source)
			rep.stmts += o.stmts
			for _, rt := range o.roundTrip {
				rep.roundTrip = append(rep.roundTrip, fmt.Sprintf("%s: round trip: %s\n\tstatement: %s", where, rt, st.Text))
			}
			switch {
			case o.panicMsg != "":
				rep.panics = append(rep.panics, fmt.Sprintf("%s: panic: %s\n\tstatement: %s", where, o.panicMsg, st.Text))
			case o.hang:
				rep.hangs = append(rep.hangs, fmt.Sprintf("%s: hang: no result after %v\n\tstatement: %s", where, timeout, st.Text))
			}
			if st.ExpectOK {
				rep.okTotal++
				if o.parsed() {
					rep.okParsed++
				} else if o.panicMsg == "" && !o.hang {
					f := failure{id: c.ID, prefix: statementPrefix(st.Text), reason: o.parseErr, text: st.Text}
					if !seen[f.key()] {
						seen[f.key()] = true
						rep.failures = append(rep.failures, f)
					}
				}
			} else {
				rep.failTotal++
				if o.parseErr != "" {
					rep.failRejected++
				}
			}
			if len(rep.hangs) >= maxHangs {
				rep.aborted = true
				return rep
			}
		}
	}
	return rep
}

func (r *corpusReport) share() float64 {
	if r.okTotal == 0 {
		return 1
	}
	return float64(r.okParsed) / float64(r.okTotal)
}

func (r *corpusReport) summary() string {
	return fmt.Sprintf("corpus parse: %d/%d expected-ok statements parse (%.1f%%), %d/%d expected-fail statements rejected by the parser, %d parsed statements round-tripped with %d failures, %d panics, %d hangs; %d HybridSE %%%%fun UDF scripts set aside (not SQL)",
		r.okParsed, r.okTotal, 100*r.share(), r.failRejected, r.failTotal, r.stmts, len(r.roundTrip), len(r.panics), len(r.hangs), r.udfScripts)
}

// problems lists what makes the test fail. With rewrite, differences from
// the failure list are not problems (the list is being rewritten).
func (r *corpusReport) problems(listed map[string]string, rewrite bool) []string {
	var out []string
	out = append(out, r.panics...)
	out = append(out, r.hangs...)
	if r.aborted {
		out = append(out, fmt.Sprintf("run aborted after %d hangs", len(r.hangs)))
	}
	out = append(out, r.roundTrip...)
	if !r.aborted && r.share() < minParseShare {
		out = append(out, fmt.Sprintf("only %d of %d expected-ok statements parse (%.2f%%, want >= %.0f%%)",
			r.okParsed, r.okTotal, 100*r.share(), 100*minParseShare))
	}
	if rewrite || r.aborted {
		return out
	}
	current := map[string]bool{}
	for _, f := range r.failures {
		current[f.key()] = true
		if _, ok := listed[f.key()]; !ok {
			out = append(out, fmt.Sprintf("case %s: statement does not parse and is not in %s (fix the parser, or run with -rewrite and explain): %s\n\tstatement: %s",
				f.id, failuresPath, f.reason, f.text))
		}
	}
	for key := range listed {
		if !current[key] {
			id, prefix, _ := strings.Cut(key, "\t")
			out = append(out, fmt.Sprintf("case %s: listed in %s but now parses (or is gone): remove the line (or run with -rewrite): %s",
				id, failuresPath, prefix))
		}
	}
	return out
}

// statementPrefix is the first 80 characters of a statement, trimmed, with
// newlines and tabs as spaces.
func statementPrefix(text string) string {
	text = strings.TrimSpace(text)
	text = strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\t':
			return ' '
		}
		return r
	}, text)
	if rs := []rune(text); len(rs) > prefixRunes {
		text = string(rs[:prefixRunes])
	}
	return text
}

const failuresHeader = `# Statements of testdata/conformance/cases.jsonl that OpenMLDB expects to succeed
# but Sundial's parser rejects. One line per failure:
#   <case id> TAB <first 80 chars of the statement, newlines as spaces> TAB <reason>
# TestCorpusParses (conformance/parse_test.go) fails when a failing statement is
# not listed here and when a listed statement parses: the list only shrinks.
# Regenerate with: go test ./conformance -run TestCorpusParses -rewrite
# (existing reasons are kept; new entries get "` + newEntryReason + `").
`

// readFailures reads the failure list: key (id TAB prefix) -> reason.
func readFailures(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) < 2 || parts[0] == "" {
			return nil, fmt.Errorf("%s:%d: want <case id> TAB <statement prefix> TAB <reason>", path, n)
		}
		reason := ""
		if len(parts) == 3 {
			reason = parts[2]
		}
		listed[parts[0]+"\t"+parts[1]] = reason
	}
	return listed, sc.Err()
}

// writeFailures writes the failure list in corpus order, keeping the reasons
// of entries already listed.
func writeFailures(path string, failures []failure, listed map[string]string) error {
	var b strings.Builder
	b.WriteString(failuresHeader)
	for _, f := range failures {
		reason, ok := listed[f.key()]
		if !ok || reason == "" {
			reason = newEntryReason
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", f.id, f.prefix, reason)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// TestParseHarness checks the corpus harness itself with a fake parser.
func TestParseHarness(t *testing.T) {
	fake := func(text string) checkResult {
		switch {
		case strings.Contains(text, "boom"):
			panic("boom")
		case strings.Contains(text, "hang"):
			time.Sleep(time.Second)
		case strings.Contains(text, "bad"):
			return checkResult{parseErr: "syntax error near bad"}
		case strings.Contains(text, "rt"):
			return checkResult{stmts: 1, roundTrip: []string{"not a fixed point"}}
		}
		return checkResult{stmts: 1}
	}
	f := false
	cases := []*Case{
		{ID: "a/ok", SQLs: []string{"select 1", "select\n\t2"}, Inputs: []*Table{{Name: "{0}", Create: "create {0}"}}},
		{ID: "a/bad", SQL: "select bad from {0}", Inputs: []*Table{{Name: "{0}"}}},
		{ID: "a/bad2", SQLs: []string{"bad first", "bad but expected to fail"}, Expect: Expect{Success: &f}},
		{ID: "a/dup", SQL: "bad again", DuplicateOf: "a/bad"},
		{ID: "a/boom", SQL: "boom"},
		{ID: "a/hang", SQL: "hang"},
		{ID: "a/rt", SQL: "rt"},
		{ID: "a/long", SQL: "  bad " + strings.Repeat("\u00e9", 100)},
	}
	rep := runCorpus(cases, fake, 50*time.Millisecond)
	if rep.okTotal != 9 || rep.okParsed != 4 || rep.failTotal != 1 || rep.failRejected != 1 || rep.stmts != 4 ||
		len(rep.panics) != 1 || len(rep.hangs) != 1 || len(rep.roundTrip) != 1 || len(rep.failures) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	if !strings.Contains(rep.panics[0], "case a/boom sql: panic: boom") || !strings.Contains(rep.hangs[0], "case a/hang sql: hang") {
		t.Errorf("panics %q hangs %q", rep.panics, rep.hangs)
	}
	wantKeys := []string{"a/bad\tselect bad from auto_t0", "a/bad2\tbad first", "a/long\tbad " + strings.Repeat("\u00e9", 76)}
	for i, f := range rep.failures {
		if f.key() != wantKeys[i] {
			t.Errorf("failure %d: key %q, want %q", i, f.key(), wantKeys[i])
		}
	}
	if s := rep.summary(); !strings.HasPrefix(s, "corpus parse: 4/9 expected-ok statements parse (44.4%), 1/1 expected-fail") {
		t.Errorf("summary: %s", s)
	}

	path := t.TempDir() + "/failures.txt"
	listed := map[string]string{wantKeys[0]: "known: reason one", "a/gone\tselect 9": "fixed"}
	if err := writeFailures(path, rep.failures, listed); err != nil {
		t.Fatal(err)
	}
	got, err := readFailures(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{wantKeys[0]: "known: reason one", wantKeys[1]: newEntryReason, wantKeys[2]: newEntryReason}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read back %q, want %q", got, want)
	}
	probs := strings.Join(rep.problems(listed, false), "\n")
	for _, w := range []string{"panic: boom", "hang", "round trip", "only 4 of 9", "case a/bad2: statement does not parse and is not in",
		"case a/gone: listed in", "case a/long: statement does not parse"} {
		if !strings.Contains(probs, w) {
			t.Errorf("problems lack %q:\n%s", w, probs)
		}
	}
	if strings.Contains(probs, "case a/bad: statement") {
		t.Errorf("listed failure reported:\n%s", probs)
	}
	if probs := strings.Join(rep.problems(got, true), "\n"); strings.Contains(probs, "listed in") || strings.Contains(probs, "not in") {
		t.Errorf("rewrite mode reports list differences:\n%s", probs)
	}
	if _, err := readFailures(t.TempDir() + "/none.txt"); err != nil {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("# c\n\nno-tab-here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFailures(path); err == nil || !strings.Contains(err.Error(), ":3:") {
		t.Errorf("malformed file: %v", err)
	}
}

func TestBindParams(t *testing.T) {
	for _, tc := range []struct {
		text string
		row  Row
		want string
	}{
		{"insert into t values(?,?,?,?);", Row{"a'b", 2.0, nil, true}, "insert into t values('a''b',2,NULL,true);"},
		{"insert into t (c1, c7) values (?, ?)", Row{"?", 1590738989000.0}, "insert into t (c1, c7) values ('?', 1590738989000)"},
		{"select '?', ? from t", Row{1.5}, "select '?', 1.5 from t"},
		{"values(?, ?)", Row{"x"}, "values('x', ?)"},
	} {
		if got := bindParams(tc.text, tc.row); got != tc.want {
			t.Errorf("bindParams(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
