package session

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// insert stores rows in a table's online store (as PUT does).
func (s *Session) insert(st *sql.Insert) (*Result, error) {
	t, err := s.table(st.Table)
	if err != nil {
		return nil, err
	}
	// Column i of the statement's rows goes to table column pos[i].
	pos := make([]int, len(t.Schema))
	if len(st.Columns) == 0 {
		for i := range pos {
			pos[i] = i
		}
	} else {
		pos = pos[:0]
		for _, c := range st.Columns {
			i := t.Schema.Index(c)
			if i < 0 {
				return nil, planner.Errorf(planner.ErrUnknown, "unknown column %s in table %s", c, t.Name)
			}
			pos = append(pos, i)
		}
	}
	env := s.env()
	b := &types.Batch{Schema: t.Schema}
	for _, f := range t.Schema {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, len(st.Rows)))
	}
	binder := s.binder()
	for ri, row := range st.Rows {
		if len(row) != len(pos) {
			return nil, planner.Errorf(planner.ErrType, "table %s: row %d has %d values, expected %d", t.Name, ri+1, len(row), len(pos))
		}
		vals := make([]types.Value, len(t.Schema))
		set := make([]bool, len(t.Schema))
		for i, e := range row {
			f := t.Schema[pos[i]]
			v, err := constValue(binder, env, e, f.Kind)
			if err != nil {
				return nil, fmt.Errorf("table %s, row %d, column %s: %w", t.Name, ri+1, f.Name, err)
			}
			vals[pos[i]], set[pos[i]] = v, true
		}
		for i, f := range t.Schema {
			if !set[i] {
				vals[i] = types.NullOf(f.Kind)
			}
			if vals[i].Null && f.NotNull {
				return nil, planner.Errorf(planner.ErrType, "table %s, row %d: column %s is NOT NULL", t.Name, ri+1, f.Name)
			}
		}
		for i, v := range vals {
			b.Cols[i].Append(v)
		}
	}
	// Inserted rows go to the table's store, which batch queries read too.
	if err := s.storeRows(t, b); err != nil {
		return nil, err
	}
	return &Result{Msg: fmt.Sprintf("%d rows inserted", len(st.Rows))}, nil
}

// constValue evaluates a constant expression and casts it to kind k.
func constValue(b *planner.Binder, env *expr.Env, e sql.Expr, k types.Kind) (types.Value, error) {
	x, err := b.BindConst(e)
	if err != nil {
		return types.Value{}, err
	}
	cast := x.Kind() != k && x.Kind() != types.Null
	if cast {
		if !planner.CanCast(x.Kind(), k) {
			return types.Value{}, planner.Errorf(planner.ErrType, "%s is %s, cannot be stored as %s", sql.Format(e), x.Kind(), k)
		}
	}
	v, ok := expr.Fold(x, env)
	if !ok {
		return types.Value{}, planner.Errorf(planner.ErrType, "%s is not a constant", sql.Format(e))
	}
	if cast && !v.Null {
		// CAST makes NULL of what it cannot convert ('aa' as a number);
		// a stored value is refused instead.
		if v, ok = expr.Fold(&planner.Cast{X: &planner.Const{V: v}, T: k}, env); !ok || v.Null {
			return types.Value{}, planner.Errorf(planner.ErrType, "%s is not a valid %s", sql.Format(e), k)
		}
	}
	if v.Null {
		return types.NullOf(k), nil
	}
	v.Kind = k
	return v, nil
}

func (inst *Instance) tableData(t *planner.Table) *tableData {
	k := batch.SourceKey(t.DB, t.Name)
	d, ok := inst.data[k]
	if !ok {
		d = &tableData{}
		inst.data[k] = d
	}
	return d
}

