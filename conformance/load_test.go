package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const corpusPath = "../testdata/conformance/cases.jsonl"

var (
	corpusOnce  sync.Once
	corpusCases []*Case
	corpusLines int
	corpusErr   error
)

// corpus loads the checked-in corpus once per test binary, rejecting
// unknown fields (so the Go types provably cover every field of the file).
func corpus(t testing.TB) []*Case {
	t.Helper()
	corpusOnce.Do(func() {
		data, err := os.ReadFile(corpusPath)
		if err != nil {
			corpusErr = err
			return
		}
		corpusLines = bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			corpusLines++
		}
		corpusCases, corpusErr = decodeCases(bytes.NewReader(data), corpusPath, true)
	})
	if corpusErr != nil {
		t.Fatalf("load corpus: %v", corpusErr)
	}
	return corpusCases
}

// testEnv is the fixed environment the corpus tests substitute with.
var testEnv = Env{
	RootPath: "/tmp/sundial_root",
	Now:      time.UnixMilli(1700000000000),
}

func byID(t *testing.T, id string) *Case {
	t.Helper()
	for _, c := range corpus(t) {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("case %s not in corpus", id)
	return nil
}

func TestLoadCorpus(t *testing.T) {
	cases := corpus(t)
	if len(cases) != corpusLines {
		t.Fatalf("loaded %d cases from %d lines", len(cases), corpusLines)
	}
	ids := map[string]int{}
	for i, c := range cases {
		if c.Index != i || c.Line != i+1 {
			t.Errorf("case %s: Index %d Line %d at position %d", c.ID, c.Index, c.Line, i)
		}
		if j, dup := ids[c.ID]; dup {
			t.Errorf("id %s on lines %d and %d", c.ID, cases[j].Line, c.Line)
		}
		ids[c.ID] = i
		if c.DuplicateOf != "" {
			if j, ok := ids[c.DuplicateOf]; !ok || j >= i {
				t.Errorf("case %s: duplicate_of %s is not an earlier case", c.ID, c.DuplicateOf)
			}
		}
		if c.SQL == "" && len(c.SQLs) == 0 && len(c.Steps) == 0 {
			t.Logf("case %s has no SQL", c.ID)
		}
		for key := range c.ExpectVariants {
			if key == "expectProvider(raw)" {
				continue
			}
			if _, _, err := c.ExpectVariant(key); err != nil {
				t.Error(err)
			}
		}
	}

	// Per-category counts.
	perCat := map[string]int{}
	var cats []string
	var todo, dups, unspecified, level5 int
	for _, c := range cases {
		if perCat[c.Category] == 0 {
			cats = append(cats, c.Category)
		}
		perCat[c.Category]++
		if c.IsTODO() {
			todo++
		}
		if c.IsDuplicate() {
			dups++
		}
		if c.IsUnspecified() {
			unspecified++
		}
		if c.RawFlags.Level == 5 {
			level5++
		}
	}
	sort.Slice(cats, func(i, j int) bool {
		if perCat[cats[i]] != perCat[cats[j]] {
			return perCat[cats[i]] > perCat[cats[j]]
		}
		return cats[i] < cats[j]
	})
	var b strings.Builder
	for _, cat := range cats {
		b.WriteString("\n  ")
		b.WriteString(cat)
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(perCat[cat]))
	}
	t.Logf("%d cases in %d categories (%d duplicates, %d TODO, %d unspecified, %d level 5):%s",
		len(cases), len(cats), dups, todo, unspecified, level5, b.String())

	// Statements: counts, leftover placeholders, unexpanded dataProvider refs.
	var total, ok, setup, teardown, okNoDup, totalNoDup int
	leftovers := map[string]int{}
	for _, c := range cases {
		for _, st := range c.Statements(testEnv) {
			total++
			if st.ExpectOK {
				ok++
			}
			if !c.IsDuplicate() {
				totalNoDup++
				if st.ExpectOK {
					okNoDup++
				}
			}
			if st.Setup {
				setup++
			}
			if st.Teardown {
				teardown++
			}
			for _, p := range placeholders(st.Text) {
				leftovers[p]++
				if p != "{table}" {
					t.Errorf("case %s %s: unresolved placeholder %s", c.ID, st.Source, p)
				}
			}
			if hasDataProviderRef(st.Text) {
				t.Errorf("case %s %s: unexpanded dataProvider reference: %q", c.ID, st.Source, st.Text)
			}
		}
	}
	t.Logf("%d statements (%d setup, %d teardown), %d ExpectOK; without duplicates %d statements, %d ExpectOK; leftover placeholders %v",
		total, setup, teardown, ok, totalNoDup, okNoDup, leftovers)
}

