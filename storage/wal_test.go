package storage_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sundialdb/sundial/storage"
)

func TestWAL(t *testing.T) {
	dir := t.TempDir()
	w, err := storage.OpenWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64]string{}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				p := fmt.Sprintf("g%d-%d", g, i)
				lsn, err := w.Append(uint32(g), []byte(p))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[lsn] = p
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append(0, nil); err != storage.ErrClosed {
		t.Fatalf("Append after Close: %v", err)
	}
	w, err = storage.OpenWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.NextLSN() != 101 {
		t.Fatalf("next LSN %d after 100 appends", w.NextLSN())
	}
	var prev uint64
	n := 0
	err = w.Replay(func(lsn uint64, table uint32, row []byte) error {
		if lsn <= prev || acked[lsn] != string(row) || !strings.HasPrefix(string(row), fmt.Sprintf("g%d-", table)) {
			return fmt.Errorf("record %d (table %d) = %q", lsn, table, row)
		}
		prev = lsn
		n++
		return nil
	})
	if err != nil || n != 100 {
		t.Fatalf("replay: %d records, %v", n, err)
	}
	if err := w.Truncate(60); err != nil {
		t.Fatal(err)
	}
	n = 0
	_ = w.Replay(func(lsn uint64, _ uint32, _ []byte) error {
		if lsn < 60 {
			t.Errorf("record %d survived Truncate(60)", lsn)
		}
		n++
		return nil
	})
	if n != 41 {
		t.Fatalf("%d records after Truncate(60), want 41", n)
	}
	n = 0
	_ = w.ReplayFrom(90, func(uint64, uint32, []byte) error { n++; return nil })
	if n != 11 {
		t.Fatalf("ReplayFrom(90): %d records", n)
	}
	if err := w.Truncate(1000); err != nil {
		t.Fatal(err)
	}
	if lsn, err := w.Append(9, []byte("x")); err != nil || lsn != 101 {
		t.Fatalf("append after truncating everything: %d, %v", lsn, err)
	}
}

// TestWALKill9 appends from a child process, kills it with SIGKILL while it
// is appending, and checks that every record it had acknowledged is there.
func TestWALKill9(t *testing.T) {
	if dir := os.Getenv("SUNDIAL_WAL_CHILD"); dir != "" {
		walChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWALKill9$")
	cmd.Env = append(os.Environ(), "SUNDIAL_WAL_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[uint64]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 200 {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		lsn, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		acked[lsn] = f[1]
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("the child acknowledged only %d records", len(acked))
	}
	w, err := storage.OpenWAL(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	found := 0
	err = w.Replay(func(lsn uint64, table uint32, row []byte) error {
		if p, ok := acked[lsn]; ok {
			if p != string(row) {
				return fmt.Errorf("record %d = %q, acknowledged %q", lsn, row, p)
			}
			found++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found != len(acked) {
		t.Fatalf("%d of %d acknowledged records survived kill -9", found, len(acked))
	}
}

// walChild appends forever from 4 goroutines, printing "lsn payload" after
// each acknowledgement, until it is killed.
func walChild(dir string) {
	w, err := storage.OpenWAL(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				p := fmt.Sprintf("g%d-%d", g, i)
				lsn, err := w.Append(uint32(g), []byte(p))
				if err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Printf("%d %s\n", lsn, p)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
