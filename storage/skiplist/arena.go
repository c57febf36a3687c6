package skiplist

import (
	"fmt"
	"sync/atomic"
)

// MaxHeight is the highest tower a node may have. With p = 1/4 per level a
// list of up to 4^12 (16M) rows keeps logarithmic seeks.
const MaxHeight = 12

const (
	blockShift      = 14 // a block holds at most 1<<blockShift words (64 KiB)
	maxBlockWords   = 1 << blockShift
	blockMask       = maxBlockWords - 1
	firstBlockWords = 256 // blocks grow 1 KiB, 2 KiB, ... 64 KiB so small segments stay small
	maxBlocks       = 1 << (32 - blockShift)

	// A list takes its nodes from chunks of its own inside the arena, so
	// that a key's rows lie together and a scan walks memory nearly in
	// sequence instead of missing the cache at every node (rows of many keys
	// arrive interleaved). A new chunk has as many words as the list has
	// rows, about a quarter of its nodes' words (growth by 1.25: some 10% of
	// a key's node bytes unused on average), and room for four times the
	// rows it has up to minChunkWords (128 bytes, some 7 nodes), so that a
	// key of a few rows walks two or three chunks, not one chunk a row, each
	// a cache miss (W1 at 10M: requests 20% quicker for 0.2 bytes a row),
	// while a key of one row takes just its node (a chunk of minChunkWords
	// for every key cost W1 at 1M, 10 rows a key, 5 bytes a row; this 1.5),
	// up to maxChunkWords (4 KiB, some 240 nodes).
	minChunkWords = 32
	maxChunkWords = 1024

	// Node layout, in 32-bit words. A compact node packs a 5-bit header
	// (height, wide flag), a 40-bit seq and a 51-bit signed ts into three
	// words, little endian: bits 0-3 height, bit 4 wide (0), bits 5-44 seq,
	// bits 45-95 ts. A row whose seq or ts does not fit takes a wide node:
	// word 0 the header (wide 1), words 1-2 ts, words 3-4 seq (low word
	// first). The tower of next links follows, one word a level.
	hdrBits       = 5
	heightMask    = 1<<4 - 1
	wideFlag      = 1 << 4
	seqBits       = 40
	tsBits        = 96 - hdrBits - seqBits // 51
	compactNext   = 3
	wideNext      = 5
	maxCompactSeq = 1<<seqBits - 1
	minCompactTS  = -1 << (tsBits - 1)
	maxCompactTS  = 1<<(tsBits-1) - 1
)

// Arena allocates the nodes of many lists (those of one index segment). One
// writer at a time allocates; readers resolve offsets concurrently.
type Arena struct {
	blocks atomic.Pointer[[][]uint32] // published block table; append-only, copy on write

	// Writer state.
	cur  []uint32 // the block being filled
	used int      // words used in cur
	rnd  uint64   // xorshift state for tower heights

	allocated atomic.Int64 // bytes of all blocks
	live      atomic.Int64 // bytes of nodes still linked in some list
}

// NewArena returns an empty arena.
func NewArena() *Arena {
	a := &Arena{rnd: 0x9E3779B97F4A7C15}
	empty := [][]uint32{}
	a.blocks.Store(&empty)
	return a
}

// Bytes reports the bytes the arena holds (all its blocks).
func (a *Arena) Bytes() int64 { return a.allocated.Load() }

// LiveBytes reports the bytes of the nodes still linked in a list; the rest of
// Bytes is garbage left by eviction (and block tails).
func (a *Arena) LiveBytes() int64 { return a.live.Load() }

