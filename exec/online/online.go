package online

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/sundialdb/sundial/exec/agg"
	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/window"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// ErrRequest: a request row does not fit the deployment's input schema.
var ErrRequest = errors.New("online: bad request row")

// Tables gives the executor the stored data of catalog tables.
type Tables interface {
	Stored(t *planner.Table) (storage.Table, error)
}

// Deployment is a query compiled for request mode.
type Deployment struct {
	main   *planner.Table
	root   step
	schema types.Schema
	env    *expr.Env
	longs  []*longWindow
	arenas sync.Pool // of *arena: requests run concurrently
}

// Options tune CompileWith. The zero value is Compile's.
type Options struct {
	// LongWindows are the windows whose calls are pre-aggregated in buckets
	// (DEPLOY ... OPTIONS(long_windows='w1:1d'); see ParseLongWindows).
	LongWindows []LongWindow
	// LongMinRows is the number of rows in a key's newest frame from which
	// the key keeps buckets (0: DefaultLongMinRows of the window's ring,
	// and a coarse tier for keys with fewer rows: see tiersOf).
	LongMinRows int

	// tiers, when set (by the tests), gives every long window both tiers
	// at these thresholds, the coarse bucket being mult times the fine.
	tiers *testTiers
}

type testTiers struct{ fineMin, coarseMin, mult int }

// step computes part of the output for one request: it extends the current
// row (a one-row batch) with more columns.
type step interface {
	run(r *request, cur *types.Batch) (*types.Batch, error)
}

type request struct {
	now int64
	env *expr.Env
	a   *arena // the request's memory
	// asOf: the steps run for a stored row of seq curSeq (a pipeline's
	// candidate), not for the request row: a window over its own table
	// leaves out that row and the later ones at its ts (SEMANTICS §2, as
	// batch orders a partition by (ts, seq)).
	asOf   bool
	curSeq uint64
}

// runAsOf runs a pipeline for the stored row of seq, its windows framed as
// of that row.
func runAsOf(p step, r *request, seq uint64, row *types.Batch) (*types.Batch, error) {
	asOf, curSeq := r.asOf, r.curSeq
	r.asOf, r.curSeq = true, seq
	out, err := p.run(r, row)
	r.asOf, r.curSeq = asOf, curSeq
	return out, err
}

// Compile checks that a plan can answer requests (SEMANTICS §7) and compiles it.
// Errors name the clause that does not fit.
func Compile(plan planner.Node, tables Tables, env *expr.Env) (*Deployment, error) {
	return CompileWith(plan, tables, env, Options{})
}

// CompileWith is Compile with options. A deployment with long windows keeps
// no buckets until Start.
func CompileWith(plan planner.Node, tables Tables, env *expr.Env, o Options) (*Deployment, error) {
	c := &compiler{tables: tables, env: env, opts: o, longUsed: map[string]bool{}}
	root, err := c.node(plan)
	if err != nil {
		return nil, err
	}
	if c.main == nil {
		return nil, planner.Errorf(planner.ErrUnsupported, "a deployment needs a FROM table (the request table)")
	}
	c.finishLongs()
	for _, lw := range o.LongWindows {
		if !c.longUsed[lw.Window] {
			return nil, planner.Errorf(planner.ErrUnsupported, "long_windows names window %s, which no aggregate of the query is computed over", lw.Window)
		}
	}
	return &Deployment{main: c.main, root: root, schema: plan.Schema(), env: env, longs: c.longs}, nil
}

// Start makes the deployment's long windows follow their tables: keys that
// hold enough rows get their buckets now, the others when they do. Requests
// are answered before Start too (from rows).
func (d *Deployment) Start() error {
	for i, lw := range d.longs {
		if err := lw.start(); err != nil {
			for _, x := range d.longs[:i+1] {
				x.stop()
			}
			return err
		}
	}
	return nil
}

// Close stops the long windows' buckets following their tables (DROP
// DEPLOYMENT, a replaced deployment). Requests are still answered, from rows.
func (d *Deployment) Close() {
	for _, lw := range d.longs {
		lw.stop()
	}
}

// InputSchema is the schema of request rows: the main table's.
func (d *Deployment) InputSchema() types.Schema { return d.main.Schema }

// Schema is the schema of the answers.
func (d *Deployment) Schema() types.Schema { return d.schema }

// MainTable is the table requests are rows of.
func (d *Deployment) MainTable() *planner.Table { return d.main }

// Request computes the features of one request row (values in the input
// schema's order and kinds) as of now (ms since the epoch, for TTLs).
func (d *Deployment) Request(row []types.Value, now int64) ([]types.Value, error) {
	return d.AppendRequest(nil, row, now)
}

// AppendRequest is Request appending the features to dst, so that a caller
// answering many requests reuses one slice instead of allocating one per
// request. On error dst is returned unchanged.
func (d *Deployment) AppendRequest(dst, row []types.Value, now int64) ([]types.Value, error) {
	s := d.main.Schema
	if len(row) != len(s) {
		return dst, fmt.Errorf("%w: %d values, table %s has %d columns", ErrRequest, len(row), d.main.Name, len(s))
	}
	for i, f := range s {
		v := row[i]
		if !v.Null && v.Kind != f.Kind {
			return dst, fmt.Errorf("%w: column %s is %s, got %s", ErrRequest, f.Name, f.Kind, v.Kind)
		}
		if v.Null && f.NotNull {
			return dst, fmt.Errorf("%w: column %s is NOT NULL", ErrRequest, f.Name)
		}
	}
	a, _ := d.arenas.Get().(*arena)
	if a == nil {
		a = &arena{}
	}
	defer d.arenas.Put(a)
	defer a.release()
	a.r = request{now: now, env: d.env, a: a}
	cur := a.batch(s, len(s))
	for i, f := range s {
		v := row[i]
		if v.Null {
			v = types.NullOf(f.Kind)
		}
		cur.Cols[i] = a.col1(f.Kind, v)
	}
	out, err := d.root.run(&a.r, cur)
	if err != nil {
		return dst, err
	}
	// Copied out: the arena's columns are reused once the request is done.
	for _, c := range out.Cols {
		dst = append(dst, c.Value(0))
	}
	return dst, nil
}

