package sql

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// corpusSQL returns the distinct SQL texts of the conformance corpus, the
// fuzzer's seed corpus.
func corpusSQL(tb testing.TB) []string {
	f, err := os.Open("../testdata/conformance/cases.jsonl")
	if err != nil {
		tb.Fatalf("seed corpus: %v", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var c struct {
			SQL  string   `json:"sql"`
			SQLs []string `json:"sqls"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("seed corpus: %v", err)
		}
		add(c.SQL)
		for _, s := range c.SQLs {
			add(s)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("seed corpus: %v", err)
	}
	return out
}

// FuzzParse: no input makes the parser panic (a recovered panic surfaces as
// an "internal error"), every error carries a position inside the input, and
// every statement that parses prints to text that parses back to itself.
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=2m ./sql
func FuzzParse(f *testing.F) {
	for _, s := range corpusSQL(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, r := range ParseScript(src) {
			if r.Err != nil {
				perr, ok := r.Err.(*Error)
				if !ok {
					t.Fatalf("error of type %T: %v", r.Err, r.Err)
				}
				if strings.Contains(perr.Msg, "internal error") {
					t.Fatalf("parser bug on %q: %v", src, perr)
				}
				if perr.Pos.Line < 1 || perr.Pos.Col < 1 || perr.Pos.Offset > len(src) {
					t.Fatalf("error position %+v outside the input %q", perr.Pos, src)
				}
				continue
			}
			text := Format(r.Stmt)
			st, err := ParseOne(text)
			if err != nil {
				t.Fatalf("canonical text of %q does not parse: %v\n\t%s", r.Text, err, text)
			}
			if again := Format(st); again != text {
				t.Fatalf("not a fixed point for %q:\n\tfirst:  %s\n\tsecond: %s", r.Text, text, again)
			}
		}
	})
}
