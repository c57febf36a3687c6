package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"
	"github.com/creack/pty"
)

// runPTY runs the interactive shell on a pseudo-terminal and types the input
// of a pty directive, one line at a time. A line is typed, then Enter,
// unless it ends with <ctrl-c>, <ctrl-d> or <enter>. Keys are written as
// <ctrl-c>, <ctrl-d>, <enter>, <up> and <down>; an empty line is typed as
// <enter> (datadriven drops blank input lines). Typed text before a control key is first waited for on
// the screen, so that the key reaches the line editor rather than the
// terminal driver. After each line the test waits for the next prompt (or
// for the shell to exit). The result is the final screen, with trailing
// blanks removed, and the exit status.
func runPTY(t *testing.T, td *datadriven.TestData, dir string) string {
	cols := 100
	if td.HasArg("cols") {
		td.ScanArgs(t, "cols", &cols)
	}
	cmd := exec.Command(binary, "sql")
	cmd.Dir = dir
	cmd.Env = append(testEnv(dir), "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: uint16(cols)})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer f.Close()

	term := &ptyOutput{done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			term.write(buf[:n])
			if err != nil { // EIO once the shell has exited and closed the terminal
				close(term.done)
				return
			}
		}
	}()
	exited := func() bool {
		select {
		case <-term.done:
			return true
		default:
			return false
		}
	}
	fail := func(format string, args ...any) {
		_ = cmd.Process.Kill()
		td.Fatalf(t, "%s\nscreen:\n%s", fmt.Sprintf(format, args...), term.screen().String())
	}
	// waitFor waits until cond holds of the screen, or the shell exits.
	waitFor := func(what string, cond func(s *screen) bool) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if cond(term.screen()) || exited() {
				return
			}
			if time.Now().After(deadline) {
				fail("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitPrompt := func(n int) {
		waitFor(fmt.Sprintf("prompt #%d", n), func(s *screen) bool {
			return s.prompts() >= n && s.atBarePrompt()
		})
	}

	waitPrompt(1)
	if td.Input != "" {
		for _, line := range strings.Split(td.Input, "\n") {
			if exited() {
				fail("the shell exited before %q was typed", line)
			}
			before := term.screen().prompts()
			text, keys := splitKeys(line)
			for i, chunk := range text {
				send(t, f, chunk)
				if i == len(keys) {
					break
				}
				if chunk != "" {
					// Wait for the line editor to echo the chunk: it then
					// reads keys itself, Ctrl-C included.
					waitFor(fmt.Sprintf("the echo of %q", chunk), func(s *screen) bool {
						return strings.HasSuffix(strings.TrimRight(s.lastRow(), " "), strings.TrimRight(chunk, " "))
					})
				} else {
					// Nothing to wait for: give the line editor time to
					// put the terminal in its mode. Prefer typing some
					// text before a key.
					time.Sleep(100 * time.Millisecond)
				}
				send(t, f, keys[i])
			}
			if !strings.HasSuffix(line, "<ctrl-c>") && !strings.HasSuffix(line, "<ctrl-d>") && !strings.HasSuffix(line, "<enter>") {
				send(t, f, "\r")
			}
			waitPrompt(before + 1)
		}
	}
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		fail("the shell did not exit (end the input with <ctrl-d>)")
	}
	status := 0
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		status = ee.ExitCode()
	}
	return normalize(term.screen().String()) + "exit " + strconv.Itoa(status) + "\n"
}

var ptyKeys = map[string]string{
	"<ctrl-c>": "\x03",
	"<ctrl-d>": "\x04",
	"<enter>":  "\r",
	"<up>":     "\x1b[A",
	"<down>":   "\x1b[B",
}

// splitKeys splits a typed line into text chunks and the keys between them:
// text[0] keys[0] text[1] keys[1] ... The line ends with a key when
// len(text) == len(keys).
func splitKeys(line string) (text, keys []string) {
	var cur strings.Builder
	for i := 0; i < len(line); {
		if key := keyAt(line[i:]); key != "" {
			text = append(text, cur.String())
			cur.Reset()
			keys = append(keys, ptyKeys[key])
			i += len(key)
			continue
		}
		cur.WriteByte(line[i])
		i++
	}
	if cur.Len() > 0 || len(keys) == 0 {
		text = append(text, cur.String())
	}
	return text, keys
}

