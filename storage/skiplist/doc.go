// Package skiplist is layer two of Sundial's in-memory indexes: one key's rows,
// newest first by (ts desc, seq desc), in a skiplist whose nodes live in an
// arena shared by every key of an index segment.
//
// A node is a run of 32-bit words inside an arena block: a header (height,
// wide flag), its ts and seq, and its tower of next links, inline. Most nodes
// are compact: header, a 40-bit seq and a 51-bit signed ts (milliseconds over
// ±35,000 years) packed into three words; a row outside those ranges takes a
// wide node (header, then ts and seq in two words each). Links are 32-bit
// arena offsets, not Go pointers, so a stored row costs 12 + 4·height bytes of
// index (about 17 bytes on average with p = 1/4) and the garbage collector
// sees one object per arena block instead of one per row.
//
// A list takes its nodes from chunks of its own inside the arena (growing by
// a quarter of the list, up to 4 KiB), so that one key's rows lie together
// even though the rows of many keys arrive interleaved: a scan then walks
// memory nearly in sequence instead of missing the cache at every node (a
// 1M-row W1 scan of hot keys went from 277 to 89 ns per row), for about 10%
// more arena bytes than the nodes themselves.
//
// Concurrency: one writer per list at a time (the caller serialises writers,
// in Sundial with the segment lock); any number of readers concurrently with
// it, without locks. A writer fills a node completely before publishing it
// with atomic stores of the links that point to it, bottom level first, so a
// reader following links (atomic loads) always sees whole nodes and a
// consistent list at level 0. Arena blocks are never reused or written again
// after a node in them is published, except for link words, which are only
// accessed atomically.
//
// Eviction cuts a suffix of a list (its oldest rows) by clearing the links
// that lead into it; the cut nodes stay intact, so a reader already inside the
// suffix finishes its walk safely. Their memory becomes garbage in the arena:
// it is given back by copying the live lists of a segment into a fresh arena
// (List.CopyTo) and dropping the old arena, which the Go collector frees once
// the last reader holding it is gone.
package skiplist
