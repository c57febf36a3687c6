package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// The consistency check of SEMANTICS §2, shared by `sundial verify` (over
// files) and DEPLOY ... OPTIONS(verify='true') (over the stored rows): the
// batch result of a query against the online answers of the same rows
// replayed in (ts, seq) order — each row sent as a request, then stored —
// compared bit for bit.

// ErrVerify: DEPLOY ... OPTIONS(verify='true') found an online answer that
// differs from the batch one. It matches planner.ErrUnsupported too (the
// query, as deployed, does not give the batch answers online).
var ErrVerify = fmt.Errorf("session: online answers differ from batch (%w)", planner.ErrUnsupported)

// DefaultVerifySample is how many stored rows DEPLOY ... OPTIONS(verify='true')
// checks when verify_sample is not given.
const DefaultVerifySample = 1000

// VerifyOptions tune VerifyReplay.
type VerifyOptions struct {
	// Sample is how many rows are requested and compared, chosen at random
	// with Seed (<= 0, or at least the number of rows: every row). Every row
	// up to the last one checked is still stored, in replay order.
	Sample int
	Seed   uint64
	// Show is how many differences are kept in full (0: 5).
	Show int
}

// Difference is one feature of one row whose online answer is not the batch
// one, bit for bit.
type Difference struct {
	Row           int           // the row's position in the main table's input, from 1
	Values        []types.Value // the row (the request)
	Feature       string
	Batch, Online types.Value
}

func (d Difference) String() string {
	return fmt.Sprintf("row %d, feature %s: batch %s, online %s", d.Row, d.Feature, ValueBits(d.Batch), ValueBits(d.Online))
}

// VerifyReport is what VerifyReplay found.
type VerifyReport struct {
	Rows        int          // rows of the main table
	Replayed    int          // rows stored so far, in replay order
	Checked     int          // rows requested and compared
	Compared    int          // features compared
	Differences int          // features that differ
	First       []Difference // the first Show of them, in replay order
	Replay      time.Duration
}

// ValueBits shows a value with its exact bits for floating-point kinds.
func ValueBits(v types.Value) string {
	if !v.Null && (v.Kind == types.Double || v.Kind == types.Float) {
		return fmt.Sprintf("%s (%#016x)", v, math.Float64bits(v.F))
	}
	return v.String()
}

// PrepareRequestWith is PrepareRequest with the options of DEPLOY (long
// windows). A deployment with long windows keeps buckets only once started.
func (s *Session) PrepareRequestWith(q sql.Query, o online.Options) (*online.Deployment, error) {
	plan, err := s.binder().BindQuery(q)
	if err != nil {
		return nil, err
	}
	if err := s.ensureIndexes(plan, false); err != nil {
		return nil, err
	}
	return online.CompileWith(plan, s.inst, s.env(), o)
}

