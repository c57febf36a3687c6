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

	// Node layout, in 32-bit words.
	wHeight = 0
	wTS     = 1 // ts, low word then high word
	wSeq    = 3 // seq, low word then high word
	wNext   = 5 // next[0], next[1], ... next[height-1]
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

// alloc returns the offset of n fresh words. Writer only.
func (a *Arena) alloc(n int) uint32 {
	if a.used+n > len(a.cur) {
		bl := *a.blocks.Load()
		if len(bl) >= maxBlocks {
			panic(fmt.Sprintf("skiplist: arena full (%d blocks)", len(bl)))
		}
		size := firstBlockWords
		if len(a.cur) > 0 {
			size = min(2*len(a.cur), maxBlockWords)
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
	a.used += n
	return off
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

func nodeBytes(h int) int64 { return int64(wNext+h) * 4 }
