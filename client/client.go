package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unsafe"
)

// Client talks to one Sundial server. Its methods are safe for concurrent use.
type Client struct {
	base string
	http *http.Client
	// rt and timeout, for the client New made itself: its requests go to the
	// transport directly (no redirects to follow, no cookies; the timeout is
	// the context's), which spares net/http.Client's per-request work.
	rt      http.RoundTripper
	timeout time.Duration
	// feat carries the feature requests of New's client, on connections
	// of their own: the server answers feature requests on a fast path
	// until a connection's first request of another kind, which hands the
	// connection to net/http for good, so a pool shared with SQL and PUTs
	// would soon serve every request the slow way.
	feat http.RoundTripper
}

// MaxIdleConnsPerHost is how many idle keep-alive connections the default
// client of New keeps to the server: at least as many as the goroutines that
// call it concurrently, so that none has to dial.
const MaxIdleConnsPerHost = 256

// New returns a client of the server at baseURL (e.g. "http://127.0.0.1:8080").
// hc may be nil for a client with keep-alive connections (up to
// MaxIdleConnsPerHost idle) and a 30 s timeout.
func New(baseURL string, hc *http.Client) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: hc}
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 0 // no limit but the per-host one
		tr.MaxIdleConnsPerHost = MaxIdleConnsPerHost
		tr.DisableCompression = true // the server does not compress: no Accept-Encoding
		c.rt, c.timeout = tr, 30*time.Second
		c.feat = tr.Clone() // the same settings, a pool of its own
		c.http = &http.Client{Transport: tr, Timeout: c.timeout}
	}
	return c
}

// Error is a failed call: the HTTP status and the server's code and msg.
type Error struct {
	Status int    // HTTP status
	Code   int    // the "code" of the JSON body (nonzero)
	Msg    string // the "msg" of the JSON body
}

func (e *Error) Error() string {
	return fmt.Sprintf("sundial: %d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Column is a column of a schema: its name and type (OpenMLDB's names:
// bool, int16, int32, int64, float, double, string, date, timestamp).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Features is what a deployment answered: one row per request row.
// Values are json.Number (numbers and timestamps), string (strings and
// dates "YYYY-MM-DD"), bool, or nil (NULL).
type Features struct {
	Schema []Column
	Rows   [][]any
}

// Result is what a SQL request returned: rows for a query (Types in
// OpenMLDB's names, Int32, String, ...), and the server's message.
type Result struct {
	Msg   string
	Types []string
	Names []string
	Rows  [][]any
}

// Table is a table as the server describes it.
type Table struct {
	Name       string `json:"name"`
	DB         string `json:"db"`
	ColumnDesc []struct {
		Name     string `json:"name"`
		DataType string `json:"data_type"`
		NotNull  bool   `json:"not_null"`
	} `json:"column_desc"`
	ColumnKey []struct {
		IndexName string   `json:"index_name"`
		ColName   []string `json:"col_name"`
		TSName    string   `json:"ts_name"`
		TTL       struct {
			TTLType string `json:"ttl_type"`
			AbsTTL  int64  `json:"abs_ttl"`
			LatTTL  int64  `json:"lat_ttl"`
		} `json:"ttl"`
	} `json:"column_key"`
}

// Deployment is a deployment as the server describes it.
type Deployment struct {
	Name         string   `json:"name"`
	Procedure    string   `json:"procedure"`
	InputSchema  []Column `json:"input_schema"`
	OutputSchema []Column `json:"output_schema"`
	DBs          []string `json:"dbs"`
	Tables       []string `json:"tables"`
}

// Health checks that the server answers.
func (c *Client) Health(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/health", nil, nil)
}

// SQL runs statements in database db. mode is online, offline or request
// ("" for the server's default, online).
func (c *Client) SQL(ctx context.Context, db, sql, mode string) (*Result, error) {
	var out struct {
		Msg  string `json:"msg"`
		Data *struct {
			Schema []string `json:"schema"`
			Names  []string `json:"names"`
			Data   [][]any  `json:"data"`
		} `json:"data"`
	}
	body := map[string]string{"sql": sql}
	if mode != "" {
		body["mode"] = mode
	}
	if err := c.Do(ctx, http.MethodPost, "/dbs/"+url.PathEscape(db), body, &out); err != nil {
		return nil, err
	}
	res := &Result{Msg: out.Msg}
	if out.Data != nil {
		res.Types, res.Names, res.Rows = out.Data.Schema, out.Data.Names, out.Data.Data
	}
	return res, nil
}

// Insert stores rows (values in the table's column order) in db.table: all
// of them, or none when one is bad.
func (c *Client) Insert(ctx context.Context, db, table string, rows [][]any) error {
	body, err := appendRowsBody(make([]byte, 0, bodySize(rows)), "data", rows, "")
	if err != nil {
		return encodingError(err)
	}
	return c.Do(ctx, http.MethodPut, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), body, nil)
}

// bodySize guesses the size of rows in JSON.
func bodySize(rows [][]any) int {
	n := 32
	for _, r := range rows {
		n += 2 + 12*len(r)
	}
	return n
}

func encodingError(err error) error { return fmt.Errorf("sundial: encoding the request: %w", err) }

// InsertObjects stores rows given as objects keyed by column name.
func (c *Client) InsertObjects(ctx context.Context, db, table string, rows []map[string]any) error {
	return c.Do(ctx, http.MethodPut, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), map[string]any{"data": rows}, nil)
}

// Request asks deployment db.name for the features of rows (values in the
// column order of the deployment's main table).
func (c *Client) Request(ctx context.Context, db, deployment string, rows [][]any) (*Features, error) {
	schema, data, err := c.request(ctx, db, deployment, rows, true)
	if err != nil {
		return nil, err
	}
	return &Features{Schema: schema, Rows: data}, nil
}