// allocChunk returns the offset of a run of fresh words inside one block, and
// its length: want words, or fewer (at least need) when that is what is left
// of the current block, so that a block's tail does not go to waste. need <=
// want <= maxChunkWords. Writer only.
func (a *Arena) allocChunk(want, need int) (uint32, int) {
	if left := len(a.cur) - a.used; left >= need {
		want = min(want, left)
	} else {
		bl := *a.blocks.Load()
		if len(bl) >= maxBlocks {
			panic(fmt.Sprintf("skiplist: arena full (%d blocks)", len(bl)))
		}
		size := firstBlockWords
		if len(a.cur) > 0 {
			size = min(2*len(a.cur), maxBlockWords)
		}
		for size < want+1 { // +1: a first block's offset 0 is nil
			size *= 2
		}
		a.cur = make([]uint32, size)
		a.used = 0
		if len(bl) == 0 {
			a.used = 1 // offset 0 is nil
		}
		nb := make([][]uint32, len(bl)+1)
		copy(nb, bl)
		nb[len(bl)] = a.cur
		a.blocks.Store(&nb)
		a.allocated.Add(int64(size) * 4)
	}
	bl := *a.blocks.Load()
	off := uint32(len(bl)-1)<<blockShift | uint32(a.used)
	a.used += want
	return off, want
}

// node returns the words of the node at off (a non-zero offset handed out by
// alloc and published to the caller).
func (a *Arena) node(off uint32) []uint32 {
	bl := *a.blocks.Load()
	return bl[off>>blockShift][off&blockMask:]
}

// randomHeight draws a tower height: 1 with probability 3/4, 2 with 3/16, ...
func (a *Arena) randomHeight() int {
	x := a.rnd
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	a.rnd = x
	h := 1
	for h < MaxHeight && x&3 == 0 {
		h++
		x >>= 2
	}
	return h
}

// nodeWords returns the words of a node of height h holding (ts, seq), and
// whether it must be wide.
func nodeWords(ts int64, seq uint64, h int) (int, bool) {
	if seq <= maxCompactSeq && ts >= minCompactTS && ts <= maxCompactTS {
		return compactNext + h, false
	}
	return wideNext + h, true
}

// writeNode fills the header, ts and seq of the node n of height h.
func writeNode(n []uint32, ts int64, seq uint64, h int, wide bool) {
	if wide {
		n[0] = uint32(h) | wideFlag
		n[1], n[2] = uint32(uint64(ts)), uint32(uint64(ts)>>32)
		n[3], n[4] = uint32(seq), uint32(seq>>32)
		return
	}
	lo := uint64(h) | seq<<hdrBits | uint64(ts)<<(hdrBits+seqBits)
	n[0], n[1] = uint32(lo), uint32(lo>>32)
	n[2] = uint32(uint64(ts) >> (64 - hdrBits - seqBits))
}

// nodeHeight returns the height of the node n.
func nodeHeight(n []uint32) int { return int(n[0] & heightMask) }

// nextBase returns the index in n of its level-0 link: 3 (compact) or 5 (wide).
func nextBase(n []uint32) int { return compactNext + int(n[0]>>3&2) }

// nodeKey returns the (ts, seq) of the node n.
func nodeKey(n []uint32) (int64, uint64) {
	if n[0]&wideFlag != 0 {
		return int64(uint64(n[1]) | uint64(n[2])<<32), uint64(n[3]) | uint64(n[4])<<32
	}
	lo := uint64(n[0]) | uint64(n[1])<<32
	seq := lo >> hdrBits & maxCompactSeq
	// ts: bits 45-63 of lo, then the 32 bits of n[2]; sign-extended from 51 bits.
	u := lo>>(hdrBits+seqBits) | uint64(n[2])<<(64-hdrBits-seqBits)
	ts := int64(u<<(64-tsBits)) >> (64 - tsBits)
	return ts, seq
}

// nodeTS returns the ts of the node n.
func nodeTS(n []uint32) int64 {
	ts, _ := nodeKey(n)
	return ts
}

// nodeBytes returns the bytes of the node n.
func nodeBytes(n []uint32) int64 { return int64(nextBase(n)+nodeHeight(n)) * 4 }
