// Package storage is Sundial's online storage: the row codec, tables and
// their indexes, TTL eviction, Pebble disk tables, the write-ahead log and
// snapshots.
// It imports types and nothing else of ours; the lead converts planner
// indexes into IndexSpec.
//
// # Rows
//
// A row is encoded once when it is stored (codec.go: NULL bitmap, fixed-width
// section, string offsets) and read column by column with a Decoder, which
// decodes only what a plan needs and never panics on corrupt bytes.
//
// # Memory tables
//
// NewMemTable keeps each row once in a row store (rowstore.go: 64 KiB chunks
// and a seq-indexed directory) and, per index, a double-layer skiplist:
//
//   - layer one (keys.go): the index is split into segments by hash of the
//     encoded KEY (key.go: collision-free across kinds, NULL equal to NULL);
//     each segment orders its keys in a github.com/huandu/skiplist, with a
//     hash map beside it for point lookups (a dict and a skiplist, as in a
//     Redis sorted set), read under the segment's read lock, written under
//     its write lock;
//   - layer two (layer2.go, package storage/skiplist): per key, Sundial's
//     arena skiplist of (ts, seq), newest first, nodes allocated from the
//     segment's arena and linked by 32-bit offsets (about 17 bytes a row:
//     a 40-bit seq and a 51-bit ts packed with the height into 12 bytes);
//     readers walk it without locks while one writer (Put holds the segment's
//     mutex) inserts, rows arriving in ts order taking an O(1) fast path.
//
// A scan walks a key's nodes in batches and reads each batch's directory
// entries in one loop, prefetching the records (storage/prefetch), while the
// caller reads the batch before: in a store larger than the caches every row
// costs misses of some 400 ns, which overlap this way instead of following
// one another.
//
// BenchmarkBytesPerRow compares layer two against one huandu list per key
// (the reference implementation behind the same timeList interface).
// BenchmarkW1BytesPerRow reports the bytes per row of workload W1's table
// and key distribution (Zipf over 100k users), BenchmarkW1Scan the time per
// row read (-w1scan.rows: rows stored first, 1M by default; -w1scan.copy:
// read after every key's list was copied into a fresh arena, as compaction
// does).
//
// # Reading every row
//
// Table.Rows lists a table's live rows in seq order (a range of seqs, so a
// reader takes a chunk at a time and resumes), concurrently with writers;
// Table.LastSeq bounds a reader to the rows stored before it started. Batch
// queries read a table's stored rows this way: the store is their only copy.
//
// # TTL
//
// ttl.go gives the four TTL types their exact OpenMLDB meaning. Expired rows
// are invisible to Scan at once; Evict (run periodically by StartCollector:
// the server runs one over every table, session.Instance.StartCollector)
// cuts them from the lists without blocking readers, releases rows no index
// holds any more, drops emptied chunks and pages, moves the survivors of
// mostly dead chunks, and copies a segment's lists into a fresh arena when
// half of it is garbage, so memory stays flat under a steady stream.
// SetTTL replaces an index's TTL: DEPLOY raises TTLs to cover
// its windows.
//
// # Disk tables, WAL, snapshots
//
// OpenDiskTable (disktable.go) is the same Table over a Pebble database:
// index entries keyed index id | key | ^ts | ^seq, each carrying its row, so
// a scan is one seek and a forward walk. OpenWAL (wal.go) is the write-ahead
// log: Append returns once the record is fsync'd (Pebble groups concurrent
// appends into one fsync), Replay and ReplayFrom read it back, Truncate drops
// what a snapshot holds. WriteSnapshot / ReadSnapshot / Restore
// (snapshot.go) write a table's live rows with the WAL position they cover
// and rebuild a table from a snapshot plus the log after it.
//
// # Testing
//
// storage/tabletest is the behaviour every Table must have; each
// implementation runs it.
package storage
