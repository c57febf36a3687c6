package prefetch

import (
	"testing"
	"unsafe"
)

// TestLineAnyAddress prefetches addresses that no program may read (nil, the
// top of the address space, just past a slice): a prefetch must not fault.
func TestLineAnyAddress(t *testing.T) {
	b := make([]byte, 64)
	for _, a := range []uintptr{0, 1, ^uintptr(0), ^uintptr(0) - 63, uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[63])) + 4096} {
		Line(a)
	}
	if b[0] != 0 || b[63] != 0 {
		t.Fatal("a prefetch changed memory")
	}
}

var sink uint64

// BenchmarkRandomReads reads words at random places in 256 MiB, one
// dependent on the other (chain), each at a known place but consumed in
// order (independent), or with the next reads prefetched (prefetched): the ratio is what a scan gains by prefetching.
func BenchmarkRandomReads(b *testing.B) {
	const words = 32 << 20
	// One cycle through every word (Sattolo's shuffle), so that the chain
	// does not settle into a short loop the caches hold.
	mem := make([]uint64, words)
	for i := range mem {
		mem[i] = uint64(i)
	}
	x := uint64(0x9E3779B97F4A7C15)
	for i := words - 1; i > 0; i-- {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		j := x % uint64(i)
		mem[i], mem[j] = mem[j], mem[i]
	}
	b.Run("chain", func(b *testing.B) {
		b.ReportAllocs()
		i := uint64(1)
		for n := 0; n < b.N; n++ {
			i = mem[i]
		}
		sink = i
	})
	for _, pf := range []bool{false, true} {
		name := "independent"
		if pf {
			name = "prefetched"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			const ahead = 16
			idx := make([]uint64, b.N+ahead)
			y := uint64(12345)
			for k := range idx {
				y ^= y << 13
				y ^= y >> 7
				y ^= y << 17
				idx[k] = y % words
			}
			b.ResetTimer()
			var s uint64
			for k := 0; k < ahead && pf; k++ {
				Line(uintptr(unsafe.Pointer(&mem[idx[k]])))
			}
			for n := 0; n < b.N; n++ {
				if pf {
					Line(uintptr(unsafe.Pointer(&mem[idx[n+ahead]])))
				}
				// Each read depends on the one before (s), as a scan's
				// processing of a row does: without the prefetch the
				// misses cannot overlap.
				s += mem[(idx[n]+s&1)%words]
			}
			sink = s
		})
	}
}