// ---------------------------------------------------------------------------
// Compilation

type compiler struct {
	tables   Tables
	env      *expr.Env
	main     *planner.Table
	inPipe   int // compiling a pipeline: the steps a stored row goes through
	opts     Options
	longUsed map[string]bool // long windows some call is computed over
	longs    []*longWindow
}

// longSpec finds the long_windows entry of a window, if any.
func (c *compiler) longSpec(name string) (LongWindow, bool) {
	for _, lw := range c.opts.LongWindows {
		if lw.Window == name {
			return lw, true
		}
	}
	for _, lw := range c.opts.LongWindows {
		if strings.EqualFold(lw.Window, name) {
			return lw, true
		}
	}
	return LongWindow{}, false
}

func (c *compiler) node(n planner.Node) (step, error) {
	switch n := n.(type) {
	case *planner.Scan:
		if c.main != nil {
			return nil, planner.Errorf(planner.ErrUnsupported, "request mode reads one main table; %s is a second one", n.Table.Name)
		}
		c.main = n.Table
		return scanStep{}, nil
	case *planner.Project:
		in, err := c.node(n.Input)
		if err != nil {
			return nil, err
		}
		ps := &projectStep{in: in, schema: n.Schema()}
		for _, e := range n.Exprs {
			ev, err := expr.Compile(e, c.env)
			if err != nil {
				return nil, err
			}
			ps.exprs = append(ps.exprs, ev)
		}
		return ps, nil
	case *planner.Window:
		return c.window(n)
	case *planner.LastJoin:
		return c.lastJoin(n)
	case *planner.Filter:
		if c.inPipe > 0 {
			// Over stored rows (a UNION source, a LAST JOIN's right
			// subquery) a WHERE drops candidates.
			in, err := c.node(n.Input)
			if err != nil {
				return nil, err
			}
			cond, err := expr.Compile(n.Cond, c.env)
			if err != nil {
				return nil, err
			}
			return &filterStep{in: in, cond: cond}, nil
		}
		return nil, planner.Errorf(planner.ErrUnsupported, "WHERE in a deployment (request mode answers every request row)")
	case *planner.Aggregate:
		return nil, planner.Errorf(planner.ErrUnsupported, "GROUP BY in a deployment")
	case *planner.Sort:
		return nil, planner.Errorf(planner.ErrUnsupported, "ORDER BY in a deployment")
	case *planner.Limit:
		// A request answers one row: LIMIT n >= 1 keeps it (OpenMLDB
		// accepts such deployments); LIMIT 0 would answer nothing.
		if n.N < 1 {
			return nil, planner.Errorf(planner.ErrUnsupported, "LIMIT %d in a deployment: a request answers its one row", n.N)
		}
		return c.node(n.Input)
	case *planner.Join:
		return nil, planner.Errorf(planner.ErrUnsupported, "LEFT/INNER JOIN in a deployment (use LAST JOIN)")
	case *planner.Union:
		return nil, planner.Errorf(planner.ErrUnsupported, "UNION of queries in a deployment (a window can read other tables with WINDOW ... UNION)")
	}
	return nil, planner.Errorf(planner.ErrUnsupported, "%T in a deployment", n)
}

// pipeline compiles a view over a stored table — projections, filters and
// LAST JOINs on the left spine of n — into the steps a stored row of its base
// table goes through, the same steps a request row of it would. A step
// answers a nil batch for a row a filter drops.
func (c *compiler) pipeline(n planner.Node, what string) (step, *planner.Scan, error) {
	scan, ok := planner.Base(n)
	if !ok {
		return nil, nil, planner.Errorf(planner.ErrUnsupported, "%s: a subquery with GROUP BY, LIMIT, UNION or a join that adds rows, in a deployment (request mode reads it by index: a table, or its projections, WHERE, windows and LAST JOINs)", what)
	}
	save := c.main
	c.main = nil
	c.inPipe++
	st, err := c.node(n)
	c.inPipe--
	c.main = save
	if err != nil {
		return nil, nil, err
	}
	return st, scan, nil
}

// storedRow decodes a stored row of a table into a one-row batch (in the
// request's arena), the input of a pipeline.
func storedRow(r *request, dec *storage.Decoder, s types.Schema, row []byte) *types.Batch {
	b := r.a.batch(s, len(s))
	for i, f := range s {
		b.Cols[i] = r.a.col1(f.Kind, dec.Value(row, i))
	}
	return b
}

// filterStep drops the row (a nil batch) when its condition is not true.
type filterStep struct {
	in   step
	cond expr.Evaluator
}

func (f *filterStep) run(r *request, cur *types.Batch) (*types.Batch, error) {
	in, err := f.in.run(r, cur)
	if err != nil || in == nil {
		return nil, err
	}
	if v := f.cond.Eval(in, 0); v.Null || v.I == 0 {
		return nil, nil
	}
	return in, nil
}

// scanStep is the request row itself.
type scanStep struct{}

func (scanStep) run(_ *request, cur *types.Batch) (*types.Batch, error) { return cur, nil }

type projectStep struct {
	in     step
	exprs  []expr.Evaluator
	schema types.Schema
}

func (p *projectStep) run(r *request, cur *types.Batch) (*types.Batch, error) {
	in, err := p.in.run(r, cur)
	if err != nil || in == nil {
		return nil, err
	}
	out := r.a.batch(p.schema, len(p.exprs))
	for i, ev := range p.exprs {
		out.Cols[i] = r.a.col1(p.schema[i].Kind, ev.Eval(in, 0))
	}
	return out, nil
}

// colOf returns the column index an expression reads when it is a bare column reference.
func colOf(e planner.Expr) (int, bool) {
	c, ok := e.(*planner.ColRef)
	if !ok {
		return 0, false
	}
	return c.Index, true
}

