package jsonwire

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\n\r\t\b\f\x00\x1f", "<a&b>", "é\u2028\u2029", "bad\xffutf8", "日本"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s, true); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q, html) = %s, encoding/json %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(AppendString(nil, s, false), &back); err != nil {
			t.Errorf("AppendString(%q): %v", s, err)
		} else if want := string(bytes.ToValidUTF8([]byte(s), []byte("\ufffd"))); back != want {
			t.Errorf("AppendString(%q) reads back as %q", s, back)
		}
	}
}

func TestScanNumber(t *testing.T) {
	for _, tc := range []struct {
		s   string
		end int
		ok  bool
	}{
		{"0", 1, true}, {"-12.5e+3,", 8, true}, {"1E2]", 3, true}, {"01", 1, true},
		{"-", 1, false}, {"1.", 2, false}, {"1e", 2, false}, {".5", 0, false}, {"", 0, false},
	} {
		end, ok := ScanNumber(tc.s, 0)
		if end != tc.end || ok != tc.ok {
			t.Errorf("ScanNumber(%q) = %d, %v; want %d, %v", tc.s, end, ok, tc.end, tc.ok)
		}
		if e2, ok2 := ScanNumber([]byte(tc.s), 0); e2 != end || ok2 != ok {
			t.Errorf("ScanNumber([]byte(%q)) differs from the string's", tc.s)
		}
	}
}

func FuzzScanNumber(f *testing.F) {
	f.Add("-1.5e3")
	f.Fuzz(func(t *testing.T, s string) {
		end, ok := ScanNumber(s, 0)
		if end < 0 || end > len(s) {
			t.Fatalf("end %d out of %q", end, s)
		}
		if ok && !json.Valid([]byte(s[:end])) {
			t.Fatalf("%q accepted, encoding/json refuses it", s[:end])
		}
	})
}

// scanWhole reports whether s is one JSON value between white space, as
// ScanValue sees it.
func scanWhole(s string, depth int) bool {
	i := SkipSpace(s, 0)
	end, ok := ScanValue(s, i, depth)
	return ok && SkipSpace(s, end) == len(s)
}

func TestScanValueMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`0`, ` -1.5e3 `, `"a\"b\\c\/\b\f\n\r\t\u00e9"`, `"bad\xffutf8"`, `true`, `false`, `null`, `[]`, `{}`,
		`[1, "x", [true, null], {"a": {"b": []}}]`, `{"k": 1, "k": 2}`, " \t\n\r[ 1 ,2 ] ",
		`"ctl` + "\x01" + `"`, `"\x"`, `"\u12G4"`, `"open`, `[1,]`, `[1 2]`, `{"a" 1}`, `{"a":}`, `{a:1}`,
		`{"a":1,}`, `tru`, `nul`, `01`, `[`, `]`, `{"a":[}`, `1 2`, ``, ` `,
	} {
		if got, want := scanWhole(s, 10000), json.Valid([]byte(s)); got != want {
			t.Errorf("ScanValue(%q) ok = %v, encoding/json %v", s, got, want)
		}
		if got, want := scanWhole(s, 10000), func() bool {
			i := SkipSpace([]byte(s), 0)
			end, ok := ScanValue([]byte(s), i, 10000)
			return ok && SkipSpace([]byte(s), end) == len(s)
		}(); got != want {
			t.Errorf("ScanValue([]byte(%q)) differs from the string's", s)
		}
	}
	// The depth limit: arrays and objects nest depth levels at most.
	for _, depth := range []int{1, 3} {
		deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		if !scanWhole(deep, depth) || scanWhole("["+deep+"]", depth) {
			t.Errorf("depth %d: %s accepted %v, one level more accepted %v", depth, deep, scanWhole(deep, depth), scanWhole("["+deep+"]", depth))
		}
		obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
		if !scanWhole(obj, depth) || scanWhole(`{"b":`+obj+"}", depth) {
			t.Errorf("depth %d: objects nested %d deep refused, or one more accepted", depth, depth)
		}
	}
}

func FuzzScanValue(f *testing.F) {
	for _, s := range []string{`{"input": [["a", 1, 2.5, true, null]]}`, `[1,`, `"\u00e9"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i := SkipSpace(s, 0)
		end, ok := ScanValue(s, i, 10000)
		if end < i || end > len(s) {
			t.Fatalf("end %d out of %q", end, s)
		}
		if whole := ok && SkipSpace(s, end) == len(s); whole != json.Valid([]byte(s)) {
			t.Fatalf("%q: ScanValue says %v, encoding/json %v", s, whole, json.Valid([]byte(s)))
		}
	})
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e-300, 5e-324,
		1e20, 1e21, 1.7976931348623157e308, 123456789.125, -3.4e38} {
		want, _ := json.Marshal(f)
		if got := AppendFloat(nil, f, 64); string(got) != string(want) {
			t.Errorf("AppendFloat(%v, 64) = %s, encoding/json %s", f, got, want)
		}
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			continue
		}
		want, _ = json.Marshal(f32)
		if got := AppendFloat(nil, float64(f32), 32); string(got) != string(want) {
			t.Errorf("AppendFloat(%v, 32) = %s, encoding/json %s", f32, got, want)
		}
	}
}
