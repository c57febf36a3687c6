package session

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// deployment is a deployed query: its SQL, and its compiled request plan.
type deployment struct {
	db, name string
	text     string
	dep      *online.Deployment
}

// storeOf returns (creating it on first use) a table's online store.
func (inst *Instance) storeOf(t *planner.Table) (storage.Table, error) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	k := batch.SourceKey(t.DB, t.Name)
	if st, ok := inst.stores[k]; ok {
		return st, nil
	}
	specs := indexSpecs(t)
	if len(specs) == 0 {
		// Like OpenMLDB, a table declared without an index gets one on its
		// first column that can be a key.
		for i, f := range t.Schema {
			if f.Kind != types.Float && f.Kind != types.Double {
				specs = append(specs, storage.IndexSpec{Name: "auto_" + f.Name, KeyCols: []int{i}, TSCol: -1})
				break
			}
		}
	}
	if t.Storage.Disk() {
		st, err := inst.openDisk(t, k, specs) // disk.go
		if err != nil {
			return nil, err
		}
		inst.stores[k] = st
		return st, nil
	}
	st, err := storage.NewMemTable(t.Schema, specs)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	inst.stores[k] = st
	return st, nil
}

// StoreIfExists returns a table's online store if one was created (metrics use it).
func (inst *Instance) StoreIfExists(t *planner.Table) (storage.Table, bool) {
	inst.mu.RLock()
	defer inst.mu.RUnlock()
	st, ok := inst.stores[batch.SourceKey(t.DB, t.Name)]
	return st, ok
}

// Stored implements online.Tables.
func (inst *Instance) Stored(t *planner.Table) (storage.Table, error) { return inst.storeOf(t) }

// indexSpecs converts a table's catalog indexes into the store's.
func indexSpecs(t *planner.Table) []storage.IndexSpec {
	var specs []storage.IndexSpec
	for _, ix := range t.Indexes {
		specs = append(specs, indexSpec(t, ix))
	}
	return specs
}

func indexSpec(t *planner.Table, ix *planner.Index) storage.IndexSpec {
	spec := storage.IndexSpec{Name: ix.Name, TSCol: -1, AbsMillis: ix.AbsMillis, LatCount: ix.LatCount, TTLType: storage.TTLType(ix.TTLType)}
	if ix.TS != "" {
		spec.TSCol = t.Schema.Index(ix.TS)
	}
	for _, k := range ix.Keys {
		spec.KeyCols = append(spec.KeyCols, t.Schema.Index(k))
	}
	return spec
}

// putRows stores rows in a table's online store (INSERT, LOAD DATA in online
// mode, WAL replay): callers go through storeRows, which logs them first.
func (inst *Instance) putRows(t *planner.Table, rows *types.Batch) error {
	st, err := inst.storeOf(t)
	if err != nil {
		return err
	}
	row := make([]types.Value, len(rows.Cols))
	for r := 0; r < rows.Len(); r++ {
		for i, c := range rows.Cols {
			row[i] = c.Value(r)
		}
		if _, err := st.Put(row); err != nil {
			return fmt.Errorf("table %s, row %d: %w", t.Name, r+1, err)
		}
	}
	return nil
}

// loadOnline reads files into a table's online store (LOAD DATA in online mode).
func (s *Session) loadOnline(t *planner.Table, pattern string, opts files.ReadOptions) (int, error) {
	r, err := files.Open(pattern, t.Schema, opts)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		b, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := s.storeRows(t, b); err != nil {
			return n, err
		}
		n += b.Len()
	}
}

