package files

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sundialdb/sundial/types"
)

// defaultBatchRows is the largest batch Next returns unless ReadOptions says
// otherwise.
const defaultBatchRows = 64 << 10

// unitRows is how many rows of a Parquet file one decoding goroutine takes at
// a time (whole row groups, at least one).
var unitRows int64 = 256 << 10

// Reader streams the rows of one or more files as batches of the wanted
// schema. It is not safe for concurrent use by several goroutines (RowsRead
// and TotalRows are).
type Reader struct {
	want       types.Schema
	opts       ReadOptions
	files      []*source
	total      int64
	totalKnown bool
	rows       atomic.Int64

	queue chan *unit // units in file order, each decoding or decoded
	cur   *unit
	done  chan struct{}
	wg    sync.WaitGroup
	err   error
	once  sync.Once
}

// source is one input file, checked against the wanted schema.
type source struct {
	path   string
	format Format
	pq     *pqSource // Parquet only
	csv    *csvSource
}

// unit is a piece of work of one goroutine: some row groups of one Parquet
// file, or one whole CSV file. Its batches arrive on out, in order.
type unit struct {
	src       *source
	rowGroups []int
	out       chan result
}

type result struct {
	b   *types.Batch
	err error
}

// Open checks the files that pattern names against want and returns a Reader
// of their rows, in order: files in the order pattern gives them (each glob
// expanded in sorted order), rows in file order. This order defines seq.
//
// pattern is a comma-separated list of paths, globs (filepath.Match syntax;
// names starting with '.' or '_' match only a pattern that starts so too) or
// directories (all their files not starting with '.' or '_', sorted). Only the columns of
// want are read; they are matched to file columns by name, case-insensitively.
// Every file's schema is checked before Open returns, so a missing column or
// an incompatible type fails fast, naming the file and the column.
func Open(pattern string, want types.Schema, opts ReadOptions) (*Reader, error) {
	if len(want) == 0 {
		return nil, errors.New("open: no columns wanted")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = defaultBatchRows
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = min(max(runtime.GOMAXPROCS(0), 2), 8)
	}
	paths, err := expand(pattern)
	if err != nil {
		return nil, err
	}
	r := &Reader{want: want, opts: opts, totalKnown: true, done: make(chan struct{})}
	var units []*unit
	for _, p := range paths {
		src, err := openSource(p, want, &opts)
		if err != nil {
			return nil, err
		}
		r.files = append(r.files, src)
		switch {
		case src.pq != nil:
			r.total += src.pq.rows
			units = append(units, src.pq.units(src)...)
		default:
			r.totalKnown = false
			units = append(units, &unit{src: src})
		}
	}
	r.start(units)
	return r, nil
}

// expand turns a pattern into the list of files it names.
func expand(pattern string) ([]string, error) {
	var paths []string
	for _, part := range strings.Split(pattern, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.ContainsAny(part, "*?[") {
			m, err := filepath.Glob(part)
			if err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %v", part, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no files match", part)
			}
			sort.Strings(m)
			pat := filepath.Base(part)
			n := len(paths)
			for _, p := range m {
				if st, err := os.Stat(p); err == nil && st.IsDir() {
					continue
				}
				// like a shell, skip hidden files (and Spark's _SUCCESS and
				// the like) unless the pattern asks for them
				if b := filepath.Base(p); (b[0] == '.' || b[0] == '_') && pat[0] != b[0] {
					continue
				}
				paths = append(paths, p)
			}
			if len(paths) == n {
				return nil, fmt.Errorf("%s: no files match", part)
			}
			continue
		}
		st, err := os.Stat(part)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: file not found", part)
			}
			return nil, fmt.Errorf("%s: %v", part, unwrapPath(err))
		}
		if !st.IsDir() {
			paths = append(paths, part)
			continue
		}
		ents, err := os.ReadDir(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", part, unwrapPath(err))
		}
		n := len(paths)
		for _, e := range ents { // ReadDir sorts by name
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
				continue
			}
			paths = append(paths, filepath.Join(part, e.Name()))
		}
		if len(paths) == n {
			return nil, fmt.Errorf("%s: directory has no data files", part)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no input files in %q", pattern)
	}
	return paths, nil
}

