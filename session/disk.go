package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/sundialdb/sundial/exec/batch"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/storage"
)

// Disk tables. A table created with OPTIONS(storage_mode = 'ssd' | 'hdd') has
// a disk table (storage.OpenDiskTable, a Pebble database) as its online store,
// in its own directory t<id> (id: the table's id, as in the WAL):
//
//   - a durable instance keeps them under <dir>/tables. A disk table is
//     durable by itself: it is opened with DiskOptions.Sync, so a row is on
//     stable storage when its Put returns, and its rows are neither logged in
//     the WAL nor written to snapshots. Recovery replays the catalog (the
//     snapshot's statements, then the WAL's) in order: the replayed CREATE
//     TABLE reopens the table's directory with its rows and indexes (those
//     a DEPLOY added are put back in the catalog then, so that the replayed
//     DEPLOY finds them), a replayed DROP TABLE deletes it again, and after
//     recovery the directories of tables that no longer exist (a crash
//     between creating or dropping a table and logging it) are removed;
//   - an in-memory instance keeps them in a temporary directory, made with
//     the first disk table and removed by Instance.Close (or, failing that,
//     when the instance is garbage collected), without Sync.
//
// DROP TABLE closes a disk table and deletes its directory.
type diskTables struct {
	root string               // "" until the first disk table of an in-memory instance
	temp bool                 // root is a temporary directory: removed on Close
	sync bool                 // open the tables with DiskOptions.Sync (a durable instance)
	open map[string]diskStore // batch.SourceKey → the table's store and directory
	gc   *runtime.Cleanup     // an in-memory instance's cleanup, cancelled by Close
}

type diskStore struct {
	dir string
	st  storage.Table
}

// diskState returns the instance's disk tables (under inst.mu).
func (inst *Instance) diskState() *diskTables {
	if inst.disk == nil {
		inst.disk = &diskTables{open: map[string]diskStore{}}
	}
	return inst.disk
}

// diskDir returns the directory of table id's disk table (under inst.mu),
// making the instance's temporary directory first if it has none.
func (inst *Instance) diskDir(id uint32) (string, error) {
	d := inst.diskState()
	if d.root == "" {
		tmp, err := os.MkdirTemp("", "sundial-disk-")
		if err != nil {
			return "", fmt.Errorf("session: a directory for disk tables: %w", err)
		}
		d.root, d.temp = tmp, true
		c := runtime.AddCleanup(inst, func(d *diskTables) { d.closeAll() }, d)
		d.gc = &c
	}
	return filepath.Join(d.root, "t"+strconv.FormatUint(uint64(id), 10)), nil
}

// openDisk opens (creating it if its directory holds none) the disk table of
// t, whose key is k, with specs as its indexes when new (under inst.mu). An
// existing table keeps the indexes it has; those beyond specs (added by a
// DEPLOY before a restart) are added to t's catalog indexes.
func (inst *Instance) openDisk(t *planner.Table, k string, specs []storage.IndexSpec) (storage.Table, error) {
	id, ok := inst.ids[k]
	if !ok {
		return nil, planner.Errorf(planner.ErrUnknown, "table %s.%s was dropped", t.DB, t.Name)
	}
	dir, err := inst.diskDir(id)
	if err != nil {
		return nil, err
	}
	given := specs
	_, err = os.Stat(dir)
	exists := err == nil
	if exists {
		given = nil // the stored indexes, checked below
	} else if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	d := inst.disk
	st, err := storage.OpenDiskTable(dir, t.Schema, given, &storage.DiskOptions{Sync: d.sync})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	if exists {
		have := st.Indexes()
		bad := len(have) < len(specs)
		for i := 0; !bad && i < len(specs); i++ {
			bad = !sameSpec(have[i], specs[i])
		}
		if bad {
			st.Close()
			return nil, fmt.Errorf("table %s: the disk table in %s has other indexes than the catalog's", t.Name, dir)
		}
		// The TTLs are the stored ones: a DEPLOY may have raised them
		// since the statement that made the catalog's (and is replayed
		// after it, raising nothing more).
		for i, ix := range t.Indexes[:len(specs)] {
			ix.TTLType, ix.AbsMillis, ix.LatCount = catalogIndex(t, have[i]).TTLType, have[i].AbsMillis, have[i].LatCount
		}
		for _, s := range have[len(specs):] {
			t.Indexes = append(t.Indexes, catalogIndex(t, s))
		}
	}
	d.open[k] = diskStore{dir: dir, st: st}
	return st, nil
}