// placeholders lists the {name} placeholders left in text.
func placeholders(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		k := i + 1
		for k < len(text) && isPlaceholderByte(text[k]) {
			k++
		}
		if k > i+1 && k < len(text) && text[k] == '}' {
			out = append(out, text[i:k+1])
		}
	}
	return out
}

// hasDataProviderRef reports a leftover dataProvider reference d[k].
func hasDataProviderRef(text string) bool {
	for i := 0; i+3 < len(text); i++ {
		if text[i] == 'd' && text[i+1] == '[' && (i == 0 || !isPlaceholderByte(text[i-1])) {
			k := i + 2
			for k < len(text) && '0' <= text[k] && text[k] <= '9' {
				k++
			}
			if k > i+2 && k < len(text) && text[k] == ']' {
				return true
			}
		}
	}
	return false
}

func TestCaseWithSQLs(t *testing.T) {
	c := byID(t, "integration_test/out_in/test_select_into_load_data/25-2")
	if c.Category != "integration_test/out_in" || c.CaseID != "25-2" || c.DB != "test_zw" ||
		c.Source != "cases/integration_test/out_in/test_select_into_load_data.yaml" {
		t.Errorf("header fields: %+v", c)
	}
	if c.SQL != "" || len(c.SQLs) != 5 || c.SQLs[4] != "select * from {0};" {
		t.Errorf("sql %q sqls %q", c.SQL, c.SQLs)
	}
	in := c.Inputs[0]
	if len(c.Inputs) != 1 || in.Name != "{0}" || len(in.Columns) != 10 || len(in.Rows) != 3 {
		t.Fatalf("inputs: %+v", c.Inputs)
	}
	if in.Columns[2] != (Column{"c2", "smallint"}) || in.Columns[9] != (Column{"c9", "bool"}) {
		t.Errorf("columns: %v", in.Columns)
	}
	if want := []Index{{Name: "index1", Keys: []string{"c1"}, TS: "c7"}}; !reflect.DeepEqual(in.Indexes, want) {
		t.Errorf("indexes: %+v", in.Indexes)
	}
	wantRow := Row{json.Number("1"), "aa", json.Number("1"), json.Number("2"), json.Number("3"),
		json.Number("1.1"), json.Number("2.1"), json.Number("1590738989000"), "2020-05-01", true}
	if !reflect.DeepEqual(in.Rows[0], wantRow) {
		t.Errorf("row 0: %#v", in.Rows[0])
	}
	if !c.ExpectSuccess() || c.Expect.Columns != nil || c.Expect.Rows != nil || c.Expect.Order != "" || c.IsUnspecified() {
		t.Errorf("expect: %+v", c.Expect)
	}
	if !c.Mode("batch") || !c.Mode("offline") || c.Mode("disk") || c.Mode("hybridse_only") || c.Mode("nonsense") {
		t.Errorf("modes: %+v", c.Modes)
	}
	if !reflect.DeepEqual(c.RawFlags.Mode, []string{"disk-unsupport"}) || c.IsTODO() {
		t.Errorf("raw flags %+v tags %v", c.RawFlags, c.Tags)
	}
	off, ok, err := c.ExpectVariant("expect.offline")
	if !ok || err != nil || len(off.Rows) != 4 || off.Rows[0][0] != nil || off.Rows[0][1] != "c1" || len(off.Columns) != 10 {
		t.Errorf("expect.offline: %+v %v %v", off, ok, err)
	}

	sts := c.Statements(testEnv)
	want := []Statement{
		{Text: `set @@SESSION.execute_mode = "online";`, ExpectOK: true, Source: "sqls[0]"},
		{Text: `select * from auto_t0 into outfile '/tmp/sundial_root/out/auto_t0.csv' options(header=true);`, ExpectOK: true, Source: "sqls[1]"},
		{Text: `set @@SESSION.execute_mode = "offline";`, ExpectOK: true, Source: "sqls[2]"},
		{Text: `load data infile 'file:///tmp/sundial_root/out/auto_t0.csv' into table auto_t0 options(header=false,mode='append');`, ExpectOK: true, Source: "sqls[3]"},
		{Text: `select * from auto_t0;`, ExpectOK: true, Source: "sqls[4]", Expect: &c.Expect},
	}
	if !reflect.DeepEqual(sts, want) {
		t.Errorf("statements:\n got %+v\nwant %+v", sts, want)
	}
}

