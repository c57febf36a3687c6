package files

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAdhocBig(t *testing.T) {
	if os.Getenv("ADHOC") == "" {
		t.Skip()
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "w1.parquet")
	t0 := time.Now()
	if err := GenerateW1(in, 10_000_000, 1); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(in)
	t.Logf("generate 10M: %v (%d MB)", time.Since(t0), st.Size()>>20)
	for k := 0; k < 2; k++ {
		t0 = time.Now()
		r, _ := Open(in, W1Schema(), ReadOptions{})
		n := 0
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n += b.Len()
		}
		r.Close()
		t.Logf("read 10M W1 (10 row groups): %v, %.1fM rows/s", time.Since(t0), float64(n)/time.Since(t0).Seconds()/1e6)
	}
	batches := w1OutBatches(1<<20, 64<<10)
	out := filepath.Join(dir, "out.parquet")
	t0 = time.Now()
	w, _ := Create(out, w1OutSchema(), WriteOptions{})
	for i := 0; i < 10; i++ {
		for _, b := range batches {
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ = os.Stat(out)
	t.Logf("write 10.5M W1-shaped output rows: %v, %.2fM rows/s, %d MB", time.Since(t0), 10*float64(1<<20)/time.Since(t0).Seconds()/1e6, st.Size()>>20)
}
