package expr

import (
	"strconv"
	"testing"
	"time"

	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

var sink types.Value

// benchBatch is W2-shaped: strings, doubles, timestamps, bigints.
func benchBatch(n int) *types.Batch {
	b := &types.Batch{Schema: types.Schema{
		{Name: "col_s1", Kind: types.String}, {Name: "col_s2", Kind: types.String},
		{Name: "col_d0", Kind: types.Double}, {Name: "col_t0", Kind: types.Timestamp},
		{Name: "col_i1", Kind: types.Int64}, {Name: "col_i2", Kind: types.Int64}, {Name: "col_i3", Kind: types.Int64},
	}}
	for _, f := range b.Schema {
		b.Cols = append(b.Cols, types.NewColumn(f.Kind, n))
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < n; i++ {
		b.Cols[0].Append(types.StringValue("user_" + strconv.Itoa(i)))
		b.Cols[1].Append(types.StringValue("category_" + strconv.Itoa(i%20)))
		b.Cols[2].Append(types.DoubleValue(float64(i) * 1.25))
		b.Cols[3].Append(types.TimestampValue(t0 + int64(i)*60000))
		b.Cols[4].Append(types.Int64Value(int64(i)))
		b.Cols[5].Append(types.Int64Value(int64(i) * 7))
		if i%10 == 0 {
			b.Cols[6].Append(types.NullOf(types.Int64))
		} else {
			b.Cols[6].Append(types.Int64Value(int64(i) * 3))
		}
	}
	return b
}

func benchExpr(b *testing.B, text string) {
	batch := benchBatch(1024)
	st, err := sql.ParseOne("select " + text + " from t")
	if err != nil {
		b.Fatal(err)
	}
	bd := &binder{env: &Env{}}
	for _, f := range batch.Schema {
		bd.cols = append(bd.cols, bcol{table: "t", name: f.Name, kind: f.Kind})
	}
	e, err := bd.bind(st.(*sql.Select).Fields[0].Expr)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := Compile(e, &Env{})
	if err != nil {
		b.Fatal(err)
	}
	n := batch.Len()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink = ev.Eval(batch, i%n)
	}
}

func BenchmarkAddBigint(b *testing.B)      { benchExpr(b, "col_i1 + col_i3") }
func BenchmarkArithChain(b *testing.B)     { benchExpr(b, "(col_i1 * 3 + col_i2) % 1000 - col_d0 / 2") }
func BenchmarkCompareAnd(b *testing.B)     { benchExpr(b, "col_i1 > 100 and col_d0 < 500.5") }
func BenchmarkConcatDouble(b *testing.B)   { benchExpr(b, "concat(col_s1, col_d0)") }
func BenchmarkUpper(b *testing.B)          { benchExpr(b, "upper(col_s2)") }
func BenchmarkSubstr(b *testing.B)         { benchExpr(b, "substr(col_s1, 3)") }
func BenchmarkYear(b *testing.B)           { benchExpr(b, "year(col_t0)") }
func BenchmarkStringOfBigint(b *testing.B) { benchExpr(b, "string(col_i2)") }
func BenchmarkLikeConst(b *testing.B)      { benchExpr(b, "col_s2 like 'cat%_1%'") }
func BenchmarkCaseWhen(b *testing.B) {
	benchExpr(b, "case when col_i1 % 3 = 0 then 'a' when col_i1 % 3 = 1 then 'b' else 'c' end")
}
func BenchmarkIfnull(b *testing.B) { benchExpr(b, "ifnull(col_i3, 0)") }

func BenchmarkSubstr3(b *testing.B)      { benchExpr(b, "substr(col_s1, 2, 3)") }
func BenchmarkTimestampStr(b *testing.B) { benchExpr(b, "string(col_t0)") }
