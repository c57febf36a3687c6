package agg

import (
	"fmt"
	"math/bits"
)

// The self-checks below run only when the invariants constant is true (build
// with -tags sundial_invariants); otherwise the compiler drops the calls.

// check verifies the accumulator's representation after an operation: the
// special counts are not negative (a Sub removed nothing that was not added),
// the pending-carry budget is respected, chunks that took no direct add since
// the last normalisation are still normalised, and no chunk is near overflow.
func (s *ExactSum) check(op string) {
	if s.nan < 0 || s.posInf < 0 || s.negInf < 0 {
		s.fail(op, "special count below zero: a Sub of a NaN or infinity that was never added")
	}
	if s.pending < 0 || s.pending >= maxPending {
		s.fail(op, "pending carries out of range")
	}
	if (s.used == 0) != (s.pending == 0) {
		s.fail(op, "used and pending disagree")
	}
	if bits.OnesCount64(s.used) > int(s.pending) {
		s.fail(op, "more chunks used than operations pending")
	}
	if s.bot < 0 || s.top >= nChunks || s.bot > s.top {
		s.fail(op, "bad chunk bounds")
	}
	// Each pending operation moved a chunk by less than 2^52.
	limit := int64(1)<<chunkBits + int64(s.pending)<<52
	for j := range nChunks {
		v := s.chunk[j]
		touched := s.used&(1<<uint(j)) != 0 || (j > 0 && j <= 64 && s.used&(1<<uint(j-1)) != 0)
		switch {
		case touched:
			if v >= limit || v <= -limit {
				s.fail(op, fmt.Sprintf("chunk %d = %d beyond its carry budget", j, v))
			}
		case int32(j) < s.bot || int32(j) > s.top:
			if v != 0 {
				s.fail(op, fmt.Sprintf("chunk %d = %d outside [bot, top]", j, v))
			}
		case int32(j) < s.top:
			if v < 0 || v > chunkMask {
				s.fail(op, fmt.Sprintf("untouched chunk %d = %d is not a digit", j, v))
			}
		}
	}
}

// checkNormal verifies a freshly normalised accumulator.
func (s *ExactSum) checkNormal(op string) {
	if s.used != 0 || s.pending != 0 {
		s.fail(op, "carries still pending")
	}
	s.check(op)
	for j := s.bot; j < s.top; j++ {
		if v := s.chunk[j]; v < 0 || v > chunkMask {
			s.fail(op, fmt.Sprintf("chunk %d = %d is not a digit", j, v))
		}
	}
	if t := s.chunk[s.top]; s.top < nChunks-1 && (t < -1<<chunkBits || t > chunkMask) {
		s.fail(op, fmt.Sprintf("top chunk %d = %d out of range", s.top, t))
	}
	if s.bot < s.top && (s.chunk[s.bot] == 0 || s.chunk[s.top] == 0 || s.chunk[s.top] == -1) {
		s.fail(op, "[bot, top] not tight")
	}
}

func (s *ExactSum) fail(op, msg string) {
	panic(fmt.Sprintf("agg.ExactSum invariant (after %s): %s; state %+v", op, msg, *s))
}
