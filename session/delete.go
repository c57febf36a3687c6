package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// DELETE FROM t WHERE k1 = v1 [AND k2 = v2 ...], as OpenMLDB has it: the
// condition names the key of one of the table's indexes (every key column,
// nothing else; `= NULL` matches a NULL key), and every row with that key
// goes, from every index. The table is rebuilt without them: the store's
// rows (in arrival order) and the rows AppendRows gave are filtered, a new
// store is filled, and the deployments are compiled again over it. Inserts
// wait meanwhile (Instance.rowsMu). It is logged as a catalog statement, so
// recovery runs it again at its place among the rows.

// deleteRows runs DELETE.
func (s *Session) deleteRows(ctx context.Context, st *sql.Delete) (*Result, error) {
	t, err := s.table(st.Table)
	if err != nil {
		return nil, err
	}
	if t.Storage.Disk() {
		return nil, planner.Errorf(planner.ErrUnsupported, "DELETE FROM %s: a disk table (storage_mode %s) cannot delete rows yet", t.Name, t.Storage)
	}
	match, err := s.deleteKey(t, st.Where)
	if err != nil {
		return nil, err
	}
	inst := s.inst
	inst.rowsMu.Lock()
	defer inst.rowsMu.Unlock()

	k := batch.SourceKey(t.DB, t.Name)
	inst.mu.Lock()
	d := inst.data[k]
	if d != nil && len(d.files) > 0 {
		inst.mu.Unlock()
		return nil, planner.Errorf(planner.ErrUnsupported, "DELETE FROM %s: the table reads files bound by LOAD DATA in offline mode, whose rows cannot be deleted", t.Name)
	}
	old, hasStore := inst.stores[k]
	// Positions among the store's rows that batch data keeps (hidden, each
	// memPart's after): each moves to the new seq of the last row kept at or
	// before it.
	var marks []*uint64
	if d != nil {
		marks = append(marks, &d.hidden)
		for i := range d.mem {
			marks = append(marks, &d.mem[i].after)
		}
	}
	inst.mu.Unlock()

	deleted := 0
	var fresh storage.Table
	moved := make([]uint64, len(marks))
	set := make([]bool, len(marks))
	if hasStore {
		if fresh, err = storage.NewMemTable(t.Schema, old.Indexes()); err != nil {
			return nil, fmt.Errorf("DELETE FROM %s: %w", t.Name, err)
		}
		dec := old.Decoder(nil)
		row := make([]types.Value, len(t.Schema))
		var kept uint64 // the new seq of the last row kept so far
		var perr error
		err = old.Rows(1, old.LastSeq(), func(seq uint64, raw []byte) bool {
			for i, m := range marks {
				if !set[i] && *m < seq { // rows come in seq order: the first row past the mark
					moved[i], set[i] = kept, true
				}
			}
			for i := range row {
				row[i] = dec.Value(raw, i)
			}
			if match(row) {
				deleted++
			} else if kept, perr = fresh.Put(row); perr != nil {
				return false
			}
			return true
		})
		if err == nil {
			err = perr
		}
		if err != nil {
			fresh.Close()
			return nil, fmt.Errorf("DELETE FROM %s: %w", t.Name, err)
		}
		for i := range marks {
			if !set[i] { // at or past the last row
				moved[i] = kept
			}
		}
	}

	inst.mu.Lock()
	for i, m := range marks {
		*m = moved[i]
	}
	if d != nil {
		for i := range d.mem {
			rows, n := filterBatch(d.mem[i].rows, match)
			d.mem[i].rows = rows
			deleted += n
		}
	}
	if hasStore {
		inst.stores[k] = fresh
	}
	deps := make([]*deployment, 0, len(inst.deployments))
	for _, dp := range inst.deployments {
		deps = append(deps, dp)
	}
	inst.mu.Unlock()

	if hasStore {
		// Deployments read stores they looked up when compiled: compile
		// them again over the new one.
		for _, dp := range deps {
			if err := s.recompile(ctx, dp); err != nil {
				return nil, fmt.Errorf("DELETE FROM %s: deployment %s: %w", t.Name, dp.name, err)
			}
		}
		old.Close()
	}
	return &Result{Msg: fmt.Sprintf("%d rows deleted", deleted)}, nil
}