// deploy compiles a query for request mode and registers it (DEPLOY).
// Windows and LAST JOINs need an index on their key and time columns; one
// that is missing is created and backfilled (SEMANTICS §7).
func (s *Session) deploy(ctx context.Context, st *sql.Deploy) (*Result, error) {
	db, err := s.db("")
	if err != nil {
		return nil, err
	}
	s.inst.mu.Lock()
	_, exists := s.inst.deployments[strings.ToLower(db+"."+st.Name)]
	s.inst.mu.Unlock()
	if exists {
		if st.IfNotExists {
			return &Result{Msg: "deployment " + st.Name + " already exists"}, nil
		}
		return nil, planner.Errorf(planner.ErrExists, "deployment %s already exists in database %s", st.Name, db)
	}
	plan, err := s.binder().BindQuery(st.Query)
	if err != nil {
		return nil, err
	}
	if err := s.ensureIndexes(plan, true); err != nil {
		return nil, err
	}
	opts, verify, sample, err := deployOptions(st)
	if err != nil {
		return nil, err
	}
	dep, err := online.CompileWith(plan, s.inst, s.env(), opts)
	if err != nil {
		return nil, err
	}
	if verify {
		// Before the deployment goes live: batch = online replay over the
		// stored rows (session/verify.go).
		if err := s.verifyDeploy(ctx, st, plan, opts, sample); err != nil {
			return nil, err
		}
	}
	// verify and verify_sample are a check made once, not part of the
	// deployment: its text (SHOW DEPLOYMENT, and the WAL, so that recovery
	// does not check again) leaves them out.
	st.Options = withoutVerify(st.Options)
	// Long windows' buckets start following the store before the
	// deployment is visible.
	if err := dep.Start(); err != nil {
		return nil, err
	}
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	k := strings.ToLower(db + "." + st.Name)
	if _, ok := s.inst.deployments[k]; ok { // deployed meanwhile
		dep.Close()
		return nil, planner.Errorf(planner.ErrExists, "deployment %s already exists in database %s", st.Name, db)
	}
	text := sql.Format(st.Query)
	if len(st.Options) > 0 {
		text = sql.Format(st)
	}
	s.inst.deployments[k] = &deployment{db: db, name: st.Name, text: text, dep: dep}
	return &Result{Msg: fmt.Sprintf("Deploy %s: input %s, output %s", st.Name, schemaText(dep.InputSchema()), schemaText(dep.Schema()))}, nil
}

// deployOptions reads DEPLOY's OPTIONS: the online options, and whether
// (and on how many rows) to verify before going live.
func deployOptions(st *sql.Deploy) (opts online.Options, verify bool, sample int, err error) {
	sample = DefaultVerifySample
	kv, err := optionMap(st.Options)
	if err != nil {
		return opts, false, 0, err
	}
	for k, v := range kv {
		switch k {
		case "verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return opts, false, 0, planner.Errorf(ErrSetting, "DEPLOY %s: verify must be 'true' or 'false', not %q", st.Name, v)
			}
			verify = b
		case "verify_sample":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return opts, false, 0, planner.Errorf(ErrSetting, "DEPLOY %s: verify_sample must be a number of rows (0: every row), not %q", st.Name, v)
			}
			sample = n
		case "long_windows":
			if opts.LongWindows, err = online.ParseLongWindows(v); err != nil {
				return opts, false, 0, err
			}
		case "long_windows_min_rows":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return opts, false, 0, planner.Errorf(ErrSetting, "DEPLOY %s: long_windows_min_rows must be a positive number of rows, not %q", st.Name, v)
			}
			opts.LongMinRows = n
		default:
			return opts, false, 0, planner.Errorf(ErrSetting, "DEPLOY %s: option %s is not supported (long_windows, long_windows_min_rows, verify and verify_sample are)", st.Name, k)
		}
	}
	return opts, verify, sample, nil
}

func schemaText(s types.Schema) string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.Name + " " + f.Kind.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// throughView maps a window's partition and order columns (or a LAST JOIN's
// right keys) onto the table a source reads: the table itself, or a view of
// it (projections, WHERE, LAST JOINs: FROM (SELECT ...), UNION (SELECT ...),
// FROM t LAST JOIN t2) whose columns pass through unchanged.
func throughView(src planner.Node, keys []planner.Expr, ts planner.Expr) (*planner.Table, []planner.Expr, planner.Expr, bool) {
	base, ok := planner.Base(src)
	if !ok {
		return nil, nil, nil, false
	}
	var out []planner.Expr
	for _, k := range keys {
		b, ok := planner.BaseExpr(src, k)
		if !ok {
			return nil, nil, nil, false
		}
		out = append(out, b)
	}
	var bts planner.Expr
	if ts != nil {
		b, ok := planner.BaseExpr(src, ts)
		if !ok {
			return nil, nil, nil, false
		}
		bts = b
	}
	return base.Table, out, bts, true
}

