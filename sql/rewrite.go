package sql

import (
	"sort"
	"strings"
)

// rewriter builds the standard-SQL text handed to the TiDB parser and remembers,
// for every piece it writes, where that piece came from in the user's text, so
// that an error position in the rewritten text maps back to the original.
type rewriter struct {
	b       strings.Builder
	segs    []seg // ordered by out
	lastEnd int   // source end offset of the last token written, -1 after synthetic text
}

// seg says: output bytes from out on come from source offset src on; a
// synthetic piece maps every one of its bytes to src.
type seg struct {
	out, src int
	n        int // length of a copied piece
	synth    bool
}

// copyTok writes a token of the user's text, separated from what precedes it
// by a space unless the two were adjacent in the user's text.
func (w *rewriter) copyTok(t token) {
	w.sep(t.Start)
	w.segs = append(w.segs, seg{out: w.b.Len(), src: t.Start, n: len(t.Text)})
	w.b.WriteString(t.Text)
	w.lastEnd = t.End
}

// replaceTok writes text in place of token t (same spacing rule as copyTok).
func (w *rewriter) replaceTok(text string, t token) {
	w.sep(t.Start)
	w.segs = append(w.segs, seg{out: w.b.Len(), src: t.Start, synth: true})
	w.b.WriteString(text)
	w.lastEnd = t.End
}

// emit writes synthetic text attributed to source offset at, after a space.
func (w *rewriter) emit(text string, at int) {
	w.sep(-1)
	w.segs = append(w.segs, seg{out: w.b.Len(), src: at, synth: true})
	w.b.WriteString(text)
	w.lastEnd = -1
}

func (w *rewriter) sep(start int) {
	if w.b.Len() > 0 && (start < 0 || start != w.lastEnd) {
		w.b.WriteByte(' ')
	}
}

func (w *rewriter) String() string { return w.b.String() }

// srcOffset maps an offset of the rewritten text to the user's text.
func (w *rewriter) srcOffset(out int) int {
	if len(w.segs) == 0 {
		return 0
	}
	i := sort.Search(len(w.segs), func(i int) bool { return w.segs[i].out > out }) - 1
	if i < 0 {
		return w.segs[0].src
	}
	s := w.segs[i]
	if s.synth {
		return s.src
	}
	if d := out - s.out; d < s.n {
		return s.src + d
	}
	// In the space after a copied token: the next piece.
	if i+1 < len(w.segs) {
		return w.segs[i+1].src
	}
	return s.src + s.n
}
