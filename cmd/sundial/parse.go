package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/sundialdb/sundial/sql"
)

var parseCommand = &command{
	name:     "parse",
	summary:  "print each statement of a script in canonical form, or its error",
	synopsis: "sundial parse [-f file.sql]",
	help: `Parse reads a script (standard input by default) and prints, for each statement,
its canonical form on one line, or "ERROR <n>: <error>" where n is the 1-based
number of the statement in the script. The exit status is 1 if any statement
failed to parse.`,
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		file := fs.String("f", "", "read the script from `file` (\"-\" for standard input)")
		return func(e *env, args []string) int {
			if len(args) > 0 {
				return usageError(e, "parse", "unexpected arguments: %q (use -f to name a file)", args)
			}
			src, err := readInput(e, *file)
			if err != nil {
				fmt.Fprintf(e.stderr, "sundial parse: %v\n", err)
				return exitFail
			}
			return parseScript(e, src)
		}
	},
}

// parseScript prints every statement of src in canonical form, or its
// error, and returns the exit status.
func parseScript(e *env, src string) int {
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	status := exitOK
	for i, r := range sql.ParseScript(src) {
		switch {
		case r.Err != nil:
			status = exitFail
			w.WriteString("ERROR ")
			w.WriteString(strconv.Itoa(i + 1))
			w.WriteString(": ")
			w.WriteString(r.Err.Error())
		case r.Stmt != nil:
			w.WriteString(sql.Format(r.Stmt))
		default:
			continue // an empty statement: nothing to say
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "sundial parse: writing output: %v\n", err)
		return exitFail
	}
	return status
}

// readInput returns the contents of the named file, or of standard input
// when name is "" or "-".
func readInput(e *env, name string) (string, error) {
	if name == "" || name == "-" {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return "", fmt.Errorf("reading standard input: %w", err)
		}
		return string(b), nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
