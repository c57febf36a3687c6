package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/jsonwire"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
	"github.com/sundialdb/sundial/types"
)

func TestParseValue(t *testing.T) {
	day := func(s string) int64 {
		tm, _ := time.Parse("2006-01-02", s)
		return tm.Unix() / 86400
	}
	for _, c := range []struct {
		kind types.Kind
		json string
		want types.Value
		err  string
	}{
		{types.Bool, `true`, types.BoolValue(true), ""},
		{types.Bool, `false`, types.BoolValue(false), ""},
		{types.Bool, `1`, types.Value{}, "expected true or false, got 1"},
		{types.Int16, `32767`, types.Int16Value(32767), ""},
		{types.Int16, `-32768`, types.Int16Value(-32768), ""},
		{types.Int16, `32768`, types.Value{}, "32768 is out of range for smallint"},
		{types.Int32, `-2147483649`, types.Value{}, "out of range for int"},
		{types.Int64, `9223372036854775807`, types.Int64Value(math.MaxInt64), ""},
		{types.Int64, `-9223372036854775808`, types.Int64Value(math.MinInt64), ""},
		{types.Int64, `9223372036854775808`, types.Value{}, "out of range for bigint"},
		{types.Int64, `-9223372036854775809`, types.Value{}, "out of range for bigint"},
		{types.Int64, `123456789012345678901234567890`, types.Value{}, "out of range for bigint"},
		{types.Int64, `-0`, types.Int64Value(0), ""},
		{types.Int64, `1e3`, types.Value{}, "expected an integer, got 1e3"},
		{types.Int64, `1.0`, types.Value{}, "expected an integer, got 1.0"},
		{types.Int64, `"1"`, types.Value{}, `expected an integer, got "1"`},
		{types.Timestamp, `-5`, types.TimestampValue(-5), ""},
		{types.Timestamp, `"2021-01-01 00:00:00"`, types.Value{}, "expected an integer timestamp"},
		{types.Float, `1.5`, types.FloatValue(1.5), ""},
		{types.Float, `3`, types.FloatValue(3), ""},
		{types.Float, `0.1`, types.FloatValue(0.1), ""},
		{types.Float, `3.5e38`, types.Value{}, "3.5e38 is out of range for float"},
		{types.Double, `1e308`, types.DoubleValue(1e308), ""},
		{types.Double, `-2.5E-3`, types.DoubleValue(-2.5e-3), ""},
		{types.Double, `1e309`, types.Value{}, "out of range for double"},
		{types.Double, `"1.5"`, types.Value{}, `expected a number, got "1.5"`},
		{types.Double, `[1]`, types.Value{}, `expected a number, got [1]`},
		{types.String, `"abc"`, types.StringValue("abc"), ""},
		{types.String, `"a\"b\\c\n\u00e9\ud83d\ude00"`, types.StringValue("a\"b\\c\né😀"), ""},
		{types.String, `"é"`, types.StringValue("é"), ""},
		{types.String, "\"a\xffb\"", types.StringValue("a\ufffdb"), ""},
		{types.String, `5`, types.Value{}, "expected a string, got 5"},
		{types.Date, `"2021-05-20"`, types.DateValue(day("2021-05-20")), ""},
		{types.Date, `"1969-12-31"`, types.DateValue(-1), ""},
		{types.Date, `"2020-02-29"`, types.DateValue(day("2020-02-29")), ""},
		{types.Date, `"2021-02-29"`, types.Value{}, `expected a date "YYYY-MM-DD", got "2021-02-29"`},
		{types.Date, `"2021-5-20"`, types.Value{}, "expected a date"},
		{types.Date, `"2021-13-01"`, types.Value{}, "expected a date"},
		{types.Date, `20210520`, types.Value{}, "expected a date"},
	} {
		got, err := parseValue(c.kind, []byte(c.json))
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v %s: got %v, %v; want error %q", c.kind, c.json, got, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%v %s: %v", c.kind, c.json, err)
		case c.err == "" && !types.Identical(got, c.want):
			t.Errorf("%v %s: got %#v, want %#v", c.kind, c.json, got, c.want)
		}
	}
}

var testSchema = types.Schema{
	{Name: "k", Kind: types.String, NotNull: true},
	{Name: "ts", Kind: types.Timestamp},
	{Name: "b", Kind: types.Bool},
	{Name: "s16", Kind: types.Int16},
	{Name: "i32", Kind: types.Int32},
	{Name: "i64", Kind: types.Int64},
	{Name: "f", Kind: types.Float},
	{Name: "d", Kind: types.Double},
	{Name: "day", Kind: types.Date},
}

