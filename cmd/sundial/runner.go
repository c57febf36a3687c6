package main

import (
	"context"
	"io"

	"github.com/sundialdb/sundial/sql"
)

// runner runs one parsed statement, writing what it prints to out. text is
// the statement as the user wrote it (without its ';'). An error fails the
// statement; the caller reports it and goes on with the next one.
//
// The shell and the script modes of 'sundial sql' only ever talk to a
// runner: the executor plugs in here by implementing it.
type runner interface {
	Run(ctx context.Context, stmt sql.Stmt, text string, out io.Writer) error
}

// newRunner returns the runner 'sundial sql' uses.
func newRunner() runner { return echoRunner{} }
