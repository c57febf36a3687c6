package client

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The hand-rolled encoder writes what encoding/json writes, byte for byte.
func TestAppendRowsBody(t *testing.T) {
	rows := [][]any{
		{"a", 1, int64(-2), int32(3), int16(4), int8(5), uint(6), uint64(7), uint32(8), uint16(9), uint8(10), true, false, nil},
		{1.5, 0.1, 1e21, 1e20, 1e-7, 1e-6, -0.0, float32(0.1), float32(1e-7), float32(3.4e38), 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64},
		{"<a&b>", "q\"\\/", "\x00\x01\b\f\n\r\t\x1f\x7f", "é😀", "\u2028\u2029", "a\xffb\xc3", json.Number("12.5e3")},
		{[]int{1, 2}, map[string]int{"x": 1}, struct{ A int }{1}},
		nil,
		{},
	}
	for _, tail := range []string{"", `,"need_schema":true`} {
		got, err := appendRowsBody(nil, "input", rows, tail)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{"input": rows}
		if tail != "" {
			m["need_schema"] = true
		}
		want, _ := json.Marshal(m)
		if !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	if got, _ := appendRowsBody(nil, "data", nil, ""); string(got) != `{"data":null}` {
		t.Errorf("nil rows: %s", got)
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1)), json.Number("1x"), func() {}} {
		_, err := appendRowsBody(nil, "input", [][]any{{bad}}, "")
		_, jerr := json.Marshal(bad)
		if err == nil || jerr == nil || err.Error() != jerr.Error() {
			t.Errorf("%v: error %v, encoding/json's %v", bad, err, jerr)
		}
	}
}

// The hand-rolled decoder reads what encoding/json reads (UseNumber), and
// leaves alone what it does not take.
func TestDecodeFeatures(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"code":0,"msg":"ok","data":{"data":[["u1",1635247427000,28,3,null,12.5,true,false,-1e-7]]}}`, true},
		{` { "data" : { "schema" : [ {"name":"k","type":"string"} , {"type":"double","name":"s","x":[1,{"y":null}]} ] , "data" : [ [ "a\u00e9\"" , 1 ] , [ ] ] } , "msg" : "ok" , "code" : 0 , "extra": {"a": [true]} } `, true},
		{`{"code":0,"msg":"ok","data":{"data":[]}}`, true},
		{`{"code":0,"msg":"ok","data":{"data":null}}`, true},
		{`{"code":0,"msg":"ok","data":{}}`, true},
		{`{"code":0,"msg":"ok"}`, true},
		{`{"code":400,"msg":"input[0]: bad"}`, true},
		{"{\"code\":0,\"data\":{\"data\":[[\"a\xffb\"]]}}", true},
		{`{"code":0,"data":{"data":[[[1]]]}}`, false},      // a value that is an array
		{`{"code":0,"data":{"data":[{"k":"a"}]}}`, false},  // object rows
		{`{"Code":0,"data":{"data":[]}}`, false},           // a key in another case
		{`{"code":0,"data":{"data":[]},"data":{}}`, false}, // a duplicate
		{`{"code":0.0}`, false},
		{`{"code":0,"data":{"data":[[1,]]}}`, false},
		{`{"code":0,"data":{"data":[[01]]}}`, false},
		{`{"code":0} x`, false},
		{`{"code":0,"msg":"\x01"}`, false},
		{`[]`, false},
		{``, false},
	} {
		checkDecodeAgrees(t, []byte(c.body), c.ok)
	}
}

// checkDecodeAgrees decodes body with the decoder and, when it takes it,
// with encoding/json, and compares. want is whether the decoder should take
// it (-1: either).
func checkDecodeAgrees[T bool | int](t *testing.T, body []byte, want T) {
	t.Helper()
	d := decoder{s: string(body)}
	code, msg, schema, rows, ok := d.features()
	if w, isBool := any(want).(bool); isBool && ok != w {
		t.Errorf("%s: ok %v, want %v", body, ok, w)
	}
	if !ok {
		return
	}
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			Schema []Column `json:"schema"`
			Data   [][]any  `json:"data"`
		} `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || dec.More() {
		t.Fatalf("%q: taken, but encoding/json says %v", body, err)
	}
	if code != out.Code || msg != out.Msg || !reflect.DeepEqual(schema, out.Data.Schema) || !reflect.DeepEqual(rows, out.Data.Data) {
		t.Fatalf("%q:\n got %d %q %#v %#v\nwant %d %q %#v %#v", body, code, msg, schema, rows, out.Code, out.Msg, out.Data.Schema, out.Data.Data)
	}
}

// FuzzDecodeFeatures: what the decoder takes, encoding/json reads the same.
//
//	go test ./client -run '^$' -fuzz FuzzDecodeFeatures -fuzztime 30s
func FuzzDecodeFeatures(f *testing.F) {
	for _, s := range []string{
		`{"code":0,"msg":"ok","data":{"data":[["u1",1635247427000,28,3,null,12.5,true,false,-1e-7]]}}`,
		`{"code":0,"msg":"ok","data":{"schema":[{"name":"k","type":"string"}],"data":[["a\u00e9\"\n",1],[]]}}`,
		`{"code":404,"msg":"unknown deployment"}`,
		`{"code":0,"data":{"data":[[[1]]]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeAgrees(t, body, -1)
	})
}
