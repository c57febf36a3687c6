package storage

// TTL rules, as OpenMLDB defines them.
//
// The documentation (CREATE TABLE, "ColumnIndex" / TTL_TYPE,
// https://openmldb.ai/docs/en/main/openmldb_sql/ddl/CREATE_TABLE_STATEMENT.html):
// absolute eliminates records older than the TTL; latest keeps the given
// number of most recent records per key; absorlat eliminates a record if
// "either the time expires or the number of records exceeds the maximum";
// absandlat "only when both the time expires and the number of records exceeds
// the maximum limit".
//
// The exact comparisons come from OpenMLDB's source
// (github.com/4paradigm/OpenMLDB, src/storage/schema.h, TTLSt::IsExpired;
// src/storage/mem_table.cc, MemTable::GetExpireTime; src/storage/segment.cc,
// Segment::Gc4TTL; src/storage/mem_table_iterator.cc):
//
//   - the expire time is now - abs_ttl, and a record with ts <= expire time is
//     expired ("abs <= abs_ttl" in IsExpired, and Gc4TTL keeps a key whose
//     oldest ts is > time), so a row is live iff ts > now - AbsMillis;
//   - record_idx counts a key's records from 1 at the newest, over the whole
//     key (a seek to a ts does not restart it), and a record is expired when
//     record_idx > lat_ttl: the LatCount newest rows of a key are live;
//   - absandlat expires nothing unless both limits are non-zero; absorlat with
//     one limit 0 applies the other alone; a TTL of 0 everywhere keeps all.
//
// Both conditions are monotone along a key's list (ts descending, position
// ascending), so the expired rows of a key are always a suffix of its list:
// a reader stops at the first expired row, and eviction cuts the suffix.
//
// An index without a TS column orders rows by seq and has no time, so its
// absolute limit is ignored (only latest applies).

// ttl is an index's TTL resolved for one moment.
type ttl struct {
	abs, lat bool  // which limits apply
	and      bool  // both must say expired (absandlat)
	cut      int64 // rows with ts <= cut are expired by time
	n        int64 // rows past position n (1-based) are expired by count
}

// ttlAt resolves the TTL of s as of now.
func ttlAt(s *IndexSpec, now int64) ttl {
	var t ttl
	absOn := s.AbsMillis > 0 && s.TSCol >= 0
	latOn := s.LatCount > 0
	switch s.TTLType {
	case TTLAbsolute:
		t.abs = absOn
	case TTLLatest:
		t.lat = latOn
	case TTLAbsAndLat:
		if absOn && latOn {
			t.abs, t.lat, t.and = true, true, true
		}
	case TTLAbsOrLat:
		t.abs, t.lat = absOn, latOn
	}
	if t.abs {
		t.cut = now - s.AbsMillis
		if s.AbsMillis > 0 && t.cut > now { // overflow far in the past
			t.cut = -1 << 63
		}
	}
	t.n = s.LatCount
	return t
}

// none reports whether the TTL never expires anything.
func (t ttl) none() bool { return !t.abs && !t.lat }

// expired reports whether the row at 1-based position pos with timestamp ts is expired.
func (t ttl) expired(ts int64, pos int64) bool {
	byTime := t.abs && ts <= t.cut
	byCount := t.lat && pos > t.n
	if t.and {
		return byTime && byCount
	}
	return byTime || byCount
}
