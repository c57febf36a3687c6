package files

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/sundialdb/sundial/types"
)

// chunkRows is the unit of work handed to the background encoder.
const chunkRows = 64 << 10

// queueDepth is how many chunks may wait for the encoder.
const queueDepth = 4

// Writer writes batches to a Parquet or CSV file. Rows are encoded by a
// background goroutine (Parquet: columns in parallel), so the caller computes
// the next batch while the previous one is written. The output appears under
// its name only when Close succeeds: until then rows go to a temporary file
// in the same directory, which Abort, or a failed Write or Close, removes.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	path   string
	tmp    string // the temporary file, "" in append mode
	schema types.Schema
	opts   WriteOptions
	f      *os.File
	out    *asyncWriter // writes to f from its own goroutine
	enc    encoder
	rows   int64

	// append mode: the size of the file before, or -1 if it did not exist
	appendFrom int64

	queue chan *types.Batch
	free  chan *types.Batch
	bg    sync.WaitGroup
	mu    sync.Mutex
	bgErr error
	abort bool
	done  bool
}

// encoder turns chunks into file bytes; it runs on the background goroutine.
type encoder interface {
	// write encodes the rows of b and calls done (exactly once, maybe
	// later, from another goroutine) when it no longer needs b.
	write(b *types.Batch, done func()) error
	// close writes what remains (the Parquet footer, buffered CSV text).
	close() error
	// discard stops the encoder without finishing the file.
	discard()
}

// Create starts writing a file of the given schema at path. With
// ModeErrorIfExists an existing file is an error (checked now and again on
// Close); ModeOverwrite replaces it on Close; ModeAppend (CSV only) appends
// rows to it, and Abort or a failure truncates it back to its old size.
//
// Parquet files are snappy-compressed, with row groups of opts.RowGroupRows
// rows; timestamps are written as timestamp[ms] (UTC), dates as date32.
// CSV files have a header row unless opts.CSV.NoHeader.
func Create(path string, schema types.Schema, opts WriteOptions) (*Writer, error) {
	if len(schema) == 0 {
		return nil, fmt.Errorf("%s: no columns to write", path)
	}
	seen := map[string]bool{}
	for _, f := range schema {
		k := strings.ToLower(f.Name)
		if f.Name == "" {
			return nil, fmt.Errorf("%s: a column has no name", path)
		}
		if seen[k] {
			return nil, fmt.Errorf("%s: column %s: duplicate column name", path, f.Name)
		}
		seen[k] = true
		if !writable(f.Kind) {
			return nil, fmt.Errorf("%s: column %s: cannot write type %s", path, f.Name, f.Kind)
		}
	}
	if opts.Format == FormatAuto {
		opts.Format = formatByName(path)
		if opts.Format == FormatAuto {
			opts.Format = FormatCSV // OpenMLDB's default format
		}
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = 1 << 20
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.GOMAXPROCS(0)
	}
	if opts.Mode == ModeAppend && opts.Format != FormatCSV {
		return nil, fmt.Errorf("%s: mode append is supported for CSV only", path)
	}
	st, err := os.Stat(path)
	exists := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	if exists && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if exists && opts.Mode == ModeErrorIfExists {
		return nil, fmt.Errorf("%s: file exists (mode error_if_exists; use mode overwrite to replace it)", path)
	}
	w := &Writer{path: path, schema: schema, opts: opts, appendFrom: -1}
	header := !opts.CSV.NoHeader
	if opts.Mode == ModeAppend {
		w.f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
		}
		if exists {
			w.appendFrom = st.Size()
			if st.Size() > 0 {
				header = false
			}
		}
	} else {
		dir, base := filepath.Split(path)
		if dir == "" {
			dir = "."
		}
		w.f, err = os.CreateTemp(dir, "."+base+".tmp-*")
		if err != nil {
			return nil, fmt.Errorf("%s: cannot create: %v", path, unwrapPath(err))
		}
		w.tmp = w.f.Name()
	}
	w.out = newAsyncWriter(w.f)
	switch opts.Format {
	case FormatCSV:
		w.enc = newCSVEncoder(w.out, schema, &opts.CSV, header)
	default:
		w.enc, err = newParquetEncoder(w.out, schema, &opts)
	}
	if err != nil {
		w.cleanup()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	w.queue = make(chan *types.Batch, queueDepth)
	w.free = make(chan *types.Batch, queueDepth+2)
	w.bg.Add(1)
	go w.loop()
	return w, nil
}

