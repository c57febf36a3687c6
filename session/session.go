package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/exec/expr"
	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// Sentinel errors of the session layer.
var (
	// ErrMode: the statement does not run in the current execute_mode.
	ErrMode = errors.New("session: not available in this mode")
	// ErrSetting: an unknown setting or a bad value for one.
	ErrSetting = errors.New("session: bad setting")
)

// Instance is the state sessions share: the catalog, the tables' stores and
// their batch data, the deployments.
type Instance struct {
	Catalog     *planner.MemCatalog
	mu          sync.RWMutex
	rowsMu      sync.RWMutex             // stored rows change: read-locked by inserts, locked by DELETE's rebuild
	data        map[string]*tableData    // batch.SourceKey → offline data (bound files, AppendRows' rows)
	stores      map[string]storage.Table // batch.SourceKey → online store
	deployments map[string]*deployment   // "db.name" (lower-case) → deployment
	ids         map[string]uint32        // batch.SourceKey → table id (the WAL's name for a table)
	names       map[uint32]string        // table id → batch.SourceKey
	nextID      uint32
	dur         *durability // nil: in memory only
	disk        *diskTables // the disk tables' directories (disk.go); nil: none yet
}

// tableData is what batch queries read of a table besides its online store:
// files bound with LOAD DATA (read when a query runs) and rows given to
// AppendRows (in memory). Rows stored online (INSERT, PUT, LOAD DATA in online
// mode, recovery) live only in the store; queries read them from it (see
// Session.sources), in seq order after the files, interleaved with the
// AppendRows rows in the order the two were added.
type tableData struct {
	files []fileRef
	// hidden: the store's rows with seq <= hidden are not batch data (LOAD
	// DATA ... mode = 'overwrite' replaced them; they stay in the store).
	hidden uint64
	mem    []memPart
}

// memPart is rows given to AppendRows, which come after the store's rows
// with seq <= after and before the later ones.
type memPart struct {
	after uint64
	rows  *types.Batch
}

type fileRef struct {
	pattern string
	opts    files.ReadOptions
}

// NewInstance returns an empty instance. As in OpenMLDB, no database is
// selected until CREATE DATABASE and USE.
func NewInstance() *Instance {
	return &Instance{Catalog: planner.NewMemCatalog(), data: map[string]*tableData{},
		stores: map[string]storage.Table{}, deployments: map[string]*deployment{},
		ids: map[string]uint32{}, names: map[uint32]string{}, nextID: 1}
}

// Session is one connection.
type Session struct {
	inst *Instance
	DB   string
	Mode string // offline (default), online, request
	Loc  *time.Location
	// OnRead, when set, is told how many rows each batch read from a file holds (progress reports).
	OnRead func(rows int)
	// MemoryLimit bounds a query's memory: larger tables run out of core (0: no limit).
	MemoryLimit int64
	// SpillDir is where out-of-core queries spill ("" = the system's temporary directory).
	SpillDir string
	// BaseDir resolves relative paths of LOAD DATA and INTO OUTFILE ("" = the process's directory).
	BaseDir string
	// replayID is the table id a replayed CREATE TABLE gives its table (0: the next one).
	replayID uint32
}

// path resolves a file path of a statement.
func (s *Session) path(p string) string {
	p = strings.TrimPrefix(p, "file://")
	if s.BaseDir != "" && !filepath.IsAbs(p) {
		return filepath.Join(s.BaseDir, p)
	}
	return p
}

// New opens a session on an instance.
func New(inst *Instance) *Session {
	return &Session{inst: inst, Mode: "offline", Loc: time.UTC}
}

// Catalog is the instance's catalog.
func (s *Session) Catalog() *planner.MemCatalog { return s.inst.Catalog }

// Result is what a statement produced: rows (queries, SHOW, DESC) or a message.
type Result struct {
	Schema types.Schema
	Rows   *types.Batch
	Msg    string
}

// Exec runs one parsed statement. On a durable instance (OpenInstance), a
// statement that changes the catalog or the deployments is logged once it
// succeeds, before its result is returned.
func (s *Session) Exec(ctx context.Context, st sql.Stmt) (*Result, error) {
	if s.inst.dur != nil && isCatalogStmt(st) {
		return s.execLogged(ctx, st)
	}
	return s.exec(ctx, st)
}

