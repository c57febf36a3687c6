package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Case is one OpenMLDB test case: one line of cases.jsonl. Field comments
// summarise FORMAT.md; JSON null and absent fields decode to zero values.
type Case struct {
	ID       string `json:"id"`       // <path under cases/ without extension>/<case id>[#n][_<choice>...]
	Source   string `json:"source"`   // the YAML file, e.g. cases/function/window/test_window.yaml
	Category string `json:"category"` // the source folder, e.g. function/window
	CaseID   string `json:"case_id"`  // the case's id inside its file
	Desc     string `json:"desc"`
	DB       string `json:"db"` // the case db, else the file db; "" when neither

	// The SQL the case runs: SQL, or SQLs in order (the expect applies to the
	// last), or Steps (each with its own expect). Texts contain placeholders;
	// see Substitute and Statements.
	SQL   string   `json:"sql"`
	SQLs  []string `json:"sqls"`
	Steps []*Step  `json:"steps"`

	Inputs       []*Table `json:"inputs"`        // tables created (and filled) before the SQL runs
	BatchRequest *Table   `json:"batch_request"` // request rows for batch-request mode, or nil
	Parameters   *Table   `json:"parameters"`    // values of '?' parameters (one row), or nil

	Expect         Expect                     `json:"expect"`
	ExpectVariants map[string]json.RawMessage `json:"expect_variants"` // see ExpectVariant

	Modes    *Modes   `json:"modes"` // nil: every mode enabled
	Tags     []string `json:"tags"`
	RawFlags RawFlags `json:"raw_flags"`

	ContentHash string `json:"content_hash"`
	DuplicateOf string `json:"duplicate_of"` // id of an earlier content-identical case, or ""

	// Unspecified is true for a case without an expect block (it only has to
	// run without error). The corpus records it as expect.unspecified; a
	// top-level field is accepted too. Use IsUnspecified.
	Unspecified bool `json:"unspecified"`

	// Not in the JSON: where the case was loaded from.
	Index int `json:"-"` // 0-based position among the loaded cases
	Line  int `json:"-"` // 1-based line of the file
}

// Step is one statement of a `steps:` case, with its own expectation.
type Step struct {
	SQL    string                     `json:"sql"`
	Expect Expect                     `json:"expect"`
	Extra  map[string]json.RawMessage `json:"extra"`
}

// Table is an input table, a batch request or a parameter row set.
type Table struct {
	// Name is the table name, or "{i}" (the input's index) when the case did
	// not name it; use Case.TableName.
	Name    string   `json:"name"`
	Columns []Column `json:"columns"` // nil when the table comes from Create
	Indexes []Index  `json:"indexes"`
	Rows    []Row    `json:"rows"`

	// Raw SQL alternatives to Columns/Rows, run in this order.
	Create  string   `json:"create"`
	Insert  string   `json:"insert"`
	Inserts []string `json:"inserts"`

	Repeat    int    `json:"repeat"`     // benchmarks: insert Rows Repeat times (0 = once)
	RepeatTag string `json:"repeat_tag"` // benchmarks: the scale knob's name

	NotNullColumns []string       `json:"not_null_columns"`
	Storage        string         `json:"storage"` // memory, SSD, HDD (any case)
	ReplicaNum     int            `json:"replicaNum"`
	PartitionNum   int            `json:"partitionNum"`
	Distribution   []Distribution `json:"distribution"`
	DB             string         `json:"db"`       // the database the table lives in, when not the case's
	Resource       string         `json:"resource"` // the resource file it was inlined from (informational)

	// CommonColumnIndices (batch_request only): the request columns shared by
	// every row of a batch request.
	CommonColumnIndices []int `json:"common_column_indices"`
}

// Column is a column name and its normalised type ("int", "bigint",
// "timestamp", "map<int,string>", ...). Type is "" for a few untyped expected
// columns. In JSON a column is the pair ["name", "type"].
type Column struct {
	Name string
	Type string
}

