package online

// WithTiers returns o with both tiers for every long window: the fine one
// (the option's bucket) from fineMin rows, the coarse one (mult times the
// bucket) from coarseMin, so that the tests see keys use and leave the
// coarse tier with few rows.
func WithTiers(o Options, fineMin, coarseMin, mult int) Options {
	o.tiers = &testTiers{fineMin: fineMin, coarseMin: coarseMin, mult: mult}
	return o
}

// LongWindowMoved is the number of keys the deployment's long windows moved
// from the coarse tier to the fine one.
func (d *Deployment) LongWindowMoved() int64 {
	return d.longSum(func(lw *longWindow) int64 { return lw.moved.Load() })
}
