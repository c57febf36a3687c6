package storage

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sundialdb/sundial/types"
)

var allKinds = []types.Kind{types.Bool, types.Int16, types.Int32, types.Int64, types.Float, types.Double, types.String, types.Timestamp, types.Date}

func randomValue(r *rand.Rand, k types.Kind) types.Value {
	if r.IntN(5) == 0 {
		return types.NullOf(k)
	}
	switch k {
	case types.Bool:
		return types.BoolValue(r.IntN(2) == 0)
	case types.Int16:
		return types.Int16Value(int16(r.Uint32()))
	case types.Int32:
		return types.Int32Value(int32(r.Uint32()))
	case types.Int64:
		return types.Int64Value(int64(r.Uint64()))
	case types.Float:
		return types.FloatValue(math.Float32frombits(r.Uint32()))
	case types.Double:
		return types.DoubleValue(math.Float64frombits(r.Uint64()))
	case types.String:
		n := []int{0, 1, 10, 300, 70000}[r.IntN(5)]
		if r.IntN(4) > 0 {
			n = r.IntN(20)
		}
		return types.StringValue(strings.Repeat(string(rune('a'+r.IntN(26))), n))
	case types.Timestamp:
		return types.TimestampValue(int64(r.Uint64()))
	case types.Date:
		return types.DateValue(int64(int32(r.Uint32())))
	}
	panic(k)
}

func TestCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for round := 0; round < 500; round++ {
		n := 1 + r.IntN(20)
		schema := make(types.Schema, n)
		for i := range schema {
			schema[i] = types.Field{Name: "c" + string(rune('a'+i)), Kind: allKinds[r.IntN(len(allKinds))]}
		}
		row := make([]types.Value, n)
		for i := range row {
			row[i] = randomValue(r, schema[i].Kind)
		}
		prefix := []byte("xyz")
		buf, err := Encode(schema, row, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf[:3]) != "xyz" {
			t.Fatalf("Encode must append to buf")
		}
		enc := buf[3:]
		d, err := NewDecoder(schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Check(enc); err != nil {
			t.Fatalf("Check of a fresh row: %v", err)
		}
		for i := range row {
			got := d.Value(enc, i)
			if !types.Identical(got, row[i]) || got.Kind != schema[i].Kind {
				t.Fatalf("round %d column %d (%v): got %v, want %v", round, i, schema[i].Kind, got, row[i])
			}
			if v, ok := d.Int(enc, i); ok != (!row[i].Null && isIntLike(schema[i].Kind)) || ok && v != row[i].I {
				t.Fatalf("Int column %d: %d %v", i, v, ok)
			}
		}
		// Every strict prefix is rejected by Check and decodes without panicking.
		for cut := 0; cut < len(enc); cut += 1 + len(enc)/50 {
			if err := d.Check(enc[:cut]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Check of a %d-byte prefix of %d: %v", cut, len(enc), err)
			}
			for i := range row {
				d.Value(enc[:cut], i)
			}
		}
		// Partial decoding fills the wanted columns only.
		w := r.IntN(n)
		pd, _ := NewDecoder(schema, []int{w})
		vals := pd.Decode(enc, nil)
		for i := range vals {
			if i != w && !vals[i].Null || i == w && !types.Identical(vals[i], row[i]) {
				t.Fatalf("partial decode column %d: %v", i, vals[i])
			}
		}
	}
}