// UnmarshalJSON accepts ["name", "type"], ["name"] and "name type".
func (c *Column) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		name, typ, _ := strings.Cut(strings.TrimSpace(s), " ")
		*c = Column{Name: name, Type: strings.TrimSpace(typ)}
		return nil
	}
	var pair []string
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("column: want [name, type], got %s", b)
	}
	switch len(pair) {
	case 1:
		*c = Column{Name: pair[0]}
	case 2:
		*c = Column{Name: pair[0], Type: pair[1]}
	default:
		return fmt.Errorf("column: want [name, type], got %s", b)
	}
	return nil
}

// MarshalJSON writes the ["name", "type"] pair.
func (c Column) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{c.Name, c.Type})
}

// Index is an input table index: "name:key1|key2:ts:ttl:ttl_type".
type Index struct {
	Name    string   `json:"name"`
	Keys    []string `json:"keys"`
	TS      string   `json:"ts"`       // "" when the index has no ts column
	TTL     string   `json:"ttl"`      // as written: "0m", "10m", "1000", "(10m,2)"; "" = default
	TTLType string   `json:"ttl_type"` // latest, absolute, absandlat, absorlat; "" = default
}

// Distribution is one partition's placement (cluster cases); the endpoints
// are {tb_endpoint_N} placeholders.
type Distribution struct {
	Leader    string   `json:"leader"`
	Followers []string `json:"followers"`
}

// Row is one row of values. Numbers are json.Number (their text keeps "1"
// apart from "1.0"), strings are string, booleans bool, NULL is nil. Dates
// are "YYYY-MM-DD" strings, timestamps epoch milliseconds, except
// "{currentTime}-N" strings (see ResolveRow) and "NaN"/"Infinity"/"-Infinity"
// in float columns.
type Row []any

// Expect is what OpenMLDB checks after a case's (last) statement.
type Expect struct {
	Success *bool    `json:"success"` // nil means true; see Succeeds
	Columns []Column `json:"columns"` // nil: not checked
	Rows    []Row    `json:"rows"`    // nil: not checked
	Order   string   `json:"order"`   // column to sort both sides by; "" = as given
	Count   *int     `json:"count"`   // expected row count only
	Msg     string   `json:"msg"`     // expected error message (informational)
	Code    *int     `json:"code"`    // expected error code (informational)

	// Extra holds checks that are not result sets, keyed by name:
	// node_tree_str, plan_tree_str, idxs, indexCount, options, name,
	// deployment, deploymentCount, preAgg, preAggList, cat, offlineInfo,
	// resolve_column, common_column_indices, repeat, repeat_tag.
	Extra map[string]json.RawMessage `json:"extra"`

	Unspecified bool `json:"unspecified"` // the case had no expect block
}

// Succeeds reports whether the statement must succeed (success defaults to true).
func (e *Expect) Succeeds() bool { return e.Success == nil || *e.Success }

// Modes says in which of OpenMLDB's execution modes a case runs.
type Modes struct {
	Batch        bool `json:"batch"`
	Request      bool `json:"request"`
	BatchRequest bool `json:"batch_request"`
	Offline      bool `json:"offline"`
	Online       bool `json:"online"`
	Cluster      bool `json:"cluster"`
	Standalone   bool `json:"standalone"`
	Disk         bool `json:"disk"`
	HybridseOnly bool `json:"hybridse_only"` // only the bare HybridSE engine supports the case
}

