package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sundialdb/sundial/sql"
)

// echoRunner "runs" a statement by printing its canonical form on one line.
// It stands in for the executor until there is one.
type echoRunner struct{}

func (echoRunner) Run(_ context.Context, stmt sql.Stmt, _ string, out io.Writer) error {
	_, err := fmt.Fprintln(out, sql.Format(stmt))
	return err
}
