package planner

import (
	"testing"

	"github.com/sundialdb/sundial/types"
)

func TestBaseColumn(t *testing.T) {
	left := &Scan{Table: &Table{Name: "l", Schema: types.Schema{{Name: "a", Kind: types.Int64}, {Name: "b", Kind: types.String}}}}
	right := &Scan{Table: &Table{Name: "r", Schema: types.Schema{{Name: "x", Kind: types.Int64}}}}
	proj := &Project{Input: left, Exprs: []Expr{&ColRef{Index: 1, T: types.String}, &Const{V: types.Int64Value(1)}, &ColRef{Index: 0, T: types.Int64}}, Names: []string{"b", "one", "a"}}
	filt := &Filter{Input: proj, Cond: &Const{V: types.BoolValue(true)}}
	join := &LastJoin{Left: filt, Right: right}
	win := &Window{Input: join, Aggs: []*WindowAgg{{Name: "s", T: types.Int64}}}
	agg := &Aggregate{Input: left}
	for _, tc := range []struct {
		n    Node
		i    int
		want int
		ok   bool
	}{
		{left, 1, 1, true},
		{left, 2, 0, false},
		{proj, 0, 1, true},
		{proj, 1, 0, false}, // computed
		{proj, 2, 0, true},
		{filt, 2, 0, true},
		{join, 0, 1, true},
		{join, 3, 0, false}, // the right side's column
		{win, 0, 1, true},
		{win, 3, 0, false}, // the right side's column
		{win, 4, 0, false}, // the aggregate
		{agg, 0, 0, false}, // not a spine
	} {
		got, ok := BaseColumn(tc.n, tc.i)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("BaseColumn(%T, %d) = %d, %v; want %d, %v", tc.n, tc.i, got, ok, tc.want, tc.ok)
		}
	}
	if s, ok := Base(join); !ok || s != left {
		t.Errorf("Base(join) = %v, %v", s, ok)
	}
	if s, ok := Base(win); !ok || s != left {
		t.Errorf("Base(window) = %v, %v", s, ok)
	}
	if _, ok := Base(agg); ok {
		t.Error("Base(aggregate) succeeded")
	}
}