func TestCaseWithCreateAndTearDown(t *testing.T) {
	c := byID(t, "function/deploy/test_create_deploy/12_0")
	if c.Inputs[0].Columns != nil || c.Inputs[0].Create == "" || len(c.Inputs[0].Indexes) != 0 {
		t.Errorf("input: %+v", c.Inputs[0])
	}
	if !reflect.DeepEqual(c.RawFlags.DataProvider, [][]string{{"ROWS", "ROWS_RANGE"}}) ||
		!reflect.DeepEqual(c.RawFlags.DataProviderChoice, []string{"ROWS"}) {
		t.Errorf("dataProvider: %+v", c.RawFlags)
	}
	sts := c.Statements(testEnv)
	var got []string
	for _, s := range sts {
		got = append(got, s.Source)
		if !s.ExpectOK {
			t.Errorf("%s: ExpectOK false", s.Source)
		}
	}
	if want := []string{"inputs[0].create", "sqls[0]", "sqls[1]", "tearDown[0]"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sources %v, want %v", got, want)
	}
	if !sts[0].Setup || sts[0].Text != "create table auto_t0 (\nid int not null,\nc1 int not null,\nc7 timestamp not null\n);\n" {
		t.Errorf("setup: %+v", sts[0])
	}
	if !strings.HasPrefix(sts[1].Text, "deploy deploy_auto_t0 SELECT id, c1, sum(c1) OVER w1 as w1_c1_sum FROM auto_t0 WINDOW w1 AS (PARTITION BY auto_t0.c1 ORDER BY auto_t0.c7 ROWS BETWEEN") {
		t.Errorf("deploy: %q", sts[1].Text)
	}
	if !sts[3].Teardown || sts[3].Text != "drop deployment deploy_auto_t0;" {
		t.Errorf("teardown: %+v", sts[3])
	}
}

func TestCaseWithCurrentTime(t *testing.T) {
	c := byID(t, "function/ddl/test_create_index/21")
	rows := c.Inputs[0].Rows
	if len(rows) != 4 || rows[0][4] != "{currentTime}-600001" || rows[2][4] != "{currentTime}-60" || rows[3][4] != "{currentTime}" {
		t.Fatalf("rows: %v", rows)
	}
	if c.Mode("standalone") || !c.Mode("cluster") || c.IsTODO() || len(c.Tags) != 1 {
		t.Errorf("modes %+v tags %q", c.Modes, c.Tags)
	}
	now := testEnv.Now.UnixMilli()
	res := ResolveRows(rows, testEnv)
	for i, want := range []int64{now - 600001, now - 600001, now - 60, now} {
		if res[i][4] != json.Number(strconv.FormatInt(want, 10)) {
			t.Errorf("row %d: %v, want %d", i, res[i][4], want)
		}
		if res[i][3] != json.Number("1590738990000") {
			t.Errorf("row %d: ts column changed: %v", i, res[i][3])
		}
	}
	if rows[0][4] != "{currentTime}-600001" {
		t.Errorf("ResolveRows modified its input")
	}
	if c.Expect.Order != "id" || !reflect.DeepEqual(c.Expect.Rows, []Row{{json.Number("4"), "aa", json.Number("1"), json.Number("1590738990000")}}) {
		t.Errorf("expect: %+v", c.Expect)
	}
	sts := c.Statements(testEnv)
	if len(sts) != 2 || sts[0].Text != "CREATE INDEX index1 ON auto_t0 (c2) OPTIONS (ts=c4, ttl=10m, ttl_type=absolute);" || sts[1].Expect != &c.Expect {
		t.Errorf("statements: %+v", sts)
	}
}