func TestCodecSize(t *testing.T) {
	schema := types.Schema{{Name: "a", Kind: types.String}, {Name: "b", Kind: types.Int64}, {Name: "c", Kind: types.Timestamp}, {Name: "d", Kind: types.Double}, {Name: "e", Kind: types.String}}
	buf, err := Encode(schema, []types.Value{types.StringValue("user-1"), types.Int64Value(1), types.TimestampValue(2), types.DoubleValue(3), types.StringValue("xx")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 1 header + 1 bitmap + 24 fixed + 2 offsets + 8 string bytes.
	if len(buf) != 36 {
		t.Fatalf("encoded size %d, want 36", len(buf))
	}
}

func TestCodecErrors(t *testing.T) {
	schema := types.Schema{{Name: "id", Kind: types.Int32, NotNull: true}, {Name: "name", Kind: types.String}, {Name: "s", Kind: types.Int16}}
	for _, c := range []struct {
		row  []types.Value
		want string
	}{
		{[]types.Value{types.Int32Value(1), types.Int64Value(3), types.NullOf(types.Int16)}, "column name is string, got a bigint value"},
		{[]types.Value{types.NullOf(types.Int32), types.StringValue("x"), types.NullOf(types.Int16)}, "column id is NOT NULL"},
		{[]types.Value{types.Int32Value(1), types.StringValue("x"), types.Int64Value(40000)}, "column s is smallint, value 40000 out of range"},
		{[]types.Value{types.Int32Value(1)}, "1 values for 3 columns"},
		{[]types.Value{types.DoubleValue(1), types.StringValue("x"), types.NullOf(types.Int16)}, "column id is int, got a double value"},
	} {
		_, err := Encode(schema, c.row, nil)
		if !errors.Is(err, ErrRow) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Encode(%v) = %v, want an ErrRow naming %q", c.row, err, c.want)
		}
	}
	// Integer kinds are accepted for one another when they fit.
	if _, err := Encode(schema, []types.Value{types.Int64Value(7), types.NullOf(types.Null), types.Int32Value(-5)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDecoder(schema, []int{3}); !errors.Is(err, ErrSchema) {
		t.Fatalf("NewDecoder with a bad wanted column: %v", err)
	}
	if _, err := NewDecoder(types.Schema{{Name: "x", Kind: types.Null}}, nil); !errors.Is(err, ErrSchema) {
		t.Fatalf("NewDecoder of an unstorable kind: %v", err)
	}
}

func TestKeyEncodingCollisionFree(t *testing.T) {
	// Distinct key tuples must encode differently, and equal ones equally.
	schema := types.Schema{{Name: "s", Kind: types.String}, {Name: "i", Kind: types.Int64}, {Name: "t", Kind: types.String}}
	cols := []int{0, 1, 2}
	vals := []types.Value{types.NullOf(types.String), types.StringValue(""), types.StringValue("\x00"), types.StringValue("\x01\x01"),
		types.StringValue("a"), types.StringValue("a\x03"), types.StringValue("1")}
	ints := []types.Value{types.NullOf(types.Int64), types.Int64Value(0), types.Int64Value(1), types.Int64Value(-1), types.Int64Value(math.MinInt64), types.Int64Value(math.MaxInt64), types.Int64Value(3)}
	seen := map[string]string{}
	for _, a := range vals {
		for _, b := range ints {
			for _, c := range vals {
				k, err := appendKey(nil, schema, cols, []types.Value{a, b, c})
				if err != nil {
					t.Fatal(err)
				}
				desc := a.String() + "|" + b.String() + "|" + c.String() + "|" + boolStr(a.Null) + boolStr(b.Null) + boolStr(c.Null)
				if prev, ok := seen[string(k)]; ok && prev != desc {
					t.Fatalf("keys %q and %q collide", prev, desc)
				}
				seen[string(k)] = desc
			}
		}
	}
	// NULL of any kind is the same key; int kinds are the same by value.
	k1, _ := appendKey(nil, schema, []int{1}, []types.Value{types.NullOf(types.Null)})
	k2, _ := appendKey(nil, schema, []int{1}, []types.Value{types.NullOf(types.Int64)})
	k3, _ := appendKey(nil, schema, []int{1}, []types.Value{types.Int32Value(5)})
	k4, _ := appendKey(nil, schema, []int{1}, []types.Value{types.Int64Value(5)})
	if string(k1) != string(k2) || string(k3) != string(k4) {
		t.Fatalf("NULLs or integer kinds encode differently")
	}
	if _, err := appendKey(nil, schema, []int{1}, []types.Value{types.StringValue("5")}); !errors.Is(err, ErrKey) {
		t.Fatalf("a string for an int key: %v", err)
	}
}

func boolStr(b bool) string {
	if b {
		return "N"
	}
	return "v"
}

// FuzzDecode feeds arbitrary bytes to a decoder: it must never panic, and a
// row that passes Check decodes and re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	schema := types.Schema{{Name: "a", Kind: types.String}, {Name: "b", Kind: types.Int64}, {Name: "c", Kind: types.Bool},
		{Name: "d", Kind: types.String}, {Name: "e", Kind: types.Float}, {Name: "f", Kind: types.Date}, {Name: "g", Kind: types.Int16},
		{Name: "h", Kind: types.Double}, {Name: "i", Kind: types.Timestamp, NotNull: true}, {Name: "j", Kind: types.Int32}}
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 20; i++ {
		row := make([]types.Value, len(schema))
		for c := range row {
			row[c] = randomValue(r, schema[c].Kind)
		}
		row[8] = types.TimestampValue(int64(i))
		enc, err := Encode(schema, row, nil)
		if err != nil {
			f.Fatal(err)
		}
		if len(enc) < 2000 {
			f.Add(enc, uint8(i))
		}
	}
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{3, 0xff, 0xff}, uint8(1))
	f.Fuzz(func(t *testing.T, row []byte, ncols uint8) {
		// Try the fixed schema and a prefix of it (another layout over the same bytes).
		for _, s := range []types.Schema{schema, schema[:1+int(ncols)%len(schema)]} {
			d, err := NewDecoder(s, nil)
			if err != nil {
				t.Fatal(err)
			}
			vals := d.Decode(row, nil)
			for c := -1; c <= len(s); c++ {
				d.Value(row, c)
				d.Int(row, c)
				d.StringBytes(row, c)
				d.IsNull(row, c)
			}
			if d.Check(row) != nil {
				continue
			}
			again, err := Encode(s, vals, nil)
			if err != nil {
				t.Fatalf("a checked row does not re-encode: %v", err)
			}
			d2 := d.Decode(again, nil)
			for c := range vals {
				if !types.Identical(vals[c], d2[c]) {
					t.Fatalf("column %d: %v then %v", c, vals[c], d2[c])
				}
			}
		}
	})
}
