package sql

import (
	"errors"
	"fmt"
)

// ErrSyntax is the sentinel every parse error wraps: errors.Is(err, sql.ErrSyntax).
var ErrSyntax = errors.New("sql: syntax error")

// Pos is a position in the user's original text: 1-based line and column
// (columns count bytes) and the 0-based byte offset.
type Pos struct {
	Line, Col int
	Offset    int
}

// Error is a parse error at a position of the user's original text.
type Error struct {
	Pos  Pos
	Msg  string // what was wrong or expected, e.g. `expected PRECEDING or FOLLOWING`
	Near string // the original text at the position (truncated), may be empty at end of input
}

func (e *Error) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("line %d, column %d: %s at end of input", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return fmt.Sprintf("line %d, column %d: %s near %q", e.Pos.Line, e.Pos.Col, e.Msg, e.Near)
}

// Unwrap makes every *Error match ErrSyntax.
func (e *Error) Unwrap() error { return ErrSyntax }

// Segment is one statement of a script, as split on top-level ';'.
type Segment struct {
	Text       string // the statement text without its ';'
	Pos        Pos    // where Text starts in the script
	Terminated bool   // whether a ';' ended it (false only for the last segment)
}

// Result is the outcome of parsing one statement of a script.
type Result struct {
	Segment
	Stmt Stmt  // nil when Err != nil
	Err  error // an *Error with positions relative to the whole script
}
