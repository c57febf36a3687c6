package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"

	"github.com/sundialdb/sundial/sql"
)

// The shell's prompts: the first line of a statement, and its next lines.
const (
	promptFirst = "sundial> "
	promptMore  = "     -> "
)

// historyFile is the name of the shell's history file in the home directory.
const historyFile = ".sundial_history"

// runShell runs the interactive shell on the terminal until Ctrl-D or exit.
func runShell(e *env, r runner) int {
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(true)
	ln.SetMultiLineMode(true)

	histPath := historyPath()
	loadHistory(ln, histPath)
	defer saveHistory(ln, histPath)

	fmt.Fprintf(e.stdout, "Sundial %s. End statements with ';'. Ctrl-C clears the statement, Ctrl-D exits.\n", buildVersion())

	// While a prompt is up, liner reads Ctrl-C as a key. At other times the
	// terminal turns it into SIGINT: the shell must not die of it, and a
	// running statement is cancelled.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	sh := &shell{e: e, r: r, ln: ln, out: bufio.NewWriter(e.stdout), sigs: sigs}
	return sh.loop()
}

type shell struct {
	e    *env
	r    runner
	ln   *liner.State
	out  *bufio.Writer
	sigs <-chan os.Signal // SIGINT, caught for the whole session

	buf   string   // the text of the statements being typed, lines ended by '\n'
	lines []string // the same lines, for the history entry
}

func (sh *shell) loop() int {
	for {
		prompt := promptFirst
		if sh.buf != "" {
			prompt = promptMore
		}
		line, err := sh.ln.Prompt(prompt)
		switch {
		case errors.Is(err, liner.ErrPromptAborted): // Ctrl-C: abandon the statement
			sh.buf, sh.lines = "", nil
			continue
		case errors.Is(err, io.EOF): // Ctrl-D
			fmt.Fprintln(sh.e.stdout)
			return exitOK
		case err != nil:
			fmt.Fprintf(sh.e.stderr, "sundial sql: reading input: %v\n", err)
			return exitFail
		}
		if sh.buf == "" && isQuit(line) {
			return exitOK
		}
		sh.add(line)
	}
}

// isQuit tells whether line is one of the words that leave the shell.
func isQuit(line string) bool {
	switch strings.ToLower(strings.TrimSuffix(strings.TrimSpace(line), ";")) {
	case "exit", "quit", `\q`:
		return true
	}
	return false
}

// add appends a line to the buffer and runs the statements it completes.
func (sh *shell) add(line string) {
	sh.buf += line + "\n"
	sh.lines = append(sh.lines, strings.TrimSpace(line))

	segs := sql.SplitScript(sh.buf)
	if len(segs) == 0 {
		// Nothing but blanks and comments: no statement to continue.
		sh.buf, sh.lines = "", nil
		return
	}
	if !anyTerminated(segs) {
		return // the statement goes on: prompt for more
	}

	sh.ln.AppendHistory(strings.Join(nonEmpty(sh.lines), " "))
	rest := ""
	for _, res := range sql.ParseScript(sh.buf) {
		if !res.Terminated {
			// The start of the next statement, typed after the last ';'.
			if strings.TrimSpace(res.Text) != "" {
				rest = sh.buf[res.Pos.Offset:]
			}
			break
		}
		sh.run(res)
	}
	sh.buf, sh.lines = rest, nil
	if rest != "" {
		sh.lines = []string{strings.TrimSpace(rest)}
	}
}

// run runs one statement; Ctrl-C while it runs cancels its context.
func (sh *shell) run(res sql.Result) {
	for len(sh.sigs) > 0 { // a Ctrl-C from before the statement started
		<-sh.sigs
	}
	ctx, cancel := context.WithCancel(sh.e.ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-sh.sigs:
			cancel()
		case <-done:
		}
	}()
	runStatement(ctx, sh.r, res, sh.out, sh.e.stderr)
	close(done)
	cancel()
}

func anyTerminated(segs []sql.Segment) bool {
	for _, seg := range segs {
		if seg.Terminated {
			return true
		}
	}
	return false
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// historyPath returns the path of the history file, or "" when there is
// no home directory.
func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		slog.Debug("no home directory: history is not kept", "err", err)
		return ""
	}
	return filepath.Join(home, historyFile)
}

func loadHistory(ln *liner.State, path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("cannot read history", "path", path, "err", err)
		}
		return
	}
	defer f.Close()
	if _, err := ln.ReadHistory(f); err != nil {
		slog.Warn("cannot read history", "path", path, "err", err)
	}
}

func saveHistory(ln *liner.State, path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		slog.Warn("cannot save history", "path", path, "err", err)
		return
	}
	_, err = ln.WriteHistory(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		slog.Warn("cannot save history", "path", path, "err", err)
	}
}
