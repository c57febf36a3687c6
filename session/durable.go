package session

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

// Durability (DESIGN §6). A durable instance keeps, under its directory:
//
//	wal/                 the write-ahead log (storage.WAL, a Pebble database)
//	snap-<lsn>/          the newest snapshot: meta.json (the catalog statements, in order,
//	                     and the LSN it was taken at) and t<id>.snap per memory table (storage.WriteSnapshot)
//	tables/t<id>/        a disk table (storage_mode 'ssd' or 'hdd'): durable by itself, each
//	                     row synced by Pebble, so its rows are in no WAL record and no
//	                     snapshot; the replayed CREATE TABLE reopens it (disk.go)
//
// Every write is appended to the WAL (fsync'd, with group commit) before it
// is applied and acknowledged:
//
//   - rows (INSERT, PUT through the server, LOAD DATA in online mode): one
//     record per batch, under the table's id: uvarint(n) then n times
//     uvarint(len) and the row's storage encoding;
//   - statements that change the catalog or the deployments (CREATE
//     DATABASE, CREATE/DROP TABLE, DEPLOY, DROP DEPLOYMENT; the only ones
//     Session.Exec runs that do): once they succeed, one
//     record under table id 0 holding the current database, the time zone,
//     the canonical text (sql.Format) and, for CREATE TABLE, the id it gave
//     the table. Indexes DEPLOY adds are recreated by replaying the DEPLOY.
//
// Recovery: the newest snapshot's catalog statements are executed again in
// order, then its tables' rows are put back in their stores (which batch
// queries read too); then the WAL is replayed from the snapshot's LSN, in
// LSN order, statements executed and rows applied as when they were first
// written. A snapshot is taken every SnapshotEvery records and on Close; it
// pauses writes while the tables are written out, and is followed by the
// truncation of the WAL up to its LSN.

// catalogTable is the WAL's table id of catalog records; tables get ids from 1.
const catalogTable = 0

// DefaultSnapshotEvery is how many WAL records trigger a snapshot.
const DefaultSnapshotEvery = 100000

// catRecord is a logged catalog statement.
type catRecord struct {
	DB  string `json:"db,omitempty"`
	Loc string `json:"loc,omitempty"`
	SQL string `json:"sql"`
	ID  uint32 `json:"id,omitempty"` // CREATE TABLE: the table's id
}

// snapMeta is a snapshot's meta.json.
type snapMeta struct {
	LSN     uint64      `json:"lsn"`
	NextID  uint32      `json:"next_id"`
	Catalog []catRecord `json:"catalog"`
	Tables  []snapTable `json:"tables"`
}

type snapTable struct {
	ID   uint32 `json:"id"`
	Key  string `json:"key"`
	Rows int64  `json:"rows"`
}

type durability struct {
	dir string
	wal *storage.WAL
	// mu orders writes against catalog changes and snapshots: row writes
	// (append + apply) hold it shared, catalog statements and snapshots
	// exclusively, so that a snapshot at LSN n holds exactly the records
	// before n.
	mu      sync.RWMutex
	catalog []catRecord // every catalog record so far, in order (under mu)
	snapMu  sync.Mutex  // one snapshot at a time
	since   atomic.Int64
	every   int64
	running atomic.Bool
	bg      sync.WaitGroup
	closed  bool
}

// RecoveryStats says what recovery found.
type RecoveryStats struct {
	SnapshotLSN    uint64 // 0: no snapshot
	SnapshotRows   int    // rows restored from the snapshot
	CatalogRecords int    // catalog statements executed (snapshot and WAL)
	RowRecords     int    // row records replayed from the WAL
	Rows           int    // rows replayed from the WAL
}

func (r RecoveryStats) String() string {
	return fmt.Sprintf("snapshot at LSN %d with %d rows, %d catalog statements, %d WAL row records (%d rows)",
		r.SnapshotLSN, r.SnapshotRows, r.CatalogRecords, r.RowRecords, r.Rows)
}

// OpenInstance opens a durable instance on dir (created if missing),
// recovering what it holds.
func OpenInstance(dir string) (*Instance, error) {
	inst := NewInstance()
	if _, err := inst.Recover(dir); err != nil {
		return nil, err
	}
	return inst, nil
}

