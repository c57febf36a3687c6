package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// The tests build the binary once and run it as a user would. Expected
// outputs live in testdata/ as datadriven files; after a change in what the
// binary prints, regenerate them with
//
//	go test ./cmd/sundial -rewrite
//
// and review the diff.
//
// Directives:
//
//	file name=NAME        write the input (plus a newline) to NAME in the
//	                      test's directory; prints nothing
//	cat name=NAME         print the file NAME of the test's directory
//	exec                  the first input line is a command line (words split
//	                      as by a shell: '...' and "..." quote, \ escapes
//	                      outside single quotes); the remaining lines, if any,
//	                      are its standard input. Prints stdout, stderr and
//	                      the exit status.
//	pty [cols=N]          runs 'sundial sql' on a pseudo-terminal and types
//	                      the input lines (see pty_test.go); prints the screen
//	                      and the exit status.
//
// Every testdata file runs in its own temporary directory, which is also
// $HOME. The binary is named "sundial" on command lines.

// binary is the path of the sundial binary built by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sundial-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sundial")
	// -buildvcs=false: a clone owned by another user (CI containers) makes
	// VCS stamping fail, and the tests need no stamp.
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building sundial: %v\n", err)
		return 1
	}
	return m.Run()
}

func TestCLI(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		dir := t.TempDir()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			switch td.Cmd {
			case "file":
				var name string
				td.ScanArgs(t, "name", &name)
				if err := os.WriteFile(filepath.Join(dir, name), []byte(td.Input+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return ""
			case "cat":
				var name string
				td.ScanArgs(t, "name", &name)
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					return fmt.Sprintf("error: %v\n", errors.Unwrap(err))
				}
				return string(b)
			case "ls":
				ents, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, e := range ents {
					b.WriteString(e.Name() + "\n")
				}
				return b.String()
			case "exec":
				return runExec(t, td, dir)
			case "pty":
				return runPTY(t, td, dir)
			default:
				td.Fatalf(t, "unknown directive %q", td.Cmd)
				return ""
			}
		})
	})
}

// runExec runs the command line of an exec directive.
func runExec(t *testing.T, td *datadriven.TestData, dir string) string {
	cmdline, stdin, hasStdin := strings.Cut(td.Input, "\n")
	args, err := splitWords(cmdline)
	if err != nil {
		td.Fatalf(t, "%v", err)
	}
	if len(args) == 0 || args[0] != "sundial" {
		td.Fatalf(t, "the command line must start with sundial: %q", cmdline)
	}
	cmd := exec.Command(binary, args[1:]...)
	cmd.Dir = dir
	cmd.Env = testEnv(dir)
	if hasStdin {
		cmd.Stdin = strings.NewReader(stdin + "\n")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	status := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			td.Fatalf(t, "running %q: %v", cmdline, err)
		}
		status = ee.ExitCode()
	}
	var b strings.Builder
	for _, s := range []struct{ name, text string }{{"stdout", stdout.String()}, {"stderr", stderr.String()}} {
		if s.text == "" {
			continue
		}
		fmt.Fprintf(&b, "%s:\n%s", s.name, normalize(s.text))
		if !strings.HasSuffix(s.text, "\n") {
			b.WriteString("<no newline>\n")
		}
	}
	fmt.Fprintf(&b, "exit %d\n", status)
	return b.String()
}

// testEnv is the environment of the binary: the test's, with HOME set to the
// test's directory.
func testEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+dir)
}

// normalize replaces what depends on the machine in the output.
func normalize(s string) string {
	s = strings.NewReplacer(
		runtime.Version(), "GOVERSION",
		runtime.GOOS+"/"+runtime.GOARCH, "GOOS/GOARCH",
	).Replace(s)
	// sundial batch's summary carries timings and memory, sundial verify's timings.
	s = batchSummary.ReplaceAllString(s, "$1 in TIME (TIMINGS), HEAP at peak")
	return verifySummary.ReplaceAllString(s, "$1 (TIMINGS)")
}

var (
	batchSummary  = regexp.MustCompile(`(sundial batch: \d+ rows read, \d+ rows written to \S+) in [^\n]*at peak`)
	verifySummary = regexp.MustCompile(`(features compared bit for bit: \d+ differences) \(batch [0-9.]+s, online replay [0-9.]+s\)`)
)

// splitWords splits a command line into words as a POSIX shell would,
// without expansions: '...' quotes literally, "..." quotes with \ escaping
// \ and ", and \ outside quotes escapes the next character.
func splitWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				w.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
		case c == '\\' && i+1 < len(s):
			inWord = true
			i++
			w.WriteByte(s[i])
		default:
			inWord = true
			w.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`sundial sql -e 'select 1; select 2'`, []string{"sundial", "sql", "-e", "select 1; select 2"}},
		{`a "b \"c\" d" e\ f ''`, []string{"a", `b "c" d`, "e f", ""}},
		{`  x  `, []string{"x"}},
	} {
		got, err := splitWords(tc.in)
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
