package jsonwire

import (
	"bytes"
	"encoding/json"
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