// findIndex finds an index of t whose KEY is exactly keyCols (in any order)
// and whose TS column is tsCol (-1: any). It returns the index position and,
// for each of the index's key columns, which of keyCols it is.
func findIndex(st storage.Table, keyCols []int, tsCol int) (int, []int, bool) {
	for i, ix := range st.Indexes() {
		if len(ix.KeyCols) != len(keyCols) || (tsCol >= 0 && ix.TSCol != tsCol) {
			continue
		}
		perm := make([]int, len(ix.KeyCols))
		ok := true
		for j, kc := range ix.KeyCols {
			perm[j] = -1
			for k, want := range keyCols {
				if kc == want {
					perm[j] = k
				}
			}
			ok = ok && perm[j] >= 0
		}
		if ok {
			return i, perm, true
		}
	}
	return 0, nil, false
}

func colNames(s types.Schema, cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = s[c].Name
	}
	return strings.Join(names, ", ")
}

// ---------------------------------------------------------------------------
// Windows

// source is a stored table a window reads rows from, through one index.
type source struct {
	name  string // the table's name
	table storage.Table
	index int
	perm  []int // index key column j takes the request's partition value perm[j]
	rank  int16 // at equal ts: union sources listed last are earliest, the main table latest
	dec   *storage.Decoder
	cols  int              // number of columns of the window's input schema
	proj  []expr.Evaluator // the view's projection of a stored row, or nil
	pipe  step             // the view's steps (LAST JOINs, filters) a stored row goes through, or nil
	base  types.Schema     // the stored table's schema
	main  bool             // the window's own table (not a UNION source)
}

type windowGroup struct {
	need    []bool // the input columns the group's calls read
	typed   []bool // those read through the window's batch (not argCol)
	needed  []int  // the same, as a list
	valCols []int  // the columns some call's argCol is: read as Values
	plain   bool   // one source, the stored table as is (no view)
	plan    *planner.WindowGroup
	keys    []expr.Evaluator // partition values of the request row
	order   expr.Evaluator   // nil: no ORDER BY: every row at time 0, all the key's rows by (rank, seq)
	sources []*source        // the main table (unless INSTANCE_NOT_IN_WINDOW), then the union sources
	calls   []*windowCall
	longs   []int           // the calls over long windows
	frames  []*window.Frame // the calls' distinct frames
	scratch sync.Pool       // of *groupScratch: requests run concurrently
}

type windowCall struct {
	plan  *planner.WindowAgg
	frame *window.Frame
	args  []expr.Evaluator
	kinds []types.Kind
	slot  int
	// frameIdx: the call's frame is the group's frames[frameIdx].
	frameIdx int
	// argCol: the call's one argument is this input column, read as is
	// (its Values are handed to the aggregator without a batch); -1: the
	// arguments are evaluated over the window's batch.
	argCol int
	aggs   sync.Pool   // of agg.Aggregator: requests run concurrently
	long   *longWindow // the call's buckets, or nil
	longI  int         // the call's position in long.calls
	why    string      // why a call over a long window reads rows
}

type windowStep struct {
	in     step
	groups []*windowGroup
	schema types.Schema
	nIn    int
}

// view is a stored table seen through an optional row-local projection
// (FROM (SELECT ... FROM t), UNION (SELECT ... FROM t2)), or through a
// pipeline of steps (FROM t LAST JOIN t2, UNION (SELECT ... WHERE ...)).
type view struct {
	scan *planner.Scan
	proj *planner.Project // nil: the table itself
	node planner.Node     // with pipe: the view's plan
	pipe step             // non-nil: each stored row goes through these steps
}

// peel finds the stored table under a window's input or union source.
func peel(n planner.Node) (view, bool) {
	switch n := n.(type) {
	case *planner.Scan:
		return view{scan: n}, true
	case *planner.Project:
		if s, ok := n.Input.(*planner.Scan); ok {
			return view{scan: s, proj: n}, true
		}
	}
	return view{}, false
}

// baseCol maps a column of the view to the table's column it reads unchanged.
func (v view) baseCol(i int) (int, bool) {
	if v.pipe != nil {
		return planner.BaseColumn(v.node, i)
	}
	if v.proj == nil {
		return i, true
	}
	if i >= len(v.proj.Exprs) {
		return 0, false
	}
	return colOf(v.proj.Exprs[i])
}