// RawFlags keeps the case flags that are not modelled elsewhere.
type RawFlags struct {
	Mode                  []string        `json:"mode"`    // the raw mode: tokens
	Version               string          `json:"version"` // OpenMLDB version the case targets
	SQLDialect            []string        `json:"sqlDialect"`
	Level                 int             `json:"level"` // 5 = exhaustive type matrices (not run by default)
	LongWindow            string          `json:"longWindow"`
	Deployable            *bool           `json:"deployable"`
	TearDown              []string        `json:"tearDown"` // cleanup statements run after the case
	BatchPlan             string          `json:"batch_plan"`
	RequestPlan           string          `json:"request_plan"`
	ClusterRequestPlan    string          `json:"cluster_request_plan"`
	StandardSQL           *bool           `json:"standard_sql"`
	StandardSQLCompatible *bool           `json:"standard_sql_compatible"`
	Storage               json.RawMessage `json:"storage"`
	JSON                  json.RawMessage `json:"json"`    // Kafka connector message
	Expects               json.RawMessage `json:"expects"` // misspelt expect block (test_job.yaml)
	FileDebugs            []string        `json:"file_debugs"`
	DataProvider          [][]string      `json:"dataProvider"`        // the choice lists
	DataProviderChoice    []string        `json:"dataProvider_choice"` // the applied choice per list
}

// Load reads a cases.jsonl file: one JSON case per line. Blank lines are
// skipped. Errors name the file and line.
func Load(path string) ([]*Case, error) { return load(path, false) }

// load is Load; strict rejects unknown JSON fields.
func load(path string, strict bool) ([]*Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeCases(f, path, strict)
}

func decodeCases(r io.Reader, name string, strict bool) ([]*Case, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var cases []*Case
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return cases, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			c, derr := decodeCase(line, strict)
			if derr != nil {
				return cases, fmt.Errorf("%s:%d: %w", name, lineNo, derr)
			}
			c.Index = len(cases)
			c.Line = lineNo
			cases = append(cases, c)
		}
		if err == io.EOF {
			return cases, nil
		}
	}
}

func decodeCase(line []byte, strict bool) (*Case, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if strict {
		dec.DisallowUnknownFields()
	}
	c := new(Case)
	if err := dec.Decode(c); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the case")
	}
	if c.ID == "" {
		return nil, errors.New("case without id")
	}
	return c, nil
}

// IsTODO reports whether OpenMLDB itself skips the case (a TODO or todo tag).
func (c *Case) IsTODO() bool {
	for _, t := range c.Tags {
		if strings.EqualFold(strings.TrimSpace(t), "todo") {
			return true
		}
	}
	return false
}

// ExpectSuccess reports whether the case's (last) statement must succeed.
func (c *Case) ExpectSuccess() bool { return c.Expect.Succeeds() }

// IsUnspecified reports whether the case had no expect block.
func (c *Case) IsUnspecified() bool { return c.Unspecified || c.Expect.Unspecified }

// IsDuplicate reports whether the case repeats an earlier case (duplicate_of).
func (c *Case) IsDuplicate() bool { return c.DuplicateOf != "" }

// Mode reports whether the case is enabled in the named mode: batch, request,
// batch_request, offline, online, cluster, standalone, disk, or hybridse_only
// (true when only the bare engine supports the case). Unknown names give false.
func (c *Case) Mode(name string) bool {
	m := c.Modes
	if m == nil {
		m = &Modes{true, true, true, true, true, true, true, true, false}
	}
	switch name {
	case "batch":
		return m.Batch
	case "request":
		return m.Request
	case "batch_request":
		return m.BatchRequest
	case "offline":
		return m.Offline
	case "online":
		return m.Online
	case "cluster":
		return m.Cluster
	case "standalone":
		return m.Standalone
	case "disk":
		return m.Disk
	case "hybridse_only":
		return m.HybridseOnly
	}
	return false
}

// ExpectVariant decodes expect_variants[key] (e.g.
// "unequalExpect.batch_expect", "expect.offline") as an Expect. ok is false
// when the case has no such variant; err is set when the variant is not an
// expect block (as "expectProvider(raw)", which is kept for reference).
func (c *Case) ExpectVariant(key string) (e *Expect, ok bool, err error) {
	raw, ok := c.ExpectVariants[key]
	if !ok {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	e = new(Expect)
	if err := dec.Decode(e); err != nil {
		return nil, true, fmt.Errorf("case %s: expect variant %q: %w", c.ID, key, err)
	}
	return e, true, nil
}
