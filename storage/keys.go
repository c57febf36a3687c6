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
	put(key string, e *keyEntry)
	remove(key string)
	each(fn func(e *keyEntry) bool) // in key order
	len() int
}

// lookupKey is a key being looked up: its bytes live in a pooled buffer and s
// views them, so a lookup boxes a pointer (no allocation) rather than a string.
type lookupKey struct {
	buf []byte
	s   string
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

// huKeys is layer one on github.com/huandu/skiplist, string keys.
type huKeys struct{ l *hsl.SkipList }

func keyOf(x any) string {
	switch k := x.(type) {
	case string:
		return k
	case *lookupKey:
		return k.s
	}
	panic("storage: unexpected layer-one key type")
}

var keyOrder = hsl.GreaterThanFunc(func(a, b any) int { return strings.Compare(keyOf(a), keyOf(b)) })

func newHuKeys() *huKeys { return &huKeys{l: hsl.New(keyOrder)} }

func (h *huKeys) get(k *lookupKey) *keyEntry {
	el := h.l.Get(k)
	if el == nil {
		return nil
	}
	return el.Value.(*keyEntry)
}

func (h *huKeys) put(key string, e *keyEntry) { h.l.Set(key, e) }
func (h *huKeys) remove(key string)           { h.l.Remove(key) }
func (h *huKeys) len() int                    { return h.l.Len() }

func (h *huKeys) each(fn func(e *keyEntry) bool) {
	for el := h.l.Front(); el != nil; el = el.Next() {
		if !fn(el.Value.(*keyEntry)) {
			return
		}
	}
}