func TestDecodeRequest(t *testing.T) {
	for _, c := range []struct {
		body, want string
	}{
		{`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, "2021-05-20"]]}`, `[[a 1 true 1 2 3 1.5 2.5 2021-05-20]] false`},
		{` { "input" : [ [ "a" , null , null , null , null , null , null , null , null ] ] , "need_schema" : true } `, `[[a NULL NULL NULL NULL NULL NULL NULL NULL]] false`},
		{`{"input": [{"K": "a", "ts": 1, "b": false, "s16": 1, "i32": 2, "i64": 3, "f": 1, "d": 2, "day": "1970-01-02", "other": {"x": [1]}}]}`, `[[a 1 false 1 2 3 1 2 1970-01-02]] true`},
		{`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, "2021-05-20"], ["b\u0000", 2, false, 1, 2, 3, 1.5, 2.5, null]]}`, "[[a 1 true 1 2 3 1.5 2.5 2021-05-20] [b\x00 2 false 1 2 3 1.5 2.5 NULL]] false"},
		{`{"input": 5}`, `input: expected an array of rows, got 5`},
		{`{"input": null}`, `input: missing, expected an array of rows`},
		{`{"input": [null]}`, `input[0]: expected a row (an array of 9 values or an object), got null`},
		{`{"input": [[null, 1, true, 1, 2, 3, 1.5, 2.5, "2021-05-20"]]}`, `input[0][0] (column k): expected a value (the column is NOT NULL), got null`},
		{`{"input": [{"k": "a"}]}`, `input[0]: missing column ts`},
		{`{"input": [{"k": null}]}`, `input[0].k (column k): expected a value (the column is NOT NULL), got null`},
		{`{"input": [[1,2,3]]}`, `input[0]: expected 9 values (the columns of t), got 3`},
		{`{"input": [["` + strings.Repeat("é", 50) + `", "x"]]}`, `input[0]: expected 9 values (the columns of t), got 2`},
		{`{"input": [["a", "` + strings.Repeat("é", 50) + `", true, 1, 2, 3, 1.5, 2.5, null]]}`, `input[0][1] (column ts): expected an integer timestamp (milliseconds since the epoch), got "ééééééééééééééééééé...`},
		{`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, null]], "need_schema": 1}`, `need_schema: expected true or false, got number`},
		{`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, null]]} x`, `body: invalid JSON at byte 54: invalid character 'x' after top-level value`},
		{`"input"`, `body: expected a JSON object, got string`},
		{` `, `body: empty, expected a JSON object`},
	} {
		_, rows, objects, err := decodeRequest([]byte(c.body), testSchema, "t")
		got := fmt.Sprint(rows, " ", objects)
		if err != nil {
			got = err.Error()
			if statusOf(err) != http.StatusBadRequest {
				t.Errorf("%s: status %d", c.body, statusOf(err))
			}
		}
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

func TestJSONScan(t *testing.T) {
	arr := []byte(` [ 1, "a,]\"b", [2, [3]], {"x": "}"}, true, null ] `)
	var got []string
	forEachElem(arr, func(i int, v []byte) error { got = append(got, string(v)); return nil })
	if want := `1|"a,]\"b"|[2, [3]]|{"x": "}"}|true|null`; strings.Join(got, "|") != want {
		t.Errorf("elements: %s", strings.Join(got, "|"))
	}
	got = got[:0]
	forEachMember([]byte(`{"a" : 1 , "b\"" : {"c": [1, "}"]}, "d":"e"}`), func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	})
	if want := `"a"=1|"b\""={"c": [1, "}"]}|"d"="e"`; strings.Join(got, "|") != want {
		t.Errorf("members: %s", strings.Join(got, "|"))
	}
	// Invalid JSON must not hang or panic.
	for _, bad := range []string{`[}`, `[,`, `{]`, `{"a"`, `[`, `{`, `["`, `[1,`} {
		forEachElem([]byte(bad), func(int, []byte) error { return nil })
		forEachMember([]byte(bad), func(_, _ []byte) error { return nil })
	}
}

func TestAppendValue(t *testing.T) {
	for _, c := range []struct {
		v    types.Value
		want string
	}{
		{types.NullOf(types.Int32), `null`},
		{types.BoolValue(true), `true`},
		{types.Int64Value(-42), `-42`},
		{types.TimestampValue(1635247427000), `1635247427000`},
		{types.FloatValue(0.1), `0.1`},
		{types.FloatValue(1e30), `1e+30`},
		{types.DoubleValue(22), `22`},
		{types.DoubleValue(1e21), `1e+21`},
		{types.DoubleValue(1e20), `100000000000000000000`},
		{types.DoubleValue(1e-7), `1e-7`}, // as encoding/json writes it
		{types.DoubleValue(math.NaN()), `null`},
		{types.DoubleValue(math.Inf(-1)), `null`},
		{types.StringValue("a\"\\\n\t\x01\u2028é\xff"), `"a\"\\\n\t\u0001\u2028é\ufffd"`},
		{types.DateValue(18767), `"2021-05-20"`},
		{types.DateValue(-1), `"1969-12-31"`},
	} {
		got := string(appendValue(nil, c.v))
		if got != c.want {
			t.Errorf("%#v: got %s, want %s", c.v, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%#v: %s is not valid JSON", c.v, got)
		}
	}
	// Strings read back as written, each invalid UTF-8 byte as U+FFFD.
	for _, s := range []string{"", "plain", "\x00\x1f\x7f", "<&>", "\u2029", "\xc3", "a\xed\xa0\x80b", "😀"} {
		var back string
		if err := json.Unmarshal(jsonwire.AppendString(nil, s, false), &back); err != nil || back != strings.Map(func(r rune) rune { return r }, s) {
			t.Errorf("%q: read back %q, %v", s, back, err)
		}
	}
}

func TestStatusTable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 200},
		{badRequest("input: x"), 400},
		{&sql.Error{Msg: "x"}, 400},
		{planner.Errorf(planner.ErrType, "x"), 400},
		{fmt.Errorf("request row 1: %w", fmt.Errorf("%w: column x", online.ErrRequest)), 400},
		{planner.Errorf(session.ErrSetting, "x"), 400},
		{fmt.Errorf("table t: %w", storage.ErrRow), 400},
		{planner.Errorf(planner.ErrUnknown, "x"), 404},
		{planner.Errorf(planner.ErrExists, "x"), 409},
		{planner.Errorf(planner.ErrUnsupported, "x"), 422},
		{planner.Errorf(session.ErrMode, "x"), 422},
		{&fieldError{msg: "body: too large", kind: ErrTooLarge}, 413},
		{&http.MaxBytesError{Limit: 1}, 413},
		{errors.New("disk on fire"), 500},
	} {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("%v: status %d, want %d", c.err, got, c.want)
		}
	}
}

