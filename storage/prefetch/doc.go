// Package prefetch asks the processor to start loading a cache line that
// will be read soon, without waiting for it: the one instruction Go does not
// expose. The store's scans use it to overlap the cache misses of the rows of
// a window (its directory entries, its records, its index nodes) instead of
// taking them one after the other: on the machines Sundial runs on, a miss to
// a random place in a large store costs some 400 ns, and a processor keeps a
// dozen or more in flight.
//
// Line never faults, whatever the address (a prefetch of an unmapped or
// freed address is dropped by the processor), and it changes nothing a
// program can observe except timing. On architectures without an assembly
// version it does nothing.
package prefetch
