package session

import (
	"fmt"
	"log/slog"

	"github.com/sundialdb/sundial/exec/window"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/storage"
)

// ttlNeed is what the frames of a window group need an index's TTL to keep:
// the rows within abs ms of a request (ROWS_RANGE frames) and a key's lat
// newest rows (ROWS frames); absAll or latAll: every row.
type ttlNeed struct {
	abs, lat       int64
	absAll, latAll bool
}

// groupNeed is what window group gi of n needs kept.
func groupNeed(n *planner.Window, gi int) ttlNeed {
	var need ttlNeed
	for _, a := range n.Aggs {
		if a.Group != gi || a.Frame == nil {
			continue
		}
		f, err := window.CompileNamed(a.Window, a.Frame)
		if err != nil {
			continue // online.Compile reports it, naming the window
		}
		switch {
		case f.Unit == window.Range && f.Unbounded:
			need.absAll = true
		case f.Unit == window.Range:
			need.abs = max(need.abs, f.Start)
		case f.Unbounded:
			need.latAll = true
		default:
			// Position p is the p-th stored row before the request's.
			need.lat = max(need.lat, f.Start)
		}
	}
	return need
}

// limits returns need as TTL limits (0: keep every row), and whether each
// is needed at all. A range is kept to the minute above it, and a minute
// more, as OpenMLDB's deployments do: a request's ts may trail the clock.
func (need ttlNeed) limits() (abs int64, hasAbs bool, lat int64, hasLat bool) {
	switch {
	case need.absAll:
		hasAbs = true
	case need.abs > 0:
		const minute = 60_000
		abs, hasAbs = (need.abs+minute-1)/minute*minute+minute, true
	}
	switch {
	case need.latAll:
		hasLat = true
	case need.lat > 0:
		lat, hasLat = need.lat, true
	}
	return abs, hasAbs, lat, hasLat
}

// maxLimit is the larger of two TTL limits, 0 (none) being the largest.
func maxLimit(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	return max(a, b)
}

// keepsAll reports whether a TTL expires nothing (storage's rules: a limit
// of 0 is none; absandlat needs both; an index without a TS column has no
// time).
func keepsAll(typ planner.TTLType, abs, lat int64, hasTS bool) bool {
	absOn, latOn := abs > 0 && hasTS, lat > 0
	switch typ {
	case planner.TTLLatest:
		return !latOn
	case planner.TTLAbsAndLat:
		return !absOn || !latOn
	case planner.TTLAbsOrLat:
		return !absOn && !latOn
	}
	return !absOn // absolute
}

// coverTTL returns the TTL of ix raised to keep what need asks. A TTL of
// the kind needed has its limits raised (0, none, counting as the largest);
// otherwise the index becomes absandlat, which keeps a row while either
// limit does, with each limit the larger of the index's and the need's.
// Either way it keeps every row it kept before.
func coverTTL(ix *planner.Index, hasTS bool, need ttlNeed) (typ planner.TTLType, abs, lat int64) {
	typ, abs, lat = ix.TTLType, ix.AbsMillis, ix.LatCount
	if typ == 0 {
		typ = planner.TTLAbsolute
	}
	nAbs, hasAbs, nLat, hasLat := need.limits()
	if !hasTS {
		hasAbs = false // no time to keep rows by
	}
	if keepsAll(typ, abs, lat, hasTS) || (!hasAbs && !hasLat) {
		return typ, abs, lat
	}
	switch {
	case typ == planner.TTLAbsolute && !hasLat:
		return typ, maxLimit(abs, nAbs), lat
	case typ == planner.TTLLatest && !hasAbs:
		return typ, abs, maxLimit(lat, nLat)
	}
	// absandlat, or absolute needing rows, latest needing a range,
	// absorlat: absandlat, each limit raised.
	abs = joinLimit(typ != planner.TTLLatest, abs, hasAbs, nAbs)
	lat = joinLimit(typ != planner.TTLAbsolute, lat, hasLat, nLat)
	return planner.TTLAbsAndLat, abs, lat
}

// joinLimit is one limit of the absandlat that coverTTL makes: the larger
// of the index's (if its kind had the limit) and the need's (if any).
func joinLimit(had bool, cur int64, has bool, need int64) int64 {
	switch {
	case had && has:
		return maxLimit(cur, need)
	case has:
		return need
	case had:
		return cur
	}
	return 0
}

// raiseTTL raises the TTL of index ix of table t to keep what need asks
// (coverTTL), in the table's store and in the catalog.
func (s *Session) raiseTTL(t *planner.Table, ix *planner.Index, need ttlNeed) error {
	typ, abs, lat := coverTTL(ix, ix.TS != "", need)
	if typ == ix.TTLType && abs == ix.AbsMillis && lat == ix.LatCount {
		return nil
	}
	st, err := s.inst.storeOf(t)
	if err != nil {
		return err
	}
	was := fmt.Sprintf("%s (abs %d ms, lat %d)", ix.TTLType, ix.AbsMillis, ix.LatCount)
	now := fmt.Sprintf("%s (abs %d ms, lat %d)", typ, abs, lat)
	pos := -1
	for i, spec := range st.Indexes() {
		if spec.Name == ix.Name {
			pos = i
		}
	}
	if pos < 0 {
		return fmt.Errorf("table %s: index %s is not in its store", t.Name, ix.Name)
	}
	if err := st.SetTTL(pos, storage.TTLType(typ), abs, lat); err != nil {
		return fmt.Errorf("table %s: raising the TTL of index %s: %w", t.Name, ix.Name, err)
	}
	s.inst.mu.Lock() // storeOf reads t.Indexes under the same lock
	ix.TTLType, ix.AbsMillis, ix.LatCount = typ, abs, lat
	s.inst.mu.Unlock()
	slog.Info("deploy: raised an index's TTL to cover the deployment's windows", "table", t.Name, "index", ix.Name, "was", was, "now", now)
	return nil
}