func (c *compiler) window(w *planner.Window) (step, error) {
	in, err := c.node(w.Input)
	if err != nil {
		return nil, err
	}
	mainView, ok := peel(w.Input)
	if !ok {
		// A window over LAST JOINs of the request table: each stored row
		// of it is joined as the request row is (the right tables as
		// stored), then framed.
		scan, ok := planner.Base(w.Input)
		if !ok {
			return nil, planner.Errorf(planner.ErrUnsupported, "a window over anything but the request table or a view of it (projections, windows, LAST JOINs; not an aggregate, a join that adds rows or a UNION)")
		}
		mainView = view{scan: scan, node: w.Input, pipe: in}
	}
	nIn := len(w.Input.Schema())
	ws := &windowStep{in: in, schema: w.Schema(), nIn: nIn}
	for gi, g := range w.Groups {
		wg := &windowGroup{plan: g}
		var viewKeys []int
		for _, p := range g.PartitionBy {
			col, ok := colOf(p)
			if !ok {
				return nil, planner.Errorf(planner.ErrUnsupported, "window %s: PARTITION BY %s is not a column: an index needs columns", strings.Join(g.Windows, ", "), p)
			}
			viewKeys = append(viewKeys, col)
			ev, err := expr.Compile(p, c.env)
			if err != nil {
				return nil, err
			}
			wg.keys = append(wg.keys, ev)
		}
		// Without ORDER BY every row has time 0 and arrival order decides
		// (as in batch): the window is every stored row of the key.
		viewTS := -1
		if g.OrderBy != nil {
			var ok bool
			if viewTS, ok = colOf(g.OrderBy); !ok {
				return nil, planner.Errorf(planner.ErrUnsupported, "window %s: ORDER BY %s is not a column", strings.Join(g.Windows, ", "), g.OrderBy)
			}
			if wg.order, err = expr.Compile(g.OrderBy, c.env); err != nil {
				return nil, err
			}
		}
		nUnions := int16(len(g.Unions))
		add := func(v view, rank int16) error {
			t := v.scan.Table
			st, err := c.tables.Stored(t)
			if err != nil {
				return err
			}
			// The index is looked up by the table's own columns under the view's.
			var keyCols []int
			for ki, k := range viewKeys {
				bc, ok := v.baseCol(k)
				if !ok {
					return planner.Errorf(planner.ErrUnsupported, "window %s: PARTITION BY %s is not a column of table %s (computed, or from a LAST JOIN's right side): request mode reads the window from an index of %s",
						strings.Join(g.Windows, ", "), g.PartitionBy[ki], t.Name, t.Name)
				}
				keyCols = append(keyCols, bc)
			}
			tsCol := -1 // no ORDER BY: any index of the key
			if viewTS >= 0 {
				var ok bool
				if tsCol, ok = v.baseCol(viewTS); !ok {
					return planner.Errorf(planner.ErrUnsupported, "window %s: ORDER BY %s is not a column of table %s (computed, or from a LAST JOIN's right side): request mode reads the window from an index of %s",
						strings.Join(g.Windows, ", "), g.OrderBy, t.Name, t.Name)
				}
			}
			idx, perm, ok := findIndex(st, keyCols, tsCol)
			if !ok {
				ts := ""
				if tsCol >= 0 {
					ts = " and TS=" + t.Schema[tsCol].Name
				}
				return planner.Errorf(planner.ErrUnsupported, "window %s: table %s has no index with KEY=(%s)%s (DEPLOY creates it)",
					strings.Join(g.Windows, ", "), t.Name, colNames(t.Schema, keyCols), ts)
			}
			src := &source{name: t.Name, table: st, index: idx, perm: perm, rank: rank, dec: st.Decoder(nil), cols: nIn, base: t.Schema, pipe: v.pipe}
			if v.proj != nil && v.pipe == nil {
				for _, e := range v.proj.Exprs {
					ev, err := expr.Compile(e, c.env)
					if err != nil {
						return err
					}
					src.proj = append(src.proj, ev)
				}
			}
			wg.sources = append(wg.sources, src)
			return nil
		}
		if !g.InstanceNotInWindow {
			if err := add(mainView, nUnions); err != nil {
				return nil, err
			}
			wg.sources[0].main = true
		}
		for ui, u := range g.Unions {
			uv, ok := peel(u)
			if !ok {
				pipe, scan, err := c.pipeline(u, fmt.Sprintf("window %s: UNION source %d", strings.Join(g.Windows, ", "), ui+1))
				if err != nil {
					return nil, err
				}
				uv = view{scan: scan, node: u, pipe: pipe}
			}
			if err := add(uv, nUnions-int16(ui)-1); err != nil {
				return nil, err
			}
		}
		for i, a := range w.Aggs {
			if a.Group != gi {
				continue
			}
			f, err := window.Compile(agg.FrameSpec(a.Func, a.Consts, a.Frame))
			if err != nil {
				return nil, fmt.Errorf("window %s: %w", a.Window, err)
			}
			call := &windowCall{plan: a, frame: f, slot: ws.nIn + i}
			for _, x := range a.Args {
				ev, err := expr.Compile(x, c.env)
				if err != nil {
					return nil, err
				}
				call.args = append(call.args, ev)
				call.kinds = append(call.kinds, x.Kind())
			}
			// Build one now to report a bad call at DEPLOY, then pool them.
			first, err := agg.NewWith(a.Func, call.kinds, a.Consts, agg.Options{Location: c.env.Loc})
			if err != nil {
				return nil, fmt.Errorf("%s over window %s: %w", a.Func, a.Window, err)
			}
			name, kinds, consts, loc := a.Func, call.kinds, a.Consts, c.env.Loc
			call.aggs.New = func() any {
				ag, _ := agg.NewWith(name, kinds, consts, agg.Options{Location: loc})
				return ag
			}
			call.aggs.Put(first)
			wg.calls = append(wg.calls, call)
			if err := c.longCall(wg, call); err != nil {
				return nil, err
			}
		}
		wg.need = make([]bool, ws.nIn)
		wg.typed = make([]bool, ws.nIn)
		inSchema := w.Input.Schema()
		isVal := make([]bool, ws.nIn)
		for ci, call := range wg.calls {
			call.argCol = plainCol(call.plan.Args, inSchema)
			if call.argCol >= 0 {
				wg.need[call.argCol] = true
				if !isVal[call.argCol] {
					isVal[call.argCol] = true
					wg.valCols = append(wg.valCols, call.argCol)
				}
			}
			for _, x := range call.plan.Args {
				planner.Walk(x, func(e planner.Expr) bool {
					if c, ok := e.(*planner.ColRef); ok && c.Index < ws.nIn {
						wg.need[c.Index] = true
						wg.typed[c.Index] = wg.typed[c.Index] || call.argCol < 0
					}
					return true
				})
			}
			if call.long != nil {
				wg.longs = append(wg.longs, ci)
			}
			call.frameIdx = slices.IndexFunc(wg.frames, func(f *window.Frame) bool { return *f == *call.frame })
			if call.frameIdx < 0 {
				call.frameIdx = len(wg.frames)
				wg.frames = append(wg.frames, call.frame)
			}
		}
		wg.plain = len(wg.sources) == 1 && wg.sources[0].pipe == nil && wg.sources[0].proj == nil
		for ci, typed := range wg.typed {
			if typed {
				wg.needed = append(wg.needed, ci)
			}
		}
		ws.groups = append(ws.groups, wg)
	}
	return ws, nil
}

// plainCol returns the input column that is a call's one argument, when the
// argument is that column as is (of its kind): the call's argument Values
// are then the column's, as its evaluator would read them (see norm). -1
// otherwise.
func plainCol(args []planner.Expr, in types.Schema) int {
	if len(args) != 1 {
		return -1
	}
	c, ok := args[0].(*planner.ColRef)
	if !ok || c.Index < 0 || c.Index >= len(in) || c.T != in[c.Index].Kind {
		return -1
	}
	switch c.T {
	case types.Float, types.Double, types.String, types.Bool, types.Int16, types.Int32, types.Int64, types.Timestamp, types.Date:
		return c.Index
	}
	return -1
}

