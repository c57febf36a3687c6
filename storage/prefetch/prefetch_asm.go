//go:build amd64 || arm64

package prefetch

// Line starts loading the cache line that holds addr into the caches.
//
//go:noescape
func Line(addr uintptr)
