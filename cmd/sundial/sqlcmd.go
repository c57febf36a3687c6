package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/sundialdb/sundial/sql"
)

var sqlCommand = &command{
	name:     "sql",
	summary:  "interactive SQL shell, or run statements from -e, -f or standard input",
	synopsis: "sundial sql [-e statements | -f file.sql]",
	help: `Sql runs SQL statements. With -e it runs the given text, with -f the named
file; otherwise, when standard input and output are a terminal, it starts an
interactive shell (statements end with ';', Ctrl-C clears the statement being
typed, Ctrl-D or exit leaves, history is kept in ~/.sundial_history), and when
they are not, it runs standard input as a script.

A script runs every statement even after one fails; an error prints
"ERROR: <error>" on standard error and makes the exit status 1.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		exec := fs.String("e", "", "run the `statements` given and exit")
		file := fs.String("f", "", "run the statements of `file` (\"-\" for standard input) and exit")
		return func(e *env, args []string) int {
			if len(args) > 0 {
				return usageError(e, "sql", "unexpected arguments: %q (use -e to give statements, -f to name a file)", args)
			}
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			r := newRunner()
			switch {
			case set["e"] && set["f"]:
				return usageError(e, "sql", "-e and -f cannot be used together")
			case set["e"]:
				return runScript(e, r, *exec)
			case set["f"]:
				src, err := readInput(e, *file)
				if err != nil {
					fmt.Fprintf(e.stderr, "sundial sql: %v\n", err)
					return exitFail
				}
				return runScript(e, r, src)
			case isTerminal(e.stdin) && isTerminal(e.stdout):
				return runShell(e, r)
			default:
				src, err := readInput(e, "")
				if err != nil {
					fmt.Fprintf(e.stderr, "sundial sql: %v\n", err)
					return exitFail
				}
				return runScript(e, r, src)
			}
		}
	},
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runScript runs every statement of src, and returns exitFail if any of
// them failed.
func runScript(e *env, r runner, src string) int {
	out := bufio.NewWriter(e.stdout)
	status := exitOK
	for _, res := range sql.ParseScript(src) {
		if !runStatement(e.ctx, r, res, out, e.stderr) {
			status = exitFail
		}
	}
	return status
}

// runStatement runs the statement of res (or reports its parse error) and
// tells whether it succeeded. What the statement prints goes to out, which
// is flushed before an error is reported on errw so that the two appear in
// order on a terminal.
func runStatement(ctx context.Context, r runner, res sql.Result, out *bufio.Writer, errw io.Writer) bool {
	err := res.Err
	if err == nil {
		if res.Stmt == nil {
			return true // an empty statement
		}
		err = r.Run(ctx, res.Stmt, res.Text, out)
	}
	if ferr := out.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("writing output: %w", ferr)
	}
	if err != nil {
		fmt.Fprintf(errw, "ERROR: %v\n", err)
		return false
	}
	return true
}