// VerifyReplay checks dep (q compiled for request mode in this session)
// against want, the batch result of q over rows (the main table's rows in
// arrival order, one output row per input row): it replays the rows in
// (ts, seq) order, ts being the ORDER BY column of q's windows — each
// checked row is sent as a request, then every row is stored in the main
// table — and compares every feature bit for bit. The main table's store
// must be empty and the other tables the query reads loaded: this is for a
// scratch, in-memory instance. It starts dep (long windows follow the
// store) and closes it when done. When ctx ends it returns ctx's error with
// the report so far.
func (s *Session) VerifyReplay(ctx context.Context, dep *online.Deployment, q sql.Query, want *types.Batch, rows [][]types.Value, o VerifyOptions) (*VerifyReport, error) {
	start := time.Now()
	if s.inst.dur != nil {
		return nil, errors.New("session: verify replays into a scratch in-memory instance, not a durable one")
	}
	main := dep.MainTable()
	if len(rows) != want.Len() {
		return nil, fmt.Errorf("the batch result has %d rows for %d input rows: verify needs one output row per input row (no WHERE)", want.Len(), len(rows))
	}
	if len(want.Cols) != len(dep.Schema()) {
		return nil, fmt.Errorf("the batch result has %d columns, the online answer %d", len(want.Cols), len(dep.Schema()))
	}
	st, err := s.inst.storeOf(main)
	if err != nil {
		return nil, err
	}
	if st.LastSeq() != 0 {
		return nil, fmt.Errorf("verify: table %s already has stored rows", main.Name)
	}
	if err := dep.Start(); err != nil {
		return nil, err
	}
	defer dep.Close()

	// Replay order: (ts, seq); rows whose ts is NULL come first (they are
	// refused when stored).
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	if tsCol := replayTS(main, q); tsCol >= 0 {
		slices.SortStableFunc(order, func(a, b int) int {
			x, y := rows[a][tsCol], rows[b][tsCol]
			switch {
			case x.Null && y.Null:
				return 0
			case x.Null:
				return -1
			case y.Null:
				return 1
			}
			return cmpInt(x.I, y.I)
		})
	}
	check := make([]bool, len(rows))
	if o.Sample <= 0 || o.Sample >= len(rows) {
		for i := range check {
			check[i] = true
		}
	} else {
		rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed))
		for _, i := range rng.Perm(len(rows))[:o.Sample] {
			check[i] = true
		}
	}
	// Rows after the last one checked need not be stored.
	end := len(order)
	for end > 0 && !check[order[end-1]] {
		end--
	}
	show := o.Show
	if show <= 0 {
		show = 5
	}
	rep := &VerifyReport{Rows: len(rows)}
	schema := main.Schema
	now := time.Now().UnixMilli()
	for n, i := range order[:end] {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				rep.Replay = time.Since(start)
				return rep, err // how far it got
			}
		}
		row := rows[i]
		if len(row) != len(schema) {
			return nil, fmt.Errorf("row %d has %d values, table %s %d columns", i+1, len(row), main.Name, len(schema))
		}
		if check[i] {
			got, err := dep.Request(row, now)
			if err != nil {
				return nil, fmt.Errorf("request for row %d: %w", i+1, err)
			}
			rep.Checked++
			for c, v := range got {
				rep.Compared++
				w := want.Cols[c].Value(i)
				if !types.Identical(w, v) {
					if len(rep.First) < show {
						rep.First = append(rep.First, Difference{Row: i + 1, Values: row, Feature: want.Schema[c].Name, Batch: w, Online: v})
					}
					rep.Differences++
				}
			}
		}
		for c, f := range schema {
			if row[c].Null && row[c].Kind != f.Kind {
				row[c] = types.NullOf(f.Kind)
			}
		}
		if _, err := st.Put(row); err != nil {
			return nil, fmt.Errorf("storing row %d: %w", i+1, err)
		}
		rep.Replayed++
	}
	rep.Replay = time.Since(start)
	return rep, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// replayTS is the main table's column the query's windows order by (-1: none).
func replayTS(t *planner.Table, q sql.Query) int {
	sel, ok := q.(*sql.Select)
	if !ok {
		return -1
	}
	for _, w := range sel.Windows {
		if len(w.Spec.OrderBy) == 1 {
			if c, ok := w.Spec.OrderBy[0].Expr.(*sql.ColumnRef); ok {
				return t.Schema.Index(c.Name)
			}
		}
	}
	return -1
}