// loadData binds files to a table (offline mode): they are read when a query runs.
func (s *Session) loadData(st *sql.LoadData) (*Result, error) {
	t, err := s.table(st.Table)
	if err != nil {
		return nil, err
	}
	kv, err := optionMap(st.Options)
	if err != nil {
		return nil, err
	}
	mode := strings.ToLower(kv["mode"])
	delete(kv, "mode")
	// OpenMLDB's options about how its cluster copies data: nothing to do for
	// an engine that reads the files where they are.
	for _, k := range []string{"deep_copy", "load_mode", "thread", "writer_type", "put_if_absent"} {
		delete(kv, k)
	}
	ropts, _, err := files.ParseOptions(kv)
	if err != nil {
		return nil, err
	}
	ropts.Loc = s.Loc
	var replace bool
	switch mode {
	case "", "append":
	case "overwrite":
		replace = true
	default:
		return nil, planner.Errorf(ErrSetting, "LOAD DATA mode must be append or overwrite, not %q", mode)
	}
	path := s.path(st.Path)
	if s.Mode == "online" {
		// Online: the rows go into the table's store (which queries read too).
		n, err := s.loadOnline(t, path, ropts)
		if err != nil {
			return nil, err
		}
		return &Result{Msg: fmt.Sprintf("Load data into %s.%s from %s: %d rows stored", t.DB, t.Name, st.Path, n)}, nil
	}
	if err := s.BindFiles(t, path, ropts, replace); err != nil {
		return nil, err
	}
	return &Result{Msg: fmt.Sprintf("Load data into %s.%s from %s", t.DB, t.Name, st.Path)}, nil
}

// BindFiles binds files (a glob or comma-separated list) to a table's data,
// after the files already bound (or instead of all its data when replace).
// The files are opened now, so that a missing file or a schema mismatch is
// reported at once, naming the file and column; they are read when a query runs.
func (s *Session) BindFiles(t *planner.Table, pattern string, opts files.ReadOptions, replace bool) error {
	r, err := files.Open(pattern, t.Schema, opts)
	if err != nil {
		return err
	}
	r.Close()
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	d := s.inst.tableData(t)
	if replace {
		d.files, d.mem = nil, nil
		if st, ok := s.inst.stores[batch.SourceKey(t.DB, t.Name)]; ok {
			d.hidden = st.LastSeq() // the stored rows stay online, not in batch queries
		}
	}
	d.files = append(d.files, fileRef{pattern: pattern, opts: opts})
	return nil
}

// optionMap flattens OPTIONS(k = v, ...) into strings.
func optionMap(opts []sql.Option) (map[string]string, error) {
	kv := map[string]string{}
	for _, o := range opts {
		switch v := o.Value.(type) {
		case *sql.Literal:
			switch v.Kind {
			case sql.LitString:
				kv[strings.ToLower(o.Key)] = v.Str
			case sql.LitBool:
				kv[strings.ToLower(o.Key)] = fmt.Sprint(v.Bool)
			case sql.LitNull:
				kv[strings.ToLower(o.Key)] = ""
			default:
				kv[strings.ToLower(o.Key)] = sql.Format(v)
			}
		case *sql.ColumnRef:
			kv[strings.ToLower(o.Key)] = v.Name
		default:
			return nil, planner.Errorf(ErrSetting, "option %s takes a constant", o.Key)
		}
	}
	return kv, nil
}

// Query runs a query through the batch engine and returns its rows (an
// INTO OUTFILE clause is not applied: see Exec).
func (s *Session) Query(ctx context.Context, q sql.Query) (*types.Batch, error) {
	if s.Mode == "request" {
		return nil, planner.Errorf(ErrMode, "in request mode a query needs its request row: SELECT ... CONFIG (execute_mode = 'request', values = (...))")
	}
	plan, err := s.binder().BindQuery(q)
	if err != nil {
		return nil, err
	}
	eng := &batch.Engine{Sources: s.sources(), Env: s.env()}
	return eng.Run(ctx, plan)
}

// Stream runs a query through the batch engine and passes its rows to sink in
// order: a main table larger than MemoryLimit runs out of core (spilling to
// SpillDir), so memory stays bounded by the widest partition.
func (s *Session) Stream(ctx context.Context, q sql.Query, sink batch.Sink) (types.Schema, error) {
	plan, err := s.binder().BindQuery(q)
	if err != nil {
		return nil, err
	}
	eng := &batch.Engine{Sources: s.sources(), Env: s.env(), MemoryLimit: s.MemoryLimit, SpillDir: s.SpillDir}
	return plan.Schema(), eng.Stream(ctx, plan, sink)
}

// query runs a SELECT, writing its rows to a file for INTO OUTFILE.
func (s *Session) query(ctx context.Context, q sql.Query) (*Result, error) {
	if rows, ok := requestValues(q); ok {
		return s.requestQuery(q, rows)
	}
	out, err := s.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	if sel, ok := q.(*sql.Select); ok && sel.Into != nil {
		return s.writeOutfile(sel.Into, out)
	}
	return &Result{Schema: out.Schema, Rows: out}, nil
}

