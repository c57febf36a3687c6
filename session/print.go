package session

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Print writes a result as the shell shows it: a boxed table with a row
// count for rows, or the message.
func Print(w io.Writer, r *Result) error {
	if r.Rows == nil {
		if r.Msg != "" {
			_, err := fmt.Fprintln(w, r.Msg)
			return err
		}
		return nil
	}
	n := r.Rows.Len()
	cells := make([][]string, n+1)
	cells[0] = make([]string, len(r.Schema))
	for i, f := range r.Schema {
		cells[0][i] = f.Name
	}
	for row := 0; row < n; row++ {
		cells[row+1] = make([]string, len(r.Rows.Cols))
		for i, c := range r.Rows.Cols {
			cells[row+1][i] = c.Value(row).String()
		}
	}
	width := make([]int, len(r.Schema))
	for _, line := range cells {
		for i, c := range line {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	rule := func() {
		for _, wd := range width {
			b.WriteString(" " + strings.Repeat("-", wd+2))
		}
		b.WriteString("\n")
	}
	rule()
	for li, line := range cells {
		for i, c := range line {
			b.WriteString("  " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " ")
		}
		b.WriteString("\n")
		if li == 0 {
			rule()
		}
	}
	rule()
	fmt.Fprintf(&b, "%d rows in set\n", n)
	if r.Msg != "" {
		b.WriteString(r.Msg + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
