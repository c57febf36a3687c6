package online_test

import (
	"context"
	"fmt"
	"github.com/sundialdb/sundial/bench"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// sinkValues keeps the benchmark's answers alive.
var sinkValues []types.Value

// BenchmarkRequestW1Like: Deployment.Request over a memory table of W1's
// schema (most keys ~100 rows over 30 days, a few ~1000), requests for a
// random key within the last hour of the data. "rows" reads every frame
// from rows; "long" deploys W1's long_windows (hot keys keep buckets);
// "-hot" requests only the keys with ~1000 rows.
func BenchmarkRequestW1Like(b *testing.B) {
	const (
		day     = int64(86_400_000)
		span    = 30 * day
		t0      = int64(1_700_000_000_000)
		keys    = 400
		hotKeys = 20
	)
	rng := rand.New(rand.NewPCG(3, 4))
	var rows [][]types.Value
	for k := 0; k < keys; k++ {
		n := 80 + rng.IntN(40)
		if k < hotKeys {
			n = 900 + rng.IntN(200)
		}
		for i := 0; i < n; i++ {
			ts := t0 + int64(i)*span/int64(n) + int64(rng.IntN(120_000)) - 60_000
			rows = append(rows, []types.Value{
				types.StringValue(fmt.Sprintf("u%06d", k)),
				types.TimestampValue(ts),
				types.DoubleValue(math.Round(math.Exp(3+rng.NormFloat64())*100) / 100),
				types.StringValue(fmt.Sprintf("cat%02d", rng.IntN(20))),
				types.Int32Value(int32(rng.IntN(2))),
			})
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	reqs, hot := make([][]types.Value, 4096), make([][]types.Value, 4096)
	for i := range 2 * len(reqs) {
		k, to := rng.IntN(keys), reqs
		if i >= len(reqs) {
			k, to, i = rng.IntN(hotKeys), hot, i-len(reqs)
		}
		to[i] = []types.Value{
			types.StringValue(fmt.Sprintf("u%06d", k)),
			types.TimestampValue(t0 + span - int64(rng.IntN(3_600_000))),
			types.DoubleValue(12.5),
			types.StringValue("cat03"),
			types.Int32Value(1),
		}
	}
	const long = "OPTIONS(long_windows='w30d:1h,w1d:10m,w1h:1m', long_windows_min_rows='500') "
	for _, side := range []struct {
		name, opts string
		reqs       [][]types.Value
	}{
		{"rows", "", reqs},
		{"long", long, reqs},
		{"rows-hot", "", hot},
		{"long-hot", long, hot},
	} {
		b.Run(side.name, func(b *testing.B) {
			ctx := context.Background()
			s := session.New(session.NewInstance())
			script := "CREATE DATABASE d; USE d; CREATE TABLE events (user_id string, ts timestamp, amount double, category string, flag int, INDEX(KEY=user_id, TS=ts));" +
				"DEPLOY w1 " + side.opts + bench.W1Features
			for _, r := range sql.ParseScript(script) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
				if _, err := s.Exec(ctx, r.Stmt); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.InsertRows("d", "events", rows); err != nil {
				b.Fatal(err)
			}
			dep, ok := s.Deployment("d", "w1")
			if !ok {
				b.Fatal("no deployment")
			}
			now := t0 + span
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				out, err := dep.Request(side.reqs[i%len(side.reqs)], now)
				if err != nil {
					b.Fatal(err)
				}
				sinkValues = out
			}
			b.StopTimer()
			if side.opts != "" && dep.LongWindowServed() == 0 {
				b.Fatal("no answer came from buckets")
			}
		})
	}
}