func (s *Session) exec(ctx context.Context, st sql.Stmt) (*Result, error) {
	switch st := st.(type) {
	case *sql.CreateDatabase:
		if err := s.inst.Catalog.CreateDatabase(st.Name, st.IfNotExists); err != nil {
			return nil, err
		}
		return &Result{Msg: "Create database success"}, nil
	case *sql.Use:
		if _, err := s.inst.Catalog.Tables(st.DB); err != nil {
			return nil, err
		}
		s.DB = st.DB
		return &Result{Msg: "Database changed"}, nil
	case *sql.CreateTable:
		db, err := s.db(st.Table.DB)
		if err != nil {
			return nil, err
		}
		t, err := planner.TableFromAST(st, db)
		if err != nil {
			return nil, err
		}
		_, missing := s.inst.Catalog.Table(db, st.Table.Name)
		if err := s.inst.Catalog.AddTable(t, st.IfNotExists); err != nil {
			return nil, err
		}
		if missing != nil { // a new table (not IF NOT EXISTS on an existing one)
			s.inst.assignID(db, st.Table.Name, s.replayID)
			if t.Storage.Disk() {
				// Its directory now: a replayed CREATE reopens it with its rows;
				// a new table's id may name one left by a crash, emptied first.
				if err := s.inst.createDisk(t, s.replayID == 0); err != nil {
					s.inst.Catalog.DropTable(db, st.Table.Name, true)
					s.inst.mu.Lock()
					s.inst.dropID(db, st.Table.Name)
					s.inst.mu.Unlock()
					return nil, err
				}
			}
		}
		return &Result{Msg: "Create table success"}, nil
	case *sql.DropTable:
		db, err := s.db(st.Table.DB)
		if err != nil {
			return nil, err
		}
		if err := s.inst.Catalog.DropTable(db, st.Table.Name, st.IfExists); err != nil {
			return nil, err
		}
		s.inst.mu.Lock()
		delete(s.inst.data, batch.SourceKey(db, st.Table.Name))
		if old, ok := s.inst.stores[batch.SourceKey(db, st.Table.Name)]; ok {
			old.Close()
			delete(s.inst.stores, batch.SourceKey(db, st.Table.Name))
		}
		// A disk table's files go too. The table is dropped even if deleting
		// them fails: a durable instance removes them on its next start.
		_ = s.inst.dropDisk(batch.SourceKey(db, st.Table.Name))
		s.inst.dropID(db, st.Table.Name)
		s.inst.mu.Unlock()
		return &Result{Msg: "Drop table success"}, nil
	case *sql.Show:
		return s.show(st)
	case *sql.Desc:
		t, err := s.table(st.Table)
		if err != nil {
			return nil, err
		}
		return describe(t), nil
	case *sql.Set:
		return s.set(st)
	case *sql.Insert:
		return s.insert(st)
	case *sql.Delete:
		return s.deleteRows(ctx, st)
	case *sql.LoadData:
		return s.loadData(st)
	case *sql.Select, *sql.SetOp:
		return s.query(ctx, st.(sql.Query))
	case *sql.Explain:
		q, ok := st.Stmt.(sql.Query)
		if !ok {
			return nil, planner.Errorf(planner.ErrUnsupported, "EXPLAIN of a %T", st.Stmt)
		}
		plan, err := s.binder().BindQuery(q)
		if err != nil {
			return nil, err
		}
		msg := "logical plan:\n" + planner.Explain(plan) + "batch plan:\n" + batch.Explain(plan)
		// The online plan, as DEPLOY would compile it (indexes it lacks are not created here).
		if dep, err := online.Compile(plan, s.inst, s.env()); err != nil {
			msg += "online plan: not deployable as is: " + err.Error()
		} else {
			msg += "online plan:\n" + strings.TrimSuffix(dep.Explain(), "\n")
		}
		return &Result{Msg: msg}, nil
	case *sql.Deploy:
		return s.deploy(ctx, st)
	case *sql.DropDeployment:
		return s.dropDeployment(st)
	case *sql.Exit:
		return &Result{Msg: "Bye"}, io.EOF
	}
	return nil, planner.Errorf(planner.ErrUnsupported, "statement %s ... does not run in %s mode yet", firstWords(sql.Format(st)), s.Mode)
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// db resolves a database name: the given one, else the current one.
func (s *Session) db(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if s.DB == "" {
		return "", planner.Errorf(planner.ErrUnknown, "no database selected (USE db first)")
	}
	return s.DB, nil
}

func (s *Session) table(tn sql.TableName) (*planner.Table, error) {
	db, err := s.db(tn.DB)
	if err != nil {
		return nil, err
	}
	return s.inst.Catalog.Table(db, tn.Name)
}

func (s *Session) binder() *planner.Binder {
	env := s.env()
	return &planner.Binder{Catalog: s.inst.Catalog, DB: s.DB, Fold: func(e planner.Expr) (types.Value, bool) { return expr.Fold(e, env) }}
}

func (s *Session) env() *expr.Env { return &expr.Env{Loc: s.Loc} }

func (s *Session) set(st *sql.Set) (*Result, error) {
	lit, ok := st.Value.(*sql.Literal)
	if !ok {
		return nil, planner.Errorf(ErrSetting, "SET %s takes a constant", st.Name)
	}
	val := lit.Str
	switch strings.ToLower(st.Name) {
	case "execute_mode":
		switch m := strings.ToLower(val); m {
		case "offline", "online", "request":
			s.Mode = m
		default:
			return nil, planner.Errorf(ErrSetting, "execute_mode must be offline, online or request, not %q", val)
		}
	case "time_zone":
		loc, err := parseZone(val)
		if err != nil {
			return nil, err
		}
		s.Loc = loc
	case "sync_job", "job_timeout", "spark_config", "enable_trace":
		// OpenMLDB's job settings: accepted, nothing to do for an embedded engine.
	default:
		return nil, planner.Errorf(ErrSetting, "unknown setting %s (known: execute_mode, time_zone)", st.Name)
	}
	return &Result{Msg: "ok"}, nil
}

// parseZone accepts an IANA name (Asia/Shanghai) or an offset (+08:00).
func parseZone(v string) (*time.Location, error) {
	if len(v) == 6 && (v[0] == '+' || v[0] == '-') && v[3] == ':' {
		var h, m int
		if _, err := fmt.Sscanf(v[1:], "%2d:%2d", &h, &m); err == nil {
			off := (h*60 + m) * 60
			if v[0] == '-' {
				off = -off
			}
			return time.FixedZone(v, off), nil
		}
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		return nil, planner.Errorf(ErrSetting, "time_zone %q: %v", v, err)
	}
	return loc, nil
}

func (s *Session) show(st *sql.Show) (*Result, error) {
	one := func(name string, vals []string) *Result {
		col := types.NewColumn(types.String, len(vals))
		for _, v := range vals {
			col.Append(types.StringValue(v))
		}
		schema := types.Schema{{Name: name, Kind: types.String}}
		return &Result{Schema: schema, Rows: &types.Batch{Schema: schema, Cols: []*types.Column{col}}}
	}
	switch st.Kind {
	case sql.ShowDatabases:
		return one("Databases", s.inst.Catalog.Databases()), nil
	case sql.ShowTables:
		db, err := s.db(st.DB)
		if err != nil {
			return nil, err
		}
		ts, err := s.inst.Catalog.Tables(db)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, t := range ts {
			names = append(names, t.Name)
		}
		return one("Tables", names), nil
	case sql.ShowDeployments:
		return s.showDeployments("")
	case sql.ShowDeployment:
		return s.showDeployments(st.Name)
	case sql.ShowVariables:
		return &Result{Msg: fmt.Sprintf("execute_mode = %s\ntime_zone = %s", s.Mode, s.Loc)}, nil
	}
	return nil, planner.Errorf(planner.ErrUnsupported, "%s", sql.Format(st))
}

// describe lists a table's columns and indexes.
func describe(t *planner.Table) *Result {
	schema := types.Schema{{Name: "Field", Kind: types.String}, {Name: "Type", Kind: types.String}, {Name: "Null", Kind: types.String}}
	b := &types.Batch{Schema: schema}
	for range schema {
		b.Cols = append(b.Cols, types.NewColumn(types.String, len(t.Schema)))
	}
	for _, f := range t.Schema {
		null := "YES"
		if f.NotNull {
			null = "NO"
		}
		b.Cols[0].Append(types.StringValue(f.Name))
		b.Cols[1].Append(types.StringValue(f.Kind.String()))
		b.Cols[2].Append(types.StringValue(null))
	}
	var idx []string
	for _, ix := range t.Indexes {
		idx = append(idx, fmt.Sprintf("%s(key=%s, ts=%s, ttl_type=%s, abs=%dms, lat=%d)", ix.Name, strings.Join(ix.Keys, "|"), ix.TS, ix.TTLType, ix.AbsMillis, ix.LatCount))
	}
	sort.Strings(idx)
	return &Result{Schema: schema, Rows: b, Msg: strings.Join(idx, "\n")}
}
