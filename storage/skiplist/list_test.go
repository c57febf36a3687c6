package skiplist

import (
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
)

type row struct {
	ts  int64
	seq uint64
}

func sortDesc(rs []row) {
	sort.Slice(rs, func(i, j int) bool { return newer(rs[i].ts, rs[i].seq, rs[j].ts, rs[j].seq) })
}

func collect(it Iterator) []row {
	var out []row
	for ; it.Valid(); it.Next() {
		out = append(out, row{it.TS(), it.Seq()})
	}
	return out
}

func equalRows(t *testing.T, what string, got, want []row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d\n got %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestInsertSeekCut(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		a := NewArena()
		l := a.NewList()
		var ref []row
		n := r.IntN(400)
		inOrder := round%3 == 0
		for i := 0; i < n; i++ {
			ts := int64(r.IntN(100)) - 50
			if inOrder {
				ts = int64(i / 3) // ties on ts, seq decides
			}
			seq := uint64(i + 1)
			l.Insert(ts, seq)
			ref = append(ref, row{ts, seq})
		}
		sortDesc(ref)
		if err := l.check(); err != nil {
			t.Fatal(err)
		}
		equalRows(t, "front", collect(l.Front()), ref)
		for _, maxTS := range []int64{-100, -50, -1, 0, 7, 49, 200} {
			var want []row
			for _, x := range ref {
				if x.ts <= maxTS {
					want = append(want, x)
				}
			}
			equalRows(t, "seekTS", collect(l.SeekTS(maxTS)), want)
		}
		if len(ref) > 0 {
			k := ref[r.IntN(len(ref))]
			i := sort.Search(len(ref), func(i int) bool { return !newer(ref[i].ts, ref[i].seq, k.ts, k.seq) })
			equalRows(t, "seek", collect(l.SeekKey(k.ts, k.seq)), ref[i:])
			before := a.LiveBytes()
			var cut []row
			got := l.CutFrom(k.ts, k.seq, func(ts int64, seq uint64) { cut = append(cut, row{ts, seq}) })
			if got != len(ref)-i {
				t.Fatalf("cut %d rows, want %d", got, len(ref)-i)
			}
			equalRows(t, "cut rows", cut, ref[i:])
			ref = ref[:i]
			if a.LiveBytes() >= before && got > 0 {
				t.Fatalf("live bytes did not drop on cut")
			}
			if err := l.check(); err != nil {
				t.Fatal(err)
			}
			equalRows(t, "after cut", collect(l.Front()), ref)
			// Inserting again after a cut, including rows older than the cut.
			for j := 0; j < 20; j++ {
				ts := int64(r.IntN(100)) - 50
				seq := uint64(n + 1 + j)
				l.Insert(ts, seq)
				ref = append(ref, row{ts, seq})
			}
			sortDesc(ref)
			if err := l.check(); err != nil {
				t.Fatal(err)
			}
			equalRows(t, "reinsert", collect(l.Front()), ref)
		}
		b := NewArena()
		c := l.CopyTo(b)
		if err := c.check(); err != nil {
			t.Fatal(err)
		}
		equalRows(t, "copy", collect(c.Front()), ref)
		if b.LiveBytes() > b.Bytes() {
			t.Fatalf("live %d > allocated %d", b.LiveBytes(), b.Bytes())
		}
	}
}

func TestManyListsOneArena(t *testing.T) {
	a := NewArena()
	lists := make([]*List, 1000)
	for i := range lists {
		lists[i] = a.NewList()
	}
	for i := 0; i < 200000; i++ {
		lists[i%len(lists)].Insert(int64(i), uint64(i+1))
	}
	for i, l := range lists {
		if l.Len() != 200 {
			t.Fatalf("list %d: len %d", i, l.Len())
		}
		if err := l.check(); err != nil {
			t.Fatal(err)
		}
	}
	per := float64(a.Bytes()) / 200000
	if per > 40 {
		t.Fatalf("arena bytes per row = %.1f, want a few dozen at most", per)
	}
	t.Logf("arena: %.1f bytes/row (live %.1f)", per, float64(a.LiveBytes())/200000)
}

