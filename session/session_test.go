package session

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sundialdb/sundial/sql"
)

// TestSessionGolden runs the data-driven files in testdata/: each `sql`
// directive runs its statements in one session per file and prints what the
// shell would (tables, messages, "ERROR: ..."). -rewrite regenerates them.
func TestSessionGolden(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := New(NewInstance())
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "sql" {
				t.Fatalf("%s: unknown directive %q", d.Pos, d.Cmd)
			}
			var b strings.Builder
			for _, r := range sql.ParseScript(d.Input) {
				if r.Err != nil {
					fmt.Fprintf(&b, "ERROR: %v\n", r.Err)
					continue
				}
				res, err := s.Exec(context.Background(), r.Stmt)
				if res != nil {
					if perr := Print(&b, res); perr != nil {
						t.Fatal(perr)
					}
				}
				if err != nil {
					fmt.Fprintf(&b, "ERROR: %v\n", err)
				}
			}
			return b.String()
		})
	})
}