func (s *Session) writeOutfile(into *sql.IntoOutfile, out *types.Batch) (*Result, error) {
	kv, err := optionMap(into.Options)
	if err != nil {
		return nil, err
	}
	_, wopts, err := files.ParseOptions(kv)
	if err != nil {
		return nil, err
	}

	path := s.path(into.Path)
	w, err := files.Create(path, out.Schema, wopts)
	if err != nil {
		return nil, err
	}
	if err := w.Write(out); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &Result{Msg: fmt.Sprintf("%d rows written to %s", out.Len(), into.Path)}, nil
}

// sources snapshots the data of every table of the catalog for one query
// (a table with no rows yet reads as empty): its bound files, its AppendRows
// rows as they are now, and its store's rows up to the store's LastSeq now.
// Rows stored while the query runs are not read.
func (s *Session) sources() map[string]batch.Source {
	s.inst.mu.Lock()
	defer s.inst.mu.Unlock()
	m := map[string]batch.Source{}
	for _, db := range s.inst.Catalog.Databases() {
		ts, _ := s.inst.Catalog.Tables(db)
		for _, t := range ts {
			k := batch.SourceKey(t.DB, t.Name)
			d := s.inst.data[k]
			if d == nil {
				d = &tableData{}
			}
			src := &source{onRead: s.OnRead, files: append([]fileRef(nil), d.files...)}
			st, ok := s.inst.stores[k]
			var last uint64
			if ok {
				src.store, last = st, st.LastSeq()
			}
			// The store's rows and the AppendRows parts, in the order they came.
			prev := d.hidden
			for _, p := range d.mem {
				if src.store != nil && p.after > prev {
					src.segs = append(src.segs, segment{from: prev + 1, to: p.after})
				}
				src.segs = append(src.segs, segment{mem: frozen(p.rows)})
				prev = max(prev, p.after)
			}
			if src.store != nil && last > prev {
				src.segs = append(src.segs, segment{from: prev + 1, to: last})
			}
			m[k] = src
		}
	}
	return m
}

// frozen returns a view of b's rows as they are now: later appends to b do
// not show in it, and appending to it cannot write into b.
func frozen(b *types.Batch) *types.Batch {
	out := &types.Batch{Schema: b.Schema, Cols: make([]*types.Column, len(b.Cols))}
	for i, c := range b.Cols {
		out.Cols[i] = &types.Column{Kind: c.Kind, Nulls: c.Nulls[:len(c.Nulls):len(c.Nulls)],
			I: c.I[:len(c.I):len(c.I)], F: c.F[:len(c.F):len(c.F)], S: c.S[:len(c.S):len(c.S)]}
	}
	return out
}

// source is a table's data for one query: bound files, then segments of
// stored rows and AppendRows rows.
type source struct {
	files  []fileRef
	store  storage.Table // nil: the table has no store
	segs   []segment
	onRead func(rows int)
}

// segment is AppendRows rows (mem) or, when mem is nil, the store's live
// rows with from <= seq <= to.
type segment struct {
	mem      *types.Batch
	from, to uint64
}

// storeBatchRows is the most stored rows a scan decodes at a time (as many
// as a file batch; a variable for tests).
var storeBatchRows = 64 << 10

// Rows implements batch.StreamSource. For a store it is an estimate: the
// rows it holds, at most the seqs the query reads.
func (src *source) Rows(t *planner.Table) (int64, bool) {
	n := int64(src.segRows())
	for _, f := range src.files {
		r, err := files.Open(f.pattern, t.Schema, f.opts)
		if err != nil {
			return 0, false
		}
		m, ok := r.TotalRows()
		r.Close()
		if !ok {
			return 0, false
		}
		n += m
	}
	return n, true
}

// Scan implements batch.StreamSource: the files a batch at a time, then the
// segments (stored rows decoded a batch at a time).
func (src *source) Scan(ctx context.Context, t *planner.Table, need []bool) (batch.Iterator, error) {
	need = atLeastOne(need)
	return &scanIter{ctx: ctx, src: src, t: t, need: need, dec: newStoreDecoder(src.store, t.Schema, need)}, nil
}

// atLeastOne makes a query that reads no column (count(*)) read the first
// one: a file's rows are counted by decoding some column.
func atLeastOne(need []bool) []bool {
	if need == nil {
		return nil
	}
	for _, n := range need {
		if n {
			return need
		}
	}
	out := make([]bool, len(need))
	if len(out) > 0 {
		out[0] = true
	}
	return out
}

// storeDecoder decodes the needed columns of stored rows into columns.
type storeDecoder struct {
	dec  *storage.Decoder
	cols []int // the table's columns decoded, in order
	want types.Schema
}