// norm is v as a column of kind k holds it and a column reference of kind k
// reads it back (exec/expr's colI, colF, colS; types.Column.Value).
func norm(k types.Kind, v types.Value) types.Value {
	switch {
	case v.Null:
		return types.Value{Kind: k, Null: true}
	case k == types.Float || k == types.Double:
		return types.Value{Kind: k, F: v.F}
	case k == types.String:
		return types.Value{Kind: k, S: v.S}
	}
	return types.Value{Kind: k, I: v.I}
}

// histRow is one candidate row of a window: a stored row or the request row.
type histRow struct {
	ts   int64
	rank int16
	seq  uint64
	src  int // index into the group's sources; -1 for the request row
	row  []byte
	vals *types.Batch // the row through its source's pipeline, if it has one
}

func (w *windowStep) run(r *request, cur *types.Batch) (*types.Batch, error) {
	in, err := w.in.run(r, cur)
	if err != nil {
		return nil, err
	}
	out := r.a.batch(w.schema, len(w.schema))
	copy(out.Cols, in.Cols)
	for _, g := range w.groups {
		if err := g.compute(r, in, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compute reads the group's candidate rows from the store and computes each
// call afresh over its frame, with the batch engine's frame rule.
func (g *windowGroup) compute(r *request, in, out *types.Batch) error {
	var cur int64
	if g.order != nil {
		tv := g.order.Eval(in, 0)
		if tv.Null {
			return fmt.Errorf("%w: the ORDER BY column of window %s is NULL", ErrRequest, strings.Join(g.plan.Windows, ", "))
		}
		cur = tv.I
	}
	sc := g.getScratch()
	defer g.putScratch(sc)
	sc.keyVals = sc.keyVals[:0]
	for _, k := range g.keys {
		sc.keyVals = append(sc.keyVals, k.Eval(in, 0))
	}
	// Calls over long windows first: those their buckets serve read no rows.
	served := false
	left := len(g.calls)
	if len(g.longs) > 0 && !r.asOf { // buckets hold the newest state, not a stored row's
		sc.served = slices.Grow(sc.served[:0], len(g.calls))[:len(g.calls)]
		clear(sc.served)
		var kb []byte
		// The key's series, looked up once per long window (its calls
		// are usually next to each other in g.longs).
		var lw *longWindow
		var s *series
		for _, i := range g.longs {
			c := g.calls[i]
			if kb == nil {
				// Every long window of a group reads its one source.
				src := c.long.src
				var err error
				if kb, err = c.long.st.AppendKey(sc.kb[:0], src.index, sc.keyOf(src)); err != nil {
					return err
				}
				sc.kb = kb
			}
			if c.long != lw {
				lw, s = c.long, c.long.get(kb)
			}
			if v, ok := c.long.answer(r, c, s, kb, cur, in, &sc.args); ok {
				out.Cols[c.slot] = r.a.col1(c.plan.T, v)
				sc.served[i] = true
				served = true
				left--
			}
		}
	}
	if left == 0 {
		return nil
	}
	// The frames the scans must cover: each distinct one once.
	if !served {
		sc.frames = g.frames
	} else {
		sc.seen = slices.Grow(sc.seen[:0], len(g.frames))[:len(g.frames)]
		clear(sc.seen)
		sc.some = sc.some[:0]
		for i, c := range g.calls {
			if !sc.served[i] && !sc.seen[c.frameIdx] {
				sc.seen[c.frameIdx] = true
				sc.some = append(sc.some, g.frames[c.frameIdx])
			}
		}
		sc.frames = sc.some
	}
	sc.r, sc.cur, sc.noOrder = r, cur, g.order == nil
	sc.rows = sc.rows[:0]
	for si, s := range g.sources {
		sc.src, sc.si = s, si
		sc.read = sc.read[:0]
		start := len(sc.rows)
		maxTS := cur
		if g.order == nil {
			maxTS = math.MaxInt64 // every row: they all are at time 0
		}
		err := s.table.Scan(s.index, sc.keyOf(s), maxTS, r.now, sc.visit)
		if err == nil {
			err = sc.perr
		}
		if err != nil {
			return err
		}
		// A source's rows come newest first: reversed, they are oldest first.
		slices.Reverse(sc.rows[start:])
	}
	rows := sc.rows
	var ts []int64
	if len(g.sources) > 1 || g.order == nil {
		// Oldest first by (ts, rank, seq), as the batch engine sorts a partition.
		sortHist(rows)
		sc.ts = sc.ts[:0]
		for _, h := range rows {
			sc.ts = append(sc.ts, h.ts)
		}
		ts = sc.ts
	} else {
		// One source: its timestamps read, newest first, reversed.
		ts = sc.read
		slices.Reverse(ts)
	}
	hist := sc.window(g, in, rows)
	last := len(rows)
	// Each distinct frame is bounded once, whatever the number of calls over it.
	sc.bounds = slices.Grow(sc.bounds[:0], len(g.frames))[:len(g.frames)]
	clear(sc.bounds)
	for i, c := range g.calls {
		if served && sc.served[i] {
			continue
		}
		b := &sc.bounds[c.frameIdx]
		if !b.set {
			b.lo, b.hi, b.withCur = c.frame.Bounds(ts, cur)
			b.set = true
		}
		lo, hi, withCur := b.lo, b.hi, b.withCur
		a := c.aggs.Get().(agg.Aggregator)
		a.Reset()
		if c.argCol >= 0 {
			vals := sc.vals[c.argCol]
			for i := lo; i < hi; i++ {
				a.Add(vals[i : i+1 : i+1])
			}
			if withCur {
				a.Add(vals[last : last+1 : last+1])
			}
		} else {
			for i := lo; i < hi; i++ {
				a.Add(evalArgs(c.args, hist, i, &sc.args))
			}
			if withCur {
				a.Add(evalArgs(c.args, hist, last, &sc.args))
			}
		}
		out.Cols[c.slot] = r.a.col1(c.plan.T, a.Result())
		c.aggs.Put(a)
	}
	return nil
}

// keyOf returns the index key of source s for the request's partition values.
func (sc *groupScratch) keyOf(s *source) []types.Value {
	sc.key = sc.key[:0]
	for _, p := range s.perm {
		sc.key = append(sc.key, sc.keyVals[p])
	}
	return sc.key
}

// window builds the window's rows as a batch of the input schema, the
// request row last, and the Values of the columns calls read as is
// (sc.vals). Only the columns the calls read through the batch are decoded
// into it; the others are NULL columns.
func (sc *groupScratch) window(g *windowGroup, in *types.Batch, rows []histRow) *types.Batch {
	s := in.Schema
	n := len(rows) + 1
	if len(sc.cols) != len(s) {
		sc.cols = make([]types.Column, len(s))
		sc.nulls = make([][]bool, len(s))
		sc.hasNull = make([]bool, len(s))
		sc.vals = make([][]types.Value, len(s))
		sc.hist.Cols = make([]*types.Column, len(s))
		for ci := range sc.cols {
			sc.hist.Cols[ci] = &sc.cols[ci]
		}
	}
	sc.hist.Schema = s
	sc.allNull = boolsTrue(sc.allNull, n)
	for ci, f := range s {
		c := &sc.cols[ci]
		if !g.typed[ci] {
			*c = types.Column{Kind: f.Kind, Nulls: sc.allNull[:n]}
			continue
		}
		*c = types.Column{Kind: f.Kind, I: c.I[:0], F: c.F[:0], S: c.S[:0]}
		if k := f.Kind; k == types.Float || k == types.Double {
			c.F = slices.Grow(c.F, n)
		} else if k == types.String {
			c.S = slices.Grow(c.S, n)
		} else {
			c.I = slices.Grow(c.I, n)
		}
		sc.nulls[ci] = slices.Grow(sc.nulls[ci][:0], n)
		sc.hasNull[ci] = false
	}
	for _, ci := range g.valCols {
		sc.vals[ci] = slices.Grow(sc.vals[ci][:0], n)
	}
	if g.plain {
		// One stored table as is: column by column.
		dec := g.sources[0].dec
		for _, ci := range g.needed {
			for i := range rows {
				sc.appendCol(ci, dec.Value(rows[i].row, ci))
			}
		}
		for _, ci := range g.valCols {
			k, vals := s[ci].Kind, sc.vals[ci]
			for i := range rows {
				vals = append(vals, norm(k, dec.Value(rows[i].row, ci)))
			}
			sc.vals[ci] = vals
		}
		rows = nil
	}
	for _, h := range rows {
		src := g.sources[h.src]
		if h.vals == nil && src.proj != nil {
			sc.decode(src, h.row)
		}
		for _, ci := range g.needed {
			sc.appendCol(ci, sc.value(src, &h, ci))
		}
		for _, ci := range g.valCols {
			sc.vals[ci] = append(sc.vals[ci], norm(s[ci].Kind, sc.value(src, &h, ci)))
		}
	}
	for _, ci := range g.needed {
		sc.appendCol(ci, in.Cols[ci].Value(0))
		if sc.hasNull[ci] {
			sc.cols[ci].Nulls = sc.nulls[ci]
		}
	}
	for _, ci := range g.valCols {
		sc.vals[ci] = append(sc.vals[ci], norm(s[ci].Kind, in.Cols[ci].Value(0)))
	}
	return &sc.hist
}

// value returns column ci (of the window's input schema) of candidate h of
// source src (decoded by sc.decode first when src has a projection).
func (sc *groupScratch) value(src *source, h *histRow, ci int) types.Value {
	switch {
	case h.vals != nil:
		return h.vals.Cols[ci].Value(0)
	case src.proj != nil:
		return src.proj[ci].Eval(&sc.proj, 0)
	}
	return src.dec.Value(h.row, ci)
}

// decode puts a stored row of a projected source into sc.proj, the one-row
// batch of the table's columns its projection is evaluated over.
func (sc *groupScratch) decode(s *source, row []byte) {
	b := &sc.proj
	if len(b.Schema) != len(s.base) || (len(s.base) > 0 && &b.Schema[0] != &s.base[0]) {
		b.Schema = s.base
		b.Cols = make([]*types.Column, len(s.base))
		sc.projNul = make([]bool, len(s.base))
		for i, f := range s.base {
			b.Cols[i] = types.NewColumn(f.Kind, 1)
		}
	}
	for i := range s.base {
		set1(b.Cols[i], s.dec.Value(row, i), sc.projNul[i:i+1], nil)
	}
}

func evalArgs(evs []expr.Evaluator, b *types.Batch, row int, buf *[]types.Value) []types.Value {
	args := (*buf)[:0]
	for _, ev := range evs {
		args = append(args, ev.Eval(b, row))
	}
	*buf = args
	return args
}

// sortHist orders the candidates of several sources oldest first: (ts, rank, seq) ascending.
func sortHist(h []histRow) {
	slices.SortFunc(h, func(a, b histRow) int {
		switch {
		case a.ts != b.ts:
			return cmp.Compare(a.ts, b.ts)
		case a.rank != b.rank:
			return cmp.Compare(a.rank, b.rank)
		}
		return cmp.Compare(a.seq, b.seq)
	})
}

// ---------------------------------------------------------------------------
// LAST JOIN

type lastJoinStep struct {
	left      step
	table     storage.Table
	index     int
	perm      []int
	leftKeys  []expr.Evaluator
	cond      expr.Evaluator
	order     expr.Evaluator // nil: the latest inserted row
	orderIsTS bool           // ORDER BY is the index's TS column: the first match is the answer
	desc      bool
	dec       *storage.Decoder
	right     types.Schema // the right side's schema
	schema    types.Schema
	// A right subquery (projections, WHERE, LAST JOINs over a table): its
	// stored rows go through pipe; base is the table's schema. self: the
	// table is the request table, whose request row is a candidate too,
	// the latest one.
	pipe step
	base types.Schema
	self bool
	name string // the right table's name
	// scratch: of *ljMatch: requests run concurrently.
	scratch sync.Pool
}

func (c *compiler) lastJoin(j *planner.LastJoin) (step, error) {
	left, err := c.node(j.Left)
	if err != nil {
		return nil, err
	}
	scan, ok := j.Right.(*planner.Scan)
	var pipe step
	if !ok {
		if pipe, scan, err = c.pipeline(j.Right, "LAST JOIN of a subquery"); err != nil {
			return nil, err
		}
	}
	st, err := c.tables.Stored(scan.Table)
	if err != nil {
		return nil, err
	}
	// The right keys, as columns of the table under the subquery.
	var keyCols []int
	for _, k := range j.RightKeys {
		col, ok := colOf(k)
		if ok && pipe != nil {
			col, ok = planner.BaseColumn(j.Right, col)
		}
		if !ok {
			return nil, planner.Errorf(planner.ErrUnsupported, "LAST JOIN %s: the join key %s is not a column of table %s (an index looks it up)", scan.Table.Name, k, scan.Table.Name)
		}
		keyCols = append(keyCols, col)
	}
	if len(keyCols) == 0 {
		return nil, planner.Errorf(planner.ErrUnsupported, "LAST JOIN %s: the ON condition has no equality on its columns to look it up by", scan.Table.Name)
	}
	s := &lastJoinStep{left: left, table: st, right: j.Right.Schema(), schema: j.Schema(), desc: j.OrderDesc, dec: st.Decoder(nil),
		pipe: pipe, base: scan.Table.Schema, name: scan.Table.Name, self: pipe != nil && c.main != nil && scan.Table == c.main}
	tsCol := -1
	if j.OrderBy != nil {
		if col, ok := colOf(j.OrderBy); ok {
			if pipe == nil {
				tsCol = col
			} else if bc, ok := planner.BaseColumn(j.Right, col); ok {
				tsCol = bc
			}
		}
	}
	idx, perm, found := findIndex(st, keyCols, tsCol)
	if found && tsCol >= 0 && !j.OrderDesc && !s.self {
		s.orderIsTS = true
	} else if idx, perm, found = findIndex(st, keyCols, -1); !found {
		return nil, planner.Errorf(planner.ErrUnsupported, "LAST JOIN %s needs an index with KEY=(%s) (DEPLOY creates it)", scan.Table.Name, colNames(scan.Table.Schema, keyCols))
	}
	s.index, s.perm = idx, perm
	for _, k := range j.LeftKeys {
		ev, err := expr.Compile(k, c.env)
		if err != nil {
			return nil, err
		}
		s.leftKeys = append(s.leftKeys, ev)
	}
	if s.cond, err = expr.Compile(j.Cond, c.env); err != nil {
		return nil, err
	}
	if j.OrderBy != nil {
		if s.order, err = expr.Compile(j.OrderBy, c.env); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *lastJoinStep) run(r *request, cur *types.Batch) (*types.Batch, error) {
	l, err := s.left.run(r, cur)
	if err != nil || l == nil {
		return nil, err
	}
	nl := len(l.Cols)
	key := r.a.vals.take(len(s.perm))
	for j, p := range s.perm {
		key[j] = s.leftKeys[p].Eval(l, 0)
		if key[j].Null {
			return s.emit(r, l, nil, nil), nil // NULL equals nothing (SEMANTICS §5)
		}
	}
	m, _ := s.scratch.Get().(*ljMatch)
	if m == nil {
		m = &ljMatch{}
		m.visit = m.scanned
	}
	defer s.scratch.Put(m)
	defer m.release()
	*m = ljMatch{s: s, r: r, nl: nl, visit: m.visit}
	// One joined row to test the condition on; the right half is rewritten per candidate.
	m.pair = r.a.batch(s.schema, nl+len(s.right))
	copy(m.pair.Cols, l.Cols)
	for ci, f := range s.right {
		m.pair.Cols[nl+ci] = r.a.col1(f.Kind, types.NullOf(f.Kind))
	}
	m.nulls = r.a.nulls.take(len(s.right)) // the right half's NULL flags
	// The right half alone: ORDER BY is over the right side's schema.
	m.rightRow = r.a.batch(s.right, 0)
	m.rightRow.Cols = m.pair.Cols[nl:]
	if s.self {
		// A subquery over the request table: the request row is its
		// latest row.
		vals, err := s.pipe.run(r, cur)
		if err != nil {
			return nil, err
		}
		if vals != nil {
			m.consider(math.MaxUint64, nil, vals)
		}
	}
	err = s.table.Scan(s.index, key, math.MaxInt64, r.now, m.visit)
	if err == nil {
		err = m.perr
	}
	if err != nil {
		return nil, err
	}
	if !m.found {
		return s.emit(r, l, nil, nil), nil
	}
	return s.emit(r, l, m.best, m.bestVals), nil
}

// ljMatch is a LAST JOIN's search for its match among the right table's
// rows of a key: pooled per step, its scan callback bound once.
type ljMatch struct {
	s        *lastJoinStep
	r        *request
	nl       int
	pair     *types.Batch // the left row and the candidate
	rightRow *types.Batch // the candidate alone
	nulls    []bool       // the candidate's NULL flags, one per column
	perr     error

	found     bool
	best      []byte       // the match as stored (no pipeline)
	bestVals  *types.Batch // the match through the pipeline
	bestOrder types.Value
	bestSeq   uint64

	visit func(ts int64, seq uint64, row []byte) bool
}

func (m *ljMatch) release() { *m = ljMatch{visit: m.visit} }

// scanned is the scan's callback: a stored row, through the subquery if any.
func (m *ljMatch) scanned(_ int64, seq uint64, row []byte) bool {
	s := m.s
	var vals *types.Batch
	if s.pipe != nil {
		if vals, m.perr = runAsOf(s.pipe, m.r, seq, storedRow(m.r, s.dec, s.base, row)); m.perr != nil {
			return false
		}
		if vals == nil {
			return true // the subquery's WHERE drops it
		}
	}
	return m.consider(seq, row, vals)
}

// consider tests one candidate; false: the answer is found.
func (m *ljMatch) consider(seq uint64, row []byte, vals *types.Batch) bool {
	s := m.s
	for ci := range s.right {
		c := m.pair.Cols[m.nl+ci]
		if vals != nil {
			set1(c, vals.Cols[ci].Value(0), m.nulls[ci:ci+1], nil)
		} else {
			set1(c, s.dec.Value(row, ci), m.nulls[ci:ci+1], nil)
		}
	}
	if v := s.cond.Eval(m.pair, 0); v.Null || v.I == 0 {
		return true
	}
	if s.orderIsTS {
		// Rows come by (ts desc, seq desc): the first match is the answer.
		m.found, m.best, m.bestVals = true, row, vals
		return false
	}
	if s.order == nil {
		if !m.found || seq > m.bestSeq {
			m.found, m.best, m.bestVals, m.bestSeq = true, row, vals, seq
		}
		return true
	}
	ov := s.order.Eval(m.rightRow, 0)
	if !m.found || beats(ov, seq, m.bestOrder, m.bestSeq, s.desc) {
		m.found, m.best, m.bestVals, m.bestOrder, m.bestSeq = true, row, vals, ov, seq
	}
	return true
}

// beats reports whether (v, seq) is a better LAST JOIN match than (b, bseq):
// a greater ORDER BY value (smaller with DESC), ties to the greater seq.
func beats(v types.Value, seq uint64, b types.Value, bseq uint64, desc bool) bool {
	c := types.CompareNullsFirst(v, b)
	if desc {
		c = -c
	}
	return c > 0 || (c == 0 && seq > bseq)
}

// emit appends the match (row as stored, or vals through the pipeline; both
// nil: no match) to the left row.
func (s *lastJoinStep) emit(r *request, l *types.Batch, row []byte, vals *types.Batch) *types.Batch {
	nl := len(l.Cols)
	out := r.a.batch(s.schema, nl+len(s.right))
	copy(out.Cols, l.Cols)
	for ci, f := range s.right {
		var v types.Value
		switch {
		case vals != nil:
			v = vals.Cols[ci].Value(0)
		case row == nil:
			v = types.NullOf(f.Kind)
		default:
			v = s.dec.Value(row, ci)
		}
		out.Cols[nl+ci] = r.a.col1(f.Kind, v)
	}
	return out
}

// Explain describes how requests are answered: one line per step, naming
// the index each window and LAST JOIN reads.
func (d *Deployment) Explain() string {
	var b strings.Builder
	var walk func(s step, depth int, leaf string)
	walk = func(s step, depth int, leaf string) {
		pad := strings.Repeat("  ", depth)
		switch s := s.(type) {
		case scanStep:
			fmt.Fprintf(&b, "%s%s\n", pad, leaf)
		case *projectStep:
			fmt.Fprintf(&b, "%sProjectColumns (%d)\n", pad, len(s.exprs))
			walk(s.in, depth+1, leaf)
		case *filterStep:
			fmt.Fprintf(&b, "%sFilter (drops candidates)\n", pad)
			walk(s.in, depth+1, leaf)
		case *windowStep:
			for gi, g := range s.groups {
				var srcs []string
				for _, src := range g.sources {
					ix := src.table.Indexes()[src.index]
					srcs = append(srcs, fmt.Sprintf("index %s (KEY=%s, TS=%s)", ix.Name, colNames(src.table.Schema(), ix.KeyCols), tsName(src.table.Schema(), ix.TSCol)))
				}
				var calls []string
				for _, c := range g.calls {
					calls = append(calls, c.plan.Func)
				}
				if g.order == nil {
					fmt.Fprintf(&b, "%sWindowFromIndex group %d: no ORDER BY: read every row of the key from %s, in arrival order; compute %s afresh\n",
						pad, gi, strings.Join(srcs, " and "), strings.Join(calls, ", "))
				} else {
					fmt.Fprintf(&b, "%sWindowFromIndex group %d: read newest first from %s until every frame is covered; compute %s afresh\n",
						pad, gi, strings.Join(srcs, " and "), strings.Join(calls, ", "))
				}
				for _, lw := range d.longs {
					if lw.group == g {
						fmt.Fprintf(&b, "%s  %s\n", pad, lw.describe())
					}
				}
				for _, src := range g.sources {
					if src.pipe != nil && src.pipe != s.in {
						fmt.Fprintf(&b, "%s  each row of %s through its view:\n", pad, src.name)
						walk(src.pipe, depth+2, "StoredRow "+src.name)
					} else if src.pipe != nil {
						fmt.Fprintf(&b, "%s  each row of %s through the steps below, as the request row\n", pad, src.name)
					}
				}
				for _, c := range g.calls {
					if c.why != "" {
						fmt.Fprintf(&b, "%s  long window %s: %s: %s\n", pad, c.plan.Window, c.plan.Func, c.why)
					}
				}
			}
			walk(s.in, depth+1, leaf)
		case *lastJoinStep:
			ix := s.table.Indexes()[s.index]
			how := "the latest inserted match"
			if s.orderIsTS {
				how = "the first match newest first"
			} else if s.order != nil {
				how = "the greatest ORDER BY value among matches"
			}
			fmt.Fprintf(&b, "%sLastJoinByIndex index %s (KEY=%s): %s\n", pad, ix.Name, colNames(s.table.Schema(), ix.KeyCols), how)
			if s.pipe != nil {
				self := ""
				if s.self {
					self = "; the request row is the latest candidate"
				}
				fmt.Fprintf(&b, "%s  each candidate of %s through the subquery (its windows framed as of the candidate)%s:\n", pad, s.name, self)
				walk(s.pipe, depth+2, "StoredRow "+s.name)
			}
			walk(s.left, depth+1, leaf)
		}
	}
	walk(d.root, 0, "RequestRow "+d.main.Name+" (not stored)")
	return b.String()
}

func tsName(s types.Schema, col int) string {
	if col < 0 {
		return "(insertion order)"
	}
	return s[col].Name
}
