package planner

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// TTLType is an index's time-to-live policy (OpenMLDB's TTL_TYPE).
type TTLType uint8

// TTL policies.
const (
	TTLAbsolute  TTLType = iota + 1 // drop rows older than now - AbsMillis (0 keeps all)
	TTLLatest                       // keep the newest LatCount rows per key (0 keeps all)
	TTLAbsAndLat                    // drop a row when both limits say so
	TTLAbsOrLat                     // drop a row when either limit says so
)

var ttlNames = map[string]TTLType{"absolute": TTLAbsolute, "latest": TTLLatest, "absandlat": TTLAbsAndLat, "absorlat": TTLAbsOrLat}

func (t TTLType) String() string {
	for n, v := range ttlNames {
		if v == t {
			return n
		}
	}
	return "?"
}

// Index is a table index: KEY columns, an optional TS column and a TTL.
type Index struct {
	Name      string
	Keys      []string
	TS        string // "" when the index has no time column
	TTLType   TTLType
	AbsMillis int64 // absolute TTL in milliseconds (0: none)
	LatCount  int64 // latest TTL in rows (0: none)
}

// StorageMode is where a table's online store keeps its rows: OpenMLDB's
// CREATE TABLE ... OPTIONS(storage_mode = 'memory' | 'ssd' | 'hdd').
type StorageMode uint8

// Storage modes. SSD and HDD are both a disk table (storage.OpenDiskTable);
// the catalog keeps which one was asked for.
const (
	StorageMemory StorageMode = iota // the default: the in-memory skiplist store
	StorageSSD
	StorageHDD
)

var storageModeNames = [...]string{StorageMemory: "memory", StorageSSD: "ssd", StorageHDD: "hdd"}

func (m StorageMode) String() string {
	if int(m) < len(storageModeNames) {
		return storageModeNames[m]
	}
	return "?"
}

// Disk reports whether the mode keeps rows on disk.
func (m StorageMode) Disk() bool { return m == StorageSSD || m == StorageHDD }

// ParseStorageMode reads a storage_mode value, in any case.
func ParseStorageMode(v string) (StorageMode, bool) {
	for m, n := range storageModeNames {
		if strings.EqualFold(v, n) {
			return StorageMode(m), true
		}
	}
	return 0, false
}

// Table is a table of the catalog.
type Table struct {
	DB, Name string
	Schema   types.Schema
	Indexes  []*Index
	Options  []sql.Option
	// Storage is the table's storage_mode option (StorageMemory when absent).
	Storage StorageMode
}

// Catalog is the set of databases and tables the planner binds against.
type Catalog interface {
	// Table returns the table db.name, or an error wrapping ErrUnknown that names it.
	Table(db, name string) (*Table, error)
}

// MemCatalog is an in-memory catalog: the batch engine's, and the online
// engine's until storage persists it.
type MemCatalog struct {
	mu  sync.RWMutex
	dbs map[string]map[string]*Table // lower-case db → lower-case table → table
}

// NewMemCatalog returns an empty catalog.
func NewMemCatalog() *MemCatalog { return &MemCatalog{dbs: map[string]map[string]*Table{}} }

// CreateDatabase adds a database; it is an error if it exists unless ifNotExists.
func (c *MemCatalog) CreateDatabase(name string, ifNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := strings.ToLower(name)
	if _, ok := c.dbs[k]; ok {
		if ifNotExists {
			return nil
		}
		return errorf(ErrExists, "database %s already exists", name)
	}
	c.dbs[k] = map[string]*Table{}
	return nil
}

