//go:build !amd64 && !arm64

package prefetch

// Line would start loading the cache line that holds addr; this architecture
// has no assembly version, so it does nothing.
func Line(addr uintptr) {}
