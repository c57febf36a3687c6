package types

// Column is a column of values of one kind, stored in the slice that suits the
// kind (see Value for which field each kind uses). Nulls, when non-nil, marks
// NULL rows; a nil Nulls means no NULLs.
type Column struct {
	Kind  Kind
	Nulls []bool
	I     []int64
	F     []float64
	S     []string
}

// NewColumn returns an empty column of kind k with room for n values.
func NewColumn(k Kind, n int) *Column {
	c := &Column{Kind: k}
	switch k {
	case Float, Double:
		c.F = make([]float64, 0, n)
	case String:
		c.S = make([]string, 0, n)
	default:
		c.I = make([]int64, 0, n)
	}
	return c
}

// Len returns the number of values in c.
func (c *Column) Len() int {
	var n int
	switch c.Kind {
	case Float, Double:
		n = len(c.F)
	case String:
		n = len(c.S)
	default:
		n = len(c.I)
	}
	if n == 0 && c.Nulls != nil {
		return len(c.Nulls) // an all-NULL column (see NullColumn)
	}
	return n
}

// NullColumn returns a column of len(nulls) NULLs of kind k that stores no
// values: nulls must be all true, and may be shared between such columns.
// Readers use it for columns a query does not read. It must not be appended to.
func NullColumn(k Kind, nulls []bool) *Column { return &Column{Kind: k, Nulls: nulls} }

// IsNull reports whether row i is NULL.
func (c *Column) IsNull(i int) bool { return c.Nulls != nil && c.Nulls[i] }

// Value returns row i as a Value.
func (c *Column) Value(i int) Value {
	if c.IsNull(i) {
		return NullOf(c.Kind)
	}
	switch c.Kind {
	case Float, Double:
		return Value{Kind: c.Kind, F: c.F[i]}
	case String:
		return Value{Kind: c.Kind, S: c.S[i]}
	}
	return Value{Kind: c.Kind, I: c.I[i]}
}

// Append adds v (of c's kind, or NULL) at the end of c.
func (c *Column) Append(v Value) {
	n := c.Len()
	if v.Null {
		if c.Nulls == nil {
			c.Nulls = make([]bool, n, cap(c.I)+cap(c.F)+cap(c.S)+1)
		}
		c.Nulls = append(c.Nulls, true)
	} else if c.Nulls != nil {
		c.Nulls = append(c.Nulls, false)
	}
	c.AppendData(v)
}

// AppendData appends v's number or string to c and not its NULL flag, for
// callers that keep the flags themselves (Append keeps both).
func (c *Column) AppendData(v Value) {
	switch c.Kind {
	case Float, Double:
		c.F = append(c.F, v.F)
	case String:
		c.S = append(c.S, v.S)
	default:
		c.I = append(c.I, v.I)
	}
}

// Field is a named, typed column of a schema.
type Field struct {
	Name    string
	Kind    Kind
	NotNull bool
}

// Schema is an ordered list of fields.
type Schema []Field

// Index returns the position of the field named name (case-insensitive, as
// OpenMLDB's column names are), or -1.
func (s Schema) Index(name string) int {
	for i, f := range s {
		if equalFold(f.Name, name) {
			return i
		}
	}
	return -1
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Batch is a set of equally long columns with their schema: the unit the
// batch engine moves, and the shape of an online request's window.
type Batch struct {
	Schema Schema
	Cols   []*Column
}

// Len returns the number of rows of b.
func (b *Batch) Len() int {
	if len(b.Cols) == 0 {
		return 0
	}
	return b.Cols[0].Len()
}
