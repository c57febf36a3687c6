package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/jsonwire"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/types"
)

// ---------------------------------------------------------------------------
// Responses

// appendErrorBody appends {"code": code, "msg": msg}.
func appendErrorBody(b []byte, code int, msg string) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"msg":`...)
	b = jsonwire.AppendString(b, msg, false)
	return append(b, '}')
}

// writeError answers with err's status (statusTable) and the JSON error
// body {"code": <status>, "msg": <err>}.
func writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	buf := getBuf()
	defer putBuf(buf)
	*buf = appendErrorBody((*buf)[:0], status, err.Error())
	writeBody(w, status, *buf)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if statusOf(err) >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// jsonContentType is the Content-Type of every response: one shared slice
// (net/http copies the header when the status is written and never writes
// to its values), so that setting it allocates nothing.
var jsonContentType = []string{"application/json"}

// implicitLengthMax is the largest body whose Content-Length is left to
// net/http: a handler that writes a body smaller than the response buffer
// (2 KiB) in one Write and returns gets its Content-Length computed, and the
// headers and body go out in one write. A larger body is declared (else it
// would be chunked).
const implicitLengthMax = 1024

// writeBody writes a whole response: the status, JSON headers and body, in
// one Write (the connection's buffer then sends headers and body together).
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	if len(body) > implicitLengthMax {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	w.Write(body)
}

var okBody = []byte(`{"code":0,"msg":"ok"}`)

// writeObject answers 200 with v marshalled by encoding/json (the catalog
// endpoints: not a hot path).
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, bytes.TrimRight(b.Bytes(), "\n"))
}

// readBody reads the request body into buf, up to the configured limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, buf *[]byte) ([]byte, error) {
	limit := s.cfg.MaxBody
	tooLarge := func() error {
		return &fieldError{msg: fmt.Sprintf("body: larger than the limit of %s", sizeText(limit)), kind: ErrTooLarge}
	}
	if r.ContentLength > limit {
		return nil, tooLarge()
	}
	b := (*buf)[:0]
	var rd io.Reader = r.Body
	if r.ContentLength >= 0 {
		// net/http stops the body at its declared length (within the limit):
		// room for it and the EOF, read without a MaxBytesReader.
		if want := int(r.ContentLength) + 1; cap(b) < want {
			b = make([]byte, 0, want)
		}
	} else {
		rd = http.MaxBytesReader(w, r.Body, limit)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			if _, ok := err.(*http.MaxBytesError); ok {
				return nil, tooLarge()
			}
			return nil, badRequest("body: " + err.Error())
		}
	}
	*buf = b
	return b, nil
}

// sizeText writes a byte count the way --max-body takes it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// newSession opens a session of the instance on database db: sessions are
// per request (cheap), so one request's USE or SET never leaks into another.
func (s *Server) newSession(db string) *session.Session {
	sess := session.New(s.inst)
	sess.DB = db
	return sess
}

// ---------------------------------------------------------------------------
// GET /health, GET /dbs, GET /dbs/{db}/tables[/{table}], GET /dbs/{db}/deployments[/{name}]

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeBody(w, http.StatusOK, okBody)
}

func (s *Server) listDatabases(w http.ResponseWriter, r *http.Request) {
	dbs := s.newSession("").Databases()
	if dbs == nil {
		dbs = []string{}
	}
	s.writeObject(w, r, struct {
		Code int      `json:"code"`
		Msg  string   `json:"msg"`
		DBs  []string `json:"dbs"`
	}{0, "ok", dbs})
}

// tableInfo is a table as OpenMLDB's APIServer describes it (the fields that
// apply to an embedded instance).
type tableInfo struct {
	Name         string       `json:"name"`
	DB           string       `json:"db"`
	PartitionNum int          `json:"partition_num"`
	ReplicaNum   int          `json:"replica_num"`
	ColumnDesc   []columnDesc `json:"column_desc"`
	ColumnKey    []columnKey  `json:"column_key"`
}

type columnDesc struct {
	Name     string `json:"name"`
	DataType string `json:"data_type"`
	NotNull  bool   `json:"not_null"`
}

type columnKey struct {
	IndexName string   `json:"index_name"`
	ColName   []string `json:"col_name"`
	TSName    string   `json:"ts_name,omitempty"`
	TTL       ttlInfo  `json:"ttl"`
}

// ttlInfo: abs_ttl in minutes and lat_ttl in rows, as OpenMLDB writes them.
type ttlInfo struct {
	TTLType string `json:"ttl_type"`
	AbsTTL  int64  `json:"abs_ttl"`
	LatTTL  int64  `json:"lat_ttl"`
}

func describeTable(t *planner.Table) tableInfo {
	ti := tableInfo{Name: t.Name, DB: t.DB, PartitionNum: 1, ReplicaNum: 1, ColumnDesc: []columnDesc{}, ColumnKey: []columnKey{}}
	for _, f := range t.Schema {
		ti.ColumnDesc = append(ti.ColumnDesc, columnDesc{Name: f.Name, DataType: columnTypeName(f.Kind), NotNull: f.NotNull})
	}
	for _, ix := range t.Indexes {
		ti.ColumnKey = append(ti.ColumnKey, columnKey{IndexName: ix.Name, ColName: append([]string{}, ix.Keys...), TSName: ix.TS,
			TTL: ttlInfo{TTLType: ix.TTLType.String(), AbsTTL: ix.AbsMillis / 60000, LatTTL: ix.LatCount}})
	}
	return ti
}

func (s *Server) listTables(w http.ResponseWriter, r *http.Request) {
	tables, err := s.newSession("").Tables(r.PathValue("db"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []tableInfo{}
	for _, t := range tables {
		out = append(out, describeTable(t))
	}
	s.writeObject(w, r, struct {
		Code   int         `json:"code"`
		Msg    string      `json:"msg"`
		Tables []tableInfo `json:"tables"`
	}{0, "ok", out})
}

func (s *Server) getTable(w http.ResponseWriter, r *http.Request) {
	t, err := s.newSession("").Table(sql.TableName{DB: r.PathValue("db"), Name: r.PathValue("table")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeObject(w, r, struct {
		Code  int       `json:"code"`
		Msg   string    `json:"msg"`
		Table tableInfo `json:"table"`
	}{0, "ok", describeTable(t)})
}

func (s *Server) listDeployments(w http.ResponseWriter, r *http.Request) {
	db := r.PathValue("db")
	sess := s.newSession(db)
	if _, err := sess.Tables(db); err != nil { // an unknown database
		s.fail(w, r, err)
		return
	}
	names := sess.Deployments(db)
	if names == nil {
		names = []string{}
	}
	s.writeObject(w, r, struct {
		Code        int      `json:"code"`
		Msg         string   `json:"msg"`
		Deployments []string `json:"deployments"`
	}{0, "ok", names})
}

// unknownDeployment is the error for a deployment that does not exist:
// naming the database when that is what is missing.
func (s *Server) unknownDeployment(sess *session.Session, db, name string) error {
	if _, err := sess.Tables(db); err != nil {
		return err
	}
	return planner.Errorf(planner.ErrUnknown, "unknown deployment %s in database %s", name, db)
}

type schemaCol struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func schemaCols(s types.Schema) []schemaCol {
	out := make([]schemaCol, len(s))
	for i, f := range s {
		out[i] = schemaCol{Name: f.Name, Type: deploymentTypeName(f.Kind)}
	}
	return out
}

// deploymentInfo is a deployment as OpenMLDB's APIServer describes it.
type deploymentInfo struct {
	Name             string      `json:"name"`
	Procedure        string      `json:"procedure"`
	InputSchema      []schemaCol `json:"input_schema"`
	InputCommonCols  []string    `json:"input_common_cols"`
	OutputSchema     []schemaCol `json:"output_schema"`
	OutputCommonCols []string    `json:"output_common_cols"`
	DBs              []string    `json:"dbs"`
	Tables           []string    `json:"tables"`
}

func (s *Server) getDeployment(w http.ResponseWriter, r *http.Request) {
	db, name := r.PathValue("db"), r.PathValue("name")
	sess := s.newSession(db)
	dep, ok := sess.Deployment(db, name)
	if !ok {
		s.fail(w, r, s.unknownDeployment(sess, db, name))
		return
	}
	info := deploymentInfo{Name: name, InputSchema: schemaCols(dep.InputSchema()), InputCommonCols: []string{},
		OutputSchema: schemaCols(dep.Schema()), OutputCommonCols: []string{}, DBs: []string{db}, Tables: []string{dep.MainTable().Name}}
	// The deployed SQL: from SHOW DEPLOYMENT (see the package doc).
	if res, err := sess.Exec(r.Context(), &sql.Show{Kind: sql.ShowDeployment, Name: name}); err == nil && res != nil {
		info.Procedure = deployedSQL(res.Msg)
	}
	s.writeObject(w, r, struct {
		Code int            `json:"code"`
		Msg  string         `json:"msg"`
		Data deploymentInfo `json:"data"`
	}{0, "ok", info})
}

// deployedSQL extracts the query from SHOW DEPLOYMENT's message:
// "deployment db.name\n<sql>\ninput  (...)\noutput (...)".
func deployedSQL(msg string) string {
	lines := strings.Split(msg, "\n")
	if len(lines) < 4 {
		return ""
	}
	return strings.Join(lines[1:len(lines)-2], "\n")
}

// ---------------------------------------------------------------------------
// POST /dbs/{db}/deployments/{name}: the online hot path

func (s *Server) request(w http.ResponseWriter, r *http.Request) {
	var status int
	s.deploymentRequest(w, r, r.PathValue("db"), r.PathValue("name"), &status)
}

// deploymentRequest answers a feature request to deployment db.name; it sets
// *status just before writing the response.
func (s *Server) deploymentRequest(w http.ResponseWriter, r *http.Request, db, name string, status *int) {
	start := time.Now()
	sess := s.newSession(db)
	dep, ok := sess.Deployment(db, name)
	if !ok {
		err := s.unknownDeployment(sess, db, name)
		*status = statusOf(err)
		s.fail(w, r, err)
		return
	}
	dm := s.m.deployment(db, name)
	buf := getBuf()
	defer putBuf(buf)
	slab := getSlab()
	defer putSlab(slab)
	n, err := s.answer(w, r, dep, buf, slab, status)
	dm.requests.Inc()
	if err != nil {
		dm.errors.Inc()
		*status = statusOf(err)
		s.fail(w, r, err)
	} else {
		dm.rows.Add(float64(n))
	}
	dm.duration.Observe(time.Since(start).Seconds())
}

// answer decodes the request rows, runs them and writes the features; it
// returns the number of rows answered, or an error with nothing written.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, dep *online.Deployment, buf *[]byte, slab *rowSlab, status *int) (int, error) {
	body, err := s.readBody(w, r, buf)
	if err != nil {
		return 0, err
	}
	req, rows, objects, err := decodeRequestInto(body, dep.InputSchema(), dep.MainTable().Name, slab)
	if err != nil {
		return 0, err
	}
	if err := session.RequestRowsInto(dep, rows, &slab.ans); err != nil {
		return 0, err
	}
	schema, out := dep.Schema(), slab.ans.Rows
	b := append((*buf)[:0], `{"code":0,"msg":"ok","data":{`...)
	if req.NeedSchema {
		b = append(b, `"schema":[`...)
		for i, f := range schema {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = jsonwire.AppendString(b, f.Name, false)
			b = append(b, `,"type":"`...)
			b = append(b, deploymentTypeName(f.Kind)...)
			b = append(b, `"}`...)
		}
		b = append(b, "],"...)
	}
	b = append(b, `"data":[`...)
	for ri, row := range out {
		if ri > 0 {
			b = append(b, ',')
		}
		if objects {
			b = append(b, '{')
			for i, v := range row {
				if i > 0 {
					b = append(b, ',')
				}
				b = jsonwire.AppendString(b, schema[i].Name, false)
				b = append(b, ':')
				b = appendValue(b, v)
			}
			b = append(b, '}')
			continue
		}
		b = append(b, '[')
		for i, v := range row {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, v)
		}
		b = append(b, ']')
	}
	b = append(b, "]}}"...)
	*buf = b
	*status = http.StatusOK
	writeBody(w, http.StatusOK, b)
	return len(out), nil
}