// keyAt returns the name of the key that s starts with, or "".
func keyAt(s string) string {
	for name := range ptyKeys {
		if strings.HasPrefix(s, name) {
			return name
		}
	}
	return ""
}

func send(t *testing.T, f interface{ Write([]byte) (int, error) }, s string) {
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatalf("typing %q: %v", s, err)
	}
}

// ptyOutput collects what the shell writes to its terminal.
type ptyOutput struct {
	mu   sync.Mutex
	buf  []byte
	done chan struct{}
}

func (p *ptyOutput) write(b []byte) {
	p.mu.Lock()
	p.buf = append(p.buf, b...)
	p.mu.Unlock()
}

// screen replays everything written so far on a fresh screen.
func (p *ptyOutput) screen() *screen {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &screen{}
	s.play(p.buf)
	return s
}

// screen is a minimal terminal: enough of VT100 for liner's output.
type screen struct {
	rows     [][]rune
	row, col int
}

func (s *screen) play(b []byte) {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && !utf8.FullRune(b) {
			return // an incomplete sequence at the end: wait for the rest
		}
		b = b[size:]
		switch r {
		case '\r':
			s.col = 0
		case '\n':
			s.row++
		case '\b':
			if s.col > 0 {
				s.col--
			}
		case '\a':
		case '\t':
			s.col = (s.col/8 + 1) * 8
		case 0x1b:
			n := s.escape(b)
			if n < 0 {
				return // incomplete
			}
			b = b[n:]
		default:
			s.put(r)
		}
	}
}

// escape interprets the escape sequence after ESC at the start of b and
// returns its length, or -1 if b ends first.
func (s *screen) escape(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	if b[0] != '[' {
		return 1 // a two-character sequence: ignored
	}
	i := 1
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ';' || b[i] == '?') {
		i++
	}
	if i == len(b) {
		return -1
	}
	param := string(b[1:i])
	n, err := strconv.Atoi(param)
	if err != nil || n == 0 {
		n = 1
	}
	switch b[i] {
	case 'A':
		s.row = max(s.row-n, 0)
	case 'B':
		s.row += n
	case 'C':
		s.col += n
	case 'D':
		s.col = max(s.col-n, 0)
	case 'G':
		s.col = n - 1
	case 'H':
		s.row, s.col = 0, 0
	case 'J':
		if param == "2" {
			s.rows = nil
		}
	case 'K':
		s.grow()
		line := s.rows[s.row]
		switch param {
		case "", "0":
			if s.col < len(line) {
				s.rows[s.row] = line[:s.col]
			}
		case "2":
			s.rows[s.row] = nil
		}
	}
	return i + 1
}

func (s *screen) grow() {
	for len(s.rows) <= s.row {
		s.rows = append(s.rows, nil)
	}
}

func (s *screen) put(r rune) {
	s.grow()
	line := s.rows[s.row]
	for len(line) <= s.col {
		line = append(line, ' ')
	}
	line[s.col] = r
	s.rows[s.row] = line
	s.col++
}

func (s *screen) lastRow() string {
	if s.row < len(s.rows) {
		return string(s.rows[s.row])
	}
	return ""
}

// prompts counts the rows that start with a prompt.
func (s *screen) prompts() int {
	n := 0
	for _, r := range s.rows {
		if l := string(r); strings.HasPrefix(l, promptFirst) || strings.HasPrefix(l, promptMore) {
			n++
		}
	}
	return n
}

// atBarePrompt tells whether the cursor stands after a prompt on an
// otherwise empty row.
func (s *screen) atBarePrompt() bool {
	l := s.lastRow()
	return (l == promptFirst || l == promptMore) && s.col == len(l) && s.row == len(s.rows)-1
}

// String returns the rows, trailing blanks removed, each ended by '\n'.
func (s *screen) String() string {
	var b strings.Builder
	rows := s.rows
	for len(rows) > 0 && strings.TrimSpace(string(rows[len(rows)-1])) == "" {
		rows = rows[:len(rows)-1]
	}
	for _, r := range rows {
		b.WriteString(strings.TrimRight(string(r), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
