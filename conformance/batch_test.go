package conformance

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

const batchFailuresPath = "../testdata/conformance/batch_failures.txt"

// TestCorpusBatch runs every (non-duplicate) case of the corpus in batch
// mode. Cases known to fail today are listed in batch_failures.txt with the
// reason; the test fails when a case outside the list fails and when a listed
// case passes (run with -rewrite to update the list, then review it).
func TestCorpusBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	cases := corpus(t)
	r := NewRunner(t.TempDir())
	outcomes := runAll(cases, r)

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
		fmt.Fprintf(&report, "batch %-45s %4d passed, %4d failed, %4d skipped\n", c, n.pass, n.fail, n.skip)
	}
	var reasons []string
	for k, v := range skips {
		reasons = append(reasons, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(reasons)
	fmt.Fprintf(&report, "skipped by reason: %s\n", strings.Join(reasons, " "))
	fmt.Fprintf(&report, "batch: %d passed, %d failed, %d skipped\n", total.pass, total.fail, total.skip)
	t.Log("\n" + report.String())
	if testing.Verbose() {
		fmt.Print(report.String())
	}

	listed := readFailureList(t, batchFailuresPath)
	if *rewrite {
		writeFailureList(t, batchFailuresPath, failing)
		return
	}
	var problems []string
	for id, reason := range failing {
		if _, ok := listed[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s fails and is not in batch_failures.txt: %s", id, reason))
		}
	}
	for id := range listed {
		if _, ok := failing[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s is listed in batch_failures.txt but no longer fails: remove it (go test ./conformance -run TestCorpusBatch -rewrite)", id))
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
func runAll(cases []*Case, r *Runner) []Outcome {
	var todo []*Case
	for _, c := range cases {
		if !c.IsDuplicate() {
			todo = append(todo, c)
		}
	}
	out := make([]Outcome, len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = r.RunBatch(context.Background(), todo[i])
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

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

func writeFailureList(t *testing.T, path string, failing map[string]string) {
	var ids []string
	for id := range failing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("# Corpus cases that fail in batch mode today, with the failure. TestCorpusBatch\n")
	b.WriteString("# (conformance/batch_test.go) fails when a case outside this list fails and when a\n")
	b.WriteString("# listed case passes, so the list only shrinks. Regenerate with:\n")
	b.WriteString("#   go test ./conformance -run TestCorpusBatch -rewrite\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%s\t%s\n", id, strings.ReplaceAll(failing[id], "\t", " "))
	}
	if err := os.WriteFile(filepath.Clean(path), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