// Recover makes an empty instance durable on dir (created if missing): it
// restores the newest snapshot and replays the WAL, then logs every write
// from now on. Close flushes it.
func (inst *Instance) Recover(dir string) (RecoveryStats, error) {
	var stats RecoveryStats
	if inst.dur != nil {
		return stats, errors.New("session: the instance is already durable")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return stats, err
	}
	wal, err := storage.OpenWAL(filepath.Join(dir, "wal"))
	if err != nil {
		return stats, err
	}
	d := &durability{dir: dir, wal: wal, every: DefaultSnapshotEvery}
	// Disk tables live under dir/tables and are durable by themselves
	// (disk.go): the replayed CREATE TABLE reopens each.
	inst.mu.Lock()
	inst.disk = &diskTables{root: filepath.Join(dir, "tables"), sync: true, open: map[string]diskStore{}}
	inst.mu.Unlock()
	fail := func(err error) (RecoveryStats, error) {
		wal.Close()
		inst.closeDisk()
		return stats, fmt.Errorf("session: recovering %s: %w", dir, err)
	}
	from := uint64(0)
	snap, err := latestSnapshot(dir)
	if err != nil {
		return fail(err)
	}
	if snap != "" {
		meta, n, err := inst.loadSnapshot(snap)
		if err != nil {
			return fail(err)
		}
		from, stats.SnapshotLSN, stats.SnapshotRows = meta.LSN, meta.LSN, n
		stats.CatalogRecords = len(meta.Catalog)
		d.catalog = meta.Catalog
	}
	err = wal.ReplayFrom(from, func(lsn uint64, table uint32, rec []byte) error {
		if table == catalogTable {
			var cr catRecord
			if err := json.Unmarshal(rec, &cr); err != nil {
				return fmt.Errorf("WAL record %d: %w", lsn, err)
			}
			if err := inst.replayCatalog(cr); err != nil {
				return fmt.Errorf("WAL record %d: %w", lsn, err)
			}
			d.catalog = append(d.catalog, cr)
			stats.CatalogRecords++
			return nil
		}
		t, ok := inst.tableByID(table)
		if !ok {
			return nil // a table dropped later
		}
		b, err := decodeRows(t.Schema, rec)
		if err != nil {
			return fmt.Errorf("WAL record %d: %w", lsn, err)
		}
		stats.RowRecords++
		stats.Rows += b.Len()
		// As when the record was first written: the rows a store refuses (a
		// NULL time) stop the batch there.
		_ = inst.putRows(t, b)
		d.since.Add(1)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	// Directories of tables created or dropped just before a crash, unlogged.
	if err := inst.sweepDisk(); err != nil {
		return fail(err)
	}
	inst.dur = d
	return stats, nil
}

// SetSnapshotEvery sets how many WAL records trigger a background snapshot
// (n <= 0: only on Close and Snapshot). It is for a durable instance.
func (inst *Instance) SetSnapshotEvery(n int64) {
	if inst.dur != nil {
		inst.dur.every = n
	}
}

// Durable reports whether the instance logs its writes.
func (inst *Instance) Durable() bool { return inst.dur != nil }

// Close flushes a durable instance: it waits for a background snapshot,
// takes a last one (so the next start reads no WAL tail), and closes the
// WAL. Writes then fail. On an in-memory instance it does nothing.
func (inst *Instance) Close() error {
	d := inst.dur
	if d == nil {
		return inst.closeDisk() // and removes their temporary directory
	}
	d.bg.Wait()
	err := inst.Snapshot()
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	if cerr := d.wal.Close(); err == nil {
		err = cerr
	}
	if cerr := inst.closeDisk(); err == nil {
		err = cerr
	}
	return err
}

// isCatalogStmt: statements whose success is logged as a catalog record.
func isCatalogStmt(st sql.Stmt) bool {
	switch st.(type) {
	case *sql.CreateDatabase, *sql.CreateTable, *sql.DropTable, *sql.Deploy, *sql.DropDeployment, *sql.Delete:
		return true
	}
	return false
}

// execLogged runs a catalog statement and, once it succeeded, logs it.
func (s *Session) execLogged(ctx context.Context, st sql.Stmt) (*Result, error) {
	d := s.inst.dur
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, storage.ErrClosed
	}
	res, err := s.exec(ctx, st)
	if err != nil {
		return nil, err
	}
	cr := catRecord{DB: s.DB, SQL: sql.Format(st)}
	if s.Loc != nil && s.Loc != time.UTC {
		cr.Loc = s.Loc.String()
	}
	if ct, ok := st.(*sql.CreateTable); ok {
		db := ct.Table.DB
		if db == "" {
			db = s.DB
		}
		s.inst.mu.RLock()
		cr.ID = s.inst.ids[batch.SourceKey(db, ct.Table.Name)]
		s.inst.mu.RUnlock()
	}
	rec, err := json.Marshal(cr)
	if err != nil {
		return nil, err
	}
	if _, err := d.wal.Append(catalogTable, rec); err != nil {
		return nil, fmt.Errorf("session: logging %s: %w", firstWords(cr.SQL), err)
	}
	d.catalog = append(d.catalog, cr)
	s.inst.noteRecord()
	return res, nil
}

// replayCatalog executes a logged catalog statement again.
func (inst *Instance) replayCatalog(cr catRecord) error {
	s := New(inst)
	s.DB = cr.DB
	s.replayID = cr.ID
	if cr.Loc != "" {
		loc, err := parseZone(cr.Loc)
		if err != nil {
			return err
		}
		s.Loc = loc
	}
	stmts, err := sql.Parse(cr.SQL)
	if err != nil {
		return fmt.Errorf("replaying %q: %w", cr.SQL, err)
	}
	for _, st := range stmts {
		if _, err := s.exec(context.Background(), st); err != nil {
			return fmt.Errorf("replaying %q: %w", cr.SQL, err)
		}
	}
	return nil
}

// storeRows stores validated rows in a table: logged first on a durable
// instance, then put in the online store (which batch queries read too).
func (s *Session) storeRows(t *planner.Table, b *types.Batch) error {
	inst := s.inst
	// The store refuses a NULL time: refuse the whole batch before any row
	// is logged or stored.
	inst.mu.RLock()
	for _, ix := range t.Indexes {
		if c := t.Schema.Index(ix.TS); ix.TS != "" && c >= 0 {
			for r := 0; r < b.Len(); r++ {
				if b.Cols[c].IsNull(r) {
					inst.mu.RUnlock()
					return planner.Errorf(planner.ErrType, "table %s, row %d: column %s is the time column of index %s and cannot be NULL", t.Name, r+1, ix.TS, ix.Name)
				}
			}
		}
	}
	inst.mu.RUnlock()
	d := inst.dur
	if d != nil {
		d.mu.RLock()
		defer d.mu.RUnlock()
		if d.closed {
			return storage.ErrClosed
		}
	}
	// A DELETE rebuilding the store waits for these rows, or they for it.
	inst.rowsMu.RLock()
	defer inst.rowsMu.RUnlock()
	if d != nil {
		id, ok := inst.idOf(t)
		if !ok {
			return planner.Errorf(planner.ErrUnknown, "table %s.%s was dropped", t.DB, t.Name)
		}
		if t.Storage.Disk() {
			// Not logged: a disk table syncs each row itself (disk.go).
			return inst.putRows(t, b)
		}
		rec, err := encodeRows(t.Schema, b)
		if err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
		if _, err := d.wal.Append(id, rec); err != nil {
			return err
		}
		defer inst.noteRecord()
	}
	// The store is the only copy: batch queries read the rows from it.
	return inst.putRows(t, b)
}

// noteRecord counts a record and starts a background snapshot every
// SnapshotEvery records.
func (inst *Instance) noteRecord() {
	d := inst.dur
	if n := d.since.Add(1); d.every > 0 && n >= d.every && d.running.CompareAndSwap(false, true) {
		d.bg.Add(1)
		go func() {
			defer d.bg.Done()
			defer d.running.Store(false)
			// A failed snapshot loses nothing: the WAL still holds every
			// record, and the next snapshot (or Close) tries again.
			_ = inst.Snapshot()
		}()
	}
}

// assignID gives a new table its id (id, when replaying; else the next).
func (inst *Instance) assignID(db, name string, id uint32) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if id == 0 {
		id = inst.nextID
	}
	if id >= inst.nextID {
		inst.nextID = id + 1
	}
	k := batch.SourceKey(db, name)
	inst.ids[k] = id
	inst.names[id] = k
}