// RequestData is Request without the output schema (need_schema false, the
// APIServer's default): the rows' values only, in the deployment's output
// column order. A smaller answer, for callers that know the schema.
func (c *Client) RequestData(ctx context.Context, db, deployment string, rows [][]any) ([][]any, error) {
	_, data, err := c.request(ctx, db, deployment, rows, false)
	return data, err
}

// request runs a feature request: the body is written and the answer read
// without encoding/json (unless a value or the answer is unusual).
func (c *Client) request(ctx context.Context, db, deployment string, rows [][]any, needSchema bool) ([]Column, [][]any, error) {
	tail := ""
	if needSchema {
		tail = `,"need_schema":true`
	}
	body, err := appendRowsBody(make([]byte, 0, bodySize(rows)), "input", rows, tail)
	if err != nil {
		return nil, nil, encodingError(err)
	}
	method, path := http.MethodPost, "/dbs/"+url.PathEscape(db)+"/deployments/"+url.PathEscape(deployment)
	status, data, err := c.roundTrip(ctx, c.feat, method, path, body)
	if err != nil {
		return nil, nil, err
	}
	if status/100 == 2 {
		// The response body is not written again: its strings are the values'.
		d := decoder{s: unsafe.String(unsafe.SliceData(data), len(data))}
		if code, msg, schema, rows, ok := d.features(); ok {
			if code != 0 {
				return nil, nil, &Error{Status: status, Code: code, Msg: msg}
			}
			return schema, rows, nil
		}
	}
	var out struct {
		Data struct {
			Schema []Column `json:"schema"`
			Data   [][]any  `json:"data"`
		} `json:"data"`
	}
	if err := decodeResponse(method, path, status, data, &out); err != nil {
		return nil, nil, err
	}
	return out.Data.Schema, out.Data.Data, nil
}

// Databases lists the databases.
func (c *Client) Databases(ctx context.Context) ([]string, error) {
	var out struct {
		DBs []string `json:"dbs"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs", nil, &out)
	return out.DBs, err
}

// Tables describes the tables of db.
func (c *Client) Tables(ctx context.Context, db string) ([]Table, error) {
	var out struct {
		Tables []Table `json:"tables"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/tables", nil, &out)
	return out.Tables, err
}

// Table describes db.table.
func (c *Client) Table(ctx context.Context, db, table string) (*Table, error) {
	var out struct {
		Table *Table `json:"table"`
	}
	if err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), nil, &out); err != nil {
		return nil, err
	}
	return out.Table, nil
}

// Deployments lists the deployments of db.
func (c *Client) Deployments(ctx context.Context, db string) ([]string, error) {
	var out struct {
		Deployments []string `json:"deployments"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/deployments", nil, &out)
	return out.Deployments, err
}

// Deployment describes deployment db.name.
func (c *Client) Deployment(ctx context.Context, db, name string) (*Deployment, error) {
	var out struct {
		Data *Deployment `json:"data"`
	}
	if err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/deployments/"+url.PathEscape(name), nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Do sends a request with body (marshalled to JSON unless it is a []byte,
// sent as is; nil for none) and decodes the JSON response into out (unless
// nil), numbers as json.Number. A non-2xx status or a nonzero "code" is an
// *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var b []byte
	if body != nil {
		var ok bool
		if b, ok = body.([]byte); !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return encodingError(err)
			}
		}
	}
	status, data, err := c.roundTrip(ctx, c.rt, method, path, b)
	if err != nil {
		return err
	}
	return decodeResponse(method, path, status, data, out)
}

// jsonContentType is the Content-Type of request bodies (one shared slice:
// net/http only reads it).
var jsonContentType = []string{"application/json"}

// roundTrip sends a request (body nil for none) through rt (nil: the
// http.Client given to New) and returns the response's status and body.
// The body is read into a slice of its own, which the caller may keep
// (decoded values point into it).
func (c *Client) roundTrip(ctx context.Context, rt http.RoundTripper, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if rt != nil && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel() // after the body is read
	}
	target := c.base + path
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header["Content-Type"] = jsonContentType
	}
	var resp *http.Response
	if rt != nil {
		if resp, err = rt.RoundTrip(req); err != nil {
			// As http.Client reports it.
			return 0, nil, &url.Error{Op: method[:1] + strings.ToLower(method[1:]), URL: target, Err: err}
		}
	} else if resp, err = c.http.Do(req); err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return 0, nil, fmt.Errorf("sundial: reading the response: %w", err)
	}
	return resp.StatusCode, data, nil
}

// readBody reads a response body: in one slice of the declared length when
// there is one, reading on to the EOF (which hands the connection back to
// the pool at once).
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > 64<<20 {
		return io.ReadAll(resp.Body)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, data); err != nil {
		return nil, err
	}
	var probe [1]byte
	if m, err := resp.Body.Read(probe[:]); m > 0 || err != io.EOF && err != nil {
		if err == nil {
			err = errors.New("body longer than its Content-Length")
		}
		return nil, err
	}
	return data, nil
}

// decodeResponse decodes a response with encoding/json: its code and msg
// (an *Error unless the status is 2xx and the code 0), then out (unless
// nil), numbers as json.Number.
func decodeResponse(method, path string, status int, data []byte, out any) error {
	var head struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		if status/100 != 2 {
			return &Error{Status: status, Code: status, Msg: strings.TrimSpace(string(data))}
		}
		return fmt.Errorf("sundial: %s %s: response is not JSON: %w", method, path, err)
	}
	if status/100 != 2 || head.Code != 0 {
		return &Error{Status: status, Code: head.Code, Msg: head.Msg}
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("sundial: %s %s: decoding the response: %w", method, path, err)
		}
	}
	return nil
}