func TestCaseWithExpectVariants(t *testing.T) {
	c := byID(t, "function/ut_case/test_unique_expect/0")
	if !c.IsUnspecified() || !c.ExpectSuccess() || c.Expect.Rows != nil {
		t.Errorf("expect: %+v", c.Expect)
	}
	if len(c.ExpectVariants) != 2 {
		t.Errorf("variants: %v", c.ExpectVariants)
	}
	be, ok, err := c.ExpectVariant("unequalExpect.batch_expect")
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	re, _, _ := c.ExpectVariant("unequalExpect.request_expect")
	if be.Order != "id" || !be.Succeeds() || len(be.Rows) != 5 || be.Rows[2][2] != json.Number("93") || re.Rows[2][2] != json.Number("32") {
		t.Errorf("variants: %+v / %+v", be, re)
	}
	if want := []Column{{"id", "int"}, {"c1", "string"}, {"w1_c4_sum", "bigint"}}; !reflect.DeepEqual(be.Columns, want) {
		t.Errorf("columns: %v", be.Columns)
	}
	if _, ok, _ := c.ExpectVariant("expect.offline"); ok {
		t.Error("expect.offline should be absent")
	}
	sts := c.Statements(testEnv)
	if len(sts) != 1 || !strings.HasPrefix(sts[0].Text, "SELECT id, c1,\nsum(c4) OVER w1 as w1_c4_sum\nFROM auto_t0\n") || !sts[0].ExpectOK {
		t.Errorf("statements: %+v", sts)
	}
}

func TestStepsAndExpectFalse(t *testing.T) {
	for _, c := range corpus(t) {
		if len(c.Steps) > 0 {
			sts := c.Statements(testEnv)
			if len(sts) != len(c.Steps) {
				t.Errorf("case %s: %d statements for %d steps", c.ID, len(sts), len(c.Steps))
			}
			for i, st := range sts {
				if st.Expect != &c.Steps[i].Expect || st.Source != "steps["+strconv.Itoa(i)+"]" {
					t.Errorf("case %s: step %d: %+v", c.ID, i, st)
				}
			}
		}
		if !c.ExpectSuccess() && len(c.SQLs) > 1 {
			sts := c.Statements(testEnv)
			var main []Statement
			for _, st := range sts {
				if !st.Setup && !st.Teardown {
					main = append(main, st)
				}
			}
			for i, st := range main {
				if st.ExpectOK != (i < len(main)-1) {
					t.Errorf("case %s: statement %d ExpectOK %v", c.ID, i, st.ExpectOK)
				}
			}
		}
	}
}