// verifyDeploy is DEPLOY ... OPTIONS(verify='true'): before the deployment
// goes live, the check of VerifyReplay over a snapshot of the stored rows of
// the tables the query reads, in a scratch in-memory instance (a copy of the
// catalog; the rows are copied, so it needs as much memory again as those
// tables): the batch result over every stored row of the main table, then
// every row replayed and sample of them (chosen at random, seed 1; <= 0:
// every row) requested with the deployment's options. It returns an error
// wrapping ErrVerify, with the first difference in full, on any difference.
func (s *Session) verifyDeploy(ctx context.Context, st *sql.Deploy, plan planner.Node, opts online.Options, sample int) error {
	// The tables the query reads, and their stored rows as they are now.
	var tables []*planner.Table
	seen := map[string]bool{}
	var visit func(n planner.Node)
	visit = func(n planner.Node) {
		if sc, ok := n.(*planner.Scan); ok {
			if k := batch.SourceKey(sc.Table.DB, sc.Table.Name); !seen[k] {
				seen[k] = true
				tables = append(tables, sc.Table)
			}
		}
		for _, in := range n.Inputs() {
			visit(in)
		}
	}
	visit(plan)

	scratch := New(NewInstance())
	scratch.DB, scratch.Loc = s.DB, s.Loc
	scratch.MemoryLimit, scratch.SpillDir = s.MemoryLimit, s.SpillDir
	if err := copyCatalog(s.inst, scratch.inst); err != nil {
		return err
	}
	stored := map[string][][]types.Value{}
	for _, t := range tables {
		rows, err := storedRows(s.inst, t)
		if err != nil {
			return err
		}
		stored[batch.SourceKey(t.DB, t.Name)] = rows
	}
	dep, err := scratch.PrepareRequestWith(st.Query, opts)
	if err != nil {
		return err
	}
	main := dep.MainTable()
	mainKey := batch.SourceKey(main.DB, main.Name)
	for _, t := range tables {
		k := batch.SourceKey(t.DB, t.Name)
		if k == mainKey {
			continue
		}
		ct, err := scratch.inst.Catalog.Table(t.DB, t.Name)
		if err != nil {
			return err
		}
		cst, err := scratch.inst.storeOf(ct)
		if err != nil {
			return err
		}
		for i, row := range stored[k] {
			if _, err := cst.Put(row); err != nil {
				return fmt.Errorf("verify: table %s, stored row %d: %w", t.Name, i+1, err)
			}
		}
	}
	// The batch side reads the main table's rows as offline rows: its store
	// stays empty for the replay.
	rows := stored[mainKey]
	b := emptyBatchOf(main.Schema, len(rows))
	for _, r := range rows {
		for c, v := range r {
			b.Cols[c].Append(v)
		}
	}
	if err := scratch.AppendRows(sql.TableName{DB: main.DB, Name: main.Name}, b); err != nil {
		return err
	}
	want, err := scratch.Query(ctx, st.Query)
	if err != nil {
		return fmt.Errorf("DEPLOY %s: verify: the batch query: %w", st.Name, err)
	}
	rep, err := scratch.VerifyReplay(ctx, dep, st.Query, want, rows, VerifyOptions{Sample: sample, Seed: 1, Show: 1})
	if err != nil {
		return fmt.Errorf("DEPLOY %s: verify: %w", st.Name, err)
	}
	if rep.Differences > 0 {
		d := rep.First[0]
		return planner.Errorf(ErrVerify, "DEPLOY %s: verify: %d of %d features differ between batch and online over %d of the %d stored rows of %s; the first: %s (the row: %s)",
			st.Name, rep.Differences, rep.Compared, rep.Checked, rep.Rows, main.Name, d, rowText(main.Schema, d.Values))
	}
	return nil
}

// rowText shows a row as col=value, ...
func rowText(schema types.Schema, row []types.Value) string {
	parts := make([]string, len(row))
	for i, v := range row {
		name := "?"
		if i < len(schema) {
			name = schema[i].Name
		}
		parts[i] = name + "=" + ValueBits(v)
	}
	return strings.Join(parts, ", ")
}

// copyCatalog copies the databases and table definitions (with their
// indexes) of one instance into another's catalog. The copies are memory
// tables whatever the originals' storage mode: the scratch instance of a
// verification lives in memory.
func copyCatalog(from, to *Instance) error {
	from.mu.RLock() // storeOf and ensureIndexes change t.Indexes under it
	defer from.mu.RUnlock()
	for _, db := range from.Catalog.Databases() {
		if err := to.Catalog.CreateDatabase(db, true); err != nil {
			return err
		}
		ts, err := from.Catalog.Tables(db)
		if err != nil {
			return err
		}
		for _, t := range ts {
			c := &planner.Table{DB: t.DB, Name: t.Name, Schema: t.Schema, Options: t.Options}
			for _, ix := range t.Indexes {
				x := *ix
				x.Keys = append([]string(nil), ix.Keys...)
				c.Indexes = append(c.Indexes, &x)
			}
			if err := to.Catalog.AddTable(c, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// storedRows reads a table's live stored rows, in seq order, as of now.
func storedRows(inst *Instance, t *planner.Table) ([][]types.Value, error) {
	st, ok := inst.StoreIfExists(t)
	if !ok {
		return nil, nil
	}
	dec := st.Decoder(nil)
	var out [][]types.Value
	err := st.Rows(1, st.LastSeq(), func(_ uint64, row []byte) bool {
		out = append(out, dec.Decode(row, nil))
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	return out, nil
}

// withoutVerify returns DEPLOY's options without verify and verify_sample.
func withoutVerify(opts []sql.Option) []sql.Option {
	var out []sql.Option
	for _, o := range opts {
		if k := strings.ToLower(o.Key); k != "verify" && k != "verify_sample" {
			out = append(out, o)
		}
	}
	return out
}