func writable(k types.Kind) bool {
	switch k {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double,
		types.String, types.Timestamp, types.Date:
		return true
	}
	return false
}

// loop is the background goroutine: it encodes chunks until the queue
// closes, and after a failure only recycles them.
func (w *Writer) loop() {
	defer w.bg.Done()
	for b := range w.queue {
		recycle := func() {
			select {
			case w.free <- b:
			default:
			}
		}
		w.mu.Lock()
		skip := w.bgErr != nil || w.abort
		w.mu.Unlock()
		if skip {
			recycle()
			continue
		}
		if err := w.encode(b, recycle); err != nil {
			w.mu.Lock()
			if w.bgErr == nil {
				w.bgErr = err
			}
			w.mu.Unlock()
		}
	}
}

func (w *Writer) encode(b *types.Batch, done func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: write failed: %v", w.path, p)
		}
	}()
	if err := w.enc.write(b, done); err != nil {
		return fmt.Errorf("%s: %v", w.path, err)
	}
	return nil
}

func (w *Writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bgErr
}

// Write queues the rows of b for writing. b's columns must match the
// writer's schema in number and kind; b is copied, so the caller may reuse
// it as soon as Write returns. An error (including one from writing an
// earlier batch) is final: the Writer must then be Aborted or Closed, which
// removes the partial output.
func (w *Writer) Write(b *types.Batch) error {
	if w.done {
		return fmt.Errorf("%s: write after Close or Abort", w.path)
	}
	if err := w.failed(); err != nil {
		return err
	}
	if len(b.Cols) != len(w.schema) {
		return w.fail(fmt.Errorf("%s: batch has %d columns, file has %d", w.path, len(b.Cols), len(w.schema)))
	}
	n := b.Len()
	for i, c := range b.Cols {
		f := w.schema[i]
		if c.Kind != f.Kind {
			return w.fail(fmt.Errorf("%s: column %s: batch has %s, file has %s", w.path, f.Name, c.Kind, f.Kind))
		}
		if c.Len() != n || (c.Nulls != nil && len(c.Nulls) != n) {
			return w.fail(fmt.Errorf("%s: column %s: %d values in a batch of %d rows", w.path, f.Name, c.Len(), n))
		}
		if f.NotNull && c.Nulls != nil {
			for _, null := range c.Nulls {
				if null {
					return w.fail(fmt.Errorf("%s: column %s: NULL in a NOT NULL column", w.path, f.Name))
				}
			}
		}
	}
	for lo := 0; lo < n; lo += chunkRows {
		hi := min(lo+chunkRows, n)
		var reuse *types.Batch
		select {
		case reuse = <-w.free:
		default:
		}
		w.queue <- copyRows(reuse, b, w.schema, lo, hi)
		if err := w.failed(); err != nil {
			return err
		}
	}
	w.rows += int64(n)
	return nil
}

// fail records err as the writer's final error.
func (w *Writer) fail(err error) error {
	w.mu.Lock()
	if w.bgErr == nil {
		w.bgErr = err
	}
	w.mu.Unlock()
	return err
}