func newStoreDecoder(st storage.Table, schema types.Schema, need []bool) *storeDecoder {
	if st == nil {
		return nil
	}
	d := &storeDecoder{}
	for i, f := range schema {
		if need == nil || need[i] {
			d.cols = append(d.cols, i)
			d.want = append(d.want, f)
		}
	}
	d.dec = st.Decoder(d.cols)
	return d
}

// read appends to out (columns of d.want) the store's live rows with
// from <= seq <= to, at most limit of them (0: no limit), and returns the
// seq to resume from (to+1 once the range is done).
func (d *storeDecoder) read(st storage.Table, from, to uint64, out []*types.Column, limit int) (uint64, error) {
	n := 0
	next := to + 1
	err := st.Rows(from, to, func(seq uint64, row []byte) bool {
		for j, c := range d.cols {
			out[j].Append(d.dec.Value(row, c))
		}
		n++
		if limit > 0 && n == limit {
			next = seq + 1
			return false
		}
		return true
	})
	return next, err
}

type scanIter struct {
	ctx  context.Context
	src  *source
	t    *planner.Table
	need []bool
	dec  *storeDecoder
	next int // the next file to open
	r    *files.Reader
	seg  int    // the segment being read
	from uint64 // in a store segment: the next seq to read
}

func (it *scanIter) Next() (*types.Batch, error) {
	for {
		if err := it.ctx.Err(); err != nil {
			return nil, err
		}
		if it.r != nil {
			b, err := it.r.Next()
			if err == io.EOF {
				it.r.Close()
				it.r = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			if it.src.onRead != nil {
				it.src.onRead(b.Len())
			}
			return widen(it.t.Schema, it.need, b), nil
		}
		if it.next < len(it.src.files) {
			f := it.src.files[it.next]
			it.next++
			r, err := files.Open(f.pattern, pruned(it.t.Schema, it.need), f.opts)
			if err != nil {
				return nil, err
			}
			it.r = r
			continue
		}
		if it.seg >= len(it.src.segs) {
			return nil, io.EOF
		}
		sg := it.src.segs[it.seg]
		if sg.mem != nil {
			it.seg++
			return sg.mem, nil
		}
		from := max(it.from, sg.from)
		if from > sg.to {
			it.seg++
			continue
		}
		cols := make([]*types.Column, len(it.dec.want))
		for i, f := range it.dec.want {
			cols[i] = types.NewColumn(f.Kind, int(min(sg.to-from+1, uint64(storeBatchRows))))
		}
		next, err := it.dec.read(it.src.store, from, sg.to, cols, storeBatchRows)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", it.t.Name, err)
		}
		it.from = next
		if cols[0].Len() == 0 {
			continue // no live row left in the segment
		}
		return widen(it.t.Schema, it.need, &types.Batch{Schema: it.dec.want, Cols: cols}), nil
	}
}

func (it *scanIter) Close() error {
	if it.r != nil {
		return it.r.Close()
	}
	return nil
}

// pruned is the schema of the needed columns.
func pruned(s types.Schema, need []bool) types.Schema {
	var out types.Schema
	for i, f := range s {
		if need == nil || need[i] {
			out = append(out, f)
		}
	}
	return out
}

// widen gives a batch of the needed columns the table's shape (NULL columns elsewhere).
func widen(s types.Schema, need []bool, b *types.Batch) *types.Batch {
	if need == nil {
		return b
	}
	out := &types.Batch{Schema: s, Cols: make([]*types.Column, len(s))}
	var allNull []bool
	j := 0
	for i, f := range s {
		if need[i] {
			out.Cols[i] = b.Cols[j]
			j++
			continue
		}
		if allNull == nil {
			allNull = make([]bool, b.Len())
			for r := range allNull {
				allNull[r] = true
			}
		}
		out.Cols[i] = types.NullColumn(f.Kind, allNull)
	}
	return out
}

