package main

import (
	"context"
	"io"

	"github.com/sundialdb/sundial/session"
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

// newRunner returns the runner 'sundial sql' uses: an embedded instance in
// offline (batch) mode.
func newRunner() runner { return &sessionRunner{s: session.New(session.NewInstance())} }

// sessionRunner executes statements in a session.
type sessionRunner struct{ s *session.Session }

func (r *sessionRunner) Run(ctx context.Context, stmt sql.Stmt, _ string, out io.Writer) error {
	res, err := r.s.Exec(ctx, stmt)
	if res != nil {
		if perr := session.Print(out, res); perr != nil {
			return perr
		}
	}
	return err
}