func (inst *Instance) dropID(db, name string) {
	k := batch.SourceKey(db, name)
	if id, ok := inst.ids[k]; ok { // under inst.mu (DROP TABLE)
		delete(inst.ids, k)
		delete(inst.names, id)
	}
}

// idOf returns the id of t, if t is still the table of its name.
func (inst *Instance) idOf(t *planner.Table) (uint32, bool) {
	if cur, err := inst.Catalog.Table(t.DB, t.Name); err != nil || cur != t {
		return 0, false
	}
	inst.mu.RLock()
	defer inst.mu.RUnlock()
	id, ok := inst.ids[batch.SourceKey(t.DB, t.Name)]
	return id, ok
}

func (inst *Instance) tableByID(id uint32) (*planner.Table, bool) {
	inst.mu.RLock()
	k, ok := inst.names[id]
	inst.mu.RUnlock()
	if !ok {
		return nil, false
	}
	db, name, _ := strings.Cut(k, ".")
	t, err := inst.Catalog.Table(db, name)
	return t, err == nil
}

// encodeRows is a row record: uvarint(n), then each row's length and encoding.
func encodeRows(schema types.Schema, b *types.Batch) ([]byte, error) {
	rec := binary.AppendUvarint(nil, uint64(b.Len()))
	row := make([]types.Value, len(b.Cols))
	var enc []byte
	for r := 0; r < b.Len(); r++ {
		for i, c := range b.Cols {
			row[i] = c.Value(r)
		}
		var err error
		if enc, err = storage.Encode(schema, row, enc[:0]); err != nil {
			return nil, fmt.Errorf("row %d: %w", r+1, err)
		}
		rec = binary.AppendUvarint(rec, uint64(len(enc)))
		rec = append(rec, enc...)
	}
	return rec, nil
}

