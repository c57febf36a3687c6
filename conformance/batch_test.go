package conformance

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const (
	batchFailuresPath   = "../testdata/conformance/batch_failures.txt"
	requestFailuresPath = "../testdata/conformance/request_failures.txt"
)

// TestCorpusBatch runs every (non-duplicate) case of the corpus in batch
// mode. Cases known to fail today are listed in batch_failures.txt with the
// reason; the test fails when a case outside the list fails and when a listed
// case passes (run with -rewrite to update the list, then review it).
func TestCorpusBatch(t *testing.T) {
	testCorpusMode(t, "batch", batchFailuresPath)
}

// TestCorpusRequest is TestCorpusBatch in request mode (failures listed in request_failures.txt).
func TestCorpusRequest(t *testing.T) {
	testCorpusMode(t, "request", requestFailuresPath)
}

func testCorpusMode(t *testing.T, mode, failuresPath string) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	cases := corpus(t)
	r := NewRunner(t.TempDir())
	run := r.RunBatch
	if mode == "request" {
		run = r.RunRequest
	}
	outcomes := runAll(cases, run)

	type counts struct{ pass, fail, skip int }
	byCat := map[string]*counts{}
	total := counts{}
	skips := map[string]int{}
	failing := map[string]string{}
	for _, o := range outcomes {
		cat := byCat[o.Case.Category]
		if cat == nil {
			cat = &counts{}
			byCat[o.Case.Category] = cat
		}
		switch o.Status {
		case Pass:
			cat.pass++
			total.pass++
		case Fail:
			cat.fail++
			total.fail++
			failing[o.Case.ID] = o.Reason
		case Skip:
			cat.skip++
			total.skip++
			reason, _, _ := strings.Cut(o.Reason, ":")
			skips[reason]++
		}
	}
	var cats []string
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	var report strings.Builder
	for _, c := range cats {
		n := byCat[c]
		fmt.Fprintf(&report, "%s %-45s %4d passed, %4d failed, %4d skipped\n", mode, c, n.pass, n.fail, n.skip)
	}
	var reasons []string
	for k, v := range skips {
		reasons = append(reasons, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(reasons)
	fmt.Fprintf(&report, "skipped by reason: %s\n", strings.Join(reasons, " "))
	fmt.Fprintf(&report, "%s: %d passed, %d failed, %d skipped\n", mode, total.pass, total.fail, total.skip)
	t.Log("\n" + report.String())
	if testing.Verbose() {
		fmt.Print(report.String())
	}

	listed := readFailureList(t, failuresPath)
	if *rewrite {
		// Keep the reasons written by hand ("why [failure: ...]"), from
		// this mode's list or, for the same failure, the other mode's.
		hand := []map[string]string{listed}
		for _, other := range []string{"batch_failures.txt", "request_failures.txt"} {
			if p := filepath.Join(filepath.Dir(failuresPath), other); p != failuresPath {
				hand = append(hand, readFailureList(t, p))
			}
		}
		for id, failure := range failing {
			for i, m := range hand {
				r := m[id]
				if r != failure && strings.Contains(r, failure) {
					failing[id] = r // the failure with a reason around it
					break
				}
				if why, _, ok := strings.Cut(r, " [failure: "); ok && i == 0 {
					failing[id] = why + " [failure: " + failure + "]"
					break
				}
			}
		}
		writeFailureList(t, failuresPath, mode, failing)
		return
	}
	var problems []string
	for id, reason := range failing {
		if _, ok := listed[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s fails in %s mode and is not in %s: %s", id, mode, filepath.Base(failuresPath), reason))
		}
	}
	for id := range listed {
		if _, ok := failing[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s is listed in %s but no longer fails: remove it (go test ./conformance -run TestCorpus -rewrite)", id, filepath.Base(failuresPath)))
		}
	}
	sort.Strings(problems)
	for i, p := range problems {
		if i == 50 {
			t.Errorf("... and %d more", len(problems)-50)
			break
		}
		t.Error(p)
	}
}

// runAll runs the non-duplicate cases on every core.
func runAll(cases []*Case, run func(context.Context, *Case) Outcome) []Outcome {
	var todo []*Case
	for _, c := range cases {
		if !c.IsDuplicate() {
			todo = append(todo, c)
		}
	}
	return RunAll(context.Background(), todo, run)
}

// tempRoot matches a case's scratch directory in failure messages.
var tempRoot = regexp.MustCompile(`/tmp/TestCorpus[A-Za-z]*\d+/\d+/\d+/`)

// readFailureList reads "<id>\t<reason>" lines (# comments allowed).
func readFailureList(t *testing.T, path string) map[string]string {
	m := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, "\t")
		m[id] = reason
	}
	return m
}

func writeFailureList(t *testing.T, path, mode string, failing map[string]string) {
	var ids []string
	for id := range failing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "# Corpus cases that fail in %s mode today, with the failure. TestCorpus%s\n", mode, strings.ToUpper(mode[:1])+mode[1:])
	b.WriteString("# (conformance/batch_test.go) fails when a case outside this list fails and when a\n")
	b.WriteString("# listed case passes, so the list only shrinks. Regenerate with:\n")
	b.WriteString("#   go test ./conformance -run TestCorpus -rewrite\n")
	for _, id := range ids {
		reason := tempRoot.ReplaceAllString(strings.ReplaceAll(failing[id], "\t", " "), "{root_path}/")
		fmt.Fprintf(&b, "%s\t%s\n", id, reason)
	}
	if err := os.WriteFile(filepath.Clean(path), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
