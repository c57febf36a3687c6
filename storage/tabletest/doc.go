// Package tabletest is the behaviour every storage.Table must have, as one
// test suite: Run it from the tests of each implementation (the memory table,
// the Pebble disk table) with a function that opens an empty table.
//
// It checks scans against a plain model of the semantics (SEMANTICS.md §1–2
// and the TTL rules of storage/ttl.go): order by (ts desc, seq desc) with
// ties, the maxTS bound, several indexes, composite and NULL keys, every TTL
// type before and after eviction, AddIndex backfill, concurrent Put and Scan
// (readers see a consistent prefix), many keys, and errors; and Rows, every
// live row in seq order: ranges and chunked reads, after eviction, and
// concurrently with Put and with Evict.
package tabletest