func decodeRows(schema types.Schema, rec []byte) (*types.Batch, error) {
	dec, err := storage.NewDecoder(schema, nil)
	if err != nil {
		return nil, err
	}
	corrupt := fmt.Errorf("%w: row record", storage.ErrCorrupt)
	n, k := binary.Uvarint(rec)
	if k <= 0 || n > uint64(len(rec)) {
		return nil, corrupt
	}
	rec = rec[k:]
	b := emptyBatchOf(schema, int(min(n, 1<<16))) // n is checked against the record's length, not trusted beyond
	var vals []types.Value
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(rec)
		if k <= 0 || l > uint64(len(rec)-k) {
			return nil, corrupt
		}
		row := rec[k : k+int(l)]
		rec = rec[k+int(l):]
		if err := dec.Check(row); err != nil {
			return nil, err
		}
		vals = dec.Decode(row, vals)
		for c, v := range vals {
			b.Cols[c].Append(v)
		}
	}
	return b, nil
}

// Snapshot writes a snapshot of a durable instance (every table's rows and
// the catalog) and truncates the WAL up to it. Writes wait meanwhile.
func (inst *Instance) Snapshot() error {
	d := inst.dur
	if d == nil {
		return nil
	}
	d.snapMu.Lock()
	defer d.snapMu.Unlock()
	final, lsn, err := inst.writeSnapshot()
	if err != nil || final == "" {
		return err
	}
	if err := d.wal.Truncate(lsn); err != nil {
		return err
	}
	// Older snapshots are no longer needed.
	ents, _ := os.ReadDir(d.dir)
	for _, e := range ents {
		if p := filepath.Join(d.dir, e.Name()); strings.HasPrefix(e.Name(), "snap-") && p != final {
			os.RemoveAll(p)
		}
	}
	return nil
}