// unwrapPath drops the path an *os.PathError repeats, since our messages
// start with the path already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// openSource detects the format of path and checks its schema.
func openSource(path string, want types.Schema, opts *ReadOptions) (*source, error) {
	format := opts.Format
	if format == FormatAuto {
		format = formatByName(path)
	}
	if format == FormatAuto {
		format = sniff(path)
	}
	src := &source{path: path, format: format}
	var err error
	switch format {
	case FormatParquet:
		src.pq, err = openParquet(path, want)
	default:
		src.csv, err = openCSV(path, want, opts)
	}
	if err != nil {
		return nil, err
	}
	return src, nil
}

// sniff says Parquet when the file starts with Parquet's magic bytes.
func sniff(path string) Format {
	f, err := os.Open(path)
	if err != nil {
		return FormatCSV // the CSV opener reports the error
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err == nil && string(magic[:]) == "PAR1" {
		return FormatParquet
	}
	return FormatCSV
}

// start launches the goroutines that decode units, at most
// opts.Parallelism at a time, ahead of the consumer.
func (r *Reader) start(units []*unit) {
	par := r.opts.Parallelism
	r.queue = make(chan *unit, par)
	sem := make(chan struct{}, par)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.queue)
		for _, u := range units {
			select {
			case sem <- struct{}{}:
			case <-r.done:
				return
			}
			u.out = make(chan result, 2)
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				defer func() { <-sem }()
				r.run(u)
			}()
			select {
			case r.queue <- u:
			case <-r.done:
				return
			}
		}
	}()
}

// run decodes one unit, sending its batches (or an error) on u.out.
func (r *Reader) run(u *unit) {
	defer close(u.out)
	send := func(b *types.Batch) bool {
		select {
		case u.out <- result{b: b}:
			return true
		case <-r.done:
			return false
		}
	}
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%s: corrupt or unreadable file: %v", u.src.path, p)
			}
		}()
		if u.src.pq != nil {
			err = u.src.pq.read(u, r.want, r.opts.BatchRows, send)
		} else {
			err = u.src.csv.read(u.src.path, r.want, &r.opts, send)
		}
	}()
	if err != nil {
		select {
		case u.out <- result{err: err}:
		case <-r.done:
		}
	}
}

// Next returns the next batch of rows, or io.EOF after the last. Its columns
// are those of the wanted schema, in that order. The batch belongs to the
// caller. String values of a batch share one allocation per column.
func (r *Reader) Next() (*types.Batch, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		if r.cur == nil {
			u, ok := <-r.queue
			if !ok {
				select {
				case <-r.done:
					r.err = errors.New("read after Close")
				default:
					r.err = io.EOF
				}
				return nil, r.err
			}
			r.cur = u
		}
		res, ok := <-r.cur.out
		if !ok {
			r.cur = nil
			continue
		}
		if res.err != nil {
			r.err = res.err
			r.Close()
			r.err = res.err
			return nil, r.err
		}
		if res.b.Len() == 0 {
			continue
		}
		r.rows.Add(int64(res.b.Len()))
		return res.b, nil
	}
}

// Schema returns the schema of the batches (the wanted schema).
func (r *Reader) Schema() types.Schema { return r.want }

// Files returns the files read, in order.
func (r *Reader) Files() []string {
	out := make([]string, len(r.files))
	for i, f := range r.files {
		out[i] = f.path
	}
	return out
}

// RowsRead returns how many rows Next has returned so far.
func (r *Reader) RowsRead() int64 { return r.rows.Load() }

// TotalRows returns the number of rows of all files, and whether it is known
// up front (it is when every file is Parquet).
func (r *Reader) TotalRows() (int64, bool) {
	if !r.totalKnown {
		return 0, false
	}
	return r.total, true
}

// Close stops reading and releases the files. It may be called more than
// once, and after Next has returned an error.
func (r *Reader) Close() error {
	r.once.Do(func() {
		close(r.done)
		r.wg.Wait()
		if r.err == nil {
			r.err = errors.New("read after Close")
		}
	})
	return nil
}