// sameSpec reports whether two indexes have the same name, KEY and TS
// columns (their TTLs may differ: see openDisk).
func sameSpec(a, b storage.IndexSpec) bool {
	if a.Name != b.Name || a.TSCol != b.TSCol || len(a.KeyCols) != len(b.KeyCols) {
		return false
	}
	for i := range a.KeyCols {
		if a.KeyCols[i] != b.KeyCols[i] {
			return false
		}
	}
	return true
}

// catalogIndex is the catalog's index of a store's index.
func catalogIndex(t *planner.Table, s storage.IndexSpec) *planner.Index {
	ix := &planner.Index{Name: s.Name, TTLType: planner.TTLType(s.TTLType), AbsMillis: s.AbsMillis, LatCount: s.LatCount}
	if ix.TTLType == 0 {
		ix.TTLType = planner.TTLAbsolute
	}
	for _, c := range s.KeyCols {
		ix.Keys = append(ix.Keys, t.Schema[c].Name)
	}
	if s.TSCol >= 0 {
		ix.TS = t.Schema[s.TSCol].Name
	}
	return ix
}

// isDisk reports whether the store of key k is a disk table (under inst.mu).
func (inst *Instance) isDisk(k string) bool {
	if inst.disk == nil {
		return false
	}
	_, ok := inst.disk.open[k]
	return ok
}

// removeDiskDir deletes what a new table's directory holds: left by a table
// created before a crash and never logged (under inst.mu).
func (inst *Instance) removeDiskDir(id uint32) error {
	if inst.disk == nil || inst.disk.root == "" {
		return nil
	}
	return os.RemoveAll(filepath.Join(inst.disk.root, "t"+strconv.FormatUint(uint64(id), 10)))
}

// dropDisk closes the disk table of key k, if it is one, and deletes its
// directory (DROP TABLE, under inst.mu).
func (inst *Instance) dropDisk(k string) error {
	if inst.disk == nil {
		return nil
	}
	ds, ok := inst.disk.open[k]
	if !ok {
		return nil
	}
	delete(inst.disk.open, k)
	err := ds.st.Close()
	// Renamed first, so that a crash while deleting leaves no half-deleted
	// table for a replayed CREATE TABLE to open: the next recovery sweeps
	// the renamed directory away.
	gone := ds.dir + ".dropped"
	if rerr := os.Rename(ds.dir, gone); rerr != nil {
		gone = ds.dir
	}
	if rerr := os.RemoveAll(gone); err == nil {
		err = rerr
	}
	if d := inst.disk; d.temp && len(d.open) == 0 {
		// The last one: the temporary directory goes too (the next disk
		// table makes another).
		if d.gc != nil {
			d.gc.Stop()
			d.gc = nil
		}
		if rerr := os.RemoveAll(d.root); err == nil {
			err = rerr
		}
		d.root, d.temp = "", false
	}
	return err
}

// sweepDisk removes the directories under the root that belong to no table
// (after recovery).
func (inst *Instance) sweepDisk() error {
	d := inst.disk
	if d == nil || d.root == "" {
		return nil
	}
	live := map[string]bool{}
	for _, ds := range d.open {
		live[filepath.Base(ds.dir)] = true
	}
	ents, err := os.ReadDir(d.root)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "t") && !live[e.Name()] {
			if err := os.RemoveAll(filepath.Join(d.root, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeDisk closes every disk table (Close: later reads and writes of them
// fail with storage.ErrClosed) and removes a temporary root.
func (inst *Instance) closeDisk() error {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	d := inst.disk
	if d == nil {
		return nil
	}
	if d.gc != nil {
		d.gc.Stop()
		d.gc = nil
	}
	return d.closeAll()
}

func (d *diskTables) closeAll() error {
	var err error
	for k, ds := range d.open {
		if cerr := ds.st.Close(); err == nil {
			err = cerr
		}
		delete(d.open, k)
	}
	if d.temp {
		if rerr := os.RemoveAll(d.root); err == nil {
			err = rerr
		}
		d.root, d.temp = "", false // a disk table created later gets a new one
	}
	return err
}

// createDisk opens a new disk table's store (CREATE TABLE); fresh: the table
// is new (not replayed), so whatever its directory holds is stale.
func (inst *Instance) createDisk(t *planner.Table, fresh bool) error {
	if fresh {
		inst.mu.Lock()
		id, ok := inst.ids[batch.SourceKey(t.DB, t.Name)]
		err := error(nil)
		if ok {
			err = inst.removeDiskDir(id)
		}
		inst.mu.Unlock()
		if err != nil {
			return err
		}
	}
	_, err := inst.storeOf(t)
	return err
}
