package expr

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/sundialdb/sundial/types"
)

func init() {
	register(buildHash64, "hash64")
}

// hash64 is OpenMLDB's hash64 (alias farm_fingerprint): FarmHash
// Fingerprint64 of the value's bytes as OpenMLDB lays them out in memory
// (little endian): 1 byte for a bool, 2/4/8 for smallint/int/bigint, the
// IEEE bits of a float/double, the milliseconds of a timestamp, OpenMLDB's
// packed date ((year-1900)<<16 | (month-1)<<8 | day, 4 bytes), the bytes of a
// string. Values of different kinds hash differently even when equal.
func buildHash64(c *compiler, k *call) (Evaluator, error) {
	kind := k.in[0]
	return &unaryEval{x: k.args[0], out: types.Int64, f: func(v types.Value) types.Value {
		var buf [8]byte
		var b []byte
		switch kind {
		case types.Bool:
			buf[0] = byte(v.I)
			b = buf[:1]
		case types.Int16:
			binary.LittleEndian.PutUint16(buf[:], uint16(v.I))
			b = buf[:2]
		case types.Int32:
			binary.LittleEndian.PutUint32(buf[:], uint32(v.I))
			b = buf[:4]
		case types.Float:
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(float32(v.F)))
			b = buf[:4]
		case types.Double:
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v.F))
			b = buf[:8]
		case types.Date:
			y, m, d := civilFromDays(v.I)
			binary.LittleEndian.PutUint32(buf[:], uint32((y-1900)<<16|(m-1)<<8|d))
			b = buf[:4]
		case types.String:
			return types.Value{Kind: types.Int64, I: int64(fingerprint64([]byte(v.S)))}
		default: // bigint, timestamp
			binary.LittleEndian.PutUint64(buf[:], uint64(v.I))
			b = buf[:8]
		}
		return types.Value{Kind: types.Int64, I: int64(fingerprint64(b))}
	}}, nil
}

// FarmHash Fingerprint64 (farmhashna::Hash64), a stable 64-bit hash.

const (
	fk0 uint64 = 0xc3a5c85c97cb3127
	fk1 uint64 = 0xb492b66fbe98f273
	fk2 uint64 = 0x9ae16a3b2f90404f
)

func fetch64(s []byte, i int) uint64 { return binary.LittleEndian.Uint64(s[i:]) }
func fetch32(s []byte, i int) uint64 { return uint64(binary.LittleEndian.Uint32(s[i:])) }
func rot64(v uint64, s int) uint64   { return bits.RotateLeft64(v, -s) }
func shiftMix(v uint64) uint64       { return v ^ (v >> 47) }

func hashLen16(u, v, mul uint64) uint64 {
	a := (u ^ v) * mul
	a ^= a >> 47
	b := (v ^ a) * mul
	b ^= b >> 47
	return b * mul
}

func hashLen0to16(s []byte) uint64 {
	n := uint64(len(s))
	switch {
	case n >= 8:
		mul := fk2 + n*2
		a := fetch64(s, 0) + fk2
		b := fetch64(s, len(s)-8)
		c := rot64(b, 37)*mul + a
		d := (rot64(a, 25) + b) * mul
		return hashLen16(c, d, mul)
	case n >= 4:
		mul := fk2 + n*2
		a := fetch32(s, 0)
		return hashLen16(n+(a<<3), fetch32(s, len(s)-4), mul)
	case n > 0:
		a, b, c := s[0], s[n>>1], s[n-1]
		y := uint32(a) + uint32(b)<<8
		z := uint32(n) + uint32(c)<<2
		return shiftMix(uint64(y)*fk2^uint64(z)*fk0) * fk2
	}
	return fk2
}

func hashLen17to32(s []byte) uint64 {
	n := uint64(len(s))
	mul := fk2 + n*2
	a := fetch64(s, 0) * fk1
	b := fetch64(s, 8)
	c := fetch64(s, len(s)-8) * mul
	d := fetch64(s, len(s)-16) * fk2
	return hashLen16(rot64(a+b, 43)+rot64(c, 30)+d, a+rot64(b+fk2, 18)+c, mul)
}

func hashLen33to64(s []byte) uint64 {
	n := uint64(len(s))
	mul := fk2 + n*2
	a := fetch64(s, 0) * fk2
	b := fetch64(s, 8)
	c := fetch64(s, len(s)-8) * mul
	d := fetch64(s, len(s)-16) * fk2
	y := rot64(a+b, 43) + rot64(c, 30) + d
	z := hashLen16(y, a+rot64(b+fk2, 18)+c, mul)
	e := fetch64(s, 16) * mul
	f := fetch64(s, 24)
	g := (y + fetch64(s, len(s)-32)) * mul
	h := (z + fetch64(s, len(s)-24)) * mul
	return hashLen16(rot64(e+f, 43)+rot64(g, 30)+h, e+rot64(f+a, 18)+g, mul)
}

func weakHashLen32WithSeeds(s []byte, i int, a, b uint64) (uint64, uint64) {
	w, x, y, z := fetch64(s, i), fetch64(s, i+8), fetch64(s, i+16), fetch64(s, i+24)
	a += w
	b = rot64(b+a+z, 21)
	c := a
	a += x
	a += y
	b += rot64(a, 44)
	return a + z, b + c
}

func fingerprint64(s []byte) uint64 {
	n := len(s)
	switch {
	case n <= 16:
		return hashLen0to16(s)
	case n <= 32:
		return hashLen17to32(s)
	case n <= 64:
		return hashLen33to64(s)
	}
	seed := uint64(81)
	x := seed
	y := seed*fk1 + 113
	z := shiftMix(y*fk2+113) * fk2
	var v1, v2, w1, w2 uint64
	x = x*fk2 + fetch64(s, 0)
	end := ((n - 1) / 64) * 64
	last64 := end + ((n - 1) & 63) - 63
	for i := 0; i != end; i += 64 {
		x = rot64(x+y+v1+fetch64(s, i+8), 37) * fk1
		y = rot64(y+v2+fetch64(s, i+48), 42) * fk1
		x ^= w2
		y += v1 + fetch64(s, i+40)
		z = rot64(z+w1, 33) * fk1
		v1, v2 = weakHashLen32WithSeeds(s, i, v2*fk1, x+w1)
		w1, w2 = weakHashLen32WithSeeds(s, i+32, z+w2, y+fetch64(s, i+16))
		z, x = x, z
	}
	mul := fk1 + ((z & 0xff) << 1)
	i := last64
	w1 += uint64((n - 1) & 63)
	v1 += w1
	w1 += v1
	x = rot64(x+y+v1+fetch64(s, i+8), 37) * mul
	y = rot64(y+v2+fetch64(s, i+48), 42) * mul
	x ^= w2 * 9
	y += v1*9 + fetch64(s, i+40)
	z = rot64(z+w1, 33) * mul
	v1, v2 = weakHashLen32WithSeeds(s, i, v2*mul, x+w1)
	w1, w2 = weakHashLen32WithSeeds(s, i+32, z+w2, y+fetch64(s, i+16))
	z, x = x, z
	return hashLen16(hashLen16(v1, w1, mul)+shiftMix(y)*fk0+z, hashLen16(v2, w2, mul)+x, mul)
}
