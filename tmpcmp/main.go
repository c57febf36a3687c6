package main

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/sundialdb/sundial/exec/files"
	"github.com/sundialdb/sundial/types"
)

func read(p string) *types.Batch {
	s, err := files.InferSchema(p, files.ReadOptions{})
	if err != nil {
		panic(err)
	}
	r, err := files.Open(p, s, files.ReadOptions{})
	if err != nil {
		panic(err)
	}
	out := &types.Batch{Schema: s}
	for _, f := range s {
		out.Cols = append(out.Cols, types.NewColumn(f.Kind, 0))
	}
	for {
		b, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			panic(err)
		}
		for i, c := range b.Cols {
			for j := 0; j < c.Len(); j++ {
				out.Cols[i].Append(c.Value(j))
			}
		}
	}
}

func main() {
	a, b := read(os.Args[1]), read(os.Args[2])
	if a.Len() != b.Len() {
		fmt.Println("row counts differ", a.Len(), b.Len())
		os.Exit(1)
	}
	diff := 0
	for i := range a.Cols {
		for r := 0; r < a.Len(); r++ {
			x, y := a.Cols[i].Value(r), b.Cols[i].Value(r)
			if !types.Identical(x, y) && !(x.Kind == types.Double && math.IsNaN(x.F) && math.IsNaN(y.F)) {
				if diff < 5 {
					fmt.Println("diff row", r, "col", a.Schema[i].Name, x, y)
				}
				diff++
			}
		}
	}
	fmt.Printf("%d rows x %d columns compared, %d differences\n", a.Len(), len(a.Cols), diff)
}