// FuzzDecodeRequest: the request decoder never panics; an error is a 400
// naming a field; a success gives rows of the schema's shape and kinds,
// which encode and decode back to the same values.
//
//	go test ./server -run '^$' -fuzz FuzzDecodeRequest -fuzztime 60s
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, "2021-05-20"]]}`,
		`{"input": [{"k": "a", "ts": 1, "b": false, "s16": 1, "i32": 2, "i64": 3, "f": 1, "d": 2, "day": "1970-01-02"}], "need_schema": true}`,
		`{"input": [["a\u00e9\"", -1, false, -32768, 2147483647, -9223372036854775808, 3.4e38, -1e-300, "0001-01-01"], ["b", null, null, null, null, null, null, null, null]]}`,
		`{"input": [["a", 1e3, true, 1, 2, 3, 1.5, 2.5, "2021-02-30"]]}`,
		`{"input": [[]]}`, `{"input": [{}]}`, `{"input": {}}`, `[]`, `{"input": [["a"`, `{"input": [["\xff", 1]]}`,
		`{"INPUT": [["a", 1, true, 1, 2, 3, 1.5, 2.5, null]], "x": {"y": [1e5, -0.5, "\u00e9"]}, "need_schema": false}`,
		`{"input": [["a", 1, true, 1, 2, 3, 1.5, 2.5, null]], "Input": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkScanAgrees(t, body)
		_, rows, objects, err := decodeRequest(body, testSchema, "t")
		if err != nil {
			var fe *fieldError
			if !errors.As(err, &fe) || statusOf(err) != http.StatusBadRequest {
				t.Fatalf("error %T %v (status %d) is not a bad request", err, err, statusOf(err))
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "input") && !strings.HasPrefix(msg, "body: ") && !strings.HasPrefix(msg, "need_schema: ") {
				t.Fatalf("error %q names no field", msg)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatalf("no rows and no error")
		}
		// Encode the rows as arrays and decode them again.
		b := []byte(`{"input":[`)
		for ri, row := range rows {
			if len(row) != len(testSchema) {
				t.Fatalf("row %d has %d values", ri, len(row))
			}
			if ri > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for i, v := range row {
				if v.Kind != testSchema[i].Kind {
					t.Fatalf("row %d column %d: kind %v, want %v", ri, i, v.Kind, testSchema[i].Kind)
				}
				if v.Null && testSchema[i].NotNull {
					t.Fatalf("row %d column %d: NULL in a NOT NULL column", ri, i)
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = appendValue(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, "]}"...)
		_, back, backObjects, err := decodeRequest(b, testSchema, "t")
		if err != nil || backObjects || len(back) != len(rows) {
			t.Fatalf("re-decoding %s (objects %v): %v", b, objects, err)
		}
		for ri := range rows {
			for i := range rows[ri] {
				if !types.Identical(rows[ri][i], back[ri][i]) {
					t.Fatalf("row %d column %d: %#v became %#v via %s", ri, i, rows[ri][i], back[ri][i], b)
				}
			}
		}
	})
}

// checkScanAgrees: when the hand-rolled scanner takes a body, encoding/json
// takes it too, with the same members (the rows' raw text).
func checkScanAgrees(t *testing.T, body []byte) {
	t.Helper()
	if req, ok := scanRequestBody(body); ok {
		var want requestBody
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("scanned a body encoding/json refuses (%v): %q", err, body)
		}
		if !bytes.Equal(req.Input, want.Input) || req.NeedSchema != want.NeedSchema {
			t.Fatalf("scanned input %q need_schema %v, encoding/json %q %v: %q", req.Input, req.NeedSchema, want.Input, want.NeedSchema, body)
		}
	} else if json.Valid(body) && bytes.HasPrefix(trimWS(body), []byte("{")) {
		// Left to encoding/json: only for duplicate, escaped, non-ASCII keys,
		// a need_schema that is not a bool, or deep nesting.
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil && len(m) == countMembers(body) {
			plain := true
			folds := map[string]int{}
			for k := range m {
				folds[strings.ToLower(k)]++
			}
			if folds["input"] > 1 || folds["need_schema"] > 1 {
				plain = false
			}
			for k, v := range m {
				if strings.ContainsFunc(k, func(r rune) bool { return r >= 0x80 }) || strings.ContainsRune(string(body), '\\') {
					plain = false
				}
				if strings.EqualFold(k, "need_schema") && string(v) != "true" && string(v) != "false" {
					plain = false
				}
			}
			if plain && !bytes.Contains(body, bytes.Repeat([]byte("["), 100)) && !bytes.Contains(body, bytes.Repeat([]byte("{"), 100)) {
				t.Fatalf("the scanner refused a plain valid body: %q", body)
			}
		}
	}
	var vals [2][]byte
	if scanTopObject(body, putKeys, vals[:]) {
		var want putBody
		if err := json.Unmarshal(body, &want); err != nil || !bytes.Equal(vals[0], want.Data) || !bytes.Equal(vals[1], want.Value) {
			t.Fatalf("put body: scanned %q %q, encoding/json %q %q (%v): %q", vals[0], vals[1], want.Data, want.Value, err, body)
		}
	}
}

// countMembers counts the members of a valid JSON object.
func countMembers(obj []byte) int {
	n := 0
	forEachMember(obj, func(_, _ []byte) error { n++; return nil })
	return n
}

func TestScanTopObject(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"input": [["a", 1, 1.5e-3, -0, true, false, null, {"x": [1, {}]}, []]]}`, true},
		{` {"INPUT":[], "Need_Schema": true, "other": {"a": "\u00e9\n\"", "b": [1, 2.5E+10]}} `, true},
		{`{}`, true},
		{`{"input": []`, false},
		{`{"input": [] } x`, false},
		{`{"input": [01]}`, false},
		{`{"input": [1.]}`, false},
		{`{"input": [.5]}`, false},
		{`{"input": [1e]}`, false},
		{`{"input": [-]}`, false},
		{`{"input": [tru]}`, false},
		{`{"input": ["a\x"]}`, false},
		{`{"input": ["a\u12"]}`, false},
		{"{\"input\": [\"a\tb\"]}", false}, // a raw control character
		{`{"input": [1,]}`, false},
		{`{"input": [1 2]}`, false},
		{`{"input": {"a" 1}}`, false},
		{`{"input": {"a": 1,}}`, false},
		{`{"input": [], "input": []}`, false},         // duplicates: encoding/json decides
		{`{"\u0069nput": []}`, false},                 // escaped key
		{`{"need_schema": null, "input": []}`, false}, // null bool: encoding/json decides
		{`{"need_schema": 1}`, false},
		{`[]`, false},
		{``, false},
		{`{"input": [` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`, false},
	} {
		_, ok := scanRequestBody([]byte(c.body))
		if ok != c.ok {
			t.Errorf("%.60s: ok %v, want %v", c.body, ok, c.ok)
		}
		checkScanAgrees(t, []byte(c.body))
	}
}

// BenchmarkDecodeRequest: decoding a one-row request of every type.
func BenchmarkDecodeRequest(b *testing.B) {
	body := []byte(`{"input": [["user_12345", 1635247427000, true, 1, 2, 3, 1.5, 2.5, "2021-05-20"]]}`)
	b.ReportAllocs()
	for range b.N {
		if _, _, _, err := decodeRequest(body, testSchema, "t"); err != nil {
			b.Fatal(err)
		}
	}
}
