package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sundialdb/sundial/conformance"
)

var conformanceCommand = &command{
	name:     "conformance",
	summary:  "run OpenMLDB-format conformance cases in batch and/or request mode",
	synopsis: "sundial conformance --cases FILE.jsonl [--mode batch|request|both] [--only PATTERN] [--json report.json] [-v]",
	help: `Conformance runs OpenMLDB-format cases (testdata/conformance/cases.jsonl is
OpenMLDB's own corpus; testdata/conformance/FORMAT.md describes the format), each in
a fresh in-process engine with the time zone +08:00, and compares the results with the
cases' expectations. Batch mode runs the case's SQL over all its rows; request mode
sends each main-table row as a request against the rows inserted before it. Cases it
cannot run are skipped with a reason. It prints one line per category and mode, then
"N passed, M failed, K skipped"; the exit status is 1 if any case failed.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		cases := fs.String("cases", "", "the cases `file` (JSON lines)")
		mode := fs.String("mode", "both", "`mode`: batch, request or both")
		only := fs.String("only", "", "run only the cases whose id contains `pattern` (or matches it as a glob)")
		jsonOut := fs.String("json", "", "write every outcome to this `file` as JSON")
		verbose := fs.Bool("v", false, "print every failure and skip with its reason")
		return func(e *env, args []string) int {
			if len(args) > 0 || *cases == "" {
				return usageError(e, "conformance", "--cases is required")
			}
			var modes []string
			switch *mode {
			case "batch", "request":
				modes = []string{*mode}
			case "both":
				modes = []string{"batch", "request"}
			default:
				return usageError(e, "conformance", "--mode must be batch, request or both, not %q", *mode)
			}
			all, err := conformance.Load(*cases)
			if err != nil {
				fmt.Fprintf(e.stderr, "sundial conformance: %v\n", err)
				return exitFail
			}
			var todo []*conformance.Case
			for _, c := range all {
				if c.IsDuplicate() || !matches(c.ID, *only) {
					continue
				}
				todo = append(todo, c)
			}
			dir, err := os.MkdirTemp("", "sundial-conformance-")
			if err != nil {
				fmt.Fprintf(e.stderr, "sundial conformance: %v\n", err)
				return exitFail
			}
			defer os.RemoveAll(dir)
			r := conformance.NewRunner(dir)
			var report []outcomeJSON
			var pass, failN, skipN int
			for _, m := range modes {
				run := r.RunBatch
				if m == "request" {
					run = r.RunRequest
				}
				outs := conformance.RunAll(e.ctx, todo, run)
				type counts struct{ pass, fail, skip int }
				byCat := map[string]*counts{}
				for _, o := range outs {
					n := byCat[o.Case.Category]
					if n == nil {
						n = &counts{}
						byCat[o.Case.Category] = n
					}
					switch o.Status {
					case conformance.Pass:
						n.pass++
						pass++
					case conformance.Fail:
						n.fail++
						failN++
					default:
						n.skip++
						skipN++
					}
					if *verbose && o.Status != conformance.Pass {
						fmt.Fprintf(e.stdout, "%s %s %s: %s\n", m, o.Status, o.Case.ID, o.Reason)
					}
					report = append(report, outcomeJSON{Mode: m, ID: o.Case.ID, Category: o.Case.Category, Status: o.Status.String(), Reason: o.Reason})
				}
				var cats []string
				for c := range byCat {
					cats = append(cats, c)
				}
				sort.Strings(cats)
				for _, c := range cats {
					n := byCat[c]
					fmt.Fprintf(e.stdout, "%-7s %-45s %5d passed, %5d failed, %5d skipped\n", m, c, n.pass, n.fail, n.skip)
				}
			}
			if *jsonOut != "" {
				data, _ := json.MarshalIndent(report, "", "  ")
				if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
					fmt.Fprintf(e.stderr, "sundial conformance: %v\n", err)
					return exitFail
				}
			}
			fmt.Fprintf(e.stdout, "%d passed, %d failed, %d skipped\n", pass, failN, skipN)
			if failN > 0 {
				return exitFail
			}
			return exitOK
		}
	},
}

type outcomeJSON struct {
	Mode     string `json:"mode"`
	ID       string `json:"id"`
	Category string `json:"category"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

func matches(id, pattern string) bool {
	if pattern == "" || strings.Contains(id, pattern) {
		return true
	}
	ok, _ := filepath.Match(pattern, id)
	return ok
}