// writeSnapshot writes snap-<lsn> with writes paused, and returns its path
// ("" when there was nothing new since the last one).
func (inst *Instance) writeSnapshot() (string, uint64, error) {
	d := inst.dur
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return "", 0, storage.ErrClosed
	}
	lsn := d.wal.NextLSN()
	final := filepath.Join(d.dir, fmt.Sprintf("snap-%020d", lsn))
	if _, err := os.Stat(final); err == nil {
		return "", 0, nil // no record since
	}
	tmp := final + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", 0, err
	}
	inst.mu.RLock()
	meta := snapMeta{LSN: lsn, NextID: inst.nextID, Catalog: append([]catRecord(nil), d.catalog...)}
	type item struct {
		id uint32
		st storage.Table
	}
	var items []item
	for k, id := range inst.ids {
		if st, ok := inst.stores[k]; ok && !inst.isDisk(k) { // a disk table keeps its rows itself
			items = append(items, item{id, st})
			meta.Tables = append(meta.Tables, snapTable{ID: id, Key: k, Rows: st.Stats().Rows})
		}
	}
	inst.mu.RUnlock()
	sort.Slice(meta.Tables, func(i, j int) bool { return meta.Tables[i].ID < meta.Tables[j].ID })
	for _, it := range items {
		if err := writeFileSync(filepath.Join(tmp, fmt.Sprintf("t%d.snap", it.id)), func(f *os.File) error {
			return storage.WriteSnapshot(f, it.st, lsn)
		}); err != nil {
			return "", 0, err
		}
	}
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return "", 0, err
	}
	if err := writeFileSync(filepath.Join(tmp, "meta.json"), func(f *os.File) error { _, err := f.Write(mb); return err }); err != nil {
		return "", 0, err
	}
	if err := syncDir(tmp); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", 0, err
	}
	d.since.Store(0)
	return final, lsn, syncDir(d.dir)
}

func writeFileSync(path string, fill func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// latestSnapshot returns the newest complete snapshot directory of dir ("":
// none), removing unfinished ones.
func latestSnapshot(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	best, bestLSN := "", uint64(0)
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "snap-") {
			continue
		}
		if strings.HasSuffix(name, ".tmp") {
			os.RemoveAll(filepath.Join(dir, name))
			continue
		}
		lsn, err := strconv.ParseUint(strings.TrimPrefix(name, "snap-"), 10, 64)
		if err != nil {
			continue
		}
		if best == "" || lsn > bestLSN {
			best, bestLSN = filepath.Join(dir, name), lsn
		}
	}
	return best, nil
}

// loadSnapshot executes a snapshot's catalog statements and puts its rows
// back; it returns its meta and how many rows it restored.
func (inst *Instance) loadSnapshot(dir string) (*snapMeta, int, error) {
	mb, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, 0, err
	}
	var meta snapMeta
	if err := json.Unmarshal(mb, &meta); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", dir, err)
	}
	for _, cr := range meta.Catalog {
		if err := inst.replayCatalog(cr); err != nil {
			return nil, 0, fmt.Errorf("snapshot %s: %w", dir, err)
		}
	}
	if meta.NextID > inst.nextID {
		inst.nextID = meta.NextID
	}
	n := 0
	for _, st := range meta.Tables {
		t, ok := inst.tableByID(st.ID)
		if !ok {
			return nil, 0, fmt.Errorf("snapshot %s: table %d (%s) is not in its catalog", dir, st.ID, st.Key)
		}
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("t%d.snap", st.ID)))
		if err != nil {
			return nil, 0, err
		}
		dec, err := storage.NewDecoder(t.Schema, nil)
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		store, err := inst.storeOf(t)
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		// Each row straight into the store (checked by ReadSnapshot).
		var vals []types.Value
		rows := 0
		_, err = storage.ReadSnapshot(f, t.Schema, func(row []byte) error {
			vals = dec.Decode(row, vals)
			if _, err := store.Put(vals); err != nil {
				return fmt.Errorf("row %d: %w", rows+1, err)
			}
			rows++
			return nil
		})
		f.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("snapshot %s, table %s: %w", dir, st.Key, err)
		}
		n += rows
	}
	return &meta, n, nil
}
