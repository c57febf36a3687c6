package storage

import (
	"strings"
	"sync"
	"unsafe"

	hsl "github.com/huandu/skiplist"
)

// keyIndex is layer one of an index segment: the ordered map from encoded
// key to the key's entry. Writers serialise on the segment's lock; readers
// call get under the segment's keysMu read lock, writers put and remove under
// its write lock.
type keyIndex interface {
	get(k *lookupKey) *keyEntry
	put(e *keyEntry)
	remove(e *keyEntry)
	each(fn func(e *keyEntry) bool) // in key order
	len() int
}

// lookupKey is a key being looked up: its bytes live in a pooled buffer and s
// views them, so a lookup boxes a pointer (no allocation) rather than a string.
type lookupKey struct {
	buf  []byte
	s    string
	hash uint64
}

var lookupPool = sync.Pool{New: func() any { return &lookupKey{buf: make([]byte, 0, 64)} }}

func getLookupKey() *lookupKey { return lookupPool.Get().(*lookupKey) }

func putLookupKey(k *lookupKey) {
	k.s = ""
	if cap(k.buf) <= 1<<16 {
		k.buf = k.buf[:0]
		lookupPool.Put(k)
	}
}

// view points s at buf's bytes (valid until buf is next written).
func (k *lookupKey) view() {
	if len(k.buf) == 0 {
		k.s = ""
		return
	}
	k.s = unsafe.String(&k.buf[0], len(k.buf))
}

// huKeys is layer one on github.com/huandu/skiplist. Its keys are the
// entries themselves (a pointer: no boxing), ordered by (hash, key bytes):
// comparing hashes first spares most string comparisons.
//
// Point lookups (every Put and Scan) go through a hash map beside the list,
// as Redis pairs a dict with each sorted set's skiplist: a huandu lookup
// compares its way down ~log2(keys) levels through pointer-chased elements
// (20% of a request's CPU with 100k keys), the map hashes once. The list
// keeps the keys in order for iteration (EachKey, eviction, snapshots).
type huKeys struct {
	l     *hsl.SkipList
	byKey map[string]*keyEntry
}

func keyOf(x any) (uint64, string) {
	switch k := x.(type) {
	case *keyEntry:
		return k.hash, k.key
	case *lookupKey:
		return k.hash, k.s
	}
	panic("storage: unexpected layer-one key type")
}

// keyOrder orders layer-one keys by (hash, bytes). Its score (which huandu
// stores in each element and compares before calling Compare) is the top 52
// bits of the hash, so most comparisons never leave the element.
type keyOrder struct{}

func (keyOrder) Compare(a, b any) int {
	ha, sa := keyOf(a)
	hb, sb := keyOf(b)
	switch {
	case ha < hb:
		return -1
	case ha > hb:
		return 1
	}
	return strings.Compare(sa, sb)
}

func (keyOrder) CalcScore(k any) float64 {
	h, _ := keyOf(k)
	return float64(h >> 12) // exact: 52 bits
}

func newHuKeys() *huKeys {
	l := hsl.New(keyOrder{})
	l.SetMaxLevel(24) // 4^... plenty for a segment; fewer empty levels to skip
	return &huKeys{l: l, byKey: map[string]*keyEntry{}}
}

func (h *huKeys) get(k *lookupKey) *keyEntry { return h.byKey[k.s] }

func (h *huKeys) put(e *keyEntry) {
	h.l.Set(e, e)
	h.byKey[e.key] = e
}

func (h *huKeys) remove(e *keyEntry) {
	h.l.Remove(e)
	delete(h.byKey, e.key)
}
func (h *huKeys) len() int { return h.l.Len() }

func (h *huKeys) each(fn func(e *keyEntry) bool) {
	for el := h.l.Front(); el != nil; el = el.Next() {
		if !fn(el.Value.(*keyEntry)) {
			return
		}
	}
}
