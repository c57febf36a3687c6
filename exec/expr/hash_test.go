package expr

import "testing"

// Fingerprint64 values of the reference implementation (FarmHash's
// farmhashna::Hash64), covering every length branch.
func TestFingerprint64(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"", 0x9ae16a3b2f90404f},
		{"a", 0xb3454265b6df75e3},
		{"abc", 0x24a5b3a074e7f369},
		{"abcd", 0x1a5502de4a1f8101},
		{"abcdefgh", 0xfee9d22990c82909},
		{"0123456789'01234", 0x4283d4ef43627f64},
		{"0123456789=012345", 0x46a7416ed4861e3b},
		{"0123456789$0123456789!0", 0xd78d5f852d522e6a},
		{"C is as portable as Stonehedge!!", 0xb944f8a16261e414},
		{"Discard medicine more than two years old.", 0xe8f89ab6df9bdd25},
		{"Free! Free!/A trip/to Mars/for 900/empty jars/Burma Shave", 0x5d14f96c18fe3d5e},
		{"For every action there is an equal and opposite government program.", 0x55182f8859eca4ce},
		{"It's well we cannot hear the screams/That we create in others' dreams.", 0x1d85702503ac7eb4},
		{"The fugacity of a constituent in a mixture of gases at a given temperature is proportional to its mole fraction.  Lewis-Randall Rule", 0x98eff6958c5e91a},
		{"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.", 0xc3f02c4ffd5d71e6},
	} {
		if got := fingerprint64([]byte(c.in)); got != c.want {
			t.Errorf("fingerprint64(%q) (len %d) = %#x, want %#x", c.in, len(c.in), got, c.want)
		}
	}
}

func TestHash64(t *testing.T) {
	runExprCases(t, []exprCase{
		// OpenMLDB's documented and tested values.
		{"hash64(cast(90 as int16))", []string{"bigint -9205917472348398353"}},
		{"hash64(cast(90 as int32))", []string{"bigint -3754664774081171349"}},
		{"hash64(cast(90 as int64))", []string{"bigint -6110541762027922508"}},
		{"hash64(cast(90 as double))", []string{"bigint 42123122574000053"}},
		{"hash64(cast(90 as float))", []string{"bigint 3717229009355585768"}},
		{"hash64(n)", []string{"NULL"}},
		{"hash64(s2) = hash64('abc')", []string{"bool true"}},
	})
}