// ---------------------------------------------------------------------------
// PUT /dbs/{db}/tables/{table}

func (s *Server) putRows(w http.ResponseWriter, r *http.Request) {
	db, table := r.PathValue("db"), r.PathValue("table")
	sess := s.newSession(db)
	t, err := sess.Table(sql.TableName{DB: db, Name: table})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	body, err := s.readBody(w, r, buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pb, err := decodePutBody(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	field, raw := "data", pb.Data
	switch {
	case !isAbsent(pb.Data) && !isAbsent(pb.Value):
		s.fail(w, r, badRequest(`body: give the rows in "data" or in "value", not both`))
		return
	case isAbsent(pb.Data) && isAbsent(pb.Value):
		s.fail(w, r, badRequest(`data: missing, expected an array of rows: {"data": [[v1, v2, ...], ...]}`))
		return
	case isAbsent(pb.Data):
		field, raw = "value", pb.Value
	}
	dec := newRowDecoder(t.Schema, t.Name, field)
	dec.slab = getSlab()
	defer putSlab(dec.slab)
	// The store refuses a NULL time column; check it here so that every row
	// is validated before any is stored (all or nothing).
	for _, ix := range t.Indexes {
		if ix.TS == "" {
			continue
		}
		if i := t.Schema.Index(ix.TS); i >= 0 && dec.notNull[i] == "" {
			dec.notNull[i] = "cannot be null: it is the time column of index " + ix.Name
		}
	}
	rows, _, err := dec.decode(raw)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := sess.InsertRows(db, table, rows); err != nil {
		s.fail(w, r, err)
		return
	}
	s.m.inserted.WithLabelValues(strings.ToLower(db), strings.ToLower(t.Name)).Add(float64(len(rows)))
	s.loaded(len(body))
	writeBody(w, http.StatusOK, okBody)
}

// ---------------------------------------------------------------------------
// POST /dbs/{db}: SQL

// sqlModes maps the "mode" of a SQL request (Sundial's names and
// OpenMLDB's) to an execute_mode; the default is online.
var sqlModes = map[string]string{
	"":         "online",
	"online":   "online",
	"onsync":   "online",
	"offline":  "offline",
	"offsync":  "offline",
	"offasync": "offline",
	"request":  "request",
}

func (s *Server) runSQL(w http.ResponseWriter, r *http.Request) {
	db := r.PathValue("db")
	buf := getBuf()
	defer putBuf(buf)
	body, err := s.readBody(w, r, buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req sqlBody
	if err := unmarshalBody(body, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.SQL == nil || strings.TrimSpace(*req.SQL) == "" {
		s.fail(w, r, badRequest(`sql: missing, expected {"sql": "...", "mode": "online"}`))
		return
	}
	mode, ok := sqlModes[strings.ToLower(req.Mode)]
	if !ok {
		s.fail(w, r, badRequest(fmt.Sprintf("mode: expected online, offline or request, got %q", req.Mode)))
		return
	}
	if !isAbsent(req.Input) {
		s.fail(w, r, planner.Errorf(planner.ErrUnsupported, "input: parameterized queries are not supported"))
		return
	}
	res, err := s.execScript(r, db, mode, *req.SQL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := append((*buf)[:0], `{"code":0,"msg":`...)
	msg := "ok"
	if res != nil && res.Msg != "" {
		msg = res.Msg
	}
	b = jsonwire.AppendString(b, msg, false)
	if res != nil && res.Rows != nil {
		b = appendResult(append(b, `,"data":`...), res)
	}
	b = append(b, '}')
	*buf = b
	writeBody(w, http.StatusOK, b)
}

// execScript runs the statements of text in one session on db, in order,
// stopping at the first that fails; it returns the last statement's result.
// The whole script is parsed first: a syntax error anywhere runs nothing.
func (s *Server) execScript(r *http.Request, db, mode, text string) (*session.Result, error) {
	results := sql.ParseScript(text)
	var stmts []sql.Stmt
	for i, res := range results {
		if res.Err != nil {
			return nil, numbered(len(results), i, res.Err)
		}
		if res.Stmt == nil {
			continue
		}
		if _, ok := res.Stmt.(*sql.Exit); ok {
			return nil, numbered(len(results), i, planner.Errorf(planner.ErrUnsupported, "EXIT is a statement of the shell"))
		}
		stmts = append(stmts, res.Stmt)
	}
	if len(stmts) == 0 {
		return nil, badRequest("sql: no statement")
	}
	sess := s.newSession(db)
	sess.Mode = mode
	var last *session.Result
	for i, st := range stmts {
		res, err := sess.Exec(r.Context(), st)
		if err != nil {
			return nil, numbered(len(stmts), i, err)
		}
		last = res
	}
	return last, nil
}

// numbered prefixes an error with its statement's number when there are several.
func numbered(n, i int, err error) error {
	if n <= 1 {
		return err
	}
	return fmt.Errorf("statement %d: %w", i+1, err)
}

// appendResult appends a query result as OpenMLDB's APIServer writes one,
// {"schema": ["Int32", ...], "data": [[...], ...]}, with the column names
// added under "names".
func appendResult(b []byte, res *session.Result) []byte {
	schema := res.Schema
	if schema == nil {
		schema = res.Rows.Schema
	}
	b = append(b, `{"schema":[`...)
	for i, f := range schema {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, queryTypeName(f.Kind)...)
		b = append(b, '"')
	}
	b = append(b, `],"names":[`...)
	for i, f := range schema {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonwire.AppendString(b, f.Name, false)
	}
	b = append(b, `],"data":[`...)
	rows := res.Rows
	for ri := 0; ri < rows.Len(); ri++ {
		if ri > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for ci, c := range rows.Cols {
			if ci > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, c.Value(ri))
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}