// ensureIndexes creates the indexes a request plan needs: (partition columns,
// order column) for every window group over each table it reads, and the
// join key for every LAST JOIN's right table. New indexes are backfilled from
// the stored rows (and keep every row). With raise (DEPLOY), the TTL of an
// existing index a window group reads is raised to keep the rows its frames
// reach (SEMANTICS §7; coverTTL).
func (s *Session) ensureIndexes(plan planner.Node, raise bool) error {
	var visit func(n planner.Node) error
	need := func(t *planner.Table, keys []planner.Expr, ts planner.Expr, frames ttlNeed) error {
		var keyNames []string
		for _, k := range keys {
			c, ok := k.(*planner.ColRef)
			if !ok {
				return nil // online.Compile reports it with the clause
			}
			keyNames = append(keyNames, t.Schema[c.Index].Name)
		}
		tsName := ""
		if c, ok := ts.(*planner.ColRef); ok {
			tsName = t.Schema[c.Index].Name
		}
		for _, ix := range t.Indexes {
			if sameNames(ix.Keys, keyNames) && (tsName == "" || strings.EqualFold(ix.TS, tsName)) {
				if raise {
					return s.raiseTTL(t, ix, frames)
				}
				return nil
			}
		}
		ix := &planner.Index{Name: fmt.Sprintf("index%d", len(t.Indexes)+1), Keys: keyNames, TS: tsName, TTLType: planner.TTLAbsolute}
		st, err := s.inst.storeOf(t)
		if err != nil {
			return err
		}
		if err := st.AddIndex(indexSpec(t, ix)); err != nil {
			return fmt.Errorf("table %s: creating index %s: %w", t.Name, ix.Name, err)
		}
		s.inst.mu.Lock() // storeOf reads t.Indexes under the same lock
		t.Indexes = append(t.Indexes, ix)
		s.inst.mu.Unlock()
		return nil
	}
	visit = func(n planner.Node) error {
		switch n := n.(type) {
		case *planner.Window:
			for gi, g := range n.Groups {
				frames := groupNeed(n, gi)
				for _, src := range append([]planner.Node{n.Input}, g.Unions...) {
					t, keys, ts, ok := throughView(src, g.PartitionBy, g.OrderBy)
					if !ok {
						continue
					}
					if err := need(t, keys, ts, frames); err != nil {
						return err
					}
				}
			}
		case *planner.LastJoin:
			if t, keys, _, ok := throughView(n.Right, n.RightKeys, nil); ok {
				// ORDER BY over the table's TS column, when it maps onto one.
				var ts planner.Expr
				if n.OrderBy != nil {
					if _, _, o, ok := throughView(n.Right, nil, n.OrderBy); ok {
						ts = o
					}
				}
				if err := need(t, keys, ts, ttlNeed{}); err != nil {
					return err
				}
			}
		}
		for _, in := range n.Inputs() {
			if err := visit(in); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(plan)
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	for i := range x {
		x[i], y[i] = strings.ToLower(x[i]), strings.ToLower(y[i])
	}
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Request answers request rows with a deployment: one output row per input
// row, as of now.
func (s *Session) Request(db, name string, rows [][]types.Value) (types.Schema, [][]types.Value, error) {
	if db == "" {
		db = s.DB
	}
	s.inst.mu.RLock()
	d, ok := s.inst.deployments[strings.ToLower(db+"."+name)]
	s.inst.mu.RUnlock()
	if !ok {
		return nil, nil, planner.Errorf(planner.ErrUnknown, "unknown deployment %s in database %s", name, db)
	}
	return RequestRows(d.dep, rows)
}

// RequestRows answers request rows with a deployment already looked up
// (Session.Deployment): one output row per input row, as of now.
func RequestRows(dep *online.Deployment, rows [][]types.Value) (types.Schema, [][]types.Value, error) {
	var ans Answers
	if err := RequestRowsInto(dep, rows, &ans); err != nil {
		return nil, nil, err
	}
	return dep.Schema(), ans.Rows, nil
}

// Answers holds what RequestRowsInto answered: Rows, one per request row,
// whose values live in memory the next call reuses. A server keeps one per
// connection or in a pool, so that answering allocates nothing.
type Answers struct {
	Rows [][]types.Value
	vals []types.Value
}

// Size is the number of values the Answers' memory holds (for a pool that
// drops large ones).
func (a *Answers) Size() int { return cap(a.vals) }

// Reset forgets the answers (and the strings they refer to), keeping the
// memory.
func (a *Answers) Reset() {
	clear(a.vals[:cap(a.vals)])
	clear(a.Rows[:cap(a.Rows)])
	a.vals, a.Rows = a.vals[:0], a.Rows[:0]
}

// RequestRowsInto is RequestRows answering into ans (the output schema is
// dep.Schema()). ans.Rows is valid until the next call with ans.
func RequestRowsInto(dep *online.Deployment, rows [][]types.Value, ans *Answers) error {
	now := time.Now().UnixMilli()
	width := len(dep.Schema())
	ans.vals = slices.Grow(ans.vals[:0], len(rows)*width)
	for i, r := range rows {
		var err error
		if ans.vals, err = dep.AppendRequest(ans.vals, r, now); err != nil {
			ans.Rows = ans.Rows[:0]
			return fmt.Errorf("request row %d: %w", i+1, err)
		}
	}
	// Sliced once every row is in: appending may have moved the values.
	ans.Rows = ans.Rows[:0]
	for i := range rows {
		ans.Rows = append(ans.Rows, ans.vals[i*width:(i+1)*width:(i+1)*width])
	}
	return nil
}

// Deployment returns a deployment's input schema (for request decoding).
func (s *Session) Deployment(db, name string) (*online.Deployment, bool) {
	if db == "" {
		db = s.DB
	}
	s.inst.mu.RLock()
	defer s.inst.mu.RUnlock()
	d, ok := s.inst.deployments[strings.ToLower(db+"."+name)]
	if !ok {
		return nil, false
	}
	return d.dep, true
}

// DeploymentSQL returns the canonical text of a deployment's query.
func (s *Session) DeploymentSQL(db, name string) (string, bool) {
	if db == "" {
		db = s.DB
	}
	s.inst.mu.RLock()
	defer s.inst.mu.RUnlock()
	d, ok := s.inst.deployments[strings.ToLower(db+"."+name)]
	if !ok {
		return "", false
	}
	return d.text, true
}

func (s *Session) showDeployments(one string) (*Result, error) {
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	schema := types.Schema{{Name: "DB", Kind: types.String}, {Name: "Deployment", Kind: types.String}}
	b := &types.Batch{Schema: schema, Cols: []*types.Column{types.NewColumn(types.String, 0), types.NewColumn(types.String, 0)}}
	var keys []string
	for k := range s.inst.deployments {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := s.inst.deployments[k]
		if one != "" {
			if !strings.EqualFold(d.name, one) || !strings.EqualFold(d.db, s.DB) {
				continue
			}
			return &Result{Msg: fmt.Sprintf("deployment %s.%s\n%s\ninput  %s\noutput %s\nplan:\n%s", d.db, d.name, d.text, schemaText(d.dep.InputSchema()), schemaText(d.dep.Schema()), strings.TrimRight(d.dep.Explain(), "\n"))}, nil
		}
		b.Cols[0].Append(types.StringValue(d.db))
		b.Cols[1].Append(types.StringValue(d.name))
	}
	if one != "" {
		return nil, planner.Errorf(planner.ErrUnknown, "unknown deployment %s in database %s", one, s.DB)
	}
	return &Result{Schema: schema, Rows: b}, nil
}

func (s *Session) dropDeployment(st *sql.DropDeployment) (*Result, error) {
	db := st.DB
	if db == "" {
		db = s.DB
	}
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	k := strings.ToLower(db + "." + st.Name)
	if _, ok := s.inst.deployments[k]; !ok {
		if st.IfExists {
			return &Result{Msg: "ok"}, nil
		}
		return nil, planner.Errorf(planner.ErrUnknown, "unknown deployment %s in database %s", st.Name, db)
	}
	s.inst.deployments[k].dep.Close()
	delete(s.inst.deployments, k)
	return &Result{Msg: "Drop deployment " + st.Name}, nil
}

func emptyBatchOf(schema types.Schema, n int) *types.Batch {
	b := &types.Batch{Schema: schema}
	for _, f := range schema {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, n))
	}
	return b
}

// PrepareRequest compiles a query for request mode, creating the indexes it
// needs, without registering it as a deployment.
func (s *Session) PrepareRequest(q sql.Query) (*online.Deployment, error) {
	plan, err := s.binder().BindQuery(q)
	if err != nil {
		return nil, err
	}
	if err := s.ensureIndexes(plan, false); err != nil {
		return nil, err
	}
	return online.Compile(plan, s.inst, s.env())
}

// requestValues returns the request rows of a query run with
// CONFIG(execute_mode = 'request', values = (...) | [(...), ...]), or nil.
func requestValues(q sql.Query) ([]sql.Expr, bool) {
	sel, ok := q.(*sql.Select)
	if !ok {
		return nil, false
	}
	var mode string
	var values sql.Expr
	for _, o := range sel.Config {
		switch strings.ToLower(o.Key) {
		case "execute_mode":
			if l, ok := o.Value.(*sql.Literal); ok {
				mode = strings.ToLower(l.Str)
			}
		case "values":
			values = o.Value
		}
	}
	if mode != "request" || values == nil {
		return nil, false
	}
	l, ok := values.(*sql.ListExpr)
	if !ok {
		return nil, false
	}
	if l.Bracket {
		return l.Items, true // several rows
	}
	return []sql.Expr{l}, true
}

// requestQuery runs a query in request mode over the stored rows, once per
// request row given in its CONFIG: the rows are not stored.
func (s *Session) requestQuery(q sql.Query, rows []sql.Expr) (*Result, error) {
	dep, err := s.PrepareRequest(q)
	if err != nil {
		return nil, err
	}
	in := dep.InputSchema()
	out := emptyBatchOf(dep.Schema(), len(rows))
	now := time.Now().UnixMilli()
	for ri, r := range rows {
		l, ok := r.(*sql.ListExpr)
		if !ok || len(l.Items) != len(in) {
			return nil, planner.Errorf(planner.ErrType, "request row %d: want %d values (the columns of %s)", ri+1, len(in), dep.MainTable().Name)
		}
		vals := make([]types.Value, len(in))
		for i, e := range l.Items {
			v, err := constValue(s.binder(), s.env(), e, in[i].Kind)
			if err != nil {
				return nil, fmt.Errorf("request row %d, column %s: %w", ri+1, in[i].Name, err)
			}
			vals[i] = v
		}
		res, err := dep.Request(vals, now)
		if err != nil {
			return nil, fmt.Errorf("request row %d: %w", ri+1, err)
		}
		for i, v := range res {
			out.Cols[i].Append(v)
		}
	}
	return &Result{Schema: out.Schema, Rows: out}, nil
}

// InsertRows stores rows (values in the table's column order, of its kinds or
// NULL) in table db.name, as INSERT does: all rows or, on the first bad one,
// none (the error names the row and column).
func (s *Session) InsertRows(db, name string, rows [][]types.Value) error {
	t, err := s.table(sql.TableName{DB: db, Name: name})
	if err != nil {
		return err
	}
	b := emptyBatchOf(t.Schema, len(rows)) // sized once: a PUT of 10k rows grew its columns ~15 times
	for ri, r := range rows {
		if len(r) != len(t.Schema) {
			return planner.Errorf(planner.ErrType, "table %s: row %d has %d values, expected %d", t.Name, ri+1, len(r), len(t.Schema))
		}
		for i, f := range t.Schema {
			v := r[i]
			switch {
			case v.Null && f.NotNull:
				return planner.Errorf(planner.ErrType, "table %s, row %d: column %s is NOT NULL", t.Name, ri+1, f.Name)
			case v.Null:
				v = types.NullOf(f.Kind)
			case v.Kind != f.Kind:
				return planner.Errorf(planner.ErrType, "table %s, row %d: column %s is %s, got %s", t.Name, ri+1, f.Name, f.Kind, v.Kind)
			}
			b.Cols[i].Append(v)
		}
	}
	// The store refuses a NULL time: check every row first, so that a bad row stores nothing.
	for _, ix := range t.Indexes {
		if ix.TS == "" {
			continue
		}
		c := t.Schema.Index(ix.TS)
		for r := 0; r < b.Len(); r++ {
			if b.Cols[c].IsNull(r) {
				return planner.Errorf(planner.ErrType, "table %s, row %d: column %s is the time column of index %s and cannot be NULL", t.Name, r+1, ix.TS, ix.Name)
			}
		}
	}
	return s.storeRows(t, b)
}

// Databases and Tables list the catalog for the server's GET endpoints.
func (s *Session) Databases() []string { return s.inst.Catalog.Databases() }

// Tables lists the tables of db.
func (s *Session) Tables(db string) ([]*planner.Table, error) { return s.inst.Catalog.Tables(db) }

// Deployments lists the deployments of db (all databases when db is "").
func (s *Session) Deployments(db string) []string {
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	var out []string
	for _, d := range s.inst.deployments {
		if db == "" || strings.EqualFold(d.db, db) {
			out = append(out, d.name)
		}
	}
	sort.Strings(out)
	return out
}