// TestListChunks checks that a list's nodes lie together in the arena when
// the rows of many keys arrive interleaved: walking a list newest first
// leaves its current chunk only once per chunk, not at every node, and the
// chunks' unused words stay a small share of the arena. A list of a few rows
// lies in a few chunks, and a list of one row takes only its node's words.
func TestListChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a := NewArena()
	const keys = 1000
	lists := make([]*List, keys)
	for i := range lists {
		lists[i] = a.NewList()
	}
	seq := uint64(0)
	for i := 0; i < 300000; i++ {
		seq++
		k := int(float64(keys) * r.Float64() * r.Float64()) // some keys much hotter
		lists[k].Insert(int64(i)-r.Int64N(50), seq)         // nearly in ts order
	}
	for i, l := range lists {
		if err := l.check(); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
		if l.Len() < 1000 {
			continue
		}
		// Count the steps of a level-0 walk that land more than a chunk away.
		jumps := 0
		prev := l.head[0].Load()
		for x := l.next(prev, 0); x != 0; prev, x = x, l.next(x, 0) {
			if d := int64(x) - int64(prev); d > maxChunkWords || d < -maxChunkWords {
				jumps++
			}
		}
		// Chunks grow by 1.25 up to maxChunkWords words (about 200 nodes),
		// so a list has some 30 small chunks and then one per 200 rows;
		// rows out of ts order add a few steps back and forth. (Nodes
		// allocated one by one would step far at nearly every row.)
		if limit := 40 + l.Len()/100; jumps > limit {
			t.Fatalf("list %d (%d rows): %d far steps in a walk, want at most %d", i, l.Len(), jumps, limit)
		}
	}
	if waste := 1 - float64(a.LiveBytes())/float64(a.Bytes()); waste > 0.12 {
		t.Fatalf("arena: %.1f%% of its bytes unused (live %d of %d)", 100*waste, a.LiveBytes(), a.Bytes())
	}
	// A list of a few rows lies in a few chunks: its first node alone, room
	// for four times its rows after that. And a list of one row takes only
	// its node's words.
	few := NewArena()
	var fewLists []*List
	for i := 0; i < 1000; i++ {
		fewLists = append(fewLists, few.NewList())
	}
	seq = 0
	for row := 0; row < 8; row++ {
		for _, l := range fewLists {
			seq++
			l.Insert(int64(row), seq)
		}
	}
	for i, l := range fewLists {
		if err := l.check(); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
		// Three chunks (one row, then about 4, then the rest), and one
		// more step where a chunk was cut short by the end of a block.
		far := 0
		prev := l.head[0].Load()
		for x := l.next(prev, 0); x != 0; prev, x = x, l.next(x, 0) {
			if d := int64(x) - int64(prev); d > minChunkWords || d < -minChunkWords {
				far++
			}
		}
		if far > 3 {
			t.Fatalf("list %d of 8 rows: %d steps between chunks, want at most 3", i, far)
		}
	}
	one := NewArena()
	for i := 0; i < 1000; i++ {
		one.NewList().Insert(1, uint64(i+1))
	}
	blocks := int64(len(*one.blocks.Load()))
	if one.Bytes()-one.LiveBytes() > int64(len(one.cur)-one.used+1)*4+blocks*(wideNext+MaxHeight)*4 {
		t.Fatalf("1000 lists of one row: arena %d bytes for %d bytes of nodes", one.Bytes(), one.LiveBytes())
	}
}

// TestConcurrentReaders runs readers against a writer that inserts (in order
// and out of order) and cuts; run with -race.
func TestConcurrentReaders(t *testing.T) {
	a := NewArena()
	l := a.NewList()
	const n = 20000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var pts int64 = 1 << 62
				var pseq uint64 = 1 << 63
				for it := l.SeekTS(1 << 40); it.Valid(); it.Next() {
					ts, seq := it.TS(), it.Seq()
					if !newer(pts, pseq, ts, seq) {
						t.Errorf("reader saw (%d,%d) after (%d,%d)", ts, seq, pts, pseq)
						return
					}
					if ts != int64(seq)/2 && ts != -int64(seq) {
						t.Errorf("torn node (%d,%d)", ts, seq)
						return
					}
					pts, pseq = ts, seq
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		if i%7 == 0 {
			l.Insert(-int64(i), uint64(i)) // out of order: goes to the tail
		} else {
			l.Insert(int64(i)/2, uint64(i))
		}
		if i%1000 == 0 {
			l.CutFrom(int64(i)/4, 0, nil)
		}
	}
	close(stop)
	wg.Wait()
	if err := l.check(); err != nil {
		t.Fatal(err)
	}
}

// TestNodeKeys round-trips (ts, seq) through compact and wide nodes and mixes
// both kinds in one list.
func TestNodeKeys(t *testing.T) {
	tss := []int64{0, 1, -1, 1_704_067_200_000, minCompactTS, maxCompactTS, minCompactTS - 1, maxCompactTS + 1,
		-1 << 63, 1<<63 - 1, 1 << 40, -(1 << 45)}
	seqs := []uint64{1, 2, 1 << 31, 1 << 32, maxCompactSeq, maxCompactSeq + 1, 1<<64 - 1}
	for _, ts := range tss {
		for _, seq := range seqs {
			for h := 1; h <= MaxHeight; h++ {
				words, wide := nodeWords(ts, seq, h)
				n := make([]uint32, words)
				writeNode(n, ts, seq, h, wide)
				if gts, gseq := nodeKey(n); gts != ts || gseq != seq || nodeHeight(n) != h || nextBase(n)+h != words {
					t.Fatalf("(%d, %d, h %d, wide %v) reads (%d, %d, h %d), %d words", ts, seq, h, wide, gts, gseq, nodeHeight(n), words)
				}
				if wantWide := seq > maxCompactSeq || ts < minCompactTS || ts > maxCompactTS; wide != wantWide {
					t.Fatalf("(%d, %d): wide %v", ts, seq, wide)
				}
			}
		}
	}
	a := NewArena()
	l := a.NewList()
	var ref []row
	seq := uint64(0)
	for _, ts := range tss {
		for _, s := range seqs {
			seq++
			if s > maxCompactSeq {
				seq = s - uint64(len(ref)) // unique, wide
			}
			l.Insert(ts, seq)
			ref = append(ref, row{ts, seq})
		}
	}
	sortDesc(ref)
	if err := l.check(); err != nil {
		t.Fatal(err)
	}
	equalRows(t, "mixed", collect(l.Front()), ref)
	c := l.CopyTo(NewArena())
	equalRows(t, "mixed copy", collect(c.Front()), ref)
	l.CutFrom(0, 1<<64-1, nil)
	i := 0
	for i < len(ref) && ref[i].ts > 0 {
		i++
	}
	equalRows(t, "mixed cut", collect(l.Front()), ref[:i])
}