// copyRows copies rows [lo, hi) of b into a chunk, reusing the slices of
// reuse when it has one.
func copyRows(reuse, b *types.Batch, schema types.Schema, lo, hi int) *types.Batch {
	if reuse == nil || len(reuse.Cols) != len(b.Cols) {
		reuse = &types.Batch{Schema: schema, Cols: make([]*types.Column, len(b.Cols))}
		for i := range reuse.Cols {
			reuse.Cols[i] = &types.Column{}
		}
	}
	for i, src := range b.Cols {
		dst := reuse.Cols[i]
		dst.Kind = schema[i].Kind
		if src.Nulls != nil {
			dst.Nulls = append(dst.Nulls[:0], src.Nulls[lo:hi]...)
		} else {
			dst.Nulls = nil
		}
		switch dst.Kind {
		case types.Float, types.Double:
			dst.F = append(dst.F[:0], src.F[lo:hi]...)
		case types.String:
			dst.S = append(dst.S[:0], src.S[lo:hi]...)
		default:
			dst.I = append(dst.I[:0], src.I[lo:hi]...)
		}
	}
	return reuse
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Path returns the path of the output file.
func (w *Writer) Path() string { return w.path }

// Close writes what remains, and puts the file in place. If anything failed,
// the partial output is removed and the error returned.
func (w *Writer) Close() error {
	if w.done {
		return w.failed()
	}
	w.done = true
	close(w.queue)
	w.bg.Wait()
	if err := w.failed(); err != nil {
		w.cleanup()
		return err
	}
	err := w.finish()
	if err != nil {
		w.fail(err)
		w.cleanup()
	}
	return err
}

func (w *Writer) finish() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: write failed: %v", w.path, p)
		}
	}()
	if err := w.enc.close(); err != nil {
		return fmt.Errorf("%s: %v", w.path, err)
	}
	if err := w.out.flush(); err != nil {
		return fmt.Errorf("%s: %v", w.path, err)
	}
	if w.opts.Sync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("%s: %v", w.path, unwrapPath(err))
		}
	}
	f := w.f
	w.f = nil
	if err := f.Close(); err != nil {
		w.f = nil
		return fmt.Errorf("%s: %v", w.path, unwrapPath(err))
	}
	if w.tmp == "" { // append mode: written in place
		return nil
	}
	_ = os.Chmod(w.tmp, 0o644)
	if w.opts.Mode == ModeErrorIfExists {
		// Link fails if the name was taken meanwhile; then the temp goes.
		if err := os.Link(w.tmp, w.path); err == nil {
			os.Remove(w.tmp)
			w.tmp = ""
			return nil
		} else if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: file exists (mode error_if_exists; use mode overwrite to replace it)", w.path)
		}
		if _, err := os.Stat(w.path); err == nil {
			return fmt.Errorf("%s: file exists (mode error_if_exists; use mode overwrite to replace it)", w.path)
		}
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return fmt.Errorf("%s: %v", w.path, unwrapPath(err))
	}
	w.tmp = ""
	return nil
}

// Abort stops writing and removes the partial output (in append mode,
// truncates the file back to its old size); a later Close reports the
// abort. It is a no-op after Close.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.fail(fmt.Errorf("%s: write aborted", w.path))
	w.mu.Lock()
	w.abort = true
	w.mu.Unlock()
	close(w.queue)
	w.bg.Wait()
	w.cleanup()
}

// cleanup removes the temporary file, or undoes an append.
func (w *Writer) cleanup() {
	if w.enc != nil {
		w.enc.discard()
	}
	if w.out != nil {
		w.out.flush()
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	if w.tmp != "" {
		os.Remove(w.tmp)
		w.tmp = ""
	}
	if w.opts.Mode == ModeAppend && w.appendFrom != -2 {
		if w.appendFrom < 0 {
			os.Remove(w.path)
		} else {
			os.Truncate(w.path, w.appendFrom)
		}
		w.appendFrom = -2 // done
	}
}

var _ io.Closer = (*Writer)(nil)

// asyncWriter hands the bytes written to it to a goroutine that writes them
// to the file, so that flushing a Parquet row group (or a CSV buffer) does
// not stall encoding while the kernel copies it. It copies what it is given;
// at most asyncDepth writes wait.
type asyncWriter struct {
	f     *os.File
	queue chan []byte
	free  chan []byte
	done  chan struct{}
	mu    sync.Mutex
	err   error
	once  sync.Once
}

const asyncDepth = 8

func newAsyncWriter(f *os.File) *asyncWriter {
	a := &asyncWriter{f: f, queue: make(chan []byte, asyncDepth), free: make(chan []byte, asyncDepth+1), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for p := range a.queue {
			if a.failed() == nil {
				if _, err := a.f.Write(p); err != nil {
					a.mu.Lock()
					a.err = unwrapPath(err)
					a.mu.Unlock()
				}
			}
			select {
			case a.free <- p[:0]:
			default:
			}
		}
	}()
	return a
}

func (a *asyncWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write queues a copy of p. It never closes the file (the Parquet writer
// closes its sink when it can).
func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.failed(); err != nil {
		return 0, err
	}
	var buf []byte
	select {
	case buf = <-a.free:
	default:
	}
	a.queue <- append(buf, p...)
	return len(p), nil
}

// flush waits until everything queued is written, and stops the writer
// goroutine; it may be called more than once.
func (a *asyncWriter) flush() error {
	a.once.Do(func() { close(a.queue) })
	<-a.done
	return a.failed()
}