// deleteKey checks a DELETE's condition and returns the rows it matches.
func (s *Session) deleteKey(t *planner.Table, where sql.Expr) (func(row []types.Value) bool, error) {
	bad := func(why string) error {
		return planner.Errorf(planner.ErrUnsupported, "DELETE FROM %s: %s; write WHERE key1 = value [AND key2 = value ...] over the KEY columns of one index", t.Name, why)
	}
	if where == nil {
		return nil, bad("no WHERE")
	}
	var conj []sql.Expr
	var split func(e sql.Expr)
	split = func(e sql.Expr) {
		if b, ok := e.(*sql.Binary); ok && b.Op == sql.OpAnd {
			split(b.L)
			split(b.R)
			return
		}
		conj = append(conj, e)
	}
	split(where)
	cols := map[int]types.Value{}
	binder := s.binder()
	for _, e := range conj {
		b, ok := e.(*sql.Binary)
		if !ok || b.Op != sql.OpEQ {
			return nil, bad(fmt.Sprintf("%s is not column = value", sql.Format(e)))
		}
		ref, val := b.L, b.R
		if _, ok := ref.(*sql.ColumnRef); !ok {
			ref, val = b.R, b.L
		}
		c, ok := ref.(*sql.ColumnRef)
		if !ok {
			return nil, bad(fmt.Sprintf("%s is not column = value", sql.Format(e)))
		}
		if c.Table != "" && !strings.EqualFold(c.Table, t.Name) {
			return nil, planner.Errorf(planner.ErrUnknown, "DELETE FROM %s: unknown table %s in %s", t.Name, c.Table, sql.Format(e))
		}
		ci := t.Schema.Index(c.Name)
		if ci < 0 {
			return nil, planner.Errorf(planner.ErrUnknown, "DELETE FROM %s: unknown column %s", t.Name, c.Name)
		}
		if _, dup := cols[ci]; dup {
			return nil, bad(fmt.Sprintf("column %s appears twice", c.Name))
		}
		v, err := constValue(binder, s.env(), val, t.Schema[ci].Kind)
		if err != nil {
			return nil, fmt.Errorf("DELETE FROM %s: %s: %w", t.Name, sql.Format(e), err)
		}
		cols[ci] = v
	}
	var names []string
	for ci := range cols {
		names = append(names, t.Schema[ci].Name)
	}
	found := false
	for _, ix := range t.Indexes {
		found = found || sameNames(ix.Keys, names)
	}
	if !found {
		return nil, bad(fmt.Sprintf("no index has KEY=(%s)", strings.Join(names, ", ")))
	}
	return func(row []types.Value) bool {
		for ci, v := range cols {
			r := row[ci]
			if v.Null || r.Null {
				if v.Null != r.Null {
					return false
				}
				continue
			}
			if types.Compare(r, v) != 0 {
				return false
			}
		}
		return true
	}, nil
}

// filterBatch returns b without the rows match accepts, and how many those were.
func filterBatch(b *types.Batch, match func([]types.Value) bool) (*types.Batch, int) {
	out := emptyBatchOf(b.Schema, b.Len())
	row := make([]types.Value, len(b.Cols))
	n := 0
	for r := 0; r < b.Len(); r++ {
		for i, c := range b.Cols {
			row[i] = c.Value(r)
		}
		if match(row) {
			n++
			continue
		}
		for i, v := range row {
			out.Cols[i].Append(v)
		}
	}
	return out, n
}

// recompile compiles a deployment again from its text (the tables' stores
// changed) and swaps it in; the old one stops following its tables.
func (s *Session) recompile(ctx context.Context, dp *deployment) error {
	stmts, err := sql.Parse(dp.text)
	if err != nil || len(stmts) != 1 {
		return fmt.Errorf("parsing its text again: %v", err)
	}
	var q sql.Query
	var opts online.Options
	switch st := stmts[0].(type) {
	case *sql.Deploy:
		q = st.Query
		if opts, _, _, err = deployOptions(st); err != nil {
			return err
		}
	case sql.Query:
		q = st
	default:
		return fmt.Errorf("its text is a %T", st)
	}
	sub := New(s.inst)
	sub.DB, sub.Loc = dp.db, s.Loc
	plan, err := sub.binder().BindQuery(q)
	if err != nil {
		return err
	}
	dep, err := online.CompileWith(plan, s.inst, sub.env(), opts)
	if err != nil {
		return err
	}
	if err := dep.Start(); err != nil {
		return err
	}
	// A new entry: requests running keep the one they looked up.
	k := strings.ToLower(dp.db + "." + dp.name)
	s.inst.mu.Lock()
	if cur, ok := s.inst.deployments[k]; ok && cur == dp {
		s.inst.deployments[k] = &deployment{db: dp.db, name: dp.name, text: dp.text, dep: dep}
	} else {
		dep.Close() // dropped or replaced meanwhile
		dep = nil
	}
	s.inst.mu.Unlock()
	if dep != nil {
		dp.dep.Close()
	}
	return nil
}