// Read implements batch.Source: files first, in the order bound, then the
// segments (stored rows, AppendRows rows). Columns the query does not need
// are not decoded.
func (src *source) Read(ctx context.Context, t *planner.Table, need []bool) (*types.Batch, error) {
	need = atLeastOne(need)
	var want types.Schema
	idx := make([]int, 0, len(t.Schema))
	for i, f := range t.Schema {
		if need == nil || need[i] {
			want = append(want, f)
			idx = append(idx, i)
		}
	}
	// Open every file first: the total row count sizes the columns once.
	readers := make([]*files.Reader, 0, len(src.files))
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	total := src.segRows()
	for _, f := range src.files {
		r, err := files.Open(f.pattern, want, f.opts)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
		if n, ok := r.TotalRows(); ok {
			total += int(n)
		}
	}
	cols := make([]*types.Column, len(want))
	for i, f := range want {
		cols[i] = types.NewColumn(f.Kind, total)
	}
	appendCols := func(b *types.Batch, pick func(i int) *types.Column) {
		for i, oc := range cols {
			c := pick(i)
			if c.Nulls != nil || oc.Nulls != nil {
				for r := 0; r < c.Len(); r++ {
					oc.Append(c.Value(r))
				}
				continue
			}
			oc.I = append(oc.I, c.I...)
			oc.F = append(oc.F, c.F...)
			oc.S = append(oc.S, c.S...)
		}
	}
	for _, r := range readers {
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			appendCols(b, func(i int) *types.Column { return b.Cols[i] })
			if src.onRead != nil {
				src.onRead(b.Len())
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	dec := newStoreDecoder(src.store, t.Schema, need)
	for _, sg := range src.segs {
		if sg.mem != nil {
			appendCols(sg.mem, func(i int) *types.Column { return sg.mem.Cols[idx[i]] })
			continue
		}
		// A batch at a time, to check for cancellation.
		for from := sg.from; from <= sg.to; {
			next, err := dec.read(src.store, from, sg.to, cols, storeBatchRows)
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", t.Name, err)
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			from = next
		}
	}
	// Reassemble the table's shape: unread columns are NULL columns sharing one mask.
	out := &types.Batch{Schema: t.Schema, Cols: make([]*types.Column, len(t.Schema))}
	var rows int
	if len(cols) > 0 {
		rows = cols[0].Len()
	}
	var allNull []bool
	j := 0
	for i, f := range t.Schema {
		if need == nil || need[i] {
			out.Cols[i] = cols[j]
			j++
			continue
		}
		if allNull == nil {
			allNull = make([]bool, rows)
			for r := range allNull {
				allNull[r] = true
			}
		}
		out.Cols[i] = types.NullColumn(f.Kind, allNull)
	}
	return out, nil
}

// segRows estimates the rows of the segments (see Rows).
func (src *source) segRows() int {
	n := 0
	var live int64 = -1
	for _, sg := range src.segs {
		if sg.mem != nil {
			n += sg.mem.Len()
			continue
		}
		if live < 0 {
			live = src.store.Stats().Rows
		}
		n += int(min(int64(sg.to-sg.from+1), live))
	}
	return n
}

// AppendRows appends rows (columns in the table's order and kinds) to a
// table's in-memory batch data, without storing them online (they are not
// in its store, not logged, and not seen by requests); conformance runners
// use it to load case data without going through SQL text. Batch queries
// read them after the rows stored so far.
func (s *Session) AppendRows(tn sql.TableName, rows *types.Batch) error {
	t, err := s.table(tn)
	if err != nil {
		return err
	}
	if len(rows.Cols) != len(t.Schema) {
		return planner.Errorf(planner.ErrType, "table %s: rows have %d columns, the table %d", t.Name, len(rows.Cols), len(t.Schema))
	}
	for i, c := range rows.Cols {
		if c.Kind != t.Schema[i].Kind {
			return planner.Errorf(planner.ErrType, "table %s: column %s is %s, rows have %s", t.Name, t.Schema[i].Name, t.Schema[i].Kind, c.Kind)
		}
	}
	inst := s.inst
	inst.rowsMu.RLock() // a DELETE maps the positions of these rows
	defer inst.rowsMu.RUnlock()
	inst.mu.Lock()
	defer inst.mu.Unlock()
	d := inst.tableData(t)
	var after uint64
	if st, ok := inst.stores[batch.SourceKey(t.DB, t.Name)]; ok {
		after = st.LastSeq()
	}
	if n := len(d.mem); n == 0 || d.mem[n-1].after != after {
		d.mem = append(d.mem, memPart{after: after, rows: emptyBatchOf(t.Schema, 0)})
	}
	// Appended in place: queries running hold a frozen view of the rows.
	p := d.mem[len(d.mem)-1].rows
	for i, c := range rows.Cols {
		for r := 0; r < c.Len(); r++ {
			p.Cols[i].Append(c.Value(r))
		}
	}
	return nil
}

// Table returns the catalog table a name resolves to in this session.
func (s *Session) Table(tn sql.TableName) (*planner.Table, error) { return s.table(tn) }