// Databases lists the databases, sorted.
func (c *MemCatalog) Databases() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for k := range c.dbs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Tables lists the tables of db, sorted.
func (c *MemCatalog) Tables(db string) ([]*Table, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.dbs[strings.ToLower(db)]
	if !ok {
		return nil, errorf(ErrUnknown, "unknown database %s", db)
	}
	var out []*Table
	for _, t := range d {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Table implements Catalog.
func (c *MemCatalog) Table(db, name string) (*Table, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.dbs[strings.ToLower(db)]
	if !ok {
		return nil, errorf(ErrUnknown, "unknown database %s", db)
	}
	t, ok := d[strings.ToLower(name)]
	if !ok {
		return nil, errorf(ErrUnknown, "unknown table %s in database %s", name, db)
	}
	return t, nil
}

// AddTable adds a table built by TableFromAST. It is an error if the table
// exists, unless ifNotExists; the database is created when missing.
func (c *MemCatalog) AddTable(t *Table, ifNotExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dk := strings.ToLower(t.DB)
	d, ok := c.dbs[dk]
	if !ok {
		d = map[string]*Table{}
		c.dbs[dk] = d
	}
	tk := strings.ToLower(t.Name)
	if _, ok := d[tk]; ok {
		if ifNotExists {
			return nil
		}
		return errorf(ErrExists, "table %s already exists in database %s", t.Name, t.DB)
	}
	d[tk] = t
	return nil
}

// DropTable removes a table.
func (c *MemCatalog) DropTable(db, name string, ifExists bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.dbs[strings.ToLower(db)]
	if ok {
		if _, ok = d[strings.ToLower(name)]; ok {
			delete(d, strings.ToLower(name))
			return nil
		}
	}
	if ifExists {
		return nil
	}
	return errorf(ErrUnknown, "unknown table %s in database %s", name, db)
}

// TableFromAST validates a CREATE TABLE statement and builds the table it
// declares, in database db unless the statement names one.
func TableFromAST(ct *sql.CreateTable, db string) (*Table, error) {
	t := &Table{DB: db, Name: ct.Table.Name, Options: ct.Options}
	if ct.Table.DB != "" {
		t.DB = ct.Table.DB
	}
	if ct.LikeKind != "" {
		return nil, errorf(ErrUnsupported, "CREATE TABLE %s LIKE %s", t.Name, strings.ToUpper(ct.LikeKind))
	}
	if len(ct.Columns) == 0 {
		return nil, errorf(ErrType, "table %s has no columns", t.Name)
	}
	for _, o := range ct.Options {
		if !strings.EqualFold(o.Key, "storage_mode") {
			continue // partitionnum, replicanum, distribution: one node, nothing to do
		}
		var v string
		switch x := o.Value.(type) {
		case *sql.Literal:
			v = x.Str
		case *sql.ColumnRef: // storage_mode = ssd, unquoted
			if x.DB == "" && x.Table == "" {
				v = x.Name
			}
		}
		m, ok := ParseStorageMode(v)
		if !ok {
			return nil, errorf(ErrType, "table %s: unknown storage_mode %s (expected memory, ssd or hdd)", t.Name, sql.Format(o.Value))
		}
		t.Storage = m
	}
	for _, c := range ct.Columns {
		if t.Schema.Index(c.Name) >= 0 {
			return nil, errorf(ErrType, "table %s: column %s declared twice (line %d, column %d)", t.Name, c.Name, c.Pos.Line, c.Pos.Col)
		}
		t.Schema = append(t.Schema, types.Field{Name: c.Name, Kind: c.Type, NotNull: c.NotNull})
	}
	for i, idx := range ct.Indexes {
		ix, err := indexFromAST(t, idx, i)
		if err != nil {
			return nil, err
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t, nil
}

func indexFromAST(t *Table, idx *sql.IndexDef, n int) (*Index, error) {
	ix := &Index{Name: idx.Name, TS: idx.TS, Keys: idx.Keys}
	if ix.Name == "" {
		ix.Name = fmt.Sprintf("index%d", n+1)
	}
	where := func() string { return fmt.Sprintf("table %s, index %s", t.Name, ix.Name) }
	if len(idx.Keys) == 0 {
		return nil, errorf(ErrType, "%s has no KEY", where())
	}
	for _, k := range idx.Keys {
		i := t.Schema.Index(k)
		if i < 0 {
			return nil, errorf(ErrUnknown, "%s: unknown KEY column %s", where(), k)
		}
		switch t.Schema[i].Kind {
		case types.Float, types.Double:
			return nil, errorf(ErrType, "%s: KEY column %s cannot be %s", where(), k, t.Schema[i].Kind)
		}
	}
	if idx.TS != "" {
		i := t.Schema.Index(idx.TS)
		if i < 0 {
			return nil, errorf(ErrUnknown, "%s: unknown TS column %s", where(), idx.TS)
		}
		if k := t.Schema[i].Kind; k != types.Timestamp && k != types.Int64 {
			return nil, errorf(ErrType, "%s: TS column %s must be timestamp or bigint, not %s", where(), idx.TS, k)
		}
	}
	for _, o := range idx.Extra {
		return nil, errorf(ErrUnsupported, "%s: unknown index attribute %s", where(), o.Key)
	}
	ix.TTLType = TTLAbsolute
	if idx.TTLType != "" {
		tt, ok := ttlNames[idx.TTLType]
		if !ok {
			return nil, errorf(ErrType, "%s: unknown TTL_TYPE %s (expected absolute, latest, absandlat or absorlat)", where(), idx.TTLType)
		}
		ix.TTLType = tt
	}
	abs := func(v sql.TTL) (int64, error) {
		if v.Value < 0 {
			return 0, errorf(ErrType, "%s: negative TTL", where())
		}
		// OpenMLDB: an absolute TTL without a unit is in minutes.
		mult := map[string]int64{"": 60_000, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}[v.Unit]
		return v.Value * mult, nil
	}
	lat := func(v sql.TTL) (int64, error) {
		if v.Unit != "" || v.Value < 0 {
			return 0, errorf(ErrType, "%s: a latest TTL is a row count, not %d%s", where(), v.Value, v.Unit)
		}
		return v.Value, nil
	}
	var err error
	switch len(idx.TTLs) {
	case 0:
	case 1:
		switch ix.TTLType {
		case TTLAbsolute:
			ix.AbsMillis, err = abs(idx.TTLs[0])
		case TTLLatest:
			ix.LatCount, err = lat(idx.TTLs[0])
		default:
			err = errorf(ErrType, "%s: TTL_TYPE %s needs TTL=(absolute, latest)", where(), ix.TTLType)
		}
	case 2:
		if ix.TTLType == TTLAbsolute || ix.TTLType == TTLLatest {
			// OpenMLDB accepts the pair with either single type and uses the matching half.
			if ix.TTLType == TTLAbsolute {
				ix.AbsMillis, err = abs(idx.TTLs[0])
			} else {
				ix.LatCount, err = lat(idx.TTLs[1])
			}
			break
		}
		if ix.AbsMillis, err = abs(idx.TTLs[0]); err == nil {
			ix.LatCount, err = lat(idx.TTLs[1])
		}
	}
	if err != nil {
		return nil, err
	}
	return ix, nil
}