func TestSubstitute(t *testing.T) {
	c := &Case{Index: 7, DB: "test_zw", Inputs: []*Table{{Name: "{0}"}, {Name: "t2"}, {Name: "{1}"}}}
	env := Env{RootPath: "/r", TabletEndpoints: []string{"h0:1"}}
	tests := []struct{ in, want string }{
		{"", ""},
		{"select 1", "select 1"},
		{"select * from {0}", "select * from auto_t0"},
		{"select {0}.c1, {1}.c2 from {0} last join {1} on {0}.id = {1}.id", "select auto_t0.c1, t2.c2 from auto_t0 last join t2 on auto_t0.id = t2.id"},
		{"select * from db1.{0}", "select * from db1.auto_t0"},
		{"select * from {2}", "select * from {1}"}, // input 2 is literally named "{1}": the name is used as is
		{"select * from {3}", "select * from {3}"}, // no input 3
		{"deploy deploy_{0} select 1", "deploy deploy_auto_t0 select 1"},
		{"create table {auto}(c1 int); create table {auto}(c2 int)", "create table auto_7_0(c1 int); create table auto_7_1(c2 int)"},
		{"select * from {0} into outfile '{root_path}/out/{0}.csv'", "select * from auto_t0 into outfile '/r/out/auto_t0.csv'"},
		{"distribution = [('{tb_endpoint_0}', ['{tb_endpoint_1}'])]", "distribution = [('h0:1', ['127.0.0.1:10922'])]"},
		{"pre_{db_name}_{sp_name}_w1", "pre_test_zw_sp_7_w1"},
		{"select '{\"a\": {0}}', '{}', '{ 0 }', '{0', '{x-y}'", "select '{\"a\": auto_t0}', '{}', '{ 0 }', '{0', '{x-y}'"},
		{"{{0}}", "{auto_t0}"},
		{"select * from {table}", "select * from {table}"},
		{"select '{currentTime}'", "select '{currentTime}'"},
		{"{0}", "auto_t0"},
		{"trailing {", "trailing {"},
		{"中文 {0} 中文", "中文 auto_t0 中文"},
	}
	for _, tt := range tests {
		if got := Substitute(tt.in, c, env); got != tt.want {
			t.Errorf("Substitute(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := Substitute("{0} {root_path} {db_name} {sp_name} {tb_endpoint_2} {auto}", nil, Env{}); got != "{0} /tmp/sundial_conformance db sp_0 127.0.0.1:10923 auto_0_0" {
		t.Errorf("nil case: %q", got)
	}
	if got := Substitute("{db_name}", c, Env{DBName: "x", SPName: "dep"}) + Substitute("{sp_name}", c, Env{SPName: "dep"}); got != "xdep" {
		t.Errorf("env names: %q", got)
	}
	names := []string{c.TableName(0), c.TableName(1), c.TableName(2), c.TableName(3), c.TableName(-1)}
	if want := []string{"auto_t0", "t2", "{1}", "", ""}; !reflect.DeepEqual(names, want) {
		t.Errorf("TableName: %q", names)
	}
}

func TestResolveTimeValue(t *testing.T) {
	now := time.UnixMilli(1000000)
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"{currentTime}", 1000000, true},
		{"{currentTime}-600001", 399999, true},
		{"{currentTime} - 100", 999900, true},
		{"{currentTime}+5", 1000005, true},
		{" {currentTime}-0 ", 1000000, true},
		{"{currentTime}-", 0, false},
		{"{currentTime}*2", 0, false},
		{"{currentTime}-x", 0, false},
		{"currentTime", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := ResolveTimeValue(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ResolveTimeValue(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	row := Row{json.Number("1"), "{currentTime}-1", nil, "x"}
	got := ResolveRow(row, Env{Now: now})
	if !reflect.DeepEqual(got, Row{json.Number("1"), json.Number("999999"), nil, "x"}) || row[1] != "{currentTime}-1" {
		t.Errorf("ResolveRow: %v (input %v)", got, row)
	}
	plain := Row{"a"}
	if got := ResolveRow(plain, Env{}); &got[0] != &plain[0] {
		t.Error("ResolveRow copied a row without placeholders")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"id": "a/1", "sql": "select 1", "inputs": [], "expect": {"rows": [[1, 2.5, "x", null, true]]}}`
	cases, err := Load(write("ok.jsonl", good+"\n\n"+strings.Replace(good, "a/1", "a/2", 1)))
	if err != nil || len(cases) != 2 || cases[1].Line != 3 || cases[1].Index != 1 {
		t.Fatalf("Load: %v %v", cases, err)
	}
	if !cases[0].ExpectSuccess() || !cases[0].Mode("batch") || cases[0].Mode("hybridse_only") {
		t.Errorf("defaults: success %v batch %v", cases[0].ExpectSuccess(), cases[0].Mode("batch"))
	}
	if want := (Row{json.Number("1"), json.Number("2.5"), "x", nil, true}); !reflect.DeepEqual(cases[0].Expect.Rows[0], want) {
		t.Errorf("row: %#v", cases[0].Expect.Rows[0])
	}
	for _, bad := range []struct{ content, want string }{
		{good + "\n" + good + "\n{\"id\": \"x\", \"sql\": 3}\n", "bad.jsonl:3: "},
		{good + "\n{broken\n", "bad.jsonl:2: "},
		{"\n" + `{"id": "a", "inputs": [{"columns": [["a", "b", "c"]]}]}`, "bad.jsonl:2: column"},
		{`{"sql": "x"}`, "bad.jsonl:1: case without id"},
		{good + " {}", "bad.jsonl:1: trailing data"},
	} {
		_, err := Load(write("bad.jsonl", bad.content))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Load(%q): error %v, want it to contain %q", bad.content, err, bad.want)
		}
	}
	// Load ignores unknown fields; the strict loader (used on the corpus) does not.
	p := write("unknown.jsonl", `{"id": "a", "expect": {"succes": false}}`)
	if _, err := Load(p); err != nil {
		t.Errorf("Load: %v", err)
	}
	if _, err := load(p, true); err == nil || !strings.Contains(err.Error(), "unknown.jsonl:1: ") || !strings.Contains(err.Error(), "succes") {
		t.Errorf("strict load: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
